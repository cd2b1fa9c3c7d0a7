import { InvalidArgTypeError, vringLayout } from '@rpmsg/virtio';
import { RPMSG_HEADER_SIZE, RPMSG_NS_ADDR, RPMSG_NS_MSG_SIZE } from '../constants.js';
import { RpmsgError } from '../errors.js';
import { parseLayoutJson } from '../layout/layout-json.js';
import type { RpmsgLayout, VringInfo } from '../layout/types.js';
import { decodeNsMessage } from '../ns-message.js';
import type { InspectMessage, InspectProblem, InspectResult } from './types.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** What {@link inspectImage} takes as an image: bytes in any of the shapes Node's `fs` returns or takes. */
export type InspectImageInput = ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

const IMAGE_TYPES = 'an instance of ArrayBuffer, SharedArrayBuffer, Buffer, TypedArray, or DataView';

/**
 * Lower-case hex of `bytes`.
 *
 * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE` when `bytes` is not a Uint8Array
 */
export function toHex(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array))
    throw new InvalidArgTypeError('bytes', 'an instance of Uint8Array', bytes);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

/**
 * Decodes a shared-memory image with `layout` into the report `rpmsg inspect --json` prints (the
 * output contract in the @rpmsg/cli README): each vring's indices and flags, and per vring the last
 * min(num, idx) buffers its producer published — vq0's used ring (the remote sends there), vq1's
 * avail ring (the master sends there) — oldest first, name-service messages also decoded. The
 * image is untrusted: every index, descriptor and length is checked before it is followed, and
 * whatever does not check out becomes a `problem`. It never throws for a bad image and never reads
 * outside it.
 *
 * `image` may be a Buffer, any typed array or DataView (its bytes, not its whole buffer), an
 * ArrayBuffer or a SharedArrayBuffer; it is read in place, not copied. `layout` is checked as
 * {@link parseLayoutJson} checks a layout JSON — a layout from `createLayout` or `parseLayoutJson`
 * passes unchanged, and a hand-made object gets the same named errors a file would.
 *
 * ```ts
 * const result = inspectImage(readFileSync('02-hello-pattern.bin'), parseLayoutJson(layoutJson));
 * result.messages[1].payload; // '68656c6c6f' ("hello")
 * ```
 *
 * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE` when `image` is not bytes or `layout` is not
 *   an object
 * @throws {RpmsgError} `ERR_RPMSG_LAYOUT` with `field` naming the key when `layout` is not a valid
 *   layout (docs/layouts.md, "The layout JSON")
 */
export function inspectImage(image: InspectImageInput, layout: RpmsgLayout): InspectResult {
  const bytes = imageBytes(image);
  if (layout === null || typeof layout !== 'object' || Array.isArray(layout)) {
    throw new InvalidArgTypeError('layout', 'of type object', layout);
  }
  // The one validating parser, run on objects too: a layout mutated or built by hand is as
  // untrusted as a file ("layout.vrings is not iterable" was what a wrong field gave before).
  const checked = parseLayoutJson(layout);
  const result: InspectResult = { vrings: [], messages: [], problems: [] };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < checked.size) {
    problem(
      result,
      'ERR_RPMSG_LAYOUT',
      `image is ${bytes.byteLength} bytes, the layout's region is ${checked.size}`,
    );
  }
  for (const vring of checked.vrings) inspectVring(result, view, checked, vring);
  return result;
}

/** The bytes of an image argument, as a view on the caller's memory. */
function imageBytes(image: unknown): Uint8Array {
  if (image instanceof Uint8Array) return image;
  if (ArrayBuffer.isView(image)) return new Uint8Array(image.buffer, image.byteOffset, image.byteLength);
  // By tag rather than instanceof, so a buffer from another realm (vm context) counts too.
  const tag = Object.prototype.toString.call(image);
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') {
    return new Uint8Array(image as ArrayBufferLike);
  }
  throw new InvalidArgTypeError('image', IMAGE_TYPES, image);
}

function problem(result: InspectResult, code: string, message: string): void {
  result.problems.push({ code, message } satisfies InspectProblem);
}

/** Image offset of `length` bytes at device address `addr` (u64 as lo/hi), or -1 when outside. */
function offsetIn(view: DataView, layout: RpmsgLayout, lo: number, hi: number, length: number): number {
  if (hi !== 0 || lo < layout.base) return -1;
  const off = lo - layout.base;
  return off + length <= view.byteLength ? off : -1;
}

