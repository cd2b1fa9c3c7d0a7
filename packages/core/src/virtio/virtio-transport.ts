import type { MemoryRegion } from '@rpmsg/virtio';
import {
  checkFunction,
  checkInteger,
  checkOneOf,
  checkOptions,
  featureBit,
  InvalidArgValueError,
  VIRTIO_RING_F_EVENT_IDX,
  VIRTIO_RPMSG_F_NS,
} from '@rpmsg/virtio';
import { RPMSG_HEADER_SIZE } from '../constants.js';
import { AbortError, RpmsgError } from '../errors.js';
import type { RpmsgLayout } from '../layout/types.js';
import { checkMessageFits, writeMessage } from '../payload-copy.js';
import type {
  PolledTransport,
  TransportBuffer,
  TransportObserver,
  TransportRole,
  TransportSink,
  TransportStats,
} from '../transport.js';
import { liveTransportStats } from '../transport-stats.js';
import { BufferPool, SLOT_LENT_RX, SLOT_LENT_TX } from './buffer-pool.js';
import type { Engine, EngineHost, VirtioStats } from './engine.js';
import { MasterEngine } from './master-engine.js';
import { RemoteEngine } from './remote-engine.js';

/** Options of a {@link VirtioTransport}. */
export interface VirtioTransportOptions {
  /** `master` (virtio driver, owns the pool) or `remote` (virtio device). */
  role: TransportRole;
  /** Where rings, pool and resource table are (see `createLayout` / `parseLayoutJson`). */
  layout: RpmsgLayout;
  /** The shared RAM region; its `base` must be the layout's device addresses. */
  memory: MemoryRegion;
  /** Rings the peer's doorbell for a vring (a kick). Called synchronously from `flush()` / `start()`. */
  notify: (vring: 0 | 1) => void;
  /**
   * Features: on the master those it wants, on the remote those it offers (the linux profile
   * negotiates through the resource table). Default: VIRTIO_RPMSG_F_NS, plus EVENT_IDX when the
   * layout uses it.
   */
  features?: bigint;
  /**
   * Master only: adopt rings already in use (a restarted master, an image from another
   * implementation) instead of resetting them. Default false.
   */
  attach?: boolean;
  /**
   * Remote only: kick after every publish even when the master asked not to be interrupted.
   * Default true for `rpmsg-lite` (RPMsg-Lite masters set avail NO_INTERRUPT yet wait for the
   * mailbox, as the vectors show), false for `linux`.
   */
  alwaysNotify?: boolean;
}

/**
 * The RPMsg transport over two virtio vrings in shared memory, in either role, for either layout
 * profile (docs/architecture.md, "Roles on the rings"; docs/layouts.md; docs/interop.md). A
 * {@link PolledTransport}: the owner wires the doorbells — `notify` rings the peer, and when the
 * peer rings us the owner calls {@link onKick} and then the device's `poll()`.
 *
 * ```ts
 * const layout = createLayout('rpmsg-lite', { numBuffers: 16, align: 16 });
 * const memory = new MemoryRegion(new SharedArrayBuffer(layout.size), { base: layout.base });
 * const transport = new VirtioTransport({ role: 'master', layout, memory, notify: (vq) => ring(vq) });
 * const device = new RpmsgDevice(transport);
 * await device.start();
 * ```
 *
 * A corrupt ring is reported to the sink (`onError`, code `ERR_RPMSG_RING`) and takes the link
 * down; it never throws out of `poll()`. Nothing is allocated per message.
 */
