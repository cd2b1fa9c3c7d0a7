import { FakeClock } from '@rpmsg/core/testing';
import { frameWireSize } from '../frame.js';
import type { HelloParams } from '../hello.js';
import { SerialLink, type SerialLinkHandler } from '../link.js';
import { Noise, type NoiseOptions } from '../testing/noise.js';

/** Options of {@link benchSerial}. */
export interface SerialBenchOptions {
  /** Line speeds to model (8N1: 10 bits per byte). Default [115200, 921600]. */
  baudRates?: number[];
  /** RPMsg payload sizes. Default [16, 128, 496]. */
  payloads?: number[];
  /** Messages per run. Default 400. */
  messages?: number;
  /** Receiver credits (the MCU build defaults to 2, the host to 16). Default 2. */
  credits?: number;
  /** Reliable mode. Default true. */
  reliable?: boolean;
  /** Noise on the data direction (per byte), to see the cost of retransmission. */
  noise?: NoiseOptions;
}

/** One measured run of {@link benchSerial}. */
export interface SerialBenchResult {
  /** Modelled line speed. */
  baudRate: number;
  /** RPMsg payload bytes per message. */
  payload: number;
  /** Messages delivered. */
  messages: number;
  /** Messages per second of line time. */
  msgsPerSec: number;
  /** Payload bytes per second of line time. */
  payloadBytesPerSec: number;
  /** Payload bits / line bits: how much of the line carried user data. */
  lineEfficiency: number;
  /** Wire bytes per message on the data direction (frames, retransmissions and delimiters). */
  wireBytesPerMessage: number;
  /** Bytes added per message beyond the payload: RPMsg header 16 + frame 8 + COBS + delimiter. */
  overheadBytes: number;
  /** Frames sent again. */
  retransmits: number;
}

/** A full-duplex line of `baud` 8N1 in virtual time: each direction is busy while it shifts bytes. */
class Line {
  #busyUntil = [0, 0];
  readonly #clock: FakeClock;
  readonly #baud: number;

  constructor(clock: FakeClock, baud: number) {
    this.#clock = clock;
    this.#baud = baud;
  }
  /** Queues `bytes`; the receiver gets each frame (up to its delimiter) when its last bit is in. */
  send(dir: 0 | 1, bytes: Uint8Array, to: SerialLink): void {
    const now = this.#clock.currentTime();
    let from = 0;
    while (from < bytes.length) {
      const zero = bytes.indexOf(0, from);
      const to_ = zero < 0 ? bytes.length : zero + 1;
      const piece = bytes.subarray(from, to_);
      const start = Math.max(now, this.#busyUntil[dir]!);
      const end = start + (piece.length * 10 * 1000) / this.#baud;
      this.#busyUntil[dir] = end;
      this.#clock.setTimeout(() => to.receive(piece), end - now);
      from = to_;
    }
  }
}

class Side implements SerialLinkHandler {
  link!: SerialLink;
  peer!: SerialLink;
  delivered = 0;
  free: number[] = [];
  isUp = false;
  readonly #line: Line;
  readonly #dir: 0 | 1;
  readonly #noise: Noise | null;

  constructor(line: Line, dir: 0 | 1, noise: Noise | null) {
    this.#line = line;
    this.#dir = dir;
    this.#noise = noise;
  }
  write(bytes: Uint8Array, length: number): void {
    const chunk = bytes.slice(0, length);
    this.#line.send(this.#dir, this.#noise ? this.#noise.apply(chunk) : chunk, this.peer);
  }
  deliver(): void {
    this.delivered++;
    this.link.releaseRx();
  }
  txDone(slot: number): void {
    this.free.push(slot);
  }
  up(_p: HelloParams): void {
    this.isUp = true;
  }
  down(): void {
    this.isUp = false;
  }
  error(): void {}
}

/**
 * Models the serial protocol on a line of a given baud rate, in virtual time (no sleeping, same
 * numbers every run): two protocol engines exchange `messages` RPMsg messages of each payload size
 * one way, with acks and credits flowing back. Reports throughput, line efficiency and the frame
 * overhead. CPU cost is not part of the model: `rpmsg bench` measures that separately.
 *
 * @example
 * for (const r of benchSerial()) console.log(r.baudRate, r.payload, Math.round(r.payloadBytesPerSec));
 */
export function benchSerial(options: SerialBenchOptions = {}): SerialBenchResult[] {
  const results: SerialBenchResult[] = [];
  for (const baudRate of options.baudRates ?? [115200, 921600]) {
    for (const payload of options.payloads ?? [16, 128, 496]) {
      results.push(runOne(baudRate, payload, options));
    }
  }
  return results;
}

function runOne(baudRate: number, payload: number, options: SerialBenchOptions): SerialBenchResult {
  const clock = new FakeClock();
  const line = new Line(clock, baudRate);
  const count = options.messages ?? 400;
  const txBuffers = 8;
  const a = new Side(line, 0, options.noise ? new Noise(options.noise) : null);
  const b = new Side(line, 1, null);
  const common = {
    clock,
    baudRate,
    reliable: options.reliable ?? true,
    bufferSize: Math.max(512, payload + 16),
    txBuffers,
    rxBuffers: options.credits ?? 2,
  };
  let n = 0;
  a.link = new SerialLink(a, { ...common, nonce: () => ++n });
  b.link = new SerialLink(b, { ...common, nonce: () => 1000 + ++n });
  a.peer = b.link;
  b.peer = a.link;
  const buffers = Array.from({ length: txBuffers }, () => new Uint8Array(payload + 16));
  for (const buf of buffers) new DataView(buf.buffer).setUint16(12, payload, true);
  a.free = buffers.map((_, i) => i);
  a.link.start();
  b.link.start();
  for (let i = 0; i < 1000 && !(a.isUp && b.isUp); i++) clock.advance(1);
  const t0 = clock.currentTime();
  const bytes0 = a.link.stats.txBytes;
  let sent = 0;
  const step = Math.max(0.05, (payload * 10 * 1000) / baudRate / 4);
  for (let guard = 0; b.delivered < count && guard < 2_000_000; guard++) {
    while (sent < count && a.free.length > 0) {
      const slot = a.free.pop()!;
      if (!a.link.submit(slot, buffers[slot]!, payload + 16)) {
        a.free.push(slot); // link down (re-handshaking): try again later
        break;
      }
      sent++;
    }
    a.link.service();
    clock.advance(step);
  }
  const seconds = (clock.currentTime() - t0) / 1000;
  const wireBytes = a.link.stats.txBytes - bytes0;
  const perMessage = frameWireSize(payload + 16) - payload; // upper bound from the format
  a.link.stop(Object.assign(new Error('bench done'), { code: 'ERR_SERIAL_PORT_CLOSED' }) as never);
  b.link.stop(Object.assign(new Error('bench done'), { code: 'ERR_SERIAL_PORT_CLOSED' }) as never);
  return {
    baudRate,
    payload,
    messages: b.delivered,
    msgsPerSec: b.delivered / seconds,
    payloadBytesPerSec: (b.delivered * payload) / seconds,
    lineEfficiency: (b.delivered * payload * 10) / seconds / baudRate,
    wireBytesPerMessage: wireBytes / b.delivered,
    overheadBytes: perMessage,
    retransmits: a.link.stats.retransmits,
  };
}
