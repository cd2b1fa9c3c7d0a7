import { checkOptions, InvalidArgTypeError } from '@rpmsg/virtio';
import type { Clock } from './clock.js';
import { checkTimeout, MAX_TIMER_MS } from './clock.js';
import { AbortError, RpmsgError } from './errors.js';

/** Options every waiting call of this package takes. */
export interface WaitOptions {
  /** Milliseconds before the wait fails with `ERR_RPMSG_TIMEOUT`; `Infinity` waits for ever. */
  timeout?: number;
  /** Aborting it rejects the wait with an `AbortError`. */
  signal?: AbortSignal;
}

/**
 * Checks the options of a waiting call (`WaitOptions`, `SendOptions`) in place — nothing is
 * allocated, so a send that passes options pays a few compares — and returns its timeout, `fallback`
 * when none is given.
 *
 * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE`: `options` not an object, `timeout` not a
 *   number, `signal` not an AbortSignal
 * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE`: `timeout` negative or NaN
 */
export function checkWaitOptions(options: WaitOptions | undefined, fallback: number): number {
  if (options === undefined) return fallback;
  checkOptions('options', options);
  checkSignal('options.signal', options.signal);
  return checkTimeout(options.timeout, fallback);
}

/**
 * Checks an optional AbortSignal argument as Node's `validateAbortSignal` does: an object with
 * `aborted`, so signals of any realm pass.
 *
 * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE` naming `argument`
 */
export function checkSignal(argument: string, signal: unknown): void {
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || !('aborted' in signal))) {
    throw new InvalidArgTypeError(argument, 'an instance of AbortSignal', signal);
  }
}

/**
 * Settles a wait from the outside: `resolve` with the value, or `reject` with an error. Returned by
 * the `subscribe` callback's first argument; calling it after the wait ended does nothing.
 */
export type Settle<T> = (error: Error | null, value?: T) => void;

/**
 * Waits for an event delivered through `subscribe`, bounded by a timeout on `clock` and an
 * AbortSignal. `subscribe(settle)` starts listening and returns the function that stops listening;
 * it runs exactly once whatever ends the wait. Used by waitForChannel and waitForBound (not on any
 * per-message path).
 *
 * @throws {RpmsgError} `ERR_RPMSG_TIMEOUT` (with `limit` = the timeout)
 * @throws {AbortError} when `signal` aborts
 */
export function waitUntil<T>(
  clock: Clock,
  timeout: number,
  signal: AbortSignal | undefined,
  what: string,
  subscribe: (settle: Settle<T>) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError(undefined, { cause: signal.reason }));
      return;
    }
    let done = false;
    let timer: unknown;
    let unsubscribe: (() => void) | undefined;
    const onAbort = () => settle(new AbortError(undefined, { cause: signal?.reason }));
    const settle: Settle<T> = (error, value) => {
      if (done) return;
      done = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      unsubscribe?.();
      if (error) reject(error);
      else resolve(value as T);
    };
    unsubscribe = subscribe(settle);
    if (done) {
      // subscribe settled synchronously: it saw the condition already true.
      unsubscribe();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeout <= MAX_TIMER_MS) {
      timer = clock.setTimeout(
        () =>
          settle(
            new RpmsgError('ERR_RPMSG_TIMEOUT', `${what}: timed out after ${timeout} ms`, { limit: timeout }),
          ),
        timeout,
      );
    }
  });
}
