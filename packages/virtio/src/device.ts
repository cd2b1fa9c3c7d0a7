import type { DescriptorChain } from './descriptor.js';
import { type ChainRing, walkChain } from './device-chain.js';
import { VirtioError, type VirtioErrorCode, type VirtioErrorDetails } from './errors.js';
import { needEvent, VRING_AVAIL_F_NO_INTERRUPT, VRING_USED_F_NO_NOTIFY, type VringLayout } from './layout.js';
import type { MemoryRegion } from './memory.js';
import { brokenError, placeRing, type VirtqueueOptions } from './queue.js';

/** Options of `VirtqueueDevice.resync`. */
export interface ResyncOptions {
  /**
   * The driver keeps used.idx `num` ahead of avail.idx, as RPMsg-Lite's master does on vring 1 after
   * pre-filling the used ring with its TX buffers (docs/interop.md#bring-up): take nextAvail = used.idx − num.
   */
  availBehindUsed?: boolean;
}

/**
 * The device (back-end) side of a split virtqueue — what Linux vhost, vm-virtio's `Queue` or RPMsg-Lite's
 * remote do. It pops chains the driver made available (`popAvail`), returns them on the used ring
 * (`pushUsed` + `publishUsed`, or `addUsed`) and decides whether to interrupt the driver (`shouldNotify`).
 *
 * The ring is written by another core and is distrusted: avail.idx may not run more than num ahead, heads
 * and `next` links must be < num, walks are bounded by num so loops end, every buffer and indirect table
 * must lie inside the region. A violation throws `VirtioError` and breaks the queue until `reset()` or
 * `resync()`. Readable segments after writable ones are refused (`ERR_VIRTQ_DESC_ORDER`, as Linux vhost
 * does); the WRITE flag itself is only reported, never judged — RPMsg peers set it on every buffer.
 */
export class VirtqueueDevice {
  /** Queue size. */
  readonly num: number;
  /** Byte offsets of the ring parts, relative to the ring start. */
  readonly layout: VringLayout;
  /** VIRTIO_RING_F_EVENT_IDX negotiated. */
  readonly eventIdx: boolean;
  /** VIRTIO_RING_F_INDIRECT_DESC negotiated. */
  readonly indirect: boolean;
  /** The region holding the ring. */
  readonly memory: MemoryRegion;
  /** Device address of the ring. */
  readonly addr: number;

  readonly #memory: MemoryRegion;
  readonly #view: DataView;
  readonly #mask: number;
  readonly #ring: ChainRing;
  readonly #availFlags: number;
  readonly #availIdx: number;
  readonly #availRing: number;
  readonly #usedEvent: number;
  readonly #usedFlags: number;
  readonly #usedIdx: number;
  readonly #usedRing: number;
  readonly #availEvent: number;
  #nextAvail = 0;
  /**
   * avail.idx as last loaded (and validated). While it is ahead of nextAvail there is work without
   * touching the index word, which the driver's core keeps writing (vhost's cached avail_idx).
   */
  #availSeen = 0;
  #nextUsed = 0;
  #published = 0;
  #signalled = 0;
  #inFlight = 0;
  #broken = false;
  /** used.flags holds NO_NOTIFY, stored by this object (only the device writes used.flags). */
  #noNotify = false;

