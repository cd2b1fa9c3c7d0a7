import { checkInteger, checkOneOf, InvalidArgValueError } from './arg-errors.js';
import { noDescError, writeDesc } from './driver-desc.js';
import { DriverRing, type DriverRingOptions } from './driver-ring.js';
import { VRING_DESC_F_WRITE, VRING_DESC_SIZE } from './layout.js';

const TWO_32 = 4294967296;
const U32_MAX = 0xffffffff;

/** Options of a {@link FixedVirtqueueDriver}: where the ring is, and where its buffers are. */
export interface FixedVirtqueueOptions extends DriverRingOptions {
  /** Device address of buffer 0; buffer k is at `firstBuffer + k * bufferSize`. */
  firstBuffer: number;
  /** Bytes per buffer (at most 2^32 − 1: a descriptor's `len` is a u32). */
  bufferSize: number;
}

/**
 * The driver side of a split virtqueue with one fixed descriptor per buffer: descriptor k always describes
 * buffer k (`firstBuffer + k * bufferSize`), as RPMsg-Lite's master does (`rpmsg_lite_master_init`). The
 * index k doubles as the token, so nothing is allocated per buffer, and it is what lets a driver
 *
 * - pre-fill the used ring with every buffer (`prefillUsed()`: RPMsg-Lite's master hands its TX buffers
 *   out through vq1's used ring), and
 * - take over a ring another driver filled (`adopt()`: a restarted master, an image written by another
 *   implementation),
 *
 * which the free-list `VirtqueueDriver` cannot express. The index, notification and validation protocol
 * is the one `VirtqueueDriver` runs — the same code (virtio 1.2 §2.7, Linux `virtio_ring.c`): adds are
 * published in batches by `kickPrepare()`, used.idx is re-read only when the entries seen at the last read
 * are used up, and descriptors and avail slots are stored only where they change. Taking buffers back
 * oldest first therefore leaves, lap after lap, the same descriptor with the same length in the same avail
 * slot — cache lines the device keeps shared instead of losing them on every message.
 *
 * Everything read from the ring (used.idx, used ids) is validated; a bad value throws `VirtioError` and
 * breaks the queue until `reset()` or `adopt()`. A used element's `len` is reported as `lastLen`
 * unchecked: it is the caller's to judge (an RPMsg master refuses one above the buffer size).
 *
 * @example
 * const rx = new FixedVirtqueueDriver({
 *   ...{ memory, addr: vq0, num: 256, align: 4096 },
 *   firstBuffer: pool, // buffer k at pool + k * 512
 *   bufferSize: 512,
 * });
 * rx.reset();
 * for (let k = 0; k < rx.num; k++) rx.addInBuf(k, 512); // every RX buffer, device-writable
 * rx.kickPrepare();
 * for (let k = rx.getBuf(); k >= 0; k = rx.getBuf()) {
 *   // buffer k holds rx.lastLen bytes the device wrote; post it again when done with it
 *   rx.addInBuf(k, 512);
 * }
 */
export class FixedVirtqueueDriver extends DriverRing {
  /** Device address of buffer 0. */
  readonly firstBuffer: number;
  /** Bytes per buffer. */
  readonly bufferSize: number;

  /**
   * Places the ring and the buffers. Does not touch memory: see `reset()`, `prefillUsed()` and `adopt()`.
   * @throws RangeError for a bad num/align; VirtioError ERR_VIRTQ_LAYOUT when the ring does not fit the
   * region or is misaligned, ERR_VIRTQ_ADDR when the buffers do not fit it; ERR_OUT_OF_RANGE /
   * ERR_INVALID_ARG_TYPE for a bad `bufferSize` or `firstBuffer`.
   */
  constructor(options: FixedVirtqueueOptions) {
    super(options);
    this.bufferSize = checkInteger('options.bufferSize', options.bufferSize, 0, U32_MAX);
    this.firstBuffer = checkInteger('options.firstBuffer', options.firstBuffer, 0, Number.MAX_SAFE_INTEGER);
    options.memory.offsetOf(this.firstBuffer, this.num * this.bufferSize);
  }

  /** Buffers (descriptors) not on the ring. */
  get numFree(): number {
    return this.num - this.outstanding;
  }

  /** True when buffer `k` is on the ring; false for any other `k`. */
  isOutstanding(k: number): boolean {
    return this.live[k] === 1;
  }

  /** avail.idx or used.idx as memory holds it now (an Atomics load; untrusted for used). */
  readIndex(part: 'avail' | 'used'): number {
    if (part !== 'avail' && part !== 'used') checkOneOf('part', part, ['avail', 'used']);
    return this.memory.load16(this.desc + this.layout[part] + 2); // desc: the ring's first byte
  }

  /**
   * RPMsg-Lite's master start-up for vq1 (`virtqueue_fill_used_buffers`): every buffer's descriptor is
   * written (WRITE, the whole buffer) and put on the *used* ring with `len` = the buffer size, and used.idx
   * moves past them all; avail.idx stays. The driver then takes its TX buffers from the used ring with
   * `getBuf()` like any returned buffer. Call it on a fresh ring, right after `reset()`.
   * @throws VirtioError ERR_VIRTQ_NO_DESC when a buffer is on the ring already (nothing is written);
   * ERR_VIRTQ_BROKEN when broken.
   */
  prefillUsed(): void {
    this.assertUsable();
    if (this.outstanding !== 0) throw noDescError(this.num, this.numFree);
    for (let k = 0; k < this.num; k++) {
      writeDesc(
        this.view,
        this.desc + VRING_DESC_SIZE * k,
        this.#bufferAddr(k),
        this.bufferSize,
        VRING_DESC_F_WRITE,
        0,
      );
    }
    this.fillUsed(this.bufferSize);
  }

