import type { ResourceTable, RpmsgLayout, VringInfo } from '@rpmsg/core';
import {
  RpmsgError,
  readResourceTable,
  readVdevStatus,
  writeResourceTable,
  writeVdevStatus,
} from '@rpmsg/core';
import type { MemoryRegion } from '@rpmsg/virtio';
import {
  featureBit,
  negotiateFeatures,
  VIRTIO_CONFIG_S_DRIVER_OK,
  VIRTIO_RING_F_EVENT_IDX,
  VIRTIO_RPMSG_F_NS,
  vringSize,
} from '@rpmsg/virtio';

// Offsets inside a vdev entry and its vring entries (docs/wire-format.md#remoteproc-resource-table-linux-profile, Linux include/linux/remoteproc.h).
const VDEV_VRINGS = 28;
const VRING_ENTRY = 20;
const VRING_NOTIFYID = 12;

/** What the master negotiated from the remote's resource table. */
export interface MasterBoot {
  /** The layout with the vrings where the table put them and the notify ids the master assigned. */
  readonly layout: RpmsgLayout;
  /** The validated table. */
  readonly table: ResourceTable;
  /** Features both sides use (written to `gfeatures`). */
  readonly features: bigint;
}

/** The features the master's driver wants: the name service, plus event idx when the layout uses it. */
export function driverFeatures(layout: RpmsgLayout): bigint {
  let features = featureBit(VIRTIO_RPMSG_F_NS);
  if (layout.eventIdx) features |= featureBit(VIRTIO_RING_F_EVENT_IDX);
  return features;
}

/**
 * The master's half of remoteproc start-up before the transport runs: read and validate the
 * resource table the remote's image provides (version, reserved words, vdev id, vring count, `num`
 * a power of two, everything inside the region — `readResourceTable`), check the vrings against the
 * carve-out (equal sizes, room in the pool, no overlap), zero them (docs/interop.md#bring-up) and assign notify
 * ids (Linux `rproc_alloc_vring`: ids from 0, one per vring, written back into the table). The
 * virtio transport then negotiates `gfeatures`, posts every RX buffer, sets DRIVER_OK and kicks vq0
 * (Linux `rpmsg_probe`), in that order.
 *
 * @throws {RpmsgError} `ERR_RPMSG_RSC_TABLE` naming the bad field
 */
export function negotiateResourceTable(memory: MemoryRegion, layout: RpmsgLayout): MasterBoot {
  if (layout.resourceTable === undefined) {
    throw new RpmsgError('ERR_RPMSG_LAYOUT', 'the linux profile needs layout.resourceTable', {
      field: 'resourceTable',
    });
  }
  const table = readResourceTable(memory, layout.resourceTable);
  const { vdev } = table;
  checkVrings(table, layout);
  const features = negotiateFeatures(vdev.dfeatures, driverFeatures(layout));
  const view = memory.view;
  const vrings = vdev.vrings.map((v, i) => {
    const ring: VringInfo = {
      name: i === 0 ? 'vq0' : 'vq1',
      da: v.da,
      num: v.num,
      align: v.align,
      direction: i === 0 ? 'remote-to-master' : 'master-to-remote',
      notifyId: i,
    };
    const size = vringSize(v.num, v.align);
    const offset = memory.offsetOf(v.da, size);
    memory.bytes.fill(0, offset, offset + size);
    view.setUint32(memory.offsetOf(vdev.addr + VDEV_VRINGS + i * VRING_ENTRY + VRING_NOTIFYID, 4), i, true);
    return ring;
  }) as unknown as [VringInfo, VringInfo];
  const eventIdx = (features & featureBit(VIRTIO_RING_F_EVENT_IDX)) !== 0n;
  return { layout: { ...layout, vrings, eventIdx, numBuffers: vrings[0].num }, table, features };
}

/** The vrings must be usable with this carve-out: equal sizes, room in the pool, no overlap. */
function checkVrings(table: ResourceTable, layout: RpmsgLayout): void {
  const [a, b] = table.vdev.vrings;
  const bad = (field: string, message: string): never => {
    throw new RpmsgError('ERR_RPMSG_RSC_TABLE', `resource table: ${field} ${message}`, {
      field,
      addr: table.addr,
    });
  };
  if (b.num !== a.num) bad('vring[1].num', `(${b.num}) differs from vring[0].num (${a.num})`);
  if (a.num > layout.numBuffers) {
    bad('vring[0].num', `(${a.num}) exceeds the ${layout.numBuffers} buffers per direction of the pool`);
  }
  const tableEnd = table.addr + VDEV_VRINGS + 16 + 4 + 2 * VRING_ENTRY;
  const poolEnd = layout.pool + 2 * layout.numBuffers * layout.bufferSize;
  const spans: [string, number, number][] = [
    ['the resource table', table.addr, tableEnd],
    ['the buffer pool', layout.pool, poolEnd],
  ];
  table.vdev.vrings.forEach((v, i) => {
    const start = v.da;
    const end = v.da + vringSize(v.num, v.align);
    for (const [what, s, e] of spans) {
      if (start < e && s < end) bad(`vring[${i}].da`, `(0x${v.da.toString(16)}) overlaps ${what}`);
    }
    spans.push([`vring[${i}]`, start, end]);
  });
}

/** Resets the status byte (the master stops the device: rproc_stop / virtio reset). */
export function resetStatus(memory: MemoryRegion, layout: RpmsgLayout): void {
  if (layout.resourceTable === undefined) return;
  try {
    const table = readResourceTable(memory, layout.resourceTable);
    writeVdevStatus(memory, table.vdev.statusAddr, 0);
  } catch {
    // A table too broken to read has no status byte to reset.
  }
}

/** What a firmware module may export as `resourceTable`: its image's table, or a patch of the default. */
export type ResourceTableImage =
  | { dfeatures?: bigint | number }
  | ((table: Uint8Array, view: DataView) => void);

/**
 * The remote's half of loading: put the firmware image's resource table into shared RAM at
 * `layout.resourceTable` (what the remoteproc loader copies from the image's `.resource_table`
 * section), status 0. A function image patches the default table (tests use it to break fields).
 */
export function loadResourceTable(
  memory: MemoryRegion,
  layout: RpmsgLayout,
  image?: ResourceTableImage,
): void {
  const dfeatures =
    image && typeof image === 'object' && image.dfeatures !== undefined
      ? BigInt(image.dfeatures)
      : driverFeatures(layout);
  writeResourceTable(memory, layout, { dfeatures });
  if (typeof image === 'function' && layout.resourceTable !== undefined) {
    const size = VDEV_VRINGS + 16 + 4 + 2 * VRING_ENTRY;
    const offset = memory.offsetOf(layout.resourceTable, size);
    image(
      memory.bytes.subarray(offset, offset + size),
      new DataView(memory.buffer, memory.offset + offset, size),
    );
  }
}

/** The remote side: true once the master set DRIVER_OK (the remote must not touch the rings before). */
export function isDriverOk(memory: MemoryRegion, table: ResourceTable): boolean {
  return (readVdevStatus(memory, table.vdev.statusAddr) & VIRTIO_CONFIG_S_DRIVER_OK) !== 0;
}

/** The notify ids the master assigned, read back from the table by the remote after DRIVER_OK. */
export function assignedNotifyIds(memory: MemoryRegion, layout: RpmsgLayout): [number, number] {
  if (layout.resourceTable === undefined) return [layout.vrings[0].notifyId, layout.vrings[1].notifyId];
  const table = readResourceTable(memory, layout.resourceTable);
  return [table.vdev.vrings[0].notifyId, table.vdev.vrings[1].notifyId];
}
