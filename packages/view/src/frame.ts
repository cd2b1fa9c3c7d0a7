import { parseLayoutJson } from '@rpmsg/core';
import { type ChannelFrame, RateHistory } from './rates.js';
import { type RingModel, ringModel } from './ring-model.js';
import type { ViewListener, ViewSource, ViewStats } from './source.js';
import { renderSvg } from './svg.js';

/** A lifecycle event the view saw (boot, crash, restart, stop, or a traced `lifecycle` event). */
export interface ViewEvent {
  /** Milliseconds since the epoch. */
  t: number;
  event: string;
  detail?: string;
}

/** The parts of the layout the page shows. */
export interface LayoutSummary {
  profile: string;
  base: string;
  size: number;
  bufferSize: number;
  eventIdx: boolean;
  vrings: { name: string; da: string; num: number; align: number; direction: string }[];
}

/** One picture of the source: what `/frame` returns and `/events` pushes. */
export interface Frame {
  /** Counts frames built, from 1. */
  seq: number;
  /** When it was built (ms since the epoch). */
  t: number;
  /** The source's `state`, or null when it has none. */
  state: string | null;
  layout: LayoutSummary | null;
  rings: RingModel | null;
  /** {@link renderSvg} of `rings`. */
  svg: string | null;
  channels: ChannelFrame[];
  /** The last lifecycle events, oldest first. */
  events: ViewEvent[];
  /** Why there is no picture (a snapshot or layout that could not be read). */
  error: string | null;
}

/** Options of {@link FrameBuilder}. */
export interface FrameBuilderOptions {
  /** Lifecycle events kept (default 100). */
  maxEvents?: number;
  /** Clock (ms since the epoch); tests pass their own. */
  now?: () => number;
}

const LISTENED = ['crash', 'restart', 'stop', 'trace'] as const;
// These arrive as events of their own; their trace twins would list them twice.
const EMITTED = new Set<string>(LISTENED);

/** Builds frames from a source, remembering what rates and lifecycle need between frames. */
export class FrameBuilder {
  readonly #source: ViewSource;
  readonly #maxEvents: number;
  readonly #now: () => number;
  readonly #rates = new RateHistory();
  readonly #listeners = new Map<string, ViewListener>();
  #events: ViewEvent[] = [];
  #channels: ChannelFrame[] = [];
  #seq = 0;

  constructor(source: ViewSource, options: FrameBuilderOptions = {}) {
    this.#source = source;
    this.#maxEvents = options.maxEvents ?? 100;
    this.#now = options.now ?? Date.now;
    this.#record('boot', source.state);
    for (const name of LISTENED) {
      const listener = ((arg?: unknown) => this.#onSourceEvent(name, arg)) as ViewListener;
      this.#listeners.set(name, listener);
      source.on?.(name, listener);
    }
  }

  /** Takes a snapshot and the counters and builds the next frame. Never rejects. */
  async build(): Promise<Frame> {
    const t = this.#now();
    const frame: Frame = {
      seq: ++this.#seq,
      t,
      state: typeof this.#source.state === 'string' ? this.#source.state : null,
      layout: null,
      rings: null,
      svg: null,
      channels: this.#channels,
      events: this.#events,
      error: null,
    };
    try {
      const snapshot = this.#source.snapshot();
      if (snapshot) {
        frame.layout = summarize(snapshot.layout);
        frame.rings = ringModel(snapshot);
        frame.svg = renderSvg(frame.rings);
      }
    } catch (error) {
      frame.error = error instanceof Error ? error.message : String(error);
    }
    const stats = await this.#stats();
    // A source whose stats failed keeps its last counters rather than dropping its channels.
    if (stats) this.#channels = frame.channels = this.#rates.update(stats, t);
    return frame;
  }

  /** Stops listening to the source. */
  dispose(): void {
    for (const [name, listener] of this.#listeners)
      this.#source.off?.(name as (typeof LISTENED)[number], listener);
    this.#listeners.clear();
  }

  async #stats(): Promise<ViewStats | undefined> {
    if (!this.#source.stats) return undefined;
    try {
      return await this.#source.stats();
    } catch {
      return undefined;
    }
  }

  #onSourceEvent(name: string, arg: unknown): void {
    if (name === 'trace') {
      const e = arg as { type?: unknown; event?: unknown; detail?: unknown } | undefined;
      if (e?.type === 'lifecycle' && typeof e.event === 'string' && !EMITTED.has(e.event)) {
        this.#record(e.event, typeof e.detail === 'string' ? e.detail : undefined);
      }
      return;
    }
    this.#record(name, arg instanceof Error ? arg.message : undefined);
  }

  #record(event: string, detail: string | undefined): void {
    const e: ViewEvent = detail === undefined ? { t: this.#now(), event } : { t: this.#now(), event, detail };
    // A new array per event: a frame already sent keeps the list it was built with.
    this.#events = [...this.#events.slice(-(this.#maxEvents - 1)), e];
  }
}

function summarize(layoutJson: object): LayoutSummary {
  const l = parseLayoutJson(layoutJson);
  const hex = (n: number) => `0x${n.toString(16)}`;
  return {
    profile: l.profile,
    base: hex(l.base),
    size: l.size,
    bufferSize: l.bufferSize,
    eventIdx: l.eventIdx,
    vrings: l.vrings.map((v) => ({
      name: v.name,
      da: hex(v.da),
      num: v.num,
      align: v.align,
      direction: v.direction,
    })),
  };
}
