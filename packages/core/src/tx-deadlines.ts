import type { Clock } from './clock.js';
import type { TxWaiter } from './tx-queue.js';

/** The waiters of one timeout value, oldest first: their deadlines rise along the lane. */
interface Lane {
  head: TxWaiter | null;
  tail: TxWaiter | null;
}

/**
 * The timeouts of the senders waiting for a TX buffer, on ONE clock timer.
 *
 * A timer per waiting send cost ~0.25 kB and a setTimeout / clearTimeout pair each: with 100 000
 * unawaited sends, 40 % of their heap and most of their time. Here a waiter keeps its deadline
 * (`currentTime() + timeout`) and sits in the lane of its timeout value; waiters of one lane joined
 * in time order, so each lane's head has its earliest deadline, and one timer is armed for the
 * earliest head. When it fires, the heads whose deadline has passed time out and the timer is armed
 * for the next. A waiter leaving (sent, aborted) is unlinked in O(1); the timer is left as it is —
 * firing early only re-arms it — unless no waiter is left, when it is cleared so nothing keeps the
 * process alive.
 */
export class TxDeadlines {
  readonly #clock: Clock;
  readonly #now: () => number;
  readonly #expire: (waiter: TxWaiter) => void;
  /** Lanes by timeout value; there are as many as distinct `timeout` options in use (usually one). */
  readonly #lanes = new Map<number, Lane>();
  #timer: unknown = undefined;
  /** The deadline the timer is armed for; Infinity when none is armed. */
  #armedFor = Number.POSITIVE_INFINITY;

  /** `expire(waiter)` must take the waiter out (through `remove`) and reject it. */
  constructor(clock: Clock & { currentTime(): number }, expire: (waiter: TxWaiter) => void) {
    this.#clock = clock;
    this.#now = () => clock.currentTime();
    this.#expire = expire;
  }

  /** Starts `waiter`'s timeout (`waiter.timeout` ms from now). */
  add(waiter: TxWaiter): void {
    const now = this.#now();
    // Rounded up: never early, and a whole number is stored unboxed.
    waiter.deadline = Math.ceil(now + waiter.timeout);
    let lane = this.#lanes.get(waiter.timeout);
    if (!lane) {
      lane = { head: null, tail: null };
      this.#lanes.set(waiter.timeout, lane);
    }
    waiter.lanePrev = lane.tail;
    if (lane.tail) lane.tail.laneNext = waiter;
    else lane.head = waiter;
    lane.tail = waiter;
    if (waiter.deadline < this.#armedFor) this.#arm(waiter.deadline, now);
  }

  /** Stops `waiter`'s timeout. */
  remove(waiter: TxWaiter): void {
    const lane = this.#lanes.get(waiter.timeout);
    if (!lane) return;
    const { lanePrev, laneNext } = waiter;
    if (lanePrev) lanePrev.laneNext = laneNext;
    else lane.head = laneNext;
    if (laneNext) laneNext.lanePrev = lanePrev;
    else lane.tail = lanePrev;
    waiter.lanePrev = null;
    waiter.laneNext = null;
    if (lane.head) return;
    this.#lanes.delete(waiter.timeout);
    if (this.#lanes.size === 0) this.#disarm();
  }

  #arm(deadline: number, now: number): void {
    this.#disarm();
    this.#armedFor = deadline;
    this.#timer = this.#clock.setTimeout(this.#fire, Math.max(0, deadline - now));
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = this.#now();
    let next = Number.POSITIVE_INFINITY;
    for (const lane of [...this.#lanes.values()]) {
      // #expire unlinks the head (and drops an emptied lane), so this walks the lane from the front.
      for (let w = lane.head; w && w.deadline <= now; w = lane.head) this.#expire(w);
      if (lane.head && lane.head.deadline < next) next = lane.head.deadline;
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next, now);
  };
}
