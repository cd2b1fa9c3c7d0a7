import type { Endpoint, HeldMessage, RpmsgDevice, RxMessage } from '@rpmsg/core';
import { RPMSG_TTY_NAME } from './rpmsg-tty.js';

/**
 * Turns received bytes into the reply (the same bytes for an echo). Return `null`, `undefined` or an
 * empty array to send nothing. `data` is only valid during the call: return it as is (it is then kept
 * in its RX buffer until sent) or a new array.
 */
export type TtyHandler = (data: Uint8Array, src: number) => Uint8Array | null | undefined;

/** Options of {@link serveTty}. */
export interface TtyServiceOptions {
  /** Channel name announced to the peer. Default `'rpmsg-tty'`. */
  name?: string;
  /** Reply for each message. Default: echo. */
  handler?: TtyHandler;
  /** Fixed local address. Default: the lowest free dynamic address. */
  addr?: number;
}

/** A running tty service; {@link TtyService.close} destroys its endpoint (NS DESTROY). */
export interface TtyService {
  /** The announced endpoint. */
  readonly endpoint: Endpoint;
  /** Messages whose reply is waiting for TX buffers (each keeps its RX buffer when echoing). */
  readonly pending: number;
  /** Stops the service and drops pending replies. */
  close(): void;
}

interface PendingReply {
  readonly data: Uint8Array;
  readonly held: HeldMessage | null;
  readonly dst: number;
  offset: number;
}

/**
 * The firmware side of a tty: announces `name` on `device` (normally the remote role, as an
 * RPMsg-Lite `rpmsg-virtual-tty` demo does) and answers each message through `handler` — an echo by
 * default. Replies go back to the sender's address, split at the MTU.
 *
 * Flow control passes through it: when no TX buffer is free the message being answered stays in its RX
 * buffer (held), so a fast writer on the other side runs out of buffers instead of the service
 * queuing without bound.
 *
 * @example
 * ```ts
 * const service = serveTty(remoteDevice, { handler: (d) => Buffer.from(d.toString().toUpperCase()) });
 * ```
 */
export function serveTty(device: RpmsgDevice, options: TtyServiceOptions = {}): TtyService {
  const handler = options.handler;
  const queue: PendingReply[] = [];
  const abort = new AbortController();
  let pumping = false;

  const drop = () => {
    for (const item of queue) item.held?.release();
    queue.length = 0;
  };

  /** Sends what fits now; returns true when the queue is empty. */
  const sendQueued = (): boolean => {
    while (queue.length > 0) {
      const item = queue[0]!;
      const buf = endpoint.tryGetTxBuffer();
      if (buf === null) return false;
      fill(item, buf.payload, (n) => buf.send(n, item.dst));
      if (item.offset === item.data.length) {
        item.held?.release();
        queue.shift();
      }
    }
    return true;
  };

  const fill = (item: PendingReply, payload: Uint8Array, send: (n: number) => void) => {
    const n = Math.min(payload.length, item.data.length - item.offset);
    payload.set(item.data.subarray(item.offset, item.offset + n));
    item.offset += n;
    send(n);
  };

  const pump = async () => {
    pumping = true;
    try {
      while (!sendQueued()) {
        const item = queue[0]!;
        const buf = await endpoint.getTxBuffer({ timeout: Number.POSITIVE_INFINITY, signal: abort.signal });
        fill(item, buf.payload, (n) => buf.send(n, item.dst));
        if (item.offset === item.data.length) {
          item.held?.release();
          queue.shift();
        }
      }
    } catch {
      // Link down, endpoint destroyed or closed: the peer will not see these replies.
      drop();
    } finally {
      pumping = false;
    }
  };

  const onMessage = (payload: Uint8Array, src: number, msg: RxMessage) => {
    if (payload.length === 0) return; // hello: binds the sender's address, nothing to answer
    const reply = handler === undefined ? payload : handler(payload, src);
    if (reply === null || reply === undefined || reply.length === 0) return;
    const item: PendingReply = { data: reply, held: null, dst: src, offset: 0 };
    queue.push(item);
    if (queue.length === 1 && sendQueued()) return;
    if (reply.buffer === payload.buffer) {
      // The reply lives in the RX buffer: keep that buffer from the peer until the reply is out.
      const held = msg.hold();
      const start = reply.byteOffset - payload.byteOffset;
      queue[queue.length - 1] = { ...item, data: held.payload.subarray(start, start + reply.length), held };
    }
    if (!pumping) void pump();
  };

  const endpoint = device.createEndpoint({
    name: options.name ?? RPMSG_TTY_NAME,
    onMessage,
    ...(options.addr === undefined ? {} : { addr: options.addr }),
  });

  return {
    endpoint,
    get pending() {
      return queue.length;
    },
    close() {
      abort.abort();
      drop();
      if (!endpoint.destroyed) endpoint.destroy();
    },
  };
}
