import { describe, expect, it, vi } from 'vitest';
import type { CoreTransport } from './core-transport.js';
import { type Doorbell, Mailbox } from './mailbox.js';
import { CorePump, type PumpHooks, type PumpOptions } from './pump.js';

/** The part of a CoreTransport a pump drives; `prepareToSleep` is logged and answers `idle()`. */
function fakeLink(log: string[], idle: () => boolean = () => true): CoreTransport {
  const link: Pick<CoreTransport, 'onKick' | 'disableNotifications' | 'prepareToSleep'> = {
    onKick: () => {},
    disableNotifications: () => {},
    prepareToSleep: () => {
      log.push('prepare');
      return idle();
    },
  };
  return link as CoreTransport;
}

const nextLoopTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs a pump whose n-th pass delivers `deliver(n)` messages and whose re-check before sleeping
 * says `idle(passes so far)`; returns how many passes it made before the event loop's first turn.
 */
async function passesBeforeLoopTurn(
  deliver: (pass: number) => number,
  idle: (passes: number) => boolean,
  options: PumpOptions = {},
): Promise<number> {
  const mb = Mailbox.create();
  let polls = 0;
  let pollsWhenLoopRan = -1;
  setImmediate(() => {
    pollsWhenLoopRan = polls;
  });
  const pump = new CorePump(
    fakeLink([], () => idle(polls)),
    mb.inbox('master'),
    { poll: () => deliver(++polls) },
    options,
  );
  const running = pump.run();
  while (pollsWhenLoopRan < 0) await nextLoopTurn();
  pump.stop(() => mb.interrupt('master'));
  await running;
  return pollsWhenLoopRan;
}

describe('CorePump#run (event-loop core)', () => {
  it('lets the program answer what it was handed, then polls again before it sleeps', async () => {
    const log: string[] = [];
    const mb = Mailbox.create();
    let waiting = 1;
    let handOver!: () => void;
    // The program: a promise reaction answers the delivered message (as `await ep.send()` would).
    void new Promise<void>((resolve) => {
      handOver = resolve;
    }).then(() => log.push('answer'));
    const pump = new CorePump(fakeLink(log), mb.inbox('master'), {
      poll: () => {
        const delivered = waiting;
        waiting = 0;
        log.push(`poll ${delivered}`);
        if (delivered > 0) handOver();
        return delivered;
      },
    });
    const running = pump.run();
    await nextLoopTurn(); // the pump is asleep on its doorbell by now
    pump.stop(() => mb.interrupt('master'));
    await running;
    // The answer's poll comes before the re-check and the sleep: it is published (and a reply sent
    // straight back is found) without waiting for a wake-up.
    expect(log.slice(0, 4)).toEqual(['poll 1', 'answer', 'poll 0', 'prepare']);
  });

  it('lets the event loop run while messages keep trickling in', async () => {
    // Every pass delivers one message and the re-check before sleeping always finds another — for
    // 10,000 passes, so a pump that never yields still ends (and fails the check below).
    const passes = await passesBeforeLoopTurn(
      (pass) => (pass < 10_000 ? 1 : 0),
      (polls) => polls >= 10_000,
    );
    expect(passes).toBeGreaterThan(0);
    expect(passes).toBeLessThanOrEqual(64);
  });

  it('spinning while it receives, sees a reply before the event loop turns', async () => {
    const log: string[] = [];
    const mb = Mailbox.create();
    let replyReady = false;
    let deliveredSoFar = 0;
    const pump = new CorePump(
      fakeLink([]),
      mb.inbox('master'),
      {
        poll: () => {
          if (deliveredSoFar === 0) {
            deliveredSoFar = 1;
            log.push('request');
            // The program answers after a few promise hops; the peer's reply lands right after.
            void (async () => {
              for (let i = 0; i < 5; i++) await null;
              replyReady = true;
            })();
            return 1;
          }
          if (replyReady && deliveredSoFar === 1) {
            deliveredSoFar = 2;
            log.push('reply');
            return 1;
          }
          return 0;
        },
      },
      // A busy-poll window no scheduling hiccup outlasts: the test is about the order, not the clock.
      { spin: 1_000_000, busyPoll: 1_000_000 },
    );
    setImmediate(() => log.push('event loop'));
    const running = pump.run();
    while (!log.includes('event loop')) await nextLoopTurn();
    pump.stop(() => mb.interrupt('master'));
    await running;
    expect(log.slice(0, 3)).toEqual(['request', 'reply', 'event loop']);
  });

  it('spinning while it only sends, lets the event loop run every pass', async () => {
    // Nothing is ever received: a core that only sends.
    const passes = await passesBeforeLoopTurn(
      () => 0,
      () => true,
      { spin: 1_000_000 },
    );
    expect(passes).toBe(1);
  });
});

