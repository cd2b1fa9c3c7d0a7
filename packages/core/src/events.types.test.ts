import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Channel } from './channel.js';
import { RpmsgDevice } from './device.js';
import type { Endpoint } from './endpoint.js';
import type { RpmsgError } from './errors.js';
import type { RxMessage } from './rx-message.js';
import { createMockTransportPair } from './testing/index.js';

// The compile-time half of this file is checked by `pnpm typecheck` (tsconfig.json includes the
// tests): every `@ts-expect-error` line must be an error — a misspelt event or a listener of the
// wrong type — or the directive itself fails. The runtime half checks that the typed listeners get
// what the types promise.

const noop = () => {};

describe('typed events', () => {
  it('types Endpoint events: message, bound, unbound, close', async () => {
    const pair = createMockTransportPair();
    const master = new RpmsgDevice(pair.master);
    const remote = new RpmsgDevice(pair.remote);
    await Promise.all([master.start(), remote.start()]);
    const service = remote.createEndpoint({ addr: 30 });
    const seen: string[] = [];
    service.on('message', (payload, src, msg) => {
      expectTypeOf(payload).toEqualTypeOf<Uint8Array>();
      expectTypeOf(src).toEqualTypeOf<number>();
      expectTypeOf(msg).toEqualTypeOf<RxMessage>();
      seen.push(`message ${payload.length} from ${src} to ${msg.dst}`);
    });
    service.once('bound', (dst) => {
      expectTypeOf(dst).toEqualTypeOf<number>();
      seen.push(`bound ${dst}`);
    });
    service.on('unbound', (reason) => {
      expectTypeOf(reason).toEqualTypeOf<RpmsgError>();
      seen.push(`unbound ${reason.code}`);
    });
    service.on('close', () => seen.push('close'));

    // @ts-expect-error a misspelt event name
    service.on('mesage', noop);
    // @ts-expect-error a payload is a Uint8Array, not a string
    service.on('message', (_payload: string) => {});
    // @ts-expect-error `bound` gives a number
    service.once('bound', (_dst: string) => {});
    // @ts-expect-error `close` has no arguments
    service.off('close', (_why: Error) => {});
    // @ts-expect-error emitting with the wrong arguments (never called: it would reach the listeners)
    const wrongEmit = () => service.emit('bound', 'x');
    expect(typeof wrongEmit).toBe('function');

    const client = master.createEndpoint({ dst: 30, hello: true });
    await pair.settle();
    service.destroy();
    expect(seen).toEqual([`bound ${client.addr}`, `message 0 from ${client.addr} to 30`, 'close']);
    await Promise.all([master.close(), remote.close()]);
  });

  it('types RpmsgDevice and Channel events', async () => {
    const pair = createMockTransportPair();
    const master = new RpmsgDevice(pair.master);
    const remote = new RpmsgDevice(pair.remote);
    const seen: string[] = [];
    master.on('up', () => seen.push('up'));
    master.on('down', (reason) => {
      expectTypeOf(reason).toEqualTypeOf<RpmsgError>();
      seen.push(`down ${reason.code}`);
    });
    master.on('channel', (channel) => {
      expectTypeOf(channel).toEqualTypeOf<Channel>();
      seen.push(`channel ${channel.name}`);
      channel.once('removed', () => seen.push(`removed ${channel.name}`));
    });
    master.on('channel-removed', (channel) => seen.push(`channel-removed ${channel.name}`));
    master.on('endpoint', (ep) => {
      expectTypeOf(ep).toEqualTypeOf<Endpoint>();
      seen.push(`endpoint ${ep.addr}`);
    });
    master.on('protocol-error', (error) => {
      expectTypeOf(error.code).toEqualTypeOf<string>();
      seen.push(`protocol-error ${error.code}`);
    });

    // @ts-expect-error a misspelt event name
    master.on('chanel', noop);
    // @ts-expect-error a channel is a Channel, not a string
    master.on('channel', (_name: string) => {});
    // @ts-expect-error `down` gives an RpmsgError
    master.prependListener('down', (_reason: number) => {});
    // @ts-expect-error `removed` has no arguments
    remote.getChannel('x')?.on('removed', (_why: string) => {});

    await Promise.all([master.start(), remote.start()]);
    remote.createEndpoint({ name: 'svc', addr: 30 });
    await pair.settle();
    master.createEndpoint({ addr: 2000 });
    pair.master.injectMessage({ src: 30, dst: 4242 });
    await pair.settle();
    pair.disconnect('ERR_RPMSG_PEER_GONE');
    expect(seen).toEqual([
      'up',
      'channel svc',
      'endpoint 2000',
      'protocol-error ERR_RPMSG_UNKNOWN_DST',
      'removed svc',
      'channel-removed svc',
      'down ERR_RPMSG_PEER_GONE',
    ]);
    await Promise.all([master.close(), remote.close()]);
  });
});
