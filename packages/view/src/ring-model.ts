import {
  type InspectImageInput,
  type InspectProblem,
  inspectImage,
  parseLayoutJson,
  type RpmsgLayout,
  type VringDirection,
} from '@rpmsg/core';
import { type BufferDetail, bufferDetail } from './buffer-detail.js';
import { readVringWords, type VringWords } from './vring-image.js';

/**
 * Who holds a descriptor's buffer. The master is the driver of both vrings, the remote the device
 * (docs/architecture.md#roles-on-the-rings).
 * - `available`: on the avail ring, not yet taken by the device;
 * - `in-flight`: taken by the device (popped from avail), not yet on the used ring;
 * - `used`: on the used ring, returned, not yet taken back by the driver;
 * - `held`: none of these — a program has it (a message being read or written, or a free TX buffer
 *   in the master's pool).
 */
export type DescOwner = 'available' | 'in-flight' | 'used' | 'held';

/** The owners in legend order. */
export const DESC_OWNERS: readonly DescOwner[] = ['available', 'in-flight', 'used', 'held'];

/** Who would be notified by the next publish on one vring. */
export interface NotifyState {
  /** `event-idx` (VIRTIO_RING_F_EVENT_IDX thresholds) or `flags` (NO_NOTIFY / NO_INTERRUPT). */
  mode: 'flags' | 'event-idx';
  /** The master's next avail publish would kick the remote. */
  kickOnAvail: boolean;
  /** The remote's next used publish would interrupt the master. */
  interruptOnUsed: boolean;
  /** `avail_event`, with EVENT_IDX. */
  availEvent?: number;
  /** `used_event`, with EVENT_IDX. */
  usedEvent?: number;
}

/** The ownership picture of one vring. */
export interface VringModel {
  name: 'vq0' | 'vq1';
  direction: VringDirection;
  num: number;
  /** Avail ring: free-running index, flags, next slot the driver fills, descriptor published last. */
  avail: { idx: number; flags: number; head: number; last: number | null };
  /** Used ring: the same for the device. */
  used: { idx: number; flags: number; head: number; last: number | null };
  /** Buffers the remote has not returned: available plus in flight. */
  outstanding: number;
  /** Owner per descriptor index. */
  owners: DescOwner[];
  counts: Record<DescOwner, number>;
  notify: NotifyState;
  /** Per descriptor: address, length and the buffer's header and payload prefix. */
  buffers: BufferDetail[];
}

/** What {@link ringModel} found in a snapshot. */
export interface RingModel {
  /** The rings that lie in the image, vq0 first. */
  vrings: VringModel[];
  /**
   * TX buffers each side could send with now: the master's are vq1's buffers the remote does not
   * hold; the remote's are vq0's RX buffers the master posted and the remote has not taken.
   * Null when that ring could not be read.
   */
  txFree: { master: number | null; remote: number | null };
  /** `inspectImage`'s problems, and the model's own (`ERR_VIRTQ_AVAIL_IDX` for impossible indices). */
  problems: InspectProblem[];
}

const VRING_AVAIL_F_NO_INTERRUPT = 1; // virtio 1.2 §2.7.6
const VRING_USED_F_NO_NOTIFY = 1; // virtio 1.2 §2.7.8

/**
 * Computes, from a shared-memory image and its layout, who owns each descriptor of both vrings,
 * both heads, each side's notification state and the free TX buffers.
 *
 * The image holds the published indices (`avail.idx`, `used.idx`) but not the private cursors (the
 * device's next avail, the driver's last used), so those are inferred as RPMsg uses the rings:
 * - outstanding at the remote = `avail.idx − used.idx`, plus `num` on RPMsg-Lite's vq1, whose used
 *   ring the master pre-fills with every TX buffer (the same rule as `MasterEngine`'s attach);
 * - the remote pops the avail ring in order, so the first of the outstanding entries are in flight:
 *   with EVENT_IDX as many as `avail_event` is past them (a device re-arming writes `avail_event =
 *   next avail`; one that polls lets it lag, so in-flight is a lower bound); without, none — an
 *   RPMsg remote fills or reads a buffer between pop and push without yielding;
 * - returned and not taken back: the last `num − outstanding` used entries (vq0: the master re-posts
 *   each RX buffer it consumed; vq1: it reaps TX buffers lazily, a returned buffer is free either
 *   way), with EVENT_IDX only those past `used_event`. A vq1 buffer never sent is `held` (the pool).
 * Descriptors are placed by the entries that name them, so a hostile ring only miscolours; an
 * impossible index difference becomes a problem. Nothing is read outside the image.
 *
 * ```ts
 * const model = ringModel(soc.snapshot());
 * model.vrings[0].counts; // { available: 253, 'in-flight': 0, used: 3, held: 0 }
 * ```
 *
 * @throws {RpmsgError} `ERR_RPMSG_LAYOUT` when the layout is not a valid layout JSON
 */
