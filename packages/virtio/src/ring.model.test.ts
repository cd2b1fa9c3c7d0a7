import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DescriptorChain } from './descriptor.js';
import { VirtqueueDevice } from './device.js';
import { type BufferSegment, VirtqueueDriver } from './driver.js';
import { FixedVirtqueueDriver } from './fixed-driver.js';
import { makeRegion } from './testing/make-region.js';

// Model-based test: a real driver and device on one ring, driven by a random operation sequence, against a
// plain model (queues of buffers, the notification fields as numbers). The notification rule is restated
// here independently of needEvent(): notify iff the event index lies in the window [old, new) mod 2^16.
//
// Two drivers, one protocol: `chains` is VirtqueueDriver (free-list chains, tokens); `fixed` is
// FixedVirtqueueDriver (descriptor k = buffer k) in each mode an RPMsg master runs it: from a reset ring
// (`normal`), from a used ring pre-filled with every buffer (`prefilled`, RPMsg-Lite's vq1), and taken over
// mid-run by a new driver instance (the `adopt` operation, as a restarted master attaches).
const inWindow = (event: number, oldIdx: number, newIdx: number): boolean =>
  ((event - oldIdx) & 0xffff) < ((newIdx - oldIdx) & 0xffff);

const OPS = [
  'add',
  'kick',
  'getBuf',
  'enableCb',
  'disableCb',
  'enableCbDelayed',
  'pop',
  'push',
  'publish',
  'shouldNotify',
  'enableNotification',
  'disableNotification',
  'adopt',
] as const;

type Kind = 'chains' | 'fixed';
type Mode = 'normal' | 'prefilled';

interface Held {
  /** Head descriptor (fixed: the buffer index). */
  head: number;
  /** Unique per add: the same buffer added twice is two Helds. */
  token: number;
  writable: number;
  segs: number;
  /** Fixed: the descriptor's len (the buffer's bytes the device may read or fill). */
  len: number;
}

const BUFFER = 64;

