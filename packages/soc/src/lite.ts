import type { Endpoint, HeldMessage, RpmsgDevice, TxBuffer } from '@rpmsg/core';
import {
  encodeNsMessage,
  RPMSG_ADDR_ANY,
  RPMSG_NS_ADDR,
  RPMSG_NS_CREATE,
  RPMSG_NS_DESTROY,
  RpmsgError,
} from '@rpmsg/core';
import type { CorePump } from './pump.js';

/** Wait for ever (RPMsg-Lite `RL_BLOCK`). */
export const RL_BLOCK = Number.POSITIVE_INFINITY;
/** Do not wait (RPMsg-Lite `RL_DONT_BLOCK`). */
export const RL_DONT_BLOCK = 0;
/** Any address: a dynamic one (RPMsg-Lite `RL_ADDR_ANY`). */
export const RL_ADDR_ANY = RPMSG_ADDR_ANY;
/** Name-service flag: announce a channel (RPMsg-Lite `RL_NS_CREATE`). */
export const RL_NS_CREATE = RPMSG_NS_CREATE;
/** Name-service flag: withdraw a channel (RPMsg-Lite `RL_NS_DESTROY`). */
export const RL_NS_DESTROY = RPMSG_NS_DESTROY;

/** A received message copied out of shared memory by {@link RpmsgLite.recvTimeout}. */
export interface LiteMessage {
  /** Sender's address (reply to it). */
  readonly src: number;
  /** The local endpoint it was sent to. */
  readonly dst: number;
  /** The payload, copied. */
  readonly data: Uint8Array;
}

/** Called for every message of a callback-mode endpoint; `payload` is valid during the call only. */
export type LiteRxCallback = (payload: Uint8Array, src: number) => void;

/**
 * A receive queue of held buffers (RPMsg-Lite `rpmsg_queue`): one or several endpoints deliver into
 * it, a blocking loop takes from it. A fixed ring as long as the RX pool, so receiving never
 * allocates a slot; messages carry `dst`, so a loop serving several endpoints knows which one.
 */
export class RpmsgQueue {
  /** @internal */
  readonly ring: (HeldMessage | undefined)[];
  /** @internal */
  head = 0;
  /** @internal */
  count = 0;
  /** @internal messages queued across every queue of the same RpmsgLite */
  readonly total: { queued: number };

  /** @internal made by {@link RpmsgLite.createQueue} */
  constructor(capacity: number, total: { queued: number }) {
    this.ring = new Array<HeldMessage | undefined>(capacity).fill(undefined);
    this.total = total;
  }

  /** Messages waiting (RPMsg-Lite `rpmsg_queue_get_current_size`). */
  get pending(): number {
    return this.count;
  }

  /** @internal */
  push(held: HeldMessage): void {
    if (this.count === this.ring.length) {
      // Cannot happen while the queue is as long as the RX pool; refuse rather than overwrite.
      held.release();
      return;
    }
    this.ring[(this.head + this.count) % this.ring.length] = held;
    this.count++;
    this.total.queued++;
  }

  /** @internal */
  shift(): HeldMessage | undefined {
    if (this.count === 0) return undefined;
    const held = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.count--;
    this.total.queued--;
    return held;
  }
}

/** An endpoint made by {@link RpmsgLite.createEpt}: the core `Endpoint` and where it delivers. */
export class LiteEndpoint {
  /** Local address. */
  readonly addr: number;
  /** The underlying endpoint (event-style API, stats). */
  readonly endpoint: Endpoint;
  /** The queue it delivers into (null in callback mode). */
  readonly queue: RpmsgQueue | null;

  /** @internal made by {@link RpmsgLite.createEpt} */
  constructor(endpoint: Endpoint, queue: RpmsgQueue | null) {
    this.addr = endpoint.addr;
    this.endpoint = endpoint;
    this.queue = queue;
  }
}

/**
 * The firmware-side API in the style RPMsg-Lite users know, usable from a blocking loop: every wait
 * blocks the thread on the doorbell (Atomics.wait) while still serving the link, so a firmware can be
 * written as `for (;;) { const m = rl.recvTimeout(ept, RL_BLOCK); rl.sendTimeout(ept, m.src, m.data) }`.
 * Errors are thrown as `RpmsgError`s instead of returned as codes.
 *
 * Announced endpoints are announced again whenever the link comes back up (the master rebooted), as
 * the firmware would after `rpmsg_lite_wait_for_link_up`.
 */
