import { SerialError } from './errors.js';
import { SEQ_WINDOW_MAX } from './seq.js';

/** The protocol version this implementation speaks (docs/serial-protocol.md). */
export const SERIAL_PROTOCOL_VERSION = 1;

/** Size of a version-1 HELLO / HELLO_ACK payload. Longer payloads are accepted (later versions may extend). */
export const HELLO_SIZE = 16;

/** HELLO flag: the sender wants reliable mode (ACK + retransmission); the link is reliable if either side asks. */
export const HELLO_F_RELIABLE = 0x01;
/** HELLO flag: the sender speaks the RPMsg name service (address 53); negotiated like VIRTIO_RPMSG_F_NS. */
export const HELLO_F_NS = 0x02;

/** Smallest MTU a side may announce: an RPMsg header plus a 40-byte name-service message. */
export const HELLO_MIN_MTU = 16 + 40;

/**
 * The fields of a HELLO / HELLO_ACK payload:
 * `version u8 | flags u8 | mtu u16 | credits u8 | reserved u8 | keepAliveMs u16 | nonce u32 | peerNonce u32` (LE).
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
  /** How often the sender promises to send something while up (ms); its peer times out after 3×. */
  keepAliveMs: number;
  /** Random number naming this handshake attempt of the sender; a new nonce means the sender restarted. */
  nonce: number;
  /** HELLO_ACK: the nonce of the HELLO being answered. HELLO: 0. */
  peerNonce: number;
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
}

/**
 * Reads and validates a HELLO payload from the wire (untrusted). The version is checked first so a
 * future, longer HELLO is reported as a version mismatch, not as garbage.
 *
 * @throws {SerialError} `ERR_SERIAL_VERSION` for another version; `ERR_SERIAL_HELLO` for a short payload
 *   or an out-of-range MTU, credit count or keep-alive
 */
export function decodeHello(bytes: Uint8Array, start: number, length: number): HelloParams {
  if (length < 1) throw new SerialError('ERR_SERIAL_HELLO', 'empty HELLO', { length, limit: HELLO_SIZE });
  const version = bytes[start]!;
  if (version !== SERIAL_PROTOCOL_VERSION) {
    throw new SerialError(
      'ERR_SERIAL_VERSION',
      `peer speaks serial protocol version ${version}, this side speaks ${SERIAL_PROTOCOL_VERSION}`,
      { length: version, limit: SERIAL_PROTOCOL_VERSION },
    );
  }
  if (length < HELLO_SIZE) {
    throw new SerialError('ERR_SERIAL_HELLO', `HELLO of ${length} bytes, expected ${HELLO_SIZE}`, {
      length,
      limit: HELLO_SIZE,
    });
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset + start, HELLO_SIZE);
  const p: HelloParams = {
    version,
    flags: v.getUint8(1),
    mtu: v.getUint16(2, true),
    credits: v.getUint8(4),
    keepAliveMs: v.getUint16(6, true),
    nonce: v.getUint32(8, true),
    peerNonce: v.getUint32(12, true),
  };
  if (p.mtu < HELLO_MIN_MTU) {
    throw new SerialError('ERR_SERIAL_HELLO', `HELLO mtu ${p.mtu} below ${HELLO_MIN_MTU}`, {
      length: p.mtu,
      limit: HELLO_MIN_MTU,
    });
  }
  if (p.credits < 1 || p.credits > SEQ_WINDOW_MAX) {
    throw new SerialError('ERR_SERIAL_HELLO', `HELLO credits ${p.credits} outside 1..${SEQ_WINDOW_MAX}`, {
      length: p.credits,
      limit: SEQ_WINDOW_MAX,
    });
  }
  if (p.keepAliveMs < 1) throw new SerialError('ERR_SERIAL_HELLO', 'HELLO keepAliveMs is 0', { limit: 1 });
  return p;
}
