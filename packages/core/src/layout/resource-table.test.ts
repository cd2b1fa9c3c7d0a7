import { MemoryRegion } from '@rpmsg/virtio';
import { describe, expect, it } from 'vitest';
import { createLayout } from './create-layout.js';
import {
  readGuestFeatures,
  readResourceTable,
  readVdevStatus,
  writeGuestFeatures,
  writeResourceTable,
  writeVdevStatus,
} from './resource-table.js';

function setup() {
  const layout = createLayout('linux', { numBuffers: 8, align: 16 });
  const memory = new MemoryRegion(new SharedArrayBuffer(layout.size), { base: layout.base });
  writeResourceTable(memory, layout, { dfeatures: 1n });
  return { layout, memory, rt: layout.resourceTable! };
}

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return { code: (error as { code: string }).code, field: (error as { field: string }).field };
  }
  return 'no error';
}

describe('resource table', () => {
  it('reads back what the remote wrote: one rpmsg vdev, two vrings at the layout addresses', () => {
    const { layout, memory, rt } = setup();
    const table = readResourceTable(memory, rt);
    expect(table.version).toBe(1);
    expect(table.vdev).toMatchObject({ id: 7, dfeatures: 1n, gfeatures: 0n, status: 0 });
    expect(table.vdev.vrings.map((v) => [v.da, v.num, v.align, v.notifyId])).toEqual(
      layout.vrings.map((v) => [v.da, v.num, v.align, v.notifyId]),
    );
  });

  it('has the byte layout of remoteproc.h', () => {
    const { memory, rt } = setup();
    const v = memory.view;
    const o = rt - memory.base;
    expect([v.getUint32(o, true), v.getUint32(o + 4, true), v.getUint32(o + 16, true)]).toEqual([1, 1, 20]);
    expect([v.getUint32(o + 20, true), v.getUint32(o + 24, true), v.getUint8(o + 20 + 25)]).toEqual([
      3, 7, 2,
    ]);
  });

  it('gives status and gfeatures accessors the master and remote share', () => {
    const { memory, rt } = setup();
    const { vdev } = readResourceTable(memory, rt);
    writeGuestFeatures(memory, vdev.gfeaturesAddr, 1n);
    writeVdevStatus(memory, vdev.statusAddr, 0x0f);
    expect(readVdevStatus(memory, vdev.statusAddr)).toBe(0x0f);
    expect(readGuestFeatures(memory, vdev.gfeaturesAddr)).toBe(1n);
    expect(readResourceTable(memory, rt).vdev).toMatchObject({ status: 0x0f, gfeatures: 1n });
    expect(() => writeGuestFeatures(memory, vdev.gfeaturesAddr, 1n << 32n)).toThrow(/gfeatures/);
  });

  it.each([
    ['ver', 0, 2],
    ['reserved', 8, 1],
    ['num', 4, 0x1000_0000],
    ['offset[0]', 16, 0x0100_0000],
    ['vdev.id', 24, 3],
    ['vring[0].num', 20 + 28 + 8, 6],
    ['vring[1].align', 20 + 48 + 4, 3],
    ['vring[0].da', 20 + 28, 0xffff_0000],
    ['vdev.config_len', 20 + 20, 0x7fff_ffff],
  ])('names the corrupt field %s', (field, at, value) => {
    const { memory, rt } = setup();
    memory.view.setUint32(rt - memory.base + at, value, true);
    expect(codeOf(() => readResourceTable(memory, rt))).toEqual({ code: 'ERR_RPMSG_RSC_TABLE', field });
  });

  it('refuses a vdev with other than two vrings and a table outside the region', () => {
    const { memory, rt } = setup();
    memory.view.setUint8(rt - memory.base + 20 + 25, 3);
    expect(codeOf(() => readResourceTable(memory, rt))).toEqual({
      code: 'ERR_RPMSG_RSC_TABLE',
      field: 'vdev.num_of_vrings',
    });
    expect(codeOf(() => readResourceTable(memory, memory.base + memory.size - 4))).toEqual({
      code: 'ERR_RPMSG_RSC_TABLE',
      field: 'addr',
    });
  });
});
