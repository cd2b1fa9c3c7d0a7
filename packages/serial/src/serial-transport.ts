import {
  AbortError,
  checkInteger,
  checkMessageFits,
  checkOneOf,
  checkOptions,
  InvalidArgTypeError,
  InvalidArgValueError,
  RPMSG_HEADER_SIZE,
  RpmsgError,
  type Transport,
  type TransportBuffer,
  type TransportRole,
  type TransportSink,
  writeMessage,
} from '@rpmsg/core';
import type { ByteStream, ByteStreamOpener } from './byte-stream.js';
import { systemLinkClock } from './clock.js';
import { SerialError } from './errors.js';
import type { HelloParams } from './hello.js';
import { SerialLink, type SerialLinkHandler } from './link.js';
import type { SerialLinkOptions } from './link-options.js';
import { liveSerialStats, type SerialTransportStats } from './link-stats.js';
import { Reconnector } from './reconnector.js';
import { SlotPool } from './slot-pool.js';

/** Options of a {@link SerialTransport}. */
export interface SerialTransportOptions extends SerialLinkOptions {
  /** The byte stream, or a function opening one (then the transport reopens it after an unplug). */
  port: ByteStream | ByteStreamOpener;
  /** Which RPMsg side this is. Default `master` (the host; the MCU is the remote). */
  role?: TransportRole;
  /** First delay before reopening a vanished port (ms), doubled per failure. Default 100. */
  reconnectMs?: number;
  /** Longest delay between reopen attempts (ms). Default 2000. */
  reconnectMaxMs?: number;
}

export type { SerialTransportStats } from './link-stats.js';

/**
 * Maps why the serial link went down to the RPMsg code the device and its users branch on: the
 * peer restarted, reset or fell silent → `ERR_RPMSG_PEER_GONE`; anything else (the port vanished,
 * retransmissions exhausted) → `ERR_RPMSG_LINK_DOWN`. The `SerialError` is the `cause`. A local
 * close never comes here: it is `ERR_RPMSG_CLOSED` (see {@link closedError}).
 */
function downError(e: SerialError): RpmsgError {
  const code =
    e.code === 'ERR_SERIAL_PEER_RESET' || e.code === 'ERR_SERIAL_TIMEOUT'
      ? 'ERR_RPMSG_PEER_GONE'
      : 'ERR_RPMSG_LINK_DOWN';
  return new RpmsgError(code, `serial link down: ${e.message}`, { cause: e });
}

/** The link-down reason of a local close: the transport or its port closed by its owner. */
function closedError(what: string): RpmsgError {
  return new RpmsgError('ERR_RPMSG_CLOSED', `serial ${what} closed`);
}

/** Checks the transport's own options (the link checks the rest). */
function checkTransportOptions(options: SerialTransportOptions): void {
  const { port, role, reconnectMs, reconnectMaxMs } = checkOptions('options', options);
  const isStream =
    port !== null && typeof port === 'object' && typeof (port as ByteStream).setHandler === 'function';
  if (typeof port !== 'function' && !isStream) {
    throw new InvalidArgTypeError('options.port', 'a ByteStream or a function opening one', port);
  }
  if (role !== undefined) checkOneOf('options.role', role, ['master', 'remote'] as const);
  if (reconnectMs !== undefined) checkInteger('options.reconnectMs', reconnectMs, 1, 3_600_000);
  if (reconnectMaxMs !== undefined) checkInteger('options.reconnectMaxMs', reconnectMaxMs, 1, 3_600_000);
}

/**
 * RPMsg over a byte stream (docs/serial-protocol.md): implements `Transport` from `@rpmsg/core`, so
 * `new RpmsgDevice(new SerialTransport({ port }))` gives the same endpoints and channels as the
 * virtio transport, with the MCU as the remote. Messages arrive from the port's data events and are
 * delivered to the sink at once; `poll()` delivers anything still queued.
 *
 * @see connectSerial for the one-call version over a real serial port or `tcp://host:port`
 */
