import { RpmsgError, type RpmsgErrorCode } from './errors.js';

/*
 * The codes an operation fails with because of the link, as the README's error table states them:
 * a local close → ERR_RPMSG_CLOSED; while the link is down, the code of why it went down —
 * ERR_RPMSG_PEER_GONE after the peer crashed, reset, restarted or timed out, ERR_RPMSG_LINK_DOWN
 * for any other failure and before the link was ever up — with the transport's error as `cause`.
 */

/** `ERR_RPMSG_CLOSED`. */
export function closedError(): RpmsgError {
  return new RpmsgError('ERR_RPMSG_CLOSED', 'the RPMsg device is closed');
}

/** The codes a link-down reason keeps; any other reason is a plain `ERR_RPMSG_LINK_DOWN`. */
const DOWN_CODES: readonly string[] = ['ERR_RPMSG_PEER_GONE', 'ERR_RPMSG_LINK_DOWN', 'ERR_RPMSG_CLOSED'];

/**
 * The error a send gets while the link is down for `reason`: the code says why it went
 * down — `ERR_RPMSG_PEER_GONE` (crash, reset, timeout), `ERR_RPMSG_CLOSED` (the transport was closed
 * here), else `ERR_RPMSG_LINK_DOWN` (a corrupt ring, a vanished port…) — and the transport's own
 * error stays reachable as `cause`.
 */
export function downError(reason: Error & { readonly code: string }): RpmsgError {
  const cause = reason instanceof RpmsgError && reason.cause !== undefined ? reason.cause : reason;
  return new RpmsgError(downCode(reason), `the link is down: ${reason.message}`, { cause });
}

/** The agreed code for a link-down `reason` (see {@link downError}). */
export function downCode(reason: { readonly code: string }): RpmsgErrorCode {
  return (DOWN_CODES.includes(reason.code) ? reason.code : 'ERR_RPMSG_LINK_DOWN') as RpmsgErrorCode;
}
