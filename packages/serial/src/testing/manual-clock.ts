import type { LinkClock } from '../clock.js';

interface Pending {
  at: number;
  seq: number;
  callback: () => void;
}

/**
 * A {@link LinkClock} that only moves when told: `advance(ms)` runs every timer due on the way, in
 * order. Handshakes, keep-alives and retransmissions are tested with it in virtual time.
 *
 * @example
 * const clock = new ManualClock();
 * const link = new SerialLink(handler, { clock });
 * clock.advance(1000); // HELLO repeated five times, no real waiting
 */
export class ManualClock implements LinkClock {
  private time = 0;
  private seq = 0;
  private readonly timers = new Map<number, Pending>();

  /** Current virtual time (ms). */
  now(): number {
    return this.time;
  }

  /** Schedules `callback` at `now() + ms`. */
  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms), seq: id, callback });
    return id;
  }

  /** Cancels a timer. */
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, running due timers (earliest first, then in creation order). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const t of this.timers.values()) {
        if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq)))
          next = t;
      }
      if (next === undefined) break;
      this.timers.delete(next.seq);
      this.time = Math.max(this.time, next.at);
      next.callback();
    }
    this.time = end;
  }
}
