import { type LinkClock, systemLinkClock } from './clock.js';
import { DeadlineTimer } from './deadline-timer.js';
import { SerialError } from './errors.js';
import {
  FRAME_POLL,
  type Frame,
  FrameDecoder,
  FrameEncoder,
  type FrameSink,
  FrameType,
  frameWireSize,
} from './frame.js';
import {
  decodeHello,
  encodeHello,
  HELLO_F_NS,
  HELLO_F_RELIABLE,
  HELLO_SIZE,
  type HelloParams,
  SERIAL_PROTOCOL_VERSION,
} from './hello.js';
import { type ResolvedLinkOptions, resolveLinkOptions, type SerialLinkOptions } from './link-options.js';
import { createLinkStats, type SerialLinkStats } from './link-stats.js';
import { SEQ_WINDOW_MAX, seqAdd, seqDiff } from './seq.js';
import { TxQueue } from './tx-queue.js';

/** What a {@link SerialLink} asks of its owner (the transport). All calls are synchronous. */
export interface SerialLinkHandler {
  /** Puts `bytes[0, length)` on the wire. The bytes are reused after the call: copy or write them now. */
  write(bytes: Uint8Array, length: number): void;
  /** A DATA payload arrived in order: copy `bytes[start, start + length)` into a receive buffer. */
  deliver(bytes: Uint8Array, start: number, length: number): void;
  /** A queued TX slot is finished with (acked; sent in unreliable mode; or dropped by link down). */
  txDone(slot: number): void;
  /** The handshake completed; `peer` holds the peer's HELLO. */
  up(peer: HelloParams): void;
  /** The link went down (the link then starts a new handshake unless it was stopped). */
  down(error: SerialError): void;
  /** A bad frame or protocol breach was counted and dropped; the link carries on. */
  error(error: SerialError): void;
}

/** Where the link is: `idle` before start, `handshake` exchanging HELLOs, `up`, `closed` for good. */
export type SerialLinkState = 'idle' | 'handshake' | 'up' | 'closed';

const NEVER = Number.POSITIVE_INFINITY;
/** Deadlines this close are treated as due (see onTimer). */
const TIMER_SLACK_MS = 1;

/**
 * The serial protocol engine, I/O free (docs/serial-protocol.md): HELLO handshake, credit window,
 * go-back-N retransmission in reliable mode, keep-alive and link timeout. Bytes come in through
 * {@link receive}; messages go out through {@link submit}; everything else goes through the
 * {@link SerialLinkHandler}. Time comes from an injectable {@link LinkClock}.
 */
export class SerialLink implements FrameSink {
  /** Counters for stats and tests. */
  readonly stats: SerialLinkStats = createLinkStats();
  private readonly o: ResolvedLinkOptions;
  private readonly clock: LinkClock;
  private readonly decoder: FrameDecoder;
  private readonly encoder: FrameEncoder;
  private readonly out: Uint8Array;
  private outLength = 0;
  private readonly maxWire: number;
  private readonly helloBuf = new Uint8Array(HELLO_SIZE);
  private _state: SerialLinkState = 'idle';
  private _peer: HelloParams | null = null;
  private _reliable = false;
  // Handshake (§4)
  private localNonce = 0;
  private peerNonce = -1;
  private ackedPeer = false; // we sent HELLO_ACK for peerNonce
  private nextHelloAt = NEVER;
  // Liveness (§6)
  private lastRxAt = 0;
  private lastTxAt = 0;
  // TX window (§5): ring of submitted slots; the first `qSent` are in flight (reliable only)
  private readonly queue: TxQueue;
  private qSent = 0;
  private nextSeq = 0;
  private sendBase = 0;
  private peerLimit = 0;
  private rtoAt = NEVER;
  private probeAt = NEVER;
  private retries = 0;
  private inFlightBytes = 0;
  // RX
  private expected = 0;
  private rxAvailable: number;
  private advertisedLimit = 0;
  private ackPending = false;
  // Timer
  private readonly timer: DeadlineTimer;

