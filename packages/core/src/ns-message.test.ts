import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RPMSG_NS_DESTROY, RPMSG_NS_MSG_SIZE } from './constants.js';
import { decodeNsMessage, encodeNsMessage, encodeNsName, writeNsMessage } from './ns-message.js';

function nsBytes(nameBytes: number[], addr: number, flags: number): Uint8Array {
  const out = new Uint8Array(40);
  out.set(nameBytes);
  const view = new DataView(out.buffer);
  view.setUint32(32, addr, true);
  view.setUint32(36, flags, true);
  return out;
}

describe('ns-message', () => {
  describe('encodeNsMessage', () => {
    it('lays out name[32] NUL-padded, addr, flags little-endian (Linux struct rpmsg_ns_msg)', () => {
      const bytes = encodeNsMessage({ name: 'rpmsg-tty', addr: 0x400, flags: RPMSG_NS_DESTROY });
      expect(bytes.length).toBe(RPMSG_NS_MSG_SIZE);
      expect(new TextDecoder().decode(bytes.subarray(0, 9))).toBe('rpmsg-tty');
      expect(bytes.subarray(9, 32).every((b) => b === 0)).toBe(true);
      expect([...bytes.subarray(32)]).toEqual([0x00, 0x04, 0, 0, 1, 0, 0, 0]);
    });

    it('overwrites a dirty target in the allocation-free form', () => {
      const target = new Uint8Array(48).fill(0xff);
      expect(writeNsMessage(target, encodeNsName('a'), 5, 0)).toBe(40);
      expect(decodeNsMessage(target.subarray(0, 40))).toEqual({
        name: 'a',
        addr: 5,
        flags: 0,
        isDestroy: false,
      });
      expect(target[40]).toBe(0xff);
    });

    it('refuses names that do not fit or contain NUL, and non-u32 addresses, with argument codes', () => {
      const value = { code: 'ERR_INVALID_ARG_VALUE', argument: 'name' };
      expect(() => encodeNsName('x'.repeat(32))).toThrow(expect.objectContaining(value));
      expect(() => encodeNsName('é'.repeat(16))).toThrow(expect.objectContaining(value)); // 32 UTF-8 bytes
      expect(() => encodeNsName('')).toThrow(expect.objectContaining(value));
      expect(() => encodeNsName('a\0b')).toThrow(expect.objectContaining(value));
      expect(() => encodeNsName(null as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', argument: 'name' }),
      );
      expect(() => encodeNsMessage({ name: 'ok', addr: -1 })).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', argument: 'message.addr' }),
      );
      expect(() => encodeNsMessage(null as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', argument: 'message' }),
      );
      expect(encodeNsName('x'.repeat(31)).length).toBe(31);
    });

    it('round-trips any valid name, address and flags', () => {
      fc.assert(
        fc.property(
          fc.string({ minLength: 1, maxLength: 31, unit: 'grapheme-ascii' }).filter((s) => !s.includes('\0')),
          fc.integer({ min: 0, max: 0xfffffffe }),
          fc.integer({ min: 0, max: 0xffffffff }),
          (name, addr, flags) => {
            const decoded = decodeNsMessage(encodeNsMessage({ name, addr, flags }));
            expect(decoded).toEqual({ name, addr, flags, isDestroy: (flags & 1) === 1 });
          },
        ),
      );
    });
  });

  describe('decodeNsMessage', () => {
    it('refuses any length but 40 bytes', () => {
      for (const length of [0, 39, 41, 496]) {
        expect(() => decodeNsMessage(new Uint8Array(length).fill(0x41))).toThrow(
          expect.objectContaining({ code: 'ERR_RPMSG_NS_MALFORMED', length, limit: 40 }),
        );
      }
    });

    it('cuts an unterminated name at 31 bytes: the last byte is forced NUL', () => {
      const msg = decodeNsMessage(nsBytes(new Array(32).fill(0x61), 1024, 0));
      expect(msg.name).toBe('a'.repeat(31));
      expect(msg.addr).toBe(1024);
    });

    it('stops the name at the first NUL and ignores bytes after it', () => {
      const msg = decodeNsMessage(nsBytes([0x68, 0x69, 0, 0x78, 0x79], 30, 0));
      expect(msg.name).toBe('hi');
    });

    it('tests flags & DESTROY, keeping unknown bits', () => {
      expect(decodeNsMessage(nsBytes([0x61], 1, 0x3))).toMatchObject({ flags: 3, isDestroy: true });
      expect(decodeNsMessage(nsBytes([0x61], 1, 0x2))).toMatchObject({ flags: 2, isDestroy: false });
    });

    it('refuses an empty name and an announce of RPMSG_ADDR_ANY', () => {
      expect(() => decodeNsMessage(nsBytes([], 1, 0))).toThrow(
        expect.objectContaining({ code: 'ERR_RPMSG_NS_MALFORMED' }),
      );
      expect(() => decodeNsMessage(nsBytes([0x61], 0xffffffff, 0))).toThrow(
        expect.objectContaining({ code: 'ERR_RPMSG_NS_MALFORMED' }),
      );
    });

    it('decodes from a SharedArrayBuffer view at an offset', () => {
      const shared = new Uint8Array(new SharedArrayBuffer(64));
      shared.set(encodeNsMessage({ name: 'echo', addr: 7 }), 16);
      expect(decodeNsMessage(shared.subarray(16, 56)).name).toBe('echo');
    });
  });
});
