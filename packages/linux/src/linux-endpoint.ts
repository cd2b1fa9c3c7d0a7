import { EventEmitter } from 'node:events';
import {
  AbortError,
  type Clock,
  checkMilliseconds,
  checkOptions,
  InvalidArgTypeError,
  RPMSG_ADDR_ANY,
  RpmsgError,
  type SendOptions,
} from '@rpmsg/core';
import { errnoOf, LinuxRpmsgError } from './errors.js';
import type { DeviceFile } from './file-ops.js';
import type { LinuxChannel } from './linux-channel.js';
import { SendQueue } from './send-queue.js';

/** The events of a {@link LinuxEndpoint}: the simulator endpoint's, less `bound` (it is bound from the start). */
export interface LinuxEndpointEvents {
  /**
   * A message from the remote. `payload` is a view into the endpoint's read buffer, valid during the
   * call only (copy it to keep it), as a simulator payload is; `src` is the channel's remote address
   * (rpmsg_char does not say who sent a message: it is the channel's peer).
   */
  message: [payload: Uint8Array, src: number];
  /** The channel went away (the remote destroyed it, stopped or crashed); the endpoint is closed. */
  unbound: [reason: RpmsgError];
  /** The endpoint was destroyed, by `destroy()`, the device's close, or its channel going away. */
  close: [];
}

/** Per-endpoint counters, as the simulator's `EndpointStats`. */
export interface LinuxEndpointStats {
  readonly sent: number;
  readonly received: number;
  /** Messages read while nothing listened. */
  readonly dropped: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

/** @internal What the device gives a new endpoint. */
export interface LinuxEndpointInit {
  readonly channel: LinuxChannel;
  readonly path: string;
  readonly file: DeviceFile;
  readonly mtu: number;
  readonly sendTimeout: number;
  readonly maxQueued: number;
  readonly clock: Clock;
  readonly onMessage: ((payload: Uint8Array, src: number) => void) | undefined;
  /** Why the kernel ended the endpoint (EPIPE): the channel destroyed, or its processor down. */
  goneReason(): RpmsgError;
  /** The endpoint closed: the device forgets it. */
  detach(endpoint: LinuxEndpoint): void;
}

/**
 * rpmsg_char hands over at most one message per read(2), cut to the buffer: 64 KiB holds virtio's
 * 496-byte messages and the larger ones of other rpmsg transports (glink, smd).
 */
const READ_BUFFER_BYTES = 64 * 1024;
/** Messages read per turn of the event loop before yielding (as a NAPI poll's budget). */
const READ_BATCH = 64;

/**
 * An endpoint on a channel, through the channel's `/dev/rpmsgN` — the board's twin of `@rpmsg/core`'s
 * `Endpoint`, with the same `send` / `trySend` / `'message'` / `destroy()` rules where the kernel
 * allows them:
 *
 * - `send` copies the payload into the kernel (one write(2) = one message) and, when the kernel has
 *   no TX buffer, waits for one — bounded by `timeout` (default the device's `sendTimeout`, 15 s as
 *   Linux) and `signal`; sends leave in call order.
 * - `trySend` sends now or throws `ERR_RPMSG_NO_BUFFER` (also while other sends wait).
 * - No zero-copy (`getTxBuffer`), no `sendTo` (rpmsg_char sends to the channel's address only),
 *   no chosen local address (the kernel gives one: `addr`), and the MTU is the device's `mtu` option
 *   (the kernel does not publish it; a longer write it refuses comes back as `ERR_RPMSG_MSG_TOO_BIG`).
 *
 * Made by `device.openChannel()`.
 */
export class LinuxEndpoint extends EventEmitter<LinuxEndpointEvents> {
  /** The channel this endpoint talks on. */
  readonly channel: LinuxChannel;
  /** The channel's name. */
  readonly name: string;
  /** The `/dev/rpmsgN` it reads and writes. */
  readonly path: string;
  /** Largest payload of one message. */
  readonly mtu: number;
  readonly #file: DeviceFile;
  readonly #init: LinuxEndpointInit;
  readonly #queue: SendQueue;
  readonly #buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  readonly #stats = { sent: 0, received: 0, dropped: 0, bytesSent: 0, bytesReceived: 0 };
  #destroyed = false;
  #reading = false;
  #paused = false;

  /** @internal made by `device.openChannel()` */
  constructor(init: LinuxEndpointInit) {
    super();
    this.channel = init.channel;
    this.name = init.channel.name;
    this.path = init.path;
    this.mtu = init.mtu;
    this.#file = init.file;
    this.#init = init;
    this.#queue = new SendQueue(
      {
        write: (data) => this.#write(data),
        waitWritable: () => this.#file.waitWritable(() => this.#queue.flush()),
      },
      init.clock,
    );
    // The first read waits a turn: whoever awaited openChannel() attaches its 'message' listener
    // first, so messages the kernel queued before the open are not dropped unheard.
    this.#reading = true;
    setImmediate(() => {
      this.#reading = false;
      this.#read();
    });
  }

