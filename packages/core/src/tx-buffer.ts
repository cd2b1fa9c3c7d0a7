import type { Endpoint } from './endpoint.js';
import { RpmsgError } from './errors.js';
import type { TransportBuffer } from './transport.js';

/**
 * A TX buffer lent for zero-copy sending (`endpoint.getTxBuffer()`): write the payload straight into
 * `payload` — it is the shared buffer itself — then `send(length)` or, to give it back unused,
 * `release()`. Either ends the lend; using the handle afterwards throws `ERR_RPMSG_BUFFER_STATE`.
 */
export interface TxBuffer {
  /** `mtu` bytes of payload space after the 16-byte header; writes go to shared memory directly. */
  readonly payload: Uint8Array;
  /**
   * Sends the first `length` bytes of `payload` to `dst` (default: the endpoint's `dst`), with
   * `flags` in the header's 16-bit flags word (default 0, as Linux and RPMsg-Lite always send; the
   * tty's end-of-stream marker is the one use of it in this project, see docs/wire-format.md).
   *
   * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE`: `length` not an integer in [0, mtu], `dst` not a
   *   u32, `flags` not a u16 (`InvalidArgTypeError` for one that is not a number)
   * @throws {RpmsgError} `ERR_RPMSG_NO_DST`, `ERR_RPMSG_BUFFER_STATE`, `ERR_RPMSG_ENDPOINT_DESTROYED`;
   *   when the link went down since the buffer was lent (it is released), the code of why
   *   (`ERR_RPMSG_PEER_GONE`, `ERR_RPMSG_LINK_DOWN`); `ERR_RPMSG_CLOSED` after `device.close()`
   */
  send(length: number, dst?: number, flags?: number): void;
  /**
   * Returns the buffer unsent.
   *
   * @throws {RpmsgError} `ERR_RPMSG_BUFFER_STATE` when already sent or released
   */
  release(): void;
}

/** What a lent buffer needs from the device. */
export interface TxBufferHost {
  sendLent(lent: LentTxBuffer, length: number, dst: number, flags: number): void;
  releaseLent(lent: LentTxBuffer): void;
}

/**
 * One zero-copy lend. A small handle is made per lend (only on the zero-copy path) so a
 * stale handle kept after send can be told apart from a later lend of the same slot; the payload
 * view itself is cached per slot by the sender.
 */
export class LentTxBuffer implements TxBuffer {
  #live = true;
  #killedBy: Error | null = null;

  constructor(
    readonly host: TxBufferHost,
    readonly endpoint: Endpoint,
    readonly buf: TransportBuffer,
    readonly payload: Uint8Array,
  ) {}

  /** False once sent, released, or killed. */
  get live(): boolean {
    return this.#live;
  }

  /** True when a link down or the endpoint's destroy took the buffer back. */
  get killed(): boolean {
    return this.#killedBy !== null;
  }

  /** Ends the lend normally (sent or released by its holder). */
  finish(): void {
    this.#live = false;
  }

  /** Ends the lend because the device took the buffer back; later sends throw `reason`. */
  kill(reason: Error): void {
    this.#live = false;
    this.#killedBy = reason;
  }

  /** The error for using the handle after the lend ended. */
  deadError(): Error {
    return this.#killedBy ?? new RpmsgError('ERR_RPMSG_BUFFER_STATE', 'TX buffer used after send or release');
  }

  send(length: number, dst: number = this.endpoint.dst, flags = 0): void {
    this.host.sendLent(this, length, dst, flags);
  }

  release(): void {
    this.host.releaseLent(this);
  }
}
