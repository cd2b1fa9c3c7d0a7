import { createLayout, layoutToJson } from '@rpmsg/core';
import { createSoc, demoFirmwareUrl } from '@rpmsg/soc';
import { describe, expect, it } from 'vitest';
import { haveVectors, vector } from './fixtures/vectors.js';
import { ringModel } from './ring-model.js';
import { vringOffsets } from './vring-image.js';

describe('ringModel', () => {
  describe.skipIf(!haveVectors)('on the RPMsg-Lite vectors (skipped when ../shared is absent)', () => {
    const cases = [
      ['00-init', 0],
      ['01-ns-announce', 1],
      ['02-hello-pattern', 3],
      ['03-master-rx', 0],
    ] as const;
    for (const folder of ['linux-compat', 'mcu-compact']) {
      for (const [step, unread] of cases) {
        it(`${folder}/${step}: ${unread} messages wait for the master, every TX buffer is free`, () => {
          const v = vector(folder, step);
          const model = ringModel(v);
          expect(model.problems).toEqual([]);
          const [vq0, vq1] = model.vrings;
          const num = vq0!.num;
          // The indices are inspectImage's (the vectors' expected decode).
          for (const [i, ring] of model.vrings.entries()) {
            expect(ring.avail.idx).toBe(v.expect.vrings[i]!.avail.idx);
            expect(ring.used.idx).toBe(v.expect.vrings[i]!.used.idx);
          }
          expect(vq0!.counts).toEqual({ available: num - unread, 'in-flight': 0, used: unread, held: 0 });
          // RPMsg-Lite's master pre-fills vq1's used ring with all its TX buffers.
          expect(vq1!.counts).toEqual({ available: 0, 'in-flight': 0, used: num, held: 0 });
          expect(model.txFree).toEqual({ master: num, remote: num - unread });
          // The master asked not to be interrupted (avail.flags NO_INTERRUPT); the remote wants kicks.
          expect(vq0!.notify).toMatchObject({ mode: 'flags', kickOnAvail: true, interruptOnUsed: false });
        });
      }
    }

    it('decodes the header and payload prefix of a descriptor’s buffer', () => {
      const model = ringModel(vector('mcu-compact', '02-hello-pattern'));
      const b = model.vrings[0]!.buffers[1]!;
      expect(b.header).toEqual({ src: 30, dst: 1024, len: 5, flags: 0 });
      expect(b.payload).toBe('68656c6c6f');
      expect(b.addr).toBe('0x10000300');
      expect(model.vrings[0]!.owners.slice(0, 4)).toEqual(['used', 'used', 'used', 'available']);
      expect(model.vrings[0]!.used.last).toBe(2);
    });
  });

  describe('on hostile images', () => {
    const layout = layoutToJson(createLayout('linux', { numBuffers: 4, eventIdx: true }));

    it('reports impossible indices and never reads outside the image', () => {
      const parsed = layout as { vrings: { da: string; num: number; align: number }[]; base: string };
      const image = new Uint8Array((layout as { size: number }).size);
      const dv = new DataView(image.buffer);
      const da = Number(parsed.vrings[0]!.da) - Number(parsed.base);
      const o = vringOffsets(4, parsed.vrings[0]!.align);
      dv.setUint16(da + o.avail + 2, 900, true); // avail.idx 900 with used.idx 0: 900 outstanding of 4
      for (let i = 0; i < 4; i++) {
        dv.setUint16(da + o.availRing + 2 * i, 0xffff, true); // descriptor ids past num
        dv.setUint32(da + 16 * i, 0xfffffff0, true); // buffers far outside the image
        dv.setUint32(da + 16 * i + 8, 0xffffffff, true);
      }
      dv.setUint16(da + o.usedRing + 8 * 4, 0x1234, true); // avail_event nowhere near
      const model = ringModel({ image, layout });
      expect(model.problems.map((p) => p.code)).toContain('ERR_VIRTQ_AVAIL_IDX');
      const vq0 = model.vrings[0]!;
      expect(vq0.outstanding).toBe(4);
      expect(vq0.counts.held).toBe(4);
      expect(vq0.buffers.every((b) => b.header === undefined && b.payload === '')).toBe(true);
    });

    it('leaves out a ring that lies outside a truncated image', () => {
      const model = ringModel({ image: new Uint8Array(64), layout });
      expect(model.vrings).toEqual([]);
      expect(model.txFree).toEqual({ master: null, remote: null });
      expect(model.problems.length).toBeGreaterThan(0);
    });

    it('counts buffers past avail_event as in flight with EVENT_IDX', () => {
      const parsed = layout as { vrings: { da: string; align: number }[]; base: string; size: number };
      const image = new Uint8Array(parsed.size);
      const dv = new DataView(image.buffer);
      const da = Number(parsed.vrings[1]!.da) - Number(parsed.base);
      const o = vringOffsets(4, parsed.vrings[1]!.align);
      for (let i = 0; i < 3; i++) dv.setUint16(da + o.availRing + 2 * i, i, true);
      dv.setUint16(da + o.avail + 2, 3, true); // master sent 3 on vq1
      dv.setUint16(da + o.usedRing + 8 * 4, 2, true); // remote took 2 (avail_event = next avail)
      const vq1 = ringModel({ image, layout }).vrings[1]!;
      expect(vq1.owners).toEqual(['in-flight', 'in-flight', 'available', 'held']);
      expect(vq1.notify).toMatchObject({ mode: 'event-idx', kickOnAvail: false, availEvent: 2 });
    });
  });

  it('pictures a live SoC: every buffer accounted for, the rings consistent', async () => {
    const soc = await createSoc({ remote: demoFirmwareUrl() });
    try {
      await soc.master.waitForChannel('rpmsg-echo', { timeout: 10_000 });
      const model = ringModel(soc.snapshot());
      expect(model.problems).toEqual([]);
      expect(model.vrings.map((v) => v.name)).toEqual(['vq0', 'vq1']);
      for (const v of model.vrings) {
        const total = Object.values(v.counts).reduce((a, b) => a + b, 0);
        expect(total).toBe(v.num);
      }
      // The firmware announced its channels on vq0; the master re-posted those RX buffers.
      expect(model.vrings[0]!.used.idx).toBeGreaterThan(0);
      expect(model.txFree.master).toBe(model.vrings[1]!.num);
    } finally {
      await soc.stop();
    }
  });
});
