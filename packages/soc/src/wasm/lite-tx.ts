import type { RpmsgDevice, TxBuffer } from '@rpmsg/core';
import { LiteEndpoint, type RpmsgLite } from '../lite.js';
import {
  RL_ADDR_ANY,
  RL_ERR_BUFF_SIZE,
  RL_ERR_NO_MEM,
  RL_ERR_PARAM,
  RL_NOT_READY,
  RL_SUCCESS,
  rlCode,
} from './lite-codes.js';
import type { CEndpoint, CEndpoints } from './lite-endpoints.js';
import type { CMemory } from './lite-memory.js';
import type { LiteWaits } from './lite-wait.js';

/** A TX buffer lent to C, by payload pointer (the record is reused whenever its slot is lent again). */
interface Lend {
  tx: TxBuffer | null;
  owner: CEndpoint;
}

/**
 * rpmsg_lite_alloc_tx_buffer / rpmsg_lite_send_nocopy over the device's zero-copy lends. RPMsg-Lite's
 * TX buffers belong to no endpoint, the device's are lent by one and sent with its address as `src`.
 * So a buffer is lent by the endpoint most likely to send it (the last one that did, else the
 * oldest), and sending it from another endpoint moves the payload into a buffer of that one: correct
 * `src`, one copy, on that path only. A firmware with one endpoint never copies.
 */
export class LiteTx {
  readonly #lite: RpmsgLite;
  readonly #device: RpmsgDevice;
  readonly #mem: CMemory;
  readonly #endpoints: CEndpoints;
  readonly #waits: LiteWaits;
  readonly #lends = new Map<number, Lend>();
  #lendFrom: CEndpoint | undefined;
  /** Lends while the firmware has no endpoint: a private one, never announced, that receives nothing. */
  #pool: CEndpoint | undefined;
  /** Holds a payload on the way between two buffers when no second buffer is free (mtu bytes, made once). */
  #scratch: Uint8Array | undefined;

  constructor(lite: RpmsgLite, mem: CMemory, endpoints: CEndpoints, waits: LiteWaits) {
    this.#lite = lite;
    this.#device = lite.device;
    this.#mem = mem;
    this.#endpoints = endpoints;
    this.#waits = waits;
  }

  /** Lends a TX buffer, waiting up to `ms` when `canWait`; its payload pointer, or 0. */
  alloc(ms: number, canWait: boolean): number {
    if (!this.#lite.isLinkUp()) return 0;
    const owner = this.#owner();
    let tx = owner.ept.endpoint.tryGetTxBuffer();
    if (!tx && canWait && ms > 0) tx = this.#waits.txBuffer(owner.ept, ms);
    if (!tx) return 0;
    const ptr = tx.payload.byteOffset;
    owner.lends++;
    const lend = this.#lends.get(ptr);
    if (lend) {
      lend.tx = tx;
      lend.owner = owner;
    } else this.#lends.set(ptr, { tx, owner });
    return ptr;
  }

  /**
   * Sends the lent buffer at `ptr` from `entry` to `dst`. On an error code the buffer stays lent,
   * except when the link took it (RL_NOT_READY after a link down).
   */
  send(entry: CEndpoint, dst: number, ptr: number, size: number, canWait: boolean): number {
    const lend = this.#lends.get(ptr >>> 0);
    if (!lend?.tx) return RL_ERR_PARAM;
    const n = size >>> 0;
    if (n > this.#device.mtu) return RL_ERR_BUFF_SIZE;
    if (dst >>> 0 === RL_ADDR_ANY) return RL_ERR_PARAM;
    if (!this.#lite.isLinkUp()) return RL_NOT_READY;
    const { tx, owner } = lend;
    let out: TxBuffer | null = tx;
    try {
      if (owner !== entry) out = this.#move(tx, entry, ptr >>> 0, n, canWait);
      this.#end(lend);
      if (!out) return RL_ERR_NO_MEM;
      out.send(n, dst >>> 0);
    } catch (error) {
      // The lend is dead (a link down or the device's close took it): it is no longer C's either.
      this.#end(lend);
      return rlCode(error);
    }
    this.#lendFrom = entry;
    this.#device.flush();
    return RL_SUCCESS;
  }

  /**
   * A buffer of `entry` holding the `n` payload bytes of `tx`, which goes back to the pool. Null when
   * none came (in interrupt context, or the link went down): the payload is lost then.
   */
  #move(tx: TxBuffer, entry: CEndpoint, ptr: number, n: number, canWait: boolean): TxBuffer | null {
    const mem = this.#mem;
    const other = entry.ept.endpoint.tryGetTxBuffer();
    if (other) {
      mem.copy(other.payload.byteOffset, ptr, n);
      tx.release();
      return other;
    }
    // Every buffer is lent: park the payload, give this one back and take it again as `entry`'s.
    this.#scratch ??= new Uint8Array(this.#device.mtu);
    const scratch = this.#scratch;
    scratch.set(mem.u8.subarray(ptr, ptr + n));
    tx.release();
    let out = entry.ept.endpoint.tryGetTxBuffer();
    if (!out && canWait) out = this.#waits.txBuffer(entry.ept, Number.POSITIVE_INFINITY);
    if (out) mem.u8.set(scratch.subarray(0, n), out.payload.byteOffset);
    return out;
  }

  #end(lend: Lend): void {
    if (!lend.tx) return;
    lend.tx = null;
    this.#endpoints.lendEnded(lend.owner);
  }

  /** Gives every lent buffer back (deinit; a link down, whose lends are dead already). */
  releaseAll(): void {
    for (const lend of this.#lends.values()) {
      if (!lend.tx) continue;
      lend.tx.release(); // allowed on a lend the device already took back
      this.#end(lend);
    }
  }

  #owner(): CEndpoint {
    const last = this.#lendFrom;
    if (last && !last.destroyed) return last;
    const first = this.#endpoints.first();
    if (first) return first;
    if (!this.#pool) {
      const endpoint = this.#device.createEndpoint({ announce: false });
      this.#pool = { ptr: 0, ept: new LiteEndpoint(endpoint, null), lends: 0, destroyed: false };
    }
    return this.#pool;
  }
}
