// Measures memory across SoC restarts, to tell a leak from allocator growth.
//
//   pnpm --filter @rpmsg/soc build
//   node --expose-gc packages/soc/scripts/restart-rss.mjs [cycles=1000] [mode=soc|worker]
//
// mode=soc restarts a SoC (echo firmware, inline master) `cycles` times; mode=worker starts and
// terminates a bare worker thread as often (the floor: what Node itself costs per thread).
// Prints rss / heapUsed / external / arrayBuffers (MB) every tenth of the run, after a full GC,
// plus live worker threads and active handles. A leak grows the JS-visible columns or the
// thread/handle counts; allocator growth shows in rss alone and flattens out.
import { Worker } from 'node:worker_threads';
import { coreWorkerCount, createSoc } from '../dist/index.js';

const cycles = Number(process.argv[2] ?? 1000);
const mode = process.argv[3] ?? 'soc';
const mb = (n) => (n / 2 ** 20).toFixed(1);

function sample(i) {
  globalThis.gc?.();
  const m = process.memoryUsage();
  console.log(
    [
      i,
      mb(m.rss),
      mb(m.heapUsed),
      mb(m.external),
      mb(m.arrayBuffers),
      coreWorkerCount(),
      process.getActiveResourcesInfo().length,
    ].join('\t'),
  );
}

console.log(['cycle', 'rss', 'heapUsed', 'external', 'arrayBuffers', 'workers', 'resources'].join('\t'));
const every = Math.max(1, Math.floor(cycles / 10));
if (mode === 'worker') {
  const src = new URL('data:text/javascript,');
  for (let i = 0; i <= cycles; i++) {
    if (i % every === 0) sample(i);
    const w = new Worker(src);
    await new Promise((resolve) => w.once('online', resolve));
    await w.terminate();
  }
} else {
  const soc = await createSoc({
    remote: new URL('../src/fixtures/echo-firmware.mjs', import.meta.url),
    waitForChannels: ['rpmsg-echo'],
  });
  for (let i = 0; i <= cycles; i++) {
    if (i % every === 0) sample(i);
    await soc.restart();
  }
  await soc.stop();
}
if (!globalThis.gc) console.log('(run with --expose-gc for numbers after a full GC)');
