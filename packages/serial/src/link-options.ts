import type { LinkClock } from './clock.js';
import { HELLO_MIN_MTU } from './hello.js';
import { SEQ_WINDOW_MAX } from './seq.js';

/** Sizes and timings of a serial link. Every field has a default. */
export interface SerialLinkOptions {
  /** Largest RPMsg message (16-byte header included) this side receives and sends. Default 512 (Linux). */
  bufferSize?: number;
  /** Receive buffers = credits given to the peer, 1..127. Default 16. */
  rxBuffers?: number;
  /** Messages that can be queued or in flight, 1..127. Default 16. */
  txBuffers?: number;
  /** Ask for reliable mode (ACK + retransmission). Default true. */
  reliable?: boolean;
  /** Announce the RPMsg name service. Default true. */
  nameService?: boolean;
  /** Send something at least this often while up (ms). Default 500. The peer times out after 3×. */
  keepAliveMs?: number;
  /** Repeat HELLO this often during the handshake (ms). Default 200. */
  helloIntervalMs?: number;
  /**
   * Retransmission / probe timeout margin (ms): processing and USB latency. Default 50. With a
   * `baudRate` the wire time of the frames in flight is added (docs/serial-protocol.md §5.2).
   */
  retransmitMs?: number;
  /** Retransmissions of the same frame before the link is declared dead. Default 20. */
  maxRetransmits?: number;
  /** Line speed (8N1), used to scale the retransmission and link timeouts to the wire time. */
  baudRate?: number;
  /** Time source; default the system clock. */
  clock?: LinkClock;
  /** Source of handshake nonces; default `Math.random`-based. */
  nonce?: () => number;
}

/** {@link SerialLinkOptions} with every default applied and every range checked. */
export interface ResolvedLinkOptions {
  bufferSize: number;
  rxBuffers: number;
  txBuffers: number;
  reliable: boolean;
  nameService: boolean;
  keepAliveMs: number;
  helloIntervalMs: number;
  retransmitMs: number;
  /** Wire time of one byte (ms), 0 when the baud rate is unknown. */
  msPerByte: number;
  maxRetransmits: number;
  nonce: () => number;
  /** How long silence from a peer announcing `peerKeepAliveMs` may last before the link is down. */
  linkTimeoutMs(peerKeepAliveMs: number): number;
}

function intIn(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return v;
}

/**
 * Applies defaults and checks ranges.
 *
 * @throws {RangeError} naming the option that is out of range
 */
export function resolveLinkOptions(options: SerialLinkOptions): ResolvedLinkOptions {
  const bufferSize = intIn('bufferSize', options.bufferSize, 512, HELLO_MIN_MTU, 0xffff);
  const rxBuffers = intIn('rxBuffers', options.rxBuffers, 16, 1, SEQ_WINDOW_MAX);
  const txBuffers = intIn('txBuffers', options.txBuffers, 16, 1, SEQ_WINDOW_MAX);
  const keepAliveMs = intIn('keepAliveMs', options.keepAliveMs, 500, 1, 0xffff);
  const baud = options.baudRate;
  if (baud !== undefined && !(baud > 0)) throw new RangeError(`baudRate must be > 0, got ${String(baud)}`);
  const msPerByte = baud === undefined ? 0 : 10_000 / baud; // 8N1: 10 bits per byte
  // A busy line can hold the peer's keep-alive behind a full window of frames: allow for it.
  const windowMs = msPerByte * txBuffers * (bufferSize + 12);
  return {
    bufferSize,
    rxBuffers,
    txBuffers,
    reliable: options.reliable ?? true,
    nameService: options.nameService ?? true,
    keepAliveMs,
    helloIntervalMs: intIn('helloIntervalMs', options.helloIntervalMs, 200, 1, 60_000),
    retransmitMs: intIn('retransmitMs', options.retransmitMs, 50, 1, 600_000),
    msPerByte,
    maxRetransmits: intIn('maxRetransmits', options.maxRetransmits, 20, 1, 1000),
    nonce: options.nonce ?? (() => Math.floor(Math.random() * 0xffffffff) + 1),
    // Three missed keep-alives, plus slack for a busy line.
    linkTimeoutMs: (peerKeepAliveMs) => 3 * peerKeepAliveMs + 50 + Math.ceil(windowMs),
  };
}
