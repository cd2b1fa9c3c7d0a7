#!/usr/bin/env node
// What tracing costs (issue 22 §4): the cli's bench workload — its A-core bench program and bench
// firmware in two workers — with the trace off, `trace: true`, and a bounded Perfetto trace
// (`{ format: 'perfetto', last: 100000, file }`), interleaved round by round so drift hits all three
// alike; prints each median and its ratio to "off". Needs `pnpm build` (it loads dist/).
//
//   node packages/soc/bench/trace-cost.mjs [--rounds 5] [--quick]
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSoc } from '../dist/index.js';

const { values } = parseArgs({ options: { rounds: { type: 'string' }, quick: { type: 'boolean' } } });
const rounds = Number(values.rounds ?? (values.quick ? 1 : 5));
const cliWorkers = new URL('../../cli/dist/workers/', import.meta.url);
const file = join(tmpdir(), `rpmsg-trace-cost-${process.pid}.json`);

const variants = {
  off: undefined,
  'trace: true': true,
  'perfetto last 100000': { format: 'perfetto', last: 100_000, file },
};
const workloads = [
  { mode: 'ping-pong', payload: 16, total: values.quick ? 2_000 : 20_000, warmup: 2_000 },
  { mode: 'one-way', payload: 16, total: values.quick ? 20_000 : 200_000, warmup: 20_000 },
];

/** One run: ns per message (one-way) or per round trip (ping-pong). */
async function run(w, trace) {
  const data = { ...w, zeroCopy: false, receiver: 'callback', timeout: 10_000 };
  const soc = await createSoc({
    profile: 'linux',
    master: new URL('rpmsg-bench-app.js', cliWorkers),
    remote: new URL('rpmsg-bench-firmware.js', cliWorkers),
    masterData: data,
    remoteData: data,
    eventIdx: true,
    trace,
  });
  try {
    const report = await Promise.race([soc.result, new Promise((_, reject) => soc.once('crash', reject))]);
    if (report.count !== w.total) throw new Error(`${w.mode}: ${report.count} of ${w.total} arrived`);
    return report.elapsedNs / w.total;
  } finally {
    await soc.stop();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const w of workloads) {
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, trace] of Object.entries(variants)) times[name].push(await run(w, trace));
  }
  const base = median(times.off);
  console.log(
    `${w.mode} ${w.payload} B, ${w.total} ${w.mode === 'ping-pong' ? 'round trips' : 'messages'}, median of ${rounds}:`,
  );
  for (const [name, ts] of Object.entries(times)) {
    const m = median(ts);
    console.log(`  ${name.padEnd(22)} ${(m / 1000).toFixed(2).padStart(8)} µs  ×${(m / base).toFixed(2)}`);
  }
}
rmSync(file, { force: true });
