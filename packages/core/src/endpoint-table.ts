import { RPMSG_ADDR_ANY, RPMSG_RESERVED_ADDRESSES } from './constants.js';
import type { Endpoint } from './endpoint.js';
import { RpmsgError } from './errors.js';

/** @internal The local endpoints by address, with Linux's dynamic allocation (lowest free ≥ 1024). */
export class EndpointTable {
  readonly #byAddr = new Map<number, Endpoint>();
  /**
   * The last endpoint `get` found: a stream of messages goes to one endpoint, and a compare is
   * cheaper than a hash lookup per message. Forgotten when its address is freed or registered again.
   */
  #last: Endpoint | undefined;

  /** The endpoint at `addr`, if any. */
  get(addr: number): Endpoint | undefined {
    const last = this.#last;
    if (last !== undefined && last.addr === addr) return last;
    const ep = this.#byAddr.get(addr);
    if (ep !== undefined) this.#last = ep;
    return ep;
  }

  /** True when `addr` is taken. */
  has(addr: number): boolean {
    return this.#byAddr.has(addr);
  }

  /** Registers `ep` at its address (the caller checked it is free). */
  add(ep: Endpoint): void {
    if (this.#last?.addr === ep.addr) this.#last = undefined;
    this.#byAddr.set(ep.addr, ep);
  }

  /** Frees `ep`'s address (only if `ep` still owns it). */
  delete(ep: Endpoint): void {
    if (this.#last === ep) this.#last = undefined;
    if (this.#byAddr.get(ep.addr) === ep) this.#byAddr.delete(ep.addr);
  }

  /** A snapshot of the endpoints, oldest address first by insertion. */
  list(): Endpoint[] {
    return [...this.#byAddr.values()];
  }

  /**
   * The lowest free address ≥ RPMSG_RESERVED_ADDRESSES, as Linux `idr_alloc(…, RPMSG_RESERVED_ADDRESSES, 0)`.
   * Linear in the number of endpoints; creation is not a hot path.
   *
   * @throws {RpmsgError} `ERR_RPMSG_NO_ADDR` when every address below RPMSG_ADDR_ANY is taken
   */
  allocate(): number {
    for (let addr = RPMSG_RESERVED_ADDRESSES; addr < RPMSG_ADDR_ANY; addr++) {
      if (!this.#byAddr.has(addr)) return addr;
    }
    throw new RpmsgError('ERR_RPMSG_NO_ADDR', 'no free endpoint address left');
  }
}
