import { EventEmitter } from 'node:events';
import { Channel } from '@rpmsg/core';
import { filter, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DevicePair, settle, startPair } from '../test-support.js';
import { serveTty } from '../tty-service.js';
import { type ChannelEvent, type ChannelSource, channels$ } from './channels.js';

/** A device stand-in driven in virtual time: only what channels$ uses. */
class FakeDevice extends EventEmitter implements ChannelSource {
  readonly list: Channel[] = [];
  channels(): Channel[] {
    return [...this.list];
  }
}

describe('channels$', () => {
  it('emits the known channels first, then additions and removals as they happen (marbles)', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable }) => {
      const device = new FakeDevice();
      const tty = new Channel('rpmsg-tty', 1024);
      const echo = new Channel('echo', 1025);
      device.list.push(tty);
      cold('--a--r|', { a: echo, r: tty }).subscribe((c) => {
        if (c === echo) device.emit('channel', c);
        else device.emit('channel-removed', c);
      });
      const names = channels$(device).pipe(map((e: ChannelEvent) => `${e.type}:${e.channel.name}`));
      expectObservable(names, '^-----!').toBe('t-a--r', {
        t: 'added:rpmsg-tty',
        a: 'added:echo',
        r: 'removed:rpmsg-tty',
      });
    });
  });

  it('stops listening to the device on unsubscribe', () => {
    const device = new FakeDevice();
    const subscription = channels$(device).subscribe();
    expect(device.listenerCount('channel')).toBe(1);
    subscription.unsubscribe();
    expect(device.listenerCount('channel')).toBe(0);
    expect(device.listenerCount('channel-removed')).toBe(0);
  });

  describe('on a real device pair', () => {
    let pair: DevicePair;
    beforeEach(async () => {
      pair = await startPair();
    });
    afterEach(async () => {
      await pair.close();
    });

    it('sees a firmware service announced and destroyed', async () => {
      const events: string[] = [];
      const subscription = channels$(pair.master)
        .pipe(filter((e) => e.channel.name === 'rpmsg-tty'))
        .subscribe((e) => events.push(e.type));
      const service = serveTty(pair.remote);
      await settle();
      service.close();
      await settle();
      expect(events).toEqual(['added', 'removed']);
      subscription.unsubscribe();
    });
  });
});
