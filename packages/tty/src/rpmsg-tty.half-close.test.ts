// Half-close: end() sends the end marker and keeps reading; the readable side ends with the peer's.
import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Endpoint } from '@rpmsg/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RPMSG_TTY_F_EOF } from './end-marker.js';
import { openTty } from './open-tty.js';
import type { RpmsgTty } from './rpmsg-tty.js';
import { type DevicePair, pipeLines, randomBytes, settle, startPair } from './test-support.js';
import { serveTty } from './tty-service.js';

/** What a hand-written peer received: data as text, the end marker as `<EOF>`, a hello as `<hello>`. */
interface RawPeer {
  readonly endpoint: Endpoint;
  readonly got: string[];
  /** The tty's address, learnt from its hello. */
  readonly tty: () => number;
  send(text: string): Promise<void>;
  /** Sends the end marker to `dst` (default: the tty). */
  sendEnd(dst?: number): Promise<void>;
}

/** A firmware-side endpoint announced as `name` that records everything and answers nothing. */
function rawPeer(pair: DevicePair, name: string): RawPeer {
  const got: string[] = [];
  const endpoint = pair.remote.createEndpoint({
    name,
    onMessage: (payload, _src, msg) => {
      if (payload.length > 0) got.push(Buffer.from(payload).toString());
      else got.push(msg.flags & RPMSG_TTY_F_EOF ? '<EOF>' : '<hello>');
    },
  });
  return {
    endpoint,
    got,
    tty: () => endpoint.dst,
    send: (text) => endpoint.send(Buffer.from(text)),
    async sendEnd(dst = endpoint.dst) {
      const buf = await endpoint.getTxBuffer();
      buf.send(0, dst, RPMSG_TTY_F_EOF);
    },
  };
}

/** Collects what a tty reads, and any error. */
function collect(tty: RpmsgTty): { text: () => string; errors: Error[] } {
  const chunks: Buffer[] = [];
  const errors: Error[] = [];
  tty.on('data', (c: Buffer) => chunks.push(c));
  tty.on('error', (e) => errors.push(e));
  return { text: () => Buffer.concat(chunks).toString(), errors };
}

/** Opens a tty on `name` and waits until the peer has its hello (so it knows the tty's address). */
async function openBound(pair: DevicePair, peer: RawPeer, options = {}): Promise<RpmsgTty> {
  const tty = openTty(pair.master, peer.endpoint.name, options);
  await once(tty, 'ready');
  await settle();
  expect(peer.got).toEqual(['<hello>']);
  return tty;
}

