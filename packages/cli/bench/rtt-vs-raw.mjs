#!/usr/bin/env node
// The spinning round trip against the raw ring, run after run: each run times the bench's own A-core
// program and firmware doing spinning ping-pong (16 bytes), then the bench's raw SharedArrayBuffer
// ping-pong (two workers spinning on an index word) right after it, and prints both medians and
// their ratio — `rpmsg bench`'s rpmsgRttSpinVsSabRaw, without the rest of the bench, so that a change
// can be judged in minutes by alternating builds. The ratio depends on the machine's state: compare
// runs made side by side. Run after `pnpm build`:
//
//   node packages/cli/bench/rtt-vs-raw.mjs [runs] [--total N] [--warmup N]
import { parseArgs } from 'node:util';
import { benchSoc } from './bench-soc.mjs';
import { medianUs as median, rawRoundTrips } from './raw-ping-pong.mjs';

const { values, positionals } = parseArgs({
  options: { warmup: { type: 'string' }, total: { type: 'string' } },
  allowPositionals: true,
});
const runs = Number(positionals[0] ?? 5);
const total = Number(values.total ?? 10_000);
const warmup = Number(values.warmup ?? 50_000);

const ratios = [];
for (let r = 0; r < runs; r++) {
  const soc = await benchSoc({ mode: 'ping-pong', total, warmup });
  const report = await soc.result;
  await soc.stop();
  const rpmsg = median(report.rttNs);
  const raw = median(await rawRoundTrips({ total, warmup }));
  ratios.push(rpmsg / raw);
  console.log(
    `rpmsg p50 ${rpmsg.toFixed(2)} µs  raw p50 ${raw.toFixed(2)} µs  ratio ${(rpmsg / raw).toFixed(2)}`,
  );
}
console.log(`median ratio of ${runs} runs: ${ratios.sort((a, b) => a - b)[ratios.length >> 1].toFixed(2)}`);
