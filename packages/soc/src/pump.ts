import type { CoreLink } from './link.js';
import type { Doorbell } from './mailbox.js';

/**
 * Messages one pass of a pump delivers at most (Linux NAPI's default weight is 64). A core that
 * works through each batch before polling again hands buffers back while the peer still streams,
 * instead of taking the whole ring first; an event-loop core also lets its program run in between.
 */
export const POLL_BUDGET = 64;

/**
 * Passes an event-loop core makes at most without letting the event loop run: work that keeps
 * trickling in below the budget (each pass delivers a little, the re-check before sleeping finds
 * more) must not starve the program's timers and I/O.
 */
const MAX_PASSES = 64;

/** How a core waits for its doorbell. */
export interface PumpOptions {
  /** Microseconds to spin on the doorbell before sleeping (default 0: sleep at once). */
  spin?: number;
  /**
   * Longest single sleep in ms (default 50). A sleeper wakes at least this often to beat its
   * heartbeat and run `onTick`, so a blocked-but-healthy core never trips the watchdog.
   */
  slice?: number;
  /**
   * A counter that moves whenever messages move (sent or received). An event-loop core keeps
   * spinning while it moves, not only while messages arrive: a core that only sends is busy too,
   * and a sleeping sender pays a wake-up for every batch of buffers the peer returns.
   */
  activity?: () => number;
  /**
   * Microseconds after its last delivery that a spinning event-loop core polls between microtasks
   * (default 50) — its program's promise reactions still run, and the event loop every 64 passes —
   * instead of between event-loop turns, which cost microseconds each: a reply is seen within a pass
   * of its arrival. A core that only sends keeps yielding to the event loop every pass, so its
   * program sends the buffers that came back meanwhile in one batch.
   */
  busyPoll?: number;
}

/**
 * Moves one core's work forward: turns doorbells into `onKick`s on the link, polls the RPMsg
 * device, and sleeps on the doorbell without losing a wake-up (DESIGN §5):
 *
 * 1. read the irq counter (`seen`);
 * 2. deliver kicks and poll;
 * 3. `prepareToSleep()` re-enables notifications and re-checks the rings — work found → go again;
 * 4. sleep on `irq == seen`, so a ring after step 1 makes the sleep return at once.
 *
 * Two ways to wait on the same machinery: {@link run} on an event loop (Atomics.waitAsync, the
 * A-core and callback-style firmware), {@link waitFor} blocking the thread (Atomics.wait, a
 * firmware loop written the RPMsg-Lite way).
 */
export class CorePump {
  /** Set by the owner to read the link's RPMsg device (`device.poll()`). */
  poll: () => number;
  /** Sees every doorbell that reaches a vring (the trace sets it). */
  traceKick: ((notifyId: number, vring: 0 | 1) => void) | undefined;
  /** Runs before every blocking sleep (the trace flushes its batch: a blocked thread runs no timers). */
  onIdle: (() => void) | undefined;
  /** Runs on every pass and after every sleep (epoch checks, re-announce); may throw to stop a wait. */
  onTick: (() => void) | undefined;
  private readonly link: CoreLink;
  private readonly doorbell: Doorbell;
  private readonly vringOf: Int8Array;
  private readonly spin: number;
  private readonly slice: number;
  private readonly busyPoll: number;
  private readonly activity: () => number;
  private running = false;
  private readonly onKick = (notifyId: number) => {
    const vring = this.vringOf[notifyId] ?? -1;
    if (vring === 0 || vring === 1) {
      this.traceKick?.(notifyId, vring);
      this.link.onKick(vring);
    }
  };

  constructor(link: CoreLink, doorbell: Doorbell, poll: () => number, options: PumpOptions = {}) {
    this.link = link;
    this.doorbell = doorbell;
    this.poll = poll;
    this.spin = options.spin ?? 0;
    this.slice = options.slice ?? 50;
    this.busyPoll = options.busyPoll ?? 50;
    this.activity = options.activity ?? (() => 0);
    this.vringOf = new Int8Array(256).fill(-1);
  }

