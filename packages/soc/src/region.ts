import type { RpmsgLayout } from '@rpmsg/core';
import { MemoryRegion } from '@rpmsg/virtio';

/**
 * The shared RAM of the simulated SoC: one SharedArrayBuffer at a device base address (docs/layouts.md),
 * seen by both cores. Every address in a ring or the resource table is a device address; the byte
 * offset is `addr − base`.
 */
export class SharedRam {
  /** The buffer both threads map. */
  readonly buffer: SharedArrayBuffer;
  /** The region view the rings and transports use. */
  readonly memory: MemoryRegion;

  /** Allocates zeroed shared RAM big enough for `layout`. */
  static create(layout: RpmsgLayout): SharedRam {
    return new SharedRam(new SharedArrayBuffer(layout.size), layout.base);
  }

  /**
   * Maps an existing buffer (in a worker: the one the SoC sent) at device address `base`: the
   * region is `size` bytes from `offset` (a SoC with WebAssembly cores puts it above the firmware
   * slots of its shared memory: docs/c-firmware.md#memory-map).
   */
  constructor(buffer: SharedArrayBuffer, base: number, offset = 0, size?: number) {
    if (!(buffer instanceof SharedArrayBuffer)) throw new TypeError('buffer must be a SharedArrayBuffer');
    this.buffer = buffer;
    this.memory = new MemoryRegion(buffer, { base, offset, size });
  }

  /** Device address of the first byte. */
  get base(): number {
    return this.memory.base;
  }

  /** Size in bytes. */
  get size(): number {
    return this.memory.size;
  }

  /**
   * Zeroes `length` bytes at device address `addr` (the vrings before use: docs/interop.md#bring-up).
   *
   * @throws {VirtioError} `ERR_VIRTQ_ADDR` when the range is not inside the region
   */
  zero(addr: number, length: number): void {
    const offset = this.memory.offsetOf(addr, length);
    this.memory.bytes.fill(0, offset, offset + length);
  }

  /** A copy of the whole region as it is now (a memory dump for `rpmsg inspect`). */
  snapshot(): Uint8Array {
    return this.memory.bytes.slice();
  }
}
