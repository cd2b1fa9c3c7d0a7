import type { Channel } from './channel.js';
import type { Endpoint } from './endpoint.js';
import type { RpmsgError } from './errors.js';

/**
 * The events of an `RpmsgDevice`: event name → listener arguments. `on`, `once` and `off` take
 * only these names, and listeners of these argument types.
 */
export interface RpmsgDeviceEvents {
  /** The link came up (again). */
  up: [];
  /**
   * The link went down; `reason.code` is `ERR_RPMSG_PEER_GONE` (crash, reset, restart, timeout),
   * `ERR_RPMSG_CLOSED` (closed here) or another code of the transport (`ERR_RPMSG_RING`,
   * `ERR_RPMSG_LINK_DOWN`…).
   */
  down: [reason: RpmsgError];
  /** The peer announced a channel. */
  channel: [channel: Channel];
  /** A channel went away: NS DESTROY, or the link went down. */
  'channel-removed': [channel: Channel];
  /** A local endpoint was created. */
  endpoint: [endpoint: Endpoint];
  /**
   * The peer sent something this side refused (counted in `stats` and dropped): an `RpmsgError`, or
   * the transport's own typed error (e.g. a `SerialError` for a bad frame); always with a `code`.
   */
  'protocol-error': [error: Error & { readonly code: string }];
}
