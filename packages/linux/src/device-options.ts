import {
  type Clock,
  checkInteger,
  checkMilliseconds,
  checkOptions,
  InvalidArgTypeError,
  InvalidArgValueError,
  RPMSG_SEND_TIMEOUT_MS,
  systemClock,
  type WaitOptions,
} from '@rpmsg/core';
import type { RpmsgFileOps } from './file-ops.js';

/** Options of {@link openLinuxRpmsg}. */
export interface LinuxRpmsgOptions {
  /** Where `/sys`, `/dev` and `/proc` are: `/` on the board, a fake tree in tests. Default `/`. */
  root?: string;
  /**
   * How often (ms) sysfs is read again while something waits for a channel or listens for
   * `channel` / `channel-removed` — sysfs cannot be watched (inotify sees no kernel-made changes
   * there). Default 100.
   */
  pollInterval?: number;
  /** Default time (ms) a send waits for a TX buffer; default 15 000, as Linux's `rpmsg_send`. */
  sendTimeout?: number;
  /**
   * Largest payload of one message. The kernel does not publish it; virtio_rpmsg_bus's is 496
   * (512-byte buffers − the 16-byte header), the default. A write the kernel finds longer fails
   * with `ERR_RPMSG_MSG_TOO_BIG`.
   */
  mtu?: number;
  /** Most sends that may wait for a TX buffer per endpoint; one more rejects with `ERR_RPMSG_QUEUE_FULL`. Default `Infinity`. */
  maxQueuedSends?: number;
  /**
   * Only the channels of this remote processor — its sysfs id (`remoteproc1`) or its `name` — as
   * `soc.remote(name).master` is one remote's device in the simulator: on a SoC with several
   * remotes, two may announce channels of the same name (docs/soc.md#several-remotes). Default:
   * every processor's channels.
   */
  remoteproc?: string;
  /** The file-operations seam (`@rpmsg/linux/testing` has the kernel model). Default: the real one. */
  fileOps?: RpmsgFileOps;
  /** Where timeouts and polls get their time. Default Node's timers. */
  clock?: Clock;
}

/** Options of `device.openChannel()`: the simulator's, less what the kernel decides. */
export interface LinuxOpenChannelOptions extends WaitOptions {
  /** Called for every message before the `message` event. */
  onMessage?: (payload: Uint8Array, src: number) => void;
  /**
   * Send a 0-byte message once open, so the remote learns our address before we have anything to
   * say (docs/interop.md, "Addresses and the first message"). Default true, as the simulator.
   */
  hello?: boolean;
  /** Per-endpoint bound on waiting sends; default the device's `maxQueuedSends`. */
  maxQueuedSends?: number;
}

/** The checked options of a device. */
export interface DeviceSettings {
  readonly root: string;
  readonly pollInterval: number;
  readonly sendTimeout: number;
  readonly mtu: number;
  readonly maxQueued: number;
  readonly clock: Clock;
  readonly fileOps: RpmsgFileOps | undefined;
  readonly remoteproc: string | undefined;
}

/** Default of `mtu`: virtio_rpmsg_bus's 512-byte buffers less the 16-byte header. */
export const LINUX_DEFAULT_MTU = 496;

/**
 * Checks {@link LinuxRpmsgOptions}.
 *
 * @throws {InvalidArgTypeError|InvalidArgValueError|OutOfRangeError} naming the option
 */
export function checkDeviceOptions(options: LinuxRpmsgOptions): DeviceSettings {
  checkOptions('options', options);
  const root = options.root ?? '/';
  if (typeof root !== 'string') throw new InvalidArgTypeError('options.root', 'of type string', root);
  if (root === '') throw new InvalidArgValueError('options.root', 'must not be empty', root);
  const fileOps = options.fileOps;
  if (
    fileOps !== undefined &&
    (fileOps === null ||
      typeof fileOps !== 'object' ||
      typeof fileOps.openCharDevice !== 'function' ||
      typeof fileOps.openTty !== 'function' ||
      typeof fileOps.writeAttribute !== 'function')
  ) {
    throw new InvalidArgTypeError('options.fileOps', 'an RpmsgFileOps object', fileOps);
  }
  const remoteproc = options.remoteproc;
  if (remoteproc !== undefined && (typeof remoteproc !== 'string' || remoteproc === '')) {
    throw new InvalidArgTypeError('options.remoteproc', 'a non-empty string', remoteproc);
  }
  const clock = options.clock ?? systemClock;
  if (clock === null || typeof clock !== 'object' || typeof clock.setTimeout !== 'function') {
    throw new InvalidArgTypeError('options.clock', 'a Clock', clock);
  }
  return {
    root,
    pollInterval:
      options.pollInterval === undefined
        ? 100
        : checkMilliseconds('options.pollInterval', options.pollInterval, 1, false),
    sendTimeout:
      options.sendTimeout === undefined
        ? RPMSG_SEND_TIMEOUT_MS
        : checkMilliseconds('options.sendTimeout', options.sendTimeout),
    mtu: options.mtu === undefined ? LINUX_DEFAULT_MTU : checkInteger('options.mtu', options.mtu, 1, 0xffff),
    maxQueued: checkMaxQueued('options.maxQueuedSends', options.maxQueuedSends),
    clock,
    fileOps,
    remoteproc,
  };
}

/** A `maxQueuedSends`: an integer ≥ 0 or `Infinity` (the default). */
export function checkMaxQueued(argument: string, value: unknown): number {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  return checkInteger(argument, value, 0, Number.MAX_SAFE_INTEGER);
}

/**
 * Checks `WaitOptions` and returns the timeout (`Infinity` when none).
 *
 * @throws {InvalidArgTypeError} `options` not an object, `signal` not an AbortSignal
 * @throws {OutOfRangeError} `timeout` negative or NaN
 */
export function checkWait(options: WaitOptions | undefined): number {
  if (options === undefined) return Number.POSITIVE_INFINITY;
  checkOptions('options', options);
  const { timeout, signal } = options;
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || !('aborted' in signal))) {
    throw new InvalidArgTypeError('options.signal', 'an instance of AbortSignal', signal);
  }
  return timeout === undefined ? Number.POSITIVE_INFINITY : checkMilliseconds('options.timeout', timeout);
}
