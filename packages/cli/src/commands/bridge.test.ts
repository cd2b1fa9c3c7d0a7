import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { RpmsgDevice } from '@rpmsg/core';
import { type ByteStream, type ByteStreamHandler, SerialTransport } from '@rpmsg/serial';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { bridge } from './bridge.js';
import type { CommandIo } from './io.js';

// `rpmsg bridge` against a fake MCU behind tcp:// (the ser2net path of the command): a TCP server
// whose every connection is the remote end of the serial protocol, run by the serial package's
// own SerialTransport in the `remote` role. Nothing here waits on a clock for its outcome: a
// timeout is the only way these cases can end.

/** A socket as the serial transport's byte stream. */
function socketStream(socket: Socket): ByteStream {
  let handler: ByteStreamHandler | null = null;
  let ended = false;
  const early: Uint8Array[] = [];
  socket.on('data', (chunk: Buffer) => (handler ? handler.onData(chunk) : early.push(chunk)));
  socket.on('error', () => {}); // 'close' follows
  socket.on('close', () => {
    if (ended) return;
    ended = true;
    handler?.onClose();
  });
  return {
    setHandler(h) {
      handler = h;
      for (const chunk of early.splice(0)) h.onData(chunk);
    },
    write(chunk) {
      if (!socket.destroyed) socket.write(chunk);
    },
    async close() {
      if (ended) return;
      const closed = once(socket, 'close');
      socket.destroy();
      await closed;
    },
  };
}

interface FakeMcu {
  /** `tcp://127.0.0.1:<port>`. */
  readonly port: string;
  /** The MCU side of each connection so far. */
  readonly devices: RpmsgDevice[];
}

const servers: Server[] = [];
const sockets: Socket[] = [];
const mcus: RpmsgDevice[] = [];
afterEach(async () => {
  await Promise.all(mcus.splice(0).map((d) => d.close()));
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Echoes every non-empty message back to its sender (the 0-byte hello that binds is not data). */
function echo(device: RpmsgDevice, name: string): void {
  const ep = device.createEndpoint({ name });
  ep.on('message', (payload: Uint8Array, src: number) => {
    if (payload.length > 0) ep.sendTo(src, payload.slice()).catch(() => {});
  });
}

/** A fake MCU announcing `channels` (each an echo service); `silent` answers nothing at all. */
async function fakeMcu(channels: string[], silent = false): Promise<FakeMcu> {
  const devices: RpmsgDevice[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    if (silent) {
      socket.on('error', () => {});
      return;
    }
    const mcu = new RpmsgDevice(new SerialTransport({ port: socketStream(socket), role: 'remote' }));
    devices.push(mcu);
    mcus.push(mcu);
    for (const name of channels) echo(mcu, name);
    mcu.start().catch(() => {});
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { port: `tcp://127.0.0.1:${port}`, devices };
}

function capture(onErr?: (line: string) => void): CommandIo & { out_: string[]; err_: string[] } {
  const out_: string[] = [];
  const err_: string[] = [];
  return {
    out_,
    err_,
    out: (t) => out_.push(t),
    err: (t) => {
      err_.push(t);
      onErr?.(t);
    },
    progress: () => {},
  };
}

describe('rpmsg bridge', () => {
  it('says what it waits for on a silent port, then fails with ERR_SERIAL_TIMEOUT', async () => {
    const mcu = await fakeMcu([], true);
    const io = capture();
    const code = await main(['bridge', '--port', mcu.port, '--timeout', '0.3'], io);
    expect(code).toBe(1);
    expect(io.out_).toEqual([]);
    expect(io.err_[0]).toBe(`rpmsg bridge: waiting for the MCU's HELLO on ${mcu.port} (timeout 0.3 s)…`);
    expect(io.err_.at(-1)).toMatch(/^rpmsg bridge: ERR_SERIAL_TIMEOUT: no HELLO handshake/);
  });

  it('times out on a channel the MCU does not have and lists the ones it has', async () => {
    const mcu = await fakeMcu(['rpmsg-echo', 'rpmsg-tty']);
    const io = capture();
    const code = await main(['bridge', '--port', mcu.port, '--channel', 'nosuch', '--timeout', '2'], io);
    expect(code).toBe(1);
    expect(io.err_).toContain("rpmsg bridge: waiting for the MCU to announce 'nosuch' (timeout 2 s)…");
    const last = io.err_.at(-1)!;
    expect(last).toMatch(
      /^rpmsg bridge: ERR_RPMSG_TIMEOUT: the MCU did not announce 'nosuch' within 2 s; it announced: /,
    );
    expect(last).toContain('rpmsg-echo');
    expect(last).toContain('rpmsg-tty');
  }, 20_000);

  it('fails with ERR_RPMSG_TIMEOUT when the MCU announces no channel at all', {
    timeout: 20_000,
  }, async () => {
    const mcu = await fakeMcu([]);
    const io = capture();
    // The HELLO has the same timeout: 2 s, far beyond a loopback handshake even on a loaded machine.
    expect(await main(['bridge', '--port', mcu.port, '--timeout', '2'], io)).toBe(1);
    expect(io.err_).toContain("rpmsg bridge: connected; waiting for the MCU's channel announcements…");
    expect(io.err_.at(-1)).toBe(
      'rpmsg bridge: ERR_RPMSG_TIMEOUT: the MCU did not announce any channel within 2 s; it announced none',
    );
    const list = capture();
    expect(await main(['bridge', '--port', mcu.port, '--timeout', '2', '--list'], list)).toBe(0);
    expect(list.out_).toEqual(['(no channels announced)']);
  });

  it('lists the channels on stdout with --list', async () => {
    const mcu = await fakeMcu(['rpmsg-echo', 'rpmsg-tty']);
    const io = capture();
    expect(await main(['bridge', '--port', mcu.port, '--list'], io)).toBe(0);
    const names = io.out_
      .join('\n')
      .split('\n')
      .map((line) => line.split('\t')[0]);
    expect(names.sort()).toEqual(['rpmsg-echo', 'rpmsg-tty']);
  });

  it('waits for a channel announced late, then joins stdin and stdout to it', async () => {
    const mcu = await fakeMcu(['rpmsg-echo']);
    // The MCU announces 'late' only once the bridge has said it waits for it.
    const io = capture((line) => {
      if (line.includes("announce 'late'")) echo(mcu.devices[0]!, 'late');
    });
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let echoed = '';
    stdout.on('data', (chunk: Buffer) => {
      echoed += chunk.toString();
      if (echoed === 'through the MCU\n') stdin.end(); // the answer is in: end, as a user's EOF
    });
    const done = bridge({ port: mcu.port, channel: 'late', timeout: 10_000, stdin, stdout }, io);
    stdin.write('through the MCU\n');
    expect(await done).toBe(0);
    expect(echoed).toBe('through the MCU\n');
    expect(io.err_.at(-1)).toMatch(/connected to 'late'/);
  }, 20_000);
});
