import type { TransportStats } from './transport.js';

/** The counters a transport keeps itself (it increments them on its send, receive and kick paths). */
export interface TransportCounts {
  readonly txMessages: number;
  readonly rxMessages: number;
  readonly notifications: number;
}

/** What only the transport can say at the moment stats are read: its pool's state and its errors. */
export interface TransportReadings {
  txFree(): number;
  txTotal(): number;
  rxHeld(): number;
  errors(): number;
}

/**
 * The one live {@link TransportStats} object of a transport (the Stats rule of the `Transport`
 * contract): made once, every field read from `counts` or `now` when it is read, so reading stats
 * allocates nothing and never goes stale. The virtio, serial and mock transports all build theirs here.
 */
export function liveTransportStats(counts: TransportCounts, now: TransportReadings): TransportStats {
  return {
    get txMessages() {
      return counts.txMessages;
    },
    get rxMessages() {
      return counts.rxMessages;
    },
    get notifications() {
      return counts.notifications;
    },
    get txFree() {
      return now.txFree();
    },
    get txTotal() {
      return now.txTotal();
    },
    get rxHeld() {
      return now.rxHeld();
    },
    get errors() {
      return now.errors();
    },
  };
}
