import { NEVER } from './deadline-timer.js';
import { FrameType } from './frame.js';
import {
  encodeHello,
  HELLO_F_NS,
  HELLO_F_RELIABLE,
  HELLO_SIZE,
  type HelloParams,
  SERIAL_PROTOCOL_VERSION,
} from './hello.js';
import type { ResolvedLinkOptions } from './link-options.js';

/** What a HELLO received during the handshake asks of the link: nothing, a HELLO_ACK, or a HELLO_ACK and up. */
export type HelloVerdict = 'none' | 'ack' | 'up';

/**
 * The HELLO handshake of one session (docs/serial-protocol.md §4): our nonce, the peer's HELLO and
 * whether we acknowledged it, and when to repeat our HELLO. The link owns the state machine and
 * the wire; this remembers the handshake, judges received HELLOs and encodes ours.
 */
export class LinkHandshake {
  /** Our nonce for this handshake (never 0). */
  localNonce = 0;
  /** Nonce of the peer's last HELLO, -1 before any. */
  peerNonce = -1;
  /** True once we sent HELLO_ACK for {@link peerNonce}. */
  ackedPeer = false;
  /** The peer's last HELLO, null before any. */
  peer: HelloParams | null = null;
  /** When to repeat our HELLO while handshaking. */
  nextHelloAt = NEVER;
  readonly #buf = new Uint8Array(HELLO_SIZE);

  readonly #o: ResolvedLinkOptions;

  /** @param o the link's resolved options (our HELLO parameters and nonce source) */
  constructor(o: ResolvedLinkOptions) {
    this.#o = o;
  }

  /** Forgets the peer. */
  reset(): void {
    this.peerNonce = -1;
    this.ackedPeer = false;
    this.peer = null;
  }

  /** Draws a fresh nonce for a new handshake. */
  begin(): void {
    this.localNonce = this.#o.nonce() >>> 0 || 1;
  }

  /**
   * Encodes our HELLO, or HELLO_ACK echoing the peer's nonce, into a buffer of {@link HELLO_SIZE}
   * bytes that the next call reuses.
   */
  encode(type: number): Uint8Array {
    const o = this.#o;
    encodeHello(
      {
        version: SERIAL_PROTOCOL_VERSION,
        flags: (o.reliable ? HELLO_F_RELIABLE : 0) | (o.nameService ? HELLO_F_NS : 0),
        mtu: o.bufferSize,
        credits: o.rxBuffers,
        keepAliveMs: o.keepAliveMs,
        nonce: this.localNonce,
        peerNonce: type === FrameType.HELLO_ACK ? this.peerNonce : 0,
        retransmitMs: o.retransmitMs,
        baudRate: o.baudRate,
      },
      this.#buf,
    );
    return this.#buf;
  }

  /** Takes a HELLO (`type` HELLO) or HELLO_ACK received while handshaking and says what to do. */
  accept(hello: HelloParams, type: number): HelloVerdict {
    if (hello.nonce !== this.peerNonce) {
      this.peerNonce = hello.nonce;
      this.ackedPeer = false;
    }
    this.peer = hello;
    if (type === FrameType.HELLO) {
      this.ackedPeer = true;
      return 'ack';
    }
    if (hello.peerNonce === this.localNonce) {
      // The peer holds our parameters and we hold its: up. Answer so the peer goes up too.
      this.ackedPeer = true;
      return 'up';
    }
    return 'none';
  }
}
