import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import {
  type Clock,
  checkBoolean,
  checkFunction,
  checkOptions,
  encodeNsName,
  InvalidArgTypeError,
  InvalidArgValueError,
  RpmsgError,
  type WaitOptions,
  waitUntil,
} from '@rpmsg/core';
import { type ChannelRecord, readChannel, scanChannels } from './channel-scan.js';
import { type CharDeviceContext, charDeviceFor, charOpenError } from './char-device.js';
import { describeBus } from './describe-bus.js';
import {
  checkMaxQueued,
  checkWait,
  type DeviceSettings,
  type LinuxOpenChannelOptions,
} from './device-options.js';
import type { RpmsgFileOps } from './file-ops.js';
import { channelGone, goneReason } from './gone-reason.js';
import { LinuxChannel } from './linux-channel.js';
import { LinuxEndpoint } from './linux-endpoint.js';
import { readAttribute, SysfsPaths } from './sysfs.js';

/** The events of a {@link LinuxRpmsgDevice}, typed as the simulator device's. */
export interface LinuxRpmsgDeviceEvents {
  /** A channel appeared on the bus (the remote announced it). */
  channel: [channel: LinuxChannel];
  /** A channel left the bus (the remote destroyed it, stopped or crashed). */
  'channel-removed': [channel: LinuxChannel];
  /** `openChannel` made an endpoint. */
  endpoint: [endpoint: LinuxEndpoint];
  /** `close()` ran. */
  close: [];
}

const EMPTY = new Uint8Array(0);
const CHANNEL_EVENTS = new Set<string | symbol>(['channel', 'channel-removed']);

/**
 * The rpmsg bus of a Linux board, shaped as `@rpmsg/core`'s `RpmsgDevice` so an application written
 * against the simulator runs here: `channels()`, `waitForChannel(name)`, `openChannel(name)` and the
 * `channel` / `channel-removed` events, over what the kernel offers without native code —
 * `/sys/bus/rpmsg/devices` for the channels, rpmsg_char's `/dev/rpmsgN` for the endpoints.
 *
 * The kernel's virtio_rpmsg_bus owns the rings, the name service and the addresses; this device reads
 * what it made of them. Channels are read from sysfs when asked (`channels()`), and every
 * `pollInterval` ms while something waits for one or listens for the channel events — sysfs cannot
 * be watched. While it polls, the timer keeps the process alive; `close()` ends it.
 *
 * Made by {@link openLinuxRpmsg}.
 */
export class LinuxRpmsgDevice extends EventEmitter<LinuxRpmsgDeviceEvents> {
  /** Where `/sys`, `/dev` and `/proc` are read (`/` on a board). */
  readonly root: string;
  /** Largest payload of one message (the `mtu` option: the kernel does not publish it). */
  readonly mtu: number;
  /** The kernel's release (`uname -r`), or null when `<root>/proc` does not say. */
  readonly kernelRelease: string | null;
  /** @internal Where each kernel interface is under `root`. */
  readonly paths: SysfsPaths;
  /** @internal The seam every open and attribute write goes through. */
  readonly fileOps: RpmsgFileOps;
  /** @internal Where timeouts and polls get their time. */
  readonly clock: Clock;
  /** @internal The checked options. */
  readonly settings: DeviceSettings;
  readonly #channels = new Map<string, LinuxChannel>();
  readonly #endpoints = new Set<LinuxEndpoint>();
  /** What ends when the device closes besides endpoints: waits, tty streams. */
  readonly #onClose = new Set<(reason: RpmsgError) => void>();
  /** Scans wanted by waits in progress. */
  #waiters = 0;
  #timer: unknown;
  #closed = false;
  readonly #charContext: CharDeviceContext;

