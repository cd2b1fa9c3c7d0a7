import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSoc, type Soc } from '../index.js';
import { stopSocAfterEach } from '../test-soc.js';
import { buildFixture } from './test-firmware.js';
import { random, replies, until } from './test-messages.js';

/*
 * The real RPMsg-Lite (its unmodified lib/ sources, built with this project's port in
 * packages/firmware/port) on the SoC's WebAssembly cores, against this project's JS master and JS
 * remote and against itself. RPMsg-Lite is not part of this repository: point RPMSG_LITE_DIR at a
 * checkout (v5.4.0) to run these.
 */
const checkout = process.env.RPMSG_LITE_DIR;
const NEEDS = 'needs RPMSG_LITE_DIR=<RPMsg-Lite checkout>';

/** One shared-memory arrangement, as the SoC is given it and as RPMsg-Lite is built for it. */
interface Configuration {
  readonly name: string;
  readonly soc: { numBuffers: number; bufferSize: number; align: number; stride: number };
  /** -D flags of the firmware build (rpmsg_config.h / rpmsg_platform.h). */
  readonly defines: string[];
}

const CONFIGURATIONS: readonly Configuration[] = [
  {
    // RPMsg-Lite on parts that talk to Linux (imx8mm_m4): VRING_ALIGN 0x1000, VRING_SIZE 0x8000.
    name: '256 buffers, VRING_ALIGN 0x1000, VRING_SIZE 0x8000',
    soc: { numBuffers: 256, bufferSize: 512, align: 0x1000, stride: 0x8000 },
    defines: ['RL_BUFFER_COUNT=256', 'RL_BUFFER_PAYLOAD_SIZE=496', 'VRING_ALIGN=0x1000', 'VRING_SIZE=0x8000'],
  },
  {
    // MCU↔MCU parts (lpc55s69): VRING_ALIGN 0x10, VRING_SIZE derived by rpmsg_platform.h (0x80).
    name: '4 buffers, VRING_ALIGN 0x10',
    soc: { numBuffers: 4, bufferSize: 512, align: 0x10, stride: 0x80 },
    defines: ['RL_BUFFER_COUNT=4', 'RL_BUFFER_PAYLOAD_SIZE=496', 'VRING_ALIGN=0x10'],
  },
];

const PAYLOAD = 496;
const ECHOES = 1000;
const STREAM = 100_000;

const echoJs = new URL('../fixtures/echo-firmware.mjs', import.meta.url);

function build(name: string, config: Configuration, extra: string[] = []): Promise<string> {
  return buildFixture(name, { rpmsgLite: checkout as string, defines: [...config.defines, ...extra] });
}

function message(next: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(next() * 256);
  return bytes;
}

/** Checks `got` is `sent`, byte for byte (expect's diff only when it is not: toEqual per message is slow). */
function expectSame(got: Uint8Array, sent: Uint8Array, index: number): void {
  if (Buffer.compare(got, sent) !== 0) expect({ index, got: [...got] }).toEqual({ index, got: [...sent] });
}

function rate(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en-US')} msg/s`;
}

/**
 * RPMsg-Lite's master gave each descriptor its buffer once, at init (virtqueue_fill_*_buffers), and
 * never moves them: descriptor k of vring 0 must be pool buffer k, of vring 1 buffer N + k — where
 * the SoC's layout (createLayout, docs/layouts.md) says the buffers are.
 */
function expectPoolAsLayout(s: Soc): void {
  const { image } = s.snapshot();
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const { base, bufferSize, vrings, pool } = s.layout;
  const n = vrings[0].num;
  const addresses = vrings.map((ring) =>
    Array.from({ length: n }, (_, k) => Number(view.getBigUint64(ring.da - base + 16 * k, true))),
  );
  const expected = vrings.map((_, i) =>
    Array.from({ length: n }, (_, k) => (pool as number) + (i * n + k) * bufferSize),
  );
  expect(addresses).toEqual(expected);
}

/** Lines the SoC's cores print, collected from boot on. */
function collectLogs(soc: Soc): string[] {
  const lines: string[] = [];
  soc.on('log', (core, line) => lines.push(`${core}: ${line.trimEnd()}`));
  return lines;
}

