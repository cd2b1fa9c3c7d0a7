/**
 * M-core firmware of the RPMsg section of `rpmsg bench`, written the RPMsg-Lite way.
 *
 * - One-way: counts `warmup + total` messages, then answers with the count (4 bytes). By default an rx
 *   callback (RPMsg-Lite `rx_cb` returning `RL_RELEASE`) counts them, as the `postMessage` baseline's
 *   `on('message')` listener does, so the row measures the channel; with `receiver: 'queue'` a
 *   blocking task takes each one from an `rpmsg_queue` (`rpmsg_queue_recv_nocopy`), which adds that
 *   hand-off per message.
 * - Ping-pong: one blocking task takes each message from a queue and echoes it to its source,
 *   zero-copy.
 *
 * Imports nothing at run time (the core worker hands it the API).
 */
import type { RpmsgDevice } from '@rpmsg/core';
import type { CoreContext, RpmsgLite } from '@rpmsg/soc';
import { BENCH_ADDR, BENCH_SERVICE, type RpmsgBenchData } from './rpmsg-bench-protocol.js';

export default function benchFirmware(_device: RpmsgDevice, ctx: CoreContext): void {
  const lite = ctx.lite!;
  const data = ctx.data as RpmsgBenchData;
  if (data.mode === 'ping-pong') echoMessages(lite);
  else if (data.receiver === 'queue') countFromQueue(lite, data);
  else countMessages(lite, data);
}

function countMessages(lite: RpmsgLite, data: RpmsgBenchData): void {
  const end = data.warmup + data.total;
  const reply = new Uint8Array(4);
  const replyView = new DataView(reply.buffer);
  let count = 0;
  const ept = lite.createEpt(BENCH_ADDR, (_payload, src) => {
    if (++count < end) return;
    replyView.setUint32(0, count, true);
    count = 0;
    // A callback must not block; the A-core sends nothing back, so the TX pool is full and this cannot
    // fail short of a broken link, which fails the run anyway.
    ept.endpoint.trySendTo(src, reply);
  });
  lite.nsAnnounce(ept, BENCH_SERVICE);
  for (;;) lite.sleep(Number.POSITIVE_INFINITY); // serves the link; the callback does the work
}

function countFromQueue(lite: RpmsgLite, data: RpmsgBenchData): void {
  const end = data.warmup + data.total;
  const reply = new Uint8Array(4);
  const replyView = new DataView(reply.buffer);
  const ept = lite.createEpt(BENCH_ADDR, lite.createQueue());
  lite.nsAnnounce(ept, BENCH_SERVICE);
  let count = 0;
  for (;;) {
    const msg = lite.recvNocopy(ept);
    const src = msg.src;
    lite.releaseRxBuffer(msg);
    if (++count < end) continue;
    replyView.setUint32(0, count, true);
    count = 0;
    lite.sendTimeout(ept, src, reply);
  }
}

function echoMessages(lite: RpmsgLite): void {
  const ept = lite.createEpt(BENCH_ADDR, lite.createQueue());
  lite.nsAnnounce(ept, BENCH_SERVICE);
  for (;;) {
    const msg = lite.recvNocopy(ept);
    const tx = lite.allocTxBuffer(ept);
    tx.payload.set(msg.payload);
    lite.sendNocopy(ept, msg.src, tx, msg.payload.length);
    lite.releaseRxBuffer(msg);
  }
}
