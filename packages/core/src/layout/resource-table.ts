import type { MemoryRegion } from '@rpmsg/virtio';
import { isPowerOfTwo, MAX_QUEUE_SIZE, VIRTIO_ID_RPMSG, vringSize } from '@rpmsg/virtio';
import { RpmsgError } from '../errors.js';
import type { RpmsgLayout } from './types.js';

// remoteproc resource table, docs/wire-format.md#remoteproc-resource-table-linux-profile (Linux include/linux/remoteproc.h):
//   ver u32 | num u32 | reserved u32[2] | offset u32[num]      then entries, each `type u32 | …`
//   vdev (type 3): id | notifyid | dfeatures | gfeatures | config_len (u32 each) | status u8 |
//                  num_of_vrings u8 | reserved u8[2] | vring[n] { da | align | num | notifyid | pa }

/** Resource entry type of a virtio device (`RSC_VDEV`). */
export const RSC_VDEV = 3;
/** Bytes of the table header before the offsets. */
const HEADER_SIZE = 16;
/** Bytes of a vdev entry before its vrings (type word included). */
const VDEV_SIZE = 28;
/** Bytes per vring in a vdev entry. */
const VRING_ENTRY_SIZE = 20;
/** Bytes of the one-vdev table {@link writeResourceTable} writes. */
export const RESOURCE_TABLE_SIZE = HEADER_SIZE + 4 + VDEV_SIZE + 2 * VRING_ENTRY_SIZE;

/** One vring as the resource table describes it. */
export interface ResourceTableVring {
  /** Device address of the ring. */
  readonly da: number;
  /** Alignment of its used ring. */
  readonly align: number;
  /** Number of descriptors. */
  readonly num: number;
  /** Doorbell id (assigned by the master). */
  readonly notifyId: number;
  /** Physical address (reserved by Linux; 0 from us). */
  readonly pa: number;
}

/** The rpmsg virtio device entry of a resource table. */
export interface ResourceTableVdev {
  /** Virtio device id (7 = rpmsg). */
  readonly id: number;
  /** Doorbell id of the device itself. */
  readonly notifyId: number;
  /** Features the device (remote) offers. */
  readonly dfeatures: bigint;
  /** Features the driver (master) accepted, at the time of reading. */
  readonly gfeatures: bigint;
  /** Bytes of device config after the vrings. */
  readonly configLen: number;
  /** The status byte at the time of reading. */
  readonly status: number;
  /** Device address of the vdev entry. */
  readonly addr: number;
  /** Device address of the status byte (see {@link readVdevStatus}). */
  readonly statusAddr: number;
  /** Device address of the gfeatures word (see {@link writeGuestFeatures}). */
  readonly gfeaturesAddr: number;
  /** vq0 then vq1. */
  readonly vrings: readonly [ResourceTableVring, ResourceTableVring];
}

/** A validated remoteproc resource table holding one rpmsg vdev. */
export interface ResourceTable {
  /** Table version (always 1). */
  readonly version: number;
  /** Device address of the table. */
  readonly addr: number;
  /** The rpmsg virtio device. */
  readonly vdev: ResourceTableVdev;
}

function fail(field: string, message: string, addr?: number): never {
  throw new RpmsgError('ERR_RPMSG_RSC_TABLE', `resource table: ${field} ${message}`, { field, addr });
}

/**
 * Writes a one-vdev resource table for `layout` at `layout.resourceTable`, as a remote's firmware
 * publishes it: the vrings' addresses and notify ids from the layout, `dfeatures` offered, gfeatures
 * and status 0 (the master fills them in).
 *
 * @throws {RpmsgError} `ERR_RPMSG_LAYOUT` when the layout has no resource table; `ERR_RPMSG_RSC_TABLE`
 *   when `dfeatures` needs bits above 31 (remoteproc is legacy virtio, docs/interop.md#bring-up)
 */
