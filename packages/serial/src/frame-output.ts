import { FrameEncoder, frameWireSize } from './frame.js';
import type { SerialLinkStats } from './link-stats.js';

/**
 * A link's outgoing frames: encoded back to back into one reused buffer (room for four of the
 * largest) and handed to `write` in a single call when flushed or full, so the send path does not
 * allocate and a burst of frames costs one write.
 */
export class FrameOutput {
  readonly #encoder: FrameEncoder;
  readonly #out: Uint8Array;
  readonly #maxWire: number;
  #length = 0;

  readonly #stats: SerialLinkStats;
  readonly #write: (bytes: Uint8Array, length: number) => void;

  /**
   * @param maxPayload largest frame payload
   * @param stats the link's counters (`txFrames`, `txBytes`)
   * @param write puts `bytes[0, length)` on the wire; the bytes are reused after the call
   */
  constructor(
    maxPayload: number,
    stats: SerialLinkStats,
    write: (bytes: Uint8Array, length: number) => void,
  ) {
    this.#stats = stats;
    this.#write = write;

    this.#encoder = new FrameEncoder(maxPayload);
    this.#maxWire = frameWireSize(maxPayload);
    this.#out = new Uint8Array(this.#maxWire * 4);
  }

  /** Encodes one frame, flushing first when the buffer might not hold it. */
  frame(type: number, seq: number, ack: number, credit: number, p: Uint8Array | null, n: number): void {
    if (this.#length + this.#maxWire > this.#out.length) this.flush();
    this.#length += this.#encoder.encode(type, seq, ack, credit, p, n, this.#out, this.#length);
    this.#stats.txFrames++;
  }

  /** Writes the frames encoded so far, if any. */
  flush(): void {
    if (this.#length === 0) return;
    const n = this.#length;
    this.#length = 0;
    this.#stats.txBytes += n;
    this.#write(this.#out, n);
  }

  /** Drops the frames not yet written (the port is gone). */
  discard(): void {
    this.#length = 0;
  }
}
