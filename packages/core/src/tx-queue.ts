import type { Clock } from './clock.js';
import { MAX_TIMER_MS } from './clock.js';
import type { Endpoint } from './endpoint.js';
import { AbortError, RpmsgError } from './errors.js';
import type { TxBuffer } from './tx-buffer.js';

/**
 * @internal A send (or zero-copy lend) waiting for a free TX buffer. Made only when no buffer is
 * free — the slow path — so the allocation here never touches the fast path.
 */
export interface TxWaiter {
  /** The endpoint that asked, or `null` for the device's own name-service messages. */
  readonly owner: Endpoint | null;
  readonly src: number;
  readonly dst: number;
  /** The payload to copy when a buffer frees, or `null` for a zero-copy lend. */
  readonly data: Uint8Array | null;
  readonly resolve: (value: TxBuffer | undefined) => void;
  readonly reject: (error: Error) => void;
  timer: unknown;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * @internal The FIFO of blocked senders. One queue per device, so buffers go to senders in call order
 * and one endpoint's sends never overtake each other; while it is non-empty, new sends queue behind
 * it (and `trySend` fails) even if a buffer is free.
 */
export class TxQueue {
  #waiters: TxWaiter[] = [];
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Number of waiting senders. */
  get length(): number {
    return this.#waiters.length;
  }

  /**
   * Queues a waiter; it settles when `shift()` hands it a buffer, on timeout (`ERR_RPMSG_TIMEOUT`),
   * on abort (`AbortError`) or through `rejectWhere`.
   */
  enqueue(
    owner: Endpoint | null,
    src: number,
    dst: number,
    data: Uint8Array | null,
    timeout: number,
    signal: AbortSignal | undefined,
  ): Promise<TxBuffer | undefined> {
    return new Promise((resolve, reject) => {
      const waiter: TxWaiter = {
        owner,
        src,
        dst,
        data,
        resolve,
        reject,
        timer: undefined,
        signal,
        onAbort: undefined,
      };
      if (timeout <= MAX_TIMER_MS) {
        waiter.timer = this.#clock.setTimeout(() => {
          waiter.timer = undefined;
          this.#fail(
            waiter,
            new RpmsgError('ERR_RPMSG_TIMEOUT', `no TX buffer free within ${timeout} ms`, {
              limit: timeout,
              addr: dst,
            }),
          );
        }, timeout);
      }
      if (signal) {
        waiter.onAbort = () => this.#fail(waiter, new AbortError(undefined, { cause: signal.reason }));
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
    });
  }

  /** The oldest waiter, left in the queue. */
  peek(): TxWaiter | undefined {
    return this.#waiters[0];
  }

  /** Removes and returns the oldest waiter, its timer and abort listener gone; the caller settles it. */
  shift(): TxWaiter | undefined {
    const waiter = this.#waiters.shift();
    if (waiter) this.#detach(waiter);
    return waiter;
  }

  /** Rejects (and removes) every waiter `match` selects. */
  rejectWhere(match: (waiter: TxWaiter) => boolean, error: Error): void {
    const keep: TxWaiter[] = [];
    const drop: TxWaiter[] = [];
    for (const waiter of this.#waiters) (match(waiter) ? drop : keep).push(waiter);
    this.#waiters = keep;
    for (const waiter of drop) {
      this.#detach(waiter);
      waiter.reject(error);
    }
  }

  /** Rejects every waiter. */
  rejectAll(error: Error): void {
    this.rejectWhere(() => true, error);
  }

  #fail(waiter: TxWaiter, error: Error): void {
    const i = this.#waiters.indexOf(waiter);
    if (i < 0) return; // already handed a buffer or rejected
    this.#waiters.splice(i, 1);
    this.#detach(waiter);
    waiter.reject(error);
  }

  #detach(waiter: TxWaiter): void {
    if (waiter.timer !== undefined) this.#clock.clearTimeout(waiter.timer);
    waiter.timer = undefined;
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.onAbort = undefined;
  }
}
