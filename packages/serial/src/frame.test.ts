import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SerialError } from './errors.js';
import {
  FRAME_OVERHEAD,
  FRAME_POLL,
  type Frame,
  FrameDecoder,
  FrameEncoder,
  frameWireSize,
} from './frame.js';
import { decodeHello, encodeHello, HELLO_MIN_SIZE, HELLO_SIZE } from './hello.js';

interface Got {
  type: number;
  poll: boolean;
  seq: number;
  ack: number;
  credit: number;
  payload: number[];
}

function decode(wire: Uint8Array, max = 600) {
  const frames: Got[] = [];
  const errors: string[] = [];
  const dec = new FrameDecoder(max);
  dec.push(wire, 0, wire.length, {
    onFrame: (f: Frame) =>
      frames.push({
        type: f.type,
        poll: f.poll,
        seq: f.seq,
        ack: f.ack,
        credit: f.credit,
        payload: [...f.bytes.subarray(f.payloadStart, f.payloadStart + f.payloadLength)],
      }),
    onBadFrame: (e: SerialError) => errors.push(e.code),
  });
  return { frames, errors, stats: dec.stats };
}

const frameArb = fc.record({
  type: fc.integer({ min: 1, max: 0x7f }),
  poll: fc.boolean(),
  seq: fc.integer({ min: 0, max: 255 }),
  ack: fc.integer({ min: 0, max: 255 }),
  credit: fc.integer({ min: 0, max: 255 }),
  payload: fc.uint8Array({ maxLength: 600 }),
});

describe('FrameEncoder / FrameDecoder', () => {
  it('round-trips any frame: type, POLL, seq, ack, credit and payload', () => {
    const enc = new FrameEncoder(600);
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 6 }), (frames) => {
        const out = new Uint8Array(frames.reduce((n, f) => n + frameWireSize(f.payload.length), 0));
        let off = 0;
        for (const f of frames) {
          off += enc.encode(
            f.type | (f.poll ? FRAME_POLL : 0),
            f.seq,
            f.ack,
            f.credit,
            f.payload,
            f.payload.length,
            out,
            off,
          );
        }
        const { frames: got, errors } = decode(out.subarray(0, off));
        expect(errors).toEqual([]);
        expect(got).toEqual(frames.map((f) => ({ ...f, payload: [...f.payload] })));
      }),
    );
  });

  it('never delivers a frame with a flipped byte (the CRC catches it)', () => {
    const enc = new FrameEncoder(600);
    fc.assert(
      fc.property(frameArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (f, at, x) => {
        const out = new Uint8Array(frameWireSize(f.payload.length));
        const n = enc.encode(f.type, f.seq, f.ack, f.credit, f.payload, f.payload.length, out, 0);
        const i = at % (n - 1); // never the delimiter
        out[i]! ^= x;
        const { frames } = decode(out.subarray(0, n));
        expect(frames).toEqual([]);
      }),
    );
  });

  it('counts short frames and frames over the limit', () => {
    const { errors, stats } = decode(Uint8Array.from([3, 1, 2, 0, ...new Array(20).fill(9), 0]), 8);
    expect(errors).toEqual(['ERR_SERIAL_FRAME_SHORT', 'ERR_SERIAL_FRAME_TOO_LONG']);
    expect(stats.shortFrames).toBe(1);
    expect(stats.longFrames).toBe(1);
  });

  it('adds FRAME_OVERHEAD + COBS + delimiter bytes to a payload', () => {
    const enc = new FrameEncoder(512);
    const out = new Uint8Array(frameWireSize(512));
    const n = enc.encode(3, 0, 0, 0, new Uint8Array(512).fill(1), 512, out, 0);
    expect(n).toBeLessThanOrEqual(512 + FRAME_OVERHEAD + 4);
  });
});

describe('HELLO codec', () => {
  it('round-trips its fields', () => {
    const p = {
      version: 1,
      flags: 3,
      mtu: 512,
      credits: 16,
      keepAliveMs: 500,
      nonce: 0xdeadbeef,
      peerNonce: 7,
      retransmitMs: 100,
      baudRate: 921600,
    };
    const b = new Uint8Array(HELLO_SIZE);
    encodeHello(p, b);
    expect(HELLO_SIZE).toBe(24);
    expect(decodeHello(b, 0, HELLO_SIZE)).toEqual(p);
    // Later versions may append fields: a longer payload reads the same.
    const longer = new Uint8Array(HELLO_SIZE + 8);
    longer.set(b);
    expect(decodeHello(longer, 0, longer.length)).toEqual(p);
  });

  it('reads a 16-byte HELLO of an earlier peer as not announcing retransmitMs or a baud rate', () => {
    const b = new Uint8Array(HELLO_SIZE);
    const p = { version: 1, flags: 1, mtu: 512, credits: 2, keepAliveMs: 500, nonce: 9, peerNonce: 0 };
    encodeHello({ ...p, retransmitMs: 100, baudRate: 115200 }, b);
    expect(decodeHello(b, 0, HELLO_MIN_SIZE)).toEqual({ ...p, retransmitMs: 0, baudRate: 0 });
  });

  it('rejects another version, a short payload and out-of-range fields with typed errors', () => {
    const b = new Uint8Array(HELLO_SIZE);
    const base = {
      version: 1,
      flags: 0,
      mtu: 512,
      credits: 16,
      keepAliveMs: 500,
      nonce: 1,
      peerNonce: 0,
      retransmitMs: 50,
      baudRate: 0,
    };
    const code = (p: typeof base, len = HELLO_SIZE) => {
      encodeHello(p, b);
      try {
        decodeHello(b, 0, len);
        return 'ok';
      } catch (e) {
        return (e as SerialError).code;
      }
    };
    expect(code({ ...base, version: 2 })).toBe('ERR_SERIAL_VERSION');
    expect(code(base, 10)).toBe('ERR_SERIAL_HELLO');
    expect(code({ ...base, credits: 0 })).toBe('ERR_SERIAL_HELLO');
    expect(code({ ...base, credits: 128 })).toBe('ERR_SERIAL_HELLO');
    expect(code({ ...base, mtu: 20 })).toBe('ERR_SERIAL_HELLO');
    expect(code({ ...base, keepAliveMs: 0 })).toBe('ERR_SERIAL_HELLO');
    expect(code({ ...base, retransmitMs: 0 })).toBe('ERR_SERIAL_HELLO');
    expect(code({ ...base, retransmitMs: 0 }, HELLO_MIN_SIZE)).toBe('ok'); // not announced at all
    expect(code(base, HELLO_SIZE - 1)).toBe('ok'); // a partial extension reads as 16 bytes
    expect(code(base)).toBe('ok');
  });
});
