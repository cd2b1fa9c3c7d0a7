import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware } from '@rpmsg/firmware';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSoc, type Soc } from '../index.js';
import { ensureBuilt } from '../test-build.js';
import { type LineTable, lookupLine, readLineTable } from './dwarf-lines.js';
import { fixture } from './test-firmware.js';
import { type FirmwareTrap, toFirmwareTrap } from './trap.js';

/** raw-commands.c's doorbell for a write through a pointer past the end of memory. */
const OUT_OF_BOUNDS = 3;
const RAW = fixture('raw-commands.c');
/** The line of write_sample's store, found in the file so the tests follow it when lines move. */
const STORE_LINE =
  readFileSync(RAW, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('*where = value;')) + 1;

let debugModule: Uint8Array;
let debugPath: string;
let plainModule: Uint8Array;

beforeAll(async () => {
  // Own output files: wasm-core.test.ts writes raw-commands.wasm (without -g) at the same time.
  const dir = join(tmpdir(), 'rpmsg-soc-fixtures');
  debugPath = join(dir, 'raw-commands-g.wasm');
  debugModule = (await buildFirmware({ sources: [RAW], debug: true, output: debugPath })).wasm;
  plainModule = (await buildFirmware({ sources: [RAW], output: join(dir, 'raw-commands-plain.wasm') })).wasm;
}, 120_000);

// A hand-made module: one function `boom` (nop, unreachable) and a DWARF 5 line table for it.
const LEB = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...LEB(n >>> 7)]);
const ascii = (s: string): number[] => [...Buffer.from(s)];
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
const section = (id: number, payload: number[]): number[] => [id, ...LEB(payload.length), ...payload];
const custom = (name: string, payload: number[]): number[] =>
  section(0, [...LEB(name.length), ...ascii(name), ...payload]);
/** Code-relative offsets of the body: count, size, locals, then nop at 3, unreachable at 4, end at 5. */
const CODE = [0x01, 0x04, 0x00, 0x01, 0x00, 0x0b];

/**
 * A DWARF 5 unit: directories by line_strp, file paths by `pathForm`, MD5s as data16; `fileTable`
 * replaces the file entry formats and entries.
 */
function lineUnit(pathForm: 'strp' | 'string', fileTable?: number[]): number[] {
  const path = (s: string, strp: number) => (pathForm === 'strp' ? u32(strp) : [...ascii(s), 0]);
  const files = fileTable ?? [
    ...[3, 1, pathForm === 'strp' ? 0x0e : 0x08, 2, 0x0f, 5, 0x1e], // path, directory (udata), MD5
    ...[
      2,
      ...path('main.c', 0),
      0,
      ...new Array(16).fill(0xaa),
      ...path('util.h', 7),
      1,
      ...new Array(16).fill(0xbb),
    ],
  ];
  const header = [
    ...[1, 1, 1, 0xfb, 14, 13], // min_inst_length, max_ops, default_is_stmt, line_base -5, line_range, opcode_base
    ...[0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1], // standard_opcode_lengths
    ...[1, 1, 0x1f], // directories: DW_LNCT_path as DW_FORM_line_strp
    ...[2, ...u32(0), ...u32(5)], // "/src", "inc"
    ...files,
  ];
  const program = [
    ...[0x00, 5, 0x02, ...u32(3)], // DW_LNE_set_address 3 (the nop)
    ...[0x04, 0x00, 0x03, 9, 0x05, 7, 0x01], // file 0, line 10, column 7, copy
    34, // special: address +1 (the unreachable), line +2
    ...[0x02, 2, 0x00, 1, 0x01], // advance_pc 2 (the end of the code), DW_LNE_end_sequence
  ];
  const rest = [0x05, 0x00, 4, 0, ...u32(header.length), ...header, ...program]; // version 5, addr 4, seg 0
  return [...u32(rest.length), ...rest];
}

function hostModule(debugLine: number[] = lineUnit('strp')): Uint8Array {
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, [1, 0x60, 0, 0]), // type () -> ()
    ...section(3, [1, 0]),
    ...section(7, [1, 4, ...ascii('boom'), 0, 0]),
    ...section(10, CODE),
    ...custom('name', [1, ...LEB(7), 1, 0, 4, ...ascii('boom')]),
    ...custom('.debug_line_str', [...ascii('/src\0inc\0')]),
    ...custom('.debug_str', [...ascii('main.c\0util.h\0')]),
    ...custom('.debug_line', debugLine), // last: a cut anywhere shortens it
  ]);
}

/** A deterministic byte source for the garbage tests (xorshift32). */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) & 0xff;
  };
}

function expectSane(table: LineTable | undefined): void {
  if (!table) return;
  for (let i = 4; i < table.rows.length; i += 4)
    expect(table.rows[i]).toBeGreaterThanOrEqual(table.rows[i - 4] ?? 0);
}

