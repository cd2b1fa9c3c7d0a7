import type { TransportBuffer, TransportObserver } from '@rpmsg/core';

/** Which part of the SoC an event comes from. */
export type TraceSource = 'master' | 'remote' | 'soc';

/**
 * One trace event. `t` is milliseconds since the epoch (float, comparable across threads). In a SoC
 * with several remotes (`options.remotes`) every event of a link carries `link`: the remote's name,
 * or `master:remote` for an M-core↔M-core link.
 */
export type TraceEvent = TraceEventBody & { link?: string };

/** A trace event without the link tag. */
export type TraceEventBody =
  | { t: number; core: TraceSource; type: 'kick'; dir: 'out' | 'in'; vring: number; notifyId: number }
  | {
      t: number;
      core: TraceSource;
      type: 'message';
      dir: 'tx' | 'rx';
      src: number;
      dst: number;
      len: number;
      /** Hex of the first payload bytes (at most `payloadBytes`). */
      payload: string;
      /** The vring it travels on: the master sends on vq1, the remote on vq0. */
      vring: 0 | 1;
      /** The pool buffer (`TransportBuffer.index`): the same number on both cores. */
      slot: number;
      /**
       * Messages this core sent (tx) or received (rx) on `vring` before this one since its link last
       * connected: the ring position it was published / consumed at, counted without wrapping. A TX and
       * the RX of the same message carry the same `vring`, `slot` and `seq` (rings deliver in order).
       */
      seq: number;
      /** tx only: free TX buffers of the sender once this one was taken. */
      free?: number;
    }
  | {
      t: number;
      core: TraceSource;
      type: 'ns';
      event: 'channel' | 'channel-removed';
      name: string;
      addr: number;
    }
  | { t: number; core: TraceSource; type: 'lifecycle'; event: string; detail?: string }
  /** A line of a core's output (a C firmware's printf): `from` is the core that printed it. */
  | { t: number; core: TraceSource; type: 'log'; from: 'master' | 'remote'; line: string }
  /**
   * A pump pass that did work (kicks taken or messages delivered): `t` its start, `dur` ms; the
   * doorbells were handled (the ISR) in its first `isr` ms; `free` TX buffers at its end.
   */
  | {
      t: number;
      core: TraceSource;
      type: 'pass';
      dur: number;
      isr: number;
      kicks: number;
      delivered: number;
      free: number;
    }
  /** The core slept on its doorbell from `t` for `dur` ms. */
  | { t: number; core: TraceSource; type: 'sleep'; dur: number };

/** Options of the opt-in trace. */
export interface TraceOptions {
  /** Write the trace to this file (JSON lines, or one Trace Event Format object for `perfetto`). */
  file?: string;
  /** Payload bytes kept per message event (default 16). */
  payloadBytes?: number;
  /**
   * What `file` holds: `jsonl` (default) one event per line as it happens; `perfetto` the Trace
   * Event Format (ui.perfetto.dev, chrome://tracing), written at `stop()` and after a crash.
   */
  format?: 'jsonl' | 'perfetto';
  /**
   * Keep only the last N events for `file` (a ring buffer), written at `stop()` and after a crash
   * instead of as they happen: a long run that crashes still leaves what came before the crash.
   */
  last?: number;
}

/** Trace event without its time and source, as recorders emit it. */
export type TraceInit = TraceEvent extends infer E
  ? E extends TraceEvent
    ? Omit<E, 't' | 'core'>
    : never
  : never;

/** Milliseconds since the epoch with sub-ms resolution, the same clock in every thread. */
export function traceNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Records one core's trace events and hands them to `sink` in batches (a worker posts them to the
 * SoC; the SoC's own tracer emits them directly). Only exists when tracing is on, so the data path
 * pays nothing otherwise.
 */
