import { FixedVirtqueueDriver, isVirtioError, VRING_DESC_F_WRITE } from '@rpmsg/virtio';
import { makeRegion, RingPuppet, type TestRegion } from '@rpmsg/virtio/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MasterQueue } from './master-queue.js';

// Differential test: the master engine's MasterQueue and @rpmsg/virtio's FixedVirtqueueDriver — the driver
// meant to replace it — on two identical memories, driven by the same random operations, with a device
// (obedient or hostile) writing the same raw bytes into both. After every step the two memories must hold
// the same bytes, the two drivers must have answered the same (value, or error code), and agree on which
// buffers are on the ring. The drivers are started in each mode the master uses: from a reset ring, from
// a used ring pre-filled with every TX buffer (RPMsg-Lite vq1), and adopting a ring in use (attach).
//
// Only arguments a master passes are generated (k < num, len ≤ buffer size, prefill right after reset):
// for others the fixed driver is stricter by design (argument errors where MasterQueue wrote on).

const BUFFER = 32;

type Outcome = { value: unknown } | { error: string };

/** What a call answered: its value, or its error reduced to what callers may rely on (code or class). */
function outcome(fn: () => unknown): Outcome {
  try {
    return { value: fn() };
  } catch (e) {
    if (isVirtioError(e)) return { error: e.code };
    if (e instanceof TypeError) return { error: 'TypeError' }; // MasterQueue: plain; fixed: ERR_INVALID_ARG_VALUE
    throw e; // anything else is a bug in the test or a driver
  }
}

/** The device side, applied to both memories alike: raw writes through a puppet on each. */
class Device {
  nextAvail = 0;
  nextUsed = 0;
  held: number[] = [];
  constructor(
    readonly a: RingPuppet,
    readonly b: RingPuppet,
  ) {}

  set(write: (p: RingPuppet) => void): void {
    write(this.a);
    write(this.b);
  }

  /** Takes the next published avail entry (read from memory A: the memories are equal between steps). */
  pop(): void {
    if (this.nextAvail === this.a.availIdx()) return;
    this.held.push(this.a.availRing(this.nextAvail));
    this.nextAvail = (this.nextAvail + 1) & 0xffff;
  }

  /** Writes a used element for one held chain, any of them (devices may complete out of order). */
  push(pick: number, len: number): void {
    if (this.held.length === 0) return;
    const [id] = this.held.splice(pick % this.held.length, 1);
    const slot = this.nextUsed;
    this.set((p) => p.setUsedElem(slot, { id: id!, len }));
    this.nextUsed = (this.nextUsed + 1) & 0xffff;
  }

  publish(): void {
    const idx = this.nextUsed;
    this.set((p) => p.setUsedIdx(idx));
  }

  /** A fresh ring (reset), or one whose used ring the driver pre-filled with `num` entries. */
  restart(prefilled: number): void {
    this.nextAvail = 0;
    this.nextUsed = prefilled;
    this.held.length = 0;
  }
}

type Mode = 'normal' | 'prefilled' | 'adopted';

