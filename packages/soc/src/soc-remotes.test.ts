import { type Endpoint, inspectImage, parseLayoutJson } from '@rpmsg/core';
import { describe, expect, it } from 'vitest';
import { createSoc, Soc } from './soc.js';
import type { RemoteOptions, SocOptions } from './soc-options.js';
import { stopSocAfterEach } from './test-soc.js';
import type { TraceEvent } from './trace.js';
import { buildFixture } from './wasm/test-firmware.js';
import { coreWorkerCount } from './workers.js';

const tagged = new URL('./fixtures/tagged-echo-firmware.mjs', import.meta.url);
const gateway = new URL('./fixtures/gateway-firmware.mjs', import.meta.url);
const sensor = new URL('./fixtures/sensor-firmware.mjs', import.meta.url);

let soc: Soc | undefined;
stopSocAfterEach(() => {
  const s = soc;
  soc = undefined;
  return s;
});

const remote = (name: string, extra: Partial<RemoteOptions> = {}): RemoteOptions => ({
  name,
  remote: tagged,
  data: { tag: name },
  ...extra,
});

async function boot(options: SocOptions): Promise<Soc> {
  soc = await createSoc({ watchdog: 2000, ...options });
  return soc;
}

/** Sends `payload` and resolves with the next message the endpoint receives. */
function ask(ept: Endpoint, payload: Uint8Array): Promise<Uint8Array> {
  const reply = new Promise<Uint8Array>((resolve) =>
    ept.once('message', (m: Uint8Array) => resolve(m.slice())),
  );
  return ept.send(payload).then(() => reply);
}

