import { vringSize } from '@rpmsg/virtio';
import { describe, expect, it } from 'vitest';
import { type CreateLayoutOptions, createLayout, defaultStride } from './create-layout.js';
import { parseLayoutJson } from './layout-json.js';
import { RESOURCE_TABLE_SIZE } from './resource-table.js';
import type { LayoutProfile } from './types.js';

describe('createLayout', () => {
  describe('rpmsg-lite', () => {
    it('matches the mcu-compact vectors (4 buffers, align 16, stride 0x80)', () => {
      const layout = createLayout('rpmsg-lite', { numBuffers: 4, align: 16 });
      expect(layout.vrings[0]).toMatchObject({
        name: 'vq0',
        da: 0x1000_0000,
        num: 4,
        align: 16,
        notifyId: 0,
      });
      expect(layout.vrings[1]).toMatchObject({ name: 'vq1', da: 0x1000_0080, notifyId: 1 });
      expect(layout.pool).toBe(0x1000_0100);
      expect(layout.size).toBe(4352);
    });

    it('matches the linux-compat vectors (256 buffers, align 0x1000, stride 0x8000)', () => {
      const layout = createLayout('rpmsg-lite');
      expect(layout.vrings[1].da).toBe(0x1000_8000);
      expect(layout.pool).toBe(0x1001_0000);
      expect(layout.size).toBe(0x50000);
      expect(layout.numBuffers).toBe(256);
    });

    it('derives notify ids from the link id (linkId << 1 | vring)', () => {
      const layout = createLayout('rpmsg-lite', { linkId: 3, numBuffers: 4, align: 16 });
      expect(layout.vrings.map((v) => v.notifyId)).toEqual([6, 7]);
    });

    it('rounds desc, avail and used each up to align for MCU parts', () => {
      expect(defaultStride(16, 16)).toBe(256 + 48 + 144);
      expect(defaultStride(4, 16)).toBe(0x80);
    });

    it('refuses a stride smaller than the vring', () => {
      expect(() => createLayout('rpmsg-lite', { numBuffers: 256, stride: 0x100 })).toThrow(
        expect.objectContaining({ code: 'ERR_RPMSG_LAYOUT', field: 'stride' }),
      );
    });
  });

  describe('linux', () => {
    it('places the resource table first, then the aligned vrings, then RX and TX halves of the pool', () => {
      const layout = createLayout('linux', { base: 0x2000_0000 });
      expect(layout.resourceTable).toBe(0x2000_0000);
      expect(layout.vrings[0].da).toBe(0x2000_1000);
      expect(layout.vrings[1].da).toBe(0x2000_1000 + 0x3000); // vringSize(256, 4096) = 10246 → 3 pages
      expect(layout.pool).toBe(0x2000_1000 + 0x6000);
      expect(layout.size).toBe(0x7000 + 2 * 256 * 512);
      expect(layout.vrings[0].da - layout.base).toBeGreaterThanOrEqual(RESOURCE_TABLE_SIZE);
    });

    it('takes the number and size of buffers per instance', () => {
      const layout = createLayout('linux', { numBuffers: 8, bufferSize: 1024, align: 16 });
      expect(layout.numBuffers).toBe(8);
      expect(layout.vrings[1].da).toBe(layout.vrings[0].da + vringSize(8, 16) + 10); // 230 → 240
      expect(layout.size).toBe(layout.pool - layout.base + 16 * 1024);
    });

    it('is read back unchanged from its own JSON', async () => {
      const { layoutToJson } = await import('./layout-json.js');
      for (const layout of [
        createLayout('linux'),
        createLayout('rpmsg-lite', { numBuffers: 4, align: 16, linkId: 2 }),
      ]) {
        expect(parseLayoutJson(JSON.parse(JSON.stringify(layoutToJson(layout))))).toEqual(layout);
      }
    });
  });

  it('names the option that is out of range', () => {
    expect(() => createLayout('linux', { numBuffers: 3 })).toThrow(/numBuffers/);
    expect(() => createLayout('linux', { align: 24 })).toThrow(/align/);
    expect(() => createLayout('linux', { bufferSize: 40 })).toThrow(/bufferSize/);
  });

  // What createSoc users hit through it: `base: 3` booted a remote that died on its first ring
  // access (reported as a crash), `eventIdx: 'yes'` was taken as on.
  it.each<[string, unknown, Record<string, unknown>, string, string]>([
    ['a profile that is not one of the two', 'vxworks', {}, 'ERR_INVALID_ARG_VALUE', 'profile'],
    ['options that are not an object', 'linux', null as never, 'ERR_INVALID_ARG_TYPE', 'options'],
    ['numBuffers as a string', 'linux', { numBuffers: '8' }, 'ERR_INVALID_ARG_TYPE', 'options.numBuffers'],
    ['numBuffers not a power of two', 'linux', { numBuffers: 3 }, 'ERR_OUT_OF_RANGE', 'options.numBuffers'],
    ['numBuffers NaN', 'linux', { numBuffers: Number.NaN }, 'ERR_OUT_OF_RANGE', 'options.numBuffers'],
    [
      'bufferSize below a header and an NS message',
      'linux',
      { bufferSize: 40 },
      'ERR_OUT_OF_RANGE',
      'options.bufferSize',
    ],
    ['align not a power of two', 'linux', { align: 24 }, 'ERR_OUT_OF_RANGE', 'options.align'],
    ['base off the ring alignment (linux)', 'linux', { base: 3 }, 'ERR_OUT_OF_RANGE', 'options.base'],
    [
      'base off the ring alignment (rpmsg-lite)',
      'rpmsg-lite',
      { base: 0x1000_0008, align: 16 },
      'ERR_OUT_OF_RANGE',
      'options.base',
    ],
    ['a negative base', 'linux', { base: -4096 }, 'ERR_OUT_OF_RANGE', 'options.base'],
    ['eventIdx as a string', 'linux', { eventIdx: 'yes' }, 'ERR_INVALID_ARG_TYPE', 'options.eventIdx'],
    [
      'a stride off the ring alignment',
      'rpmsg-lite',
      { numBuffers: 4, align: 16, stride: 0x88 },
      'ERR_OUT_OF_RANGE',
      'options.stride',
    ],
    ['a negative linkId', 'rpmsg-lite', { linkId: -1 }, 'ERR_OUT_OF_RANGE', 'options.linkId'],
  ])('refuses %s with a Node-style argument error', (_what, profile, options, code, argument) => {
    let error: unknown;
    try {
      createLayout(profile as LayoutProfile, options as CreateLayoutOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code, argument });
    // Still the TypeError / RangeError callers tested for before the codes.
    expect(error).toBeInstanceOf(code === 'ERR_OUT_OF_RANGE' ? RangeError : TypeError);
  });

  it('accepts a base on the ring alignment that is not the default', () => {
    expect(createLayout('linux', { base: 0x2000_1000 }).resourceTable).toBe(0x2000_1000);
    expect(createLayout('rpmsg-lite', { base: 0x1000_0010, numBuffers: 4, align: 16 }).vrings[1].da).toBe(
      0x1000_0090,
    );
  });
});
