import { checkMilliseconds, InvalidArgTypeError } from '@rpmsg/virtio';

/**
 * Where every timeout of `@rpmsg/core` gets its time (send timeouts, waitForChannel, waitForBound),
 * so tests run in virtual time (`FakeClock` from `@rpmsg/core/testing`) instead of sleeping.
 */
export interface Clock {
  /** Calls `callback` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a pending `setTimeout`; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: unknown): void;
  /**
   * Optional: the time in milliseconds on a scale that never goes back (any origin), on the same
   * time base as `setTimeout`. With it, every send waiting for a TX buffer shares one timer instead
   * of making its own — a Node timer is ~0.25 kB and a setTimeout/clearTimeout pair per queued send.
   */
  currentTime?(): number;
}

/** The real clock: Node's timers, and `performance.now()`. */
export const systemClock: Clock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  currentTime: () => performance.now(),
};

/** Longest delay Node's timers take (2^31 − 1 ms); longer timeouts are treated as "never". */
export const MAX_TIMER_MS = 0x7fffffff;

/**
 * Checks a `timeout` option: a number ≥ 0 (milliseconds) or `Infinity` (never). Returns the default
 * when `timeout` is undefined.
 *
 * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE` naming `argument` when it is not a number
 * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` naming `argument` when it is negative or NaN
 */
export function checkTimeout(timeout: unknown, fallback: number, argument = 'options.timeout'): number {
  if (timeout === undefined) return fallback;
  return checkMilliseconds(argument, timeout);
}

/**
 * Checks a `clock` option: an object with `setTimeout` and `clearTimeout` functions.
 *
 * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE` naming `argument`
 */
export function checkClock(argument: string, clock: unknown): Clock {
  const c = clock as Partial<Clock> | null;
  const ok = c !== null && typeof c === 'object' && typeof c.setTimeout === 'function';
  const time = c?.currentTime;
  if (!ok || typeof c.clearTimeout !== 'function' || (time !== undefined && typeof time !== 'function')) {
    throw new InvalidArgTypeError(argument, 'a Clock (setTimeout and clearTimeout functions)', clock);
  }
  return c as Clock;
}
