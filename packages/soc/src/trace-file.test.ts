import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RpmsgError } from '@rpmsg/core';
import { describe, expect, it } from 'vitest';
import { createSoc, type Soc } from './soc.js';
import { stopSocAfterEach } from './test-soc.js';
import { coreWorkerCount } from './workers.js';

const remote = new URL('./fixtures/echo-firmware.mjs', import.meta.url);
/** A file every write to fails with ENOSPC (Linux): a deterministic write error after a good open. */
const FULL = '/dev/full';

let soc: Soc | undefined;
stopSocAfterEach(() => {
  const s = soc;
  soc = undefined;
  return s;
});

async function echo(s: Soc): Promise<number[]> {
  const ept = await s.master.openChannel('rpmsg-echo', { hello: false, timeout: 5000 });
  const reply = new Promise<number[]>((resolve) => ept.once('message', (p: Uint8Array) => resolve([...p])));
  await ept.send(Uint8Array.of(1, 2));
  const got = await reply;
  ept.destroy();
  return got;
}

describe('trace file', () => {
  it('createSoc rejects with ERR_RPMSG_TRACE when the file cannot be opened, leaving nothing running', async () => {
    // Handles and timers (an fs request still finishing its callback is not one).
    const handles = () => process.getActiveResourcesInfo().filter((r) => r !== 'FSReqCallback').length;
    const resources = handles();
    const file = join(tmpdir(), 'rpmsg-no-such-dir', 'sub', 'trace.jsonl');
    const error = (await createSoc({ remote, numBuffers: 8, trace: { file } }).catch(
      (e: unknown) => e,
    )) as RpmsgError;
    expect(error).toMatchObject({ name: 'RpmsgError', code: 'ERR_RPMSG_TRACE' });
    expect(error.message).toContain(file);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(coreWorkerCount()).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(handles()).toBeLessThanOrEqual(resources);
  });

  it('rejects a directory as the trace file (EISDIR) the same way', async () => {
    const error = (await createSoc({ remote, numBuffers: 8, trace: { file: tmpdir() } }).catch(
      (e: unknown) => e,
    )) as RpmsgError;
    expect(error.code).toBe('ERR_RPMSG_TRACE');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('EISDIR');
  });

  it.skipIf(!existsSync(FULL))(
    'reports a failed write as a trace-error event; the SoC and its trace events go on',
    async () => {
      soc = await createSoc({ remote, numBuffers: 8, trace: { file: FULL } });
      const [error] = (await once(soc, 'trace-error')) as [RpmsgError];
      expect(error).toMatchObject({ name: 'RpmsgError', code: 'ERR_RPMSG_TRACE' });
      expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
      let traced = 0;
      soc.on('trace', () => traced++);
      expect(await echo(soc)).toEqual([1, 2]);
      expect(soc.state).toBe('running');
      await soc.stop(); // closes the failed file without a second report or a hang
      expect(traced).toBeGreaterThan(0);
    },
  );

  it.skipIf(!existsSync(FULL))(
    'without a trace-error listener, a failed write is a process warning, not a crash',
    async () => {
      const warned = new Promise<Error>((resolve) => {
        const onWarning = (w: Error & { code?: string }) => {
          if (w.code !== 'ERR_RPMSG_TRACE') return;
          process.off('warning', onWarning);
          resolve(w);
        };
        process.on('warning', onWarning);
      });
      soc = await createSoc({ remote, numBuffers: 8, trace: { file: FULL } });
      const warning = await warned;
      expect(warning).toMatchObject({ name: 'RpmsgError', code: 'ERR_RPMSG_TRACE' });
      expect(await echo(soc)).toEqual([1, 2]);
    },
  );

  it('still writes a good trace file to the end', async () => {
    const file = join(tmpdir(), `rpmsg-soc-trace-ok-${process.pid}.jsonl`);
    soc = await createSoc({ remote, numBuffers: 8, trace: { file } });
    await echo(soc);
    await soc.stop();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).type)).toContain('message');
    expect(JSON.parse(lines[lines.length - 1] as string)).toMatchObject({ type: 'lifecycle', event: 'stop' });
  });
});