export class RpmsgLite {
  /** The RPMsg device underneath (event-style API). */
  readonly device: RpmsgDevice;
  readonly #pump: CorePump;
  readonly #capacity: number;
  readonly #announced = new Map<LiteEndpoint, Uint8Array>();
  #reannounce = false;
  readonly #queued = { queued: 0 };

  /** @internal made by the core worker */
  constructor(device: RpmsgDevice, pump: CorePump, queueCapacity: number) {
    this.device = device;
    this.#pump = pump;
    this.#capacity = queueCapacity;
    device.on('up', () => {
      if (this.#announced.size > 0) this.#reannounce = true;
    });
  }

  /** @internal called by the pump on every pass: re-announce after a link up. */
  tick(): void {
    if (!this.#reannounce || !this.device.isUp) return;
    this.#reannounce = false;
    for (const [ept, ns] of this.#announced) this.#sendNs(ept, ns, 0);
  }

  /** True when the link is up (RPMsg-Lite `rpmsg_lite_is_link_up`). */
  isLinkUp(): boolean {
    return this.device.isUp;
  }

  /** Blocks until the link is up; false on timeout (RPMsg-Lite `rpmsg_lite_wait_for_link_up`). */
  waitForLinkUp(timeout = RL_BLOCK): boolean {
    return this.#pump.waitFor(() => this.device.isUp, timeout);
  }

  /** Creates a receive queue several endpoints can share (RPMsg-Lite `rpmsg_queue_create`). */
  createQueue(): RpmsgQueue {
    return new RpmsgQueue(this.#capacity, this.#queued);
  }

  /**
   * Creates an endpoint at `addr` (RPMsg-Lite `rpmsg_lite_create_ept`). It delivers into `rx`: a
   * queue (default: a new one of its own) for {@link recvTimeout} / {@link recvNocopy} — the
   * `rpmsg_queue_rx_cb` pattern — or a callback run for every message inside the pump (like an
   * RPMsg-Lite rx callback it must not block: use `endpoint.trySendTo` there).
   *
   * @throws {RpmsgError} `ERR_RPMSG_ADDR_IN_USE`, `ERR_RPMSG_ADDR_RESERVED`
   */
  createEpt(addr: number = RL_ADDR_ANY, rx?: RpmsgQueue | LiteRxCallback): LiteEndpoint {
    const queue = typeof rx === 'function' ? null : (rx ?? this.createQueue());
    const endpoint = this.device.createEndpoint({
      addr,
      announce: false,
      onMessage:
        typeof rx === 'function'
          ? (payload, src) => rx(payload, src)
          : (_payload, _src, msg) => (queue as RpmsgQueue).push(msg.hold()),
    });
    return new LiteEndpoint(endpoint, queue);
  }

  /** Destroys an endpoint (RPMsg-Lite `rpmsg_lite_destroy_ept`). */
  destroyEpt(ept: LiteEndpoint): void {
    this.#announced.delete(ept);
    ept.endpoint.destroy();
  }

  /**
   * Announces (`RL_NS_CREATE`) or withdraws (`RL_NS_DESTROY`) a channel named `name` at the endpoint's
   * address through the name service (RPMsg-Lite `rpmsg_ns_announce`). Blocks up to `timeout` ms for a
   * buffer.
   *
   * @throws {RpmsgError} `ERR_RPMSG_TIMEOUT`
   */
  nsAnnounce(ept: LiteEndpoint, name: string, flags: number = RL_NS_CREATE, timeout = RL_BLOCK): void {
    const ns = encodeNsMessage({ name, addr: ept.addr, flags });
    if (flags & RL_NS_DESTROY) this.#announced.delete(ept);
    else this.#announced.set(ept, ns);
    if (this.device.isUp) this.#sendNs(ept, ns, timeout);
  }

  #sendNs(ept: LiteEndpoint, ns: Uint8Array, timeout: number): void {
    this.sendTimeout(ept, RPMSG_NS_ADDR, ns, timeout);
  }

  /**
   * Sends `data` from `ept` to `dst`, waiting up to `timeout` ms for a TX buffer (RPMsg-Lite
   * `rpmsg_lite_send`).
   *
   * @throws {RpmsgError} `ERR_RPMSG_TIMEOUT`, `ERR_RPMSG_MSG_TOO_BIG`
   */
  sendTimeout(ept: LiteEndpoint, dst: number, data: Uint8Array, timeout = RL_BLOCK): void {
    const tx = this.allocTxBuffer(ept, timeout);
    if (data.length > tx.payload.length) {
      tx.release();
      throw new RpmsgError('ERR_RPMSG_MSG_TOO_BIG', `message of ${data.length} bytes exceeds the MTU`, {
        length: data.length,
        limit: tx.payload.length,
      });
    }
    tx.payload.set(data);
    this.sendNocopy(ept, dst, tx, data.length);
  }

  /**
   * Lends a TX buffer for zero-copy sending, waiting up to `timeout` ms (RPMsg-Lite
   * `rpmsg_lite_alloc_tx_buffer`; here bound to the endpoint that will send it). Fill `payload`,
   * then {@link sendNocopy}.
   *
   * @throws {RpmsgError} `ERR_RPMSG_TIMEOUT`
   */
  allocTxBuffer(ept: LiteEndpoint, timeout = RL_BLOCK): TxBuffer {
    let tx: TxBuffer | null = ept.endpoint.tryGetTxBuffer();
    if (tx) return tx; // the common case: no closure, no wait
    const ok = this.#pump.waitFor(() => {
      tx = ept.endpoint.tryGetTxBuffer();
      return tx !== null;
    }, timeout);
    if (!ok || tx === null) {
      throw new RpmsgError('ERR_RPMSG_TIMEOUT', `no TX buffer within ${timeout} ms`, { limit: timeout });
    }
    return tx;
  }

  /**
   * Sends a buffer from {@link allocTxBuffer} (RPMsg-Lite `rpmsg_lite_send_nocopy`). Published, and
   * the master kicked if it asked, before this returns, as RPMsg-Lite does (the device API batches).
   */
  sendNocopy(_ept: LiteEndpoint, dst: number, buffer: TxBuffer, length: number): void {
    buffer.send(length, dst);
    this.device.flush();
  }

  /**
   * Takes the next message from a queue (or an endpoint's queue), copied, waiting up to `timeout`
   * ms (RPMsg-Lite `rpmsg_queue_recv`). The buffer goes back to the peer at once.
   *
   * @throws {RpmsgError} `ERR_RPMSG_TIMEOUT`
   */
  recvTimeout(from: RpmsgQueue | LiteEndpoint, timeout = RL_BLOCK): LiteMessage {
    const held = this.recvNocopy(from, timeout);
    const message = { src: held.src, dst: held.dst, data: held.payload.slice() };
    this.releaseRxBuffer(held);
    return message;
  }

  /**
   * Takes the next message without copying: `payload` points into shared memory until
   * {@link releaseRxBuffer} (RPMsg-Lite `rpmsg_queue_recv_nocopy`).
   *
   * @throws {RpmsgError} `ERR_RPMSG_TIMEOUT`
   * @throws {TypeError} for a callback-mode endpoint (it has no queue)
   */
  recvNocopy(from: RpmsgQueue | LiteEndpoint, timeout = RL_BLOCK): HeldMessage {
    const queue = from instanceof RpmsgQueue ? from : from.queue;
    if (!queue) throw new TypeError('this endpoint delivers to a callback, not a queue');
    if (queue.count === 0 && !this.#pump.waitFor(() => queue.count > 0, timeout)) {
      throw new RpmsgError('ERR_RPMSG_TIMEOUT', `no message within ${timeout} ms`, { limit: timeout });
    }
    return queue.shift() as HeldMessage;
  }

  /** Gives a buffer from {@link recvNocopy} back to the peer (RPMsg-Lite `rpmsg_lite_release_rx_buffer`). */
  releaseRxBuffer(message: HeldMessage): void {
    message.release();
    // Releases publish in batches (core); with nothing left queued the loop is about to wait or to
    // work on something else, so the peer gets its buffers back now, as RPMsg-Lite gives them.
    if (this.#queued.queued === 0) this.device.flush();
  }

  /** Blocks for `ms` while serving the link (RPMsg-Lite `env_sleep_msec`). */
  sleep(ms: number): void {
    this.#pump.sleep(ms);
  }
}
