import { RPMSG_HEADER_SIZE } from './constants.js';
import { RpmsgError } from './errors.js';
import { RPMSG_HDR_FLAGS } from './header.js';
import type { TransportBuffer } from './transport.js';

const EMPTY = new Uint8Array(0);

/**
 * A received message as the `message` listener sees it. `payload` is a view straight into the RX
 * buffer, valid only until the listener returns — unless {@link RxMessage.hold} is called, which keeps
 * the buffer (and so the view) until `release()`.
 */
export interface RxMessage {
  /** The payload, `hdr.len` bytes (zero-copy view into the shared buffer). */
  readonly payload: Uint8Array;
  /** Source address from the header. */
  readonly src: number;
  /** Destination address from the header (the local endpoint's address). */
  readonly dst: number;
  /** The header's 16-bit flags word: 0 from Linux, OpenAMP and RPMsg-Lite; see docs/wire-format.md. */
  readonly flags: number;
  /**
   * Keeps the RX buffer past the listener: the peer cannot reuse it until `release()`, which is what
   * flow-controls a fast peer. Call it during the listener only; calling it twice returns the same hold.
   *
   * @throws {RpmsgError} `ERR_RPMSG_BUFFER_STATE` when called after the listener returned
   */
  hold(): HeldMessage;
}

/** A received buffer kept past its listener. Release it exactly once. */
export interface HeldMessage {
  /** The payload view; valid until `release()`. */
  readonly payload: Uint8Array;
  /** Source address from the header. */
  readonly src: number;
  /** Destination address from the header. */
  readonly dst: number;
  /** The header's flags word. */
  readonly flags: number;
  /** True after `release()`. */
  readonly released: boolean;
  /**
   * Gives the buffer back to the peer (and notifies it if it asked). Releases are published in
   * batches: every 16th, at the end of the current microtask turn, or at the next `poll()` /
   * `device.flush()` — whichever comes first. After a link down the buffer is already dead and this
   * only marks the hold released.
   *
   * @throws {RpmsgError} `ERR_RPMSG_BUFFER_STATE` on a second release
   */
  release(): void;
}

/** What a hold needs from the device. */
export interface RxHost {
  /** Link epoch: bumped on every link down, so a hold from before the crash is known dead. */
  readonly epoch: number;
  /** Returns a held buffer lent in `epoch` to the transport and flushes. */
  releaseHeld(buf: TransportBuffer, epoch: number): void;
}

/**
 * The RxMessage of one transport buffer slot, made once and re-armed for every message that
 * arrives in that slot (a slot is never lent twice at once, so reuse is safe even if a listener polls
 * re-entrantly). This keeps the receive path free of allocation apart from the payload view.
 */
export class RxSlot implements RxMessage {
  payload: Uint8Array = new Uint8Array(0);
  src = 0;
  dst = 0;
  flags = 0;
  #armed = false;
  #held: Held | null = null;
  readonly #host: RxHost;
  #buf: TransportBuffer | null = null;

  constructor(host: RxHost) {
    this.#host = host;
  }

  /** The payload view of the last message of this slot: reused while lengths repeat. */
  #view: Uint8Array = EMPTY;
  /** The buffer bytes `#view` was cut from. */
  #viewOf: Uint8Array = EMPTY;

  /** Makes this the message being delivered in `buf` (`len` payload bytes); returns the payload view. */
  arm(buf: TransportBuffer, len: number, src: number, dst: number): Uint8Array {
    this.flags = buf.view.getUint16(RPMSG_HDR_FLAGS, true);
    let payload = this.#view;
    if (payload.length !== len || this.#viewOf !== buf.bytes) {
      // A new view only when the length changes: a stream of equal-sized messages allocates nothing.
      payload = buf.bytes.subarray(RPMSG_HEADER_SIZE, RPMSG_HEADER_SIZE + len);
      this.#view = payload;
      this.#viewOf = buf.bytes;
    }
    this.#buf = buf;
    this.payload = payload;
    this.src = src;
    this.dst = dst;
    this.#armed = true;
    this.#held = null;
    return payload;
  }

  /** Ends the delivery; returns true when the listener held the buffer (the caller must not release it). */
  disarm(): boolean {
    this.#armed = false;
    const held = this.#held !== null;
    this.#held = null;
    this.#buf = null;
    this.payload = EMPTY;
    return held;
  }

  hold(): HeldMessage {
    if (this.#held) return this.#held;
    if (!this.#armed || !this.#buf) {
      throw new RpmsgError('ERR_RPMSG_BUFFER_STATE', 'hold() must be called while the message listener runs');
    }
    this.#held = new Held(this.#host, this.#buf, this.payload, this.src, this.dst, this.flags);
    return this.#held;
  }
}

class Held implements HeldMessage {
  readonly payload: Uint8Array;
  readonly src: number;
  readonly dst: number;
  readonly flags: number;
  #released = false;
  readonly #host: RxHost;
  readonly #buf: TransportBuffer;
  readonly #epoch: number;

  constructor(
    host: RxHost,
    buf: TransportBuffer,
    payload: Uint8Array,
    src: number,
    dst: number,
    flags: number,
  ) {
    this.#host = host;
    this.#buf = buf;
    this.#epoch = host.epoch;
    this.payload = payload;
    this.src = src;
    this.dst = dst;
    this.flags = flags;
  }

  get released(): boolean {
    return this.#released;
  }

  release(): void {
    if (this.#released) throw new RpmsgError('ERR_RPMSG_BUFFER_STATE', 'held message released twice');
    this.#released = true;
    this.#host.releaseHeld(this.#buf, this.#epoch);
  }
}
