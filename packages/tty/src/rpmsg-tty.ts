import { Duplex } from 'node:stream';
import type { Channel, Endpoint, HeldMessage, RpmsgDevice, RxMessage } from '@rpmsg/core';
import { RpmsgError } from '@rpmsg/core';
import { ttyDuplexOptions } from './duplex-options.js';
import { isEndMarker, sendEndMarker } from './end-marker.js';
import { TtyError } from './errors.js';
import { allocateTtyIndex, freeTtyIndex, TTY_NAME_PREFIX } from './tty-names.js';
import { sendChunks } from './tx-writer.js';

/** Name of the channel a tty binds to when none is given: the Linux `rpmsg_tty` driver's id. */

/** Options of {@link openTty}. */
export interface TtyOptions {
  /**
   * Bytes buffered on each side before backpressure (Node's `highWaterMark`, both sides).
   * Default: Node's (16 KiB).
   */
  highWaterMark?: number;
  /** Readable-side `highWaterMark`; wins over `highWaterMark`. */
  readableHighWaterMark?: number;
  /** Writable-side `highWaterMark`; wins over `highWaterMark`. */
  writableHighWaterMark?: number;
  /**
   * Milliseconds a write may wait for a free TX buffer before the stream errors with
   * `ERR_RPMSG_TIMEOUT`. Default `Infinity`: a stalled peer means backpressure, not failure.
   */
  writeTimeout?: number;
  /** Milliseconds to wait for the channel to be announced. Default: no limit (until `signal` or close). */
  openTimeout?: number;
  /** Aborting it destroys the stream (opening, waiting writes) with an `AbortError`. */
  signal?: AbortSignal;
  /**
   * What the tty does when the PEER ends first (its end marker arrives), as `net.Socket`'s option.
   * Default `false`: once the readable side has ended (`'end'`), the tty ends its writable side too
   * — after what was written is sent — and closes. With `true` it stays writable until `end()`.
   * Either way, `end()` only ends the writable side: reads go on until the peer's end marker.
   */
  allowHalfOpen?: boolean;
  /** Local address for the endpoint. Default: the lowest free dynamic address. */
  addr?: number;
}

/**
 * A `/dev/ttyRPMSG<n>` for Node: a byte-stream `Duplex` over one RPMsg channel.
 *
 * - **Writes** are packed into MTU-sized messages in order (large writes split, small ones share a
 *   buffer). An empty TX pool never fails a write: the stream waits for buffers (`write()` returns
 *   false, `'drain'` follows once the peer returns them).
 * - **Reads** push each message as a chunk while the consumer wants data. Once `push()` says the
 *   readable buffer is full, further messages stay in their RX buffers (`msg.hold()`), so the peer
 *   runs out of buffers and is flow-controlled through the ring; they are copied out and released as
 *   the consumer reads.
 * - **Half-close**, as a TCP socket: `end()` sends what was written, then the end marker
 *   (`RPMSG_TTY_F_EOF`), and keeps reading. The readable side ends when the peer's end marker
 *   arrives (after everything received before it), or when the peer destroys the channel after our
 *   end went out. Once both sides have ended the endpoint and the `ttyRPMSG<n>` number are freed.
 *   `allowHalfOpen` says what happens when the peer ends first. A peer without end markers (Linux
 *   `rpmsg_tty`, RPMsg-Lite demos) never ends the readable side: `destroy()` closes at once.
 * - **Errors**: emits `'ready'` once the endpoint is open. The peer destroying the channel while our
 *   side is still open errors the stream with `ERR_RPMSG_CHANNEL_GONE`, a crashed or reset peer with
 *   `ERR_RPMSG_PEER_GONE` (or whatever `code` the link reports), `device.close()` with
 *   `ERR_RPMSG_CLOSED`; data after the peer's end marker with `ERR_TTY_DATA_AFTER_EOF`.
 *
 * Created by {@link openTty}.
 *
 * @see openTty
 */
