import { isRpmsgError, type MessageHandler, RPMSG_NS_ADDR } from '@rpmsg/core';
import { LiteEndpoint, type RpmsgLite } from '../lite.js';
import { RL_ADDR_ANY } from './lite-codes.js';

/** One endpoint the firmware created: its C struct and the device endpoint under it. */
export interface CEndpoint {
  /** Address of the C `struct rpmsg_lite_endpoint` (the key C passes back). */
  readonly ptr: number;
  readonly ept: LiteEndpoint;
  /** TX buffers lent with this endpoint as their owner, not yet sent or released. */
  lends: number;
  /** Destroyed by the firmware; the device endpoint lives on while `lends` > 0. */
  destroyed: boolean;
}

/** Makes the message handler of a new endpoint (so the hot path captures its entry once). */
export type HandlerFactory = (entry: () => CEndpoint) => MessageHandler;

/**
 * The firmware's endpoints, known by the address of their C struct: a pointer C passes that is not
 * here is RL_ERR_PARAM, never dereferenced. A destroyed endpoint that still owns lent TX buffers
 * stays on the device (unreachable from C) until they are gone: a lend dies with its endpoint in the
 * core, while RPMsg-Lite's TX buffers belong to no endpoint.
 */
export class CEndpoints {
  readonly #lite: RpmsgLite;
  readonly #handler: HandlerFactory;
  readonly #byPtr = new Map<number, CEndpoint>();

  constructor(lite: RpmsgLite, handler: HandlerFactory) {
    this.#lite = lite;
    this.#handler = handler;
  }

  /** The live endpoint whose C struct is at `ptr`. */
  get(ptr: number): CEndpoint | undefined {
    return this.#byPtr.get(ptr >>> 0);
  }

  /** Any live endpoint (the oldest). */
  first(): CEndpoint | undefined {
    for (const entry of this.#byPtr.values()) return entry;
    return undefined;
  }

  /**
   * Creates the device endpoint of the C struct at `ptr` at `addr` — RL_ADDR_ANY: the lowest free
   * address, as RPMsg-Lite picks (53, the name service, skipped). Returns the address, or
   * RL_ADDR_ANY when it is taken or reserved.
   */
  create(ptr: number, addr: number): number {
    const p = ptr >>> 0;
    if (this.#byPtr.has(p)) return RL_ADDR_ANY;
    const wanted = addr >>> 0;
    if (wanted !== RL_ADDR_ANY) return this.#tryCreate(p, wanted) ? wanted : RL_ADDR_ANY;
    for (let a = 1; a < RL_ADDR_ANY; a++) {
      if (a !== RPMSG_NS_ADDR && this.#tryCreate(p, a)) return a;
    }
    return RL_ADDR_ANY;
  }

  #tryCreate(ptr: number, addr: number): boolean {
    let entry: CEndpoint | undefined;
    try {
      const endpoint = this.#lite.device.createEndpoint({
        addr,
        announce: false,
        onMessage: this.#handler(() => entry as CEndpoint),
      });
      // A LiteEndpoint of our own (not createEpt): the handler needs the RxMessage to hold it.
      entry = { ptr, ept: new LiteEndpoint(endpoint, null), lends: 0, destroyed: false };
    } catch (error) {
      if (
        isRpmsgError(error) &&
        (error.code === 'ERR_RPMSG_ADDR_IN_USE' || error.code === 'ERR_RPMSG_ADDR_RESERVED')
      ) {
        return false;
      }
      throw error;
    }
    this.#byPtr.set(ptr, entry);
    return true;
  }

  /** The firmware destroyed `entry`: gone from C's view now, from the device once it owns no lend. */
  destroy(entry: CEndpoint): void {
    this.#byPtr.delete(entry.ptr);
    entry.destroyed = true;
    if (entry.lends === 0) this.#lite.destroyEpt(entry.ept);
  }

  /** A TX buffer `entry` owned was sent or released. */
  lendEnded(entry: CEndpoint): void {
    entry.lends--;
    if (entry.destroyed && entry.lends === 0) this.#lite.destroyEpt(entry.ept);
  }

  /** Every endpoint (deinit); lends must be ended first. */
  clear(): void {
    for (const entry of [...this.#byPtr.values()]) this.destroy(entry);
  }
}
