import type { ByteStream } from '../byte-stream.js';
import { Noise, type NoiseOptions } from './noise.js';

/** Options of {@link withNoise}. */
export interface NoisyStreamOptions {
  /** Noise on bytes written to the port (host → MCU). */
  toPort?: NoiseOptions;
  /** Noise on bytes read from the port (MCU → host). */
  fromPort?: NoiseOptions;
}

/** A {@link ByteStream} with the {@link Noise} applied each way, for reading their counters. */
export interface NoisyStream extends ByteStream {
  /** The noise on writes. */
  readonly toPort: Noise;
  /** The noise on reads. */
  readonly fromPort: Noise;
}

/**
 * Wraps a stream in a noise proxy that drops, corrupts and duplicates bytes both ways at the given
 * rates: put it between a `SerialTransport` and a real port to test a noisy line end to end.
 *
 * @example
 * new SerialTransport({ port: async () => withNoise(await openPort({ path }), { toPort: { corrupt: 0.001 } }) })
 */
export function withNoise(stream: ByteStream, options: NoisyStreamOptions): NoisyStream {
  const toPort = new Noise(options.toPort);
  const fromPort = new Noise(options.fromPort);
  return {
    toPort,
    fromPort,
    setHandler(handler) {
      stream.setHandler({
        onData: (chunk) => handler.onData(fromPort.apply(chunk)),
        onClose: (error) => handler.onClose(error),
      });
    },
    write(chunk) {
      stream.write(toPort.apply(chunk));
    },
    close: () => stream.close(),
  };
}
