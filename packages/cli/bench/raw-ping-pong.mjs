// The raw ping-pong row of `rpmsg bench` (dist/workers/baseline.js: two workers spinning on an index
// word of a SharedArrayBuffer, 16 bytes each way), for the scripts of this folder that set a round
// trip against it. Run after `pnpm build`.
import { Worker } from 'node:worker_threads';

/** Times `total` raw round trips after `warmup` untimed ones; resolves with each one's ns. */
export async function rawRoundTrips({ total, warmup }) {
  const control = new Int32Array(new SharedArrayBuffer(4));
  const rings = [new SharedArrayBuffer(1 << 16), new SharedArrayBuffer(1 << 16)];
  const common = { transport: 'sab-raw', mode: 'ping-pong', wait: 'spin', payload: 16, total, warmup };
  const workers = ['ping', 'pong'].map(
    (role) =>
      new Worker(new URL('../dist/workers/baseline.js', import.meta.url), {
        workerData: { ...common, role, control, rings },
      }),
  );
  const reports = workers.map(
    (w) =>
      new Promise((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      }),
  );
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('online', resolve))));
  Atomics.store(control, 0, 1);
  Atomics.notify(control, 0);
  const results = await Promise.all(reports);
  await Promise.all(workers.map((w) => w.terminate()));
  return results.find((r) => r.rttNs).rttNs;
}

/** The median of a list of ns, in µs. */
export function medianUs(ns) {
  return Float64Array.from(ns).sort()[ns.length >> 1] / 1000;
}
