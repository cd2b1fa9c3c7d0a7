import type { Clock } from '../clock.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/**
 * A {@link Clock} in virtual time for tests: timers fire only when `advance()` moves time past them,
 * in due order, so send timeouts and waits are tested without sleeping.
 *
 * @example
 * const clock = new FakeClock();
 * const device = new RpmsgDevice(transport, { clock });
 * const pending = ep.send(data, { timeout: 100 });
 * clock.advance(100); // pending rejects with ERR_RPMSG_TIMEOUT
 */
export class FakeClock implements Clock {
  /** Virtual milliseconds since the clock was made. */
  now = 0;
  /** By id, in the order they were set: clearing one is O(1) however many are pending (queued sends). */
  readonly #timers = new Map<number, Timer>();
  #nextId = 1;

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { id: this.#nextId++, at: this.now + Math.max(0, ms), callback };
    this.#timers.set(timer.id, timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** {@link Clock.currentTime}: the virtual time, `now`. */
  currentTime(): number {
    return this.now;
  }

  /** Number of timers not yet fired or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.#timers.values()) if (t.at <= until && (!next || t.at < next.at)) next = t;
      if (!next) break;
      this.#timers.delete(next.id);
      this.now = next.at;
      next.callback();
    }
    this.now = until;
  }
}
