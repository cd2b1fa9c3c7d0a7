import { stat } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
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

/** A parsed `tcp://host:port`, or null for a device path. */
export function parseTcpPath(path: string): { host: string; port: number } | null {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(path);
  if (m === null) {
    if (path.startsWith('tcp://')) throw new TypeError(`path must be tcp://host:port, got ${path}`);
    return null;
  }
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new RangeError(`TCP port out of range in ${path}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** One event-driven stream over a node stream-like source, closing exactly once. */
abstract class BaseStream implements ByteStream {
  protected handler: ByteStreamHandler | null = null;
  private ended = false;
  private readonly backlog: Uint8Array[] = [];

  setHandler(handler: ByteStreamHandler): void {
    this.handler = handler;
    for (const c of this.backlog.splice(0)) handler.onData(c);
  }
  abstract write(chunk: Uint8Array): void;
  abstract close(): Promise<void>;

  protected data(chunk: Uint8Array): void {
    if (this.ended) return;
    if (this.handler === null) this.backlog.push(chunk);
    else this.handler.onData(chunk);
  }
  protected end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.handler?.onClose(error);
  }
  protected get isEnded(): boolean {
    return this.ended;
  }
}

class SerialPortStream extends BaseStream {
  private watch: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly port: SerialPort,
    path: string,
    rdev: number | null,
    watchIntervalMs: number,
  ) {
    super();
    port.on('data', (chunk: Buffer) => this.data(chunk));
    port.on('close', (error?: Error) => this.finish(error));
    port.on('error', (error: Error) => this.shutdown(error));
    if (rdev !== null && watchIntervalMs > 0) {
      // A pty whose master closed reads as endless EOF rather than an error, and some USB drivers
      // are as quiet: watch the node itself (DESIGN: reconnect when the port disappears).
      this.watch = setInterval(() => {
        stat(path).then(
          (s) => {
            if (s.rdev !== rdev) this.shutdown(new Error(`${path} now names another device`));
          },
          (error: Error) => this.shutdown(error),
        );
      }, watchIntervalMs);
      this.watch.unref();
    }
  }

  write(chunk: Uint8Array): void {
    if (!this.isEnded) this.port.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
  }

  async close(): Promise<void> {
    if (this.isEnded) return;
    // Let the last frames (RESET) leave, but never wait long on a device that is gone.
    await Promise.race([
      new Promise<void>((r) => this.port.drain(() => r())),
      new Promise((r) => setTimeout(r, 200)),
    ]);
    await this.shutdown();
  }

  private shutdown(error?: Error): Promise<void> {
    return new Promise<void>((resolve) => {
      if (!this.port.isOpen) {
        this.finish(error);
        resolve();
        return;
      }
      this.port.close(() => {
        this.finish(error);
        resolve();
      });
    });
  }

  private finish(error?: Error): void {
    if (this.watch !== null) clearInterval(this.watch);
    this.watch = null;
    this.end(error);
  }
}

class SocketStream extends BaseStream {
  constructor(private readonly socket: Socket) {
    super();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.data(chunk));
    socket.on('error', () => {}); // 'close' follows with hadError
    socket.on('close', (hadError: boolean) => this.end(hadError ? new Error('socket error') : undefined));
  }
  write(chunk: Uint8Array): void {
    if (!this.isEnded) this.socket.write(chunk);
  }
  async close(): Promise<void> {
    if (this.isEnded) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 200).unref();
    });
  }
}

/**
 * Opens a serial port with the real `serialport` binding, or a TCP socket for `tcp://host:port`
 * (ser2net in raw mode).
 *
 * @throws {SerialError} `ERR_SERIAL_OPEN` with the OS error as `cause`
 */
export async function openPort(options: PortOptions, signal?: AbortSignal): Promise<ByteStream> {
  const tcp = parseTcpPath(options.path);
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

/** A {@link ByteStreamOpener} for {@link openPort}: the transport calls it again to reconnect. */
export function portOpener(options: PortOptions): ByteStreamOpener {
  parseTcpPath(options.path); // fail fast on a malformed tcp:// path
  return (signal) => openPort(options, signal);
}
