import { checkInteger, OutOfRangeError } from '@rpmsg/virtio';
import { RPMSG_HEADER_SIZE } from '../constants.js';
import { AbortError, RpmsgError, type RpmsgErrorCode } from '../errors.js';
import { checkMessageFits, writeMessage } from '../payload-copy.js';
import type {
  Transport,
  TransportBuffer,
  TransportObserver,
  TransportRole,
  TransportSink,
  TransportStats,
} from '../transport.js';
import { liveTransportStats } from '../transport-stats.js';
import type { Lane, Slot } from './mock-lane.js';

/** A message one side handed to the peer, copied out when it was sent. */
export interface RecordedMessage {
  /** Header `src`. */
  readonly src: number;
  /** Header `dst`. */
  readonly dst: number;
  /** Header `len`. */
  readonly len: number;
  /** Header `flags`. */
  readonly flags: number;
  /** Bytes sent (`sendTxBuffer` length, or 16 + payload for `sendMessage`), header included. */
  readonly length: number;
  /** Copy of the payload (`len` bytes, clipped to what was sent). */
  readonly payload: Uint8Array;
}

/**
 * One side of {@link createMockTransportPair}: an in-memory {@link Transport} that keeps the
 * contract strictly and throws on a breach — a buffer sent or released twice or used after send, a
 * foreign buffer, a length over `bufferSize`, `attach` twice.
 */
export class MockTransport implements Transport {
  readonly role: TransportRole;
  readonly bufferSize: number;
  readonly hasNameService: boolean;
  /** Every message this side sent, oldest first (when recording; `reset()` clears it). */
  readonly sent: RecordedMessage[] = [];
  /** @see Transport.observer */
  observer: TransportObserver | undefined = undefined;
  /** @internal */
  peer!: MockTransport;
  #sink: TransportSink | null = null;
  #up = false;
  #started = false;
  #closed = false;
  #startWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  readonly #tx: Lane;
  readonly #rx: Lane;
  readonly #auto: boolean;
  readonly #record: boolean;
  #pollScheduled = false;
  readonly #counts = { txMessages: 0, rxMessages: 0, notifications: 0, errors: 0 };
  readonly #stats: TransportStats = this.#liveStats();

  /** @internal Made by {@link createMockTransportPair}. */
  constructor(role: TransportRole, tx: Lane, rx: Lane, options: Required<MockTransportPairOptions>) {
    this.role = role;
    this.bufferSize = options.bufferSize;
    this.hasNameService = options.nameService;
    this.#tx = tx;
    this.#rx = rx;
    this.#auto = options.autoDeliver;
    this.#record = options.record;
  }

  get isUp(): boolean {
    return this.#up;
  }

  /** The last message this side sent, if recording. */
  get lastSent(): RecordedMessage | undefined {
    return this.sent.at(-1);
  }

  /** Counters: one live object, as every transport keeps (see the Transport stats rule). */
  get stats(): TransportStats {
    return this.#stats;
  }

