/**
 * A-core program of the RPMsg section of `rpmsg bench`: finds the bench firmware's service by name,
 * then either streams `total` messages one way as fast as the TX pool allows (waiting for the
 * firmware's final count), or times `total` ping-pong round trips. Runs on the master core's event
 * loop; imports nothing at run time.
 */
import type { Endpoint, RpmsgDevice } from '@rpmsg/core';
import type { CoreContext } from '@rpmsg/soc';
import { BENCH_SERVICE, type RpmsgBenchData, type RpmsgBenchReport } from './rpmsg-bench-protocol.js';

export default async function benchApp(device: RpmsgDevice, ctx: CoreContext): Promise<RpmsgBenchReport> {
  const data = ctx.data as RpmsgBenchData;
  const channel = await device.waitForChannel(BENCH_SERVICE, { timeout: data.timeout });
  const ept = await device.openChannel(channel, { hello: false });
  return data.mode === 'one-way' ? oneWay(device, ept, data) : pingPong(ept, data);
}

async function oneWay(device: RpmsgDevice, ept: Endpoint, data: RpmsgBenchData): Promise<RpmsgBenchReport> {
  const payload = new Uint8Array(data.payload).fill(0xa5);
  let resolveDone: (count: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  ept.on('message', (bytes: Uint8Array) => {
    resolveDone(new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true));
  });
  const options = { timeout: data.timeout };
  const stats = device.stats;
  // Buffers this sender may take without asking: only it takes them, so the count can only grow.
  let credit = 0;
  // The warm-up and the timed run are two calls of one function, so the code optimized during the
  // warm-up is the code timed (a timer read inside the loop would deoptimize it at the start line).
  const stream = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      if (data.zeroCopy) {
        const tx = ept.tryGetTxBuffer() ?? (await ept.getTxBuffer(options));
        tx.payload[0] = i & 0xff; // the sender writes its message in place
        tx.send(data.payload);
        continue;
      }
      if (credit === 0) credit = stats.txFree;
      if (credit > 0) {
        credit--;
        ept.trySend(payload); // a buffer is free: no promise, no wait
      } else {
        await ept.send(payload, options); // takes back returned buffers, or waits for the firmware
      }
    }
  };
  await stream(data.warmup);
  const start = process.hrtime.bigint();
  await stream(data.total);
  const count = await done;
  return { count: count - data.warmup, elapsedNs: Number(process.hrtime.bigint() - start) };
}

async function pingPong(ept: Endpoint, data: RpmsgBenchData): Promise<RpmsgBenchReport> {
  const payload = new Uint8Array(data.payload).fill(0x5a);
  const rttNs = new Float64Array(data.total);
  let resolveEcho: () => void = () => {};
  ept.on('message', () => resolveEcho());
  // As in oneWay: one function for the warm-up and the timed run; warm-up round trips are stored in
  // slot 0 (overwritten later) so that both run the same code.
  const roundTrips = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i++) {
      const echoed = new Promise<void>((resolve) => {
        resolveEcho = resolve;
      });
      const t0 = process.hrtime.bigint();
      await ept.send(payload, { timeout: data.timeout });
      await echoed;
      rttNs[Math.max(i, 0)] = Number(process.hrtime.bigint() - t0);
    }
  };
  await roundTrips(-data.warmup, 0);
  const start = process.hrtime.bigint();
  await roundTrips(0, data.total);
  return { count: data.total, elapsedNs: Number(process.hrtime.bigint() - start), rttNs };
}
