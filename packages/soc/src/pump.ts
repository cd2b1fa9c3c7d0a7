import { checkFunction, checkMilliseconds, checkOptions, OutOfRangeError } from '@rpmsg/core';
import type { CoreTransport } from './core-transport.js';
import type { Doorbell } from './mailbox.js';
import { createPumpPolicy, nextAction, PumpAction, type PumpPolicy, pumpWoke } from './pump-policy.js';

/** Longest single sleep (ms) a pump accepts: Node's timer limit, as `setInterval` takes it. */
const MAX_SLICE_MS = 0x7fffffff;

/** How a core waits for its doorbell. */
export interface PumpOptions {
  /**
   * Microseconds a core keeps going after its last work before it sleeps (default 0: sleep at
   * once). A blocking wait spins on the doorbell word; an event-loop core polls the rings between
   * yields, since spinning on the doorbell would block its program.
   */
  spin?: number;
  /**
   * Longest single sleep in ms (default 50). A sleeper wakes at least this often to beat its
   * heartbeat and run `onTick`, so a blocked-but-healthy core never trips the watchdog.
   */
  slice?: number;
  /**
   * Microseconds after its last delivery that a spinning event-loop core polls between microtasks
   * (default 50) — its program's promise reactions still run, and the event loop every millisecond —
   * instead of between event-loop turns, which cost microseconds each: a reply is seen within a pass
   * of its arrival. A core that only sends keeps yielding to the event loop every pass, so its
   * program sends the buffers that came back meanwhile in one batch.
   */
  busyPoll?: number;
}

/** Awaited for a microtask yield: `await null` would wrap null in a new promise on every pass. */
const SETTLED: Promise<void> = Promise.resolve();

/** Passes a spinning event-loop core makes between clock reads (it reads it after every event-loop turn too). */
const CLOCK_EVERY = 8;

/** What a pump calls: given once, at construction. */
export interface PumpHooks {
  /** Reads the link's RPMsg device (`device.poll(POLL_BUDGET)`); returns the messages delivered. */
  readonly poll: () => number;
  /**
   * A counter that moves whenever messages move (sent or received). An event-loop core keeps
   * spinning while it moves, not only while messages arrive: a core that only sends is busy too,
   * and a sleeping sender pays a wake-up for every batch of buffers the peer returns.
   */
  readonly activity?: () => number;
  /** Runs on every pass and after every sleep (epoch checks, re-announce); may throw to stop a wait. */
  readonly onTick?: () => void;
  /** Runs before every blocking sleep (the trace flushes its batch: a blocked thread runs no timers). */
  readonly onIdle?: () => void;
  /** Sees every doorbell that reaches a vring (the trace). */
  readonly traceKick?: (notifyId: number, vring: 0 | 1) => void;
  /**
   * Sees every pass that did work (the trace's timeline): its start, the end of its kick handling
   * (the ISR), its end — `performance.now()` of this thread — and the kicks and messages it took.
   * Absent, a pass reads no clock.
   */
  readonly tracePass?: (start: number, isrEnd: number, end: number, kicks: number, delivered: number) => void;
  /** Sees every sleep on the doorbell: its start and end (`performance.now()`). Absent, no clock is read. */
  readonly traceSleep?: (start: number, end: number) => void;
}

/**
 * Moves one core's work forward: turns doorbells into `onKick`s on the link, polls the RPMsg
 * device, and sleeps on the doorbell without losing a wake-up (docs/architecture.md, "Threads and
 * notifications"):
 *
 * 1. read the irq counter (`seen`);
 * 2. deliver kicks and poll;
 * 3. `prepareToSleep()` re-enables notifications and re-checks the rings — work found → go again;
 * 4. sleep on `irq == seen`, so a ring after step 1 makes the sleep return at once.
 *
 * What comes after each pass — a microtask, an event-loop turn, a spin or a sleep — is decided by
 * the policy in `pump-policy.ts`; the pump only performs it. Two ways to wait on the same machinery:
 * {@link run} on an event loop (Atomics.waitAsync, the A-core and callback-style firmware),
 * {@link waitFor} blocking the thread (Atomics.wait, a firmware loop written the RPMsg-Lite way).
 */
