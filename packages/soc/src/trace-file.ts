import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { RpmsgError } from '@rpmsg/core';
import type { TraceEvent } from './trace.js';

/**
 * The JSON-lines file of an opt-in trace. Opened before any core starts, so a path that cannot be
 * written fails `createSoc`; a write that fails later is reported once to `onError` and the file is
 * given up (the `trace` events go on). The stream always has an `error` listener: an fs error is
 * never an uncaught `error` event.
 */
export class TraceFile {
  readonly path: string;
  readonly #stream: WriteStream;
  #ended = false;
  #failed = false;
  readonly #onError: (error: RpmsgError) => void;

  /**
   * Opens (truncates) `path` for writing.
   *
   * @throws {RpmsgError} `ERR_RPMSG_TRACE` with the fs error (ENOENT, EACCES, EISDIR, …) as `cause`
   */
  static async open(path: string, onError: (error: RpmsgError) => void): Promise<TraceFile> {
    const stream = createWriteStream(path, { flags: 'w' });
    try {
      await once(stream, 'open');
    } catch (error) {
      throw new RpmsgError('ERR_RPMSG_TRACE', `trace: cannot open ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return new TraceFile(path, stream, onError);
  }

  /** @internal Use {@link TraceFile.open}, which waits for the file to open. */
  constructor(path: string, stream: WriteStream, onError: (error: RpmsgError) => void) {
    this.path = path;
    this.#stream = stream;
    this.#onError = onError;
    stream.on('error', (error) => this.#fail(error));
  }

  /** False once a write failed or the file was closed. */
  get isOpen(): boolean {
    return !this.#ended && !this.#failed;
  }

  /** Appends events as JSON lines (buffered by the stream; errors arrive later through `onError`). */
  write(events: readonly TraceEvent[]): void {
    if (!this.isOpen) return;
    for (const event of events) this.#stream.write(`${JSON.stringify(event)}\n`);
  }

  /** Flushes and closes; resolves when the file is closed (a failure at the end goes to `onError`). */
  async close(): Promise<void> {
    const stream = this.#stream;
    this.#ended = true;
    if (!stream.writableEnded && !stream.destroyed) stream.end();
    // Also after a failed write: the stream is being destroyed; wait until its fd is closed.
    if (!stream.closed) await finished(stream).catch(() => {});
  }

  #fail(error: Error): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#onError(
      new RpmsgError('ERR_RPMSG_TRACE', `trace: writing ${this.path} failed: ${error.message}`, {
        cause: error,
      }),
    );
  }
}
