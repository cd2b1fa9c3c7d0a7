import { writeFile } from 'node:fs/promises';
import { RpmsgError } from '@rpmsg/core';
import type { TraceEvent, TraceOptions } from './trace.js';
import { TraceFile } from './trace-file.js';
import { convertTrace } from './trace-perfetto.js';
import { TraceRing } from './trace-ring.js';

/**
 * Where `trace: { file }` goes. JSON lines with no `last` stream to the file as events come
 * ({@link TraceFile}); a Perfetto trace (one JSON object, not appendable) or a bounded trace
 * (`last`) is kept in memory and the whole file is written by {@link dump} — after a crash and at
 * `stop()` — so a run that crashes leaves its file even if the process dies before `stop()`.
 */
export class TraceOutput {
  readonly #stream: TraceFile | undefined;
  readonly #path: string;
  readonly #perfetto: boolean;
  readonly #kept: TraceRing | TraceEvent[];
  readonly #onError: (error: RpmsgError) => void;
  /** Dumps run one after another: a crash's dump and stop()'s never interleave. */
  #writing: Promise<void> = Promise.resolve();
  #failed = false;

  /**
   * Opens (truncates) `options.file`; undefined when there is none.
   *
   * @throws {RpmsgError} `ERR_RPMSG_TRACE` with the fs error as `cause` when it cannot be written
   */
  static async open(
    options: TraceOptions,
    onError: (error: RpmsgError) => void,
  ): Promise<TraceOutput | undefined> {
    const path = options.file;
    if (path === undefined) return undefined;
    if ((options.format ?? 'jsonl') === 'jsonl' && options.last === undefined) {
      return new TraceOutput(path, options, onError, await TraceFile.open(path, onError));
    }
    await writeFile(path, '').catch((error: Error) => {
      throw traceError(`trace: cannot open ${path}: ${error.message}`, error);
    });
    return new TraceOutput(path, options, onError, undefined);
  }

  private constructor(
    path: string,
    options: TraceOptions,
    onError: (error: RpmsgError) => void,
    stream: TraceFile | undefined,
  ) {
    this.#path = path;
    this.#stream = stream;
    this.#perfetto = options.format === 'perfetto';
    this.#kept = options.last === undefined ? [] : new TraceRing(options.last);
    this.#onError = onError;
  }

  /** Takes a batch of events. */
  write(events: readonly TraceEvent[]): void {
    if (this.#stream) this.#stream.write(events);
    else if (this.#kept instanceof TraceRing) this.#kept.push(events);
    else for (const event of events) this.#kept.push(event);
  }

  /** Writes the whole file from what is kept now (nothing to do for a streamed file). */
  dump(): Promise<void> {
    if (this.#stream || this.#failed) return this.#writing;
    const events = this.#kept instanceof TraceRing ? this.#kept.toArray() : [...this.#kept];
    this.#writing = this.#writing.then(async () => {
      if (this.#failed) return;
      const text = this.#perfetto
        ? JSON.stringify(convertTrace(events))
        : events.map((e) => `${JSON.stringify(e)}\n`).join('');
      await writeFile(this.#path, text).catch((error: Error) => {
        this.#failed = true;
        this.#onError(traceError(`trace: writing ${this.#path} failed: ${error.message}`, error));
      });
    });
    return this.#writing;
  }

  /** Writes what is kept a last time and closes. */
  async close(): Promise<void> {
    if (this.#stream) await this.#stream.close();
    else await this.dump();
  }
}

function traceError(message: string, cause: Error): RpmsgError {
  return new RpmsgError('ERR_RPMSG_TRACE', message, { cause });
}
