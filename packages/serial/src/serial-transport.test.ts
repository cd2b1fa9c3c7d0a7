import { type Endpoint, RpmsgDevice } from '@rpmsg/core';
import { FakeClock } from '@rpmsg/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { ByteStream } from './byte-stream.js';
import { SerialTransport, type SerialTransportOptions } from './serial-transport.js';
import { createStreamPair, type StreamPairOptions } from './testing/stream-pair.js';

const devices: RpmsgDevice[] = [];
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.close()));
});

function setup(pairOptions: StreamPairOptions = {}, options: Partial<SerialTransportOptions> = {}) {
  const pair = createStreamPair(pairOptions);
  const clock = new FakeClock();
  let nonce = 1;
  const common = { clock, nonce: () => (nonce += 7777), ...options };
  const hostT = new SerialTransport({ ...common, port: pair.a });
  const mcuT = new SerialTransport({ ...common, port: pair.b, role: 'remote' });
  const host = new RpmsgDevice(hostT);
  const mcu = new RpmsgDevice(mcuT);
  devices.push(host, mcu);
  return { pair, clock, host, mcu, hostT, mcuT };
}

/** Lets microtask-delivered bytes and promise callbacks run, advancing virtual time a little. */
async function settle(clock: FakeClock, ms = 0, rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setImmediate(r));
    if (ms > 0) clock.advance(ms / rounds);
  }
}

function echo(ep: Endpoint): void {
  ep.on('message', (payload: Uint8Array, src: number) => void ep.sendTo(src, payload.slice()));
}

