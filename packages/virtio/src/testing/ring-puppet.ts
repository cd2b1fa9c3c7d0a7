import { VRING_DESC_SIZE, type VringLayout, vringLayout } from '../layout.js';
import type { MemoryRegion } from '../memory.js';

/** A raw descriptor as it sits in memory. */
export interface RawDesc {
  /** Device address (u64; values beyond 2^53 are not representable here). */
  addr: number;
  /** Length in bytes (u32). */
  len: number;
  /** Flags (u16): NEXT=1, WRITE=2, INDIRECT=4. */
  flags: number;
  /** Next descriptor index (u16). */
  next: number;
}

/** A raw used element. */
export interface RawUsedElem {
  /** Head descriptor index (u32). */
  id: number;
  /** Bytes written (u32). */
  len: number;
}

const TWO_32 = 4294967296;

/**
 * Plays either side of a split ring by writing raw bytes — obediently or not. Nothing is validated:
 * it writes stale or far-ahead indices, looping chains, oversize lengths as asked, which is the point.
 * Index words are written with the region's `store16` (Atomics on shared memory), so a puppet in one
 * thread can drive a real queue in another.
 *
 * @example
 * const p = new RingPuppet(memory, ringAddr, 8, 16);
 * p.writeDesc(0, { addr: bufAddr(0), len: 64, flags: 0, next: 0 });
 * p.setAvailRing(0, 0);
 * p.setAvailIdx(1); // a device now pops one 64-byte readable buffer
 */
export class RingPuppet {
  /** The region written into. */
  readonly memory: MemoryRegion;
  /** Device address of the ring. */
  readonly ringAddr: number;
  /** Offsets of the ring parts. */
  readonly layout: VringLayout;
  readonly #ring: number;

  /** @throws RangeError if the ring does not fit in the region or num/align are invalid. */
  constructor(memory: MemoryRegion, ringAddr: number, num: number, align: number) {
    this.layout = vringLayout(num, align);
    if (!memory.contains(ringAddr, this.layout.size)) throw new RangeError('ring does not fit in the region');
    this.memory = memory;
    this.ringAddr = ringAddr;
    this.#ring = ringAddr - memory.base;
  }

  /** Queue size. */
  get num(): number {
    return this.layout.num;
  }

  /** Region byte offset of a ring part offset (`layout.used` etc.). */
  offsetOf(ringOffset: number): number {
    return this.#ring + ringOffset;
  }

