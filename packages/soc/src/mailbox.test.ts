import { describe, expect, it } from 'vitest';
import { Mailbox } from './mailbox.js';

describe('Mailbox', () => {
  describe('#ring', () => {
    it('bumps the channel and the receiver irq, not the other side', () => {
      const mb = Mailbox.create(4);
      const remote = mb.inbox('remote');
      const master = mb.inbox('master');
      const seen = remote.irq();
      mb.ring('remote', 1);
      mb.ring('remote', 1);
      expect(remote.irq()).toBe(seen + 2);
      expect(master.irq()).toBe(0);
      expect(mb.count('remote', 1)).toBe(2);
    });

    it('refuses a notify id outside the register file', () => {
      expect(() => Mailbox.create(4).ring('master', 4)).toThrow(RangeError);
    });
  });

  describe('Doorbell#takeKicks', () => {
    it('reports each channel that rang once, coalescing repeats', () => {
      const mb = Mailbox.create(4);
      const inbox = mb.inbox('master');
      mb.ring('master', 0);
      mb.ring('master', 2);
      mb.ring('master', 2);
      const rang: number[] = [];
      expect(inbox.takeKicks((id) => rang.push(id))).toBe(2);
      expect(rang).toEqual([0, 2]);
      expect(inbox.takeKicks(() => rang.push(-1))).toBe(0);
    });

    it('reads only irq while nothing rang, and still sees every ring after a control interrupt', () => {
      const mb = Mailbox.create(4);
      const inbox = mb.inbox('master');
      const rang: number[] = [];
      mb.ring('master', 1);
      expect(inbox.takeKicks((id) => rang.push(id))).toBe(1);
      // A channel bumped without its irq (a ring half done) is not taken yet: irq has not moved.
      Atomics.add(mb.words, mb.blockOf('master') + 4 + 3, 1);
      expect(inbox.takeKicks((id) => rang.push(id))).toBe(0);
      mb.interrupt('master'); // irq moves: the next call scans and finds channel 3
      expect(inbox.takeKicks((id) => rang.push(id))).toBe(1);
      mb.ring('master', 1);
      expect(inbox.takeKicks((id) => rang.push(id))).toBe(1);
      expect(rang).toEqual([1, 3, 1]);
    });

    it('leaves the channels after one whose onKick threw for the next call', () => {
      const mb = Mailbox.create(4);
      const inbox = mb.inbox('master');
      mb.ring('master', 0);
      mb.ring('master', 2);
      expect(() =>
        inbox.takeKicks(() => {
          throw new Error('handler failed');
        }),
      ).toThrow('handler failed');
      const rang: number[] = [];
      expect(inbox.takeKicks((id) => rang.push(id))).toBe(1); // irq has not moved since
      expect(rang).toEqual([2]);
    });
  });

  describe('Doorbell#wait', () => {
    it('returns at once when a ring happened after the value was read (no lost wake-up)', () => {
      const mb = Mailbox.create();
      const inbox = mb.inbox('remote');
      const seen = inbox.irq();
      mb.ring('remote', 0);
      expect(inbox.wait(seen, 10_000)).toBe('not-equal');
    });

    it('times out when nothing rings', () => {
      const inbox = Mailbox.create().inbox('remote');
      expect(inbox.wait(inbox.irq(), 1)).toBe('timed-out');
    });

    it('spins and sees a ring without sleeping', () => {
      const mb = Mailbox.create();
      const inbox = mb.inbox('remote');
      const seen = inbox.irq();
      mb.ring('remote', 0);
      expect(inbox.spin(seen, 1000)).toBe(true);
    });
  });

  describe('Doorbell#waitAsync', () => {
    it('resolves when the doorbell rings later', async () => {
      const mb = Mailbox.create();
      const inbox = mb.inbox('master');
      const result = inbox.waitAsync(inbox.irq(), 10_000);
      expect(typeof result).not.toBe('string');
      setTimeout(() => mb.ring('master', 3), 1);
      expect(await result).toBe('ok');
    });
  });

  describe('control words', () => {
    it('keeps heartbeats, epochs and control interrupts per side', () => {
      const mb = Mailbox.create();
      mb.inbox('remote').beat();
      mb.setEpoch('master', 3);
      mb.interrupt('remote');
      expect(mb.heartbeat('remote')).toBe(1);
      expect(mb.heartbeat('master')).toBe(0);
      expect(mb.epoch('master')).toBe(3);
      expect(mb.control('remote')).toBe(1);
      expect(mb.inbox('remote').irq()).toBe(1);
    });

    it('shares registers with a second view of the same buffer (another thread)', () => {
      const mb = Mailbox.create();
      const other = new Mailbox(mb.buffer);
      other.ring('master', 1);
      expect(mb.count('master', 1)).toBe(1);
    });
  });
});
