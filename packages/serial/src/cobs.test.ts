import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CobsDecoder, type CobsDropReason, cobsEncode, cobsMaxEncodedLength } from './cobs.js';

function encode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedLength(data.length) + 1);
  const n = cobsEncode(data, 0, data.length, out, 0);
  return out.subarray(0, n + 1); // trailing 0 delimiter
}

function decodeAll(bytes: Uint8Array, max = 4096) {
  const frames: number[][] = [];
  const drops: CobsDropReason[] = [];
  new CobsDecoder(max).push(bytes, 0, bytes.length, {
    onFrame: (f, n) => frames.push([...f.subarray(0, n)]),
    onDrop: (r) => drops.push(r),
  });
  return { frames, drops };
}

describe('cobsEncode', () => {
  it('matches the worked examples of Cheshire & Baker', () => {
    expect([...encode(Uint8Array.from([0]))]).toEqual([1, 1, 0]);
    expect([...encode(Uint8Array.from([0x11, 0x22, 0, 0x33]))]).toEqual([3, 0x11, 0x22, 2, 0x33, 0]);
    expect([...encode(Uint8Array.from([0x11, 0, 0, 0]))]).toEqual([2, 0x11, 1, 1, 1, 0]);
  });

  it('never emits a zero inside a frame and stays within cobsMaxEncodedLength', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (data) => {
        const enc = encode(data);
        expect(enc.indexOf(0)).toBe(enc.length - 1);
        expect(enc.length - 1).toBeLessThanOrEqual(cobsMaxEncodedLength(data.length));
      }),
    );
  });
});

describe('CobsDecoder', () => {
  it('round-trips any sequence of non-empty frames, byte by byte or in chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 700 }), { maxLength: 8 }),
        fc.nat(50),
        (frames, chunk) => {
          const wire = Uint8Array.from(frames.flatMap((f) => [...encode(f)]));
          const got: number[][] = [];
          const dec = new CobsDecoder(700);
          const step = chunk + 1;
          for (let i = 0; i < wire.length; i += step) {
            dec.push(wire, i, Math.min(wire.length, i + step), {
              onFrame: (f, n) => got.push([...f.subarray(0, n)]),
              onDrop: () => expect.unreachable(),
            });
          }
          expect(got).toEqual(frames.map((f) => [...f]));
        },
      ),
    );
  });

  it('drops an over-long frame and resynchronises at the next delimiter', () => {
    const long = encode(new Uint8Array(100).fill(5));
    const ok = encode(Uint8Array.from([1, 2, 3]));
    const { frames, drops } = decodeAll(Uint8Array.from([...long, ...ok]), 50);
    expect(drops).toEqual(['too-long']);
    expect(frames).toEqual([[1, 2, 3]]);
  });

  it('reports a block cut short by the delimiter as a COBS error', () => {
    const { frames, drops } = decodeAll(Uint8Array.from([5, 1, 2, 0, 2, 9, 0]));
    expect(drops).toEqual(['cobs']);
    expect(frames).toEqual([[9]]);
  });
});
