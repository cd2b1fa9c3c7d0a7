import { RPMSG_HDR_SIZE, type TransportBuffer, type TransportSink, writeMessage } from '@rpmsg/core';
import { createMockTransportPair } from '@rpmsg/core/testing';
import { describe, expect, it } from 'vitest';
import { CoreLink, type LinkObserver, type LinkTransport } from './link.js';

const ignore: TransportSink = {
  onMessage: () => true,
  onTxAvailable: () => {},
  onLinkUp: () => {},
  onLinkDown: () => {},
  onError: () => {},
};

/**
 * A CoreLink over the master end of a mock pair whose transport also offers `sendMessage` (counted),
 * the remote end started with a sink that gives every message back.
 */
async function linked(buffers = 2) {
  const pair = createMockTransportPair({ buffers });
  const inner: LinkTransport = pair.master;
  let forwarded = 0;
  inner.sendMessage = (src, dst, payload) => {
    forwarded++;
    const buf = pair.master.getTxBuffer();
    if (!buf) return false;
    writeMessage(buf, src, dst, payload);
    pair.master.sendTxBuffer(buf, RPMSG_HDR_SIZE + payload.length);
    return true;
  };
  const link = new CoreLink('master', pair.master.bufferSize);
  link.attach(ignore);
  pair.remote.attach(ignore);
  const up = link.connect(inner);
  await pair.remote.start();
  await up;
  return { pair, link, forwarded: () => forwarded };
}

describe('CoreLink.sendMessage', () => {
  it('hands a copying send straight to the transport under the link', async () => {
    const { pair, link, forwarded } = await linked();
    expect(link.sendMessage(1024, 30, Uint8Array.of(1, 2, 3))).toBe(true);
    expect(forwarded()).toBe(1);
    expect(pair.master.lastSent).toMatchObject({ src: 1024, dst: 30, len: 3 });
    expect([...pair.master.lastSent!.payload]).toEqual([1, 2, 3]);
    await link.close();
  });

  it('lends and fills a buffer instead while an observer watches, so the trace sees the message', async () => {
    const { pair, link, forwarded } = await linked();
    const seen: { src: number; dst: number; len: number; length: number }[] = [];
    const observer: LinkObserver = {
      onSend: (buf: TransportBuffer, length: number) =>
        seen.push({
          src: buf.view.getUint32(0, true),
          dst: buf.view.getUint32(4, true),
          len: buf.view.getUint16(12, true),
          length,
        }),
      onReceive: () => {},
    };
    link.observer = observer;
    expect(link.sendMessage(1024, 30, new Uint8Array(5))).toBe(true);
    expect(forwarded()).toBe(0);
    expect(seen).toEqual([{ src: 1024, dst: 30, len: 5, length: RPMSG_HDR_SIZE + 5 }]);
    expect(pair.master.lastSent).toMatchObject({ src: 1024, dst: 30, len: 5 });
    // Too long for a buffer: refused before a buffer is lent, so none is lost.
    const free = link.stats.txFree;
    expect(() => link.sendMessage(1024, 30, new Uint8Array(pair.master.bufferSize))).toThrow(RangeError);
    expect(link.stats.txFree).toBe(free);
    // The pool runs dry (the peer has not polled yet): false, not an error.
    expect(link.sendMessage(1024, 30, new Uint8Array(1))).toBe(true);
    expect(link.sendMessage(1024, 30, new Uint8Array(1))).toBe(false);
    await link.close();
  });

  it('says false while no transport is up: before the first boot and after close', async () => {
    const link = new CoreLink('master', 512);
    link.attach(ignore);
    expect(link.sendMessage(1024, 30, new Uint8Array(1))).toBe(false);
    const { link: closed, forwarded } = await linked();
    await closed.close();
    expect(closed.sendMessage(1024, 30, new Uint8Array(1))).toBe(false);
    expect(forwarded()).toBe(0);
  });
});