  /**
   * @param handler the owner's callbacks
   * @param options sizes and timings; see {@link SerialLinkOptions}
   */
  constructor(
    private readonly handler: SerialLinkHandler,
    options: SerialLinkOptions,
  ) {
    this.o = resolveLinkOptions(options);
    this.clock = options.clock ?? systemLinkClock;
    const maxPayload = Math.max(this.o.bufferSize, HELLO_SIZE);
    this.decoder = new FrameDecoder(maxPayload);
    this.encoder = new FrameEncoder(maxPayload);
    this.maxWire = frameWireSize(maxPayload);
    this.out = new Uint8Array(this.maxWire * 4);
    this.queue = new TxQueue(this.o.txBuffers);
    this.timer = new DeadlineTimer(this.clock, () => this.onTimer());
    this.rxAvailable = this.o.rxBuffers;
  }

  /** Current state. */
  get state(): SerialLinkState {
    return this._state;
  }
  /** The peer's HELLO while up, else null. */
  get peer(): HelloParams | null {
    return this._state === 'up' ? this._peer : null;
  }
  /** True while up in reliable mode (either side asked for it). */
  get reliable(): boolean {
    return this._reliable;
  }
  /** True while up and both sides announced the name service. */
  get hasNameService(): boolean {
    return this._state === 'up' && this.o.nameService && ((this._peer?.flags ?? 0) & HELLO_F_NS) !== 0;
  }
  /** Largest message (header included) that can be sent now: min of ours and the peer's MTU. */
  get sendMtu(): number {
    const peer = this.peer;
    return peer === null ? this.o.bufferSize : Math.min(this.o.bufferSize, peer.mtu);
  }
  /** Messages submitted and not yet finished (queued or in flight). */
  get queued(): number {
    return this.queue.length;
  }

  /** Starts (or restarts after the port reopened) the handshake. */
  start(): void {
    if (this._state === 'closed') return;
    this.decoder.reset();
    this.startHandshake();
    this.flushOutput();
  }

  /**
   * Takes the link down because the byte stream went away (`reason`), then waits for {@link start}.
   * Nothing is sent: the port is gone.
   */
  suspend(reason: SerialError): void {
    if (this._state === 'closed') return;
    const wasUp = this._state === 'up';
    this.resetSession();
    this._state = 'idle';
    this.outLength = 0;
    this.nextHelloAt = NEVER;
    this.timer.cancel();
    if (wasUp) this.emitDown(reason);
  }

  /** Sends RESET (when up) and closes for good; `down(reason)` is reported if the link was up. */
  stop(reason: SerialError): void {
    if (this._state === 'closed') return;
    const wasUp = this._state === 'up';
    if (wasUp) this.sendControl(FrameType.RESET, false);
    this.flushOutput();
    this.resetSession();
    this._state = 'closed';
    this.timer.cancel();
    if (wasUp) this.emitDown(reason);
  }

  /** Feeds bytes read from the wire. */
  receive(bytes: Uint8Array, start = 0, end = bytes.length): void {
    if (this._state === 'idle' || this._state === 'closed') return;
    this.stats.rxBytes += end - start;
    this.decoder.push(bytes, start, end, this);
    this.service();
  }

  /**
   * Queues one message (`bytes[0, length)`, 16-byte header included) in TX `slot`. The link keeps a
   * reference to `bytes` until `txDone(slot)`. Returns false (and queues nothing) when the link is
   * not up or the queue is full.
   */
  submit(slot: number, bytes: Uint8Array, length: number): boolean {
    return this._state === 'up' && this.queue.push(slot, bytes, length);
  }

