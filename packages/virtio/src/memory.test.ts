import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryRegion } from './memory.js';

describe('MemoryRegion', () => {
  const region = new MemoryRegion(new SharedArrayBuffer(0x140), {
    base: 0x2000_0000,
    offset: 0x40,
    size: 0x100,
  });

  it('translates device addresses to region offsets', () => {
    expect(region.offsetOf(0x2000_0010, 16)).toBe(0x10);
    expect(region.addrOf(0x10)).toBe(0x2000_0010);
    expect(region.contains(0x2000_0100, 0)).toBe(true);
  });

  it('refuses ranges that leave the region, with ERR_VIRTQ_ADDR', () => {
    expect(() => region.offsetOf(0x2000_00ff, 2)).toThrow(
      expect.objectContaining({ code: 'ERR_VIRTQ_ADDR' }),
    );
    expect(region.contains(0x1fff_ffff, 1)).toBe(false);
    expect(region.contains(0x2000_0000, -1)).toBe(false);
  });

  it('contains() agrees with plain interval arithmetic for any address and length', () => {
    fc.assert(
      fc.property(fc.nat(2 ** 40), fc.nat(2 ** 33), (addr, length) => {
        const inside = addr >= 0x2000_0000 && addr + length <= 0x2000_0100;
        expect(region.contains(addr, length)).toBe(inside);
      }),
    );
  });

  it('uses Atomics views only on shared memory', () => {
    expect(region.u16).not.toBeNull();
    expect(new MemoryRegion(new ArrayBuffer(16)).u16).toBeNull();
    const plain = new MemoryRegion(new ArrayBuffer(16));
    plain.store16(2, 0xbeef);
    expect(plain.view.getUint16(2, true)).toBe(0xbeef);
    region.store16(4, 0x1234);
    expect(region.bytes[4]).toBe(0x34); // little-endian in memory
  });

  it('rejects an offset/size that does not fit the buffer', () => {
    expect(() => new MemoryRegion(new ArrayBuffer(16), { offset: 8, size: 16 })).toThrow(RangeError);
  });
});
