/**
 * Stable error codes of `@rpmsg/serial`. Callers branch on `err.code`, never on message text; a code is
 * never renamed once released (the package README lists them with their meaning).
 */
export type SerialErrorCode =
  // Framing (bytes on the wire)
  | 'ERR_SERIAL_COBS' // a frame whose COBS blocks do not end at the delimiter
  | 'ERR_SERIAL_CRC' // a frame whose CRC-32 does not match (discarded, never delivered)
  | 'ERR_SERIAL_FRAME_SHORT' // a frame shorter than header + CRC (8 bytes)
  | 'ERR_SERIAL_FRAME_TOO_LONG' // a frame longer than the MTU allows (discarded up to the next delimiter)
  | 'ERR_SERIAL_FRAME_TYPE' // a frame type this version does not know
  // Handshake
  | 'ERR_SERIAL_VERSION' // a HELLO for a protocol version this side does not speak
  | 'ERR_SERIAL_HELLO' // a HELLO / HELLO_ACK with a bad length or out-of-range field
  // Data path
  | 'ERR_SERIAL_BAD_MESSAGE' // a DATA frame that is not an RPMsg message (shorter than 16 bytes, bad len)
  | 'ERR_SERIAL_OVERRUN' // the peer sent DATA beyond the credits it was given
  | 'ERR_SERIAL_BAD_ACK' // an ack for frames never sent, or a credit above 127
  | 'ERR_SERIAL_MSG_TOO_BIG' // a message longer than the MTU the peer announced
  // Link
  | 'ERR_SERIAL_PEER_RESET' // the peer restarted (a HELLO with a new nonce) or sent RESET
  | 'ERR_SERIAL_TIMEOUT' // nothing heard from the peer within its keep-alive timeout
  | 'ERR_SERIAL_NO_PROGRESS' // retransmissions exhausted without an ack
  | 'ERR_SERIAL_PORT_CLOSED' // the port or socket closed or disappeared
  | 'ERR_SERIAL_OPEN'; // opening the port or socket failed

/** Extra numbers an error can carry so callers and logs need not parse the message. */
export interface SerialErrorDetails {
  /** A sequence number involved (DATA seq, ack). */
  readonly seq?: number;
  /** A length or count that broke a limit. */
  readonly length?: number;
  /** The limit that was broken. */
  readonly limit?: number;
  /** The frame type involved. */
  readonly type?: number;
  /** The underlying error (an OS error for ERR_SERIAL_OPEN / ERR_SERIAL_PORT_CLOSED). */
  readonly cause?: unknown;
}

/**
 * The one error class of `@rpmsg/serial`: a stable `code` plus structured details. Reported through
 * `TransportSink.onError` (bad frames), as the `cause` of a link-down `RpmsgError`, and thrown or
 * rejected by `connectSerial` / `openPort` (ERR_SERIAL_OPEN).
 * @see SerialLink, SerialTransport, connectSerial
 */
export class SerialError extends Error {
  override readonly name = 'SerialError';
  readonly code: SerialErrorCode;
  readonly seq: number | undefined;
  readonly length: number | undefined;
  readonly limit: number | undefined;
  readonly type: number | undefined;

  constructor(code: SerialErrorCode, message: string, details: SerialErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.seq = details.seq;
    this.length = details.length;
    this.limit = details.limit;
    this.type = details.type;
  }
}
