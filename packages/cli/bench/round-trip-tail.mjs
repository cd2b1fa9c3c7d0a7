#!/usr/bin/env node
// Where a round trip's tail goes: the bench's own A-core program and firmware doing spinning (or
// sleeping) ping-pong, several runs, each printing the percentiles of its round trips and how often
// and how regularly one takes more than 3× the median (a slow one every ~10 round trips is a
// periodic cost — an event-loop turn —, every ~100+ is noise). Warm-up and count are settable, to see
// how many round trips V8 needs before the timed window holds no tier-up. Run after `pnpm build`:
//
//   node packages/cli/bench/round-trip-tail.mjs [spin|sleep] [runs] [--warmup N] [--total N]
import { parseArgs } from 'node:util';
import { benchSoc } from './bench-soc.mjs';

const { values, positionals } = parseArgs({
  options: { warmup: { type: 'string' }, total: { type: 'string' } },
  allowPositionals: true,
});
const wait = positionals[0] ?? 'spin';
const runs = Number(positionals[1] ?? 3);
const warmup = Number(values.warmup ?? 50_000);
const total = Number(values.total ?? 10_000);

for (let r = 0; r < runs; r++) {
  const soc = await benchSoc({ mode: 'ping-pong', total, warmup, spin: wait === 'spin' });
  const report = await soc.result;
  await soc.stop();
  const sorted = Float64Array.from(report.rttNs).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1000;
  const median = at(0.5);
  const slow = [];
  report.rttNs.forEach((ns, i) => {
    if (ns / 1000 > 3 * median) slow.push(i);
  });
  const gaps = slow
    .slice(1)
    .map((v, i) => v - slow[i])
    .sort((a, b) => a - b);
  const gap = gaps.length ? gaps[gaps.length >> 1] : '-';
  console.log(
    `${wait} p50 ${median.toFixed(2)} p90 ${at(0.9).toFixed(2)} p99 ${at(0.99).toFixed(2)} p99.9 ${at(0.999).toFixed(2)} µs` +
      ` | p99/p50 ${(at(0.99) / median).toFixed(2)} | >3× median: ${slow.length} (${((100 * slow.length) / total).toFixed(2)} %), median gap ${gap}`,
  );
}
