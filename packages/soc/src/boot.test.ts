import { createLayout, RpmsgError, readResourceTable } from '@rpmsg/core';
import { describe, expect, it } from 'vitest';
import { loadResourceTable, negotiateResourceTable } from './boot.js';
import { SharedRam } from './region.js';

function setup() {
  const layout = createLayout('linux', { numBuffers: 8 });
  const ram = SharedRam.create(layout);
  return { layout, ram };
}

describe('negotiateResourceTable', () => {
  it('validates the table, zeroes the vrings and assigns notify ids from 0', () => {
    const { layout, ram } = setup();
    loadResourceTable(ram.memory, layout);
    const vq1 = ram.memory.offsetOf(layout.vrings[1].da, 16);
    ram.memory.bytes.fill(0xaa, vq1, vq1 + 16);
    const tableOffset = ram.memory.offsetOf(layout.resourceTable as number, 88);
    ram.memory.view.setUint32(tableOffset + 60, 7, true); // vring[0].notifyid left by the firmware
    const boot = negotiateResourceTable(ram.memory, layout);
    expect(boot.layout.vrings.map((v) => v.notifyId)).toEqual([0, 1]);
    expect(boot.features & 1n).toBe(1n);
    expect([...ram.memory.bytes.subarray(vq1, vq1 + 16)].every((b) => b === 0)).toBe(true);
    expect(readResourceTable(ram.memory, layout.resourceTable as number).vdev.vrings[0].notifyId).toBe(0);
  });

  it('only uses features the firmware offers', () => {
    const { layout, ram } = setup();
    loadResourceTable(ram.memory, layout, { dfeatures: 0 });
    expect(negotiateResourceTable(ram.memory, layout).features).toBe(0n);
  });

  it('rejects vrings larger than the pool, naming the field', () => {
    const { layout, ram } = setup();
    loadResourceTable(ram.memory, layout, (_t, view) => {
      view.setUint32(56, 16, true);
      view.setUint32(76, 16, true);
    });
    const error = (() => {
      try {
        negotiateResourceTable(ram.memory, layout);
      } catch (e) {
        return e as RpmsgError;
      }
    })();
    expect(error).toBeInstanceOf(RpmsgError);
    expect(error?.code).toBe('ERR_RPMSG_RSC_TABLE');
    expect(error?.field).toBe('vring[0].num');
  });

  it('rejects a vring placed over the buffer pool', () => {
    const { layout, ram } = setup();
    loadResourceTable(ram.memory, layout, (_t, view) => view.setUint32(48, layout.pool, true));
    expect(() => negotiateResourceTable(ram.memory, layout)).toThrow(
      /vring\[0\]\.da .*overlaps the buffer pool/,
    );
  });
});
