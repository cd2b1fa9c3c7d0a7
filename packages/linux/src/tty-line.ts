import { type Clock, RpmsgError } from '@rpmsg/core';
import { errnoOf } from './errors.js';
import type { DeviceFile } from './file-ops.js';

/** What a {@link TtyLine} reports to its stream. */
export interface TtyLineHandlers {
  /** Bytes read (a fresh copy). Return false to stop reading until `resume()`. */
  onData(chunk: Buffer): boolean;
  /** The tty was hung up: rpmsg_tty's channel left the bus (read gave end-of-file or EIO). */
  onHangup(): void;
  /** Any other error from the line. */
  onError(error: Error): void;
}

/** Bytes read per read(2): the tty layer's own buffer is 4 KiB per line discipline, flip buffers more. */
const READ_CHUNK = 16 * 1024;
/** Retry period when rpmsg_tty found no TX buffer (its write uses rpmsg_trysend: ENOMEM, no wake-up). */
const NO_BUFFER_RETRY_MS = 5;
/** Reads per turn of the event loop before yielding. */
const READ_BATCH = 16;

/**
 * The byte stream of a `/dev/ttyRPMSGn`: a read loop driven by readiness, and writes that finish
 * partial writes, wait while the line is full (EAGAIN) and retry while rpmsg_tty has no TX buffer
 * (ENOMEM: rpmsg_tty sends with `rpmsg_trysend`, and nothing says when a buffer comes back).
 */
export class TtyLine {
  readonly #file: DeviceFile;
  readonly #clock: Clock;
  readonly #handlers: TtyLineHandlers;
  readonly #buffer = Buffer.allocUnsafe(READ_CHUNK);
  #reading = false;
  #paused = true;
  #closed = false;
  #retryTimer: unknown;

  constructor(file: DeviceFile, clock: Clock, handlers: TtyLineHandlers) {
    this.#file = file;
    this.#clock = clock;
    this.#handlers = handlers;
  }

  /** Reads (again) until `onData` says stop. */
  resume(): void {
    if (this.#closed || !this.#paused) return;
    this.#paused = false;
    this.#read(null);
  }

  /**
   * Writes every byte of `chunks` in order, then calls back; with an error when the line hangs up,
   * the timeout (ms) passes, or the kernel refuses.
   */
  write(chunks: readonly Uint8Array[], timeout: number, callback: (error?: Error | null) => void): void {
    let index = 0;
    let offset = 0;
    let finished = false;
    const timer =
      timeout === Number.POSITIVE_INFINITY
        ? undefined
        : this.#clock.setTimeout(
            () =>
              finish(
                new RpmsgError('ERR_RPMSG_TIMEOUT', `tty write: not taken within ${timeout} ms`, {
                  limit: timeout,
                }),
              ),
            timeout,
          );
    const finish = (error?: Error | null) => {
      if (finished) return;
      finished = true;
      if (timer !== undefined) this.#clock.clearTimeout(timer);
      callback(error);
    };
    const step = (): void => {
      while (!finished && !this.#closed) {
        const chunk = chunks[index];
        if (chunk === undefined) {
          finish();
          return;
        }
        if (offset >= chunk.length) {
          index += 1;
          offset = 0;
          continue;
        }
        let n: number;
        try {
          n = this.#file.write(offset === 0 ? chunk : chunk.subarray(offset));
        } catch (error) {
          const errno = errnoOf(error);
          if (errno === 'EAGAIN' || errno === 'EINTR') {
            this.#file.waitWritable((e) => (e === null ? step() : this.#hangupOrFail(e, finish)));
          } else if (errno === 'ENOMEM') {
            this.#retryTimer = this.#clock.setTimeout(step, NO_BUFFER_RETRY_MS);
          } else this.#hangupOrFail(error as Error, finish);
          return;
        }
        offset += n;
      }
    };
    step();
  }

  /** Stops reading and writing and closes the file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retryTimer !== undefined) this.#clock.clearTimeout(this.#retryTimer);
    this.#file.close();
  }

  #read(waitError: Error | null): void {
    if (this.#closed || this.#paused || this.#reading) return;
    for (let i = 0; i < READ_BATCH; i += 1) {
      let n: number;
      try {
        n = this.#file.read(this.#buffer);
      } catch (error) {
        const errno = errnoOf(error);
        if (errno === 'EAGAIN' && waitError === null) {
          this.#reading = true;
          this.#file.waitReadable((e) => {
            this.#reading = false;
            this.#read(e);
          });
        } else if (errno === 'EAGAIN' || errno === 'EIO') this.#hangup();
        else this.#handlers.onError(error as Error);
        return;
      }
      // A tty reads 0 bytes only once it was hung up (rpmsg_tty_remove → tty_port_tty_hangup).
      if (n === 0) {
        this.#hangup();
        return;
      }
      if (!this.#handlers.onData(Buffer.from(this.#buffer.subarray(0, n)))) {
        this.#paused = true;
        return;
      }
      if (this.#closed) return;
      waitError = null;
    }
    this.#reading = true;
    setImmediate(() => {
      this.#reading = false;
      this.#read(null);
    });
  }

  #hangup(): void {
    if (this.#closed) return;
    this.#handlers.onHangup();
  }

  /** A write failed: EIO after a hang-up ends the stream as a hang-up, anything else as itself. */
  #hangupOrFail(error: Error, finish: (error?: Error | null) => void): void {
    if (errnoOf(error) === 'EIO' || errnoOf(error) === undefined) {
      this.#hangup();
      finish(new RpmsgError('ERR_RPMSG_CHANNEL_GONE', 'tty write: the tty was hung up', { cause: error }));
      return;
    }
    finish(error);
  }
}
