import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isEndMarker, RPMSG_TTY_F_EOF, sendEndMarker } from './end-marker.js';
import { type DevicePair, settle, startPair } from './test-support.js';

describe('end marker', () => {
  let pair: DevicePair;

  beforeEach(async () => {
    pair = await startPair();
  });
  afterEach(async () => {
    await pair.close();
  });

  it('is a 0-byte message with bit 0 of flags set, whatever the other bits', () => {
    expect(isEndMarker(0, RPMSG_TTY_F_EOF)).toBe(true);
    expect(isEndMarker(0, 0x8001)).toBe(true);
    expect(isEndMarker(0, 0)).toBe(false); // a hello
    expect(isEndMarker(0, 0x0002)).toBe(false);
    expect(isEndMarker(1, RPMSG_TTY_F_EOF)).toBe(false); // data: flags mean nothing there
  });

  it("goes out as 0 bytes with the flag to the endpoint's destination", async () => {
    const got: Array<[number, number, number]> = [];
    const peer = pair.remote.createEndpoint({
      onMessage: (payload, src, msg) => void got.push([payload.length, msg.flags, src]),
    });
    const ep = pair.master.createEndpoint({ dst: peer.addr });
    await sendEndMarker(ep, {});
    await settle();
    expect(got).toEqual([[0, RPMSG_TTY_F_EOF, ep.addr]]);
  });

  it('gives the TX buffer back when the send fails (no destination yet)', async () => {
    const ep = pair.master.createEndpoint();
    const free = pair.master.stats.txFree;
    await expect(sendEndMarker(ep, {})).rejects.toMatchObject({ code: 'ERR_RPMSG_NO_DST' });
    expect(pair.master.stats.txFree).toBe(free);
  });
});
