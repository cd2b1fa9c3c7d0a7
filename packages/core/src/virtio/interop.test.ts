import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryRegion } from '@rpmsg/virtio';
import { describe, expect, it } from 'vitest';
import { RpmsgDevice } from '../device.js';
import { inspectImage, toHex } from '../inspect/inspect-image.js';
import { parseLayoutJson } from '../layout/layout-json.js';
import type { RpmsgLayout } from '../layout/types.js';
import { createMemoryPair } from '../testing/memory-pair.js';
import { VirtioTransport } from './virtio-transport.js';

const VECTORS = join(import.meta.dirname, '../../../../../shared/vectors/rpmsg-lite');
const hasVectors = existsSync(VECTORS);
const FOLDERS = hasVectors ? readdirSync(VECTORS).sort() : [];
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 0xff);

function loadStep(folder: string, step: string) {
  const base = join(VECTORS, folder, step);
  const layout = parseLayoutJson(JSON.parse(readFileSync(`${base}.layout.json`, 'utf8')));
  const file = readFileSync(`${base}.bin`);
  // A copy in shared memory, as a live region would be.
  const sab = new SharedArrayBuffer(file.length);
  new Uint8Array(sab).set(file);
  return { layout, memory: new MemoryRegion(sab, { base: layout.base }), image: new Uint8Array(file) };
}

/** Our master adopting a ring RPMsg-Lite wrote, without resetting it. */
async function attachMaster(layout: RpmsgLayout, memory: MemoryRegion) {
  const kicks: number[] = [];
  const transport = new VirtioTransport({
    role: 'master',
    layout,
    memory,
    notify: (vq) => kicks.push(vq),
    attach: true,
  });
  const device = new RpmsgDevice(transport);
  const got: { src: number; dst: number; payload: string }[] = [];
  const ep = device.createEndpoint({ addr: 1024 });
  ep.on('message', (payload, src) => got.push({ src, dst: 1024, payload: toHex(payload) }));
  await device.start();
  return { transport, device, got, kicks };
}

describe('interop: our remote → inspectImage', () => {
  it.each(['linux', 'rpmsg-lite'] as const)(
    'decodes what our %s remote and master put in memory',
    async (profile) => {
      const pair = createMemoryPair({ profile, numBuffers: 16 });
      await pair.start();
      const remoteEp = pair.remote.createEndpoint({ name: 'rpmsg-tty', addr: 30 });
      const channel = await pair.master.waitForChannel('rpmsg-tty');
      const masterEp = pair.master.createEndpoint({ addr: 1024, dst: channel.remoteAddr });
      await remoteEp.sendTo(1024, new TextEncoder().encode('hello'));
      await remoteEp.sendTo(1024, pattern(496));
      await masterEp.send(new Uint8Array(0));
      await masterEp.send(Uint8Array.of(1, 2, 3));
      await pair.settle();
      const { image, layout } = pair.snapshot();
      const result = inspectImage(image, layout);
      expect(result.problems).toEqual([]);
      const brief = result.messages.map(({ vring, src, dst, len, payload, ns }) => ({
        vring,
        src,
        dst,
        len,
        payload,
        ns,
      }));
      expect(brief).toEqual([
        {
          vring: 'vq0',
          src: 30,
          dst: 53,
          len: 40,
          payload: expect.any(String),
          ns: { name: 'rpmsg-tty', addr: 30, flags: 0 },
        },
        { vring: 'vq0', src: 30, dst: 1024, len: 5, payload: '68656c6c6f', ns: undefined },
        { vring: 'vq0', src: 30, dst: 1024, len: 496, payload: toHex(pattern(496)), ns: undefined },
        { vring: 'vq1', src: 1024, dst: 30, len: 0, payload: '', ns: undefined },
        { vring: 'vq1', src: 1024, dst: 30, len: 3, payload: '010203', ns: undefined },
      ]);
      await pair.close();
    },
  );
});

