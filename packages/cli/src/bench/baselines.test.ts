import { describe, expect, it } from 'vitest';
import { RPMSG_SHAPE_SLOT, SAB_RAW_SLOTS, sabRawBytes } from '../workers/baseline-protocol.js';
import { type BaselineCase, runBaseline } from './baselines.js';

/** A sab-raw one-way 16-byte run of 1,000 messages, changed by `c`; rejects after 10 s. */
function sabRaw(c: Partial<BaselineCase>) {
  const base: BaselineCase = {
    transport: 'sab-raw',
    mode: 'one-way',
    wait: 'spin',
    payload: 16,
    total: 1_000,
  };
  return runBaseline({ ...base, ...c }, 10_000);
}

describe('sab-raw baseline', () => {
  it('sizes a packed ring by the payload and an rpmsg-shaped one by 512-byte buffers', () => {
    expect(sabRawBytes(16)).toBe(32 + SAB_RAW_SLOTS * 16);
    expect(sabRawBytes(16, 'rpmsg')).toBe(32 + SAB_RAW_SLOTS * RPMSG_SHAPE_SLOT);
    expect(sabRawBytes(496, 'rpmsg')).toBe(sabRawBytes(16, 'rpmsg'));
  });

  // 1,003 + 7 messages: not a multiple of the 16-message publish batch, so the run only ends if
  // the producer publishes its last, partial batch (runBaseline rejects after the timeout).
  it('moves every message of the rpmsg shape one way, the last partial batch included', async () => {
    const row = await sabRaw({ shape: 'rpmsg', total: 1_003, warmup: 7 });
    expect(row).toMatchObject({
      transport: 'sab-raw',
      variant: 'rpmsg-layout',
      mode: 'one-way',
      payload: 16,
    });
    expect(row.msgsPerSec).toBeGreaterThan(0);
  });

  it('sleeps and wakes in the rpmsg shape as in the packed one', async () => {
    const row = await sabRaw({ shape: 'rpmsg', wait: 'sleep', payload: 496, total: 2_001 });
    expect(row.variant).toBe('rpmsg-layout');
  });

  it('answers every ping in the rpmsg shape (a round trip publishes at once)', async () => {
    const row = await sabRaw({ shape: 'rpmsg', mode: 'ping-pong', total: 50, warmup: 3 });
    expect(row.rttMedianUs).toBeGreaterThan(0);
  });

  it('labels only the rpmsg shape with a variant', async () => {
    const row = await sabRaw({});
    expect(row).not.toHaveProperty('variant');
  });
});
