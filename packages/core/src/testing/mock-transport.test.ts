import { describe, expect, it } from 'vitest';
import type { TransportBuffer, TransportSink } from '../transport.js';
import { createMockTransportPair } from './mock-pair.js';

function recorder() {
  const log: string[] = [];
  const held: Array<{ buf: TransportBuffer; length: number }> = [];
  const sink: TransportSink = {
    onMessage: (buf, length) => {
      log.push(`message ${length}`);
      held.push({ buf, length });
      return false; // kept: the test releases it
    },
    onTxAvailable: () => log.push('tx'),
    onLinkUp: () => log.push('up'),
    onLinkDown: (reason) => log.push(`down ${reason.code}`),
    onError: (error) => log.push(`error ${error.code}`),
  };
  return { log, held, sink };
}

async function started(options = {}) {
  const pair = createMockTransportPair({ autoDeliver: false, ...options });
  const m = recorder();
  const r = recorder();
  pair.master.attach(m.sink);
  pair.remote.attach(r.sink);
  await Promise.all([pair.master.start(), pair.remote.start()]);
  return { pair, m, r };
}

describe('createMockTransportPair', () => {
  it('brings the link up once both sides started', async () => {
    const { pair, m, r } = await started();
    expect([pair.master.isUp, pair.remote.isUp]).toEqual([true, true]);
    expect(m.log).toEqual(['up']);
    expect(r.log).toEqual(['up']);
    const [master, remote] = pair;
    expect([master, remote]).toEqual([pair.master, pair.remote]);
  });

  it('publishes on flush only, delivers on poll, and returns buffers to the sender', async () => {
    const { pair, r, m } = await started({ buffers: 2 });
    const buf = pair.master.getTxBuffer() as TransportBuffer;
    buf.bytes.set([1, 2, 3], 16);
    pair.master.sendTxBuffer(buf, 19);
    expect(pair.remote.poll()).toBe(0);
    pair.master.flush();
    expect(pair.remote.poll()).toBe(1);
    expect(r.log).toEqual(['up', 'message 19']);
    expect(r.held[0]?.buf.bytes.subarray(16, 19)).toEqual(Uint8Array.from([1, 2, 3]));
    expect(pair.master.stats.txFree).toBe(1);
    pair.remote.releaseRxBuffer(r.held[0]?.buf as TransportBuffer);
    pair.remote.flush();
    pair.master.poll();
    expect(m.log).toEqual(['up', 'tx']);
    expect(pair.master.stats).toMatchObject({ txFree: 2, txTotal: 2, txMessages: 1, notifications: 1 });
    expect(pair.master.lastSent).toMatchObject({ length: 19, len: 0, payload: new Uint8Array(0) }); // no header written
  });

  it('throws on contract breaches: double release, use after send, oversize, attach twice, foreign buffer', async () => {
    const { pair, r } = await started();
    const buf = pair.master.getTxBuffer() as TransportBuffer;
    expect(() => pair.master.sendTxBuffer(buf, 513)).toThrow(RangeError);
    expect(() => pair.master.sendTxBuffer(buf, 15)).toThrow(RangeError);
    pair.master.sendTxBuffer(buf, 16);
    expect(() => pair.master.sendTxBuffer(buf, 16)).toThrow(
      expect.objectContaining({ code: 'ERR_RPMSG_BUFFER_STATE' }),
    );
    expect(() => pair.master.releaseTxBuffer(buf)).toThrow(
      expect.objectContaining({ code: 'ERR_RPMSG_BUFFER_STATE' }),
    );
    const other = pair.master.getTxBuffer() as TransportBuffer;
    pair.master.releaseTxBuffer(other);
    expect(() => pair.master.releaseTxBuffer(other)).toThrow(
      expect.objectContaining({ code: 'ERR_RPMSG_BUFFER_STATE' }),
    );
    expect(() => pair.remote.releaseTxBuffer(other)).toThrow(/another pool/);
    pair.master.flush();
    pair.remote.poll();
    const rx = r.held[0]?.buf as TransportBuffer;
    pair.remote.releaseRxBuffer(rx);
    expect(() => pair.remote.releaseRxBuffer(rx)).toThrow(
      expect.objectContaining({ code: 'ERR_RPMSG_BUFFER_STATE' }),
    );
    expect(() => pair.master.attach(recorder().sink)).toThrow(/twice/);
  });

  it('kills lent buffers on disconnect: releasing them is allowed, and reconnect frees every buffer', async () => {
    const { pair, m } = await started({ buffers: 2 });
    const buf = pair.master.getTxBuffer() as TransportBuffer;
    pair.disconnect('ERR_RPMSG_PEER_GONE');
    expect(m.log).toEqual(['up', 'down ERR_RPMSG_PEER_GONE']);
    expect(pair.master.getTxBuffer()).toBeNull();
    pair.master.releaseTxBuffer(buf);
    pair.reconnect();
    expect(pair.master.stats.txFree).toBe(2);
    expect(m.log.at(-1)).toBe('up');
  });

  it('injects hostile bytes with a lying length and reports errors', async () => {
    const { pair, m } = await started();
    pair.master.inject(Uint8Array.from([1, 2]), 9999);
    expect(pair.remote.stats.txFree).toBe(7);
    pair.master.poll();
    expect(m.log).toContain('message 9999');
    pair.master.reportError('ERR_RPMSG_RING');
    expect(m.log.at(-1)).toBe('error ERR_RPMSG_RING');
    expect(() => pair.master.inject(new Uint8Array(513))).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', argument: 'bytes.length' }),
    );
    expect(() => createMockTransportPair({ buffers: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', argument: 'options.buffers' }),
    );
    expect(() => createMockTransportPair({ bufferSize: '512' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', argument: 'options.bufferSize' }),
    );
  });

  it('sends a copy in one call, or says false at once when no buffer is free or the link is down', async () => {
    const { pair, r } = await started({ buffers: 2 });
    const t = pair.master;
    expect(t.sendMessage(1024, 30, Uint8Array.of(1, 2, 3))).toBe(true);
    expect(t.lastSent).toMatchObject({ src: 1024, dst: 30, len: 3, flags: 0, length: 19 });
    expect(() => t.sendMessage(1024, 30, new Uint8Array(497))).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', argument: 'payload.length' }),
    );
    expect(t.sendMessage(1024, 30, new Uint8Array(496))).toBe(true);
    expect(t.sendMessage(1024, 30, new Uint8Array(0))).toBe(false); // both buffers sent
    expect(t.stats).toMatchObject({ txMessages: 2, txFree: 0 });
    t.flush();
    pair.remote.poll();
    expect(r.log).toEqual(['up', 'message 19', 'message 512']);
    expect(r.held[0]!.buf.bytes.subarray(16, 19)).toEqual(Uint8Array.of(1, 2, 3));
    pair.disconnect();
    expect(t.sendMessage(1024, 30, new Uint8Array(0))).toBe(false);
  });

  it('keeps one live stats object: the same on every read, counting as it goes', async () => {
    const { pair } = await started({ buffers: 2 });
    const stats = pair.master.stats;
    expect(pair.master.stats).toBe(stats);
    expect(stats).toMatchObject({ txMessages: 0, txFree: 2, notifications: 0 });
    pair.master.sendMessage(1024, 30, Uint8Array.of(1));
    pair.master.flush();
    pair.remote.poll();
    expect(stats).toMatchObject({ txMessages: 1, txFree: 1, txTotal: 2, notifications: 1 });
    expect(pair.remote.stats).toMatchObject({ rxMessages: 1, rxHeld: 1 });
    expect({ ...stats }).toEqual({
      txMessages: 1,
      rxMessages: 0,
      notifications: 1,
      errors: 0,
      txFree: 1,
      txTotal: 2,
      rxHeld: 0,
    });
  });

  it('shows its observer each message sent, by either call, and each one delivered', async () => {
    const { pair } = await started({ buffers: 4 });
    const seen: string[] = [];
    const observer = (side: string) => ({
      onSend: (buf: TransportBuffer, length: number) =>
        seen.push(`${side} tx ${buf.view.getUint32(4, true)} ${length}`),
      onReceive: (buf: TransportBuffer, length: number) =>
        seen.push(`${side} rx ${buf.view.getUint32(4, true)} ${length}`),
    });
    pair.master.observer = observer('master');
    pair.remote.observer = observer('remote');
    pair.master.sendMessage(1024, 30, Uint8Array.of(1));
    const buf = pair.master.getTxBuffer()!;
    buf.view.setUint32(4, 31, true);
    pair.master.sendTxBuffer(buf, 16);
    expect(() => pair.master.sendTxBuffer(buf, 16)).toThrow(); // a breach is not shown as a send
    pair.master.flush();
    pair.remote.poll();
    pair.master.observer = undefined;
    pair.master.sendMessage(1024, 32, Uint8Array.of(1));
    pair.master.flush();
    pair.remote.poll();
    expect(seen).toEqual([
      'master tx 30 17',
      'master tx 31 16',
      'remote rx 30 17',
      'remote rx 31 16',
      'remote rx 32 17',
    ]);
  });

  it('tells the peer it is gone on close', async () => {
    const { pair, m, r } = await started();
    await pair.remote.close();
    expect(r.log.at(-1)).toBe('down ERR_RPMSG_CLOSED');
    expect(m.log.at(-1)).toBe('down ERR_RPMSG_PEER_GONE');
    expect(pair.remote.getTxBuffer()).toBeNull();
  });
});
