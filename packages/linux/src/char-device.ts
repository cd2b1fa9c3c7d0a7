import { join } from 'node:path';
import type { Clock } from '@rpmsg/core';
import { systemError } from './advice.js';
import type { ChannelRecord } from './channel-scan.js';
import { errnoOf, isLinuxRpmsgError, LinuxRpmsgError } from './errors.js';
import type { RpmsgFileOps } from './file-ops.js';
import { channelGone, goneReason } from './gone-reason.js';
import { hasFeature, KERNEL_FEATURES, sinceText } from './kernel.js';
import type { LinuxChannel } from './linux-channel.js';
import { pollUntil } from './poll-until.js';
import { isDirectory, type SysfsPaths } from './sysfs.js';

/** rpmsg_char's driver name on the rpmsg bus (`drv.name` in drivers/rpmsg/rpmsg_char.c). */
export const RPMSG_CHAR_DRIVER = 'rpmsg_chrdev';
/** The channel name rpmsg_char probes by itself (Linux ≥ 5.18). */
export const RPMSG_RAW_NAME = 'rpmsg-raw';

/** How long a probe may take to show its device in sysfs after a bind, ms. */
const PROBE_SETTLE_MS = 2000;
const PROBE_CHECK_MS = 10;

/** What {@link charDeviceFor} needs of the device. */
export interface CharDeviceContext {
  readonly paths: SysfsPaths;
  readonly fileOps: RpmsgFileOps;
  /** `uname -r` of the board, null when unknown. */
  readonly release: string | null;
  readonly clock: Clock;
  /** Re-reads one channel, by its bus device name, from sysfs (null once it left the bus). */
  refresh(device: string): ChannelRecord | null;
}

/**
 * The `/dev/rpmsgN` of a channel, making one when there is none: a channel named `rpmsg-raw` has
 * one from rpmsg_char's own probe (Linux ≥ 5.18); an unbound channel of any other name is handed to
 * rpmsg_char by writing its driver name to the channel's `driver_override` and the channel to the
 * driver's `bind` (Linux ≥ 4.18 for the override, 5.18 for rpmsg_char to make an endpoint device
 * of it). A channel bound to another driver is left alone.
 *
 * @throws {LinuxRpmsgError} `ERR_RPMSG_LINUX_DRIVER_MISSING` (no rpmsg_char), `ERR_RPMSG_LINUX_KERNEL_TOO_OLD`,
 *   `ERR_RPMSG_LINUX_BUSY` (another driver has the channel), `ERR_RPMSG_LINUX_PERMISSION` (cannot
 *   write driver_override / bind)
 * @throws {RpmsgError} `ERR_RPMSG_CHANNEL_GONE` when the channel left the bus meanwhile
 */
export async function charDeviceFor(
  ctx: CharDeviceContext,
  channel: LinuxChannel,
  signal?: AbortSignal,
): Promise<string> {
  const record = current(ctx, channel);
  const node = record.charDevices[0];
  if (node !== undefined) return ctx.paths.dev(node);
  const where = `channel '${record.name}' (${record.device})`;
  if (record.ctrlDevices.length > 0) throw tooOld(ctx, where);
  if (record.driver !== null && record.driver !== RPMSG_CHAR_DRIVER) {
    const hint =
      record.driver === 'rpmsg_tty'
        ? 'open it as a tty instead (openTty)'
        : `unbind it first: echo ${record.device} > /sys/bus/rpmsg/drivers/${record.driver}/unbind`;
    throw new LinuxRpmsgError(
      'ERR_RPMSG_LINUX_BUSY',
      `${where} is bound to the ${record.driver} driver, and a /dev/rpmsgN needs ${RPMSG_CHAR_DRIVER}: ${hint}`,
      { path: ctx.paths.rpmsgDevice(record.device) },
    );
  }
  if (!isDirectory(ctx.paths.rpmsgDriver(RPMSG_CHAR_DRIVER))) {
    throw new LinuxRpmsgError(
      'ERR_RPMSG_LINUX_DRIVER_MISSING',
      `${where} has no /dev/rpmsgN and the kernel has no ${RPMSG_CHAR_DRIVER} driver: build it with ` +
        `CONFIG_RPMSG_CHAR=y or m and load it (modprobe rpmsg_char)`,
      { path: ctx.paths.rpmsgDriver(RPMSG_CHAR_DRIVER) },
    );
  }
  if (hasFeature(ctx.release, KERNEL_FEATURES.rpmsgRaw) === false) throw tooOld(ctx, where);
  if (record.driver === null) await bind(ctx, record, where);
  // The probe makes the endpoint device (and devtmpfs its node) before `bind` returns on a real
  // kernel; the wait covers a probe the driver core deferred.
  const made = await pollUntil(ctx.clock, PROBE_CHECK_MS, PROBE_SETTLE_MS, signal, () => {
    const r = current(ctx, channel);
    if (r.ctrlDevices.length > 0) throw tooOld(ctx, where);
    return r.charDevices[0] ?? null;
  });
  if (made === null) {
    throw new LinuxRpmsgError(
      'ERR_RPMSG_LINUX_IO',
      `${where} is bound to ${RPMSG_CHAR_DRIVER} but no /dev/rpmsgN appeared within ${PROBE_SETTLE_MS} ms`,
      { path: ctx.paths.rpmsgDevice(record.device) },
    );
  }
  return ctx.paths.dev(made);
}

