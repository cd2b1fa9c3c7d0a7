import { AbortError, type Clock, RpmsgError } from '@rpmsg/core';

/** One send waiting for a TX buffer. */
interface PendingSend {
  readonly data: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  timer: unknown;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** What the queue asks of its endpoint. */
export interface SendTarget {
  /**
   * One write(2): true when the message went out, false when the kernel has no TX buffer now.
   * Throws for anything else (the message is then not sent).
   */
  write(data: Uint8Array): boolean;
  /** Calls `flush` once the file may be writable again (epoll, or a timer). */
  waitWritable(): void;
}

/**
 * The sends of one endpoint that found no free TX buffer, in call order: the same rule as the
 * simulator's send path — sends leave in call order, a waiting send is bounded by its timeout and
 * its AbortSignal, and while any send waits a `trySend` fails rather than overtaking it.
 *
 * A waiting send keeps a reference to its payload (not a copy), as the simulator's does: change the
 * bytes only after the send settled.
 */
export class SendQueue {
  readonly #target: SendTarget;
  readonly #clock: Clock;
  readonly #items: PendingSend[] = [];
  #waiting = false;

  constructor(target: SendTarget, clock: Clock) {
    this.#target = target;
    this.#clock = clock;
  }

  /** Sends waiting now. */
  get length(): number {
    return this.#items.length;
  }

  /** Queues `data` behind the waiting sends; resolves once it was written. */
  push(data: Uint8Array, timeout: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const item: PendingSend = { data, resolve, reject, timer: undefined, signal, onAbort: undefined };
      if (timeout !== Number.POSITIVE_INFINITY) {
        item.timer = this.#clock.setTimeout(
          () =>
            this.#drop(
              item,
              new RpmsgError('ERR_RPMSG_TIMEOUT', `send: no TX buffer within ${timeout} ms`, {
                limit: timeout,
              }),
            ),
          timeout,
        );
      }
      if (signal !== undefined) {
        item.onAbort = () => this.#drop(item, new AbortError(undefined, { cause: signal.reason }));
        signal.addEventListener('abort', item.onAbort, { once: true });
      }
      this.#items.push(item);
      this.#wait();
    });
  }

  /**
   * Writes waiting sends, oldest first, until the kernel has no buffer again (then waits for
   * writability) or the queue is empty. A write that throws fails that send; when the error ends the
   * endpoint, the target has already failed every send through {@link SendQueue.failAll}.
   */
  flush(): void {
    this.#waiting = false;
    while (this.#items.length > 0) {
      const item = this.#items[0]!;
      let sent: boolean;
      try {
        sent = this.#target.write(item.data);
      } catch (error) {
        if (this.#items[0] === item) {
          this.#settle(item);
          item.reject(error as Error);
        }
        continue;
      }
      if (!sent) {
        this.#wait();
        return;
      }
      this.#settle(item);
      item.resolve();
    }
  }

  /** Rejects every waiting send with `error` (the endpoint is going away). */
  failAll(error: Error): void {
    for (const item of this.#items.splice(0)) {
      this.#release(item);
      item.reject(error);
    }
  }

  #wait(): void {
    if (this.#waiting || this.#items.length === 0) return;
    this.#waiting = true;
    this.#target.waitWritable();
  }

  /** Removes the head after its write. */
  #settle(item: PendingSend): void {
    this.#items.shift();
    this.#release(item);
  }

  #drop(item: PendingSend, error: Error): void {
    const at = this.#items.indexOf(item);
    if (at < 0) return;
    this.#items.splice(at, 1);
    this.#release(item);
    item.reject(error);
  }

  #release(item: PendingSend): void {
    if (item.timer !== undefined) this.#clock.clearTimeout(item.timer);
    if (item.onAbort !== undefined) item.signal?.removeEventListener('abort', item.onAbort);
  }
}
