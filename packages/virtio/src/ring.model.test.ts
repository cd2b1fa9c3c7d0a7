import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DescriptorChain } from './descriptor.js';
import { VirtqueueDevice } from './device.js';
import { type BufferSegment, VirtqueueDriver } from './driver.js';
import { makeRegion } from './testing/make-region.js';

// Model-based test: a real driver and device on one ring, driven by a random operation sequence, against a
// plain model (queues of tokens, the notification fields as numbers). The notification rule is restated
// here independently of needEvent(): notify iff the event index lies in the window [old, new) mod 2^16.
const inWindow = (event: number, oldIdx: number, newIdx: number): boolean =>
  ((event - oldIdx) & 0xffff) < ((newIdx - oldIdx) & 0xffff);

const OPS = [
  'add',
  'kick',
  'getBuf',
  'enableCb',
  'disableCb',
  'pop',
  'push',
  'publish',
  'shouldNotify',
  'enableNotification',
  'disableNotification',
] as const;

interface Held {
  head: number;
  token: number;
  writable: number;
  segs: number;
}

function run(num: number, eventIdx: boolean, warm: number, ops: readonly [number, number][]): void {
  const region = makeRegion({ num, bufferSize: 64, buffers: 4 });
  const opts = { memory: region.memory, addr: region.ringAddr, num, align: 16, eventIdx };
  const driver = new VirtqueueDriver<number>(opts);
  driver.reset();
  const device = new VirtqueueDevice(opts);
  const chain = new DescriptorChain(num);

  // Warm-up: run the indices close to the u16 wrap, then start the model from there.
  for (let k = 0; k < warm; k++) {
    driver.addInBuf(region.bufAddr(0), 8, -1);
    driver.kickPrepare();
    device.popAvail(chain);
    device.addUsed(chain.headIndex, 0);
    device.shouldNotify();
    driver.getBuf();
  }
  const start = warm & 0xffff;
  const m = {
    free: num,
    added: [] as Held[], // added, not published
    published: [] as Held[], // in the avail ring, not popped
    held: [] as Held[], // popped by the device
    pushed: [] as { t: Held; len: number }[], // used elements not yet published
    visible: [] as { t: Held; len: number }[], // published used elements not yet taken
    availShadow: start,
    lastKick: start,
    nextAvail: start,
    usedPub: start,
    lastSignal: start,
    lastUsed: start,
    availEvent: 0,
    usedNoNotify: false,
    usedEvent: eventIdx ? start : 0,
    availNoInterrupt: false,
    cbEnabled: true,
  };
  const byHead = new Map<number, Held>();
  const seen = new Set<number>();
  let nextToken = 0;

  for (const [opIndex, arg] of ops) {
    const op = OPS[opIndex % OPS.length]!;
    switch (op) {
      case 'add': {
        const n = 1 + (arg % 3);
        const readable = arg % (n + 1);
        const segs: BufferSegment[] = [];
        let writable = 0;
        for (let k = 0; k < n; k++) {
          const len = (arg >> (k + 2)) & 63;
          const write = k >= readable;
          if (write) writable += len;
          segs.push({ addr: region.bufAddr(k), len, write });
        }
        if (n > num) {
          expect(() => driver.addBuf(segs, nextToken)).toThrow(RangeError); // a chain never exceeds num
          break;
        }
        if (n > m.free) {
          expect(() => driver.addBuf(segs, nextToken)).toThrow(
            expect.objectContaining({ code: 'ERR_VIRTQ_NO_DESC' }),
          );
          break;
        }
        const t: Held = { head: 0, token: nextToken++, writable, segs: n };
        t.head = driver.addBuf(segs, t.token);
        byHead.set(t.head, t);
        m.added.push(t);
        m.free -= n;
        m.availShadow = (m.availShadow + 1) & 0xffff;
        break;
      }
      case 'kick': {
        const expected =
          m.availShadow !== m.lastKick &&
          (eventIdx ? inWindow(m.availEvent, m.lastKick, m.availShadow) : !m.usedNoNotify);
        expect(driver.kickPrepare()).toBe(expected);
        m.lastKick = m.availShadow;
        m.published.push(...m.added.splice(0));
        break;
      }
      case 'getBuf': {
        const next = m.visible.shift();
        const token = driver.getBuf();
        if (next === undefined) {
          expect(token).toBeUndefined();
          break;
        }
        expect(token).toBe(next.t.token);
        expect(driver.lastLen).toBe(next.len);
        expect(seen.has(next.t.token)).toBe(false);
        seen.add(next.t.token);
        m.free += next.t.segs;
        m.lastUsed = (m.lastUsed + 1) & 0xffff;
        if (eventIdx && m.cbEnabled) m.usedEvent = m.lastUsed;
        break;
      }
      case 'enableCb': {
        m.cbEnabled = true;
        if (eventIdx) m.usedEvent = m.lastUsed;
        else m.availNoInterrupt = false;
        expect(driver.enableCb()).toBe(m.visible.length === 0);
        break;
      }
      case 'disableCb':
        driver.disableCb();
        m.cbEnabled = false;
        if (!eventIdx) m.availNoInterrupt = true;
        break;
      case 'pop': {
        const next = m.published.shift();
        expect(device.popAvail(chain)).toBe(next !== undefined);
        if (next === undefined) break;
        expect(byHead.get(chain.headIndex)).toBe(next); // FIFO: the oldest published buffer
        expect(chain.length).toBe(next.segs);
        expect(chain.writableLength).toBe(next.writable);
        m.held.push(next);
        m.nextAvail = (m.nextAvail + 1) & 0xffff;
        break;
      }
      case 'push': {
        if (m.held.length === 0 || m.pushed.length >= num) break;
        const [t] = m.held.splice(arg % m.held.length, 1); // any order: devices may complete out of order
        const len = arg % (t!.writable + 1);
        device.pushUsed(t!.head, len);
        m.pushed.push({ t: t!, len });
        break;
      }
      case 'publish':
        device.publishUsed();
        m.usedPub = (m.usedPub + m.pushed.length) & 0xffff;
        m.visible.push(...m.pushed.splice(0));
        break;
      case 'shouldNotify': {
        const expected =
          m.usedPub !== m.lastSignal &&
          (eventIdx ? inWindow(m.usedEvent, m.lastSignal, m.usedPub) : !m.availNoInterrupt);
        expect(device.shouldNotify()).toBe(expected);
        m.lastSignal = m.usedPub;
        break;
      }
      case 'enableNotification':
        if (eventIdx) m.availEvent = m.nextAvail;
        else m.usedNoNotify = false;
        expect(device.enableNotification()).toBe(m.published.length === 0);
        break;
      case 'disableNotification':
        device.disableNotification();
        if (!eventIdx) m.usedNoNotify = true;
        break;
    }
    expect(driver.numFree).toBe(m.free);
  }

  // Drain: every buffer added comes back exactly once.
  driver.kickPrepare();
  while (device.popAvail(chain)) device.addUsed(chain.headIndex, 0);
  for (const t of m.held) device.addUsed(t.head, 0);
  device.publishUsed();
  while (driver.hasUsed()) {
    const token = driver.getBuf()!;
    expect(seen.has(token)).toBe(false);
    seen.add(token);
  }
  expect(seen.size).toBe(nextToken);
  expect(driver.numFree).toBe(num);
  expect(driver.outstanding).toBe(0);
}

describe('VirtqueueDriver + VirtqueueDevice (model-based)', () => {
  const ops = fc.array(fc.tuple(fc.nat(OPS.length - 1), fc.nat(0xffff)), { maxLength: 300, size: 'max' });
  const num = fc.nat(8).map((log) => 2 ** log); // 1..256

  it('loses, duplicates or reorders no buffer and notifies exactly per the spec, without EVENT_IDX', () => {
    fc.assert(
      fc.property(num, ops, (n, o) => run(n, false, 0, o)),
      { numRuns: 300 },
    );
  });

  it('loses, duplicates or reorders no buffer and notifies exactly per the spec, with EVENT_IDX', () => {
    fc.assert(
      fc.property(num, ops, (n, o) => run(n, true, 0, o)),
      { numRuns: 300 },
    );
  });

  it('behaves the same across the u16 index wrap', () => {
    fc.assert(
      fc.property(num, fc.boolean(), ops, (n, e, o) => run(n, e, 65_500, o)),
      { numRuns: 20 },
    );
  });
});