  /** Our address, as the kernel assigned it (sysfs `src`); `RPMSG_ADDR_ANY` if sysfs does not say. */
  get addr(): number {
    return this.channel.localAddr;
  }

  /** Where messages go: the channel's remote address. */
  get dst(): number {
    return this.channel.remoteAddr;
  }

  /** True until the endpoint is destroyed: an rpmsg_char endpoint is bound to its channel for life. */
  get isBound(): boolean {
    return !this.#destroyed && this.channel.remoteAddr !== RPMSG_ADDR_ANY;
  }

  /** True once destroyed (by `destroy()`, the device's close, or the channel going away). */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Counters of this endpoint. */
  get stats(): LinuxEndpointStats {
    return this.#stats;
  }

  /**
   * Sends `data` as one message, waiting for a TX buffer when the kernel has none.
   *
   * @throws {RpmsgError} rejects with `ERR_RPMSG_MSG_TOO_BIG` (over `mtu`, or the kernel said
   *   EMSGSIZE), `ERR_RPMSG_TIMEOUT`, `ERR_RPMSG_QUEUE_FULL` (`maxQueuedSends` sends wait),
   *   `ERR_RPMSG_CHANNEL_GONE` / `ERR_RPMSG_PEER_GONE` (the channel went away),
   *   `ERR_RPMSG_ENDPOINT_DESTROYED`, `ERR_RPMSG_CLOSED`; with an `AbortError` when `signal` aborts
   * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE`: `data` not a Uint8Array, bad `options` (rejects)
   */
  send(data: Uint8Array, options?: SendOptions): Promise<void> {
    let timeout: number;
    try {
      this.#check(data);
      timeout = this.#init.sendTimeout;
      if (options !== undefined) {
        checkOptions('options', options);
        if (options.timeout !== undefined) timeout = checkMilliseconds('options.timeout', options.timeout);
        checkSignal(options.signal);
        if (options.signal?.aborted) throw new AbortError(undefined, { cause: options.signal.reason });
      }
      if (this.#queue.length === 0 && this.#write(data)) return Promise.resolve();
      if (this.#queue.length >= this.#init.maxQueued) {
        throw new RpmsgError(
          'ERR_RPMSG_QUEUE_FULL',
          `${this.name}: ${this.#queue.length} sends already wait`,
          {
            limit: this.#init.maxQueued,
          },
        );
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#queue.push(data, timeout, options?.signal);
  }

  /**
   * Sends `data` now or throws: never waits.
   *
   * @throws {RpmsgError} `ERR_RPMSG_NO_BUFFER` when the kernel has no TX buffer now or other sends
   *   wait, and the codes of {@link LinuxEndpoint.send}
   */
  trySend(data: Uint8Array): void {
    this.#check(data);
    if (this.#queue.length > 0 || !this.#write(data)) {
      throw new RpmsgError('ERR_RPMSG_NO_BUFFER', `${this.name}: no TX buffer free now`);
    }
  }

  /**
   * Closes the endpoint: the `/dev/rpmsgN` is closed (the kernel drops what it had queued for us),
   * waiting sends reject with `ERR_RPMSG_ENDPOINT_DESTROYED`, `close` is emitted. The channel stays
   * bound to rpmsg_char, so opening it again is quick. Destroying twice does nothing.
   */
  destroy(): void {
    this.#end(new RpmsgError('ERR_RPMSG_ENDPOINT_DESTROYED', `endpoint on '${this.name}' was destroyed`));
  }

  /** @internal The device closed (ERR_RPMSG_CLOSED) or the channel left the bus: end with `reason`. */
  end(reason: RpmsgError, unbound: boolean): void {
    this.#end(reason, unbound);
  }

  /** @internal Stop reading (the kernel keeps queueing): a tty stream's backpressure. */
  pause(): void {
    this.#paused = true;
  }

  /** @internal Read again after {@link LinuxEndpoint.pause}. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#read();
  }

  #check(data: Uint8Array): void {
    if (!(data instanceof Uint8Array))
      throw new InvalidArgTypeError('data', 'an instance of Uint8Array', data);
    if (this.#destroyed) throw this.#destroyedError();
    if (data.length > this.mtu) {
      throw new RpmsgError('ERR_RPMSG_MSG_TOO_BIG', `${data.length} bytes exceed the MTU of ${this.mtu}`, {
        length: data.length,
        limit: this.mtu,
      });
    }
  }

  /** One write(2): true when sent, false when the kernel has no TX buffer now; throws otherwise. */
  #write(data: Uint8Array): boolean {
    if (this.#destroyed) throw this.#destroyedError();
    let n: number;
    try {
      n = this.#file.write(data);
    } catch (error) {
      const errno = errnoOf(error);
      // rpmsg_char turns virtio's "no buffer" (ENOMEM) into EAGAIN for non-blocking writers; older
      // kernels pass ENOMEM through.
      if (errno === 'EAGAIN' || errno === 'ENOMEM' || errno === 'EINTR') return false;
      if (errno === 'EMSGSIZE') {
        throw new RpmsgError(
          'ERR_RPMSG_MSG_TOO_BIG',
          `${data.length} bytes: the kernel's MTU on '${this.name}' is smaller (set the device's mtu option)`,
          { length: data.length, cause: error },
        );
      }
      throw this.#fail(error);
    }
    if (n !== data.length) {
      throw this.#ioError(
        new Error(`write(2) took ${n} of ${data.length} bytes: not a message-preserving device`),
      );
    }
    this.#stats.sent += 1;
    this.#stats.bytesSent += n;
    return true;
  }

  /** Reads every message the kernel holds (a batch per turn), then waits until it holds more. */
  #read(error: Error | null = null): void {
    if (this.#destroyed || this.#paused || this.#reading) return;
    for (let i = 0; i < READ_BATCH; i += 1) {
      let n: number;
      try {
        n = this.#file.read(this.#buffer);
      } catch (readError) {
        // An error condition with nothing to read (epoll's EPOLLERR) is an endpoint gone too.
        if (errnoOf(readError) !== 'EAGAIN') this.#fail(readError);
        else if (error !== null) this.#gone();
        else {
          this.#reading = true;
          this.#file.waitReadable((e) => {
            this.#reading = false;
            this.#read(e);
          });
        }
        return;
      }
      this.#deliver(n);
      if (this.#destroyed || this.#paused) return;
    }
    this.#reading = true;
    setImmediate(() => {
      this.#reading = false;
      this.#read();
    });
  }

  #deliver(n: number): void {
    const payload = this.#buffer.subarray(0, n);
    this.#stats.received += 1;
    this.#stats.bytesReceived += n;
    const src = this.channel.remoteAddr;
    const onMessage = this.#init.onMessage;
    if (onMessage === undefined && this.listenerCount('message') === 0) {
      this.#stats.dropped += 1;
      return;
    }
    try {
      onMessage?.(payload, src);
      this.emit('message', payload, src);
    } catch (error) {
      // Finish the batch, then let Node report it as uncaught — as a throwing 'data' listener is.
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  /**
   * The kernel failed a call: EPIPE (rpmsg_eptdev_read_iter / write_iter once the endpoint was
   * destroyed) or ENODEV mean the endpoint is gone (the channel left the bus), anything else is an
   * I/O error; either ends the endpoint. Returns the error to throw. (ENETRESET comes only from
   * open, handled by charOpenError.)
   */
  #fail(error: unknown): RpmsgError {
    const errno = errnoOf(error);
    if (errno === 'EPIPE' || errno === 'ENODEV') return this.#gone();
    return this.#ioError(error);
  }

  /** The channel went away under the endpoint: `ERR_RPMSG_CHANNEL_GONE` or `ERR_RPMSG_PEER_GONE`. */
  #gone(): RpmsgError {
    const reason = this.#init.goneReason();
    this.#end(reason, true);
    return reason;
  }

