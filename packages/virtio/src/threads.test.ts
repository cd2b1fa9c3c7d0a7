import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { makeRegion } from './testing/make-region.js';

// Worker threads cannot load TypeScript: the fixture imports the built package (`pnpm test` builds first).
const DIST = join(import.meta.dirname, '../dist/index.js');
const FIXTURE = join(import.meta.dirname, 'testing/fixtures/ring-worker.mjs');

interface Report {
  role: string;
  done?: number;
  outOfOrder?: number;
  got?: number;
  sum?: number;
  bad?: number;
  lostWakeups: number;
  sleeps: number;
  ms: number;
}

function start(workerData: Record<string, unknown>): { worker: Worker; report: Promise<Report> } {
  const worker = new Worker(FIXTURE, { workerData });
  const report = new Promise<Report>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${String(workerData.role)} worker exited with ${code}`)));
  });
  return { worker, report };
}

async function pump(count: number, eventIdx: boolean): Promise<{ driver: Report; device: Report }> {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run pnpm build first`);
  const num = 256;
  const bufferSize = 16;
  const region = makeRegion({ num, bufferSize, buffers: num });
  const bell = new SharedArrayBuffer(8);
  const common = {
    ram: region.memory.buffer,
    bell,
    base: region.memory.base,
    ringAddr: region.ringAddr,
    poolAddr: region.poolAddr,
    bufferSize,
    num,
    eventIdx,
    count,
  };
  const device = start({ ...common, role: 'device' });
  const driver = start({ ...common, role: 'driver' });
  try {
    const [d, v] = await Promise.all([driver.report, device.report]);
    return { driver: d, device: v };
  } finally {
    await Promise.all([driver.worker.terminate(), device.worker.terminate()]);
  }
}

describe('driver and device in two worker threads', () => {
  it.each([false, true])(
    'pass 10^6 buffers over a SharedArrayBuffer with Atomics doorbells, every one accounted for (EVENT_IDX %s)',
    async (eventIdx) => {
      const count = 1_000_000;
      const { driver, device } = await pump(count, eventIdx);
      expect(device.got).toBe(count);
      expect(device.bad).toBe(0); // FIFO order and intact payloads
      expect(device.sum).toBe((count * (count - 1)) / 2);
      expect(driver.done).toBe(count);
      expect(driver.outOfOrder).toBe(0);
      expect(driver.lostWakeups + device.lostWakeups).toBe(0);
    },
    20_000,
  );
});