export function writeResourceTable(
  memory: MemoryRegion,
  layout: RpmsgLayout,
  options: { dfeatures: bigint },
): void {
  const addr = layout.resourceTable;
  if (addr === undefined) {
    throw new RpmsgError('ERR_RPMSG_LAYOUT', 'layout has no resourceTable', { field: 'resourceTable' });
  }
  if (options.dfeatures < 0n || options.dfeatures > 0xffff_ffffn) fail('dfeatures', 'must fit in 32 bits');
  const off = offsetOf(memory, addr, RESOURCE_TABLE_SIZE, 'addr');
  const view = memory.view;
  memory.bytes.fill(0, off, off + RESOURCE_TABLE_SIZE);
  view.setUint32(off, 1, true); // ver
  view.setUint32(off + 4, 1, true); // num
  view.setUint32(off + HEADER_SIZE, HEADER_SIZE + 4, true); // offset[0]
  const vdev = off + HEADER_SIZE + 4;
  view.setUint32(vdev, RSC_VDEV, true);
  view.setUint32(vdev + 4, VIRTIO_ID_RPMSG, true);
  view.setUint32(vdev + 8, layout.vrings[1].notifyId + 1, true); // distinct from the vrings' ids
  view.setUint32(vdev + 12, Number(options.dfeatures), true);
  view.setUint8(vdev + 25, 2); // num_of_vrings
  layout.vrings.forEach((v, i) => {
    const e = vdev + VDEV_SIZE + i * VRING_ENTRY_SIZE;
    view.setUint32(e, v.da, true);
    view.setUint32(e + 4, v.align, true);
    view.setUint32(e + 8, v.num, true);
    view.setUint32(e + 12, v.notifyId, true);
  });
}

/**
 * Reads and validates the resource table at device address `addr`: version 1, reserved words 0,
 * every offset and entry inside the region, exactly one rpmsg vdev (id 7) with two vrings whose
 * `num` is a power of two and whose rings lie inside the region. Other entry types are skipped.
 * The table is written by the peer: nothing in it is trusted.
 *
 * @throws {RpmsgError} `ERR_RPMSG_RSC_TABLE` with `field` naming what is wrong
 */
export function readResourceTable(memory: MemoryRegion, addr: number): ResourceTable {
  const off = offsetOf(memory, addr, HEADER_SIZE, 'addr');
  const view = memory.view;
  const version = view.getUint32(off, true);
  if (version !== 1) fail('ver', `is ${version}, expected 1`, addr);
  const num = view.getUint32(off + 4, true);
  if (view.getUint32(off + 8, true) !== 0 || view.getUint32(off + 12, true) !== 0) {
    fail('reserved', 'must be 0', addr);
  }
  // The offsets array must fit: bounds `num` by the region size before any loop.
  if (num === 0 || !memory.contains(addr + HEADER_SIZE, num * 4))
    fail('num', `${num} entries do not fit`, addr);
  let found: ResourceTableVdev | undefined;
  for (let i = 0; i < num; i++) {
    const entryOffset = view.getUint32(off + HEADER_SIZE + 4 * i, true);
    const entry = addr + entryOffset;
    if (!memory.contains(entry, 4)) fail(`offset[${i}]`, `(${entryOffset}) points outside the region`, addr);
    if (view.getUint32(memory.offsetOf(entry, 4), true) !== RSC_VDEV) continue;
    if (found) fail(`offset[${i}]`, 'is a second vdev (one rpmsg vdev expected)', entry);
    found = readVdev(memory, entry);
  }
  if (!found) fail('vdev', 'missing (no entry of type 3)', addr);
  return { version, addr, vdev: found };
}

