/**
 * One descriptor chain as the device sees it after `VirtqueueDevice.popAvail()`: the head index and, per
 * segment, the device address, the region byte offset (already checked to lie inside the region), the
 * length and whether the segment is device-writable. Device-readable segments come first
 * (virtio 1.2 §2.7.4.2).
 *
 * The arrays are allocated once, in the constructor, and refilled by every pop: keep one chain per queue
 * and copy out what must outlive the next pop. This keeps the hot path free of allocation.
 */
export class DescriptorChain {
  /** Most segments this chain can hold (a queue needs at least its `num`). */
  readonly capacity: number;
  /** Head descriptor index: the id to give back with `pushUsed`. */
  headIndex = 0;
  /** Number of segments. */
  length = 0;
  /** Number of device-readable segments (they are segments 0 .. readableCount-1). */
  readableCount = 0;
  /** Total bytes of the device-readable segments. */
  readableLength = 0;
  /** Total bytes of the device-writable segments (the most `pushUsed` may report). */
  writableLength = 0;
  /** True when the segments came from an indirect descriptor table. */
  indirect = false;

  readonly #addr: Float64Array;
  readonly #offset: Float64Array;
  readonly #len: Uint32Array;
  readonly #write: Uint8Array;

  /** @throws RangeError if maxSegments is not an integer in 1..32768. */
  constructor(maxSegments: number) {
    if (!Number.isInteger(maxSegments) || maxSegments < 1 || maxSegments > 32768) {
      throw new RangeError(`maxSegments must be an integer in 1..32768, got ${maxSegments}`);
    }
    this.capacity = maxSegments;
    this.#addr = new Float64Array(maxSegments);
    this.#offset = new Float64Array(maxSegments);
    this.#len = new Uint32Array(maxSegments);
    this.#write = new Uint8Array(maxSegments);
  }

  /** Device address of segment `i`. */
  addr(i: number): number {
    return this.#addr[this.#check(i)]!;
  }

  /** Byte length of segment `i`. */
  len(i: number): number {
    return this.#len[this.#check(i)]!;
  }

  /** Byte offset of segment `i` in the queue's `MemoryRegion` (validated at pop: `offset + len ≤ size`). */
  offset(i: number): number {
    return this.#offset[this.#check(i)]!;
  }

  /** True when segment `i` is device-writable (VRING_DESC_F_WRITE). */
  isWriteOnly(i: number): boolean {
    return this.#write[this.#check(i)] === 1;
  }

  /** @internal Starts a new chain at `head`. */
  clear(head: number): void {
    this.headIndex = head;
    this.length = 0;
    this.readableCount = 0;
    this.readableLength = 0;
    this.writableLength = 0;
    this.indirect = false;
  }

  /** @internal Appends a validated segment; the caller has checked capacity and order. */
  push(addr: number, offset: number, len: number, write: boolean): void {
    const i = this.length++;
    this.#addr[i] = addr;
    this.#offset[i] = offset;
    this.#len[i] = len;
    this.#write[i] = write ? 1 : 0;
    if (write) this.writableLength += len;
    else {
      this.readableCount++;
      this.readableLength += len;
    }
  }

  #check(i: number): number {
    if (!(i >= 0 && i < this.length) || !Number.isInteger(i)) {
      throw new RangeError(`segment index must be 0..${this.length - 1}, got ${i}`);
    }
    return i;
  }
}
