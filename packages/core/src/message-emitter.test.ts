import { on, once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { RpmsgDevice } from './device.js';
import { MessageEmitter } from './message-emitter.js';
import { createMockTransportPair } from './testing/index.js';

const noop = () => {};

describe('MessageEmitter.hasMessageListeners', () => {
  it('follows on / addListener / prependListener and off / removeListener', () => {
    const e = new MessageEmitter();
    expect(e.hasMessageListeners).toBe(false);
    for (const add of ['on', 'addListener', 'prependListener'] as const) {
      e[add]('message', noop);
      expect(e.hasMessageListeners).toBe(true);
      e.off('message', noop);
      expect(e.hasMessageListeners).toBe(false);
    }
    e.on('message', noop).on('message', noop);
    e.removeListener('message', noop);
    expect(e.hasMessageListeners).toBe(true); // one of the two is left
    e.removeListener('message', noop);
    expect(e.hasMessageListeners).toBe(false);
  });

  it('ignores other events', () => {
    const e = new MessageEmitter();
    e.on('close', noop);
    expect(e.hasMessageListeners).toBe(false);
    e.on('message', noop);
    e.removeAllListeners('close');
    expect(e.hasMessageListeners).toBe(true);
  });

  it('turns false when a once listener has fired, and with removeAllListeners (all or message)', () => {
    const e = new MessageEmitter();
    e.once('message', noop);
    e.prependOnceListener('message', noop);
    expect(e.hasMessageListeners).toBe(true);
    e.emit('message');
    expect(e.hasMessageListeners).toBe(false);
    e.on('message', noop);
    e.removeAllListeners('message');
    expect(e.hasMessageListeners).toBe(false);
    e.on('message', noop);
    e.on('removeListener', noop); // removeAllListeners() then goes listener by listener
    e.removeAllListeners();
    expect(e.hasMessageListeners).toBe(false);
    e.on('message', noop); // still tracked after everything was removed
    expect(e.hasMessageListeners).toBe(true);
  });

  it('follows the events.on() iterator and events.once() helpers', async () => {
    const e = new MessageEmitter();
    const iterator = on(e, 'message');
    expect(e.hasMessageListeners).toBe(true);
    await iterator.return?.();
    expect(e.hasMessageListeners).toBe(false);
    const next = once(e, 'message');
    expect(e.hasMessageListeners).toBe(true);
    e.emit('message', 1);
    await expect(next).resolves.toEqual([1]);
    expect(e.hasMessageListeners).toBe(false);
  });
});

describe('delivery to an endpoint whose listeners change', () => {
  it('delivers to listeners added after removeAllListeners() and drops once none is left', async () => {
    const pair = createMockTransportPair();
    const master = new RpmsgDevice(pair.master);
    const remote = new RpmsgDevice(pair.remote);
    await Promise.all([master.start(), remote.start()]);
    const service = remote.createEndpoint({ addr: 30 });
    const client = master.createEndpoint({ addr: 1030, dst: 30 });

    const seen: number[] = [];
    service.once('message', (payload: Uint8Array) => seen.push(payload[0]!));
    client.trySend(Uint8Array.of(1));
    client.trySend(Uint8Array.of(2)); // the once listener is gone: dropped
    await pair.settle();
    expect(seen).toEqual([1]);
    expect(service.stats.dropped).toBe(1);

    service.removeAllListeners();
    service.on('message', (payload: Uint8Array) => seen.push(payload[0]!));
    client.trySend(Uint8Array.of(3));
    await pair.settle();
    expect(seen).toEqual([1, 3]);
    expect(service.stats).toMatchObject({ received: 2, dropped: 1 });
    await Promise.all([master.close(), remote.close()]);
  });
});
