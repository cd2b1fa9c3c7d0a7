import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { HeldMessage } from '@rpmsg/core';
import { FakeClock } from '@rpmsg/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTty } from './open-tty.js';
import type { RpmsgTty } from './rpmsg-tty.js';
import { type DevicePair, prng, randomBytes, settle, startPair } from './test-support.js';
import { serveTty, type TtyService } from './tty-service.js';

/** Writes `data` in random-size writes (1 B..maxWrite), obeying backpressure. */
async function writeRandomly(tty: RpmsgTty, data: Buffer, seed: number, maxWrite = 64 * 1024): Promise<void> {
  const next = prng(seed);
  let offset = 0;
  while (offset < data.length) {
    const n = Math.min(data.length - offset, 1 + Math.floor(next() * maxWrite));
    const ok = tty.write(data.subarray(offset, offset + n));
    offset += n;
    if (!ok) await once(tty, 'drain');
  }
}

/** Reads exactly `total` bytes from `tty` (without ending it). */
function readExactly(tty: RpmsgTty, total: number): Promise<Buffer> {
  const out = Buffer.alloc(total);
  let got = 0;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      if (got + chunk.length > total) {
        reject(new Error(`got ${got + chunk.length} bytes, expected ${total}`));
        return;
      }
      chunk.copy(out, got);
      got += chunk.length;
      if (got === total) {
        tty.off('data', onData);
        tty.pause();
        resolve(out);
      }
    };
    tty.on('data', onData);
    tty.once('error', reject);
  });
}

