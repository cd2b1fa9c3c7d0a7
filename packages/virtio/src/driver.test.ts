import { describe, expect, it } from 'vitest';
import { VirtqueueDriver } from './driver.js';
import type { VirtioErrorCode } from './errors.js';
import {
  VRING_AVAIL_F_NO_INTERRUPT,
  VRING_DESC_F_INDIRECT,
  VRING_DESC_F_NEXT,
  VRING_DESC_F_WRITE,
} from './layout.js';
import { countingRegion } from './testing/counting-region.js';
import { makeRegion } from './testing/make-region.js';
import { RingPuppet } from './testing/ring-puppet.js';

function setup(opts: { num?: number; eventIdx?: boolean; indirect?: boolean; usedLenLimit?: 'chain' } = {}) {
  const region = makeRegion({ num: opts.num ?? 8, extra: 256 });
  let kicks = 0;
  const driver = new VirtqueueDriver<string>({
    memory: region.memory,
    addr: region.ringAddr,
    num: opts.num ?? 8,
    align: 16,
    eventIdx: opts.eventIdx ?? false,
    indirect: opts.indirect ?? false,
    usedLenLimit: opts.usedLenLimit ?? 'writable',
    notify: () => kicks++,
  });
  driver.reset();
  const puppet = new RingPuppet(region.memory, region.ringAddr, opts.num ?? 8, 16);
  return { ...region, driver, puppet, kicks: () => kicks };
}

function codeOf(fn: () => unknown): VirtioErrorCode | string {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? (e as Error).name;
  }
  return 'no error';
}

