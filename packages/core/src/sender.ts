import { checkInteger, InvalidArgTypeError, OutOfRangeError } from '@rpmsg/virtio';
import type { Clock } from './clock.js';
import { RPMSG_ADDR_ANY, RPMSG_HEADER_SIZE, RPMSG_NS_ADDR, RPMSG_NS_MSG_SIZE } from './constants.js';
import type { DeviceStats } from './device-stats.js';
import type { Endpoint, SendOptions } from './endpoint.js';
import { checkAddress } from './endpoint.js';
import { AbortError, RpmsgError } from './errors.js';
import { writeHeaderFields } from './header.js';
import { writeNsMessage } from './ns-message.js';
import { SETTLED } from './settled.js';
import type { Transport, TransportBuffer } from './transport.js';
import { LentTxBuffer, type TxBuffer, type TxBufferHost } from './tx-buffer.js';
import { TxQueue, type TxWaiter } from './tx-queue.js';
import { checkWaitOptions } from './wait-until.js';

/** What the sender reads from the link. */
export interface SenderContext {
  readonly transport: Transport;
  readonly clock: Clock;
  readonly sendTimeout: number;
  readonly mtu: number;
  readonly stats: DeviceStats;
  /** Why sends fail right now (closed, link down), or `null` when the link is up. */
  linkError(): RpmsgError | null;
  /** The error for an operation on a destroyed endpoint (ERR_RPMSG_CLOSED once the device closes). */
  destroyedError(ep: Endpoint): RpmsgError;
  /** A message went to the transport: publish it at once or with the batch (see `RpmsgBus.sent`). */
  sent(): void;
  /** Publishes what is unpublished now; true if there was something (it may bring buffers back). */
  flushPending(): boolean;
}

/**
 * The send paths of a device: copy (`send`, `trySend`), zero-copy lends, the FIFO of blocked
 * senders and the device's own name-service messages. The first send after a poll that delivered a
 * message (an answer) is published at once, the others in batches (every 16th at once, the rest at
 * the microtask turn or the next poll / flush); a sender that finds no buffer publishes first, since
 * the peer can only return buffers it has seen.
 */
export class Sender implements TxBufferHost {
  readonly #ctx: SenderContext;
  readonly #queue: TxQueue;
  /** The device's `maxQueuedSends`. */
  readonly #maxQueued: number;
  /** Zero-copy buffers lent out on the current link, by slot, so destroy / link down can take them back. */
  readonly #lent: (LentTxBuffer | undefined)[] = [];
  /** Payload view per TX slot, made once (a TransportBuffer object is stable per slot). */
  readonly #payloadViews: (Uint8Array | undefined)[] = [];

  constructor(ctx: SenderContext, maxQueued: number) {
    this.#ctx = ctx;
    this.#queue = new TxQueue(ctx.clock);
    this.#maxQueued = maxQueued;
  }

