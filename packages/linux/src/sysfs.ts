import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { errnoOf, LinuxRpmsgError } from './errors.js';

// Reading sysfs. Attributes are read with one read(2) each and are tiny, so these are synchronous:
// a scan of every channel is a few dozen system calls on a pseudo-filesystem that never blocks.
// Every reader treats "not there" as a normal answer (null or []), because channels and whole
// remote processors come and go between two calls. "Not allowed" is not "not there": it is an error.

/** Where each kernel interface lives under `root` (`/` on a board, a temporary directory in tests). */
export class SysfsPaths {
  readonly root: string;
  /** `/sys/bus/rpmsg`: exists once the rpmsg core is loaded. */
  readonly rpmsgBus: string;
  /** `/sys/bus/rpmsg/devices`: one entry per channel, `virtio0.<name>.<src>.<dst>`. */
  readonly rpmsgDevices: string;
  /** `/sys/class/remoteproc`: one entry per remote processor. */
  readonly remoteprocClass: string;

  constructor(root: string) {
    this.root = root;
    this.rpmsgBus = join(root, 'sys', 'bus', 'rpmsg');
    this.rpmsgDevices = join(this.rpmsgBus, 'devices');
    this.remoteprocClass = join(root, 'sys', 'class', 'remoteproc');
  }

  /** `/sys/bus/rpmsg/devices/<device>` */
  rpmsgDevice(device: string): string {
    return join(this.rpmsgDevices, device);
  }

  /** `/sys/bus/rpmsg/drivers/<driver>`: exists while the driver is registered (built in or loaded). */
  rpmsgDriver(driver: string): string {
    return join(this.rpmsgBus, 'drivers', driver);
  }

  /** `/dev/<node>` */
  dev(node: string): string {
    return join(this.root, 'dev', node);
  }

  /** `/sys/class/remoteproc/<id>` */
  remoteproc(id: string): string {
    return join(this.remoteprocClass, id);
  }
}

/**
 * One attribute without its trailing newline, or null when it does not exist (any more).
 *
 * @throws {LinuxRpmsgError} `ERR_RPMSG_LINUX_PERMISSION` when reading it is refused: a listing must
 *   not report a channel or processor as gone when it only could not be read.
 */
export function readAttribute(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').replace(/\n$/, '');
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === 'EACCES' || errno === 'EPERM') throw readDenied(path, errno, error);
    return null;
  }
}

/**
 * The error for an attribute we may not read. The rpmsg and remoteproc attributes are world-readable
 * (0444 / 0644: the DEVICE_ATTR_RO / _RW modes of rpmsg_core.c and remoteproc_sysfs.c), so a refusal
 * comes from a security module or a sandbox's /sys, not from a missing udev rule.
 */
function readDenied(path: string, errno: string, cause: unknown): LinuxRpmsgError {
  return new LinuxRpmsgError(
    'ERR_RPMSG_LINUX_PERMISSION',
    `read ${path}: permission denied (${errno}); these attributes are readable by everyone, so a ` +
      'security module (SELinux, AppArmor) or a container that hides /sys refuses it: allow this ' +
      'process to read /sys, or run it as root outside the sandbox',
    { path, errno, cause },
  );
}

/** The entries of a directory, sorted; [] when it does not exist. */
export function listDirectory(path: string): string[] {
  try {
    return readdirSync(path).sort();
  } catch {
    return [];
  }
}

/** The last component of a symlink's target (`driver` → `rpmsg_chrdev`), or null without the link. */
export function linkName(path: string): string | null {
  try {
    return basename(readlinkSync(path));
  } catch {
    return null;
  }
}

/** The fully resolved path (sysfs bus entries are links into /sys/devices), or null when gone. */
export function resolvedPath(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/**
 * True when `path` is a directory (following links, as sysfs bus and class entries are). A regular
 * file there is not: every path this is asked about is a sysfs directory or the root.
 */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * An rpmsg address as sysfs prints it: the bus attributes in hex (`0x1e`, `0xffffffff`), rpmsg_char's
 * own in signed decimal (`30`, `-1`); -1 and 0xffffffff are both `RPMSG_ADDR_ANY`. Null when the text is
 * not an address.
 */
export function parseAddress(text: string | null): number | null {
  if (text === null) return null;
  const t = text.trim();
  let n: number;
  if (/^0x[0-9a-f]+$/i.test(t)) n = Number.parseInt(t.slice(2), 16);
  else if (/^-?\d+$/.test(t)) n = Number.parseInt(t, 10);
  else return null;
  if (n === -1) return 0xffffffff;
  return n >= 0 && n <= 0xffffffff ? n : null;
}
