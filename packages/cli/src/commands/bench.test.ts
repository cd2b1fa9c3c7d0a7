import { describe, expect, it } from 'vitest';
import { medianRatios } from './bench.js';

describe('medianRatios', () => {
  it("takes each ratio's median over the rounds, not the ratio of the rows' medians", () => {
    // Rounds of (rpmsg, postMessage) pairs: 8/0.8, 4/0.4 (a slow phase hit both), 8/0.4.
    const perRound = [{ a: 8 / 0.8 }, { a: 4 / 0.4 }, { a: 8 / 0.4 }];
    expect(medianRatios(perRound)).toEqual({ a: 10 });
    // The median rows (8 and 0.4) would have said 20.
  });

  it('uses the rounds that have a key when some lack it', () => {
    expect(medianRatios([{ a: 1, b: 5 }, { a: 3 }, { a: 2, b: 7 }])).toEqual({ a: 2, b: 5 });
    expect(medianRatios([])).toEqual({});
  });
});
