import { checkInteger } from '@rpmsg/virtio';
import { Binding, type BindingHost, type BindingOptions } from './binding.js';
import { RPMSG_ADDR_ANY } from './constants.js';
import { RpmsgError } from './errors.js';
import { MessageEmitter } from './message-emitter.js';
import type { RxMessage } from './rx-message.js';
import type { Sender } from './sender.js';
import type { TxBuffer } from './tx-buffer.js';
import type { WaitOptions } from './wait-until.js';

/** Options of every waiting send: a timeout (default: the device's `sendTimeout`, 15 s) and an AbortSignal. */
export interface SendOptions {
  /** Milliseconds to wait for a free TX buffer before `ERR_RPMSG_TIMEOUT`; `Infinity` waits for ever. */
  timeout?: number;
  /** Aborting it rejects the send with an `AbortError` (the message is not sent). */
  signal?: AbortSignal;
}

/** Called for every message to the endpoint, before the `message` event. */
export type MessageHandler = (payload: Uint8Array, src: number, msg: RxMessage) => void;

/** Options of `device.createEndpoint()`. */
export interface EndpointOptions {
  /**
   * Local address; default `RPMSG_ADDR_ANY` = a dynamic address ≥ 1024, handed out cyclically (the
   * next free one after the last given, as ephemeral ports), so a just-freed address is not reused
   * at once. 53 (name service) is refused.
   */
  addr?: number;
  /** Service name (1–31 UTF-8 bytes) announced through the name service. */
  name?: string;
  /** Default destination; default `RPMSG_ADDR_ANY` (bound later by the first message from a peer). */
  dst?: number;
  /** Send NS CREATE when the link is up and NS was negotiated (again after every link up). Default: `name` given. */
  announce?: boolean;
  /** Send a 0-byte hello to `dst` once the endpoint has one and the link is up, so the peer learns our address. */
  hello?: boolean;
  /** Receive callback, called before the `message` event. */
  onMessage?: MessageHandler;
  /**
   * Most sends of this endpoint that may wait for a TX buffer at once (`send`, `sendTo`,
   * `getTxBuffer`); one more rejects with `ERR_RPMSG_QUEUE_FULL`. Default `Infinity`; the device's
   * own `maxQueuedSends` applies as well.
   */
  maxQueuedSends?: number;
}

/** The events of an {@link Endpoint}: event name → listener arguments. */
export interface EndpointEvents {
  /**
   * A message for this endpoint. `payload` is valid during the call only unless `msg.hold()`; a
   * 0-byte payload is a peer's hello.
   */
  message: [payload: Uint8Array, src: number, msg: RxMessage];
  /** The first message from a peer (or a `dst` set by hand) gave this endpoint its destination. */
  bound: [dst: number];
  /** The destination went away (NS DESTROY, link down): `reason` says why. */
  unbound: [reason: RpmsgError];
  /** The endpoint was destroyed (by `destroy()` or the device's close). */
  close: [];
}

/** Per-endpoint counters. */
export interface EndpointStats {
  /** Messages sent from this endpoint. */
  readonly sent: number;
  /** Messages delivered to this endpoint. */
  readonly received: number;
  /** Messages for this endpoint dropped because nothing listened. */
  readonly dropped: number;
  /** Payload bytes sent. */
  readonly bytesSent: number;
  /** Payload bytes received. */
  readonly bytesReceived: number;
}

/** Mutable twin of {@link EndpointStats}. */
export interface MutableEndpointStats {
  sent: number;
  received: number;
  dropped: number;
  bytesSent: number;
  bytesReceived: number;
}

/**
 * What an endpoint calls on its device's link (`RpmsgBus`): the sends go straight to its
 * `sender`, the binding's transitions to the link as their {@link BindingHost}.
 */
export interface EndpointLink extends BindingHost {
  readonly mtu: number;
  readonly sender: Sender;
}

