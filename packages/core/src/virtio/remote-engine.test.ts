import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryRegion, VRING_DESC_F_WRITE } from '@rpmsg/virtio';
import { RingPuppet } from '@rpmsg/virtio/testing';
import { describe, expect, it } from 'vitest';
import { RPMSG_HEADER_SIZE } from '../constants.js';
import { RpmsgDevice } from '../device.js';
import { createLayout } from '../layout/create-layout.js';
import { parseLayoutJson } from '../layout/layout-json.js';
import type { RpmsgLayout } from '../layout/types.js';
import type { HeldMessage } from '../rx-message.js';
import { createMemoryPair } from '../testing/memory-pair.js';
import { VirtioTransport } from './virtio-transport.js';

const VECTORS = join(import.meta.dirname, '../../../../../shared/vectors/rpmsg-lite');
const FOLDERS = existsSync(VECTORS) ? readdirSync(VECTORS).sort() : [];
const PROFILES = ['linux', 'rpmsg-lite'] as const;

/** Remote endpoint 30 "rpmsg-tty" and the master's endpoint on that channel, hello exchanged. */
async function connected(profile: (typeof PROFILES)[number]) {
  const pair = createMemoryPair({ profile, numBuffers: 4, align: 16 });
  await pair.start();
  const remoteEp = pair.remote.createEndpoint({ name: 'rpmsg-tty', addr: 30 });
  const channel = await pair.master.waitForChannel('rpmsg-tty', { timeout: 1000 });
  const masterEp = await pair.master.openChannel(channel);
  await pair.settle();
  const { da, num, align } = pair.layout.vrings[1];
  return { pair, remoteEp, masterEp, vq1: new RingPuppet(pair.memory, da, num, align) };
}

/** The used element the remote wrote last on vq1, and the descriptor it names. */
function lastReturned(vq1: RingPuppet) {
  const elem = vq1.usedElem((vq1.usedIdx() - 1) & 0xffff);
  return { elem, desc: vq1.readDesc(elem.id) };
}

describe('remote: used.len of a master → remote buffer (docs/interop.md, "Returning buffers")', () => {
  it.each(PROFILES)('is the descriptor length it came with (%s)', async (profile) => {
    const { pair, masterEp, vq1 } = await connected(profile);
    for (const size of [0, 5, 496]) {
      await masterEp.send(new Uint8Array(size));
      await pair.settle();
      const { elem, desc } = lastReturned(vq1);
      expect(desc.len).toBe(RPMSG_HEADER_SIZE + size); // our master: desc.len = the message length
      expect(elem.len).toBe(desc.len);
    }
    await pair.close();
  });

  it.each(PROFILES)('is the descriptor length for a buffer held and released later (%s)', async (profile) => {
    const { pair, remoteEp, masterEp, vq1 } = await connected(profile);
    const held: HeldMessage[] = [];
    remoteEp.on('message', (_payload, _src, msg) => held.push(msg.hold()));
    await masterEp.send(new Uint8Array(100));
    await masterEp.send(new Uint8Array(7)); // another length in between: each buffer keeps its own
    await pair.settle();
    expect(held).toHaveLength(2);
    const before = vq1.usedIdx();
    held[0]!.release();
    pair.remote.flush();
    expect(vq1.usedIdx()).toBe((before + 1) & 0xffff);
    expect(lastReturned(vq1).elem.len).toBe(RPMSG_HEADER_SIZE + 100);
    held[1]!.release();
    pair.remote.flush();
    expect(lastReturned(vq1).elem.len).toBe(RPMSG_HEADER_SIZE + 7);
    await pair.close();
  });

  it.each(PROFILES)(
    'is not read by our master: full-size sends go on whatever it says (%s)',
    async (profile) => {
      const { pair, remoteEp, masterEp, vq1 } = await connected(profile);
      const got: number[] = [];
      const held: HeldMessage[] = [];
      remoteEp.on('message', (payload, _src, msg) => {
        got.push(payload.length);
        held.push(msg.hold());
      });
      // Two laps of the ring with every returned buffer claiming 0 bytes, two claiming 2^32 − 1: our
      // master takes a TX buffer's capacity from the buffer size, never from used.len.
      for (const claim of [0, 0xffff_ffff]) {
        for (let i = 0; i < 2 * pair.layout.numBuffers; i++) {
          await masterEp.send(new Uint8Array(pair.master.mtu));
          await pair.settle();
          held.shift()!.release();
          pair.remote.flush(); // published; the master's pump runs at the next microtask
          const last = (vq1.usedIdx() - 1) & 0xffff;
          vq1.setUsedElem(last, { id: vq1.usedElem(last).id, len: claim });
          await pair.settle();
        }
      }
      expect(got).toEqual(Array(4 * pair.layout.numBuffers).fill(pair.master.mtu));
      pair.master.poll(); // takes back what the remote returned last
      expect(pair.masterTransport.stats.txFree).toBe(pair.layout.numBuffers);
      expect(pair.masterTransport.stats.errors).toBe(0);
      await pair.close();
    },
  );
});

