import { VirtioError } from './errors.js';
import { VRING_DESC_ALIGN_SIZE, type VringLayout, vringLayout } from './layout.js';
import type { MemoryRegion } from './memory.js';

/** Where a split ring lives and what was negotiated for it; shared by both sides. */
export interface VirtqueueOptions {
  /** The shared RAM holding the ring (and, usually, the buffers). */
  memory: MemoryRegion;
  /** Device address of the ring (its descriptor table), 16-byte aligned. */
  addr: number;
  /** Queue size: a power of two, 1..32768. */
  num: number;
  /** Alignment of the used ring (legacy layout; 4096 for Linux remoteproc, 16 on small MCUs). */
  align: number;
  /** VIRTIO_RING_F_EVENT_IDX negotiated: use used_event / avail_event instead of the flags. */
  eventIdx?: boolean;
  /** VIRTIO_RING_F_INDIRECT_DESC negotiated: indirect tables allowed. */
  indirect?: boolean;
  /** Driver side: how `kick()` rings the device's doorbell. */
  notify?: () => void;
  /**
   * Driver side: what bounds a used element's `len`. `'writable'` (default, virtio 1.2 §2.7.8.1): the
   * device-writable bytes of the buffer. `'chain'`: all bytes of the buffer — for peers such as
   * RPMsg-Lite that report the whole buffer length even for buffers they only read.
   */
  usedLenLimit?: 'writable' | 'chain';
}

/** Resolved ring geometry (internal). */
export interface RingPlacement {
  readonly layout: VringLayout;
  /** Region byte offset of the ring. */
  readonly ring: number;
}

/**
 * Checks the options and places the ring in the region.
 * @throws RangeError for a bad num/align; VirtioError ERR_VIRTQ_LAYOUT when the ring does not fit the
 * region, is not 16-byte aligned, or cannot use Atomics on its index words.
 */
export function placeRing(options: VirtqueueOptions): RingPlacement {
  const { memory, addr, num, align } = options;
  const layout = vringLayout(num, align);
  if (!Number.isSafeInteger(addr) || addr % VRING_DESC_ALIGN_SIZE !== 0) {
    throw new VirtioError(
      'ERR_VIRTQ_LAYOUT',
      `ring address must be 16-byte aligned, got 0x${addr.toString(16)}`,
      {
        addr,
      },
    );
  }
  if (!memory.contains(addr, layout.size)) {
    throw new VirtioError(
      'ERR_VIRTQ_LAYOUT',
      `ring of ${layout.size} bytes at 0x${addr.toString(16)} is outside the region`,
      {
        addr,
        length: layout.size,
      },
    );
  }
  const ring = addr - memory.base;
  if (memory.isShared && (memory.u16 === null || (memory.offset + ring) % 2 !== 0)) {
    throw new VirtioError(
      'ERR_VIRTQ_LAYOUT',
      'index words of a shared ring must be 2-byte aligned in the buffer',
      {
        addr,
      },
    );
  }
  return { layout, ring };
}

/** The error every operation throws once a queue is broken. */
export function brokenError(side: string): VirtioError {
  return new VirtioError('ERR_VIRTQ_BROKEN', `${side} queue is broken after a bad ring; reset() it`);
}
