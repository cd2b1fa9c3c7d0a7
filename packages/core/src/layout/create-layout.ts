import {
  alignUp,
  checkBoolean,
  checkInteger,
  checkOneOf,
  checkOptions,
  isPowerOfTwo,
  MAX_QUEUE_SIZE,
  OutOfRangeError,
  vringSize,
} from '@rpmsg/virtio';
import { RPMSG_HEADER_SIZE, RPMSG_NS_MSG_SIZE } from '../constants.js';
import { RpmsgError } from '../errors.js';
import { RESOURCE_TABLE_SIZE } from './resource-table.js';
import type { LayoutProfile, RpmsgLayout, VringInfo } from './types.js';

/** Options of {@link createLayout}; every one has the default the profile's C implementation uses. */
export interface CreateLayoutOptions {
  /** Device address of the region (default 0x10000000, a typical shared-RAM carve-out). */
  base?: number;
  /** Buffers per direction = vring size, a power of two (default 256, as Linux and RPMsg-Lite). */
  numBuffers?: number;
  /** Bytes per buffer, header included (default 512). */
  bufferSize?: number;
  /** Vring alignment (default 0x1000; RPMsg-Lite MCU↔MCU parts use 0x10). */
  align?: number;
  /**
   * rpmsg-lite: distance from vring 0 to vring 1. Default 0x8000 when `align` ≥ 0x1000 (parts that
   * talk to Linux), else desc + avail + used each rounded up to `align` (MCU↔MCU parts).
   */
  stride?: number;
  /** Use VIRTIO_RING_F_EVENT_IDX (default false: RPMsg-Lite never does, Linux offers it only if the remote does). */
  eventIdx?: boolean;
  /** rpmsg-lite link id (default 0): notify ids are `linkId << 1 | vring`. */
  linkId?: number;
}

/** Default device address of a region built by {@link createLayout}. */
export const DEFAULT_REGION_BASE = 0x1000_0000;
/** RPMsg-Lite's vring stride on parts that talk to Linux (`VRING_SIZE` in its platform headers). */
export const RPMSG_LITE_LINUX_STRIDE = 0x8000;

const PROFILES: readonly LayoutProfile[] = ['linux', 'rpmsg-lite'];

/** An integer option in `[min, max]` that is a power of two. */
function checkPowerOfTwo(argument: string, value: unknown, min: number, max: number): number {
  checkInteger(argument, value, min, max);
  if (!isPowerOfTwo(value as number)) {
    throw new OutOfRangeError(argument, `a power of two >= ${min} and <= ${max}`, value);
  }
  return value as number;
}

/** An integer option in `[min, max]` that is a multiple of `align` (a power of two). */
function checkAligned(argument: string, value: unknown, min: number, max: number, align: number): number {
  checkInteger(argument, value, min, max);
  if ((value as number) % align !== 0) {
    throw new OutOfRangeError(argument, `a multiple of options.align (0x${align.toString(16)})`, value);
  }
  return value as number;
}

/**
 * Builds the layout of a fresh region for `profile`, computing every address (docs/layouts.md,
 * "Profiles"):
 *
 * - `linux`: remoteproc resource table at `base`, vq0 and vq1 each at the next `align` boundary,
 *   then the pool (RX half, then TX half) as Linux virtio_rpmsg_bus allocates it;
 * - `rpmsg-lite`: vq0 at `base`, vq1 at `base + stride`, the pool at `base + 2 × stride`.
 *
 * ```ts
 * const layout = createLayout('rpmsg-lite', { numBuffers: 4, align: 16 }); // the mcu-compact vectors
 * layout.vrings[1].da; // 0x10000080
 * ```
 *
 * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE` for a `profile` other than the two
 * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE` when `options` or one of its values has the
 *   wrong type (`options.eventIdx: 'yes'`)
 * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` naming the option (`options.numBuffers`) when a value
 *   is out of range, not a power of two, or (`base`, `stride`) not a multiple of `align`
 * @throws {RpmsgError} `ERR_RPMSG_LAYOUT` when a given `stride` is too small for the vring, or the
 *   region does not fit below 4 GiB
 */
