import type { RpmsgErrorCode, RpmsgLayout } from '@rpmsg/core';
import { RpmsgError } from '@rpmsg/core';
import type { TraceEvent, TraceOptions } from './trace.js';
import type { FirmwareModuleInfo } from './wasm/firmware-module.js';

/** A WebAssembly core's firmware and the memory it runs in (docs/c-firmware.md). */
export interface WasmCoreData {
  module: WebAssembly.Module;
  info: FirmwareModuleInfo;
  /** The SoC's shared memory: `ram` is its `buffer`, the RPMsg regions above the firmware slots. */
  memory: WebAssembly.Memory;
  /** `performance.timeOrigin + performance.now()` when the SoC started (the firmware's clock). */
  clockOrigin: number;
  /** Which remote slot the core's firmware lives in (0 for the master and the first remote). */
  slot: number;
  /** Where its link's RPMsg region starts in `memory` (the info block's `region_offset`). */
  regionOffset: number;
}

/** What the SoC hands a core worker (`workerData`). Control only: data moves through shared RAM. */
export interface CoreWorkerData {
  role: 'master' | 'remote';
  /** URL of the user module (the A-core program or the M-core firmware). */
  module: string;
  /** Set when the core runs a C firmware instead of a JavaScript module. */
  wasm: WasmCoreData | undefined;
  /** Where the RPMsg region starts in `ram` (0 unless a wasm core shares the memory). */
  ramOffset: number;
  ram: SharedArrayBuffer;
  mailbox: SharedArrayBuffer;
  /** Links the mailbox holds, and which of them is this core's own (its link to the A-core). */
  mailboxLinks: number;
  mailboxLink: number;
  /** Its link's name in trace events (several-remote SoCs only). */
  linkName: string | undefined;
  layout: RpmsgLayout;
  /** Links to other M-cores this core's worker serves besides its own (docs/soc.md). */
  peerLinks: PeerLinkData[];
  spin: number;
  slice: number;
  sendTimeout: number | undefined;
  trace: TraceOptions | false;
  /** Structured-cloneable data for the user module (`ctx.data`). */
  data: unknown;
}

/** A link between two M-cores, as one of its two cores' workers serves it. */
export interface PeerLinkData {
  /** The link's blocks in the mailbox. */
  index: number;
  /** `master:remote`. */
  name: string;
  /** The other core's name (what `ctx.link()` takes). */
  peer: string;
  /** This core's end of it. */
  role: 'master' | 'remote';
  layout: RpmsgLayout;
  /** Where its region starts in `ram`. */
  ramOffset: number;
}

/** An error as it crosses `postMessage`: enough to rebuild an `RpmsgError` with its code. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  field?: string;
  addr?: number;
  length?: number;
  limit?: number;
  /** The original error's stack (a load failure's cause keeps it: it says where). */
  stack?: string;
  /** The error's `cause`, flattened the same way (one level). */
  cause?: WireError;
}

/** Control messages from a core worker to the SoC. */
export type WorkerToSoc =
  | { type: 'ready' }
  | { type: 'loaded' }
  /** The user module could not be loaded (`ERR_RPMSG_LOAD`); the thread then ends by itself. */
  | { type: 'load-failed'; error: WireError }
  | { type: 'up' }
  /** A boot command was carried out (`link`: of a peer link, else the core's own). */
  | { type: 'booted'; layout: RpmsgLayout; link?: number }
  | { type: 'boot-failed'; error: WireError; link?: number }
  | { type: 'result'; value: unknown }
  | { type: 'failed'; error: WireError }
  | { type: 'trace'; events: TraceEvent[] }
  /** A line of the core's output (a C firmware's printf). */
  | { type: 'log'; line: string }
  | { type: 'stats'; id: number; stats: CoreStats | null };

/** Control messages from the SoC to a core worker. */
export type SocToWorker =
  /** Boot the link as its master: the core's own (a worker master), or peer link `link`. */
  | { type: 'boot'; link?: number }
  /** The link's other core is gone: the core's own link, or peer link `link`. */
  | { type: 'peer-gone'; error: WireError; link?: number }
  /** The counters of the core's own link, or of peer link `link`. */
  | { type: 'stats'; id: number; link?: number };

/** Counters of one endpoint, as `soc.stats()` reports them. */
export interface EndpointCounters {
  addr: number;
  name: string | undefined;
  dst: number;
  sent: number;
  received: number;
  dropped: number;
  bytesSent: number;
  bytesReceived: number;
}

/** Counters of one core: its endpoints and its device totals. */
export interface CoreStats {
  endpoints: EndpointCounters[];
  txMessages: number;
  rxMessages: number;
  dropped: number;
  malformed: number;
}

/** Flattens an error for `postMessage` (its `cause` too, one level deep). */
export function toWireError(error: unknown, depth = 1): WireError {
  if (error instanceof Error) {
    const e = error as Error & Partial<Omit<WireError, 'cause'>>;
    return {
      name: e.name,
      message: e.message,
      code: typeof e.code === 'string' ? e.code : undefined,
      field: e.field,
      addr: e.addr,
      length: e.length,
      limit: e.limit,
      stack: e.stack,
      cause: depth > 0 && e.cause !== undefined ? toWireError(e.cause, depth - 1) : undefined,
    };
  }
  return { name: 'Error', message: String(error) };
}

const BUILTIN_ERRORS: Record<string, ErrorConstructor | undefined> = {
  SyntaxError,
  TypeError,
  RangeError,
  ReferenceError,
};

/** Rebuilds an error that crossed `postMessage`: an `RpmsgError` when it carried an RPMsg code. */
export function fromWireError(wire: WireError): Error {
  const cause = wire.cause ? fromWireError(wire.cause) : undefined;
  let error: Error & { code?: string };
  if (wire.code?.startsWith('ERR_RPMSG_')) {
    error = new RpmsgError(wire.code as RpmsgErrorCode, wire.message, {
      field: wire.field,
      addr: wire.addr,
      length: wire.length,
      limit: wire.limit,
      cause,
    });
  } else {
    // A built-in class stays itself (a SyntaxError from loading is still `instanceof SyntaxError`).
    const Class = BUILTIN_ERRORS[wire.name] ?? Error;
    error = new Class(wire.message, cause === undefined ? undefined : { cause });
    error.name = wire.name;
    if (wire.code) error.code = wire.code;
  }
  if (wire.stack) error.stack = wire.stack;
  return error;
}

/** Reads a device's counters for {@link CoreStats}. */
export function collectStats(device: {
  endpoints(): {
    addr: number;
    name: string | undefined;
    dst: number;
    stats: Omit<EndpointCounters, 'addr' | 'name' | 'dst'>;
  }[];
  stats: { txMessages: number; rxMessages: number; dropped: number; malformed: number };
}): CoreStats {
  return {
    endpoints: device.endpoints().map((ep) => ({
      addr: ep.addr,
      name: ep.name,
      dst: ep.dst,
      sent: ep.stats.sent,
      received: ep.stats.received,
      dropped: ep.stats.dropped,
      bytesSent: ep.stats.bytesSent,
      bytesReceived: ep.stats.bytesReceived,
    })),
    txMessages: device.stats.txMessages,
    rxMessages: device.stats.rxMessages,
    dropped: device.stats.dropped,
    malformed: device.stats.malformed,
  };
}
