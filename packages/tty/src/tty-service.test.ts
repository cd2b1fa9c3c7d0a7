import { once } from 'node:events';
import type { HeldMessage } from '@rpmsg/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RPMSG_TTY_F_EOF } from './end-marker.js';
import { type DevicePair, settle, startPair } from './test-support.js';
import { serveTty } from './tty-service.js';

describe('serveTty', () => {
  let pair: DevicePair;

  beforeEach(async () => {
    pair = await startPair();
  });
  afterEach(async () => {
    await pair.close();
  });

  it('announces rpmsg-tty and echoes each message to its sender', async () => {
    const service = serveTty(pair.remote);
    const channel = await pair.master.waitForChannel('rpmsg-tty');
    expect(channel.remoteAddr).toBe(service.endpoint.addr);
    const ep = await pair.master.openChannel(channel);
    const got: string[] = [];
    ep.on('message', (p: Uint8Array) => got.push(Buffer.from(p).toString()));
    await ep.send(Buffer.from('one'));
    await ep.send(Buffer.from('two'));
    await settle();
    expect(got).toEqual(['one', 'two']);
  });

  it('answers with what the handler returns and sends nothing for null', async () => {
    serveTty(pair.remote, {
      name: 'rev',
      handler: (d) => (d.length === 1 ? null : Buffer.from(d).reverse()),
    });
    const ep = await pair.master.openChannel('rev');
    const got: string[] = [];
    ep.on('message', (p: Uint8Array) => got.push(Buffer.from(p).toString()));
    await ep.send(Buffer.from('x'));
    await ep.send(Buffer.from('abc'));
    await settle();
    expect(got).toEqual(['cba']);
  });

  it('holds messages instead of queuing copies while the sender does not take its answers back', async () => {
    const service = serveTty(pair.remote);
    const held: HeldMessage[] = [];
    // The master side keeps every answer in its RX buffer: the service runs out of TX buffers.
    const ep = await pair.master.openChannel('rpmsg-tty', {
      onMessage: (_p, _s, msg) => void held.push(msg.hold()),
    });
    const total = 600;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < total; i += 1) sends.push(ep.send(Buffer.from([i & 0xff])));
    await settle();
    const pool = pair.master.stats.txTotal;
    expect(held.length).toBe(pair.remote.stats.txTotal);
    // What the service could not answer stays in the remote's RX buffers, bounded by the ring.
    expect(service.pending).toBeGreaterThan(0);
    expect(service.pending).toBeLessThanOrEqual(pool);
    // Take the answers back as they come: the service's held messages go out in order.
    const order: number[] = [];
    const drain = async () => {
      while (order.length < total) {
        for (const msg of held.splice(0)) {
          order.push(msg.payload[0]!);
          msg.release();
        }
        await settle(1);
      }
    };
    await Promise.all([...sends, drain()]);
    expect(order).toEqual(Array.from({ length: total }, (_, i) => i & 0xff));
    expect(service.pending).toBe(0);
  });

  it('keeps flow control in handler mode: messages stay in their RX buffers while TX is busy', async () => {
    const service = serveTty(pair.remote, { handler: (d) => Buffer.from(d) }); // a new array each time
    const held: HeldMessage[] = [];
    const ep = await pair.master.openChannel('rpmsg-tty', {
      onMessage: (_p, _s, msg) => void held.push(msg.hold()),
    });
    const total = 600;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < total; i += 1) sends.push(ep.send(Buffer.from([i & 0xff])));
    await settle();
    // Bounded by the ring, not by what the sender wrote: the sender is waiting for TX buffers.
    expect(service.pending).toBeGreaterThan(0);
    expect(service.pending).toBeLessThanOrEqual(pair.master.stats.txTotal);
    expect(pair.remote.stats.rxHeld).toBe(service.pending);
    const order: number[] = [];
    const drain = async () => {
      while (order.length < total) {
        for (const msg of held.splice(0)) {
          order.push(msg.payload[0]!);
          msg.release();
        }
        await settle(1);
      }
    };
    await Promise.all([...sends, drain()]);
    expect(order).toEqual(Array.from({ length: total }, (_, i) => i & 0xff));
    expect(pair.remote.stats.rxHeld).toBe(0);
  });

  it("answers a sender's end marker with its own, after every reply queued before it", async () => {
    serveTty(pair.remote);
    const got: string[] = [];
    const held: HeldMessage[] = [];
    const ep = await pair.master.openChannel('rpmsg-tty', {
      onMessage: (p, _s, msg) => {
        got.push(p.length > 0 ? String(p[0]) : msg.flags === RPMSG_TTY_F_EOF ? 'EOF' : 'hello');
        held.push(msg.hold());
      },
    });
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 100; i += 1) sends.push(ep.send(Buffer.from([i])));
    const end = ep.getTxBuffer().then((buf) => buf.send(0, ep.dst, RPMSG_TTY_F_EOF));
    const drain = async () => {
      while (!got.includes('EOF')) {
        for (const msg of held.splice(0)) msg.release(); // take the answers back slowly
        await settle(1);
      }
    };
    await Promise.all([...sends, end, drain()]);
    expect(got).toEqual([...Array.from({ length: 100 }, (_, i) => String(i)), 'EOF']);
    for (const msg of held.splice(0)) msg.release();
  });

  it('answers a hello (0 bytes, flags 0) with nothing', async () => {
    serveTty(pair.remote);
    const got: number[] = [];
    const ep = await pair.master.openChannel('rpmsg-tty'); // sends the hello
    ep.on('message', (p: Uint8Array) => got.push(p.length));
    await ep.send(new Uint8Array(0));
    await ep.send(Buffer.from('x'));
    await settle();
    expect(got).toEqual([1]);
  });

  it('close() destroys the endpoint and the channel disappears on the other side', async () => {
    const service = serveTty(pair.remote);
    const channel = await pair.master.waitForChannel('rpmsg-tty');
    const removed = once(channel, 'removed');
    service.close();
    await removed;
    expect(service.endpoint.destroyed).toBe(true);
    expect(pair.master.getChannel('rpmsg-tty')).toBeUndefined();
  });
});
