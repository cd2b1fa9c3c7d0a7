import {
  FixedVirtqueueDriver,
  hasFeature,
  negotiateFeatures,
  VIRTIO_CONFIG_S_ACKNOWLEDGE,
  VIRTIO_CONFIG_S_DRIVER,
  VIRTIO_CONFIG_S_DRIVER_OK,
  VIRTIO_CONFIG_S_FEATURES_OK,
  VIRTIO_RING_F_EVENT_IDX,
  VIRTIO_RPMSG_F_NS,
} from '@rpmsg/virtio';
import { RpmsgError } from '../errors.js';
import {
  type ResourceTable,
  readResourceTable,
  readVdevStatus,
  writeGuestFeatures,
  writeVdevStatus,
} from '../layout/resource-table.js';
import { SLOT_FREE, SLOT_PEER } from './buffer-pool.js';
import { type Engine, type EngineHost, placeVring, ringError } from './engine.js';

/** Options of the master engine (from VirtioTransportOptions). */
export interface MasterEngineOptions {
  /** Features the driver wants (Linux virtio_rpmsg_bus: NS; plus EVENT_IDX when the layout uses it). */
  features: bigint;
  /** Adopt rings already in use instead of resetting them. */
  attach: boolean;
}

/**
 * The master (virtio driver, Linux virtio_rpmsg_bus / RPMsg-Lite master) side: posts every RX
 * buffer on vq0 at start, sends on vq1, recycles TX buffers from vq1's used ring, re-posts RX
 * buffers and kicks unless the remote suppressed it (docs/architecture.md, "Roles on the rings";
 * docs/interop.md, "Bring-up"). Each vring is a `FixedVirtqueueDriver` of `@rpmsg/virtio`:
 * descriptor k is buffer k of that ring, so pool slot k is vq0's buffer k and slot N + k vq1's.
 * vq1's used `len` is not read: a TX buffer's capacity is the buffer size, whatever the remote says.
 */
export class MasterEngine implements Engine {
  readonly #host: EngineHost;
  readonly #options: MasterEngineOptions;
  readonly #n: number;
  /** The pool's slot states (BufferPool.state), held here: the send path writes one per message. */
  readonly #state: Uint8Array;
  /**
   * Free TX slots, oldest first (a FIFO, not a stack): the remote returns buffers in order, so taking
   * them in order makes every lap post the same descriptor in the same avail slot with the same
   * length — the driver then leaves those cache lines untouched (shared with the remote).
   */
  readonly #txFree: Int32Array;
  #txHead = 0;
  #txCount = 0;
  #rx: FixedVirtqueueDriver | undefined;
  #tx: FixedVirtqueueDriver | undefined;
  #table: ResourceTable | undefined;
  #pendingRx = false;
  #pendingTx = false;
  /**
   * A sender found no TX buffer: vq1's used ring must interrupt us when the remote returns one. Off
   * otherwise, so a remote releasing every message does not ring per message (Linux virtio_rpmsg_bus
   * `rpmsg_upref_sleepers` keeps svq callbacks off unless a sender sleeps).
   */
  #txWanted = false;
  #txCbOn = true;

  constructor(host: EngineHost, options: MasterEngineOptions) {
    this.#host = host;
    this.#options = options;
    this.#n = host.layout.numBuffers;
    this.#state = host.pool.state;
    this.#txFree = new Int32Array(this.#n);
  }

