import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LayoutProfile, RpmsgLayout } from '@rpmsg/core';
import { watchdogLimit } from './check-options.js';
import type { Mailbox } from './mailbox.js';
import type { CoreStats, CoreWorkerData, PeerLinkData, WasmCoreData } from './protocol.js';
import type { SharedRam } from './region.js';
import type { TraceOptions } from './trace.js';

/** Options of {@link createSoc}. */
export interface SocOptions {
  /** Layout profile: `linux` (remoteproc resource table, DRIVER_OK) or `rpmsg-lite` (default `linux`). */
  profile?: LayoutProfile;
  /**
   * The A-core program: a module URL/path run in its own worker, or `'inline'` (default): this
   * thread. A `.wasm` path or URL, or a compiled `WebAssembly.Module`, is a C firmware built by
   * `rpmsg build-firmware` (an M-core master, as on i.MX RT1170): docs/c-firmware.md.
   */
  master?: string | URL | WebAssembly.Module;
  /**
   * The M-core firmware: a JavaScript module URL/path run in its own worker, or a C firmware — a
   * `.wasm` path or URL, or a compiled `WebAssembly.Module` (docs/c-firmware.md). Give this or
   * `remotes`, not both.
   */
  remote?: string | URL | WebAssembly.Module;
  /**
   * Several M-cores (docs/soc.md#several-remotes): each gets its own link to the A-core — its own
   * resource table / vdev, vring pair, buffer pool and mailbox channels, laid out one after the
   * other in the one shared RAM — and its own lifecycle (`soc.remote(name)`). 1 to 16 remotes; the
   * A-core runs inline.
   */
  remotes?: readonly RemoteOptions[];
  /**
   * Links between two M-cores of `remotes` (docs/soc.md#m-core-to-m-core-links): the `master` core's
   * firmware is the link's virtio driver, as an RPMsg-Lite master on one M-core talking to a remote
   * on another (i.MX RT1170's M7 and M4). `rpmsg-lite` profile only. The firmwares reach them with
   * `ctx.link(peerName)`.
   */
  links?: readonly CoreLinkOptions[];
  /**
   * Bytes of shared RAM (the carve-out), from `base`: every link's region must fit in it, or the SoC
   * does not start. Default: exactly what the links need.
   */
  ramSize?: number;
  /** Buffers per direction (a power of two, 1 to 32768; default 256). */
  numBuffers?: number;
  /**
   * Bytes per buffer, header included: a power of two from 64 to 65536 (default 512, Linux's fixed
   * size). RPMsg-Lite's buffers are 2^n bytes too (`RL_BUFFER_PAYLOAD_SIZE` = 2^n − 16).
   */
  bufferSize?: number;
  /** Device address of shared RAM: a multiple of 0x1000, as a carve-out is (default 0x10000000). */
  base?: number;
  /**
   * Offer and use VIRTIO_RING_F_EVENT_IDX (default false, as most remoteproc firmware): each side
   * says which index it wants to be kicked at, instead of a flag next to the hottest ring index.
   */
  eventIdx?: boolean;
  /** Vring alignment: a power of two, 4 to 65536 (default 0x1000; RPMsg-Lite's `VRING_ALIGN`). */
  align?: number;
  /** `rpmsg-lite`: bytes from vring 0 to vring 1, a multiple of `align` (RPMsg-Lite's `VRING_SIZE`). */
  stride?: number;
  /** `rpmsg-lite`: the link id of the core pair (notify ids 2·linkId and 2·linkId + 1; default 0). */
  linkId?: number;
  /** Microseconds each core spins on its doorbell before sleeping (0 to 1,000,000; default 0). */
  spin?: number;
  /**
   * Milliseconds without a heartbeat after which the remote is declared crashed: 100 to 2^31 − 1
   * (default 2000). `false`, `0` or `Infinity` switch the watchdog off.
   */
  watchdog?: number | false;
  /** Opt-in trace: `true`, or where to write it and how much payload to keep. */
  trace?: boolean | TraceOptions;
  /** Default send timeout of both devices (ms ≥ 0 or `Infinity`, default 15000). */
  sendTimeout?: number;
  /** Handed to the A-core program as `ctx.data` (structured-cloned: must be cloneable). */
  masterData?: unknown;
  /** Handed to the firmware as `ctx.data` (structured-cloned: must be cloneable). */
  remoteData?: unknown;
  /**
   * Milliseconds each boot step may take before it fails with `ERR_RPMSG_TIMEOUT` (1 to 2^31 − 1,
   * default 10000). Also bounds the wait for `waitForChannels`.
   */
  bootTimeout?: number;
  /**
   * Channels the firmware announces that `createSoc` (and `restart()`) wait for before resolving,
   * so `soc.master.channels()` lists them at once (announcements arrive asynchronously after the
   * link is up). Names that do not appear within `bootTimeout` ms fail the boot with
   * `ERR_RPMSG_TIMEOUT`, naming them. Inline master only.
   */
  waitForChannels?: readonly string[];
}

