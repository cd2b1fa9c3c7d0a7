import { FakeClock } from '@rpmsg/core/testing';
import { describe, expect, it } from 'vitest';
import { type PollerLike, PollerReadiness, TimerReadiness } from './fd-readiness.js';

/** A stand-in for serialport's Poller: records the masks it is given, fires on demand. */
class MockPoller implements PollerLike {
  readonly masks: number[] = [];
  readonly #listeners = new Map<string, (error: Error | null) => void>();
  poll(flags: number): void {
    this.masks.push(flags);
  }
  on(event: 'readable' | 'writable', listener: (error: Error | null) => void): this {
    this.#listeners.set(event, listener);
    return this;
  }
  removeAllListeners(): this {
    this.#listeners.clear();
    return this;
  }
  fire(event: 'readable' | 'writable', error: Error | null = null): void {
    this.#listeners.get(event)?.(error);
  }
}

describe('PollerReadiness', () => {
  it('always asks the poller for every event still awaited (its poll replaces the mask)', () => {
    const poller = new MockPoller();
    const readiness = new PollerReadiness(poller);
    const calls: string[] = [];
    readiness.waitReadable(() => calls.push('r'));
    readiness.waitWritable(() => calls.push('w'));
    expect(poller.masks).toEqual([1, 3]);
    poller.fire('writable');
    readiness.waitWritable(() => calls.push('w2'));
    expect(poller.masks.at(-1)).toBe(3);
    poller.fire('readable');
    poller.fire('writable');
    expect(calls).toEqual(['w', 'r', 'w2']);
  });

  it('passes an error condition to the waiter, and refuses a second wait of one kind', () => {
    const poller = new MockPoller();
    const readiness = new PollerReadiness(poller);
    let got: Error | null = null;
    readiness.waitReadable((e) => {
      got = e;
    });
    expect(() => readiness.waitReadable(() => {})).toThrow(/already pending/);
    const error = new Error('bad file descriptor');
    poller.fire('readable', error);
    expect(got).toBe(error);
  });

  it('calls nobody back after close', () => {
    const poller = new MockPoller();
    const readiness = new PollerReadiness(poller);
    let called = false;
    readiness.waitReadable(() => {
      called = true;
    });
    readiness.close();
    poller.fire('readable');
    expect(called).toBe(false);
  });
});

describe('TimerReadiness', () => {
  it('calls back after the interval, and not after close', () => {
    const clock = new FakeClock();
    const readiness = new TimerReadiness(clock, 10);
    const calls: string[] = [];
    readiness.waitReadable(() => calls.push('r'));
    readiness.waitWritable(() => calls.push('w'));
    clock.advance(9);
    expect(calls).toEqual([]);
    clock.advance(1);
    expect(calls).toEqual(['r', 'w']);
    readiness.waitReadable(() => calls.push('late'));
    readiness.close();
    clock.advance(10);
    expect(calls).toEqual(['r', 'w']);
    expect(readiness.kind).toBe('timer');
  });
});
