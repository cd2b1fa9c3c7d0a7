/** What `rpmsg bench` passes the A-core bench program and the bench firmware (structured-cloned). */
export interface RpmsgBenchData {
  readonly mode: 'one-way' | 'ping-pong';
  readonly payload: number;
  /** Messages (one-way) or round trips (ping-pong) timed. */
  readonly total: number;
  /**
   * Messages or round trips moved first, untimed: the JIT tiers the hot path up meanwhile (on two
   * cores the background compiler competes with two spinning threads, so this takes a while).
   */
  readonly warmup: number;
  /** Sender fills TX buffers in place instead of copying a prepared payload. */
  readonly zeroCopy: boolean;
  /**
   * How the firmware receives one-way messages: in an rx callback, or from an `rpmsg_queue` in a
   * blocking task (the hand-off most RPMsg-Lite applications use). Ping-pong always uses the queue.
   */
  readonly receiver: 'callback' | 'queue';
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
