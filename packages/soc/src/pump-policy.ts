/**
 * What a core's pump does after each pass — poll again after a microtask, yield to the event loop,
 * spin on the doorbell or sleep — as a function of what the pass delivered and the clock, with no
 * I/O of its own: the pump ({@link CorePump}) performs the action, this file only decides it, so
 * every rule below is a row in `pump-policy.test.ts`. The rules are drawn in docs/soc.md ("Threads
 * and notifications").
 *
 * The state is one small mutable object per wait and the action a number: deciding allocates
 * nothing, as it runs on every pass of the round-trip path.
 */

/**
 * Messages one pass of a pump delivers at most (Linux NAPI's default weight is 64). A core that
 * works through each batch before polling again hands buffers back while the peer still streams,
 * instead of taking the whole ring first; an event-loop core also lets its program run in between.
 */
export const POLL_BUDGET = 64;

/**
 * Passes an event-loop core makes at most without letting the event loop run: work that keeps
 * trickling in below the budget (each pass delivers a little, the re-check before sleeping finds
 * more) must not starve the program's timers and I/O. Applies to a core that does not read the
 * clock (spin 0); a spinning core is bounded by time instead ({@link MAX_LOOP_GAP_MS}).
 */
export const MAX_PASSES = 64;

/**
 * Longest a spinning event-loop core polls between microtasks without letting the event loop run
 * (ms): Node's timers have 1 ms resolution, so a timer or an I/O callback waits at most about as
 * long as it would anyway. Bounded by time, not by passes: a round trip takes ~10 passes, and an
 * event-loop turn (several µs) every 64 passes put one in every ~6 round trips — the spinning p99
 * was 2–4× the median with it, 1.5–2× without (rpmsg bench's round-trip rows).
 */
export const MAX_LOOP_GAP_MS = 1;

/** What a pump does next; see {@link nextAction}. */
export const PumpAction = {
  /** Yield one microtask (`await null`): the program's promise reactions run, then poll again. */
  Microtask: 0,
  /** Yield to the event loop (`setImmediate`): timers and I/O run too, then poll again. */
  Loop: 1,
  /**
   * Re-check the rings (`prepareToSleep()`) and sleep on the doorbell. If the re-check finds work,
   * keep polling instead: the next pass starts at once (and still counts towards {@link MAX_PASSES}).
   */
  Sleep: 2,
  /** As {@link Sleep}, spinning on the doorbell word for `spin` µs before blocking (blocking waits only). */
  Spin: 3,
} as const;

/** One of {@link PumpAction}'s values. */
export type PumpAction = (typeof PumpAction)[keyof typeof PumpAction];

/** The numbers a policy is made from (a pump's options). */
export interface PumpPolicyOptions {
  /** µs a core keeps going after its last work before it sleeps (0: sleep at once). */
  readonly spin: number;
  /** µs after its last delivery that a spinning event-loop core polls between microtasks. */
  readonly busyPoll: number;
  /**
   * True for a wait that blocks its thread ({@link CorePump.waitFor}): no event loop or promise
   * reaction can run during it, so it never yields; it spins on the doorbell, then sleeps.
   */
  readonly blocking: boolean;
}

/**
 * A policy's state between passes. Written only by {@link nextAction} and {@link pumpWoke}; a
 * driver reads {@link clocked} to know whether to read the clock and the activity counter at all.
 */
export interface PumpPolicy {
  /** `spin` in ms (the unit of `performance.now()`). */
  readonly spinMs: number;
  /** `busyPoll` in ms. */
  readonly busyPollMs: number;
  /** A blocking wait's policy (see {@link PumpPolicyOptions.blocking}). */
  readonly blocking: boolean;
  /**
   * True when {@link nextAction} reads `now` and `activity`: an event-loop core that spins. A
   * driver of any other policy passes 0 for both and never reads the clock on its way to a sleep.
   */
  readonly clocked: boolean;
  /** Passes since the event loop last ran (a core that does not read the clock). */
  passes: number;
  /** When (ms) the event loop last ran (a core that reads the clock). */
  loopAt: number;
  /** The last pass delivered and was followed by a microtask: the next one goes on to spin or sleep. */
  repolled: boolean;
  /** Until when (ms) the core keeps polling instead of sleeping. */
  spinUntil: number;
  /** The activity counter at the last spinning pass. */
  lastActivity: number;
  /** When (ms) a pass last delivered a message; -Infinity before the first. */
  lastDeliveryAt: number;
}