export class CorePump {
  readonly #link: CoreTransport;
  readonly #doorbell: Doorbell;
  readonly #poll: () => number;
  readonly #activity: () => number;
  readonly #onTick: (() => void) | undefined;
  readonly #onIdle: (() => void) | undefined;
  readonly #traceKick: ((notifyId: number, vring: 0 | 1) => void) | undefined;
  readonly #tracePass: PumpHooks['tracePass'];
  readonly #traceSleep: PumpHooks['traceSleep'];
  /** Kicks taken in the current pass: counted only while traced (inside the traceKick branch). */
  #kicks = 0;
  readonly #spin: number;
  readonly #slice: number;
  readonly #busyPoll: number;
  readonly #vringOf: Int8Array;
  /** The blocking waits' policy: stateless (a blocking wait never yields), so one serves them all. */
  readonly #blocking: PumpPolicy;
  #running = false;
  readonly #onKick = (notifyId: number) => {
    const vring = this.#vringOf[notifyId] ?? -1;
    if (vring === 0 || vring === 1) {
      const traceKick = this.#traceKick;
      if (traceKick !== undefined) {
        this.#kicks++;
        traceKick(notifyId, vring);
      }
      this.#link.onKick(vring);
    }
  };

  /**
   * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE`: `hooks` or `options` not an object, a hook
   *   not a function, an option not a number
   * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE`: `spin` or `busyPoll` negative or not finite,
   *   `slice` below 1 or above 2³¹−1 ms
   */
  constructor(link: CoreTransport, doorbell: Doorbell, hooks: PumpHooks, options?: PumpOptions) {
    checkOptions('hooks', hooks);
    const o = checkOptions('options', options);
    this.#link = link;
    this.#doorbell = doorbell;
    this.#poll = checkFunction('hooks.poll', hooks.poll);
    this.#activity = hook('hooks.activity', hooks.activity) ?? (() => 0);
    this.#onTick = hook('hooks.onTick', hooks.onTick);
    this.#onIdle = hook('hooks.onIdle', hooks.onIdle);
    this.#traceKick = hook('hooks.traceKick', hooks.traceKick);
    this.#tracePass = hook('hooks.tracePass', hooks.tracePass);
    this.#traceSleep = hook('hooks.traceSleep', hooks.traceSleep);
    this.#spin = o.spin === undefined ? 0 : checkMilliseconds('options.spin', o.spin, 0, false);
    this.#slice = o.slice === undefined ? 50 : checkMilliseconds('options.slice', o.slice, 1, false);
    if (this.#slice > MAX_SLICE_MS) {
      throw new OutOfRangeError('options.slice', `a finite number >= 1 and <= ${MAX_SLICE_MS}`, this.#slice);
    }
    this.#busyPoll =
      o.busyPoll === undefined ? 50 : checkMilliseconds('options.busyPoll', o.busyPoll, 0, false);
    this.#vringOf = new Int8Array(256).fill(-1);
    this.#blocking = createPumpPolicy({ spin: this.#spin, busyPoll: this.#busyPoll, blocking: true }, 0, 0);
  }

  /** Says which doorbell (notify id) belongs to which vring; the master assigns them at boot. */
  setNotifyIds(vq0: number, vq1: number): void {
    this.#vringOf.fill(-1);
    if (vq0 >= 0 && vq0 < this.#vringOf.length) this.#vringOf[vq0] = 0;
    if (vq1 >= 0 && vq1 < this.#vringOf.length) this.#vringOf[vq1] = 1;
  }

  /** One pass: kicks, then the device. Returns messages delivered. */
  step(): number {
    // Untraced: the same three calls as ever, no clock read, nothing allocated.
    if (this.#tracePass !== undefined) return this.#tracedStep(this.#tracePass);
    this.#onTick?.();
    this.#doorbell.takeKicks(this.#onKick);
    return this.#poll();
  }

  /** {@link step} timed for the timeline: a pass that took no kick and delivered nothing is not recorded. */
  #tracedStep(tracePass: NonNullable<PumpHooks['tracePass']>): number {
    const start = performance.now();
    this.#onTick?.();
    this.#kicks = 0;
    this.#doorbell.takeKicks(this.#onKick);
    const kicks = this.#kicks;
    const isrEnd = kicks > 0 ? performance.now() : start;
    const delivered = this.#poll();
    if (kicks > 0 || delivered > 0) tracePass(start, isrEnd, performance.now(), kicks, delivered);
    return delivered;
  }

  /**
   * Blocks the thread until `ready()` is true or `timeoutMs` passes, pumping meanwhile. Returns
   * whether `ready()` became true. For firmware-style cores only.
   */
  waitFor(ready: () => boolean, timeoutMs: number): boolean {
    const deadline =
      timeoutMs === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : performance.now() + timeoutMs;
    for (;;) {
      if (ready()) return true;
      const seen = this.#doorbell.irq();
      // Awake and about to poll: the peer need not ring until prepareToSleep() asks again.
      this.#link.disableNotifications();
      const delivered = this.step();
      if (ready()) return true;
      if (nextAction(this.#blocking, delivered, 0, 0) === PumpAction.Spin) {
        // No clock read for a wait without a deadline (RL_BLOCK, the usual one): this runs between a
        // reply's publish and the next message, and each read costs about as much as a poll.
        const finite = deadline !== Number.POSITIVE_INFINITY;
        const now = finite ? performance.now() : 0;
        const spinMs = Math.min(this.#spin / 1000, deadline - now);
        // Spin on the rings, not on the doorbell, before asking for a kick at all: with
        // notifications off the peer publishes without a kick — no Atomics.notify on its side, no
        // doorbell scan on ours — and this core sees the new avail/used index as soon as it is
        // stored (virtio 1.2 §2.7.7: a driver or device that polls suppresses notifications).
        if (spinMs > 0) {
          this.#doorbell.beat();
          if (this.#pollSpin(ready, spinMs, finite ? now + spinMs : Number.NaN)) return true;
        }
      }
      if (!this.#link.prepareToSleep()) continue; // work arrived during the re-check: poll again
      const remaining = deadline - performance.now();
      if (remaining <= 0) return false;
      this.#doorbell.beat();
      this.#onIdle?.();
      const traceSleep = this.#traceSleep;
      if (traceSleep === undefined) this.#doorbell.wait(seen, Math.min(remaining, this.#slice));
      else {
        const slept = performance.now();
        this.#doorbell.wait(seen, Math.min(remaining, this.#slice));
        traceSleep(slept, performance.now());
      }
    }
  }

  /**
   * Polls the rings until `ready()`, for `ms` from `until − ms` — or, with `until` NaN (a wait
   * without a deadline), from the first clock read; the caller has turned notifications off. The
   * clock is read once per 64 polls (each read allocates a heap number; a poll of idle rings is a
   * few loads): without a deadline, a message within the first 64 — the usual one, between a reply
   * and the next request — costs no clock read at all.
   */
  #pollSpin(ready: () => boolean, ms: number, until: number): boolean {
    let end = until;
    for (;;) {
      for (let i = 0; i < 64; i++) {
        this.step();
        if (ready()) return true;
      }
      const now = performance.now();
      if (Number.isNaN(end)) end = now + ms;
      else if (now >= end) return false;
    }
  }

  /** Blocks the thread for `ms` while still serving the link (RPMsg-Lite `env_sleep_msec`). */
  sleep(ms: number): void {
    this.waitFor(() => false, ms);
  }

  /**
   * Serves the link on the event loop until {@link stop}: never blocks the thread. Holds a ref'ed
   * interval meanwhile (a pending Atomics.waitAsync alone does not keep a Node thread alive), which
   * also beats the heartbeat.
   */
  async run(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const keepAlive = setInterval(() => this.#doorbell.beat(), this.#slice);
    try {
      const policy = createPumpPolicy(
        { spin: this.#spin, busyPoll: this.#busyPoll, blocking: false },
        performance.now(),
        this.#activity(),
      );
      // A core that sleeps at once never reads the clock or the activity counter on its way.
      const clocked = policy.clocked;
      // A spinning core reads the clock every CLOCK_EVERY passes and after every event-loop turn, not
      // after each pass: a read costs about as much as polling idle rings — on the round trip's path
      // after a delivery —, and the policy's windows (50 µs, 1 ms) are hundreds of passes long; a
      // time at most CLOCK_EVERY passes old (microtask yields only) starts them that little early.
      let now = clocked ? performance.now() : 0;
      let unclocked = 0;
      while (this.#running) {
        const seen = this.#doorbell.irq();
        this.#link.disableNotifications(); // awake: no doorbells until prepareToSleep()
        const delivered = this.step();
        if (!this.#running) break;
        if (clocked && ++unclocked === CLOCK_EVERY) {
          unclocked = 0;
          now = performance.now();
        }
        const action = nextAction(policy, delivered, clocked ? this.#activity() : 0, now);
        if (action === PumpAction.Microtask) await SETTLED;
        else if (action === PumpAction.Loop) {
          await yieldToLoop();
          if (clocked) {
            unclocked = 0;
            now = performance.now(); // a turn may take milliseconds: no stale time across it
          }
        } else if (this.#link.prepareToSleep()) {
          const traceSleep = this.#traceSleep;
          const slept = traceSleep === undefined ? 0 : performance.now();
          const r = this.#doorbell.waitAsync(seen, this.#slice, 0);
          if (typeof r !== 'string') {
            await r;
            if (traceSleep !== undefined) traceSleep(slept, performance.now());
          }
          // 'timed-out', or 'not-equal' at once: a loop without a yield would starve timers under a flood.
          else await yieldToLoop();
          if (clocked) now = performance.now();
          pumpWoke(policy, now);
        }
        // else: the re-check found work — poll again at once.
      }
    } finally {
      clearInterval(keepAlive);
      this.#running = false;
    }
  }

  /** Ends {@link run} (wakes its sleep through the doorbell's control interrupt). */
  stop(wake: () => void): void {
    if (!this.#running) return;
    this.#running = false;
    wake();
  }

  /** True while {@link run} is serving. */
  get isRunning(): boolean {
    return this.#running;
  }
}

/** An optional hook: absent, or a function. */
function hook<T extends (...args: never[]) => unknown>(
  argument: string,
  value: T | undefined,
): T | undefined {
  return value === undefined ? undefined : checkFunction<T>(argument, value);
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
