import type { Channel, Endpoint, RpmsgDevice } from '@rpmsg/core';
import { describe, expect, it } from 'vitest';
import { createSoc, type Soc } from '../index.js';
import { stopSocAfterEach } from '../test-soc.js';
import { buildFixture } from './test-firmware.js';
import { type Reply, random, replies, until } from './test-messages.js';

/*
 * RPMsg-Lite's API in C (packages/firmware/include/rpmsg-lite-api, lib/rpmsg_lite_api.c) on the
 * SoC's WebAssembly cores, served by lite-imports.ts: C firmwares written as RPMsg-Lite applications
 * (src/fixtures/c/api-*.c) against this project's JS master and JS remote.
 */

const PAYLOAD = 496; // 512-byte buffers, the SoC's default
const ECHOES = 10_000;
const RL_ERR_PARAM = -5003;
const RL_ERR_BUFF_SIZE = -5002;
const RL_ERR_NO_BUFF = -5006;

const echoJs = new URL('../fixtures/echo-firmware.mjs', import.meta.url);

/** Sends a text command and returns the text answer. */
async function ask(ept: Endpoint, next: () => Promise<Reply>, command: string): Promise<string> {
  await ept.send(new TextEncoder().encode(command));
  return new TextDecoder().decode((await next()).data);
}

/** The next `event` channel of `device` called `name`. */
function nextChannel(
  device: RpmsgDevice,
  event: 'channel' | 'channel-removed',
  name: string,
): Promise<Channel> {
  return new Promise((resolve) => {
    const listener = (channel: Channel) => {
      if (channel.name !== name) return;
      device.off(event, listener);
      resolve(channel);
    };
    device.on(event, listener);
  });
}

function sameBytes(got: Uint8Array, sent: Uint8Array): boolean {
  return Buffer.compare(got, sent) === 0;
}

