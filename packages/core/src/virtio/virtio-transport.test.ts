import { createHook } from 'node:async_hooks';
import { MemoryRegion, vringLayout } from '@rpmsg/virtio';
import { describe, expect, it, vi } from 'vitest';
import { RpmsgDevice } from '../device.js';
import type { RpmsgError } from '../errors.js';
import { createLayout } from '../layout/create-layout.js';
import type { HeldMessage } from '../rx-message.js';
import { FakeClock } from '../testing/fake-clock.js';
import { createMemoryPair, type MemoryPair } from '../testing/memory-pair.js';
import type { TransportBuffer, TransportObserver } from '../transport.js';
import { MasterEngine } from './master-engine.js';
import { VirtioTransport } from './virtio-transport.js';

const PROFILES = ['linux', 'rpmsg-lite'] as const;
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 0xff);
const text = (s: string) => new TextEncoder().encode(s);

/** Remote endpoint 30 "rpmsg-tty" and the master's endpoint on that channel, hello exchanged. */
async function connected(pair: MemoryPair) {
  await pair.start();
  const remoteEp = pair.remote.createEndpoint({ name: 'rpmsg-tty', addr: 30 });
  const channel = await pair.master.waitForChannel('rpmsg-tty', { timeout: 1000 });
  const masterEp = await pair.master.openChannel(channel);
  await pair.settle();
  return { remoteEp, masterEp, channel };
}

/**
 * {@link connected} with both sides polling (as spinning cores): notifications off, so no kick makes
 * the pair poll — only the test's own polls run. `got` collects what the remote endpoint receives.
 */
async function connectedPolling(numBuffers: number) {
  const pair = createMemoryPair({ profile: 'linux', numBuffers });
  const ends = await connected(pair);
  pair.masterTransport.disableNotifications();
  pair.remoteTransport.disableNotifications();
  return { pair, ...ends, got: collect(ends.remoteEp) };
}

/** As {@link connected}, with every message the remote endpoint gets held (in `held`) until released. */
async function connectedHolding(pair: MemoryPair) {
  const ends = await connected(pair);
  const held: HeldMessage[] = [];
  ends.remoteEp.on('message', (_payload, _src, msg) => held.push(msg.hold()));
  return { ...ends, held };
}

/**
 * {@link connectedHolding} with every master TX buffer held by the remote and one send blocked for a
 * buffer; `returnAll()` releases the held ones and publishes them (the remote's flush).
 */
async function withBlockedSend(pair: MemoryPair) {
  const { masterEp, held } = await connectedHolding(pair);
  while (pair.master.stats.txFree > 0) masterEp.trySend(Uint8Array.of(held.length));
  await pair.settle();
  const blocked = masterEp.send(Uint8Array.of(9), { timeout: 1000 });
  const returnAll = () => {
    for (const msg of held.splice(0)) msg.release();
    pair.remote.flush();
  };
  return { blocked, returnAll };
}

function collect(ep: { on(event: 'message', fn: (p: Uint8Array, src: number) => void): unknown }) {
  const got: { payload: number[]; src: number }[] = [];
  ep.on('message', (payload, src) => got.push({ payload: [...payload], src }));
  return got;
}

