/**
 * A firmware's DWARF line table (`.debug_line`, DWARF 2–5), decoded once in the main thread so a
 * trap's module offset can name the C file and line. The module is untrusted input: every read is
 * bounded, and anything malformed gives no table rather than a throw.
 */

/** Where in the C source a module offset is. */
export interface SourceLocation {
  /** The file's path as the compiler saw it (its directory joined). */
  readonly file: string;
  readonly line: number;
  /** 0 when the compiler did not say. */
  readonly column: number;
}

/**
 * The rows of a module's line table, plain data (it crosses to the core worker by structured clone).
 * `rows` holds (address, file, line, column) quadruples sorted by address, addresses relative to the
 * Code section's payload; a row of line 0 (a sequence's end) covers code no source line is known for.
 */
export interface LineTable {
  /**
   * Byte offset of the Code section's payload in the module: DWARF addresses of wasm count from it
   * (WebAssembly tool-conventions, Debugging.md; checked against llvm-objdump -l and V8's trap offsets).
   */
  readonly codeOffset: number;
  readonly rows: Uint32Array;
  readonly files: readonly string[];
}

/** More rows than any firmware has (one per line-program byte at most): past it the input is not sane. */
const MAX_ROWS = 1 << 20;
const STRIDE = 4;
const NO_FILE = 0xffff_ffff;

/** A read past the end of what was given: the section is truncated or lies about its lengths. */
class Truncated extends Error {}

/** Bounds-checked little-endian reads over one slice of the module. */
class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at = 0,
    public end = bytes.length,
  ) {}
  u8(): number {
    if (this.at >= this.end) throw new Truncated();
    return this.bytes[this.at++] as number;
  }
  u16(): number {
    return this.u8() | (this.u8() << 8);
  }
  u32(): number {
    return (this.u16() | (this.u16() << 16)) >>> 0;
  }
  /** An offset-sized value (4 bytes, or 8 in 64-bit DWARF; then it must fit 2^53). */
  offset(size: number): number {
    const lo = this.u32();
    if (size === 4) return lo;
    const hi = this.u32();
    if (hi > 0x1f_ffff) throw new Truncated();
    return hi * 2 ** 32 + lo;
  }
  /** LEB128 of at most 10 bytes (64 bits); larger values lose precision, which the bounds then reject. */
  uleb(): number {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const b = this.u8();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    throw new Truncated();
  }
  sleb(): number {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const b = this.u8();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return b & 0x40 ? value - 2 ** (shift + 7) : value;
    }
    throw new Truncated();
  }
  skip(n: number): void {
    if (n > this.end - this.at) throw new Truncated();
    this.at += n;
  }
  /** A NUL-terminated string. */
  cstring(): string {
    const nul = this.bytes.subarray(this.at, this.end).indexOf(0);
    if (nul < 0) throw new Truncated();
    const text = utf8.decode(this.bytes.subarray(this.at, this.at + nul));
    this.at += nul + 1;
    return text;
  }
}

const utf8 = new TextDecoder();

/** The Code section's payload offset and the custom sections of a module (wasm core spec §5.5). */
function sections(bytes: Uint8Array): {
  code?: { at: number; size: number };
  custom: Map<string, Uint8Array>;
} {
  const r = new Reader(bytes);
  if (r.u32() !== 0x6d736100 || r.u32() !== 1) throw new Truncated(); // "\0asm", version 1
  const custom = new Map<string, Uint8Array>();
  let code: { at: number; size: number } | undefined;
  while (r.at < r.end) {
    const id = r.u8();
    const size = r.uleb();
    const start = r.at;
    r.skip(size);
    if (id === 10) code = { at: start, size };
    if (id === 0) {
      const name = new Reader(bytes, start, r.at);
      const length = name.uleb();
      const from = name.at;
      name.skip(length);
      custom.set(utf8.decode(bytes.subarray(from, name.at)), bytes.subarray(name.at, r.at));
    }
  }
  return { code, custom };
}

/**
 * Decodes a module's `.debug_line` into a {@link LineTable}; undefined when the module has no line
 * table (built without -g) or anything in it is malformed.
 */
