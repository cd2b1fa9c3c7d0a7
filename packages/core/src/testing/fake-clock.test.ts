import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';

describe('FakeClock', () => {
  it('fires due timers in time order and skips cleared ones', () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 20);
    const a = clock.setTimeout(() => fired.push('x'), 5);
    clock.setTimeout(() => fired.push('a'), 10);
    clock.clearTimeout(a);
    clock.advance(15);
    expect(fired).toEqual(['a']);
    expect(clock.now).toBe(15);
    clock.advance(5);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.pending).toBe(0);
  });
});
