/**
 * Stable codes of {@link LinuxRpmsgError}; never renamed once released. What the kernel says through
 * an errno becomes one of these, with what to do about it in the message. Where `@rpmsg/core`
 * already has a code for the same thing (`ERR_RPMSG_TIMEOUT`, `ERR_RPMSG_CLOSED`,
 * `ERR_RPMSG_CHANNEL_GONE`, `ERR_RPMSG_MSG_TOO_BIG`…) this package throws that `RpmsgError`
 * instead, so an application catches the same code on the board as in the simulator.
 */
export type LinuxRpmsgErrorCode =
  | 'ERR_RPMSG_LINUX_PERMISSION' // EACCES/EPERM on a /dev node or a sysfs attribute: a udev rule, a group, or root
  | 'ERR_RPMSG_LINUX_BUSY' // EBUSY: the node is open elsewhere, another driver holds the channel, the processor is running
  | 'ERR_RPMSG_LINUX_DRIVER_MISSING' // the kernel lacks the driver (rpmsg_char, rpmsg_tty, remoteproc): a config option or modprobe
  | 'ERR_RPMSG_LINUX_KERNEL_TOO_OLD' // the feature exists only in a newer kernel (rpmsg-raw 5.18, rpmsg_tty 5.16, driver_override 4.18)
  | 'ERR_RPMSG_LINUX_NO_REMOTEPROC' // no remote processor of that name or index under /sys/class/remoteproc
  | 'ERR_RPMSG_LINUX_NO_FIRMWARE' // start: the kernel found no firmware file of that name (/lib/firmware)
  | 'ERR_RPMSG_LINUX_BAD_STATE' // the processor is not in a state that allows it (stop while offline: EINVAL; start while crashed)
  | 'ERR_RPMSG_LINUX_BAD_ROOT' // the `root` option names nothing, or something that is not a directory
  | 'ERR_RPMSG_LINUX_NOT_DEVICE' // a /dev/rpmsgN that is not a character device (a stray file where devtmpfs should be)
  | 'ERR_RPMSG_LINUX_IO'; // any other errno from the kernel (the Node error is the `cause`)

/** What a {@link LinuxRpmsgError} can carry besides its message. */
export interface LinuxRpmsgErrorDetails {
  /** The file involved: a /dev node or a sysfs attribute, as the process sees it (under `root`). */
  readonly path?: string;
  /** The errno the kernel answered with (`EACCES`, `EBUSY`…), when one did. */
  readonly errno?: string;
  /** The Node error underneath. */
  readonly cause?: unknown;
}

/**
 * The error class of `@rpmsg/linux`: a stable `code`, the `path` and `errno` involved, and a message
 * that ends with what to do (which kernel option, which udev rule). Branch on `code`.
 *
 * Thrown or rejected by `openLinuxRpmsg`, `openChannel`, `openTty`, the remoteproc functions and the
 * `rpmsg list | echo | rproc` commands; the package README lists which code comes from where.
 */
export class LinuxRpmsgError extends Error {
  override readonly name = 'LinuxRpmsgError';
  readonly code: LinuxRpmsgErrorCode;
  readonly path: string | undefined;
  readonly errno: string | undefined;

  constructor(code: LinuxRpmsgErrorCode, message: string, details: LinuxRpmsgErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.path = details.path;
    this.errno = details.errno;
  }
}

/** True for a `LinuxRpmsgError`, also one from another copy of this package (checks `name` and `code`). */
export function isLinuxRpmsgError(e: unknown): e is LinuxRpmsgError {
  if (e instanceof LinuxRpmsgError) return true;
  if (!(e instanceof Error) || e.name !== 'LinuxRpmsgError') return false;
  const code: unknown = (e as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_RPMSG_LINUX_');
}

/** The `code` of a Node system error (`EACCES`, `EAGAIN`…), or undefined for anything else. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}