  /** Says which doorbell (notify id) belongs to which vring; the master assigns them at boot. */
  setNotifyIds(vq0: number, vq1: number): void {
    this.vringOf.fill(-1);
    if (vq0 >= 0 && vq0 < this.vringOf.length) this.vringOf[vq0] = 0;
    if (vq1 >= 0 && vq1 < this.vringOf.length) this.vringOf[vq1] = 1;
  }

  /** One pass: kicks, then the device. Returns messages delivered. */
  step(): number {
    this.onTick?.();
    this.doorbell.takeKicks(this.onKick);
    return this.poll();
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
      const seen = this.doorbell.irq();
      // Awake and about to poll: the peer need not ring until prepareToSleep() asks again (DESIGN §5).
      this.link.disableNotifications();
      this.step();
      if (ready()) return true;
      if (!this.link.prepareToSleep()) continue; // work arrived during the re-check: poll again
      const remaining = deadline - performance.now();
      if (remaining <= 0) return false;
      this.doorbell.beat();
      this.onIdle?.();
      this.doorbell.wait(seen, Math.min(remaining, this.slice), this.spin);
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
    if (this.running) return;
    this.running = true;
    const keepAlive = setInterval(() => this.doorbell.beat(), this.slice);
    try {
      let spinUntil = performance.now() + this.spin / 1000;
      let lastActivity = this.activity();
      let repolled = false;
      let passes = 0; // since the event loop last ran
      let lastDeliveryAt = Number.NEGATIVE_INFINITY;
      while (this.running) {
        const seen = this.doorbell.irq();
        this.link.disableNotifications(); // awake: no doorbells until prepareToSleep() (DESIGN §5)
        const delivered = this.step();
        if (!this.running) break;
        // Read only by the spin branch below; a core that sleeps at once need not read the clock.
        if (delivered > 0 && this.spin > 0) lastDeliveryAt = performance.now();
        if (delivered >= POLL_BUDGET || ++passes >= MAX_PASSES) {
          // More is waiting on the ring, or work keeps trickling in: let the program's
          // continuations and the event loop (timers, I/O) run, then poll again.
          repolled = false;
          passes = 0;
          await yieldToLoop();
          continue;
        }
        if (delivered > 0 && !repolled) {
          // What was just delivered usually gets an answer from the program's promise reactions:
          // let them run (a microtask, not an event-loop turn), then poll once more before spinning
          // or sleeping. That poll publishes the answer, and a reply the peer sends at once is then
          // found by prepareToSleep() instead of costing a sleep and a wake-up.
          repolled = true;
          await null;
          continue;
        }
        repolled = false;
        if (this.spin > 0) {
          // Spinning on an event loop must not block it: the program's continuations (woken by what
          // was just delivered) have to run. So poll the rings between yields until `spin` µs pass
          // without work, and only then sleep.
          const now = performance.now();
          const activity = this.activity();
          if (delivered > 0 || activity !== lastActivity) spinUntil = now + this.spin / 1000;
          lastActivity = activity;
          if (now < spinUntil) {
            if (now - lastDeliveryAt < this.busyPoll / 1000) {
              await null; // receiving: poll again after the program's reactions (busyPoll)
              continue;
            }
            passes = 0;
            await yieldToLoop();
            continue;
          }
        }
        if (!this.link.prepareToSleep()) continue;
        passes = 0;
        const r = this.doorbell.waitAsync(seen, this.slice, 0);
        if (typeof r !== 'string') await r;
        else if (r === 'timed-out') await yieldToLoop();
        // 'not-equal' returns at once: loop without yielding would starve timers under a flood.
        else await yieldToLoop();
        spinUntil = performance.now() + this.spin / 1000; // woken: spin again before the next sleep
      }
    } finally {
      clearInterval(keepAlive);
      this.running = false;
    }
  }

  /** Ends {@link run} (wakes its sleep through the doorbell's control interrupt). */
  stop(wake: () => void): void {
    if (!this.running) return;
    this.running = false;
    wake();
  }

  /** True while {@link run} is serving. */
  get isRunning(): boolean {
    return this.running;
  }
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
