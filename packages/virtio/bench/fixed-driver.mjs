// Throughput of FixedVirtqueueDriver (descriptor k is buffer k: what the RPMsg master runs) against
// VirtqueueDriver (the free-list chain driver, Linux's virtio_ring) on the same ring, in one thread, in
// one run: add a batch of buffers, publish, let a minimal device return them all,
// take them back. Rounds of the two alternate so drift and neighbours hit both alike; the rate is buffers
// per second of this process's CPU time (steadier than wall time on a shared machine), median and best.
//
//   pnpm --filter @rpmsg/virtio build
//   node packages/virtio/bench/fixed-driver.mjs [rounds=9] [buffersPerRound=2000000]
//
// Plain ESM on the built packages: the bundles the product loads, no TypeScript loader in the way.
import {
  alignUp,
  FixedVirtqueueDriver,
  MemoryRegion,
  VirtqueueDriver,
  vringLayout,
  vringSize,
} from '../dist/index.js';

const ROUNDS = Number(process.argv[2] ?? 9);
const PER_ROUND = Number(process.argv[3] ?? 2_000_000);
const NUM = 256;
const ALIGN = 4096;
const BUFFER_SIZE = 512;
const BASE = 0x1000_0000;
const MASK = NUM - 1;

/** A ring of NUM and its buffers in a fresh SharedArrayBuffer, plus a device that returns every buffer. */
function makeRing(eventIdx, write) {
  // used.len: what the device wrote — 64 bytes into a device-writable buffer, nothing into a readable one.
  const usedLen = write ? 64 : 0;
  const ringBytes = alignUp(vringSize(NUM, ALIGN), ALIGN);
  const memory = new MemoryRegion(new SharedArrayBuffer(ringBytes + NUM * BUFFER_SIZE), { base: BASE });
  const layout = vringLayout(NUM, ALIGN);
  const options = { memory, addr: BASE, num: NUM, align: ALIGN, eventIdx };
  // The device: every avail entry published since the last call goes back on the used ring in order, with
  // one used.idx store — what an RPMsg remote does with a batch, at the least cost.
  const view = memory.view;
  let nextAvail = 0;
  let nextUsed = 0;
  const serve = () => {
    const availIdx = memory.load16(layout.avail + 2);
    while (nextAvail !== availIdx) {
      const head = view.getUint16(layout.availRing + 2 * (nextAvail & MASK), true);
      const elem = layout.usedRing + 8 * (nextUsed & MASK);
      view.setUint32(elem, head, true);
      view.setUint32(elem + 4, usedLen, true);
      nextAvail = (nextAvail + 1) & 0xffff;
      nextUsed = (nextUsed + 1) & 0xffff;
    }
    memory.store16(layout.used + 2, nextUsed);
  };
  return { options: { ...options, firstBuffer: BASE + ringBytes, bufferSize: BUFFER_SIZE }, serve };
}

const cpuNs = (since) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) * 1000;
};

/** VirtqueueDriver: addOutBuf / addInBuf of buffer k's address (k as the token), kickPrepare, getBuf. */
function runChain(eventIdx, batch, total, write) {
  const { options, serve } = makeRing(eventIdx, write);
  const q = new VirtqueueDriver(options);
  const free = Int32Array.from({ length: NUM }, (_, i) => i);
  let head = 0;
  let count = NUM;
  let done = 0;
  let bytes = 0;
  const start = process.cpuUsage();
  while (done < total) {
    for (let i = 0; i < batch; i++) {
      const k = free[head];
      const addr = options.firstBuffer + k * BUFFER_SIZE;
      if (write) q.addInBuf(addr, 64, k);
      else q.addOutBuf(addr, 64, k);
      head = (head + 1) & MASK;
      count--;
    }
    q.kickPrepare();
    serve();
    for (let k = q.getBuf(); k !== undefined; k = q.getBuf()) {
      free[(head + count) & MASK] = k;
      count++;
      bytes += q.lastLen;
      done++;
    }
  }
  const ns = cpuNs(start);
  if (bytes !== done * (write ? 64 : 0)) throw new Error('VirtqueueDriver lost a buffer');
  return (done / ns) * 1e9;
}

/** FixedVirtqueueDriver: addOutBuf / addInBuf, kickPrepare, (device), getBuf — the same cycle. */
function runFixed(eventIdx, batch, total, write) {
  const { options, serve } = makeRing(eventIdx, write);
  const q = new FixedVirtqueueDriver(options);
  q.reset();
  const free = Int32Array.from({ length: NUM }, (_, i) => i);
  let head = 0;
  let count = NUM;
  let done = 0;
  let bytes = 0;
  const start = process.cpuUsage();
  while (done < total) {
    for (let i = 0; i < batch; i++) {
      if (write) q.addInBuf(free[head], 64);
      else q.addOutBuf(free[head], 64);
      head = (head + 1) & MASK;
      count--;
    }
    q.kickPrepare();
    serve();
    for (let k = q.getBuf(); k >= 0; k = q.getBuf()) {
      free[(head + count) & MASK] = k;
      count++;
      bytes += q.lastLen;
      done++;
    }
  }
  const ns = cpuNs(start);
  if (bytes !== done * (write ? 64 : 0)) throw new Error('FixedVirtqueueDriver lost a buffer');
  return (done / ns) * 1e9;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rate = (x) => `${(x / 1e6).toFixed(2)}M`;

console.log(`ring of ${NUM}; ${ROUNDS} alternating rounds of ${PER_ROUND} buffers; buffers per CPU-second`);
console.log(
  'eventIdx batch dir | VirtqueueDriver median (best) | FixedVirtqueueDriver median (best) | fixed/chain',
);
for (const eventIdx of [true, false]) {
  for (const batch of [1, 16]) {
    for (const write of [false, true]) {
      runChain(eventIdx, batch, PER_ROUND / 4, write); // warm-up: both optimized before timing
      runFixed(eventIdx, batch, PER_ROUND / 4, write);
      const master = [];
      const fixed = [];
      for (let r = 0; r < ROUNDS; r++) {
        master.push(runChain(eventIdx, batch, PER_ROUND, write));
        fixed.push(runFixed(eventIdx, batch, PER_ROUND, write));
      }
      const m = median(master);
      const f = median(fixed);
      const scenario = `${eventIdx ? 'on ' : 'off'}      ${String(batch).padStart(5)} ${write ? 'in ' : 'out'}`;
      const left = `${rate(m)} (${rate(Math.max(...master))})`.padStart(25);
      const right = `${rate(f)} (${rate(Math.max(...fixed))})`.padStart(34);
      console.log(`${scenario} | ${left} | ${right} | ${(f / m).toFixed(3).padStart(12)}`);
    }
  }
}
