import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RpmsgDevice, RpmsgLayout } from '@rpmsg/core';
import { inspectImage, parseLayoutJson, RpmsgError, readResourceTable } from '@rpmsg/core';
import { describe, expect, it } from 'vitest';
import { createSoc, type Soc } from './soc.js';
import { stopSocAfterEach } from './test-soc.js';
import type { TraceEvent } from './trace.js';
import { coreWorkerCount } from './workers.js';

const echoFirmware = new URL('./fixtures/echo-firmware.mjs', import.meta.url);
const callbackFirmware = new URL('./fixtures/callback-firmware.mjs', import.meta.url);

/** A firmware module whose image patches its resource table (as a data: URL module). */
function patchedFirmware(patch: string): string {
  const src = `export const resourceTable = (table, view) => { ${patch} };
export default function firmware(_d, { lite }) { lite.createEpt(30); for (;;) lite.sleep(1000); }`;
  return `data:text/javascript,${encodeURIComponent(src)}`;
}

async function echoOnce(device: RpmsgDevice, payload: Uint8Array, name = 'rpmsg-echo'): Promise<Uint8Array> {
  const ept = await device.openChannel(name, { hello: false, timeout: 5000 });
  try {
    const reply = new Promise<Uint8Array>((resolve) =>
      ept.once('message', (p: Uint8Array) => resolve(p.slice())),
    );
    await ept.send(payload);
    return await reply;
  } finally {
    ept.destroy();
  }
}

let soc: Soc | undefined;
stopSocAfterEach(() => {
  const s = soc;
  soc = undefined;
  return s;
});

