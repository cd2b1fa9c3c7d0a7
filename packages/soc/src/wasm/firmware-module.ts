import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { RpmsgError } from '@rpmsg/core';
import { type LineTable, readLineTable } from './dwarf-lines.js';
import { INFO_SIZE, SLOT_SIZE, STACK_SIZE } from './memory-map.js';

/** What the SoC learnt from a firmware module before running it. */
export interface FirmwareModuleInfo {
  /** `api`: it calls RPMsg-Lite's API (the SoC's RPMsg stack serves it); `raw`: it drives the rings itself. */
  readonly mode: 'api' | 'raw';
  /** Bytes of data and bss (`dylink.0`). */
  readonly memorySize: number;
  /** log2 of the data's alignment. */
  readonly memoryAlign: number;
  /** Function-table entries it needs. */
  readonly tableSize: number;
  /**
   * Its DWARF line table, when it was built with `-g` and loaded from a file (a compiled module's
   * bytes are out of reach): a trap then names the C file and line.
   */
  readonly lines?: LineTable;
}

/** A compiled firmware and what it needs. */
export interface FirmwareModule {
  readonly module: WebAssembly.Module;
  readonly info: FirmwareModuleInfo;
}

/** The `env` imports a position-independent module may have: the SoC provides exactly these. */
const ENV_IMPORTS = new Set([
  'memory',
  '__indirect_function_table',
  '__stack_pointer',
  '__memory_base',
  '__table_base',
]);
/** The functions of rpmsg_soc.h (import module "rpmsg_soc"). */
const SOC_IMPORTS = new Set(['info', 'kick', 'wait', 'time_us', 'log', 'exit', 'assert_fail']);

/** True when a core option names a WebAssembly firmware (a `.wasm` path or URL, or a compiled module). */
export function isWasmSource(source: unknown): source is string | URL | WebAssembly.Module {
  if (source instanceof WebAssembly.Module) return true;
  const text = source instanceof URL ? source.pathname : typeof source === 'string' ? source : '';
  return /\.wasm$/i.test(text.split(/[?#]/)[0] ?? '');
}

function loadError(role: string, what: string, message: string, cause?: unknown): RpmsgError {
  return new RpmsgError('ERR_RPMSG_LOAD', `the ${role} firmware ${what} ${message}`, { cause });
}

/**
 * Reads, compiles and checks a firmware module: it must be a WebAssembly module built for the SoC
 * (position independent — a `dylink.0` section —, importing only the SoC's functions, exporting
 * `rpmsg_soc_start`) and fit a core's slot.
 *
 * @throws {RpmsgError} `ERR_RPMSG_LOAD`: the file cannot be read, is not a WebAssembly module, or
 *   is not a SoC firmware (the message says what is missing)
 */
export async function loadFirmwareModule(
  role: string,
  source: string | URL | WebAssembly.Module,
): Promise<FirmwareModule> {
  let module: WebAssembly.Module;
  let what: string;
  let lines: LineTable | undefined;
  if (source instanceof WebAssembly.Module) {
    module = source;
    what = '(a compiled module)';
  } else {
    const path = source instanceof URL || /^file:/i.test(source) ? fileURLToPath(source) : source;
    what = path;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw loadError(role, what, `cannot be read: ${(error as Error).message}`, error);
    }
    try {
      module = await WebAssembly.compile(bytes);
    } catch (error) {
      throw loadError(role, what, `is not a WebAssembly module: ${(error as Error).message}`, error);
    }
    // Decoded here, once: the worker gets it with the module. A bad table is no table, not a load error.
    if (WebAssembly.Module.customSections(module, '.debug_line').length > 0) lines = readLineTable(bytes);
  }
  const info = checkFirmwareModule(role, what, module);
  return { module, info: lines ? { ...info, lines } : info };
}

/** The checks of {@link loadFirmwareModule} on a compiled module. */
export function checkFirmwareModule(
  role: string,
  what: string,
  module: WebAssembly.Module,
): FirmwareModuleInfo {
  let api = false;
  let memory = false;
  for (const imp of WebAssembly.Module.imports(module)) {
    const ok =
      (imp.module === 'env' && ENV_IMPORTS.has(imp.name)) ||
      (imp.module === 'rpmsg_soc' && SOC_IMPORTS.has(imp.name)) ||
      (imp.module === 'rpmsg_lite' && imp.kind === 'function');
    if (!ok) {
      throw loadError(
        role,
        what,
        `imports ${imp.module}.${imp.name}, which the SoC does not provide (build it with rpmsg build-firmware)`,
      );
    }
    if (imp.module === 'rpmsg_lite') api = true;
    if (imp.module === 'env' && imp.name === 'memory') memory = imp.kind === 'memory';
  }
  if (!memory)
    throw loadError(
      role,
      what,
      'does not import its memory (env.memory): it cannot share RAM with the other core',
    );
  const start = WebAssembly.Module.exports(module).find((e) => e.name === 'rpmsg_soc_start');
  if (start?.kind !== 'function') {
    throw loadError(
      role,
      what,
      'does not export rpmsg_soc_start (no start-up code: build it with rpmsg build-firmware)',
    );
  }
  const dylink = WebAssembly.Module.customSections(module, 'dylink.0')[0];
  if (!dylink) {
    throw loadError(
      role,
      what,
      'is not position independent (no dylink.0 section: build it with rpmsg build-firmware)',
    );
  }
  const mem = parseDylinkMemInfo(new Uint8Array(dylink));
  if (!mem) throw loadError(role, what, 'has a dylink.0 section without memory information');
  const room = SLOT_SIZE - INFO_SIZE - STACK_SIZE;
  if (mem.memorySize > room) {
    throw loadError(
      role,
      what,
      `needs ${mem.memorySize} bytes of data; a core's memory has room for ${room}`,
    );
  }
  return { mode: api ? 'api' : 'raw', ...mem };
}

/** The WASM_DYLINK_MEM_INFO subsection (type 1) of a `dylink.0` custom section, or undefined. */
function parseDylinkMemInfo(bytes: Uint8Array): Omit<FirmwareModuleInfo, 'mode'> | undefined {
  let at = 0;
  const leb = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (at >= bytes.length || shift > 28) throw new RangeError('truncated LEB128');
      const b = bytes[at++] as number;
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value >>> 0;
      shift += 7;
    }
  };
  try {
    while (at < bytes.length) {
      const type = bytes[at++];
      const size = leb();
      const end = at + size;
      if (type === 1) {
        return { memorySize: leb(), memoryAlign: leb(), tableSize: leb() };
      }
      at = end;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
