import { describe, expect, it } from 'vitest';
import { FakeClock } from './testing/index.js';
import { TxQueue } from './tx-queue.js';

type ArrayMethod = (this: unknown[], ...args: unknown[]) => unknown;
const SCANNING = ['shift', 'unshift', 'splice', 'indexOf', 'findIndex', 'filter'] as const;

/**
 * Runs `work` and counts calls of the Array methods that cost O(length) on arrays of 1000 or more
 * elements — what a queue built on an array does per dequeue or removal. A deterministic stand-in
 * for timing: the count does not depend on the machine.
 */
function countScans(work: () => void): number {
  const proto = Array.prototype as unknown as Record<string, ArrayMethod>;
  const originals = SCANNING.map((name) => proto[name]!);
  let scans = 0;
  SCANNING.forEach((name, i) => {
    const original = originals[i]!;
    proto[name] = function (this: unknown[], ...args: unknown[]) {
      if (this.length >= 1000) scans++;
      return original.apply(this, args);
    };
  });
  try {
    work();
  } finally {
    SCANNING.forEach((name, i) => {
      proto[name] = originals[i]!;
    });
  }
  return scans;
}

const settled = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code: string }) => e.code,
  );

describe('TxQueue', () => {
  it('hands waiters out oldest first and removes a timed-out or aborted one from the middle', async () => {
    const clock = new FakeClock();
    const queue = new TxQueue(clock);
    const ac = new AbortController();
    const data = (n: number) => Uint8Array.of(n);
    const a = queue.enqueue(null, 1, 2, data(1), Number.POSITIVE_INFINITY, undefined);
    const b = queue.enqueue(null, 1, 2, data(2), 10, undefined);
    const c = queue.enqueue(null, 1, 2, data(3), Number.POSITIVE_INFINITY, ac.signal);
    const d = queue.enqueue(null, 1, 2, data(4), Number.POSITIVE_INFINITY, undefined);
    clock.advance(10);
    ac.abort();
    expect(queue.length).toBe(2);
    const order: number[] = [];
    for (let w = queue.shift(); w; w = queue.shift()) {
      order.push(w.data![0]!);
      w.resolve(undefined);
    }
    expect(order).toEqual([1, 4]);
    expect(await Promise.all([a, b, c, d].map(settled))).toEqual([
      'resolved',
      'ERR_RPMSG_TIMEOUT',
      'ABORT_ERR',
      'resolved',
    ]);
    expect(clock.pending).toBe(0);
  });

  it('times every waiter out at its own deadline on one clock timer, and leaves no timer behind', async () => {
    const clock = new FakeClock();
    const queue = new TxQueue(clock);
    const outcome: Record<string, string> = {};
    const enqueue = (name: string, timeout: number) =>
      queue.enqueue(null, 1, 2, null, timeout, undefined).then(
        () => {
          outcome[name] = 'sent';
        },
        (err: { code: string; limit: number }) => {
          outcome[name] = `${err.code} ${err.limit}`;
        },
      );
    const advance = async (ms: number) => {
      clock.advance(ms);
      await new Promise((resolve) => setImmediate(resolve));
      return { ...outcome };
    };
    const settled = [enqueue('a', 100)]; // due at 100
    clock.advance(30);
    settled.push(enqueue('b', 100)); // due at 130, handed a buffer before that
    settled.push(enqueue('c', 20)); // due at 50: earlier than a
    settled.push(enqueue('d', Number.POSITIVE_INFINITY));
    settled.push(enqueue('e', 100)); // due at 130
    expect(clock.pending).toBe(1);
    expect(await advance(19)).toEqual({});
    expect(await advance(1)).toEqual({ c: 'ERR_RPMSG_TIMEOUT 20' }); // at 50
    expect(await advance(49)).toEqual({ c: 'ERR_RPMSG_TIMEOUT 20' });
    expect(await advance(1)).toEqual({ c: 'ERR_RPMSG_TIMEOUT 20', a: 'ERR_RPMSG_TIMEOUT 100' }); // at 100
    queue.shift()?.resolve(undefined); // b, the oldest left
    expect(await advance(29)).toMatchObject({ b: 'sent' });
    expect(await advance(1)).toMatchObject({ e: 'ERR_RPMSG_TIMEOUT 100' }); // at 130
    expect(queue.length).toBe(1); // d, which has no timeout
    expect(clock.pending).toBe(0);
    queue.shift()?.resolve(undefined);
    await Promise.all(settled);
    expect(outcome.d).toBe('sent');
  });

  it('gives each waiter its own timer on a clock that cannot tell the time', () => {
    const fake = new FakeClock();
    const clock = { setTimeout: fake.setTimeout.bind(fake), clearTimeout: fake.clearTimeout.bind(fake) };
    const queue = new TxQueue(clock);
    const p = [10, 20].map((t) => queue.enqueue(null, 1, 2, null, t, undefined));
    for (const x of p) x.catch(() => {});
    expect(fake.pending).toBe(2);
    fake.advance(10);
    expect(queue.length).toBe(1);
    queue.shift()?.resolve(undefined);
    expect(fake.pending).toBe(0);
  });

  it('does no work proportional to its length per enqueue, shift, timeout or abort', () => {
    const clock = new FakeClock();
    const queue = new TxQueue(clock);
    const n = 5000;
    const signals: AbortController[] = [];
    const promises: Promise<unknown>[] = [];
    const scans = countScans(() => {
      for (let i = 0; i < n; i++) {
        const ac = new AbortController();
        signals.push(ac);
        // Every 100th has a timeout; the rest wait for ever (no timer for the fake clock to scan).
        const timeout = i % 100 === 50 ? 5 : Number.POSITIVE_INFINITY;
        promises.push(queue.enqueue(null, 1, 2, null, timeout, ac.signal));
      }
      for (let i = 0; i < n / 2; i++) queue.shift()?.resolve(undefined);
      for (let i = n / 2; i < n; i += 7) signals[i]!.abort(); // removed from the middle
      clock.advance(5); // the timed-out ones left, wherever they were
    });
    expect(scans).toBe(0);
    let left = 0; // the second half, less the aborted and the timed-out
    for (let i = n / 2; i < n; i++) if ((i - n / 2) % 7 !== 0 && i % 100 !== 50) left++;
    expect(queue.length).toBe(left);
    for (const p of promises) p.catch(() => {});
  });
});
