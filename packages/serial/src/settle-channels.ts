import type { Channel, RpmsgDevice } from '@rpmsg/core';

/** Options of {@link settleChannels}. */
export interface SettleChannelsOptions {
  /** Resolve once no new channel was announced for this long (ms). Default 200. */
  quietMs?: number;
  /** Resolve at the latest after this long (ms), with whatever is known. Default 3000. */
  timeout?: number;
}

/**
 * Waits until the peer has finished announcing its channels (no new `channel` event for `quietMs`,
 * at least one channel, or `timeout`), then returns `device.channels()`. Announcements arrive one
 * NS message at a time after link-up; a CLI listing an MCU's channels (`rpmsg bridge`) uses this
 * instead of guessing a delay.
 *
 * @example
 * const device = await connectSerial({ path: '/dev/ttyACM0' });
 * for (const c of await settleChannels(device)) console.log(c.name, c.remoteAddr);
 */
export function settleChannels(device: RpmsgDevice, options: SettleChannelsOptions = {}): Promise<Channel[]> {
  const quietMs = options.quietMs ?? 200;
  const timeout = options.timeout ?? 3000;
  return new Promise((resolve) => {
    let quiet: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      clearTimeout(quiet);
      clearTimeout(limit);
      device.off('channel', onChannel);
      resolve(device.channels());
    };
    const arm = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => {
        if (device.channels().length > 0) finish();
        else arm();
      }, quietMs);
    };
    const onChannel = () => arm();
    const limit = setTimeout(finish, timeout);
    device.on('channel', onChannel);
    arm();
  });
}
