import { VirtioError } from './errors.js';

/** rpmsg device feature: the remote supports name-service announcements (Linux virtio_rpmsg_bus.c). */
export const VIRTIO_RPMSG_F_NS = 0;
/** Ring feature: a notification is sent when the avail ring empties (legacy; virtio 1.2 §6.3). */
export const VIRTIO_F_NOTIFY_ON_EMPTY = 24;
/** Ring feature: no assumptions about descriptor layout (legacy; virtio 1.2 §6.3). */
export const VIRTIO_F_ANY_LAYOUT = 27;
/** Ring feature: indirect descriptor tables (virtio 1.2 §2.7.5.3). */
export const VIRTIO_RING_F_INDIRECT_DESC = 28;
/** Ring feature: used_event / avail_event notification suppression (virtio 1.2 §2.7.7, §2.7.10). */
export const VIRTIO_RING_F_EVENT_IDX = 29;
/** Non-legacy device (virtio 1.x). remoteproc vdevs are legacy and never offer it (docs/interop.md#bring-up). */
export const VIRTIO_F_VERSION_1 = 32;
/** Device access is limited by a platform IOMMU (virtio 1.2 §6). */
export const VIRTIO_F_ACCESS_PLATFORM = 33;
/** Packed virtqueue layout (virtio 1.2 §2.8) — not implemented here. */
export const VIRTIO_F_RING_PACKED = 34;
/** Buffers are used in the order they were made available (virtio 1.2 §6). */
export const VIRTIO_F_IN_ORDER = 35;

const NAMES: ReadonlyMap<number, string> = new Map([
  [VIRTIO_RPMSG_F_NS, 'VIRTIO_RPMSG_F_NS'],
  [VIRTIO_F_NOTIFY_ON_EMPTY, 'VIRTIO_F_NOTIFY_ON_EMPTY'],
  [VIRTIO_F_ANY_LAYOUT, 'VIRTIO_F_ANY_LAYOUT'],
  [VIRTIO_RING_F_INDIRECT_DESC, 'VIRTIO_RING_F_INDIRECT_DESC'],
  [VIRTIO_RING_F_EVENT_IDX, 'VIRTIO_RING_F_EVENT_IDX'],
  [VIRTIO_F_VERSION_1, 'VIRTIO_F_VERSION_1'],
  [VIRTIO_F_ACCESS_PLATFORM, 'VIRTIO_F_ACCESS_PLATFORM'],
  [VIRTIO_F_RING_PACKED, 'VIRTIO_F_RING_PACKED'],
  [VIRTIO_F_IN_ORDER, 'VIRTIO_F_IN_ORDER'],
]);

const MAX_FEATURES = (1n << 64n) - 1n;

function checkBit(bit: number): void {
  if (!Number.isInteger(bit) || bit < 0 || bit > 63) throw new RangeError(`bit must be 0..63, got ${bit}`);
}

function checkFeatures(name: string, features: bigint): void {
  if (typeof features !== 'bigint' || features < 0n || features > MAX_FEATURES) {
    throw new TypeError(`${name} must be a bigint in 0..2^64-1`);
  }
}

/** The mask of feature bit `bit` (0..63). @throws RangeError for a bit outside 0..63. */
export function featureBit(bit: number): bigint {
  checkBit(bit);
  return 1n << BigInt(bit);
}

/** True when `features` has bit `bit` set. @throws RangeError for a bit outside 0..63. */
export function hasFeature(features: bigint, bit: number): boolean {
  return (features & featureBit(bit)) !== 0n;
}

/**
 * The features both sides use: the intersection of what the device offers and the driver supports
 * (virtio 1.2 §3.1.1 step 4: the driver accepts a subset of the offered bits).
 * @throws TypeError if either argument is not a bigint in 0..2^64-1.
 */
export function negotiateFeatures(device: bigint, driver: bigint): bigint {
  checkFeatures('device', device);
  checkFeatures('driver', driver);
  return device & driver;
}

/**
 * Checks what a driver wrote back against what the device offered (a device reading the vdev's
 * gfeatures must do this: the driver MUST NOT accept a feature the device did not offer, virtio 1.2 §2.2.1).
 * @throws VirtioError ERR_VIRTQ_FEATURES (with `value` = the low 32 offending bits) otherwise.
 */
export function checkAcceptedFeatures(offered: bigint, accepted: bigint): void {
  checkFeatures('offered', offered);
  checkFeatures('accepted', accepted);
  const extra = accepted & ~offered;
  if (extra !== 0n) {
    throw new VirtioError(
      'ERR_VIRTQ_FEATURES',
      `accepted features not offered: ${featureNames(extra).join(', ')}`,
      {
        value: Number(extra & 0xffffffffn),
      },
    );
  }
}

/** Names of the set bits, lowest first (`bit N` for bits without a name here; bit 0 read as rpmsg's NS). */
export function featureNames(features: bigint): string[] {
  checkFeatures('features', features);
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if ((features >> BigInt(bit)) & 1n) names.push(NAMES.get(bit) ?? `bit ${bit}`);
  }
  return names;
}
