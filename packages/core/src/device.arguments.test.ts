import { describe, expect, it } from 'vitest';
import { RpmsgDevice } from './device.js';
import { createMockTransportPair, FakeClock, type MockTransportPairOptions } from './testing/index.js';

async function setup(options: MockTransportPairOptions = {}) {
  const pair = createMockTransportPair(options);
  const clock = new FakeClock();
  const master = new RpmsgDevice(pair.master, { clock });
  const remote = new RpmsgDevice(pair.remote, { clock });
  await Promise.all([master.start(), remote.start()]);
  return { pair, clock, master, remote };
}

/** How `p` has settled once the event loop turned (no clock runs): its error's code, or 'pending'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  let result = 'pending';
  p.then(
    () => {
      result = 'resolved';
    },
    (e: { code?: string; argument?: string }) => {
      result = `${e.code} ${e.argument ?? ''}`.trim();
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return result;
}

const TYPE = 'ERR_INVALID_ARG_TYPE';
const VALUE = 'ERR_INVALID_ARG_VALUE';
const RANGE = 'ERR_OUT_OF_RANGE';
const err = (code: string, argument: string) => expect.objectContaining({ code, argument });

describe('RpmsgDevice argument checks', () => {
  it('openChannel and waitForChannel reject names no channel can have at once, instead of waiting for ever', async () => {
    const { master } = await setup();
    const bad: Array<[unknown, string]> = [
      ['x'.repeat(32), `${VALUE} name`],
      ['ü'.repeat(16), `${VALUE} name`], // 32 UTF-8 bytes
      ['a\0b', `${VALUE} name`],
      ['', `${VALUE} name`],
      [null, `${TYPE} name`],
      [42, `${TYPE} name`],
    ];
    for (const [name, expected] of bad) {
      expect(await outcome(master.openChannel(name as string))).toBe(expected);
      expect(await outcome(master.waitForChannel(name as string))).toBe(expected);
    }
    expect(await outcome(master.openChannel('x'.repeat(31)))).toBe('pending'); // valid: it waits
  });

  it('openChannel and waitForChannel check their options before waiting', async () => {
    const { master } = await setup();
    expect(await outcome(master.openChannel('svc', { timeout: -1 }))).toBe(`${RANGE} options.timeout`);
    expect(await outcome(master.openChannel('svc', null as never))).toBe(`${TYPE} options`);
    expect(await outcome(master.openChannel('svc', { hello: 'yes' as never }))).toBe(`${TYPE} options.hello`);
    expect(await outcome(master.openChannel('svc', { addr: -1 }))).toBe(`${RANGE} options.addr`);
    expect(await outcome(master.openChannel('svc', { onMessage: 1 as never }))).toBe(
      `${TYPE} options.onMessage`,
    );
    expect(await outcome(master.waitForChannel('svc', { timeout: 'x' as never }))).toBe(
      `${TYPE} options.timeout`,
    );
    expect(await outcome(master.waitForChannel('svc', { signal: {} as never }))).toBe(
      `${TYPE} options.signal`,
    );
  });

  it('send checks data, dst and its options whether or not a buffer is free', async () => {
    const { master, pair } = await setup({ buffers: 1, autoDeliver: false });
    const ep = master.createEndpoint({ dst: 30 });
    for (const full of [false, true]) {
      if (full) ep.trySend(Uint8Array.of(0)); // from now on every send would wait
      const data = Uint8Array.of(1);
      expect(await outcome(ep.send(data, { timeout: -1 }))).toBe(`${RANGE} options.timeout`);
      expect(await outcome(ep.send(data, { timeout: Number.NaN }))).toBe(`${RANGE} options.timeout`);
      expect(await outcome(ep.send(data, { timeout: 'x' as never }))).toBe(`${TYPE} options.timeout`);
      expect(await outcome(ep.send(data, 'fast' as never))).toBe(`${TYPE} options`);
      expect(await outcome(ep.send(data, { signal: 'stop' as never }))).toBe(`${TYPE} options.signal`);
      expect(await outcome(ep.send('hi' as never))).toBe(`${TYPE} data`);
      expect(await outcome(ep.sendTo(-1, data))).toBe(`${RANGE} dst`);
      expect(await outcome(ep.sendTo('30' as never, data))).toBe(`${TYPE} dst`);
      expect(await outcome(ep.getTxBuffer({ timeout: -1 }))).toBe(`${RANGE} options.timeout`);
      expect(await outcome(ep.waitForBound({ timeout: Number.NaN }))).toBe(`${RANGE} options.timeout`);
    }
    expect(pair.master.sent).toHaveLength(1); // none of them sent anything
    const forever = ep.send(Uint8Array.of(2), { timeout: Number.POSITIVE_INFINITY });
    expect(await outcome(forever)).toBe('pending'); // Infinity still means "wait for ever"
  });

  it('createEndpoint, dst, poll and the zero-copy send name the bad argument', async () => {
    const { master } = await setup();
    expect(() => master.createEndpoint('x' as never)).toThrow(err(TYPE, 'options'));
    expect(() => master.createEndpoint({ addr: 'x' as never })).toThrow(err(TYPE, 'options.addr'));
    expect(() => master.createEndpoint({ addr: 1.5 })).toThrow(err(RANGE, 'options.addr'));
    expect(() => master.createEndpoint({ dst: 2 ** 32 })).toThrow(err(RANGE, 'options.dst'));
    expect(() => master.createEndpoint({ onMessage: 'f' as never })).toThrow(err(TYPE, 'options.onMessage'));
    expect(() => master.createEndpoint({ hello: 1 as never })).toThrow(err(TYPE, 'options.hello'));
    expect(() => master.createEndpoint({ name: 'a', announce: 'no' as never })).toThrow(
      err(TYPE, 'options.announce'),
    );
    expect(() => master.createEndpoint({ name: 7 as never })).toThrow(err(TYPE, 'options.name'));
    const ep = master.createEndpoint();
    expect(() => {
      ep.dst = -1;
    }).toThrow(err(RANGE, 'dst'));
    expect(() => master.poll(0)).toThrow(err(RANGE, 'budget'));
    expect(() => master.poll(1.5)).toThrow(err(RANGE, 'budget'));
    expect(() => master.poll('8' as never)).toThrow(err(TYPE, 'budget'));
    ep.dst = 30;
    const tx = ep.tryGetTxBuffer();
    expect(() => tx?.send('3' as never)).toThrow(err(TYPE, 'length'));
    expect(() => tx?.send(1, -5)).toThrow(err(RANGE, 'dst'));
    tx?.release();
  });

  it('the constructor checks the transport and every option', () => {
    const { master: transport } = createMockTransportPair();
    expect(() => new RpmsgDevice(null as never)).toThrow(err(TYPE, 'transport'));
    expect(() => new RpmsgDevice({ ...transport, bufferSize: 8 } as never)).toThrow(
      err(RANGE, 'transport.bufferSize'),
    );
    expect(() => new RpmsgDevice(transport, null as never)).toThrow(err(TYPE, 'options'));
    expect(() => new RpmsgDevice(transport, { sendTimeout: -1 })).toThrow(err(RANGE, 'options.sendTimeout'));
    expect(() => new RpmsgDevice(transport, { sendTimeout: 'x' as never })).toThrow(
      err(TYPE, 'options.sendTimeout'),
    );
    expect(() => new RpmsgDevice(transport, { clock: {} as never })).toThrow(err(TYPE, 'options.clock'));
    expect(() => new RpmsgDevice(transport, { nameService: 'no' as never })).toThrow(
      err(TYPE, 'options.nameService'),
    );
    // Nothing was attached by the refused calls: the transport still takes its device.
    const device = new RpmsgDevice(transport, { sendTimeout: Number.POSITIVE_INFINITY });
    return expect(device.start('now' as never)).rejects.toMatchObject({ code: TYPE, argument: 'signal' });
  });
});