/** The channel's record now, or ERR_RPMSG_CHANNEL_GONE. */
function current(ctx: CharDeviceContext, channel: LinuxChannel): ChannelRecord {
  const record = ctx.refresh(channel.device);
  if (record === null) throw channelGone(channel);
  return record;
}

/** `driver_override` + `bind`: the standard way to hand a device to a driver that does not match it. */
async function bind(ctx: CharDeviceContext, record: ChannelRecord, where: string): Promise<void> {
  const dir = ctx.paths.rpmsgDevice(record.device);
  if (record.driverOverride === undefined) {
    throw new LinuxRpmsgError(
      'ERR_RPMSG_LINUX_KERNEL_TOO_OLD',
      `${where}: this kernel has no driver_override for rpmsg channels (Linux ` +
        `${sinceText(KERNEL_FEATURES.driverOverride)}+); name the channel ${RPMSG_RAW_NAME} in the firmware ` +
        `so rpmsg_char takes it by itself (Linux ${sinceText(KERNEL_FEATURES.rpmsgRaw)}+)`,
      { path: join(dir, 'driver_override') },
    );
  }
  const override = join(dir, 'driver_override');
  await write(ctx, override, RPMSG_CHAR_DRIVER, `write ${RPMSG_CHAR_DRIVER} to ${override}`, record.name);
  const bindFile = join(ctx.paths.rpmsgDriver(RPMSG_CHAR_DRIVER), 'bind');
  try {
    await ctx.fileOps.writeAttribute(bindFile, record.device);
  } catch (error) {
    const errno = errnoOf(error);
    // ENODEV: the device left the bus between the scan and the write.
    if (errno === 'ENODEV' && ctx.refresh(record.device) === null) {
      throw channelGone({ name: record.name, remoteAddr: record.dst });
    }
    // EBUSY: a driver took the channel between our scan and the bind — the same answer as above.
    throw systemError(
      error,
      bindFile,
      'rpmsg-attribute',
      `bind ${where} to ${RPMSG_CHAR_DRIVER}`,
      'another driver took the channel meanwhile',
      record.name,
    );
  }
}

async function write(
  ctx: CharDeviceContext,
  path: string,
  value: string,
  action: string,
  channel: string,
): Promise<void> {
  try {
    await ctx.fileOps.writeAttribute(path, value);
  } catch (error) {
    throw systemError(error, path, 'rpmsg-attribute', action, undefined, channel);
  }
}

function tooOld(ctx: CharDeviceContext, where: string): LinuxRpmsgError {
  const release = ctx.release === null ? 'this kernel' : `Linux ${ctx.release}`;
  return new LinuxRpmsgError(
    'ERR_RPMSG_LINUX_KERNEL_TOO_OLD',
    `${where}: ${release} gives rpmsg_char only /dev/rpmsg_ctrlN, whose endpoints are made with the ` +
      `RPMSG_CREATE_EPT_IOCTL ioctl that Node cannot issue; rpmsg_char makes a /dev/rpmsgN per channel ` +
      `from Linux ${sinceText(KERNEL_FEATURES.rpmsgRaw)} (${KERNEL_FEATURES.rpmsgRaw.config})`,
  );
}

/**
 * The error for a failed open of a channel's `/dev/rpmsgN`: the channel gone, a node sysfs lists but
 * /dev lacks, a node that is no character device, EACCES / EBUSY with what to do.
 *
 * The channel is gone when the open says so in one of the ways rpmsg_char can: ENOENT once
 * rpmsg_chrdev_eptdev_destroy's cdev_device_del took the node out of devtmpfs (with the channel off
 * the bus); ENXIO for a path that still reached the old inode (chrdev_open finds no cdev); ENETRESET
 * when the open raced the destroy itself (rpmsg_eptdev_open on an eptdev whose rpdev was cleared,
 * since the 2022 change "rpmsg: char: Add lock to avoid race when rpmsg device is released").
 */
export function charOpenError(
  error: unknown,
  path: string,
  channel: LinuxChannel,
  stillOnBus: () => boolean,
  paths: SysfsPaths,
): Error {
  if (isLinuxRpmsgError(error)) return error;
  const errno = errnoOf(error);
  if (errno === 'ENETRESET' || errno === 'ENXIO' || (errno === 'ENOENT' && !stillOnBus())) {
    return goneReason(paths, channel);
  }
  if (errno === 'ENOENT') {
    return new LinuxRpmsgError(
      'ERR_RPMSG_LINUX_IO',
      `open ${path}: sysfs lists the endpoint device but /dev has no node for it: is devtmpfs mounted ` +
        'on /dev (CONFIG_DEVTMPFS), or does a udev rule rename it?',
      { path, errno, cause: error },
    );
  }
  return systemError(
    error,
    path,
    'rpmsg-char',
    `open ${path} for channel '${channel.name}'`,
    `another process has it open (rpmsg_char lets one open it at a time): find it with \`fuser ${path}\``,
  );
}
