import {
  DescriptorChain,
  hasFeature,
  VIRTIO_CONFIG_S_DRIVER_OK,
  VIRTIO_RING_F_EVENT_IDX,
  VIRTIO_RPMSG_F_NS,
  VirtqueueDevice,
} from '@rpmsg/virtio';
import { RpmsgError } from '../errors.js';
import { type ResourceTable, readResourceTable } from '../layout/resource-table.js';
import { SLOT_DEAD, SLOT_FREE, SLOT_PEER } from './buffer-pool.js';
import { type Engine, type EngineHost, placeVring, ringError } from './engine.js';

/** Options of the remote engine (from VirtioTransportOptions). */
export interface RemoteEngineOptions {
  /** Features the device offers (checked against what the master accepted). */
  features: bigint;
  /** Kick after every publish, ignoring the master's suppression flags (RPMsg-Lite masters need it). */
  alwaysNotify: boolean;
}

/**
 * The remote (virtio device, RPMsg-Lite / OpenAMP remote) side: sends by popping an empty buffer
 * from vq0's avail ring and returning it filled on vq0's used ring; receives from vq1's avail ring
 * and gives buffers back on vq1's used ring with their descriptor's length; kicks unless the master
 * suppressed it (docs/architecture.md, "Roles on the rings"). Link-up is DRIVER_OK in the resource
 * table (linux) or the master's first kick (rpmsg-lite); the cursors are then resynced from the
 * ring, never assumed 0 (docs/interop.md, "Restart and resync").
 */
export class RemoteEngine implements Engine {
  readonly #host: EngineHost;
  /** The pool's slot states (BufferPool.state), held here: the send path writes one per message. */
  readonly #state: Uint8Array;
  readonly #options: RemoteEngineOptions;
  readonly #n: number;
  readonly #stash: Int32Array;
  /** Per slot: the head descriptor it came in (to name it on the used ring). */
  readonly #head: Uint16Array;
  /** Per vq1 slot (index k − N): the descriptor's len, handed back as used.len. */
  readonly #rxLen: Uint32Array;
  #stashTop = 0;
  #vq0: VirtqueueDevice | undefined;
  #vq1: VirtqueueDevice | undefined;
  #chain: DescriptorChain;
  #table: ResourceTable | undefined;
  /** Offset of the vdev status byte in the memory region (linux). */
  #statusOffset = 0;
  #kicked = false;
  #txWaiting = false;
  #armed = true;
  #pendingTx = false;
  #pendingRx = false;

  constructor(host: EngineHost, options: RemoteEngineOptions) {
    this.#host = host;
    this.#options = options;
    this.#n = host.layout.numBuffers;
    this.#state = host.pool.state;
    this.#stash = new Int32Array(this.#n);
    this.#head = new Uint16Array(2 * this.#n);
    this.#rxLen = new Uint32Array(this.#n);
    this.#chain = new DescriptorChain(this.#n);
  }

  start(): void {
    const { layout, memory } = this.#host;
    // The rings are placed at link-up, which poll() and onKick() reach: a layout the ring code refuses
    // is refused here instead, where an error can be thrown.
    for (const i of [0, 1] as const) {
      const { da, num, align } = layout.vrings[i];
      placeVring(i, () => new VirtqueueDevice({ memory, addr: da, num, align }));
    }
    if (layout.profile === 'linux') {
      if (layout.resourceTable === undefined) {
        throw new RpmsgError('ERR_RPMSG_LAYOUT', 'the linux profile needs a resourceTable', {
          field: 'resourceTable',
        });
      }
      this.#table = readResourceTable(memory, layout.resourceTable);
      this.#statusOffset = memory.offsetOf(this.#table.vdev.statusAddr, 1);
    }
    this.#checkLink();
  }