if (!checkout) {
  describe.skip('real RPMsg-Lite on the SoC', () => {
    it.skip(NEEDS, () => {});
  });
} else {
  describe('real RPMsg-Lite on the SoC', () => {
    let soc: Soc | undefined;
    stopSocAfterEach(() => {
      const s = soc;
      soc = undefined;
      return s;
    });

    for (const config of CONFIGURATIONS) {
      describe(`RPMsg-Lite remote ↔ JS master (${config.name})`, () => {
        async function boot(firmware: string): Promise<Soc> {
          soc = await createSoc({
            profile: 'rpmsg-lite',
            remote: await build(firmware, config),
            ...config.soc,
            waitForChannels: ['rpmsg-echo'],
          });
          return soc;
        }

        it("announces its channel to the master's name service", async () => {
          const s = await boot('rl-remote-echo.c');
          const channel = s.master.getChannel('rpmsg-echo');
          expect(channel?.remoteAddr).toBe(30);
        });

        it(`echoes ${ECHOES.toLocaleString('en-US')} messages of random sizes byte for byte`, async () => {
          const s = await boot('rl-remote-echo.c');
          const ept = await s.master.openChannel('rpmsg-echo', { hello: false });
          const got = replies(ept);
          const next = random(21);
          const start = performance.now();
          for (let i = 0; i < ECHOES; i++) {
            // Both ends of the range: an empty message and a full buffer.
            const length = i === 0 ? 0 : i === 1 ? PAYLOAD : Math.floor(next() * (PAYLOAD + 1));
            const sent = message(next, length);
            await ept.send(sent);
            expectSame((await got.next()).data, sent, i);
          }
          console.info(`[${config.name}] echo: ${rate(ECHOES, performance.now() - start)} (round trips)`);
        });

        it(`carries a stream of ${STREAM.toLocaleString('en-US')} messages in order`, async () => {
          const s = await boot('rl-remote-echo.c');
          const ept = await s.master.openChannel('rpmsg-echo', { hello: false });
          const got = replies(ept);
          const start = performance.now();
          const pending: Promise<void>[] = [];
          let checked = 0;
          const check = () => {
            for (const { data: reply } of got.take()) {
              const seq = new DataView(reply.buffer, reply.byteOffset, reply.byteLength).getUint32(0, true);
              if (reply.length !== 4 || seq !== checked)
                expect({ seq, length: reply.length }).toEqual({ seq: checked, length: 4 });
              checked++;
            }
          };
          for (let i = 0; i < STREAM; i++) {
            const m = new Uint8Array(4);
            new DataView(m.buffer).setUint32(0, i, true);
            pending.push(ept.send(m));
            // A bounded number of sends waiting for buffers (the device caps queued sends).
            if (pending.length >= 64) await pending.shift();
            if (i % 1024 === 0) check();
          }
          await Promise.all(pending);
          const end = Date.now() + 30_000;
          while (checked + got.length < STREAM && Date.now() < end)
            await new Promise((r) => setTimeout(r, 5));
          check();
          expect(checked).toBe(STREAM);
          console.info(`[${config.name}] stream: ${rate(STREAM, performance.now() - start)} (echoed)`);
        }, 120_000);

        it('zero copy: the echo is cut to the size rpmsg_lite_alloc_tx_buffer reports', async () => {
          const s = await boot('rl-remote-zerocopy.c');
          const ept = await s.master.openChannel('rpmsg-echo', { hello: false });
          const got = replies(ept);
          await ept.send(new Uint8Array(0)); // asks for the reported size
          const reported = (await got.next()).data;
          const size = new DataView(reported.buffer).getUint32(0, true);
          expect(size).toBe(config.soc.bufferSize - 16);
          const next = random(7);
          for (let i = 0; i < ECHOES; i++) {
            const length = i === 0 ? PAYLOAD : 1 + Math.floor(next() * PAYLOAD);
            const sent = message(next, length);
            await ept.send(sent);
            expectSame((await got.next()).data, sent.subarray(0, Math.min(length, size)), i);
          }
        });
      });
    }

    it('built with RL_ALLOW_CUSTOM_SHMEM_CONFIG, one module runs on every layout and link id', async () => {
      const remote = await buildFixture('rl-remote-echo.c', {
        rpmsgLite: checkout as string,
        defines: ['RL_ALLOW_CUSTOM_SHMEM_CONFIG=1'],
      });
      const next = random(3);
      for (const [i, config] of CONFIGURATIONS.entries()) {
        const s = await createSoc({
          profile: 'rpmsg-lite',
          remote,
          ...config.soc,
          linkId: 3 * i, // link 3: doorbells 6 and 7, virtqueue ids 6 and 7
          waitForChannels: ['rpmsg-echo'],
        });
        soc = s;
        expect(s.layout.vrings.map((ring) => ring.notifyId)).toEqual([6 * i, 6 * i + 1]);
        const ept = await s.master.openChannel('rpmsg-echo', { hello: false });
        const got = replies(ept);
        for (let k = 0; k < 100; k++) {
          const sent = message(next, Math.floor(next() * (PAYLOAD + 1)));
          await ept.send(sent);
          expectSame((await got.next()).data, sent, k);
        }
        await s.stop();
      }
    });

    it('two RPMsg-Lite remotes in one SoC (i.MX8QM: each M4 on its own link, both link id 0) echo side by side', async () => {
      const remote = await buildFixture('rl-remote-echo.c', {
        rpmsgLite: checkout as string,
        defines: ['RL_ALLOW_CUSTOM_SHMEM_CONFIG=1'],
      });
      const s = await createSoc({
        profile: 'rpmsg-lite',
        remotes: [
          { name: 'm4-0', remote },
          { name: 'm4-1', remote },
        ],
        waitForChannels: ['rpmsg-echo'],
      });
      soc = s;
      const epts = await Promise.all(
        ['m4-0', 'm4-1'].map((n) => s.remote(n).master.openChannel('rpmsg-echo', { hello: false })),
      );
      const got = epts.map((e) => replies(e));
      const next = random(5);
      for (let k = 0; k < 300; k++) {
        const sent = epts.map(() => message(next, Math.floor(next() * (PAYLOAD + 1))));
        await Promise.all(epts.map((e, i) => e.send(sent[i] as Uint8Array)));
        for (const [i, g] of got.entries()) expectSame((await g.next()).data, sent[i] as Uint8Array, k);
      }
      await s.remote('m4-1').restart();
      const again = await s.remote('m4-1').master.openChannel('rpmsg-echo', { hello: false, timeout: 5000 });
      const reply = replies(again);
      await again.send(new Uint8Array([1, 2, 3]));
      expect([...(await reply.next()).data]).toEqual([1, 2, 3]);
    });

    it('a firmware built for another layout stops with a message naming the value that differs', async () => {
      const [linuxCompat] = CONFIGURATIONS as [Configuration];
      const remote = await build('rl-remote-echo.c', linuxCompat);
      const dir = await mkdtemp(join(tmpdir(), 'rl-layout-'));
      const file = join(dir, 'trace.jsonl');
      const mismatch =
        /RPMsg-Lite was built with VRING_ALIGN = 4096 but the SoC's layout has align = 16: build with -DVRING_ALIGN=16/;
      // The remote stops in platform_init: during the boot (createSoc rejects with the reason) or just
      // after it (a crash, in the trace).
      let reason: string | undefined;
      await createSoc({ profile: 'rpmsg-lite', remote, numBuffers: 256, align: 0x10, trace: { file } }).then(
        async (s) => {
          soc = s;
          await until(() => s.state === 'crashed');
          await s.stop();
          reason = (await readFile(file, 'utf8'))
            .split('\n')
            .filter((line) => line.includes('"event":"crash"'))
            .map((line) => (JSON.parse(line) as { detail: string }).detail)[0];
        },
        (error: Error) => {
          reason = error.message;
        },
      );
      await rm(dir, { recursive: true, force: true });
      expect(reason).toMatch(mismatch);
    });

    for (const config of CONFIGURATIONS) {
      it(`RPMsg-Lite master ↔ JS remote (${config.name}): echo and an in-order stream`, async () => {
        soc = await createSoc({
          profile: 'rpmsg-lite',
          master: await build('rl-master.c', config, [
            `ECHO_MESSAGES=${ECHOES}`,
            `STREAM_MESSAGES=${STREAM}`,
          ]),
          remote: echoJs,
          ...config.soc,
        });
        const lines = collectLogs(soc);
        expect(await soc.result, lines.join('\n')).toBe(0); // main's return: 0 when echo and stream passed
        for (const line of lines) if (/ ok /.test(line)) console.info(`[${config.name}] JS remote: ${line}`);
        expectPoolAsLayout(soc);
      }, 120_000);

      it(`RPMsg-Lite master ↔ RPMsg-Lite remote (${config.name}): echo and an in-order stream`, async () => {
        soc = await createSoc({
          profile: 'rpmsg-lite',
          master: await build('rl-master.c', config, [
            `ECHO_MESSAGES=${ECHOES}`,
            `STREAM_MESSAGES=${STREAM}`,
          ]),
          remote: await build('rl-remote-echo.c', config),
          ...config.soc,
        });
        const lines = collectLogs(soc);
        expect(await soc.result, lines.join('\n')).toBe(0); // main's return: 0 when echo and stream passed
        for (const line of lines)
          if (/ ok /.test(line)) console.info(`[${config.name}] wasm remote: ${line}`);
      }, 120_000);
    }
  });
}
