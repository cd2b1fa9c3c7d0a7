import type { Channel, HeldMessage, MessageHandler, RpmsgDevice } from '@rpmsg/core';
import type { RpmsgLite } from '../lite.js';
import {
  msOf,
  RL_ADDR_ANY,
  RL_ERR_BUFF_SIZE,
  RL_ERR_NO_MEM,
  RL_ERR_PARAM,
  RL_HOLD,
  RL_NOT_READY,
  RL_NS_DESTROY,
  RL_SUCCESS,
  rlCode,
} from './lite-codes.js';
import { type CEndpoint, CEndpoints } from './lite-endpoints.js';
import { CMemory } from './lite-memory.js';
import { LiteTx } from './lite-tx.js';
import { LiteWaits } from './lite-wait.js';

/** What the RPMsg-Lite API of a wasm core is built on (given by the core worker). */
export interface LiteImportHost {
  readonly role: 'master' | 'remote';
  /** The blocking RPMsg-Lite style API of this core (remote: RemoteCore.lite; master: over its device). */
  readonly lite: RpmsgLite;
  /** The SoC memory: memory.buffer is a SharedArrayBuffer; pointers from C are byte offsets into it. */
  readonly memory: WebAssembly.Memory;
  /** The instance's exports (valid once instantiated): the C trampolines are called through it. */
  exports(): WebAssembly.Exports;
  /** Throws a crash error when the firmware's stack overflowed: called first in every import. */
  checkStack(): void;
}

/** The "rpmsg_lite" import module and the wait that replaces `rpmsg_soc.wait` in API mode. */
export interface LiteImports {
  readonly imports: WebAssembly.ModuleImports;
  /** rpmsg_soc.h's raw wait: serves the link; bit 31 set when C callbacks ran since the last call. */
  wait(timeoutUs: number): number;
}

/** `rpmsg_lite_api_rx(ept, payload, len, src)` → RL_HOLD / RL_RELEASE (lib/rpmsg_lite_api.c). */
type RxTrampoline = (ept: number, payload: number, len: number, src: number) => number;
/** `rpmsg_lite_api_ns(ctx, addr, name, flags)`. */
type NsTrampoline = (ctx: number, addr: number, name: number, flags: number) => void;

/** rpmsg_ns.h RL_NS_NAME_SIZE: the name buffer C gives, NUL included. */
const NS_NAME_SIZE = 32;
/** Bytes of `struct rpmsg_lite_endpoint` and of `struct rpmsg_ns_context` on wasm32. */
const EPT_STRUCT_SIZE = 16;
const NS_CONTEXT_SIZE = 8;
const WAIT_FOREVER_US = 0xffff_ffff;
const DELIVERED_BIT = 0x8000_0000;

/**
 * The C side of RPMsg-Lite's API (packages/firmware/lib/rpmsg_lite_api.c) calls these for the ring
 * work; see docs/c-firmware.md "RPMsg-Lite API mode". Everything C passes is checked — an unknown
 * endpoint, a pointer outside the memory, a buffer that was not lent — and answered with
 * RPMsg-Lite's code for it; conditions RPMsg-Lite reports as codes (timeouts, link down, too big)
 * are codes too. Only the firmware's own faults end the core (a trap in a callback, a stack
 * overflow), thrown from the import that was running.
 *
 * Receive callbacks run in interrupt context — inside the pump, while C is blocked in an import or
 * in rpmsg_soc_wfi() — as RPMsg-Lite runs them in its ISR; a blocking call made from one does not
 * wait (it would re-enter the pump).
 */
export function createLiteImports(host: LiteImportHost): LiteImports {
  const api = new LiteApi(host);
  return { imports: api.imports(), wait: (timeoutUs) => api.wait(timeoutUs) };
}

class LiteApi {
  readonly #host: LiteImportHost;
  readonly #lite: RpmsgLite;
  readonly #device: RpmsgDevice;
  readonly #mem: CMemory;
  readonly #waits: LiteWaits;
  readonly #endpoints: CEndpoints;
  readonly #tx: LiteTx;
  /** RX buffers C holds (RL_HOLD), by payload pointer. */
  readonly #holds = new Map<number, HeldMessage>();
  /** A fault thrown out of a C callback, rethrown by the import that was running. */
  #fault: unknown = null;
  /** > 0 while a C callback runs: blocking calls made from it do not wait. */
  #inCallback = 0;
  #ns: { ctx: number; name: number } | null = null;
  #rx: RxTrampoline | undefined;
  #nsCall: NsTrampoline | undefined;
  #listening = false;

  constructor(host: LiteImportHost) {
    this.#host = host;
    this.#lite = host.lite;
    this.#device = host.lite.device;
    this.#mem = new CMemory(host.memory);
    this.#waits = new LiteWaits(this.#lite, () => this.#throwFault());
    this.#endpoints = new CEndpoints(this.#lite, (entry) => this.#handler(entry));
    this.#tx = new LiteTx(this.#lite, this.#mem, this.#endpoints, this.#waits);
  }

