#!/usr/bin/env node
// What the SoC's restart-safe seam (CoreTransport, between each core's RpmsgDevice and its
// VirtioTransport) costs a round trip, with no cross-core cost in the way: one thread drives both
// ends of one pair of rings by hand — the master sends 16 bytes, the remote takes it into a held
// message and echoes it zero-copy (the bench firmware's path), the master takes the echo — over
// bare VirtioTransports in one worker and through a CoreTransport on each side in another. Each
// worker has its own JIT state, as each core of the SoC sees one kind of transport only, and the
// two take turns round by round so the machine's drift hits both alike. Prints the median ns per
// round trip of each. Run after `pnpm build`:
//
//   node packages/soc/bench/seam-cost.mjs [rounds]
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as core from '@rpmsg/core';
import * as virtio from '@rpmsg/virtio';
import { CoreTransport } from '../dist/index.js';
import { ringPair } from './ring-pair.mjs';

const rounds = Number(process.argv[2] ?? 15);
const PER_ROUND = 100_000;

/** Two devices on one pair of rings, up, with a channel; returns a function timing `n` round trips. */
async function roundTrips(throughSeam) {
  const { layout, masterRings, remoteRings } = ringPair(core, virtio);
  const masterLink = throughSeam ? new CoreTransport('master', layout.bufferSize) : masterRings;
  const remoteLink = throughSeam ? new CoreTransport('remote', layout.bufferSize) : remoteRings;
  const master = new core.RpmsgDevice(masterLink);
  const remote = new core.RpmsgDevice(remoteLink);
  const up = Promise.all([remote.start(), master.start()]);
  if (throughSeam) {
    remoteLink.connect(remoteRings).catch(() => {});
    masterLink.connect(masterRings).catch(() => {});
  }
  const pump = async (times) => {
    for (let i = 0; i < times; i++) {
      remote.poll();
      master.poll();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await pump(5);
  await up;
  const held = [];
  const service = remote.createEndpoint({
    name: 'seam-echo',
    addr: 30,
    onMessage: (_p, _s, msg) => held.push(msg.hold()),
  });
  await pump(5);
  const ept = await master.openChannel(await master.waitForChannel('seam-echo', { timeout: 1000 }), {
    hello: false,
  });
  ept.on('message', () => {});
  // Both sides poll: neither asks for a kick, as two spinning cores.
  masterRings.disableNotifications();
  remoteRings.disableNotifications();
  const payload = new Uint8Array(16).fill(0x5a);
  return (n) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      ept.trySend(payload);
      master.flush();
      remote.poll(64);
      const msg = held.pop();
      const tx = service.tryGetTxBuffer();
      tx.payload.set(msg.payload);
      tx.send(msg.payload.length, msg.src);
      remote.flush();
      msg.release();
      remote.flush();
      master.poll(64);
    }
    return Number(process.hrtime.bigint() - start) / n;
  };
}

if (isMainThread) {
  const labels = ['bare VirtioTransport', 'through CoreTransport'];
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  // A fresh pair of workers per trial: a worker can spend a whole trial on the slower of the
  // machine's two vCPUs (they differ for minutes at a time in cache and atomics speed — a 4 MB walk
  // 30–40 % slower on one, both pinned with taskset — and this code then takes 1.4 µs instead of
  // 0.9), so one pair alone can mislead either way. `taskset -c 0 node …` puts both on one vCPU.
  const trials = 3;
  const costs = [];
  for (let t = 0; t < trials; t++) {
    const workers = labels.map(
      (_, i) => new Worker(new URL(import.meta.url), { workerData: { throughSeam: i === 1 } }),
    );
    const failed = new Promise((_, reject) => {
      for (const w of workers) w.once('error', reject);
    });
    /** Asks worker `i` to time `n` round trips; resolves with ns per round trip. */
    const time = (i, n) =>
      Promise.race([
        new Promise((resolve) => {
          workers[i].once('message', resolve);
          workers[i].postMessage(n);
        }),
        failed,
      ]);
    for (let i = 0; i < workers.length; i++) await time(i, 3 * PER_ROUND); // warm-up: optimized before timing
    const samples = labels.map(() => []);
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < workers.length; i++) samples[i].push(await time(i, PER_ROUND));
    }
    await Promise.all(workers.map((w) => w.terminate()));
    const [bare, seam] = samples.map(median);
    costs.push(seam - bare);
    console.log(
      `trial ${t + 1}: ${labels[0]} ${bare.toFixed(0)} ns, ${labels[1]} ${seam.toFixed(0)} ns per round trip (median of ${rounds} rounds)`,
    );
  }
  console.log(`seam: ${median(costs).toFixed(0)} ns per round trip (median of ${trials} trials)`);
} else {
  const run = await roundTrips(workerData.throughSeam);
  parentPort.on('message', (n) => parentPort.postMessage(run(n)));
}
