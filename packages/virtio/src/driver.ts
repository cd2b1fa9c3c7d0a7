import {
  type AddBufOptions,
  type BufferSegment,
  chainTail,
  checkSegment,
  checkSegments,
  initFreeList,
  noDescError,
  writeChain,
  writeDesc,
  writeIndirect,
} from './driver-desc.js';
import { VirtioError, type VirtioErrorCode, type VirtioErrorDetails } from './errors.js';
import {
  needEvent,
  VRING_AVAIL_F_NO_INTERRUPT,
  VRING_DESC_F_WRITE,
  VRING_DESC_SIZE,
  VRING_USED_F_NO_NOTIFY,
  type VringLayout,
} from './layout.js';
import type { MemoryRegion } from './memory.js';
import { brokenError, placeRing, type VirtqueueOptions } from './queue.js';

export type { AddBufOptions, BufferSegment } from './driver-desc.js';

/**
 * The driver (front-end) side of a split virtqueue — Linux `virtio_ring.c` in TypeScript. The driver owns
 * the buffers: it adds chains to the avail ring (`addBuf`), tells the device (`kick`), and takes them back
 * from the used ring (`getBuf`) with the token it gave.
 *
 * The free list and chain bookkeeping live in private arrays, never in ring memory, so a device that
 * scribbles on the descriptor table cannot corrupt them. Everything read from the ring (used.idx, used
 * elements) is validated; a bad value throws `VirtioError` and breaks the queue until `reset()`.
 *
 * Tokens are returned as given; if `undefined` is a valid token use `hasUsed()` before `getBuf()`.
 */
export class VirtqueueDriver<T = unknown> {
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
  /** Bytes the device wrote into the buffer returned by the last `getBuf()` (used element `len`). */
  lastLen = 0;
  /** Head descriptor index of the buffer returned by the last `getBuf()`. */
  lastHead = 0;

  readonly #view: DataView;
  readonly #memory: MemoryRegion;
  readonly #mask: number;
  readonly #desc: number;
  readonly #availFlags: number;
  readonly #availIdx: number;
  readonly #availRing: number;
  readonly #usedEvent: number;
  readonly #usedFlags: number;
  readonly #usedIdx: number;
  readonly #usedRing: number;
  readonly #availEvent: number;
  readonly #notify: (() => void) | undefined;
  readonly #limitIsChain: boolean;
  // Private shadow of the descriptor links: the free list, and the links of each outstanding chain.
  readonly #next: Uint16Array;
  readonly #count: Uint16Array;
  readonly #writable: Float64Array;
  readonly #total: Float64Array;
  readonly #live: Uint8Array;
  readonly #tokens: (T | undefined)[];
  // Scratch for checkSegments(): readable, writable bytes of the buffer being added.
  readonly #sizes = new Float64Array(2);
  #freeHead = 0;
  #numFree = 0;
  #outstanding = 0;
  #availShadow = 0;
  #kicked = 0;
  #lastUsed = 0;
  #flagsShadow = 0;
  #broken = false;

  /**
   * Attaches to a ring at `options.addr`. Does not touch memory: call `reset()` to zero a fresh ring
   * (Linux zeroes vring memory before use, DESIGN §7).
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
    this.#desc = ring + layout.desc;
    this.#availFlags = ring + layout.avail;
    this.#availIdx = ring + layout.avail + 2;
    this.#availRing = ring + layout.availRing;
    this.#usedEvent = ring + layout.usedEvent;
    this.#usedFlags = ring + layout.used;
    this.#usedIdx = ring + layout.used + 2;
    this.#usedRing = ring + layout.usedRing;
    this.#availEvent = ring + layout.availEvent;
    this.#notify = options.notify;
    this.#limitIsChain = options.usedLenLimit === 'chain';
    this.#next = new Uint16Array(this.num);
    this.#count = new Uint16Array(this.num);
    this.#writable = new Float64Array(this.num);
    this.#total = new Float64Array(this.num);
    this.#live = new Uint8Array(this.num);
    this.#tokens = new Array<T | undefined>(this.num).fill(undefined);
    this.#init();
  }

  /** Free descriptors. */
  get numFree(): number {
    return this.#numFree;
  }

