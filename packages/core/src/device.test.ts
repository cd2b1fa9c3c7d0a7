import { afterEach, describe, expect, it } from 'vitest';
import { RPMSG_ADDR_ANY, RPMSG_NS_ADDR } from './constants.js';
import { RpmsgDevice } from './device.js';
import type { Endpoint } from './endpoint.js';
import { encodeNsMessage } from './ns-message.js';
import type { HeldMessage } from './rx-message.js';
import { createMockTransportPair, FakeClock, type MockTransportPairOptions } from './testing/index.js';

const bytes = (...values: number[]) => Uint8Array.from(values);
const text = (s: string) => new TextEncoder().encode(s);

async function setup(options: MockTransportPairOptions = {}) {
  const pair = createMockTransportPair(options);
  const clock = new FakeClock();
  const master = new RpmsgDevice(pair.master, { clock });
  const remote = new RpmsgDevice(pair.remote, { clock });
  await Promise.all([master.start(), remote.start()]);
  return { pair, clock, master, remote };
}

/** A remote service 'echo' at 30 and the master's endpoint opened on it (hello sent and delivered). */
async function connected(options: MockTransportPairOptions = {}) {
  const s = await setup(options);
  const service = s.remote.createEndpoint({ name: 'echo', addr: 30 });
  const received: Array<{ payload: number[]; src: number }> = [];
  service.on('message', (payload: Uint8Array, src: number) => received.push({ payload: [...payload], src }));
  await s.pair.settle(); // pumps by hand when autoDeliver is off
  const client = await s.master.openChannel('echo', { timeout: 1000 });
  await s.pair.settle();
  return { ...s, service, client, received };
}

