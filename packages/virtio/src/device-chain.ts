import type { DescriptorChain } from './descriptor.js';
import { VirtioError, type VirtioErrorCode, type VirtioErrorDetails } from './errors.js';
import { VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, VRING_DESC_F_WRITE, VRING_DESC_SIZE } from './layout.js';
import type { MemoryRegion } from './memory.js';

// The device's chain walk: reads a chain the driver made available — in ring memory written by another
// core, so distrusted — into a DescriptorChain, validating every link, buffer and indirect table. A
// violation throws VirtioError; the device then marks its queue broken.

const TWO_32 = 4294967296;
// Largest high word that keeps hi * 2^32 + lo a safe integer.
const MAX_ADDR_HI = 0x1fffff;
const U32_MAX = 0xffffffff;

/** What a walk needs to know of the ring: the device keeps one, built once (no per-pop allocation). */
export interface ChainRing {
  /** Queue size: walks are bounded by it. */
  readonly num: number;
  /** VIRTIO_RING_F_INDIRECT_DESC negotiated. */
  readonly indirect: boolean;
  /** The region holding the ring and the buffers. */
  readonly memory: MemoryRegion;
  /** `memory.view`. */
  readonly view: DataView;
  /** Region byte offset of the descriptor table. */
  readonly desc: number;
}

/** Walks a chain from `head`: at most num descriptors, so a looping `next` ends (virtio 1.2 §2.7.5.2). */
export function walkChain(ring: ChainRing, chain: DescriptorChain, head: number): void {
  const view = ring.view;
  const first = ring.desc + head * VRING_DESC_SIZE;
  const firstFlags = view.getUint16(first + 12, true);
  if ((firstFlags & (VRING_DESC_F_NEXT | VRING_DESC_F_INDIRECT)) === 0) {
    // The usual shape — every RPMsg buffer is one direct descriptor — checked in one step: the buffer
    // must lie in the region, as segment() demands. Anything else takes the full walk, which reports it.
    const hi = view.getUint32(first + 4, true);
    const len = view.getUint32(first + 8, true);
    const addr = hi * TWO_32 + view.getUint32(first, true);
    if (hi <= MAX_ADDR_HI && ring.memory.contains(addr, len)) {
      chain.push(addr, addr - ring.memory.base, len, (firstFlags & VRING_DESC_F_WRITE) !== 0);
      return;
    }
  }
  let i = head;
  for (let ttl = ring.num; ; ttl--) {
    if (ttl === 0) {
      fail('ERR_VIRTQ_CHAIN_LOOP', `chain from ${head} is longer than num: its next links loop`, {
        index: head,
        limit: ring.num,
      });
    }
    const off = ring.desc + i * VRING_DESC_SIZE;
    const lo = view.getUint32(off, true);
    const hi = view.getUint32(off + 4, true);
    const len = view.getUint32(off + 8, true);
    const flags = view.getUint16(off + 12, true);
    if (flags & VRING_DESC_F_INDIRECT) {
      walkIndirect(ring, chain, lo, hi, len, flags);
      return; // NEXT with INDIRECT was refused: the table ends the chain
    }
    segment(ring, chain, lo, hi, len, flags);
    if ((flags & VRING_DESC_F_NEXT) === 0) return;
    const next = view.getUint16(off + 14, true);
    if (next >= ring.num) {
      fail('ERR_VIRTQ_DESC_INDEX', `desc ${i} links to ${next} ≥ num`, {
        index: next,
        limit: ring.num,
      });
    }
    i = next;
  }
}

