import { VirtioError } from './errors.js';

/** Options of a `MemoryRegion`. */
export interface MemoryRegionOptions {
  /** Device address of the region's first byte (default 0). docs/layouts.md: never assume 0 for real images. */
  base?: number;
  /** Byte offset of the region inside the buffer (default 0). */
  offset?: number;
  /** Region size in bytes (default: the rest of the buffer after `offset`). */
  size?: number;
}

// Typed arrays use host byte order, the ring is little-endian (docs/wire-format.md). On a big-endian host the
// Uint16Array fast path would be wrong, so it is disabled and every access goes through DataView.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isShared(buffer: ArrayBufferLike): buffer is SharedArrayBuffer {
  return typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
}

/**
 * A window of shared RAM as the peers see it: `size` bytes of `buffer` starting at `offset`, which the
 * other core knows as device addresses `base .. base + size`. Every ring and buffer access in this package
 * goes through a region, and every address read from the ring is checked against it first.
 *
 * Index words (avail.idx, used.idx, the flags and event words) go through `load16`/`store16`: Atomics
 * on a `Uint16Array` when the buffer is a SharedArrayBuffer, so a payload written before a publish is
 * visible to whoever reads the published index (ECMAScript memory model: seq-cst Atomics synchronize).
 * A plain ArrayBuffer (tests, decoding an image file) uses DataView instead. Little-endian host assumed
 * for the Atomics path; a big-endian host falls back to DataView (correct, but not ordered).
 */
export class MemoryRegion {
  /** The underlying buffer (shared RAM). */
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  /** Device address of the region's first byte. */
  readonly base: number;
  /** Byte offset of the region in `buffer`. */
  readonly offset: number;
  /** Region size in bytes. */
  readonly size: number;
  /** Byte view of exactly the region. */
  readonly bytes: Uint8Array;
  /** DataView of exactly the region (descriptor fields, little-endian). */
  readonly view: DataView;
  /** u16 view of the region for Atomics, or null (plain ArrayBuffer, odd offset, big-endian host). */
  readonly u16: Uint16Array | null;
  /** i32 view of the region for Atomics, or null (plain ArrayBuffer, offset not 4-aligned, big-endian host). */
  readonly u32: Int32Array | null;

  /**
   * @throws RangeError if offset/size do not fit the buffer or base is not a non-negative safe integer.
   */
  constructor(buffer: SharedArrayBuffer | ArrayBuffer, options: MemoryRegionOptions = {}) {
    const base = options.base ?? 0;
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(base) || base < 0)
      throw new RangeError(`base must be a safe integer ≥ 0, got ${base}`);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > buffer.byteLength) {
      throw new RangeError(`offset must be within the buffer, got ${offset}`);
    }
    const size = options.size ?? buffer.byteLength - offset;
    if (!Number.isSafeInteger(size) || size < 0 || size > buffer.byteLength - offset) {
      throw new RangeError(`size must fit the buffer after offset, got ${size}`);
    }
    if (!Number.isSafeInteger(base + size)) throw new RangeError('base + size must be a safe integer');
    this.buffer = buffer;
    this.base = base;
    this.offset = offset;
    this.size = size;
    this.bytes = new Uint8Array(buffer, offset, size);
    this.view = new DataView(buffer, offset, size);
    const atomic = isShared(buffer) && HOST_IS_LITTLE_ENDIAN;
    this.u16 = atomic && offset % 2 === 0 ? new Uint16Array(buffer, offset, size >>> 1) : null;
    this.u32 = atomic && offset % 4 === 0 ? new Int32Array(buffer, offset, size >>> 2) : null;
  }

  /** True when the buffer is shared memory (another thread may write it). */
  get isShared(): boolean {
    return isShared(this.buffer);
  }

  /**
   * True when device addresses `addr .. addr + length` lie wholly inside the region. Overflow-safe
   * (all values stay below 2^53); a zero length is inside when `addr` is in `base .. base + size`.
   */
  contains(addr: number, length: number): boolean {
    if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(length) || length < 0) return false;
    // addr - base and size - length are both exact doubles here: no wrap-around as in C.
    return addr >= this.base && length <= this.size && addr - this.base <= this.size - length;
  }

  /**
   * Region byte offset of device address `addr`, checked for `length` bytes.
   * @throws VirtioError ERR_VIRTQ_ADDR (with `addr`, `length`) when the range is not inside the region.
   */
  offsetOf(addr: number, length: number): number {
    if (!this.contains(addr, length)) {
      throw new VirtioError(
        'ERR_VIRTQ_ADDR',
        `address 0x${addr.toString(16)}+${length} is outside region 0x${this.base.toString(16)}+${this.size}`,
        { addr, length },
      );
    }
    return addr - this.base;
  }

  /** Device address of region byte offset `offset`. */
  addrOf(offset: number): number {
    return this.base + offset;
  }

  /**
   * Reads a little-endian u16 index word at region offset `offset` (even). Atomics.load when shared, so
   * everything the writer stored before its matching `store16` is visible after this returns.
   */
  load16(offset: number): number {
    const u16 = this.u16;
    return u16 !== null ? Atomics.load(u16, offset >>> 1) : this.view.getUint16(offset, true);
  }

  /**
   * Writes a little-endian u16 index word at region offset `offset` (even). Atomics.store when shared:
   * it orders every earlier plain write (payload, descriptors, ring slots) before the index becomes
   * visible, and, being sequentially consistent, before any later Atomics.load of the peer's flags.
   */
  store16(offset: number, value: number): void {
    const u16 = this.u16;
    if (u16 !== null) Atomics.store(u16, offset >>> 1, value);
    else this.view.setUint16(offset, value, true);
  }
}