  /** Buffers added and not yet taken back. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** True after a bad ring was seen; every operation then throws ERR_VIRTQ_BROKEN until `reset()`. */
  get isBroken(): boolean {
    return this.#broken;
  }

  /** Zeroes the ring memory and forgets all buffers: a fresh queue (the device must be stopped). */
  reset(): void {
    const start = this.#desc;
    this.#memory.bytes.fill(0, start, start + this.layout.size);
    this.#init();
  }

  /**
   * Adds one buffer: device-readable segments first, then device-writable ones. The avail ring entry is
   * written but not published: `kickPrepare()`/`kick()` publish a batch.
   * @returns the head descriptor index.
   * @throws VirtioError ERR_VIRTQ_NO_DESC when fewer descriptors are free than needed (queue stays usable);
   * TypeError for a readable segment after a writable one or a bad segment; RangeError for more than num
   * segments or an indirect table outside the region; VirtioError ERR_VIRTQ_BROKEN when broken.
   */
  addBuf(segments: readonly BufferSegment[], token: T, options?: AddBufOptions): number {
    this.#assertUsable();
    checkSegments(segments, this.num, this.#sizes);
    const indirectAddr = options?.indirectAddr;
    if (indirectAddr !== undefined) return this.#addIndirect(segments, token, indirectAddr);
    const n = segments.length;
    if (n > this.#numFree) throw noDescError(n, this.#numFree);
    const head = this.#freeHead;
    this.#freeHead = writeChain(this.#view, this.#desc, this.#next, head, segments);
    this.#numFree -= n;
    const writable = this.#sizes[1]!;
    return this.#expose(head, n, token, writable, this.#sizes[0]! + writable);
  }

  /** Adds a single device-readable segment (a buffer the device reads). No allocation. @see addBuf */
  addOutBuf(addr: number, len: number, token: T): number {
    return this.#addOne(addr, len, token, 0);
  }

  /** Adds a single device-writable segment (a buffer the device fills). No allocation. @see addBuf */
  addInBuf(addr: number, len: number, token: T): number {
    return this.#addOne(addr, len, token, VRING_DESC_F_WRITE);
  }

  /**
   * Publishes the buffers added since the last call (avail.idx) and says whether the device wants a kick:
   * with EVENT_IDX `needEvent(avail_event, new, old)`, otherwise `!(used.flags & NO_NOTIFY)`
   * (Linux `virtqueue_kick_prepare_split`, virtio 1.2 §2.7.13.4). False when nothing new was published.
   */
  kickPrepare(): boolean {
    this.#assertUsable();
    const newIdx = this.#availShadow;
    const oldIdx = this.#kicked;
    this.#kicked = newIdx;
    // Atomics.store (seq-cst): descriptors and avail.ring slots written above become visible no later
    // than the new index, and the load of the device's flag/event below cannot move before it — the
    // store/load fence Linux puts in virtio_mb() before reading avail_event / used.flags.
    this.#memory.store16(this.#availIdx, newIdx);
    if (newIdx === oldIdx) return false;
    if (this.eventIdx) return needEvent(this.#memory.load16(this.#availEvent), newIdx, oldIdx);
    return (this.#memory.load16(this.#usedFlags) & VRING_USED_F_NO_NOTIFY) === 0;
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
   * Takes back the next used buffer: its token, with `lastLen` and `lastHead` set. Undefined when the used
   * ring holds nothing new (Linux `virtqueue_get_buf`).
   * @throws VirtioError ERR_VIRTQ_USED_IDX (used.idx ahead by more than the outstanding buffers),
   * ERR_VIRTQ_USED_ID (id ≥ num or not an outstanding head), ERR_VIRTQ_USED_LEN (len beyond the buffer's
   * writable bytes) — each breaks the queue; ERR_VIRTQ_BROKEN when already broken.
   */
  getBuf(): T | undefined {
    if (this.#pending() === 0) return undefined;
    const view = this.#view;
    const slot = this.#usedRing + 8 * (this.#lastUsed & this.#mask);
    // Plain reads are safe: the Atomics.load of used.idx in #pending() synchronized with the device's
    // Atomics.store that published this element.
    const id = view.getUint32(slot, true);
    const len = view.getUint32(slot + 4, true);
    if (id >= this.num || this.#live[id] !== 1) {
      this.#fail('ERR_VIRTQ_USED_ID', `used id ${id} is not an outstanding buffer`, {
        index: id,
        limit: this.num,
      });
    }
    const limit = this.#limitIsChain ? this.#total[id]! : this.#writable[id]!;
    if (len > limit) {
      this.#fail('ERR_VIRTQ_USED_LEN', `used len ${len} exceeds the ${limit} bytes of buffer ${id}`, {
        index: id,
        length: len,
        limit,
      });
    }
    const token = this.#release(id);
    this.#lastUsed = (this.#lastUsed + 1) & 0xffff;
    this.lastLen = len;
    this.lastHead = id;
    // Linux virtqueue_get_buf_ctx_split: tell the device where we are unless callbacks are off. Atomics so
    // the device's next shouldNotify() (a load after its used.idx store) sees it.
    if (this.eventIdx && (this.#flagsShadow & VRING_AVAIL_F_NO_INTERRUPT) === 0) {
      this.#memory.store16(this.#usedEvent, this.#lastUsed);
    }
    return token;
  }

  /**
   * True when the used ring holds a buffer `getBuf()` would return.
   * @throws VirtioError ERR_VIRTQ_USED_IDX (breaks the queue) or ERR_VIRTQ_BROKEN.
   */
  hasUsed(): boolean {
    return this.#pending() !== 0;
  }

  /** Asks the device not to interrupt: avail.flags NO_INTERRUPT; with EVENT_IDX, stops moving used_event. */
  disableCb(): void {
    if (this.#flagsShadow & VRING_AVAIL_F_NO_INTERRUPT) return;
    this.#flagsShadow |= VRING_AVAIL_F_NO_INTERRUPT;
    // virtio 1.2 §2.7.7.1: with EVENT_IDX the driver MUST leave avail.flags 0; used_event simply stays behind.
    if (!this.eventIdx) this.#memory.store16(this.#availFlags, this.#flagsShadow);
  }

  /**
   * Re-enables device interrupts (clears NO_INTERRUPT; with EVENT_IDX writes used_event = last used idx),
   * then re-checks the used ring. Returns false if buffers are already waiting — the caller must poll
   * again instead of sleeping (Linux `virtqueue_enable_cb`). DESIGN §5 rule 1.
   * @throws VirtioError ERR_VIRTQ_USED_IDX (breaks the queue) or ERR_VIRTQ_BROKEN.
   */
  enableCb(): boolean {
    this.#assertUsable();
    this.#enableFlags();
    // Atomics.store then (in hasUsed) Atomics.load: seq-cst, so either the device sees our request or we
    // see its used.idx — never neither (the lost-wake-up race).
    if (this.eventIdx) this.#memory.store16(this.#usedEvent, this.#lastUsed);
    return !this.hasUsed();
  }

  /**
   * Like `enableCb()`, but with EVENT_IDX asks for an interrupt only after ~3/4 of the outstanding
   * buffers are used (Linux `virtqueue_enable_cb_delayed`). Returns false if that many are already used.
   */
  enableCbDelayed(): boolean {
    this.#assertUsable();
    this.#enableFlags();
    if (!this.eventIdx) return !this.hasUsed();
    const bufs = Math.floor((((this.#availShadow - this.#lastUsed) & 0xffff) * 3) / 4);
    this.#memory.store16(this.#usedEvent, (this.#lastUsed + bufs) & 0xffff);
    return this.#pending() <= bufs;
  }

  /**
   * After the device stopped: hands back the token of one buffer still outstanding, or undefined when
   * none is left (Linux `virtqueue_detach_unused_buf`). Works on a broken queue; does not touch memory.
   */
  detachUnusedBuf(): T | undefined {
    for (let id = 0; id < this.num; id++) {
      if (this.#live[id] === 1) return this.#release(id);
    }
    return undefined;
  }

  #init(): void {
    initFreeList(this.#next);
    this.#live.fill(0);
    this.#tokens.fill(undefined);
    this.#freeHead = 0;
    this.#numFree = this.num;
    this.#outstanding = 0;
    this.#availShadow = 0;
    this.#kicked = 0;
    this.#lastUsed = 0;
    this.#flagsShadow = 0;
    this.#broken = false;
    this.lastLen = 0;
    this.lastHead = 0;
  }

  #addOne(addr: number, len: number, token: T, flags: number): number {
    this.#assertUsable();
    checkSegment(addr, len, 'addr/len');
    if (this.#numFree === 0) throw noDescError(1, this.#numFree);
    const head = this.#freeHead;
    writeDesc(this.#view, this.#desc + head * VRING_DESC_SIZE, addr, len, flags, 0);
    this.#freeHead = this.#next[head]!;
    this.#numFree--;
    return this.#expose(head, 1, token, flags === 0 ? 0 : len, len);
  }

  /** `addBuf` with `indirectAddr`: the checked segments (totals in #sizes) as a table, one ring desc. */
  #addIndirect(segments: readonly BufferSegment[], token: T, tableAddr: number): number {
    if (!this.indirect)
      throw new TypeError('indirectAddr needs VIRTIO_RING_F_INDIRECT_DESC (options.indirect)');
    const head = this.#freeHead;
    writeIndirect(this.#memory, this.#desc + head * VRING_DESC_SIZE, tableAddr, segments, this.#numFree);
    this.#freeHead = this.#next[head]!;
    this.#numFree--;
    const writable = this.#sizes[1]!;
    return this.#expose(head, 1, token, writable, this.#sizes[0]! + writable);
  }

  /** Records the new chain and writes its avail.ring slot (not yet published). */
  #expose(head: number, count: number, token: T, writable: number, total: number): number {
    this.#count[head] = count;
    this.#writable[head] = writable;
    this.#total[head] = total;
    this.#live[head] = 1;
    this.#tokens[head] = token;
    this.#outstanding++;
    // A plain store: the slot is published by the Atomics.store of avail.idx in kickPrepare().
    this.#view.setUint16(this.#availRing + 2 * (this.#availShadow & this.#mask), head, true);
    this.#availShadow = (this.#availShadow + 1) & 0xffff;
    return head;
  }

  /** Frees the chain at `head` (walking the private links, never ring memory) and returns its token. */
  #release(head: number): T | undefined {
    this.#next[chainTail(this.#next, head, this.#count[head]!)] = this.#freeHead;
    this.#freeHead = head;
    this.#numFree += this.#count[head]!;
    this.#live[head] = 0;
    this.#outstanding--;
    const token = this.#tokens[head];
    this.#tokens[head] = undefined;
    return token;
  }

  /** Validated number of used entries not yet taken. */
  #pending(): number {
    this.#assertUsable();
    // Atomics.load: pairs with the device's Atomics.store of used.idx, so used elements are readable.
    const usedIdx = this.#memory.load16(this.#usedIdx);
    const pending = (usedIdx - this.#lastUsed) & 0xffff;
    // The device can only return buffers we gave it (Linux: "Buffer %u is not available"-style checks).
    if (pending > this.#outstanding) {
      this.#fail(
        'ERR_VIRTQ_USED_IDX',
        `used.idx ${usedIdx} is ${pending} ahead, only ${this.#outstanding} out`,
        {
          index: usedIdx,
          limit: this.#outstanding,
        },
      );
    }
    return pending;
  }

  #enableFlags(): void {
    if ((this.#flagsShadow & VRING_AVAIL_F_NO_INTERRUPT) === 0) return;
    this.#flagsShadow &= ~VRING_AVAIL_F_NO_INTERRUPT;
    if (!this.eventIdx) this.#memory.store16(this.#availFlags, this.#flagsShadow);
  }

  #assertUsable(): void {
    if (this.#broken) throw brokenError('driver');
  }

  #fail(code: VirtioErrorCode, message: string, details: VirtioErrorDetails): never {
    this.#broken = true; // Linux BAD_RING(): the queue is unusable until reset
    throw new VirtioError(code, message, details);
  }
}