/** The options of a new endpoint, checked (see `checkEndpointOptions`). */
export interface EndpointInit extends BindingOptions {
  readonly onMessage: MessageHandler | undefined;
  /** The `maxQueuedSends` option (`Infinity` when unbounded). */
  readonly maxQueued: number;
}

/**
 * The bookkeeping the send and receive paths keep on an endpoint (the binding is in
 * {@link Binding}).
 */
export interface EndpointState {
  readonly onMessage: MessageHandler | undefined;
  readonly stats: MutableEndpointStats;
  /** Sends of this endpoint waiting for a TX buffer now (the TxQueue counts them). */
  queued: number;
  /** The `maxQueuedSends` option (`Infinity` when unbounded). */
  readonly maxQueued: number;
}

/**
 * A local RPMsg endpoint: an address on this side that receives messages and sends them, to its
 * default destination `dst` or to any address. Made by `device.createEndpoint()` or
 * `device.openChannel()`.
 *
 * Events ({@link EndpointEvents}, typed): `message` (payload, src, msg) — `payload` is valid during
 * the call only unless `msg.hold()`; `bound` (dst) — the first message from a peer gave this
 * endpoint its destination; `unbound` (reason: RpmsgError) — the destination went away (NS DESTROY,
 * link down); `close` () — destroyed.
 */
export class Endpoint extends MessageEmitter<EndpointEvents> {
  /** The local address. */
  readonly addr: number;
  /** The announced service name, if any. */
  readonly name: string | undefined;
  /** @internal The destination, the announcement and the hello, as one state machine. */
  readonly binding: Binding;
  /** @internal Counters and queued sends. */
  readonly state: EndpointState;
  readonly #sender: Sender;
  readonly #mtu: number;

  /** Made by the device only: use `device.createEndpoint()`. */
  constructor(link: EndpointLink, addr: number, name: string | undefined, init: EndpointInit) {
    super();
    this.addr = addr;
    this.name = name;
    this.#sender = link.sender;
    this.#mtu = link.mtu;
    this.state = {
      onMessage: init.onMessage,
      stats: { sent: 0, received: 0, dropped: 0, bytesSent: 0, bytesReceived: 0 },
      queued: 0,
      maxQueued: init.maxQueued,
    };
    this.binding = new Binding(this, link, init);
  }

  /**
   * Default destination; `RPMSG_ADDR_ANY` (0xFFFFFFFF) while unbound.
   *
   * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` (or `InvalidArgTypeError`) when set to anything but
   *   an integer in [0, 0xFFFFFFFF]
   */
  get dst(): number {
    return this.binding.dst;
  }

  set dst(value: number) {
    checkAddress('dst', value);
    this.binding.setDst(value);
  }

  /** True once `destroy()` ran (or the device closed). */
  get destroyed(): boolean {
    return this.binding.state === 'destroyed';
  }

  /** True while `dst` is a real address (not `RPMSG_ADDR_ANY`). */
  get isBound(): boolean {
    return this.binding.dst !== RPMSG_ADDR_ANY;
  }

  /** Largest payload one message can carry: buffer size − 16. */
  get mtu(): number {
    return this.#mtu;
  }

  /** Counters of this endpoint. */
  get stats(): EndpointStats {
    return this.state.stats;
  }

  /**
   * Sends `data` (copied into a TX buffer) to `dst`, waiting for a free buffer up to the timeout.
   * Sends of one endpoint leave in call order. The peer sees a message once it is published: at once
   * if it is the first send made outside `poll()` after a `poll()` that delivered a message (an
   * answer), otherwise with the 16th unpublished one, at the end of the microtask turn, or on
   * `device.flush()` / `poll()`.
   *
   * @throws {RpmsgError} rejects with `ERR_RPMSG_NO_DST` (unbound), `ERR_RPMSG_MSG_TOO_BIG`,
   *   `ERR_RPMSG_TIMEOUT`, `ERR_RPMSG_QUEUE_FULL` (`maxQueuedSends` sends already wait), while the
   *   link is down the code of why it went down (`ERR_RPMSG_PEER_GONE`, `ERR_RPMSG_LINK_DOWN`,
   *   `ERR_RPMSG_CLOSED`; the transport's error is the `cause`), `ERR_RPMSG_ENDPOINT_DESTROYED`
   *   after `destroy()`, `ERR_RPMSG_CLOSED` after `device.close()`; with an `AbortError` when
   *   `options.signal` aborts
   * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE`: `data` not a Uint8Array, `options` not an
   *   object, `options.timeout` not a number, `options.signal` not an AbortSignal (rejects)
   * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE`: `options.timeout` negative or NaN (rejects)
   */
  send(data: Uint8Array, options?: SendOptions): Promise<void> {
    return this.#sender.send(this, this.binding.dst, data, options);
  }