function inspectVring(result: InspectResult, view: DataView, layout: RpmsgLayout, vring: VringInfo): void {
  let ring: ReturnType<typeof vringLayout>;
  try {
    ring = vringLayout(vring.num, vring.align);
  } catch {
    problem(
      result,
      'ERR_VIRTQ_LAYOUT',
      `${vring.name}: num ${vring.num} / align ${vring.align} is not a vring`,
    );
    return;
  }
  const at = offsetIn(view, layout, vring.da, 0, ring.size);
  if (at < 0) {
    problem(
      result,
      'ERR_VIRTQ_ADDR',
      `${vring.name}: ring at 0x${vring.da.toString(16)} (${ring.size} bytes) lies outside the image`,
    );
    return;
  }
  const availIdx = view.getUint16(at + ring.avail + 2, true);
  const usedIdx = view.getUint16(at + ring.used + 2, true);
  result.vrings.push({
    name: vring.name,
    num: vring.num,
    avail: { idx: availIdx, flags: view.getUint16(at + ring.avail, true) },
    used: { idx: usedIdx, flags: view.getUint16(at + ring.used, true) },
  });
  // vq0: the remote (device) publishes filled buffers on the used ring; vq1: the master (driver) on avail.
  const fromUsed = vring.name === 'vq0';
  const idx = fromUsed ? usedIdx : availIdx;
  const count = Math.min(vring.num, idx);
  for (let j = 0; j < count; j++) {
    const slot = (idx - count + j) & (vring.num - 1);
    let head: number;
    let limit: number; // what the producer said it wrote (used.len) or lent (desc.len)
    if (fromUsed) {
      const e = at + ring.usedRing + 8 * slot;
      head = view.getUint32(e, true);
      limit = view.getUint32(e + 4, true);
    } else {
      head = view.getUint16(at + ring.availRing + 2 * slot, true);
      limit = -1;
    }
    const where = `${vring.name} ${fromUsed ? 'used' : 'avail'}.ring[${slot}]`;
    if (head >= vring.num) {
      problem(
        result,
        fromUsed ? 'ERR_VIRTQ_USED_ID' : 'ERR_VIRTQ_DESC_INDEX',
        `${where}: descriptor ${head} ≥ num ${vring.num}`,
      );
      continue;
    }
    const d = at + 16 * head;
    const lo = view.getUint32(d, true);
    const hi = view.getUint32(d + 4, true);
    const descLen = view.getUint32(d + 8, true);
    // used ring: the remote's used.len bounds the message; avail ring: the master's desc.len does.
    if (limit < 0) limit = descLen;
    const message = readMessage(result, view, layout, vring.name, head, lo, hi, limit, where);
    if (message) result.messages.push(message);
  }
}

function readMessage(
  result: InspectResult,
  view: DataView,
  layout: RpmsgLayout,
  vringName: string,
  head: number,
  lo: number,
  hi: number,
  length: number,
  where: string,
): InspectMessage | undefined {
  // docs/interop.md, "Receiving": used.len above the buffer size is refused; the payload length
  // comes from the header.
  if (length > layout.bufferSize || length < RPMSG_HEADER_SIZE) {
    problem(
      result,
      'ERR_RPMSG_BAD_HEADER',
      `${where}: length ${length} outside [${RPMSG_HEADER_SIZE}, ${layout.bufferSize}]`,
    );
    return undefined;
  }
  const off = offsetIn(view, layout, lo, hi, RPMSG_HEADER_SIZE);
  if (off < 0) {
    problem(
      result,
      'ERR_VIRTQ_ADDR',
      `${where}: desc ${head} buffer at 0x${hi ? `${hi.toString(16)}_` : ''}${lo.toString(16)} lies outside the image`,
    );
    return undefined;
  }
  const len = view.getUint16(off + 12, true);
  if (len > length - RPMSG_HEADER_SIZE) {
    problem(
      result,
      'ERR_RPMSG_BAD_HEADER',
      `${where}: header len ${len} > ${length - RPMSG_HEADER_SIZE} bytes available`,
    );
    return undefined;
  }
  if (offsetIn(view, layout, lo, hi, RPMSG_HEADER_SIZE + len) < 0) {
    problem(result, 'ERR_VIRTQ_ADDR', `${where}: desc ${head} payload runs outside the image`);
    return undefined;
  }
  const payload = new Uint8Array(view.buffer, view.byteOffset + off + RPMSG_HEADER_SIZE, len);
  const message: InspectMessage = {
    vring: vringName,
    desc: head,
    src: view.getUint32(off, true),
    dst: view.getUint32(off + 4, true),
    len,
    flags: view.getUint16(off + 14, true),
    payload: toHex(payload),
  };
  if (message.dst === RPMSG_NS_ADDR) {
    if (len !== RPMSG_NS_MSG_SIZE) {
      problem(
        result,
        'ERR_RPMSG_NS_MALFORMED',
        `${where}: name-service message of ${len} bytes (expected ${RPMSG_NS_MSG_SIZE})`,
      );
    } else {
      try {
        const ns = decodeNsMessage(payload);
        message.ns = { name: ns.name, addr: ns.addr, flags: ns.flags };
      } catch (error) {
        if (!(error instanceof RpmsgError)) throw error;
        problem(result, error.code, `${where}: ${error.message}`);
      }
    }
  }
  return message;
}
