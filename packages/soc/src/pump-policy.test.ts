import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createPumpPolicy,
  MAX_LOOP_GAP_MS,
  MAX_PASSES,
  nextAction,
  POLL_BUDGET,
  PumpAction,
  type PumpPolicy,
  type PumpPolicyOptions,
  pumpWoke,
} from './pump-policy.js';

const names = new Map<PumpAction, string>(
  Object.entries(PumpAction).map(([name, value]) => [value, name.toLowerCase()]),
);

/**
 * One pass: messages delivered, the activity counter after it, and the clock (ms) — or the core
 * waking from a sleep at a time.
 */
type Step = readonly [delivered: number, activity: number, now: number] | readonly ['woke', number];

/** The actions a policy decides for `steps`, by name; a wake-up shows as `-`. */
function decide(policy: PumpPolicy, steps: readonly Step[]): string[] {
  return steps.map((step) => {
    if (step[0] === 'woke') {
      pumpWoke(policy, step[1]);
      return '-';
    }
    return names.get(nextAction(policy, step[0], step[1], step[2]))!;
  });
}

const sleeper: PumpPolicyOptions = { spin: 0, busyPoll: 50, blocking: false };
/** Spins 1 ms after its last work, polls between microtasks 0.5 ms after its last delivery. */
const spinner: PumpPolicyOptions = { spin: 1000, busyPoll: 500, blocking: false };

