import type { Mailbox } from './mailbox.js';

/**
 * @internal Declares the remote crashed when its heartbeat word in the mailbox stops changing for
 * `limit` ms (the remote bumps it while alive; see mailbox.ts).
 */
export class Watchdog {
  #timer: ReturnType<typeof setInterval> | undefined;

  /** (Re)starts watching; `limit` 0 leaves it off. `onMiss` is called on every check past the limit. */
  start(mailbox: Mailbox, limit: number, onMiss: (reason: Error) => void): void {
    this.stop();
    if (!limit) return;
    let last = mailbox.heartbeat('remote');
    let lastChange = Date.now();
    this.#timer = setInterval(
      () => {
        const beat = mailbox.heartbeat('remote');
        if (beat !== last) {
          last = beat;
          lastChange = Date.now();
        } else if (Date.now() - lastChange > limit) {
          onMiss(new Error(`watchdog: no heartbeat for ${limit} ms`));
        }
      },
      Math.max(5, limit / 4),
    );
    this.#timer.unref();
  }

  /** Stops watching. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