export class Tracer implements TransportObserver {
  readonly core: TraceSource;
  /** The link its events are tagged with (several-remote SoCs only). */
  readonly link: string | undefined;
  readonly #payloadBytes: number;
  readonly #sink: (events: TraceEvent[]) => void;
  #batch: TraceEvent[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastFlush = traceNow();
  /** Messages sent / received since the link last connected (the `seq` of the next one). */
  #txSeq = 0;
  #rxSeq = 0;
  #txFree: () => number = () => 0;

  constructor(
    core: TraceSource,
    sink: (events: TraceEvent[]) => void,
    options: TraceOptions = {},
    link?: string,
  ) {
    this.core = core;
    this.link = link;
    this.#sink = sink;
    this.#payloadBytes = options.payloadBytes ?? 16;
  }

  /**
   * Records an event. The event is stamped in place (its time and core added): callers pass a fresh
   * literal. A spread would copy every event through V8's slow generic path — a fifth of a traced
   * core's time in a message stream.
   */
  emit(event: TraceInit): void {
    const stamped = event as TraceInit & { t: number; core: TraceSource };
    stamped.t = traceNow();
    stamped.core = this.core;
    this.#push(stamped as TraceEvent);
  }

  #push(event: TraceEvent): void {
    if (this.link !== undefined) event.link = this.link;
    this.#batch.push(event);
    // A busy thread may not run timers for a while: flush by age as well as by size.
    // 1024 a batch: each post structured-clones its events, and a post has a cost of its own.
    if (this.#batch.length >= 1024 || event.t - this.#lastFlush > 20) this.flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => this.flush(), 20);
      this.#timer.unref();
    }
  }

  /** Hands the pending batch to the sink. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lastFlush = traceNow();
    if (this.#batch.length === 0) return;
    const events = this.#batch;
    this.#batch = [];
    this.#sink(events);
  }

  /**
   * The link connected a fresh transport (a boot, a restart, a resync): its rings start at index 0,
   * and so do the `seq` numbers, on both cores.
   */
  linkConnected(): void {
    this.#txSeq = 0;
    this.#rxSeq = 0;
  }

  /** Where the `free` counts come from (the core's link). */
  watchTxFree(txFree: () => number): void {
    this.#txFree = txFree;
  }

  /** The pump's `tracePass` hook; times are `performance.now()` of this thread. */
  readonly pass = (start: number, isrEnd: number, end: number, kicks: number, delivered: number): void => {
    const o = performance.timeOrigin;
    this.#push({
      t: o + start,
      core: this.core,
      type: 'pass',
      dur: end - start,
      isr: isrEnd - start,
      kicks,
      delivered,
      free: this.#txFree(),
    });
  };

  /** The pump's `traceSleep` hook; times are `performance.now()` of this thread. */
  readonly sleep = (start: number, end: number): void => {
    this.#push({ t: performance.timeOrigin + start, core: this.core, type: 'sleep', dur: end - start });
  };

  onSend(buf: TransportBuffer, length: number): void {
    this.#message('tx', buf, length);
  }

  onReceive(buf: TransportBuffer, length: number): void {
    this.#message('rx', buf, length);
  }

  #message(dir: 'tx' | 'rx', buf: TransportBuffer, length: number): void {
    // Counted before the length check: a short frame still took a ring position.
    const seq = dir === 'tx' ? this.#txSeq++ : this.#rxSeq++;
    const v = buf.view;
    if (length < 16) return;
    const len = v.getUint16(12, true);
    const shown = Math.min(len, this.#payloadBytes, length - 16);
    // docs/architecture.md, "Roles on the rings": the master sends on vq1, the remote on vq0.
    const vring = (this.core === 'master') === (dir === 'tx') ? 1 : 0;
    const event: TraceEvent = {
      t: traceNow(),
      core: this.core,
      type: 'message',
      dir,
      src: v.getUint32(0, true),
      dst: v.getUint32(4, true),
      len,
      payload: Buffer.from(buf.bytes.buffer, buf.bytes.byteOffset + 16, Math.max(0, shown)).toString('hex'),
      vring,
      slot: buf.index,
      seq,
    };
    if (dir === 'tx') event.free = this.#txFree();
    this.#push(event);
  }
}