/** One M-core of {@link SocOptions.remotes}. */
export interface RemoteOptions {
  /**
   * Its name (1 to 31 characters: letters, digits, `-`, `_`, `.`), unique in the SoC — the name of
   * its remoteproc, its link in stats, trace, snapshots and errors (`'m4-0'`).
   */
  name: string;
  /** Its firmware, as {@link SocOptions.remote}. */
  remote: string | URL | WebAssembly.Module;
  /** Handed to this firmware as `ctx.data` (structured-cloned). */
  data?: unknown;
  /** Buffers per direction of its link (default: `options.numBuffers`). */
  numBuffers?: number;
  /** Bytes per buffer of its link (default: `options.bufferSize`). */
  bufferSize?: number;
  /**
   * `rpmsg-lite`: the link id of its link to the A-core (default `options.linkId`, 0). Each link has
   * its own mailbox channels, as each of i.MX8QM's M4s has its own MU: two remotes may use the same id
   * (both of i.MX8QM's M4s use `RL_PLATFORM_IMX8QM_M4_A_USER_LINK_ID`, 1).
   */
  linkId?: number;
  /**
   * Device address of its link's region (resource table, vrings, buffers): where the chip's
   * carve-out for this remote is — a multiple of 0x1000, at or above `options.base`, not inside an
   * earlier link's region. Default: right after the previous link's region.
   */
  base?: number;
  /** Channels `createSoc` and this remote's `restart()` wait for, besides `options.waitForChannels`. */
  waitForChannels?: readonly string[];
}

/** A link between two M-cores ({@link SocOptions.links}). */
export interface CoreLinkOptions {
  /** The name of the core that is the link's master (virtio driver): one of `remotes`. */
  master: string;
  /** The name of the link's remote core: another of `remotes`. */
  remote: string;
  /**
   * The link id (notify ids 2·linkId and 2·linkId + 1; RPMsg-Lite's `link_id`). Default 1 + the
   * index of the link in `links`, so it differs from the cores' links to the A-core (0).
   */
  linkId?: number;
  /** Buffers per direction (default: `options.numBuffers`). */
  numBuffers?: number;
  /** Bytes per buffer (default: `options.bufferSize`). */
  bufferSize?: number;
  /** Device address of its region, as {@link RemoteOptions.base} (default: after the previous link's). */
  base?: number;
}

/** Where a SoC is in its life. */
export type SocState = 'booting' | 'running' | 'crashed' | 'stopped';

/** The shared-RAM dump of {@link Soc.snapshot}: what `rpmsg inspect` reads. */
export interface SocSnapshot {
  /** The whole shared RAM. */
  image: Uint8Array;
  /** The layout JSON (docs/wire-format.md, "Layout JSON") of the current boot. */
  layout: object;
  /**
   * Several remotes: the layout JSON of every link by name (`'m4-0'`, `'m7:m4'`), each over the
   * whole image.
   */
  links?: Record<string, object>;
}

/** What `soc.stats()` reports. */
export interface SocStats {
  /** The A-core's end of the (first) remote's link. */
  master: CoreStats | null;
  /** The remote's end of it. */
  remote: CoreStats | null;
  /** Several remotes: both ends of every link by name, the M-core↔M-core ones too (`'m7:m4'`). */
  links?: Record<string, { master: CoreStats | null; remote: CoreStats | null }>;
}

/** @internal The trace options `options.trace` asks for, or `false` when tracing is off. */
export function traceOptions(options: SocOptions): TraceOptions | false {
  const t = options.trace;
  if (!t) return false;
  return t === true ? {} : t;
}

/** @internal Where a core worker's link lives and what else it serves. */
export interface CoreWorkerLink {
  /** The view of its link's region (device addresses of its layout). */
  ram: SharedRam;
  /** The view of its link's mailbox blocks. */
  mailbox: Mailbox;
  layout: RpmsgLayout;
  /** The link's name in trace events (several-remote SoCs), else undefined. */
  linkName: string | undefined;
  /** Its links to other M-cores. */
  peerLinks: PeerLinkData[];
  /** `ctx.data`. */
  data: unknown;
}

/** @internal What a core worker of `role` is started with. */
export function coreWorkerData(
  options: SocOptions,
  role: 'master' | 'remote',
  module: string | URL | WebAssembly.Module,
  link: CoreWorkerLink,
  wasm: WasmCoreData | undefined,
): CoreWorkerData {
  return {
    role,
    module: module instanceof WebAssembly.Module ? 'wasm:module' : moduleUrl(module),
    wasm,
    ram: link.ram.buffer,
    ramOffset: link.ram.memory.offset,
    mailbox: link.mailbox.buffer,
    mailboxLinks: link.mailbox.links,
    mailboxLink: link.mailbox.linkIndex,
    linkName: link.linkName,
    layout: link.layout,
    peerLinks: link.peerLinks,
    spin: options.spin ?? 0,
    // A blocked firmware beats once per slice: well inside the watchdog's limit.
    slice: Math.max(5, Math.min(50, Math.floor((watchdogLimit(options) || 2000) / 4))),
    sendTimeout: options.sendTimeout,
    trace: traceOptions(options),
    data: link.data,
  };
}

/** A module given as a URL, a `file:`/`data:` URL string, or a filesystem path. */
function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^(file|data|https?):/i.test(module)) return module;
  return pathToFileURL(resolve(module)).href;
}
