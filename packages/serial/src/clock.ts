import { type Clock, systemClock } from '@rpmsg/core';

/**
 * The time source of a serial link: core's `Clock` (timers) with its monotonic `currentTime()`
 * required. Tests pass core's `FakeClock` (`@rpmsg/core/testing`) and advance it by hand, so
 * handshakes, keep-alives and retransmissions run in virtual time, never with real sleeps.
 */
export interface LinkClock extends Clock {
  /** Milliseconds from an arbitrary origin, never going backwards. */
  currentTime(): number;
}

/**
 * The real clock: `performance.now()` and Node's timers. Timers are kept referenced on purpose: a
 * link waiting to reconnect keeps the process alive, as the open port did; `close()` clears them.
 */
export const systemLinkClock: LinkClock = { ...systemClock, currentTime: () => performance.now() };
