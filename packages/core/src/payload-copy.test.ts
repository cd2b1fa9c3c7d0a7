import { describe, expect, it } from 'vitest';
import { RPMSG_HEADER_SIZE } from './constants.js';
import { readHeader } from './header.js';
import { checkMessageFits, SMALL_PAYLOAD, writeMessage, writePayload } from './payload-copy.js';
import type { TransportBuffer } from './transport.js';

const SIZE = 128;

function bufferOver(memory: ArrayBufferLike): TransportBuffer {
  return { index: 0, bytes: new Uint8Array(memory, 0, SIZE), view: new DataView(memory, 0, SIZE) };
}

/** `length` distinct non-zero bytes (so a byte written twice, shifted or dropped shows) at `offset` in a larger array. */
function source(length: number, offset: number): Uint8Array {
  const backing = new Uint8Array(offset + length + 3);
  for (let i = 0; i < backing.length; i++) backing[i] = 0x80 + ((i * 37) % 0x7f);
  return backing.subarray(offset, offset + length);
}

describe('writePayload', () => {
  for (const memory of ['ArrayBuffer', 'SharedArrayBuffer'] as const) {
    it(`writes exactly the payload after the header, every length and source alignment (${memory})`, () => {
      for (let length = 0; length <= SMALL_PAYLOAD + 8; length++) {
        for (let offset = 0; offset < 4; offset++) {
          const buf = bufferOver(
            memory === 'ArrayBuffer' ? new ArrayBuffer(SIZE) : new SharedArrayBuffer(SIZE),
          );
          buf.bytes.fill(0x11);
          const data = source(length, offset);
          writePayload(buf, data);
          const expected = new Uint8Array(SIZE).fill(0x11);
          expected.set(data, RPMSG_HEADER_SIZE);
          expect([...buf.bytes], `length ${length}, source offset ${offset}`).toEqual([...expected]);
        }
      }
    });
  }

  it('keeps bytes with the top bit set (the word copy goes through int32)', () => {
    const buf = bufferOver(new ArrayBuffer(SIZE));
    writePayload(buf, new Uint8Array([0xff, 0xfe, 0x80, 0x81, 0x7f]));
    expect([...buf.bytes.subarray(RPMSG_HEADER_SIZE, RPMSG_HEADER_SIZE + 6)]).toEqual([
      0xff, 0xfe, 0x80, 0x81, 0x7f, 0,
    ]);
  });
});

describe('writeMessage', () => {
  it('writes a whole header (reserved and flags cleared) and the payload after it', () => {
    const buf = bufferOver(new ArrayBuffer(SIZE));
    buf.bytes.fill(0xee); // a buffer the peer used before: every header byte must be rewritten
    writeMessage(buf, 1024, 53, Uint8Array.of(9, 8, 7));
    expect(readHeader(buf.view)).toEqual({ src: 1024, dst: 53, reserved: 0, len: 3, flags: 0 });
    expect([...buf.bytes.subarray(RPMSG_HEADER_SIZE, RPMSG_HEADER_SIZE + 4)]).toEqual([9, 8, 7, 0xee]);
  });
});

describe('checkMessageFits', () => {
  it('takes a payload that fills the buffer after the header and refuses one byte more', () => {
    expect(() => checkMessageFits(new Uint8Array(512 - RPMSG_HEADER_SIZE), 512)).not.toThrow();
    expect(() => checkMessageFits(new Uint8Array(512 - RPMSG_HEADER_SIZE + 1), 512)).toThrow(RangeError);
  });
});