describe('several remotes (options.remotes)', () => {
  it('gives each remote its own device: same-named channels do not collide, each answers for itself', async () => {
    const s = await boot({ remotes: [remote('m4-0'), remote('m4-1')], waitForChannels: ['rpmsg-echo'] });
    expect(s.remotes.map((r) => r.name)).toEqual(['m4-0', 'm4-1']);
    const a = s.remote('m4-0');
    const b = s.remote('m4-1');
    expect(a.master).not.toBe(b.master);
    expect(a.master.channels().map((c) => c.name)).toEqual(['rpmsg-echo']);
    expect(b.master.channels().map((c) => c.name)).toEqual(['rpmsg-echo']);
    const ea = await a.master.openChannel('rpmsg-echo');
    const eb = await s.waitForChannel('rpmsg-echo', { remote: 'm4-1' }).then((c) => b.master.openChannel(c));
    for (let i = 0; i < 50; i++) {
      const [ra, rb] = await Promise.all([ask(ea, new Uint8Array([i])), ask(eb, new Uint8Array([i]))]);
      expect([...ra]).toEqual(['m'.charCodeAt(0), i]);
      expect([...rb]).toEqual(['m'.charCodeAt(0), i]);
    }
    // The two links live in separate stretches of the RAM, with separate layouts.
    const [la, lb] = [a.layout, b.layout];
    expect(la.base + la.size).toBeLessThanOrEqual(lb.base);
    expect(s.state).toBe('running');
    expect(a.state).toBe('running');
    expect(() => s.master).toThrow(/soc\.remote\(name\)\.master/);
    await expect(s.waitForChannel('rpmsg-echo')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(s.restart()).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    expect(() => s.remote('m4-9')).toThrow(/'m4-0', 'm4-1'/);
    const stats = await s.stats();
    expect(Object.keys(stats.links ?? {})).toEqual(['m4-0', 'm4-1']);
    expect(stats.links?.['m4-1']?.remote?.txMessages).toBeGreaterThanOrEqual(50);
  });

  it('four remotes echo message by message, each with its own tag', async () => {
    const names = ['r5f-0', 'r5f-1', 'm4f', 'a-m4'];
    const s = await boot({
      remotes: names.map((n) => remote(n, { data: { tag: n.slice(-1) } })),
      numBuffers: 16,
      waitForChannels: ['rpmsg-echo'],
    });
    const epts = await Promise.all(names.map((n) => s.remote(n).master.openChannel('rpmsg-echo')));
    for (let i = 0; i < 100; i++) {
      const replies = await Promise.all(epts.map((e) => ask(e, new Uint8Array([i & 0xff, i >> 8]))));
      for (const [k, r] of replies.entries()) {
        const name = names[k] as string;
        expect([...r]).toEqual([name.charCodeAt(name.length - 1), i & 0xff, i >> 8]);
      }
    }
  });

  it('one remote crashes and restarts while the others stream, unaffected (no loss, bounded pause)', async () => {
    const s = await boot({
      remotes: [remote('victim', { data: { tag: 'v', crashAfter: 20 } }), remote('m4-1'), remote('m4-2')],
      waitForChannels: ['rpmsg-echo'],
    });
    const crashes: string[] = [];
    s.on('crash', (_error, name) => crashes.push(name));
    const victim = s.remote('victim');
    const victimCrashed = new Promise((resolve) => victim.once('crash', resolve));
    const others = await Promise.all(
      ['m4-1', 'm4-2'].map((n) => s.remote(n).master.openChannel('rpmsg-echo')),
    );
    let streaming = true;
    let maxGap = 0;
    const stream = async (ept: Endpoint) => {
      let n = 0;
      let last = performance.now();
      while (streaming) {
        const r = await ask(ept, new Uint8Array([n & 0xff, (n >> 8) & 0xff]));
        expect([...r.subarray(1)]).toEqual([n & 0xff, (n >> 8) & 0xff]); // in order, none lost
        const now = performance.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
        n++;
      }
      return n;
    };
    const streams = others.map(stream);
    const ev = await victim.master.openChannel('rpmsg-echo');
    // The 20th message makes it fault: its echo may or may not get out before the link goes down.
    for (let i = 0; i < 19; i++) await ask(ev, new Uint8Array([i]));
    await ev.send(new Uint8Array([19]));
    const error = await victimCrashed;
    expect(error).toMatchObject({
      code: 'ERR_RPMSG_PEER_GONE',
      message: expect.stringContaining("'victim'"),
    });
    expect(victim.state).toBe('crashed');
    expect(s.remote('m4-1').state).toBe('running');
    await victim.restart();
    expect(victim.state).toBe('running');
    const again = await victim.master.openChannel('rpmsg-echo', { timeout: 5000 });
    expect([...(await ask(again, new Uint8Array([7])))]).toEqual([0x76, 7]);
    streaming = false;
    const counts = await Promise.all(streams);
    expect(crashes).toEqual(['victim']);
    for (const n of counts) expect(n).toBeGreaterThan(20);
    // The others' round trips never paused for long while the victim crashed, was ended and rebooted
    // (a restart spawns a worker and loads a module: on two busy cores tens of ms, not seconds).
    expect(maxGap).toBeLessThan(1000);
  }, 30_000);

  it('names the link in trace events, and snapshots decode per link', async () => {
    const events: TraceEvent[] = [];
    const s = await boot({
      remotes: [remote('m4-0'), remote('m4-1')],
      profile: 'rpmsg-lite',
      numBuffers: 8,
      trace: true,
      waitForChannels: ['rpmsg-echo'],
    });
    s.on('trace', (e) => events.push(e));
    const e1 = await s.remote('m4-1').master.openChannel('rpmsg-echo');
    await ask(e1, new Uint8Array([1, 2, 3]));
    // The request and its echo, at both ends, are m4-1's; every event of a link says which.
    const ours = () => events.filter((e) => e.type === 'message' && e.payload.endsWith('010203'));
    await expect.poll(() => ours().length, { timeout: 5000 }).toBe(4);
    expect(
      ours()
        .map((e) => `${e.core} ${e.type === 'message' && e.dir}`)
        .sort(),
    ).toEqual(['master rx', 'master tx', 'remote rx', 'remote tx']);
    for (const e of ours()) expect(e.link).toBe('m4-1');
    for (const e of events) if (e.core !== 'soc') expect(['m4-0', 'm4-1']).toContain(e.link);

    // The live view shows one remote's link.
    const view = await s.view({ remote: 'm4-1' });
    const frame = (await (await fetch(new URL('frame', view.url))).json()) as { layout: { base: string } };
    expect(Number(frame.layout.base)).toBe(s.remote('m4-1').layout.base);
    await expect(s.view({ remote: 'm4-9' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });

    const whole = s.snapshot();
    expect(Object.keys(whole.links ?? {})).toEqual(['m4-0', 'm4-1']);
    const viaWhole = inspectImage(whole.image, parseLayoutJson(whole.links?.['m4-1']));
    const own = s.remote('m4-1').snapshot();
    const viaOwn = inspectImage(own.image, parseLayoutJson(own.layout));
    expect(viaWhole.problems).toEqual([]);
    expect(viaWhole.messages).toEqual(viaOwn.messages);
    expect(viaOwn.messages.some((m) => m.payload === '6d010203')).toBe(true);
    // m4-0's link saw no such message.
    const other = s.remote('m4-0').snapshot();
    expect(
      inspectImage(other.image, parseLayoutJson(other.layout)).messages.some((m) => m.payload === '6d010203'),
    ).toBe(false);
  });
});

describe('several remotes: lifecycle corners', () => {
  it('two restarts of one remote at once are one restart (one worker, one boot)', async () => {
    const s = await boot({ remotes: [remote('a'), remote('b')], waitForChannels: ['rpmsg-echo'] });
    const a = s.remote('a');
    let restarts = 0;
    a.on('restart', () => restarts++);
    await Promise.all([a.restart(), a.restart()]);
    expect(restarts).toBe(1);
    expect(coreWorkerCount()).toBe(2);
    const ept = await a.master.openChannel('rpmsg-echo', { timeout: 5000 });
    expect([...(await ask(ept, new Uint8Array([1])))]).toEqual([0x61, 1]);
  });

  it('restartMaster() leaves a crashed remote down: its sends still fail', async () => {
    const s = await boot({
      remotes: [remote('a', { data: { tag: 'a', crashAfter: 1 } }), remote('b')],
      waitForChannels: ['rpmsg-echo'],
    });
    const a = s.remote('a');
    const crashed = new Promise((resolve) => a.once('crash', resolve));
    const ea = await a.master.openChannel('rpmsg-echo');
    await ea.send(new Uint8Array([1]));
    await crashed;
    await s.restartMaster();
    expect(a.state).toBe('crashed');
    await expect(ea.send(new Uint8Array([2]))).rejects.toMatchObject({ code: 'ERR_RPMSG_PEER_GONE' });
    const eb = await s.remote('b').master.openChannel('rpmsg-echo', { timeout: 5000 });
    expect([...(await ask(eb, new Uint8Array([3])))]).toEqual([0x62, 3]);
  });

  it('a remote that crashes while another still boots fails createSoc, naming it', async () => {
    const error = await createSoc({
      remotes: [
        remote('a', { data: { tag: 'a', crashAfterMs: 200 } }),
        {
          name: 'b',
          remote: new URL('./fixtures/slow-load-firmware.mjs', import.meta.url),
          data: { tag: 'b' },
        },
      ],
    }).then(
      (booted) => {
        soc = booted;
      },
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'ERR_RPMSG_PEER_GONE',
      message: expect.stringContaining("remote 'a'"),
    });
  });

  it('a link whose master never answers stays down; the cores and their A-core links come up', async () => {
    const events: TraceEvent[] = [];
    // echo-firmware.mjs blocks its thread in lite calls: its event loop never serves the M-core link.
    const s = new Soc({
      profile: 'rpmsg-lite',
      bootTimeout: 1000,
      trace: true,
      remotes: [
        { name: 'blocked', remote: new URL('./fixtures/echo-firmware.mjs', import.meta.url) },
        remote('m4'),
      ],
      links: [{ master: 'blocked', remote: 'm4' }],
      waitForChannels: ['rpmsg-echo'],
    });
    soc = s;
    s.on('trace', (e) => events.push(e));
    await s.start();
    const e = await s.remote('m4').master.openChannel('rpmsg-echo');
    expect([...(await ask(e, new Uint8Array([4])))]).toEqual([0x6d, 4]);
    await expect
      .poll(() => events.find((t) => t.type === 'lifecycle' && t.event === 'link-boot-failed')?.link, {
        timeout: 5000,
      })
      .toBe('blocked:m4');
  });
});

describe("several remotes at the chip's own addresses", () => {
  it('places a link at its base (the carve-out), the others after it, none overlapping', async () => {
    const s = await boot({
      base: 0x9000_0000,
      profile: 'rpmsg-lite',
      numBuffers: 16,
      remotes: [
        { ...remote('m4-0'), base: 0x9001_0000 },
        { ...remote('m4-1'), base: 0x9011_0000 },
        remote('m4-2'),
      ],
      waitForChannels: ['rpmsg-echo'],
    });
    const bases = ['m4-0', 'm4-1', 'm4-2'].map((n) => s.remote(n).layout.base);
    expect(bases[0]).toBe(0x9001_0000);
    expect(bases[1]).toBe(0x9011_0000);
    expect(bases[2]).toBe(0x9011_0000 + Math.ceil(s.remote('m4-1').layout.size / 0x1000) * 0x1000);
    for (const name of ['m4-0', 'm4-1', 'm4-2']) {
      const ept = await s.remote(name).master.openChannel('rpmsg-echo');
      expect([...(await ask(ept, new Uint8Array([5])))]).toEqual([0x6d, 5]);
    }
    const whole = s.snapshot();
    expect(whole.image.length).toBe(bases[2]! + s.remote('m4-2').layout.size - 0x9000_0000);
  });

  it.each([
    ['below options.base', [{ base: 0x1000_0000 - 0x1000 }], /remotes\[0\]\.base.*below options\.base/],
    ['inside an earlier link', [{}, { base: 0x1000_1000 }], /remotes\[1\]\.base.*inside the region of 'r0'/],
    [
      'overlapping a later fixed one',
      [{ base: 0x1010_0000 }, { base: 0x100f_f000 }],
      /remotes\[1\]\.base.*overlaps the region of 'r0'/,
    ],
    ['not on a page', [{ base: 0x1000_0800 }], /remotes\[0\]\.base.*multiple of 4096/],
  ] as const)('refuses a base %s, naming the remote', async (_what, bases, message) => {
    const remotes = bases.map((b, i) => ({ ...remote(`r${i}`), ...b }));
    const error = await createSoc({ remotes }).then(
      (booted) => {
        soc = booted;
      },
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: expect.stringMatching(/ERR_INVALID_ARG_VALUE|ERR_OUT_OF_RANGE/) });
    expect(String((error as Error).message)).toMatch(message);
  });
});

