/**
 * Where every timeout of `@rpmsg/core` gets its time (send timeouts, waitForChannel, waitForBound),
 * so tests run in virtual time (`FakeClock` from `@rpmsg/core/testing`) instead of sleeping.
 */
export interface Clock {
  /** Calls `callback` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a pending `setTimeout`; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: unknown): void;
}

/** The real clock: Node's timers. */
export const systemClock: Clock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Longest delay Node's timers take (2^31 − 1 ms); longer timeouts are treated as "never". */
export const MAX_TIMER_MS = 0x7fffffff;

/**
 * Checks a `timeout` option: a number ≥ 0 (milliseconds) or `Infinity`. Returns the default when
 * `timeout` is undefined.
 *
 * @throws {RangeError} naming `timeout` when it is negative or not a number
 */
export function checkTimeout(timeout: number | undefined, fallback: number): number {
  if (timeout === undefined) return fallback;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`timeout must be a number of milliseconds >= 0, got ${String(timeout)}`);
  }
  return timeout;
}
