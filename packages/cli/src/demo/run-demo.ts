import type { LayoutProfile } from '@rpmsg/core';
import { createSoc, demoFirmwareUrl, type TraceOptions } from '@rpmsg/soc';
import { workerUrl } from '../worker-url.js';
import type { DemoAppData } from '../workers/demo-app.js';
import type { DemoSummary } from './demo-summary.js';
import { summarize } from './demo-summary.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Layout profile (default `linux`). */
  profile?: LayoutProfile;
  /** Payload sizes of the ping-pong phase (default 0, 1, 16, 64, 256, 496). */
  sizes?: number[];
  /** Round trips per size and channel (default 100). */
  rounds?: number;
  /** MTU-sized messages streamed per channel in the throughput phase (default 2000). */
  burst?: number;
  /** Messages in flight during the burst (default 16). */
  window?: number;
  /** Microseconds the cores spin before sleeping (default 0). */
  spin?: number;
  /** Per-step timeout in ms (default 5000). */
  timeout?: number;
  /** Opt-in trace of the run. */
  trace?: boolean | TraceOptions;
}

/** URL of the demo's A-core program module (a worker program of this package). */
export function demoAppUrl(): URL {
  return workerUrl('demo-app');
}

/**
 * `rpmsg demo`: boots a SoC whose M-core firmware announces `rpmsg-echo` and `rpmsg-tty`, runs the
 * A-core program in a second worker (it discovers both channels by name, exchanges messages of
 * several sizes and verifies every echo), stops the SoC and returns the summary. Never throws for a
 * failed run: `ok` is false and `failures` says why.
 *
 * ```ts
 * const summary = await runDemo();
 * console.log(summary.ok, summary.msgsPerSec, summary.rttMedianUs);
 * ```
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const data: DemoAppData = {
    sizes: options.sizes ?? [0, 1, 16, 64, 256, 496],
    rounds: options.rounds ?? 100,
    burst: options.burst ?? 2000,
    window: options.window ?? 16,
    timeout: options.timeout ?? 5000,
  };
  const started = performance.now();
  let soc: Awaited<ReturnType<typeof createSoc>> | undefined;
  try {
    soc = await createSoc({
      profile: options.profile ?? 'linux',
      master: demoAppUrl(),
      remote: demoFirmwareUrl(),
      masterData: data,
      spin: options.spin,
      trace: options.trace,
    });
    const crashed = new Promise<never>((_, reject) => soc?.once('crash', reject));
    return (await Promise.race([soc.result, crashed])) as DemoSummary;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    return summarize({
      channels: [],
      messages: 0,
      bytes: 0,
      seconds: (performance.now() - started) / 1000,
      rtts: [],
      failures: [code ? `${code}: ${message}` : message],
    });
  } finally {
    await soc?.stop();
  }
}
