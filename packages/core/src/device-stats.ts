import type { Transport } from './transport.js';

/** Counters of an `RpmsgDevice`; buffer numbers are read live from the transport. */
export interface RpmsgDeviceStats {
  /** Messages sent (name-service messages included). */
  readonly txMessages: number;
  /** Well-formed messages received (name-service and dropped ones included). */
  readonly rxMessages: number;
  /** Payload bytes sent. */
  readonly txBytes: number;
  /** Payload bytes received. */
  readonly rxBytes: number;
  /** Messages dropped: unknown or destroyed destination, or an endpoint with no listener. */
  readonly dropped: number;
  /** Messages refused for a bad header (docs/interop.md#receiving length rules). */
  readonly malformed: number;
  /** Name-service messages refused (wrong length, empty name, RPMSG_ADDR_ANY). */
  readonly nsMalformed: number;
  /** Name-service CREATEs refused because the channel existed already. */
  readonly nsDuplicates: number;
  /** TX buffers free right now. */
  readonly txFree: number;
  /** TX buffers this side can use. */
  readonly txTotal: number;
  /** RX buffers lent to this side right now (being delivered or held). */
  readonly rxHeld: number;
}

/** The mutable counters behind {@link RpmsgDeviceStats}. */
export class DeviceStats implements RpmsgDeviceStats {
  txMessages = 0;
  rxMessages = 0;
  txBytes = 0;
  rxBytes = 0;
  dropped = 0;
  malformed = 0;
  nsMalformed = 0;
  nsDuplicates = 0;
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  get txFree(): number {
    return this.#transport.stats.txFree;
  }

  get txTotal(): number {
    return this.#transport.stats.txTotal;
  }

  get rxHeld(): number {
    return this.#transport.stats.rxHeld;
  }

  /** A plain snapshot, handy for logs and `JSON.stringify`. */
  toJSON(): RpmsgDeviceStats {
    const { txMessages, rxMessages, txBytes, rxBytes, dropped, malformed, nsMalformed, nsDuplicates } = this;
    const { txFree, txTotal, rxHeld } = this;
    return {
      txMessages,
      rxMessages,
      txBytes,
      rxBytes,
      dropped,
      malformed,
      nsMalformed,
      nsDuplicates,
      txFree,
      txTotal,
      rxHeld,
    };
  }
}
