import { vringSize } from '@rpmsg/virtio';
import { describe, expect, it } from 'vitest';
import { createLayout, defaultStride } from './create-layout.js';
import { parseLayoutJson } from './layout-json.js';
import { RESOURCE_TABLE_SIZE } from './resource-table.js';

describe('createLayout', () => {
  describe('rpmsg-lite', () => {
    it('matches the mcu-compact vectors (4 buffers, align 16, stride 0x80)', () => {
      const layout = createLayout('rpmsg-lite', { numBuffers: 4, align: 16 });
      expect(layout.vrings[0]).toMatchObject({
        name: 'vq0',
        da: 0x1000_0000,
        num: 4,
        align: 16,
        notifyId: 0,
      });
      expect(layout.vrings[1]).toMatchObject({ name: 'vq1', da: 0x1000_0080, notifyId: 1 });
      expect(layout.pool).toBe(0x1000_0100);
      expect(layout.size).toBe(4352);
    });

    it('matches the linux-compat vectors (256 buffers, align 0x1000, stride 0x8000)', () => {
      const layout = createLayout('rpmsg-lite');
      expect(layout.vrings[1].da).toBe(0x1000_8000);
      expect(layout.pool).toBe(0x1001_0000);
      expect(layout.size).toBe(0x50000);
      expect(layout.numBuffers).toBe(256);
    });

    it('derives notify ids from the link id (linkId << 1 | vring)', () => {
      const layout = createLayout('rpmsg-lite', { linkId: 3, numBuffers: 4, align: 16 });
      expect(layout.vrings.map((v) => v.notifyId)).toEqual([6, 7]);
    });

    it('rounds desc, avail and used each up to align for MCU parts', () => {
      expect(defaultStride(16, 16)).toBe(256 + 48 + 144);
      expect(defaultStride(4, 16)).toBe(0x80);
    });

    it('refuses a stride smaller than the vring', () => {
      expect(() => createLayout('rpmsg-lite', { numBuffers: 256, stride: 0x100 })).toThrow(
        expect.objectContaining({ code: 'ERR_RPMSG_LAYOUT', field: 'stride' }),
      );
    });
  });

  describe('linux', () => {
    it('places the resource table first, then the aligned vrings, then RX and TX halves of the pool', () => {
      const layout = createLayout('linux', { base: 0x2000_0000 });
      expect(layout.resourceTable).toBe(0x2000_0000);
      expect(layout.vrings[0].da).toBe(0x2000_1000);
      expect(layout.vrings[1].da).toBe(0x2000_1000 + 0x3000); // vringSize(256, 4096) = 10246 → 3 pages
      expect(layout.pool).toBe(0x2000_1000 + 0x6000);
      expect(layout.size).toBe(0x7000 + 2 * 256 * 512);
      expect(layout.vrings[0].da - layout.base).toBeGreaterThanOrEqual(RESOURCE_TABLE_SIZE);
    });

    it('takes the number and size of buffers per instance', () => {
      const layout = createLayout('linux', { numBuffers: 8, bufferSize: 1024, align: 16 });
      expect(layout.numBuffers).toBe(8);
      expect(layout.vrings[1].da).toBe(layout.vrings[0].da + vringSize(8, 16) + 10); // 230 → 240
      expect(layout.size).toBe(layout.pool - layout.base + 16 * 1024);
    });

    it('is read back unchanged from its own JSON', async () => {
      const { layoutToJson } = await import('./layout-json.js');
      for (const layout of [
        createLayout('linux'),
        createLayout('rpmsg-lite', { numBuffers: 4, align: 16, linkId: 2 }),
      ]) {
        expect(parseLayoutJson(JSON.parse(JSON.stringify(layoutToJson(layout))))).toEqual(layout);
      }
    });
  });

  it('names the option that is out of range', () => {
    expect(() => createLayout('linux', { numBuffers: 3 })).toThrow(/numBuffers/);
    expect(() => createLayout('linux', { align: 24 })).toThrow(/align/);
    expect(() => createLayout('linux', { bufferSize: 40 })).toThrow(/bufferSize/);
  });
});
