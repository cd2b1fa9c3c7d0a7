import { checkOptions, InvalidArgTypeError, OutOfRangeError } from '@rpmsg/virtio';
import type { InspectMessage, InspectResult } from './types.js';

const PREVIEW_BYTES = 32;

/** Problems {@link formatInspect} lists by default; the rest are counted. */
export const DEFAULT_MAX_PROBLEMS = 20;

/** Options of {@link formatInspect}. */
export interface FormatInspectOptions {
  /**
   * How many problems to list (default 20); the rest are counted in one line, "… and N more
   * problems". A random 1 MB file decoded with a 256-buffer layout has 512 problems, one per ring
   * slot, and a terminal needs only the first few to see what is wrong. `Infinity` lists all.
   */
  maxProblems?: number;
}

function printable(hex: string): string {
  let out = '';
  for (let i = 0; i < hex.length && i < PREVIEW_BYTES * 2; i += 2) {
    const c = Number.parseInt(hex.slice(i, i + 2), 16);
    out += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return out;
}

function formatMessage(m: InspectMessage): string {
  const head = `  ${m.vring} desc ${String(m.desc).padStart(3)}  ${m.src} -> ${m.dst}  len ${m.len}${m.flags ? `  flags 0x${m.flags.toString(16)}` : ''}`;
  if (m.ns) {
    const kind = m.ns.flags & 1 ? 'DESTROY' : 'CREATE';
    return `${head}  NS ${kind} "${m.ns.name}" addr ${m.ns.addr}`;
  }
  if (m.len === 0) return `${head}  (empty)`;
  const more = m.len > PREVIEW_BYTES ? ` … (+${m.len - PREVIEW_BYTES} bytes)` : '';
  return `${head}  ${m.payload.slice(0, PREVIEW_BYTES * 2)}${more}  |${printable(m.payload)}|`;
}

/**
 * Renders an {@link InspectResult} for a terminal (`rpmsg inspect` without `--json`): ring indices,
 * then the messages oldest first with a hex and ASCII preview, then the total number of problems
 * and the first `maxProblems` of them (the JSON keeps them all).
 *
 * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE` when `result` or `options` is not an object,
 *   or `options.maxProblems` is not a number
 * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` when `options.maxProblems` is negative, NaN or not
 *   an integer (`Infinity` is allowed)
 */
export function formatInspect(result: InspectResult, options?: FormatInspectOptions): string {
  if (result === null || typeof result !== 'object') {
    throw new InvalidArgTypeError('result', 'of type object', result);
  }
  const maxProblems = checkMaxProblems(checkOptions('options', options).maxProblems ?? DEFAULT_MAX_PROBLEMS);
  const lines: string[] = ['vrings:'];
  for (const v of result.vrings) {
    lines.push(
      `  ${v.name}  num ${v.num}  avail idx ${v.avail.idx} flags 0x${v.avail.flags.toString(16)}  used idx ${v.used.idx} flags 0x${v.used.flags.toString(16)}`,
    );
  }
  lines.push(`messages (${result.messages.length}):`);
  for (const m of result.messages) lines.push(formatMessage(m));
  if (result.problems.length === 0) lines.push('problems: none');
  else {
    const total = result.problems.length;
    lines.push(`problems (${total}):`);
    const shown = Math.min(total, maxProblems);
    for (let i = 0; i < shown; i++) {
      const p = result.problems[i]!;
      lines.push(`  ${p.code}: ${p.message}`);
    }
    if (shown < total) lines.push(`  … and ${total - shown} more problem${total - shown === 1 ? '' : 's'}`);
  }
  return `${lines.join('\n')}\n`;
}

function checkMaxProblems(value: unknown): number {
  if (typeof value !== 'number')
    throw new InvalidArgTypeError('options.maxProblems', 'of type number', value);
  if (!(value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 0))) {
    throw new OutOfRangeError('options.maxProblems', 'an integer >= 0 or Infinity', value);
  }
  return value;
}