  /** One receive buffer was given back: one more credit for the peer. */
  releaseRx(): void {
    if (this._state !== 'up') return;
    this.rxAvailable++;
    // Tell the peer only once the window it sees is below half, so releases do not each cost a frame.
    if (seqDiff(this.advertisedLimit, this.expected) < (this.o.rxBuffers + 1) >> 1) this.ackPending = true;
  }

  /** Sends what is pending: queued messages the window allows, then an ACK if one is owed. */
  service(): void {
    if (this._state === 'up') {
      this.pump();
      if (this.ackPending) this.sendControl(FrameType.ACK, false);
    }
    this.flushOutput();
    this.schedule();
  }

  // FrameSink ---------------------------------------------------------------------------------------

  /** @internal */
  onBadFrame(error: SerialError): void {
    this.reportError(error);
  }

  /** @internal */
  onFrame(f: Frame): void {
    this.stats.rxFrames++;
    this.lastRxAt = this.clock.now();
    switch (f.type) {
      case FrameType.HELLO:
      case FrameType.HELLO_ACK:
        this.onHello(f);
        return;
      case FrameType.DATA:
      case FrameType.ACK:
      case FrameType.RESET:
        break;
      default:
        this.reportError(
          new SerialError('ERR_SERIAL_FRAME_TYPE', `unknown frame type ${f.type}`, { type: f.type }),
        );
        return;
    }
    if (this._state !== 'up') {
      // The peer only sends DATA/ACK once it holds our HELLO_ACK, so it is up with us (§4).
      if (this._state === 'handshake' && this.ackedPeer && f.type !== FrameType.RESET) this.goUp();
      else {
        this.stats.rxWhileDown++;
        return;
      }
    }
    if (f.type === FrameType.RESET) {
      this.restart(new SerialError('ERR_SERIAL_PEER_RESET', 'peer sent RESET'));
      return;
    }
    this.onAck(f.ack, f.credit);
    if (f.type === FrameType.DATA) this.onData(f);
    else if (!this._reliable && seqDiff(f.seq, this.expected) <= SEQ_WINDOW_MAX) {
      // Unreliable mode: the peer's next seq tells us which DATA frames were lost (§5.3).
      this.stats.lost += seqDiff(f.seq, this.expected);
      this.expected = f.seq;
    }
    if (f.poll) this.ackPending = true;
  }

  // Handshake ---------------------------------------------------------------------------------------

  private onHello(f: Frame): void {
    let hello: HelloParams;
    try {
      hello = decodeHello(f.bytes, f.payloadStart, f.payloadLength);
    } catch (error) {
      this.reportError(error as SerialError);
      return;
    }
    if (this._state === 'up') {
      if (hello.nonce === this.peerNonce) {
        // A repeated HELLO: our HELLO_ACK was lost. Repeated HELLO_ACKs need nothing.
        if (f.type === FrameType.HELLO) this.sendHello(FrameType.HELLO_ACK);
        return;
      }
      this.restart(new SerialError('ERR_SERIAL_PEER_RESET', 'peer restarted (new HELLO nonce)'));
    }
    if (this._state !== 'handshake') return;
    if (hello.nonce !== this.peerNonce) {
      this.peerNonce = hello.nonce;
      this.ackedPeer = false;
    }
    this._peer = hello;
    if (f.type === FrameType.HELLO) {
      this.sendHello(FrameType.HELLO_ACK);
      this.ackedPeer = true;
    } else if (hello.peerNonce === this.localNonce) {
      // The peer holds our parameters and we hold its: up. Answer so the peer goes up too.
      this.sendHello(FrameType.HELLO_ACK);
      this.ackedPeer = true;
      this.goUp();
    }
  }

  private startHandshake(): void {
    this.resetSession();
    this._state = 'handshake';
    this.localNonce = this.o.nonce() >>> 0 || 1;
    this.stats.handshakes++;
    this.sendHello(FrameType.HELLO);
    this.nextHelloAt = this.clock.now() + this.o.helloIntervalMs;
    this.schedule();
  }

