import { firstValueFrom, from, lastValueFrom, take, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DevicePair, settle, startPair } from '../test-support.js';
import { serveTty, type TtyService } from '../tty-service.js';
import { fromChannel } from './from-channel.js';
import { sendTo } from './send-to.js';

describe('fromChannel', () => {
  let pair: DevicePair;
  let service: TtyService;

  beforeEach(async () => {
    pair = await startPair();
    service = serveTty(pair.remote);
  });
  afterEach(async () => {
    await pair.close();
  });

  it('is cold: nothing is opened until subscribe, and unsubscribe destroys the endpoint', async () => {
    const messages$ = fromChannel(pair.master, 'rpmsg-tty');
    await settle();
    expect(pair.master.endpoints()).toHaveLength(0);
    const subscription = messages$.subscribe();
    await settle();
    expect(pair.master.endpoints()).toHaveLength(1);
    const [endpoint] = pair.master.endpoints();
    subscription.unsubscribe();
    expect(endpoint!.destroyed).toBe(true);
    expect(pair.master.endpoints()).toHaveLength(0);
  });

  it('destroys the endpoint when unsubscribed before the channel was even open', async () => {
    const subscription = fromChannel(pair.master, 'later').subscribe({ error: () => {} });
    subscription.unsubscribe();
    serveTty(pair.remote, { name: 'later' });
    await settle();
    expect(pair.master.endpoints()).toHaveLength(0);
  });

  it('delivers copies of each message, which stay intact after their RX buffer is reused', async () => {
    const got = lastValueFrom(
      fromChannel(pair.master, 'rpmsg-tty', {
        onOpen: (ep) => {
          for (let i = 0; i < 100; i += 1) void ep.send(Buffer.alloc(100, i));
        },
      }).pipe(take(100), toArray()),
    );
    const messages = await got;
    // 100 messages through a 32-buffer pool: slots were reused many times over.
    expect(messages.map((m) => m.every((b) => b === m[0]) && m.length === 100)).toEqual(
      Array(100).fill(true),
    );
    expect(messages.map((m) => m[0])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await settle();
    expect(pair.master.endpoints()).toHaveLength(0);
  });

  it('errors with ERR_RPMSG_CHANNEL_GONE when the peer destroys the channel', async () => {
    const failed = firstValueFrom(
      fromChannel(pair.master, 'rpmsg-tty', { onOpen: () => setImmediate(() => service.close()) }),
    );
    await expect(failed).rejects.toMatchObject({ code: 'ERR_RPMSG_CHANNEL_GONE' });
  });

  it('errors with ERR_RPMSG_PEER_GONE when the link goes down', async () => {
    const failed = firstValueFrom(
      fromChannel(pair.master, 'rpmsg-tty', { onOpen: () => setImmediate(() => pair.link.disconnect()) }),
    );
    await expect(failed).rejects.toMatchObject({ code: 'ERR_RPMSG_PEER_GONE' });
  });
});

describe('sendTo', () => {
  let pair: DevicePair;

  beforeEach(async () => {
    pair = await startPair();
    serveTty(pair.remote);
  });
  afterEach(async () => {
    await pair.close();
  });

  it('sends values in order, splitting at the MTU, and emits the bytes sent for each', async () => {
    const endpoint = await pair.master.openChannel('rpmsg-tty');
    const echoed: Buffer[] = [];
    endpoint.on('message', (p: Uint8Array) => echoed.push(Buffer.from(p)));
    const values = [Buffer.from('a'), Buffer.alloc(2000, 2), Buffer.from('z')];
    const counts = await lastValueFrom(from(values).pipe(sendTo(endpoint), toArray()));
    await settle();
    expect(counts).toEqual([1, 2000, 1]);
    expect(Buffer.concat(echoed).equals(Buffer.concat(values))).toBe(true);
    expect(echoed.map((b) => b.length)).toEqual([1, 496, 496, 496, 496, 16, 1]);
  });

  it('waits for TX buffers instead of failing, and unsubscribing aborts the waiting send', async () => {
    pair.remote.createEndpoint({ name: 'stall', onMessage: (_p, _s, msg) => void msg.hold() });
    const endpoint = await pair.master.openChannel('stall');
    const values = Array.from({ length: 64 }, (_, i) => Buffer.from([i]));
    let sent = 0;
    let failed: unknown = null;
    const subscription = from(values)
      .pipe(sendTo(endpoint))
      .subscribe({ next: () => (sent += 1), error: (e) => (failed = e) });
    await settle();
    // 32 buffers, one taken by the hello: 31 values went out, the 32nd waits.
    expect(sent).toBe(pair.master.stats.txTotal - 1);
    expect(failed).toBeNull();
    subscription.unsubscribe();
    await settle();
    expect(failed).toBeNull();
    expect(endpoint.destroyed).toBe(false);
  });

  it('errors with the endpoint error when the peer goes away', async () => {
    pair.remote.createEndpoint({ name: 'stall', onMessage: (_p, _s, msg) => void msg.hold() });
    const endpoint = await pair.master.openChannel('stall');
    const values = Array.from({ length: 64 }, () => Buffer.from([1]));
    const result = lastValueFrom(from(values).pipe(sendTo(endpoint)));
    await settle();
    pair.link.disconnect('ERR_RPMSG_PEER_GONE');
    await expect(result).rejects.toMatchObject({ code: 'ERR_RPMSG_PEER_GONE' });
  });
});
