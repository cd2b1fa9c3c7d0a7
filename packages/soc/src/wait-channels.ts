import type { Channel, RpmsgDevice } from '@rpmsg/core';
import { RpmsgError } from '@rpmsg/core';

/**
 * @internal Resolves once the peer has announced every channel in `names` (at once for those it
 * already has). Rejects with `ERR_RPMSG_TIMEOUT` naming the ones still missing after `timeout` ms,
 * or with `signal`'s reason (the remote crashed meanwhile). Every listener and timer it adds is
 * removed when it settles.
 */
export function waitForChannels(
  device: RpmsgDevice,
  names: readonly string[],
  timeout: number,
  signal: AbortSignal,
): Promise<void> {
  const missing = new Set(names.filter((name) => !device.getChannel(name)));
  if (missing.size === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      device.off('channel', onChannel);
      signal.removeEventListener('abort', onAbort);
    };
    const onChannel = (channel: Channel) => {
      missing.delete(channel.name);
      if (missing.size > 0) return;
      cleanup();
      resolve();
    };
    const onAbort = () => {
      cleanup();
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      cleanup();
      const have = device.channels().map((c) => c.name);
      reject(
        new RpmsgError(
          'ERR_RPMSG_TIMEOUT',
          `the firmware did not announce ${[...missing].map((n) => `'${n}'`).join(', ')} within ${timeout} ms` +
            ` (announced: ${have.length ? have.map((n) => `'${n}'`).join(', ') : 'none'})`,
          { limit: timeout },
        ),
      );
    }, timeout);
    if (signal.aborted) return onAbort();
    device.on('channel', onChannel);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
