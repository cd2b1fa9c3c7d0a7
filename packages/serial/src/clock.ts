/**
 * The time source of a serial link: timers plus a monotonic `now()`. Tests pass a `ManualClock`
 * from `@rpmsg/serial/testing` and advance it by hand, so handshakes, keep-alives and
 * retransmissions run in virtual time, never with real sleeps.
 */
export interface LinkClock {
  /** Milliseconds from an arbitrary origin, never going backwards. */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a pending `setTimeout`; unknown or fired handles are ignored. */
  clearTimeout(handle: unknown): void;
}

/**
 * The real clock: `performance.now()` and Node's timers. Timers are kept referenced on purpose: a
 * link waiting to reconnect keeps the process alive, as the open port did; `close()` clears them.
 */
export const systemLinkClock: LinkClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
