import type { TransportBuffer, TransportObserver } from '@rpmsg/core';

/** Which part of the SoC an event comes from. */
export type TraceSource = 'master' | 'remote' | 'soc';

/** One trace event. `t` is milliseconds since the epoch (float, comparable across threads). */
export type TraceEvent =
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
  | { t: number; core: TraceSource; type: 'log'; from: 'master' | 'remote'; line: string };

/** Options of the opt-in trace. */
export interface TraceOptions {
  /** Append events as JSON lines to this file. */
  file?: string;
  /** Payload bytes kept per message event (default 16). */
  payloadBytes?: number;
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
  readonly #payloadBytes: number;
  readonly #sink: (events: TraceEvent[]) => void;
  #batch: TraceEvent[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastFlush = traceNow();

  constructor(core: TraceSource, sink: (events: TraceEvent[]) => void, options: TraceOptions = {}) {
    this.core = core;
    this.#sink = sink;
    this.#payloadBytes = options.payloadBytes ?? 16;
  }

  /** Records an event. */
  emit(event: TraceInit): void {
    this.#batch.push({ ...event, t: traceNow(), core: this.core } as TraceEvent);
    // A busy thread may not run timers for a while: flush by age as well as by size.
    if (this.#batch.length >= 256 || traceNow() - this.#lastFlush > 20) this.flush();
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

  onSend(buf: TransportBuffer, length: number): void {
    this.#message('tx', buf, length);
  }

  onReceive(buf: TransportBuffer, length: number): void {
    this.#message('rx', buf, length);
  }

  #message(dir: 'tx' | 'rx', buf: TransportBuffer, length: number): void {
    const v = buf.view;
    if (length < 16) return;
    const len = v.getUint16(12, true);
    const shown = Math.min(len, this.#payloadBytes, length - 16);
    this.emit({
      type: 'message',
      dir,
      src: v.getUint32(0, true),
      dst: v.getUint32(4, true),
      len,
      payload: Buffer.from(buf.bytes.buffer, buf.bytes.byteOffset + 16, Math.max(0, shown)).toString('hex'),
    });
  }
}
