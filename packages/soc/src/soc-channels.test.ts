import type { RpmsgError } from '@rpmsg/core';
import { describe, expect, it } from 'vitest';
import { createSoc, type Soc } from './soc.js';
import { stopSocAfterEach } from './test-soc.js';
import { coreWorkerCount } from './workers.js';

const echoFirmware = new URL('./fixtures/echo-firmware.mjs', import.meta.url);

/** A firmware that works a while (ms) before it announces `rpmsg-late`, then echoes. */
function lateFirmware(ms: number): string {
  const src = `export default function firmware(_d, { lite }) {
    lite.sleep(${ms});
    const ept = lite.createEpt(30);
    lite.nsAnnounce(ept, 'rpmsg-late');
    for (;;) { const m = lite.recvTimeout(ept); lite.sendTimeout(ept, m.src, m.data); }
  }`;
  return `data:text/javascript,${encodeURIComponent(src)}`;
}

let soc: Soc | undefined;
stopSocAfterEach(() => {
  const s = soc;
  soc = undefined;
  return s;
});

describe('waitForChannels', () => {
  it('resolves createSoc only once the named channels are announced', async () => {
    soc = await createSoc({ remote: lateFirmware(200), numBuffers: 8, waitForChannels: ['rpmsg-late'] });
    expect(soc.master.channels().map((c) => c.name)).toEqual(['rpmsg-late']);
  });

  it('waits again on restart()', async () => {
    soc = await createSoc({ remote: lateFirmware(100), numBuffers: 8, waitForChannels: ['rpmsg-late'] });
    await soc.restart();
    expect(soc.master.channels().map((c) => c.name)).toEqual(['rpmsg-late']);
  });

  it('rejects with ERR_RPMSG_TIMEOUT naming the missing channels and those announced', async () => {
    const error = (await createSoc({
      remote: echoFirmware,
      numBuffers: 8,
      // Long enough for a loaded CI machine to load and boot the firmware inside it: the wait must
      // end on the missing channel, not on a slow boot.
      bootTimeout: 3000,
      waitForChannels: ['rpmsg-echo', 'rpmsg-nope'],
    }).catch((e: unknown) => e)) as RpmsgError;
    expect(error).toMatchObject({ name: 'RpmsgError', code: 'ERR_RPMSG_TIMEOUT', limit: 3000 });
    expect(error.message).toContain("'rpmsg-nope'");
    expect(error.message).toContain("announced: 'rpmsg-echo'");
    expect(coreWorkerCount()).toBe(0);
  });

  it('rejects with ERR_RPMSG_PEER_GONE, not a timeout, when the firmware crashes before announcing', async () => {
    const remote = `data:text/javascript,${encodeURIComponent("export default () => { throw new Error('boom'); }")}`;
    const error = (await createSoc({ remote, numBuffers: 8, waitForChannels: ['rpmsg-echo'] }).catch(
      (e: unknown) => e,
    )) as RpmsgError;
    expect(error).toMatchObject({ code: 'ERR_RPMSG_PEER_GONE' });
    expect(error.message).toMatch(/boom/);
    expect(coreWorkerCount()).toBe(0);
  });
});

describe('send codes on the master', () => {
  it('a send after the remote crashed rejects with ERR_RPMSG_PEER_GONE', async () => {
    soc = await createSoc({
      remote: echoFirmware,
      numBuffers: 8,
      remoteData: { crashAfter: 1 },
      waitForChannels: ['rpmsg-echo'],
    });
    const ept = await soc.master.openChannel('rpmsg-echo', { hello: false });
    const crashed = new Promise<RpmsgError>((resolve) => soc?.once('crash', resolve));
    await ept.send(Uint8Array.of(1));
    expect((await crashed).code).toBe('ERR_RPMSG_PEER_GONE');
    await expect(ept.send(Uint8Array.of(2))).rejects.toMatchObject({ code: 'ERR_RPMSG_PEER_GONE' });
    const ep = soc.master.createEndpoint({ dst: 30 });
    await expect(ep.send(Uint8Array.of(3))).rejects.toMatchObject({ code: 'ERR_RPMSG_PEER_GONE' });
  });

  it('a send after stop() rejects with ERR_RPMSG_CLOSED', async () => {
    soc = await createSoc({ remote: echoFirmware, numBuffers: 8, waitForChannels: ['rpmsg-echo'] });
    const master = soc.master;
    const ept = await master.openChannel('rpmsg-echo', { hello: false });
    await soc.stop();
    await expect(ept.send(Uint8Array.of(1))).rejects.toMatchObject({ code: 'ERR_RPMSG_CLOSED' });
    await expect(master.openChannel('rpmsg-echo')).rejects.toMatchObject({ code: 'ERR_RPMSG_CLOSED' });
  });
});
