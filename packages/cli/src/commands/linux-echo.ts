import { once } from 'node:events';
import { type LinuxChannel, type LinuxRpmsgDevice, openLinuxRpmsg, openTty } from '@rpmsg/linux';
import type { CommandIo } from './io.js';
import { linuxFileOps } from './linux-file-ops.js';

/** Default of `--timeout`: the longest wait for the channel, then for each echo, ms. */
export const DEFAULT_ECHO_TIMEOUT_MS = 10_000;

/** Options of `rpmsg echo`. */
export interface LinuxEchoOptions {
  readonly channel: string;
  /** What to send (default `hello from rpmsg`). */
  readonly message?: string;
  /** How many times (default 1). */
  readonly count?: number;
  /** Longest wait for the channel, then for each echo, ms (default 10 s). */
  readonly timeout?: number;
  /** Where /sys and /dev are (default `/`). */
  readonly root?: string;
  /** Only this remote processor's channel (`remoteprocN` or its name): several may have one of that name. */
  readonly remoteproc?: string;
}

/**
 * `rpmsg echo <channel>` on a Linux board: sends the message `count` times and checks that each
 * comes back unchanged, printing each echo with its round-trip time. A channel with a
 * `/dev/ttyRPMSGn` is used through the tty (bytes), any other through its `/dev/rpmsgN` (messages;
 * an unbound channel is handed to rpmsg_char first). Exit status 0 when every echo matched.
 */
export async function linuxEcho(options: LinuxEchoOptions, io: CommandIo): Promise<number> {
  const timeout = options.timeout ?? DEFAULT_ECHO_TIMEOUT_MS;
  const count = options.count ?? 1;
  const payload = Buffer.from(options.message ?? 'hello from rpmsg');
  const device = await openLinuxRpmsg({
    root: options.root ?? '/',
    ...(options.remoteproc === undefined ? {} : { remoteproc: options.remoteproc }),
    ...linuxFileOps(),
  });
  try {
    if (device.getChannel(options.channel) === undefined) {
      io.err(`rpmsg echo: waiting for '${options.channel}' (timeout ${timeout / 1000} s)…`);
    }
    const channel = await device.waitForChannel(options.channel, { timeout });
    const exchange =
      channel.tty !== null
        ? await viaTty(device, channel, timeout)
        : await viaChannel(device, channel, timeout);
    io.err(`rpmsg echo: '${channel.name}' through ${exchange.node}`);
    let failures = 0;
    try {
      for (let i = 1; i <= count; i += 1) {
        const started = performance.now();
        const echoed = await exchange.roundTrip(payload);
        const ms = (performance.now() - started).toFixed(2);
        if (echoed.equals(payload)) io.out(`echo ${i}: ${echoed.toString()} (${ms} ms)`);
        else {
          failures += 1;
          io.out(
            `echo ${i}: MISMATCH: sent ${payload.length} bytes, got ${JSON.stringify(echoed.toString())}`,
          );
        }
      }
    } finally {
      exchange.close();
    }
    io.out(`${count - failures}/${count} echoes matched`);
    return failures === 0 ? 0 : 1;
  } finally {
    await device.close();
  }
}

interface Exchange {
  readonly node: string;
  roundTrip(payload: Buffer): Promise<Buffer>;
  close(): void;
}

/** Through the channel's /dev/rpmsgN: one message out, the next non-empty message back. */
async function viaChannel(
  device: LinuxRpmsgDevice,
  channel: LinuxChannel,
  timeout: number,
): Promise<Exchange> {
  const ep = await device.openChannel(channel, { timeout });
  return {
    node: ep.path,
    async roundTrip(payload) {
      const reply = new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => {
          ep.off('message', onMessage);
          reject(
            Object.assign(new Error(`no echo within ${timeout / 1000} s`), { code: 'ERR_RPMSG_TIMEOUT' }),
          );
        }, timeout);
        const onMessage = (data: Uint8Array) => {
          if (data.length === 0 && payload.length > 0) return; // an echoed hello
          clearTimeout(timer);
          ep.off('message', onMessage);
          resolve(Buffer.from(data));
        };
        ep.on('message', onMessage);
      });
      await ep.send(payload, { timeout });
      return reply;
    },
    close: () => ep.destroy(),
  };
}

/** Through the channel's /dev/ttyRPMSGn: bytes out, as many bytes back. */
async function viaTty(device: LinuxRpmsgDevice, channel: LinuxChannel, timeout: number): Promise<Exchange> {
  const tty = openTty(device, channel, { openTimeout: timeout, writeTimeout: timeout });
  await Promise.race([once(tty, 'ready'), once(tty, 'error').then(([e]) => Promise.reject(e as Error))]);
  return {
    node: tty.path ?? channel.name,
    roundTrip(payload) {
      return new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let got = 0;
        const done = (error: Error | null) => {
          clearTimeout(timer);
          tty.off('data', onData);
          tty.off('error', done);
          if (error) reject(error);
          else resolve(Buffer.concat(chunks));
        };
        const timer = setTimeout(
          () =>
            done(
              Object.assign(new Error(`no echo within ${timeout / 1000} s`), { code: 'ERR_RPMSG_TIMEOUT' }),
            ),
          timeout,
        );
        const onData = (chunk: Buffer) => {
          chunks.push(chunk);
          got += chunk.length;
          if (got >= payload.length) done(null);
        };
        tty.on('data', onData);
        tty.once('error', done);
        tty.write(payload);
      });
    },
    close: () => tty.destroy(),
  };
}
