import { RPMSG_ADDR_ANY, RPMSG_RESERVED_ADDRESSES } from './constants.js';
import type { Endpoint } from './endpoint.js';
import { RpmsgError } from './errors.js';

/** First and last dynamic address: above the reserved ones, below `RPMSG_ADDR_ANY`. */
const DYNAMIC_FIRST = RPMSG_RESERVED_ADDRESSES;
const DYNAMIC_LAST = RPMSG_ADDR_ANY - 1;

/**
 * The local endpoints by address, with dynamic addresses handed out cyclically.
 *
 * Linux takes the lowest free address ≥ 1024 (`idr_alloc`), so a just-freed address is reused at
 * once and messages still in flight to the old endpoint — echoes of a tty closed mid-stream — reach
 * its successor. Here, as with TCP/IP ephemeral ports, the next dynamic address is the one after the
 * last handed out, wrapping within [1024, 0xFFFFFFFE] and skipping addresses in use: a freed address
 * comes back only after the whole range has gone round.
 */
export class EndpointTable {
  readonly #byAddr = new Map<number, Endpoint>();
  /**
   * The last endpoint `get` found: a stream of messages goes to one endpoint, and a compare is
   * cheaper than a hash lookup per message. Forgotten when its address is freed or registered again.
   */
  #last: Endpoint | undefined;
  /** Where the next dynamic allocation starts looking. */
  #next: number;
  readonly #first: number;
  readonly #lastAddr: number;

  /** `first` / `last` bound the dynamic range (tests shrink it to see the wrap). */
  constructor(first = DYNAMIC_FIRST, last = DYNAMIC_LAST) {
    this.#first = first;
    this.#lastAddr = last;
    this.#next = first;
  }

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
   * The next free dynamic address at or after the one following the last handed out, wrapping at
   * the end of the range. Each step skips an address in use, so a call looks at most (endpoints + 1)
   * addresses; creation is not a hot path.
   *
   * @throws {RpmsgError} `ERR_RPMSG_NO_ADDR` when every dynamic address is taken
   */
  allocate(): number {
    const span = this.#lastAddr - this.#first + 1;
    let addr = this.#next;
    for (let tried = 0; tried < span && tried <= this.#byAddr.size; tried++) {
      const free = !this.#byAddr.has(addr);
      const taken = addr;
      addr = addr === this.#lastAddr ? this.#first : addr + 1;
      if (free) {
        this.#next = addr;
        return taken;
      }
    }
    throw new RpmsgError('ERR_RPMSG_NO_ADDR', 'no free endpoint address left', { limit: span });
  }
}
