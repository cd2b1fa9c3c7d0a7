#!/usr/bin/env node
// What watching costs: the bench's own A-core program and firmware (one-way 16 B stream, spinning
// ping-pong) with nothing attached, then with `rpmsg view` serving the SoC to a connected client that
// reads every frame (5 frames/s: a snapshot of shared RAM and the stats of both cores each), rounds
// interleaved; prints each case's median and the ratio. Run after `pnpm build`:
//
//   node packages/cli/bench/view-cost.mjs [rounds]
import { get } from 'node:http';
import { startView } from '@rpmsg/view';
import { benchSoc } from './bench-soc.mjs';

const rounds = Number(process.argv[2] ?? 5);
const cases = {
  'one-way 16 B (msg/s)': {
    mode: 'one-way',
    total: 1_000_000,
    warmup: 200_000,
    score: (r) => r.count / (r.elapsedNs / 1e9),
  },
  'ping-pong spin (median µs)': {
    mode: 'ping-pong',
    total: 10_000,
    warmup: 50_000,
    score: (r) => median(r.rttNs) / 1000,
  },
};

function median(a) {
  const s = Float64Array.from(a).sort();
  return s[s.length >> 1];
}

/** A client that reads the event stream as a browser tab would. */
function watch(url) {
  let frames = 0;
  const req = get(`${url}events`, (res) => res.on('data', () => frames++));
  return { close: () => req.destroy(), frames: () => frames };
}

async function run(c, withView) {
  const soc = await benchSoc({ mode: c.mode, total: c.total, warmup: c.warmup });
  const view = withView ? await startView(soc) : undefined;
  const client = view && watch(view.url);
  try {
    return c.score(await soc.result);
  } finally {
    client?.close();
    await view?.close();
    await soc.stop();
  }
}

for (const [name, c] of Object.entries(cases)) {
  const plain = [];
  const viewed = [];
  for (let r = 0; r < rounds; r++) {
    plain.push(await run(c, false));
    viewed.push(await run(c, true));
  }
  const a = median(plain);
  const b = median(viewed);
  console.log(
    `${name.padEnd(28)} plain ${a.toFixed(2).padStart(12)}  view connected ${b.toFixed(2).padStart(12)}  ratio ${(b / a).toFixed(3)}`,
  );
}