  /** Writes descriptor `i` of the table (any values; `i` wraps modulo num). */
  writeDesc(i: number, desc: RawDesc): void {
    writeRawDesc(this.memory, this.#ring + this.layout.desc + (i % this.num) * VRING_DESC_SIZE, desc);
  }

  /** Reads descriptor `i` of the table. */
  readDesc(i: number): RawDesc {
    return readRawDesc(this.memory, this.#ring + this.layout.desc + (i % this.num) * VRING_DESC_SIZE);
  }

  /** Writes a descriptor at any device address (an indirect table entry). */
  writeDescAt(addr: number, desc: RawDesc): void {
    writeRawDesc(this.memory, addr - this.memory.base, desc);
  }

  /** avail.flags. */
  availFlags(): number {
    return this.memory.load16(this.#ring + this.layout.avail);
  }
  /** Sets avail.flags. */
  setAvailFlags(value: number): void {
    this.memory.store16(this.#ring + this.layout.avail, value & 0xffff);
  }
  /** avail.idx. */
  availIdx(): number {
    return this.memory.load16(this.#ring + this.layout.avail + 2);
  }
  /** Sets avail.idx (publishes, as a driver would). */
  setAvailIdx(value: number): void {
    this.memory.store16(this.#ring + this.layout.avail + 2, value & 0xffff);
  }
  /** avail.ring[slot % num]. */
  availRing(slot: number): number {
    return this.memory.view.getUint16(this.#ring + this.layout.availRing + 2 * (slot % this.num), true);
  }
  /** Sets avail.ring[slot % num] = head. */
  setAvailRing(slot: number, head: number): void {
    this.memory.view.setUint16(
      this.#ring + this.layout.availRing + 2 * (slot % this.num),
      head & 0xffff,
      true,
    );
  }
  /** used_event (after avail.ring). */
  usedEvent(): number {
    return this.memory.load16(this.#ring + this.layout.usedEvent);
  }
  /** Sets used_event. */
  setUsedEvent(value: number): void {
    this.memory.store16(this.#ring + this.layout.usedEvent, value & 0xffff);
  }
  /** used.flags. */
  usedFlags(): number {
    return this.memory.load16(this.#ring + this.layout.used);
  }
  /** Sets used.flags. */
  setUsedFlags(value: number): void {
    this.memory.store16(this.#ring + this.layout.used, value & 0xffff);
  }
  /** used.idx. */
  usedIdx(): number {
    return this.memory.load16(this.#ring + this.layout.used + 2);
  }
  /** Sets used.idx (publishes, as a device would). */
  setUsedIdx(value: number): void {
    this.memory.store16(this.#ring + this.layout.used + 2, value & 0xffff);
  }
  /** used.ring[slot % num]. */
  usedElem(slot: number): RawUsedElem {
    const off = this.#ring + this.layout.usedRing + 8 * (slot % this.num);
    return { id: this.memory.view.getUint32(off, true), len: this.memory.view.getUint32(off + 4, true) };
  }
  /** Sets used.ring[slot % num]. */
  setUsedElem(slot: number, elem: RawUsedElem): void {
    const off = this.#ring + this.layout.usedRing + 8 * (slot % this.num);
    this.memory.view.setUint32(off, elem.id >>> 0, true);
    this.memory.view.setUint32(off + 4, elem.len >>> 0, true);
  }
  /** avail_event (after used.ring). */
  availEvent(): number {
    return this.memory.load16(this.#ring + this.layout.availEvent);
  }
  /** Sets avail_event. */
  setAvailEvent(value: number): void {
    this.memory.store16(this.#ring + this.layout.availEvent, value & 0xffff);
  }

  /**
   * Obedient driver step: writes `descs` as a chain at consecutive table entries from `first` (NEXT links
   * added), puts the head in the next avail slot and publishes avail.idx + 1. Returns the head.
   */
  postChain(first: number, descs: ReadonlyArray<Omit<RawDesc, 'next'>>): number {
    descs.forEach((d, k) => {
      const last = k === descs.length - 1;
      const i = (first + k) % this.num;
      this.writeDesc(i, { ...d, flags: last ? d.flags : d.flags | 1, next: last ? 0 : (i + 1) % this.num });
    });
    const idx = this.availIdx();
    this.setAvailRing(idx, first % this.num);
    this.setAvailIdx(idx + 1);
    return first % this.num;
  }

  /** Obedient device step: writes the next used element and publishes used.idx + 1. */
  returnUsed(id: number, len: number): void {
    const idx = this.usedIdx();
    this.setUsedElem(idx, { id, len });
    this.setUsedIdx(idx + 1);
  }

  /** Hostile step: makes descriptors `from → to → from` point at each other with NEXT (a loop). */
  makeLoop(from: number, to: number, addr: number, len: number): void {
    this.writeDesc(from, { addr, len, flags: 1, next: to });
    this.writeDesc(to, { addr, len, flags: 1, next: from });
  }
}

function writeRawDesc(memory: MemoryRegion, off: number, d: RawDesc): void {
  const v = memory.view;
  v.setUint32(off, d.addr % TWO_32, true);
  v.setUint32(off + 4, Math.floor(d.addr / TWO_32) >>> 0, true);
  v.setUint32(off + 8, d.len >>> 0, true);
  v.setUint16(off + 12, d.flags & 0xffff, true);
  v.setUint16(off + 14, d.next & 0xffff, true);
}

function readRawDesc(memory: MemoryRegion, off: number): RawDesc {
  const v = memory.view;
  return {
    addr: v.getUint32(off + 4, true) * TWO_32 + v.getUint32(off, true),
    len: v.getUint32(off + 8, true),
    flags: v.getUint16(off + 12, true),
    next: v.getUint16(off + 14, true),
  };
}
