import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FixedVirtqueueDriver } from './fixed-driver.js';
import { VRING_AVAIL_F_NO_INTERRUPT, VRING_DESC_F_WRITE } from './layout.js';
import { MemoryRegion } from './memory.js';
import { countingRegion } from './testing/counting-region.js';
import { makeRegion } from './testing/make-region.js';
import { RingPuppet } from './testing/ring-puppet.js';

const BUFFER = 64;

function setup(opts: { num?: number; eventIdx?: boolean; counting?: boolean } = {}) {
  const num = opts.num ?? 8;
  const region = makeRegion({ num, bufferSize: BUFFER });
  // The driver may get a region over the same bytes that counts its stores; the puppet, the peer, writes
  // through the plain one.
  const counting = countingRegion(region.memory);
  const memory = opts.counting ? counting.memory : region.memory;
  let kicks = 0;
  const options = {
    memory,
    addr: region.ringAddr,
    num,
    align: 16,
    eventIdx: opts.eventIdx ?? false,
    firstBuffer: region.poolAddr,
    bufferSize: BUFFER,
    notify: () => kicks++,
  };
  const driver = new FixedVirtqueueDriver(options);
  driver.reset();
  const puppet = new RingPuppet(region.memory, region.ringAddr, num, 16);
  const snapshot = () => region.memory.bytes.slice();
  return { ...region, options, driver, puppet, stores: counting.stores, snapshot, kicks: () => kicks };
}

function errorOf(fn: () => unknown): { code?: string; name: string } | 'no error' {
  try {
    fn();
  } catch (e) {
    return { code: (e as { code?: string }).code, name: (e as Error).name };
  }
  return 'no error';
}
const codeOf = (fn: () => unknown) => {
  const e = errorOf(fn);
  return e === 'no error' ? e : e.code;
};

