import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MemoryRegion } from '@rpmsg/virtio';
import { afterEach, describe, expect, it } from 'vitest';
import { createLayout } from '../layout/create-layout.js';
import { layoutToJson } from '../layout/layout-json.js';
import { writeResourceTable } from '../layout/resource-table.js';

const FIXTURE = join(import.meta.dirname, 'fixtures/pair-worker.mjs');
const DIST = join(import.meta.dirname, '../../dist/index.js');
const COUNT = 2000;

interface Result {
  done?: boolean;
  received?: number;
  bad?: number;
  channel?: number;
  error?: string;
}

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

// Worker threads load the built package (packages/core/dist), which `pnpm test` builds first.
describe.skipIf(!existsSync(DIST))('master and remote in two worker threads', () => {
  it.each(['linux', 'rpmsg-lite'] as const)(
    'exchange messages both ways (%s)',
    async (profile) => {
      const layout = createLayout(profile, { numBuffers: 32, align: profile === 'linux' ? 4096 : 16 });
      const memory = new SharedArrayBuffer(layout.size);
      if (profile === 'linux')
        writeResourceTable(new MemoryRegion(memory, { base: layout.base }), layout, { dfeatures: 1n });
      const doorbells = new SharedArrayBuffer(8);
      const spawn = (role: 'master' | 'remote') => {
        const worker = new Worker(FIXTURE, {
          workerData: { role, memory, doorbells, layout: layoutToJson(layout), count: COUNT },
        });
        workers.push(worker);
        return worker;
      };
      const remote = spawn('remote');
      const master = spawn('master');
      const result = await new Promise<Result>((resolve, reject) => {
        for (const w of [remote, master]) {
          w.on('error', reject);
          w.on('message', (m: Result) => (m.error ? reject(new Error(m.error)) : m.done && resolve(m)));
        }
      });
      expect(result).toEqual({ done: true, received: COUNT, bad: -1, channel: 30 });
    },
    20_000,
  );
});
