import {
  type Channel,
  checkMilliseconds,
  checkOptions,
  MAX_TIMER_MS,
  OutOfRangeError,
  type RpmsgDevice,
} from '@rpmsg/core';

/** A timer's delay: a finite number of ms in 0..MAX_TIMER_MS. */
function checkDelay(argument: string, value: unknown): number {
  const ms = checkMilliseconds(argument, value, 0, false);
  if (ms > MAX_TIMER_MS) throw new OutOfRangeError(argument, `a number >= 0 and <= ${MAX_TIMER_MS}`, ms);
  return ms;
}

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
 *
 * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` (a rejection) for a negative, NaN, infinite or too large
 *   `quietMs` / `timeout`; `ERR_INVALID_ARG_TYPE` for a non-number
 */
export function settleChannels(device: RpmsgDevice, options: SettleChannelsOptions = {}): Promise<Channel[]> {
  let quietMs: number;
  let timeout: number;
  try {
    const o = checkOptions('options', options);
    quietMs = checkDelay('options.quietMs', o.quietMs ?? 200);
    timeout = checkDelay('options.timeout', o.timeout ?? 3000);
  } catch (error) {
    return Promise.reject(error);
  }
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
