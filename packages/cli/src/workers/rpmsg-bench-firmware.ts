/**
 * M-core firmware of the RPMsg section of `rpmsg bench`, written the RPMsg-Lite way: one blocking
 * task. One-way: count `warmup + total` messages, then answer with the count (4 bytes). Ping-pong: echo each
 * message to its source, zero-copy. Imports nothing at run time (the core worker hands it the API).
 */
import type { RpmsgDevice } from '@rpmsg/core';
import type { CoreContext } from '@rpmsg/soc';
import { BENCH_ADDR, BENCH_SERVICE, type RpmsgBenchData } from './rpmsg-bench-protocol.js';

export default function benchFirmware(_device: RpmsgDevice, ctx: CoreContext): void {
  const lite = ctx.lite!;
  const data = ctx.data as RpmsgBenchData;
  const ept = lite.createEpt(BENCH_ADDR, lite.createQueue());
  lite.nsAnnounce(ept, BENCH_SERVICE);
  let count = 0;
  for (;;) {
    const msg = lite.recvNocopy(ept);
    if (data.mode === 'ping-pong') {
      const tx = lite.allocTxBuffer(ept);
      tx.payload.set(msg.payload);
      lite.sendNocopy(ept, msg.src, tx, msg.payload.length);
      lite.releaseRxBuffer(msg);
      continue;
    }
    const src = msg.src;
    lite.releaseRxBuffer(msg);
    if (++count === data.warmup + data.total) {
      const tx = lite.allocTxBuffer(ept);
      new DataView(tx.payload.buffer, tx.payload.byteOffset, 4).setUint32(0, count, true);
      lite.sendNocopy(ept, src, tx, 4);
      count = 0;
    }
  }
}
