import type { LayoutProfile } from '@rpmsg/core';
import { runDemo } from '../demo/run-demo.js';
import type { CommandIo } from './io.js';

/** Options of `rpmsg demo`. */
export interface DemoOptions {
  /** Layout profile of the simulated SoC (default `linux`). */
  readonly profile?: LayoutProfile;
  /** Round trips per payload size and channel (default 100). */
  readonly rounds?: number;
}

/**
 * `rpmsg demo`, the main job: boots the simulated SoC — an A-core program and an M-core firmware in
 * two worker threads over one shared region — lets the A-core find the firmware's `rpmsg-echo` and
 * `rpmsg-tty` services by name, exchanges messages of several sizes, verifies every echo and prints
 * a summary. The exit code is non-zero if anything failed.
 */
export async function demo(options: DemoOptions, io: CommandIo): Promise<number> {
  const profile = options.profile ?? 'linux';
  io.out(`rpmsg demo: simulated SoC (${profile} profile), A-core and M-core in two worker threads`);
  io.progress('booting…');
  const s = await runDemo({ profile, ...(options.rounds === undefined ? {} : { rounds: options.rounds }) });
  io.progress('');
  const lines = [
    `  channels       ${s.channels.length > 0 ? s.channels.join(', ') : 'none'}`,
    `  messages       ${fmt(s.messages)} echoed and verified, ${fmt(s.bytes)} payload bytes each way`,
    `  throughput     ${fmt(s.msgsPerSec)} msgs/s, ${s.mbPerSec.toFixed(1)} MB/s (both directions) in ${s.seconds.toFixed(2)} s`,
    `  round trip     median ${s.rttMedianUs.toFixed(1)} µs, p99 ${s.rttP99Us.toFixed(1)} µs`,
  ];
  for (const failure of s.failures) lines.push(`  failure        ${failure}`);
  lines.push(`  result         ${s.ok ? 'OK' : 'FAILED'}`);
  io.out(lines.join('\n'));
  return s.ok ? 0 : 1;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
