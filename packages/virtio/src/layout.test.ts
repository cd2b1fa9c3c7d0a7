import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alignUp, isPowerOfTwo, MAX_QUEUE_SIZE, needEvent, vringLayout, vringSize } from './layout.js';

describe('vringSize', () => {
  it('equals Linux vring_size() for the sizes peers use', () => {
    expect(vringSize(256, 4096)).toBe(10246);
    expect(vringSize(16, 16)).toBe(438);
    expect(vringSize(2, 16)).toBe(70);
    expect(vringSize(4, 16)).toBe(118); // RPMsg-Lite mcu-compact: fits its 0x80 vring stride
  });

  it('rejects num that is not a power of two in 1..32768', () => {
    for (const num of [0, 3, 6, -4, 1.5, MAX_QUEUE_SIZE * 2, Number.NaN]) {
      expect(() => vringSize(num, 16)).toThrow(RangeError);
    }
  });

  it('rejects an align that is not a power of two', () => {
    for (const align of [0, 3, 12, -16, 0.5]) expect(() => vringSize(8, align)).toThrow(RangeError);
  });

  it('matches the formula for every legal num and common aligns', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 15 }), fc.constantFrom(1, 2, 4, 16, 64, 4096), (log, align) => {
        const num = 2 ** log;
        const expected = Math.ceil((16 * num + 2 * (3 + num)) / align) * align + 6 + 8 * num;
        expect(vringSize(num, align)).toBe(expected);
      }),
    );
  });
});

describe('vringLayout', () => {
  it('places desc, avail, used and the event words as Linux vring_init()', () => {
    const l = vringLayout(256, 4096);
    expect(l).toMatchObject({
      num: 256,
      desc: 0,
      avail: 4096,
      availRing: 4100,
      usedEvent: 4100 + 512,
      used: 8192,
      usedRing: 8196,
      availEvent: 8196 + 2048,
      size: 10246,
    });
    expect(l.availEvent + 2).toBe(l.size);
  });

  it('keeps every index word 2-byte aligned', () => {
    for (let log = 0; log <= 15; log++) {
      const l = vringLayout(2 ** log, 2);
      for (const off of [l.avail, l.availRing, l.usedEvent, l.used, l.usedRing, l.availEvent])
        expect(off % 2).toBe(0);
    }
  });

  it('throws RangeError for bad geometry', () => {
    expect(() => vringLayout(5, 16)).toThrow(RangeError);
    expect(() => vringLayout(8, 24)).toThrow(RangeError);
  });
});

describe('needEvent', () => {
  it('is true exactly when the event index lies in [old, new) modulo 2^16', () => {
    fc.assert(
      fc.property(fc.nat(0xffff), fc.nat(0xffff), fc.nat(0xffff), (event, oldIdx, step) => {
        const newIdx = (oldIdx + step) & 0xffff;
        // An independent statement of the window: event - old (mod 2^16) < new - old (mod 2^16).
        const inWindow = ((event - oldIdx) & 0xffff) < step;
        expect(needEvent(event, newIdx, oldIdx)).toBe(inWindow);
      }),
    );
  });

  it('handles the u16 wrap', () => {
    expect(needEvent(0xffff, 1, 0xfffe)).toBe(true);
    expect(needEvent(1, 1, 0xfffe)).toBe(false);
  });
});

describe('alignUp / isPowerOfTwo', () => {
  it('rounds up to the alignment', () => {
    expect(alignUp(0, 16)).toBe(0);
    expect(alignUp(1, 16)).toBe(16);
    expect(alignUp(4102, 4096)).toBe(8192);
  });
  it('recognises powers of two beyond 32 bits', () => {
    expect(isPowerOfTwo(2 ** 40)).toBe(true);
    expect(isPowerOfTwo(2 ** 40 + 2)).toBe(false);
    expect(isPowerOfTwo(0)).toBe(false);
  });
});
