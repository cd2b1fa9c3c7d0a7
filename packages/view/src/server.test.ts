import { request } from 'node:http';
import { connect } from 'node:net';
import { createLayout, layoutToJson } from '@rpmsg/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Frame } from './frame.js';
import { replaySource } from './replay-source.js';
import { startView, type ViewServer } from './server.js';
import type { ViewSource } from './source.js';

/** A still source: an all-zero region of a linux layout with `num` buffers per direction. */
function stillSource(num = 16): ViewSource & { restarts: number } {
  const layout = layoutToJson(createLayout('linux', { numBuffers: num })) as { size: number };
  const image = new Uint8Array(layout.size);
  return {
    restarts: 0,
    state: 'running',
    snapshot: () => ({ image, layout }),
    stats: async () => ({
      master: { endpoints: [{ addr: 1024, name: 'rpmsg-echo', dst: 30, sent: 1 }] },
      remote: null,
    }),
    async restart() {
      this.restarts++;
    },
  };
}

function fetchText(url: string, init: { method?: string; host?: string } = {}) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = request(
        url,
        { method: init.method ?? 'GET', headers: init.host ? { host: init.host } : {} },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

describe('startView', () => {
  let view: ViewServer | undefined;
  afterEach(async () => {
    await view?.close();
    view = undefined;
  });

  it('binds 127.0.0.1 by default and serves the bundled page', async () => {
    view = await startView(stillSource());
    expect(view.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetchText(view.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script src="view.js"');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    for (const asset of ['view.js', 'view.css']) expect((await fetchText(view.url + asset)).status).toBe(200);
  });

  it('answers /frame with the layout, ring model, SVG, channels, events and state', async () => {
    view = await startView(stillSource(16));
    const res = await fetchText(`${view.url}frame`);
    const frame = JSON.parse(res.body) as Frame;
    expect(frame.seq).toBe(1);
    expect(frame.state).toBe('running');
    expect(frame.layout).toMatchObject({ profile: 'linux', bufferSize: 512 });
    expect(frame.rings?.vrings.map((v) => [v.name, v.owners.length, v.buffers.length])).toEqual([
      ['vq0', 16, 16],
      ['vq1', 16, 16],
    ]);
    expect(frame.svg?.match(/data-desc=/g)?.length).toBe(32);
    expect(frame.channels[0]).toMatchObject({ core: 'master', addr: 1024, name: 'rpmsg-echo', sent: 1 });
    expect(frame.events.map((e) => e.event)).toEqual(['boot']);
    expect(frame.error).toBeNull();
  });

  it('pushes frames on /events', async () => {
    view = await startView(stillSource(), { hz: 20 });
    const seqs = await new Promise<number[]>((resolve, reject) => {
      const got: number[] = [];
      const req = request(`${view!.url}events`, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream');
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
            const data = buf
              .slice(0, i)
              .split('\n')
              .find((l) => l.startsWith('data: '));
            buf = buf.slice(i + 2);
            if (data) got.push((JSON.parse(data.slice(6)) as Frame).seq);
            if (got.length === 3) {
              req.destroy();
              resolve(got);
            }
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(seqs).toHaveLength(3);
    expect(seqs[2]!).toBeGreaterThan(seqs[0]!);
  });

  it('skips frames for a client that never reads instead of buffering them', async () => {
    view = await startView(stillSource(1024), { hz: 60 });
    const frameBytes = (await fetchText(`${view.url}frame`)).body.length;
    const port = Number(new URL(view.url).port);
    const socket = connect(port, '127.0.0.1');
    socket.pause(); // never reads: the kernel buffers fill, then Node's
    socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    try {
      const deadline = Date.now() + 30_000;
      while (view.stats().frames < 80 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const stats = view.stats();
      expect(stats.frames).toBeGreaterThanOrEqual(80);
      // 80 frames of ~frameBytes were due; at most one frame (and the stream's preamble) ever waits.
      expect(stats.skipped).toBeGreaterThan(0);
      expect(stats.maxBuffered).toBeLessThanOrEqual(frameBytes + 64 * 1024);
    } finally {
      socket.destroy();
    }
  });

  it('is read-only without control: POST is refused and nothing is restarted', async () => {
    const source = stillSource();
    view = await startView(source);
    expect((await fetchText(`${view.url}control/restart`, { method: 'POST' })).status).toBe(405);
    expect((await fetchText(`${view.url}frame`, { method: 'PUT' })).status).toBe(405);
    expect(source.restarts).toBe(0);
  });

  it('restarts the source on POST /control/restart with control: true', async () => {
    const source = stillSource();
    view = await startView(source, { control: true });
    expect((await fetchText(`${view.url}control/restart`, { method: 'POST' })).status).toBe(204);
    expect(source.restarts).toBe(1);
  });

  it('refuses a Host that is not a loopback name (DNS rebinding)', async () => {
    view = await startView(stillSource());
    expect((await fetchText(`${view.url}frame`, { host: 'attacker.example:80' })).status).toBe(403);
  });

  it('rejects an hz out of range', async () => {
    await expect(startView(stillSource(), { hz: 0 })).rejects.toThrow(RangeError);
  });
});

describe('replaySource', () => {
  const t0 = 1_700_000_000_000;
  const trace = [
    { t: t0, core: 'soc', type: 'lifecycle', event: 'boot' },
    { t: t0 + 1, core: 'master', type: 'ns', event: 'channel', name: 'rpmsg-echo', addr: 30 },
    { t: t0 + 2, core: 'master', type: 'message', dir: 'tx', src: 1024, dst: 30, len: 5, payload: '' },
    { t: t0 + 3, core: 'remote', type: 'message', dir: 'rx', src: 1024, dst: 30, len: 5, payload: '' },
    { t: t0 + 10, core: 'soc', type: 'lifecycle', event: 'crash', detail: 'watchdog' },
  ]
    .map((e) => JSON.stringify(e))
    .concat(['not json'])
    .join('\n');

  it('replays lifecycle events and message counters into frames', async () => {
    const source = replaySource({ trace, autoplay: false });
    expect(source.skippedLines).toBe(1);
    const view = await startView(source);
    try {
      source.advance(5);
      let frame = JSON.parse((await fetchText(`${view.url}frame`)).body) as Frame;
      expect(frame.rings).toBeNull();
      expect(frame.state).toBe('replaying');
      expect(frame.channels.map((c) => [c.core, c.addr, c.sent, c.received])).toEqual([
        ['master', 1024, 1, 0],
        ['remote', 30, 0, 1],
      ]);
      source.advance(10);
      frame = JSON.parse((await fetchText(`${view.url}frame`)).body) as Frame;
      expect(frame.state).toBe('ended');
      expect(frame.events.map((e) => [e.event, e.detail])).toEqual([
        ['boot', 'replaying'],
        ['boot', undefined],
        ['crash', 'watchdog'],
      ]);
    } finally {
      await view.close();
    }
  });
});