  private sendHello(type: number): void {
    const o = this.o;
    encodeHello(
      {
        version: SERIAL_PROTOCOL_VERSION,
        flags: (o.reliable ? HELLO_F_RELIABLE : 0) | (o.nameService ? HELLO_F_NS : 0),
        mtu: o.bufferSize,
        credits: o.rxBuffers,
        keepAliveMs: o.keepAliveMs,
        nonce: this.localNonce,
        peerNonce: type === FrameType.HELLO_ACK ? this.peerNonce : 0,
      },
      this.helloBuf,
    );
    this.emitFrame(type, 0, 0, 0, this.helloBuf, HELLO_SIZE);
  }

  private goUp(): void {
    const peer = this._peer!;
    this._state = 'up';
    this._reliable = this.o.reliable || (peer.flags & HELLO_F_RELIABLE) !== 0;
    this.nextHelloAt = NEVER;
    this.peerLimit = Math.min(peer.credits, SEQ_WINDOW_MAX);
    this.rxAvailable = this.o.rxBuffers;
    this.advertisedLimit = this.rxAvailable;
    this.lastRxAt = this.lastTxAt = this.clock.now();
    this.stats.linkUps++;
    this.handler.up(peer);
  }

  /** Link down from a protocol event: report it and start a new handshake with a fresh nonce. */
  private restart(reason: SerialError): void {
    const wasUp = this._state === 'up';
    this.startHandshake();
    if (wasUp) this.emitDown(reason);
  }

  private emitDown(reason: SerialError): void {
    this.stats.linkDowns++;
    this.handler.down(reason);
  }

  /** Forgets the session: sequence state, window, queued messages (finished as dropped). */
  private resetSession(): void {
    this.peerNonce = -1;
    this.ackedPeer = false;
    this._peer = null;
    this._reliable = false;
    this.nextSeq = this.sendBase = this.peerLimit = 0;
    this.expected = this.advertisedLimit = 0;
    this.rxAvailable = this.o.rxBuffers;
    this.ackPending = false;
    this.rtoAt = this.probeAt = NEVER;
    this.retries = 0;
    this.qSent = 0;
    this.inFlightBytes = 0;
    while (this.queue.length > 0) this.handler.txDone(this.queue.shift());
  }

  // Data path ---------------------------------------------------------------------------------------

  private onAck(ack: number, credit: number): void {
    const inFlight = seqDiff(this.nextSeq, this.sendBase);
    const acked = seqDiff(ack, this.sendBase);
    if (credit > SEQ_WINDOW_MAX || acked > inFlight) {
      this.reportError(
        new SerialError('ERR_SERIAL_BAD_ACK', `ack ${ack} credit ${credit} outside the window`, {
          seq: ack,
          length: credit,
          limit: SEQ_WINDOW_MAX,
        }),
      );
      return;
    }
    if (acked > 0) {
      this.sendBase = ack;
      this.retries = 0;
      if (this._reliable) {
        for (let i = 0; i < acked && this.qSent > 0; i++) {
          this.qSent--;
          this.inFlightBytes -= this.queue.lengthAt(0);
          this.handler.txDone(this.queue.shift());
        }
        this.rtoAt = this.qSent > 0 ? this.clock.now() + this.rto() : NEVER;
      }
    }
    // The limit only moves forward; compare relative to sendBase (both lie within 127 of it).
    const limit = seqAdd(ack, credit);
    if (seqDiff(limit, this.sendBase) > seqDiff(this.peerLimit, this.sendBase)) this.peerLimit = limit;
    if (acked > 0) this.probeAt = NEVER;
  }

