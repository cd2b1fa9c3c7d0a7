import type { Channel } from './channel.js';
import type { Clock } from './clock.js';
import { RPMSG_ADDR_ANY, RPMSG_NS_CREATE, RPMSG_NS_DESTROY } from './constants.js';
import type { Endpoint } from './endpoint.js';
import type { EndpointTable } from './endpoint-table.js';
import type { RpmsgError } from './errors.js';
import { safeEmit } from './listener-error.js';
import type { Sender } from './sender.js';
import { checkWaitOptions, type WaitOptions, waitUntil } from './wait-until.js';

/**
 * Where the binding of an endpoint stands (docs/interop.md "Addresses and the first message"):
 *
 * - `unbound` — no destination (`dst` is `RPMSG_ADDR_ANY`): the peer's first message, or a `dst`
 *   set by hand, binds it;
 * - `bound` — a destination that may not know our address yet: with `hello` on, the hello is due as
 *   soon as the link is up;
 * - `greeted` — a destination that knows our address on this link: our hello went out, or the peer
 *   wrote first;
 * - `destroyed` — `destroy()` ran (or the device closed). Final: no event changes it.
 */
export type BindingState = 'unbound' | 'bound' | 'greeted' | 'destroyed';

/** What a binding reads and calls on its device's link (`RpmsgBus` implements it). */
export interface BindingHost {
  readonly clock: Clock;
  /** Link up and the device open: NS messages and hellos may go out. */
  readonly isUp: boolean;
  /** The name service is on at both ends. */
  readonly hasNameService: boolean;
  readonly sender: Pick<Sender, 'send' | 'sendNs' | 'endpointDestroyed'>;
  readonly endpoints: Pick<EndpointTable, 'delete'>;
  /** The error of an operation on a destroyed endpoint (ERR_RPMSG_CLOSED once the device closes). */
  destroyedError(ep: Endpoint): RpmsgError;
}

/** How an endpoint was configured: what its binding starts from. */
export interface BindingOptions {
  /** The `dst` option: where the binding returns when a link goes down. */
  readonly dst: number;
  /** NS name bytes (encoded once), or `null` without a name. */
  readonly nameBytes: Uint8Array | null;
  /** Send NS CREATE on every link up (needs `nameBytes`). */
  readonly announce: boolean;
  /** Send a 0-byte hello to the destination on every link up. */
  readonly hello: boolean;
}

/** The fields the transitions write; read-only for every other file. */
type Writable = { -readonly [K in 'state' | 'dst' | 'announced']: Binding[K] };

const EMPTY = new Uint8Array(0);

function ignore(): void {}

/**
 * The binding of one endpoint as one state machine: its destination, whether its NS CREATE
 * and its hello went out on the current link, and its end. Every change goes through one of the
 * named transitions below, which also perform what the change calls for (send NS CREATE / DESTROY,
 * send the hello, emit `bound` / `unbound` / `close`); the device, the link and the name service
 * only call them. The table of every state × transition is `binding.test.ts`.
 *
 * `state` and `dst` are plain fields, read on every send and every receive without a call.
 */
export class Binding {
  /** Where the binding stands. */
  readonly state: BindingState;
  /** The destination; `RPMSG_ADDR_ANY` while unbound (a destroyed binding keeps its last one). */
  readonly dst: number;
  /** Our NS CREATE went out on the current link (so a destroy sends NS DESTROY). */
  readonly announced: boolean = false;
  readonly #ep: Endpoint;
  readonly #host: BindingHost;
  readonly #nameBytes: Uint8Array | null;
  readonly #announce: boolean;
  #hello: boolean;
  /** Where a link down takes `dst`: the `dst` option, or RPMSG_ADDR_ANY on a channel. */
  #home: number;
  /** The channel the endpoint was opened on, until it is removed or the link goes down. */
  #channel: Channel | null = null;

  constructor(ep: Endpoint, host: BindingHost, options: BindingOptions) {
    this.#ep = ep;
    this.#host = host;
    this.#nameBytes = options.nameBytes;
    this.#announce = options.announce;
    this.#hello = options.hello;
    this.#home = options.dst;
    this.dst = options.dst;
    this.state = options.dst === RPMSG_ADDR_ANY ? 'unbound' : 'bound';
  }

  /** The endpoint was created (and registered): sends what is due now if the link is up. */
  open(): void {
    this.#sendDue();
  }

  /**
   * `device.openChannel()` made the endpoint for `channel` (its `dst` is the channel's address): a link
   * down or the channel's NS DESTROY unbinds it. With `hello`, the caller sends the hello itself —
   * and waits for it — so it counts as sent; after a later `dst` set by hand it is sent again.
   */
  openOnChannel(channel: Channel, hello: boolean): void {
    if (this.state === 'destroyed') return;
    this.#home = RPMSG_ADDR_ANY;
    this.#channel = channel;
    if (!hello) return;
    this.#hello = true;
    if (this.state === 'bound') this.#go('greeted', this.dst);
  }

