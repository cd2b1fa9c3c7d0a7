import { VirtioError, type VirtioErrorCode, type VirtioErrorDetails } from './errors.js';
import { needEvent, VRING_AVAIL_F_NO_INTERRUPT, VRING_USED_F_NO_NOTIFY, type VringLayout } from './layout.js';
import type { MemoryRegion } from './memory.js';
import { brokenError, placeRing, type VirtqueueOptions } from './queue.js';

/** What every driver needs to place its ring. */
export type DriverRingOptions = Pick<
  VirtqueueOptions,
  'memory' | 'addr' | 'num' | 'align' | 'eventIdx' | 'notify'
>;

/**
 * The driver side of the split-ring protocol (virtio 1.2 §2.7, Linux `virtio_ring.c`), shared by
 * `VirtqueueDriver` (free-list chains with tokens) and `FixedVirtqueueDriver` (descriptor k describes
 * buffer k): the avail ring and avail.idx, the used ring and used.idx, notification suppression both
 * ways (flags and event idx), and the broken mark. Which descriptors a head stands for is the subclass's
 * business; this class knows heads only. Not constructed directly.
 *
 * - Adds are published in batches: `kickPrepare()` stores avail.idx once for everything added since.
 * - used.idx is re-read only when the entries seen at the last read are used up, so the cache line the
 *   device keeps writing is touched once per batch (vhost caches avail_idx the same way).
 * - Avail slots (and, in the subclasses, descriptors) are stored only where they change; the bytes in
 *   memory are exactly what storing them would have written.
 * - Everything read from the ring is validated; a bad value throws `VirtioError` and breaks the queue
 *   (Linux `BAD_RING`) until `reset()`. What reads the ring or adds to it then throws
 *   `ERR_VIRTQ_BROKEN`; `kickPrepare()`, `disableCb()` and detaching read nothing untrusted and go on.
 *
 * The protocol state is private to this class; subclasses reach it through protected steps (internal,
 * not API), so a hot path is field accesses on one object, with no dispatch and no allocation. (A
 * separate ring object shared by composition measured 5–20 % slower: every access took an extra hop.)
 */
export abstract class DriverRing {
  /** Queue size. */
  readonly num: number;
  /** Byte offsets of the ring parts, relative to the ring start. */
  readonly layout: VringLayout;
  /** VIRTIO_RING_F_EVENT_IDX negotiated. */
  readonly eventIdx: boolean;
  /** The region holding the ring. */
  readonly memory: MemoryRegion;
  /** Device address of the ring. */
  readonly addr: number;
  /** Used element `len` of the buffer the last `getBuf()` returned. */
  lastLen = 0;

  /** @internal DataView of the region. */
  protected readonly view: DataView;
  /** @internal Region byte offset of descriptor 0. */
  protected readonly desc: number;
  /** @internal 1 while descriptor `head` heads a buffer on the ring (added and not taken back). */
  protected readonly live: Uint8Array;

  readonly #notify: (() => void) | undefined;
  readonly #mask: number;
  readonly #start: number;
  readonly #availFlags: number;
  readonly #availIdx: number;
  readonly #availRing: number;
  readonly #usedEvent: number;
  readonly #usedFlags: number;
  readonly #usedIdx: number;
  readonly #usedRing: number;
  readonly #availEvent: number;
  #outstanding = 0;
  /** avail.idx including the entries added since the last publish. */
  #availShadow = 0;
  /** avail.idx as last published. */
  #kicked = 0;
  /** used.idx up to which used entries were taken back. */
  #lastUsed = 0;
  /** used.idx as last loaded and validated: while ahead of #lastUsed, no need to read the index word. */
  #usedSeen = 0;
  /** avail.flags as this driver means it (NO_INTERRUPT while callbacks are off). */
  #flags = 0;
  #broken = false;

  /**
   * Places the ring. Does not touch memory: `reset()` zeroes a fresh ring.
   * @throws RangeError for bad num/align; VirtioError ERR_VIRTQ_LAYOUT when the ring does not fit.
   */
  protected constructor(options: DriverRingOptions) {
    const { layout, ring } = placeRing(options);
    this.num = options.num;
    this.layout = layout;
    this.eventIdx = options.eventIdx ?? false;
    this.memory = options.memory;
    this.addr = options.addr;
    this.view = options.memory.view;
    this.desc = ring + layout.desc;
    this.live = new Uint8Array(options.num);
    this.#notify = options.notify;
    this.#mask = options.num - 1;
    this.#start = ring;
    this.#availFlags = ring + layout.avail;
    this.#availIdx = ring + layout.avail + 2;
    this.#availRing = ring + layout.availRing;
    this.#usedEvent = ring + layout.usedEvent;
    this.#usedFlags = ring + layout.used;
    this.#usedIdx = ring + layout.used + 2;
    this.#usedRing = ring + layout.usedRing;
    this.#availEvent = ring + layout.availEvent;
  }

