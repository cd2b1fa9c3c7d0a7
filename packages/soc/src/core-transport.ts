import type {
  PolledTransport,
  Transport,
  TransportBuffer,
  TransportObserver,
  TransportRole,
  TransportSink,
  TransportStats,
} from '@rpmsg/core';
import { RpmsgError } from '@rpmsg/core';

/**
 * The transport the RPMsg device of a core sees for its whole life, while the virtio transport
 * under it is replaced at every boot: a peer crash takes the link down
 * (`ERR_RPMSG_PEER_GONE`) and a restart connects a fresh transport over reset rings, so the same
 * `RpmsgDevice` — its endpoints, its waiting `waitForChannel` calls — survives remoteproc recovery.
 *
 * Buffers lent by a retired transport are dead: giving them back does nothing (Transport contract).
 * Ownership is checked with a slot table indexed by `buf.index`, so no message allocates.
 */
export class CoreTransport implements Transport {
  readonly role: TransportRole;
  readonly bufferSize: number;
  #observed: TransportObserver | undefined;
  #inner: PolledTransport | undefined;
  #generation = 0;
  #sink: TransportSink | undefined;
  #up = false;
  #closed = false;
  readonly #lent: (TransportBuffer | undefined)[] = [];
  readonly #retired = { txMessages: 0, rxMessages: 0, notifications: 0, errors: 0 };
  #firstUp: { resolve: () => void; reject: (e: Error) => void } | undefined;
  readonly #firstUpPromise: Promise<void>;

