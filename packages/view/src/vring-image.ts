import type { RpmsgLayout, VringInfo } from '@rpmsg/core';

/** One descriptor-table entry as the image holds it (virtio 1.2 §2.7.5, `struct virtq_desc`). */
export interface DescWords {
  /** Low 32 bits of the buffer's device address. */
  readonly addrLo: number;
  /** High 32 bits (0 for every address an RPMsg region can hold). */
  readonly addrHi: number;
  readonly len: number;
  readonly flags: number;
  readonly next: number;
}

/** Every word of one split vring, read once so the model never touches the image again. */
export interface VringWords {
  readonly info: VringInfo;
  readonly availFlags: number;
  readonly availIdx: number;
  /** `avail.ring[]`, by slot. */
  readonly availRing: readonly number[];
  /** `used_event` (the driver's word after the avail ring; only meaningful with EVENT_IDX). */
  readonly usedEvent: number;
  readonly usedFlags: number;
  readonly usedIdx: number;
  /** `used.ring[].id`, by slot. */
  readonly usedRing: readonly number[];
  /** `avail_event` (the device's word after the used ring; only meaningful with EVENT_IDX). */
  readonly availEvent: number;
  readonly desc: readonly DescWords[];
}

/**
 * Byte offsets inside a split vring (virtio 1.2 §2.7: descriptor table, avail ring with `used_event`
 * behind it, used ring aligned to `align` with `avail_event` behind it). @rpmsg/virtio's `vringLayout`
 * computes the same; it is not part of @rpmsg/core's surface, and this package depends on core only.
 */
export function vringOffsets(num: number, align: number) {
  const avail = 16 * num;
  const used = Math.ceil((avail + 2 * (3 + num)) / align) * align;
  const size = used + 6 + 8 * num;
  return { avail, availRing: avail + 4, usedEvent: avail + 4 + 2 * num, used, usedRing: used + 4, size };
}

/**
 * Reads the words of `vring` from `view`, or returns undefined when the ring does not lie wholly in
 * the image. Only called for rings `inspectImage` accepted, but checked again here: this is the one
 * place that indexes the image, and a bound checked twice costs nothing.
 */
export function readVringWords(
  view: DataView,
  layout: RpmsgLayout,
  vring: VringInfo,
): VringWords | undefined {
  const o = vringOffsets(vring.num, vring.align);
  const at = vring.da - layout.base;
  if (at < 0 || at + o.size > view.byteLength) return undefined;
  const u16 = (off: number) => view.getUint16(at + off, true);
  const u32 = (off: number) => view.getUint32(at + off, true);
  const availRing: number[] = [];
  const usedRing: number[] = [];
  const desc: DescWords[] = [];
  for (let i = 0; i < vring.num; i++) {
    availRing.push(u16(o.availRing + 2 * i));
    usedRing.push(u32(o.usedRing + 8 * i));
    const d = 16 * i;
    desc.push({ addrLo: u32(d), addrHi: u32(d + 4), len: u32(d + 8), flags: u16(d + 12), next: u16(d + 14) });
  }
  return {
    info: vring,
    availFlags: u16(o.avail),
    availIdx: u16(o.avail + 2),
    availRing,
    usedEvent: u16(o.usedEvent),
    usedFlags: u16(o.used),
    usedIdx: u16(o.used + 2),
    usedRing,
    // avail_event sits right after the used ring: the 2 bytes counted last in `size`.
    availEvent: u16(o.usedRing + 8 * vring.num),
    desc,
  };
}