function collect(ep: Endpoint): Array<{ payload: number[]; src: number }> {
  const out: Array<{ payload: number[]; src: number }> = [];
  ep.on('message', (payload: Uint8Array, src: number) => out.push({ payload: [...payload], src }));
  return out;
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

describe('RpmsgDevice', () => {
  describe('#start', () => {
    it('resolves once both sides are up, with role, MTU and name service from the transport', async () => {
      const { master, remote } = await setup({ bufferSize: 512 });
      expect(master.isUp && remote.isUp).toBe(true);
      expect([master.role, remote.role]).toEqual(['master', 'remote']);
      expect(master.mtu).toBe(496);
      expect(master.mtu).toBe(496);
      expect(master.hasNameService).toBe(true);
    });

    it('emits up and rejects a start after close', async () => {
      const pair = createMockTransportPair();
      const master = new RpmsgDevice(pair.master);
      const remote = new RpmsgDevice(pair.remote);
      let ups = 0;
      master.on('up', () => ups++);
      await Promise.all([master.start(), remote.start()]);
      expect(ups).toBe(1);
      await master.close();
      await expect(master.start()).rejects.toMatchObject({ code: 'ERR_RPMSG_CLOSED' });
      const again = new RpmsgDevice(createMockTransportPair().master);
      await again.close();
      await expect(again.start()).rejects.toMatchObject({ code: 'ERR_RPMSG_CLOSED' });
    });
  });

  describe('#createEndpoint', () => {
    it('hands out dynamic addresses from 1024 cyclically: a freed one is not reused next', async () => {
      const { master } = await setup();
      const a = master.createEndpoint();
      const b = master.createEndpoint();
      expect([a.addr, b.addr]).toEqual([1024, 1025]);
      a.destroy();
      expect(master.createEndpoint().addr).toBe(1026);
      master.createEndpoint({ addr: 1027 }); // a fixed address in the way is skipped
      expect(master.createEndpoint().addr).toBe(1028);
      expect(master.endpoints().map((e) => e.addr)).toEqual([1025, 1026, 1027, 1028]);
    });

    it('accepts fixed addresses, refusing one in use and the name-service address', async () => {
      const { master } = await setup();
      expect(master.createEndpoint({ addr: 30 }).addr).toBe(30);
      expect(() => master.createEndpoint({ addr: 30 })).toThrow(
        expect.objectContaining({ code: 'ERR_RPMSG_ADDR_IN_USE', addr: 30 }),
      );
      expect(() => master.createEndpoint({ addr: RPMSG_NS_ADDR })).toThrow(
        expect.objectContaining({ code: 'ERR_RPMSG_ADDR_RESERVED' }),
      );
      expect(() => master.createEndpoint({ addr: -1 })).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', argument: 'options.addr' }),
      );
      expect(() => master.createEndpoint({ name: 'x'.repeat(32) })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', argument: 'options.name' }),
      );
      expect(() => master.createEndpoint({ announce: true })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', argument: 'options.announce' }),
      );
    });
  });

  describe('name service', () => {
    it('turns a remote announce into a channel on the master', async () => {
      const { master, remote, pair } = await setup();
      const seen: string[] = [];
      master.on('channel', (ch) => seen.push(`${ch.name}@${ch.remoteAddr}`));
      remote.createEndpoint({ name: 'rpmsg-tty', addr: 30 });
      expect(pair.remote.lastSent).toMatchObject({ src: 30, dst: RPMSG_NS_ADDR, len: 40 });
      const channel = await master.waitForChannel('rpmsg-tty', { timeout: 100 });
      expect(channel).toMatchObject({ name: 'rpmsg-tty', remoteAddr: 30, removed: false });
      expect(seen).toEqual(['rpmsg-tty@30']);
      expect(master.channels()).toEqual([channel]);
      expect(master.getChannel('rpmsg-tty')).toBe(channel);
    });

    it('announces endpoints created before the link came up once it is up (start-up race)', async () => {
      const pair = createMockTransportPair();
      const master = new RpmsgDevice(pair.master);
      const remote = new RpmsgDevice(pair.remote);
      remote.createEndpoint({ name: 'early', addr: 40 });
      expect(pair.remote.sent).toHaveLength(0);
      const channel = master.waitForChannel('early', { timeout: 1000 });
      const remoteUp = remote.start(); // remote first: the master is not even started
      expect(pair.remote.sent).toHaveLength(0);
      await Promise.all([remoteUp, master.start()]);
      await expect(channel).resolves.toMatchObject({ remoteAddr: 40 });
      cleanup.push(
        () => master.close(),
        () => remote.close(),
      );
    });

    it('sends no announce and ignores address 53 when the name service was not negotiated', async () => {
      const { master, remote, pair } = await setup({ nameService: false });
      expect(master.hasNameService).toBe(false);
      remote.createEndpoint({ name: 'quiet', addr: 30 });
      expect(pair.remote.sent).toHaveLength(0);
      pair.master.injectMessage({
        src: 30,
        dst: RPMSG_NS_ADDR,
        payload: encodeNsMessage({ name: 'x', addr: 30 }),
      });
      await pair.settle();
      expect(master.channels()).toEqual([]);
      expect(master.stats.dropped).toBe(1);
    });

    it('removes the channel when the peer destroys its endpoint and unbinds endpoints on it', async () => {
      const { master, service, client, pair } = await connected();
      const channel = master.getChannel('echo');
      const events: string[] = [];
      channel?.on('removed', () => events.push('removed'));
      master.on('channel-removed', (ch) => events.push(`channel-removed ${ch.name}`));
      client.on('unbound', (reason) => events.push(`unbound ${reason.code}`));
      service.destroy();
      await pair.settle();
      expect(events).toEqual(['unbound ERR_RPMSG_CHANNEL_GONE', 'removed', 'channel-removed echo']);
      expect(channel?.removed).toBe(true);
      expect(master.channels()).toEqual([]);
      expect(client.dst).toBe(RPMSG_ADDR_ANY);
      await expect(client.send(bytes(1))).rejects.toMatchObject({ code: 'ERR_RPMSG_NO_DST' });
    });

    it('refuses and counts a duplicate announce', async () => {
      const { master, remote, pair } = await setup();
      const errors: string[] = [];
      master.on('protocol-error', (e) => errors.push(e.code));
      remote.createEndpoint({ name: 'dup', addr: 30 });
      await pair.settle();
      pair.master.injectMessage({
        src: 30,
        dst: RPMSG_NS_ADDR,
        payload: encodeNsMessage({ name: 'dup', addr: 30 }),
      });
      await pair.settle();
      expect(master.channels()).toHaveLength(1);
      expect(master.stats.nsDuplicates).toBe(1);
      expect(errors).toEqual(['ERR_RPMSG_CHANNEL_EXISTS']);
    });

    it('waitForChannel times out on the clock, aborts, and ends on close', async () => {
      const { master, clock } = await setup();
      const timed = master.waitForChannel('never', { timeout: 50 });
      clock.advance(50);
      await expect(timed).rejects.toMatchObject({ code: 'ERR_RPMSG_TIMEOUT', limit: 50 });
      const ac = new AbortController();
      const aborted = master.waitForChannel('never', { signal: ac.signal });
      ac.abort();
      await expect(aborted).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
      const closing = master.waitForChannel('never');
      await master.close();
      await expect(closing).rejects.toMatchObject({ code: 'ERR_RPMSG_CLOSED' });
      expect(clock.pending).toBe(0);
    });
  });

  describe('messages', () => {
    it('carries 0- and 496-byte payloads both ways with the right source address', async () => {
      const { client, service, received, pair } = await connected();
      const back = collect(client);
      const big = Uint8Array.from({ length: 496 }, (_, i) => i & 0xff);
      await client.send(big);
      await client.send(new Uint8Array(0));
      await service.send(big);
      await service.send(new Uint8Array(0));
      await pair.settle();
      // received[0] is the hello: 0 bytes from the client's dynamic address
      expect(received.map((m) => m.payload.length)).toEqual([0, 496, 0]);
      expect(received[1]).toEqual({ payload: [...big], src: client.addr });
      expect(back).toEqual([
        { payload: [...big], src: 30 },
        { payload: [], src: 30 },
      ]);
    });

    it('binds an unbound endpoint to the first sender and emits bound (hello solves the first message)', async () => {
      const { remote, master, pair } = await setup();
      const service = remote.createEndpoint({ name: 'svc', addr: 30 });
      const bound = service.waitForBound({ timeout: 1000 });
      expect(service.isBound).toBe(false);
      await expect(service.send(bytes(1))).rejects.toMatchObject({ code: 'ERR_RPMSG_NO_DST' });
      const client = await master.openChannel('svc');
      await expect(bound).resolves.toBe(client.addr);
      expect(service.dst).toBe(client.addr);
      const got = collect(client);
      await service.send(text('first'));
      await pair.settle();
      expect(got).toEqual([{ payload: [...text('first')], src: 30 }]);
    });

    it('sends a hello on createEndpoint({ hello, dst }) so a remote can speak first', async () => {
      const { master, remote, pair } = await setup();
      const service = remote.createEndpoint({ addr: 30 });
      const bound: number[] = [];
      service.on('bound', (dst) => bound.push(dst));
      const ep = master.createEndpoint({ dst: 30, hello: true });
      await pair.settle();
      expect(bound).toEqual([ep.addr]);
    });

    it('rejects a payload over the MTU at once without taking a buffer', async () => {
      const { client, master } = await connected();
      const free = master.stats.txFree;
      await expect(client.send(new Uint8Array(497))).rejects.toMatchObject({
        code: 'ERR_RPMSG_MSG_TOO_BIG',
        length: 497,
        limit: 496,
      });
      expect(() => client.trySend(new Uint8Array(497))).toThrow(
        expect.objectContaining({ code: 'ERR_RPMSG_MSG_TOO_BIG' }),
      );
      expect(master.stats.txFree).toBe(free);
    });

    it('counts and drops messages to an endpoint nobody listens on', async () => {
      const { master, remote, pair } = await setup();
      const deaf = master.createEndpoint({ addr: 2000 });
      const svc = remote.createEndpoint({ addr: 30, dst: 2000 });
      await svc.send(bytes(1, 2));
      await pair.settle();
      expect(deaf.stats).toMatchObject({ dropped: 1, received: 0 });
      expect(master.stats.dropped).toBe(1);
      expect(remote.stats.txFree).toBe(remote.stats.txTotal);
    });

    it('delivers to whichever endpoint holds the address now (destroyed, then made again)', async () => {
      const { master, remote, pair } = await setup();
      const first = master.createEndpoint({ addr: 2000 });
      const other = master.createEndpoint({ addr: 2001 });
      const got = { first: collect(first), other: collect(other) };
      const svc = remote.createEndpoint({ addr: 30, dst: 2000 });
      await svc.send(bytes(1));
      await svc.sendTo(2001, bytes(2));
      await svc.send(bytes(3));
      await pair.settle();
      first.destroy();
      await svc.send(bytes(4)); // nobody at 2000 now: counted and dropped
      await pair.settle();
      expect(master.stats.dropped).toBe(1);
      const second = master.createEndpoint({ addr: 2000 });
      const got2 = collect(second);
      await svc.send(bytes(5));
      await pair.settle();
      expect(got.first.map((m) => m.payload[0])).toEqual([1, 3]);
      expect(got.other.map((m) => m.payload[0])).toEqual([2]);
      expect(got2.map((m) => m.payload[0])).toEqual([5]);
    });

    it('delivers to onMessage before message listeners and keeps per-endpoint and device stats', async () => {
      const { master, remote, pair } = await setup();
      const order: string[] = [];
      const ep = master.createEndpoint({ addr: 2000, onMessage: () => order.push('onMessage') });
      ep.on('message', () => order.push('event'));
      const svc = remote.createEndpoint({ addr: 30, dst: 2000 });
      await svc.send(bytes(1, 2, 3));
      await pair.settle();
      expect(order).toEqual(['onMessage', 'event']);
      expect(ep.stats).toEqual({ sent: 0, received: 1, dropped: 0, bytesSent: 0, bytesReceived: 3 });
      expect(svc.stats).toMatchObject({ sent: 1, bytesSent: 3 });
      expect(remote.stats).toMatchObject({ txMessages: 1, txBytes: 3 });
      expect(master.stats).toMatchObject({ rxMessages: 1, rxBytes: 3 });
    });
  });

  describe('zero-copy', () => {
    it('sends from a lent TX buffer without a copy: the receiver sees the same memory', async () => {
      const { client, service, pair } = await connected();
      let seen: Uint8Array | undefined;
      service.on('message', (payload: Uint8Array) => {
        if (payload.length === 3) seen = payload;
      });
      const tx = await client.getTxBuffer();
      expect(tx.payload.length).toBe(496);
      tx.payload.set([7, 8, 9]);
      tx.send(3);
      await pair.settle();
      expect(seen?.buffer).toBe(tx.payload.buffer);
      expect(() => tx.send(3)).toThrow(expect.objectContaining({ code: 'ERR_RPMSG_BUFFER_STATE' }));
      expect(() => tx.release()).toThrow(expect.objectContaining({ code: 'ERR_RPMSG_BUFFER_STATE' }));
    });

    it('gives an unused buffer back on release and checks the length', async () => {
      const { client, master } = await connected();
      const tx = client.tryGetTxBuffer();
      expect(tx).not.toBeNull();
      expect(master.stats.txFree).toBe(master.stats.txTotal - 1);
      expect(() => tx?.send(497)).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', argument: 'length' }),
      );
      expect(() => tx?.send(3, 30, 0x10000)).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', argument: 'flags' }),
      );
      tx?.release();
      expect(master.stats.txFree).toBe(master.stats.txTotal);
    });

    it('holds an RX buffer past the listener until release, which returns it to the peer', async () => {
      const { client, service, master, remote, pair } = await connected();
      let held: HeldMessage | undefined;
      let late: (() => void) | undefined;
      service.on('message', (payload: Uint8Array, _src: number, msg) => {
        if (payload.length === 0) return;
        held = msg.hold();
        expect(msg.hold()).toBe(held);
        late = () => msg.hold();
      });
      await client.send(text('keep me'));
      await pair.settle();
      expect(new TextDecoder().decode(held?.payload)).toBe('keep me');
      expect(remote.stats.rxHeld).toBe(1);
      expect(master.stats.txFree).toBe(master.stats.txTotal - 1);
      expect(late).toThrow(expect.objectContaining({ code: 'ERR_RPMSG_BUFFER_STATE' }));
      held?.release();
      expect(held?.released).toBe(true);
      expect(() => held?.release()).toThrow(expect.objectContaining({ code: 'ERR_RPMSG_BUFFER_STATE' }));
      await pair.settle();
      expect(remote.stats.rxHeld).toBe(0);
      expect(master.stats.txFree).toBe(master.stats.txTotal);
    });
  });

  describe('waiting for buffers', () => {
    async function exhausted() {
      const s = await connected({ buffers: 2, autoDeliver: false });
      s.client.trySend(bytes(1));
      s.client.trySend(bytes(2));
      return s;
    }

    it('trySend fails at once with ERR_RPMSG_NO_BUFFER on an empty pool', async () => {
      const { client } = await exhausted();
      expect(() => client.trySend(bytes(3))).toThrow(
        expect.objectContaining({ code: 'ERR_RPMSG_NO_BUFFER' }),
      );
      expect(client.tryGetTxBuffer()).toBeNull();
    });

    it('send waits for a returned buffer and keeps call order', async () => {
      const { client, pair, received } = await exhausted();
      const order: number[] = [];
      const p3 = client.send(bytes(3)).then(() => order.push(3));
      const p4 = client.send(bytes(4)).then(() => order.push(4));
      expect(() => client.trySend(bytes(5))).toThrow(
        expect.objectContaining({ code: 'ERR_RPMSG_NO_BUFFER' }),
      );
      await pair.settle();
      await Promise.all([p3, p4]);
      await pair.settle();
      expect(order).toEqual([3, 4]);
      expect(received.slice(1).map((m) => m.payload[0])).toEqual([1, 2, 3, 4]);
    });

    it('send times out on the injected clock (default 15 s, as Linux)', async () => {
      const { client, clock, master, pair } = await exhausted();
      const short = client.send(bytes(3), { timeout: 100 });
      const long = client.send(bytes(4));
      let settled = false;
      long.catch(() => {}).finally(() => (settled = true));
      clock.advance(99);
      clock.advance(1);
      await expect(short).rejects.toMatchObject({ code: 'ERR_RPMSG_TIMEOUT', limit: 100 });
      clock.advance(14_899);
      await Promise.resolve();
      expect(settled).toBe(false);
      clock.advance(1);
      await expect(long).rejects.toMatchObject({ code: 'ERR_RPMSG_TIMEOUT', limit: 15_000 });
      await pair.settle();
      expect(master.stats.txFree).toBe(2); // timed-out sends took no buffer
    });

    it('send and getTxBuffer reject with an AbortError when the signal aborts', async () => {
      const { client, clock, pair, received } = await exhausted();
      const ac = new AbortController();
      const send = client.send(bytes(9), { signal: ac.signal });
      const lend = client.getTxBuffer({ signal: ac.signal });
      ac.abort(new Error('stop'));
      await expect(send).rejects.toMatchObject({ name: 'AbortError' });
      await expect(lend).rejects.toMatchObject({ name: 'AbortError' });
      await expect(client.send(bytes(9), { signal: ac.signal })).rejects.toMatchObject({
        name: 'AbortError',
      });
      await pair.settle();
      expect(received.slice(1).map((m) => m.payload[0])).toEqual([1, 2]);
      expect(clock.pending).toBe(0);
    });

    it('destroying an endpoint rejects its waiting sends with ERR_RPMSG_ENDPOINT_DESTROYED', async () => {
      const { client } = await exhausted();
      const pending = client.send(bytes(3));
      const closed: string[] = [];
      client.on('close', () => closed.push('close'));
      client.destroy();
      client.destroy();
      await expect(pending).rejects.toMatchObject({ code: 'ERR_RPMSG_ENDPOINT_DESTROYED' });
      await expect(client.send(bytes(1))).rejects.toMatchObject({ code: 'ERR_RPMSG_ENDPOINT_DESTROYED' });
      expect(closed).toEqual(['close']);
      expect(client.destroyed).toBe(true);
    });
  });

  describe('hostile input', () => {
    async function hostile() {
      const s = await setup();
      const codes: string[] = [];
      s.master.on('protocol-error', (e) => codes.push(e.code));
      const ep = s.master.createEndpoint({ addr: 2000 });
      const got = collect(ep);
      return { ...s, codes, got };
    }

    it('refuses a header len larger than what was received, and returns the buffer', async () => {
      const { pair, master, codes, got } = await hostile();
      pair.master.injectMessage({ src: 30, dst: 2000, payload: bytes(1, 2, 3), len: 400 });
      pair.master.injectMessage({ src: 30, dst: 2000, payload: bytes(1), length: 600 });
      pair.master.injectMessage({ src: 30, dst: 2000, payload: new Uint8Array(0), length: 8 });
      await pair.settle();
      expect(got).toEqual([]);
      expect(master.stats.malformed).toBe(3);
      expect(codes).toEqual(['ERR_RPMSG_BAD_HEADER', 'ERR_RPMSG_BAD_HEADER', 'ERR_RPMSG_BAD_HEADER']);
      expect(pair.remote.stats.txFree).toBe(pair.remote.stats.txTotal);
    });

    it('takes the payload length from the header, ignoring extra received bytes and the reserved word', async () => {
      const { pair, got } = await hostile();
      const raw = new Uint8Array(64);
      const view = new DataView(raw.buffer);
      view.setUint32(0, 30, true);
      view.setUint32(4, 2000, true);
      view.setUint32(8, 0xdeadbeef, true);
      view.setUint16(12, 2, true);
      raw.set([5, 6, 7, 8], 16);
      pair.master.inject(raw, 64);
      await pair.settle();
      expect(got).toEqual([{ payload: [5, 6], src: 30 }]);
    });

    it('counts and drops name-service messages of the wrong length or with an empty name', async () => {
      const { pair, master, codes } = await hostile();
      pair.master.injectMessage({ src: 30, dst: RPMSG_NS_ADDR, payload: new Uint8Array(39) });
      pair.master.injectMessage({ src: 30, dst: RPMSG_NS_ADDR, payload: new Uint8Array(41).fill(0x41) });
      pair.master.injectMessage({ src: 30, dst: RPMSG_NS_ADDR, payload: new Uint8Array(40) });
      await pair.settle();
      expect(master.stats.nsMalformed).toBe(3);
      expect(codes).toEqual(['ERR_RPMSG_NS_MALFORMED', 'ERR_RPMSG_NS_MALFORMED', 'ERR_RPMSG_NS_MALFORMED']);
      expect(master.channels()).toEqual([]);
      expect(pair.remote.stats.txFree).toBe(pair.remote.stats.txTotal);
    });

    it('cuts an unterminated name-service name to 31 bytes', async () => {
      const { pair, master } = await hostile();
      const ns = new Uint8Array(40).fill(0x7a);
      new DataView(ns.buffer).setUint32(32, 77, true);
      new DataView(ns.buffer).setUint32(36, 0, true);
      pair.master.injectMessage({ src: 77, dst: RPMSG_NS_ADDR, payload: ns });
      await pair.settle();
      expect(master.channels().map((c) => [c.name, c.remoteAddr])).toEqual([['z'.repeat(31), 77]]);
    });

    it('counts and drops a message for an unknown destination, returning its buffer', async () => {
      const { pair, master, codes } = await hostile();
      pair.master.injectMessage({ src: 30, dst: 4242, payload: bytes(1) });
      await pair.settle();
      expect(master.stats.dropped).toBe(1);
      expect(codes).toEqual(['ERR_RPMSG_UNKNOWN_DST']);
      expect(pair.remote.stats.txFree).toBe(pair.remote.stats.txTotal);
    });

    it('reports transport protocol errors as protocol-error', async () => {
      const { pair, codes } = await hostile();
      pair.master.reportError('ERR_RPMSG_RING', 'corrupt avail idx');
      expect(codes).toEqual(['ERR_RPMSG_RING']);
    });
  });

  describe('link down and close', () => {
    it('rejects pending sends with the reason, removes channels, unbinds, and re-announces on the next up', async () => {
      const { pair, master, client } = await connected({ buffers: 1, autoDeliver: false });
      client.trySend(bytes(1));
      const pending = client.send(bytes(2));
      const events: string[] = [];
      master.on('down', (r) => events.push(`down ${r.code}`));
      master.getChannel('echo')?.on('removed', () => events.push('removed'));
      client.on('unbound', (r) => events.push(`unbound ${r.code}`));
      pair.disconnect('ERR_RPMSG_PEER_GONE');
      await expect(pending).rejects.toMatchObject({ code: 'ERR_RPMSG_PEER_GONE' });
      expect(events).toEqual(['unbound ERR_RPMSG_PEER_GONE', 'removed', 'down ERR_RPMSG_PEER_GONE']);
      expect(master.channels()).toEqual([]);
      expect(master.isUp).toBe(false);
      // While down, a send says why the link went down; the transport's error is the cause.
      await expect(client.send(bytes(3))).rejects.toMatchObject({
        code: 'ERR_RPMSG_PEER_GONE',
        cause: { code: 'ERR_RPMSG_PEER_GONE' },
      });
      expect(master.endpoints()).toContain(client);
      const back = master.waitForChannel('echo', { timeout: 100 });
      pair.reconnect();
      await pair.settle();
      await expect(back).resolves.toMatchObject({ remoteAddr: 30 });
    });

    it('close destroys endpoints with NS DESTROY, rejects pending sends and closes the transport', async () => {
      const { pair, master, remote } = await setup({ buffers: 1 });
      remote.createEndpoint({ name: 'svc', addr: 30 });
      const channel = await master.waitForChannel('svc');
      const idle = remote.createEndpoint({ addr: 31, dst: 1024 });
      await pair.settle();
      expect(idle.dst).toBe(1024);
      const removed = new Promise<void>((resolve) => channel.on('removed', resolve));
      await remote.close();
      await removed;
      expect(idle.destroyed).toBe(true);
      expect(remote.isUp).toBe(false);
      expect(master.isUp).toBe(false);
      expect(() => remote.createEndpoint()).toThrow(expect.objectContaining({ code: 'ERR_RPMSG_CLOSED' }));
      await remote.close();
    });

    it('close rejects sends still waiting with ERR_RPMSG_CLOSED', async () => {
      const { master, client } = await connected({ buffers: 1, autoDeliver: false });
      client.trySend(bytes(1));
      const pending = client.send(bytes(2));
      await master.close();
      await expect(pending).rejects.toMatchObject({ code: 'ERR_RPMSG_CLOSED' });
    });
  });
});
