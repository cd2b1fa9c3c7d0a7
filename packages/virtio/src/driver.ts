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
import { DriverRing } from './driver-ring.js';
import { VRING_DESC_F_WRITE, VRING_DESC_SIZE } from './layout.js';
import type { VirtqueueOptions } from './queue.js';

export type { AddBufOptions, BufferSegment } from './driver-desc.js';

/**
 * The driver (front-end) side of a split virtqueue — Linux `virtio_ring.c` in TypeScript. The driver owns
 * the buffers: it adds chains to the avail ring (`addBuf`), tells the device (`kick`), and takes them back
 * from the used ring (`getBuf`) with the token it gave.
 *
 * The free list and chain bookkeeping live in private arrays, never in ring memory, so a device that
 * scribbles on the descriptor table cannot corrupt them. Everything read from the ring (used.idx, used
 * elements) is validated; a bad value throws `VirtioError` and breaks the queue until `reset()`.
 * The index and notification protocol (`kickPrepare`, `hasUsed`, `enableCb`, …) is `DriverRing`'s, the
 * same code `FixedVirtqueueDriver` runs: used.idx is re-read only when the entries seen at the last read
 * are used up, and descriptors and avail slots are stored only where they change.
 *
 * Tokens are returned as given; if `undefined` is a valid token use `hasUsed()` before `getBuf()`.
 */
export class VirtqueueDriver<T = unknown> extends DriverRing {
  /** VIRTIO_RING_F_INDIRECT_DESC negotiated. */
  readonly indirect: boolean;
  /** Head descriptor index of the buffer returned by the last `getBuf()`. */
  lastHead = 0;

  readonly #limitIsChain: boolean;
  // Private shadow of the descriptor links: the free list, and the links of each outstanding chain.
  readonly #next: Uint16Array;
  readonly #count: Uint16Array;
  readonly #writable: Float64Array;
  readonly #total: Float64Array;
  readonly #tokens: (T | undefined)[];
  // Scratch for checkSegments(): readable, writable bytes of the buffer being added.
  readonly #sizes = new Float64Array(2);
  #freeHead = 0;
  #numFree = 0;

  /**
   * Attaches to a ring at `options.addr`. Does not touch memory: call `reset()` to zero a fresh ring
   * (Linux zeroes vring memory before use).
   * @throws RangeError for bad num/align; VirtioError ERR_VIRTQ_LAYOUT when the ring does not fit.
   */
  constructor(options: VirtqueueOptions) {
    super(options);
    this.indirect = options.indirect ?? false;
    this.#limitIsChain = options.usedLenLimit === 'chain';
    this.#next = new Uint16Array(this.num);
    this.#count = new Uint16Array(this.num);
    this.#writable = new Float64Array(this.num);
    this.#total = new Float64Array(this.num);
    this.#tokens = new Array<T | undefined>(this.num).fill(undefined);
    this.#init();
  }

  /** Free descriptors. */
  get numFree(): number {
    return this.#numFree;
  }

  /** Zeroes the ring memory and forgets all buffers: a fresh queue (the device must be stopped). */
  override reset(): void {
    super.reset();
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
    this.assertUsable();
    checkSegments(segments, this.num, this.#sizes);
    const indirectAddr = options?.indirectAddr;
    if (indirectAddr !== undefined) return this.#addIndirect(segments, token, indirectAddr);
    const n = segments.length;
    if (n > this.#numFree) throw noDescError(n, this.#numFree);
    const head = this.#freeHead;
    this.#freeHead = writeChain(this.view, this.desc, this.#next, head, segments);
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
   * Takes back the next used buffer: its token, with `lastLen` and `lastHead` set. Undefined when the used
   * ring holds nothing new (Linux `virtqueue_get_buf`).
   * @throws VirtioError ERR_VIRTQ_USED_IDX (used.idx ahead by more than the outstanding buffers),
   * ERR_VIRTQ_USED_ID (id ≥ num or not an outstanding head), ERR_VIRTQ_USED_LEN (len beyond the buffer's
   * writable bytes) — each breaks the queue; ERR_VIRTQ_BROKEN when already broken.
   */
  getBuf(): T | undefined {
    const id = this.takeUsed(this.#limitIsChain ? this.#total : this.#writable);
    if (id < 0) return undefined;
    this.lastHead = id;
    return this.#release(id);
  }

  /**
   * After the device stopped: hands back the token of one buffer still outstanding, or undefined when
   * none is left (Linux `virtqueue_detach_unused_buf`). Works on a broken queue; does not touch memory.
   */
  detachUnusedBuf(): T | undefined {
    for (let id = 0; id < this.num; id++) {
      if (this.live[id] === 1) {
        this.detach(id);
        return this.#release(id);
      }
    }
    return undefined;
  }

  #init(): void {
    initFreeList(this.#next);
    this.#tokens.fill(undefined);
    this.#freeHead = 0;
    this.#numFree = this.num;
    this.lastHead = 0;
  }

  #addOne(addr: number, len: number, token: T, flags: number): number {
    this.assertUsable();
    checkSegment(addr, len, 'addr/len');
    if (this.#numFree === 0) throw noDescError(1, this.#numFree);
    const head = this.#freeHead;
    writeDesc(this.view, this.desc + head * VRING_DESC_SIZE, addr, len, flags, 0);
    this.#freeHead = this.#next[head]!;
    this.#numFree--;
    return this.#expose(head, 1, token, flags === 0 ? 0 : len, len);
  }

  /** `addBuf` with `indirectAddr`: the checked segments (totals in #sizes) as a table, one ring desc. */
  #addIndirect(segments: readonly BufferSegment[], token: T, tableAddr: number): number {
    if (!this.indirect)
      throw new TypeError('indirectAddr needs VIRTIO_RING_F_INDIRECT_DESC (options.indirect)');
    const head = this.#freeHead;
    writeIndirect(this.memory, this.desc + head * VRING_DESC_SIZE, tableAddr, segments, this.#numFree);
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
    this.#tokens[head] = token;
    this.putAvail(head);
    return head;
  }

  /** Frees the chain at `head` (walking the private links, never ring memory) and returns its token. */
  #release(head: number): T | undefined {
    this.#next[chainTail(this.#next, head, this.#count[head]!)] = this.#freeHead;
    this.#freeHead = head;
    this.#numFree += this.#count[head]!;
    const token = this.#tokens[head];
    this.#tokens[head] = undefined;
    return token;
  }
}
