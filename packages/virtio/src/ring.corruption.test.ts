import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DescriptorChain } from './descriptor.js';
import { VirtqueueDevice } from './device.js';
import { type BufferSegment, VirtqueueDriver } from './driver.js';
import { VirtioError } from './errors.js';
import { FixedVirtqueueDriver } from './fixed-driver.js';
import { VRING_DESC_F_WRITE } from './layout.js';
import { makeRegion, type TestRegion } from './testing/make-region.js';
import { RingPuppet } from './testing/ring-puppet.js';

// Corruption property: a peer (or a stray write) may put any byte anywhere in ring memory between
// operations. The queues may only answer with VirtioError, and nothing outside the region may change.
const GUARD = 64;
const GUARD_BYTE = 0xa5;
const TABLES = 4; // indirect table slots in the region's spare bytes
const BUFFER = 32;

/** The device side both drivers face, and the property's checks around every step. */
function harness(region: TestRegion, num: number, eventIdx: boolean, indirect: boolean) {
  const { memory } = region;
  const all = new Uint8Array(memory.buffer);
  all.fill(GUARD_BYTE, 0, GUARD);
  all.fill(GUARD_BYTE, GUARD + memory.size);
  const device = new VirtqueueDevice({ memory, addr: region.ringAddr, num, align: 16, eventIdx, indirect });
  const chain = new DescriptorChain(num);
  const held: { head: number; writable: number }[] = [];
  let unpublished = 0;
  let ringErrors = 0;

  /** Device operations 0..6; any other op corrupts a byte. */
  const deviceStep = (op: number, a: number, b: number): void => {
    switch (op) {
      case 0:
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
      case 1: {
        const h = held.splice(a % Math.max(1, held.length), 1)[0];
        if (h === undefined || unpublished >= num) return;
        device.pushUsed(h.head, Math.min(b, h.writable));
        unpublished++;
        return;
      }
      case 2:
        device.publishUsed();
        unpublished = 0;
        return;
      case 3:
        device.shouldNotify();
        return;
      case 4:
        device.enableNotification();
        return;
      case 5:
        device.disableNotification();
        return;
      case 6:
        device.resync({ availBehindUsed: a % 7 === 0 });
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

  /** Runs a step: only VirtioError may come out, and a ring error leaves a queue broken. */
  const check = (step: () => void, isBroken: () => boolean): void => {
    try {
      step();
    } catch (e) {
      expect(e).toBeInstanceOf(VirtioError);
      const code = (e as VirtioError).code;
      if (code !== 'ERR_VIRTQ_BROKEN') {
        ringErrors++;
        expect(isBroken() || device.isBroken).toBe(true);
      }
    }
  };

  const deviceReset = (): void => {
    device.reset();
    held.length = 0;
    unpublished = 0;
  };

  const guardsIntact = (): number => {
    for (let i = 0; i < GUARD; i++) expect(all[i]).toBe(GUARD_BYTE);
    for (let i = GUARD + memory.size; i < all.length; i++) expect(all[i]).toBe(GUARD_BYTE);
    return ringErrors;
  };
  return { device, deviceStep, deviceReset, check, guardsIntact };
}

function runChains(
  num: number,
  eventIdx: boolean,
  indirect: boolean,
  ops: readonly [number, number, number][],
) {
  const region = makeRegion({ num, bufferSize: BUFFER, buffers: 4, extra: TABLES * 16 * num, guard: GUARD });
  const h = harness(region, num, eventIdx, indirect);
  const driver = new VirtqueueDriver<number>({
    memory: region.memory,
    addr: region.ringAddr,
    num,
    align: 16,
    eventIdx,
    indirect,
  });
  driver.reset();
  let token = 0;

  const step = (op: number, a: number, b: number): void => {
    if (op >= 8) {
      h.deviceStep(op - 8, a, b);
      return;
    }
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
        driver.detachUnusedBuf();
        return;
      default:
        driver.reset();
        h.deviceReset();
    }
  };
  for (const [op, a, b] of ops)
    h.check(
      () => step(op, a, b),
      () => driver.isBroken,
    );
  return h.guardsIntact();
}

/** Every descriptor the fixed driver wrote describes its own buffer, within it, with no flag but WRITE. */
function expectOwnBuffer(puppet: RingPuppet, region: TestRegion, k: number): void {
  const d = puppet.readDesc(k);
  expect(d.addr).toBe(region.bufAddr(k));
  expect(d.len).toBeLessThanOrEqual(BUFFER);
  expect(d.flags === 0 || d.flags === VRING_DESC_F_WRITE).toBe(true);
  expect(d.next).toBe(0);
}

function runFixed(
  num: number,
  eventIdx: boolean,
  prefilled: boolean,
  ops: readonly [number, number, number][],
) {
  const region = makeRegion({ num, bufferSize: BUFFER, buffers: num, guard: GUARD });
  const h = harness(region, num, eventIdx, false);
  const options = {
    memory: region.memory,
    addr: region.ringAddr,
    num,
    align: 16,
    eventIdx,
    firstBuffer: region.poolAddr,
    bufferSize: BUFFER,
  };
  let driver = new FixedVirtqueueDriver(options);
  const puppet = new RingPuppet(region.memory, region.ringAddr, num, 16);
  const fresh = (): void => {
    driver.reset();
    h.deviceReset();
    if (!prefilled) return;
    driver.prefillUsed();
    h.device.resync({ availBehindUsed: true });
  };
  fresh();

  const step = (op: number, a: number, b: number): void => {
    if (op >= 8) {
      h.deviceStep(op - 8, a, b);
      return;
    }
    switch (op) {
      case 0: {
        const k = a % num;
        if (driver.isOutstanding(k)) return; // a caller mistake, not what this property is about
        if (b & 1) driver.addInBuf(k, (b >> 1) % (BUFFER + 1));
        else driver.addOutBuf(k, (b >> 1) % (BUFFER + 1));
        expectOwnBuffer(puppet, region, k);
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
      case 6: {
        // A new driver takes the ring over, with the engine's arguments (read from the ring) or any.
        driver = new FixedVirtqueueDriver(options);
        const [avail, used] = [driver.readIndex('avail'), driver.readIndex('used')];
        if (a % 3 === 0) driver.adopt(avail - num, 'all');
        else if (a % 3 === 1) driver.adopt(used, (avail - used + (prefilled ? num : 0)) & 0xffff);
        else driver.adopt(b & 0xffff, b % (num + 2));
        return;
      }
      default:
        fresh();
    }
  };
  for (const [op, a, b] of ops)
    h.check(
      () => step(op, a, b),
      () => driver.isBroken,
    );
  return h.guardsIntact();
}

describe('drivers + VirtqueueDevice under ring corruption', () => {
  // ops 0..6 driver, 7 reset, 8..14 device, 15..17 corrupt (~17 %)
  const ops = fc.array(fc.tuple(fc.nat(17), fc.nat(0x7fffffff), fc.nat(0x7fffffff)), {
    maxLength: 250,
    size: 'max',
  });
  const num = fc.nat(6).map((l) => 2 ** l);

  it('VirtqueueDriver throws only VirtioError and never writes outside the region', () => {
    let errors = 0;
    fc.assert(
      fc.property(num, fc.boolean(), fc.boolean(), ops, (n, e, ind, o) => {
        errors += runChains(n, e, ind, o);
      }),
      { numRuns: 300 },
    );
    expect(errors).toBeGreaterThan(0); // the corruption does reach the validation paths
  });

  it.each([
    ['from a reset ring', false],
    ['from a used ring pre-filled with every buffer', true],
  ])(
    'FixedVirtqueueDriver %s, adopted again and again, throws only VirtioError and stays in its buffers',
    (_what, prefilled) => {
      let errors = 0;
      fc.assert(
        fc.property(num, fc.boolean(), ops, (n, e, o) => {
          errors += runFixed(n, e, prefilled, o);
        }),
        { numRuns: 300 },
      );
      expect(errors).toBeGreaterThan(0);
    },
  );
});