describe('RPMsg-Lite API mode', () => {
  let soc: Soc | undefined;
  stopSocAfterEach(() => {
    const s = soc;
    soc = undefined;
    return s;
  });

  describe('a C remote (rpmsg_queue + rpmsg_lite_send) and the JS master', () => {
    it(`echoes ${ECHOES.toLocaleString('en-US')} messages of random sizes byte for byte`, async () => {
      soc = await createSoc({ remote: await buildFixture('api-echo.c'), waitForChannels: ['rpmsg-echo'] });
      expect(soc.master.getChannel('rpmsg-echo')?.remoteAddr).toBe(30);
      const ept = await soc.master.openChannel('rpmsg-echo', { hello: false });
      const next = replies(ept).next;
      const rand = random(21);
      let bad = 0;
      const start = performance.now();
      for (let i = 0; i < ECHOES; i++) {
        // Both ends of the range: an empty message and a full buffer.
        const length = i === 0 ? 0 : i === 1 ? PAYLOAD : Math.floor(rand() * (PAYLOAD + 1));
        const sent = new Uint8Array(length);
        for (let j = 0; j < length; j++) sent[j] = Math.floor(rand() * 256);
        await ept.send(sent);
        const reply = await next();
        if (reply.src !== 30 || !sameBytes(reply.data, sent)) bad++;
      }
      const ms = performance.now() - start;
      console.info(
        `API-mode echo: ${Math.round((ECHOES / ms) * 1000).toLocaleString('en-US')} round trips/s`,
      );
      expect(bad).toBe(0);
    }, 120_000);
  });

  describe('zero-copy (static API: recv_nocopy, alloc_tx_buffer, send_nocopy)', () => {
    it('echoes in place and fills the whole buffer alloc_tx_buffer reports, from the sending endpoint', async () => {
      soc = await createSoc({
        profile: 'rpmsg-lite',
        remote: await buildFixture('api-zerocopy.c', { defines: ['RL_USE_STATIC_API=1'] }),
        waitForChannels: ['rpmsg-zc', 'rpmsg-zc-fill'],
      });
      const echo = await soc.master.openChannel('rpmsg-zc', { hello: false });
      const fill = await soc.master.openChannel('rpmsg-zc-fill', { hello: false });
      const nextEcho = replies(echo).next;
      const nextFill = replies(fill).next;
      const rand = random(7);
      for (let i = 0; i < 500; i++) {
        // The master's side zero-copy too: written straight into its TX buffer.
        const length = Math.floor(rand() * (PAYLOAD + 1));
        const tx = await echo.getTxBuffer();
        for (let j = 0; j < length; j++) tx.payload[j] = (i + j * 3) & 0xff;
        tx.send(length);
        const reply = await nextEcho();
        expect(reply.src).toBe(30);
        expect(sameBytes(reply.data, tx.payload.subarray(0, length))).toBe(true);
        // Every few rounds a fill: its buffer was lent while 30 was the last sender.
        if (i % 5 === 0) {
          const seed = i & 0xff;
          await fill.send(Uint8Array.of(seed));
          const filled = await nextFill();
          expect(filled.src).toBe(31);
          expect(filled.data.length).toBe(PAYLOAD);
          expect(filled.data.every((b, j) => b === ((seed + j) & 0xff))).toBe(true);
        }
      }
      expect(soc.state).toBe('running');
    }, 60_000);
  });

  describe('endpoints and the name service (api-ns.c)', () => {
    async function boot() {
      const s = await createSoc({
        remote: await buildFixture('api-ns.c'),
        waitForChannels: ['rpmsg-ns-ctl'],
      });
      soc = s;
      const ctl = await s.master.openChannel('rpmsg-ns-ctl', { hello: false });
      return { s, ctl, next: replies(ctl).next };
    }

    it('announces an endpoint created on command and withdraws it when destroyed', async () => {
      const { s, ctl, next } = await boot();
      const created = nextChannel(s.master, 'channel', 'svc-a');
      const answer = await ask(ctl, next, 'create svc-a');
      expect(answer).toMatch(/^ok \d+$/);
      const channel = await created;
      expect(channel.remoteAddr).toBe(Number(answer.slice(3)));
      // Its rx callback echoes (a non-blocking send in interrupt context).
      const ept = await s.master.openChannel(channel, { hello: false });
      const nextEcho = replies(ept).next;
      await ept.send(Uint8Array.of(1, 2, 3));
      expect([...(await nextEcho()).data]).toEqual([1, 2, 3]);

      const removed = nextChannel(s.master, 'channel-removed', 'svc-a');
      expect(await ask(ctl, next, 'destroy svc-a')).toBe('ok');
      expect((await removed).remoteAddr).toBe(channel.remoteAddr);
      expect(s.master.getChannel('svc-a')).toBeUndefined();
      // A second endpoint gets the lowest free address again, as RPMsg-Lite hands them out.
      expect(await ask(ctl, next, 'create svc-b')).toBe(answer);
    });

    it("delivers the master's announcements to the rpmsg_ns_bind callback", async () => {
      const { s, ctl, next } = await boot();
      const host = s.master.createEndpoint({ name: 'host-svc' });
      await until(async () => (await ask(ctl, next, 'seen')).includes(` host-svc@${host.addr}`));
      host.destroy();
      await until(async () => (await ask(ctl, next, 'seen')).includes(` -host-svc@${host.addr}`));
    });

    it('answers bad pointers and sizes from C with RPMsg-Lite codes, and keeps running', async () => {
      const { s, ctl, next } = await boot();
      const codes = (await ask(ctl, next, 'probe')).split(' ');
      expect(codes[0]).toBe('probe');
      expect(codes.slice(1).map(Number)).toEqual([
        RL_ERR_PARAM, // send from a pointer past the memory
        RL_ERR_PARAM, // send_nocopy of a buffer that was not lent
        RL_ERR_PARAM, // release of a buffer that was not received
        RL_ERR_PARAM, // destroy of an endpoint that does not exist
        RL_ERR_PARAM, // an announcement whose name is past the memory
        RL_ERR_PARAM, // send from an endpoint that does not exist
        RL_ERR_BUFF_SIZE, // send of more than a buffer
        RL_ERR_PARAM, // nocopy_free of the firmware's own array
      ]);
      expect(s.state).toBe('running');
      expect(await ask(ctl, next, 'seen')).toMatch(/^seen/);
    });
  });

  describe('waits and faults (api-ns.c)', () => {
    it('times out an rpmsg_queue_recv with RL_ERR_NO_BUFF after its timeout', async () => {
      soc = await createSoc({ remote: await buildFixture('api-ns.c'), waitForChannels: ['rpmsg-ns-ctl'] });
      const ctl = await soc.master.openChannel('rpmsg-ns-ctl', { hello: false });
      const [word, code, elapsed] = (await ask(ctl, replies(ctl).next, 'wait 80')).split(' ');
      expect([word, Number(code)]).toEqual(['waited', RL_ERR_NO_BUFF]);
      expect(Number(elapsed)).toBeGreaterThanOrEqual(79);
      expect(Number(elapsed)).toBeLessThan(1000);
    });

    it('crashes the remote when an rx callback fails an assertion', async () => {
      soc = await createSoc({ remote: await buildFixture('api-ns.c'), waitForChannels: ['rpmsg-ns-ctl'] });
      const s = soc;
      const ctl = await s.master.openChannel('rpmsg-ns-ctl', { hello: false });
      const created = nextChannel(s.master, 'channel', 'svc-a');
      await ask(ctl, replies(ctl).next, 'create svc-a');
      const ept = await s.master.openChannel(await created, { hello: false });
      const crashed = new Promise<Error>((resolve) => s.once('crash', resolve));
      await ept.send(new TextEncoder().encode('assert'));
      const error = await crashed;
      expect(String((error.cause as Error | undefined)?.message ?? error.message)).toMatch(
        /assertion: memcmp\(payload, "assert", 6\) != 0/,
      );
    });
  });

  describe('a C master (rpmsg_lite_master_init + rpmsg_ns_bind) and a JS remote', () => {
    it('finds the remote through the name service and gets every echo back', async () => {
      soc = await createSoc({
        profile: 'rpmsg-lite',
        master: await buildFixture('api-master.c'),
        remote: echoJs,
      });
      const lines: string[] = [];
      soc.on('log', (_core, line) => lines.push(line.trimEnd()));
      expect(await soc.result).toBe(0);
      expect(lines).toContain('master: 500 echoes, 0 bad');
    }, 60_000);
  });

  describe('an M-core↔M-core pair: both cores C firmware (as on i.MX RT1170)', () => {
    it.each(['linux', 'rpmsg-lite'] as const)(
      '%s: the C master finds the C remote and gets every echo',
      async (profile) => {
        soc = await createSoc({
          profile,
          master: await buildFixture('api-master.c'),
          remote: await buildFixture('api-echo.c'),
        });
        const lines: string[] = [];
        soc.on('log', (_core, line) => lines.push(line.trimEnd()));
        expect(await soc.result).toBe(0);
        expect(lines).toContain('master: 500 echoes, 0 bad');
      },
      60_000,
    );
  });
});
