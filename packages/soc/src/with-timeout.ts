import { RpmsgError } from '@rpmsg/core';

/** @internal `promise`, or `ERR_RPMSG_TIMEOUT` if it does not settle within `ms` (`what` names the step). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new RpmsgError('ERR_RPMSG_TIMEOUT', `${what}: no answer within ${ms} ms`, { limit: ms })),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}
