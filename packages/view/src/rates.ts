import type { ViewEndpointCounters, ViewStats } from './source.js';

/** One endpoint in a frame: its counters, current rates and a short rate history for a sparkline. */
export interface ChannelFrame {
  core: 'master' | 'remote';
  addr: number;
  name: string | null;
  dst: number | null;
  sent: number;
  received: number;
  dropped: number;
  bytesSent: number;
  bytesReceived: number;
  /** Messages per second since the previous sample. */
  sentRate: number;
  receivedRate: number;
  /** The last {@link RateHistoryOptions.samples} rates, oldest first. */
  sentHistory: number[];
  receivedHistory: number[];
}

/** Bounds of a {@link RateHistory}. */
export interface RateHistoryOptions {
  /** Rate samples kept per endpoint (default 60). */
  samples?: number;
  /** Endpoints kept per core (default 64): a firmware opening endpoints in a loop cannot grow a frame without bound. */
  endpoints?: number;
}

interface Track {
  sent: number;
  received: number;
  t: number;
  sentHistory: number[];
  receivedHistory: number[];
}

/** Turns successive counter readings into rates and bounded histories, per core and endpoint. */
export class RateHistory {
  readonly #samples: number;
  readonly #endpoints: number;
  #tracks = new Map<string, Track>();

  constructor(options: RateHistoryOptions = {}) {
    this.#samples = options.samples ?? 60;
    this.#endpoints = options.endpoints ?? 64;
  }

  /** Folds in one reading taken at `t` (ms) and returns the channels for a frame. */
  update(stats: ViewStats, t: number): ChannelFrame[] {
    const out: ChannelFrame[] = [];
    const next = new Map<string, Track>();
    for (const core of ['master', 'remote'] as const) {
      for (const e of (stats[core]?.endpoints ?? []).slice(0, this.#endpoints)) {
        const key = `${core}:${e.addr}`;
        const track = this.#advance(this.#tracks.get(key), e, t);
        next.set(key, track);
        out.push(channel(core, e, track));
      }
    }
    // Endpoints that went away are forgotten, so the map is bounded by the latest reading.
    this.#tracks = next;
    return out;
  }

  #advance(prev: Track | undefined, e: ViewEndpointCounters, t: number): Track {
    const sent = e.sent ?? 0;
    const received = e.received ?? 0;
    if (!prev) return { sent, received, t, sentHistory: [0], receivedHistory: [0] };
    const dt = (t - prev.t) / 1000;
    // A restarted core starts its counters again from 0: no negative rate.
    const rate = (now: number, before: number) => (dt > 0 ? Math.max(0, now - before) / dt : 0);
    const push = (h: number[], v: number) => [...h.slice(-(this.#samples - 1)), Math.round(v * 10) / 10];
    return {
      sent,
      received,
      t,
      sentHistory: push(prev.sentHistory, rate(sent, prev.sent)),
      receivedHistory: push(prev.receivedHistory, rate(received, prev.received)),
    };
  }
}

function channel(core: 'master' | 'remote', e: ViewEndpointCounters, track: Track): ChannelFrame {
  return {
    core,
    addr: e.addr,
    name: e.name ?? null,
    dst: e.dst ?? null,
    sent: e.sent ?? 0,
    received: e.received ?? 0,
    dropped: e.dropped ?? 0,
    bytesSent: e.bytesSent ?? 0,
    bytesReceived: e.bytesReceived ?? 0,
    sentRate: track.sentHistory.at(-1) ?? 0,
    receivedRate: track.receivedHistory.at(-1) ?? 0,
    sentHistory: track.sentHistory,
    receivedHistory: track.receivedHistory,
  };
}