function run(num: number, eventIdx: boolean, mode: Mode, ops: readonly [number, number, number][]) {
  const regions: [TestRegion, TestRegion] = [
    makeRegion({ num, bufferSize: BUFFER, buffers: num }),
    makeRegion({ num, bufferSize: BUFFER, buffers: num }),
  ];
  const options = (r: TestRegion) => ({
    memory: r.memory,
    addr: r.ringAddr,
    num,
    align: 16,
    eventIdx,
    firstBuffer: r.poolAddr,
    bufferSize: BUFFER,
  });
  const master = new MasterQueue(options(regions[0]));
  const fixed = new FixedVirtqueueDriver(options(regions[1]));
  const device = new Device(
    new RingPuppet(regions[0].memory, regions[0].ringAddr, num, 16),
    new RingPuppet(regions[1].memory, regions[1].ringAddr, num, 16),
  );
  let prefilled = mode === 'prefilled';
  const history: string[] = [];

  const same = (what: string, a: () => unknown, b: () => unknown): Outcome => {
    const [x, y] = [outcome(a), outcome(b)];
    if (JSON.stringify(x) !== JSON.stringify(y)) {
      expect.fail(`${what}: ${JSON.stringify(x)} vs ${JSON.stringify(y)} after ${history.join(' ')}`);
    }
    return x;
  };

  const start = (withPrefill: boolean): void => {
    master.reset();
    fixed.reset();
    if (withPrefill) {
      same(
        'prefillUsed',
        () => master.prefillUsed(),
        () => fixed.prefillUsed(),
      );
      device.restart(num);
    } else device.restart(0);
    prefilled = withPrefill;
  };

  /** Both take the ring over: as the master engine computes the arguments, or with any arguments. */
  const adopt = (how: number, a: number, b: number): void => {
    const avail = device.a.availIdx();
    const used = device.a.usedIdx();
    const [lastUsed, inFlight]: [number, number | 'all'] =
      how === 0
        ? [avail - num, 'all'] // vq0: every RX buffer on the ring
        : how === 1
          ? [used, (avail - used + (prefilled ? num : 0)) & 0xffff] // vq1
          : [a & 0xffff, b % 3 === 0 ? 'all' : b % (num + 2)];
    same(
      `adopt(${lastUsed}, ${inFlight})`,
      () => master.adopt(lastUsed, inFlight),
      () => fixed.adopt(lastUsed, inFlight),
    );
  };

  const step = (op: number, a: number, b: number): void => {
    switch (op) {
      case 0: {
        const k = a % num;
        const len = b % (BUFFER + 1);
        const write = (b & 0x100) !== 0;
        same(
          `add(${k}, ${len}, ${write ? 'WRITE' : 0})`,
          () => master.add(k, len, write ? VRING_DESC_F_WRITE : 0),
          () => (write ? fixed.addInBuf(k, len) : fixed.addOutBuf(k, len)),
        );
        return;
      }
      case 1:
        same(
          'publish',
          () => master.publish(),
          () => fixed.kickPrepare(),
        );
        return;
      case 2: {
        const got = same(
          'getUsed',
          () => master.getUsed(),
          () => fixed.getBuf(),
        );
        if ('value' in got && (got.value as number) >= 0) expect(fixed.lastLen).toBe(master.lastLen);
        return;
      }
      case 3:
        same(
          'hasUsed',
          () => master.hasUsed(),
          () => fixed.hasUsed(),
        );
        return;
      case 4:
        same(
          'enableCb',
          () => master.enableCb(),
          () => fixed.enableCb(),
        );
        return;
      case 5:
        same(
          'disableCb',
          () => master.disableCb(),
          () => fixed.disableCb(),
        );
        return;
      case 6:
        same(
          'readIndex',
          () => master.readIndex(a & 1 ? 'used' : 'avail'),
          () => fixed.readIndex(a & 1 ? 'used' : 'avail'),
        );
        return;
      case 7:
        adopt(a % 3, a, b);
        return;
      case 8:
        start(a % 2 === 0);
        return;
      // The device, obedient:
      case 9:
        device.pop();
        return;
      case 10:
        device.push(a, b % 4 === 0 ? b : b % (BUFFER + 1)); // now and then a len beyond the buffer
        return;
      case 11:
        device.publish();
        return;
      case 12:
        device.set((p) => p.setUsedFlags(a & 1));
        return;
      case 13: {
        const event = a % 2 === 0 ? device.nextAvail : a & 0xffff;
        device.set((p) => p.setAvailEvent(event));
        return;
      }
      // … and hostile:
      case 14:
        device.set((p) => p.setUsedIdx(a));
        return;
      case 15:
        device.set((p) => p.setUsedElem(a, { id: b % (num + 2), len: b >>> 8 }));
        return;
      default: {
        const at = a % regions[0].layout.size;
        device.set((p) => {
          p.memory.bytes[p.offsetOf(0) + at] = b & 0xff;
        });
      }
    }
  };

  const compare = (): void => {
    const [x, y] = [regions[0].memory.bytes, regions[1].memory.bytes];
    if (Buffer.compare(x, y) !== 0) {
      const at = x.findIndex((v, i) => v !== y[i]);
      expect.fail(`memories differ at byte ${at} (${x[at]} vs ${y[at]}) after ${history.join(' ')}`);
    }
    expect(fixed.outstanding).toBe(master.outstanding);
    expect(fixed.isBroken).toBe(master.isBroken);
    for (let k = 0; k < num; k++) expect(fixed.isOutstanding(k)).toBe(master.isOutstanding(k));
  };

  start(mode === 'prefilled');
  compare();
  const prefix = mode === 'adopted' ? ops.length >> 2 : 0;
  ops.forEach(([op, a, b], i) => {
    if (i === prefix && mode === 'adopted') {
      history.push('(attach)');
      adopt(prefilled ? 1 : a % 2, a, b); // a master restarting on the rings it left
      compare();
    }
    history.push(`${op}:${a}:${b}`);
    step(op, a, b);
    compare();
  });
}

describe('MasterQueue vs FixedVirtqueueDriver (differential)', () => {
  // ops 0..8 driver, 9..13 device, 14..17 hostile device (~22 %)
  const ops = fc.array(fc.tuple(fc.nat(17), fc.nat(0x7fffffff), fc.nat(0x7fffffff)), {
    maxLength: 200,
    size: 'max',
  });
  const num = fc.nat(6).map((l) => 2 ** l); // 1..64

  it.each([
    ['from a reset ring', 'normal'],
    ['from a used ring pre-filled with every buffer', 'prefilled'],
    ['adopting a ring in use', 'adopted'],
  ] as const)('writes the same bytes and answers the same, %s', (_what, mode) => {
    fc.assert(
      fc.property(num, fc.boolean(), ops, (n, e, o) => run(n, e, mode, o)),
      { numRuns: 250 },
    );
  });
});