/**
 * RPMsg-Lite's master, played by hand on an `rpmsg-lite` region (v5.4.0, rpmsg_lite.c / virtqueue.c):
 * `rpmsg_lite_alloc_tx_buffer` takes the next element of vq1's used ring — its payload capacity is
 * that element's `len` − 16 — and `rpmsg_lite_send_nocopy` puts the head back on vq1's avail ring
 * with the descriptor untouched (still WRITE, len 512), then kicks.
 */
class RpmsgLiteMaster {
  readonly vq1: RingPuppet;
  #lastUsed = 0;

  constructor(
    readonly memory: MemoryRegion,
    readonly layout: RpmsgLayout,
  ) {
    const { da, num, align } = layout.vrings[1];
    this.vq1 = new RingPuppet(memory, da, num, align);
  }

  /** `rpmsg_lite_master_init`'s rings (vectors 00-init): RX buffers on vq0's avail ring, TX on vq1's used ring. */
  static init(memory: MemoryRegion, layout: RpmsgLayout): void {
    const n = layout.numBuffers;
    const [vq0, vq1] = layout.vrings.map((v) => new RingPuppet(memory, v.da, v.num, v.align)) as [
      RingPuppet,
      RingPuppet,
    ];
    for (let k = 0; k < n; k++) {
      const rx = {
        addr: layout.pool + k * layout.bufferSize,
        len: layout.bufferSize,
        flags: VRING_DESC_F_WRITE,
      };
      vq0.writeDesc(k, { ...rx, next: 0 });
      vq0.setAvailRing(k, k);
      const tx = {
        addr: layout.pool + (n + k) * layout.bufferSize,
        len: layout.bufferSize,
        flags: VRING_DESC_F_WRITE,
      };
      vq1.writeDesc(k, { ...tx, next: 0 });
      vq1.setUsedElem(k, { id: k, len: layout.bufferSize });
    }
    vq0.setAvailIdx(n);
    vq1.setUsedIdx(n);
  }

