import type { LinkClock } from './clock.js';
import { NEVER } from './deadline-timer.js';
import { SerialError } from './errors.js';
import type { ResolvedLinkOptions } from './link-options.js';
import type { SerialLinkStats } from './link-stats.js';
import { RetransmitQueue } from './retransmit-queue.js';
import { SEQ_WINDOW_MAX, seqAdd, seqDiff } from './seq.js';

/** What a {@link TxWindow} asks of its link. All calls are synchronous. */
export interface TxWindowHost {
  /** Puts DATA `seq` carrying `bytes[0, length)` on the wire, with the link's current ack and credit. */
  sendData(seq: number, bytes: Uint8Array, length: number): void;
  /** Finishes a TX slot (acked, sent in unreliable mode, or dropped). */
  txDone(slot: number): void;
  /** Counts and reports a message dropped on the way out. */
  reportError(error: SerialError): void;
  /** Largest message that can be sent now (ours, or the peer's MTU if smaller). */
  sendMtu(): number;
}

/**
 * The send side of a session (docs/serial-protocol.md §5): the ring of submitted messages, the
 * sequence window the peer's credits open and, in reliable mode, the frames in flight with their
 * retransmission (RTO) and probe deadlines.
 */
export class TxWindow {
  /** Submitted messages in order; the first {@link sent} are in flight (reliable only). */
  readonly queue: RetransmitQueue;
  /** Entries at the head of {@link queue} sent and not yet acked (reliable only). */
  sent = 0;
  /** Seq of the next new DATA frame. */
  nextSeq = 0;
  /** Oldest seq not yet acked. */
  sendBase = 0;
  /** First seq beyond the peer's credits. */
  peerLimit = 0;
  /** Retransmission deadline while frames are in flight. */
  rtoAt = NEVER;
  /** When to ask the peer where it stands (window closed, or unreliable frames unacked). */
  probeAt = NEVER;
  /** Retransmissions since the last progress. */
  retries = 0;
  /** Wire time of one byte at the line speed both sides declared (ms), 0 for none; set at link up. */
  msPerByte = 0;
  /** Message bytes in flight, for the RTO. */
  #inFlightBytes = 0;

  readonly #o: ResolvedLinkOptions;
  readonly #clock: LinkClock;
  readonly #stats: SerialLinkStats;
  readonly #host: TxWindowHost;

  /**
   * @param o the link's resolved options
   * @param clock time source
   * @param stats the link's counters
   * @param host the link's callbacks
   */
  constructor(o: ResolvedLinkOptions, clock: LinkClock, stats: SerialLinkStats, host: TxWindowHost) {
    this.#o = o;
    this.#clock = clock;
    this.#stats = stats;
    this.#host = host;

    this.queue = new RetransmitQueue(o.txBuffers);
  }

  /** Forgets the session: sequence state, window, queued messages (finished as dropped). */
  reset(): void {
    this.nextSeq = this.sendBase = this.peerLimit = 0;
    this.rtoAt = this.probeAt = NEVER;
    this.retries = 0;
    this.sent = 0;
    this.#inFlightBytes = 0;
    while (this.queue.length > 0) this.#host.txDone(this.queue.shift());
  }

  /**
   * Takes the peer's cumulative `ack` and `credit`: finishes acked frames (reliable) and moves the
   * window limit. Returns false, changing nothing, when they lie outside the window.
   */
  onAck(ack: number, credit: number, reliable: boolean): boolean {
    const inFlight = seqDiff(this.nextSeq, this.sendBase);
    const acked = seqDiff(ack, this.sendBase);
    if (credit > SEQ_WINDOW_MAX || acked > inFlight) return false;
    if (acked > 0) {
      this.sendBase = ack;
      this.retries = 0;
      if (reliable) {
        for (let i = 0; i < acked && this.sent > 0; i++) {
          this.sent--;
          this.#inFlightBytes -= this.queue.lengthAt(0);
          this.#host.txDone(this.queue.shift());
        }
        this.rtoAt = this.sent > 0 ? this.#clock.currentTime() + this.#rto() : NEVER;
      }
    }
    // The limit only moves forward; compare relative to sendBase (both lie within 127 of it).
    const limit = seqAdd(ack, credit);
    if (seqDiff(limit, this.sendBase) > seqDiff(this.peerLimit, this.sendBase)) this.peerLimit = limit;
    if (acked > 0) this.probeAt = NEVER;
    return true;
  }

  /** Sends queued messages while the peer's window allows (§5.1), then arms or clears the probe. */
  pump(reliable: boolean): void {
    const now = this.#clock.currentTime();
    while (this.queue.length > this.sent && this.#windowOpen()) {
      const len = this.queue.lengthAt(this.sent);
      const mtu = this.#host.sendMtu();
      if (len > mtu) {
        // The peer cannot take it (its MTU is below ours): finish it as dropped and say so.
        this.#host.reportError(
          new SerialError('ERR_SERIAL_MSG_TOO_BIG', `message of ${len} bytes > peer MTU ${mtu}`, {
            length: len,
            limit: mtu,
          }),
        );
        this.#host.txDone(this.queue.removeAt(this.sent));
        continue;
      }
      this.#host.sendData(this.nextSeq, this.queue.bytesAt(this.sent), len);
      this.nextSeq = seqAdd(this.nextSeq, 1);
      this.#stats.txMessages++;
      if (reliable) {
        this.sent++;
        this.#inFlightBytes += len;
        if (this.rtoAt === NEVER) this.rtoAt = now + this.#rto();
      } else {
        this.#host.txDone(this.queue.shift());
      }
    }
    // Probe when the window is closed with messages waiting, or (unreliable) frames are unacked:
    // the peer's answer reopens the window or, unreliable, skips frames lost on the way (§5.3).
    const needProbe = reliable
      ? this.sent === 0 && this.queue.length > 0
      : this.nextSeq !== this.sendBase || this.queue.length > 0;
    if (!needProbe) this.probeAt = NEVER;
    else if (this.probeAt === NEVER) this.probeAt = now + this.#o.retransmitMs;
  }

  /** Go-back-N: resend every frame in flight, oldest first, with their original seq (§5.2). */
  retransmit(now: number): void {
    for (let k = 0; k < this.sent; k++) {
      this.#host.sendData(seqAdd(this.sendBase, k), this.queue.bytesAt(k), this.queue.lengthAt(k));
      this.#stats.retransmits++;
    }
    this.rtoAt = now + this.#rto();
  }

  #windowOpen(): boolean {
    return seqDiff(this.nextSeq, this.sendBase) < seqDiff(this.peerLimit, this.sendBase);
  }

  /**
   * Retransmission timeout: the fixed margin plus the wire time of everything in flight and of one
   * full frame the peer may be sending ahead of its ack (§5.2), so a slow line is not flooded.
   */
  #rto(): number {
    return (
      this.#o.retransmitMs +
      this.msPerByte * (this.#inFlightBytes + 12 * this.sent + this.#host.sendMtu() + 24)
    );
  }
}
