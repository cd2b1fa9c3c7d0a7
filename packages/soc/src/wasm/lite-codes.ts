import { isArgError, isRpmsgError } from '@rpmsg/core';

/** RPMsg-Lite's status codes (rpmsg_lite.h), as the "rpmsg_lite" imports return them to C. */
export const RL_SUCCESS = 0;
/** No TX buffer within the timeout (RPMsg-Lite's code for a send that timed out). */
export const RL_ERR_NO_MEM = -5001;
/** A payload larger than a buffer. */
export const RL_ERR_BUFF_SIZE = -5002;
/** A NULL, unknown or out-of-memory argument. */
export const RL_ERR_PARAM = -5003;
/** Nothing received within the timeout. */
export const RL_ERR_NO_BUFF = -5006;
/** The link is down. */
export const RL_NOT_READY = -5007;

/** An rx callback keeps its buffer (else: RL_RELEASE, 0). */
export const RL_HOLD = 1;
/** Any address; also `create_ept`'s failure value. */
export const RL_ADDR_ANY = 0xffff_ffff;
/** The timeout that never ends (RL_BLOCK on wasm32: `~0UL`, 32 bits). */
export const RL_BLOCK = 0xffff_ffff;
/** rpmsg_ns_flags: RL_NS_DESTROY (bit 0); RL_NS_CREATE is 0. */
export const RL_NS_DESTROY = 1;

/** A C timeout in ms (u32) as the JS API takes it: RL_BLOCK is for ever. */
export function msOf(timeout: number): number {
  const t = timeout >>> 0;
  return t === RL_BLOCK ? Number.POSITIVE_INFINITY : t;
}

/**
 * The RPMsg-Lite code for what the device threw: a send's runtime conditions are codes in C, never
 * exceptions. Anything else (a trap, a bug) is thrown on.
 */
export function rlCode(error: unknown): number {
  if (isArgError(error)) return RL_ERR_PARAM; // an argument the device refused (a name, an address)
  if (!isRpmsgError(error)) throw error;
  switch (error.code) {
    case 'ERR_RPMSG_TIMEOUT':
    case 'ERR_RPMSG_NO_BUFFER':
    case 'ERR_RPMSG_QUEUE_FULL':
      return RL_ERR_NO_MEM;
    case 'ERR_RPMSG_MSG_TOO_BIG':
      return RL_ERR_BUFF_SIZE;
    case 'ERR_RPMSG_LINK_DOWN':
    case 'ERR_RPMSG_PEER_GONE':
    case 'ERR_RPMSG_CLOSED':
      return RL_NOT_READY;
    default:
      return RL_ERR_PARAM;
  }
}
