import {
  COBS_DELIMITER,
  CobsDecoder,
  type CobsDecoderSink,
  cobsEncode,
  cobsMaxEncodedLength,
} from './cobs.js';
import { crc32 } from './crc.js';
import { SerialError } from './errors.js';

/**
 * Frame layout (before COBS), protocol version 1 — docs/serial-protocol.md §2:
 *
 * ```
 * type u8 (bit 7 = POLL) | seq u8 | ack u8 | credit u8 | payload … | crc32 u32 LE (over everything before it)
 * ```
 */
export const FRAME_HEADER_SIZE = 4;
/** Bytes of CRC at the end of every frame. */
export const FRAME_CRC_SIZE = 4;
/** Header + CRC: the smallest valid frame. */
export const FRAME_OVERHEAD = FRAME_HEADER_SIZE + FRAME_CRC_SIZE;

/** Frame types (low 7 bits of byte 0). */
export const FrameType = {
  /** Handshake offer: version, MTU, credits, keep-alive, nonce. */
  HELLO: 1,
  /** Handshake answer: the same fields plus the nonce it answers. */
  HELLO_ACK: 2,
  /** One RPMsg message (16-byte header + payload), unchanged. */
  DATA: 3,
  /** Acknowledgement / credit update / keep-alive; no payload. */
  ACK: 4,
  /** The sender is going away (port closing, firmware resetting); no payload. */
  RESET: 5,
} as const;
/** A frame type number. */
export type FrameTypeValue = (typeof FrameType)[keyof typeof FrameType];

/** Bit 7 of the type byte: "answer with an ACK now" (probes, keep-alive checks). */
export const FRAME_POLL = 0x80;

/** The largest wire size (COBS + delimiter) of a frame carrying `payloadLength` bytes. */
export function frameWireSize(payloadLength: number): number {
  return cobsMaxEncodedLength(FRAME_OVERHEAD + payloadLength) + 1;
}

/**
 * Builds frames into a scratch buffer and COBS-encodes them into an output buffer, so sending never
 * allocates. `maxPayload` bounds the payload of any one frame.
 */
export class FrameEncoder {
  readonly #scratch: Uint8Array;
  readonly #scratchView: DataView;

  /** @param maxPayload the largest payload any frame will carry. */
  constructor(readonly maxPayload: number) {
    this.#scratch = new Uint8Array(FRAME_OVERHEAD + maxPayload);
    this.#scratchView = new DataView(this.#scratch.buffer);
  }

  /**
   * Encodes one frame (COBS + trailing delimiter) into `out` at `offset`; returns the bytes written.
   * `out` must have {@link frameWireSize}(length) bytes free.
   *
   * @throws {RangeError} when `length` exceeds `maxPayload` (a caller bug, never peer input)
   */
  encode(
    type: number,
    seq: number,
    ack: number,
    credit: number,
    payload: Uint8Array | null,
    length: number,
    out: Uint8Array,
    offset: number,
  ): number {
    if (length > this.maxPayload) throw new RangeError(`frame payload ${length} > ${this.maxPayload}`);
    const s = this.#scratch;
    s[0] = type;
    s[1] = seq;
    s[2] = ack;
    s[3] = credit;
    if (payload !== null && length > 0) s.set(payload.subarray(0, length), FRAME_HEADER_SIZE);
    const end = FRAME_HEADER_SIZE + length;
    this.#scratchView.setUint32(end, crc32(s, 0, end), true);
    const n = cobsEncode(s, 0, end + FRAME_CRC_SIZE, out, offset);
    out[offset + n] = COBS_DELIMITER;
    return n + 1;
  }
}

/** A checked frame, as handed to a {@link FrameSink}. Fields are valid only during the call. */
export interface Frame {
  /** Frame type (POLL bit removed). */
  type: number;
  /** True when the POLL bit was set. */
  poll: boolean;
  /** Sequence number (DATA: this frame's; others: the sender's next DATA seq). */
  seq: number;
  /** Cumulative ack: the next DATA seq the sender expects. */
  ack: number;
  /** Free receive buffers of the sender beyond `ack`. */
  credit: number;
  /** The decoded frame bytes; the payload is `bytes[payloadStart, payloadStart + payloadLength)`. */
  bytes: Uint8Array;
  /** Start of the payload in `bytes`. */
  payloadStart: number;
  /** Payload length. */
  payloadLength: number;
}

