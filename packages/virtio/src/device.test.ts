import { describe, expect, it } from 'vitest';
import { DescriptorChain } from './descriptor.js';
import { VirtqueueDevice } from './device.js';
import type { VirtioErrorCode } from './errors.js';
import { VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, VRING_DESC_F_WRITE } from './layout.js';
import { makeRegion } from './testing/make-region.js';
import { RingPuppet } from './testing/ring-puppet.js';

const W = VRING_DESC_F_WRITE;

function setup(opts: { num?: number; eventIdx?: boolean; indirect?: boolean } = {}) {
  const num = opts.num ?? 8;
  const region = makeRegion({ num, extra: 1024 });
  const device = new VirtqueueDevice({
    memory: region.memory,
    addr: region.ringAddr,
    num,
    align: 16,
    eventIdx: opts.eventIdx ?? false,
    indirect: opts.indirect ?? false,
  });
  const puppet = new RingPuppet(region.memory, region.ringAddr, num, 16);
  return { ...region, device, puppet, chain: new DescriptorChain(num) };
}

function codeOf(fn: () => unknown): VirtioErrorCode | string {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? (e as Error).name;
  }
  return 'no error';
}

describe('VirtqueueDevice', () => {
  describe('#popAvail', () => {
    it('reports readable then writable segments with region offsets', () => {
      const { device, puppet, chain, bufAddr, memory } = setup();
      puppet.postChain(2, [
        { addr: bufAddr(0), len: 10, flags: 0 },
        { addr: bufAddr(1), len: 20, flags: W },
        { addr: bufAddr(2), len: 30, flags: W },
      ]);
      expect(device.popAvail(chain)).toBe(true);
      expect(chain.headIndex).toBe(2);
      expect(chain.length).toBe(3);
      expect(chain.readableCount).toBe(1);
      expect(chain.readableLength).toBe(10);
      expect(chain.writableLength).toBe(50);
      expect(chain.offset(1)).toBe(bufAddr(1) - memory.base);
      expect(chain.isWriteOnly(0)).toBe(false);
      expect(chain.isWriteOnly(2)).toBe(true);
      expect(device.popAvail(chain)).toBe(false);
    });

    it('takes a one-descriptor chain (the RPMsg shape) up to the last byte of the region', () => {
      const { device, puppet, chain, memory } = setup();
      const end = memory.base + memory.size;
      puppet.postChain(3, [{ addr: end - 16, len: 16, flags: 0 }]);
      puppet.postChain(4, [{ addr: end, len: 0, flags: W }]);
      expect(device.popAvail(chain)).toBe(true);
      expect([chain.headIndex, chain.length, chain.addr(0), chain.offset(0), chain.len(0)]).toEqual([
        3,
        1,
        end - 16,
        memory.size - 16,
        16,
      ]);
      expect([chain.isWriteOnly(0), chain.readableLength, chain.writableLength]).toEqual([false, 16, 0]);
      expect(device.popAvail(chain)).toBe(true);
      expect([chain.offset(0), chain.isWriteOnly(0), chain.readableCount, chain.writableLength]).toEqual([
        memory.size,
        true,
        0,
        0,
      ]);
    });

    it('accepts write-only chains the RPMsg layer reads (peers set WRITE on TX buffers)', () => {
      const { device, puppet, chain, bufAddr } = setup();
      puppet.postChain(0, [{ addr: bufAddr(0), len: 512, flags: W }]);
      expect(device.popAvail(chain)).toBe(true);
      expect(chain.writableLength).toBe(512);
    });

    it('follows an indirect table when negotiated', () => {
      const { device, puppet, chain, bufAddr, extraAddr } = setup({ indirect: true });
      puppet.writeDescAt(extraAddr, { addr: bufAddr(0), len: 4, flags: VRING_DESC_F_NEXT, next: 1 });
      puppet.writeDescAt(extraAddr + 16, { addr: bufAddr(1), len: 8, flags: W, next: 0 });
      puppet.postChain(5, [{ addr: extraAddr, len: 32, flags: VRING_DESC_F_INDIRECT }]);
      expect(device.popAvail(chain)).toBe(true);
      expect(chain.indirect).toBe(true);
      expect(chain.headIndex).toBe(5);
      expect([chain.len(0), chain.len(1)]).toEqual([4, 8]);
    });

    it('refuses a chain buffer smaller than num', () => {
      const { device } = setup();
      expect(() => device.popAvail(new DescriptorChain(4))).toThrow(RangeError);
    });

    type Hostile = (p: RingPuppet, r: ReturnType<typeof setup>) => void;
    const cases: [string, Hostile, VirtioErrorCode, { indirect?: boolean }?][] = [
      ['avail.idx more than num ahead', (p) => p.setAvailIdx(9), 'ERR_VIRTQ_AVAIL_IDX'],
      ['avail.idx moved backwards', (p) => p.setAvailIdx(0xffff), 'ERR_VIRTQ_AVAIL_IDX'],
      [
        'a head ≥ num',
        (p) => {
          p.setAvailRing(0, 8);
          p.setAvailIdx(1);
        },
        'ERR_VIRTQ_DESC_INDEX',
      ],
      [
        'a next ≥ num',
        (p, r) => {
          p.writeDesc(0, { addr: r.bufAddr(0), len: 1, flags: VRING_DESC_F_NEXT, next: 200 });
          p.setAvailRing(0, 0);
          p.setAvailIdx(1);
        },
        'ERR_VIRTQ_DESC_INDEX',
      ],
      [
        'a looping chain',
        (p, r) => {
          p.makeLoop(1, 2, r.bufAddr(0), 1);
          p.setAvailRing(0, 1);
          p.setAvailIdx(1);
        },
        'ERR_VIRTQ_CHAIN_LOOP',
      ],
      [
        'a buffer past the region end',
        (p, r) => p.postChain(0, [{ addr: r.memory.base + r.memory.size - 4, len: 8, flags: 0 }]),
        'ERR_VIRTQ_ADDR',
      ],
      [
        'a buffer below the region base',
        (p, r) => p.postChain(0, [{ addr: r.memory.base - 1, len: 1, flags: 0 }]),
        'ERR_VIRTQ_ADDR',
      ],
      [
        'a length that wraps a 32-bit address',
        (p, r) => p.postChain(0, [{ addr: r.bufAddr(0), len: 0xffff_ffff, flags: W }]),
        'ERR_VIRTQ_ADDR',
      ],
      [
        'a 64-bit address',
        (p, r) => p.postChain(0, [{ addr: 2 ** 32 + r.memory.base, len: 1, flags: 0 }]),
        'ERR_VIRTQ_ADDR',
      ],
      [
        'a readable after a writable',
        (p, r) =>
          p.postChain(0, [
            { addr: r.bufAddr(0), len: 1, flags: W },
            { addr: r.bufAddr(1), len: 1, flags: 0 },
          ]),
        'ERR_VIRTQ_DESC_ORDER',
      ],
      [
        'an indirect descriptor without the feature',
        (p, r) => p.postChain(0, [{ addr: r.extraAddr, len: 16, flags: VRING_DESC_F_INDIRECT }]),
        'ERR_VIRTQ_INDIRECT',
      ],
      [
        'an indirect table with a ragged length',
        (p, r) => p.postChain(0, [{ addr: r.extraAddr, len: 24, flags: VRING_DESC_F_INDIRECT }]),
        'ERR_VIRTQ_INDIRECT',
        { indirect: true },
      ],
      [
        'an indirect table longer than num',
        (p, r) => p.postChain(0, [{ addr: r.extraAddr, len: 16 * 9, flags: VRING_DESC_F_INDIRECT }]),
        'ERR_VIRTQ_INDIRECT',
        { indirect: true },
      ],
      [
        'an indirect table outside the region',
        (p, r) =>
          p.postChain(0, [
            { addr: r.memory.base + r.memory.size - 8, len: 16, flags: VRING_DESC_F_INDIRECT },
          ]),
        'ERR_VIRTQ_INDIRECT',
        { indirect: true },
      ],
      [
        'INDIRECT together with NEXT',
        (p, r) => {
          p.writeDesc(0, {
            addr: r.extraAddr,
            len: 16,
            flags: VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT,
            next: 1,
          });
          p.setAvailRing(0, 0);
          p.setAvailIdx(1);
        },
        'ERR_VIRTQ_INDIRECT',
        { indirect: true },
      ],
      [
        'a nested indirect table',
        (p, r) => {
          p.writeDescAt(r.extraAddr, { addr: r.extraAddr, len: 16, flags: VRING_DESC_F_INDIRECT, next: 0 });
          p.postChain(0, [{ addr: r.extraAddr, len: 16, flags: VRING_DESC_F_INDIRECT }]);
        },
        'ERR_VIRTQ_INDIRECT',
        { indirect: true },
      ],
      [
        'a loop inside an indirect table',
        (p, r) => {
          p.writeDescAt(r.extraAddr, { addr: r.bufAddr(0), len: 1, flags: VRING_DESC_F_NEXT, next: 1 });
          p.writeDescAt(r.extraAddr + 16, { addr: r.bufAddr(0), len: 1, flags: VRING_DESC_F_NEXT, next: 0 });
          p.postChain(0, [{ addr: r.extraAddr, len: 32, flags: VRING_DESC_F_INDIRECT }]);
        },
        'ERR_VIRTQ_CHAIN_LOOP',
        { indirect: true },
      ],
      [
        'direct descriptors plus an indirect table adding up to more than num',
        (p, r) => {
          for (let k = 0; k < 8; k++) {
            p.writeDescAt(r.extraAddr + 16 * k, {
              addr: r.bufAddr(0),
              len: 1,
              flags: k < 7 ? 1 : 0,
              next: k + 1,
            });
          }
          p.postChain(0, [
            { addr: r.bufAddr(0), len: 1, flags: 0 },
            { addr: r.extraAddr, len: 128, flags: VRING_DESC_F_INDIRECT },
          ]);
        },
        'ERR_VIRTQ_INDIRECT',
        { indirect: true },
      ],
    ];

    it.each(cases)('breaks the queue on %s', (_what, hostile, code, opts) => {
      const r = setup(opts);
      hostile(r.puppet, r);
      expect(codeOf(() => r.device.popAvail(r.chain))).toBe(code);
      expect(r.device.isBroken).toBe(true);
      expect(codeOf(() => r.device.hasAvail())).toBe('ERR_VIRTQ_BROKEN');
      expect(codeOf(() => r.device.pushUsed(0, 0))).toBe('ERR_VIRTQ_BROKEN');
    });

    it('counts chains it holds against avail.idx (inFlight + pending ≤ num)', () => {
      const { device, puppet, chain, bufAddr } = setup({ num: 2 });
      puppet.postChain(0, [{ addr: bufAddr(0), len: 1, flags: 0 }]);
      puppet.postChain(1, [{ addr: bufAddr(1), len: 1, flags: 0 }]);
      expect(device.popAvail(chain)).toBe(true);
      expect(device.inFlight).toBe(1);
      puppet.postChain(0, [{ addr: bufAddr(0), len: 1, flags: 0 }]); // a third buffer: driver has only 2 descs
      // The second entry was validated with the first load of avail.idx; the bad index shows at the
      // next load, as in vhost (`vhost_get_vq_desc` re-reads avail.idx only when its cache is used up).
      expect(device.popAvail(chain)).toBe(true);
      expect(codeOf(() => device.popAvail(chain))).toBe('ERR_VIRTQ_AVAIL_IDX');
    });

    it('reads avail.idx only when the entries seen at the last read are used up', () => {
      const { device, puppet, chain, bufAddr } = setup({ num: 4 });
      puppet.postChain(0, [{ addr: bufAddr(0), len: 1, flags: 0 }]);
      puppet.postChain(1, [{ addr: bufAddr(1), len: 1, flags: 0 }]);
      expect(device.popAvail(chain)).toBe(true);
      puppet.postChain(2, [{ addr: bufAddr(2), len: 1, flags: 0 }]); // published after the load
      expect(device.popAvail(chain)).toBe(true);
      expect(chain.headIndex).toBe(1);
      expect(device.popAvail(chain)).toBe(true); // cache used up: loads again and finds the third
      expect(chain.headIndex).toBe(2);
      expect(device.popAvail(chain)).toBe(false);
    });
  });

  describe('#numAvail', () => {
    it('counts the chains published and not popped, reading avail.idx afresh each time', () => {
      const { device, puppet, chain, bufAddr } = setup({ num: 4 });
      expect(device.numAvail()).toBe(0);
      puppet.postChain(0, [{ addr: bufAddr(0), len: 1, flags: 0 }]);
      puppet.postChain(1, [{ addr: bufAddr(1), len: 1, flags: 0 }]);
      expect(device.numAvail()).toBe(2);
      expect(device.popAvail(chain)).toBe(true);
      puppet.postChain(2, [{ addr: bufAddr(2), len: 1, flags: 0 }]); // after the load popAvail made
      expect(device.numAvail()).toBe(2);
    });

    it('breaks the queue when avail.idx runs more than num ahead', () => {
      const { device, puppet } = setup({ num: 4 });
      puppet.setAvailIdx(5);
      expect(codeOf(() => device.numAvail())).toBe('ERR_VIRTQ_AVAIL_IDX');
      expect(device.isBroken).toBe(true);
      expect(codeOf(() => device.numAvail())).toBe('ERR_VIRTQ_BROKEN');
    });
  });

  describe('#pushUsed / #publishUsed', () => {
    it('writes used elements and publishes them in one index store', () => {
      const { device, puppet } = setup();
      device.pushUsed(3, 7);
      device.pushUsed(1, 0);
      expect(puppet.usedIdx()).toBe(0);
      device.publishUsed();
      expect(puppet.usedIdx()).toBe(2);
      expect([puppet.usedElem(0), puppet.usedElem(1)]).toEqual([
        { id: 3, len: 7 },
        { id: 1, len: 0 },
      ]);
    });

    it('refuses caller mistakes with RangeError', () => {
      const { device } = setup({ num: 2 });
      expect(() => device.pushUsed(2, 0)).toThrow(RangeError);
      expect(() => device.pushUsed(0, -1)).toThrow(RangeError);
      device.pushUsed(0, 0);
      device.pushUsed(1, 0);
      expect(() => device.pushUsed(0, 0)).toThrow(RangeError); // more than num unpublished
    });
  });

  describe('#shouldNotify', () => {
    it('follows avail.flags NO_INTERRUPT without EVENT_IDX', () => {
      const { device, puppet } = setup();
      device.addUsed(0, 0);
      expect(device.shouldNotify()).toBe(true);
      expect(device.shouldNotify()).toBe(false); // nothing new
      puppet.setAvailFlags(1);
      device.addUsed(1, 0);
      expect(device.shouldNotify()).toBe(false);
    });

    it('follows used_event with EVENT_IDX', () => {
      const { device, puppet } = setup({ eventIdx: true });
      puppet.setAvailFlags(1); // ignored with EVENT_IDX
      puppet.setUsedEvent(1);
      device.addUsed(0, 0);
      expect(device.shouldNotify()).toBe(false); // 0 → 1 does not pass used_event 1
      device.addUsed(1, 0);
      expect(device.shouldNotify()).toBe(true);
    });
  });

  describe('#enableNotification / #disableNotification', () => {
    it('toggles used.flags NO_NOTIFY and re-checks the ring', () => {
      const { device, puppet, bufAddr } = setup();
      device.disableNotification();
      expect(puppet.usedFlags()).toBe(1);
      expect(device.enableNotification()).toBe(true);
      expect(puppet.usedFlags()).toBe(0);
      puppet.postChain(0, [{ addr: bufAddr(0), len: 1, flags: 0 }]);
      expect(device.enableNotification()).toBe(false);
    });

    it('stores used.flags only when NO_NOTIFY changes, and again after a reset', () => {
      // A polling device disables on every pass; used.flags shares a cache line with used.idx.
      const { device, puppet } = setup();
      device.disableNotification();
      puppet.setUsedFlags(0x55); // a store by the second call would overwrite this
      device.disableNotification();
      expect(puppet.usedFlags()).toBe(0x55);
      device.enableNotification();
      device.disableNotification();
      expect(puppet.usedFlags()).toBe(1);
      puppet.setUsedFlags(0);
      device.reset(); // a fresh ring: what it holds is not known any more
      device.disableNotification();
      expect(puppet.usedFlags()).toBe(1);
    });

    it('writes avail_event = nextAvail with EVENT_IDX and leaves used.flags alone', () => {
      const { device, puppet, bufAddr, chain } = setup({ eventIdx: true });
      puppet.postChain(0, [{ addr: bufAddr(0), len: 1, flags: 0 }]);
      device.popAvail(chain);
      device.disableNotification();
      expect(puppet.usedFlags()).toBe(0);
      expect(device.enableNotification()).toBe(true);
      expect(puppet.availEvent()).toBe(1);
    });
  });

  describe('#resync', () => {
    it('continues from used.idx instead of 0 and re-pops what was not returned', () => {
      const { device, puppet, bufAddr, chain } = setup();
      for (let k = 0; k < 3; k++) puppet.postChain(k, [{ addr: bufAddr(k), len: 1, flags: 0 }]);
      puppet.returnUsed(0, 0);
      device.resync();
      expect(device.nextUsed).toBe(1);
      expect(device.popAvail(chain)).toBe(true);
      expect(chain.headIndex).toBe(1);
    });

    it('clears the broken mark', () => {
      const { device, puppet, chain } = setup();
      puppet.setAvailIdx(100);
      expect(codeOf(() => device.popAvail(chain))).toBe('ERR_VIRTQ_AVAIL_IDX');
      puppet.setAvailIdx(0);
      device.resync();
      expect(device.isBroken).toBe(false);
      expect(device.popAvail(chain)).toBe(false);
    });

    it('handles used.idx kept num ahead of avail.idx (RPMsg-Lite vring 1)', () => {
      const { device, puppet, bufAddr, chain } = setup({ num: 4 });
      puppet.setUsedIdx(4); // master pre-filled the used ring with its 4 TX buffers
      device.resync({ availBehindUsed: true });
      expect(device.hasAvail()).toBe(false);
      puppet.postChain(2, [{ addr: bufAddr(2), len: 512, flags: W }]);
      expect(device.popAvail(chain)).toBe(true);
      device.addUsed(chain.headIndex, 512);
      expect(puppet.usedIdx()).toBe(5);
    });
  });
});
