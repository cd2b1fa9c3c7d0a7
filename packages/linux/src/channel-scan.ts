import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isInternalDevice } from './internal-devices.js';
import {
  linkName,
  listDirectory,
  parseAddress,
  readAttribute,
  resolvedPath,
  type SysfsPaths,
} from './sysfs.js';

/**
 * One channel as sysfs shows it at one moment: an entry of `/sys/bus/rpmsg/devices`, made by the
 * kernel when the remote announced the service (virtio_rpmsg_bus's name service) and removed when
 * the remote destroys it or stops. Documentation/ABI/testing/sysfs-bus-rpmsg.
 */
export interface ChannelRecord {
  /** The device's name on the bus: `virtio0.rpmsg-raw.-1.30` (parent, channel name, src, dst). */
  readonly device: string;
  /** The announced service name. */
  readonly name: string;
  /** The remote's address (`dst`): where our messages go. */
  readonly dst: number;
  /**
   * Our local address (`src`) once a driver is bound and its endpoint exists; `0xffffffff`
   * (`RPMSG_ADDR_ANY`) before.
   */
  readonly src: number;
  /** The driver bound to the channel (`rpmsg_chrdev`, `rpmsg_tty`, …), or null. */
  readonly driver: string | null;
  /** What `driver_override` holds, or null when unset (sysfs prints `(null)`); undefined before Linux 4.18. */
  readonly driverOverride: string | null | undefined;
  /** rpmsg_char endpoint devices of this channel (`rpmsg0`): each is a `/dev/rpmsgN`. */
  readonly charDevices: readonly string[];
  /** rpmsg_char control devices (`rpmsg_ctrl0`): what pre-5.18 rpmsg_char makes of a channel. */
  readonly ctrlDevices: readonly string[];
  /** rpmsg_tty ttys of this channel (`ttyRPMSG0`): each is a `/dev/ttyRPMSGn`. */
  readonly ttys: readonly string[];
  /** The remote processor behind the channel (`remoteproc0`), when its sysfs path shows one. */
  readonly remoteproc: string | null;
  /**
   * The virtio device the channel lives on (its sysfs directory and inode): when the processor
   * stops or restarts, the kernel removes it with every channel on it, and a new one has a new inode.
   */
  readonly virtio: { readonly path: string; readonly ino: number } | null;
}

/**
 * Reads one channel; null when its directory vanished meanwhile (the remote destroyed it) or is not
 * a channel.
 */
export function readChannel(paths: SysfsPaths, device: string): ChannelRecord | null {
  const dir = paths.rpmsgDevice(device);
  const name = readAttribute(join(dir, 'name'));
  const dst = parseAddress(readAttribute(join(dir, 'dst')));
  if (name === null || dst === null) return null;
  const override = readAttribute(join(dir, 'driver_override'));
  // rpmsg_char's endpoint devices and rpmsg_tty's ttys are children of the channel's device (their
  // parent is &rpdev->dev), so they sit in its class subdirectories.
  const rpmsgChildren = listDirectory(join(dir, 'rpmsg'));
  // The bus entry links into /sys/devices/…/remoteprocN/…/virtioM/<device>: the path names the processor.
  const real = resolvedPath(dir);
  const rproc = real === null ? null : (/\/(remoteproc\d+)\//.exec(real)?.[1] ?? null);
  return {
    device,
    name,
    dst,
    src: parseAddress(readAttribute(join(dir, 'src'))) ?? 0xffffffff,
    driver: linkName(join(dir, 'driver')),
    driverOverride:
      override === null ? undefined : override === '(null)' || override === '' ? null : override,
    charDevices: rpmsgChildren.filter((c) => /^rpmsg\d+$/.test(c)),
    ctrlDevices: rpmsgChildren.filter((c) => /^rpmsg_ctrl\d+$/.test(c)),
    ttys: listDirectory(join(dir, 'tty')).filter((c) => /^ttyRPMSG\d+$/.test(c)),
    remoteproc: rproc,
    virtio: real === null ? null : virtioOf(real),
  };
}

/** The parent of a channel's directory: its virtio device, with the inode that tells a new one from the old. */
function virtioOf(real: string): { path: string; ino: number } | null {
  const path = dirname(real);
  try {
    return { path, ino: statSync(path).ino };
  } catch {
    return null;
  }
}

/**
 * True when the virtio device a channel lived on is gone or was replaced: its processor stopped,
 * crashed or restarted, rather than the remote destroying this one channel.
 */
export function virtioReplaced(virtio: { readonly path: string; readonly ino: number } | null): boolean {
  if (virtio === null) return false;
  try {
    return statSync(virtio.path).ino !== virtio.ino;
  } catch {
    return true;
  }
}

/**
 * Every channel on the rpmsg bus now, in device-name order; [] while the bus does not exist. The
 * kernel's own devices on the bus (name service, control device: internal-devices.ts) are left out.
 */
export function scanChannels(paths: SysfsPaths): ChannelRecord[] {
  const out: ChannelRecord[] = [];
  for (const device of listDirectory(paths.rpmsgDevices)) {
    const record = readChannel(paths, device);
    if (record !== null && !isInternalDevice(record.name, record.driverOverride)) out.push(record);
  }
  return out;
}
