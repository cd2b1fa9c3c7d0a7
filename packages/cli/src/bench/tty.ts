import { once } from 'node:events';
import { RPMSG_TTY_NAME } from '@rpmsg/core';
import { createSoc, demoFirmwareUrl } from '@rpmsg/soc';
import { openTty } from '@rpmsg/tty';
import type { BenchResult } from './result.js';
import { benchTty } from './tty-stream.js';

/**
 * tty stream throughput: this thread is the A-core (master inline), the demo firmware echoes the
 * `rpmsg-tty` service on the M-core worker; `bytes` written in 16 KiB chunks through an `RpmsgTty`
 * and read back. Reported as an `rpmsg` one-way row with variant `tty` (bytes counted once).
 */
export async function runTtyBench(bytes: number): Promise<BenchResult> {
  const soc = await createSoc({ profile: 'linux', remote: demoFirmwareUrl() });
  try {
    const tty = openTty(soc.master, RPMSG_TTY_NAME);
    await once(tty, 'ready');
    const r = await benchTty(tty, { bytes, chunkSize: 16 * 1024 });
    tty.destroy();
    const seconds = r.elapsedNs / 1e9;
    const mtu = soc.master.mtu;
    const messages = Math.ceil(r.bytes / mtu);
    return {
      transport: 'rpmsg',
      mode: 'one-way',
      payload: mtu,
      msgsPerSec: Math.round(messages / seconds),
      mbPerSec: Math.round(r.mbPerSec * 100) / 100,
      rttMedianUs: null,
      rttP99Us: null,
      wait: 'sleep',
      variant: 'tty',
    };
  } finally {
    await soc.stop();
  }
}
