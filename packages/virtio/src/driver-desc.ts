import { VirtioError } from './errors.js';
import { VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, VRING_DESC_F_WRITE, VRING_DESC_SIZE } from './layout.js';
import type { MemoryRegion } from './memory.js';

// The driver's descriptor side: segment checks, chain and indirect-table writing, and the private free
// list (links kept in a Uint16Array, never in ring memory, so a device scribbling on the table cannot
// corrupt them). Plain functions over the driver's arrays: no allocation, no extra objects.

/** One piece of a buffer: device address, length, and whether the device writes it. */
export interface BufferSegment {
  /** Device address of the bytes. */
  addr: number;
  /** Length in bytes (u32). */
  len: number;
  /** True for device-writable (VRING_DESC_F_WRITE), false for device-readable. */
  write: boolean;
}

/** Options of `VirtqueueDriver.addBuf`. */
export interface AddBufOptions {
  /**
   * Write the chain as an indirect table at this device address (the caller owns 16 bytes per segment
   * there) and use a single ring descriptor. Needs `indirect` in the queue options.
   */
  indirectAddr?: number;
}

const TWO_32 = 4294967296;
const U32_MAX = 0xffffffff;

/** Links every descriptor into one free list 0 → 1 → … → num−1. */
export function initFreeList(next: Uint16Array): void {
  for (let i = 0; i < next.length; i++) next[i] = (i + 1) & 0xffff;
}

/** Last descriptor of the `count`-long chain at `head`, found by walking the private links. */
export function chainTail(next: Uint16Array, head: number, count: number): number {
  let last = head;
  for (let k = count; k > 1; k--) last = next[last]!;
  return last;
}

/** @throws TypeError unless addr is a safe integer ≥ 0 and len a u32. */
export function checkSegment(addr: number, len: number, what: string): void {
  if (!Number.isSafeInteger(addr) || addr < 0)
    throw new TypeError(`${what}: addr must be a safe integer ≥ 0`);
  if (len >>> 0 !== len) throw new TypeError(`${what}: len must be an integer in 0..2^32-1`);
}

/**
 * Checks the segments of `addBuf` and stores their readable / writable byte totals in `sizes[0]` /
 * `sizes[1]` (a scratch array the driver owns: no allocation).
 * @throws TypeError for no segments, a bad segment or a readable one after a writable one; RangeError for
 * more than num segments or totals beyond u32.
 */
export function checkSegments(segments: readonly BufferSegment[], num: number, sizes: Float64Array): void {
  const n = segments.length;
  if (n === 0) throw new TypeError('segments must not be empty');
  if (n > num) throw new RangeError(`a buffer has at most num (${num}) segments, got ${n}`);
  let readable = 0;
  let writable = 0;
  let seenWrite = false;
  for (let k = 0; k < n; k++) {
    const seg = segments[k]!;
    checkSegment(seg.addr, seg.len, `segments[${k}]`);
    if (seg.write) {
      seenWrite = true;
      writable += seg.len;
    } else if (seenWrite) {
      throw new TypeError(
        `segments[${k}] is device-readable after a device-writable one (virtio 1.2 §2.7.4.2)`,
      );
    } else readable += seg.len;
  }
  // The device refuses byte totals beyond u32 (used.len is u32); refuse them here first.
  if (readable > U32_MAX || writable > U32_MAX)
    throw new RangeError('segment lengths add up to more than 2^32-1');
  sizes[0] = readable;
  sizes[1] = writable;
}

/**
 * Writes `segments` into the descriptor table at region offset `desc`, following the free list from
 * `head`. The caller checked that enough descriptors are free.
 * @returns the descriptor after the chain: the new free-list head.
 */
export function writeChain(
  view: DataView,
  desc: number,
  next: Uint16Array,
  head: number,
  segments: readonly BufferSegment[],
): number {
  const n = segments.length;
  let i = head;
  for (let k = 0; k < n; k++) {
    const seg = segments[k]!;
    const last = k === n - 1;
    const link = next[i]!;
    const flags = (seg.write ? VRING_DESC_F_WRITE : 0) | (last ? 0 : VRING_DESC_F_NEXT);
    writeDesc(view, desc + i * VRING_DESC_SIZE, seg.addr, seg.len, flags, last ? 0 : link);
    if (!last) i = link;
  }
  return next[i]!;
}

/**
 * Writes `segments` as an indirect table at device address `tableAddr` (entries link 0 → 1 → … in order)
 * and the ring descriptor at region offset `descOff` pointing to it (virtio 1.2 §2.7.5.3).
 * @throws RangeError when the table is outside the region; VirtioError ERR_VIRTQ_NO_DESC when `numFree`
 * is 0 (nothing is written then).
 */
export function writeIndirect(
  memory: MemoryRegion,
  descOff: number,
  tableAddr: number,
  segments: readonly BufferSegment[],
  numFree: number,
): void {
  const n = segments.length;
  const bytes = n * VRING_DESC_SIZE;
  if (!memory.contains(tableAddr, bytes)) {
    throw new RangeError(`indirect table 0x${tableAddr.toString(16)}+${bytes} is outside the region`);
  }
  if (numFree === 0) throw noDescError(1, numFree);
  const view = memory.view;
  const table = tableAddr - memory.base;
  for (let k = 0; k < n; k++) {
    const seg = segments[k]!;
    const last = k === n - 1;
    const flags = (seg.write ? VRING_DESC_F_WRITE : 0) | (last ? 0 : VRING_DESC_F_NEXT);
    writeDesc(view, table + k * VRING_DESC_SIZE, seg.addr, seg.len, flags, last ? 0 : k + 1);
  }
  writeDesc(view, descOff, tableAddr, bytes, VRING_DESC_F_INDIRECT, 0);
}

/**
 * Writes a little-endian descriptor (virtio 1.2 §2.7.5): addr u64 as two u32 halves, then len, then
 * flags and next as one u32. Only the fields that differ from memory are stored: a descriptor posted
 * again as it was (an RX buffer, a message of the length before) leaves its cache line shared with the
 * device, which reads it next — a store would take the line from the device's cache for nothing. The
 * bytes in memory end up exactly as storing every field would leave them.
 */
export function writeDesc(
  view: DataView,
  off: number,
  addr: number,
  len: number,
  flags: number,
  next: number,
): void {
  // Compared as one number: both halves are < 2^32, so hi * 2^32 + lo is exact below 2^53.
  if (view.getUint32(off, true) + view.getUint32(off + 4, true) * TWO_32 !== addr) {
    view.setUint32(off, addr % TWO_32, true);
    view.setUint32(off + 4, Math.floor(addr / TWO_32), true);
  }
  if (view.getUint32(off + 8, true) !== len) view.setUint32(off + 8, len, true);
  // flags (u16) then next (u16), little-endian: one u32 of value flags + next·2^16.
  const flagsNext = flags + next * 0x10000;
  if (view.getUint32(off + 12, true) !== flagsNext) view.setUint32(off + 12, flagsNext, true);
}

/** ERR_VIRTQ_NO_DESC: fewer descriptors free than a buffer needs (the queue stays usable). */
export function noDescError(needed: number, numFree: number): VirtioError {
  return new VirtioError('ERR_VIRTQ_NO_DESC', `need ${needed} free descriptors, have ${numFree}`, {
    length: needed,
    limit: numFree,
  });
}
