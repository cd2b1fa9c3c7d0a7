import { frameWireSize } from './frame.js';
import type { HelloParams } from './hello.js';

/** Fixed allowance for processing and USB / OS latency in the link timeout (ms). */
export const LINK_TIMEOUT_MARGIN_MS = 50;

/** What the link timeout is computed from: fields of the two HELLOs (docs/serial-protocol.md §6). */
export type LinkTimeoutParams = Pick<
  HelloParams,
  'mtu' | 'credits' | 'keepAliveMs' | 'retransmitMs' | 'baudRate'
>;

/**
 * The line speed both sides time the wire with: the slower of the two declared baud rates, or the
 * one declared when only one side declares one; 0 (no wire time) when neither does.
 */
export function lineBaudRate(a: number, b: number): number {
  if (a === 0) return b;
  if (b === 0) return a;
  return Math.min(a, b);
}

/**
 * Wire time (ms, rounded up) of a full window each way at the line speed: the frames the peer may
 * send ahead of its keep-alive (our credits) and ours ahead of our poll (its credits), each of the
 * largest message either side accepts. 0 without a baud rate.
 */
export function windowWireMs(self: LinkTimeoutParams, peer: LinkTimeoutParams): number {
  const baud = lineBaudRate(self.baudRate, peer.baudRate);
  if (baud === 0) return 0;
  const bytes = (self.credits + peer.credits) * frameWireSize(Math.min(self.mtu, peer.mtu));
  // 8N1: 10 bits per byte. Integer ceil, exactly as the C firmware computes it.
  return Math.floor((bytes * 10_000 + baud - 1) / baud);
}

/**
 * How long `self` waits without hearing a valid frame before it takes the link down
 * (ERR_SERIAL_TIMEOUT), from values both sides exchanged in HELLO, so either can predict the other's
 * (docs/serial-protocol.md §6):
 *
 * `3 × peer.keepAliveMs + self.retransmitMs + 50 + windowWireMs(self, peer)`
 *
 * Three missed keep-alives, one silence-poll interval, a latency margin, and the wire time of the
 * frames that may queue ahead of a keep-alive or a poll answer on a busy line.
 */
export function linkTimeoutMs(self: LinkTimeoutParams, peer: LinkTimeoutParams): number {
  return 3 * peer.keepAliveMs + self.retransmitMs + LINK_TIMEOUT_MARGIN_MS + windowWireMs(self, peer);
}
