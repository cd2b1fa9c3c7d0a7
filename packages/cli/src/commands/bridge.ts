import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { connectSerial, settleChannels } from '@rpmsg/serial';
import { openTty } from '@rpmsg/tty';
import type { CommandIo } from './io.js';

/** How long the channel must be silent after stdin ends before the bridge closes it, ms. */
const QUIET_MS = 300;

/** Options of `rpmsg bridge`. */
export interface BridgeOptions {
  /** Serial device path, COM port, or `tcp://host:port` (ser2net). */
  readonly port: string;
  readonly baudRate?: number;
  /** Channel to connect stdin/stdout to (default `rpmsg-tty`, else the only one announced). */
  readonly channel?: string;
  /** Only list the MCU's channels, then exit. */
  readonly list?: boolean;
  /** Longest wait for the handshake, ms. */
  readonly timeout?: number;
  readonly stdin?: Readable;
  readonly stdout?: Writable;
}

/**
 * `rpmsg bridge`: connects to an MCU running the serial firmware (packages/serial/firmware), lists
 * the channels it announced (on stderr, so stdout stays the channel's data), then joins stdin and
 * stdout to one channel through a tty stream until stdin ends. With `--list`, prints the channels
 * on stdout and exits.
 */
export async function bridge(options: BridgeOptions, io: CommandIo): Promise<number> {
  const device = await connectSerial({
    path: options.port,
    ...(options.baudRate === undefined ? {} : { baudRate: options.baudRate }),
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
  });
  try {
    const channels = await settleChannels(device);
    const listing = channels.map((c) => `${c.name}\t${c.remoteAddr}`).join('\n');
    if (options.list) {
      io.out(listing.length > 0 ? listing : '(no channels announced)');
      return 0;
    }
    io.err(`rpmsg bridge: ${options.port}: ${channels.length} channel(s)\n${listing}`);
    const name =
      options.channel ??
      (channels.some((c) => c.name === 'rpmsg-tty')
        ? 'rpmsg-tty'
        : channels.length === 1
          ? channels[0]!.name
          : undefined);
    if (name === undefined) {
      io.err('rpmsg bridge: several channels and no rpmsg-tty: choose one with --channel');
      return 2;
    }
    const tty = openTty(device, name);
    await once(tty, 'ready');
    io.err(`rpmsg bridge: ${tty.ttyName} connected to '${name}'`);
    const stdin = options.stdin ?? process.stdin;
    const stdout = options.stdout ?? process.stdout;
    // stdin → channel, channel → stdout. When stdin ends, answers still in flight are let through
    // until the channel has been quiet for QUIET_MS, then the tty is closed.
    tty.pipe(stdout, { end: false });
    stdin.pipe(tty, { end: false });
    const failed = once(tty, 'error').then(([error]) => Promise.reject(error as Error));
    await Promise.race([once(stdin, 'end'), failed]);
    await Promise.race([quiet(tty, QUIET_MS), failed]);
    tty.end();
    return 0;
  } finally {
    await device.close();
  }
}

/** Resolves once `stream` has emitted no data for `ms`. */
function quiet(stream: Readable, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let timer = setTimeout(done, ms);
    function onData(): void {
      clearTimeout(timer);
      timer = setTimeout(done, ms);
    }
    function done(): void {
      stream.off('data', onData);
      resolve();
    }
    stream.on('data', onData);
  });
}
