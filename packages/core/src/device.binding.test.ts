import { afterEach, describe, expect, it } from 'vitest';
import { RpmsgDevice } from './device.js';
import type { Endpoint } from './endpoint.js';
import { createMockTransportPair, FakeClock } from './testing/index.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

async function setup() {
  const pair = createMockTransportPair();
  const clock = new FakeClock();
  const master = new RpmsgDevice(pair.master, { clock });
  const remote = new RpmsgDevice(pair.remote, { clock });
  await Promise.all([master.start(), remote.start()]);
  cleanup.push(async () => {
    await Promise.all([master.close(), remote.close()]);
  });
  return { pair, master, remote };
}

/** Records an endpoint's binding events in order: `bound 30`, `unbound ERR_…`, `close`. */
function events(ep: Endpoint): string[] {
  const out: string[] = [];
  ep.on('bound', (dst) => out.push(`bound ${dst}`));
  ep.on('unbound', (reason) => out.push(`unbound ${reason.code}`));
  ep.on('close', () => out.push('close'));
  return out;
}

describe('RpmsgDevice endpoint bindings', () => {
  it('after the peer restarts, greets and announces again, and ends the bindings the peer made', async () => {
    const { pair, master, remote } = await setup();
    const service = remote.createEndpoint({ name: 'svc', addr: 30 });
    const client = master.createEndpoint({ addr: 1024, dst: 30, hello: true, name: 'cli' });
    await pair.settle();
    const seen = events(service);
    const hellos: number[] = [];
    service.on('message', (payload, src) => {
      if (payload.length === 0) hellos.push(src);
    });
    expect(service.dst).toBe(1024); // bound by the client's hello
    pair.disconnect('ERR_RPMSG_PEER_GONE');
    expect(service.isBound).toBe(false);
    expect(seen).toEqual(['unbound ERR_RPMSG_PEER_GONE']);
    expect(client.dst).toBe(30); // its own `dst` option stays
    pair.reconnect();
    await pair.settle();
    expect(hellos).toEqual([1024]);
    expect(seen).toEqual(['unbound ERR_RPMSG_PEER_GONE', 'bound 1024']);
    expect(remote.getChannel('cli')?.remoteAddr).toBe(1024);
    expect(master.getChannel('svc')?.remoteAddr).toBe(30);
  });

  it('a destroyed endpoint emits nothing more: setting its dst afterwards emits no bound', async () => {
    const { master } = await setup();
    const ep = master.createEndpoint();
    const seen = events(ep);
    ep.destroy();
    ep.dst = 30;
    expect(ep.dst).toBe(30);
    expect(seen).toEqual(['close']);
  });

  it('an endpoint destroyed while the link-down walk runs emits no unbound after its close', async () => {
    const { pair, master } = await setup();
    const a = master.createEndpoint({ addr: 1024 });
    const b = master.createEndpoint({ addr: 1025 });
    a.dst = 30;
    b.dst = 31;
    const seen = events(b);
    a.on('unbound', () => b.destroy()); // a's listener runs before the walk reaches b
    pair.disconnect('ERR_RPMSG_PEER_GONE');
    expect(seen).toEqual(['close']);
  });
});
