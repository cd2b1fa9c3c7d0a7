/**
 * The messages a link has accepted for sending, in order: a fixed ring of (TX slot, bytes, length)
 * sized to the TX pool, so queueing never allocates. Entries are addressed from the head (`k = 0` is
 * the oldest): the link keeps the first `qSent` of them in flight for retransmission.
 */
export class RetransmitQueue {
  readonly #slots: Int32Array;
  readonly #lengths: Int32Array;
  readonly #bytes: (Uint8Array | null)[];
  #head = 0;
  #count = 0;

  /** @param capacity the most entries it holds (the TX pool size) */
  constructor(readonly capacity: number) {
    this.#slots = new Int32Array(capacity);
    this.#lengths = new Int32Array(capacity);
    this.#bytes = new Array<Uint8Array | null>(capacity).fill(null);
  }

  /** Entries queued. */
  get length(): number {
    return this.#count;
  }

  /** Appends an entry; false when full. */
  push(slot: number, bytes: Uint8Array, length: number): boolean {
    if (this.#count === this.capacity) return false;
    const i = this.#index(this.#count);
    this.#slots[i] = slot;
    this.#lengths[i] = length;
    this.#bytes[i] = bytes;
    this.#count++;
    return true;
  }

  /** TX slot of entry `k`. */
  slotAt(k: number): number {
    return this.#slots[this.#index(k)]!;
  }
  /** Message length of entry `k`. */
  lengthAt(k: number): number {
    return this.#lengths[this.#index(k)]!;
  }
  /** Message bytes of entry `k`. */
  bytesAt(k: number): Uint8Array {
    return this.#bytes[this.#index(k)]!;
  }

  /** Removes the oldest entry; returns its slot. */
  shift(): number {
    const slot = this.#slots[this.#head]!;
    this.#bytes[this.#head] = null;
    this.#head = (this.#head + 1) % this.capacity;
    this.#count--;
    return slot;
  }

  /** Removes entry `k`, keeping the order of the others; returns its slot. */
  removeAt(k: number): number {
    const slot = this.slotAt(k);
    for (let j = k; j < this.#count - 1; j++) {
      const to = this.#index(j);
      const from = this.#index(j + 1);
      this.#slots[to] = this.#slots[from]!;
      this.#lengths[to] = this.#lengths[from]!;
      this.#bytes[to] = this.#bytes[from]!;
    }
    this.#bytes[this.#index(this.#count - 1)] = null;
    this.#count--;
    return slot;
  }

  #index(k: number): number {
    return (this.#head + k) % this.capacity;
  }
}