  /** Buffers on the ring: added (pre-filled, adopted) and not taken back yet. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** True after a bad ring was seen, until `reset()` (or, on the fixed driver, `adopt()`). */
  get isBroken(): boolean {
    return this.#broken;
  }

  /**
   * Zeroes the ring memory (Linux zeroes vring memory before use) and forgets every buffer: a fresh
   * queue. The device must be stopped.
   */
  reset(): void {
    this.memory.bytes.fill(0, this.#start, this.#start + this.layout.size);
    this.live.fill(0);
    this.#outstanding = 0;
    this.#availShadow = 0;
    this.#kicked = 0;
    this.#lastUsed = 0;
    this.#usedSeen = 0;
    this.#flags = 0;
    this.#broken = false;
    this.lastLen = 0;
  }

  /**
   * Publishes the buffers added since the last call (avail.idx) and says whether the device asked for a
   * kick: with EVENT_IDX `needEvent(avail_event, new, old)`, otherwise `!(used.flags & NO_NOTIFY)` (Linux
   * `virtqueue_kick_prepare_split`, virtio 1.2 §2.7.13.4). False, and nothing stored, when nothing was
   * added. Never throws: it reads nothing that needs validating (on a broken queue it publishes what was
   * added before the break).
   */
  kickPrepare(): boolean {
    const newIdx = this.#availShadow;
    const oldIdx = this.#kicked;
    if (newIdx === oldIdx) return false;
    this.#kicked = newIdx;
    // Atomics.store (seq-cst): descriptors and avail slots written before become visible no later than
    // the new index, and the load of the device's flag/event below cannot move before it — the
    // store/load fence Linux puts in virtio_mb() before reading avail_event / used.flags.
    this.memory.store16(this.#availIdx, newIdx);
    if (this.eventIdx) return needEvent(this.memory.load16(this.#availEvent), newIdx, oldIdx);
    return (this.memory.load16(this.#usedFlags) & VRING_USED_F_NO_NOTIFY) === 0;
  }

  /** `kickPrepare()` and, if the device wants it, `notify()`. @returns whether the device was notified. */
  kick(): boolean {
    if (!this.kickPrepare()) return false;
    this.notify();
    return true;
  }

  /** Rings the device's doorbell unconditionally (`options.notify`). */
  notify(): void {
    this.#notify?.();
  }

  /**
   * True when the used ring holds a buffer `getBuf()` would return.
   * @throws VirtioError ERR_VIRTQ_USED_IDX (breaks the queue) or ERR_VIRTQ_BROKEN.
   */
  hasUsed(): boolean {
    return this.#pending() !== 0;
  }

  /**
   * How many buffers the device has returned that `getBuf()` has not taken yet — for an RPMsg master,
   * the TX buffers it could take back now. Reads used.idx now and validates it as `hasUsed()` does;
   * takes nothing.
   * @throws VirtioError ERR_VIRTQ_USED_IDX (breaks the queue) or ERR_VIRTQ_BROKEN.
   */
  numUsed(): number {
    this.assertUsable();
    return this.loadUsed();
  }

  /**
   * Asks the device not to interrupt: avail.flags NO_INTERRUPT. With EVENT_IDX avail.flags is left alone
   * (virtio 1.2 §2.7.7.1: the driver MUST keep it 0) and used_event simply stops moving.
   */
  disableCb(): void {
    if ((this.#flags & VRING_AVAIL_F_NO_INTERRUPT) !== 0) return; // stored already: only the driver writes it
    this.#flags |= VRING_AVAIL_F_NO_INTERRUPT;
    // Stored only when it changes: avail.flags shares a cache line with avail.idx, which a polling
    // device reads all the time; a store on every poll would take that line from it each time.
    if (!this.eventIdx) this.memory.store16(this.#availFlags, this.#flags);
  }

  /**
   * Re-enables interrupts (clears NO_INTERRUPT; with EVENT_IDX writes used_event = last used idx), then
   * re-checks the used ring: false when buffers are already waiting — poll again instead of sleeping
   * (Linux `virtqueue_enable_cb`; docs/architecture.md, "Threads and notifications", rule 1).
   * @throws VirtioError ERR_VIRTQ_USED_IDX (breaks the queue), or ERR_VIRTQ_BROKEN (after the store).
   */
  enableCb(): boolean {
    this.#flags &= ~VRING_AVAIL_F_NO_INTERRUPT;
    // Store then load, both seq-cst: either the device sees the request or we see its used.idx. Entries
    // already seen need no load: they are there whatever the device does next.
    if (this.eventIdx) this.memory.store16(this.#usedEvent, this.#lastUsed);
    else this.memory.store16(this.#availFlags, this.#flags);
    return this.#pending() === 0;
  }

  /**
   * Like `enableCb()`, but with EVENT_IDX asks for an interrupt only once ~3/4 of the buffers on the ring
   * are used (Linux `virtqueue_enable_cb_delayed`). False when that many are used already.
   * @throws VirtioError ERR_VIRTQ_USED_IDX (breaks the queue) or ERR_VIRTQ_BROKEN.
   */
  enableCbDelayed(): boolean {
    this.assertUsable();
    if (!this.eventIdx) return this.enableCb();
    this.#flags &= ~VRING_AVAIL_F_NO_INTERRUPT;
    const bufs = Math.floor((this.#outstanding * 3) / 4);
    this.memory.store16(this.#usedEvent, (this.#lastUsed + bufs) & 0xffff);
    // A fresh load, not the entries seen before: the device may have published more since, and sleeping
    // with more than `bufs` used would wait for an interrupt it has already decided not to send.
    return this.loadUsed() <= bufs;
  }

  /** @internal @throws VirtioError ERR_VIRTQ_BROKEN when broken. */
  protected assertUsable(): void {
    if (this.#broken) throw brokenError('driver');
  }

  /**
   * @internal Marks `head` live and writes it into the next avail slot, not yet published. Stored only
   * when the slot holds another head: buffers taken back in order make the same slot name the same head
   * lap after lap, and an unchanged line stays shared with the device, which reads it next.
   */
  protected putAvail(head: number): void {
    this.live[head] = 1;
    this.#outstanding++;
    // A plain store: published by the Atomics.store of avail.idx in kickPrepare().
    const slot = this.#availRing + 2 * (this.#availShadow & this.#mask);
    if (this.view.getUint16(slot, true) !== head) this.view.setUint16(slot, head, true);
    this.#availShadow = (this.#availShadow + 1) & 0xffff;
  }

  /**
   * @internal Takes the next used element back: its head, with `lastLen` set, or -1 when none is
   * pending; with EVENT_IDX and callbacks on, used_event follows. With `lenLimit`, a `len` above
   * `lenLimit[head]` is refused; without, `len` is the caller's to judge.
   * @throws VirtioError ERR_VIRTQ_USED_IDX, ERR_VIRTQ_USED_ID (id ≥ num or not a live head),
   * ERR_VIRTQ_USED_LEN — each breaks the queue, leaving the element where it is — or ERR_VIRTQ_BROKEN.
   */
  protected takeUsed(lenLimit: Float64Array | null): number {
    if (this.#pending() === 0) return -1;
    const view = this.view;
    const elem = this.#usedRing + 8 * (this.#lastUsed & this.#mask);
    // Plain reads: the Atomics.load of used.idx that counted this entry synchronized with the device's
    // publish.
    const id = view.getUint32(elem, true);
    if (id >= this.num || this.live[id] !== 1) this.#badUsedId(id);
    const len = view.getUint32(elem + 4, true);
    if (lenLimit !== null && len > lenLimit[id]!) this.#badUsedLen(id, len, lenLimit[id]!);
    this.lastLen = len;
    this.live[id] = 0;
    this.#outstanding--;
    this.#lastUsed = (this.#lastUsed + 1) & 0xffff;
    // Linux virtqueue_get_buf_ctx_split: tell the device how far we got unless callbacks are off. Atomics
    // so the device's next shouldNotify() (a load after its used.idx store) sees it.
    if (this.eventIdx && (this.#flags & VRING_AVAIL_F_NO_INTERRUPT) === 0) {
      this.memory.store16(this.#usedEvent, this.#lastUsed);
    }
    return id;
  }

  /** @internal Takes `head` off the ring without the device (after it stopped). Memory untouched. */
  protected detach(head: number): void {
    this.live[head] = 0;
    this.#outstanding--;
  }

  /**
   * @internal Puts heads 0..num−1 on the used ring, in order, each with `len`, and publishes used.idx past
   * them, as a device returning every buffer would (RPMsg-Lite's master pre-fills vq1 so). The caller
   * has written the descriptors and checked that no buffer is on the ring.
   */
  protected fillUsed(len: number): void {
    const view = this.view;
    for (let k = 0; k < this.num; k++) {
      const elem = this.#usedRing + 8 * ((this.#lastUsed + k) & this.#mask);
      view.setUint32(elem, k, true);
      view.setUint32(elem + 4, len, true);
    }
    this.live.fill(1);
    this.#outstanding = this.num;
    // Atomics.store: the descriptors and used elements written before are visible once used.idx is.
    this.memory.store16(this.#usedIdx, (this.#lastUsed + this.num) & 0xffff);
  }

  /**
   * @internal Takes over the indices of a ring in use without writing to it: avail.idx as the previous
   * driver left it, the used cursor `lastUsed`, avail.flags as the callback state, and as the heads on
   * the ring the last `inFlight` avail entries, or every head with `'all'`. Clears the broken mark. The
   * caller checks the descriptors of the live heads, then calls {@link loadUsed}.
   * @throws VirtioError ERR_VIRTQ_USED_IDX (more than num in flight) or ERR_VIRTQ_DESC_INDEX (an avail
   * entry ≥ num or named twice), each breaking the queue.
   */
  protected adoptRing(lastUsed: number, inFlight: number | 'all'): void {
    const live = this.live;
    const num = this.num;
    live.fill(0);
    this.#broken = false;
    const availIdx = this.memory.load16(this.#availIdx);
    this.#availShadow = this.#kicked = availIdx;
    this.#lastUsed = this.#usedSeen = lastUsed & 0xffff;
    this.#flags = this.memory.load16(this.#availFlags);
    if (inFlight === 'all') {
      live.fill(1);
      this.#outstanding = num;
      return;
    }
    // The count comes from ring indices (avail.idx − used.idx), so too many is a ring error.
    if (inFlight > num) {
      this.fail('ERR_VIRTQ_USED_IDX', `${inFlight} buffers in flight on a ring of ${num}`, {
        value: inFlight,
        limit: num,
      });
    }
    this.#outstanding = 0;
    for (let j = 0; j < inFlight; j++) {
      const slot = (availIdx - inFlight + j) & this.#mask;
      const head = this.view.getUint16(this.#availRing + 2 * slot, true);
      if (head >= num || live[head] !== 0) {
        this.fail('ERR_VIRTQ_DESC_INDEX', `avail.ring[${slot}] = ${head}: not a buffer, or named twice`, {
          index: head,
          limit: num,
        });
      }
      live[head] = 1;
      this.#outstanding++;
    }
  }

  /**
   * @internal Loads used.idx (Atomics: pairs with the device's Atomics.store, so the used elements before
   * it are readable), validates it and returns the entries not yet taken back.
   * @throws VirtioError ERR_VIRTQ_USED_IDX (breaks the queue): the device returned more buffers than are
   * on the ring.
   */
  protected loadUsed(): number {
    const usedIdx = this.memory.load16(this.#usedIdx);
    const pending = (usedIdx - this.#lastUsed) & 0xffff;
    if (pending > this.#outstanding) this.#badUsedIdx(usedIdx, pending);
    this.#usedSeen = usedIdx;
    return pending;
  }

  /** @internal Marks the queue broken (Linux BAD_RING(): unusable until reset) and throws. */
  protected fail(code: VirtioErrorCode, message: string, details: VirtioErrorDetails): never {
    this.#broken = true;
    throw new VirtioError(code, message, details);
  }

  // The errors of the used ring, built apart so the hot paths above stay small enough to inline.

  #badUsedIdx(usedIdx: number, pending: number): never {
    this.fail(
      'ERR_VIRTQ_USED_IDX',
      `used.idx ${usedIdx} is ${pending} ahead, only ${this.#outstanding} out`,
      {
        index: usedIdx,
        limit: this.#outstanding,
      },
    );
  }

  #badUsedId(id: number): never {
    this.fail('ERR_VIRTQ_USED_ID', `used id ${id} is not a buffer on the ring`, {
      index: id,
      limit: this.num,
    });
  }

  #badUsedLen(id: number, len: number, limit: number): never {
    this.fail('ERR_VIRTQ_USED_LEN', `used len ${len} exceeds the ${limit} bytes of buffer ${id}`, {
      index: id,
      length: len,
      limit,
    });
  }

  /** Validated number of used entries not yet taken back; reads used.idx only when those seen are used up. */
  #pending(): number {
    if (this.#broken) throw brokenError('driver');
    if (this.#usedSeen !== this.#lastUsed) return (this.#usedSeen - this.#lastUsed) & 0xffff;
    return this.loadUsed();
  }
}
