import type { Clock } from '@rpmsg/core';

/** How a {@link DeviceFile} learns that a call may succeed now. */
export interface Readiness {
  /** epoll (`poll`) or a timer that retries (`timer`). */
  readonly kind: 'poll' | 'timer';
  waitReadable(callback: (error: Error | null) => void): void;
  waitWritable(callback: (error: Error | null) => void): void;
  /** Cancels the waits without calling them back. */
  close(): void;
}

/** The part of `@serialport/bindings-cpp`'s `Poller` (libuv's `uv_poll` on one descriptor) used here. */
export interface PollerLike {
  poll(flags: number): void;
  on(event: 'readable' | 'writable', listener: (error: Error | null) => void): unknown;
  removeAllListeners(): unknown;
}

// libuv's uv_poll event bits, as the Poller takes them.
const UV_READABLE = 1;
const UV_WRITABLE = 2;

/**
 * Readiness from epoll, through the prebuilt `uv_poll` wrapper that ships with serialport's
 * binding — the one way for Node to wait on a descriptor that is neither a socket, a pipe nor a tty
 * without a native module of our own. rpmsg_char implements poll(2) (`rpmsg_eptdev_poll`: readable
 * with a message queued, an error once the endpoint is gone), and so does every tty.
 *
 * The wrapper's `poll(flags)` replaces the descriptor's event mask rather than adding to it, so every
 * call passes the union of what is still awaited: a reader and a writer waiting together both wake.
 */
export class PollerReadiness implements Readiness {
  readonly kind = 'poll';
  readonly #poller: PollerLike;
  /** The events still awaited (the mask the poller must have). */
  #events = 0;
  #onReadable: ((error: Error | null) => void) | null = null;
  #onWritable: ((error: Error | null) => void) | null = null;
  #closed = false;

  constructor(poller: PollerLike) {
    this.#poller = poller;
    poller.on('readable', (error) => this.#fire(UV_READABLE, error));
    poller.on('writable', (error) => this.#fire(UV_WRITABLE, error));
  }

  waitReadable(callback: (error: Error | null) => void): void {
    if (this.#onReadable !== null) throw new Error('a read wait is already pending');
    this.#onReadable = callback;
    this.#arm(UV_READABLE);
  }

  waitWritable(callback: (error: Error | null) => void): void {
    if (this.#onWritable !== null) throw new Error('a write wait is already pending');
    this.#onWritable = callback;
    this.#arm(UV_WRITABLE);
  }

  close(): void {
    this.#closed = true;
    this.#onReadable = null;
    this.#onWritable = null;
    // The owner stops and destroys the poller; its "canceled" errors must not reach anyone.
    this.#poller.removeAllListeners();
  }

  #arm(flag: number): void {
    if (this.#closed) return;
    this.#events |= flag;
    this.#poller.poll(this.#events);
  }

  #fire(flag: number, error: Error | null): void {
    // The poller drops a fired event from its own mask; keep ours the same.
    this.#events &= ~flag;
    const callback = flag === UV_READABLE ? this.#onReadable : this.#onWritable;
    if (flag === UV_READABLE) this.#onReadable = null;
    else this.#onWritable = null;
    callback?.(error);
  }
}

/**
 * Readiness by retrying after `interval` ms: the fallback when serialport's binding cannot be loaded
 * on this machine. Correct but slower — a message waits up to `interval` ms in the kernel's queue.
 */
export class TimerReadiness implements Readiness {
  readonly kind = 'timer';
  readonly #clock: Clock;
  readonly #interval: number;
  #readTimer: unknown;
  #writeTimer: unknown;

  constructor(clock: Clock, interval: number) {
    this.#clock = clock;
    this.#interval = interval;
  }

  waitReadable(callback: (error: Error | null) => void): void {
    if (this.#readTimer !== undefined) throw new Error('a read wait is already pending');
    this.#readTimer = this.#clock.setTimeout(() => {
      this.#readTimer = undefined;
      callback(null);
    }, this.#interval);
  }

  waitWritable(callback: (error: Error | null) => void): void {
    if (this.#writeTimer !== undefined) throw new Error('a write wait is already pending');
    this.#writeTimer = this.#clock.setTimeout(() => {
      this.#writeTimer = undefined;
      callback(null);
    }, this.#interval);
  }

  close(): void {
    if (this.#readTimer !== undefined) this.#clock.clearTimeout(this.#readTimer);
    if (this.#writeTimer !== undefined) this.#clock.clearTimeout(this.#writeTimer);
    this.#readTimer = undefined;
    this.#writeTimer = undefined;
  }
}
