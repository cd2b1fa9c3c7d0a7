/**
 * Stable error codes of `@rpmsg/core`. Callers branch on `err.code`, never on message text; a code is
 * never renamed once released (the package README lists them with their meaning).
 */
export type RpmsgErrorCode =
  // Sending
  | 'ERR_RPMSG_NO_BUFFER' // trySend: no free TX buffer right now
  | 'ERR_RPMSG_TIMEOUT' // send: no TX buffer within the timeout (default 15 s, as Linux)
  | 'ERR_RPMSG_MSG_TOO_BIG' // payload longer than the MTU (buffer size − 16)
  | 'ERR_RPMSG_NO_DST' // send on an endpoint with no destination yet (not bound)
  | 'ERR_RPMSG_BUFFER_STATE' // a zero-copy buffer used after send/release, or released twice
  | 'ERR_RPMSG_QUEUE_FULL' // send: more sends already waiting for TX buffers than `maxQueuedSends` allows
  // Endpoints, channels, name service
  | 'ERR_RPMSG_ADDR_IN_USE' // createEndpoint at an address already taken
  | 'ERR_RPMSG_ADDR_RESERVED' // a fixed address below 1024 that is not free for users
  | 'ERR_RPMSG_NO_ADDR' // no free dynamic address left
  | 'ERR_RPMSG_ENDPOINT_DESTROYED' // operation on a destroyed endpoint
  | 'ERR_RPMSG_CHANNEL_EXISTS' // duplicate channel announce (name + addr already known)
  | 'ERR_RPMSG_CHANNEL_GONE' // the peer destroyed the channel (NS DESTROY) an endpoint was bound to
  | 'ERR_RPMSG_NS_MALFORMED' // name-service message of the wrong length or shape
  // Receiving (peer-written data)
  | 'ERR_RPMSG_BAD_HEADER' // hdr.len > used.len − 16, or used.len > buffer size
  | 'ERR_RPMSG_UNKNOWN_DST' // message for an address with no endpoint (counted and dropped)
  // Link and lifecycle
  | 'ERR_RPMSG_LINK_DOWN' // the transport is not up
  | 'ERR_RPMSG_CLOSED' // the device or transport was closed locally
  | 'ERR_RPMSG_PEER_GONE' // the peer crashed, reset or disappeared
  | 'ERR_RPMSG_LOAD' // a core's program could not be loaded (missing file, syntax error, bad module): not a crash
  | 'ERR_RPMSG_TRACE' // the trace file could not be opened or written (the fs error is the `cause`)
  | 'ERR_RPMSG_BUILD' // a C firmware did not compile or link (clang's diagnostics in `diagnostics`)
  // Layouts, resource tables, images
  | 'ERR_RPMSG_LAYOUT' // a layout (JSON or built) that is missing a key or contradicts itself
  | 'ERR_RPMSG_RSC_TABLE' // a remoteproc resource table that fails validation
  | 'ERR_RPMSG_RING' // the peer corrupted a vring (wraps a VirtioError as `cause`)
  | 'ERR_RPMSG_HANDSHAKE'; // the virtio status handshake failed (FAILED, NEEDS_RESET, bad features)

/** Extra numbers an error can carry so callers and logs need not parse the message. */
export interface RpmsgErrorDetails {
  /** The local or remote address involved. */
  readonly addr?: number;
  /** A length or count that broke a limit. */
  readonly length?: number;
  /** The limit that was broken. */
  readonly limit?: number;
  /** A field name (layout key, resource-table field). */
  readonly field?: string;
  /** The underlying error (a VirtioError for ERR_RPMSG_RING). */
  readonly cause?: unknown;
}

/**
 * The one error class of `@rpmsg/core`: a stable `code` plus structured details.
 * Thrown or rejected by every API of this package; see the package README for which API raises
 * which code.
 */
export class RpmsgError extends Error {
  override readonly name = 'RpmsgError';
  readonly code: RpmsgErrorCode;
  readonly addr: number | undefined;
  readonly length: number | undefined;
  readonly limit: number | undefined;
  readonly field: string | undefined;

  constructor(code: RpmsgErrorCode, message: string, details: RpmsgErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.addr = details.addr;
    this.length = details.length;
    this.limit = details.limit;
    this.field = details.field;
  }
}

/** The error an aborted operation rejects with, shaped as Node's own (`name` and `code` 'ABORT_ERR'). */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * True for an `RpmsgError` — also one made by another copy of this package (two versions in one
 * app, or a worker's bundled copy), which `instanceof` would miss: it checks `name` and `code`.
 * The counterpart of `@rpmsg/virtio`'s `isVirtioError`.
 */
export function isRpmsgError(e: unknown): e is RpmsgError {
  if (e instanceof RpmsgError) return true;
  if (!(e instanceof Error) || e.name !== 'RpmsgError') return false;
  const code: unknown = (e as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_RPMSG_');
}