  /** `rpmsg_lite_alloc_tx_buffer`: a TX buffer and its payload capacity, or null when none is back. */
  alloc(): { head: number; capacity: number } | null {
    if (this.#lastUsed === this.vq1.usedIdx()) return null;
    const { id, len } = this.vq1.usedElem(this.#lastUsed);
    this.#lastUsed = (this.#lastUsed + 1) & 0xffff;
    return { head: id, capacity: len - RPMSG_HEADER_SIZE };
  }

  /** `rpmsg_lite_send_nocopy` from 1024 to `dst`: header and payload into the buffer, head on the avail ring. */
  send(head: number, dst: number, payload: Uint8Array): void {
    const off = this.vq1.readDesc(head).addr - this.memory.base;
    const view = this.memory.view;
    view.setUint32(off, 1024, true);
    view.setUint32(off + 4, dst, true);
    view.setUint32(off + 8, 0, true);
    view.setUint16(off + 12, payload.length, true);
    view.setUint16(off + 14, 0, true);
    this.memory.bytes.set(payload, off + RPMSG_HEADER_SIZE);
    const idx = this.vq1.availIdx();
    this.vq1.setAvailRing(idx, head);
    this.vq1.setAvailIdx(idx + 1);
  }
}

function handBuilt() {
  const layout = createLayout('rpmsg-lite', { numBuffers: 4, align: 16 });
  const memory = new MemoryRegion(new SharedArrayBuffer(layout.size), { base: layout.base });
  RpmsgLiteMaster.init(memory, layout);
  return { layout, memory };
}

function vector(folder: string) {
  const base = join(VECTORS, folder, '00-init');
  const layout = parseLayoutJson(JSON.parse(readFileSync(`${base}.layout.json`, 'utf8')));
  const file = readFileSync(`${base}.bin`);
  const sab = new SharedArrayBuffer(file.length);
  new Uint8Array(sab).set(file);
  return { layout, memory: new MemoryRegion(sab, { base: layout.base }) };
}

describe('remote: RPMsg-Lite master sending through our remote', () => {
  const cases: [string, () => { layout: RpmsgLayout; memory: MemoryRegion }][] = [
    ['rings as rpmsg_lite_master_init leaves them', handBuilt],
    ...FOLDERS.map((f): [string, () => ReturnType<typeof vector>] => [
      `vectors ${f}/00-init`,
      () => vector(f),
    ]),
  ];

  it.each(cases)('gets every TX buffer back with its 496-byte capacity (%s)', async (_what, make) => {
    const { layout, memory } = make();
    const master = new RpmsgLiteMaster(memory, layout);
    const transport = new VirtioTransport({ role: 'remote', layout, memory, notify: () => {} });
    const device = new RpmsgDevice(transport);
    transport.onKick(0); // the master's first kick: link up
    await device.start();
    const ep = device.createEndpoint({ name: 'rpmsg-tty', addr: 30 });
    const got: number[] = [];
    ep.on('message', (payload) => got.push(payload.length));
    // Two laps of the ring: the pre-filled buffers first, then the ones our remote handed back.
    const capacities: number[] = [];
    for (let i = 0; i < 2 * layout.numBuffers; i++) {
      const tx = master.alloc();
      expect(tx).not.toBeNull();
      capacities.push(tx!.capacity);
      master.send(tx!.head, 30, new Uint8Array(tx!.capacity));
      transport.onKick(1);
      device.poll();
      device.flush();
    }
    const mtu = layout.bufferSize - RPMSG_HEADER_SIZE;
    expect(capacities).toEqual(Array(2 * layout.numBuffers).fill(mtu));
    expect(got).toEqual(Array(2 * layout.numBuffers).fill(mtu));
    await device.close();
  });
});

describe('remote: txFree', () => {
  it('counts the RX buffers the master posted on vq0 and those taken but not sent', async () => {
    const { pair, remoteEp } = await connected('rpmsg-lite');
    expect(pair.remoteTransport.stats.txFree).toBe(4);
    const tx = remoteEp.tryGetTxBuffer()!;
    expect(pair.remoteTransport.stats.txFree).toBe(3);
    tx.release(); // back on the remote's stash, not on the ring
    expect(pair.remoteTransport.stats.txFree).toBe(4);
    await pair.close();
  });

  it('reports a vq0 avail.idx run more than num ahead as a broken ring and counts only its stash', async () => {
    const { pair, remoteEp } = await connected('rpmsg-lite');
    const errors: string[] = [];
    const downs: string[] = [];
    pair.remote.on('protocol-error', (e) => errors.push(e.code));
    pair.remote.on('down', (e) => downs.push(e.code));
    remoteEp.tryGetTxBuffer()!.release(); // one buffer on the stash
    const { da, num, align } = pair.layout.vrings[0];
    const vq0 = new RingPuppet(pair.memory, da, num, align);
    vq0.setAvailIdx(vq0.availIdx() + num + 1);
    expect(pair.remoteTransport.stats.txFree).toBe(1);
    expect(errors).toEqual(['ERR_RPMSG_RING']);
    expect(downs).toEqual(['ERR_RPMSG_RING']);
    expect(pair.remoteTransport.stats.txFree).toBe(1); // broken: no second report
    expect(errors).toHaveLength(1);
    await pair.close();
  });
});

describe('engines: a layout the ring code refuses', () => {
  const misaligned = (profile: (typeof PROFILES)[number], i: 0 | 1): RpmsgLayout => {
    const layout = createLayout(profile, { numBuffers: 4, align: 16 });
    const vrings = [...layout.vrings] as [RpmsgLayout['vrings'][0], RpmsgLayout['vrings'][1]];
    vrings[i] = { ...vrings[i], da: vrings[i].da + 8 }; // still inside the region, not 16-byte aligned
    return { ...layout, vrings };
  };

  it.each([
    ['master', 0],
    ['master', 1],
    ['remote', 0],
    ['remote', 1],
  ] as const)('%s start rejects vrings[%i].da not 16-byte aligned with ERR_RPMSG_LAYOUT', async (role, i) => {
    const layout = misaligned('rpmsg-lite', i);
    const memory = new MemoryRegion(new SharedArrayBuffer(layout.size), { base: layout.base });
    const transport = new VirtioTransport({ role, layout, memory, notify: () => {} });
    if (role === 'remote') transport.onKick(0); // would bring the link up at start
    await expect(new RpmsgDevice(transport).start()).rejects.toMatchObject({
      name: 'RpmsgError',
      code: 'ERR_RPMSG_LAYOUT',
      field: `vrings[${i}].da`,
      cause: { code: 'ERR_VIRTQ_LAYOUT' },
    });
  });
});
