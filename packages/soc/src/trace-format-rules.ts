import type { TraceEventFormatEvent } from './trace-perfetto.js';

/** Any event of the format, phases this project does not write included. */
type AnyEvent = Omit<TraceEventFormatEvent, 'ph' | 's'> & { ph: string; s?: string };

/**
 * Checks a trace against the rules of the Trace Event Format (Google's "Trace Event Format" document,
 * the JSON that chrome://tracing and ui.perfetto.dev import) and returns what breaks them, empty when
 * none: the fields each phase requires, `ts` ≥ 0, `B`/`E` matched and nested per thread, `X` slices
 * nested per thread (a viewer drops one that overlaps its parent's end), flow ids paired `s` → `f`
 * with the `f` not before the `s`, each flow end inside a slice of its thread (what it binds to),
 * counter args numeric, process and thread names present. For tests: written from the format, not
 * from our converter.
 */
export function traceFormatProblems(trace: { readonly traceEvents: readonly AnyEvent[] }): string[] {
  const problems: string[] = [];
  const events = trace.traceEvents;
  if (!Array.isArray(events)) return ['traceEvents is not an array'];
  const EPS = 1e-6;
  const threads = new Map<string, { slices: { ts: number; end: number }[]; stack: string[] }>();
  const track = (e: AnyEvent) => {
    const key = `${e.pid}/${e.tid}`;
    let t = threads.get(key);
    if (!t) {
      t = { slices: [], stack: [] };
      threads.set(key, t);
    }
    return t;
  };
  const flowStarts = new Map<string, AnyEvent>();
  const flowEnds: AnyEvent[] = [];
  const named = { process: new Set<number>(), thread: new Set<string>() };
  const used = { process: new Set<number>(), thread: new Set<string>() };
  events.forEach((e, i) => {
    const at = `event ${i} (${e.ph} ${e.name})`;
    if (typeof e.name !== 'string') problems.push(`${at}: name is not a string`);
    if (typeof e.ph !== 'string') problems.push(`${at}: no ph`);
    if (typeof e.pid !== 'number' || typeof e.tid !== 'number') problems.push(`${at}: pid/tid not numbers`);
    if (e.ph === 'M') {
      const args = e.args as { name?: unknown; sort_index?: unknown } | undefined;
      if (e.name === 'process_name' || e.name === 'thread_name') {
        if (typeof args?.name !== 'string') problems.push(`${at}: args.name missing`);
        if (e.name === 'process_name') named.process.add(e.pid);
        else named.thread.add(`${e.pid}/${e.tid}`);
      } else if (e.name.endsWith('_sort_index') && typeof args?.sort_index !== 'number') {
        problems.push(`${at}: args.sort_index missing`);
      }
      return;
    }
    used.process.add(e.pid);
    used.thread.add(`${e.pid}/${e.tid}`);
    if (typeof e.ts !== 'number' || !Number.isFinite(e.ts) || e.ts < 0) problems.push(`${at}: ts ${e.ts}`);
    const ts = e.ts ?? 0;
    switch (e.ph) {
      case 'X':
        if (typeof e.dur !== 'number' || !(e.dur >= 0)) problems.push(`${at}: dur ${e.dur}`);
        else track(e).slices.push({ ts, end: ts + e.dur });
        break;
      case 'B':
      case 'E':
        // B/E pairs: checked in file order, which must be time order within a thread for them.
        if (e.ph === 'B') track(e).stack.push(e.name);
        else if (track(e).stack.pop() === undefined) problems.push(`${at}: E without B`);
        break;
      case 'i':
      case 'I':
        if (e.s !== undefined && !['g', 'p', 't'].includes(e.s)) problems.push(`${at}: scope ${e.s}`);
        break;
      case 'C':
        if (!e.args || Object.keys(e.args).length === 0) problems.push(`${at}: counter without args`);
        for (const [k, v] of Object.entries(e.args ?? {}))
          if (typeof v !== 'number' || !Number.isFinite(v)) problems.push(`${at}: counter ${k} = ${v}`);
        break;
      case 's':
      case 'f': {
        if (e.id === undefined || typeof e.cat !== 'string') problems.push(`${at}: flow without id/cat`);
        const key = `${e.cat}/${e.name}/${e.id}`;
        if (e.ph === 's') {
          if (flowStarts.has(key)) problems.push(`${at}: flow id ${e.id} started twice`);
          flowStarts.set(key, e);
        } else flowEnds.push(e);
        break;
      }
      default:
        problems.push(`${at}: phase not used by this checker`);
    }
  });
  for (const [key, t] of threads) {
    if (t.stack.length > 0) problems.push(`thread ${key}: ${t.stack.length} B without E`);
    t.slices.sort((a, b) => a.ts - b.ts || b.end - a.end);
    const open: { ts: number; end: number }[] = [];
    for (const s of t.slices) {
      while (open.length > 0 && open[open.length - 1]!.end <= s.ts + EPS) open.pop();
      const parent = open[open.length - 1];
      if (parent && s.end > parent.end + EPS)
        problems.push(`thread ${key}: slice at ${s.ts} overlaps its parent's end`);
      open.push(s);
    }
  }
  const inSlice = (e: AnyEvent) =>
    (threads.get(`${e.pid}/${e.tid}`)?.slices ?? []).some((s) => s.ts <= (e.ts ?? 0) && (e.ts ?? 0) <= s.end);
  const ended = new Set<string>();
  for (const f of flowEnds) {
    const key = `${f.cat}/${f.name}/${f.id}`;
    const s = flowStarts.get(key);
    if (!s) problems.push(`flow ${key}: f without s`);
    else if ((f.ts ?? 0) < (s.ts ?? 0)) problems.push(`flow ${key}: f before its s`);
    if (ended.has(key)) problems.push(`flow ${key}: ended twice`);
    ended.add(key);
    if (!inSlice(f) || (s && !inSlice(s)))
      problems.push(`flow ${key}: an end outside any slice of its thread`);
  }
  for (const key of flowStarts.keys()) if (!ended.has(key)) problems.push(`flow ${key}: s without f`);
  for (const pid of used.process)
    if (!named.process.has(pid)) problems.push(`process ${pid} has no process_name`);
  for (const t of used.thread) if (!named.thread.has(t)) problems.push(`thread ${t} has no thread_name`);
  return problems;
}
