import { runBaseline } from '../bench/baselines.js';
import type { BenchResult } from '../bench/result.js';
import { type RingBenchResult, ringOpsSingleThread, ringTwoThreads } from '../bench/ring.js';
import { type RpmsgCase, runRpmsg } from '../bench/rpmsg.js';
import { runTtyBench } from '../bench/tty.js';
import type { SabRawShape } from '../workers/baseline-protocol.js';
import type { CommandIo } from './io.js';

/** Options of `rpmsg bench`. */
export interface BenchOptions {
  /** Print one JSON object as the last stdout line (the output contract in the README). */
  readonly json: boolean;
  /** Fewer messages and one round: a smoke run that finishes in seconds. */
  readonly quick: boolean;
}

/** One measurement the bench runs; cases are interleaved across rounds so drift hits all alike. */
interface BenchCase<R> {
  readonly label: string;
  run(): Promise<R> | R;
  /** The figure medians are taken over. */
  score(r: R): number;
}

/**
 * `rpmsg bench`: ring-level figures and the same-run baselines they are compared with. Every case
 * runs once per round, rounds interleave the cases, and each reported figure is the median round —
 * these machines drift by ±30 % between runs, so only same-run ratios mean anything. A ratio is
 * paired: per round, an rpmsg run over the baseline run right after it; the median of those.
 */
export async function bench(options: BenchOptions, io: CommandIo): Promise<number> {
  const rounds = options.quick ? 1 : 5;
  const oneWay = options.quick ? 20_000 : 1_000_000;
  const roundTrips = options.quick ? 1_000 : 10_000;
  // Moved untimed before every channel case (baselines alike): steady state, not JIT tier-up.
  const oneWayWarmup = options.quick ? 5_000 : 500_000;
  // Round trips need many more than messages: after 1,000 the timed window still held V8's tier-up
  // of the round-trip path (compile stalls of ~3.5 ms at p99.9, a p99 of ~10× the median); after
  // 20,000 some runs still had a slow round trip every ~13; after 50,000 the spinning p99 is 1.3–1.5×
  // the median, run after run. Spinning, 50,000 take ~0.1 s; sleeping ones take 35 µs each, and
  // 20,000 serve (the sleeping rows compare medians).
  const roundTripWarmups = { spin: options.quick ? 100 : 50_000, sleep: options.quick ? 100 : 20_000 };
  const ringCases: BenchCase<RingBenchResult>[] = [
    ...[1, 32].map((batch) => ({
      label: `virtio single-thread batch ${batch}`,
      run: () => ringOpsSingleThread(batch, oneWay * 4),
      score: (r: RingBenchResult) => r.buffersPerSec,
    })),
    ...[16, 496].map((payload) => ({
      label: `virtio two-thread one-way ${payload} B`,
      run: () => ringTwoThreads(payload, oneWay),
      score: (r: RingBenchResult) => r.buffersPerSec,
    })),
  ];
  // Each rpmsg case is followed at once by the baselines it is compared with, so a ratio's two
  // figures come from neighbouring runs: the drift of these machines (phases of seconds in which
  // everything runs at half speed) hits both or neither more often than with the baselines later.
  const oneWayCase =
    (payload: number, extra: Partial<RpmsgCase> = {}) =>
    () =>
      runRpmsg({ mode: 'one-way', wait: 'spin', payload, total: oneWay, warmup: oneWayWarmup, ...extra });
  const baseline = (transport: 'postMessage' | 'sab-raw', payload: number, shape?: SabRawShape) =>
    row(`${transport}${shape === 'rpmsg' ? '/rpmsg-layout' : ''} one-way ${payload} B`, () =>
      runBaseline({
        transport,
        mode: 'one-way',
        wait: 'spin',
        payload,
        total: oneWay,
        warmup: oneWayWarmup,
        ...(shape ? { shape } : {}),
      }),
    );
  const rowCases: BenchCase<BenchResult>[] = [
    // RPMsg between the simulated A-core and M-core (two workers, the whole stack).
    row('rpmsg one-way 16 B', oneWayCase(16)),
    baseline('postMessage', 16),
    baseline('sab-raw', 16),
    // The same bare ring with RPMsg's layout: what the machine allows one 512-byte buffer per message.
    baseline('sab-raw', 16, 'rpmsg'),
    row('rpmsg one-way 256 B', oneWayCase(256)),
    row('rpmsg one-way 496 B', oneWayCase(496)),
    baseline('postMessage', 496),
    baseline('sab-raw', 496),
    row('rpmsg one-way 16 B queue', oneWayCase(16, { receiver: 'queue' })),
    row('rpmsg one-way 496 B zero-copy', oneWayCase(496, { zeroCopy: true })),
    // The same firmware in C (WebAssembly, RPMsg-Lite API mode), next to the JavaScript one.
    row('rpmsg one-way 16 B, C firmware', oneWayCase(16, { firmware: 'c' })),
    row('rpmsg one-way 496 B, C firmware', oneWayCase(496, { firmware: 'c' })),
  ];
  for (const wait of ['spin', 'sleep'] as const) {
    rowCases.push(
      row(`rpmsg ping-pong ${wait}`, () =>
        runRpmsg({ mode: 'ping-pong', wait, payload: 16, total: roundTrips, warmup: roundTripWarmups[wait] }),
      ),
      row(`rpmsg ping-pong ${wait}, C firmware`, () =>
        runRpmsg({
          mode: 'ping-pong',
          wait,
          payload: 16,
          total: roundTrips,
          warmup: roundTripWarmups[wait],
          firmware: 'c',
        }),
      ),
      row(`sab-raw ping-pong ${wait}`, () =>
        runBaseline({
          transport: 'sab-raw',
          mode: 'ping-pong',
          wait,
          payload: 16,
          total: roundTrips,
          warmup: roundTripWarmups[wait],
        }),
      ),
    );
  }
  rowCases.push(
    row('postMessage ping-pong', () =>
      runBaseline({
        transport: 'postMessage',
        mode: 'ping-pong',
        wait: 'sleep',
        payload: 16,
        total: roundTrips,
        warmup: roundTripWarmups.sleep,
      }),
    ),
    row('rpmsg tty stream', () => runTtyBench(options.quick ? 1 << 20 : 8 << 20)),
  );

  const progress = io.progress;
  const total = rounds * (ringCases.length + rowCases.length);
  let step = 0;
  const ringSamples = ringCases.map(() => [] as RingBenchResult[]);
  const rowSamples = rowCases.map(() => [] as BenchResult[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, c] of ringCases.entries()) {
      progress(`[${++step}/${total}] round ${round + 1}: ${c.label}`);
      ringSamples[i]!.push(await c.run());
    }
    for (const [i, c] of rowCases.entries()) {
      progress(`[${++step}/${total}] round ${round + 1}: ${c.label}`);
      rowSamples[i]!.push(await c.run());
    }
  }
  progress('');
  const ring = ringSamples.map((s, i) => median(s, ringCases[i]!.score));
  const results = rowSamples.map((s, i) => median(s, rowCases[i]!.score));
  // Paired: each round's ratio from that round's two runs, then the median round's ratio.
  const perRound = Array.from({ length: rounds }, (_, r) =>
    roundRatios(
      ringSamples.map((s) => s[r]!),
      rowSamples.map((s) => s[r]!),
    ),
  );
  const ratios = medianRatios(perRound);
  for (const key of Object.keys(ratios)) ratios[key] = round2(ratios[key]!);

  io.out(formatTable(ring, results, ratios));
  if (options.json) io.out(JSON.stringify({ results, ring, ratios }));
  return 0;
}

