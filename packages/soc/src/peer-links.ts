import { InvalidArgValueError, type RpmsgDevice, type RpmsgError } from '@rpmsg/core';
import type { Mailbox } from './mailbox.js';
import { MasterCore } from './master-core.js';
import type { CoreWorkerData, PeerLinkData, SocToWorker, WorkerToSoc } from './protocol.js';
import { collectStats, fromWireError, toWireError } from './protocol.js';
import { SharedRam } from './region.js';
import { RemoteCore } from './remote-core.js';
import { Tracer } from './trace.js';

/** The links of one M-core to other M-cores, served by its worker beside its own link. */
export interface PeerLinks {
  /** `ctx.link(peer)`: the device of the link to core `peer`, once that link is up. */
  link(peer: string): Promise<RpmsgDevice>;
  /** A control message for one of these links (`message.link` set). */
  onMessage(message: SocToWorker): void;
}

interface Served {
  data: PeerLinkData;
  device: RpmsgDevice;
  up: Promise<void>;
  boot?: () => Promise<void>;
  peerGone(reason: RpmsgError): void;
}

/**
 * Starts this core's end of each of its M-core↔M-core links (docs/soc.md#m-core-to-m-core-links),
 * each over its own stretch of the shared RAM and its own mailbox blocks, each with its own pump on
 * this thread's event loop — as an RPMsg-Lite firmware runs one instance per `link_id`. A remote end
 * loads at once and waits for its master; a master end boots when the SoC says both ends are loaded.
 */
export function startPeerLinks(
  data: CoreWorkerData,
  buffer: SharedArrayBuffer,
  mailbox: Mailbox,
  post: (message: WorkerToSoc) => void,
): PeerLinks {
  const served = new Map<number, Served>();
  for (const link of data.peerLinks) {
    const ram = new SharedRam(buffer, link.layout.base, link.ramOffset, link.layout.size);
    const tracer = data.trace
      ? new Tracer(link.role, (events) => post({ type: 'trace', events }), data.trace, link.name)
      : undefined;
    const options = {
      ram,
      mailbox: mailbox.link(link.index),
      layout: link.layout,
      spin: data.spin,
      sendTimeout: data.sendTimeout,
      tracer,
    };
    if (link.role === 'master') {
      const core = new MasterCore(options);
      let booted: () => void = () => {};
      const up = new Promise<void>((resolve) => {
        booted = resolve;
      });
      served.set(link.index, {
        data: link,
        device: core.device,
        up,
        boot: async () => {
          await core.boot();
          booted();
        },
        peerGone: (reason) => core.peerGone(reason),
      });
    } else {
      const core = new RemoteCore({ ...options, slice: data.slice });
      const up = core.load();
      void core.run();
      served.set(link.index, {
        data: link,
        device: core.device,
        up,
        peerGone: (reason) => core.masterGone(reason),
      });
    }
  }
  return {
    link(peer: string): Promise<RpmsgDevice> {
      for (const s of served.values()) if (s.data.peer === peer) return s.up.then(() => s.device);
      const known = [...served.values()].map((s) => `'${s.data.peer}'`);
      return Promise.reject(
        new InvalidArgValueError(
          'peer',
          `names no core this one is linked to (links: ${known.length ? known.join(', ') : 'none'})`,
          peer,
        ),
      );
    },
    onMessage(message: SocToWorker): void {
      const s = served.get(message.link as number);
      if (!s) return;
      if (message.type === 'boot' && s.boot) {
        s.boot().then(
          () => post({ type: 'booted', layout: s.data.layout, link: s.data.index }),
          (error: unknown) => post({ type: 'boot-failed', error: toWireError(error), link: s.data.index }),
        );
      } else if (message.type === 'peer-gone') {
        s.peerGone(fromWireError(message.error) as RpmsgError);
      } else if (message.type === 'stats') {
        post({ type: 'stats', id: message.id, stats: collectStats(s.device) });
      }
    },
  };
}
