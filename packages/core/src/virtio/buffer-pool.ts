import { InvalidArgValueError, type MemoryRegion } from '@rpmsg/virtio';
import type { RpmsgLayout } from '../layout/types.js';
import type { TransportBuffer } from '../transport.js';

/** Where a buffer slot is: with us, lent to the sink, with the peer, or dead after a link down. */
export const SLOT_FREE = 0;
/** Lent to the sink as a TX buffer (between getTxBuffer and send/release). */
export const SLOT_LENT_TX = 1;
/** Lent to the sink as a received message (until releaseRxBuffer). */
export const SLOT_LENT_RX = 2;
/** On a ring, owned by the peer. */
export const SLOT_PEER = 3;
/** Was lent when the link went down: releasing it does nothing (Transport contract). */
export const SLOT_DEAD = 4;

/**
 * The buffer pool of one RPMsg link as both sides address it: slot k is buffer k of the pool —
 * slots 0..N−1 travel on vq0 (the master's RX), N..2N−1 on vq1 (the master's TX). One
 * {@link TransportBuffer} per slot, made here once (Transport contract: lending never allocates),
 * plus the slot state array that lets the transport police the contract without allocation.
 */
export class BufferPool {
  /** Buffers per direction. */
  readonly numBuffers: number;
  /** Bytes per buffer. */
  readonly bufferSize: number;
  /** Device address of buffer 0. */
  readonly pool: number;
  /** One object per slot. */
  readonly buffers: readonly TransportBuffer[];
  /** SLOT_* per slot. */
  readonly state: Uint8Array;

  /** @throws {VirtioError} ERR_VIRTQ_ADDR when the pool does not lie in `memory` */
  constructor(memory: MemoryRegion, layout: RpmsgLayout) {
    this.numBuffers = layout.numBuffers;
    this.bufferSize = layout.bufferSize;
    this.pool = layout.pool;
    const first = memory.offsetOf(layout.pool, 2 * layout.numBuffers * layout.bufferSize);
    const buffers: TransportBuffer[] = [];
    for (let k = 0; k < 2 * layout.numBuffers; k++) {
      const off = first + k * layout.bufferSize;
      buffers.push(
        Object.freeze({
          index: k,
          bytes: new Uint8Array(memory.buffer, memory.offset + off, layout.bufferSize),
          view: new DataView(memory.buffer, memory.offset + off, layout.bufferSize),
        }),
      );
    }
    this.buffers = buffers;
    this.state = new Uint8Array(2 * layout.numBuffers);
  }

  /** Slot of the buffer at device address `addr`, or -1 when `addr` is not the start of a pool buffer. */
  slotOf(addr: number): number {
    // One division and no `%`: addresses are doubles (hi * 2^32 + lo), and a double `%` is a library
    // call. A multiple of bufferSize divides exactly; any other address leaves a fraction of at least
    // 1 / bufferSize, which no rounding of a quotient below 2N can hide.
    const k = (addr - this.pool) / this.bufferSize;
    return k >= 0 && k < 2 * this.numBuffers && k === Math.floor(k) ? k : -1;
  }

  /** Marks every lent slot dead (the link went down) and returns how many there were. */
  killLent(): number {
    let n = 0;
    for (let k = 0; k < this.state.length; k++) {
      const s = this.state[k];
      if (s === SLOT_LENT_RX || s === SLOT_LENT_TX) {
        this.state[k] = SLOT_DEAD;
        n++;
      }
    }
    return n;
  }

  /**
   * Checks that `buf` is one of ours and in state `expected`; a dead slot returns false (the caller
   * ignores the call). Anything else is a contract breach.
   *
   * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE` naming the method when the buffer is
   *   foreign or in the wrong state (sent or released already, lent for the other direction)
   */
  check(buf: TransportBuffer, expected: number, method: string): boolean {
    const k = buf?.index;
    if (this.buffers[k] !== buf) {
      throw new InvalidArgValueError('buf', `of ${method}() is not from this transport`, buf);
    }
    const s = this.state[k];
    if (s === SLOT_DEAD) {
      this.state[k] = SLOT_FREE;
      return false;
    }
    if (s !== expected) {
      throw new InvalidArgValueError(
        'buf',
        `of ${method}() is buffer ${k}, not lent for it (state ${s})`,
        buf,
      );
    }
    return true;
  }
}