  constructor(role: TransportRole, bufferSize: number) {
    this.role = role;
    this.bufferSize = bufferSize;
    this.#firstUpPromise = new Promise<void>((resolve, reject) => {
      this.#firstUp = { resolve, reject };
    });
    // start() may never be awaited when boot fails before the device starts.
    this.#firstUpPromise.catch(() => {});
  }

  get isUp(): boolean {
    return this.#up;
  }

  get hasNameService(): boolean {
    return this.#inner?.hasNameService ?? false;
  }

  /**
   * Sees every message sent and received over the link (the trace), whatever transport is under it:
   * the link passes it on to the current transport and to each one it connects later. The
   * transport shows it the messages on its one send path, so tracing changes no path.
   */
  get observer(): TransportObserver | undefined {
    return this.#observed;
  }

  set observer(observer: TransportObserver | undefined) {
    this.#observed = observer;
    if (this.#inner) this.#inner.observer = observer;
  }

  /** The transport currently under the link (undefined between a crash and the next boot). */
  get current(): PolledTransport | undefined {
    return this.#inner;
  }

  attach(sink: TransportSink): void {
    if (this.#sink) throw new Error('CoreTransport.attach called twice');
    this.#sink = sink;
  }

  /** Resolves at the first link-up; rejects if the first boot fails (see {@link fail}). */
  start(signal?: AbortSignal): Promise<void> {
    if (signal) {
      return Promise.race([
        this.#firstUpPromise,
        new Promise<void>((_, reject) => {
          const onAbort = () => reject(signal.reason ?? new Error('aborted'));
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    }
    return this.#firstUpPromise;
  }

  /** Fails a pending first `start()` (boot rejected the resource table, the peer never came). */
  fail(error: Error): void {
    this.#firstUp?.reject(error);
    this.#firstUp = undefined;
  }

  /**
   * Puts `inner` under the link and starts it: the old transport (if any) is retired first. Resolves
   * when `inner` reports link-up. Boot code calls this at every (re)boot.
   */
  connect(inner: PolledTransport, signal?: AbortSignal): Promise<void> {
    this.#retire(new RpmsgError('ERR_RPMSG_PEER_GONE', 'the link was reset'));
    if (this.#closed) return Promise.reject(new RpmsgError('ERR_RPMSG_CLOSED', 'the link is closed'));
    const generation = ++this.#generation;
    const live = () => generation === this.#generation;
    this.#inner = inner;
    inner.observer = this.#observed;
    inner.attach({
      onMessage: (buf, length) => {
        if (!live()) {
          inner.releaseRxBuffer(buf);
          return false;
        }
        this.#lent[buf.index] = buf;
        // Given back on return: still ours unless a reset retired this transport meanwhile.
        return this.#sink?.onMessage(buf, length) === true && this.#take(buf);
      },
      onTxAvailable: () => {
        if (live()) this.#sink?.onTxAvailable();
      },
      onLinkUp: () => {
        if (!live() || this.#up) return;
        this.#up = true;
        this.#sink?.onLinkUp();
        this.#firstUp?.resolve();
        this.#firstUp = undefined;
      },
      onLinkDown: (reason) => {
        if (!live()) return;
        this.#takeDown(reason);
      },
      onError: (error) => {
        if (live()) this.#sink?.onError(error);
      },
    });
    return inner.start(signal);
  }

  /**
   * Takes the link down with `reason` (a crash: `ERR_RPMSG_PEER_GONE`) and retires the transport:
   * pending sends reject, channels go, buffers lent out become dead. Synchronous, so a blocking
   * firmware loop can reset its link without returning to the event loop.
   */
  down(reason: Error & { readonly code: string }): void {
    this.#retire(reason);
  }

  #retire(reason: Error & { readonly code: string }): void {
    const inner = this.#inner;
    this.#generation++;
    this.#inner = undefined;
    this.#lent.fill(undefined);
    this.#takeDown(reason);
    if (inner) {
      inner.observer = undefined;
      const s = inner.stats;
      this.#retired.txMessages += s.txMessages;
      this.#retired.rxMessages += s.rxMessages;
      this.#retired.notifications += s.notifications;
      this.#retired.errors += s.errors;
      // Its callbacks are already ignored (generation moved on); nothing waits for the close.
      inner.close().catch(() => {});
    }
  }

  #takeDown(reason: Error & { readonly code: string }): void {
    if (!this.#up) return;
    this.#up = false;
    this.#sink?.onLinkDown(reason);
  }

  poll(budget?: number): number {
    return this.#inner ? this.#inner.poll(budget) : 0;
  }

  /** Forwards a doorbell to the transport under the link. */
  onKick(vring: 0 | 1): void {
    this.#inner?.onKick(vring);
  }

  /**
   * Rule 1 of docs/architecture.md, "Threads and notifications", on the current transport; with
   * none, there is nothing to wait for.
   */
  prepareToSleep(): boolean {
    return this.#inner ? this.#inner.prepareToSleep() : true;
  }

  /**
   * The core is awake and will poll before it sleeps again: the peer need not ring meanwhile
   * (`prepareToSleep()` asks again). Saves the peer a doorbell per message.
   */
  disableNotifications(): void {
    this.#inner?.disableNotifications();
  }

  getTxBuffer(): TransportBuffer | null {
    if (!this.#up || !this.#inner) return null;
    const buf = this.#inner.getTxBuffer();
    if (buf) this.#lent[buf.index] = buf;
    return buf;
  }

  sendTxBuffer(buf: TransportBuffer, length: number): void {
    if (!this.#take(buf) || !this.#inner) return; // dead buffer of a retired transport: dropped
    this.#inner.sendTxBuffer(buf, length);
  }

  /**
   * @see Transport.sendMessage. Handed straight to the transport under the link, traced or not:
   * no buffer is lent, so the link has none to track.
   *
   * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` (a RangeError) when `payload` does not fit a
   *   buffer after the header
   */
  sendMessage(src: number, dst: number, payload: Uint8Array): boolean {
    const inner = this.#inner;
    if (!this.#up || !inner) return false;
    return inner.sendMessage(src, dst, payload);
  }

  releaseTxBuffer(buf: TransportBuffer): void {
    if (this.#take(buf)) this.#inner?.releaseTxBuffer(buf);
  }

  releaseRxBuffer(buf: TransportBuffer): void {
    if (this.#take(buf)) this.#inner?.releaseRxBuffer(buf);
  }

  #take(buf: TransportBuffer): boolean {
    if (this.#lent[buf.index] !== buf) return false;
    this.#lent[buf.index] = undefined;
    return true;
  }

  flush(): void {
    this.#inner?.flush();
  }

  /** Counters over every transport this link has had; read live, made once (senders poll `txFree`). */
  get stats(): TransportStats {
    return this.#liveStats;
  }

  readonly #liveStats: TransportStats = linkStats(() => this.#inner?.stats, this.#retired);

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.fail(new RpmsgError('ERR_RPMSG_CLOSED', 'the link was closed before it came up'));
    this.#retire(new RpmsgError('ERR_RPMSG_CLOSED', 'the link was closed'));
  }
}

/** Live counters of a {@link CoreTransport}: the current transport's plus those of the retired ones. */
function linkStats(
  current: () => TransportStats | undefined,
  retired: Pick<TransportStats, 'txMessages' | 'rxMessages' | 'notifications' | 'errors'>,
): TransportStats {
  return {
    get txMessages() {
      return retired.txMessages + (current()?.txMessages ?? 0);
    },
    get rxMessages() {
      return retired.rxMessages + (current()?.rxMessages ?? 0);
    },
    get notifications() {
      return retired.notifications + (current()?.notifications ?? 0);
    },
    get txFree() {
      return current()?.txFree ?? 0;
    },
    get txTotal() {
      return current()?.txTotal ?? 0;
    },
    get rxHeld() {
      return current()?.rxHeld ?? 0;
    },
    get errors() {
      return retired.errors + (current()?.errors ?? 0);
    },
  };
}