function run(
  kind: Kind,
  mode: Mode,
  num: number,
  eventIdx: boolean,
  warm: number,
  ops: readonly [number, number][],
) {
  const region = makeRegion({ num, bufferSize: BUFFER, buffers: kind === 'fixed' ? num : 4 });
  const opts = { memory: region.memory, addr: region.ringAddr, num, align: 16, eventIdx };
  const fixedOpts = { ...opts, firstBuffer: region.poolAddr, bufferSize: BUFFER };
  const chains = kind === 'chains' ? new VirtqueueDriver<number>(opts) : undefined;
  let fixed = kind === 'fixed' ? new FixedVirtqueueDriver(fixedOpts) : undefined;
  const driver = (): VirtqueueDriver<number> | FixedVirtqueueDriver => (chains ?? fixed)!;
  driver().reset();
  const device = new VirtqueueDevice(opts);
  const chain = new DescriptorChain(num);

  // Warm-up: run the indices close to the u16 wrap, then start the model from there.
  for (let k = 0; k < warm; k++) {
    if (chains) chains.addInBuf(region.bufAddr(0), 8, -1);
    else fixed!.addInBuf(0, 8);
    driver().kickPrepare();
    device.popAvail(chain);
    device.addUsed(chain.headIndex, 0);
    device.shouldNotify();
    driver().getBuf();
  }
  const start = warm & 0xffff;
  const m = {
    free: num, // free descriptors
    freeBuffers: Array.from({ length: num }, (_, k) => k), // fixed: the buffers with the driver
    added: [] as Held[], // added, not published
    published: [] as Held[], // in the avail ring, not popped
    held: [] as Held[], // popped by the device
    pushed: [] as { t: Held; len: number }[], // used elements not yet published
    visible: [] as { t: Held; len: number }[], // published used elements not yet taken
    availOrder: [] as number[], // fixed: heads in the order they were published, for adopt
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
  const onRing = () =>
    m.added.length + m.published.length + m.held.length + m.pushed.length + m.visible.length;
  const seen = new Set<number>();
  let nextToken = 0;

  if (mode === 'prefilled') {
    fixed!.prefillUsed();
    device.resync({ availBehindUsed: true }); // RPMsg-Lite's remote on vq1
    for (let k = 0; k < num; k++) {
      m.visible.push({
        t: { head: k, token: nextToken++, writable: BUFFER, segs: 1, len: BUFFER },
        len: BUFFER,
      });
    }
    m.freeBuffers.length = 0;
    m.free = 0;
    m.usedPub = m.lastSignal = num;
  }

  const addChain = (arg: number): void => {
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
      expect(() => chains!.addBuf(segs, nextToken)).toThrow(RangeError); // a chain never exceeds num
      return;
    }
    if (n > m.free) {
      expect(() => chains!.addBuf(segs, nextToken)).toThrow(
        expect.objectContaining({ code: 'ERR_VIRTQ_NO_DESC' }),
      );
      return;
    }
    const t: Held = { head: 0, token: nextToken++, writable, segs: n, len: 0 };
    t.head = chains!.addBuf(segs, t.token);
    m.added.push(t);
    m.free -= n;
    m.availShadow = (m.availShadow + 1) & 0xffff;
  };

  const addFixed = (arg: number): void => {
    const k = arg % num;
    const len = (arg >> 3) % (BUFFER + 1);
    const write = (arg & 4) !== 0;
    const at = m.freeBuffers.indexOf(k);
    if (at < 0) {
      // Buffer k is on the ring: a caller mistake, refused without touching the ring.
      expect(() => fixed!.addOutBuf(k, len)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
      );
      return;
    }
    if (write) fixed!.addInBuf(k, len);
    else fixed!.addOutBuf(k, len);
    m.freeBuffers.splice(at, 1);
    m.free--;
    m.added.push({ head: k, token: nextToken++, writable: write ? len : 0, segs: 1, len });
    m.availShadow = (m.availShadow + 1) & 0xffff;
  };

  /** A restarted master: a new driver instance takes the ring over, computing its state as the engine does. */
  const adopt = (): void => {
    if (!fixed || m.added.length > 0) return; // unpublished adds are lost to a restart: not a state to adopt
    const out = onRing();
    let inFlight: number | 'all';
    if (out === num) inFlight = 'all';
    else {
      // By count: the buffers on the ring must be exactly the last `out` entries published.
      const last = new Set(m.availOrder.slice(Math.max(0, m.availOrder.length - out)));
      const live = [...m.published, ...m.held, ...m.pushed.map((p) => p.t), ...m.visible.map((v) => v.t)];
      if (last.size !== out || !live.every((t) => last.has(t.head))) return;
      inFlight = out;
    }
    fixed = new FixedVirtqueueDriver(fixedOpts);
    fixed.adopt(m.lastUsed, inFlight);
    expect(fixed.outstanding).toBe(out);
    m.cbEnabled = eventIdx || !m.availNoInterrupt; // the new driver reads avail.flags
  };

  for (const [opIndex, arg] of ops) {
    const op = OPS[opIndex % OPS.length]!;
    switch (op) {
      case 'add':
        if (chains) addChain(arg);
        else addFixed(arg);
        break;
      case 'kick': {
        const expected =
          m.availShadow !== m.lastKick &&
          (eventIdx ? inWindow(m.availEvent, m.lastKick, m.availShadow) : !m.usedNoNotify);
        expect(driver().kickPrepare()).toBe(expected);
        m.lastKick = m.availShadow;
        for (const t of m.added) m.availOrder.push(t.head);
        m.published.push(...m.added.splice(0));
        break;
      }
      case 'getBuf': {
        const next = m.visible.shift();
        if (chains) {
          const token = chains.getBuf();
          if (next === undefined) {
            expect(token).toBeUndefined();
            break;
          }
          expect(token).toBe(next.t.token);
          m.free += next.t.segs;
        } else {
          const k = fixed!.getBuf();
          if (next === undefined) {
            expect(k).toBe(-1);
            break;
          }
          expect(k).toBe(next.t.head);
          m.freeBuffers.push(k);
          m.free++;
        }
        expect(driver().lastLen).toBe(next.len);
        expect(seen.has(next.t.token)).toBe(false);
        seen.add(next.t.token);
        m.lastUsed = (m.lastUsed + 1) & 0xffff;
        if (eventIdx && m.cbEnabled) m.usedEvent = m.lastUsed;
        break;
      }
      case 'enableCb': {
        m.cbEnabled = true;
        if (eventIdx) m.usedEvent = m.lastUsed;
        else m.availNoInterrupt = false;
        expect(driver().enableCb()).toBe(m.visible.length === 0);
        break;
      }
      case 'enableCbDelayed': {
        m.cbEnabled = true;
        if (!eventIdx) {
          m.availNoInterrupt = false;
          expect(driver().enableCbDelayed()).toBe(m.visible.length === 0);
          break;
        }
        // Linux virtqueue_enable_cb_delayed: interrupt once 3/4 of the buffers out are used.
        const bufs = Math.floor((onRing() * 3) / 4);
        m.usedEvent = (m.lastUsed + bufs) & 0xffff;
        expect(driver().enableCbDelayed()).toBe(m.visible.length <= bufs);
        break;
      }
      case 'disableCb':
        driver().disableCb();
        m.cbEnabled = false;
        if (!eventIdx) m.availNoInterrupt = true;
        break;
      case 'pop': {
        const next = m.published.shift();
        expect(device.popAvail(chain)).toBe(next !== undefined);
        if (next === undefined) break;
        expect(chain.headIndex).toBe(next.head); // FIFO: the oldest published buffer
        expect(chain.length).toBe(next.segs);
        expect(chain.writableLength).toBe(next.writable);
        if (fixed) {
          expect(chain.addr(0)).toBe(region.bufAddr(next.head)); // descriptor k describes buffer k
          expect(chain.len(0)).toBe(next.len);
        }
        m.held.push(next);
        m.nextAvail = (m.nextAvail + 1) & 0xffff;
        break;
      }
      case 'push': {
        if (m.held.length === 0 || m.pushed.length >= num) break;
        const [t] = m.held.splice(arg % m.held.length, 1); // any order: devices may complete out of order
        // The fixed driver reports any len for its caller to judge; the chain driver bounds it.
        const len = fixed ? arg % (2 * BUFFER) : arg % (t!.writable + 1);
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
      case 'adopt':
        adopt();
        break;
    }
    expect(driver().numFree).toBe(m.free);
    expect(driver().outstanding).toBe(onRing());
  }

  // Drain: every buffer added comes back exactly once.
  driver().kickPrepare();
  while (device.popAvail(chain)) device.addUsed(chain.headIndex, 0);
  for (const t of m.held) device.addUsed(t.head, 0);
  device.publishUsed();
  // Keyed as getBuf answers: the token (chains) or the buffer index (fixed, one Held per buffer on the ring).
  const all = [
    ...m.added,
    ...m.published,
    ...m.held,
    ...m.pushed.map((p) => p.t),
    ...m.visible.map((v) => v.t),
  ];
  const onRingNow = new Map(all.map((t) => [chains ? t.token : t.head, t]));
  while (driver().hasUsed()) {
    const key = chains ? chains.getBuf()! : fixed!.getBuf();
    const t = onRingNow.get(key);
    expect(t).toBeDefined();
    expect(seen.has(t!.token)).toBe(false);
    seen.add(t!.token);
    onRingNow.delete(key);
  }
  expect(onRingNow.size).toBe(0);
  expect(seen.size).toBe(nextToken);
  expect(driver().numFree).toBe(num);
  expect(driver().outstanding).toBe(0);
}

describe('VirtqueueDriver / FixedVirtqueueDriver + VirtqueueDevice (model-based)', () => {
  const ops = fc.array(fc.tuple(fc.nat(OPS.length - 1), fc.nat(0xffff)), { maxLength: 300, size: 'max' });
  const num = fc.nat(8).map((log) => 2 ** log); // 1..256

  describe.each(['chains', 'fixed'] as const)('%s', (kind) => {
    it('loses, duplicates or reorders no buffer and notifies exactly per the spec, without EVENT_IDX', () => {
      fc.assert(
        fc.property(num, ops, (n, o) => run(kind, 'normal', n, false, 0, o)),
        { numRuns: 200 },
      );
    });

    it('loses, duplicates or reorders no buffer and notifies exactly per the spec, with EVENT_IDX', () => {
      fc.assert(
        fc.property(num, ops, (n, o) => run(kind, 'normal', n, true, 0, o)),
        { numRuns: 200 },
      );
    });

    it('behaves the same across the u16 index wrap', () => {
      fc.assert(
        fc.property(num, fc.boolean(), ops, (n, e, o) => run(kind, 'normal', n, e, 65_500, o)),
        { numRuns: 20 },
      );
    });
  });

  it('fixed: behaves the same from a used ring pre-filled with every buffer (RPMsg-Lite vq1)', () => {
    fc.assert(
      fc.property(num, fc.boolean(), ops, (n, e, o) => run('fixed', 'prefilled', n, e, 0, o)),
      { numRuns: 200 },
    );
  });
});
