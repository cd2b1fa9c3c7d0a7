import type { ByteStream, ByteStreamHandler } from '../byte-stream.js';
import { Noise, type NoiseOptions } from './noise.js';

/** One end of a {@link createStreamPair}. */
export interface MemoryStream extends ByteStream {
  /** True until either end closed. */
  readonly isOpen: boolean;
  /**
   * Ends the pair as an unplug would: both ends see `onClose(error)`. (`close()` ends it too, but
   * only the other end sees an error: the closing end closed locally.)
   */
  unplug(): void;
  /** Everything written by this end so far (when recording). */
  readonly written: Uint8Array[];
}

/** Options of {@link createStreamPair}. */
export interface StreamPairOptions {
  /** Noise applied to bytes going from end A to end B. */
  noiseAtoB?: NoiseOptions;
  /** Noise applied to bytes going from end B to end A. */
  noiseBtoA?: NoiseOptions;
  /** Keep a copy of every write in `written`. Default false. */
  record?: boolean;
  /**
   * How delivery is scheduled: `microtask` (default, like a fast port) or `manual` — bytes wait until
   * `deliver()` is called on the returned controller, for tests in virtual time.
   */
  delivery?: 'microtask' | 'manual';
}

/** A connected in-memory pair plus a manual delivery pump. */
export interface StreamPair {
  /** End A (usually the host). */
  a: MemoryStream;
  /** End B (usually the peer). */
  b: MemoryStream;
  /** Delivers every byte in flight (manual mode; harmless in microtask mode). Returns bytes moved. */
  deliver(): number;
}

/**
 * Two {@link ByteStream}s wired back to back in memory, optionally through {@link Noise} — the
 * serial equivalent of `MockBinding`. Writes after close are dropped, as on a real port.
 */
export function createStreamPair(options: StreamPairOptions = {}): StreamPair {
  let open = true;
  const queues: [Uint8Array[], Uint8Array[]] = [[], []]; // [to A, to B]
  const handlers: [ByteStreamHandler | null, ByteStreamHandler | null] = [null, null];
  const noise = [
    options.noiseBtoA ? new Noise(options.noiseBtoA) : null,
    options.noiseAtoB ? new Noise(options.noiseAtoB) : null,
  ];
  let scheduled = false;

  const deliver = (): number => {
    scheduled = false;
    let moved = 0;
    for (let guard = 0; guard < 10_000 && open && (queues[0].length > 0 || queues[1].length > 0); guard++) {
      for (const side of [0, 1] as const) {
        const chunks = queues[side].splice(0);
        for (const c of chunks) {
          moved += c.length;
          if (open) handlers[side]?.onData(c);
        }
      }
    }
    return moved;
  };
  const schedule = () => {
    if (options.delivery === 'manual' || scheduled) return;
    scheduled = true;
    queueMicrotask(deliver);
  };
  /** Ends both sides: `closer` (if any) closed locally and sees no error; the other sees `error`. */
  const end = (error: Error, closer?: 0 | 1) => {
    if (!open) return;
    open = false;
    queues[0].length = 0;
    queues[1].length = 0;
    handlers[0]?.onClose(closer === 0 ? undefined : error);
    handlers[1]?.onClose(closer === 1 ? undefined : error);
  };
  const make = (self: 0 | 1): MemoryStream => {
    const peer = self === 0 ? 1 : 0;
    const written: Uint8Array[] = [];
    return {
      get isOpen() {
        return open;
      },
      written,
      setHandler(handler) {
        handlers[self] = handler;
      },
      write(chunk) {
        if (!open) return;
        if (options.record) written.push(chunk.slice());
        const n = noise[peer];
        queues[peer].push(n ? n.apply(chunk) : chunk);
        schedule();
      },
      async close() {
        deliver(); // like a port drained before closing: bytes already written still arrive
        // ByteStream contract: only the end that called close() sees no error.
        end(new Error('the other end closed the stream'), self);
      },
      unplug() {
        end(Object.assign(new Error('device unplugged'), { disconnected: true }));
      },
    };
  };
  return { a: make(0), b: make(1), deliver };
}
