import { stat } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import {
  checkInteger,
  checkOptions,
  InvalidArgTypeError,
  InvalidArgValueError,
  OutOfRangeError,
} from '@rpmsg/core';
import { SerialPort } from 'serialport';
import type { ByteStream, ByteStreamHandler, ByteStreamOpener } from './byte-stream.js';
import { SerialError } from './errors.js';

/** Options of {@link openPort} / {@link portOpener}. */
export interface PortOptions {
  /** A device path (`/dev/ttyACM0`, `COM3`, a pty) or `tcp://host:port` (ser2net, raw mode). */
  path: string;
  /** Line speed for real ports. Default 115200. Ignored for TCP. */
  baudRate?: number;
  /**
   * How often (ms) to check that a device path still names the device that was opened; a vanished
   * or replaced node (USB unplug, pty closed) closes the stream. Default 250; 0 disables.
   */
  watchIntervalMs?: number;
}

/**
 * A parsed `tcp://host:port`, or null for a device path.
 *
 * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE` when `path` is not a string
 * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE` for an empty path, or a `tcp://` path that is
 *   not `tcp://host:port`
 * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` for a TCP port outside 1..65535
 */
export function parseTcpPath(path: string): { host: string; port: number } | null {
  if (typeof path !== 'string') throw new InvalidArgTypeError('path', 'of type string', path);
  if (path.length === 0) throw new InvalidArgValueError('path', 'must not be empty', path);
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(path);
  if (m === null) {
    if (path.startsWith('tcp://')) throw new InvalidArgValueError('path', 'must be tcp://host:port', path);
    return null;
  }
  const port = Number(m[2]);
  if (port < 1 || port > 65535) {
    throw new OutOfRangeError('path', 'a TCP port in 1..65535', path);
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * Checks {@link PortOptions}; returns the parsed `tcp://` address or null for a device path.
 *
 * @throws the argument errors of {@link parseTcpPath}; `ERR_OUT_OF_RANGE` for `baudRate` (an
 *   integer ≥ 1) or `watchIntervalMs` (an integer ≥ 0)
 */
export function checkPortOptions(options: PortOptions): { host: string; port: number } | null {
  const o = checkOptions('options', options);
  const tcp = parseTcpPath(o.path);
  if (o.baudRate !== undefined) checkInteger('options.baudRate', o.baudRate, 1, 0xffffffff);
  if (o.watchIntervalMs !== undefined)
    checkInteger('options.watchIntervalMs', o.watchIntervalMs, 0, 3_600_000);
  return tcp;
}

/** One event-driven stream over a node stream-like source, closing exactly once. */
abstract class BaseStream implements ByteStream {
  #handler: ByteStreamHandler | null = null;
  #ended = false;
  readonly #backlog: Uint8Array[] = [];

  setHandler(handler: ByteStreamHandler): void {
    this.#handler = handler;
    for (const c of this.#backlog.splice(0)) handler.onData(c);
  }
  abstract write(chunk: Uint8Array): void;
  abstract close(): Promise<void>;

  /** @internal For the subclasses: a chunk from the source (held until a handler is set). */
  data(chunk: Uint8Array): void {
    if (this.#ended) return;
    if (this.#handler === null) this.#backlog.push(chunk);
    else this.#handler.onData(chunk);
  }
  /** @internal For the subclasses: the source closed; reports `onClose` once. */
  end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#handler?.onClose(error);
  }
  /** @internal For the subclasses: true once the stream ended. */
  get isEnded(): boolean {
    return this.#ended;
  }
}

class SerialPortStream extends BaseStream {
  #watch: ReturnType<typeof setInterval> | null = null;
  /** Set once we close the port ourselves: the error to report (undefined for a local close()). */
  #requested: { error: Error | undefined } | null = null;

  readonly #port: SerialPort;

  constructor(port: SerialPort, path: string, rdev: number | null, watchIntervalMs: number) {
    super();
    this.#port = port;

    port.on('data', (chunk: Buffer) => this.data(chunk));
    // Only our own close() may end the stream without an error (ByteStream contract): a 'close' we
    // did not ask for is the device going away.
    port.on('close', (error?: Error) =>
      this.#finish(this.#requested ? this.#requested.error : (error ?? new Error('port closed'))),
    );
    port.on('error', (error: Error) => this.#shutdown(error));
    if (rdev !== null && watchIntervalMs > 0) {
      // A pty whose master closed reads as endless EOF rather than an error, and some USB drivers
      // are as quiet: watch the node itself, so a vanished port is reopened (docs/serial-protocol.md §6).
      this.#watch = setInterval(() => {
        stat(path).then(
          (s) => {
            if (s.rdev !== rdev) this.#shutdown(new Error(`${path} now names another device`));
          },
          (error: Error) => this.#shutdown(error),
        );
      }, watchIntervalMs);
      this.#watch.unref();
    }
  }

  write(chunk: Uint8Array): void {
    if (!this.isEnded) this.#port.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
  }

  async close(): Promise<void> {
    if (this.isEnded) return;
    // Let the last frames (RESET) leave, but never wait long on a device that is gone.
    await Promise.race([
      new Promise<void>((r) => this.#port.drain(() => r())),
      new Promise((r) => setTimeout(r, 200)),
    ]);
    await this.#shutdown();
  }

  #shutdown(error?: Error): Promise<void> {
    this.#requested ??= { error };
    const reason = this.#requested.error;
    return new Promise<void>((resolve) => {
      if (!this.#port.isOpen) {
        this.#finish(reason);
        resolve();
        return;
      }
      this.#port.close(() => {
        this.#finish(reason);
        resolve();
      });
    });
  }

  #finish(error?: Error): void {
    if (this.#watch !== null) clearInterval(this.#watch);
    this.#watch = null;
    this.end(error);
  }
}

class SocketStream extends BaseStream {
  #closing = false;

  readonly #socket: Socket;

  constructor(socket: Socket) {
    super();
    this.#socket = socket;

    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.data(chunk));
    let failure: Error | undefined;
    socket.on('error', (error: Error) => {
      failure = error; // 'close' follows
    });
    // Only our own close() ends the stream without an error (ByteStream contract): ser2net dropping
    // the connection is the port going away, to be reconnected, not a local close.
    socket.on('close', () =>
      this.end(this.#closing ? undefined : (failure ?? new Error('connection closed by the remote end'))),
    );
  }
  write(chunk: Uint8Array): void {
    if (!this.isEnded) this.#socket.write(chunk);
  }
  async close(): Promise<void> {
    if (this.isEnded) return;
    this.#closing = true;
    await new Promise<void>((resolve) => {
      this.#socket.once('close', () => resolve());
      this.#socket.end();
      setTimeout(() => this.#socket.destroy(), 200).unref();
    });
  }
}

/**
 * Opens a serial port with the real `serialport` binding, or a TCP socket for `tcp://host:port`
 * (ser2net in raw mode).
 *
 * @throws {SerialError} `ERR_SERIAL_OPEN` with the OS error as `cause` (a rejection)
 * @throws the argument errors of {@link checkPortOptions} (a rejection)
 */
export async function openPort(options: PortOptions, signal?: AbortSignal): Promise<ByteStream> {
  const tcp = checkPortOptions(options);
  try {
    if (tcp !== null) {
      const socket = netConnect({ host: tcp.host, port: tcp.port, signal });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      return new SocketStream(socket);
    }
    const port = new SerialPort({
      path: options.path,
      baudRate: options.baudRate ?? 115200,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    let rdev: number | null = null;
    try {
      rdev = (await stat(options.path)).rdev;
    } catch {
      // Not a filesystem path (Windows COM port): no watch.
    }
    return new SerialPortStream(port, options.path, rdev, options.watchIntervalMs ?? 250);
  } catch (error) {
    throw new SerialError('ERR_SERIAL_OPEN', `cannot open ${options.path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * A {@link ByteStreamOpener} for {@link openPort}: the transport calls it again to reconnect.
 *
 * @throws the argument errors of {@link checkPortOptions}, at once rather than on the first open
 */
export function portOpener(options: PortOptions): ByteStreamOpener {
  checkPortOptions(options);
  return (signal) => openPort(options, signal);
}
