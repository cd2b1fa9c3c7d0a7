// The M-core of bench/multi-remote.mjs: announces "bench-sink" and counts every message to it in an
// endpoint callback (no copy, no reply), as an RPMsg-Lite rx_cb returning RL_RELEASE would. A 1-byte
// message asks for a report: it answers with what it counted since the last report, the share of
// that time its event loop was busy, and its heap — as JSON, then starts counting again. Messages
// arrive in order on a link, so the report covers everything sent before the request.
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

const encoder = new TextEncoder();

/** @type {import('../dist/index.js').Firmware} */
export default function sink(device) {
  let count = 0;
  let bytes = 0;
  let since = performance.eventLoopUtilization();
  const ept = device.createEndpoint({
    addr: 30,
    name: 'bench-sink',
    onMessage: (payload, src) => {
      if (payload.length !== 1) {
        count++;
        bytes += payload.length;
        return;
      }
      const now = performance.eventLoopUtilization();
      const elu = performance.eventLoopUtilization(now, since).utilization;
      const heapUsed = getHeapStatistics().used_heap_size;
      // The A-core sends this core nothing to answer, so its TX pool is full: this cannot fail.
      ept.trySendTo(src, encoder.encode(JSON.stringify({ count, bytes, elu, heapUsed })));
      since = now;
      count = 0;
      bytes = 0;
    },
  });
}
