import { RpmsgError } from '@rpmsg/core';
import type { TraceEvent, TraceSource } from './trace.js';
import { TraceCounters } from './trace-counters.js';

/**
 * One event of the Trace Event Format (the JSON that ui.perfetto.dev and chrome://tracing open):
 * `ph` is the phase — `X` complete slice, `i` instant, `C` counter, `s` / `f` flow start / end,
 * `M` metadata. `ts` and `dur` are microseconds.
 */
export interface TraceEventFormatEvent {
  name: string;
  ph: 'X' | 'i' | 'C' | 's' | 'f' | 'M';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  /** Instant scope: `g` global (a marker across all tracks), `t` thread. */
  s?: 'g' | 't';
  /** Flow id: an `s` and the `f` with the same `id`, `cat` and `name` are one arrow. */
  id?: number;
  /** Flow end binding: `e` binds to the enclosing slice (not the next one). */
  bp?: 'e';
  args?: Record<string, unknown>;
}

/** A whole trace in the Trace Event Format's object form. */
export interface PerfettoTrace {
  traceEvents: TraceEventFormatEvent[];
  displayTimeUnit: 'ms';
  otherData: {
    /** Epoch milliseconds of `ts` 0. */
    clockOrigin: number;
    /** Messages whose send and receive were both traced and joined by an arrow. */
    flows: number;
    /** Traced sends or receives left without their other half (cut by `last`, a crash, a reset). */
    unmatched: number;
  };
}

/** Options of {@link convertTrace}. */
export interface ConvertTraceOptions {
  /** The process id of the SoC (default 1). */
  pid?: number;
  /** Its name on the timeline (default `rpmsg SoC`). */
  processName?: string;
  /** Width of the windows the per-endpoint message rates are counted over (ms, default 10). */
  rateWindowMs?: number;
}

/** One thread track per part of the SoC, in this order. */
const TID: Record<TraceSource, number> = { master: 1, remote: 2, soc: 3 };
/** What a message slice lasts (µs): long enough to hold its arrow end, short beside any pass. */
const MESSAGE_US = 1;
/** Lifecycle events after which no message in flight is received any more: the rings start again. */
const RESETS = new Set(['boot', 'crash', 'restart', 'master-restart', 'link-down', 'link-up']);

type Slice = TraceEventFormatEvent & { ts: number; dur: number };
interface Sent {
  slice: Slice;
  slot: number;
  core: TraceSource;
  link: string | undefined;
}

/**
 * Turns an rpmsg trace — `TraceEvent`s, or their JSON lines as `trace: { file }` writes them — into
 * the Trace Event Format: one process, a thread track per core (master, remote, soc); slices for
 * pump passes (the kick handling, the ISR, nested at their start), sleeps on the doorbell and
 * messages; an arrow from each send to its receive, matched by vring, ring position (`seq`) and
 * buffer slot; counters for ring occupancy, free TX buffers and per-endpoint rates; kicks and NS
 * announcements as instants; lifecycle as global markers. Timestamps are µs from the first event,
 * on the one clock every thread traces with.
 *
 * @throws {RpmsgError} `ERR_RPMSG_TRACE` when a line of `input` is not JSON (its line number named)
 */
