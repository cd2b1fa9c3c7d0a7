import { featureBit, MemoryRegion, VIRTIO_RING_F_EVENT_IDX, VIRTIO_RPMSG_F_NS } from '@rpmsg/virtio';
import { RpmsgDevice } from '../device.js';
import type { RpmsgDeviceOptions } from '../device-options.js';
import { type CreateLayoutOptions, createLayout } from '../layout/create-layout.js';
import { writeResourceTable } from '../layout/resource-table.js';
import type { LayoutProfile, RpmsgLayout } from '../layout/types.js';
import { VirtioTransport } from '../virtio/virtio-transport.js';

/** Options of {@link createMemoryPair}. */
export interface MemoryPairOptions extends CreateLayoutOptions {
  /** Layout profile (default `rpmsg-lite`). */
  profile?: LayoutProfile;
  /** Use this layout instead of building one from the other options. */
  layout?: RpmsgLayout;
  /** Options of both devices (e.g. a FakeClock). */
  device?: RpmsgDeviceOptions;
  /** Options of the master device only (merged over `device`). */
  master?: RpmsgDeviceOptions;
  /** Options of the remote device only (merged over `device`). */
  remote?: RpmsgDeviceOptions;
  /** Features the remote offers in the resource table (linux; default NS, + EVENT_IDX if the layout uses it). */
  dfeatures?: bigint;
}

/** Two RPMsg devices over one SharedArrayBuffer in one thread, made by {@link createMemoryPair}. */
export interface MemoryPair {
  /** The master (virtio driver) device. */
  readonly master: RpmsgDevice;
  /** The remote (virtio device) device. */
  readonly remote: RpmsgDevice;
  /** The master's transport. */
  readonly masterTransport: VirtioTransport;
  /** The remote's transport. */
  readonly remoteTransport: VirtioTransport;
  /** The shared layout. */
  readonly layout: RpmsgLayout;
  /** The shared RAM. */
  readonly memory: MemoryRegion;
  /** Starts both devices (remote first, as firmware boots before Linux probes) and resolves when both are up. */
  start(): Promise<void>;
  /** Resolves once no doorbell is pending any more (every kick pumped). */
  settle(): Promise<void>;
  /** A copy of the whole region now, with its layout: what `rpmsg inspect` would read from a dump. */
  snapshot(): { image: Uint8Array; layout: RpmsgLayout };
  /** Closes both devices. */
  close(): Promise<void>;
}

/**
 * Master and remote {@link RpmsgDevice}s over {@link VirtioTransport}s on ONE SharedArrayBuffer, in
 * one thread: each kick schedules the peer's `onKick` + `poll()` in a microtask, so sends and
 * replies flow by themselves while the test awaits. For the linux profile the remote's resource
 * table is written first, as a remoteproc loader would. Not started: call `start()` (or start the
 * devices yourself in any order to test start-up races).
 *
 * ```ts
 * const pair = createMemoryPair({ profile: 'linux', numBuffers: 16 });
 * await pair.start();
 * const ep = pair.remote.createEndpoint({ name: 'rpmsg-tty', addr: 30 });
 * const channel = await pair.master.waitForChannel('rpmsg-tty');
 * ```
 */
export function createMemoryPair(options: MemoryPairOptions | LayoutProfile = {}): MemoryPair {
  const opts: MemoryPairOptions = typeof options === 'string' ? { profile: options } : options;
  const layout = opts.layout ?? createLayout(opts.profile ?? 'rpmsg-lite', opts);
  const memory = new MemoryRegion(new SharedArrayBuffer(layout.size), { base: layout.base });
  const ns = featureBit(VIRTIO_RPMSG_F_NS) | (layout.eventIdx ? featureBit(VIRTIO_RING_F_EVENT_IDX) : 0n);
  if (layout.profile === 'linux') writeResourceTable(memory, layout, { dfeatures: opts.dfeatures ?? ns });

  let pending = 0;
  let idle: (() => void)[] = [];
  const ring = (target: () => { transport: VirtioTransport; device: RpmsgDevice }) => {
    let scheduled = false;
    const kicks = new Uint8Array(2);
    return (vring: 0 | 1) => {
      kicks[vring] = 1;
      if (scheduled) return;
      scheduled = true;
      pending++;
      queueMicrotask(() => {
        scheduled = false;
        const { transport, device } = target();
        for (const v of [0, 1] as const) {
          if (kicks[v]) {
            kicks[v] = 0;
            transport.onKick(v);
          }
        }
        try {
          device.poll();
        } finally {
          if (--pending === 0) {
            const waiters = idle;
            idle = [];
            for (const w of waiters) w();
          }
        }
      });
    };
  };
  let master: RpmsgDevice;
  let remote: RpmsgDevice;
  const masterTransport = new VirtioTransport({
    role: 'master',
    layout,
    memory,
    notify: ring(() => ({ transport: remoteTransport, device: remote })),
  });
  const remoteTransport: VirtioTransport = new VirtioTransport({
    role: 'remote',
    layout,
    memory,
    notify: ring(() => ({ transport: masterTransport, device: master })),
  });
  master = new RpmsgDevice(masterTransport, { ...opts.device, ...opts.master });
  remote = new RpmsgDevice(remoteTransport, { ...opts.device, ...opts.remote });

  return {
    master,
    remote,
    masterTransport,
    remoteTransport,
    layout,
    memory,
    async start() {
      const remoteUp = remote.start();
      await master.start();
      await remoteUp;
    },
    settle() {
      return new Promise<void>((resolve) => {
        const check = () => {
          if (pending === 0) resolve();
          else idle.push(() => setImmediate(check));
        };
        setImmediate(check);
      });
    },
    snapshot() {
      return { image: memory.bytes.slice(), layout };
    },
    async close() {
      await Promise.all([master.close(), remote.close()]);
    },
  };
}
