import type { TraceEvent } from './trace.js';

/**
 * The last `capacity` trace events, oldest first: a fixed array written round and round, so a run
 * of any length holds at most `capacity` events (`trace: { last }`).
 */
export class TraceRing {
  readonly capacity: number;
  readonly #events: (TraceEvent | undefined)[];
  /** Where the next event goes (the oldest one once full). */
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#events = new Array(capacity);
  }

  /** Events held (at most `capacity`). */
  get size(): number {
    return this.#size;
  }

  /** Appends events, dropping the oldest beyond `capacity`. */
  push(events: readonly TraceEvent[]): void {
    for (const event of events) {
      this.#events[this.#next] = event;
      if (++this.#next === this.capacity) this.#next = 0;
      if (this.#size < this.capacity) this.#size++;
    }
  }

  /** The events held, oldest first (a copy). */
  toArray(): TraceEvent[] {
    if (this.#size < this.capacity) return this.#events.slice(0, this.#size) as TraceEvent[];
    return [...this.#events.slice(this.#next), ...this.#events.slice(0, this.#next)] as TraceEvent[];
  }
}
