import { SerialError } from './errors.js';
import { SEQ_WINDOW_MAX } from './seq.js';

/** The protocol version this implementation speaks (docs/serial-protocol.md). */
export const SERIAL_PROTOCOL_VERSION = 1;

/**
 * Size of the HELLO / HELLO_ACK payload this implementation sends: the 16 bytes every version-1
 * peer reads, plus `retransmitMs` and `baudRate` appended (docs/serial-protocol.md §4; appending
 * needs no version bump, §9). Longer payloads are accepted: later versions may append more.
 */
export const HELLO_SIZE = 24;

/** The shortest HELLO a version-1 receiver accepts: without the appended fields (an earlier peer). */
export const HELLO_MIN_SIZE = 16;

/** HELLO flag: the sender wants reliable mode (ACK + retransmission); the link is reliable if either side asks. */
export const HELLO_F_RELIABLE = 0x01;
/** HELLO flag: the sender speaks the RPMsg name service (address 53); negotiated like VIRTIO_RPMSG_F_NS. */
export const HELLO_F_NS = 0x02;

/** Smallest MTU a side may announce: an RPMsg header plus a 40-byte name-service message. */
export const HELLO_MIN_MTU = 16 + 40;

/**
 * The fields of a HELLO / HELLO_ACK payload (LE):
 * `version u8 | flags u8 | mtu u16 | credits u8 | reserved u8 | keepAliveMs u16 | nonce u32 | peerNonce u32`
 * `| retransmitMs u16 | reserved u16 | baudRate u32`.
 */
export interface HelloParams {
  /** Protocol version of the sender. */
  version: number;
  /** HELLO_F_* bits. */
  flags: number;
  /** Largest RPMsg message (16-byte header included) the sender can receive. */
  mtu: number;
  /** Receive buffers of the sender: the initial window, 1..127. */
  credits: number;
  /** How often the sender promises to send something while up (ms). */
  keepAliveMs: number;
  /** Random number naming this handshake attempt of the sender; a new nonce means the sender restarted. */
  nonce: number;
  /** HELLO_ACK: the nonce of the HELLO being answered. HELLO: 0. */
  peerNonce: number;
  /**
   * The sender's retransmission timeout, which is also its probe and silence-poll interval (ms),
   * ≥ 1; 0 when the HELLO was 16 bytes (an earlier peer that did not say).
   */
  retransmitMs: number;
  /** The line speed the sender is configured for (bits/s, 8N1); 0 for none (pty, USB CDC, TCP) or unknown. */
  baudRate: number;
}

/** Writes `p` into `out[0, HELLO_SIZE)`. */
export function encodeHello(p: HelloParams, out: Uint8Array): void {
  const v = new DataView(out.buffer, out.byteOffset, HELLO_SIZE);
  v.setUint8(0, p.version);
  v.setUint8(1, p.flags);
  v.setUint16(2, p.mtu, true);
  v.setUint8(4, p.credits);
  v.setUint8(5, 0);
  v.setUint16(6, p.keepAliveMs, true);
  v.setUint32(8, p.nonce >>> 0, true);
  v.setUint32(12, p.peerNonce >>> 0, true);
  v.setUint16(16, p.retransmitMs, true);
  v.setUint16(18, 0, true);
  v.setUint32(20, p.baudRate >>> 0, true);
}

function bad(message: string, length: number | undefined, limit: number): SerialError {
  return new SerialError('ERR_SERIAL_HELLO', message, { length, limit });
}

/**
 * Reads and validates a HELLO payload from the wire (untrusted). The version is checked first so a
 * future, longer HELLO is reported as a version mismatch, not as garbage. A 16-byte HELLO (an
 * earlier version-1 peer) reads as `retransmitMs` 0 and `baudRate` 0.
 *
 * @throws {SerialError} `ERR_SERIAL_VERSION` for another version; `ERR_SERIAL_HELLO` for a short payload
 *   or an out-of-range MTU, credit count, keep-alive or retransmission timeout
 */
export function decodeHello(bytes: Uint8Array, start: number, length: number): HelloParams {
  if (length < 1) throw bad('empty HELLO', length, HELLO_MIN_SIZE);
  const version = bytes[start]!;
  if (version !== SERIAL_PROTOCOL_VERSION) {
    throw new SerialError(
      'ERR_SERIAL_VERSION',
      `peer speaks serial protocol version ${version}, this side speaks ${SERIAL_PROTOCOL_VERSION}`,
      { length: version, limit: SERIAL_PROTOCOL_VERSION },
    );
  }
  if (length < HELLO_MIN_SIZE) {
    throw bad(`HELLO of ${length} bytes, expected ${HELLO_MIN_SIZE}`, length, HELLO_MIN_SIZE);
  }
  const extended = length >= HELLO_SIZE;
  const v = new DataView(bytes.buffer, bytes.byteOffset + start, extended ? HELLO_SIZE : HELLO_MIN_SIZE);
  const p: HelloParams = {
    version,
    flags: v.getUint8(1),
    mtu: v.getUint16(2, true),
    credits: v.getUint8(4),
    keepAliveMs: v.getUint16(6, true),
    nonce: v.getUint32(8, true),
    peerNonce: v.getUint32(12, true),
    retransmitMs: extended ? v.getUint16(16, true) : 0,
    baudRate: extended ? v.getUint32(20, true) : 0,
  };
  if (p.mtu < HELLO_MIN_MTU) throw bad(`HELLO mtu ${p.mtu} below ${HELLO_MIN_MTU}`, p.mtu, HELLO_MIN_MTU);
  if (p.credits < 1 || p.credits > SEQ_WINDOW_MAX) {
    throw bad(`HELLO credits ${p.credits} outside 1..${SEQ_WINDOW_MAX}`, p.credits, SEQ_WINDOW_MAX);
  }
  if (p.keepAliveMs < 1) throw bad('HELLO keepAliveMs is 0', undefined, 1);
  if (extended && p.retransmitMs < 1) throw bad('HELLO retransmitMs is 0', undefined, 1);
  return p;
}
