import { RpmsgDevice } from '@rpmsg/core';
import { createMockTransportPair, type MockTransportPair } from '@rpmsg/core/testing';
import { openTty, serveTty } from '@rpmsg/tty';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { benchTty } from './tty-stream.js';

interface DevicePair {
  readonly master: RpmsgDevice;
  readonly remote: RpmsgDevice;
  readonly link: MockTransportPair;
}

/** A master/remote pair over core's in-memory mock transports; `link.disconnect()` is a crash. */
async function startPair(): Promise<DevicePair> {
  const link = createMockTransportPair({ buffers: 32, record: false });
  const master = new RpmsgDevice(link.master);
  const remote = new RpmsgDevice(link.remote);
  await Promise.all([master.start(), remote.start()]);
  return { master, remote, link };
}

describe('benchTty', () => {
  let pair: DevicePair;

  beforeEach(async () => {
    pair = await startPair();
  });
  afterEach(async () => {
    await Promise.all([pair.master.close(), pair.remote.close()]);
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
