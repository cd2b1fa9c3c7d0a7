import type { TransportBuffer } from '@rpmsg/core';

/**
 * A fixed set of {@link TransportBuffer} slots with a free stack: made once, reused for the life of
 * the transport, so lending and returning never allocate. `epoch` marks which link session lent a
 * slot, so a buffer lent before a link-down can be recognised as dead.
 */
export class SlotPool {
  /** The slots, by `index - firstIndex`. */
  readonly slots: TransportBuffer[];
  readonly #free: Int32Array;
  #freeCount: number;
  readonly #lentEpoch: Int32Array; // -1 = free

  /**
   * @param count slots in the pool
   * @param size bytes per slot
   * @param firstIndex `index` of the first slot (TX and RX pools do not overlap)
   */
  constructor(
    count: number,
    size: number,
    readonly firstIndex: number,
  ) {
    this.slots = Array.from({ length: count }, (_, i) => {
      const bytes = new Uint8Array(size);
      return { index: firstIndex + i, bytes, view: new DataView(bytes.buffer) };
    });
    this.#free = new Int32Array(count);
    this.#lentEpoch = new Int32Array(count);
    this.#freeCount = 0;
    this.reclaimAll();
  }

  /** Free slots. */
  get available(): number {
    return this.#freeCount;
  }
  /** Slots in the pool. */
  get size(): number {
    return this.slots.length;
  }

  /** Takes a free slot for session `epoch`, or null. */
  take(epoch: number): TransportBuffer | null {
    if (this.#freeCount === 0) return null;
    const i = this.#free[--this.#freeCount]!;
    this.#lentEpoch[i] = epoch;
    return this.slots[i]!;
  }

  /** True when `buf` is a slot of this pool lent in session `epoch`. */
  isLent(buf: TransportBuffer, epoch: number): boolean {
    const i = buf.index - this.firstIndex;
    return i >= 0 && i < this.slots.length && this.slots[i] === buf && this.#lentEpoch[i] === epoch;
  }

  /** Returns slot `index` (a `TransportBuffer.index`); returning a free slot is ignored. */
  give(index: number): void {
    const i = index - this.firstIndex;
    if (this.#lentEpoch[i] === -1) return;
    this.#lentEpoch[i] = -1;
    this.#free[this.#freeCount++] = i;
  }

  /** Marks every slot free (the link went down: whatever was lent is dead). */
  reclaimAll(): void {
    for (let i = 0; i < this.slots.length; i++) {
      this.#lentEpoch[i] = -1;
      this.#free[i] = this.slots.length - 1 - i;
    }
    this.#freeCount = this.slots.length;
  }
}