describe('CorePump#waitFor (blocking core)', () => {
  /** A doorbell whose sleeps return at once and are recorded as [seen, timeout ms, spin µs]. */
  function recordingDoorbell(sleeps: number[][]): Doorbell {
    let irq = 0;
    const doorbell: Pick<Doorbell, 'irq' | 'takeKicks' | 'beat' | 'wait'> = {
      irq: () => irq,
      takeKicks: () => 0,
      beat: () => {},
      wait: (seen, timeoutMs, spinUs) => {
        sleeps.push([seen, timeoutMs, spinUs ?? 0]);
        irq++;
        return 'ok';
      },
    };
    return doorbell as Doorbell;
  }

  it.each([
    [0, ['off', 'on']],
    [250, ['off', 'on']],
  ])(
    'with spin %i µs, polls the rings with notifications off before each sleep of at most a slice',
    (spin, perSleep) => {
      const sleeps: number[][] = [];
      const log: string[] = [];
      const link: Pick<CoreTransport, 'onKick' | 'disableNotifications' | 'prepareToSleep'> = {
        onKick: () => {},
        disableNotifications: () => log.push('off'),
        prepareToSleep: () => {
          log.push('on');
          return true;
        },
      };
      let polls = 0;
      const pump = new CorePump(
        link as CoreTransport,
        recordingDoorbell(sleeps),
        {
          poll: () => {
            polls++;
            return 0;
          },
        },
        { spin, slice: 7 },
      );
      const start = performance.now();
      expect(pump.waitFor(() => sleeps.length === 2, Number.POSITIVE_INFINITY)).toBe(true);
      const elapsedMs = performance.now() - start;
      // The sleeps themselves spin no more: the spin was spent polling the rings, where the peer's
      // publish shows without a kick (it sees notifications off meanwhile).
      expect(sleeps).toEqual([
        [0, 7, 0],
        [1, 7, 0],
      ]);
      expect(log).toEqual([...perSleep, ...perSleep]);
      if (spin > 0) {
        expect(polls).toBeGreaterThan(2 * 64);
        expect(elapsedMs).toBeGreaterThanOrEqual((2 * spin) / 1000);
      } else expect(polls).toBe(2);
    },
  );

  /** A pump spinning 1 s on an idle link whose n-th poll delivers `deliver(n)`; its polls and sleeps counted. */
  function spinningPump(deliver: (poll: number) => number, options: PumpOptions = {}) {
    const sleeps: number[][] = [];
    const count = { polls: 0 };
    const pump = new CorePump(
      fakeLink([]),
      recordingDoorbell(sleeps),
      { poll: () => deliver(++count.polls) },
      { spin: 1_000_000, ...options },
    );
    return { pump, sleeps, count };
  }

  it('spinning, returns as soon as a poll makes the wait ready — no kick, no sleep, no clock read', () => {
    // The peer's message shows on the 50th look at the ring.
    const { pump, sleeps, count } = spinningPump((poll) => (poll === 50 ? 1 : 0));
    const polls = () => count.polls;
    const clock = vi.spyOn(performance, 'now');
    try {
      expect(pump.waitFor(() => polls() >= 50, Number.POSITIVE_INFINITY)).toBe(true);
      // A wait without a deadline reads the clock first after 64 polls, where its spin window starts:
      // the next request of a round trip, which comes within those, costs no read.
      expect(clock).not.toHaveBeenCalled();
    } finally {
      clock.mockRestore();
    }
    expect(sleeps).toEqual([]);
    expect(polls()).toBe(50);
  });

  it('spinning with a deadline, still gives up when it passes', () => {
    const { pump, count } = spinningPump(() => 0, { slice: 1 });
    const start = performance.now();
    expect(pump.waitFor(() => false, 5)).toBe(false);
    const elapsedMs = performance.now() - start;
    expect(elapsedMs).toBeGreaterThanOrEqual(5);
    // The spin (1 s) stops within 64 polls of the deadline; the bound leaves room for a loaded machine.
    expect(elapsedMs).toBeLessThan(500);
    expect(count.polls).toBeGreaterThan(0);
  });

  it('calls the hooks it was given: onTick every pass, traceKick per doorbell of a vring, onIdle before a sleep', () => {
    const log: string[] = [];
    const mb = Mailbox.create();
    const link: Pick<CoreTransport, 'onKick' | 'disableNotifications' | 'prepareToSleep'> = {
      onKick: (vring) => log.push(`onKick ${vring}`),
      disableNotifications: () => {},
      prepareToSleep: () => true,
    };
    const pump = new CorePump(link as CoreTransport, mb.inbox('remote'), {
      poll: () => {
        log.push('poll');
        return 0;
      },
      onTick: () => log.push('tick'),
      traceKick: (notifyId, vring) => log.push(`kick ${notifyId} vq${vring}`),
      onIdle: () => {
        log.push('idle');
        mb.ring('remote', 5); // the peer rings while the core goes to sleep: the sleep returns at once
      },
    });
    pump.setNotifyIds(3, 5);
    mb.ring('remote', 3);
    mb.ring('remote', 7); // no vring's doorbell: nobody hears it
    const polls = () => log.filter((entry) => entry === 'poll').length;
    expect(pump.waitFor(() => polls() === 2, Number.POSITIVE_INFINITY)).toBe(true);
    expect(log).toEqual([
      'tick',
      'kick 3 vq0',
      'onKick 0',
      'poll',
      'idle',
      'tick',
      'kick 5 vq1',
      'onKick 1',
      'poll',
    ]);
  });

  it('gives up when the time is up, after a last pass', () => {
    const sleeps: number[][] = [];
    let polls = 0;
    const pump = new CorePump(fakeLink([]), recordingDoorbell(sleeps), {
      poll: () => {
        polls++;
        return 0;
      },
    });
    expect(pump.waitFor(() => false, 0)).toBe(false);
    expect([polls, sleeps.length]).toEqual([1, 0]);
  });
});

