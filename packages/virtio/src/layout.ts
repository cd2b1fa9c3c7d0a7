/** Size of one split-ring descriptor: `addr u64 | len u32 | flags u16 | next u16` (virtio 1.2 §2.7.5). */
export const VRING_DESC_SIZE = 16;
/** Alignment the descriptor table needs (virtio 1.2 §2.7, "Descriptor Table: 16"). */
export const VRING_DESC_ALIGN_SIZE = 16;
/** Alignment the available ring needs (virtio 1.2 §2.7). */
export const VRING_AVAIL_ALIGN_SIZE = 2;
/** Alignment the used ring needs (virtio 1.2 §2.7); legacy layouts put it at the next `align` boundary. */
export const VRING_USED_ALIGN_SIZE = 4;
/** Size of one used element `{ id u32, len u32 }`. */
export const VRING_USED_ELEM_SIZE = 8;
/** Largest split queue size (virtio 1.2 §2.7: "Queue Size ... maximum 32768"). */
export const MAX_QUEUE_SIZE = 32768;

/** Descriptor flag: the buffer continues in `next`. */
export const VRING_DESC_F_NEXT = 1;
/** Descriptor flag: the buffer is device write-only (otherwise device read-only). */
export const VRING_DESC_F_WRITE = 2;
/** Descriptor flag: the buffer holds a table of indirect descriptors. */
export const VRING_DESC_F_INDIRECT = 4;
/** avail.flags bit: the driver asks the device not to interrupt it (no EVENT_IDX). */
export const VRING_AVAIL_F_NO_INTERRUPT = 1;
/** used.flags bit: the device asks the driver not to kick it (no EVENT_IDX). */
export const VRING_USED_F_NO_NOTIFY = 1;

/**
 * Byte offsets of every part of a split ring, relative to the ring's start (legacy layout as Linux
 * `vring_init()`: desc table, avail ring right after it, used ring at the next `align` boundary).
 */
export interface VringLayout {
  /** Queue size (descriptors, avail slots and used slots). */
  readonly num: number;
  /** Alignment of the used ring. */
  readonly align: number;
  /** Total bytes, `vringSize(num, align)`. */
  readonly size: number;
  /** Descriptor table (always 0). */
  readonly desc: number;
  /** avail.flags; avail.idx is at `avail + 2`. */
  readonly avail: number;
  /** avail.ring[0]. */
  readonly availRing: number;
  /** used_event, the u16 after avail.ring (written by the driver, EVENT_IDX). */
  readonly usedEvent: number;
  /** used.flags; used.idx is at `used + 2`. */
  readonly used: number;
  /** used.ring[0]. */
  readonly usedRing: number;
  /** avail_event, the u16 after used.ring (written by the device, EVENT_IDX). */
  readonly availEvent: number;
  /** Bytes of the descriptor table (16 × num). */
  readonly descSize: number;
  /** Bytes of the avail ring including used_event (2 × (3 + num)). */
  readonly availSize: number;
  /** Bytes of the used ring including avail_event (2 × 3 + 8 × num). */
  readonly usedSize: number;
}

/** True when `n` is a positive integer power of two. */
export function isPowerOfTwo(n: number): boolean {
  // Math.log2 is exact on powers of two; the round trip rejects everything else without 32-bit limits.
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** Rounds `value` up to a multiple of `align` (a power of two). */
export function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

function checkGeometry(num: number, align: number): void {
  if (!isPowerOfTwo(num) || num > MAX_QUEUE_SIZE) {
    throw new RangeError(`num must be a power of two from 1 to ${MAX_QUEUE_SIZE}, got ${num}`);
  }
  if (!isPowerOfTwo(align)) throw new RangeError(`align must be a power of two, got ${align}`);
}

/**
 * Bytes a split ring occupies — Linux `vring_size()`:
 * `align_up(16*num + 2*(3+num), align) + 2*3 + 8*num`.
 *
 * @throws RangeError if num is not a power of two in 1..32768 or align is not a power of two.
 */
export function vringSize(num: number, align: number): number {
  checkGeometry(num, align);
  return alignUp(VRING_DESC_SIZE * num + 2 * (3 + num), align) + 2 * 3 + VRING_USED_ELEM_SIZE * num;
}

/**
 * Offsets of desc, avail, used, used_event and avail_event for a ring of `num` entries whose used ring
 * is aligned to `align` (Linux `vring_init()`, virtio 1.2 §2.7 legacy interface).
 *
 * @throws RangeError if num is not a power of two in 1..32768 or align is not a power of two.
 */
export function vringLayout(num: number, align: number): VringLayout {
  const size = vringSize(num, align);
  const avail = VRING_DESC_SIZE * num;
  const used = alignUp(avail + 2 * (3 + num), align);
  return Object.freeze({
    num,
    align,
    size,
    desc: 0,
    avail,
    availRing: avail + 4,
    usedEvent: avail + 4 + 2 * num,
    used,
    usedRing: used + 4,
    availEvent: used + 4 + VRING_USED_ELEM_SIZE * num,
    descSize: avail,
    availSize: 2 * (3 + num),
    usedSize: 2 * 3 + VRING_USED_ELEM_SIZE * num,
  });
}

/**
 * The EVENT_IDX test (Linux `vring_need_event()`, virtio 1.2 §2.7.7.2): true when `eventIdx` lies in
 * the window `[oldIdx, newIdx)` of free-running u16 indices, i.e. the peer asked to be told once the
 * index passes `eventIdx` and this publish moved it past.
 */
export function needEvent(eventIdx: number, newIdx: number, oldIdx: number): boolean {
  return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
}
