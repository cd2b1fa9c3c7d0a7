/** Test helpers of the C firmware tests: deterministic bytes, replies in order, polling a condition. */

/** A deterministic generator (mulberry32): the same sizes and bytes on every run. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** One received message, copied out of its RX buffer. */
export interface Reply {
  readonly data: Uint8Array;
  readonly src: number;
}

/** What {@link replies} gives: the replies of one endpoint in arrival order. */
export interface Replies {
  /** The next reply, waiting up to `timeout` ms. */
  next(timeout?: number): Promise<Reply>;
  /** Every reply received and not yet taken. */
  take(): Reply[];
  /** How many are waiting. */
  readonly length: number;
}

/** Collects the messages an endpoint receives (the functions need no `this`: `replies(e).next` works alone). */
export function replies(ept: {
  on(event: 'message', listener: (payload: Uint8Array, src: number) => void): unknown;
}): Replies {
  const queue: Reply[] = [];
  let wake: (() => void) | undefined;
  ept.on('message', (payload, src) => {
    queue.push({ data: Uint8Array.from(payload), src });
    wake?.();
  });
  const next = async (timeout = 5000): Promise<Reply> => {
    if (queue.length === 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply within ${timeout} ms`)), timeout);
        wake = () => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
      });
    }
    return queue.shift() as Reply;
  };
  return {
    next,
    take: () => queue.splice(0),
    get length() {
      return queue.length;
    },
  };
}

/** Polls `check` every 5 ms until it holds; throws after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
