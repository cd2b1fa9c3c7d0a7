import { MessageChannel, Worker } from 'node:worker_threads';
import { workerUrl } from '../worker-url.js';
import {
  type BaselineWorkerData,
  type BaselineWorkerResult,
  type SabRawShape,
  sabRawBytes,
} from '../workers/baseline-protocol.js';
import type { BenchResult, Mode, Wait } from './result.js';
import { summarize } from './result.js';

/** One baseline measurement: which channel, which pattern, how many messages of what size. */
export interface BaselineCase {
  readonly transport: 'postMessage' | 'sab-raw';
  readonly mode: Mode;
  readonly wait: Wait;
  readonly payload: number;
  /** sab-raw only: the ring's layout (default `packed`); `rpmsg` rows get the variant `rpmsg-layout`. */
  readonly shape?: SabRawShape;
  readonly total: number;
  /** Messages or round trips moved untimed first (default 0). */
  readonly warmup?: number;
}

/** Runs one baseline case in two fresh workers and returns its result row. */
export async function runBaseline(c: BaselineCase, timeoutMs = 60_000): Promise<BenchResult> {
  const control = new Int32Array(new SharedArrayBuffer(4));
  const rings = [
    new SharedArrayBuffer(sabRawBytes(c.payload, c.shape)),
    new SharedArrayBuffer(sabRawBytes(c.payload, c.shape)),
  ];
  const roles = c.mode === 'one-way' ? (['send', 'receive'] as const) : (['ping', 'pong'] as const);
  const channel = c.transport === 'postMessage' ? new MessageChannel() : undefined;
  const ports = [channel?.port1, channel?.port2];
  const workers = roles.map((role, i) => {
    const port = ports[i];
    const workerData: BaselineWorkerData = {
      ...c,
      warmup: c.warmup ?? 0,
      role,
      control,
      rings,
      ...(port ? { port } : {}),
    };
    return new Worker(workerUrl('baseline'), { workerData, transferList: port ? [port] : [] });
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const reports = workers.map(
      (w) =>
        new Promise<BaselineWorkerResult>((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
    );
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('online', resolve))));
    Atomics.store(control, 0, 1);
    Atomics.notify(control, 0);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${c.transport} ${c.mode} timed out`)), timeoutMs);
    });
    const results = await Promise.race([Promise.all(reports), timeout]);
    const failed = results.find((r) => r.failed !== undefined);
    if (failed) throw new Error(`${c.transport} ${failed.role}: ${failed.failed}`);
    const elapsedNs = Math.max(...results.map((r) => r.elapsedNs));
    const rtt = results.find((r) => r.rttNs)?.rttNs;
    const variant = c.shape === 'rpmsg' ? { variant: 'rpmsg-layout' } : {};
    return summarize({ ...c, elapsedNs, rttNs: rtt, ...variant });
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
