import type { HeldMessage, TxBuffer } from '@rpmsg/core';
import { isRpmsgError } from '@rpmsg/core';
import type { LiteEndpoint, RpmsgLite, RpmsgQueue } from '../lite.js';

/** What the signal queue carries: no buffer, only "a callback ran". */
const DELIVERED: HeldMessage = {
  payload: new Uint8Array(0),
  src: 0,
  dst: 0,
  flags: 0,
  released: false,
  release() {},
};

/**
 * Longest single wait for a TX buffer or the link (ms) before a fault recorded in a callback is
 * looked at: those waits end on ring events, which a callback's fault does not bring.
 */
const FAULT_CHECK_MS = 50;

/**
 * The blocking waits of API mode, on the RpmsgLite of the core (its pump serves the link and runs
 * the C callbacks while the thread waits). A callback that ran signals through a private queue of
 * the RpmsgLite, so "wait until something was delivered" is `recvNocopy` on it: the wake-up is the
 * doorbell's, with no polling. A timeout is an `ERR_RPMSG_TIMEOUT` from RpmsgLite, taken as `false`.
 */
export class LiteWaits {
  readonly #lite: RpmsgLite;
  readonly #signal: RpmsgQueue;
  readonly #fault: () => void;

  /** `fault` throws what a callback recorded (a trap, exit()), if anything. */
  constructor(lite: RpmsgLite, fault: () => void) {
    this.#lite = lite;
    this.#signal = lite.createQueue();
    this.#fault = fault;
  }

  /** A C callback ran (or failed): the next {@link delivery} returns at once. */
  delivered(): void {
    // One pending signal says it all; the queue is as long as the RX pool, never full here.
    if (this.#signal.pending === 0) this.#signal.push(DELIVERED);
  }

  /** Serves the link up to `ms` until a callback ran since the last call; false on timeout. */
  delivery(ms: number): boolean {
    if (this.#signal.pending === 0) {
      try {
        this.#lite.recvNocopy(this.#signal, ms);
        return true;
      } catch (error) {
        if (isTimeout(error)) return false;
        throw error;
      }
    }
    this.#signal.shift();
    return true;
  }

  /** A TX buffer of `ept` within `ms`; null on timeout or when the link is down. */
  txBuffer(ept: LiteEndpoint, ms: number): TxBuffer | null {
    const deadline = performance.now() + ms;
    for (;;) {
      const left = Math.max(0, Math.min(deadline - performance.now(), FAULT_CHECK_MS));
      try {
        return this.#lite.allocTxBuffer(ept, left);
      } catch (error) {
        if (!isTimeout(error)) throw error;
      }
      this.#fault();
      if (performance.now() >= deadline || !this.#lite.isLinkUp()) return null;
    }
  }

  /** Serves the link up to `ms` until it is up. */
  linkUp(ms: number): boolean {
    const deadline = performance.now() + ms;
    for (;;) {
      const left = Math.max(0, Math.min(deadline - performance.now(), FAULT_CHECK_MS));
      if (this.#lite.waitForLinkUp(left)) return true;
      this.#fault();
      if (performance.now() >= deadline) return false;
    }
  }
}

function isTimeout(error: unknown): boolean {
  return isRpmsgError(error) && error.code === 'ERR_RPMSG_TIMEOUT';
}
