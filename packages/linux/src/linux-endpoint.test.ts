import { once } from 'node:events';
import { FakeClock } from '@rpmsg/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { LinuxEndpoint } from './linux-endpoint.js';
import { type Bench, failure, nextMessage, startBench, turns } from './test-support.js';

// Endpoints through the model's /dev/rpmsgN: one write, one message; one read, one message.

const ECHO_ONLY = [{ name: 'rpmsg-echo', addr: 30 }];
let bench: Bench | undefined;
afterEach(async () => {
  await bench?.close();
  bench = undefined;
});

const text = (s: string) => new TextEncoder().encode(s);

describe('LinuxEndpoint echo', () => {
  it('sends and receives whole messages, empty and MTU-sized ones included', async () => {
    bench = await startBench({ rproc: { services: ECHO_ONLY } });
    const ep = await bench.device.openChannel('rpmsg-echo', { hello: false });
    const got: Buffer[] = [];
    ep.on('message', (payload, src) => {
      expect(src).toBe(30);
      got.push(Buffer.from(payload));
    });
    const messages = [text('one'), new Uint8Array(0), new Uint8Array(496).fill(7), text('two')];
    for (const m of messages) await ep.send(m);
    while (got.length < messages.length) await turns();
    expect(got.map((b) => b.length)).toEqual([3, 0, 496, 3]);
    expect(got[3]!.toString()).toBe('two');
    expect(bench.rproc.received('rpmsg-echo').map((m) => m.length)).toEqual([3, 0, 496, 3]);
    expect(ep.stats).toMatchObject({ sent: 4, received: 4, bytesSent: 502, bytesReceived: 502, dropped: 0 });
  });

  it('sends a 0-byte hello on open so the remote learns our address (unless hello: false)', async () => {
    bench = await startBench({ rproc: { services: ECHO_ONLY } });
    const ep = await bench.device.openChannel('rpmsg-echo');
    await turns();
    expect(bench.rproc.received('rpmsg-echo').map((m) => m.length)).toEqual([0]);
    expect(ep).toMatchObject({ name: 'rpmsg-echo', dst: 30, addr: 1024, isBound: true, destroyed: false });
    expect(ep.path).toBe(`${bench.board.root}/dev/rpmsg0`);
  });

  it('delivers what the remote sends by itself, and counts messages nobody listened to', async () => {
    bench = await startBench({ rproc: { services: ECHO_ONLY } });
    const seen: string[] = [];
    const ep = await bench.device.openChannel('rpmsg-echo', {
      hello: false,
      onMessage: (payload) => seen.push(Buffer.from(payload).toString()),
    });
    bench.rproc.send('rpmsg-echo', text('tick'));
    await turns();
    expect(seen).toEqual(['tick']);
    ep.destroy();
    const unheard = await bench.device.openChannel('rpmsg-echo', { hello: false });
    bench.rproc.send('rpmsg-echo', text('x'));
    await turns();
    expect(unheard.stats.dropped).toBe(1);
  });

  it('gives payloads as views valid during the call, as the simulator does', async () => {
    bench = await startBench({ rproc: { services: ECHO_ONLY } });
    const ep = await bench.device.openChannel('rpmsg-echo', { hello: false });
    const views: Uint8Array[] = [];
    ep.on('message', (payload) => views.push(payload));
    bench.rproc.send('rpmsg-echo', text('aaaa'));
    bench.rproc.send('rpmsg-echo', text('bb'));
    while (views.length < 2) await turns();
    // The second read went into the same buffer: a kept view shows it.
    expect(Buffer.from(views[0]!.buffer, views[0]!.byteOffset, 4).toString()).toBe('bbaa');
  });
});