  /**
   * Attaches to a ring at `options.addr`; cursors start at 0 (use `resync()` for a ring already in use).
   * @throws RangeError for bad num/align; VirtioError ERR_VIRTQ_LAYOUT when the ring does not fit.
   */
  constructor(options: VirtqueueOptions) {
    const { layout, ring } = placeRing(options);
    this.num = options.num;
    this.layout = layout;
    this.eventIdx = options.eventIdx ?? false;
    this.indirect = options.indirect ?? false;
    this.memory = options.memory;
    this.addr = options.addr;
    this.#memory = options.memory;
    this.#view = options.memory.view;
    this.#mask = options.num - 1;
    this.#ring = {
      num: this.num,
      indirect: this.indirect,
      memory: options.memory,
      view: options.memory.view,
      desc: ring + layout.desc,
    };
    this.#availFlags = ring + layout.avail;
    this.#availIdx = ring + layout.avail + 2;
    this.#availRing = ring + layout.availRing;
    this.#usedEvent = ring + layout.usedEvent;
    this.#usedFlags = ring + layout.used;
    this.#usedIdx = ring + layout.used + 2;
    this.#usedRing = ring + layout.usedRing;
    this.#availEvent = ring + layout.availEvent;
  }

  /** Free-running index of the next avail entry to pop (u16). */
  get nextAvail(): number {
    return this.#nextAvail;
  }

  /** Free-running index of the next used entry to write (u16); published up to here by `publishUsed()`. */
  get nextUsed(): number {
    return this.#nextUsed;
  }

  /** Chains popped and not yet pushed back. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** True after a bad ring was seen; every operation then throws ERR_VIRTQ_BROKEN until reset/resync. */
  get isBroken(): boolean {
    return this.#broken;
  }

  /** Cursors back to 0 and the broken mark cleared, for a ring the driver has just reset. Memory untouched. */
  reset(): void {
    this.#nextAvail = 0;
    this.#availSeen = 0;
    this.#nextUsed = 0;
    this.#published = 0;
    this.#signalled = 0;
    this.#inFlight = 0;
    this.#broken = false;
    this.#noNotify = false; // whatever the ring holds, the next disableNotification() stores it
  }

  /**
   * For a restarted device on a ring already in use (docs/interop.md#restart-and-resync: never assume 0): takes nextUsed from
   * used.idx and nextAvail = nextUsed (or nextUsed − num with `availBehindUsed`), clears the broken mark.
   * Assumes the previous instance returned buffers in the order it popped them (true for RPMsg); chains
   * it popped but never returned are then popped again, so the new instance can finish them.
   */
  resync(options: ResyncOptions = {}): void {
    const used = this.#memory.load16(this.#usedIdx);
    this.reset();
    this.#nextUsed = used;
    this.#published = used;
    this.#signalled = used;
    this.#nextAvail = options.availBehindUsed ? (used - this.num) & 0xffff : used;
    this.#availSeen = this.#nextAvail;
  }

  /**
   * True when the driver has made a chain available that was not popped yet.
   * @throws VirtioError ERR_VIRTQ_AVAIL_IDX (breaks the queue) when avail.idx is more than num − inFlight
   * ahead of nextAvail (Linux vhost "Guest moved avail index"); ERR_VIRTQ_BROKEN when broken.
   */
  hasAvail(): boolean {
    this.#assertUsable();
    // Entries seen at the last load and not popped yet: already validated, no need to read the index.
    if (this.#availSeen !== this.#nextAvail) return true;
    return this.#loadAvail() !== 0;
  }

  /**
   * How many chains the driver has made available that were not popped yet — for an RPMsg remote, the
   * TX buffers it can still take. Reads avail.idx now (not the entries seen at the last read) and
   * validates it as `hasAvail()` does.
   * @throws VirtioError ERR_VIRTQ_AVAIL_IDX (breaks the queue) or ERR_VIRTQ_BROKEN.
   */
  numAvail(): number {
    this.#assertUsable();
    return this.#loadAvail();
  }

  /**
   * Pops the next available chain into `chain` (reused: no allocation). Returns false when none is
   * available. Indirect tables are followed when negotiated.
   * @throws RangeError if `chain.capacity < num`; VirtioError (breaking the queue) ERR_VIRTQ_AVAIL_IDX,
   * ERR_VIRTQ_DESC_INDEX, ERR_VIRTQ_CHAIN_LOOP, ERR_VIRTQ_CHAIN_LEN, ERR_VIRTQ_DESC_ORDER, ERR_VIRTQ_ADDR,
   * ERR_VIRTQ_INDIRECT; ERR_VIRTQ_BROKEN when broken.
   */
  popAvail(chain: DescriptorChain): boolean {
    if (chain.capacity < this.num) throw new RangeError(`chain capacity ${chain.capacity} < num ${this.num}`);
    if (!this.hasAvail()) return false;
    const head = this.#view.getUint16(this.#availRing + 2 * (this.#nextAvail & this.#mask), true);
    if (head >= this.num) {
      this.#fail('ERR_VIRTQ_DESC_INDEX', `avail head ${head} ≥ num`, { index: head, limit: this.num });
    }
    chain.clear(head);
    try {
      walkChain(this.#ring, chain, head);
    } catch (err) {
      if (err instanceof VirtioError) this.#broken = true; // Linux BAD_RING()
      throw err;
    }
    this.#nextAvail = (this.#nextAvail + 1) & 0xffff;
    this.#inFlight++;
    return true;
  }

  /**
   * Writes a used element `{ id: head, len }` (bytes written into the chain). Not visible to the driver
   * until `publishUsed()`, so a batch costs one index store.
   * @throws RangeError for head ∉ 0..num−1, len not u32, or more than num unpublished entries.
   */
  pushUsed(head: number, len: number): void {
    this.#assertUsable();
    if (!(head >>> 0 === head && head < this.num))
      throw new RangeError(`head must be 0..${this.num - 1}, got ${head}`);
    if (len >>> 0 !== len) throw new RangeError(`len must be an integer in 0..2^32-1, got ${len}`);
    if (((this.#nextUsed - this.#published) & 0xffff) >= this.num) {
      throw new RangeError('publishUsed() before pushing more than num used entries');
    }
    const slot = this.#usedRing + 8 * (this.#nextUsed & this.#mask);
    // Stored only where it differs: a driver that posts in order gets the same {id, len} in the same
    // slot lap after lap, and an unchanged line stays shared with the driver, which reads it next.
    const view = this.#view;
    if (view.getUint32(slot, true) !== head) view.setUint32(slot, head, true);
    if (view.getUint32(slot + 4, true) !== len) view.setUint32(slot + 4, len, true);
    this.#nextUsed = (this.#nextUsed + 1) & 0xffff;
    if (this.#inFlight > 0) this.#inFlight--;
  }

  /** Publishes the used elements pushed so far (used.idx). */
  publishUsed(): void {
    this.#assertUsable();
    // Atomics.store (seq-cst): the used elements and the payload bytes written into the buffers become
    // visible no later than the index; and shouldNotify()'s later load cannot move before it.
    this.#memory.store16(this.#usedIdx, this.#nextUsed);
    this.#published = this.#nextUsed;
  }

  /** `pushUsed(head, len)` then `publishUsed()`. */
  addUsed(head: number, len: number): void {
    this.pushUsed(head, len);
    this.publishUsed();
  }

  /**
   * After publishing: must the driver be interrupted? With EVENT_IDX `needEvent(used_event, new, old)`
   * where old is used.idx at the previous call (Linux vhost_notify, virtio 1.2 §2.7.10), otherwise
   * `!(avail.flags & NO_INTERRUPT)`. False when nothing was published since the previous call.
   */
  shouldNotify(): boolean {
    this.#assertUsable();
    const newIdx = this.#published;
    const oldIdx = this.#signalled;
    this.#signalled = newIdx;
    if (newIdx === oldIdx) return false;
    // Atomics.load after the Atomics.store in publishUsed(): seq-cst, the fence of docs/architecture.md#threads-and-notifications rule 3.
    if (this.eventIdx) return needEvent(this.#memory.load16(this.#usedEvent), newIdx, oldIdx);
    return (this.#memory.load16(this.#availFlags) & VRING_AVAIL_F_NO_INTERRUPT) === 0;
  }

  /**
   * Asks to be kicked again (clears used.flags NO_NOTIFY; with EVENT_IDX writes avail_event = nextAvail),
   * then re-checks the avail ring. Returns true when it is still empty — safe to sleep — and false when
   * buffers arrived meanwhile (docs/architecture.md#threads-and-notifications rule 1).
   * @throws VirtioError ERR_VIRTQ_AVAIL_IDX (breaks the queue) or ERR_VIRTQ_BROKEN.
   */
  enableNotification(): boolean {
    this.#assertUsable();
    // Atomics.store then the Atomics.load in hasAvail(): seq-cst, so either the driver sees our request
    // or we see its new avail.idx.
    if (this.eventIdx) this.#memory.store16(this.#availEvent, this.#nextAvail);
    else {
      this.#noNotify = false;
      this.#memory.store16(this.#usedFlags, 0);
    }
    return !this.hasAvail();
  }

  /**
   * Asks the driver not to kick (used.flags NO_NOTIFY). With EVENT_IDX nothing is written (virtio 1.2
   * §2.7.10.1: flags stay 0); avail_event just stays behind, so at most one more kick comes.
   */
  disableNotification(): void {
    this.#assertUsable();
    // Stored only when it changes: used.flags shares a cache line with used.idx, which a polling
    // driver reads all the time; a store on every poll would take that line from it each time.
    if (this.eventIdx || this.#noNotify) return;
    this.#noNotify = true;
    this.#memory.store16(this.#usedFlags, VRING_USED_F_NO_NOTIFY);
  }

  /** Loads and validates avail.idx; returns the entries not popped yet. */
  #loadAvail(): number {
    // Atomics.load: pairs with the driver's Atomics.store of avail.idx, so the ring slots and descriptors
    // it wrote before are visible to the plain reads in popAvail().
    const availIdx = this.#memory.load16(this.#availIdx);
    const pending = (availIdx - this.#nextAvail) & 0xffff;
    // The driver has at most num buffers out, and inFlight of them are with us already.
    if (pending + this.#inFlight > this.num) {
      this.#fail('ERR_VIRTQ_AVAIL_IDX', `avail.idx ${availIdx} is ${pending} ahead of ${this.#nextAvail}`, {
        index: availIdx,
        limit: this.num - this.#inFlight,
      });
    }
    this.#availSeen = availIdx;
    return pending;
  }

  #assertUsable(): void {
    if (this.#broken) throw brokenError('device');
  }

  #fail(code: VirtioErrorCode, message: string, details: VirtioErrorDetails): never {
    this.#broken = true; // Linux BAD_RING(): the queue is unusable until reset/resync
    throw new VirtioError(code, message, details);
  }
}
