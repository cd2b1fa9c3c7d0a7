import type { EventEmitter } from 'node:events';
import { closedError, downCode, downError } from './bus-errors.js';
import type { ChannelRegistry } from './channel-registry.js';
import type { Clock } from './clock.js';
import { RPMSG_HEADER_SIZE, RPMSG_NS_ADDR } from './constants.js';
import type { RpmsgDeviceEvents } from './device-events.js';
import type { DeviceStats } from './device-stats.js';
import { destroyedError, type Endpoint, type EndpointLink } from './endpoint.js';
import type { EndpointTable } from './endpoint-table.js';
import { RpmsgError } from './errors.js';
import { checkRxHeader } from './header.js';
import { reportListenerError, safeEmit } from './listener-error.js';
import { NameService, type NameServiceHost } from './name-service.js';
import { type RxHost, RxSlot } from './rx-message.js';
import { Sender, type SenderContext } from './sender.js';
import { SETTLED } from './settled.js';
import type { Transport, TransportBuffer, TransportSink } from './transport.js';

/** What `RpmsgDevice` hands its link engine. */
export interface RpmsgBusOptions {
  readonly device: EventEmitter<RpmsgDeviceEvents>;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly sendTimeout: number;
  /** Most sends waiting for a TX buffer at once (`Infinity`: no bound). */
  readonly maxQueuedSends: number;
  readonly useNameService: boolean;
  readonly mtu: number;
  readonly stats: DeviceStats;
  readonly endpoints: EndpointTable;
  readonly channels: ChannelRegistry;
}

/**
 * Sends and held-buffer releases made outside `poll()` are published (avail.idx / used.idx) at least
 * this often. Linux and RPMsg-Lite publish every one; a batch of 16 keeps a streaming peer supplied
 * while saving 15 of 16 index publishes and the cache-line transfers they cause (virtio-net does the
 * same for a burst of packets: `xmit_more`).
 */
const PUBLISH_BATCH = 16;

/**
 * The engine behind `RpmsgDevice`. It is, without wrappers, the transport's sink (the
 * receive rules of docs/interop.md "Receiving", link up and down), what endpoints and their bindings
 * call (`EndpointLink`), the sender's and the name service's host; and it batches flushes and runs
 * the close. Messages for address 53 go to its {@link NameService}.
 */
export class RpmsgBus implements TransportSink, EndpointLink, SenderContext, NameServiceHost, RxHost {
  readonly device: EventEmitter<RpmsgDeviceEvents>;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly sendTimeout: number;
  readonly mtu: number;
  readonly stats: DeviceStats;
  readonly endpoints: EndpointTable;
  readonly channels: ChannelRegistry;
  readonly sender: Sender;
  /** Called once when the device closes (waits in progress end with ERR_RPMSG_CLOSED). */
  readonly onClose = new Set<() => void>();
  /** Bumped on every link down: holds from an older epoch are dead buffers. */
  epoch = 0;
  readonly #useNameService: boolean;
  readonly #ns: NameService;
  /** One RxMessage per RX slot, re-armed per message (no allocation per message). */
  readonly #rxSlots: (RxSlot | undefined)[] = [];
  #up = false;
  /** Why the link last went down (`null` before the first down): what sends reject with meanwhile. */
  #downReason: (Error & { readonly code: string }) | null = null;
  /** `close()` was called: every operation from now on fails with ERR_RPMSG_CLOSED. */
  #closeRequested = false;
  /** The close is past its NS DESTROY announcements: nothing more goes out or comes in. */
  #closed = false;
  #closing: Promise<void> | undefined;
  #polling = 0;
  #flushScheduled = false;
  /** Sends and releases made outside poll() since the last flush that were not published at once. */
  #unflushed = 0;
  /** A poll delivered a message that no send has answered yet: the next send outside poll() does (see {@link sent}). */
  #answering = false;
  /** A send was made inside the current top-level poll (a listener answered there). */
  #sentInPoll = false;

  constructor(options: RpmsgBusOptions) {
    this.device = options.device;
    this.transport = options.transport;
    this.clock = options.clock;
    this.sendTimeout = options.sendTimeout;
    this.mtu = options.mtu;
    this.stats = options.stats;
    this.endpoints = options.endpoints;
    this.channels = options.channels;
    this.#useNameService = options.useNameService;
    this.sender = new Sender(this, options.maxQueuedSends);
    this.#ns = new NameService(this);
  }

  get isUp(): boolean {
    return this.#up && !this.#closed;
  }

  /** True from the moment `close()` is called. */
  get isClosed(): boolean {
    return this.#closeRequested;
  }

  get hasNameService(): boolean {
    return this.#useNameService && this.transport.hasNameService;
  }

