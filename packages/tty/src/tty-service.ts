import {
  type Endpoint,
  type HeldMessage,
  RPMSG_TTY_NAME,
  type RpmsgDevice,
  type RxMessage,
  type TxBuffer,
} from '@rpmsg/core';
import { isEndMarker, RPMSG_TTY_F_EOF } from './end-marker.js';

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
  /** Messages whose answer is waiting for TX buffers (each keeps its RX buffer meanwhile). */
  readonly pending: number;
  /** Stops the service and drops pending replies. */
  close(): void;
}

/** An answer waiting for TX buffers; it keeps the message it answers in its RX buffer. */
interface PendingReply {
  data: Uint8Array;
  dst: number;
  /** `RPMSG_TTY_F_EOF` for the end marker (0 bytes), else 0. */
  flags: number;
  offset: number;
  held: HeldMessage | null;
}

const NO_DATA = new Uint8Array(0);

/**
 * The firmware side of a tty: announces `name` on `device` (normally the remote role, as an
 * RPMsg-Lite `rpmsg-virtual-tty` demo does) and answers each message through `handler` — an echo by
 * default. Replies go back to the sender's address, split at the MTU.
 *
 * A sender's end marker (a 0-byte message with `RPMSG_TTY_F_EOF`, what `tty.end()` sends) is
 * answered with the service's own, after every reply queued before it: the tty's readable side then
 * ends right after the last answer. A 0-byte message without the flag is a hello and gets no answer.
 *
 * Flow control passes through it: while no TX buffer is free, the message being answered stays in
 * its RX buffer (held) — whatever the handler returned — so a fast writer on the other side runs out
 * of buffers instead of the service queuing without bound.
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
  /** The answer being tried at once (reused: an answer that goes out at once allocates nothing). */
  const now: PendingReply = { data: NO_DATA, dst: 0, flags: 0, offset: 0, held: null };

  const drop = () => {
    for (const item of queue) item.held?.release();
    queue.length = 0;
  };

  /** Sends the next MTU's worth of `item` (the whole of an end marker) in `buf`. */
  const sendPart = (item: PendingReply, buf: TxBuffer) => {
    const n = Math.min(buf.payload.length, item.data.length - item.offset);
    buf.payload.set(item.data.subarray(item.offset, item.offset + n));
    item.offset += n;
    buf.send(n, item.dst, item.flags);
  };

  /** Sends what fits of `item` now (at least one message); true when all of it is out. */
  const sendSome = (item: PendingReply): boolean => {
    do {
      const buf = endpoint.tryGetTxBuffer();
      if (buf === null) return false;
      sendPart(item, buf);
    } while (item.offset < item.data.length);
    return true;
  };

  const done = () => {
    queue.shift()?.held?.release();
  };

  /** Sends what fits now, oldest first; true when the queue is empty. */
  const sendQueued = (): boolean => {
    while (queue.length > 0) {
      if (!sendSome(queue[0]!)) return false;
      done();
    }
    return true;
  };

  const pump = async () => {
    pumping = true;
    try {
      while (!sendQueued()) {
        const item = queue[0]!;
        const buf = await endpoint.getTxBuffer({ timeout: Number.POSITIVE_INFINITY, signal: abort.signal });
        sendPart(item, buf);
        if (item.offset === item.data.length) done();
      }
    } catch {
      // Link down, endpoint destroyed or closed: the peer will not see these replies.
      drop();
    } finally {
      pumping = false;
    }
  };

  /** Answers `msg` with `data` (and `flags`) to `dst`: at once if nothing waits, else queued. */
  const answer = (data: Uint8Array, dst: number, flags: number, msg: RxMessage) => {
    let offset = 0;
    if (queue.length === 0) {
      now.data = data;
      now.dst = dst;
      now.flags = flags;
      now.offset = 0;
      const sent = sendSome(now);
      now.data = NO_DATA;
      if (sent) return;
      offset = now.offset;
    }
    // Keep the message in its RX buffer until its answer is out: the sender runs short of buffers
    // and slows down, and a reply that is a view of the received bytes stays valid.
    queue.push({ data, dst, flags, offset, held: msg.hold() });
    if (!pumping) void pump();
  };

  const onMessage = (payload: Uint8Array, src: number, msg: RxMessage) => {
    if (payload.length === 0) {
      // The sender's end: answer with ours, after its pending replies. Otherwise a hello (it binds
      // the sender's address): nothing to answer.
      if (isEndMarker(payload.length, msg.flags)) answer(NO_DATA, src, RPMSG_TTY_F_EOF, msg);
      return;
    }
    const reply = handler === undefined ? payload : handler(payload, src);
    if (reply === null || reply === undefined || reply.length === 0) return;
    answer(reply, src, 0, msg);
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
