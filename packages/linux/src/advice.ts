import { statSync } from 'node:fs';
import { errnoOf, LinuxRpmsgError } from './errors.js';

/** Which kind of file an errno came from: it decides the advice an error gives. */
export type FileKind = 'rpmsg-char' | 'rpmsg-tty' | 'rpmsg-attribute' | 'remoteproc-attribute';

/** Where the udev rules of the advice go (docs/linux.md step 4, permissions, has the whole file). */
export const UDEV_RULES_FILE = '/etc/udev/rules.d/60-rpmsg.rules';

/**
 * The udev rule that lets a non-root user at each kind of file. devtmpfs creates /dev nodes as
 * root 0600 and sysfs attributes are root 0644, so without a rule only root gets in.
 */
export const UDEV_RULES: Record<FileKind, string> = {
  'rpmsg-char': 'SUBSYSTEM=="rpmsg", KERNEL=="rpmsg[0-9]*", GROUP="rpmsg", MODE="0660"',
  'rpmsg-tty': 'SUBSYSTEM=="tty", KERNEL=="ttyRPMSG[0-9]*", GROUP="rpmsg", MODE="0660"',
  // Binding at "add" time is better than granting write access to driver_override and bind: the
  // channel already has its /dev/rpmsgN when the application starts.
  'rpmsg-attribute':
    'SUBSYSTEM=="rpmsg", ACTION=="add", ATTR{name}=="<channel>", ATTR{driver_override}="rpmsg_chrdev", ' +
    `RUN+="/bin/sh -c 'echo $kernel > /sys/bus/rpmsg/drivers/rpmsg_chrdev/bind'"`,
  'remoteproc-attribute':
    'SUBSYSTEM=="remoteproc", ACTION=="add", RUN+="/bin/chgrp rpmsg /sys%p/state /sys%p/firmware /sys%p/recovery", ' +
    'RUN+="/bin/chmod g+w /sys%p/state /sys%p/firmware /sys%p/recovery"',
};

/** What the advice knows besides the kind of file. */
export interface AdviceContext {
  /** The channel a `rpmsg-attribute` rule is for: its `ATTR{name}` is filled in. */
  readonly channel?: string;
  /** The file refused: a sysfs attribute without any write bit is read-only for everyone. */
  readonly path?: string;
}

/** What to do when the kernel answered EACCES or EPERM for a file of `kind`. */
export function permissionAdvice(kind: FileKind, context: AdviceContext = {}): string {
  if (kind === 'remoteproc-attribute' && context.path !== undefined && !writableByAnyone(context.path)) {
    // rproc_is_visible (remoteproc_sysfs.c) gives state, firmware and recovery mode 0444 when the
    // platform driver set rproc->sysfs_read_only, and kernfs refuses a write open of such a file
    // even to root: no udev rule or group can change it.
    return (
      `${context.path} is read-only (mode 0444): this platform's remoteproc driver made its sysfs ` +
      'controls read-only (sysfs_read_only), so not even root can write it — the processor is ' +
      'started and stopped by the boot loader or firmware, or through /dev/remoteprocN if the driver offers it'
    );
  }
  const rule =
    context.channel === undefined
      ? UDEV_RULES[kind]
      : UDEV_RULES[kind].replace('ATTR{name}=="<channel>"', `ATTR{name}=="${context.channel}"`);
  return (
    `run as root, or add to ${UDEV_RULES_FILE}: ${rule} — then \`udevadm control --reload && ` +
    'udevadm trigger` and add the user to the rpmsg group (docs/linux.md, step 4)'
  );
}

/** False for a file whose mode has no write bit at all; true when it has one or cannot be seen. */
function writableByAnyone(path: string): boolean {
  try {
    return (statSync(path).mode & 0o222) !== 0;
  } catch {
    return true;
  }
}

/**
 * The error for a failed system call on a /dev node or sysfs attribute when the caller has no more
 * specific reading of it: EACCES/EPERM → `ERR_RPMSG_LINUX_PERMISSION` (with the udev rule), EBUSY →
 * `ERR_RPMSG_LINUX_BUSY` (with `busyAdvice`), anything else → `ERR_RPMSG_LINUX_IO` with the Node error
 * as `cause`.
 *
 * @param action what was being done, for the message (`open /dev/rpmsg0`, `write start to …/state`)
 * @param channel the channel the file is for, when there is one: the advice names it
 */
export function systemError(
  error: unknown,
  path: string,
  kind: FileKind,
  action: string,
  busyAdvice = 'another process has it: find it with `fuser` and close it',
  channel?: string,
): LinuxRpmsgError {
  const errno = errnoOf(error);
  const details = { path, cause: error, ...(errno === undefined ? {} : { errno }) };
  if (errno === 'EACCES' || errno === 'EPERM') {
    return new LinuxRpmsgError(
      'ERR_RPMSG_LINUX_PERMISSION',
      `${action}: permission denied (${errno}); ${permissionAdvice(kind, { path, ...(channel === undefined ? {} : { channel }) })}`,
      details,
    );
  }
  if (errno === 'EBUSY') {
    return new LinuxRpmsgError('ERR_RPMSG_LINUX_BUSY', `${action}: busy (EBUSY); ${busyAdvice}`, details);
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new LinuxRpmsgError('ERR_RPMSG_LINUX_IO', `${action}: ${reason}`, details);
}