  start(): void {
    const { layout, memory } = this.#host;
    const state = this.#state;
    let features = 0n;
    let eventIdx = layout.eventIdx;
    if (layout.profile === 'linux') {
      const table = this.#readTable();
      this.#table = table;
      if (this.#options.attach) {
        if ((readVdevStatus(memory, table.vdev.statusAddr) & VIRTIO_CONFIG_S_DRIVER_OK) === 0) {
          throw new RpmsgError('ERR_RPMSG_HANDSHAKE', 'attach: the vdev status has no DRIVER_OK', {
            field: 'status',
          });
        }
        features = table.vdev.gfeatures;
      } else {
        // virtio 1.2 §3.1.1 driver initialisation, in remoteproc's legacy form (status byte in the table).
        writeVdevStatus(memory, table.vdev.statusAddr, 0);
        writeVdevStatus(memory, table.vdev.statusAddr, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
        features = negotiateFeatures(table.vdev.dfeatures, this.#options.features);
        writeGuestFeatures(memory, table.vdev.gfeaturesAddr, features);
        writeVdevStatus(
          memory,
          table.vdev.statusAddr,
          VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK,
        );
      }
      eventIdx = hasFeature(features, VIRTIO_RING_F_EVENT_IDX);
    } else {
      features = this.#options.features; // no negotiation in RPMsg-Lite: both sides are built alike
    }
    const [vq0, vq1] = layout.vrings;
    const n = this.#n;
    const common = { memory, num: n, eventIdx, bufferSize: layout.bufferSize };
    const rx = placeVring(
      0,
      () => new FixedVirtqueueDriver({ ...common, addr: vq0.da, align: vq0.align, firstBuffer: layout.pool }),
    );
    const tx = placeVring(
      1,
      () =>
        new FixedVirtqueueDriver({
          ...common,
          addr: vq1.da,
          align: vq1.align,
          firstBuffer: layout.pool + n * layout.bufferSize,
        }),
    );
    this.#rx = rx;
    this.#tx = tx;
    this.#txHead = 0;
    this.#txCount = 0;
    this.#txWanted = false;
    this.#txCbOn = true;
    const prefilled = layout.profile === 'rpmsg-lite';
    if (this.#options.attach) {
      try {
        // vq0: every RX buffer is on the ring (posted, or used and not yet taken), so the master's
        // cursor is avail.idx − num. vq1: the buffers in flight are the last avail entries the remote
        // has not returned (RPMsg-Lite keeps used.idx num ahead); the others are free.
        rx.adopt(rx.readIndex('avail') - n, 'all');
        const availIdx = tx.readIndex('avail');
        const usedIdx = tx.readIndex('used');
        tx.adopt(usedIdx, (availIdx - usedIdx + (prefilled ? n : 0)) & 0xffff);
      } catch (error) {
        throw ringError(error, 'attach');
      }
      for (let k = 0; k < n; k++) {
        state[k] = SLOT_PEER;
        if (tx.isOutstanding(k)) state[n + k] = SLOT_PEER;
        else this.#pushFree(n + k);
      }
    } else {
      rx.reset();
      tx.reset();
      for (let k = 0; k < n; k++) {
        rx.addInBuf(k, layout.bufferSize);
        state[k] = SLOT_PEER;
      }
      // Published before DRIVER_OK (linux) / before the first kick (rpmsg-lite): docs/interop.md,
      // "Bring-up".
      rx.kickPrepare();
      for (let k = 0; k < n; k++) state[n + k] = SLOT_PEER;
      if (prefilled) tx.prefillUsed();
      else for (let k = 0; k < n; k++) this.#pushFree(n + k);
      this.#reapTx();
      if (this.#table) {
        const all =
          VIRTIO_CONFIG_S_ACKNOWLEDGE |
          VIRTIO_CONFIG_S_DRIVER |
          VIRTIO_CONFIG_S_FEATURES_OK |
          VIRTIO_CONFIG_S_DRIVER_OK;
        writeVdevStatus(memory, this.#table.vdev.statusAddr, all);
      }
    }
    this.#host.setUp(hasFeature(features, VIRTIO_RPMSG_F_NS));
    // The first kick on vq0: RPMsg-Lite's remote takes it as link-up; Linux sends it after DRIVER_OK.
    this.#host.kick(0);
  }

  #readTable(): ResourceTable {
    const { layout, memory } = this.#host;
    if (layout.resourceTable === undefined) {
      throw new RpmsgError('ERR_RPMSG_LAYOUT', 'the linux profile needs a resourceTable', {
        field: 'resourceTable',
      });
    }
    const table = readResourceTable(memory, layout.resourceTable);
    table.vdev.vrings.forEach((v, i) => {
      const want = layout.vrings[i]!;
      if (v.da !== want.da || v.num !== want.num || v.align !== want.align) {
        throw new RpmsgError('ERR_RPMSG_RSC_TABLE', `resource table: vring[${i}] differs from the layout`, {
          field: `vring[${i}]`,
        });
      }
    });
    return table;
  }

  poll(budget: number): number {
    const rx = this.#rx;
    if (!rx || !this.#host.isUp) return 0;
    const layout = this.#host.layout;
    try {
      // Returned TX buffers are taken back when a sender waits for one or the free FIFO runs below
      // half, not on every poll: the remote stores vq1's used.idx for each message it releases, and
      // reading it on every poll puts a cache-line transfer on the round trip's path. getTx() takes
      // back the rest when it runs out; txFree() counts them.
      if (this.#txWanted || this.#txCount < this.#n >> 1) this.#reapTx();
      // A waiting sender is woken by free buffers, however they came back (a reap, a released lend).
      if (this.#txWanted && this.#txCount > 0) {
        this.#txWanted = false;
        this.#host.sink.onTxAvailable(); // a sender still short of buffers asks again through getTx()
        if (!this.#txWanted) this.#txCallbacks(false);
      }
      let delivered = 0;
      while (delivered < budget) {
        const k = rx.getBuf();
        if (k < 0) break;
        const length = rx.lastLen;
        if (length > layout.bufferSize) {
          // docs/interop.md, "Receiving": used.len above the buffer size is refused; the buffer goes
          // straight back.
          this.#host.report(
            new RpmsgError('ERR_RPMSG_BAD_HEADER', `used.len ${length} > buffer size ${layout.bufferSize}`, {
              length,
              limit: layout.bufferSize,
            }),
          );
          rx.addInBuf(k, layout.bufferSize);
          this.#pendingRx = true;
          continue;
        }
        delivered++;
        this.#host.deliver(k, length);
        if (!this.#host.isUp) break;
      }
      return delivered;
    } catch (error) {
      this.#broken(error);
      return 0;
    }
  }

  /** Moves TX buffers the remote returned to the free FIFO (their used `len` is not read). */
  #reapTx(): number {
    const tx = this.#tx!;
    let n = 0;
    for (let k = tx.getBuf(); k >= 0; k = tx.getBuf()) {
      this.#pushFree(this.#n + k);
      n++;
    }
    return n;
  }

  #pushFree(slot: number): void {
    this.#state[slot] = SLOT_FREE;
    let tail = this.#txHead + this.#txCount++;
    if (tail >= this.#n) tail -= this.#n;
    this.#txFree[tail] = slot;
  }

  getTx(): number {
    if (this.#txCount === 0) {
      try {
        // Buffers back without an interrupt: no sender waits any more, vq1 can stay quiet.
        if (this.#reapTx() > 0 && this.#txWanted) {
          this.#txWanted = false;
          this.#txCallbacks(false);
        }
      } catch (error) {
        this.#broken(error);
        return -1;
      }
      if (this.#txCount === 0) {
        // Ask vq1 to interrupt when a buffer comes back, then look once more: one returned in
        // between would bring no interrupt (docs/architecture.md, "Threads and notifications", rule 1).
        this.#txWanted = true;
        try {
          if (!this.#txCallbacks(true)) this.#reapTx();
        } catch (error) {
          this.#broken(error);
          return -1;
        }
        if (this.#txCount === 0) return -1;
      }
    }
    const slot = this.#txFree[this.#txHead]!;
    if (++this.#txHead === this.#n) this.#txHead = 0;
    this.#txCount--;
    return slot;
  }

  send(k: number, length: number): void {
    // Linux virtio_rpmsg_bus: a device-readable descriptor whose len is the message length.
    this.#tx!.addOutBuf(k - this.#n, length);
    this.#state[k] = SLOT_PEER;
    this.#pendingTx = true;
  }

  releaseTx(k: number): void {
    this.#pushFree(k);
  }

  releaseRx(k: number): void {
    this.#rx!.addInBuf(k, this.#host.layout.bufferSize);
    this.#state[k] = SLOT_PEER;
    this.#pendingRx = true;
  }

  flush(): void {
    if (this.#pendingTx) {
      this.#pendingTx = false;
      if (this.#tx!.kickPrepare()) this.#host.kick(1);
    }
    if (this.#pendingRx) {
      this.#pendingRx = false;
      // "kick after re-posting RX buffers": a remote blocked on an empty vq0 waits for this.
      if (this.#rx!.kickPrepare()) this.#host.kick(0);
    }
  }

  prepareToSleep(): boolean {
    const rx = this.#rx;
    const tx = this.#tx;
    if (!rx || !tx || rx.isBroken || tx.isBroken) return true;
    try {
      const rxIdle = rx.enableCb();
      // vq1 only matters while a sender waits for a buffer — and one that waits while buffers are free
      // already needs the next poll, not a sleep.
      const txIdle = this.#txWanted ? this.#txCallbacks(true) && this.#txCount === 0 : true;
      return rxIdle && txIdle;
    } catch (error) {
      this.#broken(error);
      return true;
    }
  }

  disableNotifications(): void {
    if (this.#rx?.isBroken === false) this.#rx.disableCb();
    if (this.#tx?.isBroken === false) this.#txCallbacks(false);
  }

  /** Turns vq1's used-ring interrupts on (returns `enableCb()`: true when nothing is waiting) or off. */
  #txCallbacks(on: boolean): boolean {
    const tx = this.#tx!;
    if (!on) {
      if (this.#txCbOn) tx.disableCb();
      this.#txCbOn = false;
      return true;
    }
    this.#txCbOn = true;
    return tx.enableCb();
  }

  onKick(): void {}

  /** Free TX buffers, counting those the remote returned that no poll has taken back yet (a read: takes nothing). */
  txFree(): number {
    const tx = this.#tx;
    if (!tx || tx.isBroken || !this.#host.isUp) return this.#txCount;
    try {
      return this.#txCount + tx.numUsed();
    } catch (error) {
      this.#broken(error);
      return this.#txCount;
    }
  }

  stop(): void {
    if (this.#table) writeVdevStatus(this.#host.memory, this.#table.vdev.statusAddr, 0); // virtio reset
  }

  #broken(error: unknown): void {
    const e = ringError(error, 'vring');
    this.#host.report(e);
    this.#host.setDown(e);
  }
}
