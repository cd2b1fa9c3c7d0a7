/**
 * Consistent Overhead Byte Stuffing (Cheshire & Baker, IEEE/ACM ToN 1999): removes every 0x00 from a
 * frame so 0x00 can delimit frames on the wire. Each block is a code byte `n` (1..255) followed by
 * `n - 1` non-zero bytes; a code below 255 stands for those bytes plus one zero, except at the end.
 */

/** The delimiter that ends every encoded frame. */
export const COBS_DELIMITER = 0x00;

/** The largest encoding of `length` bytes, delimiter excluded: one code byte per 254 bytes, plus one. */
export function cobsMaxEncodedLength(length: number): number {
  return length + Math.floor(length / 254) + 1;
}

/**
 * Encodes `src[start, end)` into `dst` at `offset` (no delimiter). Returns the number of bytes written.
 * `dst` must have `cobsMaxEncodedLength(end - start)` bytes free at `offset`.
 */
export function cobsEncode(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  offset: number,
): number {
  let codeAt = offset;
  let out = offset + 1;
  let code = 1;
  for (let i = start; i < end; i++) {
    const b = src[i]!;
    if (b === 0) {
      dst[codeAt] = code;
      codeAt = out++;
      code = 1;
    } else {
      dst[out++] = b;
      if (++code === 0xff) {
        dst[codeAt] = code;
        codeAt = out++;
        code = 1;
      }
    }
  }
  dst[codeAt] = code;
  return out - offset;
}

/** Why the decoder dropped a frame. */
export type CobsDropReason = 'cobs' | 'too-long';

/** Receives what a {@link CobsDecoder} finds between delimiters. */
export interface CobsDecoderSink {
  /** A whole frame: `frame[0, length)` is valid until this call returns. Never called for empty frames. */
  onFrame(frame: Uint8Array, length: number): void;
  /** A frame was dropped: malformed blocks, or longer than `maxLength` (then `length` is the limit). */
  onDrop(reason: CobsDropReason, length: number): void;
}

/**
 * Streaming COBS decoder: bytes in, whole decoded frames out. One byte at a time (the C side does the
 * same from a UART interrupt), into one reusable buffer: no allocation per frame. A frame that grows
 * past `maxLength` is dropped and everything up to the next delimiter is skipped, so garbage can never
 * make it buffer without bound or lose sync for more than one frame.
 */
export class CobsDecoder {
  readonly #buf: Uint8Array;
  #length = 0;
  #remaining = 0; // data bytes left in the current block; 0 = next byte is a code byte
  #zeroOwed = false; // the finished block had code < 0xFF: a zero goes before the next block
  #skipping = false; // dropping bytes up to the next delimiter
  #started = false; // any byte seen since the last delimiter

  /** @param maxLength the largest decoded frame accepted. */
  constructor(readonly maxLength: number) {
    this.#buf = new Uint8Array(maxLength);
  }

  /** Feeds `bytes[start, end)`; calls `sink` for every frame or drop they complete. */
  push(bytes: Uint8Array, start: number, end: number, sink: CobsDecoderSink): void {
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      if (b === COBS_DELIMITER) {
        this.#endFrame(sink);
        continue;
      }
      if (this.#skipping) continue;
      this.#started = true;
      if (this.#remaining === 0) {
        if (this.#zeroOwed && !this.#put(0, sink)) continue;
        this.#remaining = b - 1;
        this.#zeroOwed = b < 0xff;
      } else {
        this.#remaining--;
        this.#put(b, sink);
      }
    }
  }

  /** Forgets a partial frame (after the port was reopened). */
  reset(): void {
    this.#length = 0;
    this.#remaining = 0;
    this.#zeroOwed = false;
    this.#skipping = false;
    this.#started = false;
  }

  #put(b: number, sink: CobsDecoderSink): boolean {
    if (this.#length === this.maxLength) {
      this.#skipping = true;
      sink.onDrop('too-long', this.maxLength);
      return false;
    }
    this.#buf[this.#length++] = b;
    return true;
  }

  #endFrame(sink: CobsDecoderSink): void {
    const started = this.#started;
    const skipping = this.#skipping;
    const remaining = this.#remaining;
    const length = this.#length;
    this.reset();
    if (skipping || !started) return;
    // A block cut short by the delimiter means bytes were lost or a zero was inserted.
    if (remaining !== 0) sink.onDrop('cobs', length);
    else if (length > 0) sink.onFrame(this.#buf, length);
  }
}