  /** Brings the link up or down as the master's state says. */
  #checkLink(): void {
    const table = this.#table;
    if (table) {
      // Read on every poll: the status byte's offset was checked once, when the table was read.
      const ok =
        (Atomics.load(this.#host.memory.bytes, this.#statusOffset) & VIRTIO_CONFIG_S_DRIVER_OK) !== 0;
      if (ok && !this.#host.isUp) this.#linkUp();
      else if (!ok && this.#host.isUp) {
        this.#host.setDown(
          new RpmsgError('ERR_RPMSG_PEER_GONE', 'the master reset the virtio device (DRIVER_OK cleared)'),
        );
      }
    } else if (this.#kicked && !this.#host.isUp && !this.#vq0) {
      this.#linkUp();
    }
  }

  #linkUp(): void {
    const { layout, memory } = this.#host;
    let eventIdx = layout.eventIdx;
    let nameService = hasFeature(this.#options.features, VIRTIO_RPMSG_F_NS);
    if (this.#table) {
      // Re-read: the master wrote gfeatures before DRIVER_OK, whose Atomics store we just loaded.
      const gfeatures = readResourceTable(memory, this.#table.addr).vdev.gfeatures;
      eventIdx = hasFeature(gfeatures, VIRTIO_RING_F_EVENT_IDX);
      nameService = hasFeature(gfeatures, VIRTIO_RPMSG_F_NS);
    }
    const [vq0, vq1] = layout.vrings;
    this.#vq0 = new VirtqueueDevice({ memory, addr: vq0.da, num: vq0.num, align: vq0.align, eventIdx });
    this.#vq1 = new VirtqueueDevice({ memory, addr: vq1.da, num: vq1.num, align: vq1.align, eventIdx });
    // A restarted remote picks up where the ring is (docs/interop.md, "Restart and resync"). RPMsg-Lite
    // masters keep vq1's used.idx num ahead of avail.idx (pre-filled TX buffers).
    this.#vq0.resync();
    this.#vq1.resync({ availBehindUsed: layout.profile === 'rpmsg-lite' });
    this.#stashTop = 0;
    this.#txWaiting = this.#pendingRx = this.#pendingTx = false;
    const state = this.#state;
    for (let k = 0; k < state.length; k++) if (state[k] !== SLOT_DEAD) state[k] = SLOT_PEER;
    this.#host.setUp(nameService);
  }

  poll(budget: number): number {
    this.#checkLink();
    const vq1 = this.#vq1;
    if (!vq1 || !this.#host.isUp) return 0;
    const pool = this.#host.pool;
    const chain = this.#chain;
    let delivered = 0;
    try {
      if (this.#txWaiting && this.#vq0!.hasAvail()) {
        this.#txWaiting = false;
        this.#host.sink.onTxAvailable();
      }
      // Drain, then (unless a spinning owner disabled notifications) re-arm and re-check: with EVENT_IDX
      // avail_event must follow nextAvail or the master stops kicking (virtio 1.2 §2.7.10;
      // docs/architecture.md, "Threads and notifications", rule 1).
      do {
        while (this.#host.isUp && delivered < budget && vq1.popAvail(chain)) {
          const k = pool.slotOf(chain.addr(0));
          if (k < this.#n) {
            // Not one of the master's TX buffers (vq1 owns slots N..2N−1): refuse it, give it back empty.
            this.#host.report(
              new RpmsgError(
                'ERR_RPMSG_RING',
                `vq1 descriptor ${chain.headIndex} points at 0x${chain.addr(0).toString(16)}, not a TX buffer`,
                {
                  addr: chain.addr(0),
                },
              ),
            );
            vq1.pushUsed(chain.headIndex, 0);
            this.#pendingRx = true;
            continue;
          }
          this.#head[k] = chain.headIndex;
          const len = chain.len(0);
          this.#rxLen[k - this.#n] = len;
          delivered++;
          // The length the master lent (desc.len, WRITE flag or not: docs/interop.md, "Receiving") is
          // only an upper bound; the device layer takes the payload length from the header.
          this.#host.deliver(k, len);
        }
        // Budget spent: the rest stays on the ring for the next poll, nothing to re-arm for yet.
      } while (this.#host.isUp && this.#armed && delivered < budget && !vq1.enableNotification());
    } catch (error) {
      this.#broken(error);
    }
    return delivered;
  }

  getTx(): number {
    if (this.#stashTop > 0) return this.#stash[--this.#stashTop]!;
    const { pool, layout } = this.#host;
    const vq0 = this.#vq0;
    if (!vq0) return -1;
    const chain = this.#chain;
    try {
      if (!vq0.popAvail(chain)) {
        this.#txWaiting = true;
        // Ask for a kick when the master re-posts (avail_event / flags), then look once more: buffers
        // that arrived in between would otherwise bring no kick.
        if (!this.#armed || vq0.enableNotification() || !vq0.popAvail(chain)) return -1;
        this.#txWaiting = false;
      }
    } catch (error) {
      this.#broken(error);
      return -1;
    }
    const k = pool.slotOf(chain.addr(0));
    if (k < 0 || k >= this.#n || chain.len(0) < layout.bufferSize) {
      // Not an RX buffer of the master's: keep it off the wire rather than write where we should not.
      this.#host.report(
        new RpmsgError(
          'ERR_RPMSG_RING',
          `vq0 descriptor ${chain.headIndex} is not a whole RX buffer of the pool`,
          {
            addr: chain.addr(0),
            length: chain.len(0),
          },
        ),
      );
      return -1;
    }
    this.#head[k] = chain.headIndex;
    return k;
  }

  send(k: number, length: number): void {
    this.#vq0!.pushUsed(this.#head[k]!, length);
    this.#state[k] = SLOT_PEER;
    this.#pendingTx = true;
  }

  releaseTx(k: number): void {
    this.#state[k] = SLOT_FREE;
    this.#stash[this.#stashTop++] = k;
  }

  releaseRx(k: number): void {
    // used.len = the descriptor's len, as RPMsg-Lite's and OpenAMP's remotes return it: RPMsg-Lite's
    // master takes a TX buffer's capacity from it (docs/interop.md, "Returning buffers"). The bytes
    // written (virtio 1.2 §2.7.8), 0 here, would leave such a master with TX buffers of no capacity.
    this.#vq1!.pushUsed(this.#head[k]!, this.#rxLen[k - this.#n]!);
    this.#state[k] = SLOT_PEER;
    this.#pendingRx = true;
  }

  flush(): void {
    try {
      if (this.#pendingTx) {
        this.#pendingTx = false;
        this.#vq0!.publishUsed();
        if (this.#vq0!.shouldNotify() || this.#options.alwaysNotify) this.#host.kick(0);
      }
      if (this.#pendingRx) {
        this.#pendingRx = false;
        this.#vq1!.publishUsed();
        // docs/interop.md, "Returning buffers": kick unless suppressed — a blocked sender waits.
        if (this.#vq1!.shouldNotify() || this.#options.alwaysNotify) this.#host.kick(1);
      }
    } catch (error) {
      this.#broken(error);
    }
  }

  prepareToSleep(): boolean {
    this.#armed = true;
    const vq0 = this.#vq0;
    const vq1 = this.#vq1;
    if (!vq0 || !vq1) return !this.#kicked;
    if (vq0.isBroken || vq1.isBroken) return true;
    try {
      const rxIdle = vq1.enableNotification();
      // vq0's avail ring is normally full of empty buffers: only a waiting sender cares that it has
      // some, so only then may the master ring for every RX buffer it re-posts.
      if (!this.#txWaiting) {
        vq0.disableNotification();
        return rxIdle;
      }
      return rxIdle && vq0.enableNotification();
    } catch (error) {
      this.#broken(error);
      return true;
    }
  }

  disableNotifications(): void {
    this.#armed = false;
    if (this.#vq0?.isBroken === false) this.#vq0.disableNotification();
    if (this.#vq1?.isBroken === false) this.#vq1.disableNotification();
  }

  onKick(): void {
    this.#kicked = true;
    this.#checkLink();
  }

  txFree(): number {
    const vq0 = this.#vq0;
    if (!vq0 || vq0.isBroken) return this.#stashTop;
    try {
      return this.#stashTop + vq0.numAvail();
    } catch (error) {
      this.#broken(error);
      return this.#stashTop;
    }
  }

  stop(): void {}

  #broken(error: unknown): void {
    const e = ringError(error, 'vring');
    this.#host.report(e);
    this.#host.setDown(e);
  }
}
