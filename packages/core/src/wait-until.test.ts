import { describe, expect, it } from 'vitest';
import { checkTimeout } from './clock.js';
import { FakeClock } from './testing/fake-clock.js';
import { waitUntil } from './wait-until.js';

describe('waitUntil', () => {
  it('resolves with the value settled by the subscriber and unsubscribes once', async () => {
    const clock = new FakeClock();
    let unsubscribed = 0;
    let fire: ((v: number) => void) | undefined;
    const p = waitUntil<number>(clock, 100, undefined, 'thing', (settle) => {
      fire = (v) => settle(null, v);
      return () => unsubscribed++;
    });
    fire?.(7);
    fire?.(8);
    await expect(p).resolves.toBe(7);
    expect(unsubscribed).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('settles synchronously when the condition already holds', async () => {
    let unsubscribed = 0;
    const p = waitUntil(new FakeClock(), 100, undefined, 'x', (settle) => {
      settle(null, 'now');
      return () => unsubscribed++;
    });
    await expect(p).resolves.toBe('now');
    expect(unsubscribed).toBe(1);
  });

  it('times out with ERR_RPMSG_TIMEOUT and aborts with AbortError', async () => {
    const clock = new FakeClock();
    const timed = waitUntil(clock, 30, undefined, 'x', () => () => {});
    clock.advance(30);
    await expect(timed).rejects.toMatchObject({ code: 'ERR_RPMSG_TIMEOUT', limit: 30 });
    const ac = new AbortController();
    const aborted = waitUntil(clock, Number.POSITIVE_INFINITY, ac.signal, 'x', () => () => {});
    expect(clock.pending).toBe(0); // Infinity sets no timer
    ac.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    await expect(waitUntil(clock, 1, ac.signal, 'x', () => () => {})).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe('checkTimeout', () => {
  it('returns the fallback for undefined, keeps Infinity, and refuses negative, NaN or non-numbers by code', () => {
    expect(checkTimeout(undefined, 15_000)).toBe(15_000);
    expect(checkTimeout(0, 1)).toBe(0);
    expect(checkTimeout(Number.POSITIVE_INFINITY, 1)).toBe(Number.POSITIVE_INFINITY);
    const range = { code: 'ERR_OUT_OF_RANGE', argument: 'options.timeout' };
    expect(() => checkTimeout(-1, 1)).toThrow(expect.objectContaining(range));
    expect(() => checkTimeout(Number.NaN, 1)).toThrow(expect.objectContaining(range));
    expect(() => checkTimeout(Number.NaN, 1)).toThrow(RangeError); // still a RangeError
    expect(() => checkTimeout('x', 1)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', argument: 'options.timeout' }),
    );
    expect(() => checkTimeout(-5, 1, 'options.sendTimeout')).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', argument: 'options.sendTimeout' }),
    );
  });
});
