import type { MemoryRegion, VringLayout } from '@rpmsg/virtio';
import {
  needEvent,
  VirtioError,
  type VirtioErrorCode,
  VRING_AVAIL_F_NO_INTERRUPT,
  VRING_DESC_F_WRITE,
  VRING_USED_F_NO_NOTIFY,
  vringLayout,
} from '@rpmsg/virtio';

const TWO_32 = 4294967296;

/** Options of a {@link MasterQueue}. */
export interface MasterQueueOptions {
  /** Shared RAM holding the ring and the buffers. */
  memory: MemoryRegion;
  /** Device address of the ring. */
  addr: number;
  /** Ring size = buffers on this ring. */
  num: number;
  /** Used-ring alignment. */
  align: number;
  /** VIRTIO_RING_F_EVENT_IDX in use. */
  eventIdx: boolean;
  /** Device address of this ring's buffer 0; buffer k is at `firstBuffer + k * bufferSize`. */
  firstBuffer: number;
  /** Bytes per buffer. */
  bufferSize: number;
}

/**
 * The driver (master) side of one RPMsg vring with one fixed descriptor per buffer: descriptor k always
 * describes buffer k of this ring, as RPMsg-Lite does (`rpmsg_lite_master_init`) and as the shared
 * vectors show. That is what lets a master pre-fill vq1's used ring with its TX buffers (RPMsg-Lite) and
 * adopt a ring already in use (a restarted master, an image taken from another implementation) —
 * things the free-list `VirtqueueDriver` of `@rpmsg/virtio` cannot express — while the wire format and
 * the index/flag/event-idx protocol stay exactly the split-ring one (virtio 1.2 §2.7, Linux
 * `virtio_ring.c`). The index `k` doubles as the token, so nothing is allocated per buffer.
 *
 * Everything read back from the ring (used.idx, used elements) is validated; a bad value throws a
 * `VirtioError` and marks the queue broken (Linux `BAD_RING`).
 */
export class MasterQueue {
  /** Ring size. */
  readonly num: number;
  /** Ring geometry. */
  readonly layout: VringLayout;
  /** Used element `len` of the buffer the last {@link getUsed} returned (untrusted). */
  lastLen = 0;
  readonly #memory: MemoryRegion;
  readonly #view: DataView;
  readonly #ring: number;
  readonly #eventIdx: boolean;
  readonly #firstBuffer: number;
  readonly #bufferSize: number;
  readonly #outstanding: Uint8Array;
  #availShadow = 0;
  #kicked = 0;
  #lastUsed = 0;
  /** used.idx as last loaded and validated: while ahead of lastUsed, no need to read the index word. */
  #usedSeen = 0;
  #count = 0;
  #flags = 0;
  #broken = false;

  /** Places the ring (does not touch memory: see {@link reset} and {@link adopt}). */
  constructor(options: MasterQueueOptions) {
    this.num = options.num;
    this.layout = vringLayout(options.num, options.align);
    this.#memory = options.memory;
    this.#view = options.memory.view;
    this.#ring = options.memory.offsetOf(options.addr, this.layout.size);
    this.#eventIdx = options.eventIdx;
    this.#firstBuffer = options.firstBuffer;
    this.#bufferSize = options.bufferSize;
    options.memory.offsetOf(options.firstBuffer, options.num * options.bufferSize);
    this.#outstanding = new Uint8Array(options.num);
  }

  /** True after a bad ring was seen. */
  get isBroken(): boolean {
    return this.#broken;
  }

  /** Buffers on the ring (posted and not taken back). */
  get outstanding(): number {
    return this.#count;
  }

  /** avail.idx or used.idx as memory holds it now (Atomics load). */
  readIndex(part: 'avail' | 'used'): number {
    return this.#memory.load16(this.#ring + this.layout[part] + 2);
  }

  /** True when buffer `k` is on the ring (posted and not taken back). */
  isOutstanding(k: number): boolean {
    return this.#outstanding[k] === 1;
  }

  /** Zeroes the ring (Linux zeroes vring memory before use, DESIGN §7) and forgets every buffer. */
  reset(): void {
    this.#memory.bytes.fill(0, this.#ring, this.#ring + this.layout.size);
    this.#outstanding.fill(0);
    this.#availShadow = this.#kicked = this.#lastUsed = this.#usedSeen = this.#count = this.#flags = 0;
    this.#broken = false;
  }

