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
  return data.mode === 'one-way' ? oneWay(ept, data) : pingPong(ept, data);
}

async function oneWay(ept: Endpoint, data: RpmsgBenchData): Promise<RpmsgBenchReport> {
  const payload = new Uint8Array(data.payload).fill(0xa5);
  let resolveDone: (count: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  ept.on('message', (bytes: Uint8Array) => {
    resolveDone(new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true));
  });
  const options = { timeout: data.timeout };
  const start = process.hrtime.bigint();
  for (let i = 0; i < data.total; i++) {
    if (data.zeroCopy) {
      const tx = ept.tryGetTxBuffer() ?? (await ept.getTxBuffer(options));
      tx.payload[0] = i & 0xff; // the sender writes its message in place
      tx.send(data.payload);
    } else if (!trySend(ept, payload)) {
      await ept.send(payload, options); // pool empty: wait for the firmware to return buffers
    }
  }
  const count = await done;
  return { count, elapsedNs: Number(process.hrtime.bigint() - start) };
}

async function pingPong(ept: Endpoint, data: RpmsgBenchData): Promise<RpmsgBenchReport> {
  const payload = new Uint8Array(data.payload).fill(0x5a);
  const rttNs = new Float64Array(data.total);
  let resolveEcho: () => void = () => {};
  ept.on('message', () => resolveEcho());
  const start = process.hrtime.bigint();
  for (let i = 0; i < data.total; i++) {
    const echoed = new Promise<void>((resolve) => {
      resolveEcho = resolve;
    });
    const t0 = process.hrtime.bigint();
    await ept.send(payload, { timeout: data.timeout });
    await echoed;
    rttNs[i] = Number(process.hrtime.bigint() - t0);
  }
  return { count: data.total, elapsedNs: Number(process.hrtime.bigint() - start), rttNs };
}

function trySend(ept: Endpoint, payload: Uint8Array): boolean {
  try {
    ept.trySend(payload);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_RPMSG_NO_BUFFER') return false;
    throw error;
  }
}