describe.each(PROFILES)('createMemoryPair (%s profile)', (profile) => {
  it('turns a remote NS announcement into a channel on the master', async () => {
    const pair = createMemoryPair({ profile, numBuffers: 16 });
    const { channel } = await connected(pair);
    expect(channel).toMatchObject({ name: 'rpmsg-tty', remoteAddr: 30 });
    expect(pair.master.channels().map((c) => c.name)).toEqual(['rpmsg-tty']);
    expect(pair.masterTransport.hasNameService).toBe(true);
    await pair.close();
  });

  it('carries messages both ways, including 0 and 496 bytes', async () => {
    const pair = createMemoryPair({ profile, numBuffers: 16 });
    const { remoteEp, masterEp } = await connected(pair);
    const atRemote = collect(remoteEp);
    const atMaster = collect(masterEp);
    expect(remoteEp.dst).toBe(masterEp.addr); // bound by the master's hello
    await masterEp.send(pattern(496));
    await masterEp.send(new Uint8Array(0));
    await remoteEp.send(text('hello'));
    await remoteEp.send(pattern(496));
    await remoteEp.send(new Uint8Array(0));
    await pair.settle();
    expect(atRemote).toEqual([
      { payload: [...pattern(496)], src: masterEp.addr },
      { payload: [], src: masterEp.addr },
    ]);
    expect(atMaster.map((m) => m.payload.length)).toEqual([5, 496, 0]);
    expect(atMaster[1]!.payload).toEqual([...pattern(496)]);
    expect(atMaster.every((m) => m.src === 30)).toBe(true);
    await expect(masterEp.send(new Uint8Array(497))).rejects.toMatchObject({ code: 'ERR_RPMSG_MSG_TOO_BIG' });
    await pair.close();
  });

  it('removes the channel when the remote destroys its endpoint', async () => {
    const pair = createMemoryPair({ profile, numBuffers: 16 });
    const { remoteEp, channel } = await connected(pair);
    const removed = new Promise<void>((resolve) => channel.once('removed', resolve));
    remoteEp.destroy();
    await removed;
    expect(pair.master.getChannel('rpmsg-tty')).toBeUndefined();
    expect(channel.removed).toBe(true);
    await pair.close();
  });

  it('sends zero-copy and lets a receiver hold a buffer past the callback', async () => {
    const pair = createMemoryPair({ profile, numBuffers: 8 });
    const { remoteEp, masterEp } = await connected(pair);
    const held: HeldMessage[] = [];
    remoteEp.on('message', (_payload, _src, msg) => held.push(msg.hold()));
    const tx = await masterEp.getTxBuffer();
    tx.payload.set(text('zero-copy'));
    tx.send(9);
    const unused = masterEp.tryGetTxBuffer()!;
    unused.release();
    await pair.settle();
    expect(held).toHaveLength(1);
    expect(new TextDecoder().decode(held[0]!.payload.slice())).toBe('zero-copy');
    expect(pair.remoteTransport.stats.rxHeld).toBe(1);
    expect(pair.masterTransport.stats.txFree).toBe(7); // the held buffer has not come back
    held[0]!.release();
    pair.remote.poll();
    await pair.settle();
    expect(pair.remoteTransport.stats.rxHeld).toBe(0);
    pair.master.poll();
    expect(pair.masterTransport.stats.txFree).toBe(8);
    await pair.close();
  });

  it('fails trySend at once when every TX buffer is with the remote, and recovers', async () => {
    const pair = createMemoryPair({ profile, numBuffers: 4 });
    const { remoteEp, masterEp } = await connected(pair);
    const held: HeldMessage[] = [];
    remoteEp.on('message', (_p, _s, msg) => held.push(msg.hold()));
    for (let i = 0; i < 4; i++) masterEp.trySend(Uint8Array.of(i));
    await pair.settle();
    expect(held).toHaveLength(4);
    expect(() => masterEp.trySend(Uint8Array.of(9))).toThrow(
      expect.objectContaining({ code: 'ERR_RPMSG_NO_BUFFER' }),
    );
    for (const h of held.splice(0)) h.release();
    pair.remote.poll();
    await pair.settle();
    masterEp.trySend(Uint8Array.of(9));
    await pair.settle();
    expect(held.map((h) => h.payload[0])).toEqual([9]);
    await pair.close();
  });

  it('takes a buffer back when the sink returns true, and keeps one the sink holds', async () => {
    const pair = createMemoryPair({ profile, numBuffers: 4 });
    const { remoteEp, masterEp } = await connected(pair);
    const held: HeldMessage[] = [];
    remoteEp.on('message', (payload, _src, msg) => {
      if (payload[0] === 1) held.push(msg.hold());
    });
    // Four laps of the 4-buffer pool: consumed buffers must come back on return, with no release call.
    for (let i = 0; i < 16; i++) {
      await masterEp.send(Uint8Array.of(i === 5 ? 1 : 0));
      await pair.settle();
    }
    expect(held).toHaveLength(1);
    expect(pair.remoteTransport.stats.rxHeld).toBe(1);
    pair.master.poll(); // takes back the TX buffers the remote returned
    expect(pair.master.stats.txFree).toBe(3);
    held[0]!.release();
    pair.remote.flush();
    await pair.settle();
    pair.master.poll();
    expect(pair.remoteTransport.stats.rxHeld).toBe(0);
    expect(pair.master.stats.txFree).toBe(4);
    await pair.close();
  });

  it('ignores a buffer given back on return after the link went down in the callback', async () => {
    const pair = createMemoryPair({ profile, numBuffers: 4 });
    const { remoteEp, masterEp } = await connected(pair);
    const errors: unknown[] = [];
    pair.remote.on('protocol-error', (e) => errors.push(e));
    pair.master.on('protocol-error', (e) => errors.push(e));
    remoteEp.on('message', () => void pair.remote.close());
    masterEp.on('message', () => void pair.master.close());
    const closed = new Promise((resolve) => pair.remote.once('down', resolve));
    masterEp.trySend(Uint8Array.of(1));
    await closed;
    // The slot died with the link: giving it back now must not count it, or touch the ring.
    expect(pair.remoteTransport.stats.rxHeld).toBe(0);
    expect(pair.remoteTransport.stats.errors).toBe(0);
    // The master side: its message callback closes it while a message is lent.
    const pair2 = createMemoryPair({ profile, numBuffers: 4 });
    const c2 = await connected(pair2);
    c2.masterEp.on('message', () => void pair2.master.close());
    const down = new Promise((resolve) => pair2.master.once('down', resolve));
    c2.remoteEp.trySend(Uint8Array.of(2));
    await down;
    expect(pair2.masterTransport.stats.rxHeld).toBe(0);
    expect(pair2.masterTransport.stats.errors).toBe(0);
    expect(errors).toEqual([]);
    await pair2.close();
  });

  it('times a blocked send out, aborts another, and wakes a third when a buffer returns', async () => {
    const clock = new FakeClock();
    const pair = createMemoryPair({ profile, numBuffers: 2, device: { clock } });
    const { remoteEp, masterEp } = await connected(pair);
    const held: HeldMessage[] = [];
    remoteEp.on('message', (_p, _s, msg) => held.push(msg.hold()));
    masterEp.trySend(Uint8Array.of(1));
    masterEp.trySend(Uint8Array.of(2));
    await pair.settle();
    const timedOut = masterEp.send(Uint8Array.of(3), { timeout: 100 });
    const controller = new AbortController();
    const aborted = masterEp.send(Uint8Array.of(4), { signal: controller.signal });
    clock.advance(100);
    await expect(timedOut).rejects.toMatchObject({ code: 'ERR_RPMSG_TIMEOUT' });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    const waiting = masterEp.send(Uint8Array.of(5));
    held.shift()!.release();
    pair.remote.poll(); // returns the buffer and kicks: the master's pump wakes the blocked sender
    await waiting;
    await pair.settle();
    expect(held.map((h) => h.payload[0])).toEqual([2, 5]);
    await pair.close();
  });

  it('shows the channel even when the remote announces before the master has started', async () => {
    const pair = createMemoryPair({ profile, numBuffers: 16 });
    const remoteUp = pair.remote.start();
    pair.remote.createEndpoint({ name: 'early-bird', addr: 40 });
    expect(pair.remote.isUp).toBe(false);
    const masterUp = pair.master.start();
    const channel = await pair.master.waitForChannel('early-bird', { timeout: 1000 });
    await Promise.all([remoteUp, masterUp]);
    expect(channel.remoteAddr).toBe(40);
    await pair.close();
  });

  it('reports a corrupt ring to the device instead of throwing', async () => {
    const pair = createMemoryPair({ profile, numBuffers: 16 });
    await connected(pair);
    const errors: string[] = [];
    pair.master.on('protocol-error', (e) => errors.push(e.code));
    const down = new Promise<RpmsgError>((resolve) => pair.master.once('down', resolve));
    // Push vq0's used.idx far ahead of the buffers the master posted.
    const vq0 = pair.layout.vrings[0];
    const at = vq0.da - pair.layout.base + vringLayout(vq0.num, vq0.align).used + 2;
    pair.memory.view.setUint16(at, pair.memory.view.getUint16(at, true) + 100, true);
    expect(() => pair.master.poll()).not.toThrow();
    expect((await down).code).toBe('ERR_RPMSG_RING');
    expect(errors).toEqual(['ERR_RPMSG_RING']);
    expect(pair.masterTransport.stats.errors).toBe(1);
    await pair.close();
  });
});

