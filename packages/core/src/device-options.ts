import { checkBoolean, checkFunction, checkInteger, checkOptions, InvalidArgValueError } from '@rpmsg/virtio';
import type { Channel } from './channel.js';
import type { Clock } from './clock.js';
import { RPMSG_ADDR_ANY } from './constants.js';
import { checkAddress, type EndpointInit, type EndpointOptions } from './endpoint.js';
import { encodeNsName } from './ns-message.js';
import type { WaitOptions } from './wait-until.js';

/** Options of `new RpmsgDevice(transport, options)`. */
export interface RpmsgDeviceOptions {
  /** Default time (ms) a send waits for a TX buffer; default 15 000 as Linux `rpmsg_send`. */
  sendTimeout?: number;
  /** Where timeouts get their time; default Node's timers (tests pass a `FakeClock`). */
  clock?: Clock;
  /** Use the name service when the transport negotiated it (default true). */
  nameService?: boolean;
  /**
   * Most sends that may wait for a TX buffer at once, over all endpoints (`send`, `sendTo`,
   * `getTxBuffer`); one more rejects at once with `ERR_RPMSG_QUEUE_FULL`. Default `Infinity` (no
   * bound). Each waiting send holds its payload and ~0.4 kB of bookkeeping (see the README).
   */
  maxQueuedSends?: number;
}

/** Largest `maxQueuedSends` short of `Infinity`. */
const MAX_QUEUED = Number.MAX_SAFE_INTEGER;

/** Options of `device.openChannel()`. */
export type OpenChannelOptions = Omit<EndpointOptions, 'dst' | 'announce' | 'name'> & WaitOptions;

/** A Channel of this package or of another copy of it (tests load both sources and dist). */
export function isChannel(value: unknown): value is Channel {
  const c = value as Partial<Channel> | null;
  return (
    c !== null && typeof c === 'object' && typeof c.name === 'string' && typeof c.remoteAddr === 'number'
  );
}

/**
 * Checks a `maxQueuedSends` option: an integer ≥ 0 or `Infinity` (the default, no bound).
 *
 * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE` when not a number
 * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` otherwise
 */
export function checkMaxQueued(argument: string, value: unknown): number {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  return checkInteger(argument, value, 0, MAX_QUEUED);
}

/**
 * Checks `createEndpoint`'s options and returns what the new endpoint starts from; `requested` is
 * the `addr` option (`RPMSG_ADDR_ANY` for a dynamic one). Whether the address is free is the
 * device's to check.
 *
 * @throws {InvalidArgTypeError|InvalidArgValueError|OutOfRangeError} naming the option
 */
export function checkEndpointOptions(options: EndpointOptions): { requested: number; init: EndpointInit } {
  checkOptions('options', options);
  const { name, onMessage } = options;
  const requested = options.addr === undefined ? RPMSG_ADDR_ANY : checkAddress('options.addr', options.addr);
  const dst = options.dst === undefined ? RPMSG_ADDR_ANY : checkAddress('options.dst', options.dst);
  if (onMessage !== undefined) checkFunction('options.onMessage', onMessage);
  const hello = options.hello === undefined ? false : checkBoolean('options.hello', options.hello);
  const maxQueued = checkMaxQueued('options.maxQueuedSends', options.maxQueuedSends);
  const nameBytes = name === undefined ? null : encodeNsName(name, 'options.name');
  const announce =
    options.announce === undefined ? name !== undefined : checkBoolean('options.announce', options.announce);
  if (announce && nameBytes === null) {
    throw new InvalidArgValueError('options.announce', 'needs options.name', announce);
  }
  return { requested, init: { dst, nameBytes, announce, hello, onMessage, maxQueued } };
}