export class SerialTransport implements Transport, SerialLinkHandler {
  /** `master` (default) or `remote`. */
  readonly role: TransportRole;
  /** Bytes per buffer, header included (the MTU we announce). */
  readonly bufferSize: number;
  /** @see Transport.observer */
  observer: Transport['observer'] = undefined;
  readonly #link: SerialLink;
  readonly #tx: SlotPool;
  readonly #rx: SlotPool;
  readonly #ready: Int32Array; // RX slot indices waiting for delivery, FIFO
  readonly #readyLen: Int32Array;
  #readyHead = 0;
  #readyCount = 0;
  #sink: TransportSink | null = null;
  #stream: ByteStream | null = null;
  readonly #reconnector: Reconnector | null;
  #epoch = 0;
  #closed = false;
  #txAvailableScheduled = false;
  #startWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  readonly #counts = { txMessages: 0, rxMessages: 0, notifications: 0, opens: 0 };
  readonly #liveStats: SerialTransportStats;

  /**
   * @param options the port plus link sizes and timings
   * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE`, {@link OutOfRangeError} `ERR_OUT_OF_RANGE`,
   *   `InvalidArgValueError` `ERR_INVALID_ARG_VALUE` for a bad option, naming it
   */
  constructor(options: SerialTransportOptions) {
    checkTransportOptions(options);
    this.role = options.role ?? 'master';
    this.#link = new SerialLink(this, options);
    this.bufferSize = options.bufferSize ?? 512;
    const txCount = options.txBuffers ?? 16;
    const rxCount = options.rxBuffers ?? 16;
    this.#tx = new SlotPool(txCount, this.bufferSize, 0);
    this.#rx = new SlotPool(rxCount, this.bufferSize, txCount);
    this.#ready = new Int32Array(rxCount);
    this.#readyLen = new Int32Array(rxCount);
    this.#liveStats = liveSerialStats(this.#counts, this.#link.stats, {
      txFree: () => (this.isUp ? this.#tx.available : 0),
      txTotal: txCount,
      rxHeld: () => this.#rx.size - this.#rx.available - this.#readyCount,
    });
    const { port } = options;
    if (typeof port === 'function') {
      this.#reconnector = new Reconnector(port, options.clock ?? systemLinkClock, {
        firstMs: options.reconnectMs ?? 100,
        maxMs: options.reconnectMaxMs ?? 2000,
        onOpen: (s) => this.#useStream(s),
      });
    } else {
      this.#reconnector = null;
      this.#stream = port;
    }
  }

  /** True while the HELLO handshake is done and the link alive. */
  get isUp(): boolean {
    return this.#link.state === 'up';
  }
  /** True when both sides announced the RPMsg name service in HELLO. */
  get hasNameService(): boolean {
    return this.#link.hasNameService;
  }
  /** True when the link runs in reliable mode (ACK + retransmission). */
  get reliable(): boolean {
    return this.#link.reliable;
  }
  /** The peer's HELLO while up (version, MTU, credits, keep-alive), else null. */
  get peer(): HelloParams | null {
    return this.#link.peer;
  }
  /**
   * While up, how long the MCU may stay silent before the link goes down (ms), as
   * docs/serial-protocol.md §6 defines it from both HELLOs; 0 while down.
   */
  get linkTimeoutMs(): number {
    return this.#link.linkTimeoutMs;
  }
  /** Counters: the same live object on every read (copy it for a snapshot). */
  get stats(): SerialTransportStats {
    return this.#liveStats;
  }

  /**
   * Connects the one consumer (the RPMsg device).
   *
   * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE` when a sink is attached already
   */
  attach(sink: TransportSink): void {
    if (this.#sink !== null) {
      throw new InvalidArgValueError('sink', 'cannot be attached: a sink is attached already', sink);
    }
    this.#sink = sink;
  }

  /**
   * Opens the port (when given an opener) and runs the handshake; resolves once the link is up.
   * Rejects with `AbortError` when `signal` aborts first, or with `ERR_SERIAL_OPEN` when the first
   * open fails. Later port losses reconnect on their own.
   */
  start(signal?: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(new RpmsgError('ERR_RPMSG_CLOSED', 'transport closed'));
    if (this.isUp) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    const done = new Promise<void>((resolve, reject) => {
      const onAbort = () => settle(new AbortError(undefined, { cause: signal?.reason }));
      const settle = (error?: unknown) => {
        signal?.removeEventListener('abort', onAbort);
        this.#startWaiters = this.#startWaiters.filter((w) => w !== waiter);
        if (error === undefined) resolve();
        else reject(error);
      };
      const waiter = { resolve: () => settle(), reject: (e: unknown) => settle(e) };
      this.#startWaiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    if (this.#reconnector !== null) {
      if (this.#stream === null) {
        this.#reconnector.openFirst(signal).catch((e: unknown) => {
          for (const w of [...this.#startWaiters]) w.reject(e);
        });
      }
    } else if (this.#link.state === 'idle') {
      this.#useStream(this.#stream!);
    }
    return done;
  }

  /** Delivers received messages still queued to the sink; returns how many. */
  poll(): number {
    let n = 0;
    while (this.#readyCount > 0 && this.#sink !== null && !this.#closed) {
      const slot = this.#ready[this.#readyHead]!;
      const length = this.#readyLen[this.#readyHead]!;
      this.#readyHead = (this.#readyHead + 1) % this.#ready.length;
      this.#readyCount--;
      n++;
      this.#counts.rxMessages++;
      const buf = this.#rx.slots[slot - this.#rx.firstIndex]!;
      this.observer?.onReceive(buf, length);
      if (this.#sink.onMessage(buf, length) === true) this.releaseRxBuffer(buf);
    }
    return n;
  }

  /** Lends a free TX buffer, or null when none is free or the link is down. */
  getTxBuffer(): TransportBuffer | null {
    return this.isUp ? this.#tx.take(this.#epoch) : null;
  }

  /**
   * Queues `buf[0, length)` for the peer; frames leave as the peer's credits allow.
   *
   * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE` when `buf` is not a TX buffer of this transport
   * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` for a length outside 16..bufferSize
   */
  sendTxBuffer(buf: TransportBuffer, length: number): void {
    if (!this.#tx.isLent(buf, this.#epoch)) {
      if (this.#tx.slots[buf.index] === buf) return; // lent before a link-down: dead, ignored
      throw new InvalidArgValueError('buf', 'is not a TX buffer of this transport', buf);
    }
    checkInteger('length', length, RPMSG_HEADER_SIZE, this.bufferSize);
    this.#submit(buf, length);
  }

  /**
   * Sends a copy of `payload` from `src` to `dst` (the Transport's copying send): false at once when
   * no TX buffer is free or the link is down.
   *
   * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` when `payload` does not fit a buffer after the header
   */
  sendMessage(src: number, dst: number, payload: Uint8Array): boolean {
    checkMessageFits(payload, this.bufferSize);
    const buf = this.getTxBuffer();
    if (buf === null) return false;
    // Frames are encoded from the TX buffer when they leave (and again on a retransmission), so the
    // message is written into one, as a lent buffer would be.
    writeMessage(buf, src, dst, payload);
    this.#submit(buf, RPMSG_HEADER_SIZE + payload.length);
    return true;
  }

  /** Hands a filled TX buffer of this session to the link (which keeps it until `txDone`). */
  #submit(buf: TransportBuffer, length: number): void {
    if (this.#link.submit(buf.index, buf.bytes, length)) {
      this.#counts.txMessages++;
      this.observer?.onSend(buf, length);
    } else {
      this.#tx.give(buf.index);
    }
  }

  /** Returns an unsent TX buffer. */
  releaseTxBuffer(buf: TransportBuffer): void {
    if (this.#tx.isLent(buf, this.#epoch)) {
      this.#tx.give(buf.index);
      this.#scheduleTxAvailable();
    }
  }

  /** Gives a received buffer back: one more credit for the peer. */
  releaseRxBuffer(buf: TransportBuffer): void {
    if (!this.#rx.isLent(buf, this.#epoch)) return; // dead (link went down) or already released
    this.#rx.give(buf.index);
    this.#link.releaseRx();
  }

  /** Sends queued frames and any ACK owed (credits, acknowledgements). */
  flush(): void {
    if (!this.#closed) this.#link.service();
  }

  /**
   * Sends RESET, closes the port for good and reports the link down with `ERR_RPMSG_CLOSED` (a
   * local close, never `ERR_RPMSG_LINK_DOWN`): sends waiting for credits reject with it.
   */
  async close(): Promise<void> {
    const stream = this.#stream;
    this.#shutdown(closedError('transport')); // RESET goes out on the stream first
    this.#stream = null;
    if (stream !== null) await stream.close();
  }

  /** Closes for good without touching the port (already closed, or closed by the caller next). */
  #shutdown(reason: RpmsgError): void {
    if (this.#closed) return;
    // Closed first: the link reports its own down (RESET sent) synchronously, and a local close must
    // reach the device as ERR_RPMSG_CLOSED, not as the link's ERR_SERIAL_PORT_CLOSED.
    this.#closed = true;
    this.#link.stop(new SerialError('ERR_SERIAL_PORT_CLOSED', reason.message));
    this.#reconnector?.stop();
    this.#reclaim();
    for (const w of [...this.#startWaiters]) w.reject(reason);
    // Also when already down (reconnecting): from now on the link is down because it was closed.
    this.#sink?.onLinkDown(reason);
  }

  // SerialLinkHandler --------------------------------------------------------------------------------

  /** @internal */
  write(bytes: Uint8Array, length: number): void {
    const stream = this.#stream;
    if (stream === null) return; // the port is gone (a RESET on close): nothing reaches the peer
    // One write wakes the peer's receive path once, however many frames it carries: our doorbell.
    this.#counts.notifications++;
    stream.write(bytes.slice(0, length));
  }
  /** @internal */
  deliver(bytes: Uint8Array, start: number, length: number): void {
    const buf = this.#rx.take(this.#epoch)!; // the link only delivers within the credits it gave
    buf.bytes.set(bytes.subarray(start, start + length));
    const tail = (this.#readyHead + this.#readyCount) % this.#ready.length;
    this.#ready[tail] = buf.index;
    this.#readyLen[tail] = length;
    this.#readyCount++;
  }
  /** @internal */
  txDone(slot: number): void {
    this.#tx.give(slot);
    this.#scheduleTxAvailable();
  }
  /** @internal */
  up(_peer: HelloParams): void {
    this.#reconnector?.connected();
    for (const w of [...this.#startWaiters]) w.resolve();
    this.#sink?.onLinkUp();
  }
  /** @internal */
  down(error: SerialError): void {
    this.#reclaim();
    if (!this.#closed) this.#sink?.onLinkDown(downError(error));
  }
  /** @internal */
  error(error: SerialError): void {
    this.#sink?.onError(error);
  }

  // Port ---------------------------------------------------------------------------------------------

  #useStream(stream: ByteStream): void {
    if (this.#closed) {
      void stream.close();
      return;
    }
    this.#stream = stream;
    this.#counts.opens++;
    stream.setHandler({
      onData: (chunk) => {
        if (this.#stream !== stream) return;
        this.#link.receive(chunk);
        this.poll();
        this.#link.service();
      },
      onClose: (error) => {
        if (this.#stream !== stream) return;
        this.#stream = null;
        if (error === undefined) {
          // Closed by its owner (ByteStream contract: no error = a local close()): the user closed
          // the port under us. A local close, for good: nothing to reconnect to.
          this.#shutdown(closedError('port'));
          return;
        }
        this.#link.suspend(
          new SerialError('ERR_SERIAL_PORT_CLOSED', `port closed${error ? `: ${error.message}` : ''}`, {
            cause: error,
          }),
        );
        if (!this.#closed) this.#reconnector?.lost();
      },
    });
    this.#link.start();
  }

  #reclaim(): void {
    this.#epoch++;
    this.#tx.reclaimAll();
    this.#rx.reclaimAll();
    this.#readyCount = 0;
  }

  #scheduleTxAvailable(): void {
    if (this.#txAvailableScheduled) return;
    this.#txAvailableScheduled = true;
    // Deferred so a sender woken here never re-enters the link in the middle of an ack.
    queueMicrotask(() => {
      this.#txAvailableScheduled = false;
      if (this.isUp) this.#sink?.onTxAvailable();
    });
  }
}