export class VirtioTransport implements PolledTransport {
  /** This side's role. */
  readonly role: TransportRole;
  /** Bytes per buffer, header included. */
  readonly bufferSize: number;
  /** The layout in use. */
  readonly layout: RpmsgLayout;
  /** @see Transport.observer */
  observer: TransportObserver | undefined = undefined;
  readonly #memory: MemoryRegion;
  readonly #notify: (vring: 0 | 1) => void;
  readonly #pool: BufferPool;
  readonly #engine: Engine;
  /** What the engine sees of this transport; its `isUp` is the transport's link state, kept nowhere else. */
  readonly #engineHost: EngineHost & { isUp: boolean };
  readonly #counters: VirtioStats = { txMessages: 0, rxMessages: 0, notifications: 0, rxHeld: 0, errors: 0 };
  readonly #stats: TransportStats;
  #sink: TransportSink | undefined;
  #closed = false;
  #started = false;
  #earlyKick = false;
  #nameService = false;
  #waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  /**
   * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE` for a role other than master / remote
   * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE` when `options`, `layout` or `memory` is not
   *   an object, or `notify` not a function
   * @throws {RpmsgError} `ERR_RPMSG_LAYOUT` when the layout does not lie inside `memory`
   */
  constructor(options: VirtioTransportOptions) {
    checkOptions('options', options);
    const { role, layout, memory } = options;
    checkOneOf('options.role', role, ['master', 'remote'] as const);
    checkFunction('options.notify', options.notify);
    checkOptions('options.layout', layout);
    checkOptions('options.memory', memory);
    if (!memory.contains(layout.base, layout.size)) {
      throw new RpmsgError('ERR_RPMSG_LAYOUT', 'the layout region does not lie inside the memory region', {
        field: 'size',
        addr: layout.base,
        length: layout.size,
      });
    }
    this.role = role;
    this.layout = layout;
    this.bufferSize = layout.bufferSize;
    this.#memory = memory;
    this.#notify = options.notify;
    this.#pool = new BufferPool(memory, layout);
    const features =
      options.features ??
      featureBit(VIRTIO_RPMSG_F_NS) | (layout.eventIdx ? featureBit(VIRTIO_RING_F_EVENT_IDX) : 0n);
    const host = this.#host();
    this.#engineHost = host;
    this.#engine =
      role === 'master'
        ? new MasterEngine(host, { features, attach: options.attach ?? false })
        : new RemoteEngine(host, {
            features,
            alwaysNotify: options.alwaysNotify ?? layout.profile === 'rpmsg-lite',
          });
    const counters = this.#counters;
    const engine = this.#engine;
    const txTotal = this.#pool.numBuffers;
    this.#stats = liveTransportStats(counters, {
      txFree: () => engine.txFree(),
      txTotal: () => txTotal,
      rxHeld: () => counters.rxHeld,
      errors: () => counters.errors,
    });
  }

  #host(): EngineHost & { isUp: boolean } {
    const self = this;
    return {
      memory: this.#memory,
      layout: this.layout,
      pool: this.#pool,
      counters: this.#counters,
      get sink() {
        return self.#sink!;
      },
      // A plain property set by #setUp / #setDown, not a getter: the remote's receive loop reads it
      // once per message, and a getter call cost ~10 % of a 16-byte stream.
      isUp: false,
      deliver: (k, length) => this.#deliver(k, length),
      kick: (vring) => {
        this.#counters.notifications++;
        this.#notify(vring);
      },
      setUp: (nameService) => this.#setUp(nameService),
      setDown: (reason) => this.#setDown(reason),
      report: (error) => {
        this.#counters.errors++;
        this.#sink?.onError(error);
      },
    };
  }

  /** True once the handshake is done and until the link goes down. */
  get isUp(): boolean {
    return this.#engineHost.isUp;
  }

  /** True when VIRTIO_RPMSG_F_NS is in use on this link. */
  get hasNameService(): boolean {
    return this.#nameService;
  }

  /** Counters. */
  get stats(): TransportStats {
    return this.#stats;
  }

  /** @see Transport.attach */
  attach(sink: TransportSink): void {
    if (this.#sink)
      throw new InvalidArgValueError('sink', 'cannot be attached: a sink is attached already', sink);
    this.#sink = sink;
  }

  /**
   * Master: resets the rings (unless `attach`), posts every RX buffer on vq0, negotiates features and
   * sets DRIVER_OK (linux) or pre-fills vq1's used ring (rpmsg-lite), then kicks vq0 — up at once.
   * Remote: reads the resource table (linux) and resolves when the master's DRIVER_OK (linux) or
   * first kick (rpmsg-lite) is seen by `poll()` / `onKick()`.
   *
   * @throws {RpmsgError} ERR_RPMSG_RSC_TABLE, ERR_RPMSG_LAYOUT, ERR_RPMSG_HANDSHAKE, ERR_RPMSG_RING, ERR_RPMSG_CLOSED
   * @throws {AbortError} when `signal` aborts first
   */
  start(signal?: AbortSignal): Promise<void> {
    if (!this.#sink) return Promise.reject(new TypeError('start: attach() a sink first'));
    if (this.#closed) return Promise.reject(new RpmsgError('ERR_RPMSG_CLOSED', 'transport is closed'));
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new AbortError(undefined, { cause: signal?.reason }));
      };
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.#started && this.#engineHost.isUp) {
        waiter.resolve();
        return;
      }
      if (this.#started) return;
      this.#started = true;
      try {
        this.#engine.start();
        if (this.#earlyKick) this.#engine.onKick(0);
      } catch (error) {
        this.#started = false;
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        waiter.reject(error as Error);
      }
    });
  }

  /** @see Transport.poll */
  poll(budget = Number.POSITIVE_INFINITY): number {
    if (this.#closed || !this.#started) return 0;
    return this.#engine.poll(budget);
  }

  /**
   * The peer rang our doorbell for `vring`. The remote records it (the rpmsg-lite remote's link-up is
   * the master's first kick; one that rings before `start()` is remembered); the owner then calls
   * `poll()`. The master learns everything from the used rings in `poll()`, so a kick costs it nothing.
   */
  onKick(vring: 0 | 1): void {
    if (this.role === 'master' || this.#closed) return;
    if (this.#started) this.#engine.onKick(vring);
    else this.#earlyKick = true;
  }

  /** @see Transport.getTxBuffer */
  getTxBuffer(): TransportBuffer | null {
    if (!this.#engineHost.isUp) return null;
    const k = this.#engine.getTx();
    if (k < 0) return null;
    this.#pool.state[k] = SLOT_LENT_TX;
    return this.#pool.buffers[k]!;
  }

  /**
   * @see Transport.sendTxBuffer
   * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE` when `buf` is not a lent TX buffer
   * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` for a length outside 16..bufferSize
   */
  sendTxBuffer(buf: TransportBuffer, length: number): void {
    if (this.#closed) return;
    if (!this.#pool.check(buf, SLOT_LENT_TX, 'sendTxBuffer')) return;
    checkInteger('length', length, RPMSG_HEADER_SIZE, this.bufferSize);
    this.observer?.onSend(buf, length);
    this.#engine.send(buf.index, length);
    this.#counters.txMessages++;
  }

  /**
   * @see Transport.sendMessage
   * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` when `payload` does not fit a buffer after the header
   */
  sendMessage(src: number, dst: number, payload: Uint8Array): boolean {
    checkMessageFits(payload, this.bufferSize);
    if (!this.#engineHost.isUp) return false;
    const k = this.#engine.getTx();
    if (k < 0) return false;
    // The buffer goes from free to the ring inside this call: nobody else ever holds it, so the
    // lend-and-return bookkeeping of getTxBuffer / sendTxBuffer has nothing to check.
    const buf = this.#pool.buffers[k]!;
    const length = RPMSG_HEADER_SIZE + payload.length;
    writeMessage(buf, src, dst, payload);
    this.observer?.onSend(buf, length);
    this.#engine.send(k, length);
    this.#counters.txMessages++;
    return true;
  }

  /** @see Transport.releaseTxBuffer */
  releaseTxBuffer(buf: TransportBuffer): void {
    if (this.#closed) return;
    if (this.#pool.check(buf, SLOT_LENT_TX, 'releaseTxBuffer')) this.#engine.releaseTx(buf.index);
  }

  /** @see Transport.releaseRxBuffer */
  releaseRxBuffer(buf: TransportBuffer): void {
    if (this.#closed) return;
    if (this.#pool.check(buf, SLOT_LENT_RX, 'releaseRxBuffer')) this.#giveBack(buf.index);
  }

  #deliver(k: number, length: number): void {
    const pool = this.#pool;
    pool.state[k] = SLOT_LENT_RX;
    this.#counters.rxHeld++;
    this.#counters.rxMessages++;
    const buf = pool.buffers[k]!;
    this.observer?.onReceive(buf, length);
    // Given back on return — unless the link went down meanwhile and the slot died with it.
    if (this.#sink!.onMessage(buf, length) === true && pool.state[k] === SLOT_LENT_RX) {
      this.#giveBack(k);
    }
  }

  #giveBack(k: number): void {
    this.#counters.rxHeld--;
    this.#engine.releaseRx(k);
  }

  /** @see Transport.flush */
  flush(): void {
    if (this.#engineHost.isUp) this.#engine.flush();
  }

  /**
   * Rule 1 of docs/architecture.md, "Threads and notifications", for an owner about to sleep on the
   * doorbell: re-enables notifications on the RX ring and the TX-return ring, then re-checks them.
   * True when nothing is pending (sleep with `Atomics.wait(doorbell, valueSeenBeforeThisCall)`),
   * false when work arrived (poll again).
   *
   * @see PolledTransport.prepareToSleep
   */
  prepareToSleep(): boolean {
    if (this.#closed || !this.#engineHost.isUp) return true;
    return this.#engine.prepareToSleep();
  }

  /**
   * Asks the peer not to ring while this side keeps polling (a spinning owner); `prepareToSleep()`
   * asks again before sleeping.
   *
   * @see PolledTransport.disableNotifications
   */
  disableNotifications(): void {
    if (this.#engineHost.isUp) this.#engine.disableNotifications();
  }

  /** @see Transport.close */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#started) this.#engine.stop();
    this.#setDown(new RpmsgError('ERR_RPMSG_CLOSED', 'transport closed'));
  }

  #setUp(nameService: boolean): void {
    if (this.#engineHost.isUp) return;
    this.#engineHost.isUp = true;
    this.#nameService = nameService;
    this.#sink?.onLinkUp();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.resolve();
  }

  #setDown(reason: RpmsgError): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(reason);
    if (!this.#engineHost.isUp) return;
    this.#engineHost.isUp = false;
    this.#pool.killLent();
    this.#counters.rxHeld = 0;
    this.#sink?.onLinkDown(reason);
  }
}
