import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DescriptorChain } from './descriptor.js';
import { VirtqueueDevice } from './device.js';
import { VRING_DESC_F_WRITE } from './layout.js';
import { MemoryRegion } from './memory.js';
import { RingPuppet } from './testing/ring-puppet.js';

// Ground truth written by RPMsg-Lite v5.4.0 (../shared/vectors/README.md). Read only, never written.
const VECTORS = join(import.meta.dirname, '../../../../shared/vectors/rpmsg-lite');

interface LayoutJson {
  base: string | number;
  size: number;
  bufferSize: number;
  vrings: { name: string; da: string | number; num: number; align: number }[];
}
interface ExpectJson {
  vrings: {
    name: string;
    num: number;
    avail: { idx: number; flags: number };
    used: { idx: number; flags: number };
  }[];
  messages: { vring: string; desc: number; src: number; dst: number; len: number }[];
}

const num = (v: string | number): number => (typeof v === 'number' ? v : Number(v));

function steps(): { name: string; dir: string; step: string }[] {
  if (!existsSync(VECTORS)) return [];
  return readdirSync(VECTORS).flatMap((folder) =>
    readdirSync(join(VECTORS, folder))
      .filter((f) => f.endsWith('.bin'))
      .map((f) => ({ name: `${folder}/${f}`, dir: join(VECTORS, folder), step: f.slice(0, -4) })),
  );
}

describe.skipIf(!existsSync(VECTORS))('RPMsg-Lite vectors', () => {
  const all = steps();

  it('finds the images', () => {
    expect(all.length).toBeGreaterThanOrEqual(8);
  });

  describe.each(all)('$name', ({ dir, step }) => {
    const layout = JSON.parse(readFileSync(join(dir, `${step}.layout.json`), 'utf8')) as LayoutJson;
    const expected = JSON.parse(readFileSync(join(dir, `${step}.expect.json`), 'utf8')) as ExpectJson;
    const file = readFileSync(join(dir, `${step}.bin`));
    // A plain ArrayBuffer copy: decoding an image takes the DataView path of MemoryRegion.
    const image = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
    const base = num(layout.base);
    const memory = new MemoryRegion(image, { base, size: layout.size });
    const stride = num(layout.vrings[1]!.da) - num(layout.vrings[0]!.da);
    const pool = base + 2 * stride; // vectors/README.md: the pool starts at 2 × stride
    const puppets = new Map(
      layout.vrings.map((v) => [v.name, new RingPuppet(memory, num(v.da), v.num, v.align)] as const),
    );

    it('has the expected avail/used indices and flags', () => {
      for (const v of expected.vrings) {
        const p = puppets.get(v.name)!;
        expect({ idx: p.availIdx(), flags: p.availFlags() }).toEqual(v.avail);
        expect({ idx: p.usedIdx(), flags: p.usedFlags() }).toEqual(v.used);
      }
    });

    it('has every posted descriptor as one WRITE buffer of 512 bytes in its ring’s half of the pool', () => {
      layout.vrings.forEach((v, ring) => {
        const p = puppets.get(v.name)!;
        for (let i = 0; i < v.num; i++) {
          expect(p.readDesc(i)).toEqual({
            addr: pool + (ring * v.num + i) * layout.bufferSize,
            len: layout.bufferSize,
            flags: VRING_DESC_F_WRITE,
            next: expect.any(Number),
          });
        }
      });
    });

    it('lists the messages in the order the producer published them (vq0: used ring ids)', () => {
      const vq0 = puppets.get('vq0')!;
      const published = Math.min(vq0.num, vq0.usedIdx());
      const ids: number[] = [];
      for (let k = published; k > 0; k--) {
        const elem = vq0.usedElem(vq0.usedIdx() - k);
        expect(elem.len).toBe(layout.bufferSize); // peers report the whole buffer, not the message length
        ids.push(elem.id);
      }
      const fromVq0 = expected.messages.filter((m) => m.vring === 'vq0').map((m) => m.desc);
      expect(ids).toEqual(fromVq0);
    });

    it('has each message’s RPMsg header in the buffer its descriptor points at', () => {
      for (const m of expected.messages) {
        const desc = puppets.get(m.vring)!.readDesc(m.desc);
        const off = memory.offsetOf(desc.addr, 16);
        expect(memory.view.getUint32(off, true)).toBe(m.src);
        expect(memory.view.getUint32(off + 4, true)).toBe(m.dst);
        expect(memory.view.getUint16(off + 12, true)).toBe(m.len);
      }
    });

    it('lets a resynced device pop the pending RX buffers of vq0 as single writable segments', () => {
      const v = layout.vrings[0]!;
      const device = new VirtqueueDevice({ memory, addr: num(v.da), num: v.num, align: v.align });
      device.resync();
      const exp = expected.vrings[0]!;
      const pending = (exp.avail.idx - exp.used.idx) & 0xffff;
      const chain = new DescriptorChain(v.num);
      let popped = 0;
      while (device.popAvail(chain)) {
        expect(chain.length).toBe(1);
        expect(chain.isWriteOnly(0)).toBe(true);
        expect(chain.len(0)).toBe(layout.bufferSize);
        expect(chain.addr(0)).toBe(pool + chain.headIndex * layout.bufferSize);
        popped++;
      }
      expect(popped).toBe(pending);
    });

    it('lets a device resynced with availBehindUsed see vq1 as the master left it', () => {
      const v = layout.vrings[1]!;
      const device = new VirtqueueDevice({ memory, addr: num(v.da), num: v.num, align: v.align });
      device.resync({ availBehindUsed: true });
      const exp = expected.vrings[1]!;
      expect(device.nextUsed).toBe(exp.used.idx);
      expect(device.hasAvail()).toBe(exp.avail.idx !== ((exp.used.idx - v.num) & 0xffff));
    });
  });
});
