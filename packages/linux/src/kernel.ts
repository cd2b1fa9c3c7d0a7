import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A kernel feature this package uses: the release that brought it and the config option that builds
 * it. The versions are those of the kernel's own ABI documents and the commits that added each
 * driver (Documentation/ABI/testing/sysfs-bus-rpmsg, sysfs-class-remoteproc; drivers/rpmsg).
 */
export interface KernelFeature {
  /** What the feature gives. */
  readonly what: string;
  /** The first mainline release with it, `[major, minor]`. */
  readonly since: readonly [number, number];
  /** The config option that builds it (`CONFIG_…`), with the module name when it can be one. */
  readonly config: string;
}

/** Every kernel feature this package relies on, with the release that brought it. */
export const KERNEL_FEATURES = {
  /** `/sys/class/remoteproc/remoteprocN/{state,firmware}` (October 2016). */
  remoteprocSysfs: {
    what: 'remoteproc state and firmware in sysfs',
    since: [4, 10],
    config: 'CONFIG_REMOTEPROC',
  },
  /** `/sys/class/remoteproc/remoteprocN/name`. */
  remoteprocName: { what: 'remoteproc name in sysfs', since: [5, 4], config: 'CONFIG_REMOTEPROC' },
  /** `/sys/class/remoteproc/remoteprocN/{recovery,coredump}` (moved from debugfs). */
  remoteprocRecovery: {
    what: 'remoteproc recovery and coredump in sysfs',
    since: [5, 10],
    config: 'CONFIG_REMOTEPROC',
  },
  /** `/sys/bus/rpmsg/devices/…/driver_override`: any channel can be handed to rpmsg_char. */
  driverOverride: {
    what: 'driver_override for rpmsg channels',
    since: [4, 18],
    config: 'CONFIG_RPMSG',
  },
  /** `rpmsg_tty`: a `/dev/ttyRPMSGn` for every channel named `rpmsg-tty`. */
  rpmsgTty: { what: '/dev/ttyRPMSGn (rpmsg_tty)', since: [5, 16], config: 'CONFIG_RPMSG_TTY (rpmsg_tty)' },
  /**
   * `rpmsg_char` probing channels itself: a `/dev/rpmsgN` for every channel named `rpmsg-raw`, or
   * bound through `driver_override`. Before, it only made `/dev/rpmsg_ctrlN`, whose endpoints are
   * created with an ioctl (`RPMSG_CREATE_EPT_IOCTL`) that Node cannot issue.
   */
  rpmsgRaw: {
    what: '/dev/rpmsgN for channels (rpmsg_char probing rpmsg-raw)',
    since: [5, 18],
    config: 'CONFIG_RPMSG_CHAR (rpmsg_char)',
  },
} as const satisfies Record<string, KernelFeature>;

/** The `major.minor` of a release string (`6.6.23-imx8mp+g1c2d`), or null when it has none. */
export function parseRelease(release: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m === null ? null : [Number(m[1]), Number(m[2])];
}

/**
 * True when `release` is at least the release of `feature`, false when older, and null when the
 * release is unknown (no `/proc` under the root) — callers then try and read the kernel's answer.
 */
export function hasFeature(release: string | null, feature: KernelFeature): boolean | null {
  const version = release === null ? null : parseRelease(release);
  if (version === null) return null;
  const [major, minor] = version;
  return major > feature.since[0] || (major === feature.since[0] && minor >= feature.since[1]);
}

/** `5.18`: how a feature's release is printed in messages. */
export function sinceText(feature: KernelFeature): string {
  return `${feature.since[0]}.${feature.since[1]}`;
}

/**
 * The running kernel's release as `<root>/proc/sys/kernel/osrelease` says (`uname -r`), or null when
 * the file is missing: a fake tree without `/proc` (the release is then unknown, not old).
 */
export function readKernelRelease(root: string): string | null {
  try {
    return readFileSync(join(root, 'proc', 'sys', 'kernel', 'osrelease'), 'utf8').trim() || null;
  } catch {
    return null;
  }
}
