import type { Endpoint, SendOptions, TxBuffer } from '@rpmsg/core';

/**
 * Sends `chunks` as a byte stream over `endpoint`: bytes are packed into MTU-sized messages in order
 * (a tty has no message boundaries, so small writes share a buffer and large ones are split), straight
 * into the zero-copy TX buffers. When the pool is empty it waits for a buffer on the device's send
 * path instead of failing — that wait is what turns a slow peer into stream backpressure.
 *
 * A buffer taken but not filled is released on error, so nothing leaks from the pool.
 *
 * @returns the number of messages sent
 * @throws {RpmsgError} from `getTxBuffer` (`ERR_RPMSG_TIMEOUT`, `ERR_RPMSG_PEER_GONE`, …) or an
 *   `AbortError` when `options.signal` aborts
 */
export async function sendChunks(
  endpoint: Endpoint,
  chunks: readonly Uint8Array[],
  options: SendOptions,
): Promise<number> {
  const mtu = endpoint.mtu;
  let buf: TxBuffer | null = null;
  let fill = 0;
  let sent = 0;
  try {
    for (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.length) {
        if (buf === null) {
          // Fast path first: no promise unless the pool is really empty.
          buf = endpoint.tryGetTxBuffer() ?? (await endpoint.getTxBuffer(options));
          fill = 0;
        }
        const n = Math.min(mtu - fill, chunk.length - offset);
        buf.payload.set(chunk.subarray(offset, offset + n), fill);
        fill += n;
        offset += n;
        if (fill === mtu) {
          const full: TxBuffer = buf;
          buf = null;
          full.send(fill);
          sent += 1;
        }
      }
    }
    if (buf !== null && fill > 0) {
      const last: TxBuffer = buf;
      buf = null;
      last.send(fill);
      sent += 1;
    }
    return sent;
  } finally {
    // Only reached with a buffer in hand when a send threw or nothing was written into it.
    if (buf !== null) buf.release();
  }
}