describe('new CorePump', () => {
  const link = fakeLink([]);
  const doorbell = Mailbox.create().inbox('master');
  const poll = () => 0;

  it.each<[string, unknown, unknown, string, string]>([
    ['hooks that are a bare function (the old signature)', poll, undefined, 'ERR_INVALID_ARG_TYPE', 'hooks'],
    ['hooks that are null', null, undefined, 'ERR_INVALID_ARG_TYPE', 'hooks'],
    [
      'an onTick that is not a function',
      { poll, onTick: 1 },
      undefined,
      'ERR_INVALID_ARG_TYPE',
      'hooks.onTick',
    ],
    [
      'an activity that is not a function',
      { poll, activity: 0 },
      undefined,
      'ERR_INVALID_ARG_TYPE',
      'hooks.activity',
    ],
    ['options that are not an object', { poll }, 5, 'ERR_INVALID_ARG_TYPE', 'options'],
    ['a negative spin', { poll }, { spin: -1 }, 'ERR_OUT_OF_RANGE', 'options.spin'],
    ['a spin of NaN', { poll }, { spin: Number.NaN }, 'ERR_OUT_OF_RANGE', 'options.spin'],
    ['a slice of 0 (a sleep that never sleeps)', { poll }, { slice: 0 }, 'ERR_OUT_OF_RANGE', 'options.slice'],
    ['a slice past the timer limit', { poll }, { slice: 2 ** 31 }, 'ERR_OUT_OF_RANGE', 'options.slice'],
    [
      'a busyPoll of Infinity',
      { poll },
      { busyPoll: Number.POSITIVE_INFINITY },
      'ERR_OUT_OF_RANGE',
      'options.busyPoll',
    ],
    ['a spin given as a string', { poll }, { spin: '10' }, 'ERR_INVALID_ARG_TYPE', 'options.spin'],
  ])('refuses %s', (_, hooks, options, code, argument) => {
    expect(() => new CorePump(link, doorbell, hooks as PumpHooks, options as PumpOptions)).toThrow(
      expect.objectContaining({ code, argument }),
    );
  });
});