  /** Copying send with waiting; see `Endpoint.send`. */
  send(ep: Endpoint, dst: number, data: Uint8Array, options: SendOptions | undefined): Promise<void> {
    let timeout = this.#ctx.sendTimeout;
    if (options !== undefined) {
      // Checked even when a buffer is free: a bad option is the caller's mistake either way.
      try {
        timeout = checkWaitOptions(options, timeout);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const error = this.#check(ep, dst, data);
    if (error) return Promise.reject(error);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    if (this.#queue.length === 0 && this.#post(ep, ep.addr, dst, data)) return SETTLED;
    const full = this.#queueFull(ep);
    if (full) return Promise.reject(full);
    return this.#queue.enqueue(ep, ep.addr, dst, data, timeout, signal) as Promise<unknown> as Promise<void>;
  }

  /** Non-waiting send; see `Endpoint.trySend`. */
  trySend(ep: Endpoint, dst: number, data: Uint8Array): void {
    const error = this.#check(ep, dst, data);
    if (error) throw error;
    // Queued senders own the next free buffers: taking one here would let this message overtake them.
    if (this.#queue.length > 0 || !this.#post(ep, ep.addr, dst, data)) {
      throw new RpmsgError('ERR_RPMSG_NO_BUFFER', 'no TX buffer free', { addr: dst });
    }
  }

  /** Zero-copy lend with waiting; see `Endpoint.getTxBuffer`. */
  getTxBuffer(ep: Endpoint, options: SendOptions | undefined): Promise<TxBuffer> {
    let timeout: number;
    try {
      timeout = checkWaitOptions(options, this.#ctx.sendTimeout);
    } catch (err) {
      return Promise.reject(err);
    }
    const error = ep.destroyed ? this.#ctx.destroyedError(ep) : this.#ctx.linkError();
    if (error) return Promise.reject(error);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    const now = this.tryGetTxBuffer(ep);
    if (now) return Promise.resolve(now);
    const full = this.#queueFull(ep);
    if (full) return Promise.reject(full);
    return this.#queue.enqueue(ep, ep.addr, RPMSG_ADDR_ANY, null, timeout, signal) as Promise<TxBuffer>;
  }

  /** Non-waiting zero-copy lend: `null` when no buffer is free, other senders wait, or the link is down. */
  tryGetTxBuffer(ep: Endpoint): TxBuffer | null {
    if (ep.destroyed) throw this.#ctx.destroyedError(ep);
    if (this.#ctx.linkError() || this.#queue.length > 0) return null;
    const buf = this.#take();
    return buf ? this.#lend(ep, buf) : null;
  }

  /** Sends a name-service message from `src` (queued behind waiting senders; failures are dropped). */
  sendNs(src: number, nameBytes: Uint8Array, flags: number): void {
    const message = new Uint8Array(RPMSG_NS_MSG_SIZE);
    writeNsMessage(message, nameBytes, src, flags);
    if (this.#queue.length === 0 && this.#post(null, src, RPMSG_NS_ADDR, message)) return;
    // A failed announce (timeout, link down) needs no report: the next link up announces again.
    this.#queue.enqueue(null, src, RPMSG_NS_ADDR, message, this.#ctx.sendTimeout, undefined).catch(() => {});
  }

  /** Hands free TX buffers to waiting senders, oldest first. Called on `onTxAvailable`. */
  drain(): void {
    for (let waiter = this.#queue.peek(); waiter; waiter = this.#queue.peek()) {
      if (waiter.data) {
        if (!this.#post(waiter.owner, waiter.src, waiter.dst, waiter.data)) break;
        this.#queue.shift();
        waiter.resolve(undefined);
      } else {
        const buf = this.#take();
        if (!buf) break;
        this.#queue.shift();
        waiter.resolve(this.#lend(waiter.owner as Endpoint, buf));
      }
    }
  }

  /** Rejects every waiter (a local close). Lent buffers stay lent: `linkDown` or the destroy takes them. */
  rejectAll(error: Error): void {
    this.#queue.rejectAll(error);
  }

  /** Rejects the waiters `match` selects. */
  rejectWhere(match: (waiter: TxWaiter) => boolean, error: Error): void {
    this.#queue.rejectWhere(match, error);
  }

  /** Link down: every waiter rejects with `reason`; lent buffers die (the transport already took them). */
  linkDown(reason: Error): void {
    this.#queue.rejectAll(reason);
    for (const lent of this.#lent) lent?.kill(reason);
    this.#lent.length = 0;
  }

  /**
   * Endpoint destroyed: its waiters reject with `error` (ERR_RPMSG_ENDPOINT_DESTROYED, or
   * ERR_RPMSG_CLOSED when the device closes), its lent buffers go back to the pool.
   */
  endpointDestroyed(ep: Endpoint, error: RpmsgError): void {
    if (ep.state.queued > 0) this.#queue.rejectWhere((waiter) => waiter.owner === ep, error);
    for (const lent of this.#lent) {
      if (lent?.endpoint !== ep) continue;
      lent.kill(error);
      this.#lent[lent.buf.index] = undefined;
      this.#ctx.transport.releaseTxBuffer(lent.buf);
    }
    this.drain();
  }

  sendLent(lent: LentTxBuffer, length: number, dst: number, flags: number): void {
    if (!lent.live) throw lent.deadError();
    checkInteger('length', length, 0, this.#ctx.mtu);
    checkAddress('dst', dst);
    if (flags !== 0) checkInteger('flags', flags, 0, 0xffff);
    if (dst === RPMSG_ADDR_ANY) throw noDst(lent.endpoint);
    const ctx = this.#ctx;
    writeHeaderFields(lent.buf.view, lent.endpoint.addr, dst, length, flags);
    lent.finish();
    this.#lent[lent.buf.index] = undefined;
    ctx.transport.sendTxBuffer(lent.buf, RPMSG_HEADER_SIZE + length);
    this.#count(lent.endpoint, length);
    ctx.sent();
  }

  releaseLent(lent: LentTxBuffer): void {
    if (!lent.live) {
      if (lent.killed) return; // already taken back by destroy / link down: releasing is allowed
      throw lent.deadError();
    }
    lent.finish();
    this.#lent[lent.buf.index] = undefined;
    this.#ctx.transport.releaseTxBuffer(lent.buf);
    this.drain();
  }

  /** A free TX buffer; when there is none, publishes what is pending first and looks again. */
  #take(): TransportBuffer | null {
    const transport = this.#ctx.transport;
    const buf = transport.getTxBuffer();
    if (buf || !this.#ctx.flushPending()) return buf;
    return transport.getTxBuffer();
  }

  #lend(ep: Endpoint, buf: TransportBuffer): LentTxBuffer {
    let payload = this.#payloadViews[buf.index];
    if (!payload) {
      payload = buf.bytes.subarray(RPMSG_HEADER_SIZE, RPMSG_HEADER_SIZE + this.#ctx.mtu);
      this.#payloadViews[buf.index] = payload;
    }
    const lent = new LentTxBuffer(this, ep, buf, payload);
    this.#lent[buf.index] = lent;
    return lent;
  }

  /**
   * Sends a copy of `data` now if a TX buffer is free, in one call through the transport's
   * `sendMessage`, and queues its publication. False when no buffer is free even after publishing
   * what is pending (the peer can only return buffers it has seen).
   */
  #post(owner: Endpoint | null, src: number, dst: number, data: Uint8Array): boolean {
    const ctx = this.#ctx;
    const transport = ctx.transport;
    if (
      !transport.sendMessage(src, dst, data) &&
      (!ctx.flushPending() || !transport.sendMessage(src, dst, data))
    ) {
      return false;
    }
    this.#count(owner, data.length);
    ctx.sent();
    return true;
  }

  #count(owner: Endpoint | null, length: number): void {
    const stats = this.#ctx.stats;
    stats.txMessages++;
    stats.txBytes += length;
    if (owner) {
      owner.state.stats.sent++;
      owner.state.stats.bytesSent += length;
    }
  }

  /** ERR_RPMSG_QUEUE_FULL when the device's or `ep`'s bound on waiting sends is reached. */
  #queueFull(ep: Endpoint): RpmsgError | null {
    const s = ep.state;
    if (this.#queue.length < this.#maxQueued && s.queued < s.maxQueued) return null;
    const [limit, whose] =
      s.queued >= s.maxQueued ? [s.maxQueued, `endpoint ${ep.addr}`] : [this.#maxQueued, 'the device'];
    return new RpmsgError(
      'ERR_RPMSG_QUEUE_FULL',
      `${limit} sends already wait for a TX buffer (maxQueuedSends of ${whose})`,
      { limit, addr: ep.addr },
    );
  }

  #check(ep: Endpoint, dst: number, data: Uint8Array): Error | null {
    if (!(data instanceof Uint8Array)) {
      return new InvalidArgTypeError('data', 'an instance of Uint8Array', data);
    }
    // Read from the binding, not through `ep.destroyed`: one call less per send.
    if (ep.binding.state === 'destroyed') return this.#ctx.destroyedError(ep);
    if (!Number.isInteger(dst) || dst < 0 || dst > RPMSG_ADDR_ANY) {
      return typeof dst === 'number'
        ? new OutOfRangeError('dst', `an integer >= 0 and <= ${RPMSG_ADDR_ANY}`, dst)
        : new InvalidArgTypeError('dst', 'of type number', dst);
    }
    if (data.length > this.#ctx.mtu) {
      return new RpmsgError(
        'ERR_RPMSG_MSG_TOO_BIG',
        `payload of ${data.length} bytes exceeds the MTU ${this.#ctx.mtu}`,
        {
          length: data.length,
          limit: this.#ctx.mtu,
          addr: dst,
        },
      );
    }
    return this.#ctx.linkError() ?? (dst === RPMSG_ADDR_ANY ? noDst(ep) : null);
  }
}

function noDst(ep: Endpoint): RpmsgError {
  return new RpmsgError('ERR_RPMSG_NO_DST', `endpoint ${ep.addr} has no destination yet`, { addr: ep.addr });
}
