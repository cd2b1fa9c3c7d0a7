import { checkInteger, checkOptions } from '@rpmsg/virtio';
import { RPMSG_HEADER_SIZE } from './constants.js';
import { RpmsgError } from './errors.js';

/** Byte offsets of the header fields (docs/wire-format.md#rpmsg-message: `src u32 | dst u32 | reserved u32 | len u16 | flags u16`). */
export const RPMSG_HDR_SRC = 0;
/** Offset of `dst`. */
export const RPMSG_HDR_DST = 4;
/** Offset of `reserved` (peers keep bookkeeping there; receivers ignore it). */
export const RPMSG_HDR_RESERVED = 8;
/** Offset of `len`, the payload length. */
export const RPMSG_HDR_LEN = 12;
/** Offset of `flags`. */
export const RPMSG_HDR_FLAGS = 14;

/** A decoded RPMsg header. */
export interface RpmsgHeader {
  /** Source endpoint address. */
  src: number;
  /** Destination endpoint address. */
  dst: number;
  /** Reserved word: written 0 by us, ignored on receive (RPMsg-Lite keeps a descriptor index there). */
  reserved: number;
  /** Payload length in bytes. */
  len: number;
  /** Message flags (0 from every known peer). */
  flags: number;
}

/**
 * Reads the 16-byte header at `offset` of `view` into `out` (a fresh object unless one is given, so
 * hot paths can reuse theirs). Reads only: no check against a buffer length — see {@link checkRxHeader}.
 */
export function readHeader(
  view: DataView,
  offset = 0,
  out: RpmsgHeader = { src: 0, dst: 0, reserved: 0, len: 0, flags: 0 },
): RpmsgHeader {
  out.src = view.getUint32(offset + RPMSG_HDR_SRC, true);
  out.dst = view.getUint32(offset + RPMSG_HDR_DST, true);
  out.reserved = view.getUint32(offset + RPMSG_HDR_RESERVED, true);
  out.len = view.getUint16(offset + RPMSG_HDR_LEN, true);
  out.flags = view.getUint16(offset + RPMSG_HDR_FLAGS, true);
  return out;
}

/** The fields a sender chooses; `reserved` is always written 0. */
export interface RpmsgHeaderInit {
  /** Source endpoint address (u32). */
  src: number;
  /** Destination endpoint address (u32). */
  dst: number;
  /** Payload length in bytes (u16). */
  len: number;
  /** Message flags (u16), default 0. */
  flags?: number;
}

/**
 * Writes the 16-byte header at `offset` of `view`; `reserved` is written 0.
 *
 * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` naming the field when `src`/`dst` is not a u32,
 *   `len`/`flags` not a u16, or `offset` leaves no room for the header (`InvalidArgTypeError` for a
 *   field that is not a number or a `header` that is not an object)
 */
export function writeHeader(view: DataView, offset: number, header: RpmsgHeaderInit): void {
  checkOptions('header', header);
  const { src, dst, len, flags = 0 } = header;
  checkInteger('header.src', src, 0, 0xffffffff);
  checkInteger('header.dst', dst, 0, 0xffffffff);
  checkInteger('header.len', len, 0, 0xffff);
  checkInteger('header.flags', flags, 0, 0xffff);
  checkInteger('offset', offset, 0, view.byteLength - RPMSG_HEADER_SIZE);
  writeHeaderFields(view, src, dst, len, flags, offset);
}

/**
 * The allocation-free encoder the send path uses: same as {@link writeHeader} without checks (the
 * caller has validated every value already).
 */
export function writeHeaderFields(
  view: DataView,
  src: number,
  dst: number,
  len: number,
  flags = 0,
  offset = 0,
): void {
  view.setUint32(offset + RPMSG_HDR_SRC, src, true);
  view.setUint32(offset + RPMSG_HDR_DST, dst, true);
  view.setUint32(offset + RPMSG_HDR_RESERVED, 0, true);
  view.setUint16(offset + RPMSG_HDR_LEN, len, true);
  view.setUint16(offset + RPMSG_HDR_FLAGS, flags, true);
}

/**
 * Applies the receive rules of docs/interop.md#receiving to a buffer the peer filled: `length` is what the transport
 * saw written (used.len, frame length) and is untrusted, as is the header's `len`. Returns the payload
 * length, or throws `ERR_RPMSG_BAD_HEADER` when `length` is below the header size or above
 * `bufferSize`, or when `hdr.len > length − 16`. The payload length comes from the header only.
 *
 * @throws {RpmsgError} `ERR_RPMSG_BAD_HEADER`
 */
export function checkRxHeader(view: DataView, length: number, bufferSize: number): number {
  if (!(length >= RPMSG_HEADER_SIZE && length <= bufferSize) || !Number.isInteger(length)) {
    throw new RpmsgError(
      'ERR_RPMSG_BAD_HEADER',
      `received length ${length} outside [${RPMSG_HEADER_SIZE}, ${bufferSize}] (buffer size)`,
      { length, limit: bufferSize },
    );
  }
  const len = view.getUint16(RPMSG_HDR_LEN, true);
  if (len > length - RPMSG_HEADER_SIZE) {
    throw new RpmsgError(
      'ERR_RPMSG_BAD_HEADER',
      `header len ${len} exceeds the ${length - RPMSG_HEADER_SIZE} payload bytes received`,
      { length: len, limit: length - RPMSG_HEADER_SIZE, addr: view.getUint32(RPMSG_HDR_DST, true) },
    );
  }
  return len;
}