  /**
   * RPMsg-Lite's master start-up for vq1: every buffer's descriptor written (WRITE, whole buffer)
   * and put on the *used* ring, used.idx = num, avail.idx left at 0 — the master then takes TX
   * buffers from the used ring (`virtqueue_fill_used_buffers`, vectors 00-init).
   */
  prefillUsed(): void {
    const usedRing = this.#ring + this.layout.usedRing;
    for (let k = 0; k < this.num; k++) {
      this.#writeDesc(k, this.#bufferSize, VRING_DESC_F_WRITE);
      this.#view.setUint32(usedRing + 8 * k, k, true);
      this.#view.setUint32(usedRing + 8 * k + 4, this.#bufferSize, true);
      this.#outstanding[k] = 1;
    }
    this.#count = this.num;
    // Atomics.store: the descriptors and used elements above are visible once used.idx is.
    this.#memory.store16(this.#ring + this.layout.used + 2, this.num);
  }

  /**
   * Takes over a ring in use without touching it: avail.idx is where the driver left it, the
   * consumer cursor is `lastUsed`, and the buffers on the ring are the last `inFlight` avail
   * entries (or all of them). Every descriptor on the ring must point at its own buffer.
   *
   * @throws {VirtioError} ERR_VIRTQ_USED_IDX / ERR_VIRTQ_DESC_INDEX / ERR_VIRTQ_ADDR when the ring does not add up
   */
  adopt(lastUsed: number, inFlight: number | 'all'): void {
    this.#outstanding.fill(0);
    this.#broken = false;
    const availIdx = this.#memory.load16(this.#ring + this.layout.avail + 2);
    this.#availShadow = this.#kicked = availIdx;
    this.#lastUsed = this.#usedSeen = lastUsed & 0xffff;
    this.#flags = this.#memory.load16(this.#ring + this.layout.avail);
    if (inFlight === 'all') {
      this.#outstanding.fill(1);
      this.#count = this.num;
    } else {
      if (inFlight > this.num)
        this.#fail('ERR_VIRTQ_USED_IDX', `${inFlight} buffers in flight on a ring of ${this.num}`);
      this.#count = 0;
      for (let j = 0; j < inFlight; j++) {
        const slot = (availIdx - inFlight + j) & (this.num - 1);
        const head = this.#view.getUint16(this.#ring + this.layout.availRing + 2 * slot, true);
        if (head >= this.num || this.#outstanding[head])
          this.#fail('ERR_VIRTQ_DESC_INDEX', `avail.ring[${slot}] = ${head}`);
        this.#outstanding[head] = 1;
        this.#count++;
      }
    }
    for (let k = 0; k < this.num; k++) {
      if (!this.#outstanding[k]) continue;
      const d = this.#ring + 16 * k;
      const addr = this.#view.getUint32(d, true) + this.#view.getUint32(d + 4, true) * TWO_32;
      if (addr !== this.#firstBuffer + k * this.#bufferSize) {
        this.#fail('ERR_VIRTQ_ADDR', `descriptor ${k} points at 0x${addr.toString(16)}, not at its buffer`);
      }
    }
    if (this.#pending() > this.#count)
      this.#fail('ERR_VIRTQ_USED_IDX', 'used.idx is ahead of the buffers on the ring');
  }

  /**
   * Puts buffer `k` on the avail ring with `len` bytes and `flags` (WRITE for buffers the remote fills).
   * Not published until {@link publish}.
   */
  add(k: number, len: number, flags: number): void {
    if (this.#broken) this.#fail('ERR_VIRTQ_BROKEN', 'queue is broken');
    if (this.#outstanding[k] !== 0) throw new TypeError(`buffer ${k} is already on the ring`);
    this.#writeDesc(k, len, flags);
    this.#outstanding[k] = 1;
    this.#count++;
    // Plain store: published by the Atomics.store of avail.idx in publish(). Buffers come back in
    // order, so lap after lap the same slot names the same descriptor: written only when it differs.
    const slot = this.#ring + this.layout.availRing + 2 * (this.#availShadow & (this.num - 1));
    if (this.#view.getUint16(slot, true) !== k) this.#view.setUint16(slot, k, true);
    this.#availShadow = (this.#availShadow + 1) & 0xffff;
  }

  /**
   * Publishes avail.idx and says whether the remote asked to be kicked: with EVENT_IDX
   * `needEvent(avail_event, new, old)`, else `!(used.flags & NO_NOTIFY)` (Linux
   * `virtqueue_kick_prepare_split`). False when nothing new was added.
   */
  publish(): boolean {
    const newIdx = this.#availShadow;
    const oldIdx = this.#kicked;
    if (newIdx === oldIdx) return false;
    this.#kicked = newIdx;
    // Atomics.store then Atomics.load (both seq-cst): the payload and avail slots are visible before the
    // index, and the peer's flag is read after it — the fence Linux needs before reading used.flags.
    this.#memory.store16(this.#ring + this.layout.avail + 2, newIdx);
    if (this.#eventIdx)
      return needEvent(this.#memory.load16(this.#ring + this.layout.availEvent), newIdx, oldIdx);
    return (this.#memory.load16(this.#ring + this.layout.used) & VRING_USED_F_NO_NOTIFY) === 0;
  }

  /** True when the used ring holds a buffer {@link getUsed} would return. */
  hasUsed(): boolean {
    return this.#pending() !== 0;
  }

  /**
   * Takes the next buffer back from the used ring: its index k (with {@link lastLen}), or -1 when
   * there is none.
   *
   * @throws {VirtioError} ERR_VIRTQ_USED_IDX, ERR_VIRTQ_USED_ID (breaks the queue)
   */
  getUsed(): number {
    if (this.#pending() === 0) return -1;
    const e = this.#ring + this.layout.usedRing + 8 * (this.#lastUsed & (this.num - 1));
    // Plain reads: the Atomics.load of used.idx in #pending() synchronized with the remote's publish.
    const id = this.#view.getUint32(e, true);
    if (id >= this.num || this.#outstanding[id] !== 1)
      this.#fail('ERR_VIRTQ_USED_ID', `used id ${id} is not on the ring`);
    this.lastLen = this.#view.getUint32(e + 4, true);
    this.#outstanding[id] = 0;
    this.#count--;
    this.#lastUsed = (this.#lastUsed + 1) & 0xffff;
    // Linux virtqueue_get_buf: tell the remote how far we got, unless callbacks are off.
    if (this.#eventIdx && (this.#flags & VRING_AVAIL_F_NO_INTERRUPT) === 0) {
      this.#memory.store16(this.#ring + this.layout.usedEvent, this.#lastUsed);
    }
    return id;
  }

  /** Asks the remote not to interrupt (avail.flags NO_INTERRUPT; with EVENT_IDX used_event stays behind). */
  disableCb(): void {
    this.#flags |= VRING_AVAIL_F_NO_INTERRUPT;
    if (!this.#eventIdx) this.#memory.store16(this.#ring + this.layout.avail, this.#flags);
  }

  /**
   * Re-enables interrupts, then re-checks the used ring: false when buffers are already waiting
   * (Linux `virtqueue_enable_cb`; DESIGN §5 rule 1).
   */
  enableCb(): boolean {
    this.#flags &= ~VRING_AVAIL_F_NO_INTERRUPT;
    // Store then load, both seq-cst: either the remote sees the request or we see its used.idx.
    if (this.#eventIdx) this.#memory.store16(this.#ring + this.layout.usedEvent, this.#lastUsed);
    else this.#memory.store16(this.#ring + this.layout.avail, this.#flags);
    return !this.hasUsed();
  }

  #pending(): number {
    if (this.#broken) this.#fail('ERR_VIRTQ_BROKEN', 'queue is broken');
    if (this.#usedSeen !== this.#lastUsed) return (this.#usedSeen - this.#lastUsed) & 0xffff;
    const usedIdx = this.#memory.load16(this.#ring + this.layout.used + 2);
    const pending = (usedIdx - this.#lastUsed) & 0xffff;
    if (pending > this.#count) {
      this.#fail(
        'ERR_VIRTQ_USED_IDX',
        `used.idx ${usedIdx} is ${pending} ahead, only ${this.#count} buffers out`,
      );
    }
    this.#usedSeen = usedIdx;
    return pending;
  }

  #writeDesc(k: number, len: number, flags: number): void {
    const d = this.#ring + 16 * k;
    // Descriptor k always describes buffer k. Only the fields that changed are stored: a descriptor
    // re-posted as it was (an RX buffer, a message of the length before) leaves its cache line shared
    // with the remote, which reads it next — a store would take the line away from the remote's cache
    // for nothing. The bytes in memory are the same.
    const view = this.#view;
    const addr = this.#firstBuffer + k * this.#bufferSize;
    if (view.getUint32(d, true) + view.getUint32(d + 4, true) * TWO_32 !== addr) {
      view.setUint32(d, addr % TWO_32, true);
      view.setUint32(d + 4, Math.floor(addr / TWO_32), true);
    }
    if (view.getUint32(d + 8, true) !== len) view.setUint32(d + 8, len, true);
    if (view.getUint32(d + 12, true) !== flags) view.setUint32(d + 12, flags, true); // flags, next = 0
  }

  #fail(code: VirtioErrorCode, message: string): never {
    this.#broken = true;
    throw new VirtioError(code, message, { limit: this.num });
  }
}
