import type { ByteStream, ByteStreamOpener } from './byte-stream.js';
import type { LinkClock } from './clock.js';
import { SerialError } from './errors.js';

/** Options of a {@link Reconnector}. */
export interface ReconnectorOptions {
  /** First delay between attempts (ms). */
  firstMs: number;
  /** Longest delay (ms); the delay doubles per failed attempt up to this. */
  maxMs: number;
  /** Called with every stream opened. */
  onOpen(stream: ByteStream): void;
}

/**
 * Opens a port, and reopens it with exponential back-off after it disappears (USB unplug, ser2net
 * restart) until it is back or {@link stop} is called. Timers come from the link clock so tests run
 * in virtual time.
 */
export class Reconnector {
  #timer: unknown = null;
  #delay: number;
  #stopped = false;
  #opening = false;
  /** Failed open attempts since the last success. */
  failures = 0;

  readonly #open: ByteStreamOpener;
  readonly #clock: LinkClock;
  readonly #options: ReconnectorOptions;

  /**
   * @param open opens a fresh stream
   * @param clock timers
   * @param options back-off and the open callback
   */
  constructor(open: ByteStreamOpener, clock: LinkClock, options: ReconnectorOptions) {
    this.#open = open;
    this.#clock = clock;
    this.#options = options;

    this.#delay = options.firstMs;
  }

  /**
   * The first open: rejects with `ERR_SERIAL_OPEN` if it fails (a wrong path should fail fast,
   * not retry forever).
   */
  async openFirst(signal?: AbortSignal): Promise<void> {
    let stream: ByteStream;
    try {
      stream = await this.#open(signal);
    } catch (error) {
      throw error instanceof SerialError
        ? error
        : new SerialError('ERR_SERIAL_OPEN', `cannot open port: ${(error as Error).message}`, {
            cause: error,
          });
    }
    if (this.#stopped) {
      await stream.close();
      return;
    }
    this.#options.onOpen(stream);
  }

  /** The link came up: the next loss starts the back-off again from `firstMs`. */
  connected(): void {
    this.#delay = this.#options.firstMs;
    this.failures = 0;
  }

  /** The port went away: try again after the current delay. */
  lost(): void {
    if (this.#stopped || this.#timer !== null || this.#opening) return;
    this.#timer = this.#clock.setTimeout(() => this.#attempt(), this.#delay);
  }

  /** Stops retrying. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #attempt(): void {
    this.#timer = null;
    if (this.#stopped) return;
    this.#opening = true;
    this.#open().then(
      (stream) => {
        this.#opening = false;
        if (this.#stopped) void stream.close();
        else this.#options.onOpen(stream);
      },
      () => {
        this.#opening = false;
        this.failures++;
        this.#delay = Math.min(this.#delay * 2, this.#options.maxMs);
        this.lost();
      },
    );
  }
}
