import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LayoutProfile, RpmsgLayout } from '@rpmsg/core';
import type { Mailbox } from './mailbox.js';
import type { CoreWorkerData } from './protocol.js';
import type { SharedRam } from './region.js';
import type { TraceOptions } from './trace.js';

/** Options of {@link createSoc}. */
export interface SocOptions {
  /** Layout profile: `linux` (remoteproc resource table, DRIVER_OK) or `rpmsg-lite` (default `linux`). */
  profile?: LayoutProfile;
  /** The A-core program: a module URL/path run in its own worker, or `'inline'` (default): this thread. */
  master?: string | URL;
  /** The M-core firmware: a module URL/path run in its own worker. */
  remote: string | URL;
  /** Buffers per direction (a power of two, default 256). */
  numBuffers?: number;
  /** Bytes per buffer, header included (default 512). */
  bufferSize?: number;
  /** Device address of shared RAM (default 0x10000000). */
  base?: number;
  /**
   * Offer and use VIRTIO_RING_F_EVENT_IDX (default false, as most remoteproc firmware): each side
   * says which index it wants to be kicked at, instead of a flag next to the hottest ring index.
   */
  eventIdx?: boolean;
  /** Microseconds each core spins on its doorbell before sleeping (default 0). */
  spin?: number;
  /** Milliseconds without a heartbeat after which the remote is declared crashed (default 2000; 0 = off). */
  watchdog?: number;
  /** Opt-in trace: `true`, or where to write it and how much payload to keep. */
  trace?: boolean | TraceOptions;
  /** Default send timeout of both devices (ms, default 15000). */
  sendTimeout?: number;
  /** Handed to the A-core program as `ctx.data`. */
  masterData?: unknown;
  /** Handed to the firmware as `ctx.data`. */
  remoteData?: unknown;
  /** Milliseconds a boot may take before it fails with `ERR_RPMSG_TIMEOUT` (default 10000). */
  bootTimeout?: number;
}

/** Where a SoC is in its life. */
export type SocState = 'booting' | 'running' | 'crashed' | 'stopped';

/** The shared-RAM dump of {@link Soc.snapshot}: what `rpmsg inspect` reads. */
export interface SocSnapshot {
  /** The whole shared RAM. */
  image: Uint8Array;
  /** The layout JSON (DESIGN §3) of the current boot. */
  layout: object;
}

/** @internal The trace options `options.trace` asks for, or `false` when tracing is off. */
export function traceOptions(options: SocOptions): TraceOptions | false {
  const t = options.trace;
  if (!t) return false;
  return t === true ? {} : t;
}

/** @internal What a core worker of `role` is started with. */
export function coreWorkerData(
  options: SocOptions,
  role: 'master' | 'remote',
  module: string | URL,
  ram: SharedRam,
  mailbox: Mailbox,
  layout: RpmsgLayout,
): CoreWorkerData {
  return {
    role,
    module: moduleUrl(module),
    ram: ram.buffer,
    mailbox: mailbox.buffer,
    layout,
    spin: options.spin ?? 0,
    slice: Math.max(5, Math.min(50, Math.floor((options.watchdog || 2000) / 4))),
    sendTimeout: options.sendTimeout,
    trace: traceOptions(options),
    data: role === 'master' ? options.masterData : options.remoteData,
  };
}

/** A module given as a URL, a `file:`/`data:` URL string, or a filesystem path. */
function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^(file|data|https?):/i.test(module)) return module;
  return pathToFileURL(resolve(module)).href;
}