describe('createSoc', () => {
  for (const profile of ['linux', 'rpmsg-lite'] as const) {
    it(`boots the ${profile} handshake and the firmware's channel carries messages`, async () => {
      soc = await createSoc({ profile, remote: echoFirmware, numBuffers: 16 });
      expect(soc.state).toBe('running');
      const reply = await echoOnce(soc.master, new Uint8Array([1, 2, 3]));
      expect([...reply]).toEqual([1, 2, 3]);
      if (profile === 'linux') {
        const table = readResourceTable(soc.ram.memory, soc.layout.resourceTable as number);
        expect(table.vdev.status & 4).toBe(4); // DRIVER_OK
        expect(table.vdev.gfeatures & 1n).toBe(1n); // VIRTIO_RPMSG_F_NS negotiated
        expect(table.vdev.vrings.map((v) => v.notifyId)).toEqual([0, 1]);
      }
    });
  }

  it('negotiates VIRTIO_RING_F_EVENT_IDX when asked to, and messages still flow', async () => {
    soc = await createSoc({ remote: echoFirmware, numBuffers: 16, eventIdx: true });
    const table = readResourceTable(soc.ram.memory, soc.layout.resourceTable as number);
    expect(table.vdev.gfeatures & (1n << 29n)).toBe(1n << 29n);
    expect(soc.layout.eventIdx).toBe(true);
    for (let i = 0; i < 40; i++) expect([...(await echoOnce(soc.master, Uint8Array.of(i)))]).toEqual([i]);
  });

  it('gives a released RX buffer back at once when the firmware then works without waiting', async () => {
    // Receives one message, releases it, then blocks 600 ms without calling the API (no pump runs).
    const src = `export default function firmware(_d, { lite }) {
      const ept = lite.createEpt(30);
      lite.nsAnnounce(ept, 'rpmsg-hold');
      lite.releaseRxBuffer(lite.recvNocopy(ept));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600);
      for (;;) lite.sleep(1000);
    }`;
    soc = await createSoc({ remote: `data:text/javascript,${encodeURIComponent(src)}`, numBuffers: 16 });
    const ept = await soc.master.openChannel('rpmsg-hold', { hello: false, timeout: 5000 });
    soc.master.poll();
    const full = soc.master.stats.txFree;
    await ept.send(Uint8Array.of(1));
    // Well before the firmware's 600 ms block ends, the master can take its buffer back.
    const deadline = Date.now() + 400;
    let back = false;
    while (!back && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      soc.master.poll(); // takes back what the remote published
      back = soc.master.stats.txFree === full;
    }
    expect(back).toBe(true);
  });

  it('publishes a firmware send at once, as rpmsg_lite_send does, though the device API batches', async () => {
    // Sends one message after the master's hello, then blocks 600 ms without calling the API.
    const src = `export default function firmware(_d, { lite }) {
      const ept = lite.createEpt(30);
      lite.nsAnnounce(ept, 'rpmsg-first');
      const hello = lite.recvTimeout(ept);
      lite.sendTimeout(ept, hello.src, Uint8Array.of(7));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600);
      for (;;) lite.sleep(1000);
    }`;
    soc = await createSoc({ remote: `data:text/javascript,${encodeURIComponent(src)}`, numBuffers: 16 });
    const ept = await soc.master.openChannel('rpmsg-first', { hello: false, timeout: 5000 });
    const got: number[] = [];
    ept.on('message', (payload: Uint8Array) => got.push(...payload));
    await ept.send(Uint8Array.of(1));
    // Well before the firmware's 600 ms block ends, its message is on the ring.
    const deadline = Date.now() + 400;
    while (got.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      soc.master.poll();
    }
    expect(got).toEqual([7]);
  });

  it('runs an event-style firmware that returns after creating a named endpoint', async () => {
    soc = await createSoc({ remote: callbackFirmware, numBuffers: 16 });
    const reply = await echoOnce(soc.master, new Uint8Array([9]), 'rpmsg-callback');
    expect([...reply]).toEqual([9]);
  });

  const badTables: [string, string, string][] = [
    ['ver', 'view.setUint32(0, 2, true)', 'ver'],
    ['reserved', 'view.setUint32(8, 1, true)', 'reserved'],
    ['vdev id', 'view.setUint32(24, 3, true)', 'vdev.id'],
    ['vring count', 'view.setUint8(45, 3)', 'vdev.num_of_vrings'],
    ['vring num', 'view.setUint32(56, 3, true)', 'vring[0].num'],
    ['vring outside', 'view.setUint32(68, 0x7000_0000, true)', 'vring[1].da'],
    ['vring overlap', 'view.setUint32(68, view.getUint32(48, true), true)', 'vring[1].da'],
  ];
  for (const [what, patch, field] of badTables) {
    it(`rejects a resource table with a bad ${what}, naming ${field}`, async () => {
      const error = await createSoc({ remote: patchedFirmware(patch), numBuffers: 16 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RpmsgError);
      expect((error as RpmsgError).code).toBe('ERR_RPMSG_RSC_TABLE');
      expect((error as RpmsgError).field).toBe(field);
      expect(coreWorkerCount()).toBe(0);
    });
  }
});

describe('crash and restart', () => {
  it('a remote that throws during a stream takes the link down with typed errors, then restarts', async () => {
    soc = await createSoc({ remote: echoFirmware, numBuffers: 8, remoteData: { crashAfter: 50 } });
    const master = soc.master;
    const ept = await master.openChannel('rpmsg-echo', { hello: false });
    const crashed = new Promise<RpmsgError>((resolve) => soc?.once('crash', resolve));
    const removed = new Promise<void>((resolve) => master.getChannel('rpmsg-echo')?.once('removed', resolve));
    const errors: string[] = [];
    const started = Date.now();
    // Stream without waiting for echoes: the remote dies mid-way, the 8 TX buffers run out.
    for (let i = 0; i < 200 && errors.length === 0; i++) {
      await ept.send(new Uint8Array(64), { timeout: 5000 }).catch((e: RpmsgError) => errors.push(e.code));
    }
    const crash = await crashed;
    await removed;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(crash.code).toBe('ERR_RPMSG_PEER_GONE');
    expect(errors[0]).toMatch(/ERR_RPMSG_(PEER_GONE|LINK_DOWN)/);
    expect(master.channels()).toEqual([]);
    expect(soc.state).toBe('crashed');
    await expect(ept.send(new Uint8Array(1))).rejects.toMatchObject({
      code: expect.stringMatching(/ERR_RPMSG_/),
    });

    await soc.restart();
    expect(soc.state).toBe('running');
    const channel = await master.waitForChannel('rpmsg-echo', { timeout: 5000 });
    expect(channel.removed).toBe(false);
    expect([...(await echoOnce(master, new Uint8Array([7])))]).toEqual([7]);
    expect(coreWorkerCount()).toBe(1);
  });

  it('a remote that stops answering is caught by the watchdog', async () => {
    soc = await createSoc({
      remote: echoFirmware,
      numBuffers: 8,
      watchdog: 200,
      remoteData: { hangAfter: 1 },
    });
    const crashed = new Promise<RpmsgError>((resolve) => soc?.once('crash', resolve));
    const started = Date.now();
    await echoOnce(soc.master, new Uint8Array([1]));
    const crash = await crashed;
    expect(crash.code).toBe('ERR_RPMSG_PEER_GONE');
    expect(crash.message).toMatch(/watchdog/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(soc.master.channels()).toEqual([]);
  });

  it('restarts 100 times without leaking threads, listeners or handles', async () => {
    soc = await createSoc({ remote: echoFirmware, numBuffers: 4 });
    const master = soc.master;
    await master.waitForChannel('rpmsg-echo');
    const resources = process.getActiveResourcesInfo().length;
    const listeners = master.eventNames().map((n) => master.listenerCount(n));
    for (let i = 0; i < 100; i++) {
      await soc.restart();
      await master.waitForChannel('rpmsg-echo', { timeout: 5000 });
    }
    expect([...(await echoOnce(master, new Uint8Array([42])))]).toEqual([42]);
    expect(coreWorkerCount()).toBe(1);
    expect(master.eventNames().map((n) => master.listenerCount(n))).toEqual(listeners);
    expect(master.endpoints().length).toBe(0);
    expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(resources + 2);
  }, 30_000);

  for (const profile of ['linux', 'rpmsg-lite'] as const) {
    it(`a master reboot with the remote running (${profile}): the remote resyncs and re-announces`, async () => {
      soc = await createSoc({ profile, remote: echoFirmware, numBuffers: 8 });
      const master = soc.master;
      expect([...(await echoOnce(master, new Uint8Array([1])))]).toEqual([1]);
      const removed = new Promise<void>((resolve) =>
        master.getChannel('rpmsg-echo')?.once('removed', resolve),
      );
      let restarted = false;
      soc.once('restart', () => {
        restarted = true;
      });
      await soc.restartMaster();
      await removed;
      await master.waitForChannel('rpmsg-echo', { timeout: 5000 });
      for (let i = 0; i < 20; i++) expect([...(await echoOnce(master, new Uint8Array([i])))]).toEqual([i]);
      expect(restarted).toBe(false);
      expect(coreWorkerCount()).toBe(1);
    });
  }

  it('a master worker restarted while the remote runs finds the channel again', async () => {
    const app = `data:text/javascript,${encodeURIComponent(`export default async function (device) {
      const ept = await device.openChannel('rpmsg-echo', { hello: false, timeout: 5000 });
      const reply = new Promise((r) => ept.once('message', (p) => r([...p])));
      await ept.send(new Uint8Array([5, 6]));
      return reply;
    }`)}`;
    soc = await createSoc({ master: app, remote: echoFirmware, numBuffers: 8 });
    expect(await soc.result).toEqual([5, 6]);
    await soc.restartMaster();
    expect(coreWorkerCount()).toBe(2);
  });
});

describe('trace, stats and snapshot', () => {
  it('traces kicks, NS events, messages and lifecycle to the stream and a JSON-lines file', async () => {
    const file = join(tmpdir(), `rpmsg-soc-trace-${process.pid}.jsonl`);
    const events: TraceEvent[] = [];
    soc = await createSoc({ remote: echoFirmware, numBuffers: 8, trace: { file, payloadBytes: 4 } });
    soc.on('trace', (e: TraceEvent) => events.push(e));
    await echoOnce(soc.master, new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x55]));
    const stats = await soc.stats();
    expect(stats.master?.txMessages).toBeGreaterThan(0);
    expect(stats.remote?.endpoints ?? []).toEqual([]); // the blocking firmware does not answer
    await soc.stop();
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TraceEvent);
    const types = new Set(lines.map((e) => `${e.core}:${e.type}`));
    expect(types).toContain('master:kick');
    expect(types).toContain('remote:kick');
    expect(types).toContain('master:ns');
    expect(types).toContain('soc:lifecycle');
    const tx = lines.find(
      (e) => e.type === 'message' && e.dir === 'tx' && e.core === 'master' && e.len === 5,
    );
    expect(tx).toMatchObject({ dst: 30, payload: 'deadbeef' });
    expect(events.some((e) => e.type === 'message' && e.core === 'remote')).toBe(true);
  });

  it('snapshot() gives an image and layout that inspectImage decodes', async () => {
    soc = await createSoc({ remote: echoFirmware, numBuffers: 8 });
    await echoOnce(soc.master, new TextEncoder().encode('snap'));
    const snap = soc.snapshot();
    const layout: RpmsgLayout = parseLayoutJson(JSON.parse(JSON.stringify(snap.layout)));
    const result = inspectImage(snap.image, layout);
    expect(result.problems).toEqual([]);
    expect(result.messages.some((m) => m.ns?.name === 'rpmsg-echo')).toBe(true);
    expect(result.messages.some((m) => m.payload === Buffer.from('snap').toString('hex'))).toBe(true);
  });
});
