import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSoc } from '@rpmsg/soc';
import { packageFile, workerUrl } from '../worker-url.js';
import type { RpmsgBenchData, RpmsgBenchReport } from '../workers/rpmsg-bench-protocol.js';
import type { BenchResult, Mode, Wait } from './result.js';
import { summarize } from './result.js';

/** One RPMsg measurement between the simulated A-core and M-core. */
export interface RpmsgCase {
  readonly mode: Mode;
  readonly wait: Wait;
  readonly payload: number;
  readonly total: number;
  /** Messages or round trips moved untimed first (default 0). */
  readonly warmup?: number;
  readonly zeroCopy?: boolean;
  /** One-way receiver on the firmware (default `callback`); `queue` rows get that variant. */
  readonly receiver?: 'callback' | 'queue';
  /** The firmware's language: the JavaScript bench firmware (default), or the C one in WebAssembly. */
  readonly firmware?: 'js' | 'c';
}

/** A row's variant label: `c` for the C firmware, else how the case differs from the plain one. */
function variant(c: RpmsgCase): { variant?: string } {
  if (c.firmware === 'c') return { variant: 'c' };
  if (c.zeroCopy) return { variant: 'zero-copy' };
  return c.receiver === 'queue' ? { variant: 'queue' } : {};
}

/**
 * The C bench firmware (`firmware/bench-firmware.c`) built for this case: its message count is a
 * macro, so each (mode, count) is one build, cached across runs by content.
 */
async function cBenchFirmware(c: RpmsgCase): Promise<string> {
  const { buildFirmware } = await import('@rpmsg/firmware');
  const end = (c.warmup ?? 0) + c.total;
  const defines = c.mode === 'ping-pong' ? ['BENCH_PING_PONG'] : [`BENCH_END=${end}`];
  const output = join(tmpdir(), 'rpmsg-bench', `bench-firmware-${defines.join('-')}.wasm`);
  await buildFirmware({
    sources: [fileURLToPath(packageFile('firmware/bench-firmware.c'))],
    defines,
    output,
  });
  return output;
}

/** How long a spinning core polls its doorbell before sleeping, µs: longer than any gap in a run. */
const SPIN_US = 200_000;

/**
 * Boots a SoC (two workers, `linux` profile, EVENT_IDX) whose A-core runs the bench program and whose M-core
 * runs the bench firmware, runs one case, and returns its result row. Both cores spin before
 * sleeping when `wait` is `spin`, and sleep at once on the doorbell when it is `sleep`.
 */
export async function runRpmsg(c: RpmsgCase, timeoutMs = 60_000): Promise<BenchResult> {
  const data: RpmsgBenchData = {
    mode: c.mode,
    payload: c.payload,
    total: c.total,
    warmup: c.warmup ?? 0,
    zeroCopy: c.zeroCopy ?? false,
    receiver: c.receiver ?? 'callback',
    timeout: 10_000,
  };
  const soc = await createSoc({
    profile: 'linux',
    master: workerUrl('rpmsg-bench-app'),
    remote: c.firmware === 'c' ? await cBenchFirmware(c) : workerUrl('rpmsg-bench-firmware'),
    masterData: data,
    remoteData: data,
    spin: c.wait === 'spin' ? SPIN_US : 0,
    // Kick thresholds in words of their own, not a flag on the line the peer's index lives on.
    eventIdx: true,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const failed = new Promise<never>((_, reject) => {
      soc.once('crash', reject);
      timer = setTimeout(() => reject(new Error(`rpmsg ${c.mode} ${c.payload} B timed out`)), timeoutMs);
    });
    const report = (await Promise.race([soc.result, failed])) as RpmsgBenchReport;
    if (report.count !== c.total)
      throw new Error(`rpmsg ${c.mode}: ${report.count} of ${c.total} messages arrived`);
    return summarize({
      transport: 'rpmsg',
      mode: c.mode,
      wait: c.wait,
      payload: c.payload,
      total: c.total,
      elapsedNs: report.elapsedNs,
      rttNs: report.rttNs,
      ...variant(c),
    });
  } finally {
    clearTimeout(timer);
    await soc.stop();
  }
}
