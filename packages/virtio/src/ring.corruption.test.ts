import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DescriptorChain } from './descriptor.js';
import { VirtqueueDevice } from './device.js';
import { type BufferSegment, VirtqueueDriver } from './driver.js';
import { VirtioError } from './errors.js';
import { makeRegion } from './testing/make-region.js';

// Corruption property: a peer (or a stray write) may put any byte anywhere in ring memory between
// operations. The queues may only answer with VirtioError, and nothing outside the region may change.
const GUARD = 64;
const GUARD_BYTE = 0xa5;
const TABLES = 4; // indirect table slots in the region's spare bytes

function run(num: number, eventIdx: boolean, indirect: boolean, ops: readonly [number, number, number][]) {
  const region = makeRegion({ num, bufferSize: 32, buffers: 4, extra: TABLES * 16 * num, guard: GUARD });
  const { memory } = region;
  const all = new Uint8Array(memory.buffer);
  all.fill(GUARD_BYTE, 0, GUARD);
  all.fill(GUARD_BYTE, GUARD + memory.size);
  const opts = { memory, addr: region.ringAddr, num, align: 16, eventIdx, indirect };
  const driver = new VirtqueueDriver<number>(opts);
  driver.reset();
  const device = new VirtqueueDevice(opts);
  const chain = new DescriptorChain(num);
  const held: { head: number; writable: number }[] = [];
  let unpublished = 0;
  let token = 0;
  let ringErrors = 0;

  const step = (op: number, a: number, b: number): void => {
    switch (op) {
      case 0: {
        const n = 1 + (a % Math.min(3, num));
        const segs: BufferSegment[] = [];
        for (let k = 0; k < n; k++)
          segs.push({ addr: region.bufAddr(k), len: (b >> k) & 31, write: k >= a % (n + 1) });
        const useTable = indirect && b % 2 === 0;
        if (!useTable && n > driver.numFree) return;
        if (useTable && driver.numFree === 0) return;
        const table = region.extraAddr + (b % TABLES) * 16 * num;
        driver.addBuf(segs, token++, useTable ? { indirectAddr: table } : undefined);
        return;
      }
      case 1:
        driver.kickPrepare();
        return;
      case 2:
        driver.getBuf();
        return;
      case 3:
        driver.enableCb();
        return;
      case 4:
        driver.disableCb();
        return;
      case 5:
        driver.enableCbDelayed();
        return;
      case 6:
        if (device.popAvail(chain)) {
          // Write into the device-writable segments as a device would: offsets must stay inside the region.
          for (let i = chain.readableCount; i < chain.length; i++) {
            const off = chain.offset(i);
            expect(off + chain.len(i)).toBeLessThanOrEqual(memory.size);
            memory.bytes.fill(b & 0xff, off, off + chain.len(i));
          }
          held.push({ head: chain.headIndex, writable: chain.writableLength });
        }
        return;
      case 7: {
        const h = held.splice(a % Math.max(1, held.length), 1)[0];
        if (h === undefined || unpublished >= num) return;
        device.pushUsed(h.head, Math.min(b, h.writable));
        unpublished++;
        return;
      }
      case 8:
        device.publishUsed();
        unpublished = 0;
        return;
      case 9:
        device.shouldNotify();
        return;
      case 10:
        device.enableNotification();
        return;
      case 11:
        device.disableNotification();
        return;
      case 12:
        device.resync({ availBehindUsed: a % 7 === 0 });
        held.length = 0;
        unpublished = 0;
        return;
      case 13:
        driver.reset();
        device.reset();
        held.length = 0;
        unpublished = 0;
        return;
      default: {
        // Corrupt: a random byte in the ring, or in the indirect tables.
        const span = region.layout.size + (indirect ? TABLES * 16 * num : 0);
        const off = a % span;
        const at =
          off < region.layout.size ? off : region.extraAddr - memory.base + (off - region.layout.size);
        memory.bytes[at] = b & 0xff;
      }
    }
  };

  for (const [op, a, b] of ops) {
    try {
      step(op, a, b);
    } catch (e) {
      expect(e).toBeInstanceOf(VirtioError);
      const code = (e as VirtioError).code;
      if (code !== 'ERR_VIRTQ_BROKEN') {
        ringErrors++;
        expect(driver.isBroken || device.isBroken).toBe(true);
      }
    }
  }
  for (let i = 0; i < GUARD; i++) expect(all[i]).toBe(GUARD_BYTE);
  for (let i = GUARD + memory.size; i < all.length; i++) expect(all[i]).toBe(GUARD_BYTE);
  return ringErrors;
}

describe('VirtqueueDriver + VirtqueueDevice under ring corruption', () => {
  const ops = fc.array(
    fc.tuple(fc.nat(17), fc.nat(0x7fffffff), fc.nat(0x7fffffff)), // ops 14..17 corrupt (~22 %)
    { maxLength: 250, size: 'max' },
  );

  it('throws only VirtioError and never writes outside the region', () => {
    let errors = 0;
    fc.assert(
      fc.property(
        fc.nat(6).map((l) => 2 ** l),
        fc.boolean(),
        fc.boolean(),
        ops,
        (num, e, ind, o) => {
          errors += run(num, e, ind, o);
        },
      ),
      { numRuns: 400 },
    );
    expect(errors).toBeGreaterThan(0); // the corruption does reach the validation paths
  });
});
