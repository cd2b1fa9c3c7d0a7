import { liveTransportStats, type TransportStats } from '@rpmsg/core';

/** Counters kept by a serial link (all monotonic). Frame-level errors are also in `errors`. */
export interface SerialLinkStats {
  /** Frames sent (every type, retransmissions included). */
  txFrames: number;
  /** Frames received with a good CRC. */
  rxFrames: number;
  /** Bytes written to the wire (COBS and delimiters included). */
  txBytes: number;
  /** Bytes read from the wire. */
  rxBytes: number;
  /** DATA frames sent for the first time. */
  txMessages: number;
  /** DATA frames delivered. */
  rxMessages: number;
  /** DATA frames sent again (reliable mode). */
  retransmits: number;
  /** ACK probes sent (window closed, or unreliable frames unacked). */
  probes: number;
  /** ACK|POLL frames sent because the peer was silent past its keep-alive (§6). */
  silencePolls: number;
  /** DATA frames received twice (dropped). */
  duplicates: number;
  /** DATA frames received ahead of a gap in reliable mode (dropped; the sender goes back). */
  outOfOrder: number;
  /** DATA frames beyond the credits given (and unreliable ACKs claiming such frames): dropped, not acked. */
  overruns: number;
  /** DATA frames known lost in unreliable mode (a gap in seq). */
  lost: number;
  /** Frames other than HELLO received while the link was not up (dropped). */
  rxWhileDown: number;
  /** Errors reported (bad frames, protocol breaches). */
  errors: number;
  /** Handshakes started. */
  handshakes: number;
  /** Times the link came up. */
  linkUps: number;
  /** Times the link went down. */
  linkDowns: number;
}

/** A zeroed {@link SerialLinkStats}. */
export function createLinkStats(): SerialLinkStats {
  return {
    txFrames: 0,
    rxFrames: 0,
    txBytes: 0,
    rxBytes: 0,
    txMessages: 0,
    rxMessages: 0,
    retransmits: 0,
    probes: 0,
    silencePolls: 0,
    duplicates: 0,
    outOfOrder: 0,
    overruns: 0,
    lost: 0,
    rxWhileDown: 0,
    errors: 0,
    handshakes: 0,
    linkUps: 0,
    linkDowns: 0,
  };
}

/**
 * Transport counters plus the serial link's own: one live object per transport, as every transport
 * keeps. `notifications` counts writes that reached the port — each wakes the peer's receive path
 * once, however many frames it carries (see `TransportStats.notifications`).
 */
export interface SerialTransportStats extends TransportStats {
  /** Frame-level counters of the link (retransmits, CRC errors, …). */
  readonly link: SerialLinkStats;
  /** Times the port was (re)opened. */
  readonly opens: number;
}

/** The counters a serial transport keeps itself; the rest of its stats are read from pools and link. */
export interface SerialTransportCounts {
  txMessages: number;
  rxMessages: number;
  notifications: number;
  opens: number;
}

/** What a serial transport's buffer pools say right now. */
export interface SerialPoolCounts {
  /** TX buffers free (0 while the link is down). */
  txFree(): number;
  /** TX buffers in all. */
  readonly txTotal: number;
  /** RX buffers lent to the sink. */
  rxHeld(): number;
}

/**
 * The one {@link SerialTransportStats} of a transport, made once: core's live transport stats (the
 * link's protocol errors as `errors`) plus the serial fields, all read when read, so reading stats
 * allocates nothing.
 */
export function liveSerialStats(
  counts: Readonly<SerialTransportCounts>,
  link: SerialLinkStats,
  pools: SerialPoolCounts,
): SerialTransportStats {
  const stats = liveTransportStats(counts, {
    txFree: () => pools.txFree(),
    txTotal: () => pools.txTotal,
    rxHeld: () => pools.rxHeld(),
    errors: () => link.errors,
  });
  return Object.defineProperties(stats, {
    opens: { get: () => counts.opens, enumerable: true },
    link: { value: link, enumerable: true },
  }) as SerialTransportStats;
}