/** Follows an indirect table (virtio 1.2 §2.7.5.3.2): in the region, whole descriptors, not nested. */
function walkIndirect(
  ring: ChainRing,
  chain: DescriptorChain,
  lo: number,
  hi: number,
  len: number,
  flags: number,
): void {
  if (!ring.indirect) fail('ERR_VIRTQ_INDIRECT', 'indirect descriptor, but INDIRECT_DESC not negotiated', {});
  if (flags & VRING_DESC_F_NEXT) {
    fail('ERR_VIRTQ_INDIRECT', 'descriptor sets both INDIRECT and NEXT (virtio 1.2 §2.7.5.3.1)', {
      value: flags,
    });
  }
  const entries = len / VRING_DESC_SIZE;
  if (len === 0 || len % VRING_DESC_SIZE !== 0 || entries + chain.length > ring.num) {
    fail('ERR_VIRTQ_INDIRECT', `indirect table of ${len} bytes is empty, ragged or longer than num`, {
      length: len,
      limit: ring.num,
    });
  }
  const addr = hi * TWO_32 + lo;
  if (hi > MAX_ADDR_HI || !ring.memory.contains(addr, len)) {
    fail('ERR_VIRTQ_INDIRECT', `indirect table 0x${addr.toString(16)}+${len} is outside the region`, {
      addr,
      length: len,
    });
  }
  chain.indirect = true;
  const view = ring.view;
  const table = addr - ring.memory.base;
  let i = 0;
  for (let ttl = entries; ; ttl--) {
    if (ttl === 0) {
      fail('ERR_VIRTQ_CHAIN_LOOP', 'indirect chain is longer than its table: its next links loop', {
        limit: entries,
      });
    }
    const off = table + i * VRING_DESC_SIZE;
    const dlo = view.getUint32(off, true);
    const dhi = view.getUint32(off + 4, true);
    const dlen = view.getUint32(off + 8, true);
    const dflags = view.getUint16(off + 12, true);
    if (dflags & VRING_DESC_F_INDIRECT) {
      fail('ERR_VIRTQ_INDIRECT', 'nested indirect table (virtio 1.2 §2.7.5.3.1)', {
        index: i,
        value: dflags,
      });
    }
    segment(ring, chain, dlo, dhi, dlen, dflags);
    if ((dflags & VRING_DESC_F_NEXT) === 0) return;
    const next = view.getUint16(off + 14, true);
    if (next >= entries) {
      fail('ERR_VIRTQ_INDIRECT', `indirect desc ${i} links to ${next} outside its table`, {
        index: next,
        limit: entries,
      });
    }
    i = next;
  }
}

/** Validates one buffer descriptor and appends it to the chain. */
function segment(
  ring: ChainRing,
  chain: DescriptorChain,
  lo: number,
  hi: number,
  len: number,
  flags: number,
): void {
  const addr = hi * TWO_32 + lo;
  if (hi > MAX_ADDR_HI || !ring.memory.contains(addr, len)) {
    fail('ERR_VIRTQ_ADDR', `buffer 0x${addr.toString(16)}+${len} is outside the region`, {
      addr,
      length: len,
    });
  }
  const write = (flags & VRING_DESC_F_WRITE) !== 0;
  if (!write && chain.length !== chain.readableCount) {
    fail('ERR_VIRTQ_DESC_ORDER', 'device-readable descriptor after a device-writable one', {
      index: chain.headIndex,
    });
  }
  // Only reachable when direct descriptors precede an indirect table: the walks are bounded by num.
  if (chain.length >= ring.num) {
    fail('ERR_VIRTQ_CHAIN_LEN', 'chain has more than num segments', {
      index: chain.headIndex,
      limit: ring.num,
    });
  }
  // used.len is u32, so the device must be able to count every byte; both totals stay below 2^53.
  if ((write ? chain.writableLength : chain.readableLength) + len > U32_MAX) {
    fail('ERR_VIRTQ_CHAIN_LEN', 'chain length exceeds 2^32-1 bytes', {
      index: chain.headIndex,
      length: len,
    });
  }
  chain.push(addr, addr - ring.memory.base, len, write);
}

function fail(code: VirtioErrorCode, message: string, details: VirtioErrorDetails): never {
  throw new VirtioError(code, message, details);
}
