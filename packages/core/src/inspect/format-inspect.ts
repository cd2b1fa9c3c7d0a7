import type { InspectMessage, InspectResult } from './types.js';

const PREVIEW_BYTES = 32;

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
 * then the messages oldest first with a hex and ASCII preview, then the problems.
 */
export function formatInspect(result: InspectResult): string {
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
    lines.push(`problems (${result.problems.length}):`);
    for (const p of result.problems) lines.push(`  ${p.code}: ${p.message}`);
  }
  return `${lines.join('\n')}\n`;
}