describe('VirtqueueDriver', () => {
  describe('constructor', () => {
    it('refuses a ring that does not fit in the region', () => {
      const { memory } = makeRegion({ num: 4, buffers: 0 });
      expect(codeOf(() => new VirtqueueDriver({ memory, addr: memory.base + 16, num: 4, align: 16 }))).toBe(
        'ERR_VIRTQ_LAYOUT',
      );
      expect(codeOf(() => new VirtqueueDriver({ memory, addr: memory.base - 16, num: 4, align: 16 }))).toBe(
        'ERR_VIRTQ_LAYOUT',
      );
    });
    it('refuses a ring that is not 16-byte aligned', () => {
      const { memory } = makeRegion({ num: 4 });
      expect(codeOf(() => new VirtqueueDriver({ memory, addr: memory.base + 8, num: 4, align: 16 }))).toBe(
        'ERR_VIRTQ_LAYOUT',
      );
    });
  });

  describe('#addBuf', () => {
    it('writes a chain with NEXT links and WRITE on the writable part, and fills an avail slot', () => {
      const { driver, puppet, bufAddr } = setup();
      const head = driver.addBuf(
        [
          { addr: bufAddr(0), len: 16, write: false },
          { addr: bufAddr(1), len: 32, write: true },
        ],
        'a',
      );
      const first = puppet.readDesc(head);
      expect(first).toMatchObject({ addr: bufAddr(0), len: 16, flags: VRING_DESC_F_NEXT });
      expect(puppet.readDesc(first.next)).toMatchObject({
        addr: bufAddr(1),
        len: 32,
        flags: VRING_DESC_F_WRITE,
      });
      expect(puppet.availRing(0)).toBe(head);
      expect(driver.numFree).toBe(6);
    });

    it('does not publish avail.idx until kickPrepare', () => {
      const { driver, puppet, bufAddr } = setup();
      driver.addOutBuf(bufAddr(0), 8, 'a');
      expect(puppet.availIdx()).toBe(0);
      expect(driver.kickPrepare()).toBe(true);
      expect(puppet.availIdx()).toBe(1);
    });

    it('throws ERR_VIRTQ_NO_DESC when full, without breaking the queue', () => {
      const { driver, bufAddr } = setup({ num: 2 });
      driver.addOutBuf(bufAddr(0), 8, 'a');
      driver.addOutBuf(bufAddr(1), 8, 'b');
      expect(codeOf(() => driver.addOutBuf(bufAddr(0), 8, 'c'))).toBe('ERR_VIRTQ_NO_DESC');
      expect(driver.isBroken).toBe(false);
    });

    it('refuses a readable segment after a writable one', () => {
      const { driver, bufAddr } = setup();
      expect(() =>
        driver.addBuf(
          [
            { addr: bufAddr(0), len: 0, write: true },
            { addr: bufAddr(1), len: 8, write: false },
          ],
          'x',
        ),
      ).toThrow(TypeError);
    });

    it('writes an indirect table and uses one ring descriptor', () => {
      const { driver, puppet, bufAddr, extraAddr } = setup({ indirect: true });
      const head = driver.addBuf(
        [
          { addr: bufAddr(0), len: 8, write: false },
          { addr: bufAddr(1), len: 8, write: true },
        ],
        'i',
        { indirectAddr: extraAddr },
      );
      expect(puppet.readDesc(head)).toMatchObject({ addr: extraAddr, len: 32, flags: VRING_DESC_F_INDIRECT });
      expect(driver.numFree).toBe(7);
    });
  });

  describe('#kickPrepare', () => {
    it('respects used.flags NO_NOTIFY without EVENT_IDX', () => {
      const { driver, puppet, bufAddr, kicks } = setup();
      puppet.setUsedFlags(1);
      driver.addOutBuf(bufAddr(0), 8, 'a');
      expect(driver.kick()).toBe(false);
      puppet.setUsedFlags(0);
      driver.addOutBuf(bufAddr(1), 8, 'b');
      expect(driver.kick()).toBe(true);
      expect(kicks()).toBe(1);
    });

    it('kicks only when avail.idx passes avail_event with EVENT_IDX', () => {
      const { driver, puppet, bufAddr } = setup({ eventIdx: true });
      puppet.setAvailEvent(1); // device wants to hear once avail.idx moves past 1
      driver.addOutBuf(bufAddr(0), 8, 'a');
      expect(driver.kickPrepare()).toBe(false); // 0 → 1 does not cross 1
      driver.addOutBuf(bufAddr(1), 8, 'b');
      expect(driver.kickPrepare()).toBe(true); // 1 → 2 crosses
    });

    it('returns false when nothing new was added', () => {
      const { driver } = setup();
      expect(driver.kickPrepare()).toBe(false);
    });

    it('stores nothing when nothing new was added', () => {
      const { driver, puppet } = setup();
      puppet.setAvailIdx(7);
      expect(driver.kickPrepare()).toBe(false);
      expect(puppet.availIdx()).toBe(7);
    });

    it('publishes what was added before the queue broke (it reads nothing untrusted)', () => {
      const { driver, puppet, bufAddr } = setup();
      driver.addOutBuf(bufAddr(0), 8, 'a');
      puppet.setUsedIdx(3);
      expect(codeOf(() => driver.hasUsed())).toBe('ERR_VIRTQ_USED_IDX');
      expect(driver.kickPrepare()).toBe(true);
      expect(puppet.availIdx()).toBe(1);
    });
  });

  describe('#getBuf', () => {
    it('returns tokens with the written length and frees the chain', () => {
      const { driver, puppet, bufAddr } = setup();
      const head = driver.addInBuf(bufAddr(0), 64, 'rx');
      driver.kickPrepare();
      puppet.returnUsed(head, 40);
      expect(driver.getBuf()).toBe('rx');
      expect(driver.lastLen).toBe(40);
      expect(driver.lastHead).toBe(head);
      expect(driver.numFree).toBe(8);
      expect(driver.getBuf()).toBeUndefined();
    });

    it('reads used.idx only when the entries seen at the last read are used up', () => {
      const { driver, puppet, bufAddr } = setup();
      driver.addInBuf(bufAddr(0), 8, 'a');
      driver.addInBuf(bufAddr(1), 8, 'b');
      driver.addInBuf(bufAddr(2), 8, 'c');
      driver.kickPrepare();
      puppet.returnUsed(0, 1);
      puppet.returnUsed(1, 1);
      expect(driver.getBuf()).toBe('a'); // loads used.idx = 2
      puppet.setUsedIdx(40); // published after the load
      expect(driver.getBuf()).toBe('b'); // seen before: no load
      expect(codeOf(() => driver.getBuf())).toBe('ERR_VIRTQ_USED_IDX');
    });

    it('writes used_event with EVENT_IDX while callbacks are enabled', () => {
      const { driver, puppet, bufAddr } = setup({ eventIdx: true });
      driver.addInBuf(bufAddr(0), 64, 'rx');
      driver.kickPrepare();
      puppet.returnUsed(0, 1);
      driver.getBuf();
      expect(puppet.usedEvent()).toBe(1);
    });

    it.each([
      ['used.idx far ahead', (p: RingPuppet) => p.setUsedIdx(5), 'ERR_VIRTQ_USED_IDX'],
      ['used.idx moved backwards', (p: RingPuppet) => p.setUsedIdx(0xffff), 'ERR_VIRTQ_USED_IDX'],
      ['id ≥ num', (p: RingPuppet) => p.returnUsed(8, 0), 'ERR_VIRTQ_USED_ID'],
      ['id not outstanding', (p: RingPuppet) => p.returnUsed(3, 0), 'ERR_VIRTQ_USED_ID'],
      ['id that is not a head', (p: RingPuppet) => p.returnUsed(1, 0), 'ERR_VIRTQ_USED_ID'],
      ['len beyond the writable bytes', (p: RingPuppet) => p.returnUsed(0, 33), 'ERR_VIRTQ_USED_LEN'],
    ])('breaks the queue on %s', (_what, corrupt, code) => {
      const { driver, puppet, bufAddr } = setup();
      driver.addBuf(
        [
          { addr: bufAddr(0), len: 8, write: false },
          { addr: bufAddr(1), len: 32, write: true },
        ],
        'a',
      );
      driver.kickPrepare();
      corrupt(puppet);
      expect(codeOf(() => driver.getBuf())).toBe(code);
      expect(driver.isBroken).toBe(true);
      expect(codeOf(() => driver.addOutBuf(bufAddr(2), 1, 'b'))).toBe('ERR_VIRTQ_BROKEN');
      driver.reset();
      expect(driver.isBroken).toBe(false);
      expect(driver.numFree).toBe(8);
    });

    it("accepts RPMsg-Lite's whole-buffer len on a read buffer with usedLenLimit 'chain'", () => {
      const { driver, puppet, bufAddr } = setup({ usedLenLimit: 'chain' });
      driver.addOutBuf(bufAddr(0), 512, 'tx');
      driver.kickPrepare();
      puppet.returnUsed(0, 512);
      expect(driver.getBuf()).toBe('tx');
      driver.addOutBuf(bufAddr(0), 512, 'tx');
      driver.kickPrepare();
      puppet.returnUsed(0, 513);
      expect(codeOf(() => driver.getBuf())).toBe('ERR_VIRTQ_USED_LEN');
    });
  });

  describe('#numUsed', () => {
    it('counts what the device returned without taking it, and refuses a used.idx too far ahead', () => {
      const { driver, puppet, bufAddr } = setup();
      for (let k = 0; k < 3; k++) driver.addInBuf(bufAddr(k), 8, `b${k}`);
      driver.kickPrepare();
      expect(driver.numUsed()).toBe(0);
      puppet.returnUsed(0, 1);
      puppet.returnUsed(1, 1);
      expect(driver.numUsed()).toBe(2);
      expect(driver.getBuf()).toBe('b0'); // still there to take
      expect(driver.numUsed()).toBe(1);
      puppet.setUsedIdx(9); // 8 ahead with 2 out
      expect(codeOf(() => driver.numUsed())).toBe('ERR_VIRTQ_USED_IDX');
    });
  });

  describe('#enableCb / #disableCb', () => {
    it('toggles avail.flags NO_INTERRUPT and reports pending buffers', () => {
      const { driver, puppet, bufAddr } = setup();
      driver.disableCb();
      expect(puppet.availFlags()).toBe(VRING_AVAIL_F_NO_INTERRUPT);
      driver.addInBuf(bufAddr(0), 8, 'a');
      driver.kickPrepare();
      expect(driver.enableCb()).toBe(true);
      expect(puppet.availFlags()).toBe(0);
      puppet.returnUsed(0, 0);
      expect(driver.enableCb()).toBe(false);
    });

    it('stores avail.flags only when NO_INTERRUPT changes', () => {
      // A polling driver disables on every pass; avail.flags shares a cache line with avail.idx.
      const { driver, puppet } = setup();
      const after = (['disable', 'disable', 'enable', 'disable'] as const).map((call) => {
        puppet.setAvailFlags(0x55); // a call that stores overwrites this marker
        if (call === 'disable') driver.disableCb();
        else driver.enableCb();
        return puppet.availFlags();
      });
      expect(after).toEqual([VRING_AVAIL_F_NO_INTERRUPT, 0x55, 0, VRING_AVAIL_F_NO_INTERRUPT]);
    });

    it('leaves avail.flags 0 with EVENT_IDX and writes used_event on enable', () => {
      const { driver, puppet } = setup({ eventIdx: true });
      driver.disableCb();
      expect(puppet.availFlags()).toBe(0);
      puppet.setUsedEvent(77);
      driver.enableCb();
      expect(puppet.usedEvent()).toBe(0);
    });
  });

  describe('#enableCbDelayed', () => {
    it('asks for an interrupt at 3/4 of the buffers out, judged on a fresh used.idx', () => {
      const { driver, puppet, bufAddr } = setup({ eventIdx: true });
      for (let k = 0; k < 4; k++) driver.addInBuf(bufAddr(k), 8, `t${k}`);
      driver.kickPrepare();
      puppet.returnUsed(0, 0);
      expect(driver.hasUsed()).toBe(true); // sees one entry
      for (let k = 1; k < 4; k++) puppet.returnUsed(k, 0);
      expect(driver.enableCbDelayed()).toBe(false); // all 4 used: more than 3, do not sleep
      expect(puppet.usedEvent()).toBe(3);
    });
  });

  describe('descriptor stores', () => {
    it('stores nothing when a chain is added again as it was', () => {
      const { driver, puppet, bufAddr, memory } = setup();
      const counting = countingRegion(memory);
      const again = new VirtqueueDriver<string>({
        memory: counting.memory,
        addr: driver.addr,
        num: 8,
        align: 16,
      });
      const chain = [
        { addr: bufAddr(0), len: 8, write: false },
        { addr: bufAddr(1), len: 16, write: true },
      ];
      again.reset();
      const lap = () => {
        again.addBuf(chain, 'a'); // the freed chain heads the free list: descriptors 0 → 1 every lap
        again.kickPrepare();
        puppet.returnUsed(0, 0);
        expect(again.getBuf()).toBe('a');
      };
      lap();
      const stores = counting.stores();
      expect(stores).toBeGreaterThan(0);
      lap();
      lap();
      expect(counting.stores()).toBe(stores); // same descriptors, avail slots naming head 0 again
      expect(puppet.readDesc(0)).toMatchObject({
        addr: bufAddr(0),
        len: 8,
        flags: VRING_DESC_F_NEXT,
        next: 1,
      });
    });
  });

  describe('#detachUnusedBuf', () => {
    it('hands back every outstanding token once', () => {
      const { driver, bufAddr } = setup();
      driver.addOutBuf(bufAddr(0), 8, 'a');
      driver.addInBuf(bufAddr(1), 8, 'b');
      const got = [driver.detachUnusedBuf(), driver.detachUnusedBuf(), driver.detachUnusedBuf()];
      expect(got).toEqual(['a', 'b', undefined]);
      expect(driver.numFree).toBe(8);
    });
  });
});
