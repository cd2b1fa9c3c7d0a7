import { Worker } from 'node:worker_threads';
import { alignUp, vringSize } from '@rpmsg/virtio';
import { Doorbells } from './doorbell.js';
import { workerUrl } from './worker-url.js';
import {
  DOORBELL_COUNT,
  DOORBELL_GO,
  type RingWorkerData,
  type RingWorkerResult,
} from './workers/ring-protocol.js';

/** How to run a driver and a device in two workers over one ring. */
export interface RingPairOptions {
  readonly num?: number;
  readonly align?: number;
  readonly bufferSize?: number;
  readonly payload: number;
  readonly total: number;
  readonly eventIdx?: boolean;
  readonly verify?: boolean;
  readonly spin?: number;
  /** Device base address of the region (never 0 on a real part). */
  readonly base?: number;
  /** Give up after this long; the workers are terminated. */
  readonly timeoutMs?: number;
}

/** What both sides reported. */
export interface RingPairResult {
  readonly driver: Extract<RingWorkerResult, { failed?: undefined }>;
  readonly device: Extract<RingWorkerResult, { failed?: undefined }>;
  /** Wall time from the start line to the later of the two finishing, in ns. */
  readonly elapsedNs: number;
}

/**
 * Starts a virtio driver and a virtio device in two worker threads over one SharedArrayBuffer and
 * passes `total` buffers of `payload` bytes from driver to device. Rejects if either side fails or
 * the run takes longer than `timeoutMs`.
 */
export async function runRingPair(options: RingPairOptions): Promise<RingPairResult> {
  const num = options.num ?? 256;
  const align = options.align ?? 4096;
  const bufferSize = options.bufferSize ?? 512;
  const base = options.base ?? 0x1000_0000;
  const ringBytes = alignUp(vringSize(num, align), align);
  const region = new SharedArrayBuffer(ringBytes + num * bufferSize);
  const doorbells = new SharedArrayBuffer(Doorbells.byteLength(DOORBELL_COUNT));
  const common = {
    region,
    base,
    ringAddr: base,
    num,
    align,
    eventIdx: options.eventIdx ?? true,
    poolAddr: base + ringBytes,
    bufferSize,
    payload: options.payload,
    total: options.total,
    verify: options.verify ?? false,
    spin: options.spin ?? 2000,
    doorbells,
  } satisfies Omit<RingWorkerData, 'role'>;
  const workers = (['driver', 'device'] as const).map(
    (role) => new Worker(workerUrl('ring'), { workerData: { ...common, role } satisfies RingWorkerData }),
  );
  const results = workers.map(
    (worker) =>
      new Promise<RingWorkerResult>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) =>
          reject(new Error(`ring worker exited with code ${code} before reporting`)),
        );
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`ring pair did not finish within ${options.timeoutMs ?? 60_000} ms`)),
      options.timeoutMs ?? 60_000,
    );
  });
  try {
    const online = workers.map((w) => new Promise((resolve) => w.once('online', resolve)));
    await Promise.race([Promise.all(online), timeout]);
    const t0 = process.hrtime.bigint();
    new Doorbells(doorbells).ring(DOORBELL_GO);
    const [driver, device] = await Promise.race([Promise.all(results), timeout]);
    const elapsedNs = Number(process.hrtime.bigint() - t0);
    for (const r of [driver, device]) if (r?.failed !== undefined) throw new Error(`${r.role}: ${r.failed}`);
    return {
      driver: driver as RingPairResult['driver'],
      device: device as RingPairResult['device'],
      elapsedNs,
    };
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
