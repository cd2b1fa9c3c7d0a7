/**
 * Sequence arithmetic for the 8-bit frame sequence numbers (DATA `seq`, `ack`): numbers wrap at 256,
 * so "ahead" and "behind" only make sense within half the space. The window is therefore capped at
 * {@link SEQ_WINDOW_MAX} frames, as in any sliding-window protocol (RFC 1982 serial-number arithmetic).
 */

/** How many distinct sequence numbers exist. */
export const SEQ_MODULUS = 256;

/** The largest window (credits, frames in flight): half the sequence space minus one. */
export const SEQ_WINDOW_MAX = 127;

/** `(a - b) mod 256`: how far `a` is ahead of `b`, in 0..255. */
export function seqDiff(a: number, b: number): number {
  return (a - b) & 0xff;
}

/** `(a + n) mod 256`. */
export function seqAdd(a: number, n: number): number {
  return (a + n) & 0xff;
}

/** True when `a` is strictly after `b` (within half the sequence space). */
export function seqAfter(a: number, b: number): boolean {
  const d = seqDiff(a, b);
  return d !== 0 && d <= SEQ_WINDOW_MAX;
}
