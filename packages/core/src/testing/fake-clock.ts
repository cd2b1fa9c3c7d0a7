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
  #timers: Timer[] = [];
  #nextId = 1;

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { id: this.#nextId++, at: this.now + Math.max(0, ms), callback };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** Number of timers not yet fired or cleared. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.#timers) if (t.at <= until && (!next || t.at < next.at)) next = t;
      if (!next) break;
      const fire = next;
      this.#timers = this.#timers.filter((t) => t !== fire);
      this.now = fire.at;
      fire.callback();
    }
    this.now = until;
  }
}
