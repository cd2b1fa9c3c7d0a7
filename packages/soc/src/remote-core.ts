import type { RpmsgLayout } from '@rpmsg/core';
import { RpmsgDevice, RpmsgError, VirtioTransport } from '@rpmsg/core';
import type { ResourceTableImage } from './boot.js';
import { assignedNotifyIds, driverFeatures, loadResourceTable } from './boot.js';
import { CoreTransport } from './core-transport.js';
import { RpmsgLite } from './lite.js';
import type { Mailbox } from './mailbox.js';
import { CorePump } from './pump.js';
import { POLL_BUDGET } from './pump-policy.js';
import type { SharedRam } from './region.js';
import type { Tracer } from './trace.js';

/** What a remote core is built from. */
export interface RemoteCoreOptions {
  ram: SharedRam;
  mailbox: Mailbox;
  layout: RpmsgLayout;
  spin?: number;
  /** Longest single sleep (ms): the heartbeat period of a blocked firmware. */
  slice?: number;
  sendTimeout?: number;
  tracer?: Tracer;
}

/**
 * The M-core: the virtio device side and its RPMsg device, with the RPMsg-Lite style API on top.
 * It loads its resource table (linux), then waits for the master: DRIVER_OK (linux) or the first
 * kick (rpmsg-lite). When the master reboots while this core runs (the master's epoch moves), it
 * drops its rings, acknowledges, and waits for the new DRIVER_OK / kick — the resync of docs/interop.md#restart-and-resync;
 * announced endpoints are announced again once the link is back.
 */
export class RemoteCore {
  /** The remote's RPMsg device. */
  readonly device: RpmsgDevice;
  /** The firmware-style API over {@link device}. */
  readonly lite: RpmsgLite;
  /** The link under the device. */
  readonly link: CoreTransport;
  /** The doorbell engine (blocking waits and the event loop). */
  readonly pump: CorePump;
  readonly #options: RemoteCoreOptions;
  readonly #notifyIds: [number, number];
  #ackedEpoch = 0;

  constructor(options: RemoteCoreOptions) {
    this.#options = options;
    const { layout, mailbox, tracer } = options;
    this.#notifyIds = [layout.vrings[0].notifyId, layout.vrings[1].notifyId];
    this.link = new CoreTransport('remote', layout.bufferSize);
    if (tracer) {
      this.link.observer = tracer;
      tracer.watchTxFree(() => this.link.stats.txFree);
    }
    this.device = new RpmsgDevice(this.link, { sendTimeout: options.sendTimeout });
    this.pump = new CorePump(
      this.link,
      mailbox.inbox('remote'),
      {
        poll: () => this.device.poll(POLL_BUDGET),
        activity: () => this.device.stats.txMessages + this.device.stats.rxMessages,
        onTick: () => {
          this.#checkEpoch();
          this.lite.tick();
        },
        onIdle: tracer && (() => tracer.flush()),
        traceKick: tracer && ((notifyId, vring) => tracer.emit({ type: 'kick', dir: 'in', vring, notifyId })),
        tracePass: tracer?.pass,
        traceSleep: tracer?.sleep,
      },
      { spin: options.spin, slice: options.slice },
    );
    this.pump.setNotifyIds(this.#notifyIds[0], this.#notifyIds[1]);
    this.lite = new RpmsgLite(this.device, this.pump, layout.vrings[1].num);
    this.device.on('up', () => {
      // linux: the master assigned the notify ids at boot and wrote them into the table.
      const ids = assignedNotifyIds(options.ram.memory, layout);
      this.#notifyIds[0] = ids[0];
      this.#notifyIds[1] = ids[1];
      this.pump.setNotifyIds(ids[0], ids[1]);
      tracer?.emit({ type: 'lifecycle', event: 'link-up' });
    });
    this.device.on('down', (reason: RpmsgError) =>
      tracer?.emit({ type: 'lifecycle', event: 'link-down', detail: reason.code }),
    );
  }

  /**
   * Loads the firmware image: (linux) its resource table goes into shared RAM, status 0; then the
   * core waits for the master. Returns the device's start promise (resolves at the first link-up).
   */
  load(image?: ResourceTableImage): Promise<void> {
    const { ram, layout, mailbox } = this.#options;
    if (layout.profile === 'linux') loadResourceTable(ram.memory, layout, image);
    this.#ackedEpoch = mailbox.epoch('master');
    mailbox.setEpoch('remote', this.#ackedEpoch);
    this.#connect();
    return this.device.start();
  }

  #connect(): void {
    const { ram, layout, mailbox, tracer } = this.#options;
    const transport = new VirtioTransport({
      role: 'remote',
      layout,
      memory: ram.memory,
      notify: (vring: 0 | 1) => {
        const notifyId = this.#notifyIds[vring];
        tracer?.emit({ type: 'kick', dir: 'out', vring, notifyId });
        mailbox.ring('master', notifyId);
      },
      features: driverFeatures(layout),
    });
    tracer?.linkConnected(); // fresh rings: the trace's ring positions start again
    // Resolves at link-up; a link dropped again before that just never resolves it.
    this.link.connect(transport).catch(() => {});
  }

  /** The master rebooted (its epoch moved): let go of the rings, acknowledge, wait for the new link. */
  #checkEpoch(): void {
    const { mailbox } = this.#options;
    const epoch = mailbox.epoch('master');
    if (epoch === this.#ackedEpoch) return;
    this.#ackedEpoch = epoch;
    this.link.down(new RpmsgError('ERR_RPMSG_PEER_GONE', 'the master rebooted'));
    this.#connect();
    mailbox.setEpoch('remote', epoch);
  }

  /**
   * The link's master core is gone (an M-core master crashed): the link goes down with `reason` and
   * this core waits for the master to boot it again.
   */
  masterGone(reason: Error & { readonly code: string }): void {
    this.link.down(reason);
    this.#connect();
  }

  /** Serves the doorbell on the event loop until {@link stop}. */
  run(): Promise<void> {
    return this.pump.run();
  }

  /** Stops serving the doorbell. */
  stop(): void {
    this.pump.stop(() => this.#options.mailbox.interrupt('remote'));
  }
}