  /** `ep.dst = dst` (checked by the caller): binds by hand, emits `bound` if unbound, sends what is due. */
  setDst(dst: number): void {
    const previous = this.dst;
    if (dst === previous) return;
    if (this.state === 'destroyed') {
      (this as Writable).dst = dst; // kept as a plain value; a destroyed endpoint emits and sends nothing
      return;
    }
    this.#go(dst === RPMSG_ADDR_ANY ? 'unbound' : 'bound', dst);
    if (previous === RPMSG_ADDR_ANY) safeEmit(this.#ep, 'bound', dst);
    this.#sendDue();
  }

  /**
   * A message from `src` arrived while unbound: the first message binds, and the peer, which wrote
   * to us, knows our address — no hello needed. The receive path checks `state === 'unbound'` first,
   * so a bound endpoint pays no call per message.
   */
  firstMessage(src: number): void {
    if (this.state !== 'unbound' || src === RPMSG_ADDR_ANY) return;
    this.#go('greeted', src);
    safeEmit(this.#ep, 'bound', src);
  }

  /** The link came up: sends NS CREATE and the hello if due. */
  linkUp(): void {
    this.#sendDue();
  }

  /**
   * The link went down for `reason`: nothing we sent on it counts any more, and a binding the peer
   * made (first message, channel, `dst` by hand) ends — `dst` returns to the `dst` option, with
   * `unbound` if the endpoint was bound.
   */
  linkDown(reason: RpmsgError): void {
    if (this.state === 'destroyed') return;
    (this as Writable).announced = false;
    if (this.dst !== this.#home || this.#channel) this.#unbind(reason, this.#home);
    else if (this.state === 'greeted') this.#go('bound', this.dst);
  }

  /** The peer sent NS DESTROY for `channel` at `addr`: a binding to either ends (`dst` → ANY). */
  nsDestroy(channel: Channel, addr: number, reason: RpmsgError): void {
    if (this.state === 'destroyed') return;
    if (this.#channel === channel || this.dst === addr) this.#unbind(reason, RPMSG_ADDR_ANY);
  }

  /**
   * `ep.destroy()` or the device's close: frees the address, ends the endpoint's sends and lends,
   * sends NS DESTROY if NS CREATE went out on this link, emits `close`. Twice does nothing.
   */
  destroy(): void {
    if (this.state === 'destroyed') return;
    const ep = this.#ep;
    const host = this.#host;
    this.#go('destroyed', this.dst);
    host.endpoints.delete(ep);
    host.sender.endpointDestroyed(ep, host.destroyedError(ep));
    if (this.announced) {
      (this as Writable).announced = false;
      if (this.#nameBytes && host.isUp && host.hasNameService) {
        host.sender.sendNs(ep.addr, this.#nameBytes, RPMSG_NS_DESTROY);
      }
    }
    ep.emit('close');
  }

  /** See `Endpoint.waitForBound`. */
  waitForBound(options: WaitOptions | undefined): Promise<number> {
    let timeout: number;
    try {
      timeout = checkWaitOptions(options, Number.POSITIVE_INFINITY);
    } catch (error) {
      return Promise.reject(error);
    }
    const ep = this.#ep;
    const host = this.#host;
    if (this.state === 'destroyed') return Promise.reject(host.destroyedError(ep));
    return waitUntil<number>(
      host.clock,
      timeout,
      options?.signal,
      `endpoint ${ep.addr} waitForBound`,
      (settle) => {
        if (this.dst !== RPMSG_ADDR_ANY) {
          settle(null, this.dst);
          return ignore;
        }
        const onBound = (dst: number) => settle(null, dst);
        const onClose = () => settle(host.destroyedError(ep));
        ep.on('bound', onBound);
        ep.on('close', onClose);
        return () => {
          ep.off('bound', onBound);
          ep.off('close', onClose);
        };
      },
    );
  }

  /** NS CREATE, then the hello, when due and the link is up (each once per link). */
  #sendDue(): void {
    const host = this.#host;
    if (this.state === 'destroyed' || !host.isUp) return;
    if (this.#announce && !this.announced && this.#nameBytes && host.hasNameService) {
      (this as Writable).announced = true;
      host.sender.sendNs(this.#ep.addr, this.#nameBytes, RPMSG_NS_CREATE);
    }
    if (this.#hello && this.state === 'bound') {
      this.#go('greeted', this.dst);
      // Best effort: a hello lost to a timeout or link down is sent again on the next link up.
      host.sender.send(this.#ep, this.dst, EMPTY, undefined).catch(ignore);
    }
  }

  #unbind(reason: RpmsgError, dst: number): void {
    const previous = this.dst;
    this.#channel = null;
    this.#go(dst === RPMSG_ADDR_ANY ? 'unbound' : 'bound', dst);
    if (previous !== RPMSG_ADDR_ANY) safeEmit(this.#ep, 'unbound', reason);
  }

  #go(state: BindingState, dst: number): void {
    const self = this as Writable;
    self.state = state;
    self.dst = dst;
  }
}
