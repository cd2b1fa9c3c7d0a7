import { EventEmitter } from 'node:events';
import type { ViewEndpointCounters, ViewListener, ViewSnapshot, ViewSource, ViewStats } from './source.js';

/** Options of {@link replaySource}. */
export interface ReplayOptions {
  /** A still picture of the shared memory: an image and its layout JSON, as `rpmsg inspect` reads. */
  snapshot?: ViewSnapshot;
  /** A trace as @rpmsg/soc writes it (`trace: { file }`): JSON lines, one event each. */
  trace?: string;
  /** Replay speed: 2 plays twice as fast (default 1). */
  speed?: number;
  /** Start playing at once (default true); false leaves the clock to {@link ReplaySource.advance}. */
  autoplay?: boolean;
}

interface TraceLine {
  t: number;
  core: string;
  type: string;
  dir?: string;
  src?: number;
  dst?: number;
  len?: number;
  event?: string;
  detail?: string;
  name?: string;
  addr?: number;
}

interface Counters extends ViewEndpointCounters {
  name: string | undefined;
  dst: number;
  sent: number;
  received: number;
  dropped: number;
  bytesSent: number;
  bytesReceived: number;
}

/**
 * A {@link ViewSource} for what is left after a run: a still image, and a trace replayed on the
 * trace's own clock — lifecycle events are emitted (`crash` / `restart` / `stop` as such, every one as
 * `trace`) and per-endpoint message counters grow as the messages go by. State: `replaying`, then
 * `ended`. Lines that are not JSON trace events are skipped and counted in `skippedLines`.
 */
export class ReplaySource extends EventEmitter implements ViewSource {
  /** Trace lines that could not be read. */
  readonly skippedLines: number;
  readonly #snapshot: ViewSnapshot | undefined;
  readonly #events: TraceLine[];
  readonly #speed: number;
  readonly #names = new Map<number, string>();
  readonly #counters = { master: new Map<number, Counters>(), remote: new Map<number, Counters>() };
  #next = 0;
  #elapsed = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ReplayOptions = {}) {
    super();
    this.#snapshot = options.snapshot;
    this.#speed = options.speed ?? 1;
    if (!(this.#speed > 0)) throw new RangeError(`options.speed must be positive, got ${options.speed}`);
    const { events, skipped } = parseTrace(options.trace ?? '');
    this.#events = events;
    this.skippedLines = skipped;
    if (options.autoplay !== false) this.#schedule();
  }

  get state(): string {
    return this.#next < this.#events.length ? 'replaying' : 'ended';
  }

  snapshot(): ViewSnapshot | undefined {
    return this.#snapshot;
  }

  async stats(): Promise<ViewStats> {
    const list = (m: Map<number, Counters>) => ({ endpoints: [...m.values()].map((c) => ({ ...c })) });
    return { master: list(this.#counters.master), remote: list(this.#counters.remote) };
  }

  /** Plays the trace up to `ms` milliseconds after its first event (trace time). */
  advance(ms: number): void {
    this.#elapsed = Math.max(this.#elapsed, ms);
    const t0 = this.#events[0]?.t ?? 0;
    while (this.#next < this.#events.length && this.#events[this.#next]!.t - t0 <= this.#elapsed) {
      this.#apply(this.#events[this.#next++]!);
    }
  }

  /** Stops playing. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  override on(event: string | symbol, listener: ViewListener | ((...args: unknown[]) => void)): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override off(event: string | symbol, listener: ViewListener | ((...args: unknown[]) => void)): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }

  #schedule(): void {
    const event = this.#events[this.#next];
    if (!event) return;
    const t0 = this.#events[0]!.t;
    const wait = Math.max(0, (event.t - t0 - this.#elapsed) / this.#speed);
    this.#timer = setTimeout(
      () => {
        this.advance(event.t - t0);
        this.#schedule();
      },
      Math.min(wait, 2 ** 31 - 1),
    );
    this.#timer.unref();
  }

  #apply(e: TraceLine): void {
    this.emit('trace', e);
    if (e.type === 'lifecycle' && (e.event === 'crash' || e.event === 'restart' || e.event === 'stop')) {
      this.emit(e.event, ...(e.event === 'crash' ? [new Error(e.detail ?? 'crash')] : []));
    } else if (e.type === 'ns' && typeof e.addr === 'number' && typeof e.name === 'string') {
      this.#names.set(e.addr, e.name);
    } else if (e.type === 'message' && (e.core === 'master' || e.core === 'remote')) {
      const tx = e.dir === 'tx';
      const addr = tx ? e.src : e.dst;
      if (typeof addr !== 'number') return;
      const map = this.#counters[e.core];
      let c = map.get(addr);
      if (!c) {
        // Bounded like a frame: a trace naming endless addresses cannot grow this without limit.
        if (map.size >= 256) return;
        c = {
          addr,
          name: undefined,
          dst: 0,
          sent: 0,
          received: 0,
          dropped: 0,
          bytesSent: 0,
          bytesReceived: 0,
        };
        map.set(addr, c);
      }
      const len = typeof e.len === 'number' ? e.len : 0;
      if (tx) {
        c.sent++;
        c.bytesSent += len;
        if (typeof e.dst === 'number') c.dst = e.dst;
      } else {
        c.received++;
        c.bytesReceived += len;
      }
      c.name = this.#names.get(addr) ?? this.#names.get(c.dst);
    }
  }
}

/** Creates a {@link ReplaySource}. */
export function replaySource(options: ReplayOptions = {}): ReplaySource {
  return new ReplaySource(options);
}

function parseTrace(text: string): { events: TraceLine[]; skipped: number } {
  const events: TraceLine[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as Partial<TraceLine> | null;
      if (e && typeof e.t === 'number' && Number.isFinite(e.t) && typeof e.type === 'string') {
        events.push({ core: '', ...e } as TraceLine);
      } else skipped++;
    } catch {
      skipped++;
    }
  }
  // Batches from two threads interleave in the file; play them in time order.
  events.sort((a, b) => a.t - b.t);
  return { events, skipped };
}
