import { describe, expect, it } from 'vitest';
import { RpmsgDevice } from './device.js';
import { RpmsgError } from './errors.js';
import { createMockTransportPair, FakeClock, type MockTransportPairOptions } from './testing/index.js';
import type { TransportSink } from './transport.js';

/** A master endpoint bound to a remote one at 30, with `buffers` buffers each way (manual delivery). */
async function setup(options: MockTransportPairOptions = {}) {
  const pair = createMockTransportPair({ autoDeliver: false, ...options });
  // The master's sink, to report link-down reasons the mock does not make (a transport error as cause).
  let sink: TransportSink | undefined;
  const attach = pair.master.attach.bind(pair.master);
  pair.master.attach = (s) => {
    sink = s;
    attach(s);
  };
  const clock = new FakeClock();
  const master = new RpmsgDevice(pair.master, { clock });
  const remote = new RpmsgDevice(pair.remote, { clock });
  await Promise.all([master.start(), remote.start()]);
  remote.createEndpoint({ addr: 30 });
  const ep = master.createEndpoint({ dst: 30 });
  return { pair, clock, master, remote, ep, sink: sink! };
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code: string }) => e.code,
  );
const thrown = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe('RpmsgDevice error codes', () => {
  describe('after device.close()', () => {
    it('rejects every pending operation with ERR_RPMSG_CLOSED', async () => {
      const { master, ep } = await setup({ buffers: 1 });
      ep.trySend(Uint8Array.of(1)); // the one buffer: everything below waits
      const unbound = master.createEndpoint();
      const pending = [
        ep.send(Uint8Array.of(2)),
        ep.getTxBuffer(),
        unbound.waitForBound(),
        master.waitForChannel('later'),
        master.openChannel('later'),
      ];
      await master.close();
      expect(await Promise.all(pending.map(code))).toEqual(Array(5).fill('ERR_RPMSG_CLOSED'));
    });

    it('fails every later operation with ERR_RPMSG_CLOSED, not ERR_RPMSG_ENDPOINT_DESTROYED', async () => {
      const { master, ep } = await setup();
      const lent = ep.tryGetTxBuffer();
      await master.close();
      expect(ep.destroyed).toBe(true);
      expect(
        await Promise.all(
          [
            ep.send(Uint8Array.of(1)),
            ep.sendTo(30, Uint8Array.of(1)),
            ep.getTxBuffer(),
            ep.waitForBound(),
            master.openChannel('any'),
            master.waitForChannel('any'),
            master.start(),
          ].map(code),
        ),
      ).toEqual(Array(7).fill('ERR_RPMSG_CLOSED'));
      expect(thrown(() => ep.trySend(Uint8Array.of(1)))).toBe('ERR_RPMSG_CLOSED');
      expect(thrown(() => ep.tryGetTxBuffer())).toBe('ERR_RPMSG_CLOSED');
      expect(thrown(() => lent?.send(1))).toBe('ERR_RPMSG_CLOSED');
      expect(thrown(() => master.createEndpoint())).toBe('ERR_RPMSG_CLOSED');
    });

    it('rejects an openChannel whose hello is waiting for a buffer with ERR_RPMSG_CLOSED', async () => {
      const { master, remote, pair, ep } = await setup({ buffers: 1 });
      remote.createEndpoint({ name: 'svc', addr: 40 });
      await pair.settle();
      ep.trySend(Uint8Array.of(1)); // the hello has to wait
      const opening = master.openChannel('svc');
      await master.close();
      expect(await code(opening)).toBe('ERR_RPMSG_CLOSED');
    });
  });

  it('an endpoint the user destroyed fails with ERR_RPMSG_ENDPOINT_DESTROYED while the device is open', async () => {
    const { ep } = await setup();
    ep.destroy();
    expect(
      await Promise.all([ep.send(Uint8Array.of(1)), ep.getTxBuffer(), ep.waitForBound()].map(code)),
    ).toEqual(Array(3).fill('ERR_RPMSG_ENDPOINT_DESTROYED'));
    expect(thrown(() => ep.trySend(Uint8Array.of(1)))).toBe('ERR_RPMSG_ENDPOINT_DESTROYED');
  });

  describe('while the link is down', () => {
    it('sends reject with ERR_RPMSG_PEER_GONE after the peer went away, pending and later alike', async () => {
      const { pair, ep } = await setup({ buffers: 1 });
      ep.trySend(Uint8Array.of(1));
      const pending = ep.send(Uint8Array.of(2));
      pair.disconnect('ERR_RPMSG_PEER_GONE');
      const later = [ep.send(Uint8Array.of(3)), ep.getTxBuffer()];
      expect(await Promise.all([pending, ...later].map(code))).toEqual(Array(3).fill('ERR_RPMSG_PEER_GONE'));
      expect(thrown(() => ep.trySend(Uint8Array.of(4)))).toBe('ERR_RPMSG_PEER_GONE');
      await expect(ep.send(Uint8Array.of(5))).rejects.toMatchObject({
        cause: { code: 'ERR_RPMSG_PEER_GONE', message: 'link down (ERR_RPMSG_PEER_GONE)' },
      });
    });

    it('keeps the transport’s own error as the cause', async () => {
      const { sink, ep, master } = await setup();
      const transportError = Object.assign(new Error('no answer for 3 keep-alives'), {
        code: 'ERR_SERIAL_TIMEOUT',
      });
      const downs: string[] = [];
      master.on('down', (reason) => downs.push(reason.code));
      sink.onLinkDown(new RpmsgError('ERR_RPMSG_PEER_GONE', 'serial link down', { cause: transportError }));
      await expect(ep.send(Uint8Array.of(1))).rejects.toMatchObject({
        code: 'ERR_RPMSG_PEER_GONE',
        cause: transportError,
      });
      expect(downs).toEqual(['ERR_RPMSG_PEER_GONE']);
    });

    it('sends reject with ERR_RPMSG_LINK_DOWN for any other reason (a corrupt ring, a bare transport error)', async () => {
      const ring = await setup();
      ring.pair.disconnect('ERR_RPMSG_RING');
      await expect(ring.ep.send(Uint8Array.of(1))).rejects.toMatchObject({
        code: 'ERR_RPMSG_LINK_DOWN',
        cause: { code: 'ERR_RPMSG_RING' },
      });
      const bare = await setup();
      const portGone = Object.assign(new Error('port vanished'), { code: 'ERR_SERIAL_PORT_GONE' });
      const downs: RpmsgError[] = [];
      bare.master.on('down', (reason) => downs.push(reason));
      bare.sink.onLinkDown(portGone);
      await expect(bare.ep.send(Uint8Array.of(1))).rejects.toMatchObject({
        code: 'ERR_RPMSG_LINK_DOWN',
        cause: portGone,
      });
      expect(downs[0]).toMatchObject({ code: 'ERR_RPMSG_LINK_DOWN', cause: portGone });
    });

    it('sends reject with ERR_RPMSG_CLOSED when the transport was closed here, and ERR_RPMSG_LINK_DOWN before the first up', async () => {
      const { pair, ep } = await setup();
      await pair.master.close(); // the user closed the transport under the device
      await expect(ep.send(Uint8Array.of(1))).rejects.toMatchObject({ code: 'ERR_RPMSG_CLOSED' });
      const early = new RpmsgDevice(createMockTransportPair().master);
      const unstarted = early.createEndpoint({ dst: 30 });
      await expect(unstarted.send(Uint8Array.of(1))).rejects.toMatchObject({ code: 'ERR_RPMSG_LINK_DOWN' });
    });
  });
});
