/**
 * The A-core program of `rpmsg demo`: finds the demo firmware's two services by name, exchanges
 * messages of several sizes with each (ping-pong, timing every round trip), then streams a burst
 * with a window of messages in flight, verifying every echo byte for byte. Returns a summary.
 *
 * Imports nothing at run time: it receives the device from the core worker.
 */
import type { Endpoint, RpmsgDevice } from '@rpmsg/core';
import type { MasterContext } from '@rpmsg/soc';
import type { DemoSummary } from '../demo/demo-summary.js';
import { summarize } from '../demo/demo-summary.js';

/** What `runDemo` passes the program as `ctx.data`. */
export interface DemoAppData {
  sizes: number[];
  rounds: number;
  burst: number;
  window: number;
  timeout: number;
  /**
   * Go round the channels for ever (`rpmsg view --demo`: something to watch): round-trip times are
   * then not kept, so memory stays flat; the program ends only with its SoC.
   */
  forever?: boolean;
}

interface Pending {
  expect: Uint8Array;
  sentAt: number;
  resolve: () => void;
}

/** Runs the demo on `device` and returns its summary (failures are listed, never thrown). */
export default async function demoApp(device: RpmsgDevice, ctx: MasterContext): Promise<DemoSummary> {
  const data = ctx.data as DemoAppData;
  const failures: string[] = [];
  const rtts: number[] = [];
  let messages = 0;
  let bytes = 0;
  const channels: string[] = [];
  const start = performance.now();
  try {
    const names = ['rpmsg-echo', 'rpmsg-tty'];
    const found = await Promise.all(names.map((n) => device.waitForChannel(n, { timeout: data.timeout })));
    channels.push(...found.map((c) => c.name));
    // No hello: the firmware replies to each message's source, so it needs no binding first.
    const endpoints = await Promise.all(found.map((c) => device.openChannel(c, { hello: false })));
    const t0 = performance.now();
    const record = (rtt: number) => {
      if (!data.forever) rtts.push(rtt);
    };
    // One receiver per endpoint for the whole run (a forever run goes round them again and again).
    const inboxes = new Map(endpoints.map((ept) => [ept, receiver(ept, failures)] as const));
    do {
      for (const ept of endpoints) {
        const inbox = inboxes.get(ept) as ReturnType<typeof receiver>;
        for (const size of data.sizes) {
          for (let i = 0; i < data.rounds; i++) {
            const payload = pattern(size, i);
            const sentAt = performance.now();
            const echoed = inbox.expect(payload, sentAt);
            await ept.send(payload, { timeout: data.timeout });
            record(
              await withTimeout(echoed, data.timeout, `echo of ${size} bytes on ${ept.name ?? ept.addr}`),
            );
            messages++;
            bytes += size;
          }
        }
        // Throughput: keep `window` messages in flight.
        const mtu = ept.mtu;
        const inFlight: Promise<number>[] = [];
        for (let i = 0; i < data.burst; i++) {
          const payload = pattern(mtu, i);
          inFlight.push(inbox.expect(payload, performance.now()));
          await ept.send(payload, { timeout: data.timeout });
          if (inFlight.length >= data.window)
            await withTimeout(inFlight.shift() as Promise<number>, data.timeout, 'burst echo');
          messages++;
          bytes += mtu;
        }
        await withTimeout(Promise.all(inFlight), data.timeout, 'burst echo');
      }
    } while (data.forever);
    const seconds = (performance.now() - t0) / 1000;
    return summarize({ channels, messages, bytes, seconds, rtts, failures });
  } catch (error) {
    failures.push(
      error instanceof Error
        ? `${(error as { code?: string }).code ?? error.name}: ${error.message}`
        : String(error),
    );
    return summarize({
      channels,
      messages,
      bytes,
      seconds: (performance.now() - start) / 1000,
      rtts,
      failures,
    });
  }
}

/** Verifies echoes in order on one endpoint; resolves each with its round-trip time in µs. */
function receiver(ept: Endpoint, failures: string[]) {
  const queue: Pending[] = [];
  ept.on('message', (payload: Uint8Array) => {
    const p = queue.shift();
    if (!p) {
      failures.push(`unexpected message of ${payload.length} bytes on ${ept.name ?? ept.addr}`);
      return;
    }
    if (!equal(payload, p.expect)) {
      failures.push(
        `echo mismatch on ${ept.name ?? ept.addr}: sent ${p.expect.length} bytes, got ${payload.length}`,
      );
    }
    p.resolve();
  });
  return {
    expect(payload: Uint8Array, sentAt: number): Promise<number> {
      return new Promise((resolve) => {
        queue.push({ expect: payload, sentAt, resolve: () => resolve((performance.now() - sentAt) * 1000) });
      });
    },
  };
}

function pattern(size: number, seq: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let j = 0; j < size; j++) out[j] = (seq * 31 + j * 7 + 1) & 0xff;
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no echo within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
