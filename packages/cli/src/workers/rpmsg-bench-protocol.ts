/** What `rpmsg bench` passes the A-core bench program and the bench firmware (structured-cloned). */
export interface RpmsgBenchData {
  readonly mode: 'one-way' | 'ping-pong';
  readonly payload: number;
  /** Messages (one-way) or round trips (ping-pong). */
  readonly total: number;
  /** Sender fills TX buffers in place instead of copying a prepared payload. */
  readonly zeroCopy: boolean;
  /** Per-wait timeout, ms. */
  readonly timeout: number;
}

/** What the A-core bench program returns. */
export interface RpmsgBenchReport {
  /** Messages the firmware counted (one-way) or round trips completed (ping-pong). */
  readonly count: number;
  readonly elapsedNs: number;
  /** Round-trip times, ns (ping-pong only). */
  readonly rttNs?: Float64Array;
}

/** The service the bench firmware announces. */
export const BENCH_SERVICE = 'rpmsg-bench';
/** Its endpoint address on the remote. */
export const BENCH_ADDR = 40;