  /** Like {@link Endpoint.send} to an explicit destination address. */
  sendTo(dst: number, data: Uint8Array, options?: SendOptions): Promise<void> {
    return this.#sender.send(this, dst, data, options);
  }

  /**
   * Sends at once or throws: never waits.
   *
   * @throws {RpmsgError} `ERR_RPMSG_NO_BUFFER` when no TX buffer is free now (or other senders wait),
   *   and the codes of {@link Endpoint.send}
   */
  trySend(data: Uint8Array): void {
    this.#sender.trySend(this, this.binding.dst, data);
  }

  /** Like {@link Endpoint.trySend} to an explicit destination address. */
  trySendTo(dst: number, data: Uint8Array): void {
    this.#sender.trySend(this, dst, data);
  }

  /**
   * Waits for a free TX buffer and lends it for zero-copy sending; same waiting rules, bounds
   * (`maxQueuedSends`) and error codes as `send`.
   */
  getTxBuffer(options?: SendOptions): Promise<TxBuffer> {
    return this.#sender.getTxBuffer(this, options);
  }

  /**
   * Lends a free TX buffer now, or returns `null` (no buffer free, senders waiting, link down).
   *
   * @throws {RpmsgError} `ERR_RPMSG_ENDPOINT_DESTROYED`, `ERR_RPMSG_CLOSED` (the device closed)
   */
  tryGetTxBuffer(): TxBuffer | null {
    return this.#sender.tryGetTxBuffer(this);
  }

  /**
   * Resolves with `dst` once the endpoint has a destination (at once if it has one): the remote side
   * of the first-message problem waits here for the peer's hello.
   *
   * @throws {RpmsgError} `ERR_RPMSG_TIMEOUT`, `ERR_RPMSG_ENDPOINT_DESTROYED`, `ERR_RPMSG_CLOSED`
   *   (the device closed); `AbortError`; argument errors for bad `options` (rejects)
   */
  waitForBound(options?: WaitOptions): Promise<number> {
    return this.binding.waitForBound(options);
  }

  /**
   * Destroys the endpoint: frees its address, announces NS DESTROY if it had announced, rejects its
   * pending sends with `ERR_RPMSG_ENDPOINT_DESTROYED` (`ERR_RPMSG_CLOSED` when the device is
   * closing), kills its lent TX buffers, emits `close`. Messages that arrive for its address later
   * are dropped and counted; dynamic addresses are handed out cyclically, so a new endpoint does not
   * get this address (and its messages still in flight) soon. Destroying twice does nothing.
   */
  destroy(): void {
    this.binding.destroy();
  }
}

/**
 * Checks an address argument: an integer in [0, 0xFFFFFFFF] (`RPMSG_ADDR_ANY` included).
 *
 * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE` naming `field` when it is not a number
 * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` naming `field` when it is not such an integer
 */
export function checkAddress(field: string, value: unknown): number {
  return checkInteger(field, value, 0, RPMSG_ADDR_ANY);
}

/** Error for operations on a destroyed endpoint. */
export function destroyedError(ep: Endpoint): RpmsgError {
  return new RpmsgError('ERR_RPMSG_ENDPOINT_DESTROYED', `endpoint ${ep.addr} was destroyed`, {
    addr: ep.addr,
  });
}