export class RpmsgTty extends Duplex {
  /** Linux-style name, `ttyRPMSG<n>`, unique in this process while the stream is open. */
  readonly ttyName: string;
  /** The device the tty runs on. */
  readonly device: RpmsgDevice;
  readonly #target: string | Channel;
  readonly #index: number;
  readonly #abort = new AbortController();
  readonly #writeTimeout: number;
  readonly #openTimeout: number | undefined;
  readonly #addr: number | undefined;
  #endpoint: Endpoint | null = null;
  /** RX messages kept in their buffers while the consumer is not reading. */
  readonly #held: HeldMessage[] = [];
  #wantsData = false;
  /** No more input will come (the peer's end, or the channel gone after ours): end after `#held`. */
  #inputEnded = false;
  /** Our end marker went out: nothing written is still on its way. */
  #endSent = false;
  #indexFreed = false;
  readonly #onDown = (reason: Error): void => {
    this.destroy(reason);
  };
  /** The channel's peer went away: NS DESTROY (`ERR_RPMSG_CHANNEL_GONE`) or link down (`ERR_RPMSG_PEER_GONE`…). */
  readonly #onUnbound = (reason?: RpmsgError): void => {
    // After our end went out nothing of ours is lost, and a peer without end markers may answer ours
    // by destroying the channel: that ends the input like its end marker would. A link down is never
    // a clean end — what the peer still had to send is lost.
    if (this.#endSent && reason?.code === 'ERR_RPMSG_CHANNEL_GONE') {
      this.#endOfInput();
      return;
    }
    this.destroy(reason ?? new RpmsgError('ERR_RPMSG_CHANNEL_GONE', `${this.ttyName}: endpoint unbound`));
  };
  readonly #onEndpointClose = (): void => {
    // Not our own release (that detaches first): device.close() or someone's destroy(). The device
    // destroys its endpoints before it marks itself closed, so look once this job is done.
    queueMicrotask(() => {
      if (!this.destroyed) this.destroy(this.#goneError());
    });
  };
  readonly #onMessage = (payload: Uint8Array, src: number, msg: RxMessage): void => {
    if (payload.length === 0) {
      // No data either way: the peer's end marker, or a hello (flags 0: address binding) to skip.
      // An end marker counts from our peer only — anyone may send to our address.
      if (isEndMarker(payload.length, msg.flags) && src === this.#endpoint?.dst) this.#endOfInput();
      return;
    }
    if (this.#inputEnded) {
      // The readable side has ended: these bytes cannot be delivered, and dropping them would hide a
      // peer that breaks its own end.
      this.destroy(
        new TtyError(
          'ERR_TTY_DATA_AFTER_EOF',
          `${this.ttyName}: ${payload.length} bytes from ${src} after the end of input`,
          {
            src,
            length: payload.length,
          },
        ),
      );
      return;
    }
    if (!this.#wantsData || this.#held.length > 0) {
      // Keep order: once anything is held, everything after it is held too.
      this.#held.push(msg.hold());
      return;
    }
    this.#wantsData = this.push(Buffer.from(payload));
  };

  /** @internal use {@link openTty} */
  constructor(device: RpmsgDevice, target: string | Channel, options: TtyOptions = {}) {
    super(ttyDuplexOptions(options));
    this.device = device;
    this.#target = target;
    this.#writeTimeout = options.writeTimeout ?? Number.POSITIVE_INFINITY;
    this.#openTimeout = options.openTimeout;
    this.#addr = options.addr;
    this.#index = allocateTtyIndex();
    this.ttyName = `${TTY_NAME_PREFIX}${this.#index}`;
  }

  /** The endpoint carrying the tty, once open (`'ready'`); `null` before, and after both sides ended. */
  get endpoint(): Endpoint | null {
    return this.#endpoint;
  }

  /** RX messages currently held back from the peer because the reader is behind. */
  get heldMessages(): number {
    return this.#held.length;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.device
      .openChannel(this.#target, {
        signal: this.#abort.signal,
        onMessage: this.#onMessage,
        ...(this.#openTimeout === undefined ? {} : { timeout: this.#openTimeout }),
        ...(this.#addr === undefined ? {} : { addr: this.#addr }),
      })
      .then(
        (endpoint) => {
          if (this.destroyed) {
            endpoint.destroy();
            callback();
            return;
          }
          this.#endpoint = endpoint;
          endpoint.on('unbound', this.#onUnbound);
          endpoint.on('close', this.#onEndpointClose);
          this.device.on('down', this.#onDown);
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
    this.#wantsData = true;
    const held = this.#held;
    while (held.length > 0 && this.#wantsData) {
      const msg = held.shift()!;
      const ok = this.push(Buffer.from(msg.payload));
      msg.release();
      this.#wantsData = ok;
    }
    if (held.length === 0 && this.#inputEnded) this.push(null);
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

  /** `end()`: Node calls it once every write is sent; the end marker follows them, reads go on. */
  override _final(callback: (error?: Error | null) => void): void {
    const endpoint = this.#endpoint;
    if (endpoint === null) {
      callback(new RpmsgError('ERR_RPMSG_ENDPOINT_DESTROYED', `${this.ttyName}: not open`));
      return;
    }
    sendEndMarker(endpoint, { timeout: this.#writeTimeout, signal: this.#abort.signal }).then(
      () => {
        this.#endSent = true;
        if (this.#inputEnded) this.#release();
        callback();
      },
      (error: Error) => callback(error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#abort.abort(error ?? undefined);
    for (const msg of this.#held) msg.release();
    this.#held.length = 0;
    this.#release();
    if (!this.#indexFreed) {
      this.#indexFreed = true;
      freeTtyIndex(this.#index);
    }
    callback(error);
  }

  #send(chunks: Uint8Array[], callback: (error?: Error | null) => void): void {
    const endpoint = this.#endpoint;
    if (endpoint === null) {
      callback(new RpmsgError('ERR_RPMSG_ENDPOINT_DESTROYED', `${this.ttyName}: not open`));
      return;
    }
    sendChunks(endpoint, chunks, { timeout: this.#writeTimeout, signal: this.#abort.signal }).then(
      () => callback(),
      (error: Error) => callback(error),
    );
  }

  /** The input is over: the readable side ends after what is held; with our end out too, release. */
  #endOfInput(): void {
    if (this.#inputEnded) return;
    this.#inputEnded = true;
    if (this.#held.length === 0) this.push(null);
    if (this.#endSent) this.#release();
  }

  /** Why the endpoint went away under us: a local `device.close()`, or someone's `destroy()`. */
  #goneError(): RpmsgError {
    return this.device.isUp
      ? new RpmsgError('ERR_RPMSG_ENDPOINT_DESTROYED', `${this.ttyName}: endpoint destroyed`)
      : new RpmsgError('ERR_RPMSG_CLOSED', `${this.ttyName}: the device was closed`);
  }

  /** Detaches from the device and destroys the endpoint (NS DESTROY if it was announced). */
  #release(): void {
    const endpoint = this.#endpoint;
    if (endpoint === null) return;
    this.#endpoint = null;
    endpoint.off('unbound', this.#onUnbound);
    endpoint.off('close', this.#onEndpointClose);
    this.device.off('down', this.#onDown);
    if (!endpoint.destroyed) endpoint.destroy();
  }
}