/**
 * A policy as a wait starts: `now` (ms) and `activity` are the clock and the activity counter at
 * that moment — the core spins `spin` µs from there before its first sleep.
 */
export function createPumpPolicy(options: PumpPolicyOptions, now: number, activity: number): PumpPolicy {
  const spinMs = options.spin / 1000;
  return {
    spinMs,
    busyPollMs: options.busyPoll / 1000,
    blocking: options.blocking,
    clocked: !options.blocking && spinMs > 0,
    passes: 0,
    loopAt: now,
    repolled: false,
    spinUntil: now + spinMs,
    lastActivity: activity,
    lastDeliveryAt: Number.NEGATIVE_INFINITY,
  };
}

/**
 * Decides what follows a pass that delivered `delivered` messages, at `now` (ms) with the activity
 * counter at `activity` (both ignored unless `policy.clocked`). In order:
 *
 * 1. a blocking wait spins on the doorbell (`spin` > 0) or sleeps — it has nothing to yield to;
 * 2. a full budget (more is waiting), or {@link MAX_PASSES} passes ({@link MAX_LOOP_GAP_MS} for a
 *    spinning core) without an event-loop turn → {@link PumpAction.Loop}: the program's timers and
 *    I/O run, then the pump polls on;
 * 3. the first pass that delivered → {@link PumpAction.Microtask}: the program's promise reactions
 *    answer what it was handed, and the next pass publishes the answer before any sleep;
 * 4. spinning, within `spin` µs of the last delivery or of the activity counter moving: within
 *    `busyPoll` µs of the last delivery (receiving) → {@link PumpAction.Microtask}, so a reply is
 *    seen within a pass; otherwise (only sending) → {@link PumpAction.Loop}, so the program sends
 *    the buffers that came back meanwhile in one batch;
 * 5. otherwise → {@link PumpAction.Sleep}.
 */
export function nextAction(policy: PumpPolicy, delivered: number, activity: number, now: number): PumpAction {
  if (policy.blocking) return policy.spinMs > 0 ? PumpAction.Spin : PumpAction.Sleep;
  const spinning = policy.spinMs > 0;
  if (delivered > 0 && spinning) policy.lastDeliveryAt = now;
  const starving = policy.clocked ? now - policy.loopAt >= MAX_LOOP_GAP_MS : ++policy.passes >= MAX_PASSES;
  if (delivered >= POLL_BUDGET || starving) {
    policy.repolled = false;
    policy.passes = 0;
    policy.loopAt = now;
    return PumpAction.Loop;
  }
  if (delivered > 0 && !policy.repolled) {
    policy.repolled = true;
    return PumpAction.Microtask;
  }
  policy.repolled = false;
  if (spinning) {
    // Busy while messages move either way: a core that only sends would otherwise sleep while it
    // streams and pay a wake-up for every batch of buffers the peer returns.
    if (delivered > 0 || activity !== policy.lastActivity) policy.spinUntil = now + policy.spinMs;
    policy.lastActivity = activity;
    if (now < policy.spinUntil) {
      if (now - policy.lastDeliveryAt < policy.busyPollMs) return PumpAction.Microtask;
      policy.passes = 0;
      policy.loopAt = now;
      return PumpAction.Loop;
    }
  }
  return PumpAction.Sleep;
}

/**
 * The core slept on its doorbell and woke at `now` (ms): the event loop ran meanwhile, and the
 * core spins `spin` µs again before its next sleep.
 */
export function pumpWoke(policy: PumpPolicy, now: number): void {
  policy.passes = 0;
  policy.loopAt = now;
  policy.spinUntil = now + policy.spinMs;
}
