import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasFeature, KERNEL_FEATURES, parseRelease, readKernelRelease } from './kernel.js';

describe('parseRelease', () => {
  it.each([
    ['6.6.23-imx8mp+g1c2d', [6, 6]],
    ['5.15.0', [5, 15]],
    ['4.19.94-ti-r42', [4, 19]],
  ])('reads the major and minor of %s', (release, expected) => {
    expect(parseRelease(release)).toEqual(expected);
  });

  it('returns null for text without a version', () => {
    expect(parseRelease('unknown')).toBeNull();
  });
});

describe('hasFeature', () => {
  it('compares major, then minor', () => {
    expect(hasFeature('5.18.0', KERNEL_FEATURES.rpmsgRaw)).toBe(true);
    expect(hasFeature('6.1.0', KERNEL_FEATURES.rpmsgRaw)).toBe(true);
    expect(hasFeature('5.17.9', KERNEL_FEATURES.rpmsgRaw)).toBe(false);
    expect(hasFeature('4.19.0', KERNEL_FEATURES.rpmsgRaw)).toBe(false);
    expect(hasFeature('5.16.0', KERNEL_FEATURES.rpmsgTty)).toBe(true);
    expect(hasFeature('4.14.0', KERNEL_FEATURES.driverOverride)).toBe(false);
  });

  it('says null (unknown, not old) without a release', () => {
    expect(hasFeature(null, KERNEL_FEATURES.rpmsgRaw)).toBeNull();
    expect(hasFeature('custom', KERNEL_FEATURES.rpmsgRaw)).toBeNull();
  });
});

describe('readKernelRelease', () => {
  it('reads <root>/proc/sys/kernel/osrelease, or null without it', () => {
    const root = mkdtempSync(join(tmpdir(), 'rpmsg-kernel-'));
    try {
      expect(readKernelRelease(root)).toBeNull();
      mkdirSync(join(root, 'proc', 'sys', 'kernel'), { recursive: true });
      writeFileSync(join(root, 'proc', 'sys', 'kernel', 'osrelease'), '6.1.55-stm32mp\n');
      expect(readKernelRelease(root)).toBe('6.1.55-stm32mp');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
