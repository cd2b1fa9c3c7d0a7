/** What `runDemo` returns (and `rpmsg demo` prints). */
export interface DemoSummary {
  /** Channel names found through the name service. */
  channels: string[];
  /** Messages sent and verified as echoed back. */
  messages: number;
  /** Payload bytes sent (each echoed back as many). */
  bytes: number;
  /** Duration of the exchanges. */
  seconds: number;
  /** Round trips per second over the whole exchange. */
  msgsPerSec: number;
  /** Payload megabytes (10^6) per second, both directions counted. */
  mbPerSec: number;
  /** Median ping-pong round trip, microseconds. */
  rttMedianUs: number;
  /** 99th-percentile ping-pong round trip, microseconds. */
  rttP99Us: number;
  /** True when both channels were found and every echo matched. */
  ok: boolean;
  /** What went wrong, one line each. */
  failures: string[];
}

/** Builds a {@link DemoSummary} from raw measurements. */
export function summarize(m: {
  channels: string[];
  messages: number;
  bytes: number;
  seconds: number;
  rtts: number[];
  failures: string[];
}): DemoSummary {
  const sorted = [...m.rtts].sort((a, b) => a - b);
  const pick = (q: number) =>
    sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) : 0;
  const seconds = m.seconds > 0 ? m.seconds : 1e-9;
  return {
    channels: m.channels,
    messages: m.messages,
    bytes: m.bytes,
    seconds: round(m.seconds, 3),
    msgsPerSec: Math.round(m.messages / seconds),
    mbPerSec: round((2 * m.bytes) / seconds / 1e6, 2),
    rttMedianUs: round(pick(0.5), 1),
    rttP99Us: round(pick(0.99), 1),
    ok: m.failures.length === 0 && m.channels.length === 2 && m.messages > 0,
    failures: m.failures,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