  /**
   * Why sends fail now: ERR_RPMSG_CLOSED after `close()`; while the link is down, the code of why it
   * went down (see `downError`); ERR_RPMSG_LINK_DOWN before it was ever up; `null` while up.
   */
  linkError(): RpmsgError | null {
    if (this.#closeRequested) return closedError();
    if (this.#up) return null;
    const reason = this.#downReason;
    return reason ? downError(reason) : new RpmsgError('ERR_RPMSG_LINK_DOWN', 'the link is not up yet');
  }

  /** The error for an operation on a destroyed endpoint: ERR_RPMSG_CLOSED once the device closes. */
  destroyedError(ep: Endpoint): RpmsgError {
    return this.#closeRequested ? closedError() : destroyedError(ep);
  }

  /** After `transport.start()` resolved: catches up if the transport came up without telling the sink. */
  syncUp(): void {
    if (this.transport.isUp) this.onLinkUp();
  }

  /** Pumps the transport, then flushes the batch's releases once. */
  poll(budget?: number): number {
    if (this.#closed) return 0;
    // What was sent or released since the last flush goes out before the rings are read, not after:
    // the peer may be waiting for exactly that (a reply, a buffer).
    if (this.#polling === 0) {
      if (this.#unflushed > 0) this.flush();
      this.#sentInPoll = false;
    }
    this.#polling++;
    let delivered: number;
    try {
      delivered = this.transport.poll(budget);
    } finally {
      this.#polling--;
    }
    if (this.#polling === 0) {
      this.flush();
      // Answered inside the poll (an rx callback, a listener that replies): nothing left to answer.
      if (delivered > 0 && !this.#sentInPoll) this.#answering = true;
    }
    return delivered;
  }

  releaseHeld(buf: TransportBuffer, epoch: number): void {
    // A hold from before a link down is a dead buffer: the transport must not see it (its slot may be
    // lent again by now).
    if (epoch !== this.epoch || this.#closed) return;
    this.#release(buf);
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    // A local close: pending and later operations fail with ERR_RPMSG_CLOSED, whatever they wait on.
    this.#closeRequested = true;
    const closed = closedError();
    this.sender.rejectAll(closed); // frees the queue, so NS DESTROY can take a free buffer at once
    // Destroy while the link is up: NS DESTROY announcements go out if buffers are free — published
    // here, since nothing is published once the bus is closed.
    for (const ep of this.endpoints.list()) ep.binding.destroy();
    this.#publish();
    this.#closed = true;
    this.sender.linkDown(closed);
    for (const hook of [...this.onClose]) hook();
    await this.transport.close();
    if (this.#up) this.onLinkDown(closedError()); // a transport that did not report its own close
  }

  /** @see TransportSink.onMessage — true hands `buf` back to the transport on return. */
  onMessage(buf: TransportBuffer, length: number): boolean {
    const transport = this.transport;
    if (this.#closed) return false;
    let len: number;
    try {
      // docs/interop.md "Receiving": the length comes from the header only, checked against what the
      // transport saw.
      len = checkRxHeader(buf.view, length, transport.bufferSize);
    } catch (error) {
      this.stats.malformed++;
      this.#release(buf);
      this.onError(error as RpmsgError);
      return false;
    }
    const src = buf.view.getUint32(0, true);
    const dst = buf.view.getUint32(4, true);
    this.stats.rxMessages++;
    this.stats.rxBytes += len;
    if (dst === RPMSG_NS_ADDR && this.hasNameService) {
      // Decode before releasing: the name is copied out, the buffer goes straight back.
      const message = this.#ns.decode(buf.bytes.subarray(RPMSG_HEADER_SIZE, RPMSG_HEADER_SIZE + len));
      this.#release(buf);
      if (message) this.#ns.onMessage(message);
      return false;
    }
    const ep = this.endpoints.get(dst);
    if (!ep) {
      this.stats.dropped++;
      this.#release(buf);
      if (this.device.listenerCount('protocol-error') > 0) {
        this.onError(
          new RpmsgError('ERR_RPMSG_UNKNOWN_DST', `message from ${src} to unknown address ${dst} dropped`, {
            addr: dst,
          }),
        );
      }
      return false;
    }
    return this.#deliver(ep, buf, src, dst, len);
  }

  /** Runs the endpoint's handler and listeners; true when the buffer is done with (not held). */
  #deliver(ep: Endpoint, buf: TransportBuffer, src: number, dst: number, len: number): boolean {
    const s = ep.state;
    const binding = ep.binding;
    // The first message binds (docs/interop.md "Addresses and the first message"); a bound endpoint
    // pays this compare only.
    if (binding.state === 'unbound') binding.firstMessage(src);
    const handler = s.onMessage;
    const listening = ep.hasMessageListeners;
    if (!handler && !listening) {
      s.stats.dropped++;
      this.stats.dropped++;
      this.#release(buf);
      return false;
    }
    s.stats.received++;
    s.stats.bytesReceived += len;
    let slot = this.#rxSlots[buf.index];
    if (!slot) {
      slot = new RxSlot(this);
      this.#rxSlots[buf.index] = slot;
    }
    const payload = slot.arm(buf, len, src, dst);
    try {
      handler?.(payload, src, slot);
      if (listening) ep.emit('message', payload, src, slot);
    } catch (error) {
      reportListenerError(error);
    }
    if (slot.disarm()) return false; // held: released later through the hold
    // Inside poll() the transport takes it back on return (published with the batch at the poll's
    // end); a transport delivering outside a poll gets an explicit release, which schedules the flush.
    if (this.#polling > 0) return true;
    this.#release(buf);
    return false;
  }

  /** @see TransportSink.onTxAvailable — blocked senders retry. */
  onTxAvailable(): void {
    this.#noAnswerWhile(this.#drain); // made once: a stream whose sender waits gets one per batch returned
  }

  readonly #drain = (): void => this.sender.drain();

  /** @see TransportSink.onLinkUp */
  onLinkUp(): void {
    if (this.#closed || this.#up) return;
    this.#up = true;
    // The announcements and the sends of 'up' listeners must also go out after the master's link-up
    // kick, which an RPMsg-Lite remote needs first (docs/interop.md).
    this.#noAnswerWhile(() => {
      safeEmit(this.device, 'up');
      for (const ep of this.endpoints.list()) ep.binding.linkUp();
    });
  }

  /**
   * Runs `work` inside one of the transport's own calls (`onLinkUp`: a master's start(), a poll;
   * `onTxAvailable`): the sends made there are no answer, whose flush would re-enter the transport.
   * An answer that was due before stays due.
   */
  #noAnswerWhile(work: () => void): void {
    const answering = this.#answering;
    this.#answering = false;
    try {
      work();
    } finally {
      this.#answering ||= answering;
    }
  }

  /** @see TransportSink.onLinkDown */
  onLinkDown(reason: Error & { readonly code: string }): void {
    const wasUp = this.#up;
    this.#up = false;
    this.#downReason = reason;
    this.epoch++;
    // The `down` event gets the transport's RpmsgError as it is; another error is wrapped.
    const error =
      reason instanceof RpmsgError
        ? reason
        : new RpmsgError(downCode(reason), reason.message, { cause: reason });
    this.sender.linkDown(this.#closeRequested ? closedError() : downError(reason));
    for (const ep of this.endpoints.list()) ep.binding.linkDown(error);
    this.#ns.clear();
    if (wasUp) safeEmit(this.device, 'down', error);
  }

  /** @see TransportSink.onError — also the name service's: reported as `protocol-error`. */
  onError(error: Error & { readonly code: string }): void {
    if (this.device.listenerCount('protocol-error') > 0) safeEmit(this.device, 'protocol-error', error);
  }

  #release(buf: TransportBuffer): void {
    this.transport.releaseRxBuffer(buf);
    this.#batch();
  }

  /**
   * A send went to the transport unpublished. Inside device.poll() it goes out with the poll's batch,
   * at its end, and answers what that poll delivered. Outside it, the first send after a poll that
   * delivered a message no listener answered publishes at once: it is most likely the answer the
   * peer is waiting for, and on a round trip waiting for the turn's end (the pump resuming to poll)
   * cost ≈ 0.1 µs of 2.2 (docs/architecture.md, "Threads and notifications"). Every other send
   * batches (see {@link #batch}), so a one-way stream still publishes once per burst: publishing its
   * first message alone made the receiver take a batch of one and then the rest, 5–10 % of the
   * stream's rate. (Linux and RPMsg-Lite publish every message.)
   */
  sent(): void {
    if (this.#polling > 0) {
      this.#sentInPoll = true; // an answer inside the poll: it goes out at the poll's end
      this.#answering = false;
      return;
    }
    if (!this.#answering) {
      this.#batch();
      return;
    }
    this.#answering = false;
    this.#publish();
  }

  /**
   * A release or a send outside poll() joins the batch: every PUBLISH_BATCH-th publishes at once — a
   * blocking firmware loop runs no microtasks, and the peer must keep getting messages and buffers —
   * and the rest at the microtask turn or the next poll, so an event-loop program's burst costs one
   * publish (and at most one kick). Inside poll() the poll publishes its batch at its end.
   */
  #batch(): void {
    if (this.#polling > 0) return;
    if (++this.#unflushed >= PUBLISH_BATCH) this.#publish();
    else this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    void SETTLED.then(this.#flushTask); // #flushTask catches: the promise this returns never rejects
  }

  /** Publishes this side's pending sends and releases now (kicking the peer if it asked). */
  flush(): void {
    this.#unflushed = 0;
    if (!this.#closed) this.transport.flush();
  }

  /**
   * A flush the bus makes on its own, after a send or release it has accepted: a transport that
   * throws there (a `notify` hook that throws) is an uncaught exception, as from a microtask, not an
   * error thrown into that send — it is on the ring, and a caller that retried would send it twice.
   */
  #publish(): void {
    try {
      this.flush();
    } catch (error) {
      reportListenerError(error);
    }
  }

  /** Flushes when something is unpublished; true if it did (a sender short of buffers retries). */
  flushPending(): boolean {
    if (this.#unflushed === 0) return false; // every flush zeroes it: a pending microtask has nothing left
    this.#publish();
    return true;
  }

  readonly #flushTask = (): void => {
    this.#flushScheduled = false;
    if (this.#unflushed === 0) return; // published meanwhile (a poll, the 16th, an answer)
    this.#publish();
  };
}
