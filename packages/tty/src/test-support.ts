import { type Duplex, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
// Test helpers shared by this package's tests (not exported from the package).
import { type Clock, RpmsgDevice } from '@rpmsg/core';
import { createMockTransportPair, type MockTransportPair } from '@rpmsg/core/testing';

/** Two started devices joined in this thread: `master` (the A-core side) and `remote` (firmware side). */
export interface DevicePair {
  readonly master: RpmsgDevice;
  readonly remote: RpmsgDevice;
  /** The mock link under them: `disconnect()` is a crash, `reconnect()` a restart. */
  readonly link: MockTransportPair;
  close(): Promise<void>;
}

/** Starts a master/remote pair over the core's in-memory mock transports (delivery by microtask). */
export async function startPair(options: { buffers?: number; clock?: Clock } = {}): Promise<DevicePair> {
  const link = createMockTransportPair({ buffers: options.buffers ?? 32, record: false });
  const deviceOptions = options.clock === undefined ? {} : { clock: options.clock };
  const master = new RpmsgDevice(link.master, deviceOptions);
  const remote = new RpmsgDevice(link.remote, deviceOptions);
  await Promise.all([master.start(), remote.start()]);
  return {
    master,
    remote,
    link,
    async close() {
      await Promise.all([master.close(), remote.close()]);
    },
  };
}

/** Deterministic PRNG (mulberry32) so failures replay. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` pseudo-random bytes. */
export function randomBytes(n: number, seed: number): Buffer {
  const next = prng(seed);
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i += 1) out[i] = (next() * 256) | 0;
  return out;
}

/** Lets every queued microtask and immediate run `turns` times: the pair pumps itself there. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** `pipeline(Readable.from(lines), tty, sink)`; resolves with what reached the sink once it ended. */
export async function pipeLines(tty: Duplex, lines: readonly string[]): Promise<string> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.push(chunk);
      callback();
    },
  });
  await pipeline(Readable.from(lines), tty, sink);
  return Buffer.concat(out).toString();
}
