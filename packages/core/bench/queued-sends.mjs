// Queued sends: time and memory of N `ep.send()` calls made without awaiting, over the in-memory
// mock transport pair (8 buffers each way), against the built package (run `pnpm --filter
// @rpmsg/core build` first). Prints t(25k), t(100k), their ratio (4 when each queued send costs the
// same whatever the queue's length, 16 when quadratic) and the heap one waiting send holds.
//
//   pnpm --filter @rpmsg/core bench:queued-sends      (node --expose-gc bench/queued-sends.mjs)
import { RpmsgDevice } from '../dist/index.js';
import { createMockTransportPair } from '../dist/testing/index.js';

const gc = globalThis.gc;
if (!gc) {
  console.error('run with node --expose-gc (the package script does)');
  process.exit(1);
}

async function connect(autoDeliver) {
  const pair = createMockTransportPair({ buffers: 8, autoDeliver, record: false });
  const master = new RpmsgDevice(pair.master);
  const remote = new RpmsgDevice(pair.remote);
  await Promise.all([master.start(), remote.start()]);
  const sink = remote.createEndpoint({ addr: 30 });
  const ep = master.createEndpoint({ addr: 1024, dst: 30 });
  return { pair, master, remote, sink, ep };
}

/** Milliseconds from the first of `n` unawaited sends to the last one delivered, in order. */
async function timeSends(n) {
  const { master, remote, sink, ep } = await connect(true);
  let next = 0;
  let outOfOrder = 0;
  let done;
  const all = new Promise((resolve) => {
    done = resolve;
  });
  sink.on('message', (p) => {
    if ((p[0] | (p[1] << 8) | (p[2] << 16)) !== next) outOfOrder++;
    if (++next === n) done();
  });
  const payloads = Array.from({ length: n }, (_, i) => Uint8Array.of(i & 0xff, (i >> 8) & 0xff, i >> 16));
  const start = performance.now();
  const sends = [];
  for (let i = 0; i < n; i++) sends.push(ep.send(payloads[i]));
  await Promise.all(sends);
  await all;
  const ms = performance.now() - start;
  await Promise.all([master.close(), remote.close()]);
  if (outOfOrder > 0) throw new Error(`${outOfOrder} messages out of order`);
  return ms;
}

/** Heap bytes one send waiting for a buffer holds (its payload shared, so not counted). */
async function bytesPerQueuedSend(n, options) {
  const { master, remote, ep } = await connect(false);
  const payload = Uint8Array.of(1, 2, 3);
  while (master.stats.txFree > 0) ep.trySend(payload); // every buffer taken, nothing delivered
  const sends = new Array(n);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) sends[i] = ep.send(payload, options);
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / n;
  for (const s of sends) s.catch(() => {});
  await Promise.all([master.close(), remote.close()]);
  return bytes;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// Warm-up at both sizes: the JIT settles and the heap grows to what 100k waiters need, so the
// timed runs compare the queue's work and not the first heap growth.
await timeSends(25_000);
await timeSends(100_000);
const runs = 7;
const t25 = [];
const t100 = [];
for (let i = 0; i < runs; i++) {
  t25.push(await timeSends(25_000));
  t100.push(await timeSends(100_000));
}
const a = median(t25);
const b = median(t100);
console.log(`queued sends, median of ${runs} (8 buffers, mock transport):`);
console.log(`  t(25k)  ${a.toFixed(1)} ms`);
console.log(`  t(100k) ${b.toFixed(1)} ms`);
console.log(`  ratio   ${(b / a).toFixed(2)} (4 = linear, 16 = quadratic)`);
const withTimer = await bytesPerQueuedSend(100_000, undefined);
const noTimer = await bytesPerQueuedSend(100_000, { timeout: Number.POSITIVE_INFINITY });
console.log(`  heap per queued send: ${withTimer.toFixed(0)} B with the default timeout,`);
console.log(`                        ${noTimer.toFixed(0)} B with timeout: Infinity (no timer)`);