function readVdev(memory: MemoryRegion, addr: number): ResourceTableVdev {
  const off = offsetOf(memory, addr, VDEV_SIZE, 'vdev');
  const view = memory.view;
  const id = view.getUint32(off + 4, true);
  if (id !== VIRTIO_ID_RPMSG) fail('vdev.id', `is ${id}, expected ${VIRTIO_ID_RPMSG} (rpmsg)`, addr);
  const numVrings = view.getUint8(off + 25);
  if (numVrings !== 2) fail('vdev.num_of_vrings', `is ${numVrings}, expected 2`, addr);
  if (view.getUint16(off + 26, true) !== 0) fail('vdev.reserved', 'must be 0', addr);
  const configLen = view.getUint32(off + 20, true);
  if (!memory.contains(addr + VDEV_SIZE, 2 * VRING_ENTRY_SIZE + configLen)) {
    fail('vdev.config_len', `(${configLen}) runs outside the region`, addr);
  }
  const vrings = [0, 1].map((i) => {
    const e = off + VDEV_SIZE + i * VRING_ENTRY_SIZE;
    const da = view.getUint32(e, true);
    const align = view.getUint32(e + 4, true);
    const n = view.getUint32(e + 8, true);
    if (!isPowerOfTwo(n) || n > MAX_QUEUE_SIZE)
      fail(`vring[${i}].num`, `(${n}) is not a power of two ≤ 32768`, addr);
    if (!isPowerOfTwo(align)) fail(`vring[${i}].align`, `(${align}) is not a power of two`, addr);
    if (!memory.contains(da, vringSize(n, align)))
      fail(`vring[${i}].da`, `(0x${da.toString(16)}) ring runs outside the region`, addr);
    return { da, align, num: n, notifyId: view.getUint32(e + 12, true), pa: view.getUint32(e + 16, true) };
  }) as [ResourceTableVring, ResourceTableVring];
  return {
    id,
    notifyId: view.getUint32(off + 8, true),
    dfeatures: BigInt(view.getUint32(off + 12, true)),
    gfeatures: BigInt(view.getUint32(off + 16, true)),
    configLen,
    status: view.getUint8(off + 24),
    addr,
    statusAddr: addr + 24,
    gfeaturesAddr: addr + 16,
    vrings,
  };
}

function offsetOf(memory: MemoryRegion, addr: number, length: number, field: string): number {
  if (!memory.contains(addr, length))
    fail(field, `(0x${addr.toString(16)}, ${length} bytes) is outside the region`, addr);
  return memory.offsetOf(addr, length);
}

/**
 * Reads the vdev status byte (Atomics: the master's DRIVER_OK store orders everything it wrote
 * before, so a remote that sees DRIVER_OK sees posted buffers and gfeatures too).
 */
export function readVdevStatus(memory: MemoryRegion, statusAddr: number): number {
  return Atomics.load(memory.bytes, memory.offsetOf(statusAddr, 1));
}

/** Writes the vdev status byte with Atomics.store (publishes everything written before it). */
export function writeVdevStatus(memory: MemoryRegion, statusAddr: number, status: number): void {
  Atomics.store(memory.bytes, memory.offsetOf(statusAddr, 1), status & 0xff);
}

/** Reads the gfeatures word (the features the master accepted). */
export function readGuestFeatures(memory: MemoryRegion, gfeaturesAddr: number): bigint {
  return BigInt(memory.view.getUint32(memory.offsetOf(gfeaturesAddr, 4), true));
}

/**
 * Writes the gfeatures word; the master does it before setting DRIVER_OK, whose Atomics store
 * makes it visible. Bits above 31 cannot be expressed (legacy virtio, docs/interop.md#bring-up).
 *
 * @throws {RpmsgError} `ERR_RPMSG_RSC_TABLE` when `features` needs more than 32 bits
 */
export function writeGuestFeatures(memory: MemoryRegion, gfeaturesAddr: number, features: bigint): void {
  if (features < 0n || features > 0xffff_ffffn) fail('gfeatures', 'must fit in 32 bits');
  memory.view.setUint32(memory.offsetOf(gfeaturesAddr, 4), Number(features), true);
}
