#!/usr/bin/env node
// What each core's stack costs a spinning round trip in JavaScript, with no cross-core cost in the
// way: one thread runs the SoC stack of one side against a bare RpmsgDevice for the other, which it
// polls in the same pass, so a round trip is that stack's work plus a small constant.
//
// - A-core: RpmsgDevice → CoreTransport → VirtioTransport → MasterEngine, a CorePump busy-polling
//   on the event loop (`run`), and `rpmsg bench`'s ping-pong program (`await ept.send()`, then
//   `await` the echo's promise).
// - M-core: RpmsgDevice → CoreTransport → VirtioTransport → RemoteEngine, a CorePump's blocking
//   wait (`waitFor`) and the bench firmware's zero-copy echo the RPMsg-Lite way (a queue of held
//   messages, a lent TX buffer, publish at once, release).
//
// The two-thread round trip of `rpmsg bench` scatters with the machine (cross-core latency, and
// vCPUs that differ for minutes in cache speed); this does not cross cores, and pinned to one vCPU
// it compares two builds within a few per cent. Prints ns per round trip of each side (median of the
// rounds); with --against <checkout>, the same for that checkout's build, round by round in turn,
// and the ratio. Run after `pnpm build` (and in the other checkout too):
//
//   taskset -c 0 node packages/soc/bench/side-cost.mjs [rounds] [--against ../other-checkout]
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ringPair } from './ring-pair.mjs';

const PER_ROUND = 100_000;
const PAYLOAD = new Uint8Array(16).fill(0x5a);

/** The built packages of the checkout at `root`. */
async function load(root) {
  const dist = (name) => import(pathToFileURL(join(root, 'packages', name, 'dist', 'index.js')).href);
  const [core, virtio, soc] = await Promise.all([dist('core'), dist('virtio'), dist('soc')]);
  return { core, virtio, soc };
}

/** Polls both devices until both are up (each side's start resolves at its link-up). */
async function bringUp(a, b) {
  const up = Promise.all([a.start(), b.start()]);
  for (let i = 0; i < 100 && !(a.isUp && b.isUp); i++) {
    a.poll();
    b.poll();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await up;
}

/**
 * One side's SoC stack (`role`: RpmsgDevice → CoreTransport → VirtioTransport) on fresh rings, a bare
 * RpmsgDevice for the other side, and a pump for the stack whose poll serves the peer too.
 */
function stackAndPeer({ core, virtio, soc }, role) {
  const { layout, masterRings, remoteRings } = ringPair(core, virtio);
  const [rings, peerRings] = role === 'master' ? [masterRings, remoteRings] : [remoteRings, masterRings];
  const link = new soc.CoreTransport(role, layout.bufferSize);
  const device = new core.RpmsgDevice(link);
  const peer = new core.RpmsgDevice(peerRings);
  link.connect(rings).catch(() => {});
  const pump = new soc.CorePump(
    link,
    soc.Mailbox.create().inbox(role),
    {
      poll: () => {
        const delivered = device.poll(64);
        peer.poll(64); // the peer answers within the pass
        return delivered;
      },
      activity: () => device.stats.txMessages + device.stats.rxMessages,
    },
    { spin: 1_000_000 },
  );
  return { device, peer, peerRings, pump };
}

/** The A-core stack against a bare remote; returns a function timing `n` round trips (ns each). */
async function masterSide(lib) {
  const { device: master, peer: remote, peerRings, pump } = stackAndPeer(lib, 'master');
  const echo = remote.createEndpoint({
    addr: 40,
    announce: false,
    onMessage: (p, src) => echo.trySendTo(src, p),
  });
  await bringUp(master, remote);
  peerRings.disableNotifications();
  const ept = master.createEndpoint({ addr: 1024, announce: false });
  let resolveEcho = () => {};
  ept.on('message', () => resolveEcho());
  const options = { timeout: 10_000 };
  return async (n) => {
    // The pump serves only while timed: between rounds it would spin on, beside the other build's
    // worker when both share a vCPU.
    const serving = pump.run();
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const echoed = new Promise((resolve) => {
        resolveEcho = resolve;
      });
      await ept.sendTo(40, PAYLOAD, options);
      await echoed;
    }
    const ns = Number(process.hrtime.bigint() - start) / n;
    pump.stop(() => {});
    await serving;
    return ns;
  };
}

/** The M-core stack against a bare master; returns a function timing `n` round trips (ns each). */
async function remoteSide(lib) {
  const { device: remote, peer: master, peerRings, pump } = stackAndPeer(lib, 'remote');
  const queue = []; // the firmware's rpmsg_queue: held messages
  const ept = remote.createEndpoint({
    addr: 40,
    announce: false,
    onMessage: (_p, _s, msg) => queue.push(msg.hold()),
  });
  await bringUp(master, remote);
  peerRings.disableNotifications();
  const peer = master.createEndpoint({ addr: 1024, announce: false });
  let pings = 0;
  peer.on('message', () => {
    if (--pings > 0) peer.trySendTo(40, PAYLOAD);
  });
  const ready = () => queue.length > 0;
  return (n) => {
    pings = n;
    peer.trySendTo(40, PAYLOAD);
    master.flush();
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      if (!ready()) pump.waitFor(ready, Number.POSITIVE_INFINITY);
      const msg = queue.shift();
      const tx = ept.tryGetTxBuffer();
      tx.payload.set(msg.payload);
      tx.send(msg.payload.length, msg.src);
      remote.flush(); // rpmsg_lite_send_nocopy publishes at once
      msg.release();
      if (queue.length === 0) remote.flush();
    }
    const ns = Number(process.hrtime.bigint() - start) / n;
    master.poll(); // the last echo
    return ns;
  };
}

if (isMainThread) {
  const { values, positionals } = parseArgs({
    options: { against: { type: 'string' } },
    allowPositionals: true,
  });
  const rounds = Number(positionals[0] ?? 9);
  const here = fileURLToPath(new URL('../../..', import.meta.url));
  const roots = values.against ? [here, values.against] : [here];
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  for (const side of ['master', 'remote']) {
    const workers = roots.map((root) => new Worker(new URL(import.meta.url), { workerData: { root, side } }));
    const time = (w, n) =>
      new Promise((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
        w.postMessage(n);
      });
    for (const w of workers) await time(w, 3 * PER_ROUND); // warm-up: optimized before timing
    const samples = roots.map(() => []);
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < workers.length; i++) samples[i].push(await time(workers[i], PER_ROUND));
    }
    await Promise.all(workers.map((w) => w.terminate()));
    const [mine, other] = samples.map(median);
    const label = side === 'master' ? 'A-core stack' : 'M-core stack';
    const against =
      other === undefined
        ? ''
        : `; ${values.against}: ${other.toFixed(0)} ns, ratio ${(mine / other).toFixed(3)}`;
    console.log(`${label}: ${mine.toFixed(0)} ns per round trip (median of ${rounds} rounds)${against}`);
  }
} else {
  const lib = await load(workerData.root);
  const run = await (workerData.side === 'master' ? masterSide(lib) : remoteSide(lib));
  parentPort.on('message', async (n) => parentPort.postMessage(await run(n)));
}