describe('several remotes with C firmware', () => {
  it('gives each C remote its own firmware slot and its own link: two RPMsg-Lite API echoes beside a JS one', async () => {
    const echo = await buildFixture('api-echo.c');
    const s = await boot({
      remotes: [
        { name: 'c-0', remote: echo },
        { name: 'js', remote: tagged, data: { tag: 'j' } },
        { name: 'c-1', remote: echo },
      ],
      waitForChannels: ['rpmsg-echo'],
    });
    // No hello: RPMsg-Lite's echo would echo it too.
    const open = (n: string) => s.remote(n).master.openChannel('rpmsg-echo', { hello: false, timeout: 5000 });
    const epts = await Promise.all(['c-0', 'js', 'c-1'].map(open));
    for (let i = 0; i < 200; i++) {
      const payload = new Uint8Array([i & 0xff, 1, 2, 3, 4, 5].slice(0, 1 + (i % 6)));
      const [c0, js, c1] = await Promise.all(epts.map((e) => ask(e, payload)));
      expect([...(c0 as Uint8Array)]).toEqual([...payload]);
      expect([...(js as Uint8Array)]).toEqual([0x6a, ...payload]);
      expect([...(c1 as Uint8Array)]).toEqual([...payload]);
    }
    // A restart reinstantiates that firmware alone, in its own slot.
    await s.remote('c-0').restart();
    const again = await open('c-0');
    expect([...(await ask(again, new Uint8Array([9, 9])))]).toEqual([9, 9]);
    expect([...(await ask(epts[2] as Endpoint, new Uint8Array([8])))]).toEqual([8]);
  }, 60_000);
});

