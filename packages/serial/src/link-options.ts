import { checkBoolean, checkFunction, checkInteger, checkOptions, InvalidArgTypeError } from '@rpmsg/core';
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
  /** Send something at least this often while up (ms), 1..65535. Default 500. */
  keepAliveMs?: number;
  /** Repeat HELLO this often during the handshake (ms). Default 200. */
  helloIntervalMs?: number;
  /**
   * Retransmission / probe / silence-poll interval (ms), 1..65535, announced in HELLO: processing
   * and USB latency. Default 50. With a line baud rate the wire time of the frames in flight is
   * added (docs/serial-protocol.md §5.2).
   */
  retransmitMs?: number;
  /** Retransmissions of the same frame before the link is declared dead. Default 20. */
  maxRetransmits?: number;
  /**
   * Line speed (bits/s, 8N1) announced in HELLO; the slower of both sides' (or the one given) times
   * the wire in the retransmission and link timeouts (docs/serial-protocol.md §6). Default none (0):
   * a pty, TCP or a USB CDC port has no wire time to allow for.
   */
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
  /** Declared line speed, 0 for none. */
  baudRate: number;
  maxRetransmits: number;
  nonce: () => number;
}

function int(name: string, value: unknown, fallback: number, min: number, max: number): number {
  return value === undefined ? fallback : checkInteger(`options.${name}`, value, min, max);
}

function bool(name: string, value: unknown, fallback: boolean): boolean {
  return value === undefined ? fallback : checkBoolean(`options.${name}`, value);
}

/**
 * Applies defaults and checks types and ranges.
 *
 * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE` for an option of the wrong type (options not an object)
 * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` naming the option that is out of range
 */
export function resolveLinkOptions(options: SerialLinkOptions): ResolvedLinkOptions {
  const o = checkOptions('options', options);
  if (o.clock !== undefined && (o.clock === null || typeof o.clock !== 'object')) {
    throw new InvalidArgTypeError('options.clock', 'of type object', o.clock);
  }
  const nonce = o.nonce === undefined ? undefined : checkFunction<() => number>('options.nonce', o.nonce);
  return {
    bufferSize: int('bufferSize', o.bufferSize, 512, HELLO_MIN_MTU, 0xffff),
    rxBuffers: int('rxBuffers', o.rxBuffers, 16, 1, SEQ_WINDOW_MAX),
    txBuffers: int('txBuffers', o.txBuffers, 16, 1, SEQ_WINDOW_MAX),
    reliable: bool('reliable', o.reliable, true),
    nameService: bool('nameService', o.nameService, true),
    keepAliveMs: int('keepAliveMs', o.keepAliveMs, 500, 1, 0xffff),
    helloIntervalMs: int('helloIntervalMs', o.helloIntervalMs, 200, 1, 60_000),
    retransmitMs: int('retransmitMs', o.retransmitMs, 50, 1, 0xffff),
    // u32 in HELLO; 0 means none, as when omitted.
    baudRate: int('baudRate', o.baudRate, 0, 0, 0xffffffff),
    maxRetransmits: int('maxRetransmits', o.maxRetransmits, 20, 1, 1000),
    nonce: nonce ?? (() => Math.floor(Math.random() * 0xffffffff) + 1),
  };
}
