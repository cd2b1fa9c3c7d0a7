import { execFile } from 'node:child_process';
import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Endpoint, RpmsgDevice } from '@rpmsg/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ByteStream, ByteStreamOpener } from './byte-stream.js';
import { connectSerial } from './connect-serial.js';
import { type Frame, FrameDecoder, FrameEncoder, FrameType, frameWireSize } from './frame.js';
import { encodeHello, HELLO_SIZE } from './hello.js';
import { openPort } from './port-stream.js';
import { seqDiff } from './seq.js';
import { SerialTransport } from './serial-transport.js';
import { settleChannels } from './settle-channels.js';
import {
  buildFirmwareHost,
  FIRMWARE_DIR,
  type FirmwareHost,
  hasCompiler,
  startFirmwareHost,
} from './testing/firmware-host.js';
import { type NoisyStream, withNoise } from './testing/noisy-stream.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Collects text messages of an endpoint; `until(n)` waits for n of them. */
function inbox(ep: Endpoint) {
  const got: string[] = [];
  const waiters: (() => void)[] = [];
  ep.on('message', (p: Uint8Array) => {
    got.push(dec.decode(p));
    for (const w of waiters.splice(0)) w();
  });
  const until = async (n: number, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (got.length < n) {
      if (Date.now() > deadline) throw new Error(`got ${got.length}/${n} messages`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return got;
  };
  return { got, until };
}

/** Asks the firmware's `rpmsg-stats` service for its counters; returns a reader by counter name. */
async function mcuStats(device: RpmsgDevice): Promise<(key: string) => number> {
  const statsEp = await device.openChannel('rpmsg-stats', { timeout: 5000 });
  const stats = inbox(statsEp);
  await statsEp.send(enc.encode('?'));
  const [line] = await stats.until(1);
  return (key) => Number(new RegExp(`(?:^| )${key}=(\\d+)`).exec(line!)![1]);
}

/**
 * A port to the firmware that reads the host's own frames as they leave (its next DATA seq and the
 * ack it sends) and lets the test put hand-made frames on the line, as a stale or forged frame would.
 */
function tap(path: string) {
  let port: ByteStream | null = null;
  const seen = { nextSeq: 0, ack: 0 };
  const decoder = new FrameDecoder(512);
  const sink = {
    onFrame(f: Frame) {
      if (f.type === FrameType.HELLO || f.type === FrameType.HELLO_ACK) return;
      const next = f.type === FrameType.DATA ? (f.seq + 1) & 0xff : f.seq;
      if (f.type !== FrameType.DATA || seqDiff(next, seen.nextSeq) <= 127) seen.nextSeq = next;
      seen.ack = f.ack;
    },
    onBadFrame() {},
  };
  const opener: ByteStreamOpener = async () => {
    const p = await openPort({ path });
    port = p;
    return {
      setHandler: (h) => p.setHandler(h),
      write(chunk) {
        decoder.push(chunk, 0, chunk.length, sink);
        p.write(chunk);
      },
      close: () => p.close(),
    };
  };
  const inject = (type: number, seq: number, payload: Uint8Array) => {
    const out = new Uint8Array(frameWireSize(payload.length));
    const n = new FrameEncoder(payload.length).encode(
      type,
      seq,
      seen.ack,
      16,
      payload,
      payload.length,
      out,
      0,
    );
    port!.write(out.slice(0, n));
  };
  return { opener, seen, inject };
}

/** An RPMsg message (16-byte header + payload) from `src` to `dst`. */
function rpmsgMessage(src: number, dst: number, text: string): Uint8Array {
  const payload = enc.encode(text);
  const m = new Uint8Array(16 + payload.length);
  const v = new DataView(m.buffer);
  v.setUint32(0, src, true);
  v.setUint32(4, dst, true);
  v.setUint16(12, payload.length, true);
  m.set(payload, 16);
  return m;
}

function waitFor(emitter: RpmsgDevice, event: 'up' | 'down', ms = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
    emitter.once(event, (...args: unknown[]) => {
      clearTimeout(t);
      resolve(args[0]);
    });
  });
}

