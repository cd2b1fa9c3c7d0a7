import { describe, expect, it } from 'vitest';
import { RpmsgDevice } from './device.js';
import type { RpmsgDeviceOptions } from './device-options.js';
import { createMockTransportPair, FakeClock } from './testing/index.js';

/** A master endpoint at 1024 talking to a remote one at 30, over `buffers` buffers per direction. */
async function setup(buffers: number, options: RpmsgDeviceOptions = {}, autoDeliver = true) {
  const pair = createMockTransportPair({ buffers, autoDeliver, record: false });
  const clock = new FakeClock();
  const master = new RpmsgDevice(pair.master, { clock, ...options });
  const remote = new RpmsgDevice(pair.remote, { clock });
  await Promise.all([master.start(), remote.start()]);
  const sink = remote.createEndpoint({ addr: 30 });
  const ep = master.createEndpoint({ addr: 1024, dst: 30 });
  return { pair, clock, master, remote, sink, ep };
}

const seq = (n: number) => Uint8Array.of(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff);
/** What `p` came to once the event loop turned: 'sent', its error's code, or 'pending'. */
async function code(p: Promise<unknown>): Promise<string> {
  let result = 'pending';
  p.then(
    () => {
      result = 'sent';
    },
    (e: { code: string }) => {
      result = e.code;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return result;
}

describe('RpmsgDevice queued sends', () => {
  it('delivers 25 000 unawaited sends, all in call order, through 8 buffers', async () => {
    const { pair, sink, ep } = await setup(8);
    const got: number[] = [];
    sink.on('message', (p: Uint8Array) => got.push(p[0]! | (p[1]! << 8) | (p[2]! << 16)));
    const n = 25_000;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < n; i++) sends.push(ep.send(seq(i)));
    await Promise.all(sends);
    await pair.settle();
    expect(got.length).toBe(n);
    expect(got.every((v, i) => v === i)).toBe(true);
  });

  it('rejects a send beyond the device’s maxQueuedSends with ERR_RPMSG_QUEUE_FULL, and queues again once it drains', async () => {
    const { pair, ep, master, sink } = await setup(2, { maxQueuedSends: 2 }, false);
    const got: number[] = [];
    sink.on('message', (p: Uint8Array) => got.push(p[0]!));
    ep.trySend(seq(0));
    ep.trySend(seq(1)); // both buffers taken
    const queued = [ep.send(seq(2)), ep.send(seq(3))];
    const other = master.createEndpoint({ dst: 30 });
    const full = [ep.send(seq(4)), other.send(seq(5)), other.getTxBuffer()];
    expect(await Promise.all(full.map(code))).toEqual([
      'ERR_RPMSG_QUEUE_FULL',
      'ERR_RPMSG_QUEUE_FULL',
      'ERR_RPMSG_QUEUE_FULL',
    ]);
    const sixth = ep.send(seq(6));
    expect(await code(sixth)).toBe('ERR_RPMSG_QUEUE_FULL');
    await expect(sixth).rejects.toMatchObject({ limit: 2 });
    await pair.settle();
    expect(await Promise.all(queued.map(code))).toEqual(['sent', 'sent']);
    await expect(ep.send(seq(7))).resolves.toBeUndefined();
    await pair.settle();
    expect(got).toEqual([0, 1, 2, 3, 7]);
  });

  it('bounds one endpoint’s waiting sends by its own maxQueuedSends, leaving room for the others', async () => {
    const { ep, master } = await setup(1, {}, false);
    const chatty = master.createEndpoint({ dst: 30, maxQueuedSends: 1 });
    ep.trySend(seq(0)); // the one buffer is taken
    const first = chatty.send(seq(1));
    const second = chatty.send(seq(2));
    expect(await code(second)).toBe('ERR_RPMSG_QUEUE_FULL');
    await expect(second).rejects.toMatchObject({ limit: 1, addr: chatty.addr });
    const others = [ep.send(seq(3)), ep.send(seq(4))]; // the device itself is unbounded
    chatty.destroy();
    await expect(first).rejects.toMatchObject({ code: 'ERR_RPMSG_ENDPOINT_DESTROYED' });
    await master.close();
    expect(await Promise.all(others.map(code))).toEqual(['ERR_RPMSG_CLOSED', 'ERR_RPMSG_CLOSED']);
  });

  it('with maxQueuedSends 0 never waits: a send finding no buffer is refused at once', async () => {
    const { ep } = await setup(1, { maxQueuedSends: 0 }, false);
    expect(await code(ep.send(seq(0)))).toBe('sent'); // a free buffer
    const refused = ep.send(seq(1));
    expect(await code(refused)).toBe('ERR_RPMSG_QUEUE_FULL');
    await expect(refused).rejects.toMatchObject({ limit: 0 });
  });

  it('checks maxQueuedSends: an integer ≥ 0 or Infinity', async () => {
    const { pair } = await setup(1);
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => new RpmsgDevice(pair.master, { maxQueuedSends: bad })).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', argument: 'options.maxQueuedSends' }),
      );
    }
    expect(() => new RpmsgDevice(pair.master, { maxQueuedSends: '3' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', argument: 'options.maxQueuedSends' }),
    );
  });
});
