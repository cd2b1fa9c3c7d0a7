import { describe, expect, it } from 'vitest';
import { virtioDeviceName } from './device-ids.js';
import {
  checkAcceptedFeatures,
  featureBit,
  featureNames,
  hasFeature,
  negotiateFeatures,
} from './features.js';
import { DeviceStatus, statusNames, validateStatusTransition } from './status.js';

describe('DeviceStatus', () => {
  it('walks ACKNOWLEDGE → DRIVER → FEATURES_OK → DRIVER_OK', () => {
    const s = new DeviceStatus();
    for (const bit of [1, 2, 8, 4]) s.set(bit);
    expect(s.value).toBe(15);
    expect(s.isDriverOk()).toBe(true);
  });
  it('allows the legacy order without FEATURES_OK (remoteproc: status 7)', () => {
    const s = new DeviceStatus();
    for (const bit of [1, 2, 4]) s.set(bit);
    expect(s.value).toBe(7);
  });
  it.each([
    [0, 2],
    [1, 1 | 8],
    [1, 1 | 4],
    [7, 15],
    [3, 1],
    [0x83, 0x87],
    [0, 0x10],
  ])('refuses %i → %i with ERR_VIRTQ_STATUS', (from, to) => {
    expect(() => validateStatusTransition(from, to)).toThrow(
      expect.objectContaining({ code: 'ERR_VIRTQ_STATUS' }),
    );
  });
  it('accepts FAILED at any time and reset to 0', () => {
    const s = new DeviceStatus(3);
    s.fail();
    expect(s.isFailed()).toBe(true);
    expect(s.isDriverOk()).toBe(false);
    s.reset();
    expect(s.value).toBe(0);
  });
  it('names status bits', () => {
    expect(statusNames(0x47)).toEqual(['ACKNOWLEDGE', 'DRIVER', 'DRIVER_OK', 'NEEDS_RESET']);
  });
});

describe('features', () => {
  it('negotiates the intersection and names bits', () => {
    const device = featureBit(0) | featureBit(29) | featureBit(28);
    const agreed = negotiateFeatures(device, featureBit(0) | featureBit(29) | featureBit(32));
    expect(hasFeature(agreed, 29)).toBe(true);
    expect(hasFeature(agreed, 32)).toBe(false);
    expect(featureNames(agreed)).toEqual(['VIRTIO_RPMSG_F_NS', 'VIRTIO_RING_F_EVENT_IDX']);
    expect(featureNames(featureBit(50))).toEqual(['bit 50']);
  });
  it('refuses accepted bits that were not offered with ERR_VIRTQ_FEATURES', () => {
    expect(() => checkAcceptedFeatures(featureBit(0), featureBit(0) | featureBit(29))).toThrow(
      expect.objectContaining({ code: 'ERR_VIRTQ_FEATURES' }),
    );
    expect(() => featureBit(64)).toThrow(RangeError);
  });
});

describe('virtioDeviceName', () => {
  it('names the spec table and marks unknown IDs', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(virtioDeviceName)).toEqual([
      'network card',
      'block',
      'console',
      'entropy source',
      'memory balloon',
      'ioMemory',
      'rpmsg',
      'SCSI host',
      '9P transport',
      'mac80211 WLAN',
    ]);
    expect(virtioDeviceName(99)).toBe('unknown (99)');
  });
});
