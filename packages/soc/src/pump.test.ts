import { describe, expect, it } from 'vitest';
import type { CoreLink } from './link.js';
import { Mailbox } from './mailbox.js';
import { CorePump, type PumpOptions } from './pump.js';

/** The part of a CoreLink a pump drives; `prepareToSleep` is logged and answers `idle()`. */
function fakeLink(log: string[], idle: () => boolean = () => true): CoreLink {
  const link: Pick<CoreLink, 'onKick' | 'disableNotifications' | 'prepareToSleep'> = {
    onKick: () => {},
    disableNotifications: () => {},
    prepareToSleep: () => {
      log.push('prepare');
      return idle();
    },
  };
  return link as CoreLink;
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
    () => deliver(++polls),
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
    const pump = new CorePump(fakeLink(log), mb.inbox('master'), () => {
      const delivered = waiting;
      waiting = 0;
      log.push(`poll ${delivered}`);
      if (delivered > 0) handOver();
      return delivered;
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
      () => {
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
