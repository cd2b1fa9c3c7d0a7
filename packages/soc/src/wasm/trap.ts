import { type LineTable, lookupLine, type SourceLocation } from './dwarf-lines.js';

/**
 * A firmware that stopped on its own fault: a WebAssembly trap (unreachable, an access outside the
 * memory, a division by zero, a bad function pointer), a call stack too deep, its stack pointer
 * below its stack, or a failed assertion. The message names the C function it happened in (from the
 * module's name section), and its file and line when the module has DWARF (`-g`); `frames` lists the
 * C call stack, innermost first.
 */
export class FirmwareTrap extends Error {
  override readonly name = 'FirmwareTrap';
  /**
   * C functions on the stack when it stopped, innermost first (wasm-function[n] without names),
   * each with its `file.c:line:column` in parentheses when the module has DWARF.
   */
  readonly frames: readonly string[];

  constructor(message: string, frames: readonly string[], cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.frames = frames;
    // A frame with its source location reads as a JavaScript one does; the others say where they ran.
    const at = (f: string) => `    at ${f.endsWith(')') ? f : `${f} (firmware)`}`;
    this.stack = [`${this.name}: ${message}`, ...frames.map(at)].join('\n');
  }
}

/** A firmware called exit(code): unwinds the WebAssembly stack; the worker then ends with `code`. */
export class FirmwareExit extends Error {
  override readonly name = 'FirmwareExit';
  constructor(readonly code: number) {
    super(`the firmware called exit(${code})`);
  }
}

/**
 * `    at firmware.wasm.name (wasm://wasm/firmware.wasm-0a1b2c3d:wasm-function[12]:0x345)`: V8 puts
 * the module's name (wasm-ld writes the output file's) before the function's; without a name
 * section only the index is there.
 */
const WASM_FRAME = /at (?:(\S+) \()?wasm:\/\/wasm\/[^:]*:wasm-function\[(\d+)\]:(0x[0-9a-f]+)\)?/;

/** Names the compiler gives main() in wasm32 (the two forms of main, and its wrapper). */
const MAIN_NAMES = new Set(['__original_main', '__main_void', '__main_argc_argv']);

/** The C name of a frame's function: without the module's name in front. */
function cName(v8Name: string): string {
  const name = v8Name.slice(v8Name.lastIndexOf('.') + 1);
  return MAIN_NAMES.has(name) ? 'main' : name;
}

/** One WebAssembly frame of a V8 stack: the C function, and where in the module it was. */
interface WasmFrame {
  readonly name: string;
  /** Byte offset of the instruction in the module (what V8 prints after the function index). */
  readonly offset: number;
  /** With a line table: the C source there. */
  readonly source: SourceLocation | undefined;
}

function parseFrames(error: unknown, lines: LineTable | undefined): WasmFrame[] {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const frames: WasmFrame[] = [];
  for (const line of stack.split('\n')) {
    const m = WASM_FRAME.exec(line);
    if (!m) continue;
    const offset = Number(m[3]);
    const name = m[1] ? cName(m[1]) : `wasm-function[${m[2]}]@${m[3]}`;
    frames.push({ name, offset, source: lines && lookupLine(lines, offset) });
  }
  return frames;
}

/** `file:line:column` (the column left out when the compiler gave none). */
function where(source: SourceLocation, file = source.file): string {
  return `${file}:${source.line}${source.column > 0 ? `:${source.column}` : ''}`;
}

/**
 * The C frames of an error thrown through WebAssembly code, innermost first; with the module's
 * line table (`readLineTable` of dwarf-lines.ts) each reads `write_sample (raw.c:23:5)`.
 */
export function wasmFrames(error: unknown, lines?: LineTable): string[] {
  return parseFrames(error, lines).map(frameText);
}

function frameText({ name, source }: WasmFrame): string {
  return source ? `${name} (${where(source, basename(source.file))})` : name;
}

function basename(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/** What a trap means, in the words of someone debugging C. */
function describe(error: unknown): string {
  if (error instanceof RangeError && /call stack/i.test(error.message))
    return 'stack overflow (call stack too deep)';
  if (error instanceof WebAssembly.RuntimeError) {
    if (/out of bounds/.test(error.message)) return `${error.message} (a pointer outside the core's memory)`;
    if (/unreachable/.test(error.message))
      return 'unreachable executed (__builtin_trap or a path the compiler proved impossible)';
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Turns what a firmware's start function threw into a {@link FirmwareTrap} naming the C function,
 * and with the module's line table (a `-g` build) its file and line: `… in write_sample() at
 * /abs/path/raw.c:23:5`. An error that is already one (a failed assertion, a stack overflow seen at
 * an import: made with the frames of the import's caller) is returned as it is.
 */
export function toFirmwareTrap(role: string, error: unknown, lines?: LineTable): FirmwareTrap | FirmwareExit {
  if (error instanceof FirmwareTrap || error instanceof FirmwareExit) return error;
  const frames = parseFrames(error, lines);
  const top = frames[0];
  const at = top ? ` in ${top.name}()${top.source ? ` at ${where(top.source)}` : ''}` : '';
  const message = `the ${role} firmware trapped: ${describe(error)}${at}`;
  return new FirmwareTrap(message, frames.map(frameText), error);
}
