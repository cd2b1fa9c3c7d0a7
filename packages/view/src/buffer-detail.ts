import { RPMSG_HEADER_SIZE, type RpmsgLayout } from '@rpmsg/core';
import type { DescWords } from './vring-image.js';

/** Payload bytes a frame carries per buffer: enough to recognise a message, bounded per frame. */
export const PAYLOAD_PREFIX = 16;

/** What clicking a descriptor shows: where its buffer is and what the buffer's RPMsg header says. */
export interface BufferDetail {
  /** Buffer device address as hex (`0x10010000`); a 64-bit address keeps its high word. */
  addr: string;
  /** Descriptor `len`. */
  len: number;
  /** Descriptor `flags` (RPMsg buffers carry only WRITE, or nothing). */
  flags: number;
  /** The header at the start of the buffer, when the buffer lies in the image. */
  header?: { src: number; dst: number; len: number; flags: number };
  /** The first payload bytes as hex: at most {@link PAYLOAD_PREFIX}, never past header `len` or the buffer. */
  payload: string;
}

const hex = (n: number) => n.toString(16);

/**
 * Decodes the buffer a descriptor points at. The descriptor and the buffer are peer-written: the
 * address must lie in the image with a whole header behind it, and the payload prefix is clipped to
 * the header's `len`, the descriptor's `len`, the layout's buffer size and the image, whichever ends first.
 */
export function bufferDetail(view: DataView, layout: RpmsgLayout, d: DescWords): BufferDetail {
  const detail: BufferDetail = {
    addr: d.addrHi === 0 ? `0x${hex(d.addrLo)}` : `0x${hex(d.addrHi)}_${hex(d.addrLo).padStart(8, '0')}`,
    len: d.len,
    flags: d.flags,
    payload: '',
  };
  const off = d.addrLo - layout.base;
  if (d.addrHi !== 0 || off < 0 || off + RPMSG_HEADER_SIZE > view.byteLength) return detail;
  const header = {
    src: view.getUint32(off, true),
    dst: view.getUint32(off + 4, true),
    len: view.getUint16(off + 12, true),
    flags: view.getUint16(off + 14, true),
  };
  detail.header = header;
  const room = Math.min(d.len, layout.bufferSize, view.byteLength - off) - RPMSG_HEADER_SIZE;
  const n = Math.max(0, Math.min(PAYLOAD_PREFIX, header.len, room));
  let payload = '';
  for (let i = 0; i < n; i++)
    payload += view
      .getUint8(off + RPMSG_HEADER_SIZE + i)
      .toString(16)
      .padStart(2, '0');
  detail.payload = payload;
  return detail;
}