  /** The message handler of a C endpoint: the hot receive path. */
  #handler(entry: () => CEndpoint): MessageHandler {
    return (payload, src, msg) => {
      const e = entry();
      if (this.#fault !== null || e.destroyed) return; // the buffer goes back unseen
      const ptr = payload.byteOffset;
      let verdict = 0;
      this.#inCallback++;
      try {
        verdict = this.#rxTrampoline()(e.ptr, ptr, payload.length, src);
      } catch (error) {
        this.#fault = error;
      } finally {
        this.#inCallback--;
      }
      if (verdict === RL_HOLD) this.#holds.set(ptr, msg.hold());
      this.#waits.delivered();
    };
  }

  #rxTrampoline(): RxTrampoline {
    this.#rx ??= this.#export<RxTrampoline>('rpmsg_lite_api_rx');
    return this.#rx;
  }

  #export<T>(name: string): T {
    const fn = this.#host.exports()[name];
    if (typeof fn !== 'function') throw new TypeError(`the firmware does not export ${name}`);
    return fn as T;
  }

  #throwFault(): void {
    if (this.#fault !== null) throw this.#fault;
  }

  /** The peer's announcement reaches the C binding (interrupt context, like a message). */
  #announce(addr: number, name: string, flags: number): void {
    const ns = this.#ns;
    if (!ns || this.#fault !== null) return;
    const bytes = new TextEncoder().encode(name).subarray(0, NS_NAME_SIZE - 1);
    this.#mem.writeCString(ns.name, bytes);
    this.#nsCall ??= this.#export<NsTrampoline>('rpmsg_lite_api_ns');
    this.#inCallback++;
    try {
      this.#nsCall(ns.ctx, addr, ns.name, flags);
    } catch (error) {
      this.#fault = error;
    } finally {
      this.#inCallback--;
    }
    this.#waits.delivered();
  }

  readonly #onChannel = (channel: Channel) => this.#announce(channel.remoteAddr, channel.name, 0);
  // A link down removes every channel too; RPMsg-Lite's name service only reports the peer's DESTROY.
  readonly #onChannelRemoved = (channel: Channel) => {
    if (this.#device.isUp) this.#announce(channel.remoteAddr, channel.name, RL_NS_DESTROY);
  };
  // The device took every lent buffer back: C's pointers to them are no longer lends.
  readonly #onDown = () => this.#tx.releaseAll();

  wait(timeoutUs: number): number {
    if (this.#inCallback > 0) return 0;
    const us = timeoutUs >>> 0;
    const delivered = this.#waits.delivery(us === WAIT_FOREVER_US ? Number.POSITIVE_INFINITY : us / 1000);
    this.#throwFault();
    return delivered ? DELIVERED_BIT : 0;
  }

  imports(): WebAssembly.ModuleImports {
    const host = this.#host;
    return {
      init: () => {
        host.checkStack();
        if (!this.#listening) {
          this.#listening = true;
          this.#device.on('channel', this.#onChannel);
          this.#device.on('channel-removed', this.#onChannelRemoved);
          this.#device.on('down', this.#onDown);
        }
        return this.#device.mtu;
      },
      deinit: () => {
        host.checkStack();
        this.#deinit();
      },
      is_link_up: () => {
        host.checkStack();
        return this.#lite.isLinkUp() ? 1 : 0;
      },
      wait_for_link_up: (timeout: number) => {
        host.checkStack();
        if (this.#lite.isLinkUp()) return 1;
        if (this.#inCallback > 0) return 0;
        const up = this.#waits.linkUp(msOf(timeout));
        this.#throwFault();
        return up ? 1 : 0;
      },
      create_ept: (ept: number, addr: number) => {
        host.checkStack();
        if (!this.#mem.has(ept, EPT_STRUCT_SIZE)) return RL_ADDR_ANY;
        return this.#endpoints.create(ept, addr);
      },
      destroy_ept: (ept: number) => {
        host.checkStack();
        const entry = this.#endpoints.get(ept);
        if (!entry) return RL_ERR_PARAM;
        this.#endpoints.destroy(entry);
        return RL_SUCCESS;
      },
      send: (ept: number, dst: number, data: number, size: number, timeout: number) => {
        host.checkStack();
        return this.#send(ept, dst, data, size, msOf(timeout));
      },
      alloc_tx_buffer: (timeout: number) => {
        host.checkStack();
        let ptr = 0;
        try {
          ptr = this.#tx.alloc(msOf(timeout), this.#inCallback === 0);
        } catch (error) {
          rlCode(error); // a device error is a NULL buffer in C; anything else is thrown on
        }
        this.#throwFault();
        return ptr;
      },
      send_nocopy: (ept: number, dst: number, data: number, size: number) => {
        host.checkStack();
        const entry = this.#endpoints.get(ept);
        if (!entry) return RL_ERR_PARAM;
        const status = this.#tx.send(entry, dst, data, size, this.#inCallback === 0);
        this.#throwFault();
        return status;
      },
      release_rx_buffer: (data: number) => {
        host.checkStack();
        const held = this.#holds.get(data >>> 0);
        if (!held) return RL_ERR_PARAM;
        this.#holds.delete(data >>> 0);
        held.release();
        // Releases publish in batches; with nothing left held the firmware is about to wait or to work
        // on something else, so the peer gets its buffers back now, as RPMsg-Lite gives them.
        if (this.#holds.size === 0) this.#device.flush();
        return RL_SUCCESS;
      },
      ns_announce: (ept: number, name: number, flags: number) => {
        host.checkStack();
        return this.#nsAnnounce(ept, name, flags);
      },
      ns_bind: (ctx: number, name: number) => {
        host.checkStack();
        if (this.#ns || !this.#mem.has(ctx, NS_CONTEXT_SIZE) || !this.#mem.has(name, NS_NAME_SIZE)) {
          return RL_ERR_PARAM;
        }
        this.#ns = { ctx: ctx >>> 0, name: name >>> 0 };
        // The SoC may have served the link before the firmware bound: replay what the peer announced.
        for (const channel of this.#device.channels()) this.#announce(channel.remoteAddr, channel.name, 0);
        this.#throwFault();
        return RL_SUCCESS;
      },
      ns_unbind: (ctx: number) => {
        host.checkStack();
        if (this.#ns?.ctx !== ctx >>> 0) return RL_ERR_PARAM;
        this.#ns = null;
        return RL_SUCCESS;
      },
      wait_nonzero: (word: number, timeout: number) => {
        host.checkStack();
        return this.#waitNonzero(word >>> 0, msOf(timeout));
      },
    };
  }

  /** rpmsg_lite_send: a copy into a TX buffer of `ept`, waiting up to `ms` for one. */
  #send(ept: number, dst: number, data: number, size: number, ms: number): number {
    const entry = this.#endpoints.get(ept);
    if (!entry) return RL_ERR_PARAM;
    const n = size >>> 0;
    if (n > this.#device.mtu) return RL_ERR_BUFF_SIZE;
    if (!this.#mem.has(data, n) || dst >>> 0 === RL_ADDR_ANY) return RL_ERR_PARAM;
    if (!this.#lite.isLinkUp()) return RL_NOT_READY;
    try {
      let tx = entry.ept.endpoint.tryGetTxBuffer(); // the common case: a buffer is free, no wait
      if (!tx && ms > 0 && this.#inCallback === 0) {
        tx = this.#waits.txBuffer(entry.ept, ms);
        this.#throwFault();
      }
      if (!tx) return this.#lite.isLinkUp() ? RL_ERR_NO_MEM : RL_NOT_READY;
      this.#mem.copy(tx.payload.byteOffset, data >>> 0, n);
      tx.send(n, dst >>> 0);
    } catch (error) {
      return rlCode(error);
    }
    // Published and the peer kicked before this returns, as rpmsg_lite_send does (the device batches).
    this.#device.flush();
    return RL_SUCCESS;
  }

  #nsAnnounce(ept: number, name: number, flags: number): number {
    const entry = this.#endpoints.get(ept);
    const bytes = this.#mem.cString(name, NS_NAME_SIZE);
    if (!entry || !bytes || bytes.length === 0) return RL_ERR_PARAM;
    // RPMsg-Lite copies at most RL_NS_NAME_SIZE bytes; the wire keeps room for the NUL.
    const text = new TextDecoder().decode(bytes.subarray(0, NS_NAME_SIZE - 1));
    try {
      if (this.#inCallback > 0) {
        // RpmsgLite would pump once for a buffer even with timeout 0: inside the pump that re-enters it.
        const free = entry.ept.endpoint.tryGetTxBuffer();
        if (!free) return this.#lite.isLinkUp() ? RL_ERR_NO_MEM : RL_NOT_READY;
        free.release(); // the announcement below takes it straight back
      }
      const destroy = (flags >>> 0) & RL_NS_DESTROY;
      this.#lite.nsAnnounce(entry.ept, text, destroy, this.#inCallback > 0 ? 0 : Number.POSITIVE_INFINITY);
    } catch (error) {
      return rlCode(error);
    }
    this.#throwFault();
    return RL_SUCCESS;
  }

  /** Serves the link until the u32 at `word` is non-zero (a C queue got a message) or `ms` passed. */
  #waitNonzero(word: number, ms: number): number {
    const mem = this.#mem;
    if (!mem.has(word, 4) || word % 4 !== 0) return 0;
    if (mem.u32(word) !== 0) return 1;
    if (this.#inCallback > 0) return 0;
    const deadline = performance.now() + ms;
    for (;;) {
      const delivered = this.#waits.delivery(Math.max(0, deadline - performance.now()));
      this.#throwFault();
      if (mem.u32(word) !== 0) return 1;
      if (!delivered || performance.now() >= deadline) return 0;
    }
  }

  #deinit(): void {
    this.#tx.releaseAll();
    this.#endpoints.clear();
    for (const held of this.#holds.values()) if (!held.released) held.release();
    this.#holds.clear();
    this.#ns = null;
    this.#device.flush();
  }
}
