import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { LinuxTty } from './linux-tty.js';
import { openTty } from './open-tty.js';
import { type Bench, startBench } from './test-support.js';
import { ptyUnavailableReason } from './testing/index.js';

// The tty stream over a pty standing in for /dev/ttyRPMSG0 (a python3 relay echoes on its far end),
// and over a char device for channels of other names.

let bench: Bench | undefined;
afterEach(async () => {
  await bench?.close();
  bench = undefined;
});

/** Writes `data` in `pieces`-byte writes with backpressure; resolves with what came back. */
async function roundTrip(tty: LinuxTty, data: Buffer, pieces: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  const done = new Promise<void>((resolve, reject) => {
    tty.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= data.length) resolve();
    });
    tty.once('error', reject);
  });
  for (let offset = 0; offset < data.length; offset += pieces) {
    if (!tty.write(data.subarray(offset, offset + pieces))) await once(tty, 'drain');
  }
  await done;
  return Buffer.concat(chunks);
}

function pattern(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i += 1) out[i] = (i * 7 + (i >> 8)) & 0xff;
  return out;
}

const noPty = ptyUnavailableReason();

describe.skipIf(noPty !== null)(
  `LinuxTty over /dev/ttyRPMSGn${noPty === null ? '' : ` — skipped: ${noPty}`}`,
  () => {
    it("opens the channel's ttyRPMSG in raw mode: every byte value comes back unchanged", async () => {
      bench = await startBench();
      const tty = openTty(bench.device, 'rpmsg-tty');
      await once(tty, 'ready');
      expect(tty.ttyName).toBe('ttyRPMSG0');
      expect(tty.path).toBe(`${bench.board.root}/dev/ttyRPMSG0`);
      // CR, LF, ^C, ^S/^Q (XON/XOFF), ^D, DEL and 0xff: a cooked line would change or eat them.
      const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      expect((await roundTrip(tty, every, 256)).equals(every)).toBe(true);
      tty.destroy();
    });

    it('streams 256 KiB in odd-sized writes with backpressure', async () => {
      bench = await startBench();
      const tty = openTty(bench.device, 'rpmsg-tty', { highWaterMark: 4096 });
      const data = pattern(256 * 1024);
      expect((await roundTrip(tty, data, 3001)).equals(data)).toBe(true);
      tty.destroy();
    });

    it('errors with ERR_RPMSG_CHANNEL_GONE when the remote destroys the channel (rpmsg_tty hangs up)', async () => {
      bench = await startBench();
      const tty = openTty(bench.device);
      await once(tty, 'ready');
      tty.resume();
      const failed = once(tty, 'error') as Promise<[Error]>;
      bench.rproc.destroyChannel('rpmsg-tty');
      const [error] = await failed;
      expect(error).toMatchObject({ code: 'ERR_RPMSG_CHANNEL_GONE' });
    });

    it('errors with ERR_RPMSG_PEER_GONE when the remote processor stops', async () => {
      bench = await startBench();
      const tty = openTty(bench.device);
      await once(tty, 'ready');
      tty.resume();
      const failed = once(tty, 'error') as Promise<[Error]>;
      await bench.board.fileOps.writeAttribute(`${bench.rproc.dir}/state`, 'stop');
      const [error] = await failed;
      expect(error).toMatchObject({ code: 'ERR_RPMSG_PEER_GONE' });
    });

    it('says ERR_RPMSG_LINUX_BUSY when the tty is locked by another opener', async () => {
      bench = await startBench();
      const first = openTty(bench.device);
      await once(first, 'ready');
      const second = openTty(bench.device);
      const [error] = (await once(second, 'error')) as [Error];
      expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_BUSY', errno: 'EBUSY' });
      first.destroy();
    });

    it('says ERR_RPMSG_LINUX_PERMISSION with the tty udev rule when the node is not ours', async () => {
      bench = await startBench();
      bench.board.deny('dev/ttyRPMSG0');
      const [error] = (await once(openTty(bench.device), 'error')) as [Error];
      expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_PERMISSION' });
      expect(error.message).toContain('KERNEL=="ttyRPMSG[0-9]*"');
    });

    it('errors with ERR_RPMSG_CLOSED when the device closes', async () => {
      bench = await startBench();
      const tty = openTty(bench.device);
      await once(tty, 'ready');
      const failed = once(tty, 'error') as Promise<[Error]>;
      await bench.device.close();
      expect((await failed)[0]).toMatchObject({ code: 'ERR_RPMSG_CLOSED' });
    });
  },
);

describe('LinuxTty over /dev/rpmsgN', () => {
  it('cuts writes into MTU-sized messages and pushes each message read as a chunk', async () => {
    bench = await startBench({ rproc: { services: [{ name: 'rpmsg-echo', addr: 30 }] } });
    const tty = openTty(bench.device, 'rpmsg-echo');
    await once(tty, 'ready');
    expect(tty.ttyName).toBe('rpmsg0');
    const data = pattern(50_000);
    expect((await roundTrip(tty, data, 1234)).equals(data)).toBe(true);
    const sizes = bench.rproc.received('rpmsg-echo').map((m) => m.length);
    expect(Math.max(...sizes)).toBe(496);
    expect(sizes[0]).toBe(0); // the hello
    tty.destroy();
    await once(tty, 'close');
    expect(bench.device.endpoints()).toEqual([]);
  });

  it('errors with ERR_RPMSG_CHANNEL_GONE when the channel leaves the bus', async () => {
    bench = await startBench({ rproc: { services: [{ name: 'rpmsg-echo', addr: 30 }] } });
    const tty = openTty(bench.device, 'rpmsg-echo');
    await once(tty, 'ready');
    tty.resume();
    const failed = once(tty, 'error') as Promise<[Error]>;
    bench.rproc.destroyChannel('rpmsg-echo');
    expect((await failed)[0]).toMatchObject({ code: 'ERR_RPMSG_CHANNEL_GONE' });
  });
});

describe('openTty errors', () => {
  it('says ERR_RPMSG_LINUX_DRIVER_MISSING (CONFIG_RPMSG_TTY) for an rpmsg-tty channel without rpmsg_tty', async () => {
    bench = await startBench({ board: { drivers: { rpmsgTty: false } } });
    const [error] = (await once(openTty(bench.device, 'rpmsg-tty'), 'error')) as [Error];
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_DRIVER_MISSING' });
    expect(error.message).toMatch(/CONFIG_RPMSG_TTY.*modprobe rpmsg_tty/);
  });

  it('says ERR_RPMSG_LINUX_KERNEL_TOO_OLD before Linux 5.16', async () => {
    bench = await startBench({ board: { release: '5.15.0' } });
    const [error] = (await once(openTty(bench.device, 'rpmsg-tty'), 'error')) as [Error];
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_KERNEL_TOO_OLD' });
    expect(error.message).toMatch(/5\.16/);
  });

  it('times out with ERR_RPMSG_TIMEOUT, and is destroyed while opening without an error', async () => {
    bench = await startBench({ rproc: { services: [] } });
    const [error] = (await once(openTty(bench.device, 'nope', { openTimeout: 20 }), 'error')) as [Error];
    expect(error).toMatchObject({ code: 'ERR_RPMSG_TIMEOUT' });
    const waiting = openTty(bench.device, 'nope');
    let errored = false;
    waiting.on('error', () => {
      errored = true;
    });
    waiting.destroy();
    await once(waiting, 'close');
    expect(errored).toBe(false);
  });

  it('refuses what is neither a Linux nor a simulator device', () => {
    expect(() => openTty({} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});
