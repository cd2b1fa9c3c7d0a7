import { FakeClock } from '@rpmsg/core/testing';
import { describe, expect, it } from 'vitest';
import { SendQueue } from './send-queue.js';

/** A target whose kernel takes `room` messages, then says "no buffer" until given more. */
function target() {
  const written: number[] = [];
  let room = 0;
  let waits = 0;
  let failNext: Error | null = null;
  return {
    written,
    get waits() {
      return waits;
    },
    give(n: number) {
      room += n;
    },
    failWith(error: Error) {
      failNext = error;
    },
    write(data: Uint8Array) {
      if (failNext !== null) {
        const e = failNext;
        failNext = null;
        throw e;
      }
      if (room === 0) return false;
      room -= 1;
      written.push(data[0]!);
      return true;
    },
    waitWritable() {
      waits += 1;
    },
  };
}

describe('SendQueue', () => {
  it('writes waiting sends in call order as buffers come back', async () => {
    const t = target();
    const queue = new SendQueue(t, new FakeClock());
    const sends = [1, 2, 3].map((n) => queue.push(new Uint8Array([n]), Number.POSITIVE_INFINITY, undefined));
    expect(t.waits).toBe(1);
    t.give(2);
    queue.flush();
    expect(t.written).toEqual([1, 2]);
    expect(queue.length).toBe(1);
    expect(t.waits).toBe(2);
    t.give(5);
    queue.flush();
    await Promise.all(sends);
    expect(t.written).toEqual([1, 2, 3]);
  });

  it('drops a send at its timeout and on abort, leaving the others queued', async () => {
    const t = target();
    const clock = new FakeClock();
    const queue = new SendQueue(t, clock);
    const timed = queue.push(new Uint8Array([1]), 50, undefined);
    const controller = new AbortController();
    const aborted = queue.push(new Uint8Array([2]), Number.POSITIVE_INFINITY, controller.signal);
    const kept = queue.push(new Uint8Array([3]), Number.POSITIVE_INFINITY, undefined);
    clock.advance(50);
    await expect(timed).rejects.toMatchObject({ code: 'ERR_RPMSG_TIMEOUT', limit: 50 });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    t.give(1);
    queue.flush();
    await kept;
    expect(t.written).toEqual([3]);
    expect(clock.pending).toBe(0);
  });

  it('fails the send whose write throws, then goes on; failAll rejects the rest', async () => {
    const t = target();
    const queue = new SendQueue(t, new FakeClock());
    const first = queue.push(new Uint8Array([1]), Number.POSITIVE_INFINITY, undefined);
    const second = queue.push(new Uint8Array([2]), Number.POSITIVE_INFINITY, undefined);
    const third = queue.push(new Uint8Array([3]), Number.POSITIVE_INFINITY, undefined);
    t.failWith(new Error('EMSGSIZE'));
    t.give(1);
    queue.flush();
    await expect(first).rejects.toThrow('EMSGSIZE');
    await second;
    queue.failAll(new Error('gone'));
    await expect(third).rejects.toThrow('gone');
  });
});
