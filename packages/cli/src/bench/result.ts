/** How messages flow in a case: a stream one way, or request/response round trips. */
export type Mode = 'one-way' | 'ping-pong';
/** How the receiver waits: busy polling, or sleeping on the doorbell. */
export type Wait = 'spin' | 'sleep';
/** The channel measured (docs/cli.md). */
export type BenchTransport = 'rpmsg' | 'postMessage' | 'sab-raw';

/** One row of `rpmsg bench --json`'s `results` (docs/cli.md: outside tools read these keys). */
export interface BenchResult {
  readonly transport: BenchTransport;
  readonly mode: Mode;
  readonly payload: number;
  readonly msgsPerSec: number;
  readonly mbPerSec: number;
  readonly rttMedianUs: number | null;
  readonly rttP99Us: number | null;
  readonly wait: Wait;
  /** Extra label for variants of one transport (e.g. `zero-copy`); absent for the plain case. */
  readonly variant?: string;
}

/** Turns raw counts and times into a result row. */
export function summarize(input: {
  transport: BenchTransport;
  mode: Mode;
  wait: Wait;
  payload: number;
  total: number;
  elapsedNs: number;
  rttNs?: Float64Array | undefined;
  variant?: string;
}): BenchResult {
  const seconds = input.elapsedNs / 1e9;
  const msgsPerSec = input.total / seconds;
  const rtt = input.rttNs ? percentiles(input.rttNs) : undefined;
  return {
    transport: input.transport,
    mode: input.mode,
    payload: input.payload,
    msgsPerSec: Math.round(msgsPerSec),
    mbPerSec: round((msgsPerSec * input.payload) / 1e6, 2),
    rttMedianUs: rtt ? round(rtt.median / 1000, 3) : null,
    rttP99Us: rtt ? round(rtt.p99 / 1000, 3) : null,
    wait: input.wait,
    ...(input.variant ? { variant: input.variant } : {}),
  };
}

/** Median and 99th percentile of a sample (sorted copy; nearest-rank). */
export function percentiles(sample: Float64Array): { median: number; p99: number } {
  if (sample.length === 0) return { median: Number.NaN, p99: Number.NaN };
  const sorted = Float64Array.from(sample).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { median: at(0.5), p99: at(0.99) };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