describe('FixedVirtqueueDriver', () => {
  describe('constructor', () => {
    it('refuses buffers that do not fit in the region', () => {
      const { options, memory } = setup();
      expect(
        codeOf(() => new FixedVirtqueueDriver({ ...options, firstBuffer: memory.base + memory.size })),
      ).toBe('ERR_VIRTQ_ADDR');
      expect(codeOf(() => new FixedVirtqueueDriver({ ...options, bufferSize: memory.size }))).toBe(
        'ERR_VIRTQ_ADDR',
      );
    });

    it('refuses a bad bufferSize or firstBuffer with argument errors', () => {
      const { options } = setup();
      expect(codeOf(() => new FixedVirtqueueDriver({ ...options, bufferSize: -1 }))).toBe('ERR_OUT_OF_RANGE');
      expect(codeOf(() => new FixedVirtqueueDriver({ ...options, bufferSize: 1.5 }))).toBe(
        'ERR_OUT_OF_RANGE',
      );
      expect(codeOf(() => new FixedVirtqueueDriver({ ...options, firstBuffer: '0' as never }))).toBe(
        'ERR_INVALID_ARG_TYPE',
      );
    });

    it('refuses a ring that is not 16-byte aligned, as every driver does', () => {
      const { options } = setup();
      expect(codeOf(() => new FixedVirtqueueDriver({ ...options, addr: options.addr + 2 }))).toBe(
        'ERR_VIRTQ_LAYOUT',
      );
    });
  });

  describe('#addOutBuf / #addInBuf', () => {
    it('describes buffer k with descriptor k and names it in the next avail slot, unpublished', () => {
      const { driver, puppet, bufAddr } = setup();
      driver.addOutBuf(5, 10);
      driver.addInBuf(2, BUFFER);
      expect(puppet.readDesc(5)).toEqual({ addr: bufAddr(5), len: 10, flags: 0, next: 0 });
      expect(puppet.readDesc(2)).toEqual({
        addr: bufAddr(2),
        len: BUFFER,
        flags: VRING_DESC_F_WRITE,
        next: 0,
      });
      expect([puppet.availRing(0), puppet.availRing(1)]).toEqual([5, 2]);
      expect(puppet.availIdx()).toBe(0);
      expect(driver.outstanding).toBe(2);
      expect(driver.isOutstanding(5)).toBe(true);
      expect(driver.isOutstanding(4)).toBe(false);
      expect(driver.numFree).toBe(6);
    });

    it.each([
      ['k beyond the ring', 8, 1, 'ERR_OUT_OF_RANGE'],
      ['a negative k', -1, 1, 'ERR_OUT_OF_RANGE'],
      ['a fractional k', 1.5, 1, 'ERR_OUT_OF_RANGE'],
      ['k that is not a number', null, 1, 'ERR_INVALID_ARG_TYPE'],
      ['a len that is not a number', 1, '1', 'ERR_INVALID_ARG_TYPE'],
      ['len beyond the buffer', 1, BUFFER + 1, 'ERR_OUT_OF_RANGE'],
      ['a negative len', 1, -1, 'ERR_OUT_OF_RANGE'],
    ])('refuses %s without touching the ring', (_what, k, len, code) => {
      const { driver, snapshot } = setup();
      const before = snapshot();
      expect(codeOf(() => driver.addOutBuf(k as number, len as number))).toBe(code);
      expect(snapshot()).toEqual(before);
      expect(driver.outstanding).toBe(0);
      expect(driver.isBroken).toBe(false);
    });

    it('refuses a buffer that is on the ring already (a TypeError with ERR_INVALID_ARG_VALUE)', () => {
      const { driver, snapshot } = setup();
      driver.addInBuf(3, BUFFER);
      const before = snapshot();
      expect(errorOf(() => driver.addOutBuf(3, 1))).toEqual({
        code: 'ERR_INVALID_ARG_VALUE',
        name: 'TypeError',
      });
      expect(snapshot()).toEqual(before);
      expect(driver.outstanding).toBe(1);
    });

    it('stores nothing when a buffer goes back as it was, lap after lap', () => {
      const { driver, puppet, stores } = setup({ num: 4, counting: true });
      const lap = () => {
        for (let k = 0; k < 4; k++) driver.addOutBuf(k, 16);
        driver.kickPrepare();
        for (let k = 0; k < 4; k++) puppet.returnUsed(k, 0);
        while (driver.getBuf() >= 0);
      };
      lap();
      const before = stores();
      lap();
      lap();
      expect(stores()).toBe(before); // descriptors and avail slots unchanged: not one plain store
    });

    it('stores only the fields that changed, leaving the bytes as a full store would', () => {
      const { driver, puppet, stores, bufAddr } = setup({ counting: true });
      driver.addOutBuf(3, 16);
      driver.kickPrepare();
      puppet.returnUsed(3, 0);
      driver.getBuf();
      const before = stores();
      driver.addInBuf(3, 32); // same address; len, flags and avail slot 1 (which held 0) change
      expect(stores() - before).toBe(3);
      expect(puppet.readDesc(3)).toEqual({ addr: bufAddr(3), len: 32, flags: VRING_DESC_F_WRITE, next: 0 });
      expect(puppet.availRing(1)).toBe(3);
      puppet.writeDesc(1, { addr: 0xdead_beef, len: 7, flags: 0xffff, next: 9 }); // a peer scribbled on it
      driver.addInBuf(1, 32);
      expect(puppet.readDesc(1)).toEqual({ addr: bufAddr(1), len: 32, flags: VRING_DESC_F_WRITE, next: 0 });
    });
  });

  describe('#kickPrepare', () => {
    it('publishes avail.idx and kicks unless used.flags says NO_NOTIFY', () => {
      const { driver, puppet, kicks } = setup();
      puppet.setUsedFlags(1);
      driver.addOutBuf(0, 1);
      expect(driver.kick()).toBe(false);
      expect(puppet.availIdx()).toBe(1);
      puppet.setUsedFlags(0);
      driver.addOutBuf(1, 1);
      expect(driver.kick()).toBe(true);
      expect(kicks()).toBe(1);
    });

    it('kicks only when avail.idx passes avail_event with EVENT_IDX', () => {
      const { driver, puppet } = setup({ eventIdx: true });
      puppet.setAvailEvent(1);
      driver.addOutBuf(0, 1);
      expect(driver.kickPrepare()).toBe(false);
      driver.addOutBuf(1, 1);
      expect(driver.kickPrepare()).toBe(true);
    });

    it('returns false and stores nothing when nothing was added', () => {
      const { driver, puppet } = setup();
      puppet.setAvailIdx(7); // not what the driver would store
      expect(driver.kickPrepare()).toBe(false);
      expect(puppet.availIdx()).toBe(7);
    });
  });

  describe('#getBuf', () => {
    it('returns the buffer index with the used len, -1 when none is left', () => {
      const { driver, puppet } = setup();
      driver.addInBuf(6, BUFFER);
      driver.kickPrepare();
      puppet.returnUsed(6, 40);
      expect(driver.hasUsed()).toBe(true);
      expect(driver.getBuf()).toBe(6);
      expect(driver.lastLen).toBe(40);
      expect(driver.getBuf()).toBe(-1);
      expect(driver.outstanding).toBe(0);
    });

    it('reports a used len above the buffer size as it is, for the caller to judge', () => {
      const { driver, puppet } = setup();
      driver.addInBuf(0, BUFFER);
      driver.kickPrepare();
      puppet.returnUsed(0, 0xffff_ffff);
      expect(driver.getBuf()).toBe(0);
      expect(driver.lastLen).toBe(0xffff_ffff);
      expect(driver.isBroken).toBe(false);
    });

    it('writes used_event with EVENT_IDX while callbacks are on, and leaves it while off', () => {
      const { driver, puppet } = setup({ eventIdx: true });
      driver.addInBuf(0, BUFFER);
      driver.addInBuf(1, BUFFER);
      driver.kickPrepare();
      puppet.returnUsed(0, 1);
      puppet.returnUsed(1, 1);
      driver.getBuf();
      expect(puppet.usedEvent()).toBe(1);
      driver.disableCb();
      driver.getBuf();
      expect(puppet.usedEvent()).toBe(1);
    });

    it('reads used.idx only when the entries seen at the last read are used up', () => {
      const { driver, puppet } = setup();
      for (let k = 0; k < 3; k++) driver.addInBuf(k, BUFFER);
      driver.kickPrepare();
      puppet.returnUsed(0, 1);
      puppet.returnUsed(1, 2);
      expect(driver.getBuf()).toBe(0); // loads used.idx = 2
      puppet.setUsedIdx(40); // nonsense, published after the load
      expect(driver.getBuf()).toBe(1); // the entry seen before: no load, no error
      expect(codeOf(() => driver.getBuf())).toBe('ERR_VIRTQ_USED_IDX'); // cache used up: loads and refuses
    });

    it.each([
      ['used.idx far ahead', (p: RingPuppet) => p.setUsedIdx(5), 'ERR_VIRTQ_USED_IDX'],
      ['used.idx moved backwards', (p: RingPuppet) => p.setUsedIdx(0xffff), 'ERR_VIRTQ_USED_IDX'],
      ['id ≥ num', (p: RingPuppet) => p.returnUsed(8, 0), 'ERR_VIRTQ_USED_ID'],
      ['id not on the ring', (p: RingPuppet) => p.returnUsed(3, 0), 'ERR_VIRTQ_USED_ID'],
    ])('breaks the queue on %s', (_what, corrupt, code) => {
      const { driver, puppet } = setup();
      driver.addInBuf(0, BUFFER);
      driver.kickPrepare();
      corrupt(puppet);
      expect(codeOf(() => driver.getBuf())).toBe(code);
      expect(driver.isBroken).toBe(true);
      expect(codeOf(() => driver.getBuf())).toBe('ERR_VIRTQ_BROKEN');
      expect(codeOf(() => driver.hasUsed())).toBe('ERR_VIRTQ_BROKEN');
      expect(codeOf(() => driver.addOutBuf(1, 1))).toBe('ERR_VIRTQ_BROKEN');
      expect(codeOf(() => driver.prefillUsed())).toBe('ERR_VIRTQ_BROKEN');
      driver.reset();
      expect(driver.isBroken).toBe(false);
      expect(driver.outstanding).toBe(0);
    });

    it('still publishes, disables callbacks and detaches on a broken queue (nothing untrusted is read)', () => {
      const { driver, puppet } = setup();
      driver.addOutBuf(0, 1);
      puppet.setUsedIdx(9);
      expect(codeOf(() => driver.hasUsed())).toBe('ERR_VIRTQ_USED_IDX');
      expect(driver.kickPrepare()).toBe(true);
      expect(puppet.availIdx()).toBe(1);
      driver.disableCb();
      expect(puppet.availFlags()).toBe(VRING_AVAIL_F_NO_INTERRUPT);
      expect(driver.detachUnusedBuf()).toBe(0);
    });
  });

  describe('#enableCb / #disableCb / #enableCbDelayed', () => {
    it('toggles avail.flags NO_INTERRUPT and re-checks the used ring', () => {
      const { driver, puppet } = setup();
      driver.disableCb();
      expect(puppet.availFlags()).toBe(VRING_AVAIL_F_NO_INTERRUPT);
      driver.addInBuf(0, BUFFER);
      driver.kickPrepare();
      expect(driver.enableCb()).toBe(true);
      expect(puppet.availFlags()).toBe(0);
      puppet.returnUsed(0, 0);
      expect(driver.enableCb()).toBe(false);
    });

    it('leaves avail.flags alone with EVENT_IDX and writes used_event on enable', () => {
      const { driver, puppet } = setup({ eventIdx: true });
      driver.disableCb();
      expect(puppet.availFlags()).toBe(0);
      puppet.setUsedEvent(77);
      expect(driver.enableCb()).toBe(true);
      expect(puppet.usedEvent()).toBe(0);
    });

    it('asks for an interrupt at 3/4 of the buffers out, judged on a fresh used.idx', () => {
      const { driver, puppet } = setup({ eventIdx: true });
      for (let k = 0; k < 4; k++) driver.addInBuf(k, BUFFER);
      driver.kickPrepare();
      puppet.returnUsed(0, 0);
      expect(driver.hasUsed()).toBe(true); // sees one entry
      for (let k = 1; k < 4; k++) puppet.returnUsed(k, 0); // then the device returns the rest
      // 4 out → interrupt after 3; all 4 are used already, so sleeping now would miss the interrupt.
      expect(driver.enableCbDelayed()).toBe(false);
      expect(puppet.usedEvent()).toBe(3);
    });
  });

  describe('#prefillUsed', () => {
    it('puts every buffer on the used ring with the whole buffer size, as RPMsg-Lite vq1', () => {
      const { driver, puppet, bufAddr } = setup({ num: 4 });
      driver.prefillUsed();
      for (let k = 0; k < 4; k++) {
        expect(puppet.readDesc(k)).toEqual({
          addr: bufAddr(k),
          len: BUFFER,
          flags: VRING_DESC_F_WRITE,
          next: 0,
        });
        expect(puppet.usedElem(k)).toEqual({ id: k, len: BUFFER });
      }
      expect([puppet.usedIdx(), puppet.availIdx()]).toEqual([4, 0]);
      expect(driver.outstanding).toBe(4);
      const got = [driver.getBuf(), driver.getBuf(), driver.getBuf(), driver.getBuf(), driver.getBuf()];
      expect(got).toEqual([0, 1, 2, 3, -1]);
      driver.addOutBuf(0, 5); // taken from the used ring, the buffer is the driver's to send
      expect(driver.kickPrepare()).toBe(true);
    });

    it('refuses when a buffer is on the ring already, writing nothing', () => {
      const { driver, snapshot } = setup();
      driver.addInBuf(0, BUFFER);
      const before = snapshot();
      expect(codeOf(() => driver.prefillUsed())).toBe('ERR_VIRTQ_NO_DESC');
      expect(snapshot()).toEqual(before);
      expect(driver.isBroken).toBe(false);
    });

    // Ground truth written by RPMsg-Lite v5.4.0 (../shared/vectors/README.md). Read only.
    const VECTORS = join(import.meta.dirname, '../../../../shared/vectors/rpmsg-lite/mcu-compact');
    it.skipIf(!existsSync(VECTORS))(
      'writes the rings as RPMsg-Lite master_init does (mcu-compact 00-init)',
      () => {
        const file = readFileSync(join(VECTORS, '00-init.bin'));
        const image = new MemoryRegion(
          file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength),
          {
            base: 0x1000_0000,
          },
        );
        const ours = new MemoryRegion(new ArrayBuffer(image.size), { base: 0x1000_0000 });
        const pool = 0x1000_0100; // 2 × stride (vectors/README.md)
        const ring = (memory: MemoryRegion, i: number) =>
          new RingPuppet(memory, 0x1000_0000 + 0x80 * i, 4, 16);
        const make = (i: number) =>
          new FixedVirtqueueDriver({
            memory: ours,
            addr: 0x1000_0000 + 0x80 * i,
            num: 4,
            align: 16,
            firstBuffer: pool + 4 * 512 * i,
            bufferSize: 512,
          });
        const rx = make(0);
        rx.reset();
        for (let k = 0; k < 4; k++) rx.addInBuf(k, 512);
        rx.kickPrepare();
        const tx = make(1);
        tx.reset();
        tx.prefillUsed();
        // RPMsg-Lite links its descriptors in a free list (`next`) and sets avail.flags; neither is
        // read by a remote for single-descriptor buffers, so those fields are left out.
        for (const i of [0, 1]) {
          const [want, got] = [ring(image, i), ring(ours, i)];
          for (let k = 0; k < 4; k++) {
            expect({ ...got.readDesc(k), next: 0 }).toEqual({ ...want.readDesc(k), next: 0 });
            expect(got.availRing(k)).toBe(want.availRing(k));
            expect(got.usedElem(k)).toEqual(want.usedElem(k));
          }
          expect([got.availIdx(), got.usedIdx()]).toEqual([want.availIdx(), want.usedIdx()]);
        }
      },
    );
  });

  describe('#adopt', () => {
    /** A ring as a previous driver left it: every buffer posted, `taken` reposted, `used` returned. */
    function leftBehind(opts: { eventIdx?: boolean; num?: number } = {}) {
      const s = setup(opts);
      const { driver, puppet } = s;
      for (let k = 0; k < driver.num; k++) driver.addInBuf(k, BUFFER);
      driver.kickPrepare();
      return { ...s, previous: driver, next: new FixedVirtqueueDriver(s.options), puppet };
    }

    it("takes over a ring with every buffer on it ('all') without writing a byte", () => {
      const { previous, next, puppet, snapshot } = leftBehind();
      puppet.returnUsed(0, 5);
      puppet.returnUsed(1, 6);
      expect(previous.getBuf()).toBe(0);
      previous.addInBuf(0, BUFFER);
      previous.kickPrepare(); // avail.idx 9, previous driver's cursor 1
      const before = snapshot();
      next.adopt(puppet.availIdx() - next.num, 'all');
      expect(snapshot()).toEqual(before);
      expect(next.outstanding).toBe(8);
      expect(next.getBuf()).toBe(1);
      expect(next.lastLen).toBe(6);
      next.addInBuf(1, BUFFER);
      expect(next.kickPrepare()).toBe(true);
      expect(puppet.availIdx()).toBe(10);
      expect(puppet.availRing(9)).toBe(1);
    });

    it('takes the last inFlight avail entries as the buffers on the ring, the others as free', () => {
      const s = setup();
      const { driver, puppet } = s;
      for (let k = 0; k < 6; k++) driver.addOutBuf(k, 3);
      driver.kickPrepare();
      for (let k = 0; k < 4; k++) puppet.returnUsed(k, 0);
      while (driver.getBuf() >= 0);
      const next = new FixedVirtqueueDriver(s.options);
      const used = puppet.usedIdx();
      next.adopt(used, (puppet.availIdx() - used) & 0xffff);
      expect([0, 1, 2, 3, 4, 5, 6, 7].map((k) => next.isOutstanding(k))).toEqual([
        false,
        false,
        false,
        false,
        true,
        true,
        false,
        false,
      ]);
      expect(codeOf(() => next.addOutBuf(4, 1))).toBe('ERR_INVALID_ARG_VALUE');
      next.addOutBuf(0, 1);
      puppet.returnUsed(4, 0);
      expect(next.getBuf()).toBe(4);
    });

    it('adopts a pre-filled vq1 the way a restarted RPMsg-Lite master finds it', () => {
      const s = setup({ num: 4 });
      const { driver, puppet } = s;
      driver.prefillUsed();
      expect(driver.getBuf()).toBe(0);
      expect(driver.getBuf()).toBe(1);
      driver.addOutBuf(0, 9);
      driver.kickPrepare(); // buffer 0 in flight; 1 free with the master; 2 and 3 still on the used ring
      const next = new FixedVirtqueueDriver(s.options);
      const [avail, used] = [puppet.availIdx(), puppet.usedIdx()];
      next.adopt(used, (avail - used + next.num) & 0xffff); // the engine's formula for a pre-filled ring
      expect([0, 1, 2, 3].map((k) => next.isOutstanding(k))).toEqual([true, false, false, false]);
    });

    it('follows the u16 wrap of avail.idx when counting back the buffers in flight', () => {
      const s = setup({ num: 4 });
      s.puppet.setAvailIdx(1); // the previous driver wrapped: entries 0xfffe, 0xffff, 0 are in slots 2, 3, 0
      for (const [slot, k] of [
        [2, 3],
        [3, 1],
        [0, 2],
      ]) {
        s.puppet.setAvailRing(slot!, k!);
        s.puppet.writeDesc(k!, { addr: s.bufAddr(k!), len: 1, flags: 0, next: 0 });
      }
      s.puppet.setUsedIdx(0xfffe);
      s.driver.adopt(0xfffe, 3);
      expect([0, 1, 2, 3].map((k) => s.driver.isOutstanding(k))).toEqual([false, true, true, true]);
      s.puppet.returnUsed(3, 0);
      expect(s.driver.getBuf()).toBe(3);
    });

    it('takes the callback state from avail.flags', () => {
      const { previous, next, puppet } = leftBehind();
      previous.disableCb();
      next.adopt(puppet.availIdx() - next.num, 'all');
      next.enableCb();
      expect(puppet.availFlags()).toBe(0);
    });

    it.each([
      ['more buffers in flight than the ring holds', (_p: RingPuppet) => 9, 'ERR_VIRTQ_USED_IDX'],
      [
        'an avail entry beyond the ring',
        (p: RingPuppet) => {
          p.setAvailRing(7, 8);
          return 2;
        },
        'ERR_VIRTQ_DESC_INDEX',
      ],
      [
        'a buffer named twice',
        (p: RingPuppet) => {
          p.setAvailRing(7, 6);
          return 2;
        },
        'ERR_VIRTQ_DESC_INDEX',
      ],
      [
        'a descriptor pointing elsewhere',
        (p: RingPuppet) => {
          p.writeDesc(7, { addr: 0x1000_0000, len: BUFFER, flags: VRING_DESC_F_WRITE, next: 0 });
          return 1;
        },
        'ERR_VIRTQ_ADDR',
      ],
      [
        'used.idx ahead of the buffers on the ring',
        (p: RingPuppet) => {
          p.setUsedIdx(3);
          return 2;
        },
        'ERR_VIRTQ_USED_IDX',
      ],
    ])('refuses %s, breaking the queue until reset', (_what, corrupt, code) => {
      const { next, puppet, snapshot } = leftBehind();
      const inFlight = corrupt(puppet);
      const before = snapshot();
      expect(codeOf(() => next.adopt(0, inFlight))).toBe(code);
      expect(snapshot()).toEqual(before);
      expect(next.isBroken).toBe(true);
      expect(codeOf(() => next.getBuf())).toBe('ERR_VIRTQ_BROKEN');
      next.reset();
      expect(next.isBroken).toBe(false);
    });

    it('clears the broken mark when a later adopt succeeds', () => {
      const { next, puppet } = leftBehind();
      puppet.setUsedIdx(9);
      expect(codeOf(() => next.adopt(0, 'all'))).toBe('ERR_VIRTQ_USED_IDX');
      puppet.setUsedIdx(0);
      next.adopt(0, 'all');
      expect(next.isBroken).toBe(false);
      expect(next.hasUsed()).toBe(false);
    });

    it.each([
      ['a fractional lastUsed', 0.5, 2, 'ERR_OUT_OF_RANGE'],
      ['a negative inFlight', 0, -1, 'ERR_OUT_OF_RANGE'],
      ['inFlight that is neither a count nor "all"', 0, 'some', 'ERR_INVALID_ARG_VALUE'],
      ['inFlight that is not a number', 0, null, 'ERR_INVALID_ARG_TYPE'],
    ])('refuses %s and changes nothing', (_what, lastUsed, inFlight, code) => {
      const { previous, puppet } = leftBehind();
      puppet.returnUsed(0, 0);
      expect(codeOf(() => previous.adopt(lastUsed, inFlight as never))).toBe(code);
      expect(previous.outstanding).toBe(8);
      expect(previous.getBuf()).toBe(0);
    });
  });

  describe('#detachUnusedBuf', () => {
    it('hands back every buffer on the ring once', () => {
      const { driver } = setup();
      driver.addOutBuf(4, 1);
      driver.addInBuf(1, 1);
      expect([driver.detachUnusedBuf(), driver.detachUnusedBuf(), driver.detachUnusedBuf()]).toEqual([
        1, 4, -1,
      ]);
      expect(driver.outstanding).toBe(0);
    });
  });

  describe('#readIndex', () => {
    it('reads avail.idx and used.idx as memory holds them, and refuses any other part', () => {
      const { driver, puppet } = setup();
      puppet.setAvailIdx(3);
      puppet.setUsedIdx(9);
      expect([driver.readIndex('avail'), driver.readIndex('used')]).toEqual([3, 9]);
      expect(codeOf(() => driver.readIndex('desc' as never))).toBe('ERR_INVALID_ARG_VALUE');
    });
  });
});