describe.skipIf(!hasVectors)('interop: RPMsg-Lite images → our master', () => {
  it.each(FOLDERS)('%s/02-hello-pattern delivers exactly what inspect decodes', async (folder) => {
    const { layout, memory, image } = loadStep(folder, '02-hello-pattern');
    const decoded = inspectImage(image, layout).messages;
    const { device, got, transport } = await attachMaster(layout, memory);
    expect(device.poll()).toBe(3);
    const channel = device.getChannel('rpmsg-tty');
    expect(channel?.remoteAddr).toBe(30);
    const data = decoded
      .filter((m) => m.dst === 1024)
      .map(({ src, dst, payload }) => ({ src, dst, payload }));
    expect(got).toEqual(data);
    expect(got.map((m) => m.payload.length / 2)).toEqual([5, 496]);
    // The buffers went back on vq0's avail ring, as RPMsg-Lite's own master did in 03-master-rx.
    const after = inspectImage(memory.bytes, layout).vrings[0]!;
    expect(after.avail.idx).toBe(layout.numBuffers + 3);
    expect(transport.stats.txFree).toBe(layout.numBuffers);
    await device.close();
  });

  it.each(FOLDERS)(
    '%s/03-master-rx holds no unread message for a master attaching after it',
    async (folder) => {
      const { layout, memory } = loadStep(folder, '03-master-rx');
      const { device, got } = await attachMaster(layout, memory);
      expect(device.poll()).toBe(0);
      expect(got).toEqual([]);
      await device.close();
    },
  );

  it.each(FOLDERS)('%s: our rpmsg-lite master starts with the ring state of 00-init', async (folder) => {
    const { layout, image } = loadStep(folder, '00-init');
    const expected = inspectImage(image, layout).vrings.map((v) => [v.avail.idx, v.used.idx]);
    const memory = new MemoryRegion(new SharedArrayBuffer(layout.size), { base: layout.base });
    const kicks: number[] = [];
    const transport = new VirtioTransport({ role: 'master', layout, memory, notify: (vq) => kicks.push(vq) });
    await new RpmsgDevice(transport).start();
    const ours = inspectImage(memory.bytes, layout);
    expect(ours.vrings.map((v) => [v.avail.idx, v.used.idx])).toEqual(expected); // [[N, 0], [0, N]]
    // Same descriptors as RPMsg-Lite: desc k of each ring → buffer k of that ring, whole buffer, WRITE.
    const descs = (bytes: Uint8Array) =>
      layout.vrings.flatMap((v) => {
        const off = v.da - layout.base;
        return [...bytes.subarray(off, off + 16 * v.num)].filter((_, i) => i % 16 < 14);
      });
    expect(descs(memory.bytes)).toEqual(descs(image));
    expect(kicks).toEqual([0]); // the first kick, on vq0, is the remote's link-up
  });

  it.each(FOLDERS)(
    '%s: our remote on the RPMsg-Lite 00-init ring writes what the RPMsg-Lite remote wrote in 02',
    async (folder) => {
      const { layout, memory } = loadStep(folder, '00-init');
      const expected = inspectImage(loadStep(folder, '02-hello-pattern').image, layout);
      const kicks: number[] = [];
      const transport = new VirtioTransport({
        role: 'remote',
        layout,
        memory,
        notify: (vq) => kicks.push(vq),
      });
      const device = new RpmsgDevice(transport);
      transport.onKick(0); // the master's init kick (00-init: "remote serviced the master's init kick")
      await device.start();
      const ep = device.createEndpoint({ name: 'rpmsg-tty', addr: 30 });
      await ep.sendTo(1024, new TextEncoder().encode('hello'));
      await ep.sendTo(1024, pattern(496));
      expect(inspectImage(memory.bytes, layout)).toEqual(expected);
      // One kick per publish — the announce and 'hello' went in one microtask batch, then the pattern:
      // RPMsg-Lite masters set NO_INTERRUPT but still need the mailbox.
      expect(kicks).toEqual([0, 0]);
      await device.close();
    },
  );

  it('refuses to adopt a ring whose descriptors do not point at their buffers', async () => {
    const { layout, memory } = loadStep('mcu-compact', '02-hello-pattern');
    memory.view.setUint32(16, 0x1000_0000 + 0x200 * 3, true); // desc 1 → buffer 3
    const transport = new VirtioTransport({ role: 'master', layout, memory, notify: () => {}, attach: true });
    await expect(new RpmsgDevice(transport).start()).rejects.toMatchObject({ code: 'ERR_RPMSG_RING' });
  });
});