/** Receives what a {@link FrameDecoder} finds. */
export interface FrameSink {
  /** A frame with a good CRC. */
  onFrame(frame: Frame): void;
  /** Bytes that were not a good frame (COBS, CRC, too short, too long); counted by the decoder. */
  onBadFrame(error: SerialError): void;
}

/** Counters kept by a {@link FrameDecoder}. */
export interface FrameDecoderStats {
  /** Frames with a good CRC. */
  frames: number;
  /** Frames dropped for a bad CRC. */
  crcErrors: number;
  /** Frames dropped for malformed COBS (lost or inserted bytes). */
  cobsErrors: number;
  /** Frames dropped for being shorter than header + CRC. */
  shortFrames: number;
  /** Frames dropped for being longer than the limit. */
  longFrames: number;
}

/**
 * Bytes in, checked frames out: COBS decoding, length limits and the CRC. One reusable buffer and
 * one reusable {@link Frame} object, so receiving never allocates.
 */
export class FrameDecoder implements CobsDecoderSink {
  /** Counters (also readable while running). */
  readonly stats: FrameDecoderStats = {
    frames: 0,
    crcErrors: 0,
    cobsErrors: 0,
    shortFrames: 0,
    longFrames: 0,
  };
  readonly #cobs: CobsDecoder;
  #sink: FrameSink | null = null;
  readonly #frame: Frame = {
    type: 0,
    poll: false,
    seq: 0,
    ack: 0,
    credit: 0,
    bytes: new Uint8Array(0),
    payloadStart: FRAME_HEADER_SIZE,
    payloadLength: 0,
  };

  /** @param maxPayload the largest payload accepted; longer frames are dropped. */
  constructor(readonly maxPayload: number) {
    this.#cobs = new CobsDecoder(FRAME_OVERHEAD + maxPayload);
  }

  /** Feeds raw bytes from the wire; calls `sink` for every frame they complete. */
  push(bytes: Uint8Array, start: number, end: number, sink: FrameSink): void {
    this.#sink = sink;
    this.#cobs.push(bytes, start, end, this);
    this.#sink = null;
  }

  /** Forgets a partial frame (the port was reopened). */
  reset(): void {
    this.#cobs.reset();
  }

  /** @internal CobsDecoderSink */
  onFrame(bytes: Uint8Array, length: number): void {
    const sink = this.#sink!;
    if (length < FRAME_OVERHEAD) {
      this.stats.shortFrames++;
      sink.onBadFrame(
        new SerialError(
          'ERR_SERIAL_FRAME_SHORT',
          `frame of ${length} bytes is shorter than ${FRAME_OVERHEAD}`,
          {
            length,
            limit: FRAME_OVERHEAD,
          },
        ),
      );
      return;
    }
    const end = length - FRAME_CRC_SIZE;
    const got =
      (bytes[end]! | (bytes[end + 1]! << 8) | (bytes[end + 2]! << 16) | (bytes[end + 3]! << 24)) >>> 0;
    if (got !== crc32(bytes, 0, end)) {
      this.stats.crcErrors++;
      sink.onBadFrame(new SerialError('ERR_SERIAL_CRC', `frame CRC mismatch (${length} bytes)`, { length }));
      return;
    }
    this.stats.frames++;
    const f = this.#frame;
    f.type = bytes[0]! & ~FRAME_POLL & 0xff;
    f.poll = (bytes[0]! & FRAME_POLL) !== 0;
    f.seq = bytes[1]!;
    f.ack = bytes[2]!;
    f.credit = bytes[3]!;
    f.bytes = bytes;
    f.payloadLength = end - FRAME_HEADER_SIZE;
    sink.onFrame(f);
  }

  /** @internal CobsDecoderSink */
  onDrop(reason: 'cobs' | 'too-long', length: number): void {
    const sink = this.#sink!;
    if (reason === 'cobs') {
      this.stats.cobsErrors++;
      sink.onBadFrame(
        new SerialError('ERR_SERIAL_COBS', `malformed COBS frame after ${length} bytes`, { length }),
      );
    } else {
      this.stats.longFrames++;
      sink.onBadFrame(
        new SerialError('ERR_SERIAL_FRAME_TOO_LONG', `frame longer than ${length} bytes dropped`, {
          limit: length,
        }),
      );
    }
  }
}