  #liveStats(): TransportStats {
    const counts = this.#counts;
    return liveTransportStats(counts, {
      txFree: () => this.#tx.free.length,
      txTotal: () => this.#tx.slots.length,
      rxHeld: () => this.#rx.lentCount,
      errors: () => counts.errors,
    });
  }

  /** True while something is published and not yet taken by a `poll()` of the receiving side. */
  get hasPending(): boolean {
    return this.#rx.inflight.length > 0 || this.#tx.returned.length > 0;
  }

  attach(sink: TransportSink): void {
    if (this.#sink) throw new Error('MockTransport: attach() called twice');
    this.#sink = sink;
  }

  start(signal?: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(new RpmsgError('ERR_RPMSG_CLOSED', 'transport closed'));
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    if (this.#up) return Promise.resolve();
    this.#started = true;
    const started = new Promise<void>((resolve, reject) => {
      const entry = { resolve, reject };
      this.#startWaiters.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          this.#startWaiters = this.#startWaiters.filter((w) => w !== entry);
          reject(new AbortError(undefined, { cause: signal.reason }));
        },
        { once: true },
      );
    });
    // The handshake completes when both sides have started (virtio: DRIVER_OK after the driver posted).
    if (this.peer.#started && !this.peer.#closed) this.linkUp();
    return started;
  }

  poll(): number {
    if (!this.#up || !this.#sink) return 0;
    const sink = this.#sink;
    if (this.#tx.returned.length > 0) {
      for (const slot of this.#tx.returned.splice(0)) this.#tx.makeFree(slot);
      sink.onTxAvailable();
    }
    // Only what was published before this poll: replies sent from the sink go to the peer anyway.
    const batch = this.#rx.inflight.splice(0);
    for (const { slot, length } of batch) {
      if (!this.#up) break; // the link went down from inside a callback
      slot.state = 'rx';
      this.#counts.rxMessages++;
      this.observer?.onReceive(slot, length);
      if (sink.onMessage(slot, length) === true) this.releaseRxBuffer(slot);
    }
    return batch.length;
  }

  getTxBuffer(): TransportBuffer | null {
    if (!this.#up) return null;
    const slot = this.#tx.free.shift();
    if (!slot) return null;
    slot.state = 'tx';
    return slot;
  }

  sendTxBuffer(buf: TransportBuffer, length: number): void {
    const slot = this.#tx.own(buf, 'sendTxBuffer');
    if (slot.state !== 'tx')
      throw breach(`sendTxBuffer: buffer ${slot.index} is ${slot.state}, not lent for TX`);
    checkInteger('length', length, RPMSG_HEADER_SIZE, this.bufferSize);
    this.observer?.onSend(slot, length);
    slot.state = 'sent';
    this.#tx.pendingSend.push({ slot, length });
    this.#counts.txMessages++;
    if (this.#record) this.sent.push(recordOf(slot, length));
  }

  /**
   * @see Transport.sendMessage: the lending way done in one call, so the recording and the contract
   * checks are those of `sendTxBuffer`.
   * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` when `payload` does not fit a buffer after the header
   */
  sendMessage(src: number, dst: number, payload: Uint8Array): boolean {
    checkMessageFits(payload, this.bufferSize);
    const buf = this.getTxBuffer();
    if (!buf) return false;
    writeMessage(buf, src, dst, payload);
    this.sendTxBuffer(buf, RPMSG_HEADER_SIZE + payload.length);
    return true;
  }

  releaseTxBuffer(buf: TransportBuffer): void {
    const slot = this.#tx.own(buf, 'releaseTxBuffer');
    if (slot.state === 'dead') return; // lent when the link went down: allowed, does nothing
    if (slot.state !== 'tx')
      throw breach(`releaseTxBuffer: buffer ${slot.index} is ${slot.state}, not lent for TX`);
    this.#tx.makeFree(slot);
  }

  releaseRxBuffer(buf: TransportBuffer): void {
    const slot = this.#rx.own(buf, 'releaseRxBuffer');
    if (slot.state === 'dead') return;
    if (slot.state !== 'rx')
      throw breach(`releaseRxBuffer: buffer ${slot.index} is ${slot.state}, not lent for RX`);
    slot.state = 'returning';
    this.#rx.pendingReturn.push(slot);
  }

  flush(): void {
    const sends = this.#tx.pendingSend.splice(0);
    const returns = this.#rx.pendingReturn.splice(0);
    if (sends.length === 0 && returns.length === 0) return;
    for (const sent of sends) {
      sent.slot.state = 'inflight';
      this.#tx.inflight.push(sent);
    }
    for (const slot of returns) {
      slot.state = 'returned';
      this.#rx.returned.push(slot);
    }
    this.#counts.notifications++;
    this.peer.schedulePoll();
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#started = false;
    for (const w of this.#startWaiters.splice(0))
      w.reject(new RpmsgError('ERR_RPMSG_CLOSED', 'transport closed'));
    const peer = this.peer;
    const wasUp = this.#up;
    this.linkDown('ERR_RPMSG_CLOSED');
    if (wasUp) peer.linkDown('ERR_RPMSG_PEER_GONE');
    return Promise.resolve();
  }

  /**
   * Delivers raw bytes as if the peer sent them (hostile input): `bytes` are copied into one of the
   * peer's free TX buffers and published with `length` (default `bytes.length`) as the length the
   * transport saw — which may lie.
   *
   * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE`: `bytes` longer than `bufferSize`
   * @throws {RpmsgError} `ERR_RPMSG_NO_BUFFER` when the peer has no free buffer, `ERR_RPMSG_LINK_DOWN`
   */
  inject(bytes: Uint8Array, length: number = bytes.length): void {
    if (bytes.length > this.bufferSize) {
      throw new OutOfRangeError('bytes.length', `<= ${this.bufferSize} (bufferSize)`, bytes.length);
    }
    if (!this.#up) throw new RpmsgError('ERR_RPMSG_LINK_DOWN', 'inject: link is down');
    const slot = this.#rx.free.shift();
    if (!slot) throw new RpmsgError('ERR_RPMSG_NO_BUFFER', 'inject: the peer has no free buffer');
    slot.bytes.fill(0);
    slot.bytes.set(bytes);
    slot.state = 'inflight';
    this.#rx.inflight.push({ slot, length });
    this.schedulePoll();
  }

  /**
   * Delivers a message with the given header fields as if the peer sent it. `len` defaults to the
   * payload length and `length` to 16 + payload length; pass them to lie.
   */
  injectMessage(message: {
    src: number;
    dst: number;
    payload?: Uint8Array;
    len?: number;
    flags?: number;
    length?: number;
  }): void {
    const payload = message.payload ?? new Uint8Array(0);
    const bytes = new Uint8Array(RPMSG_HEADER_SIZE + payload.length);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, message.src, true);
    view.setUint32(4, message.dst, true);
    view.setUint16(12, message.len ?? payload.length, true);
    view.setUint16(14, message.flags ?? 0, true);
    bytes.set(payload, RPMSG_HEADER_SIZE);
    this.inject(bytes, message.length ?? bytes.length);
  }

  /** Reports a protocol error to the sink, as a transport that found a corrupt ring would. */
  reportError(code: RpmsgErrorCode, message = 'mock protocol error'): void {
    this.#counts.errors++;
    this.#sink?.onError(new RpmsgError(code, message));
  }

  /** @internal Schedules a `poll()` of this side (auto-delivery mode). */
  schedulePoll(): void {
    if (!this.#auto || this.#pollScheduled) return;
    this.#pollScheduled = true;
    queueMicrotask(() => {
      this.#pollScheduled = false;
      this.poll();
    });
  }

  /** @internal Both sides started (or reconnected): link up. */
  linkUp(): void {
    for (const side of [this, this.peer]) {
      if (side.#up || side.#closed) continue;
      side.#tx.reset();
      side.#up = true;
      side.#sink?.onLinkUp();
      for (const w of side.#startWaiters.splice(0)) w.resolve();
    }
  }

  /** @internal Link down on this side with `code`; buffers lent out die. */
  linkDown(code: RpmsgErrorCode): void {
    if (!this.#up) return;
    this.#up = false;
    this.#tx.kill();
    this.#rx.kill();
    this.#sink?.onLinkDown(new RpmsgError(code, `link down (${code})`));
  }

  /** @internal Whether `start()` was called and `close()` was not. */
  get isStarted(): boolean {
    return this.#started && !this.#closed;
  }
}

function breach(message: string): RpmsgError {
  return new RpmsgError('ERR_RPMSG_BUFFER_STATE', `MockTransport contract breach: ${message}`);
}

function recordOf(slot: Slot, length: number): RecordedMessage {
  const view = slot.view;
  const len = view.getUint16(12, true);
  return {
    src: view.getUint32(0, true),
    dst: view.getUint32(4, true),
    len,
    flags: view.getUint16(14, true),
    length,
    payload: slot.bytes.slice(RPMSG_HEADER_SIZE, Math.min(length, RPMSG_HEADER_SIZE + len)),
  };
}

/** Options of {@link createMockTransportPair}. */
export interface MockTransportPairOptions {
  /** Bytes per buffer, header included (default 512). */
  bufferSize?: number;
  /** Buffers per direction (default 8). */
  buffers?: number;
  /** Whether both sides report the name service negotiated (default true). */
  nameService?: boolean;
  /**
   * Deliver on its own (default true): a `flush()` schedules the peer's `poll()` in a microtask, as
   * a doorbell would. With `false`, nothing moves until `pair.pump()` or a transport's `poll()`.
   */
  autoDeliver?: boolean;
  /** Record every sent message in `sent` / `lastSent` (default true). */
  record?: boolean;
}
