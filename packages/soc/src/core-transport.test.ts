import type { PolledTransport, TransportObserver } from '@rpmsg/core';
import { RpmsgError, type TransportBuffer, type TransportSink } from '@rpmsg/core';
import { createMockTransportPair, type MockTransport } from '@rpmsg/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { CoreTransport } from './core-transport.js';

const ignore: TransportSink = {
  onMessage: () => true,
  onTxAvailable: () => {},
  onLinkUp: () => {},
  onLinkDown: () => {},
  onError: () => {},
};

/** `t` with the doorbell methods of a polled transport, each call logged in `calls`. */
function polled(t: MockTransport, calls: string[] = []): PolledTransport {
  return Object.assign(t, {
    onKick: (vring: 0 | 1) => void calls.push(`kick ${vring}`),
    prepareToSleep: () => {
      calls.push('prepare');
      return false;
    },
    disableNotifications: () => void calls.push('disable'),
  });
}

/** A CoreTransport over the master end of a mock pair, the remote end started with a sink that gives every message back. */
async function linked(buffers = 2) {
  const pair = createMockTransportPair({ buffers });
  const calls: string[] = [];
  const inner = polled(pair.master, calls);
  const forwarded = vi.spyOn(inner, 'sendMessage');
  const link = new CoreTransport('master', pair.master.bufferSize);
  link.attach(ignore);
  pair.remote.attach(ignore);
  const up = link.connect(inner);
  await pair.remote.start();
  await up;
  return { pair, link, inner, calls, forwarded: () => forwarded.mock.calls.length };
}

/** An observer that logs what it sees as `tx|rx src→dst len length`. */
function watcher() {
  const seen: string[] = [];
  const line = (dir: string, buf: TransportBuffer, length: number) =>
    `${dir} ${buf.view.getUint32(0, true)}→${buf.view.getUint32(4, true)} ${buf.view.getUint16(12, true)} ${length}`;
  const observer: TransportObserver = {
    onSend: (buf, length) => seen.push(line('tx', buf, length)),
    onReceive: (buf, length) => seen.push(line('rx', buf, length)),
  };
  return { seen, observer };
}

describe('CoreTransport.sendMessage', () => {
  it('hands a copying send straight to the transport under the link', async () => {
    const { pair, link, forwarded } = await linked();
    expect(link.sendMessage(1024, 30, Uint8Array.of(1, 2, 3))).toBe(true);
    expect(forwarded()).toBe(1);
    expect(pair.master.lastSent).toMatchObject({ src: 1024, dst: 30, len: 3 });
    expect([...pair.master.lastSent!.payload]).toEqual([1, 2, 3]);
    await link.close();
  });

  it('takes the same path while traced: the transport shows the observer the message in its buffer', async () => {
    const { pair, link, forwarded } = await linked();
    const { seen, observer } = watcher();
    link.observer = observer;
    expect(link.sendMessage(1024, 30, new Uint8Array(5))).toBe(true);
    expect(forwarded()).toBe(1);
    expect(seen).toEqual(['tx 1024→30 5 21']);
    expect(pair.master.lastSent).toMatchObject({ src: 1024, dst: 30, len: 5 });
    // Too long for a buffer: refused before a buffer is taken, so none is lost.
    const free = link.stats.txFree;
    expect(() => link.sendMessage(1024, 30, new Uint8Array(pair.master.bufferSize))).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(link.stats.txFree).toBe(free);
    // The pool runs dry (the peer has not polled yet): false, not an error.
    expect(link.sendMessage(1024, 30, new Uint8Array(1))).toBe(true);
    expect(link.sendMessage(1024, 30, new Uint8Array(1))).toBe(false);
    expect(seen).toHaveLength(2);
    await link.close();
  });

  it('says false while no transport is up: before the first boot and after close', async () => {
    const link = new CoreTransport('master', 512);
    link.attach(ignore);
    expect(link.sendMessage(1024, 30, new Uint8Array(1))).toBe(false);
    const { link: closed, forwarded } = await linked();
    await closed.close();
    expect(closed.sendMessage(1024, 30, new Uint8Array(1))).toBe(false);
    expect(forwarded()).toBe(0);
  });
});

describe('CoreTransport.observer', () => {
  it('is handed to every transport the link connects, and taken from one it retires', async () => {
    const { link, inner } = await linked();
    const { observer } = watcher();
    link.observer = observer;
    expect(inner.observer).toBe(observer);
    link.down(new RpmsgError('ERR_RPMSG_PEER_GONE', 'crash'));
    expect(inner.observer).toBeUndefined();
    const next = createMockTransportPair();
    next.remote.attach(ignore);
    const up = link.connect(polled(next.master));
    await next.remote.start();
    await up;
    expect(next.master.observer).toBe(observer);
    link.observer = undefined;
    expect(next.master.observer).toBeUndefined();
    await link.close();
  });

  it('sees each message once each way: received ones too, through the transport', async () => {
    const { pair, link } = await linked(4);
    const { seen, observer } = watcher();
    link.observer = observer;
    const buf = link.getTxBuffer()!;
    buf.view.setUint32(0, 1024, true);
    buf.view.setUint32(4, 31, true);
    link.sendTxBuffer(buf, 16); // the zero-copy way
    expect(pair.remote.sendMessage(30, 1024, Uint8Array.of(9))).toBe(true);
    pair.remote.flush();
    pair.master.poll();
    expect(seen).toEqual(['tx 1024→31 0 16', 'rx 30→1024 1 17']);
    await link.close();
  });
});

describe('CoreTransport doorbell methods', () => {
  it('forwards kicks, sleep checks and notification suppression to the transport under the link', async () => {
    const { link, calls } = await linked();
    link.disableNotifications();
    link.onKick(1);
    expect(link.prepareToSleep()).toBe(false); // the transport's answer
    expect(calls).toEqual(['disable', 'kick 1', 'prepare']);
    await link.close();
    // No transport: nothing to forward, nothing to wait for.
    link.onKick(0);
    link.disableNotifications();
    expect(link.prepareToSleep()).toBe(true);
    expect(calls).toHaveLength(3);
  });
});
