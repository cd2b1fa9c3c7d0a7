import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { type Channel, type RpmsgDevice, RpmsgError } from '@rpmsg/core';
import { connectSerial, parseTcpPath, settleChannels } from '@rpmsg/serial';
import { openTty } from '@rpmsg/tty';
import { UsageError } from './command.js';
import type { CommandIo } from './io.js';

/** How long the channel must be silent after stdin ends before the bridge closes it, ms. */
const QUIET_MS = 300;
/** Default of `--timeout`: the longest wait for the MCU's HELLO, then for the channel, ms. */
export const DEFAULT_BRIDGE_TIMEOUT_MS = 10_000;

/** Options of `rpmsg bridge`. */
export interface BridgeOptions {
  /** Serial device path, COM port, or `tcp://host:port` (ser2net). */
  readonly port: string;
  readonly baudRate?: number;
  /** Channel to connect stdin/stdout to (default `rpmsg-tty`, else the only one announced). */
  readonly channel?: string;
  /** Only list the MCU's channels, then exit. */
  readonly list?: boolean;
  /** Longest wait for the HELLO handshake, and then for the channel to be announced, ms (default 10 s). */
  readonly timeout?: number;
  readonly stdin?: Readable;
  readonly stdout?: Writable;
}

/**
 * `rpmsg bridge`: connects to an MCU running the serial firmware (packages/serial/firmware), lists
 * the channels it announced (on stderr, so stdout stays the channel's data), then joins stdin and
 * stdout to one channel through a tty stream until stdin ends. With `--list`, prints the channels
 * on stdout and exits. Every wait is bounded by `timeout` and says on stderr what it waits for: a
 * port that never answers and a channel the MCU does not have end in a typed error, not silence.
 *
 * @throws {SerialError} `ERR_SERIAL_OPEN` (the port cannot be opened), `ERR_SERIAL_TIMEOUT` (no
 *   HELLO within the timeout)
 * @throws {RpmsgError} `ERR_RPMSG_TIMEOUT` when the channel is not announced within the timeout;
 *   the message lists the channels the MCU did announce
 */
export async function bridge(options: BridgeOptions, io: CommandIo): Promise<number> {
  const timeout = options.timeout ?? DEFAULT_BRIDGE_TIMEOUT_MS;
  io.err(`rpmsg bridge: waiting for the MCU's HELLO on ${options.port} (timeout ${inSeconds(timeout)})…`);
  const device = await connectSerial({
    path: options.port,
    timeout,
    ...(options.baudRate === undefined ? {} : { baudRate: options.baudRate }),
  });
  try {
    io.err(`rpmsg bridge: connected; waiting for the MCU's channel announcements…`);
    // Resolves once the announcements have paused (200 ms without a new one), or after `timeout`
    // with none at all.
    const channels = await settleChannels(device, { timeout });
    const listing = channels.map((c) => `${c.name}\t${c.remoteAddr}`).join('\n');
    if (options.list) {
      io.out(listing.length > 0 ? listing : '(no channels announced)');
      return 0;
    }
    io.err(`rpmsg bridge: ${options.port}: ${channels.length} channel(s)${listing ? `\n${listing}` : ''}`);
    const name =
      options.channel ??
      (channels.some((c) => c.name === 'rpmsg-tty')
        ? 'rpmsg-tty'
        : channels.length === 1
          ? channels[0]!.name
          : undefined);
    if (name === undefined) {
      if (channels.length === 0) throw noChannel(device, 'any channel', timeout);
      io.err('rpmsg bridge: several channels and no rpmsg-tty: choose one with --channel');
      return 2;
    }
    const channel = await waitForChannel(device, name, timeout, io);
    const tty = openTty(device, channel, { openTimeout: timeout });
    await once(tty, 'ready');
    io.err(`rpmsg bridge: ${tty.ttyName} connected to '${name}'`);
    const stdin = options.stdin ?? process.stdin;
    const stdout = options.stdout ?? process.stdout;
    // stdin → channel, channel → stdout. When stdin ends the tty half-closes (its end-of-stream
    // marker follows the last byte); answers still in flight are let through until the peer ends
    // its side too or — a firmware that cannot say so — the channel has been quiet for QUIET_MS.
    tty.pipe(stdout, { end: false });
    stdin.pipe(tty, { end: false });
    const failed = once(tty, 'error').then(([error]) => Promise.reject(error as Error));
    await Promise.race([once(stdin, 'end'), failed]);
    tty.end();
    await Promise.race([quiet(tty, QUIET_MS), failed]);
    tty.destroy();
    return 0;
  } finally {
    await device.close();
  }
}

/** The channel `name`, waiting up to `timeout` for its announcement (and saying so). */
async function waitForChannel(
  device: RpmsgDevice,
  name: string,
  timeout: number,
  io: CommandIo,
): Promise<Channel> {
  const known = device.getChannel(name);
  if (known) return known;
  io.err(`rpmsg bridge: waiting for the MCU to announce '${name}' (timeout ${inSeconds(timeout)})…`);
  try {
    return await device.waitForChannel(name, { timeout });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_RPMSG_TIMEOUT') throw error;
    throw noChannel(device, `'${name}'`, timeout, error);
  }
}

/** The error of a channel that was not announced, listing those that were. */
function noChannel(device: RpmsgDevice, what: string, timeout: number, cause?: unknown): RpmsgError {
  const names = device.channels().map((c) => c.name);
  const announced = names.length > 0 ? `it announced: ${names.join(', ')}` : 'it announced none';
  return new RpmsgError(
    'ERR_RPMSG_TIMEOUT',
    `the MCU did not announce ${what} within ${inSeconds(timeout)}; ${announced}`,
    { limit: timeout, ...(cause === undefined ? {} : { cause }) },
  );
}

function inSeconds(ms: number): string {
  return `${ms / 1000} s`;
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
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('close', done);
      resolve();
    }
    stream.on('data', onData);
    // The peer ended its side (or the tty went): nothing more can come, stop waiting.
    stream.once('close', done);
  });
}

/**
 * Checks `--port`: a malformed `tcp://` address is a usage error, not a failed connection.
 *
 * @throws {UsageError}
 */
export function checkPort(port: string): string {
  try {
    parseTcpPath(port);
  } catch (error) {
    throw new UsageError(`--port: ${(error as Error).message}`);
  }
  return port;
}