describe('nextAction', () => {
  describe('an event-loop core that sleeps at once (spin 0)', () => {
    it.each<[string, readonly Step[], string[]]>([
      ['sleeps after a pass that delivered nothing', [[0, 0, 0]], ['sleep']],
      [
        'lets the program answer (a microtask), then polls once more before it sleeps',
        [
          [1, 1, 0],
          [0, 1, 0],
        ],
        ['microtask', 'sleep'],
      ],
      [
        'takes one microtask per delivery, not one per pass: a steady trickle goes to the re-check',
        [
          [1, 1, 0],
          [1, 2, 0],
          [1, 3, 0],
          [1, 4, 0],
        ],
        ['microtask', 'sleep', 'microtask', 'sleep'],
      ],
      [
        'yields to the event loop after a full budget (more is waiting on the ring)',
        [
          [POLL_BUDGET, 64, 0],
          [POLL_BUDGET - 1, 127, 0],
        ],
        ['loop', 'microtask'],
      ],
      [
        'polls again after a full budget with a fresh microtask',
        [
          [1, 1, 0],
          [POLL_BUDGET, 65, 0],
          [1, 66, 0],
        ],
        ['microtask', 'loop', 'microtask'],
      ],
    ])('%s', (_, steps, expected) => {
      expect(decide(createPumpPolicy(sleeper, 0, 0), steps)).toEqual(expected);
    });

    it(`lets the event loop run on pass ${MAX_PASSES} when every re-check before sleeping finds more`, () => {
      // Each pass delivers one message and the re-check finds the next: the core never sleeps.
      const steps: Step[] = Array.from({ length: 3 * MAX_PASSES }, (_, i) => [1, i + 1, 0] as const);
      const actions = decide(createPumpPolicy(sleeper, 0, 0), steps);
      const loops = actions.flatMap((a, i) => (a === 'loop' ? [i + 1] : []));
      expect(loops).toEqual([MAX_PASSES, 2 * MAX_PASSES, 3 * MAX_PASSES]);
    });

    it('counts passes from its last sleep: a core that sleeps in between never needs the guard', () => {
      const policy = createPumpPolicy(sleeper, 0, 0);
      const burst: Step[] = Array.from({ length: MAX_PASSES - 1 }, () => [0, 0, 0] as const);
      expect(decide(policy, [...burst, ['woke', 1], ...burst])).not.toContain('loop');
    });

    it('decides the same whatever the clock and the activity counter say (it never reads them)', () => {
      const policy = createPumpPolicy(sleeper, 0, 0);
      expect(policy.clocked).toBe(false);
      const steps = (now: number, activity: number): Step[] => [
        [1, activity, now],
        [0, activity + 7, now + 1e6],
        [0, activity, now],
      ];
      const a = decide(createPumpPolicy(sleeper, 0, 0), steps(0, 0));
      const b = decide(createPumpPolicy(sleeper, 5e3, 99), steps(123, 456));
      expect(a).toEqual(['microtask', 'sleep', 'sleep']);
      expect(b).toEqual(a);
    });
  });

  describe('an event-loop core that spins', () => {
    it.each<[string, readonly Step[], string[]]>([
      [
        'spins from the start before its first sleep, yielding to the event loop',
        [
          [0, 0, 0.5],
          [0, 0, 0.999],
          [0, 0, 1],
        ],
        ['loop', 'loop', 'sleep'],
      ],
      [
        'receiving: polls between microtasks for busyPoll after the last delivery, then between event-loop turns until spin runs out',
        [
          ['woke', 10],
          [1, 1, 10],
          [0, 2, 10.1], // the program answered: a send moved the counter
          [0, 2, 10.499],
          [0, 2, 10.5],
          [0, 2, 11.099],
          [0, 2, 11.1],
        ],
        ['-', 'microtask', 'microtask', 'microtask', 'loop', 'loop', 'sleep'],
      ],
      [
        'only sending: yields to the event loop every pass while the counter moves, sleeps spin after it stops',
        [
          ['woke', 10],
          [0, 16, 10],
          [0, 32, 10.2],
          [0, 48, 10.4],
          [0, 48, 11.399],
          [0, 48, 11.4],
        ],
        ['-', 'loop', 'loop', 'loop', 'loop', 'sleep'],
      ],
      [
        'yields to the event loop after a full budget, even within busyPoll',
        [
          ['woke', 10],
          [1, 1, 10],
          [0, 1, 10],
          [POLL_BUDGET, 65, 10.1],
          [0, 65, 10.2],
        ],
        ['-', 'microtask', 'microtask', 'loop', 'microtask'],
      ],
      [
        'spins spin again after every wake-up',
        [
          [0, 0, 0.999],
          [0, 0, 1],
          ['woke', 50],
          [0, 0, 50.999],
          [0, 0, 51],
        ],
        ['loop', 'sleep', '-', 'loop', 'sleep'],
      ],
    ])('%s', (_, steps, expected) => {
      expect(decide(createPumpPolicy(spinner, 0, 0), steps)).toEqual(expected);
    });

    it(`receiving, still lets the event loop run every ${MAX_LOOP_GAP_MS} ms — not every ${MAX_PASSES} passes`, () => {
      // A busy-poll window no pass outlasts: every pass is a microtask but for the guard's. Passes
      // of 0.01 ms: ~100 per ms, many more than MAX_PASSES, and only one turn per ms.
      const policy = createPumpPolicy({ spin: 1e6, busyPoll: 1e6, blocking: false }, 0, 0);
      const steps: Step[] = [
        [1, 1, 0],
        ...Array.from({ length: 250 }, (_, i) => [0, 1, (i + 1) / 100] as const),
      ];
      const actions = decide(policy, steps);
      expect(actions.flatMap((a, i) => (a === 'loop' ? [steps[i]![2]] : []))).toEqual([1, 2]);
      expect(actions.filter((a) => a !== 'loop').every((a) => a === 'microtask')).toBe(true);
    });

    it('needs the clock and the activity counter', () => {
      expect(createPumpPolicy(spinner, 0, 0).clocked).toBe(true);
    });
  });

  describe('a blocking wait (waitFor)', () => {
    it.each<[string, PumpPolicyOptions, string]>([
      ['sleeps after every pass when spin is 0', { spin: 0, busyPoll: 50, blocking: true }, 'sleep'],
      [
        'spins on the doorbell, then sleeps, when spin is set',
        { spin: 100, busyPoll: 50, blocking: true },
        'spin',
      ],
    ])('%s, whatever it delivered: nothing can run while it blocks', (_, options, expected) => {
      const policy = createPumpPolicy(options, 0, 0);
      expect(policy.clocked).toBe(false);
      const steps: Step[] = [
        [POLL_BUDGET, 64, 0],
        [1, 65, 0],
        [0, 65, 0],
        ...Array.from({ length: MAX_PASSES }, (_, i) => [1, 66 + i, 0] as const),
      ];
      expect(new Set(decide(policy, steps))).toEqual(new Set([expected]));
    });
  });

  describe('properties', () => {
    const pass = fc.tuple(
      fc.integer({ min: 0, max: POLL_BUDGET }),
      fc.boolean(),
      fc.double({ min: 0, max: 2, noNaN: true }),
    );
    const options = fc.record({
      spin: fc.constantFrom(0, 50, 1000, 1e6),
      busyPoll: fc.constantFrom(0, 50, 500, 1e6),
    });

    it(`an event-loop core never goes ${MAX_PASSES} passes (spinning: ${MAX_LOOP_GAP_MS} ms) without an event-loop turn unless it slept`, () => {
      fc.assert(
        fc.property(options, fc.array(pass, { minLength: 2 * MAX_PASSES, maxLength: 500 }), (o, passes) => {
          const policy = createPumpPolicy({ ...o, blocking: false }, 0, 0);
          let now = 0;
          let activity = 0;
          let sinceLoop = 0;
          let loopAt = 0;
          for (const [delivered, moved, dt] of passes) {
            now += dt;
            activity += delivered + (moved ? 1 : 0);
            const action = nextAction(policy, delivered, activity, now);
            // A Sleep whose re-check finds work polls on at once: assume the worst, never sleep.
            sinceLoop = action === PumpAction.Loop ? 0 : sinceLoop + 1;
            if (action === PumpAction.Loop) loopAt = now;
            if (policy.clocked ? now - loopAt >= MAX_LOOP_GAP_MS : sinceLoop >= MAX_PASSES) return false;
          }
          return true;
        }),
      );
    });

    it('an event-loop core sleeps only after a pass that delivered nothing or a repoll', () => {
      fc.assert(
        fc.property(options, fc.array(pass, { minLength: 1, maxLength: 200 }), (o, passes) => {
          const policy = createPumpPolicy({ ...o, blocking: false }, 0, 0);
          let now = 0;
          let activity = 0;
          let previous: PumpAction | undefined;
          for (const [delivered, moved, dt] of passes) {
            now += dt;
            activity += delivered + (moved ? 1 : 0);
            const action = nextAction(policy, delivered, activity, now);
            // A delivery is always followed by a microtask before the core spins or sleeps, unless
            // the previous pass was that microtask (what was delivered has had its answer polled).
            if (delivered > 0 && delivered < POLL_BUDGET && action === PumpAction.Sleep) {
              if (previous !== PumpAction.Microtask) return false;
            }
            if (action === PumpAction.Spin) return false;
            previous = action;
          }
          return true;
        }),
      );
    });
  });
});
