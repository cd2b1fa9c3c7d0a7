import { describe, expect, it } from 'vitest';
import { RpmsgDevice } from './device.js';
import { createMockTransportPair, FakeClock, type MockTransportPairOptions } from './testing/index.js';

async function setup(options: MockTransportPairOptions = {}) {
  const pair = createMockTransportPair(options);
  const clock = new FakeClock();
  const master = new RpmsgDevice(pair.master, { clock });
  const remote = new RpmsgDevice(pair.remote, { clock });
  await Promise.all([master.start(), remote.start()]);
  // An echo service on the remote, as the firmware's rpmsg-echo.
  const echo = remote.createEndpoint({ name: 'echo', addr: 30 });
  echo.on('message', (payload: Uint8Array, src: number) => {
    if (payload.length > 0) echo.trySendTo(src, payload);
  });
  await pair.settle(); // the announce
  return { pair, master, remote, echo };
}

describe('RpmsgDevice dynamic addresses', () => {
  it('does not give a destroyed endpoint’s address to the next createEndpoint or openChannel', async () => {
    const { master } = await setup({ autoDeliver: false });
    const first = await master.openChannel('echo');
    expect(first.addr).toBe(1024);
    first.destroy();
    const second = await master.openChannel('echo');
    const third = master.createEndpoint();
    second.destroy();
    const fourth = master.createEndpoint();
    expect([second.addr, third.addr, fourth.addr]).toEqual([1025, 1026, 1027]);
  });

  it('keeps counting up over 10 000 create/destroy rounds instead of restarting at 1024', async () => {
    const { master } = await setup();
    const seen = new Set<number>();
    let last = 0;
    for (let round = 0; round < 10_000; round++) {
      const ep = master.createEndpoint();
      expect(ep.addr).toBeGreaterThan(last);
      last = ep.addr;
      seen.add(ep.addr);
      ep.destroy();
    }
    expect(seen.size).toBe(10_000);
    expect(last).toBe(1024 + 9_999);
  });

  it('drops and counts an echo still in flight to a destroyed endpoint instead of giving it to the next channel', async () => {
    const { pair, master } = await setup({ autoDeliver: false });
    const codes: string[] = [];
    master.on('protocol-error', (e) => codes.push(e.code));
    const old = await master.openChannel('echo');
    await pair.settle(); // the hello
    old.trySend(Uint8Array.of(1, 2, 3));
    master.flush();
    pair.remote.poll(); // the echo is sent back and published: in flight to old.addr
    old.destroy(); // the tty closed on the first echo
    const next = await master.openChannel('echo'); // another channel opened at once
    const got: number[][] = [];
    next.on('message', (payload: Uint8Array) => got.push([...payload]));
    await pair.settle();
    expect(next.addr).not.toBe(old.addr);
    expect(got).toEqual([]);
    expect(master.stats.dropped).toBe(1);
    expect(codes).toEqual(['ERR_RPMSG_UNKNOWN_DST']);
    expect(pair.remote.stats.txFree).toBe(pair.remote.stats.txTotal); // its buffer went back
  });
});
