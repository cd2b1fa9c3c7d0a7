import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CRC32_CHECK, crc32 } from './crc.js';

describe('crc32', () => {
  it('gives the CRC-32/ISO-HDLC check value for "123456789"', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(CRC32_CHECK);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('detects every single-bit and every 2-byte burst error', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 600 }),
        fc.nat(),
        fc.integer({ min: 1, max: 0xffff }),
        (data, at, burst) => {
          const i = at % data.length;
          const good = crc32(data);
          const bad = data.slice();
          bad[i]! ^= burst & 0xff || 1;
          if (i + 1 < bad.length) bad[i + 1]! ^= burst >> 8;
          expect(crc32(bad)).not.toBe(good);
        },
      ),
    );
  });

  it('covers exactly the requested range', () => {
    const data = Uint8Array.from([9, 1, 2, 3, 9]);
    expect(crc32(data, 1, 4)).toBe(crc32(Uint8Array.from([1, 2, 3])));
  });
});
