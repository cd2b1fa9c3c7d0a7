import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { benchTty } from './bench-tty.js';
import { openTty } from './open-tty.js';
import { type DevicePair, startPair } from './test-support.js';
import { serveTty } from './tty-service.js';

describe('benchTty', () => {
  let pair: DevicePair;

  beforeEach(async () => {
    pair = await startPair();
  });
  afterEach(async () => {
    await pair.close();
  });

  it('waits for every byte to come back and reports MB/s from the elapsed time', async () => {
    serveTty(pair.remote);
    const tty = openTty(pair.master);
    const times = [0n, 2_000_000_000n]; // a fake clock: the run "takes" 2 s
    const result = await benchTty(tty, { bytes: 1_000_000, chunkSize: 3000, now: () => times.shift()! });
    expect(result).toEqual({ bytes: 1_000_000, chunkSize: 3000, elapsedNs: 2e9, mbPerSec: 0.5 });
    expect(tty.destroyed).toBe(false);
    tty.destroy();
  });

  it('fails with the stream error when the peer goes away during the run', async () => {
    serveTty(pair.remote, {
      handler: (d) => {
        pair.link.disconnect();
        return d;
      },
    });
    const tty = openTty(pair.master);
    await expect(benchTty(tty, { bytes: 100_000 })).rejects.toMatchObject({ code: 'ERR_RPMSG_PEER_GONE' });
  });
});