describe('M-core↔M-core links (options.links)', () => {
  it('runs an RPMsg-Lite-profile link between two M-cores while the A-core talks to both', async () => {
    const s = await boot({
      profile: 'rpmsg-lite',
      remotes: [
        { name: 'm7', remote: gateway, data: { peer: 'm4' }, waitForChannels: ['rpmsg-gateway'] },
        { name: 'm4', remote: sensor, data: { peer: 'm7' }, waitForChannels: ['rpmsg-echo'] },
      ],
      links: [{ master: 'm7', remote: 'm4', linkId: 1 }],
    });
    const gw = await s.remote('m7').master.openChannel('rpmsg-gateway');
    const echo = await s.remote('m4').master.openChannel('rpmsg-echo');
    for (let i = 0; i < 30; i++) {
      const [viaGateway, direct] = await Promise.all([
        ask(gw, new Uint8Array([i])),
        ask(echo, new Uint8Array([i])),
      ]);
      expect(new TextDecoder().decode(viaGateway.subarray(0, 3))).toBe('m4:');
      expect(viaGateway[3]).toBe(i);
      expect([...direct]).toEqual([i]);
    }
    const stats = await s.stats();
    expect(Object.keys(stats.links ?? {})).toEqual(['m7', 'm4', 'm7:m4']);
    expect(stats.links?.['m7:m4']?.master?.txMessages).toBeGreaterThanOrEqual(30);
    expect(stats.links?.['m7:m4']?.remote?.rxMessages).toBeGreaterThanOrEqual(30);
    const link = parseLayoutJson(s.snapshot().links?.['m7:m4']);
    expect(link.linkId).toBe(1);
    expect([link.vrings[0].notifyId, link.vrings[1].notifyId]).toEqual([2, 3]);
    // The link seen from outside: its handle, its own region and counters.
    const handle = s.link('m7:m4');
    expect([handle.master, handle.remote, handle.layout.linkId]).toEqual(['m7', 'm4', 1]);
    expect(handle.layout.vrings[0].da).toBe(link.vrings[0].da);
    expect((await handle.stats()).master?.txMessages).toBeGreaterThanOrEqual(30);
    const own = handle.snapshot();
    expect(own.image.length).toBe(handle.layout.size);
    expect(inspectImage(own.image, parseLayoutJson(own.layout)).problems).toEqual([]);
    expect(() => s.link('m4:m7')).toThrow(/names no M-core link \(links: 'm7:m4'\)/);

    // The M4 restarts: the M7 sees its link go down and boots it again; the M4 announces its sensor
    // again and the gateway (which opens it at every announcement) forwards again.
    await s.remote('m4').restart();
    const echo2 = await s.remote('m4').master.openChannel('rpmsg-echo', { timeout: 5000 });
    expect([...(await ask(echo2, new Uint8Array([9])))]).toEqual([9]);
    await expect
      .poll(
        async () => {
          const r = await Promise.race([
            ask(gw, new Uint8Array([42])),
            new Promise((r) => setTimeout(r, 200)),
          ]);
          return r instanceof Uint8Array ? [...r] : null;
        },
        { timeout: 5000 },
      )
      .toEqual([0x6d, 0x34, 0x3a, 42]);

    // The M7 restarts: the A-core's link to it and its link to the M4 come back; so does the gateway.
    await s.remote('m7').restart();
    const gw2 = await s.remote('m7').master.openChannel('rpmsg-gateway', { timeout: 5000 });
    await expect
      .poll(
        async () => {
          const r = await Promise.race([
            ask(gw2, new Uint8Array([43])),
            new Promise((r) => setTimeout(r, 200)),
          ]);
          return r instanceof Uint8Array ? [...r] : null;
        },
        { timeout: 5000 },
      )
      .toEqual([0x6d, 0x34, 0x3a, 43]);
  }, 30_000);
});