export function convertTrace(
  input: Iterable<TraceEvent> | string,
  options: ConvertTraceOptions = {},
): PerfettoTrace {
  const pid = options.pid ?? 1;
  const events = [...(typeof input === 'string' ? parseLines(input) : input)];
  // Stable: events of one thread keep their order when two share a timestamp.
  events.sort((a, b) => a.t - b.t);
  const origin = events.length > 0 ? Math.floor(events[0]!.t) : 0;
  const us = (t: number) => Math.round((t - origin) * 1e6) / 1e3; // ns resolution
  const slices: Slice[] = [];
  const instants: TraceEventFormatEvent[] = [];
  // A several-remote trace tags each link's events: a track per core and link, arrows within a link.
  const links = [...new Set(events.map((e) => e.link).filter((l): l is string => l !== undefined))];
  const counters = new TraceCounters(options.rateWindowMs ?? 10, links);
  const tracks = new Tracks(links);
  const sent = new Map<string, Sent>();
  const flows: [Slice, Slice][] = [];
  let unmatched = 0;
  const slice = (e: Tracked, name: string, cat: string, ts: number, dur: number, args?: object) => {
    const s: Slice = {
      name,
      cat,
      ph: 'X',
      pid,
      tid: tracks.tid(e),
      ts,
      dur: Math.max(0, Math.round(dur * 1e3) / 1e3),
    };
    if (args) s.args = { ...args };
    slices.push(s);
    return s;
  };
  const instant = (e: Tracked, name: string, cat: string, ts: number, args: object, s: 'g' | 't') =>
    instants.push({ name, cat, ph: 'i', s, pid, tid: tracks.tid(e), ts, args: { ...args } });

  for (const e of events) {
    const ts = us(e.t);
    switch (e.type) {
      case 'kick':
        instant(e, `kick ${e.dir} vq${e.vring}`, 'kick', ts, { notifyId: e.notifyId }, 't');
        break;
      case 'ns':
        instant(e, `ns ${e.event} ${e.name}`, 'ns', ts, { name: e.name, addr: e.addr }, 't');
        break;
      case 'log':
        instant({ core: e.from, link: e.link }, 'log', 'log', ts, { line: e.line }, 't');
        break;
      case 'lifecycle':
        {
          const args: { detail?: string; link?: string } = {};
          if (e.detail !== undefined) args.detail = e.detail;
          if (e.link !== undefined) args.link = e.link;
          // A global marker shows only its name: a several-remote trace's names the remote.
          const name = e.link !== undefined && e.core === 'soc' ? `${e.event} ${e.link}` : e.event;
          instant(e, name, 'lifecycle', ts, args, 'g');
        }
        if (RESETS.has(e.event)) {
          // A link's reset ends its messages in flight — a remote's crash or restart those of its
          // M-core links too —; an untagged one (the SoC's) every link's.
          const hit = (link: string | undefined) =>
            e.link === undefined || (link !== undefined && touches(link, e.link, e.core));
          for (const [key, s] of sent) {
            if (!hit(s.link)) continue;
            sent.delete(key);
            unmatched++;
          }
          if (e.link === undefined) counters.ringsReset(ts, links.length === 0 ? '' : undefined);
          else for (const link of links) if (hit(link)) counters.ringsReset(ts, link);
        }
        break;
      case 'pass': {
        const args = { kicks: e.kicks, delivered: e.delivered, free: e.free };
        slice(e, 'pass', 'pump', ts, us(e.t + e.dur) - ts, args);
        if (e.kicks > 0) slice(e, 'isr', 'pump', ts, us(e.t + e.isr) - ts, { kicks: e.kicks });
        counters.txFree(tracks.name(e), ts, e.free);
        break;
      }
      case 'sleep':
        slice(e, 'sleep', 'pump', ts, us(e.t + e.dur) - ts);
        break;
      case 'message': {
        const { dir, src, dst, len, payload, vring, slot, seq } = e;
        const s = slice(e, `${dir} ${src}→${dst}`, 'message', ts, MESSAGE_US, {
          src,
          dst,
          len,
          payload,
          vring,
          slot,
          seq,
        });
        // Messages of an older trace format carry no ring position: no arrow, still a slice.
        if (seq === undefined) break;
        const link = e.link ?? '';
        const key = `${link}:${vring}:${seq}`;
        counters.message(tracks.name(e), dir === 'tx' ? src : dst, e.t);
        if (dir === 'tx') {
          if (sent.has(key)) unmatched++; // a send never received: a reset the trace did not see
          sent.set(key, { slice: s, slot, core: e.core, link: e.link });
          counters.inFlight(link, vring, ts, 1);
          if (e.free !== undefined) counters.txFree(tracks.name(e), ts, e.free);
        } else {
          const from = sent.get(key);
          if (from && from.slot === slot && from.core !== e.core) {
            sent.delete(key);
            flows.push([from.slice, s]);
            counters.inFlight(link, vring, ts, -1);
          } else unmatched++; // its send came before the trace's window (`last`) or a reset
        }
        break;
      }
    }
  }
  nestSlices(slices);
  // concat, not push(...): a spread of 100,000 events overflows the stack.
  const traceEvents = metadata(pid, options.processName ?? 'rpmsg SoC', tracks).concat(slices, instants);
  let id = 0;
  for (const [tx, rx] of flows) {
    // Strictly inside both slices, so each end binds to its message whatever the sort order of equal ts.
    const start = tx.ts + tx.dur / 2;
    const end = rx.ts + rx.dur / 2;
    if (end < start) {
      unmatched += 2; // clocks of two threads disagree by more than a message slice: no arrow
      continue;
    }
    id++;
    const common = { name: 'message', cat: 'flow', pid, id };
    traceEvents.push({ ...common, ph: 's', tid: tx.tid, ts: start });
    traceEvents.push({ ...common, ph: 'f', bp: 'e', tid: rx.tid, ts: end });
  }
  return {
    traceEvents: traceEvents.concat(counters.events(pid, us)),
    displayTimeUnit: 'ms',
    otherData: { clockOrigin: origin, flows: id, unmatched: unmatched + sent.size },
  };
}