describe.skipIf(!hasCompiler())('firmware (C99) against the TypeScript host over a real pty', () => {
  let dir: string;
  let reliableBin: string;
  let unreliableBin: string;
  const running: { fw?: FirmwareHost; device?: RpmsgDevice }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rpmsg-serial-test-'));
    [reliableBin, unreliableBin] = await Promise.all([
      buildFirmwareHost({ outDir: await mkdtemp(join(dir, 'r-')), defines: { RPMSG_SERIAL_RTO_MS: 30 } }),
      buildFirmwareHost({
        outDir: await mkdtemp(join(dir, 'u-')),
        defines: { RPMSG_SERIAL_RELIABLE: 0, RPMSG_SERIAL_RTO_MS: 30 },
      }),
    ]);
  });
  afterEach(async () => {
    for (const r of running.splice(0)) {
      await r.device?.close();
      await r.fw?.stop();
    }
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('handshakes, turns the MCU announcements into channels and exchanges messages both ways', async () => {
    const fw = await startFirmwareHost(reliableBin);
    const device = await connectSerial({ path: fw.path, baudRate: 115200, timeout: 5000 });
    running.push({ fw, device });
    const transport = device.transport as SerialTransport;
    expect(transport.reliable).toBe(true);
    expect(transport.peer).toMatchObject({ version: 1, mtu: 512, credits: 2 });

    const names = (await settleChannels(device, { quietMs: 100 })).map((c) => c.name);
    expect(names.sort()).toEqual(['rpmsg-counter', 'rpmsg-echo', 'rpmsg-stats', 'rpmsg-tty']);
    const echo = await device.openChannel('rpmsg-echo', { timeout: 5000 });

    const echoes = inbox(echo);
    const sent = Array.from({ length: 100 }, (_, i) => `echo ${i} ${'x'.repeat(i * 4)}`);
    await Promise.all(sent.map((s) => echo.send(enc.encode(s))));
    expect(await echoes.until(100)).toEqual(sent);

    const counter = await device.openChannel('rpmsg-counter', { timeout: 5000 });
    const counts = inbox(counter);
    await counter.send(enc.encode('300'));
    expect(await counts.until(300)).toEqual(Array.from({ length: 300 }, (_, i) => `count ${i}`));
  });

  it('builds the bare-metal example and a small-RAM configuration with -Wall -Wextra -Werror', async () => {
    const run = (args: string[]) =>
      new Promise<void>((resolve, reject) =>
        execFile('gcc', args, (e, _o, stderr) => (e ? reject(new Error(stderr)) : resolve())),
      );
    const flags = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', `-I${FIRMWARE_DIR}`, '-c'];
    await run([
      ...flags,
      '-DEXAMPLE_HOST_CHECK',
      join(FIRMWARE_DIR, 'examples/rpmsg_echo/example.c'),
      '-o',
      join(dir, 'ex.o'),
    ]);
    const small = [
      '-DRPMSG_SERIAL_BUFFER_SIZE=128',
      '-DRPMSG_SERIAL_RX_RING=512',
      '-DRPMSG_SERIAL_TX_BUFFERS=2',
    ];
    await run([...flags, ...small, join(FIRMWARE_DIR, 'rpmsg_serial.c'), '-o', join(dir, 'small.o')]);
    // The ring must hold the credits' worth of frames: a configuration that cannot is a build error.
    await expect(
      run([
        ...flags,
        '-DRPMSG_SERIAL_RX_CREDITS=8',
        join(FIRMWARE_DIR, 'rpmsg_serial.c'),
        '-o',
        join(dir, 'bad.o'),
      ]),
    ).rejects.toThrow(/rs_ring_fits_credits/);
  });

  it('connects over tcp://host:port as to a ser2net raw port', async () => {
    const fw = await startFirmwareHost(reliableBin);
    // A minimal ser2net: one TCP client at a time, bytes copied to and from the pty.
    const server = createServer((socket) => {
      void openPort({ path: fw.path }).then((port) => {
        port.setHandler({ onData: (c) => socket.write(c), onClose: () => socket.destroy() });
        socket.on('data', (d) => port.write(d));
        socket.on('close', () => void port.close());
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const device = await connectSerial({ path: `tcp://127.0.0.1:${port}`, timeout: 5000 });
      running.push({ fw, device });
      const echo = await device.openChannel('rpmsg-echo', { timeout: 5000 });
      const echoes = inbox(echo);
      await echo.send(enc.encode('over tcp'));
      expect(await echoes.until(1)).toEqual(['over tcp']);
      await device.close();
    } finally {
      server.close();
    }
  });

  it('carries an @rpmsg/tty stream to the firmware and back unchanged', async (ctx) => {
    const tty = await import('@rpmsg/tty').catch(() => null);
    if (tty === null) ctx.skip(); // @rpmsg/tty is optional here
    const fw = await startFirmwareHost(reliableBin);
    const device = await connectSerial({ path: fw.path, timeout: 5000 });
    running.push({ fw, device });
    const stream = tty!.openTty(device, 'rpmsg-tty');
    const text = Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join('');
    const got: Buffer[] = [];
    let length = 0;
    const done = new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        got.push(chunk);
        length += chunk.length;
        if (length >= text.length) resolve();
      });
    });
    stream.write(text);
    await done;
    expect(Buffer.concat(got).toString()).toBe(text);
    stream.destroy();
  });

  async function noisyRun(bin: string, reliable: boolean) {
    const fw = await startFirmwareHost(bin);
    let noisy: NoisyStream | undefined;
    const rates = { drop: 0.002, corrupt: 0.002, duplicate: 0.002 };
    const transport = new SerialTransport({
      reliable,
      retransmitMs: 30,
      port: async () => {
        noisy = withNoise(await openPort({ path: fw.path }), {
          toPort: { ...rates, seed: 11 },
          fromPort: { ...rates, seed: 12 },
        });
        return noisy;
      },
    });
    const device = new RpmsgDevice(transport);
    running.push({ fw, device });
    await device.start(AbortSignal.timeout(5000));
    const echo = await device.openChannel('rpmsg-echo', { timeout: 5000 });
    const echoes = inbox(echo);
    const sent = Array.from({ length: 150 }, (_, i) => `noisy ${i} ${'y'.repeat(i % 90)}`);
    for (const s of sent) await echo.send(enc.encode(s));
    return { transport, device, echoes, sent, noisy: noisy!, echo };
  }

  it('reliable mode delivers every message once, in order and intact through a noisy line', async () => {
    const { transport, device, echoes, sent, noisy } = await noisyRun(reliableBin, true);
    expect(await echoes.until(sent.length, 30_000)).toEqual(sent);
    const mcu = await mcuStats(device);
    expect(noisy.toPort.stats.corrupted + noisy.fromPort.stats.corrupted).toBeGreaterThan(0);
    expect(transport.stats.link.retransmits + mcu('retransmits')).toBeGreaterThan(0);
    expect(mcu('crc_errors') + mcu('cobs_errors')).toBeGreaterThan(0); // the MCU saw damage and dropped it
    expect(transport.stats.link.errors).toBeGreaterThan(0);
  });

  it('unreliable mode never delivers a corrupted, duplicated or reordered message', async () => {
    const { echoes, sent, transport } = await noisyRun(unreliableBin, false);
    expect(transport.reliable).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    const got = echoes.got;
    expect(got.length).toBeGreaterThan(sent.length / 3);
    let last = -1;
    for (const m of got) {
      const i = sent.indexOf(m);
      expect(i).toBeGreaterThan(last); // intact (found verbatim), no duplicate, in order
      last = i;
    }
  });

  it('polls a host whose keep-alives are lost instead of taking the link down', async () => {
    const fw = await startFirmwareHost(reliableBin);
    let lose = 0; // host writes to lose on the way to the MCU
    const transport = new SerialTransport({
      keepAliveMs: 200,
      port: async () => {
        const port = await openPort({ path: fw.path });
        return {
          setHandler: (h) => port.setHandler(h),
          write: (chunk) => {
            if (lose > 0) lose--;
            else port.write(chunk);
          },
          close: () => port.close(),
        };
      },
    });
    const device = new RpmsgDevice(transport);
    running.push({ fw, device });
    await device.start(AbortSignal.timeout(5000));
    await settleChannels(device, { quietMs: 100 });
    const downs: string[] = [];
    device.on('down', (e: { code: string }) => downs.push(e.code));
    // The MCU times out after 3 × 200 + 30 + 50 ms of silence. Lost: the host's next keep-alive and
    // its answers to the MCU's first two polls; without polls, three keep-alives would be.
    lose = 3;
    await new Promise((r) => setTimeout(r, 1200));
    expect(lose).toBe(0);
    expect(downs).toEqual([]);
    const mcu = await mcuStats(device);
    expect(mcu('silence_polls')).toBeGreaterThanOrEqual(3);
    expect(mcu('link_downs')).toBe(0);
  });

  describe('credit window (docs/serial-protocol.md §5.1)', () => {
    async function forgedRun(bin: string, reliable: boolean) {
      const fw = await startFirmwareHost(bin);
      const line = tap(fw.path);
      const transport = new SerialTransport({ reliable, retransmitMs: 30, port: line.opener });
      const device = new RpmsgDevice(transport);
      running.push({ fw, device });
      await device.start(AbortSignal.timeout(5000));
      const echo = await device.openChannel('rpmsg-echo', { timeout: 5000 });
      const echoes = inbox(echo);
      await echo.send(enc.encode('before'));
      await echoes.until(1, 5000);
      // A valid-CRC DATA 100 seqs beyond what the host will send next, for the echo service.
      const forged = rpmsgMessage(echo.addr, echo.dst, 'forged');
      line.inject(FrameType.DATA, (line.seen.nextSeq + 100) & 0xff, forged);
      for (let i = 0; i < 30; i++) {
        await echo.send(enc.encode(`echo ${i}`));
        await echoes.until(i + 2, 5000);
      }
      expect(echoes.got).toEqual(['before', ...Array.from({ length: 30 }, (_, i) => `echo ${i}`)]);
      expect(transport.reliable).toBe(reliable);
      return mcuStats(device);
    }

    it('unreliable MCU: a forged DATA far beyond its credits is an overrun, and the next 30 echoes all arrive', async () => {
      const mcu = await forgedRun(unreliableBin, false);
      expect(mcu('overruns')).toBe(1);
      expect(mcu('duplicates')).toBe(0);
    });

    it('reliable MCU: a DATA beyond its credits is an overrun, not an out-of-order frame', async () => {
      const mcu = await forgedRun(reliableBin, true);
      expect(mcu('overruns')).toBe(1);
      expect(mcu('out_of_order')).toBe(0);
    });
  });

  it('ignores a HELLO_ACK while up, whatever its nonce (docs/serial-protocol.md §4)', async () => {
    const fw = await startFirmwareHost(reliableBin);
    const line = tap(fw.path);
    const device = new RpmsgDevice(new SerialTransport({ port: line.opener }));
    running.push({ fw, device });
    await device.start(AbortSignal.timeout(5000));
    const downs: string[] = [];
    device.on('down', (e: { code: string }) => downs.push(e.code));
    const hello = new Uint8Array(HELLO_SIZE);
    encodeHello(
      {
        version: 1,
        flags: 1,
        mtu: 512,
        credits: 16,
        keepAliveMs: 500,
        nonce: 0x5eed,
        peerNonce: 0xbad,
        retransmitMs: 50,
        baudRate: 0,
      },
      hello,
    );
    line.inject(FrameType.HELLO_ACK, 0, hello);
    const echo = await device.openChannel('rpmsg-echo', { timeout: 5000 });
    const echoes = inbox(echo);
    await echo.send(enc.encode('still up'));
    expect(await echoes.until(1, 5000)).toEqual(['still up']);
    const mcu = await mcuStats(device);
    expect(mcu('link_downs')).toBe(0);
    expect(downs).toEqual([]);
  });

  it('computes the link timeout from both HELLOs exactly as the host does (docs/serial-protocol.md §6)', async () => {
    const fw = await startFirmwareHost(reliableBin);
    // A device path: connectSerial declares 115200 baud; this MCU build declares none.
    const device = await connectSerial({ path: fw.path, timeout: 5000 });
    running.push({ fw, device });
    const transport = device.transport as SerialTransport;
    expect(transport.peer).toMatchObject({ credits: 2, keepAliveMs: 500, retransmitMs: 30, baudRate: 0 });
    // (2 + 16) frames of 512 + 12 bytes at 115200 baud, 10 bits a byte: 818.75 → 819 ms.
    const wire = Math.ceil(((2 + 16) * (512 + 12) * 10_000) / 115200);
    expect(transport.linkTimeoutMs).toBe(3 * 500 + 50 + 50 + wire); // host: MCU keep-alive, own 50 ms
    const mcu = await mcuStats(device);
    expect(mcu('link_timeout_ms')).toBe(3 * 500 + 30 + 50 + wire); // MCU: host keep-alive, own RTO 30
  });

  it('keeps serving when its stdin is not a terminal, until SIGTERM (README host example)', async () => {
    const link = join(dir, 'ttyBackground');
    const fw = await startFirmwareHost(reliableBin, { link, commands: false });
    const device = await connectSerial({ path: link, timeout: 5000 });
    running.push({ device });
    const echo = await device.openChannel('rpmsg-echo', { timeout: 5000 });
    const echoes = inbox(echo);
    await echo.send(enc.encode('in the background'));
    expect(await echoes.until(1, 5000)).toEqual(['in the background']);
    expect(fw.process.exitCode).toBeNull();
    await device.close();
    await fw.stop(); // SIGTERM
    expect(fw.process.exitCode).toBe(0);
    await expect(lstat(link)).rejects.toMatchObject({ code: 'ENOENT' }); // its symlink removed on the way out
  });

  it('goes down on unplug and comes back up on replug with the channels re-announced', async () => {
    const link = join(dir, 'ttyMCU');
    const fw = await startFirmwareHost(reliableBin, { link });
    const device = await connectSerial({ path: link, timeout: 5000, reconnectMs: 50, reconnectMaxMs: 200 });
    running.push({ fw, device });
    await device.waitForChannel('rpmsg-echo', { timeout: 5000 });
    const events: string[] = [];
    device.on('down', (e: { code: string }) => events.push(`down ${e.code}`));
    device.on('up', () => events.push('up'));
    device.on('channel-removed', (c: { name: string }) => events.push(`removed ${c.name}`));

    const down = waitFor(device, 'down');
    await fw.unplug();
    await down;
    expect(device.channels()).toEqual([]);
    expect(events).toContain('removed rpmsg-echo');

    const up = waitFor(device, 'up');
    await fw.replug();
    await up;
    const echo = await device.openChannel('rpmsg-echo', { timeout: 5000 });
    const echoes = inbox(echo);
    await echo.send(enc.encode('after replug'));
    expect(await echoes.until(1)).toEqual(['after replug']);
    expect(events.find((e) => e.startsWith('down'))).toMatch(/^down ERR_RPMSG_(LINK_DOWN|PEER_GONE)$/);
    expect((device.transport as SerialTransport).stats.opens).toBe(2);
  });
});