describe('bad configurations get typed errors naming the remote', () => {
  const base = { remotes: [remote('a'), remote('b')] };
  it.each([
    [
      'two remotes with one name',
      { remotes: [remote('m4'), remote('m4')] },
      /options\.remotes\[1\]\.name.*'m4' names two remotes/,
    ],
    [
      'a layout that does not fit',
      { ...base, ramSize: 0x1000 * 100 },
      /options\.remotes\[1\].*'b' does not fit in options\.ramSize/,
    ],
    [
      'too many remotes for the mailbox',
      { remotes: Array.from({ length: 17 }, (_, i) => remote(`m${i}`)), numBuffers: 1 },
      /options\.remotes\[16\].*does not fit in the mailbox.*'m16'/,
    ],
    [
      'a link to no such core',
      { ...base, profile: 'rpmsg-lite', links: [{ master: 'a', remote: 'z' }] },
      /options\.links\[0\]\.remote.*names no remote/,
    ],
    [
      'a link in the linux profile',
      { ...base, links: [{ master: 'a', remote: 'b' }] },
      /options\.links.*rpmsg-lite/,
    ],
    [
      'a link to itself',
      { ...base, profile: 'rpmsg-lite', links: [{ master: 'a', remote: 'a' }] },
      /'a' cannot be its own peer/,
    ],
    [
      'remote and remotes',
      { ...base, remote: tagged },
      /options\.remote goes alone|options\.remote.*goes alone/,
    ],
    ['a reserved name', { remotes: [remote('soc')] }, /options\.remotes\[0\]\.name.*'soc' is reserved/],
    [
      'remoteData with remotes',
      { ...base, remoteData: 1 },
      /options\.remoteData.*options\.remotes\[i\]\.data/,
    ],
    [
      'one remote and a ramSize too small',
      { remote: tagged, ramSize: 0x1000 },
      /options\.ramSize.*too small/,
    ],
    [
      'a C firmware on an M-core link',
      {
        remotes: [remote('a'), { name: 'b', remote: 'b.wasm' }],
        profile: 'rpmsg-lite',
        links: [{ master: 'a', remote: 'b' }],
      },
      /options\.links.*'b' runs a C firmware/,
    ],
    ['a worker master with remotes', { ...base, master: 'x.mjs' }, /options\.master.*'inline'/],
    [
      'a link id past the mailbox channels',
      { ...base, profile: 'rpmsg-lite', links: [{ master: 'a', remote: 'b', linkId: 4 }] },
      /options\.links\[0\].*'a:b'.*notify id 9/,
    ],
  ] as const)('%s', async (_what, options, message) => {
    const error = await createSoc(options as unknown as SocOptions).then(
      (booted) => {
        soc = booted;
      },
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    expect(String((error as Error).message)).toMatch(message);
  });
});