/** JSON lines to events; blank lines are skipped. */
function* parseLines(text: string): Generator<TraceEvent> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    try {
      yield JSON.parse(line) as TraceEvent;
    } catch (error) {
      throw new RpmsgError(
        'ERR_RPMSG_TRACE',
        `trace line ${i + 1} is not JSON: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
}

/**
 * Whether a lifecycle event of `tag` (from `core`) resets link `link`: its own, and — for the SoC's
 * events about a remote (crash, restart, up) — the M-core links that remote is an end of.
 */
function touches(link: string, tag: string, core: TraceSource): boolean {
  if (link === tag) return true;
  return core === 'soc' && !tag.includes(':') && link.split(':').includes(tag);
}

/** The process and its thread tracks, named and in a fixed order. */
function metadata(pid: number, name: string, tracks: Tracks): TraceEventFormatEvent[] {
  const out: TraceEventFormatEvent[] = [{ name: 'process_name', ph: 'M', pid, tid: 0, args: { name } }];
  for (const [track, tid] of tracks.all()) {
    out.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name: track } });
    out.push({ name: 'thread_sort_index', ph: 'M', pid, tid, args: { sort_index: tid } });
  }
  return out;
}

/** What places an event on a track: its core, and its link in a several-remote trace. */
interface Tracked {
  core: TraceSource;
  link?: string;
}

/**
 * The thread tracks: master, remote, soc (tids 1–3) for a one-link trace; with links, the soc track
 * and, per link in order of appearance, its master's and its remote's (`master → m4-0`,
 * `m4-0`; `m7 → m4` and `m4 (m7:m4)` for an M-core↔M-core link).
 */
class Tracks {
  readonly #tids = new Map<string, number>();

  constructor(links: readonly string[]) {
    if (links.length === 0) {
      for (const [core, tid] of Object.entries(TID)) this.#tids.set(core, tid);
      return;
    }
    this.#tids.set('soc', TID.soc);
    let tid = TID.soc;
    for (const link of links) {
      this.#tids.set(this.name({ core: 'master', link }), ++tid);
      this.#tids.set(this.name({ core: 'remote', link }), ++tid);
    }
  }

  /** The track's name. */
  name(e: Tracked): string {
    if (e.link === undefined || e.core === 'soc') return e.core;
    const [master, remote] = e.link.includes(':') ? e.link.split(':') : ['master', e.link];
    if (e.core === 'master') return `${master} → ${remote}`;
    return e.link.includes(':') ? `${remote} (${e.link})` : (remote as string);
  }

  tid(e: Tracked): number {
    return this.#tids.get(this.name(e)) ?? TID[e.core];
  }

  all(): IterableIterator<[string, number]> {
    return this.#tids.entries();
  }
}

/**
 * Makes each track's slices nest (a viewer drops a slice that overlaps its parent's end): a message
 * slice that would outlast the pass it happened in is cut at the pass's end. Slices of one thread
 * come from one sequential thread, so only these fixed-length ones can overlap.
 */
function nestSlices(slices: Slice[]): void {
  slices.sort((a, b) => a.tid - b.tid || a.ts - b.ts || b.dur - a.dur);
  const open: Slice[] = [];
  let tid = -1;
  for (const s of slices) {
    if (s.tid !== tid) {
      open.length = 0;
      tid = s.tid;
    }
    while (open.length > 0 && end(open[open.length - 1]!) <= s.ts) open.pop();
    const parent = open[open.length - 1];
    if (parent && end(s) > end(parent)) s.dur = Math.round((end(parent) - s.ts) * 1e3) / 1e3;
    open.push(s);
  }
}

function end(s: Slice): number {
  return s.ts + s.dur;
}
