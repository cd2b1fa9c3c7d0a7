import { describe, expect, it } from 'vitest';
import { allocateTtyIndex, freeTtyIndex } from './tty-names.js';

describe('tty numbers', () => {
  it('hands out the lowest free number and reuses freed ones, as Linux idr_alloc does', () => {
    const a = allocateTtyIndex();
    const b = allocateTtyIndex();
    const c = allocateTtyIndex();
    expect([b, c]).toEqual([a + 1, a + 2]);
    freeTtyIndex(b);
    expect(allocateTtyIndex()).toBe(b);
    freeTtyIndex(a);
    freeTtyIndex(a); // twice: harmless
    expect(allocateTtyIndex()).toBe(a);
    for (const n of [a, b, c]) freeTtyIndex(n);
  });
});