export function createLayout(profile: LayoutProfile, options?: CreateLayoutOptions): RpmsgLayout {
  checkOneOf('profile', profile, PROFILES);
  const opts = checkOptions('options', options);
  const num = checkPowerOfTwo('options.numBuffers', opts.numBuffers ?? 256, 1, MAX_QUEUE_SIZE);
  const bufferSize = checkInteger(
    'options.bufferSize',
    opts.bufferSize ?? 512,
    RPMSG_HEADER_SIZE + RPMSG_NS_MSG_SIZE,
    0x10000,
  );
  const align = checkPowerOfTwo('options.align', opts.align ?? 0x1000, 4, 0x10000);
  // The region starts on an `align` boundary, so a ring's offset in the region is aligned as its
  // device address is: the ring index words are accessed with Atomics, which refuse unaligned
  // offsets (base 3 used to boot a remote that died on its first ring access), and RPMsg-Lite
  // aligns the used ring by absolute address (vring_init), not from the ring's start.
  const base = checkAligned('options.base', opts.base ?? DEFAULT_REGION_BASE, 0, 0xffff_ffff, align);
  const eventIdx = checkBoolean('options.eventIdx', opts.eventIdx ?? false);
  const ringBytes = vringSize(num, align);
  let layout: RpmsgLayout;
  if (profile === 'linux') {
    const resourceTable = base;
    const vq0 = alignUp(base + RESOURCE_TABLE_SIZE, align);
    const vq1 = alignUp(vq0 + ringBytes, align);
    const pool = alignUp(vq1 + ringBytes, align);
    layout = {
      profile,
      base,
      size: pool + 2 * num * bufferSize - base,
      // Notify ids as Linux remoteproc hands them out (idr from 0, one per vring).
      vrings: [vring('vq0', vq0, num, align, 0), vring('vq1', vq1, num, align, 1)],
      bufferSize,
      eventIdx,
      resourceTable,
      pool,
      numBuffers: num,
    };
  } else {
    const linkId = checkInteger('options.linkId', opts.linkId ?? 0, 0, 0x7fff_ffff);
    const stride = checkInteger('options.stride', opts.stride ?? defaultStride(num, align), 1, 0x7fff_ffff);
    if (stride < ringBytes) {
      throw new RpmsgError(
        'ERR_RPMSG_LAYOUT',
        `stride ${stride} is smaller than the vring (${ringBytes} bytes)`,
        {
          field: 'stride',
          length: ringBytes,
          limit: stride,
        },
      );
    }
    // vq1 sits at base + stride: a multiple of align, for the same reason as base.
    checkAligned('options.stride', stride, 1, 0x7fff_ffff, align);
    layout = {
      profile,
      base,
      size: 2 * stride + 2 * num * bufferSize,
      vrings: [
        vring('vq0', base, num, align, linkId * 2),
        vring('vq1', base + stride, num, align, linkId * 2 + 1),
      ],
      bufferSize,
      eventIdx,
      pool: base + 2 * stride,
      linkId,
      numBuffers: num,
    };
  }
  if (layout.base + layout.size > 0x1_0000_0000) {
    throw new RpmsgError('ERR_RPMSG_LAYOUT', 'region does not fit below 4 GiB (32-bit device addresses)', {
      field: 'size',
      length: layout.size,
    });
  }
  return layout;
}

/**
 * RPMsg-Lite's vring stride: 0x8000 on Linux-facing parts (align ≥ 0x1000), else desc, avail and
 * used each rounded up to `align` (RPMsg-Lite `RL_VRING_OVERHEAD` on MCU↔MCU platforms).
 */
export function defaultStride(num: number, align: number): number {
  if (align >= 0x1000 && vringSize(num, align) <= RPMSG_LITE_LINUX_STRIDE) return RPMSG_LITE_LINUX_STRIDE;
  return alignUp(16 * num, align) + alignUp(2 * (3 + num), align) + alignUp(6 + 8 * num, align);
}

function vring(name: 'vq0' | 'vq1', da: number, num: number, align: number, notifyId: number): VringInfo {
  return {
    name,
    da,
    num,
    align,
    direction: name === 'vq0' ? 'remote-to-master' : 'master-to-remote',
    notifyId,
  };
}
