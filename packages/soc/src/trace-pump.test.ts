import { describe, expect, it } from 'vitest';
import type { CoreTransport } from './core-transport.js';
import { Mailbox } from './mailbox.js';
import { CorePump } from './pump.js';

function link(): CoreTransport {
  const l: Pick<CoreTransport, 'onKick' | 'disableNotifications' | 'prepareToSleep'> = {
    onKick: () => {},
    disableNotifications: () => {},
    prepareToSleep: () => true,
  };
  return l as CoreTransport;
}

describe('CorePump timeline hooks', () => {
  it('reports passes that took kicks or delivered messages, with the ISR at their start, and each sleep', () => {
    const mb = Mailbox.create();
    const passes: number[][] = [];
    const sleeps: number[][] = [];
    let toDeliver = 0;
    const pump = new CorePump(link(), mb.inbox('remote'), {
      poll: () => {
        const n = toDeliver;
        toDeliver = 0;
        return n;
      },
      traceKick: () => {},
      tracePass: (start, isrEnd, end, kicks, delivered) =>
        passes.push([start, isrEnd, end, kicks, delivered]),
      traceSleep: (start, end) => sleeps.push([start, end]),
    });
    pump.setNotifyIds(0, 1);
    pump.step(); // nothing to do: not a pass worth a slice
    expect(passes).toEqual([]);
    mb.ring('remote', 0);
    mb.ring('remote', 1);
    toDeliver = 3;
    pump.step();
    expect(passes).toHaveLength(1);
    const [start, isrEnd, end, kicks, delivered] = passes[0]!;
    expect([kicks, delivered]).toEqual([2, 3]);
    expect(start! <= isrEnd! && isrEnd! <= end!).toBe(true);
    pump.sleep(2); // blocks on the doorbell in slices: each sleep is reported
    expect(sleeps.length).toBeGreaterThan(0);
    for (const [a, b] of sleeps) expect(b!).toBeGreaterThanOrEqual(a!);
  });

  it('takes the untraced path without the hooks: the pass reads no clock', () => {
    const mb = Mailbox.create();
    const now = performance.now;
    let reads = 0;
    performance.now = () => {
      reads++;
      return now.call(performance);
    };
    try {
      const pump = new CorePump(link(), mb.inbox('remote'), { poll: () => 1 });
      pump.setNotifyIds(0, 1);
      mb.ring('remote', 0);
      for (let i = 0; i < 10; i++) pump.step();
    } finally {
      performance.now = now;
    }
    expect(reads).toBe(0);
  });
});
