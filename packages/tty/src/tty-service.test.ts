import { once } from 'node:events';
import type { HeldMessage } from '@rpmsg/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
