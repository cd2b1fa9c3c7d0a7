import { type Channel, RPMSG_TTY_NAME, type RpmsgDevice } from '@rpmsg/core';
import { RpmsgTty, type TtyOptions } from './rpmsg-tty.js';

/**
 * Opens a tty on an RPMsg channel: the Node twin of `open("/dev/ttyRPMSG0")`. Returns the stream at
 * once; it waits for the channel (announced by the peer's name service), binds a local endpoint to it
 * and emits `'ready'`. Writes made before then are queued; a failure to open (timeout, abort, device
 * closed) arrives as the stream's `'error'`.
 *
 * ## Example
 * ```ts
 * const tty = openTty(device); // channel 'rpmsg-tty'
 * tty.setEncoding('utf8');
 * tty.write('hello\n');
 * for await (const text of tty) console.log(text); // the firmware's answer
 * ```
 *
 * @param device a started RpmsgDevice (either role)
 * @param nameOrChannel the channel name (default `'rpmsg-tty'`, as Linux `rpmsg_tty`) or a Channel
 * @see RpmsgTty for the flow-control and lifecycle rules
 */
export function openTty(
  device: RpmsgDevice,
  nameOrChannel: string | Channel = RPMSG_TTY_NAME,
  options: TtyOptions = {},
): RpmsgTty {
  if (typeof nameOrChannel !== 'string' && (typeof nameOrChannel !== 'object' || nameOrChannel === null)) {
    throw new TypeError('nameOrChannel must be a channel name or a Channel');
  }
  return new RpmsgTty(device, nameOrChannel, options);
}
