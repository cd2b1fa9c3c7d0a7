import { describe, expect, it } from 'vitest';
import { parseLayoutJson } from './layout-json.js';

const mcu = () => ({
  profile: 'rpmsg-lite',
  base: '0x10000000',
  size: 4352,
  vrings: [
    { name: 'vq0', da: '0x10000000', num: 4, align: 16, direction: 'remote-to-master' },
    { name: 'vq1', da: '0x10000080', num: 4, align: 16, direction: 'master-to-remote' },
  ],
  bufferSize: 512,
  eventIdx: false,
});

function errorOf(fn: () => unknown): { code?: string; field?: string; message: string } {
  try {
    fn();
  } catch (error) {
    return error as { code?: string; field?: string; message: string };
  }
  throw new Error('did not throw');
}

describe('parseLayoutJson', () => {
  it('reads the docs/layouts.md example with hex strings and derives the pool at 2 × stride', () => {
    const layout = parseLayoutJson(mcu());
    expect(layout).toMatchObject({
      profile: 'rpmsg-lite',
      base: 0x1000_0000,
      size: 4352,
      pool: 0x1000_0100,
      numBuffers: 4,
    });
    expect(layout.vrings[1]).toMatchObject({ da: 0x1000_0080, notifyId: 1, direction: 'master-to-remote' });
  });

  it('ignores unknown keys', () => {
    expect(parseLayoutJson({ ...mcu(), comment: 'x', vendor: { a: 1 } })).toEqual(parseLayoutJson(mcu()));
  });

  it.each([
    ['profile', (j: Record<string, unknown>) => delete j.profile],
    ['base', (j: Record<string, unknown>) => delete j.base],
    ['size', (j: Record<string, unknown>) => delete j.size],
    ['bufferSize', (j: Record<string, unknown>) => delete j.bufferSize],
    ['vrings', (j: Record<string, unknown>) => delete j.vrings],
  ])('names a missing required key: %s', (field, mutate) => {
    const json = mcu() as Record<string, unknown>;
    mutate(json);
    expect(errorOf(() => parseLayoutJson(json))).toMatchObject({ code: 'ERR_RPMSG_LAYOUT', field });
  });

  it('names contradictory keys', () => {
    const swapped = mcu();
    swapped.vrings[0]!.direction = 'master-to-remote';
    expect(errorOf(() => parseLayoutJson(swapped))).toMatchObject({ field: 'vrings[0].direction' });
    const unequal = mcu();
    unequal.vrings[1]!.num = 8;
    expect(errorOf(() => parseLayoutJson(unequal))).toMatchObject({ field: 'vrings[1].num' });
    const overlap = mcu();
    overlap.vrings[1]!.da = '0x10000040';
    expect(errorOf(() => parseLayoutJson(overlap))).toMatchObject({ field: 'vrings[1].da' });
  });

  it('checks that every range fits in the region', () => {
    expect(errorOf(() => parseLayoutJson({ ...mcu(), size: 4351 }))).toMatchObject({ field: 'pool' });
    const outside = mcu();
    outside.vrings[0]!.da = '0x0fffff00';
    expect(errorOf(() => parseLayoutJson(outside))).toMatchObject({ field: 'vrings[0].da' });
    expect(errorOf(() => parseLayoutJson({ ...mcu(), resourceTable: '0x10001100' }))).toMatchObject({
      field: 'resourceTable',
    });
  });

  it.each([
    [0, '0x10000008'],
    [1, '0x10000084'],
    [1, 0x1000_0081],
  ])('refuses vrings[%i].da = %s: not 16-byte aligned, as the ring code requires', (i, da) => {
    const json = { ...mcu(), pool: '0x10000100' }; // where it was: clear of both rings either way
    json.vrings[i]!.da = da as string;
    const error = errorOf(() => parseLayoutJson(json));
    expect(error).toMatchObject({ name: 'RpmsgError', code: 'ERR_RPMSG_LAYOUT', field: `vrings[${i}].da` });
    expect(error.message).toContain('16-byte aligned');
  });

  it('takes a vring address on a 16-byte boundary that is not on the used-ring align boundary', () => {
    const json = { ...mcu(), size: 0x1200, pool: '0x10000200' };
    for (const v of json.vrings) v.align = 64; // each ring 0xa6 bytes
    json.vrings[1]!.da = '0x100000b0'; // 16-byte aligned, not 64-byte aligned
    expect(parseLayoutJson(json).vrings[1].da).toBe(0x1000_00b0);
  });

  it('refuses values that are not numbers, powers of two or 32-bit', () => {
    expect(errorOf(() => parseLayoutJson({ ...mcu(), base: '0xzz' }))).toMatchObject({ field: 'base' });
    expect(errorOf(() => parseLayoutJson({ ...mcu(), base: -1 }))).toMatchObject({ field: 'base' });
    expect(errorOf(() => parseLayoutJson({ ...mcu(), base: '0x1ffffffff' }))).toMatchObject({
      field: 'base',
    });
    const odd = mcu();
    odd.vrings[0]!.num = 3;
    expect(errorOf(() => parseLayoutJson(odd))).toMatchObject({ field: 'vrings[0].num' });
    expect(errorOf(() => parseLayoutJson({ ...mcu(), profile: 'zephyr' }))).toMatchObject({
      field: 'profile',
    });
    expect(errorOf(() => parseLayoutJson([]))).toMatchObject({ code: 'ERR_RPMSG_LAYOUT' });
  });
});
