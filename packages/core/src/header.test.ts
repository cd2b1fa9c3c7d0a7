import { describe, expect, it } from 'vitest';
import { RPMSG_HEADER_SIZE } from './constants.js';
import { RpmsgError } from './errors.js';
import { checkRxHeader, readHeader, writeHeader, writeHeaderFields } from './header.js';

function viewOf(size: number): DataView {
  return new DataView(new ArrayBuffer(size));
}

describe('header', () => {
  describe('writeHeader / readHeader', () => {
    it('round-trips every field little-endian and writes reserved as 0', () => {
      const view = viewOf(32);
      view.setUint32(8, 0xdeadbeef, true); // stale reserved word
      writeHeader(view, 0, { src: 1024, dst: 0xfffffffe, len: 496, flags: 0xabcd });
      expect([...new Uint8Array(view.buffer, 0, 16)]).toEqual([
        0x00, 0x04, 0x00, 0x00, 0xfe, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xf0, 0x01, 0xcd, 0xab,
      ]);
      expect(readHeader(view)).toEqual({ src: 1024, dst: 0xfffffffe, reserved: 0, len: 496, flags: 0xabcd });
    });

    it('writes at an offset and reuses the caller-supplied output object', () => {
      const view = viewOf(48);
      writeHeader(view, 16, { src: 53, dst: 53, len: 40 });
      const out = { src: 0, dst: 0, reserved: 0, len: 0, flags: 0 };
      expect(readHeader(view, 16, out)).toBe(out);
      expect(out).toEqual({ src: 53, dst: 53, reserved: 0, len: 40, flags: 0 });
      expect(new Uint8Array(view.buffer, 0, 16).every((b) => b === 0)).toBe(true);
    });

    it('reads the reserved word peers write (RPMsg-Lite keeps a descriptor index there)', () => {
      const view = viewOf(16);
      writeHeaderFields(view, 1, 2, 3);
      view.setUint32(8, 7, true);
      expect(readHeader(view).reserved).toBe(7);
    });

    it('refuses values outside the wire types, naming the field', () => {
      const view = viewOf(16);
      expect(() => writeHeader(view, 0, { src: -1, dst: 0, len: 0 })).toThrow(/src/);
      expect(() => writeHeader(view, 0, { src: 0, dst: 2 ** 32, len: 0 })).toThrow(/dst/);
      expect(() => writeHeader(view, 0, { src: 0, dst: 0, len: 0x10000 })).toThrow(/len/);
      expect(() => writeHeader(view, 0, { src: 0, dst: 0, len: 0, flags: 1.5 })).toThrow(/flags/);
      expect(() => writeHeader(view, 1, { src: 0, dst: 0, len: 0 })).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', argument: 'offset' }),
      );
      expect(() => writeHeader(view, 0, { src: '1' as never, dst: 0, len: 0 })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', argument: 'header.src' }),
      );
      expect(() => writeHeader(view, 0, { src: 0, dst: 0, len: 0, flags: 1.5 })).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', argument: 'header.flags' }),
      );
    });
  });

  describe('checkRxHeader', () => {
    function received(len: number): DataView {
      const view = viewOf(512);
      writeHeaderFields(view, 1024, 1025, len);
      return view;
    }

    it('returns the payload length from the header, not from the received length', () => {
      expect(checkRxHeader(received(5), 512, 512)).toBe(5);
      expect(checkRxHeader(received(0), RPMSG_HEADER_SIZE, 512)).toBe(0);
      expect(checkRxHeader(received(496), 512, 512)).toBe(496);
    });

    it('refuses a header len larger than the bytes received (oversized hdr.len)', () => {
      const error = (() => {
        try {
          checkRxHeader(received(100), 16 + 99, 512);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(RpmsgError);
      expect(error).toMatchObject({ code: 'ERR_RPMSG_BAD_HEADER', length: 100, limit: 99, addr: 1025 });
      expect(() => checkRxHeader(received(0xffff), 512, 512)).toThrow(
        expect.objectContaining({ code: 'ERR_RPMSG_BAD_HEADER' }),
      );
    });

    it('refuses a received length above the buffer size or below the header size', () => {
      for (const length of [513, 15, 0, -1, 20.5, Number.NaN]) {
        expect(() => checkRxHeader(received(0), length, 512)).toThrow(
          expect.objectContaining({ code: 'ERR_RPMSG_BAD_HEADER' }),
        );
      }
    });
  });
});
