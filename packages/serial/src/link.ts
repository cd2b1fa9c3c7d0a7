import { type LinkClock, systemLinkClock } from './clock.js';
import { DeadlineTimer, NEVER } from './deadline-timer.js';
import { SerialError } from './errors.js';
import { FRAME_POLL, type Frame, FrameDecoder, type FrameSink, FrameType } from './frame.js';
import { FrameOutput } from './frame-output.js';
import { decodeHello, HELLO_F_NS, HELLO_F_RELIABLE, HELLO_SIZE, type HelloParams } from './hello.js';
import { LinkHandshake } from './link-handshake.js';
import { type ResolvedLinkOptions, resolveLinkOptions, type SerialLinkOptions } from './link-options.js';
import { createLinkStats, type SerialLinkStats } from './link-stats.js';
import { type LinkTimeoutParams, lineBaudRate, linkTimeoutMs } from './link-timeout.js';
import { RxWindow } from './rx-window.js';
import { SEQ_WINDOW_MAX } from './seq.js';
import { TxWindow } from './tx-window.js';

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
  readonly #o: ResolvedLinkOptions;
  readonly #clock: LinkClock;
  readonly #decoder: FrameDecoder;
  readonly #output: FrameOutput;
  #state: SerialLinkState = 'idle';
  #reliable = false;
  readonly #hs: LinkHandshake; // §4
  readonly #tx: TxWindow; // §5
  readonly #rx: RxWindow; // §5
  // Liveness (§6)
  #lastRxAt = 0;
  #lastTxAt = 0;
  /** When we last polled a silent peer (§6). */
  #lastSilencePollAt = 0;
  /** Silence after which the link is down, fixed at link up from both HELLOs (§6). */
  #timeoutMs = 0;
  /** Our HELLO's fields that enter the link timeout. */
  readonly #local: LinkTimeoutParams;
  readonly #timer: DeadlineTimer;

  readonly #handler: SerialLinkHandler;

  /**
   * @param handler the owner's callbacks
   * @param options sizes and timings; see {@link SerialLinkOptions}
   */
  constructor(handler: SerialLinkHandler, options: SerialLinkOptions) {
    this.#handler = handler;

    this.#o = resolveLinkOptions(options);
    this.#clock = options.clock ?? systemLinkClock;
    const maxPayload = Math.max(this.#o.bufferSize, HELLO_SIZE);
    this.#decoder = new FrameDecoder(maxPayload);
    this.#output = new FrameOutput(maxPayload, this.stats, (bytes, length) => handler.write(bytes, length));
    this.#hs = new LinkHandshake(this.#o);
    this.#tx = new TxWindow(this.#o, this.#clock, this.stats, {
      sendData: (seq, bytes, length) =>
        this.#emitFrame(FrameType.DATA, seq, this.#rx.expected, this.#rx.credit(), bytes, length),
      txDone: (slot) => handler.txDone(slot),
      reportError: (error) => this.#reportError(error),
      sendMtu: () => this.sendMtu,
    });
    this.#rx = new RxWindow(
      this.#o,
      this.stats,
      (error) => this.#reportError(error),
      (bytes, start, length) => handler.deliver(bytes, start, length),
    );
    this.#timer = new DeadlineTimer(this.#clock, () => this.#onTimer());
    const o = this.#o;
    this.#local = {
      mtu: o.bufferSize,
      credits: o.rxBuffers,
      keepAliveMs: o.keepAliveMs,
      retransmitMs: o.retransmitMs,
      baudRate: o.baudRate,
    };
  }

  /** Current state. */
  get state(): SerialLinkState {
    return this.#state;
  }
  /** The peer's HELLO while up, else null. */
  get peer(): HelloParams | null {
    return this.#state === 'up' ? this.#hs.peer : null;
  }
  /** True while up in reliable mode (either side asked for it). */
  get reliable(): boolean {
    return this.#reliable;
  }
  /** True while up and both sides announced the name service. */
  get hasNameService(): boolean {
    return this.#state === 'up' && this.#o.nameService && ((this.#hs.peer?.flags ?? 0) & HELLO_F_NS) !== 0;
  }
  /** Largest message (header included) that can be sent now: min of ours and the peer's MTU. */
  get sendMtu(): number {
    const peer = this.peer;
    return peer === null ? this.#o.bufferSize : Math.min(this.#o.bufferSize, peer.mtu);
  }
  /**
   * While up, how long the peer may stay silent before the link goes down (ms): the formula of
   * docs/serial-protocol.md §6 over both HELLOs, so the peer can compute it too. 0 while not up.
   */
  get linkTimeoutMs(): number {
    return this.#state === 'up' ? this.#timeoutMs : 0;
  }
  /** Messages submitted and not yet finished (queued or in flight). */
  get queued(): number {
    return this.#tx.queue.length;
  }

  /** Starts (or restarts after the port reopened) the handshake. */
  start(): void {
    if (this.#state === 'closed') return;
    this.#decoder.reset();
    this.#startHandshake();
    this.#output.flush();
  }

  /**
   * Takes the link down because the byte stream went away (`reason`), then waits for {@link start}.
   * Nothing is sent: the port is gone.
   */
  suspend(reason: SerialError): void {
    if (this.#state === 'closed') return;
    const wasUp = this.#state === 'up';
    this.#resetSession();
    this.#state = 'idle';
    this.#output.discard();
    this.#hs.nextHelloAt = NEVER;
    this.#timer.cancel();
    if (wasUp) this.#emitDown(reason);
  }

  /** Sends RESET (when up) and closes for good; `down(reason)` is reported if the link was up. */
  stop(reason: SerialError): void {
    if (this.#state === 'closed') return;
    const wasUp = this.#state === 'up';
    if (wasUp) this.#sendControl(FrameType.RESET, false);
    this.#output.flush();
    this.#resetSession();
    this.#state = 'closed';
    this.#timer.cancel();
    if (wasUp) this.#emitDown(reason);
  }

  /** Feeds bytes read from the wire. */
  receive(bytes: Uint8Array, start = 0, end = bytes.length): void {
    if (this.#state === 'idle' || this.#state === 'closed') return;
    this.stats.rxBytes += end - start;
    this.#decoder.push(bytes, start, end, this);
    this.service();
  }

  /**
   * Queues one message (`bytes[0, length)`, 16-byte header included) in TX `slot`. The link keeps a
   * reference to `bytes` until `txDone(slot)`. Returns false (and queues nothing) when the link is
   * not up or the queue is full.
   */
  submit(slot: number, bytes: Uint8Array, length: number): boolean {
    return this.#state === 'up' && this.#tx.queue.push(slot, bytes, length);
  }

  /** One receive buffer was given back: one more credit for the peer. */
  releaseRx(): void {
    if (this.#state !== 'up') return;
    this.#rx.release();
  }

  /** Sends what is pending: queued messages the window allows, then an ACK if one is owed. */
  service(): void {
    if (this.#state === 'up') {
      this.#tx.pump(this.#reliable);
      if (this.#rx.ackPending) this.#sendControl(FrameType.ACK, false);
    }
    this.#output.flush();
    this.#schedule();
  }

  // FrameSink ---------------------------------------------------------------------------------------

  /** @internal */
  onBadFrame(error: SerialError): void {
    this.#reportError(error);
  }

  /** @internal */
  onFrame(f: Frame): void {
    this.stats.rxFrames++;
    this.#lastRxAt = this.#clock.currentTime();
    switch (f.type) {
      case FrameType.HELLO:
      case FrameType.HELLO_ACK:
        this.#onHello(f);
        return;
      case FrameType.DATA:
      case FrameType.ACK:
      case FrameType.RESET:
        break;
      default:
        this.#reportError(
          new SerialError('ERR_SERIAL_FRAME_TYPE', `unknown frame type ${f.type}`, { type: f.type }),
        );
        return;
    }
    if (this.#state !== 'up') {
      // The peer only sends DATA/ACK once it holds our HELLO_ACK, so it is up with us (§4).
      if (this.#state === 'handshake' && this.#hs.ackedPeer && f.type !== FrameType.RESET) this.#goUp();
      else {
        this.stats.rxWhileDown++;
        return;
      }
    }
    if (f.type === FrameType.RESET) {
      this.#restart(new SerialError('ERR_SERIAL_PEER_RESET', 'peer sent RESET'));
      return;
    }
    if (!this.#tx.onAck(f.ack, f.credit, this.#reliable)) {
      this.#reportError(
        new SerialError('ERR_SERIAL_BAD_ACK', `ack ${f.ack} credit ${f.credit} outside the window`, {
          seq: f.ack,
          length: f.credit,
          limit: SEQ_WINDOW_MAX,
        }),
      );
    }
    if (f.type === FrameType.DATA) this.#rx.onData(f, this.#reliable);
    else if (!this.#reliable) this.#rx.skipTo(f.seq);
    if (f.poll) this.#rx.ackPending = true;
  }

  // Handshake ---------------------------------------------------------------------------------------

  #onHello(f: Frame): void {
    let hello: HelloParams;
    try {
      hello = decodeHello(f.bytes, f.payloadStart, f.payloadLength);
    } catch (error) {
      this.#reportError(error as SerialError);
      return;
    }
    if (this.#state === 'up') {
      // A HELLO_ACK while up is a repeat or stale: a restarted peer announces itself with HELLO
      // (§4.1), and nothing we send while up asks for a HELLO_ACK. Ignored either way.
      if (f.type === FrameType.HELLO_ACK) return;
      if (hello.nonce === this.#hs.peerNonce) {
        this.#sendHello(FrameType.HELLO_ACK); // a repeated HELLO: our HELLO_ACK was lost
        return;
      }
      // The peer restarted: down, a new handshake of our own, then this HELLO is answered below
      // like any other, so the peer need not wait for its next one.
      this.#restart(new SerialError('ERR_SERIAL_PEER_RESET', 'peer restarted (new HELLO nonce)'));
    }
    if (this.#state !== 'handshake') return;
    const verdict = this.#hs.accept(hello, f.type);
    if (verdict !== 'none') this.#sendHello(FrameType.HELLO_ACK);
    if (verdict === 'up') this.#goUp();
  }

  #startHandshake(): void {
    this.#resetSession();
    this.#state = 'handshake';
    this.#hs.begin();
    this.stats.handshakes++;
    this.#sendHello(FrameType.HELLO);
    this.#hs.nextHelloAt = this.#clock.currentTime() + this.#o.helloIntervalMs;
    this.#schedule();
  }

  #sendHello(type: number): void {
    this.#emitFrame(type, 0, 0, 0, this.#hs.encode(type), HELLO_SIZE);
  }

  #goUp(): void {
    const peer = this.#hs.peer!;
    this.#state = 'up';
    this.#reliable = this.#o.reliable || (peer.flags & HELLO_F_RELIABLE) !== 0;
    this.#hs.nextHelloAt = NEVER;
    this.#tx.peerLimit = Math.min(peer.credits, SEQ_WINDOW_MAX);
    const baud = lineBaudRate(this.#o.baudRate, peer.baudRate);
    this.#tx.msPerByte = baud === 0 ? 0 : 10_000 / baud; // 8N1: 10 bits per byte
    this.#timeoutMs = linkTimeoutMs(this.#local, peer);
    this.#rx.open();
    this.#lastRxAt = this.#lastTxAt = this.#lastSilencePollAt = this.#clock.currentTime();
    this.stats.linkUps++;
    this.#handler.up(peer);
  }

  /** Link down from a protocol event: report it and start a new handshake with a fresh nonce. */
  #restart(reason: SerialError): void {
    const wasUp = this.#state === 'up';
    this.#startHandshake();
    if (wasUp) this.#emitDown(reason);
  }

  #emitDown(reason: SerialError): void {
    this.stats.linkDowns++;
    this.#handler.down(reason);
  }

  /** Forgets the session: sequence state, window, queued messages (finished as dropped). */
  #resetSession(): void {
    this.#hs.reset();
    this.#reliable = false;
    this.#rx.reset();
    this.#tx.reset();
  }

  // Output ------------------------------------------------------------------------------------------

  #sendControl(type: number, poll: boolean): void {
    const rx = this.#rx;
    this.#emitFrame(poll ? type | FRAME_POLL : type, this.#tx.nextSeq, rx.expected, rx.credit(), null, 0);
  }

  #emitFrame(type: number, seq: number, ack: number, credit: number, p: Uint8Array | null, n: number) {
    this.#output.frame(type, seq, ack, credit, p, n);
    this.#lastTxAt = this.#clock.currentTime();
    if (type !== FrameType.HELLO && type !== FrameType.HELLO_ACK) this.#rx.advertised(credit);
  }

  #reportError(error: SerialError): void {
    this.stats.errors++;
    this.#handler.error(error);
  }

  // Timers (§6) -------------------------------------------------------------------------------------

  #onTimer(): void {
    const now = this.#clock.currentTime();
    const tx = this.#tx;
    // Timers have millisecond granularity and may fire a fraction early (or, in virtual time, land
    // a rounding error short): a deadline within TIMER_SLACK_MS is due, so a timer never re-arms
    // for a zero delay forever.
    const t = now + TIMER_SLACK_MS;
    if (this.#state === 'handshake' && t >= this.#hs.nextHelloAt) {
      this.#sendHello(FrameType.HELLO);
      this.#hs.nextHelloAt = now + this.#o.helloIntervalMs;
    } else if (this.#state === 'up') {
      const peer = this.#hs.peer!;
      if (t - this.#lastRxAt >= this.#timeoutMs) {
        this.#restart(
          new SerialError('ERR_SERIAL_TIMEOUT', `nothing heard for ${Math.round(now - this.#lastRxAt)} ms`),
        );
      } else if (this.#reliable && tx.sent > 0 && t >= tx.rtoAt) {
        if (++tx.retries > this.#o.maxRetransmits) {
          this.#restart(
            new SerialError(
              'ERR_SERIAL_NO_PROGRESS',
              `no ack after ${this.#o.maxRetransmits} retransmissions`,
              {
                seq: tx.sendBase,
              },
            ),
          );
        } else tx.retransmit(now);
      } else if (t >= tx.probeAt) {
        // Window closed or (unreliable) frames unacked: ask the peer where it stands.
        this.stats.probes++;
        this.#sendControl(FrameType.ACK, true);
        tx.probeAt = now + this.#o.retransmitMs;
      } else if (t >= this.#silencePollAt(peer.keepAliveMs)) {
        // A keep-alive is overdue: ask rather than wait, so a few lost frames on a noisy line do
        // not take the link down; only a peer that answers none of these polls times out (§6).
        this.stats.silencePolls++;
        this.#sendControl(FrameType.ACK, true);
        this.#lastSilencePollAt = now;
      } else if (t - this.#lastTxAt >= this.#o.keepAliveMs) {
        this.#sendControl(FrameType.ACK, false);
      }
    }
    this.service();
  }

  #nextDeadline(): number {
    if (this.#state === 'handshake') return this.#hs.nextHelloAt;
    if (this.#state !== 'up') return NEVER;
    const peer = this.#hs.peer!;
    let t = Math.min(this.#lastRxAt + this.#timeoutMs, this.#lastTxAt + this.#o.keepAliveMs);
    if (this.#reliable && this.#tx.sent > 0) t = Math.min(t, this.#tx.rtoAt);
    return Math.min(t, this.#tx.probeAt, this.#silencePollAt(peer.keepAliveMs));
  }

  /**
   * When to poll the peer for being silent: once its keep-alive is `retransmitMs` overdue, then
   * every `retransmitMs` until it is heard again or the link times out.
   */
  #silencePollAt(peerKeepAliveMs: number): number {
    const overdue = this.#lastRxAt + peerKeepAliveMs + this.#o.retransmitMs;
    return Math.max(overdue, this.#lastSilencePollAt + this.#o.retransmitMs);
  }

  /** Arms the timer for the nearest deadline. */
  #schedule(): void {
    this.#timer.arm(this.#nextDeadline());
  }
}
