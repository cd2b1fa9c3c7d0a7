import type { LinkClock } from './clock.js';

/** A deadline that is never reached: nothing to arm. */
export const NEVER = Number.POSITIVE_INFINITY;

/**
 * One timer for many deadlines: `arm(at)` only re-arms when `at` is earlier than the armed time, so
 * deadlines that move later (every ack pushes the keep-alive back) cost nothing; the callback
 * re-checks what is due and arms the next deadline itself.
 */
export class DeadlineTimer {
  #handle: unknown = null;
  #armedAt = Number.POSITIVE_INFINITY;
  readonly #fire = (): void => {
    this.#handle = null;
    this.#armedAt = Number.POSITIVE_INFINITY;
    this.#callback();
  };

  readonly #clock: LinkClock;
  readonly #callback: () => void;

  /**
   * @param clock time source
   * @param callback called when an armed deadline is reached
   */
  constructor(clock: LinkClock, callback: () => void) {
    this.#clock = clock;
    this.#callback = callback;
  }

  /** Makes sure the callback runs no later than `at` (`Infinity`: nothing to arm). */
  arm(at: number): void {
    if (at >= this.#armedAt) return;
    this.cancel();
    if (at === Number.POSITIVE_INFINITY) return;
    this.#armedAt = at;
    this.#handle = this.#clock.setTimeout(this.#fire, Math.max(0, at - this.#clock.currentTime()));
  }

  /** Disarms. */
  cancel(): void {
    if (this.#handle !== null) this.#clock.clearTimeout(this.#handle);
    this.#handle = null;
    this.#armedAt = Number.POSITIVE_INFINITY;
  }
}
