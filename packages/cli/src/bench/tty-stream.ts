import { once } from 'node:events';
import type { Duplex } from 'node:stream';

/** Options of {@link benchTty}. */
export interface TtyBenchOptions {
  /** Bytes to send (and expect back). Default 4 MiB. */
  bytes?: number;
  /** Size of each `write()`. Default 4096. */
  chunkSize?: number;
  /** Monotonic clock in nanoseconds; default `process.hrtime.bigint`. */
  now?: () => bigint;
}

/** What {@link benchTty} measured. */
export interface TtyBenchResult {
  /** Bytes written, and read back from the echo. */
  readonly bytes: number;
  /** Size of each write. */
  readonly chunkSize: number;
  /** Wall time from the first write to the last byte read back. */
  readonly elapsedNs: number;
  /** Stream throughput in MB/s (10^6 bytes), counting each byte once. */
  readonly mbPerSec: number;
}

/**
 * Measures tty stream throughput against an echo peer (the firmware's tty service): writes `bytes` in
 * `chunkSize` writes, obeying backpressure, while reading the echo back; stops when every byte has
 * returned. The figure sits next to the raw endpoint one in `rpmsg bench`: their ratio is the cost of
 * the stream layer (copies, chunking, `'drain'` round trips).
 *
 * The stream is left open; the caller closes it.
 *
 * @throws the stream's error if it fails during the run
 */
export async function benchTty(tty: Duplex, options: TtyBenchOptions = {}): Promise<TtyBenchResult> {
  const total = options.bytes ?? 4 * 1024 * 1024;
  const chunkSize = options.chunkSize ?? 4096;
  const now = options.now ?? process.hrtime.bigint;
  if (!Number.isInteger(total) || total <= 0) throw new RangeError('bytes must be a positive integer');
  if (!Number.isInteger(chunkSize) || chunkSize <= 0)
    throw new RangeError('chunkSize must be a positive integer');
  const block = Buffer.alloc(chunkSize);
  for (let i = 0; i < chunkSize; i += 1) block[i] = i & 0xff;

  const start = now();
  let received = 0;
  const echoed = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer | string) => {
      received += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (received >= total) finish(null);
    };
    const onError = (error: Error) => finish(error);
    const onClose = () => finish(new Error(`stream closed after ${received} of ${total} bytes`));
    const finish = (error: Error | null) => {
      tty.off('data', onData);
      tty.off('error', onError);
      tty.off('close', onClose);
      tty.pause();
      if (error) reject(error);
      else resolve();
    };
    tty.on('data', onData);
    tty.on('error', onError);
    tty.on('close', onClose);
  });
  // Keep a rejection from going unhandled while the writer is still running.
  echoed.catch(() => {});

  let written = 0;
  while (written < total && !tty.destroyed) {
    const n = Math.min(chunkSize, total - written);
    written += n;
    if (!tty.write(n === chunkSize ? block : block.subarray(0, n))) {
      await Promise.race([once(tty, 'drain'), echoed]);
    }
  }
  await echoed;
  const elapsedNs = Number(now() - start);
  return { bytes: total, chunkSize, elapsedNs, mbPerSec: total / 1e6 / (elapsedNs / 1e9) };
}
