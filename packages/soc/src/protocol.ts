import type { RpmsgErrorCode, RpmsgLayout } from '@rpmsg/core';
import { RpmsgError } from '@rpmsg/core';
import type { TraceEvent, TraceOptions } from './trace.js';
import type { FirmwareModuleInfo } from './wasm/firmware-module.js';

/** A WebAssembly core's firmware and the memory it runs in (docs/c-firmware.md). */
export interface WasmCoreData {
  module: WebAssembly.Module;
  info: FirmwareModuleInfo;
  /** The SoC's shared memory: `ram` is its `buffer`, the RPMsg region at REGION_OFFSET. */
  memory: WebAssembly.Memory;
  /** `performance.timeOrigin + performance.now()` when the SoC started (the firmware's clock). */
  clockOrigin: number;
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
  layout: RpmsgLayout;
  spin: number;
  slice: number;
  sendTimeout: number | undefined;
  trace: TraceOptions | false;
  /** Structured-cloneable data for the user module (`ctx.data`). */
  data: unknown;
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
  | { type: 'booted'; layout: RpmsgLayout }
  | { type: 'boot-failed'; error: WireError }
  | { type: 'result'; value: unknown }
  | { type: 'failed'; error: WireError }
  | { type: 'trace'; events: TraceEvent[] }
  /** A line of the core's output (a C firmware's printf). */
  | { type: 'log'; line: string }
  | { type: 'stats'; id: number; stats: CoreStats };

/** Control messages from the SoC to a core worker. */
export type SocToWorker =
  | { type: 'boot' }
  | { type: 'peer-gone'; error: WireError }
  | { type: 'stats'; id: number };

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