/**
 * Paired ratios: for each key, the median of the rounds' ratios (a key missing from some round is
 * taken over the rounds that have it).
 */
export function medianRatios(perRound: readonly Record<string, number>[]): Record<string, number> {
  const keys = new Set(perRound.flatMap((p) => Object.keys(p)));
  const ratios: Record<string, number> = {};
  for (const key of keys) {
    const values = perRound.map((p) => p[key]).filter((v): v is number => v !== undefined);
    ratios[key] = median(values, (x) => x);
  }
  return ratios;
}

function row(label: string, run: () => Promise<BenchResult>): BenchCase<BenchResult> {
  return {
    label,
    run,
    score: (r) => (r.rttMedianUs === null ? r.msgsPerSec : -r.rttMedianUs),
  };
}

/** The sample whose score is the median (so the reported row is one real measurement). */
function median<R>(samples: R[], score: (r: R) => number): R {
  const sorted = [...samples].sort((a, b) => score(a) - score(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** The same-run ratios of one round's runs, unrounded: rpmsg against its baselines, the ring against postMessage. */
function roundRatios(ring: RingBenchResult[], results: BenchResult[]): Record<string, number> {
  const ratios: Record<string, number> = {};
  for (const r of ring) {
    if (r.kind !== 'two-thread') continue;
    const pm = results.find(
      (b) => b.transport === 'postMessage' && b.mode === 'one-way' && b.payload === r.payload,
    );
    if (pm) ratios[`virtioOneWay${r.payload}VsPostMessage`] = r.buffersPerSec / pm.msgsPerSec;
  }
  const find = (t: string, mode: string, wait: string, payload: number, variant?: string) =>
    results.find(
      (b) =>
        b.transport === t &&
        b.mode === mode &&
        b.wait === wait &&
        b.payload === payload &&
        b.variant === variant,
    );
  for (const payload of [16, 496]) {
    const rp = find('rpmsg', 'one-way', 'spin', payload);
    const pm = find('postMessage', 'one-way', 'spin', payload);
    if (rp && pm) ratios[`rpmsgOneWay${payload}VsPostMessage`] = rp.msgsPerSec / pm.msgsPerSec;
  }
  // How close the whole stack comes to a bare ring with the same memory layout.
  const rp16 = find('rpmsg', 'one-way', 'spin', 16);
  const shaped = find('sab-raw', 'one-way', 'spin', 16, 'rpmsg-layout');
  if (rp16 && shaped) ratios.rpmsgOneWay16VsRpmsgLayout = rp16.msgsPerSec / shaped.msgsPerSec;
  for (const wait of ['spin', 'sleep'] as const) {
    const rp = find('rpmsg', 'ping-pong', wait, 16);
    const raw = find('sab-raw', 'ping-pong', wait, 16);
    if (rp?.rttMedianUs && raw?.rttMedianUs)
      ratios[`rpmsgRtt${wait === 'spin' ? 'Spin' : 'Sleep'}VsSabRaw`] = rp.rttMedianUs / raw.rttMedianUs;
  }
  const zc = find('rpmsg', 'one-way', 'spin', 496, 'zero-copy');
  const copy = find('rpmsg', 'one-way', 'spin', 496);
  if (zc && copy) ratios.rpmsgZeroCopyVsCopy496 = zc.msgsPerSec / copy.msgsPerSec;
  // The C firmware (WebAssembly, API mode) against the JavaScript one: rates, and round trips.
  for (const payload of [16, 496]) {
    const cRow = find('rpmsg', 'one-way', 'spin', payload, 'c');
    const js = find('rpmsg', 'one-way', 'spin', payload);
    if (cRow && js) ratios[`cFirmwareOneWay${payload}VsJs`] = cRow.msgsPerSec / js.msgsPerSec;
  }
  for (const wait of ['spin', 'sleep'] as const) {
    const cRow = find('rpmsg', 'ping-pong', wait, 16, 'c');
    const js = find('rpmsg', 'ping-pong', wait, 16);
    if (cRow?.rttMedianUs && js?.rttMedianUs)
      ratios[`cFirmwareRtt${wait === 'spin' ? 'Spin' : 'Sleep'}VsJs`] = cRow.rttMedianUs / js.rttMedianUs;
  }
  const queue = find('rpmsg', 'one-way', 'spin', 16, 'queue');
  const callback = find('rpmsg', 'one-way', 'spin', 16);
  if (queue && callback) ratios.rpmsgQueueVsCallback16 = queue.msgsPerSec / callback.msgsPerSec;
  return ratios;
}

/** Two decimals: enough to tell a 1.18× round trip from a 1.23× one against a 1.2× target. */
function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function formatTable(
  ring: RingBenchResult[],
  results: BenchResult[],
  ratios: Record<string, number>,
): string {
  const lines = ['virtio ring (buffers/s):'];
  for (const r of ring) {
    const what =
      r.kind === 'single-thread' ? `single-thread, batch ${r.batch}` : `two-thread one-way, ${r.payload} B`;
    lines.push(`  ${what.padEnd(34)} ${fmt(r.buffersPerSec).padStart(12)}`);
  }
  lines.push('', 'channels:');
  lines.push(
    `  ${'transport'.padEnd(20)} ${'mode'.padEnd(10)} ${'wait'.padEnd(6)} ${'bytes'.padStart(5)} ${'msgs/s'.padStart(12)} ${'MB/s'.padStart(8)} ${'rtt p50 µs'.padStart(11)} ${'rtt p99 µs'.padStart(11)}`,
  );
  for (const r of results) {
    lines.push(
      `  ${(r.transport + (r.variant ? `/${r.variant}` : '')).padEnd(20)} ${r.mode.padEnd(10)} ${r.wait.padEnd(6)} ${String(r.payload).padStart(5)} ${fmt(r.msgsPerSec).padStart(12)} ${r.mbPerSec.toFixed(1).padStart(8)} ${(r.rttMedianUs?.toFixed(2) ?? '-').padStart(11)} ${(r.rttP99Us?.toFixed(2) ?? '-').padStart(11)}`,
    );
  }
  lines.push('', 'same-run ratios:');
  for (const [k, v] of Object.entries(ratios)) lines.push(`  ${k.padEnd(34)} ${v}×`);
  return lines.join('\n');
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
