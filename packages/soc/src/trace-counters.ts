import type { TraceEventFormatEvent } from './trace-perfetto.js';

/** A counter event (`ph: 'C'`): each numeric arg is one series of the counter `name`. */
export type CounterSample = TraceEventFormatEvent & { ph: 'C'; ts: number; args: Record<string, number> };

/**
 * The counters of a converted trace: ring occupancy (messages published on each vring and not yet
 * received), free TX buffers per core, and per-endpoint message rates over fixed windows. Counters
 * belong to the process in the format; they sit on the soc track's thread id.
 */
export class TraceCounters {
  readonly #windowMs: number;
  readonly #samples: { name: string; ts: number; args: Record<string, number> }[] = [];
  /** Per vring (`vq0`, or `m4-0 vq0` in a several-remote trace): messages in flight. */
  readonly #inFlight: Record<string, number> = {};
  readonly #free: Record<string, number> = {};
  /** Per `core endpoint`: messages per window index (window = floor(t / windowMs)). */
  readonly #rates = new Map<string, Map<number, number>>();

  /** `links`: the trace's link names (several remotes), or none: one link, series `vq0`, `vq1`. */
  constructor(windowMs: number, links: readonly string[] = []) {
    this.#windowMs = windowMs;
    if (links.length === 0) links = [''];
    for (const link of links) {
      this.#inFlight[vringSeries(link, 0)] = 0;
      this.#inFlight[vringSeries(link, 1)] = 0;
    }
  }

  /** A message was published (+1) or received (−1) on `vring` of `link` ('' for a one-link trace). */
  inFlight(link: string, vring: 0 | 1, ts: number, delta: 1 | -1): void {
    const series = vringSeries(link, vring);
    this.#inFlight[series] = (this.#inFlight[series] ?? 0) + delta;
    this.#samples.push({ name: 'ring occupancy', ts, args: { ...this.#inFlight } });
  }

  /** `link` was reset ('' for a one-link trace; `undefined`: every link): nothing is in flight there. */
  ringsReset(ts: number, link?: string): void {
    for (const series of Object.keys(this.#inFlight)) {
      if (link === undefined || series === vringSeries(link, 0) || series === vringSeries(link, 1)) {
        this.#inFlight[series] = 0;
      }
    }
    this.#samples.push({ name: 'ring occupancy', ts, args: { ...this.#inFlight } });
  }

  /** `core` (its track's name) had `free` TX buffers at `ts`. */
  txFree(core: string, ts: number, free: number): void {
    if (this.#free[core] === free) return;
    this.#free[core] = free;
    this.#samples.push({ name: 'tx free', ts, args: { ...this.#free } });
  }

  /** `core`'s (its track's name) endpoint `addr` sent or received a message at `t` (epoch ms). */
  message(core: string, addr: number, t: number): void {
    const key = `${core} ept ${addr}`;
    let windows = this.#rates.get(key);
    if (!windows) {
      windows = new Map();
      this.#rates.set(key, windows);
    }
    const w = Math.floor(t / this.#windowMs);
    windows.set(w, (windows.get(w) ?? 0) + 1);
  }

  /** Every sample as a counter event; `us` turns epoch ms into the trace's µs. */
  events(pid: number, us: (t: number) => number): CounterSample[] {
    const tid = 3; // the soc track: counters are the process's, not a core's
    const out: CounterSample[] = this.#samples.map((s) => ({ ...s, ph: 'C', pid, tid }));
    const perSecond = 1000 / this.#windowMs;
    for (const [key, windows] of this.#rates) {
      const name = `rate ${key}`;
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      for (const w of windows.keys()) {
        if (w < first) first = w;
        if (w > last) last = w;
      }
      // Every window from the first to one past the last: a quiet window reads 0, not the last rate.
      for (let w = first; w <= last + 1; w++) {
        const rate = (windows.get(w) ?? 0) * perSecond;
        out.push({
          name,
          ph: 'C',
          pid,
          tid,
          ts: Math.max(0, us(w * this.#windowMs)),
          args: { 'msg/s': rate },
        });
      }
    }
    return out;
  }
}

/** The occupancy series of `vring` of `link`: `vq0`, or `m4-0 vq0` in a several-remote trace. */
function vringSeries(link: string, vring: 0 | 1): string {
  return link === '' ? `vq${vring}` : `${link} vq${vring}`;
}