  private onData(f: Frame): void {
    const d = seqDiff(f.seq, this.expected);
    this.ackPending = true;
    if (this._reliable ? d !== 0 : d > SEQ_WINDOW_MAX) {
      if (seqDiff(this.expected, f.seq) <= SEQ_WINDOW_MAX) this.stats.duplicates++;
      else this.stats.outOfOrder++;
      return;
    }
    if (this.rxAvailable === 0) {
      // The peer sent beyond its credits; in reliable mode it will retransmit.
      this.reportError(
        new SerialError('ERR_SERIAL_OVERRUN', `DATA ${f.seq} beyond the credits given`, { seq: f.seq }),
      );
      if (this._reliable) return;
    }
    this.stats.lost += d;
    this.expected = seqAdd(f.seq, 1);
    if (this.rxAvailable === 0) return;
    const len = f.payloadLength;
    const hdrLen = len >= 16 ? f.bytes[f.payloadStart + 12]! | (f.bytes[f.payloadStart + 13]! << 8) : -1;
    if (len > this.o.bufferSize) {
      this.reportError(
        new SerialError('ERR_SERIAL_MSG_TOO_BIG', `message of ${len} bytes > MTU ${this.o.bufferSize}`, {
          seq: f.seq,
          length: len,
          limit: this.o.bufferSize,
        }),
      );
      return;
    }
    if (hdrLen < 0 || hdrLen > len - 16) {
      this.reportError(
        new SerialError('ERR_SERIAL_BAD_MESSAGE', `DATA ${f.seq} is not an RPMsg message (${len} bytes)`, {
          seq: f.seq,
          length: len,
        }),
      );
      return;
    }
    this.rxAvailable--;
    this.stats.rxMessages++;
    this.handler.deliver(f.bytes, f.payloadStart, len);
  }

  private windowOpen(): boolean {
    return seqDiff(this.nextSeq, this.sendBase) < seqDiff(this.peerLimit, this.sendBase);
  }

  /** Sends queued messages while the peer's window allows (§5.1). */
  private pump(): void {
    const now = this.clock.now();
    while (this.queue.length > this.qSent && this.windowOpen()) {
      const len = this.queue.lengthAt(this.qSent);
      if (len > this.sendMtu) {
        // The peer cannot take it (its MTU is below ours): finish it as dropped and say so.
        this.reportError(
          new SerialError('ERR_SERIAL_MSG_TOO_BIG', `message of ${len} bytes > peer MTU ${this.sendMtu}`, {
            length: len,
            limit: this.sendMtu,
          }),
        );
        this.handler.txDone(this.queue.removeAt(this.qSent));
        continue;
      }
      this.emitFrame(
        FrameType.DATA,
        this.nextSeq,
        this.expected,
        this.credit(),
        this.queue.bytesAt(this.qSent),
        len,
      );
      this.nextSeq = seqAdd(this.nextSeq, 1);
      this.stats.txMessages++;
      if (this._reliable) {
        this.qSent++;
        this.inFlightBytes += len;
        if (this.rtoAt === NEVER) this.rtoAt = now + this.rto();
      } else {
        this.handler.txDone(this.queue.shift());
      }
    }
    // Probe when the window is closed with messages waiting, or (unreliable) frames are unacked:
    // the peer's answer reopens the window or, unreliable, skips frames lost on the way (§5.3).
    const needProbe = this._reliable
      ? this.qSent === 0 && this.queue.length > 0
      : this.nextSeq !== this.sendBase || this.queue.length > 0;
    if (!needProbe) this.probeAt = NEVER;
    else if (this.probeAt === NEVER) this.probeAt = now + this.o.retransmitMs;
  }

  private credit(): number {
    return Math.min(this.rxAvailable, SEQ_WINDOW_MAX);
  }

  private sendControl(type: number, poll: boolean): void {
    this.emitFrame(poll ? type | FRAME_POLL : type, this.nextSeq, this.expected, this.credit(), null, 0);
  }