describe('readLineTable', () => {
  it("maps write_sample's store, in a -g build of raw-commands.c, to its line", () => {
    const table = readLineTable(debugModule) as LineTable;
    expect(table.files).toContain(RAW);
    const file = table.files.indexOf(RAW);
    const rows: number[] = [];
    for (let i = 0; i < table.rows.length; i += 4)
      if (table.rows[i + 1] === file && table.rows[i + 2] === STORE_LINE) rows.push(table.rows[i] as number);
    expect(rows.length).toBeGreaterThan(0);
    for (const address of rows)
      expect(lookupLine(table, table.codeOffset + address)).toMatchObject({ file: RAW, line: STORE_LINE });
    expectSane(table);
  });

  it('is structured-cloneable: it crosses to the core worker with the module info', () => {
    const table = readLineTable(debugModule) as LineTable;
    expect(structuredClone(table)).toEqual(table);
  });

  it('decodes DWARF 5 file tables (line_strp, strp and string paths, data16 MD5s)', () => {
    for (const form of ['strp', 'string'] as const) {
      const table = readLineTable(hostModule(lineUnit(form))) as LineTable;
      expect(table.files).toEqual(['/src/main.c', '/src/inc/util.h']);
      const at = (codeAddress: number) => lookupLine(table, table.codeOffset + codeAddress);
      expect(at(2)).toBeUndefined();
      expect(at(3)).toEqual({ file: '/src/main.c', line: 10, column: 7 });
      expect(at(4)).toEqual({ file: '/src/main.c', line: 12, column: 7 });
      expect(at(5)).toEqual({ file: '/src/main.c', line: 12, column: 7 });
      expect(at(6)).toBeUndefined(); // past the sequence's end
    }
  });

  it('gives no table for a module without -g', () => {
    expect(readLineTable(plainModule)).toBeUndefined();
  });

  it('gives no table, never a throw, for a module cut anywhere in its line table', () => {
    const whole = hostModule();
    const unit = lineUnit('strp');
    for (let n = 0; n < unit.length; n++) expect(readLineTable(hostModule(unit.slice(0, n)))).toBeUndefined();
    for (let n = 0; n < whole.length; n += 7) expect(readLineTable(whole.subarray(0, n))).toBeUndefined();
    expect(readLineTable(debugModule.subarray(0, debugModule.length - 1000))).toBeUndefined();
  });

  it('gives no table for lengths and counts the section cannot hold', () => {
    const unit = lineUnit('strp');
    expect(readLineTable(hostModule([...u32(0xffff_ff00), ...unit.slice(4)]))).toBeUndefined();
    // 2^35 files with no entry formats, or more than the bytes left: refused before any loop runs.
    expect(
      readLineTable(hostModule(lineUnit('strp', [0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))),
    ).toBeUndefined();
    expect(readLineTable(hostModule(lineUnit('strp', [1, 1, 0x08, 0xff, 0x7f])))).toBeUndefined();
    expect(readLineTable(Uint8Array.from(ascii('not a module')))).toBeUndefined();
  });

  it('ends, without a throw, on garbage and on flipped bytes', () => {
    const next = random(0x2bad_f00d);
    for (let trial = 0; trial < 300; trial++) {
      const garbage = Array.from({ length: 1 + (next() << 2) }, next);
      expectSane(readLineTable(hostModule(garbage)));
      const flipped = lineUnit('strp');
      flipped[next() % flipped.length] = next();
      expectSane(readLineTable(hostModule(flipped)));
    }
  });
});

describe('toFirmwareTrap with a line table', () => {
  it('names the file and line of the trap; each frame has its file:line:column', () => {
    const bytes = hostModule();
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    let thrown: unknown;
    // V8's own stack format, as a core worker has it (vitest's formatter writes wasm frames as line:column).
    const prepare = Error.prepareStackTrace;
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
    try {
      (instance.exports.boom as () => void)();
    } catch (error) {
      thrown = error;
      void (error as Error).stack; // formatted now, while V8's formatter is in place
    } finally {
      Error.prepareStackTrace = prepare;
    }
    const trap = toFirmwareTrap('remote', thrown, readLineTable(bytes)) as FirmwareTrap;
    expect(trap.message).toMatch(/unreachable executed .* in boom\(\) at \/src\/main\.c:12:7$/);
    expect(trap.frames[0]).toBe('boom (main.c:12:7)');
    expect(trap.stack).toContain('\n    at boom (main.c:12:7)');
    expect((toFirmwareTrap('remote', thrown) as FirmwareTrap).message).toMatch(/ in boom\(\)$/);
  });
});

describe('a -g firmware that crashes', () => {
  const socs: Soc[] = [];
  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    await Promise.all(socs.splice(0).map((s) => s.stop()));
  });

  it('names the C file and line of the faulting statement', async () => {
    const soc = await createSoc({ profile: 'rpmsg-lite', remote: debugPath, watchdog: 2000 });
    socs.push(soc);
    soc.on('log', () => {}); // keeps stdout quiet
    const crash = new Promise<Error>((resolve) => soc.once('crash', resolve));
    soc.mailbox.ring('remote', OUT_OF_BOUNDS);
    const error = (await crash) as Error & { cause: Error };
    expect(error.message).toContain(`in write_sample() at ${RAW}:${STORE_LINE}`);
    expect(error.cause.stack).toMatch(new RegExp(`at write_sample \\(raw-commands\\.c:${STORE_LINE}[:)]`));
  });
});
