import { MemoryRegion } from '../memory.js';

/** A DataView that counts its plain stores. */
class CountingView extends DataView<ArrayBufferLike> {
  stores = 0;
  override setUint8(offset: number, value: number): void {
    this.stores++;
    super.setUint8(offset, value);
  }
  override setUint16(offset: number, value: number, littleEndian?: boolean): void {
    this.stores++;
    super.setUint16(offset, value, littleEndian);
  }
  override setUint32(offset: number, value: number, littleEndian?: boolean): void {
    this.stores++;
    super.setUint32(offset, value, littleEndian);
  }
}

/** What `countingRegion` returns. */
export interface CountingRegion {
  /** A region over the same bytes as the one given, for the queue under test. */
  readonly memory: MemoryRegion;
  /** Plain stores (descriptors, ring slots) made through `memory.view` so far; index words are not counted. */
  stores(): number;
}

/**
 * A second region over the same bytes whose `view` counts plain stores, to see *which* ring bytes a
 * queue writes and not only what they hold — e.g. that a descriptor posted again as it was is not
 * stored at all, so its cache line stays shared. Give `memory` to the queue under test and keep
 * writing as the peer through the original region (a `RingPuppet` on it), whose stores are not counted.
 */
export function countingRegion(region: MemoryRegion): CountingRegion {
  const { buffer, base, offset, size } = region;
  const memory = new MemoryRegion(buffer, { base, offset, size });
  const view = new CountingView(buffer, offset, size);
  // The one seam: queues do their plain ring stores through `memory.view`.
  (memory as { view: DataView }).view = view;
  return { memory, stores: () => view.stores };
}