describe('RpmsgTty half-close', () => {
  let pair: DevicePair;

  beforeEach(async () => {
    pair = await startPair();
  });
  afterEach(async () => {
    await pair.close();
  });

  describe('against serveTty', () => {
    beforeEach(() => {
      serveTty(pair.remote);
    });

    it('pipeline(lines, tty, sink) resolves with every echoed byte in the sink', async () => {
      const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}\n`);
      const tty = openTty(pair.master);
      expect(await pipeLines(tty, lines)).toBe(lines.join(''));
      expect(tty.destroyed).toBe(true);
      expect(pair.master.endpoints()).toHaveLength(0);
    });

    it('carries 2 MB through a slow sink with backpressure both ways, and ends after the last byte', async () => {
      const data = randomBytes(2 * 1024 * 1024, 31);
      const tty = openTty(pair.master, 'rpmsg-tty', { highWaterMark: 8 * 1024 });
      let got = 0;
      let maxHeld = 0;
      const out = Buffer.alloc(data.length);
      const sink = new Writable({
        highWaterMark: 1024,
        write(chunk: Buffer, _encoding, callback) {
          chunk.copy(out, got);
          got += chunk.length;
          maxHeld = Math.max(maxHeld, tty.heldMessages);
          setImmediate(callback); // slower than the firmware: the tty must hold, not buffer
        },
      });
      const source = Readable.from(
        (function* () {
          for (let offset = 0; offset < data.length; offset += 4096)
            yield data.subarray(offset, offset + 4096);
        })(),
      );
      await pipeline(source, tty, sink);
      expect(got).toBe(data.length);
      expect(out.equals(data)).toBe(true);
      expect(maxHeld).toBeGreaterThan(0);
      expect(pair.master.stats.rxHeld).toBe(0);
    });

    it('end() before ready sends the queued writes, then the end marker, and closes after the echo', async () => {
      const tty = openTty(pair.master);
      const { text, errors } = collect(tty);
      tty.end('early');
      await once(tty, 'close');
      expect(text()).toBe('early');
      expect(errors).toEqual([]);
      expect(tty.readableEnded).toBe(true);
    });
  });

  describe('when the peer ends first', () => {
    it('with allowHalfOpen false (default), ends the writable side after what was written, then closes', async () => {
      const peer = rawPeer(pair, 'ender');
      const tty = await openBound(pair, peer);
      const { text, errors } = collect(tty);
      tty.write('x'.repeat(1500)); // 4 messages: all must go before our end marker
      await peer.send('bye');
      await peer.sendEnd();
      await settle();
      expect(text()).toBe('bye');
      expect(tty.readableEnded).toBe(true);
      expect(tty.writableFinished).toBe(true);
      expect(tty.destroyed).toBe(true);
      expect(errors).toEqual([]);
      // Everything written went out before our end marker.
      expect(peer.got.slice(1).join('')).toBe(`${'x'.repeat(1500)}<EOF>`);
      expect(pair.master.endpoints()).toHaveLength(0);
    });

    it('with allowHalfOpen true, stays writable until end()', async () => {
      const peer = rawPeer(pair, 'ender');
      const tty = await openBound(pair, peer, { allowHalfOpen: true });
      const { errors } = collect(tty);
      await peer.sendEnd();
      await settle();
      expect(tty.readableEnded).toBe(true);
      expect(tty.writable).toBe(true);
      expect(tty.destroyed).toBe(false);
      tty.write('after');
      await settle();
      expect(peer.got).toEqual(['<hello>', 'after']);
      tty.end();
      await settle();
      expect(peer.got).toEqual(['<hello>', 'after', '<EOF>']);
      expect(tty.destroyed).toBe(true);
      expect(errors).toEqual([]);
      expect(pair.master.endpoints()).toHaveLength(0);
    });

    it('ends the readable side only after the messages held while the reader was behind', async () => {
      const peer = rawPeer(pair, 'ender');
      const tty = await openBound(pair, peer, { highWaterMark: 1024 });
      const data = randomBytes(4000, 32).toString('hex');
      // 20 messages, fewer than the ring's buffers: all arrive, and the end marker right after them.
      const sends: Promise<void>[] = [];
      for (let i = 0; i < data.length; i += 400) sends.push(peer.send(data.slice(i, i + 400)));
      sends.push(peer.sendEnd());
      await settle();
      expect(peer.endpoint.stats.sent).toBe(21); // the end marker is in
      expect(tty.heldMessages).toBeGreaterThan(0);
      expect(tty.readableEnded).toBe(false);
      const { text, errors } = collect(tty);
      await Promise.all([once(tty, 'end'), ...sends]);
      expect(text()).toBe(data);
      expect(errors).toEqual([]);
    });

    it('errors with ERR_TTY_DATA_AFTER_EOF when the peer sends data after its end', async () => {
      const peer = rawPeer(pair, 'ender');
      const tty = await openBound(pair, peer, { allowHalfOpen: true });
      const { errors } = collect(tty);
      await peer.sendEnd();
      await peer.send('oops');
      await settle();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ name: 'TtyError', code: 'ERR_TTY_DATA_AFTER_EOF', length: 4 });
      expect(tty.destroyed).toBe(true);
    });
  });

  describe('what is not an end', () => {
    it('ignores an end marker from an address that is not the peer', async () => {
      const peer = rawPeer(pair, 'ender');
      const tty = await openBound(pair, peer);
      const { text } = collect(tty);
      const intruder = rawPeer(pair, 'intruder');
      await intruder.sendEnd(peer.tty());
      await peer.send('still open');
      await settle();
      expect(tty.readableEnded).toBe(false);
      expect(text()).toBe('still open');
      await peer.sendEnd();
      await settle();
      expect(tty.readableEnded).toBe(true);
    });

    it('takes a 0-byte message without the flag for a hello, not an end', async () => {
      const peer = rawPeer(pair, 'ender');
      const tty = await openBound(pair, peer);
      const { text } = collect(tty);
      await peer.send('');
      await peer.send('data');
      await settle();
      expect(tty.readableEnded).toBe(false);
      expect(text()).toBe('data');
      await peer.sendEnd();
      await settle();
      expect(tty.readableEnded).toBe(true);
    });
  });

  describe('when the channel goes while half-closed', () => {
    it('takes the peer destroying the channel after our end for a clean end, after the data before it', async () => {
      const peer = rawPeer(pair, 'mute'); // never sends an end marker
      const tty = await openBound(pair, peer);
      const { text, errors } = collect(tty);
      tty.end('done');
      await once(tty, 'finish');
      await settle();
      expect(peer.got).toEqual(['<hello>', 'done', '<EOF>']);
      expect(tty.readableEnded).toBe(false); // still reading: the peer may answer
      await peer.send('answer');
      peer.endpoint.destroy(); // NS DESTROY
      await once(tty, 'close');
      expect(text()).toBe('answer');
      expect(errors).toEqual([]);
      expect(tty.readableEnded).toBe(true);
      expect(pair.master.endpoints()).toHaveLength(0);
    });

    it('errors with ERR_RPMSG_CHANNEL_GONE when the channel goes while our side is still open', async () => {
      const peer = rawPeer(pair, 'ender');
      const tty = await openBound(pair, peer, { allowHalfOpen: true });
      const { errors } = collect(tty);
      await peer.sendEnd();
      await settle();
      expect(tty.readableEnded).toBe(true);
      peer.endpoint.destroy();
      await settle();
      expect(errors.map((e) => (e as Error & { code: string }).code)).toEqual(['ERR_RPMSG_CHANNEL_GONE']);
    });

    it('errors with ERR_RPMSG_PEER_GONE when the peer crashes after our end', async () => {
      const peer = rawPeer(pair, 'mute');
      const tty = await openBound(pair, peer);
      const { errors } = collect(tty);
      tty.end('done');
      await once(tty, 'finish');
      pair.link.disconnect('ERR_RPMSG_PEER_GONE');
      await settle();
      expect(errors.map((e) => (e as Error & { code: string }).code)).toEqual(['ERR_RPMSG_PEER_GONE']);
      expect(pair.master.endpoints()).toHaveLength(0);
    });
  });
});