export function ringModel(snapshot: { image: InspectImageInput; layout: unknown }): RingModel {
  const layout = parseLayoutJson(snapshot.layout);
  const inspected = inspectImage(snapshot.image, layout);
  const bytes =
    snapshot.image instanceof ArrayBuffer || !ArrayBuffer.isView(snapshot.image)
      ? new Uint8Array(snapshot.image as ArrayBufferLike)
      : snapshot.image;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const problems = [...inspected.problems];
  const vrings: VringModel[] = [];
  for (const accepted of inspected.vrings) {
    const info = layout.vrings.find((v) => v.name === accepted.name);
    const words = info && readVringWords(view, layout, info);
    if (words) vrings.push(vringModel(words, layout, view, problems));
  }
  const vq0 = vrings.find((v) => v.name === 'vq0');
  const vq1 = vrings.find((v) => v.name === 'vq1');
  return {
    vrings,
    txFree: { master: vq1 ? vq1.num - vq1.outstanding : null, remote: vq0 ? vq0.counts.available : null },
    problems,
  };
}

function vringModel(
  w: VringWords,
  layout: RpmsgLayout,
  view: DataView,
  problems: InspectProblem[],
): VringModel {
  const { num, name } = w.info;
  const mask = num - 1;
  const prefilled = layout.profile === 'rpmsg-lite' && name === 'vq1';
  let outstanding = (w.availIdx - w.usedIdx + (prefilled ? num : 0)) & 0xffff;
  if (outstanding > num) {
    problems.push({
      code: 'ERR_VIRTQ_AVAIL_IDX',
      message: `${name}: avail.idx ${w.availIdx} and used.idx ${w.usedIdx} leave ${outstanding} buffers outstanding, more than num ${num}`,
    });
    outstanding = num;
  }
  let taken = 0;
  if (layout.eventIdx) {
    const ahead = (w.availIdx - w.availEvent) & 0xffff; // entries the device has not reached
    if (ahead <= outstanding) taken = outstanding - ahead;
  }
  const owners = new Array<DescOwner | undefined>(num).fill(undefined);
  // Every outstanding buffer was published on avail, so those `outstanding` slots hold real entries.
  for (let j = 0; j < outstanding; j++) {
    const head = w.availRing[(w.availIdx - outstanding + j) & mask]!;
    if (head < num && owners[head] === undefined) owners[head] = j < taken ? 'in-flight' : 'available';
  }
  // At most the buffers the remote does not hold can wait on the used ring. Free-running indices:
  // before used.idx first wraps, slots past it were never written (after a wrap, for `num` publishes,
  // a few returned buffers show as held).
  let returned = num - outstanding;
  if (layout.eventIdx) returned = Math.min(returned, (w.usedIdx - w.usedEvent) & 0xffff);
  returned = Math.min(returned, w.usedIdx);
  for (let j = 0; j < returned; j++) {
    const id = w.usedRing[(w.usedIdx - returned + j) & mask]!;
    if (id < num && owners[id] === undefined) owners[id] = 'used';
  }
  const counts: Record<DescOwner, number> = { available: 0, 'in-flight': 0, used: 0, held: 0 };
  const final = owners.map((o) => o ?? 'held');
  for (const o of final) counts[o]++;
  const notify: NotifyState = layout.eventIdx
    ? {
        mode: 'event-idx',
        // needEvent(event, idx + 1, idx) (virtio 1.2 §2.7.7.2) is true exactly when event == idx.
        kickOnAvail: w.availEvent === w.availIdx,
        interruptOnUsed: w.usedEvent === w.usedIdx,
        availEvent: w.availEvent,
        usedEvent: w.usedEvent,
      }
    : {
        mode: 'flags',
        kickOnAvail: (w.usedFlags & VRING_USED_F_NO_NOTIFY) === 0,
        interruptOnUsed: (w.availFlags & VRING_AVAIL_F_NO_INTERRUPT) === 0,
      };
  const lastAvail = w.availIdx > 0 ? w.availRing[(w.availIdx - 1) & mask]! : null;
  const lastUsed = w.usedIdx > 0 ? w.usedRing[(w.usedIdx - 1) & mask]! : null;
  return {
    name,
    direction: w.info.direction,
    num,
    avail: { idx: w.availIdx, flags: w.availFlags, head: w.availIdx & mask, last: inRange(lastAvail, num) },
    used: { idx: w.usedIdx, flags: w.usedFlags, head: w.usedIdx & mask, last: inRange(lastUsed, num) },
    outstanding,
    owners: final,
    counts,
    notify,
    buffers: w.desc.map((d) => bufferDetail(view, layout, d)),
  };
}

function inRange(desc: number | null, num: number): number | null {
  return desc !== null && desc < num ? desc : null;
}
