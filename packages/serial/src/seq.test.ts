import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SEQ_WINDOW_MAX, seqAdd, seqAfter, seqDiff } from './seq.js';

describe('sequence arithmetic', () => {
  it('measures distance across the 255 → 0 wrap', () => {
    expect(seqDiff(2, 250)).toBe(8);
    expect(seqAdd(250, 8)).toBe(2);
    expect(seqAfter(2, 250)).toBe(true);
    expect(seqAfter(250, 2)).toBe(false);
  });

  it('orders any two numbers within the window consistently, wherever they sit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: SEQ_WINDOW_MAX }), (a, n) => {
        const b = seqAdd(a, n);
        expect(seqDiff(b, a)).toBe(n);
        expect(seqAfter(b, a)).toBe(true);
        expect(seqAfter(a, b)).toBe(false);
        expect(seqAfter(a, a)).toBe(false);
      }),
    );
  });
});