  private emitFrame(type: number, seq: number, ack: number, credit: number, p: Uint8Array | null, n: number) {
    if (this.outLength + this.maxWire > this.out.length) this.flushOutput();
    this.outLength += this.encoder.encode(type, seq, ack, credit, p, n, this.out, this.outLength);
    this.stats.txFrames++;
    this.lastTxAt = this.clock.now();
    if (type !== FrameType.HELLO && type !== FrameType.HELLO_ACK) {
      this.ackPending = false;
      this.advertisedLimit = seqAdd(this.expected, credit);
    }
  }

  private flushOutput(): void {
    if (this.outLength === 0) return;
    const n = this.outLength;
    this.outLength = 0;
    this.stats.txBytes += n;
    this.handler.write(this.out, n);
  }

  private reportError(error: SerialError): void {
    this.stats.errors++;
    this.handler.error(error);
  }

  // Timers (§6) -------------------------------------------------------------------------------------

  private onTimer(): void {
    const now = this.clock.now();
    // Timers have millisecond granularity and may fire a fraction early (or, in virtual time, land
    // a rounding error short): a deadline within TIMER_SLACK_MS is due, so a timer never re-arms
    // for a zero delay forever.
    const t = now + TIMER_SLACK_MS;
    if (this._state === 'handshake' && t >= this.nextHelloAt) {
      this.sendHello(FrameType.HELLO);
      this.nextHelloAt = now + this.o.helloIntervalMs;
    } else if (this._state === 'up') {
      const peer = this._peer!;
      if (t - this.lastRxAt >= this.o.linkTimeoutMs(peer.keepAliveMs)) {
        this.restart(
          new SerialError('ERR_SERIAL_TIMEOUT', `nothing heard for ${Math.round(now - this.lastRxAt)} ms`),
        );
      } else if (this._reliable && this.qSent > 0 && t >= this.rtoAt) {
        if (++this.retries > this.o.maxRetransmits) {
          this.restart(
            new SerialError(
              'ERR_SERIAL_NO_PROGRESS',
              `no ack after ${this.o.maxRetransmits} retransmissions`,
              {
                seq: this.sendBase,
              },
            ),
          );
        } else this.retransmit(now);
      } else if (t >= this.probeAt) {
        // Window closed or (unreliable) frames unacked: ask the peer where it stands.
        this.stats.probes++;
        this.sendControl(FrameType.ACK, true);
        this.probeAt = now + this.o.retransmitMs;
      } else if (t - this.lastTxAt >= this.o.keepAliveMs) {
        this.sendControl(FrameType.ACK, false);
      }
    }
    this.service();
  }

  /** Go-back-N: resend every frame in flight, oldest first, with their original seq (§5.2). */
  private retransmit(now: number): void {
    for (let k = 0; k < this.qSent; k++) {
      this.emitFrame(
        FrameType.DATA,
        seqAdd(this.sendBase, k),
        this.expected,
        this.credit(),
        this.queue.bytesAt(k),
        this.queue.lengthAt(k),
      );
      this.stats.retransmits++;
    }
    this.rtoAt = now + this.rto();
  }

  /**
   * Retransmission timeout: the fixed margin plus the wire time of everything in flight and of one
   * full frame the peer may be sending ahead of its ack (§5.2), so a slow line is not flooded.
   */
  private rto(): number {
    return (
      this.o.retransmitMs + this.o.msPerByte * (this.inFlightBytes + 12 * this.qSent + this.sendMtu + 24)
    );
  }

  private nextDeadline(): number {
    if (this._state === 'handshake') return this.nextHelloAt;
    if (this._state !== 'up') return NEVER;
    const peer = this._peer!;
    let t = Math.min(
      this.lastRxAt + this.o.linkTimeoutMs(peer.keepAliveMs),
      this.lastTxAt + this.o.keepAliveMs,
    );
    if (this._reliable && this.qSent > 0) t = Math.min(t, this.rtoAt);
    return Math.min(t, this.probeAt);
  }

  /** Arms the timer for the nearest deadline. */
  private schedule(): void {
    this.timer.arm(this.nextDeadline());
  }
}
