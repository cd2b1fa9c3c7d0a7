import { MemoryRegion } from '@rpmsg/virtio';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLayout } from '../layout/create-layout.js';
import { BufferPool } from './buffer-pool.js';

const layout = createLayout('linux', { numBuffers: 8, bufferSize: 512 });
const pool = new BufferPool(
  new MemoryRegion(new SharedArrayBuffer(layout.size), { base: layout.base }),
  layout,
);

describe('BufferPool.slotOf', () => {
  it('maps the start of every pool buffer to its slot, both directions', () => {
    for (let k = 0; k < 16; k++) expect(pool.slotOf(layout.pool + k * 512)).toBe(k);
  });

  it('refuses addresses inside a buffer, before the pool, past it, or above 4 GiB', () => {
    for (const addr of [
      layout.pool + 1,
      layout.pool + 511,
      layout.pool + 16 + 512 * 3,
      layout.pool - 512,
      layout.pool - 1,
      layout.pool + 16 * 512,
      layout.pool + 2 ** 32,
      2 ** 53 - 1,
    ]) {
      expect(pool.slotOf(addr)).toBe(-1);
    }
  });

  it('maps an address to k exactly when it is pool + k × bufferSize with k < 2N', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -4096, max: 16 * 512 + 4096 }).map((d) => layout.pool + d),
          fc.integer({ min: 0, max: 2 ** 40 }),
        ),
        (addr) => {
          const delta = addr - layout.pool;
          const expected = delta >= 0 && delta % 512 === 0 && delta / 512 < 16 ? delta / 512 : -1;
          expect(pool.slotOf(addr)).toBe(expected);
        },
      ),
    );
  });
});
