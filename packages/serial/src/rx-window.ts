import { SerialError } from './errors.js';
import type { Frame } from './frame.js';
import type { ResolvedLinkOptions } from './link-options.js';
import type { SerialLinkStats } from './link-stats.js';
import { SEQ_WINDOW_MAX, seqAdd, seqDiff } from './seq.js';

/**
 * The receive side of a session (docs/serial-protocol.md §5): the next seq expected, the receive
 * buffers free (the credits we give), the window the peer was last told about and whether it is
 * owed an ACK. Checks each DATA frame before it is delivered.
 */
export class RxWindow {
  /** Seq of the next DATA frame to deliver. */
  expected = 0;
  /** Receive buffers free. */
  available: number;
  /** First seq beyond the credits last sent to the peer. */
  advertisedLimit = 0;
  /** An ACK is owed to the peer. */
  ackPending = false;

  readonly #o: ResolvedLinkOptions;
  readonly #stats: SerialLinkStats;
  readonly #report: (error: SerialError) => void;
  readonly #deliver: (bytes: Uint8Array, start: number, length: number) => void;

  /**
   * @param o the link's resolved options
   * @param stats the link's counters
   * @param report counts and reports a dropped frame
   * @param deliver hands an accepted message (`bytes[start, start + length)`) to the owner
   */
  constructor(
    o: ResolvedLinkOptions,
    stats: SerialLinkStats,
    report: (error: SerialError) => void,
    deliver: (bytes: Uint8Array, start: number, length: number) => void,
  ) {
    this.#o = o;
    this.#stats = stats;
    this.#report = report;
    this.#deliver = deliver;

    this.available = o.rxBuffers;
  }

  /** Forgets the session. */
  reset(): void {
    this.expected = this.advertisedLimit = 0;
    this.available = this.#o.rxBuffers;
    this.ackPending = false;
  }

  /** Link up: every buffer free, and the peer knows it from our HELLO. */
  open(): void {
    this.available = this.#o.rxBuffers;
    this.advertisedLimit = this.available;
  }

  /** Credits to put in an outgoing frame. */
  credit(): number {
    return Math.min(this.available, SEQ_WINDOW_MAX);
  }

  /** A frame carrying ack `expected` and `credit` went out: nothing is owed any more. */
  advertised(credit: number): void {
    this.ackPending = false;
    this.advertisedLimit = seqAdd(this.expected, credit);
  }

  /** One receive buffer was given back: one more credit for the peer. */
  release(): void {
    this.available++;
    // Tell the peer only once the window it sees is below half, so releases do not each cost a frame.
    if (seqDiff(this.advertisedLimit, this.expected) < (this.#o.rxBuffers + 1) >> 1) this.ackPending = true;
  }

  /**
   * How many seqs from {@link expected} the peer may use: up to the furthest limit (`ack + credit`)
   * we sent (§5.1). Never more than {@link available}: every frame in it has a buffer.
   */
  window(): number {
    return seqDiff(this.advertisedLimit, this.expected);
  }

  /**
   * Unreliable mode: an ACK's seq is the peer's next DATA seq, so frames before it that never came
   * were lost (§5.3) — skip them. A seq beyond the credits we gave cannot be the peer's (it never
   * sends there): refused as an overrun, so one stale or forged frame cannot make us skip ahead and
   * then drop everything the peer really sends as a duplicate.
   */
  skipTo(seq: number): void {
    const d = seqDiff(seq, this.expected);
    if (d > SEQ_WINDOW_MAX) return; // behind: an old ACK
    if (d > this.window()) {
      this.#stats.overruns++;
      this.#report(
        new SerialError('ERR_SERIAL_OVERRUN', `ACK claims seq ${seq}, beyond the credits given`, {
          seq,
          limit: this.advertisedLimit,
        }),
      );
      return;
    }
    this.#stats.lost += d;
    this.expected = seq;
  }

  /**
   * A DATA frame arrived (§5): deliver it if it lies in the window (reliable: if it is the one
   * expected) and is a valid RPMsg message.
   */
  onData(f: Frame, reliable: boolean): void {
    const d = seqDiff(f.seq, this.expected);
    if (d >= this.window() || this.available === 0) {
      if (d > SEQ_WINDOW_MAX) {
        // Behind `expected`: a duplicate (ours was lost, or go-back-N resent it). Ack again.
        this.#stats.duplicates++;
        this.ackPending = true;
        return;
      }
      // Beyond the credits we gave: a peer that overran us, or a stale/forged frame. Dropped and not
      // acked, and `expected` stays put, so what the peer really sends next is still accepted.
      this.#stats.overruns++;
      this.#report(
        new SerialError('ERR_SERIAL_OVERRUN', `DATA ${f.seq} beyond the credits given`, {
          seq: f.seq,
          limit: this.advertisedLimit,
        }),
      );
      return;
    }
    this.ackPending = true;
    if (reliable && d !== 0) {
      // After a gap: go-back-N resends from the gap (§5.2). Dropped, acked again.
      this.#stats.outOfOrder++;
      return;
    }
    // The seq is consumed (and acked) whether or not the payload is a valid RPMsg message: resending
    // the same bytes would not make it one (§5.4).
    this.#stats.lost += d;
    this.expected = seqAdd(f.seq, 1);
    const len = f.payloadLength;
    const hdrLen = len >= 16 ? f.bytes[f.payloadStart + 12]! | (f.bytes[f.payloadStart + 13]! << 8) : -1;
    if (len > this.#o.bufferSize) {
      this.#report(
        new SerialError('ERR_SERIAL_MSG_TOO_BIG', `message of ${len} bytes > MTU ${this.#o.bufferSize}`, {
          seq: f.seq,
          length: len,
          limit: this.#o.bufferSize,
        }),
      );
      return;
    }
    if (hdrLen < 0 || hdrLen > len - 16) {
      this.#report(
        new SerialError('ERR_SERIAL_BAD_MESSAGE', `DATA ${f.seq} is not an RPMsg message (${len} bytes)`, {
          seq: f.seq,
          length: len,
        }),
      );
      return;
    }
    this.available--;
    this.#stats.rxMessages++;
    this.#deliver(f.bytes, f.payloadStart, len);
  }
}
