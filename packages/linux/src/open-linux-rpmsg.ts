import { checkDeviceOptions, type LinuxRpmsgOptions } from './device-options.js';
import { readKernelRelease } from './kernel.js';
import { LinuxRpmsgDevice } from './linux-device.js';
import { nodeFileOps } from './node-file-ops.js';
import { openRoot } from './root.js';

/**
 * Opens the rpmsg bus of the Linux board this process runs on (or of the tree under `root`): the
 * same `channels()` / `waitForChannel()` / `openChannel()` an application uses on the simulator's
 * `soc.master`. Nothing is opened or bound until a channel is; a bus that does not exist yet (no
 * remote processor running) is not an error — its channels appear once the remote announces them.
 *
 * ## Example
 * ```ts
 * const device = await openLinuxRpmsg();
 * const ep = await device.openChannel('rpmsg-raw', { timeout: 5000 });
 * ep.on('message', (payload) => console.log(Buffer.from(payload).toString()));
 * await ep.send(new TextEncoder().encode('hello'));
 * ```
 *
 * @throws {InvalidArgTypeError|InvalidArgValueError|OutOfRangeError} bad options
 * @throws {LinuxRpmsgError} `ERR_RPMSG_LINUX_BAD_ROOT` when `root` does not exist or is not a
 *   directory, `ERR_RPMSG_LINUX_IO` when it has no `sys` directory (not Linux, or sysfs not mounted)
 */
export async function openLinuxRpmsg(options: LinuxRpmsgOptions = {}): Promise<LinuxRpmsgDevice> {
  const settings = checkDeviceOptions(options);
  openRoot(settings.root);
  const fileOps = settings.fileOps ?? nodeFileOps({ clock: settings.clock });
  return new LinuxRpmsgDevice(settings, fileOps, readKernelRelease(settings.root));
}
