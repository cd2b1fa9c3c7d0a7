import { AbortError, type Clock } from '@rpmsg/core';

/**
 * Calls `check` now and then every `interval` ms until it returns something other than null, for at
 * most `limit` ms; resolves with that value, or with null when the time is up. A throw from `check`
 * rejects. For state the kernel changes without telling anyone — sysfs cannot be watched (inotify
 * sees nothing there), so it is read again.
 *
 * @throws {AbortError} when `signal` aborts
 */
export function pollUntil<T>(
  clock: Clock,
  interval: number,
  limit: number,
  signal: AbortSignal | undefined,
  check: () => T | null,
): Promise<T | null> {
  return new Promise<T | null>((resolve, reject) => {
    let waited = 0;
    let timer: unknown;
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(new AbortError(undefined, { cause: signal?.reason }));
    };
    const step = () => {
      let value: T | null;
      try {
        value = check();
      } catch (error) {
        signal?.removeEventListener('abort', onAbort);
        reject(error);
        return;
      }
      if (value !== null || waited >= limit) {
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
        return;
      }
      waited += interval;
      timer = clock.setTimeout(step, interval);
    };
    if (signal?.aborted) {
      reject(new AbortError(undefined, { cause: signal.reason }));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    step();
  });
}