  /**
   * Takes over a ring in use without writing to it: avail.idx is where the previous driver left it, the
   * used-ring cursor is `lastUsed`, and the buffers on the ring are the last `inFlight` avail entries — or
   * every buffer, with `'all'` (each one posted, or used and not yet taken). Every descriptor on the ring
   * must describe its own buffer. Callbacks are on or off as avail.flags says. Clears the broken mark.
   *
   * A master attaching to rings in use: vq0 (all RX buffers posted) `adopt(availIdx − num, 'all')`; vq1
   * `adopt(usedIdx, (availIdx − usedIdx) & 0xffff)`, plus num when the used ring was pre-filled.
   *
   * @throws VirtioError — breaking the queue — ERR_VIRTQ_USED_IDX (more than num in flight, or used.idx
   * ahead of the buffers on the ring), ERR_VIRTQ_DESC_INDEX (an avail entry ≥ num or named twice),
   * ERR_VIRTQ_ADDR (a descriptor on the ring points elsewhere); ERR_OUT_OF_RANGE /
   * ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE for bad arguments (nothing changes then).
   */
  adopt(lastUsed: number, inFlight: number | 'all'): void {
    checkInteger('lastUsed', lastUsed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    if (inFlight !== 'all') {
      if (typeof inFlight === 'string') checkOneOf('inFlight', inFlight, ['all']);
      checkInteger('inFlight', inFlight, 0, Number.MAX_SAFE_INTEGER);
    }
    this.adoptRing(lastUsed, inFlight);
    const view = this.view;
    for (let k = 0; k < this.num; k++) {
      if (this.live[k] === 0) continue;
      const d = this.desc + VRING_DESC_SIZE * k;
      const addr = view.getUint32(d, true) + view.getUint32(d + 4, true) * TWO_32;
      if (addr !== this.#bufferAddr(k)) {
        this.fail('ERR_VIRTQ_ADDR', `descriptor ${k} points at 0x${addr.toString(16)}, not at its buffer`, {
          index: k,
          addr,
        });
      }
    }
    this.loadUsed(); // used.idx may not be ahead of the buffers on the ring
  }

  /**
   * Puts buffer `k` on the avail ring for the device to read: its descriptor says `len` bytes, no flags.
   * Not published until `kickPrepare()`.
   * @throws ERR_OUT_OF_RANGE for k ∉ 0..num−1 or len ∉ 0..bufferSize; ERR_INVALID_ARG_VALUE when buffer
   * k is on the ring already; VirtioError ERR_VIRTQ_BROKEN when broken.
   */
  addOutBuf(k: number, len: number): void {
    this.#add(k, len, 0);
  }

  /**
   * Puts buffer `k` on the avail ring for the device to fill: its descriptor says `len` bytes, WRITE.
   * Not published until `kickPrepare()`.
   * @throws as {@link addOutBuf}.
   */
  addInBuf(k: number, len: number): void {
    this.#add(k, len, VRING_DESC_F_WRITE);
  }

  /**
   * Takes the next buffer back from the used ring: its index k, with `lastLen` set (untrusted: the device
   * wrote it), or -1 when there is none (Linux `virtqueue_get_buf`). With EVENT_IDX and callbacks on,
   * moves used_event along.
   * @throws VirtioError ERR_VIRTQ_USED_IDX (used.idx ahead of the buffers on the ring), ERR_VIRTQ_USED_ID
   * (an id ≥ num or not on the ring) — each breaks the queue — or ERR_VIRTQ_BROKEN.
   */
  getBuf(): number {
    return this.takeUsed(null);
  }

  /**
   * After the device stopped: takes one buffer still on the ring back without the device and returns its
   * index, or -1 when none is left (Linux `virtqueue_detach_unused_buf`). Works on a broken queue; does
   * not touch memory.
   */
  detachUnusedBuf(): number {
    for (let k = 0; k < this.num; k++) {
      if (this.live[k] === 1) {
        this.detach(k);
        return k;
      }
    }
    return -1;
  }

  #add(k: number, len: number, flags: number): void {
    this.assertUsable();
    // One test on the hot path: live[k] is 0 only for a free buffer k — undefined for a k out of range,
    // fractional or not a number (a numeric string names its number, as typed arrays read it). #refuse
    // tells which mistake it was.
    if (this.live[k] !== 0 || !(len >>> 0 === len && len <= this.bufferSize)) this.#refuse(k, len);
    writeDesc(this.view, this.desc + VRING_DESC_SIZE * k, this.#bufferAddr(k), len, flags, 0);
    this.putAvail(k);
  }

  /** The argument error behind a failed test in #add: k not a buffer index, buffer k on the ring, or len. */
  #refuse(k: number, len: number): never {
    checkInteger('k', k, 0, this.num - 1);
    if (this.live[k] !== 0) throw new InvalidArgValueError('k', 'names a buffer already on the ring', k);
    checkInteger('len', len, 0, this.bufferSize);
    throw new InvalidArgValueError('k', 'names no free buffer', k); // not reached: a check above throws
  }

  #bufferAddr(k: number): number {
    return this.firstBuffer + k * this.bufferSize;
  }
}
