import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Frame, FrameBuilder } from './frame.js';
import type { ViewSource } from './source.js';

/** Options of {@link startView}. */
export interface ViewOptions {
  /** TCP port (default 0: any free port; read it from `url`). */
  port?: number;
  /** Address to listen on (default `127.0.0.1`: only this machine can look). */
  host?: string;
  /** Frames per second pushed on `/events` (default 5, at most 60). */
  hz?: number;
  /** Accept `POST /control/restart` and `POST /control/stop` (default false: the view only reads). */
  control?: boolean;
}

/** Counters of a running view, for diagnostics and tests. */
export interface ViewServerStats {
  /** Open `/events` streams. */
  clients: number;
  /** Frames built for `/events`. */
  frames: number;
  /** Frames not written to some client because its socket buffer was still full. */
  skipped: number;
  /** Largest number of bytes waiting in one client's response buffer. */
  maxBuffered: number;
}

/** A running view server. */
export interface ViewServer {
  /** `http://host:port/`. */
  readonly url: string;
  stats(): ViewServerStats;
  /** Ends every stream and stops listening. Idempotent. */
  close(): Promise<void>;
}

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/view.js': { file: 'view.js', type: 'text/javascript; charset=utf-8' },
  '/view.css': { file: 'view.css', type: 'text/css; charset=utf-8' },
};

// Everything the page loads comes from this server; no inline script or style, no other origin.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'";
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

interface Client {
  res: ServerResponse;
}

/**
 * Serves a live picture of `source`: the page (`/`, bundled assets, works offline), `/frame` (one
 * {@link Frame} as JSON) and `/events` (Server-Sent Events, a frame `hz` times a second).
 *
 * Read-only unless `control` is set: any other method than GET/HEAD is refused (405). A client that
 * stops reading costs at most one frame: a frame is written to a stream only when its buffer has
 * drained (`writableNeedDrain`), otherwise skipped for that client — only the latest frame matters.
 * Frames are only built while a stream is open. Bound to a loopback address, it also refuses a
 * `Host` that is not a loopback name (DNS rebinding).
 *
 * ```ts
 * const view = await startView(soc);
 * console.log(view.url); // http://127.0.0.1:41234/
 * ```
 *
 * @throws {RangeError} when `hz` is not a number in (0, 60]
 */
export async function startView(source: ViewSource, options: ViewOptions = {}): Promise<ViewServer> {
  const host = options.host ?? '127.0.0.1';
  const hz = options.hz ?? 5;
  if (typeof hz !== 'number' || !(hz > 0 && hz <= 60))
    throw new RangeError(`options.hz must be in (0, 60], got ${hz}`);
  const control = options.control === true;
  const assets = await loadAssets();
  const builder = new FrameBuilder(source);
  const clients = new Set<Client>();
  const counters = { frames: 0, skipped: 0, maxBuffered: 0 };
  let latest: string | undefined;
  let building = false;

  const tick = async () => {
    if (building || clients.size === 0) return;
    building = true;
    try {
      latest = sse(await builder.build());
      counters.frames++;
      for (const c of clients) push(c, latest);
    } finally {
      building = false;
    }
  };
  const push = (c: Client, data: string) => {
    counters.maxBuffered = Math.max(counters.maxBuffered, c.res.writableLength);
    if (c.res.writableNeedDrain || c.res.destroyed) counters.skipped++;
    else c.res.write(data);
  };
  const timer = setInterval(() => void tick(), 1000 / hz);
  timer.unref();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(error instanceof Error ? error.message : String(error));
    });
  });
  const loopbackOnly = LOOPBACK.has(host);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://view.invalid');
    if (loopbackOnly && !LOOPBACK.has(hostname(req.headers.host))) {
      return plain(res, 403, 'forbidden host');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      if (
        control &&
        req.method === 'POST' &&
        (url.pathname === '/control/restart' || url.pathname === '/control/stop')
      ) {
        const act = url.pathname === '/control/restart' ? source.restart : source.stop;
        if (!act) return plain(res, 501, 'the source cannot do that');
        await act.call(source);
        return plain(res, 204, '');
      }
      res.setHeader('allow', 'GET, HEAD');
      return plain(res, 405, control ? 'method not allowed' : 'read-only view (start it with control: true)');
    }
    const asset = ASSETS[url.pathname];
    if (asset) {
      res.writeHead(200, {
        'content-type': asset.type,
        'cache-control': 'no-cache',
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : assets.get(asset.file));
      return;
    }
    if (url.pathname === '/frame') {
      const body = JSON.stringify(await builder.build());
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (url.pathname === '/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write('retry: 1000\n\n');
      const client: Client = { res };
      clients.add(client);
      const drop = () => clients.delete(client);
      res.on('close', drop);
      res.on('error', drop);
      if (latest) push(client, latest);
      else void tick();
      return;
    }
    if (url.pathname === '/favicon.ico') return plain(res, 204, '');
    return plain(res, 404, 'not found');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}/`,
    stats: () => ({ clients: clients.size, ...counters }),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(timer);
        builder.dispose();
        for (const c of clients) c.res.destroy();
        clients.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function sse(frame: Frame): string {
  // JSON.stringify never emits a raw newline, so the frame is one `data:` line.
  return `event: frame\ndata: ${JSON.stringify(frame)}\n\n`;
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function hostname(header: string | undefined): string {
  if (!header) return '';
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  return header.replace(/:\d+$/, '');
}

async function loadAssets(): Promise<Map<string, Buffer>> {
  // src/server.ts and dist/index.js both sit one level below the package root, beside assets/.
  const dir = new URL('../assets/', import.meta.url);
  const files = [...new Set(Object.values(ASSETS).map((a) => a.file))];
  const bodies = await Promise.all(files.map((f) => readFile(new URL(f, dir))));
  return new Map(files.map((f, i) => [f, bodies[i]!]));
}