  /** @internal use {@link openLinuxRpmsg} */
  constructor(settings: DeviceSettings, fileOps: RpmsgFileOps, release: string | null) {
    super();
    this.root = settings.root;
    this.mtu = settings.mtu;
    this.kernelRelease = release;
    this.settings = settings;
    this.paths = new SysfsPaths(settings.root);
    this.fileOps = fileOps;
    this.clock = settings.clock;
    this.#charContext = {
      paths: this.paths,
      fileOps,
      release,
      clock: settings.clock,
      refresh: (device) => this.#refresh(device),
    };
    // Poll while someone listens for the channel events (sysfs has no change notification).
    const self = this as EventEmitter;
    self.on('newListener', (event: string | symbol) => {
      if (CHANNEL_EVENTS.has(event)) queueMicrotask(() => this.#updatePolling());
    });
    self.on('removeListener', (event: string | symbol) => {
      if (CHANNEL_EVENTS.has(event)) this.#updatePolling();
    });
    this.rescan();
  }

  /** True until `close()`. */
  get isUp(): boolean {
    return !this.#closed;
  }

  /** True after `close()`. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Whether `record` is a channel of `options.remoteproc` (every channel without that option).
   * `named` caches, for one scan, which processors carry that name: their `name` is read once.
   */
  #ofRemoteproc(record: ChannelRecord, named: Map<string, boolean>): boolean {
    const want = this.settings.remoteproc;
    if (want === undefined) return true;
    const id = record.remoteproc;
    if (id === null) return false;
    if (id === want) return true;
    let match = named.get(id);
    if (match === undefined) {
      match = readAttribute(join(this.paths.remoteproc(id), 'name')) === want;
      named.set(id, match);
    }
    return match;
  }

  /**
   * Reads the bus now: channels that appeared are added (`channel`), those gone are removed
   * (`channel-removed`, and their endpoints end with `ERR_RPMSG_CHANNEL_GONE` or
   * `ERR_RPMSG_PEER_GONE`). Returns the channels, oldest first.
   */
  rescan(): LinuxChannel[] {
    if (this.#closed) return [...this.#channels.values()];
    const seen = new Set<string>();
    const added: LinuxChannel[] = [];
    const named = new Map<string, boolean>();
    for (const record of scanChannels(this.paths)) {
      if (!this.#ofRemoteproc(record, named)) continue;
      seen.add(record.device);
      const known = this.#channels.get(record.device);
      if (known !== undefined) known.update(record);
      else {
        const channel = new LinuxChannel(record, this.paths);
        this.#channels.set(record.device, channel);
        added.push(channel);
      }
    }
    const removed: LinuxChannel[] = [];
    for (const [device, channel] of this.#channels) {
      if (seen.has(device)) continue;
      this.#channels.delete(device);
      removed.push(channel);
    }
    for (const channel of removed) this.#remove(channel);
    for (const channel of added) this.emit('channel', channel);
    return [...this.#channels.values()];
  }

  /**
   * The channels on the bus now (read from sysfs), oldest first. Unlike the simulator's, this list is
   * complete as soon as the remote announced: the kernel did the waiting.
   */
  channels(): LinuxChannel[] {
    return this.rescan();
  }

  /** The oldest live channel called `name`. */
  getChannel(name: string): LinuxChannel | undefined {
    return this.rescan().find((c) => c.name === name);
  }

  /** The open endpoints. */
  endpoints(): LinuxEndpoint[] {
    return [...this.#endpoints];
  }

  /**
   * Resolves with the channel `name` once it is on the bus (at once if it is), reading sysfs every
   * `pollInterval` ms meanwhile. Default timeout: none.
   *
   * @throws {RpmsgError} `ERR_RPMSG_TIMEOUT` — the message says which channels the bus has and in
   *   which state the remote processors are — and `ERR_RPMSG_CLOSED`; `AbortError`
   * @throws {InvalidArgTypeError|InvalidArgValueError} a name no channel can have, bad options (rejects)
   */
  waitForChannel(name: string, options?: WaitOptions): Promise<LinuxChannel> {
    let timeout: number;
    try {
      encodeNsName(name);
      timeout = checkWait(options);
    } catch (error) {
      return Promise.reject(error);
    }
    const what = `waitForChannel('${name}')`;
    return waitUntil<LinuxChannel>(this.clock, timeout, options?.signal, what, (settle) => {
      if (this.#closed) {
        settle(closedError());
        return () => {};
      }
      const found = this.getChannel(name);
      if (found !== undefined) {
        settle(null, found);
        return () => {};
      }
      const onChannel = (channel: LinuxChannel) => {
        if (channel.name === name) settle(null, channel);
      };
      const onClose = (reason: RpmsgError) => settle(reason);
      this.on('channel', onChannel);
      this.#onClose.add(onClose);
      this.#waiters += 1;
      this.#updatePolling();
      return () => {
        this.off('channel', onChannel);
        this.#onClose.delete(onClose);
        this.#waiters -= 1;
        this.#updatePolling();
      };
    }).catch((error: unknown) => {
      if (error instanceof RpmsgError && error.code === 'ERR_RPMSG_TIMEOUT') {
        throw new RpmsgError(
          'ERR_RPMSG_TIMEOUT',
          `no channel '${name}' after ${timeout} ms: ${this.describe()}`,
          {
            limit: timeout,
          },
        );
      }
      throw error;
    });
  }

  /**
   * Opens a channel: waits for it if needed, finds or makes its `/dev/rpmsgN` (an unbound channel is
   * handed to rpmsg_char through `driver_override`), opens it, and — unless `hello: false` — sends a
   * 0-byte hello so the remote learns our address. `timeout` and `signal` bound the wait and the hello.
   *
   * @throws {LinuxRpmsgError} `ERR_RPMSG_LINUX_PERMISSION`, `ERR_RPMSG_LINUX_BUSY` (open elsewhere,
   *   or another driver has the channel), `ERR_RPMSG_LINUX_DRIVER_MISSING`, `ERR_RPMSG_LINUX_KERNEL_TOO_OLD`
   * @throws {RpmsgError} `ERR_RPMSG_TIMEOUT`, `ERR_RPMSG_CHANNEL_GONE`, `ERR_RPMSG_CLOSED`; `AbortError`
   * @throws {InvalidArgTypeError|InvalidArgValueError|OutOfRangeError} bad arguments (rejects);
   *   `options.addr` is refused: the kernel gives the local address
   */
  async openChannel(
    nameOrChannel: string | LinuxChannel,
    options: LinuxOpenChannelOptions = {},
  ): Promise<LinuxEndpoint> {
    checkOptions('options', options);
    const timeout = checkWait(options);
    const { signal, onMessage, hello = true } = options;
    if ('addr' in options && (options as { addr?: unknown }).addr !== undefined) {
      throw new InvalidArgValueError(
        'options.addr',
        'cannot be chosen on Linux: rpmsg_char endpoints take the address the kernel gives',
        (options as { addr?: unknown }).addr,
      );
    }
    checkBoolean('options.hello', hello);
    if (onMessage !== undefined) checkFunction('options.onMessage', onMessage);
    const maxQueued =
      options.maxQueuedSends === undefined
        ? this.settings.maxQueued
        : checkMaxQueued('options.maxQueuedSends', options.maxQueuedSends);
    if (typeof nameOrChannel === 'string') encodeNsName(nameOrChannel);
    else if (!(nameOrChannel instanceof LinuxChannel)) {
      throw new InvalidArgTypeError('name', 'of type string or a LinuxChannel', nameOrChannel);
    }
    if (this.#closed) throw closedError();
    const channel =
      typeof nameOrChannel === 'string'
        ? await this.waitForChannel(nameOrChannel, { timeout, ...(signal === undefined ? {} : { signal }) })
        : nameOrChannel;
    if (channel.removed || this.#refresh(channel.device) === null) throw channelGone(channel);
    const path = await charDeviceFor(this.#charContext, channel, signal);
    let file: Awaited<ReturnType<RpmsgFileOps['openCharDevice']>>;
    try {
      file = await this.fileOps.openCharDevice(path);
    } catch (error) {
      throw charOpenError(error, path, channel, () => this.#refresh(channel.device) !== null, this.paths);
    }
    if (this.#closed) {
      file.close();
      throw closedError();
    }
    const endpoint = new LinuxEndpoint({
      channel,
      path,
      file,
      mtu: this.mtu,
      sendTimeout: this.settings.sendTimeout,
      maxQueued,
      clock: this.clock,
      onMessage,
      goneReason: () => this.goneReason(channel),
      detach: (ep) => this.#endpoints.delete(ep),
    });
    this.#endpoints.add(endpoint);
    this.emit('endpoint', endpoint);
    if (hello) {
      try {
        // Without a timeout of its own the hello waits as long as any send: the device's sendTimeout.
        await endpoint.send(EMPTY, {
          ...(options.timeout === undefined ? {} : { timeout }),
          ...(signal === undefined ? {} : { signal }),
        });
      } catch (error) {
        endpoint.destroy();
        throw error;
      }
    }
    return endpoint;
  }

  /**
   * Closes the device: endpoints and tty streams end with `ERR_RPMSG_CLOSED`, waits reject with it,
   * polling stops. Channels stay bound to their drivers. Calling it again does nothing.
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const reason = closedError();
    for (const endpoint of [...this.#endpoints]) endpoint.end(reason, false);
    for (const onClose of [...this.#onClose]) onClose(reason);
    this.emit('close');
    return Promise.resolve();
  }

  /**
   * One line on what the bus and the remote processors look like now: what a timeout message says
   * so that "no such channel" comes with the reason.
   */
  describe(): string {
    return describeBus(this.paths, this.rescan());
  }

  /**
   * @internal Why a channel went away: `ERR_RPMSG_PEER_GONE` when its processor is not running or its
   * virtio device went with it, else `ERR_RPMSG_CHANNEL_GONE`.
   */
  goneReason(channel: LinuxChannel): RpmsgError {
    return goneReason(this.paths, channel);
  }

  /** @internal For tty streams: called with `ERR_RPMSG_CLOSED` when the device closes. */
  onClose(callback: (reason: RpmsgError) => void): () => void {
    this.#onClose.add(callback);
    return () => this.#onClose.delete(callback);
  }

  /** @internal Re-reads one channel; a channel gone is removed (with its events). */
  refresh(device: string): ChannelRecord | null {
    return this.#refresh(device);
  }

  #refresh(device: string): ChannelRecord | null {
    const record = readChannel(this.paths, device);
    const known = this.#channels.get(device);
    if (record !== null) {
      known?.update(record);
      return record;
    }
    if (known !== undefined) {
      this.#channels.delete(device);
      this.#remove(known);
    }
    return null;
  }

  #remove(channel: LinuxChannel): void {
    channel.markRemoved();
    let reason: RpmsgError | undefined;
    for (const endpoint of [...this.#endpoints]) {
      if (endpoint.channel !== channel) continue;
      reason ??= this.goneReason(channel);
      endpoint.end(reason, true);
    }
    this.emit('channel-removed', channel);
  }

  #updatePolling(): void {
    const wanted =
      !this.#closed &&
      (this.#waiters > 0 || this.listenerCount('channel') > 0 || this.listenerCount('channel-removed') > 0);
    if (wanted && this.#timer === undefined) this.#schedule();
    else if (!wanted && this.#timer !== undefined) {
      this.clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #schedule(): void {
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      try {
        this.rescan();
      } catch {
        // A read refused (ERR_RPMSG_LINUX_PERMISSION) has no caller to go to from a timer: the
        // next explicit call — channels(), or the timeout message of a wait — reports it.
      }
      this.#updatePolling();
    }, this.settings.pollInterval);
  }
}

function closedError(): RpmsgError {
  return new RpmsgError('ERR_RPMSG_CLOSED', 'the device was closed');
}