describe('LinuxEndpoint sends without a TX buffer', () => {
  it('trySend throws ERR_RPMSG_NO_BUFFER; send waits, and both keep call order', async () => {
    bench = await startBench({ rproc: { services: ECHO_ONLY, txBuffers: 2 } });
    const ep = await bench.device.openChannel('rpmsg-echo', { hello: false });
    bench.rproc.stall();
    ep.trySend(text('1'));
    ep.trySend(text('2'));
    expect(() => ep.trySend(text('3'))).toThrow(expect.objectContaining({ code: 'ERR_RPMSG_NO_BUFFER' }));
    const third = ep.send(text('3'));
    const fourth = ep.send(text('4'));
    // A send waits: trySend must not overtake it even once a buffer is free.
    bench.rproc.resume();
    expect(() => ep.trySend(text('x'))).toThrow(expect.objectContaining({ code: 'ERR_RPMSG_NO_BUFFER' }));
    await Promise.all([third, fourth]);
    await turns();
    expect(bench.rproc.received('rpmsg-echo').map((m) => Buffer.from(m).toString())).toEqual([
      '1',
      '2',
      '3',
      '4',
    ]);
  });

  it('rejects a send that waited past its timeout with ERR_RPMSG_TIMEOUT', async () => {
    const clock = new FakeClock();
    bench = await startBench({ rproc: { services: ECHO_ONLY, txBuffers: 1 }, device: { clock } });
    const ep = await bench.device.openChannel('rpmsg-echo', { hello: false });
    bench.rproc.stall();
    ep.trySend(text('fills the pool'));
    const waiting = ep.send(text('late'), { timeout: 100 });
    clock.advance(100);
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_RPMSG_TIMEOUT', limit: 100 });
    const byDefault = ep.send(text('later'));
    clock.advance(15_000); // the device's sendTimeout, as Linux's rpmsg_send
    await expect(byDefault).rejects.toMatchObject({ code: 'ERR_RPMSG_TIMEOUT', limit: 15_000 });
  });

  it('rejects with an AbortError when the signal aborts, and at once for an aborted signal', async () => {
    bench = await startBench({ rproc: { services: ECHO_ONLY, txBuffers: 1 } });
    const ep = await bench.device.openChannel('rpmsg-echo', { hello: false });
    bench.rproc.stall();
    ep.trySend(text('x'));
    const controller = new AbortController();
    const waiting = ep.send(text('y'), { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await expect(ep.send(text('z'), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('bounds the waiting sends with maxQueuedSends (ERR_RPMSG_QUEUE_FULL)', async () => {
    bench = await startBench({ rproc: { services: ECHO_ONLY, txBuffers: 1 } });
    const ep = await bench.device.openChannel('rpmsg-echo', { hello: false, maxQueuedSends: 1 });
    bench.rproc.stall();
    ep.trySend(text('x'));
    const waiting = ep.send(text('y'));
    await expect(ep.send(text('z'))).rejects.toMatchObject({ code: 'ERR_RPMSG_QUEUE_FULL', limit: 1 });
    ep.destroy();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_RPMSG_ENDPOINT_DESTROYED' });
  });
});

describe('LinuxEndpoint refusals', () => {
  it('refuses a payload over the MTU, and a longer one the kernel refuses (EMSGSIZE)', async () => {
    bench = await startBench({ rproc: { services: ECHO_ONLY }, device: { mtu: 1000 } });
    const ep = await bench.device.openChannel('rpmsg-echo', { hello: false });
    await expect(ep.send(new Uint8Array(1001))).rejects.toMatchObject({
      code: 'ERR_RPMSG_MSG_TOO_BIG',
      limit: 1000,
    });
    // The model's kernel takes 496 bytes (virtio_rpmsg_bus): the write itself says EMSGSIZE.
    await expect(ep.send(new Uint8Array(600))).rejects.toMatchObject({ code: 'ERR_RPMSG_MSG_TOO_BIG' });
    expect(ep.destroyed).toBe(false);
  });

  it('refuses what is not a Uint8Array, and bad options', async () => {
    bench = await startBench({ rproc: { services: ECHO_ONLY } });
    const ep = await bench.device.openChannel('rpmsg-echo', { hello: false });
    await expect(ep.send('text' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(() => ep.trySend([1] as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    await expect(ep.send(text('x'), { timeout: -5 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(ep.send(text('x'), { signal: {} as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });

  it('fails every call after destroy() with ERR_RPMSG_ENDPOINT_DESTROYED', async () => {
    bench = await startBench({ rproc: { services: ECHO_ONLY } });
    const ep = await bench.device.openChannel('rpmsg-echo', { hello: false });
    const closed = once(ep, 'close');
    ep.destroy();
    ep.destroy();
    await closed;
    expect(ep.destroyed).toBe(true);
    expect(bench.device.endpoints()).toEqual([]);
    await expect(ep.send(text('x'))).rejects.toMatchObject({ code: 'ERR_RPMSG_ENDPOINT_DESTROYED' });
    expect(() => ep.trySend(text('x'))).toThrow(
      expect.objectContaining({ code: 'ERR_RPMSG_ENDPOINT_DESTROYED' }),
    );
  });
});

describe('LinuxEndpoint when the channel goes away', () => {
  async function openEcho(): Promise<LinuxEndpoint> {
    bench = await startBench({ rproc: { services: ECHO_ONLY } });
    return bench.device.openChannel('rpmsg-echo', { hello: false });
  }

  it('ends with ERR_RPMSG_CHANNEL_GONE when the remote destroys the channel (the kernel says EPIPE)', async () => {
    const ep = await openEcho();
    const unbound = once(ep, 'unbound') as Promise<[Error]>;
    bench!.rproc.destroyChannel('rpmsg-echo');
    const [reason] = await unbound;
    expect(reason).toMatchObject({ code: 'ERR_RPMSG_CHANNEL_GONE' });
    expect(ep.destroyed).toBe(true);
    await expect(ep.send(text('x'))).rejects.toMatchObject({ code: 'ERR_RPMSG_ENDPOINT_DESTROYED' });
  });

  it('ends with ERR_RPMSG_PEER_GONE when the remote processor stops, waiting sends too', async () => {
    bench = await startBench({ rproc: { services: ECHO_ONLY, txBuffers: 1 } });
    const ep = await bench.device.openChannel('rpmsg-echo', { hello: false });
    bench.rproc.stall();
    ep.trySend(text('x'));
    const waiting = ep.send(text('y'));
    await bench.board.fileOps.writeAttribute(`${bench.rproc.dir}/state`, 'stop');
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_RPMSG_PEER_GONE' });
    expect(ep.destroyed).toBe(true);
  });

  it('ends with ERR_RPMSG_CLOSED when the device closes, without unbound', async () => {
    const ep = await openEcho();
    let unbound = false;
    ep.on('unbound', () => {
      unbound = true;
    });
    await bench!.device.close();
    expect(ep.destroyed).toBe(true);
    expect(unbound).toBe(false);
    await expect(ep.send(text('x'))).rejects.toMatchObject({ code: 'ERR_RPMSG_ENDPOINT_DESTROYED' });
  });
});

describe('LinuxEndpoint open errors', () => {
  it('says ERR_RPMSG_LINUX_BUSY when another process has the /dev/rpmsgN open', async () => {
    bench = await startBench({ rproc: { services: ECHO_ONLY } });
    await bench.device.openChannel('rpmsg-echo', { hello: false });
    const error = await failure(bench.device.openChannel('rpmsg-echo'));
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_BUSY', errno: 'EBUSY' });
    expect(error.message).toMatch(/rpmsg_char lets one open it at a time/);
  });

  it('says ERR_RPMSG_LINUX_PERMISSION with the udev rule when /dev/rpmsgN is not ours', async () => {
    bench = await startBench({ rproc: { services: [{ name: 'rpmsg-raw', addr: 40 }] } });
    bench.board.deny('dev/rpmsg0');
    const error = await failure(bench.device.openChannel('rpmsg-raw'));
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_PERMISSION', errno: 'EACCES' });
    expect(error.message).toContain('KERNEL=="rpmsg[0-9]*"');
  });

  it('refuses options.addr: the kernel chooses local addresses', async () => {
    bench = await startBench({ rproc: { services: ECHO_ONLY } });
    await expect(bench.device.openChannel('rpmsg-echo', { addr: 1024 } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    });
    await expect(bench.device.openChannel(42 as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });

  it('rejects with ERR_RPMSG_CHANNEL_GONE for a channel that was removed', async () => {
    bench = await startBench({ rproc: { services: ECHO_ONLY } });
    const channel = bench.device.getChannel('rpmsg-echo')!;
    bench.rproc.destroyChannel('rpmsg-echo');
    await expect(bench.device.openChannel(channel)).rejects.toMatchObject({ code: 'ERR_RPMSG_CHANNEL_GONE' });
  });

  it('waits for a channel not announced yet, bounded by timeout', async () => {
    bench = await startBench({ rproc: { services: ECHO_ONLY } });
    const opening = bench.device.openChannel('later', { timeout: 5000 });
    bench.rproc.announce({ name: 'later', addr: 50 });
    const ep = await opening;
    expect(ep.dst).toBe(50);
    await expect(bench.device.openChannel('never', { timeout: 20 })).rejects.toMatchObject({
      code: 'ERR_RPMSG_TIMEOUT',
    });
  });
});

describe('LinuxEndpoint first reads', () => {
  it('keeps what the kernel queued before the open for the listener attached after await', async () => {
    bench = await startBench({ rproc: { services: [{ name: 'rpmsg-raw', addr: 40 }] } });
    // rpmsg-raw's default endpoint queues messages before anyone opens the node.
    bench.rproc.send('rpmsg-raw', text('early'));
    const ep = await bench.device.openChannel('rpmsg-raw', { hello: false });
    expect((await nextMessage(ep)).toString()).toBe('early');
  });
});
