import type { Endpoint, SendOptions, TxBuffer } from '@rpmsg/core';

/**
 * Bit 0 of the RPMsg header's `flags` word on a 0-byte message of a tty channel: the sender has
 * finished writing (end of stream, as a TCP FIN). Linux, OpenAMP and RPMsg-Lite send `flags` 0 in
 * every message, so a 0-byte message with `flags` 0 stays what it is there — the hello that binds an
 * endpoint's address — and is never taken for an end. See docs/wire-format.md, "The flags word".
 */
export const RPMSG_TTY_F_EOF = 0x0001;

/** True for the end marker: a 0-byte message with {@link RPMSG_TTY_F_EOF} set (other bits ignored). */
export function isEndMarker(length: number, flags: number): boolean {
  return length === 0 && (flags & RPMSG_TTY_F_EOF) !== 0;
}

/**
 * Sends the end marker from `endpoint` to its `dst` through a zero-copy TX buffer —
 * the one send path that writes the header's flags word — waiting for a free buffer as data sends do,
 * so it leaves after everything sent before it.
 *
 * @throws {RpmsgError} the codes of `getTxBuffer` and `TxBuffer.send` (`ERR_RPMSG_TIMEOUT`,
 *   `ERR_RPMSG_NO_DST`, `ERR_RPMSG_PEER_GONE`, …); an `AbortError` when `options.signal` aborts
 */
export async function sendEndMarker(endpoint: Endpoint, options: SendOptions): Promise<void> {
  let buf: TxBuffer | null = endpoint.tryGetTxBuffer() ?? (await endpoint.getTxBuffer(options));
  try {
    buf.send(0, endpoint.dst, RPMSG_TTY_F_EOF);
    buf = null;
  } finally {
    // Only when send threw: give the buffer back (a no-op if a link down already took it).
    buf?.release();
  }
}