export function readLineTable(bytes: Uint8Array): LineTable | undefined {
  try {
    const { code, custom } = sections(bytes);
    const debugLine = custom.get('.debug_line');
    if (!code || !debugLine) return undefined;
    const program = new LinePrograms(code.size, custom.get('.debug_str'), custom.get('.debug_line_str'));
    const r = new Reader(debugLine);
    while (r.at < r.end) program.unit(r);
    const table = program.table(code.at);
    return table.rows.length > 0 ? table : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The location of module offset `moduleOffset` (what V8 prints as `:0x330`): the row with the
 * greatest address not past it, undefined outside every sequence or without a known line.
 */
export function lookupLine(table: LineTable, moduleOffset: number): SourceLocation | undefined {
  const address = moduleOffset - table.codeOffset;
  const { rows } = table;
  let lo = 0;
  let hi = rows.length / STRIDE; // rows[lo - 1] <= address < rows[hi] after the search
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((rows[mid * STRIDE] as number) <= address) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0) return undefined;
  const at = (lo - 1) * STRIDE;
  const file = table.files[rows[at + 1] as number];
  const line = rows[at + 2] as number;
  if (file === undefined || line === 0) return undefined;
  return { file, line, column: rows[at + 3] as number };
}

/** A sequence: rows [from, to) of the flat row list, covering [start, end) of the code. */
interface Sequence {
  readonly from: number;
  readonly to: number;
  readonly start: number;
  readonly end: number;
}

/** A unit's file numbers, as indices of the table's file list; `dirs` before DWARF 5 (define_file). */
interface UnitFiles {
  readonly files: number[];
  readonly dirs?: readonly string[];
}

/** The state machine of DWARF 5 §6.2.2, run over every unit of `.debug_line`. */
class LinePrograms {
  readonly #rows: number[] = [];
  readonly #sequences: Sequence[] = [];
  readonly #files: string[] = [];
  readonly #fileIndex = new Map<string, number>();

  constructor(
    readonly codeSize: number,
    readonly debugStr: Uint8Array | undefined,
    readonly lineStr: Uint8Array | undefined,
  ) {}

  /** Reads one unit (header and line-number program) and leaves `r` after it. */
  unit(r: Reader): void {
    let offsetSize = 4;
    let length = r.u32();
    if (length === 0xffff_ffff) {
      offsetSize = 8;
      length = r.offset(8);
    } else if (length >= 0xffff_fff0) throw new Truncated(); // reserved values
    const end = r.at + length;
    if (end > r.end) throw new Truncated();
    const u = new Reader(r.bytes, r.at, end);
    r.at = end;
    const version = u.u16();
    if (version < 2 || version > 5) throw new Truncated();
    if (version >= 5) u.skip(2); // address_size, segment_selector_size: DW_LNE_set_address says its own
    const headerLength = u.offset(offsetSize);
    const programStart = u.at + headerLength;
    if (programStart > end) throw new Truncated();
    const minInstLength = u.u8();
    const maxOps = version >= 4 ? u.u8() : 1;
    u.skip(1); // default_is_stmt: every row is kept, statement or not
    const lineBase = (u.u8() << 24) >> 24;
    const lineRange = u.u8();
    const opcodeBase = u.u8();
    const argCounts: number[] = [];
    for (let i = 1; i < opcodeBase; i++) argCounts.push(u.u8());
    // VLIW op indices never occur in wasm; a unit that uses them (or divides by 0) is skipped whole.
    if (lineRange === 0 || maxOps > 1) return;
    const files = version >= 5 ? this.#v5Files(u, offsetSize) : this.#v4Files(u);
    u.at = programStart;
    this.#run(u, { minInstLength, lineBase, lineRange, opcodeBase, argCounts, files });
  }

  /** DWARF 2–4 include_directories and file_names: directory 0 is the compilation's (not in here). */
  #v4Files(u: Reader): UnitFiles {
    const dirs = [''];
    for (let dir = u.cstring(); dir !== ''; dir = u.cstring()) dirs.push(dir);
    const files = [NO_FILE]; // file 0 does not exist before DWARF 5
    for (let name = u.cstring(); name !== ''; name = u.cstring()) files.push(this.#v4File(u, name, dirs));
    return { files, dirs };
  }

  #v4File(u: Reader, name: string, dirs: readonly string[]): number {
    const dir = dirs[u.uleb()] ?? '';
    u.uleb(); // modification time
    u.uleb(); // length
    return this.#file(dir, name);
  }

  /** DWARF 5 §6.2.4.1: directory and file entries described by (content type, form) pairs. */
  #v5Files(u: Reader, offsetSize: number): UnitFiles {
    // Directory 0 is the compilation's; the others may be relative to it.
    const dirs = this.#entries(u, offsetSize).map((e, i, all) =>
      i === 0 ? e.path : joinPath(all[0]?.path ?? '', e.path),
    );
    return { files: this.#entries(u, offsetSize).map((e) => this.#file(dirs[e.dir] ?? '', e.path)) };
  }

  #entries(u: Reader, offsetSize: number): { path: string; dir: number }[] {
    const formats: [number, number][] = [];
    const formatCount = u.u8();
    for (let i = 0; i < formatCount; i++) formats.push([u.uleb(), u.uleb()]);
    const count = u.uleb();
    // Every form takes a byte at least: a count the bytes left cannot hold is a lie, not a loop to run.
    if (count > 0 && (formats.length === 0 || count > u.end - u.at)) throw new Truncated();
    const entries: { path: string; dir: number }[] = [];
    for (let i = 0; i < count; i++) {
      const entry = { path: '', dir: 0 };
      for (const [type, form] of formats) {
        const value = this.#form(u, form, offsetSize);
        if (type === 1 /* DW_LNCT_path */ && typeof value === 'string') entry.path = value;
        if (type === 2 /* DW_LNCT_directory_index */ && typeof value === 'number') entry.dir = value;
      }
      entries.push(entry);
    }
    return entries;
  }

  /** One attribute value of the forms DWARF 5 allows in a line header (§7.22); others are malformed. */
  #form(u: Reader, form: number, offsetSize: number): string | number | undefined {
    switch (form) {
      case 0x08: // DW_FORM_string
        return u.cstring();
      case 0x1f: // DW_FORM_line_strp
        return section(this.lineStr, u.offset(offsetSize)).cstring();
      case 0x0e: // DW_FORM_strp
        return section(this.debugStr, u.offset(offsetSize)).cstring();
      case 0x0b: // DW_FORM_data1
        return u.u8();
      case 0x05: // DW_FORM_data2
        return u.u16();
      case 0x06: // DW_FORM_data4
        return u.u32();
      case 0x07: // DW_FORM_data8
        return u.offset(8);
      case 0x0f: // DW_FORM_udata
        return u.uleb();
      case 0x1e: // DW_FORM_data16 (an MD5)
        u.skip(16);
        return undefined;
      case 0x09: // DW_FORM_block
        u.skip(u.uleb());
        return undefined;
      case 0x1a: // DW_FORM_strx…strx4: need .debug_str_offsets and the unit's base; the name stays unknown
        u.uleb();
        return undefined;
      case 0x25:
      case 0x26:
      case 0x27:
      case 0x28:
        u.skip(form - 0x24);
        return undefined;
      default:
        throw new Truncated();
    }
  }

  /** The index of `dir`/`name` in the table's file list (added when new). */
  #file(dir: string, name: string): number {
    const path = joinPath(dir, name);
    let index = this.#fileIndex.get(path);
    if (index === undefined) {
      index = this.#files.length;
      this.#files.push(path);
      this.#fileIndex.set(path, index);
    }
    return index;
  }

  /** Runs one line-number program (§6.2.5), keeping each well-formed sequence that lies in the code. */
  #run(
    u: Reader,
    h: {
      minInstLength: number;
      lineBase: number;
      lineRange: number;
      opcodeBase: number;
      argCounts: number[];
      files: UnitFiles;
    },
  ): void {
    const rows = this.#rows;
    let address = 0;
    let file = 1;
    let line = 1;
    let column = 0;
    let from = rows.length;
    let ok = true;
    const emit = (end: boolean) => {
      const last = rows.length > from ? (rows[rows.length - STRIDE] as number) : -1;
      if (address < last) ok = false; // addresses only grow within a sequence
      if (!(line >= 0 && line <= 0xffff_ffff && column <= 0xffff_ffff)) ok = false; // unsigned 32-bit rows
      if (rows.length >= MAX_ROWS * STRIDE) throw new Truncated();
      rows.push(address, end ? NO_FILE : (h.files.files[file] ?? NO_FILE), end ? 0 : line, end ? 0 : column);
    };
    while (u.at < u.end) {
      const op = u.u8();
      if (op >= h.opcodeBase) {
        const adjusted = op - h.opcodeBase;
        address += Math.floor(adjusted / h.lineRange) * h.minInstLength;
        line += h.lineBase + (adjusted % h.lineRange);
        emit(false);
      } else if (op === 0) {
        const length = u.uleb();
        if (length === 0) continue;
        const next = u.at + length;
        if (next > u.end) throw new Truncated();
        const sub = u.u8();
        if (sub === 1) {
          // DW_LNE_end_sequence
          emit(true);
          const start = rows[from] as number;
          // Address 0 is a tombstone: the Code section opens with its function count, so no code is there.
          if (ok && start > 0 && address <= this.codeSize)
            this.#sequences.push({ from, to: rows.length, start, end: address });
          else rows.length = from;
          address = 0;
          file = 1;
          line = 1;
          column = 0;
          from = rows.length;
          ok = true;
        } else if (sub === 2) {
          // DW_LNE_set_address: 4 bytes in wasm32; wasm-ld's tombstone 0xffffffff falls outside the code
          address = length - 1 === 8 ? u.offset(8) : length - 1 === 4 ? u.u32() : Number.NaN;
          if (Number.isNaN(address)) throw new Truncated();
        } else if (sub === 3 && h.files.dirs) {
          // DW_LNE_define_file (DWARF 2–4)
          h.files.files.push(this.#v4File(u, u.cstring(), h.files.dirs));
        }
        u.at = next;
      } else if (op === 2) address += u.uleb() * h.minInstLength;
      else if (op === 3) line += u.sleb();
      else if (op === 4) file = u.uleb();
      else if (op === 5) column = u.uleb();
      else if (op === 8) address += Math.floor((255 - h.opcodeBase) / h.lineRange) * h.minInstLength;
      else if (op === 9) address += u.u16();
      else if (op === 1) emit(false);
      else for (let i = h.argCounts[op - 1] ?? 0; i > 0; i--) u.uleb(); // 6, 7, 10, 11, 12 and unknown
    }
    rows.length = from; // a sequence without its end is not one
  }

  /** The sequences sorted by address, an overlapping one dropped (two claims on the same code). */
  table(codeOffset: number): LineTable {
    const sorted = [...this.#sequences].sort((a, b) => a.start - b.start);
    const kept: number[] = [];
    let covered = 0;
    for (const s of sorted) {
      if (s.start < covered) continue;
      for (let i = s.from; i < s.to; i++) kept.push(this.#rows[i] as number);
      covered = s.end;
    }
    return { codeOffset, rows: Uint32Array.from(kept), files: this.#files };
  }
}

/** `name` in `dir`, unless it is absolute already (a POSIX or a Windows path: whatever the build host was). */
function joinPath(dir: string, name: string): string {
  return /^([/\\]|[A-Za-z]:[/\\])/.test(name) || dir === '' ? name : `${dir.replace(/[/\\]$/, '')}/${name}`;
}

/** A reader at `offset` of a string section (`.debug_str`, `.debug_line_str`). */
function section(bytes: Uint8Array | undefined, offset: number): Reader {
  if (!bytes || offset >= bytes.length) throw new Truncated();
  return new Reader(bytes, offset);
}
