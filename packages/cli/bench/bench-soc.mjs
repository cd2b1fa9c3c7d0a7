// The SoC `rpmsg bench` measures RPMsg with (src/bench/rpmsg.ts), for the scripts in this folder:
// the bench's A-core program and firmware (built, in dist/workers/), linux profile, EVENT_IDX.
import { createSoc } from '@rpmsg/soc';

const worker = (name) => new URL(`../dist/workers/${name}.js`, import.meta.url);

/**
 * Boots it for one case: `mode` 'one-way' or 'ping-pong', 16-byte messages, `total` timed after
 * `warmup` untimed; both cores spin on their doorbells when `spin` (default true), else sleep.
 */
export function benchSoc({ mode, total, warmup, spin = true }) {
  const data = { mode, payload: 16, total, warmup, zeroCopy: false, receiver: 'callback', timeout: 10_000 };
  return createSoc({
    master: worker('rpmsg-bench-app'),
    remote: worker('rpmsg-bench-firmware'),
    masterData: data,
    remoteData: data,
    spin: spin ? 200_000 : 0,
    eventIdx: true,
  });
}
