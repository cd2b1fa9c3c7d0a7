import { basename, join } from 'node:path';
import { Duplex } from 'node:stream';
import { checkMilliseconds, RpmsgError } from '@rpmsg/core';
import { ttyDuplexOptions } from '@rpmsg/tty';
import { systemError } from './advice.js';
import type { ChannelRecord } from './channel-scan.js';
import { errnoOf, LinuxRpmsgError } from './errors.js';
import { channelGone } from './gone-reason.js';
import { hasFeature, KERNEL_FEATURES, sinceText } from './kernel.js';
import type { LinuxChannel } from './linux-channel.js';
import type { LinuxRpmsgDevice } from './linux-device.js';
import type { LinuxEndpoint } from './linux-endpoint.js';
import { pollUntil } from './poll-until.js';
import { isDirectory } from './sysfs.js';
import { TtyLine } from './tty-line.js';

/** rpmsg_tty's driver name and the channel name it takes (drivers/tty/rpmsg_tty.c). */
export const RPMSG_TTY_DRIVER = 'rpmsg_tty';

/** Options of `openTty` on a Linux device: `@rpmsg/tty`'s, less the local address. */
export interface LinuxTtyOptions {
  /** Bytes buffered per side before backpressure (Node's `highWaterMark`). Default: Node's. */
  highWaterMark?: number;
  readableHighWaterMark?: number;
  writableHighWaterMark?: number;
  /** Milliseconds a write may wait for the kernel to take it before `ERR_RPMSG_TIMEOUT`. Default `Infinity`. */
  writeTimeout?: number;
  /** Milliseconds to wait for the channel to appear. Default: no limit. */
  openTimeout?: number;
  /** Aborting it destroys the stream with an `AbortError` (also while opening). */
  signal?: AbortSignal;
  /** As `net.Socket`'s; Linux never ends a tty's input, so it changes nothing here. Default false. */
  allowHalfOpen?: boolean;
}

const PROBE_SETTLE_MS = 2000;

/**
 * `@rpmsg/tty`'s `RpmsgTty` on a board: the same `Duplex` byte stream over either
 *
 * - the channel's `/dev/ttyRPMSGn` (channels named `rpmsg-tty`, rpmsg_tty, Linux ≥ 5.16), opened in
 *   raw mode, or
 * - the channel's `/dev/rpmsgN` (any other channel): writes are cut into MTU-sized messages, each
 *   message read is pushed as a chunk, 0-byte messages (hellos) are skipped.
 *
 * Backpressure: `write()` returns false while the kernel does not take the bytes; when the reader is
 * behind, reading stops and the kernel queues — rpmsg_tty drops what its tty buffer cannot hold, so
 * keep reading a tty. Linux has no end-of-stream marker: `end()` sends what was written and the
 * readable side never ends by itself (as on `/dev/ttyRPMSG0`); close with `destroy()`. The channel
 * leaving the bus ends the stream with `ERR_RPMSG_CHANNEL_GONE` (`ERR_RPMSG_PEER_GONE` when its
 * processor stopped or crashed), `device.close()` with `ERR_RPMSG_CLOSED`.
 *
 * Emits `'ready'` once open; `ttyName` is then the kernel's node name (`ttyRPMSG0` or `rpmsg0`).
 */
