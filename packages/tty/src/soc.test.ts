// Through the simulated SoC: the A-core side in this thread (master 'inline'), the firmware in a
// worker over shared RAM and doorbells. Workers load built code, so dist is rebuilt when stale.
import { execSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RxMessage } from '@rpmsg/core';
import { createSoc, demoFirmwareUrl, type Soc } from '@rpmsg/soc';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTty } from './open-tty.js';
import type { RpmsgTty } from './rpmsg-tty.js';
import { pipeLines, prng, randomBytes } from './test-support.js';

const ttyFirmware = new URL('./fixtures/tty-firmware.mjs', import.meta.url);

/** The fixture firmware imports '@rpmsg/tty' (this package's dist): rebuild it if src is newer. */
function ensureBuilt(): void {
  const src = fileURLToPath(new URL('.', import.meta.url));
  let built = 0;
  try {
    built = statSync(fileURLToPath(new URL('../dist/index.js', import.meta.url))).mtimeMs;
  } catch {}
  const newest = Math.max(
    ...readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => statSync(src + f).mtimeMs),
  );
  if (newest > built)
    execSync('pnpm run build', { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'ignore' });
}

async function roundTrip(tty: RpmsgTty, data: Buffer, seed: number): Promise<Buffer> {
  const out = Buffer.alloc(data.length);
  let got = 0;
  const received = new Promise<void>((resolve, reject) => {
    tty.on('data', (chunk: Buffer) => {
      chunk.copy(out, got);
      got += chunk.length;
      if (got >= data.length) resolve();
    });
    tty.once('error', reject);
  });
  received.catch(() => {}); // awaited below; the writer may see the error first
  const next = prng(seed);
  for (let offset = 0; offset < data.length; ) {
    const n = Math.min(data.length - offset, 1 + Math.floor(next() * 64 * 1024));
    const ok = tty.write(data.subarray(offset, offset + n));
    offset += n;
    if (!ok) await once(tty, 'drain');
  }
  await received;
  return out;
}

describe('RpmsgTty on the simulated SoC', () => {
  let soc: Soc | undefined;

  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    await soc?.stop();
    soc = undefined;
  });

  it("round-trips 10 MB in random-size writes through the demo firmware's rpmsg-tty echo", async () => {
    soc = await createSoc({ remote: demoFirmwareUrl() });
    const tty = openTty(soc.master);
    const data = randomBytes(10 * 1024 * 1024, 21);
    const echoed = await roundTrip(tty, data, 22);
    expect(echoed.equals(data)).toBe(true);
    tty.destroy();
  });

  it('serves the tty from firmware built on serveTty', async () => {
    soc = await createSoc({ remote: ttyFirmware });
    const tty = openTty(soc.master);
    const data = randomBytes(1024 * 1024, 23);
    expect((await roundTrip(tty, data, 24)).equals(data)).toBe(true);
    tty.destroy();
  });

  it('pipeline(lines, tty, sink) resolves with every echo from firmware built on serveTty', async () => {
    soc = await createSoc({ remote: ttyFirmware });
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'.'.repeat(i % 40)}\n`);
    const tty = openTty(soc.master);
    expect(await pipeLines(tty, lines)).toBe(lines.join(''));
    expect(soc.master.endpoints()).toHaveLength(0);
  });

  it('pipeline(lines, tty, sink) resolves with every echo from the demo firmware, which echoes the end marker', async () => {
    soc = await createSoc({ remote: demoFirmwareUrl() });
    const lines = Array.from({ length: 5_000 }, (_, i) => `line ${i} ${'.'.repeat(i % 60)}\n`);
    const tty = openTty(soc.master);
    expect(await pipeLines(tty, lines)).toBe(lines.join(''));
    expect(soc.master.endpoints()).toHaveLength(0);
  });

  it('against a peer that echoes the marker as a plain 0-byte message, the readable side stays open until destroy()', async () => {
    soc = await createSoc({ remote: demoFirmwareUrl() });
    const tty = openTty(soc.master);
    await once(tty, 'ready');
    const chunks: Buffer[] = [];
    tty.on('data', (c: Buffer) => chunks.push(c));
    // As NXP's rpmsg_lite_str_echo does (its API has no flags): a 0-byte message with flags 0 is a hello.
    tty.endpoint!.send(new Uint8Array(0));
    await new Promise<void>((resolve) => {
      tty.endpoint!.on('message', (payload: Uint8Array, _src: number, msg: RxMessage) => {
        if (payload.length === 0 && msg.flags === 0) resolve();
      });
    });
    tty.write('ping');
    for (let i = 0; i < 20 && Buffer.concat(chunks).length < 4; i += 1) {
      await new Promise<void>((resolve) => setTimeout(resolve, 5));
    }
    expect(Buffer.concat(chunks).toString()).toBe('ping');
    expect(tty.readableEnded).toBe(false); // a hello, not an end: the tty waits, as on Linux
    tty.destroy();
    await once(tty, 'close');
    expect(soc.master.endpoints()).toHaveLength(0);
  });

  it('errors with ERR_RPMSG_PEER_GONE when the firmware crashes mid-stream, then reopens after restart', async () => {
    soc = await createSoc({ remote: ttyFirmware, numBuffers: 16, remoteData: { crashAfter: 200_000 } });
    const tty = openTty(soc.master);
    const failed = roundTrip(tty, randomBytes(2 * 1024 * 1024, 25), 26);
    await expect(failed).rejects.toMatchObject({ code: 'ERR_RPMSG_PEER_GONE' });
    expect(tty.destroyed).toBe(true);
    expect(soc.master.endpoints()).toHaveLength(0);

    await soc.restart();
    const again = openTty(soc.master);
    const data = randomBytes(300_000, 27); // above crashAfter: the restarted firmware counts afresh
    expect((await roundTrip(again, data.subarray(0, 150_000), 28)).equals(data.subarray(0, 150_000))).toBe(
      true,
    );
    again.destroy();
  });
});
