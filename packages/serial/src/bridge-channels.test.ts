import { RpmsgDevice } from '@rpmsg/core';
import { FakeClock } from '@rpmsg/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { bridgeChannels } from './bridge-channels.js';
import { SerialTransport } from './serial-transport.js';
import { createStreamPair } from './testing/stream-pair.js';

const devices: RpmsgDevice[] = [];
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.close()));
});

/** Two RPMsg devices (master, remote) over an in-memory serial line. */
async function link(): Promise<[RpmsgDevice, RpmsgDevice]> {
  const pair = createStreamPair();
  const clock = new FakeClock();
  let nonce = Math.floor(Math.random() * 1e6);
  const master = new RpmsgDevice(new SerialTransport({ port: pair.a, clock, nonce: () => ++nonce }));
  const remote = new RpmsgDevice(
    new SerialTransport({ port: pair.b, clock, nonce: () => ++nonce, role: 'remote' }),
  );
  devices.push(master, remote);
  await Promise.all([master.start(), remote.start()]);
  return [master, remote];
}

const tick = () => new Promise((r) => setImmediate(r));

describe('bridgeChannels', () => {
  it("shows the MCU's channels to the SoC master next to the M-core's, and forwards both ways", async () => {
    const [host, mcu] = await link(); // serial: host ↔ MCU
    const [aCore, mCore] = await link(); // simulated SoC: A-core master ↔ M-core remote
    const echo = mcu.createEndpoint({ name: 'rpmsg-echo' });
    echo.on('message', (p: Uint8Array, src: number) => void echo.sendTo(src, p.slice()));
    mCore.createEndpoint({ name: 'rpmsg-tty' });
    await host.waitForChannel('rpmsg-echo', { timeout: 1000 });

    const bridge = bridgeChannels(host, mCore);
    // No hello: the echo service would echo it too, racing the listener attached below.
    const ep = await aCore.openChannel('rpmsg-echo', { timeout: 1000, hello: false });
    await aCore.waitForChannel('rpmsg-tty', { timeout: 1000 });
    expect(
      aCore
        .channels()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['rpmsg-echo', 'rpmsg-tty']);
    expect(bridge.channels).toEqual(['rpmsg-echo']);

    const got: string[] = [];
    ep.on('message', (p: Uint8Array) => got.push(new TextDecoder().decode(p)));
    for (const s of ['one', 'two', 'three']) await ep.send(new TextEncoder().encode(s));
    for (let i = 0; i < 50 && got.length < 3; i++) await tick();
    expect(got).toEqual(['one', 'two', 'three']);

    // A channel the MCU withdraws disappears from the A-core too.
    echo.destroy();
    for (let i = 0; i < 20 && aCore.getChannel('rpmsg-echo'); i++) await tick();
    expect(aCore.getChannel('rpmsg-echo')).toBeUndefined();
    bridge.close();
  });

  it('bridges channels announced later, honours the filter, and stops on close', async () => {
    const [host, mcu] = await link();
    const [aCore, mCore] = await link();
    const bridge = bridgeChannels(host, mCore, { filter: (n) => n !== 'private' });
    mcu.createEndpoint({ name: 'late' });
    mcu.createEndpoint({ name: 'private' });
    await aCore.waitForChannel('late', { timeout: 1000 });
    for (let i = 0; i < 10; i++) await tick();
    expect(aCore.getChannel('private')).toBeUndefined();
    bridge.close();
    for (let i = 0; i < 20 && aCore.getChannel('late'); i++) await tick();
    expect(aCore.channels()).toEqual([]);
  });
});
