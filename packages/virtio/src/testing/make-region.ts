import { alignUp, type VringLayout, vringLayout } from '../layout.js';
import { MemoryRegion } from '../memory.js';

/** Options of `makeRegion`. */
export interface MakeRegionOptions {
  /** Queue size (default 8). */
  num?: number;
  /** Used-ring alignment (default 16). */
  align?: number;
  /** Device address of the region (default 0x10000000 — never 0, docs/layouts.md). */
  base?: number;
  /** Bytes per buffer in the pool after the ring (default 512). */
  bufferSize?: number;
  /** Buffers in the pool (default num). */
  buffers?: number;
  /** Spare bytes at the end of the region, e.g. for indirect tables (default 0). */
  extra?: number;
  /** Guard bytes in the buffer before and after the region, outside it (default 0). */
  guard?: number;
  /** Back the region with a SharedArrayBuffer (default true). */
  shared?: boolean;
}

/** What `makeRegion` built. */
export interface TestRegion {
  /** The region: ring at its start, then the buffer pool, then `extra` bytes. */
  memory: MemoryRegion;
  /** Device address of the ring. */
  ringAddr: number;
  /** Ring offsets. */
  layout: VringLayout;
  /** Device address of the pool. */
  poolAddr: number;
  /** Device address of the spare `extra` bytes. */
  extraAddr: number;
  /** Device address of buffer `i` of the pool. */
  bufAddr(i: number): number;
}

/**
 * Builds a region for tests: one ring at the region start, a buffer pool after it, optional spare bytes,
 * optional guard bytes around the region inside the same buffer (to prove nothing writes outside).
 */
export function makeRegion(options: MakeRegionOptions = {}): TestRegion {
  const num = options.num ?? 8;
  const align = options.align ?? 16;
  const base = options.base ?? 0x1000_0000;
  const bufferSize = options.bufferSize ?? 512;
  const buffers = options.buffers ?? num;
  const extra = options.extra ?? 0;
  const guard = alignUp(options.guard ?? 0, 16);
  const layout = vringLayout(num, align);
  const pool = alignUp(layout.size, 16);
  const size = pool + buffers * bufferSize + extra;
  const bytes = guard * 2 + size;
  const buffer = (options.shared ?? true) ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const memory = new MemoryRegion(buffer, { base, offset: guard, size });
  return {
    memory,
    ringAddr: base,
    layout,
    poolAddr: base + pool,
    extraAddr: base + pool + buffers * bufferSize,
    bufAddr: (i: number) => base + pool + i * bufferSize,
  };
}
