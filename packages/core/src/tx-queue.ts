import type { Clock } from './clock.js';
import { MAX_TIMER_MS } from './clock.js';
import type { Endpoint } from './endpoint.js';
import { AbortError, RpmsgError } from './errors.js';
import type { TxBuffer } from './tx-buffer.js';
import { TxDeadlines } from './tx-deadlines.js';

/**
 * A send (or zero-copy lend) waiting for a free TX buffer. Made only when no buffer is
 * free — the slow path — so the allocation here never touches the fast path. It is its own node in
 * the queue's doubly linked list, so taking it out (handed a buffer, timed out, aborted, its endpoint
 * destroyed) costs the same whatever the queue's length.
 */
export class TxWaiter {
  /** Links in the FIFO; `null` at the ends and once out of the queue. */
  prev: TxWaiter | null = null;
  next: TxWaiter | null = null;
  /** True while in the queue: a timer or abort that fires after the waiter left does nothing. */
  queued = true;
  resolve: (value: TxBuffer | undefined) => void = noop;
  reject: (error: Error) => void = noop;
  /** Its own timer, when the clock cannot tell the time (no `currentTime`). */
  timer: unknown = undefined;
  /** When it times out: whole `clock.currentTime()` ms, so a small integer and not a boxed double. */
  deadline = 0;
  /** Links in its {@link TxDeadlines} lane. */
  lanePrev: TxWaiter | null = null;
  laneNext: TxWaiter | null = null;
  onAbort: (() => void) | undefined = undefined;

  constructor(
    /** The endpoint that asked, or `null` for the device's own name-service messages. */
    readonly owner: Endpoint | null,
    readonly src: number,
    readonly dst: number,
    /** The payload to copy when a buffer frees, or `null` for a zero-copy lend. */
    readonly data: Uint8Array | null,
    /** The timeout in ms, for the error it ends with. */
    readonly timeout: number,
    readonly signal: AbortSignal | undefined,
  ) {}
}

function noop(): void {}

/**
 * The waiter whose promise is being made: one module-level executor fills in its `resolve` and
 * `reject`, so queuing a send makes no executor closure (the Promise constructor calls it at once).
 */
let capturing: TxWaiter | null = null;
function capture(resolve: (value: TxBuffer | undefined) => void, reject: (error: Error) => void): void {
  const waiter = capturing!;
  waiter.resolve = resolve;
  waiter.reject = reject;
}

/**
 * The FIFO of blocked senders. One queue per device, so buffers go to senders in call order
 * and one endpoint's sends never overtake each other; while it is non-empty, new sends queue behind
 * it (and `trySend` fails) even if a buffer is free.
 *
 * A doubly linked list: `enqueue`, `shift` and the removal of any one waiter (timeout, abort) are
 * O(1), so 100 000 unawaited sends cost 4× what 25 000 do, not 16× (an array's `shift()` moved every
 * element behind the first). Only `rejectWhere` walks the queue, on an endpoint's destroy, a channel's
 * NS DESTROY or a link down.
 */
export class TxQueue {
  #head: TxWaiter | null = null;
  #tail: TxWaiter | null = null;
  #length = 0;
  readonly #clock: Clock;
  /** One timer for every timeout, when the clock tells the time; else each waiter sets its own. */
  readonly #deadlines: TxDeadlines | null;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#deadlines = hasCurrentTime(clock)
      ? new TxDeadlines(clock, (waiter) => this.#fail(waiter, timeoutError(waiter)))
      : null;
  }

  /** Number of waiting senders. */
  get length(): number {
    return this.#length;
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
    const waiter = new TxWaiter(owner, src, dst, data, timeout, signal);
    capturing = waiter;
    const promise = new Promise<TxBuffer | undefined>(capture);
    capturing = null;
    if (timeout <= MAX_TIMER_MS) {
      if (this.#deadlines) this.#deadlines.add(waiter);
      else waiter.timer = this.#clock.setTimeout(() => this.#fail(waiter, timeoutError(waiter)), timeout);
    }
    if (signal) {
      waiter.onAbort = () => this.#fail(waiter, new AbortError(undefined, { cause: signal.reason }));
      signal.addEventListener('abort', waiter.onAbort, { once: true });
    }
    const tail = this.#tail;
    waiter.prev = tail;
    if (tail) tail.next = waiter;
    else this.#head = waiter;
    this.#tail = waiter;
    this.#length++;
    if (owner) owner.state.queued++;
    return promise;
  }

  /** The oldest waiter, left in the queue. */
  peek(): TxWaiter | null {
    return this.#head;
  }

  /** Removes and returns the oldest waiter, its timer and abort listener gone; the caller settles it. */
  shift(): TxWaiter | null {
    const waiter = this.#head;
    if (waiter) this.#remove(waiter);
    return waiter;
  }

  /** Rejects (and removes) every waiter `match` selects, oldest first. */
  rejectWhere(match: (waiter: TxWaiter) => boolean, error: Error): void {
    for (let waiter = this.#head; waiter; ) {
      const next = waiter.next; // read before #remove unlinks it
      if (match(waiter)) {
        this.#remove(waiter);
        waiter.reject(error);
      }
      waiter = next;
    }
  }

  /** Rejects every waiter. */
  rejectAll(error: Error): void {
    this.rejectWhere(() => true, error);
  }

  #fail(waiter: TxWaiter, error: Error): void {
    if (!waiter.queued) return; // already handed a buffer or rejected
    this.#remove(waiter);
    waiter.reject(error);
  }

  /** Unlinks `waiter` in O(1) and drops its timer and abort listener. */
  #remove(waiter: TxWaiter): void {
    const { prev, next } = waiter;
    if (prev) prev.next = next;
    else this.#head = next;
    if (next) next.prev = prev;
    else this.#tail = prev;
    waiter.prev = null;
    waiter.next = null;
    waiter.queued = false;
    this.#length--;
    if (waiter.owner) waiter.owner.state.queued--;
    if (waiter.timeout <= MAX_TIMER_MS) {
      // Its timeout runs (longer ones are "never" and have none): stop it.
      if (this.#deadlines) this.#deadlines.remove(waiter);
      else this.#clock.clearTimeout(waiter.timer);
      waiter.timer = undefined;
    }
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.onAbort = undefined;
  }
}

function hasCurrentTime(clock: Clock): clock is Clock & { currentTime(): number } {
  return typeof clock.currentTime === 'function';
}

function timeoutError(waiter: TxWaiter): RpmsgError {
  const { timeout, dst } = waiter;
  return new RpmsgError('ERR_RPMSG_TIMEOUT', `no TX buffer free within ${timeout} ms`, {
    limit: timeout,
    addr: dst,
  });
}