export class LinuxTty extends Duplex {
  /** The device the tty runs on. */
  readonly device: LinuxRpmsgDevice;
  readonly #target: string | LinuxChannel;
  readonly #abort = new AbortController();
  readonly #writeTimeout: number;
  readonly #openTimeout: number | undefined;
  #channel: LinuxChannel | null = null;
  #path: string | null = null;
  #line: TtyLine | null = null;
  #endpoint: LinuxEndpoint | null = null;
  #detach: (() => void) | null = null;
  readonly #onMessage = (payload: Uint8Array): void => {
    if (payload.length === 0) return; // a hello: no data
    if (!this.push(Buffer.from(payload))) this.#endpoint?.pause();
  };
  readonly #onUnbound = (reason: RpmsgError): void => {
    this.destroy(reason);
  };

  /** @internal use `openTty(device, name)` */
  constructor(device: LinuxRpmsgDevice, target: string | LinuxChannel, options: LinuxTtyOptions = {}) {
    super(ttyDuplexOptions(options));
    this.device = device;
    this.#target = target;
    this.#writeTimeout =
      options.writeTimeout === undefined
        ? Number.POSITIVE_INFINITY
        : checkMilliseconds('options.writeTimeout', options.writeTimeout);
    this.#openTimeout =
      options.openTimeout === undefined
        ? undefined
        : checkMilliseconds('options.openTimeout', options.openTimeout);
  }

  /** The kernel's name of the node the stream runs over (`ttyRPMSG0`, `rpmsg0`); '' until `'ready'`. */
  get ttyName(): string {
    return this.#path === null ? '' : basename(this.#path);
  }

  /** The node's path once open (`/dev/ttyRPMSG0`), else null. */
  get path(): string | null {
    return this.#path;
  }

  /** The channel, once found. */
  get channel(): LinuxChannel | null {
    return this.#channel;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.#open().then(
      () => {
        callback();
        this.emit('ready');
      },
      // Destroyed while opening: the abort is ours, not a failure to report.
      (error: Error) => callback(this.destroyed ? null : error),
    );
  }

  /** Also cancels an open still waiting for its channel (Node runs `_destroy` only after `_construct`). */
  override destroy(error?: Error): this {
    this.#abort.abort(error);
    return super.destroy(error);
  }

  override _read(): void {
    this.#line?.resume();
    this.#endpoint?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#send([chunk], callback);
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.#send(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  /** Linux has no end-of-stream marker: once every write is out there is nothing more to send. */
  override _final(callback: (error?: Error | null) => void): void {
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#abort.abort(error ?? undefined);
    this.#release();
    callback(error);
  }

  async #open(): Promise<void> {
    const signal = this.#abort.signal;
    const device = this.device;
    const channel =
      typeof this.#target === 'string'
        ? await device.waitForChannel(this.#target, {
            signal,
            ...(this.#openTimeout === undefined ? {} : { timeout: this.#openTimeout }),
          })
        : this.#target;
    this.#channel = channel;
    const record = device.refresh(channel.device);
    if (record === null) throw channelGone(channel);
    const detach = device.onClose((reason) => this.destroy(reason));
    this.#detach = detach;
    const tty = await this.#ttyNode(channel, record, signal);
    if (tty !== null) await this.#openLine(tty, channel);
    else await this.#openEndpoint(channel, signal);
  }

  /** The channel's /dev/ttyRPMSGn, null when it should go through a char device instead. */
  async #ttyNode(channel: LinuxChannel, record: ChannelRecord, signal: AbortSignal): Promise<string | null> {
    const device = this.device;
    if (record.ttys[0] !== undefined) return device.paths.dev(record.ttys[0]);
    if (record.driver !== RPMSG_TTY_DRIVER) {
      if (record.name !== 'rpmsg-tty' || record.driver !== null) return null;
      // A channel rpmsg_tty would have taken, untaken: the driver is missing.
      const where = `channel '${record.name}' (${record.device})`;
      if (hasFeature(device.kernelRelease, KERNEL_FEATURES.rpmsgTty) === false) {
        throw new LinuxRpmsgError(
          'ERR_RPMSG_LINUX_KERNEL_TOO_OLD',
          `${where}: Linux ${device.kernelRelease} has no rpmsg_tty; /dev/ttyRPMSGn came with Linux ` +
            `${sinceText(KERNEL_FEATURES.rpmsgTty)} — name the channel anything else to use it through a /dev/rpmsgN`,
        );
      }
      if (!isDirectory(device.paths.rpmsgDriver(RPMSG_TTY_DRIVER))) {
        throw new LinuxRpmsgError(
          'ERR_RPMSG_LINUX_DRIVER_MISSING',
          `${where} has no /dev/ttyRPMSGn and the kernel has no ${RPMSG_TTY_DRIVER} driver: build it with ` +
            'CONFIG_RPMSG_TTY=y or m and load it (modprobe rpmsg_tty)',
          { path: device.paths.rpmsgDriver(RPMSG_TTY_DRIVER) },
        );
      }
      return null;
    }
    // Bound to rpmsg_tty: the tty shows up as the probe finishes.
    const node = await pollUntil(device.clock, 10, PROBE_SETTLE_MS, signal, () => {
      const r = device.refresh(channel.device);
      if (r === null) throw channelGone(channel);
      return r.ttys[0] ?? null;
    });
    if (node === null) {
      throw new LinuxRpmsgError(
        'ERR_RPMSG_LINUX_IO',
        `channel '${channel.name}' is bound to ${RPMSG_TTY_DRIVER} but has no tty`,
        { path: join(device.paths.rpmsgDevice(channel.device), 'tty') },
      );
    }
    return device.paths.dev(node);
  }

  async #openLine(path: string, channel: LinuxChannel): Promise<void> {
    let file: Awaited<ReturnType<LinuxRpmsgDevice['fileOps']['openTty']>>;
    try {
      file = await this.device.fileOps.openTty(path);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' && this.device.refresh(channel.device) === null) {
        throw this.device.goneReason(channel);
      }
      throw systemError(
        error,
        path,
        'rpmsg-tty',
        `open ${path}`,
        `another process has it open: find it with \`fuser ${path}\``,
      );
    }
    if (this.destroyed) {
      file.close();
      return;
    }
    this.#path = path;
    this.#line = new TtyLine(file, this.device.clock, {
      onData: (chunk) => this.push(chunk),
      onHangup: () => this.destroy(this.device.goneReason(channel)),
      onError: (error) => this.destroy(error),
    });
  }

  async #openEndpoint(channel: LinuxChannel, signal: AbortSignal): Promise<void> {
    const endpoint = await this.device.openChannel(channel, {
      signal,
      onMessage: this.#onMessage,
      ...(this.#openTimeout === undefined ? {} : { timeout: this.#openTimeout }),
    });
    if (this.destroyed) {
      endpoint.destroy();
      return;
    }
    endpoint.pause();
    this.#path = endpoint.path;
    this.#endpoint = endpoint;
    endpoint.on('unbound', this.#onUnbound);
  }

  #send(chunks: Buffer[], callback: (error?: Error | null) => void): void {
    if (this.#line !== null) {
      this.#line.write(chunks, this.#writeTimeout, callback);
      return;
    }
    const endpoint = this.#endpoint;
    if (endpoint === null) {
      callback(new RpmsgError('ERR_RPMSG_ENDPOINT_DESTROYED', `${this.ttyName || 'tty'}: not open`));
      return;
    }
    this.#sendMessages(endpoint, chunks).then(
      () => callback(),
      (error: Error) => callback(error),
    );
  }

  /** A byte stream over messages: cut at the MTU, in order, each waiting for a TX buffer if need be. */
  async #sendMessages(endpoint: LinuxEndpoint, chunks: readonly Buffer[]): Promise<void> {
    const options = { timeout: this.#writeTimeout, signal: this.#abort.signal };
    for (const chunk of chunks) {
      for (let offset = 0; offset < chunk.length; offset += endpoint.mtu) {
        await endpoint.send(chunk.subarray(offset, offset + endpoint.mtu), options);
      }
    }
  }

  #release(): void {
    this.#detach?.();
    this.#detach = null;
    this.#line?.close();
    this.#line = null;
    const endpoint = this.#endpoint;
    this.#endpoint = null;
    if (endpoint !== null) {
      endpoint.off('unbound', this.#onUnbound);
      endpoint.destroy();
    }
  }
}
