import type { RpmsgLayout } from '@rpmsg/core';
import { RpmsgDevice, RpmsgError, VirtioTransport } from '@rpmsg/core';
import type { MasterBoot } from './boot.js';
import { driverFeatures, negotiateResourceTable, resetStatus } from './boot.js';
import { CoreTransport } from './core-transport.js';
import type { Mailbox } from './mailbox.js';
import { CorePump } from './pump.js';
import { POLL_BUDGET } from './pump-policy.js';
import type { SharedRam } from './region.js';
import type { Tracer } from './trace.js';

/** What a master core is built from. */
export interface MasterCoreOptions {
  ram: SharedRam;
  mailbox: Mailbox;
  layout: RpmsgLayout;
  /** Microseconds to spin before sleeping on the doorbell. */
  spin?: number;
  /** Default send timeout of the device (ms). */
  sendTimeout?: number;
  /** How long a reboot waits for the running remote to drop its old rings (ms, default 500). */
  resyncTimeout?: number;
  tracer?: Tracer;
}

/**
 * The A-core: the virtio driver side of the link and its RPMsg device, in whatever thread runs it
 * (a worker, or the caller's thread for `master: 'inline'`). Its `device` lives as long as the core;
 * each {@link boot} (first boot, recovery after a remote crash, a master reboot) connects a fresh
 * virtio transport under it through a {@link CoreTransport}.
 */
export class MasterCore {
  /** The master's RPMsg device: the one applications use. */
  readonly device: RpmsgDevice;
  /** The link under the device. */
  readonly link: CoreTransport;
  /** The layout of the current boot (vrings where the resource table put them). */
  layout: RpmsgLayout;
  readonly #options: MasterCoreOptions;
  readonly #pump: CorePump;
  readonly #started: Promise<void>;
  #running: Promise<void> | undefined;

  /** @internal The doorbell engine: a C firmware master's blocking RPMsg-Lite calls wait on it. */
  get pump(): CorePump {
    return this.#pump;
  }

  constructor(options: MasterCoreOptions) {
    this.#options = options;
    this.layout = options.layout;
    this.link = new CoreTransport('master', options.layout.bufferSize);
    if (options.tracer) {
      this.link.observer = options.tracer;
      options.tracer.watchTxFree(() => this.link.stats.txFree);
    }
    this.device = new RpmsgDevice(this.link, { sendTimeout: options.sendTimeout });
    this.#started = this.device.start();
    this.#started.catch(() => {});
    const tracer = options.tracer;
    this.#pump = new CorePump(
      this.link,
      options.mailbox.inbox('master'),
      {
        poll: () => this.device.poll(POLL_BUDGET),
        activity: () => this.device.stats.txMessages + this.device.stats.rxMessages,
        traceKick: tracer && ((notifyId, vring) => tracer.emit({ type: 'kick', dir: 'in', vring, notifyId })),
        tracePass: tracer?.pass,
        traceSleep: tracer?.sleep,
      },
      { spin: options.spin },
    );
    if (tracer) {
      this.device.on('channel', (c) =>
        tracer.emit({ type: 'ns', event: 'channel', name: c.name, addr: c.remoteAddr }),
      );
      this.device.on('channel-removed', (c) =>
        tracer.emit({ type: 'ns', event: 'channel-removed', name: c.name, addr: c.remoteAddr }),
      );
    }
  }

  /**
   * Boots the link as remoteproc does (docs/interop.md#bring-up, #restart-and-resync). `linux`: reset the status byte, tell a
   * running remote to drop its rings (epoch) and wait for it, validate the remote's resource table,
   * zero the vrings, assign notify ids, then start the transport (negotiates gfeatures, posts every
   * RX buffer, sets DRIVER_OK, kicks vq0). `rpmsg-lite`: the same without a table; the first kick is
   * the link-up. Resolves when the master side is up.
   *
   * @throws {RpmsgError} `ERR_RPMSG_RSC_TABLE` naming the bad field (the link stays down)
   */
  async boot(): Promise<void> {
    const { ram, mailbox } = this.#options;
    this.link.down(new RpmsgError('ERR_RPMSG_PEER_GONE', 'the master is rebooting the link'));
    resetStatus(ram.memory, this.#options.layout);
    await this.#resyncRemote();
    let boot: MasterBoot | undefined;
    if (this.#options.layout.profile === 'linux') {
      try {
        boot = negotiateResourceTable(ram.memory, this.#options.layout);
      } catch (error) {
        this.link.fail(error as Error);
        throw error;
      }
      this.layout = boot.layout;
    } else {
      this.layout = this.#options.layout;
    }
    const layout = this.layout;
    this.#pump.setNotifyIds(layout.vrings[0].notifyId, layout.vrings[1].notifyId);
    const tracer = this.#options.tracer;
    const notify = (vring: 0 | 1) => {
      const notifyId = layout.vrings[vring].notifyId;
      tracer?.emit({ type: 'kick', dir: 'out', vring, notifyId });
      mailbox.ring('remote', notifyId);
    };
    const transport = new VirtioTransport({
      role: 'master',
      layout,
      memory: ram.memory,
      notify,
      features: boot ? boot.features : driverFeatures(layout),
    });
    // The transport negotiates gfeatures, posts every RX buffer, sets DRIVER_OK (linux) or pre-fills
    // vq1 (rpmsg-lite), then kicks vq0: Linux rpmsg_probe's order (docs/interop.md#bring-up).
    tracer?.linkConnected(); // fresh rings: the trace's ring positions start again
    await this.link.connect(transport);
    await this.#started;
    this.#ensureRunning();
  }

  /**
   * Before touching the rings, make a running remote let go of them: publish a new epoch, interrupt
   * it, and wait (bounded) for its acknowledgement. A remote that is not running does not answer;
   * the wait then times out and the boot goes on.
   */
  async #resyncRemote(): Promise<void> {
    const { mailbox } = this.#options;
    const epoch = (mailbox.epoch('master') + 1) | 0;
    mailbox.setEpoch('master', epoch);
    mailbox.interrupt('remote');
    const deadline = Date.now() + (this.#options.resyncTimeout ?? 500);
    while (mailbox.epoch('remote') !== epoch && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** The remote crashed or was stopped: the link goes down with `reason` (pending sends reject). */
  peerGone(reason: Error & { readonly code: string }): void {
    this.link.down(reason);
    resetStatus(this.#options.ram.memory, this.#options.layout);
  }

  #ensureRunning(): void {
    if (this.#running) return;
    this.#running = this.#pump.run().finally(() => {
      this.#running = undefined;
    });
  }

  /** Closes the device and stops serving the doorbell. */
  async close(): Promise<void> {
    await this.device.close().catch(() => {});
    this.#pump.stop(() => this.#options.mailbox.interrupt('master'));
    await this.#running;
  }
}
