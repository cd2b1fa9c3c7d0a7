/** Virtio device ID: network card (virtio 1.2 §5). */
export const VIRTIO_ID_NET = 1;
/** Virtio device ID: block device. */
export const VIRTIO_ID_BLOCK = 2;
/** Virtio device ID: console. */
export const VIRTIO_ID_CONSOLE = 3;
/** Virtio device ID: entropy source. */
export const VIRTIO_ID_RNG = 4;
/** Virtio device ID: memory balloon (traditional). */
export const VIRTIO_ID_BALLOON = 5;
/** Virtio device ID: ioMemory. */
export const VIRTIO_ID_IOMEM = 6;
/** Virtio device ID: rpmsg — what a remoteproc vdev entry carries (docs/wire-format.md#remoteproc-resource-table-linux-profile). */
export const VIRTIO_ID_RPMSG = 7;
/** Virtio device ID: SCSI host. */
export const VIRTIO_ID_SCSI = 8;
/** Virtio device ID: 9P transport. */
export const VIRTIO_ID_9P = 9;
/** Virtio device ID: mac80211 WLAN. */
export const VIRTIO_ID_MAC80211_WLAN = 10;

const DEVICE_NAMES: readonly string[] = [
  'reserved (invalid)',
  'network card',
  'block',
  'console',
  'entropy source',
  'memory balloon',
  'ioMemory',
  'rpmsg',
  'SCSI host',
  '9P transport',
  'mac80211 WLAN',
];

/** Human name of a virtio device ID as in the virtio spec §5 table; `unknown (N)` otherwise. */
export function virtioDeviceName(id: number): string {
  return Number.isInteger(id) && id >= 1 && id < DEVICE_NAMES.length ? DEVICE_NAMES[id]! : `unknown (${id})`;
}