describe('VirtioTransport', () => {
  it.each(PROFILES)('delivers with EVENT_IDX negotiated (%s)', async (profile) => {
    const pair = createMemoryPair({ profile, numBuffers: 8, eventIdx: true });
    const { remoteEp, masterEp } = await connected(pair);
    const got = collect(remoteEp);
    for (let i = 0; i < 20; i++) await masterEp.send(Uint8Array.of(i));
    await pair.settle();
    expect(got.map((m) => m.payload[0])).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await pair.close();
  });

  it.each(PROFILES)(
    'sends a copy in one call from either role, or says false at once (%s)',
    async (profile) => {
      const pair = createMemoryPair({ profile, numBuffers: 4, align: 16 });
      const { remoteEp, masterEp } = await connected(pair);
      const atRemote = collect(remoteEp);
      const atMaster = collect(masterEp);
      const ends = [
        { t: pair.masterTransport, src: masterEp.addr, dst: 30 },
        { t: pair.remoteTransport, src: 30, dst: masterEp.addr },
      ];
      for (const { t, src, dst } of ends) {
        const { txFree, txMessages } = t.stats;
        expect(t.sendMessage(src, dst, pattern(496))).toBe(true);
        expect(t.sendMessage(src, dst, new Uint8Array(0))).toBe(true);
        expect(() => t.sendMessage(src, dst, new Uint8Array(497))).toThrow(RangeError);
        expect(t.stats.txMessages).toBe(txMessages + 2);
        expect(t.stats.txFree).toBe(txFree - 2); // the refused one took no buffer
        t.flush();
      }
      await pair.settle();
      const expected = (src: number) => [
        { payload: [...pattern(496)], src },
        { payload: [], src },
      ];
      expect(atRemote).toEqual(expected(masterEp.addr));
      expect(atMaster).toEqual(expected(30));
      // Every TX buffer with the remote, none returned yet: false, and nothing is sent.
      const t = pair.masterTransport;
      for (let i = 0; i < 4; i++) expect(t.sendMessage(masterEp.addr, 30, Uint8Array.of(i))).toBe(true);
      expect(t.sendMessage(masterEp.addr, 30, Uint8Array.of(4))).toBe(false);
      t.flush();
      await pair.settle();
      expect(atRemote.slice(2).map((m) => m.payload[0])).toEqual([0, 1, 2, 3]);
      await pair.close();
      expect(t.sendMessage(masterEp.addr, 30, Uint8Array.of(5))).toBe(false);
    },
  );

  it.each(PROFILES)(
    'shows its observer each message sent by either call, in the ring buffer the peer reads, and each one delivered (%s)',
    async (profile) => {
      const pair = createMemoryPair({ profile, numBuffers: 4, align: 16 });
      const { remoteEp, masterEp } = await connected(pair);
      type Seen = { dir: string; src: number; dst: number; len: number; length: number; at: number };
      const seen: Seen[] = [];
      const watch = (name: string): TransportObserver => {
        const record = (dir: string) => (buf: TransportBuffer, length: number) =>
          seen.push({
            dir: `${name} ${dir}`,
            src: buf.view.getUint32(0, true),
            dst: buf.view.getUint32(4, true),
            len: buf.view.getUint16(12, true),
            length,
            at: buf.bytes.byteOffset, // where in shared RAM: the peer's view of it is the same bytes
          });
        return { onSend: record('tx'), onReceive: record('rx') };
      };
      pair.masterTransport.observer = watch('master');
      pair.remoteTransport.observer = watch('remote');
      const atRemote = collect(remoteEp);
      await masterEp.send(pattern(5)); // the copying send: sendMessage
      const lent = await masterEp.getTxBuffer(); // zero-copy: sendTxBuffer
      lent.send(3);
      await pair.settle();
      expect(atRemote.map((m) => m.payload.length)).toEqual([5, 3]);
      const sent = seen.filter((s) => s.dir === 'master tx');
      const received = seen.filter((s) => s.dir === 'remote rx');
      const header = ({ src, dst, len, length }: Seen) => ({ src, dst, len, length });
      expect(sent.map(header)).toEqual([
        { src: masterEp.addr, dst: 30, len: 5, length: 21 },
        { src: masterEp.addr, dst: 30, len: 3, length: 19 },
      ]);
      expect(received.map(header)).toEqual(sent.map(header));
      expect(received.map((s) => s.at)).toEqual(sent.map((s) => s.at));
      expect(seen).toHaveLength(4);
      // Unset: the messages still flow, nobody is told.
      pair.masterTransport.observer = undefined;
      await masterEp.send(pattern(1));
      await pair.settle();
      expect(atRemote).toHaveLength(3);
      expect(seen.slice(4).map((s) => s.dir)).toEqual(['remote rx']);
      await pair.close();
    },
  );

  it.each(PROFILES)(
    'takes a kick on the master without a call into its ring engine (%s)',
    async (profile) => {
      const engineKick = vi.spyOn(MasterEngine.prototype, 'onKick');
      try {
        const pair = createMemoryPair({ profile, numBuffers: 4, align: 16 });
        const { remoteEp, masterEp } = await connected(pair);
        const got = collect(masterEp);
        pair.masterTransport.prepareToSleep(); // asks the remote to ring for what it sends next
        const kicks = pair.remoteTransport.stats.notifications;
        await remoteEp.send(Uint8Array.of(1));
        await pair.settle();
        expect(pair.remoteTransport.stats.notifications).toBeGreaterThan(kicks); // the master was rung
        expect(got).toEqual([{ payload: [1], src: 30 }]);
        expect(engineKick).not.toHaveBeenCalled();
        await pair.close();
      } finally {
        engineKick.mockRestore();
      }
    },
  );

  it('refuses a used.len above the buffer size and gives the buffer back', async () => {
    const pair = createMemoryPair({ profile: 'rpmsg-lite', numBuffers: 4, align: 16 });
    await pair.start();
    await pair.settle();
    const errors: string[] = [];
    pair.master.on('protocol-error', (e) => errors.push(e.code));
    const ep = pair.remote.createEndpoint({ addr: 30 });
    pair.master.createEndpoint({ addr: 1024 });
    ep.trySendTo(1024, Uint8Array.of(1));
    pair.remote.flush(); // published, but the master's pump has not run yet
    const ring = vringLayout(4, 16);
    pair.memory.view.setUint32(ring.usedRing + 4, 4096, true); // vq0 used.ring[0].len
    pair.master.poll();
    expect(errors).toEqual(['ERR_RPMSG_BAD_HEADER']);
    expect(pair.master.isUp).toBe(true);
    expect(pair.master.stats.rxMessages).toBe(0);
    await pair.settle();
    expect(pair.remoteTransport.stats.txFree).toBe(4); // re-posted
    await pair.close();
  });

  it('says whether it is safe to sleep ("Threads and notifications", rule 1)', async () => {
    const pair = createMemoryPair({ profile: 'linux', numBuffers: 4, align: 16 });
    const { remoteEp, masterEp } = await connected(pair);
    expect(pair.masterTransport.prepareToSleep()).toBe(true);
    pair.masterTransport.disableNotifications();
    const before = pair.remoteTransport.stats.notifications;
    remoteEp.trySend(Uint8Array.of(7));
    pair.remote.flush();
    expect(pair.remoteTransport.stats.notifications).toBe(before); // suppressed: the master polls
    expect(pair.masterTransport.prepareToSleep()).toBe(false); // a message is waiting
    const got = collect(masterEp);
    pair.master.poll();
    expect(got).toHaveLength(1);
    expect(pair.masterTransport.prepareToSleep()).toBe(true);
    remoteEp.trySend(Uint8Array.of(8));
    await Promise.resolve(); // the send is published at the microtask turn
    expect(pair.remoteTransport.stats.notifications).toBe(before + 1); // asked again: rung
    await pair.close();
  });

  it.each(PROFILES)('lets a restarted remote resync its cursors from the ring (%s)', async (profile) => {
    const pair = createMemoryPair({ profile, numBuffers: 4, align: 16 });
    const { masterEp } = await connected(pair);
    for (let i = 0; i < 6; i++) await masterEp.send(Uint8Array.of(i));
    await pair.settle();
    // The remote "crashes": a new instance on the same memory, cursors from the ring, not 0.
    const { RpmsgDevice } = await import('../device.js');
    const { VirtioTransport } = await import('./virtio-transport.js');
    const transport = new VirtioTransport({
      role: 'remote',
      layout: pair.layout,
      memory: pair.memory,
      notify: () => {},
    });
    const reborn = new RpmsgDevice(transport);
    transport.onKick(0); // rpmsg-lite: a kick is the link-up; linux: DRIVER_OK is still set
    await reborn.start();
    const ep = reborn.createEndpoint({ addr: 31 });
    const got = collect(ep);
    await masterEp.sendTo(31, Uint8Array.of(42));
    reborn.poll();
    expect(got).toEqual([{ payload: [42], src: masterEp.addr }]);
    ep.sendTo(masterEp.addr, Uint8Array.of(43));
    reborn.flush();
    const atMaster = collect(masterEp);
    pair.master.poll();
    expect(atMaster).toEqual([{ payload: [43], src: 31 }]);
    await pair.close();
  });

  it('polices the Transport contract', async () => {
    const pair = createMemoryPair({ profile: 'rpmsg-lite', numBuffers: 4, align: 16 });
    await pair.start();
    const t = pair.masterTransport;
    expect(() => t.attach({} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    const buf = t.getTxBuffer()!;
    expect(() => t.releaseRxBuffer(buf)).toThrow(/releaseRxBuffer/);
    expect(() => t.releaseRxBuffer(buf)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => t.sendTxBuffer(buf, 8)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', argument: 'length' }),
    );
    const { layout, memory } = pair;
    const bad = (o: object) => () =>
      new VirtioTransport({ role: 'master', layout, memory, notify: () => {}, ...o });
    expect(bad({ role: 'driver' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', argument: 'options.role' }),
    );
    expect(bad({ notify: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', argument: 'options.notify' }),
    );
    expect(bad({ layout: null })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', argument: 'options.layout' }),
    );
    t.releaseTxBuffer(buf);
    expect(() => t.releaseTxBuffer(buf)).toThrow(/releaseTxBuffer/);
    const foreign = pair.remoteTransport.getTxBuffer()!;
    expect(() => t.sendTxBuffer(foreign, 16)).toThrow(/not from this transport/);
    // Oldest first: the released buffer comes back after the other three, as the same object.
    const next = [t.getTxBuffer(), t.getTxBuffer(), t.getTxBuffer(), t.getTxBuffer()];
    expect(next[3]).toBe(buf);
    expect(new Set(next.map((b) => b?.index)).size).toBe(4);
    await pair.close();
    expect(t.isUp).toBe(false);
    expect(t.getTxBuffer()).toBeNull();
    t.releaseTxBuffer(buf); // after close: a no-op
  });

  it('takes the link down for the remote when the master resets the device (linux)', async () => {
    const pair = createMemoryPair({ profile: 'linux', numBuffers: 4, align: 16 });
    await connected(pair);
    const down = new Promise<RpmsgError>((resolve) => pair.remote.once('down', resolve));
    await pair.master.close(); // virtio reset: status byte back to 0
    pair.remote.poll();
    expect((await down).code).toBe('ERR_RPMSG_PEER_GONE');
    await pair.close();
  });

  it('refuses a linux layout whose resource table is corrupt', async () => {
    const pair = createMemoryPair({ profile: 'linux', numBuffers: 4, align: 16 });
    pair.memory.view.setUint32(0, 2, true); // ver = 2
    await expect(pair.master.start()).rejects.toMatchObject({ code: 'ERR_RPMSG_RSC_TABLE', field: 'ver' });
  });
});

describe('VirtioTransport on a ring the peer scribbles on', () => {
  it.each(PROFILES)('never throws out of poll() and reports only coded errors (%s)', async (profile) => {
    const { default: fc } = await import('fast-check');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 16 }),
        fc.boolean(),
        async (writes, hitMaster) => {
          const pair = createMemoryPair({ profile, numBuffers: 4, align: 16 });
          const { remoteEp, masterEp } = await connected(pair);
          remoteEp.on('message', () => {});
          masterEp.on('message', () => {});
          remoteEp.trySend(Uint8Array.of(1, 2, 3)); // published, not yet polled by the master
          masterEp.trySend(Uint8Array.of(4, 5, 6));
          // Scribble over the ring the victim reads: vq0 for the master, vq1 for the remote.
          const vring = pair.layout.vrings[hitMaster ? 0 : 1];
          const ring = vringLayout(vring.num, vring.align);
          const at = vring.da - pair.layout.base;
          for (const [offset, value] of writes) pair.memory.bytes[at + (offset % ring.size)] = value;
          const codes: string[] = [];
          const victim = hitMaster ? pair.master : pair.remote;
          victim.on('protocol-error', (e) => codes.push(e.code));
          victim.on('down', () => {});
          expect(() => victim.poll()).not.toThrow();
          expect(() => victim.poll()).not.toThrow();
          for (const code of codes) expect(code).toMatch(/^ERR_RPMSG_[A-Z_]+$/);
          await pair.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('batches (poll budget, release publishing)', () => {
  it('delivers at most `budget` messages per poll and leaves the rest on the ring', async () => {
    const pair = createMemoryPair({ profile: 'linux', numBuffers: 16 });
    const { remoteEp, masterEp } = await connected(pair);
    const got = collect(remoteEp);
    for (let i = 0; i < 10; i++) masterEp.trySend(Uint8Array.of(i));
    pair.master.flush(); // published; the remote has not polled
    expect(pair.remote.poll(4)).toBe(4);
    expect(pair.remote.poll(4)).toBe(4);
    expect(pair.remote.poll(4)).toBe(2);
    expect(pair.remote.poll(4)).toBe(0);
    expect(got.map((m) => m.payload[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(() => pair.remote.poll(0)).toThrow(RangeError);
    expect(() => pair.remote.poll(1.5)).toThrow(RangeError);
    await pair.close();
  });

  it('publishes held buffers released outside poll every 16, on flush(), or at the microtask turn', async () => {
    const pair = createMemoryPair({ profile: 'linux', numBuffers: 32 });
    const { masterEp, held } = await connectedHolding(pair);
    for (let i = 0; i < 20; i++) await masterEp.send(Uint8Array.of(i));
    await pair.settle();
    expect(held).toHaveLength(20);
    const txFree = () => {
      pair.master.poll(); // takes back what the remote published
      return pair.master.stats.txFree;
    };
    const start = txFree();
    for (let i = 0; i < 15; i++) held[i]!.release();
    expect(txFree()).toBe(start); // batched: not published yet
    held[15]!.release(); // the 16th publishes the batch
    expect(txFree()).toBe(start + 16);
    held[16]!.release();
    expect(txFree()).toBe(start + 16);
    pair.remote.flush();
    expect(txFree()).toBe(start + 17);
    held[17]!.release();
    await Promise.resolve(); // the microtask flush
    expect(txFree()).toBe(start + 18);
    held[18]!.release();
    held[19]!.release();
    await pair.settle();
    expect(txFree()).toBe(start + 20);
    await pair.close();
  });

  it('publishes the sends made before a poll ahead of the messages that poll delivers', async () => {
    // A round trip: the peer may be waiting for exactly what this side sent before it polled.
    const pair = createMemoryPair({ profile: 'linux', numBuffers: 16 });
    const { remoteEp, masterEp } = await connected(pair);
    const atRemote = collect(remoteEp);
    const seenInListener: number[] = [];
    masterEp.on('message', () => {
      pair.remote.poll(); // the other core, running meanwhile
      seenInListener.push(atRemote.length);
    });
    remoteEp.trySend(text('ping'));
    pair.remote.flush();
    masterEp.trySend(text('sent before the poll')); // batched: not published yet
    expect(pair.master.poll()).toBe(1);
    expect(seenInListener).toEqual([1]);
    await pair.close();
  });

  it('counts TX buffers the remote returned in txFree before any poll takes them back', async () => {
    const pair = createMemoryPair({ profile: 'linux', numBuffers: 16 });
    const { remoteEp, masterEp } = await connected(pair);
    const got = collect(remoteEp);
    const total = pair.master.stats.txTotal;
    for (let i = 0; i < 10; i++) masterEp.trySend(Uint8Array.of(i));
    pair.master.flush();
    expect(pair.master.stats.txFree).toBe(total - 10);
    pair.remote.poll(); // delivers and returns all ten; the master does not poll
    expect(got).toHaveLength(10);
    expect(pair.master.stats.txFree).toBe(total);
    await pair.close();
  });

  it('wakes a blocked sender when the remote returns buffers, a txFree read in between or not', async () => {
    const pair = createMemoryPair({ profile: 'linux', numBuffers: 4 });
    const { blocked, returnAll } = await withBlockedSend(pair);
    returnAll(); // returned, and the master kicked; it has not polled yet
    expect(pair.master.stats.txFree).toBe(pair.master.stats.txTotal);
    await pair.settle(); // the master's poll, for the kick
    await expect(blocked).resolves.toBeUndefined();
    await pair.close();
  });

  it('does not call it safe to sleep while a sender waits and returned buffers are counted free', async () => {
    // No EVENT_IDX: with vq1's NO_INTERRUPT set while the master polls, the remote returns buffers
    // without a kick; a txFree read (a trace, a listener) in between must not hide them.
    const pair = createMemoryPair({ profile: 'linux', numBuffers: 4 });
    const { blocked, returnAll } = await withBlockedSend(pair);
    pair.masterTransport.disableNotifications(); // a polling pass
    pair.master.poll();
    returnAll();
    expect(pair.master.stats.txFree).toBe(pair.master.stats.txTotal);
    expect(pair.masterTransport.prepareToSleep()).toBe(false); // poll again: a sender waits
    pair.master.poll();
    await expect(blocked).resolves.toBeUndefined();
    await pair.close();
  });

  it('reuses TX buffers oldest first, so every lap puts the same descriptor in the same avail slot', async () => {
    const pair = createMemoryPair({ profile: 'linux', numBuffers: 4 });
    const { remoteEp, masterEp } = await connected(pair);
    const got = collect(remoteEp);
    const vq1 = pair.layout.vrings[1];
    const availRing = vq1.da - pair.layout.base + vringLayout(vq1.num, vq1.align).availRing;
    const slots = () => [0, 1, 2, 3].map((i) => pair.memory.view.getUint16(availRing + 2 * i, true));
    for (let i = 0; i < 3 * 4; i++) {
      masterEp.trySend(Uint8Array.of(i));
      pair.master.flush();
      pair.remote.poll(); // delivers and returns the buffer
      pair.master.poll(); // takes it back
      if (i === 3) expect(slots()).toEqual([0, 1, 2, 3]);
    }
    expect(slots()).toEqual([0, 1, 2, 3]); // a stack would have posted descriptor 3 every time
    expect(got).toHaveLength(12);
    await pair.close();
  });

  it('publishes sends every 16, on flush(), at the microtask turn, or when the pool runs dry', async () => {
    const pair = createMemoryPair({ profile: 'linux', numBuffers: 32 });
    const { remoteEp, masterEp } = await connected(pair);
    const got = collect(remoteEp);
    const seen = () => {
      pair.remote.poll(); // delivers what the master published
      return got.length;
    };
    for (let i = 0; i < 15; i++) masterEp.trySend(Uint8Array.of(i));
    expect(seen()).toBe(0); // batched: not published yet
    masterEp.trySend(Uint8Array.of(15)); // the 16th publishes the batch
    expect(seen()).toBe(16);
    masterEp.trySend(Uint8Array.of(16));
    pair.master.flush();
    expect(seen()).toBe(17);
    const lent = masterEp.tryGetTxBuffer()!;
    lent.payload[0] = 17;
    lent.send(1); // zero-copy sends batch alike
    expect(seen()).toBe(17);
    await Promise.resolve(); // the microtask flush
    expect(seen()).toBe(18);
    // Take every buffer left without publishing, then ask once more: the failed send publishes what
    // is pending (the peer can only return buffers it has seen), with no microtask turn in between.
    pair.master.poll();
    const kept = masterEp.tryGetTxBuffer()!; // 31 left: the pool runs dry with 15 unpublished
    let sent = 18;
    for (;;) {
      try {
        masterEp.trySend(Uint8Array.of(sent & 0xff));
        sent++;
      } catch (error) {
        expect((error as RpmsgError).code).toBe('ERR_RPMSG_NO_BUFFER');
        break;
      }
    }
    expect(seen()).toBe(sent);
    expect(sent).toBe(18 + 31);
    expect(got.map((m) => m.payload[0])).toEqual(Array.from({ length: sent }, (_, i) => i & 0xff));
    kept.release();
    await pair.close();
  });

  it('publishes at once the first send after a poll that delivered a message: the answer', async () => {
    const { pair, remoteEp, masterEp, got } = await connectedPolling(16);
    const seen = () => {
      pair.remote.poll();
      return got.map((m) => m.payload[0]);
    };
    const request = () => {
      remoteEp.trySend(text('request'));
      pair.remote.flush();
      expect(pair.master.poll()).toBe(1); // delivers it: the next send answers it
    };
    masterEp.trySend(Uint8Array.of(1)); // not an answer (openChannel's hello answered the announcement): batched
    expect(seen()).toEqual([]);
    await Promise.resolve(); // the turn's end
    expect(seen()).toEqual([1]);
    request();
    masterEp.trySend(Uint8Array.of(2)); // the answer: at once, with no microtask turn
    masterEp.trySend(Uint8Array.of(3)); // batched again
    expect(seen()).toEqual([1, 2]);
    pair.master.poll(); // publishes 3 before reading the rings; delivers nothing
    expect(seen()).toEqual([1, 2, 3]);
    masterEp.trySend(Uint8Array.of(4)); // a poll that delivered nothing arms nothing
    expect(seen()).toEqual([1, 2, 3]);
    await Promise.resolve();
    expect(seen()).toEqual([1, 2, 3, 4]);
    request();
    await Promise.resolve();
    await Promise.resolve();
    masterEp.trySend(Uint8Array.of(5)); // an answer some turns later is still the answer
    expect(seen()).toEqual([1, 2, 3, 4, 5]);
    await pair.close();
  });

  it('does not publish at once after a poll whose listener answered what it delivered', async () => {
    const { pair, remoteEp, masterEp, got } = await connectedPolling(16);
    remoteEp.trySend(text('unanswered'));
    pair.remote.flush();
    pair.master.poll(); // delivered, unanswered: the next send would be the answer…
    masterEp.on('message', () => masterEp.trySend(text('ack')));
    remoteEp.trySend(text('request'));
    pair.remote.flush();
    pair.master.poll(); // …but this poll's listener answered: its ack goes out at the poll's end
    pair.remote.poll();
    expect(got).toHaveLength(1);
    masterEp.trySend(Uint8Array.of(9)); // not an answer: batched, as the first of a stream would be
    pair.remote.poll();
    expect(got).toHaveLength(1);
    await Promise.resolve();
    pair.remote.poll();
    expect(got).toHaveLength(2);
    await pair.close();
  });

  it('publishes what a listener sends inside poll() at the end of that poll', async () => {
    const { pair, remoteEp, masterEp, got } = await connectedPolling(16);
    remoteEp.trySend(text('unanswered'));
    pair.remote.flush();
    pair.master.poll(); // a delivery no send answered yet: the next send outside a poll would go at once
    const seenInListener: number[] = [];
    masterEp.on('message', () => {
      masterEp.trySend(text('reply'));
      pair.remote.poll(); // the other core, running meanwhile
      seenInListener.push(got.length);
    });
    remoteEp.trySend(text('ping'));
    pair.remote.flush();
    await Promise.resolve();
    expect(pair.master.poll()).toBe(1);
    expect(seenInListener).toEqual([0]); // not published from inside the poll
    pair.remote.poll();
    expect(got).toHaveLength(1); // published at the poll's end
    await pair.close();
  });

  it('sends what an endpoint made before start() announces after the master kicks for link-up', async () => {
    // An RPMsg-Lite remote is up at the master's first kick (vq0) and drops messages before that.
    const layout = createLayout('rpmsg-lite', { numBuffers: 4 });
    const memory = new MemoryRegion(new SharedArrayBuffer(layout.size), { base: layout.base });
    const kicks: number[] = [];
    const transport = new VirtioTransport({ role: 'master', layout, memory, notify: (vq) => kicks.push(vq) });
    const master = new RpmsgDevice(transport);
    master.createEndpoint({ name: 'rpmsg-early', addr: 1030 });
    master.on('up', () => master.createEndpoint({ name: 'rpmsg-on-up', addr: 1031 }));
    await master.start();
    await Promise.resolve(); // the turn's batch: both announcements, one publish
    expect(kicks).toEqual([0, 1]); // a kick for vq1 only when the flush published something on it
    await master.close();
  });

  it('publishes the NS DESTROY of every endpoint a closing device destroys', async () => {
    const pair = createMemoryPair({ profile: 'linux', numBuffers: 16 });
    await pair.start();
    for (const name of ['svc0', 'svc1', 'svc2']) pair.remote.createEndpoint({ name });
    await pair.settle();
    expect(pair.master.channels().map((c) => c.name)).toEqual(['svc0', 'svc1', 'svc2']);
    const removed: string[] = [];
    pair.master.on('channel-removed', (channel) => removed.push(channel.name));
    await pair.remote.close();
    pair.master.poll();
    expect(removed).toEqual(['svc0', 'svc1', 'svc2']);
    await pair.close();
  });

  it('reports a transport that throws while publishing without failing the send it published', async () => {
    const { pair, remoteEp, masterEp, got } = await connectedPolling(16);
    remoteEp.trySend(text('request'));
    pair.remote.flush();
    pair.master.poll(); // the next send is an answer, published at once
    const flush = vi.spyOn(pair.masterTransport, 'flush').mockImplementationOnce(() => {
      throw new Error('notify failed');
    });
    // Reported as listener errors are: rethrown from a microtask (an uncaught exception).
    const reported: (() => void)[] = [];
    const queue = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => reported.push(task));
    try {
      expect(() => masterEp.trySend(Uint8Array.of(1))).not.toThrow(); // on the ring: not an error
    } finally {
      queue.mockRestore();
      flush.mockRestore();
    }
    const thrown = reported.flatMap((task) => {
      try {
        task();
        return [];
      } catch (error) {
        return [error];
      }
    });
    expect(thrown).toEqual([new Error('notify failed')]);
    pair.master.flush();
    pair.remote.poll();
    expect(got.map((m) => m.payload[0])).toEqual([1]); // once, not twice
    await pair.close();
  });

  it('publishes at the microtask turn without an AsyncResource per batch', async () => {
    // Both sides poll: no kick, so the pair's doorbell makes no microtask either.
    const { pair, masterEp, got } = await connectedPolling(32);
    // Node's queueMicrotask makes an AsyncResource per call (type 'Microtask': a bound callback run
    // in its scope, a destroy hook); under async_hooks a promise reaction is a lighter PROMISE one.
    const made: string[] = [];
    const hook = createHook({
      init: (_id, type) => {
        if (type === 'Microtask') made.push(type);
      },
    }).enable();
    try {
      for (let i = 0; i < 3; i++) {
        masterEp.trySend(Uint8Array.of(i));
        await Promise.resolve(); // the microtask publish
        pair.remote.poll();
        expect(got).toHaveLength(i + 1);
      }
    } finally {
      hook.disable();
    }
    expect(made).toEqual([]);
    await pair.close();
  });
});
