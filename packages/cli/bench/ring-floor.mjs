#!/usr/bin/env node
// How close the split rings alone come to the raw ping-pong, run after run: two workers drive one
// vring pair with @rpmsg/virtio's classes and nothing above them — the master's FixedVirtqueueDriver
// on vq1 (TX) and vq0 (RX), the remote's VirtqueueDevice on both, every index and descriptor checked
// as the product checks them — spinning, 16 bytes with a 16-byte RPMsg header (@rpmsg/core's
// writeHeader) each way; then the raw ping-pong of `rpmsg bench` right after it. Prints both medians and their ratio. The ring code's
// share of `rpmsg bench`'s rpmsgRttSpinVsSabRaw is this ratio; the rest is the RPMsg and SoC layers
// above it. Run after `pnpm build`:
//
//   node packages/cli/bench/ring-floor.mjs [runs] [--total N] [--warmup N]
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { writeHeader } from '@rpmsg/core';
import {
  alignUp,
  DescriptorChain,
  FixedVirtqueueDriver,
  MemoryRegion,
  VirtqueueDevice,
  vringLayout,
  vringSize,
} from '@rpmsg/virtio';
import { medianUs, rawRoundTrips } from './raw-ping-pong.mjs';

const NUM = 256;
const ALIGN = 4096;
const BUFFER_SIZE = 512;
const BASE = 0x1000_0000;
const RING_BYTES = alignUp(vringSize(NUM, ALIGN), ALIGN);
const VQ0 = BASE; // remote → master: the master's RX buffers
const VQ1 = BASE + RING_BYTES; // master → remote: its TX buffers
const POOL = BASE + 2 * RING_BYTES; // RX buffers 0..NUM−1, then TX buffers
const SIZE = 2 * RING_BYTES + 2 * NUM * BUFFER_SIZE;
const HEADER = 16;
const PAYLOAD = 16;

/** The master: `warmup + total` round trips, each timed; posts the timed ones' ns. */
function master(memory, { total, warmup }) {
  const common = { memory, num: NUM, align: ALIGN, eventIdx: true, bufferSize: BUFFER_SIZE };
  const rx = new FixedVirtqueueDriver({ ...common, addr: VQ0, firstBuffer: POOL });
  const tx = new FixedVirtqueueDriver({ ...common, addr: VQ1, firstBuffer: POOL + NUM * BUFFER_SIZE });
  rx.reset();
  tx.reset();
  for (let k = 0; k < NUM; k++) rx.addInBuf(k, BUFFER_SIZE);
  rx.kickPrepare();
  rx.disableCb(); // both sides poll: nobody kicks
  tx.disableCb();
  const { view, bytes } = memory;
  const payload = new Uint8Array(PAYLOAD).fill(0x5a);
  const free = new Int32Array(NUM).map((_, k) => k); // TX buffers, oldest first
  let head = 0;
  let count = NUM;
  const rtts = new Float64Array(total);
  const header = { src: 1024, dst: 40, len: PAYLOAD }; // one object, written every round trip
  const roundTrips = (from, to) => {
    for (let i = from; i < to; i++) {
      const t0 = process.hrtime.bigint();
      if (count === 0) {
        for (let k = tx.getBuf(); k >= 0; k = tx.getBuf()) free[(head + count++) % NUM] = k;
      }
      const k = free[head];
      head = (head + 1) % NUM;
      count--;
      const at = POOL + (NUM + k) * BUFFER_SIZE - BASE;
      writeHeader(view, at, header);
      bytes.set(payload, at + HEADER);
      tx.addOutBuf(k, HEADER + PAYLOAD);
      tx.kickPrepare();
      let r = rx.getBuf();
      while (r < 0) r = rx.getBuf();
      const got = POOL + r * BUFFER_SIZE - BASE;
      if (view.getUint16(got + 12, true) !== PAYLOAD || bytes[got + HEADER] !== 0x5a)
        throw new Error('bad echo');
      rx.addInBuf(r, BUFFER_SIZE);
      rx.kickPrepare();
      rtts[Math.max(i, 0)] = Number(process.hrtime.bigint() - t0);
    }
  };
  roundTrips(-warmup, 0); // one function for both: the code optimized during the warm-up is timed
  roundTrips(0, total);
  return rtts;
}

/** The remote: echoes every message into an RX buffer of the master's, for ever (terminated). */
function remote(memory) {
  const vq0 = new VirtqueueDevice({ memory, addr: VQ0, num: NUM, align: ALIGN, eventIdx: true });
  const vq1 = new VirtqueueDevice({ memory, addr: VQ1, num: NUM, align: ALIGN, eventIdx: true });
  vq0.resync();
  vq1.resync();
  const { view, bytes } = memory;
  const message = new DescriptorChain(NUM);
  const empty = new DescriptorChain(NUM);
  const reply = { src: 40, dst: 1024, len: 0 };
  for (;;) {
    while (!vq1.popAvail(message)) {}
    const from = message.addr(0) - BASE;
    const len = view.getUint16(from + 12, true);
    if (!vq0.popAvail(empty)) throw new Error('no RX buffer');
    const to = empty.addr(0) - BASE;
    reply.len = len;
    writeHeader(view, to, reply);
    bytes.copyWithin(to + HEADER, from + HEADER, from + HEADER + len);
    vq0.addUsed(empty.headIndex, HEADER + len);
    vq0.shouldNotify();
    vq1.addUsed(message.headIndex, message.len(0));
    vq1.shouldNotify();
  }
}

if (isMainThread) {
  const { values, positionals } = parseArgs({
    options: { warmup: { type: 'string' }, total: { type: 'string' } },
    allowPositionals: true,
  });
  const runs = Number(positionals[0] ?? 5);
  const counts = { total: Number(values.total ?? 10_000), warmup: Number(values.warmup ?? 50_000) };
  const ratios = [];
  for (let r = 0; r < runs; r++) {
    const shared = new SharedArrayBuffer(SIZE);
    const workers = ['remote', 'master'].map(
      (role) => new Worker(new URL(import.meta.url), { workerData: { role, shared, ...counts } }),
    );
    const rtts = await new Promise((resolve, reject) => {
      workers[1].once('message', resolve);
      for (const w of workers) w.once('error', reject);
    });
    await Promise.all(workers.map((w) => w.terminate()));
    const ring = medianUs(rtts);
    const raw = medianUs(await rawRoundTrips(counts));
    ratios.push(ring / raw);
    console.log(
      `rings p50 ${ring.toFixed(2)} µs  raw p50 ${raw.toFixed(2)} µs  ratio ${(ring / raw).toFixed(2)}`,
    );
  }
  console.log(`median ratio of ${runs} runs: ${ratios.sort((a, b) => a - b)[runs >> 1].toFixed(2)}`);
} else {
  const memory = new MemoryRegion(workerData.shared, { base: BASE });
  if (workerData.role === 'remote') {
    // The master zeroes and fills the rings first: wait for its RX buffers before resyncing.
    const availIdx = VQ0 - BASE + vringLayout(NUM, ALIGN).avail + 2;
    while (memory.load16(availIdx) === 0) {}
    remote(memory);
  } else parentPort.postMessage(master(memory, workerData));
}