describe('SerialTransport', () => {
  it('brings two RPMsg devices up over a byte stream and reports the HELLO parameters', async () => {
    const { host, mcu, hostT } = setup();
    await Promise.all([host.start(), mcu.start()]);
    expect(host.isUp && mcu.isUp).toBe(true);
    expect(host.role).toBe('master');
    expect(mcu.role).toBe('remote');
    expect(host.hasNameService).toBe(true);
    expect(hostT.peer?.credits).toBe(16);
    expect(host.mtu).toBe(496);
  });

  it('turns a name-service announcement into a channel and echoes messages both ways', async () => {
    const { host, mcu } = setup();
    await Promise.all([host.start(), mcu.start()]);
    echo(mcu.createEndpoint({ name: 'rpmsg-echo' }));
    const ep = await host.openChannel('rpmsg-echo', { timeout: 1000 });
    const got: string[] = [];
    ep.on('message', (p: Uint8Array) => got.push(new TextDecoder().decode(p)));
    for (let i = 0; i < 50; i++) await ep.send(new TextEncoder().encode(`msg ${i}`));
    for (let i = 0; i < 20 && got.length < 50; i++) await new Promise((r) => setImmediate(r));
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `msg ${i}`));
    expect(host.channels().map((c) => c.name)).toEqual(['rpmsg-echo']);
  });

  it('blocks senders on the credits of a slow receiver and resumes when it releases', async () => {
    const { host, mcu, clock } = setup({}, { rxBuffers: 2, txBuffers: 4 });
    await Promise.all([host.start(), mcu.start()]);
    const held: { release(): void }[] = [];
    const sink = mcu.createEndpoint({ name: 'sink' });
    sink.on('message', (_p, _s, msg) => held.push(msg.hold()));
    const ep = await host.openChannel('sink', { timeout: 1000 });
    const sends = Array.from({ length: 8 }, (_, i) => ep.send(Uint8Array.of(i)));
    await settle(clock, 50);
    expect(held.length).toBe(2); // hello took no buffer (released at once); two messages held
    for (const h of held.splice(0)) h.release();
    await settle(clock, 50);
    while (held.length > 0) {
      for (const h of held.splice(0)) h.release();
      await settle(clock, 50);
    }
    await Promise.all(sends);
    expect(sink.stats.received).toBe(9); // 8 messages + the 0-byte hello
  });

  it('goes down when the port is unplugged, reconnects through the opener and re-announces', async () => {
    const clock = new FakeClock();
    let pair = createStreamPair();
    let opens = 0;
    let nonce = 5;
    const common = { clock, nonce: () => (nonce += 31) };
    const hostT = new SerialTransport({
      ...common,
      port: async () => {
        opens++;
        return pair.a as ByteStream;
      },
    });
    let mcuT = new SerialTransport({ ...common, port: pair.b, role: 'remote' });
    const host = new RpmsgDevice(hostT);
    let mcu = new RpmsgDevice(mcuT);
    devices.push(host);
    await Promise.all([host.start(), mcu.start()]);
    mcu.createEndpoint({ name: 'rpmsg-echo' });
    await host.waitForChannel('rpmsg-echo', { timeout: 1000 });
    const downs: string[] = [];
    host.on('down', (e: { code: string }) => downs.push(e.code));
    const removed: string[] = [];
    host.on('channel-removed', (c: { name: string }) => removed.push(c.name));

    const causes: unknown[] = [];
    host.on('down', (e: Error) => causes.push(e.cause));
    pair.a.unplug();
    await settle(clock);
    expect(downs).toEqual(['ERR_RPMSG_LINK_DOWN']);
    expect(causes).toEqual([
      expect.objectContaining({ name: 'SerialError', code: 'ERR_SERIAL_PORT_CLOSED' }),
    ]);
    expect(removed).toEqual(['rpmsg-echo']);
    expect(host.isUp).toBe(false);
    await mcu.close();

    // Replug: a fresh line and a freshly booted MCU.
    pair = createStreamPair();
    mcuT = new SerialTransport({ ...common, port: pair.b, role: 'remote' });
    mcu = new RpmsgDevice(mcuT);
    devices.push(mcu);
    const up = mcu.start();
    mcu.createEndpoint({ name: 'rpmsg-echo' });
    await settle(clock, 500);
    await up;
    expect(host.isUp).toBe(true);
    expect(opens).toBe(2);
    expect(host.getChannel('rpmsg-echo')).toBeDefined();
  });

  it('rejects start with ERR_SERIAL_OPEN when the first open fails, and with AbortError on abort', async () => {
    const failing = new SerialTransport({
      port: async () => {
        throw new Error('ENOENT: no such file');
      },
      clock: new FakeClock(),
    });
    await expect(new RpmsgDevice(failing).start()).rejects.toMatchObject({ code: 'ERR_SERIAL_OPEN' });
    const { host } = setup();
    const ac = new AbortController();
    const p = host.start(ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('reports bad frames through protocol-error and keeps the link up', async () => {
    const { host, mcu, pair } = setup();
    await Promise.all([host.start(), mcu.start()]);
    const errors: string[] = [];
    host.on('protocol-error', (e: { code: string }) => errors.push(e.code));
    pair.b.write(Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9, 9, 0]));
    await settle(new FakeClock());
    expect(errors).toEqual(['ERR_SERIAL_CRC']);
    expect(host.isUp).toBe(true);
    expect(host.stats).toBeDefined();
  });

  it('closes with ERR_RPMSG_CLOSED and tells the peer with RESET', async () => {
    const { host, mcu } = setup();
    await Promise.all([host.start(), mcu.start()]);
    const downs: string[] = [];
    mcu.on('down', (e: { code: string }) => downs.push(e.code));
    await host.close();
    await new Promise((r) => setImmediate(r));
    expect(downs).toEqual(['ERR_RPMSG_PEER_GONE']);
  });

  describe('the Transport seam', () => {
    it('sends a copy in one call, or says false at once when no TX buffer is free or the link is down', async () => {
      const { host, mcu, hostT, clock } = setup({}, { txBuffers: 2 });
      expect(hostT.sendMessage(1024, 30, Uint8Array.of(1))).toBe(false); // not up yet
      await Promise.all([host.start(), mcu.start()]);
      await settle(clock);
      const got: number[][] = [];
      mcu.createEndpoint({ addr: 30 }).on('message', (p: Uint8Array, src: number) => got.push([src, ...p]));
      expect(() => hostT.sendMessage(1024, 30, new Uint8Array(497))).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', argument: 'payload.length' }),
      );
      const txMessages = hostT.stats.txMessages;
      expect(hostT.sendMessage(1024, 30, Uint8Array.of(1, 2))).toBe(true);
      expect(hostT.sendMessage(1024, 30, Uint8Array.of(3))).toBe(true);
      expect(hostT.sendMessage(1024, 30, Uint8Array.of(4))).toBe(false); // both TX buffers queued
      expect(hostT.stats.txMessages).toBe(txMessages + 2);
      hostT.flush();
      await settle(clock);
      expect(got).toEqual([
        [1024, 1, 2],
        [1024, 3],
      ]);
    });

    it('keeps one live stats object: the same on every read, counting as it goes', async () => {
      const { host, mcu, hostT, clock } = setup();
      const stats = hostT.stats;
      expect(stats).toMatchObject({ txMessages: 0, txFree: 0, txTotal: 16, opens: 0 });
      await Promise.all([host.start(), mcu.start()]);
      echo(mcu.createEndpoint({ name: 'rpmsg-echo' }));
      const ep = await host.openChannel('rpmsg-echo', { timeout: 1000 });
      await settle(clock);
      const before = { ...stats }; // a snapshot
      for (let i = 0; i < 3; i++) await ep.send(Uint8Array.of(i));
      await settle(clock);
      expect(hostT.stats).toBe(stats);
      expect(stats.link).toBe(hostT.stats.link);
      expect(stats.txMessages - before.txMessages).toBe(3);
      expect(stats.rxMessages - before.rxMessages).toBe(3); // the echoes
      expect(stats).toMatchObject({ txFree: 16, rxHeld: 0, opens: 1 });
    });

    it('counts a notification per write that reached the port, and none for a RESET it could not write', async () => {
      const { host, mcu, hostT, clock, pair } = setup({ record: true });
      await Promise.all([host.start(), mcu.start()]);
      echo(mcu.createEndpoint({ name: 'rpmsg-echo' }));
      const ep = await host.openChannel('rpmsg-echo', { timeout: 1000 });
      for (let i = 0; i < 3; i++) await ep.send(Uint8Array.of(i));
      await settle(clock);
      const writes = pair.a.written.length;
      expect(writes).toBeGreaterThan(3);
      expect(hostT.stats.notifications).toBe(writes);
      await pair.a.close(); // closed under the transport: the port is gone before the RESET
      expect(pair.a.written.length).toBe(writes);
      expect(hostT.stats.notifications).toBe(writes);
    });

    it('shows its observer each message sent, by either call, and each one delivered', async () => {
      const { host, mcu, hostT, mcuT, clock } = setup();
      await Promise.all([host.start(), mcu.start()]);
      mcu.createEndpoint({ name: 'sink', addr: 30 });
      const ep = await host.openChannel('sink', { timeout: 1000 });
      await settle(clock);
      const seen: string[] = [];
      const watch = (side: string) => ({
        onSend: (buf: { view: DataView }, length: number) =>
          seen.push(`${side} tx ${buf.view.getUint32(4, true)} ${buf.view.getUint16(12, true)} ${length}`),
        onReceive: (buf: { view: DataView }, length: number) =>
          seen.push(`${side} rx ${buf.view.getUint32(4, true)} ${buf.view.getUint16(12, true)} ${length}`),
      });
      hostT.observer = watch('host');
      mcuT.observer = watch('mcu');
      await ep.send(Uint8Array.of(1, 2, 3)); // sendMessage
      const lent = await ep.getTxBuffer(); // sendTxBuffer
      lent.send(2);
      await settle(clock);
      expect(seen.filter((s) => s.startsWith('host'))).toEqual(['host tx 30 3 19', 'host tx 30 2 18']);
      expect(seen.filter((s) => s.startsWith('mcu'))).toEqual(['mcu rx 30 3 19', 'mcu rx 30 2 18']);
    });

    it('answers caller mistakes with coded argument errors', async () => {
      const { host, mcu, hostT, mcuT } = setup();
      await Promise.all([host.start(), mcu.start()]);
      expect(() => hostT.attach({} as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', argument: 'sink' }),
      );
      const foreign = mcuT.getTxBuffer()!;
      expect(() => hostT.sendTxBuffer(foreign, 16)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', argument: 'buf' }),
      );
      const buf = hostT.getTxBuffer()!;
      expect(() => hostT.sendTxBuffer(buf, 8)).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', argument: 'length' }),
      );
      expect(() => hostT.sendTxBuffer(buf, 513)).toThrow(RangeError);
      hostT.releaseTxBuffer(buf);
      mcuT.releaseTxBuffer(foreign);
    });
  });

  describe('error codes when the link goes down', () => {
    /** Host and MCU up, the MCU holding every message, and `count` sends from the host waiting. */
    async function stalled(count: number) {
      const t = setup({}, { rxBuffers: 2, txBuffers: 2 });
      await Promise.all([t.host.start(), t.mcu.start()]);
      const held: { release(): void }[] = [];
      t.mcu.createEndpoint({ name: 'sink' }).on('message', (_p, _s, msg) => held.push(msg.hold()));
      const ep = await t.host.openChannel('sink', { timeout: 1000 });
      const downs: { code: string; cause?: unknown }[] = [];
      t.host.on('down', (e: Error & { code: string }) => downs.push(e));
      const sends = Array.from({ length: count }, (_, i) =>
        ep.send(Uint8Array.of(i)).then(
          () => 'sent',
          (e: { code: string }) => e.code,
        ),
      );
      await settle(t.clock, 50);
      return { ...t, ep, downs, sends };
    }

    it('closing the transport is a local close: waiting sends and the down event get ERR_RPMSG_CLOSED', async () => {
      const { hostT, ep, downs, sends } = await stalled(8);
      await hostT.close();
      const results = await Promise.all(sends);
      expect(results.filter((r) => r !== 'sent').length).toBeGreaterThan(0);
      expect(new Set(results.filter((r) => r !== 'sent'))).toEqual(new Set(['ERR_RPMSG_CLOSED']));
      expect(downs.map((e) => e.code)).toEqual(['ERR_RPMSG_CLOSED']);
      await expect(ep.send(Uint8Array.of(9))).rejects.toMatchObject({ code: 'ERR_RPMSG_CLOSED' });
    });

    it('closing the transport while it reconnects makes later sends ERR_RPMSG_CLOSED too', async () => {
      const clock = new FakeClock();
      let pair = createStreamPair();
      const host = new RpmsgDevice(
        new SerialTransport({ clock, nonce: () => 1, port: async () => pair.a, reconnectMs: 10_000 }),
      );
      const mcu = new RpmsgDevice(
        new SerialTransport({ clock, nonce: () => 2, port: pair.b, role: 'remote' }),
      );
      devices.push(host, mcu);
      await Promise.all([host.start(), mcu.start()]);
      const ep = host.createEndpoint({ dst: 1024 });
      pair.a.unplug(); // down, waiting to reopen
      await settle(clock);
      await expect(ep.send(Uint8Array.of(1))).rejects.toMatchObject({ code: 'ERR_RPMSG_LINK_DOWN' });
      pair = createStreamPair();
      await host.transport.close();
      await expect(ep.send(Uint8Array.of(2))).rejects.toMatchObject({ code: 'ERR_RPMSG_CLOSED' });
    });

    it('closing the device reports the link down as ERR_RPMSG_CLOSED', async () => {
      const { host, downs } = await stalled(0);
      await host.close();
      expect(downs.map((e) => e.code)).toEqual(['ERR_RPMSG_CLOSED']);
    });

    it('closing the port the transport was given is a local close too (ERR_RPMSG_CLOSED)', async () => {
      const { pair, hostT, downs, sends } = await stalled(8);
      await pair.a.close();
      const results = await Promise.all(sends);
      expect(new Set(results.filter((r) => r !== 'sent'))).toEqual(new Set(['ERR_RPMSG_CLOSED']));
      expect(downs.map((e) => e.code)).toEqual(['ERR_RPMSG_CLOSED']);
      await expect(hostT.start()).rejects.toMatchObject({ code: 'ERR_RPMSG_CLOSED' });
    });

    it('a silent peer is ERR_RPMSG_PEER_GONE with ERR_SERIAL_TIMEOUT as the cause', async () => {
      const { clock, pair, host, downs } = await stalled(0);
      expect(host.isUp).toBe(true);
      pair.a.write = () => {}; // the line goes dead both ways
      pair.b.write = () => {};
      await settle(clock, 3000);
      expect(downs.map((e) => e.code)).toEqual(['ERR_RPMSG_PEER_GONE']);
      expect(downs[0]!.cause).toMatchObject({ code: 'ERR_SERIAL_TIMEOUT' });
    });
  });
});
