import type { Duplex } from 'node:stream';
import { type Channel, InvalidArgTypeError, RPMSG_TTY_NAME, type RpmsgDevice } from '@rpmsg/core';
import { openTty as openSimulatedTty, type RpmsgTty, type TtyOptions } from '@rpmsg/tty';
import type { RpmsgDeviceLike } from './device-like.js';
import { LinuxChannel } from './linux-channel.js';
import { LinuxRpmsgDevice } from './linux-device.js';
import { LinuxTty, type LinuxTtyOptions } from './linux-tty.js';

/** What `openTty` returns on either kind of device: a `Duplex` with the tty's name. */
export type TtyStream = Duplex & { readonly ttyName: string };

/**
 * Opens a tty on a channel — `open("/dev/ttyRPMSG0")` — on a board or in the simulator, with one
 * import: on a {@link LinuxRpmsgDevice} it is a {@link LinuxTty} over the channel's
 * `/dev/ttyRPMSGn` (or `/dev/rpmsgN` for a channel of another name); on `@rpmsg/core`'s
 * `RpmsgDevice` (the simulator's `soc.master`, a serial bridge) it is `@rpmsg/tty`'s `openTty`. Both
 * return at once and emit `'ready'`; a failure to open arrives as `'error'`.
 *
 * (`@rpmsg/tty`'s own `openTty` takes only an `RpmsgDevice`: it writes straight into the rings'
 * zero-copy buffers, which a kernel-owned ring does not lend.)
 *
 * @param nameOrChannel the channel (default `'rpmsg-tty'`)
 */
export function openTty(
  device: LinuxRpmsgDevice,
  nameOrChannel?: string | LinuxChannel,
  options?: LinuxTtyOptions,
): LinuxTty;
export function openTty(
  device: RpmsgDevice,
  nameOrChannel?: string | Channel,
  options?: TtyOptions,
): RpmsgTty;
export function openTty(
  device: RpmsgDeviceLike,
  nameOrChannel?: string,
  options?: LinuxTtyOptions,
): TtyStream;
export function openTty(
  device: LinuxRpmsgDevice | RpmsgDevice | RpmsgDeviceLike,
  nameOrChannel: string | LinuxChannel | Channel = RPMSG_TTY_NAME,
  options: LinuxTtyOptions & TtyOptions = {},
): TtyStream {
  if (device instanceof LinuxRpmsgDevice) {
    if (typeof nameOrChannel !== 'string' && !(nameOrChannel instanceof LinuxChannel)) {
      throw new InvalidArgTypeError('nameOrChannel', 'a channel name or a LinuxChannel', nameOrChannel);
    }
    return new LinuxTty(device, nameOrChannel, options);
  }
  if (!isRpmsgDevice(device)) {
    throw new InvalidArgTypeError('device', 'a LinuxRpmsgDevice or an RpmsgDevice', device);
  }
  return openSimulatedTty(device, nameOrChannel as string | Channel, options);
}

/** An `RpmsgDevice` of any copy of `@rpmsg/core` (sources and dist can both be loaded). */
function isRpmsgDevice(value: unknown): value is RpmsgDevice {
  const d = value as Partial<RpmsgDevice> | null;
  return (
    d !== null &&
    typeof d === 'object' &&
    typeof d.openChannel === 'function' &&
    typeof d.createEndpoint === 'function' &&
    typeof d.transport === 'object'
  );
}