  /** An errno this package has no reading for: the link is down, the kernel's error is the cause. */
  #ioError(error: unknown): RpmsgError {
    const errno = errnoOf(error);
    const message = error instanceof Error ? error.message : String(error);
    const io = new RpmsgError('ERR_RPMSG_LINK_DOWN', `${this.path}: ${message}`, {
      cause: new LinuxRpmsgError('ERR_RPMSG_LINUX_IO', `${this.path}: ${message}`, {
        path: this.path,
        cause: error,
        ...(errno === undefined ? {} : { errno }),
      }),
    });
    this.#end(io, true);
    return io;
  }

  #end(reason: RpmsgError, unbound = false): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#file.close();
    this.#queue.failAll(reason);
    this.#init.detach(this);
    if (unbound) this.emit('unbound', reason);
    this.emit('close');
  }

  #destroyedError(): RpmsgError {
    return new RpmsgError('ERR_RPMSG_ENDPOINT_DESTROYED', `endpoint on '${this.name}' was destroyed`);
  }
}

/** An AbortSignal or nothing, as Node's `validateAbortSignal` (any realm). */
function checkSignal(signal: unknown): void {
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || !('aborted' in signal))) {
    throw new InvalidArgTypeError('options.signal', 'an instance of AbortSignal', signal);
  }
}
