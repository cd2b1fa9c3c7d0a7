import {
  checkInteger,
  checkOptions,
  InvalidArgTypeError,
  InvalidArgValueError,
  OutOfRangeError,
} from '@rpmsg/virtio';
import { RPMSG_ADDR_ANY, RPMSG_NAME_SIZE, RPMSG_NS_DESTROY, RPMSG_NS_MSG_SIZE } from './constants.js';
import { RpmsgError } from './errors.js';

/** A decoded name-service message (docs/wire-format.md#name-service: `name[32] | addr u32 | flags u32`). */
export interface NsMessage {
  /** Channel name: the bytes before the first NUL, the 32nd byte always treated as NUL. */
  readonly name: string;
  /** The announcing side's endpoint address. */
  readonly addr: number;
  /** Raw flags word: CREATE = 0, DESTROY bit = 1; other bits are kept but ignored. */
  readonly flags: number;
  /** `flags & RPMSG_NS_DESTROY`, as Linux tests it. */
  readonly isDestroy: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/**
 * Encodes and checks a channel name once (at endpoint creation), so announcing never re-encodes.
 * A name must be 1–31 UTF-8 bytes (the 32nd byte is the terminating NUL) without NUL characters:
 * the same check guards `createEndpoint`, `openChannel` and `waitForChannel`, so a name no channel
 * can have is refused at once rather than waited for.
 *
 * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE` naming `argument` when `name` is not a string
 * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE` naming `argument` when `name` is empty,
 *   longer than 31 bytes or contains NUL
 */
export function encodeNsName(name: string, argument = 'name'): Uint8Array {
  if (typeof name !== 'string') throw new InvalidArgTypeError(argument, 'of type string', name);
  if (name.includes('\0')) throw new InvalidArgValueError(argument, 'must not contain NUL characters', name);
  const bytes = encoder.encode(name);
  if (bytes.length === 0 || bytes.length > RPMSG_NAME_SIZE - 1) {
    throw new InvalidArgValueError(
      argument,
      `must be 1-${RPMSG_NAME_SIZE - 1} UTF-8 bytes (it is ${bytes.length})`,
      name,
    );
  }
  return bytes;
}

/** What {@link encodeNsMessage} takes: a channel name, the announcing endpoint's address, CREATE or DESTROY. */
export interface NsMessageInit {
  /** Channel name, 1–31 UTF-8 bytes. */
  name: string;
  /** The announcing endpoint's address. */
  addr: number;
  /** `RPMSG_NS_CREATE` (default) or `RPMSG_NS_DESTROY`. */
  flags?: number;
}

/**
 * Writes a 40-byte name-service message into `target` (at least 40 bytes): the name NUL-padded to 32
 * bytes, then `addr` and `flags` little-endian. `nameBytes` comes from {@link encodeNsName}; this is
 * the allocation-free form the device uses. Returns the number of bytes written (always 40).
 *
 * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE`: `target` shorter than 40 bytes or `nameBytes` longer
 *   than 31
 */
export function writeNsMessage(
  target: Uint8Array,
  nameBytes: Uint8Array,
  addr: number,
  flags: number,
): number {
  if (target.length < RPMSG_NS_MSG_SIZE) {
    throw new OutOfRangeError('target.length', `>= ${RPMSG_NS_MSG_SIZE}`, target.length);
  }
  if (nameBytes.length > RPMSG_NAME_SIZE - 1) {
    throw new OutOfRangeError('nameBytes.length', `<= ${RPMSG_NAME_SIZE - 1}`, nameBytes.length);
  }
  target.fill(0, 0, RPMSG_NAME_SIZE);
  target.set(nameBytes, 0);
  const view = new DataView(target.buffer, target.byteOffset, RPMSG_NS_MSG_SIZE);
  view.setUint32(RPMSG_NAME_SIZE, addr >>> 0, true);
  view.setUint32(RPMSG_NAME_SIZE + 4, flags >>> 0, true);
  return RPMSG_NS_MSG_SIZE;
}

/**
 * Encodes a name-service message as the 40 bytes that go after the RPMsg header.
 *
 * @example encodeNsMessage({ name: 'rpmsg-tty', addr: 1024 }) // Uint8Array(40)
 * @throws {InvalidArgTypeError|InvalidArgValueError} a bad name (see {@link encodeNsName}) or a
 *   message that is not an object
 * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE`: `addr` / `flags` not a u32
 */
export function encodeNsMessage(message: NsMessageInit): Uint8Array;
/** Older form, kept for callers of the first draft: same as {@link writeNsMessage}. */
export function encodeNsMessage(
  target: Uint8Array,
  nameBytes: Uint8Array,
  addr: number,
  flags: number,
): number;
export function encodeNsMessage(
  messageOrTarget: NsMessageInit | Uint8Array,
  nameBytes?: Uint8Array,
  addr?: number,
  flags?: number,
): Uint8Array | number {
  if (messageOrTarget instanceof Uint8Array) {
    return writeNsMessage(messageOrTarget, nameBytes ?? new Uint8Array(0), addr ?? 0, flags ?? 0);
  }
  checkOptions('message', messageOrTarget);
  const { name, addr: address, flags: f = 0 } = messageOrTarget;
  checkInteger('message.addr', address, 0, 0xffffffff);
  checkInteger('message.flags', f, 0, 0xffffffff);
  const out = new Uint8Array(RPMSG_NS_MSG_SIZE);
  writeNsMessage(out, encodeNsName(name, 'message.name'), address, f);
  return out;
}

/**
 * Decodes a name-service payload the peer sent. Untrusted input: the payload must be exactly 40
 * bytes; the name ends at the first NUL, and the 32nd byte counts as NUL whatever it holds (Linux
 * `rpmsg_ns_cb` forces it), so an unterminated name is cut to 31 bytes rather than over-read.
 * An empty name or an address of RPMSG_ADDR_ANY cannot name a channel and is refused.
 *
 * @throws {RpmsgError} `ERR_RPMSG_NS_MALFORMED`
 */
export function decodeNsMessage(payload: Uint8Array): NsMessage {
  if (payload.length !== RPMSG_NS_MSG_SIZE) {
    throw new RpmsgError(
      'ERR_RPMSG_NS_MALFORMED',
      `name-service message is ${payload.length} bytes, expected ${RPMSG_NS_MSG_SIZE}`,
      { length: payload.length, limit: RPMSG_NS_MSG_SIZE },
    );
  }
  let end = payload.indexOf(0);
  if (end < 0 || end > RPMSG_NAME_SIZE - 1) end = RPMSG_NAME_SIZE - 1;
  const view = new DataView(payload.buffer, payload.byteOffset, RPMSG_NS_MSG_SIZE);
  const addr = view.getUint32(RPMSG_NAME_SIZE, true);
  const flags = view.getUint32(RPMSG_NAME_SIZE + 4, true);
  if (end === 0) {
    throw new RpmsgError('ERR_RPMSG_NS_MALFORMED', 'name-service message with an empty name', { addr });
  }
  if (addr === RPMSG_ADDR_ANY) {
    throw new RpmsgError('ERR_RPMSG_NS_MALFORMED', 'name-service message announces RPMSG_ADDR_ANY', { addr });
  }
  // Copy the name out (slice): it outlives the buffer, which goes back to the peer, and TextDecoder
  // refuses views of a SharedArrayBuffer.
  const name = decoder.decode(payload.slice(0, end));
  return { name, addr, flags, isDestroy: (flags & RPMSG_NS_DESTROY) !== 0 };
}