describe('RpmsgTty', () => {
  let pair: DevicePair;
  let service: TtyService;

  beforeEach(async () => {
    pair = await startPair();
    service = serveTty(pair.remote);
  });
  afterEach(async () => {
    await pair.close();
  });

  describe('open', () => {
    it('binds to the rpmsg-tty channel and emits ready', async () => {
      const tty = openTty(pair.master);
      await once(tty, 'ready');
      expect(tty.endpoint?.dst).toBe(service.endpoint.addr);
      expect(tty.ttyName).toMatch(/^ttyRPMSG\d+$/);
      tty.destroy();
    });

    it('names each open tty ttyRPMSG<n> with its own number, freed on close', async () => {
      const a = openTty(pair.master);
      const b = openTty(pair.master);
      expect(a.ttyName).toMatch(/^ttyRPMSG\d+$/);
      expect(b.ttyName).not.toBe(a.ttyName);
      a.destroy();
      await once(a, 'close');
      const c = openTty(pair.master);
      // Lowest free number: a's again (or lower, if an earlier test's tty closed meanwhile).
      expect(c.ttyName).not.toBe(b.ttyName);
      expect(Number(c.ttyName.slice(8))).toBeLessThanOrEqual(Number(a.ttyName.slice(8)));
      b.destroy();
      c.destroy();
    });

    it('errors with an AbortError when the signal aborts while waiting for the channel', async () => {
      const abort = new AbortController();
      const tty = openTty(pair.master, 'not-announced', { signal: abort.signal });
      const error = once(tty, 'error');
      abort.abort();
      const [err] = (await error) as [Error];
      expect(err.name).toBe('AbortError');
    });
  });

  describe('round trip', () => {
    it('echoes 10 MB written in random-size writes (1 B..64 KB) byte-exact', async () => {
      const tty = openTty(pair.master);
      const data = randomBytes(10 * 1024 * 1024, 1);
      const received = readExactly(tty, data.length);
      await writeRandomly(tty, data, 2);
      expect((await received).equals(data)).toBe(true);
      tty.resume(); // 'end' (and so 'close') needs a reader
      tty.end();
      await once(tty, 'close');
    });

    it('works with setEncoding and for await, keeping characters split across messages whole', async () => {
      const tty = openTty(pair.master);
      tty.setEncoding('utf8');
      const text = '€ü✓'.repeat(700); // 6300 bytes: multi-byte characters straddle 496-byte messages
      tty.write(text);
      let got = '';
      for await (const chunk of tty) {
        got += chunk as string;
        if (got.length >= text.length) break;
      }
      expect(got).toBe(text);
      expect(tty.destroyed).toBe(true);
    });

    it('serves readline line by line', async () => {
      service.close();
      serveTty(pair.remote, {
        name: 'upper',
        handler: (d) => Buffer.from(Buffer.from(d).toString().toUpperCase()),
      });
      const tty = openTty(pair.master, 'upper');
      const rl = createInterface({ input: tty, crlfDelay: Number.POSITIVE_INFINITY });
      tty.write('alpha\nbe');
      tty.write('ta\n');
      tty.write(`${'x'.repeat(1500)}\n`);
      const lines: string[] = [];
      for await (const line of rl) {
        lines.push(line);
        if (lines.length === 3) break;
      }
      expect(lines).toEqual(['ALPHA', 'BETA', 'X'.repeat(1500)]);
      tty.destroy();
    });
  });

  describe('write', () => {
    it('packs and splits writes into MTU-sized messages in order', async () => {
      service.close();
      const sizes: number[] = [];
      const bytes: Buffer[] = [];
      serveTty(pair.remote, {
        name: 'sink',
        handler: (d) => {
          sizes.push(d.length);
          bytes.push(Buffer.from(d));
          return null;
        },
      });
      const tty = openTty(pair.master, 'sink');
      await once(tty, 'ready');
      const data = randomBytes(5000, 3);
      tty.write(data.subarray(0, 1200));
      tty.write(data.subarray(1200));
      await new Promise<void>((resolve) => tty.end(resolve));
      await settle();
      const mtu = pair.master.mtu;
      expect(Buffer.concat(bytes).equals(data)).toBe(true);
      // Every message is full except the last of each write batch.
      expect(sizes.filter((n) => n !== mtu).length).toBeLessThanOrEqual(2);
      expect(Math.max(...sizes)).toBe(mtu);
    });

    it('backpressures instead of failing when the TX pool is empty, and drains when buffers return', async () => {
      service.close();
      const held: HeldMessage[] = [];
      pair.remote.createEndpoint({ name: 'stall', onMessage: (_p, _s, msg) => void held.push(msg.hold()) });
      const tty = openTty(pair.master, 'stall', { highWaterMark: 4096 });
      await once(tty, 'ready');
      const errors: Error[] = [];
      tty.on('error', (e) => errors.push(e));
      let drained = false;
      tty.on('drain', () => {
        drained = true;
      });
      const pool = pair.master.stats.txTotal;
      const mtu = pair.master.mtu;
      // More than the pool can carry, in one write: it must wait, not fail.
      const ok = tty.write(Buffer.alloc((pool + 10) * mtu, 7));
      expect(ok).toBe(false);
      await settle();
      expect(held.length).toBe(pool); // every TX buffer (the hello's too) is with the peer
      expect(pair.master.stats.txFree).toBe(0);
      expect(drained).toBe(false);
      expect(errors).toEqual([]);
      for (const msg of held.splice(0)) msg.release();
      await once(tty, 'drain');
      await settle();
      expect(errors).toEqual([]);
      // The rest went out once buffers came back: the hello, then every byte, MTU-sized messages.
      const bytes = held.reduce((n, m) => n + m.payload.length, 0);
      expect(bytes).toBe(11 * mtu);
      for (const msg of held.splice(0)) msg.release();
      tty.destroy();
    });
  });

  describe('backpressure', () => {
    it('never grows memory without bound or drops a byte when the writer outruns the reader', async () => {
      const hwm = 8 * 1024;
      const tty = openTty(pair.master, 'rpmsg-tty', { highWaterMark: hwm });
      const data = randomBytes(2 * 1024 * 1024, 4);
      let maxReadable = 0;
      let maxWritable = 0;
      let maxHeld = 0;
      const sample = () => {
        maxReadable = Math.max(maxReadable, tty.readableLength);
        maxWritable = Math.max(maxWritable, tty.writableLength);
        maxHeld = Math.max(maxHeld, pair.master.stats.rxHeld);
      };
      const writing = (async () => {
        const chunk = 4096;
        for (let offset = 0; offset < data.length; offset += chunk) {
          sample();
          if (!tty.write(data.subarray(offset, offset + chunk))) await once(tty, 'drain');
        }
      })();
      // Nobody reads for a while: the writer must stall, not buffer 2 MB.
      await settle(50);
      sample();
      const writtenWhileStalled = tty.writableLength;
      expect(tty.readableLength).toBeLessThanOrEqual(hwm + pair.master.mtu);
      expect(tty.heldMessages).toBeGreaterThan(0);
      expect(pair.master.stats.rxHeld).toBeLessThanOrEqual(pair.master.stats.txTotal);
      expect(writtenWhileStalled).toBeLessThanOrEqual(hwm + 4096);
      // Now a slow reader: one chunk per event-loop turn.
      const out = Buffer.alloc(data.length);
      let got = 0;
      while (got < data.length) {
        sample();
        const chunk = tty.read() as Buffer | null;
        if (chunk === null) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          continue;
        }
        chunk.copy(out, got);
        got += chunk.length;
        if (got % 5 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await writing;
      expect(out.equals(data)).toBe(true);
      expect(maxReadable).toBeLessThanOrEqual(hwm + pair.master.mtu);
      expect(maxWritable).toBeLessThanOrEqual(hwm + 4096);
      expect(maxHeld).toBeLessThanOrEqual(pair.master.stats.txTotal);
      tty.destroy();
    });
  });

  describe('pipeline', () => {
    it('tears the tty down when a stage in the middle fails, and the service stays usable', async () => {
      const tty = openTty(pair.master);
      await once(tty, 'ready');
      const endpoint = tty.endpoint!;
      const source = Readable.from(
        (function* () {
          for (let i = 0; i < 256; i += 1) yield Buffer.alloc(4096, i);
        })(),
      );
      let seen = 0;
      const failing = new Transform({
        transform(chunk: Buffer, _enc, callback) {
          seen += chunk.length;
          callback(seen > 100_000 ? new Error('boom') : null, chunk);
        },
      });
      const sink = new Writable({ write: (_c, _e, cb) => cb() });
      await expect(pipeline(source, tty, failing, sink)).rejects.toThrow('boom');
      expect(tty.destroyed).toBe(true);
      expect(endpoint.destroyed).toBe(true);
      expect(pair.master.endpoints()).not.toContain(endpoint);

      const again = openTty(pair.master);
      const received = readExactly(again, 3);
      again.write('abc');
      expect((await received).toString()).toBe('abc');
      again.destroy();
    });

    it('pipes through pipeline from the tty to a sink, which ends when end() is answered', async () => {
      const tty = openTty(pair.master);
      const collected: Buffer[] = [];
      const sink = new PassThrough();
      sink.on('data', (c: Buffer) => collected.push(c));
      const data = randomBytes(100_000, 5);
      const done = pipeline(tty, sink);
      await writeRandomly(tty, data, 6, 5000);
      while (Buffer.concat(collected).length < data.length) await settle(1);
      tty.end();
      await done;
      expect(Buffer.concat(collected).equals(data)).toBe(true);
    });
  });

  describe('lifecycle', () => {
    it('end() sends what was written, keeps reading the echoes, and closes after the peer ends', async () => {
      const tty = openTty(pair.master);
      await once(tty, 'ready');
      const endpoint = tty.endpoint!;
      const chunks: Buffer[] = [];
      tty.on('data', (c: Buffer) => chunks.push(c));
      tty.end('bye');
      await once(tty, 'close');
      expect(Buffer.concat(chunks).toString()).toBe('bye');
      expect(endpoint.destroyed).toBe(true);
      expect(tty.readableEnded).toBe(true);
      expect(tty.endpoint).toBeNull();
      // Its ttyRPMSG number is free again (the lowest free number is taken).
      const next = openTty(pair.master);
      expect(next.ttyName).toBe(tty.ttyName);
      next.destroy();
    });

    it('destroy() releases held RX buffers and the endpoint', async () => {
      const tty = openTty(pair.master, 'rpmsg-tty', { highWaterMark: 1024 });
      await once(tty, 'ready');
      tty.write(Buffer.alloc(20_000, 1));
      await settle();
      expect(tty.heldMessages).toBeGreaterThan(0);
      expect(pair.master.stats.rxHeld).toBeGreaterThan(0);
      tty.destroy();
      await once(tty, 'close');
      expect(pair.master.stats.rxHeld).toBe(0);
      expect(pair.master.endpoints()).toHaveLength(0);
    });

    it('errors with ERR_RPMSG_PEER_GONE when the peer crashes mid-stream, and reopens after the restart', async () => {
      const tty = openTty(pair.master);
      let received = 0;
      tty.on('data', (c: Buffer) => {
        received += c.length;
        if (received >= 10_000 && pair.master.isUp) pair.link.disconnect('ERR_RPMSG_PEER_GONE');
      });
      const error = once(tty, 'error');
      void writeRandomly(tty, randomBytes(1_000_000, 9), 10, 4096).catch(() => {});
      const [err] = (await error) as [Error & { code: string }];
      expect(err.code).toBe('ERR_RPMSG_PEER_GONE');
      expect(pair.master.endpoints()).toHaveLength(0);

      pair.link.reconnect(); // remoteproc recovery: the firmware's service announces itself again
      const again = openTty(pair.master);
      const data = randomBytes(50_000, 11);
      const echoed = readExactly(again, data.length);
      await writeRandomly(again, data, 12, 4096);
      expect((await echoed).equals(data)).toBe(true);
      again.destroy();
    });

    it('fails a write with ERR_RPMSG_TIMEOUT only when writeTimeout is set and runs out', async () => {
      await pair.close();
      const clock = new FakeClock();
      pair = await startPair({ clock });
      const held: HeldMessage[] = [];
      pair.remote.createEndpoint({ name: 'stall', onMessage: (_p, _s, msg) => void held.push(msg.hold()) });
      const tty = openTty(pair.master, 'stall', { writeTimeout: 500 });
      await once(tty, 'ready');
      const error = once(tty, 'error');
      tty.write(Buffer.alloc(pair.master.stats.txTotal * pair.master.mtu * 2));
      await settle();
      clock.advance(499);
      await settle();
      expect(tty.destroyed).toBe(false);
      clock.advance(1);
      const [err] = (await error) as [Error & { code: string }];
      expect(err.code).toBe('ERR_RPMSG_TIMEOUT');
      for (const msg of held) msg.release();
    });

    it('errors with ERR_RPMSG_CLOSED when the device closes under an open tty', async () => {
      const tty = openTty(pair.master);
      await once(tty, 'ready');
      const error = once(tty, 'error');
      await pair.master.close();
      const [err] = (await error) as [Error & { code: string }];
      expect(err.code).toBe('ERR_RPMSG_CLOSED');
      expect(tty.destroyed).toBe(true);
    });

    it('errors with ERR_RPMSG_CLOSED when the device closes while a write waits for a TX buffer', async () => {
      service.close();
      pair.remote.createEndpoint({ name: 'stall', onMessage: (_p, _s, msg) => void msg.hold() });
      const tty = openTty(pair.master, 'stall');
      await once(tty, 'ready');
      const errors: Error[] = [];
      tty.on('error', (e) => errors.push(e));
      tty.write(Buffer.alloc(pair.master.stats.txTotal * pair.master.mtu * 2));
      await settle();
      expect(pair.master.stats.txFree).toBe(0);
      await pair.master.close();
      await settle();
      expect(errors.map((e) => (e as Error & { code: string }).code)).toEqual(['ERR_RPMSG_CLOSED']);
    });

    it('errors with ERR_RPMSG_ENDPOINT_DESTROYED when someone else destroys its endpoint', async () => {
      const tty = openTty(pair.master);
      await once(tty, 'ready');
      const error = once(tty, 'error');
      tty.endpoint!.destroy();
      const [err] = (await error) as [Error & { code: string }];
      expect(err.code).toBe('ERR_RPMSG_ENDPOINT_DESTROYED');
      expect(tty.destroyed).toBe(true);
    });

    it('errors with ERR_RPMSG_CHANNEL_GONE when the peer destroys the channel mid-stream', async () => {
      const tty = openTty(pair.master);
      let received = 0;
      tty.on('data', (c: Buffer) => {
        received += c.length;
        if (received >= 10_000 && !service.endpoint.destroyed) service.close();
      });
      const error = once(tty, 'error');
      void writeRandomly(tty, randomBytes(1_000_000, 7), 8, 4096).catch(() => {});
      const [err] = (await error) as [Error & { code: string }];
      expect(err.code).toBe('ERR_RPMSG_CHANNEL_GONE');
      expect(tty.destroyed).toBe(true);
      expect(pair.master.endpoints()).toHaveLength(0);
    });
  });
});
