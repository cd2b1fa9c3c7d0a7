import { FakeClock } from '@rpmsg/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SerialError } from './errors.js';
import { type Frame, FrameDecoder, FrameEncoder, FrameType, frameWireSize } from './frame.js';
import { encodeHello, HELLO_SIZE, type HelloParams } from './hello.js';
import { SerialLink, type SerialLinkHandler } from './link.js';
import type { SerialLinkOptions } from './link-options.js';
import { Noise, type NoiseOptions } from './testing/noise.js';

/** One side of a link under test: a TX pool, an inbox and a wire out. */
class End implements SerialLinkHandler {
  readonly link: SerialLink;
  readonly wire: Uint8Array[] = [];
  readonly inbox: number[] = [];
  readonly errors: SerialError[] = [];
  readonly downs: string[] = [];
  ups = 0;
  held = 0;
  /** Virtual time of the last bytes handed to this end, and of its last link-down. */
  lastRxAt = Number.NaN;
  downAt = Number.NaN;
  autoRelease = true;
  /** Writes to lose on the way out (a line eating whole frames). */
  loseWrites = 0;
  readonly #pool: Uint8Array[];
  readonly #free: number[];

  readonly #clock: FakeClock;

  constructor(clock: FakeClock, options: SerialLinkOptions = {}, seed = 7) {
    this.#clock = clock;

    let n = seed;
    this.link = new SerialLink(this, { clock, nonce: () => ++n * 7919, ...options });
    const tx = options.txBuffers ?? 16;
    this.#pool = Array.from({ length: tx }, () => new Uint8Array(options.bufferSize ?? 512));
    this.#free = this.#pool.map((_, i) => i);
  }

  /** Queues message number `n` (a 16-byte RPMsg header + 4-byte counter); false when no slot. */
  send(n: number, extra = 0): boolean {
    const slot = this.#free.pop();
    if (slot === undefined) return false;
    const b = this.#pool[slot]!;
    const v = new DataView(b.buffer);
    v.setUint32(0, 1024, true);
    v.setUint32(4, 1025, true);
    v.setUint16(12, 4 + extra, true);
    v.setUint32(16, n, true);
    for (let i = 0; i < extra; i++) b[20 + i] = (n + i) & 0xff;
    if (!this.link.submit(slot, b, 20 + extra)) {
      this.#free.push(slot);
      return false;
    }
    this.link.service();
    return true;
  }

  /** Bytes from the wire. */
  receive(bytes: Uint8Array): void {
    this.lastRxAt = this.#clock.currentTime();
    this.link.receive(bytes);
  }

  release(count = this.held): void {
    for (let i = 0; i < count; i++) {
      this.held--;
      this.link.releaseRx();
    }
    this.link.service();
  }

  write(bytes: Uint8Array, length: number): void {
    if (this.loseWrites > 0) {
      this.loseWrites--;
      return;
    }
    this.wire.push(bytes.slice(0, length));
  }
  deliver(bytes: Uint8Array, start: number, length: number): void {
    const v = new DataView(bytes.buffer, bytes.byteOffset + start, length);
    const len = v.getUint16(12, true);
    const n = v.getUint32(16, true);
    for (let i = 0; i < len - 4; i++) expect(bytes[start + 20 + i]).toBe((n + i) & 0xff);
    this.inbox.push(n);
    this.held++;
    if (this.autoRelease) {
      this.held--;
      this.link.releaseRx();
    }
  }
  txDone(slot: number): void {
    this.#free.push(slot);
  }
  up(_peer: HelloParams): void {
    this.ups++;
  }
  down(error: SerialError): void {
    this.downs.push(error.code);
    this.downAt = this.#clock.currentTime();
  }
  error(error: SerialError): void {
    this.errors.push(error);
  }
}

function pair(options: SerialLinkOptions = {}, optionsB: SerialLinkOptions = options) {
  const clock = new FakeClock();
  const a = new End(clock, options, 1);
  const b = new End(clock, optionsB, 1000);
  return { clock, a, b };
}

/** Moves bytes both ways until the wire is quiet, through optional noise. */
function pump(a: End, b: End, noise?: Noise): void {
  for (let i = 0; i < 1000 && (a.wire.length > 0 || b.wire.length > 0); i++) {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const chunks = from.wire.splice(0);
      for (const c of chunks) to.receive(noise ? noise.apply(c) : c);
    }
  }
}

function run(clock: FakeClock, a: End, b: End, ms: number, noise?: Noise, step = 5): void {
  pump(a, b, noise);
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    pump(a, b, noise);
  }
}

function startBoth(clock: FakeClock, a: End, b: End): void {
  a.link.start();
  b.link.start();
  run(clock, a, b, 0);
}

// A scripted peer: frames built by hand, as an independent implementation would send them. ----------

/** One encoded frame (COBS + delimiter) with a valid CRC. */
function frameBytes(
  type: number,
  seq: number,
  ack: number,
  credit: number,
  payload?: Uint8Array,
): Uint8Array {
  const length = payload?.length ?? 0;
  const out = new Uint8Array(frameWireSize(length));
  const n = new FrameEncoder(Math.max(length, 1)).encode(
    type,
    seq,
    ack,
    credit,
    payload ?? null,
    length,
    out,
    0,
  );
  return out.subarray(0, n);
}

/** An RPMsg message as {@link End} sends them (src 1024, dst 1025, a 4-byte counter `n`). */
function rpmsg(n: number): Uint8Array {
  const b = new Uint8Array(20);
  const v = new DataView(b.buffer);
  v.setUint32(0, 1024, true);
  v.setUint32(4, 1025, true);
  v.setUint16(12, 4, true);
  v.setUint32(16, n, true);
  return b;
}

function helloBytes(type: number, fields: Partial<HelloParams>): Uint8Array {
  const p = new Uint8Array(HELLO_SIZE);
  encodeHello(
    {
      version: 1,
      flags: 0,
      mtu: 512,
      credits: 4,
      keepAliveMs: 100,
      nonce: 9,
      peerNonce: 0,
      retransmitMs: 50,
      baudRate: 0,
      ...fields,
    },
    p,
  );
  return frameBytes(type, 0, 0, 0, p);
}

type SentFrame = Omit<Frame, 'bytes' | 'payloadStart'> & { payload: Uint8Array };

/** Decodes (and takes off the wire) everything `end` has written. */
function takeFrames(end: End): SentFrame[] {
  const frames: SentFrame[] = [];
  const decoder = new FrameDecoder(512);
  const sink = {
    onFrame: (f: Frame) =>
      frames.push({
        type: f.type,
        poll: f.poll,
        seq: f.seq,
        ack: f.ack,
        credit: f.credit,
        payloadLength: f.payloadLength,
        payload: f.bytes.slice(f.payloadStart, f.payloadStart + f.payloadLength),
      }),
    onBadFrame: (e: SerialError) => {
      throw e;
    },
  };
  for (const c of end.wire.splice(0)) decoder.push(c, 0, c.length, sink);
  return frames;
}

describe('SerialLink', () => {
  describe('handshake', () => {
    it('brings both sides up after one HELLO exchange, without waiting for a timer', () => {
      const { clock, a, b } = pair();
      startBoth(clock, a, b);
      expect(a.link.state).toBe('up');
      expect(b.link.state).toBe('up');
      expect(a.ups).toBe(1);
      expect(b.ups).toBe(1);
      expect(a.link.peer?.credits).toBe(16);
    });

    it('repeats HELLO until the peer appears', () => {
      const { clock, a, b } = pair();
      a.link.start();
      clock.advance(1000);
      expect(a.wire.length).toBeGreaterThanOrEqual(5);
      a.wire.length = 0;
      b.link.start();
      run(clock, a, b, 300);
      expect(a.link.state).toBe('up');
      expect(b.link.state).toBe('up');
    });

    it('negotiates reliable mode if either side asks, and the smaller MTU', () => {
      const { clock, a, b } = pair({ reliable: false, bufferSize: 512 }, { reliable: true, bufferSize: 128 });
      startBoth(clock, a, b);
      expect(a.link.reliable).toBe(true);
      expect(b.link.reliable).toBe(true);
      expect(a.link.sendMtu).toBe(128);
    });

    it('reports a wrong protocol version with ERR_SERIAL_VERSION and stays down', () => {
      const { a } = pair();
      a.link.start();
      a.link.receive(helloBytes(FrameType.HELLO, { version: 9 }));
      expect(a.errors.map((e) => e.code)).toContain('ERR_SERIAL_VERSION');
      expect(a.link.state).toBe('handshake');
    });

    it('ignores a HELLO_ACK while up, whatever its nonce (§4)', () => {
      const { clock, a, b } = pair();
      startBoth(clock, a, b);
      takeFrames(a);
      a.link.receive(helloBytes(FrameType.HELLO_ACK, { nonce: 0x5eed, peerNonce: 0x1234 }));
      expect(a.downs).toEqual([]);
      expect(a.link.state).toBe('up');
      expect(takeFrames(a)).toEqual([]);
      expect(b.send(3)).toBe(true);
      run(clock, a, b, 0);
      expect(a.inbox).toEqual([3]);
    });

    it('answers the HELLO of a restarted peer at once, after going down with its own new HELLO (§4)', () => {
      const { clock, a, b } = pair();
      startBoth(clock, a, b);
      takeFrames(a);
      a.link.receive(helloBytes(FrameType.HELLO, { nonce: 0x5eed }));
      expect(a.downs).toEqual(['ERR_SERIAL_PEER_RESET']);
      const sent = takeFrames(a);
      expect(sent.map((f) => f.type)).toEqual([FrameType.HELLO, FrameType.HELLO_ACK]);
      const ack = new DataView(sent[1]!.payload.buffer);
      expect(ack.getUint32(12, true)).toBe(0x5eed); // peerNonce: the HELLO it answers
      expect(ack.getUint32(8, true)).toBe(new DataView(sent[0]!.payload.buffer).getUint32(8, true));
    });
  });

  describe('credit window (§5.1)', () => {
    it('unreliable: a forged DATA far beyond the credits is an overrun, not delivered, and silences nothing', () => {
      const { clock, a, b } = pair({ reliable: false });
      startBoth(clock, a, b);
      // b has sent nothing yet: a expects seq 0 and granted 16 credits. A stale or forged frame 100 ahead:
      a.receive(frameBytes(FrameType.DATA, 100, 0, 16, rpmsg(999)));
      expect(a.inbox).toEqual([]);
      expect(a.errors.map((e) => e.code)).toEqual(['ERR_SERIAL_OVERRUN']);
      expect(a.link.stats.overruns).toBe(1);
      // Thirty echoes: every one of b's real frames still arrives.
      for (let i = 0; i < 30; i++) {
        expect(a.send(i)).toBe(true);
        run(clock, a, b, 0);
        expect(b.send(b.inbox.at(-1)!)).toBe(true);
        run(clock, a, b, 0);
      }
      const all = Array.from({ length: 30 }, (_, i) => i);
      expect(b.inbox).toEqual(all);
      expect(a.inbox).toEqual(all);
      expect(a.link.stats.duplicates).toBe(0);
      expect(a.downs).toEqual([]);
    });

    it('reliable: DATA beyond the credits is an overrun: dropped and not acked', () => {
      const { clock, a, b } = pair();
      startBoth(clock, a, b);
      takeFrames(a);
      a.receive(frameBytes(FrameType.DATA, 100, 0, 16, rpmsg(999)));
      expect(a.errors.map((e) => e.code)).toEqual(['ERR_SERIAL_OVERRUN']);
      expect(a.link.stats.overruns).toBe(1);
      expect(a.link.stats.outOfOrder).toBe(0);
      expect(takeFrames(a)).toEqual([]); // no ACK for it
      expect(b.send(1)).toBe(true);
      run(clock, a, b, 0);
      expect(a.inbox).toEqual([1]);
    });

    it('takes DATA up to the last credit it granted, and the frame after it is an overrun', () => {
      const { clock, a, b } = pair({ rxBuffers: 2 });
      startBoth(clock, a, b);
      takeFrames(a);
      a.autoRelease = false;
      // The window before any frame is the HELLO's credits, from seq 0 (§5.1): seqs 0 and 1.
      a.receive(frameBytes(FrameType.DATA, 0, 0, 16, rpmsg(10)));
      a.receive(frameBytes(FrameType.DATA, 1, 0, 16, rpmsg(11)));
      a.receive(frameBytes(FrameType.DATA, 2, 0, 16, rpmsg(12)));
      expect(a.inbox).toEqual([10, 11]);
      expect(a.errors.map((e) => e.code)).toEqual(['ERR_SERIAL_OVERRUN']);
      // Each accepted frame was acked, the limit (ack + credit) staying at 2; the overrun got no ACK.
      expect(takeFrames(a).map((f) => [f.ack, f.credit])).toEqual([
        [1, 1],
        [2, 0],
      ]);
    });

    it('unreliable: every ACK, not only a probe answer, skips lost frames — never beyond the credits (§5.3)', () => {
      const { clock, a, b } = pair({ reliable: false });
      startBoth(clock, a, b);
      b.loseWrites = 3;
      for (let i = 0; i < 3; i++) expect(b.send(i)).toBe(true); // all three lost on the way
      takeFrames(a);
      a.receive(frameBytes(FrameType.ACK, 3, 0, 16)); // a plain ACK: b's next seq is 3
      expect(a.link.stats.lost).toBe(3);
      a.receive(frameBytes(FrameType.ACK, 3 + 100, 0, 16)); // forged: far beyond the credits
      expect(a.errors.map((e) => e.code)).toEqual(['ERR_SERIAL_OVERRUN']);
      expect(a.link.stats.lost).toBe(3);
      expect(b.send(3)).toBe(true);
      run(clock, a, b, 0);
      expect(a.inbox).toEqual([3]);
    });

    it('a DATA frame that is not an RPMsg message consumes its seq and is acked (§5.4)', () => {
      const { clock, a, b } = pair();
      startBoth(clock, a, b);
      takeFrames(a);
      a.receive(frameBytes(FrameType.DATA, 0, 0, 16, new Uint8Array(10))); // shorter than a header
      const longLen = rpmsg(1);
      new DataView(longLen.buffer).setUint16(12, 100, true); // len beyond the frame
      a.receive(frameBytes(FrameType.DATA, 1, 0, 16, longLen));
      expect(a.errors.map((e) => e.code)).toEqual(['ERR_SERIAL_BAD_MESSAGE', 'ERR_SERIAL_BAD_MESSAGE']);
      expect(takeFrames(a).map((f) => f.ack)).toEqual([1, 2]);
      a.receive(frameBytes(FrameType.DATA, 2, 0, 16, rpmsg(7)));
      expect(a.inbox).toEqual([7]);
    });
  });

  describe('data', () => {
    it('delivers messages both ways in order across sequence wrap-around', () => {
      const { clock, a, b } = pair();
      startBoth(clock, a, b);
      let sentA = 0;
      let sentB = 0;
      while (sentA < 700 || sentB < 600) {
        while (sentA < 700 && a.send(sentA)) sentA++;
        while (sentB < 600 && b.send(sentB)) sentB++;
        run(clock, a, b, 0);
      }
      expect(b.inbox).toEqual(Array.from({ length: 700 }, (_, i) => i));
      expect(a.inbox).toEqual(Array.from({ length: 600 }, (_, i) => i));
      expect(a.link.stats.retransmits + b.link.stats.retransmits).toBe(0);
    });

    it('never sends beyond the credits the receiver gave (flow control)', () => {
      const { clock, a, b } = pair({ rxBuffers: 4 });
      startBoth(clock, a, b);
      b.autoRelease = false;
      for (let i = 0; i < 10; i++) expect(a.send(i)).toBe(true);
      run(clock, a, b, 2000);
      expect(b.inbox).toEqual([0, 1, 2, 3]);
      expect(b.errors).toEqual([]);
      expect(a.link.state).toBe('up'); // probes keep it alive, it never gives up on a closed window
      b.release();
      run(clock, a, b, 50);
      expect(b.inbox.length).toBe(8);
      b.autoRelease = true;
      b.release();
      run(clock, a, b, 50);
      expect(b.inbox).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('refuses to queue while down or when the TX queue is full', () => {
      const { clock, a, b } = pair({ txBuffers: 2 });
      expect(a.send(0)).toBe(false);
      startBoth(clock, a, b);
      b.autoRelease = false;
      expect(a.send(0)).toBe(true);
      expect(a.send(1)).toBe(true);
      expect(a.send(2)).toBe(false);
    });
  });

  describe('liveness', () => {
    it('sends keep-alives on an idle link and stays up', () => {
      const { clock, a, b } = pair({ keepAliveMs: 100 });
      startBoth(clock, a, b);
      run(clock, a, b, 5000, undefined, 50);
      expect(a.link.state).toBe('up');
      expect(a.link.stats.txFrames).toBeGreaterThan(40);
      expect(a.downs).toEqual([]);
    });

    it('goes down with ERR_SERIAL_TIMEOUT when the peer falls silent, then re-handshakes', () => {
      const { clock, a, b } = pair({ keepAliveMs: 100 });
      startBoth(clock, a, b);
      clock.advance(1000); // nothing moves: both time out
      expect(a.downs).toEqual(['ERR_SERIAL_TIMEOUT']);
      expect(a.link.state).toBe('handshake');
      a.wire.length = 0;
      b.wire.length = 0;
      run(clock, a, b, 500);
      expect(a.link.state).toBe('up');
      expect(b.link.state).toBe('up');
    });

    it('polls a peer whose keep-alives are lost instead of timing out while it still answers', () => {
      // Timeout 3 × 50 + 20 + 50 = 220 ms: a's keep-alives at 50, 100, 150 and 200 ms are all
      // lost, and so are its answers to b's first two polls; b's third poll gets through.
      const { clock, a, b } = pair({ keepAliveMs: 50, retransmitMs: 20 });
      startBoth(clock, a, b);
      a.loseWrites = 4;
      run(clock, a, b, 400);
      expect(a.loseWrites).toBe(0);
      expect(b.downs).toEqual([]);
      expect(a.downs).toEqual([]);
      expect(b.link.stats.silencePolls).toBeGreaterThanOrEqual(3);
      expect(a.send(7)).toBe(true);
      run(clock, a, b, 0);
      expect(b.inbox).toEqual([7]);
    });

    it('sees a restarted peer (new nonce) as ERR_SERIAL_PEER_RESET and comes back up', () => {
      const { clock, a, b } = pair();
      startBoth(clock, a, b);
      const b2 = new End(clock, {}, 5000);
      b2.link.start();
      run(clock, a, b2, 100);
      expect(a.downs).toEqual(['ERR_SERIAL_PEER_RESET']);
      expect(a.link.state).toBe('up');
      expect(b2.link.state).toBe('up');
      expect(a.send(42)).toBe(true);
      run(clock, a, b2, 0);
      expect(b2.inbox).toEqual([42]);
    });

    it('gives up with ERR_SERIAL_NO_PROGRESS when nothing is acked', () => {
      const { clock, a, b } = pair({ retransmitMs: 10, maxRetransmits: 3, keepAliveMs: 60_000 });
      startBoth(clock, a, b);
      a.send(1);
      a.wire.length = 0;
      for (let i = 0; i < 20; i++) {
        clock.advance(10);
        a.wire.length = 0; // deaf peer
      }
      expect(a.downs).toEqual(['ERR_SERIAL_NO_PROGRESS']);
      expect(a.link.stats.retransmits).toBe(3);
    });

    it('sends RESET on stop so the peer goes down at once', () => {
      const { clock, a, b } = pair();
      startBoth(clock, a, b);
      a.link.stop(
        new (class extends Error {
          code = 'ERR_SERIAL_PORT_CLOSED' as const;
        })('closed') as unknown as SerialError,
      );
      pump(a, b);
      expect(b.downs).toEqual(['ERR_SERIAL_PEER_RESET']);
      expect(a.link.state).toBe('closed');
    });
  });

  describe('link timeout (§6)', () => {
    /** Brings a and b up, cuts the line both ways, and measures how long each waits before going down. */
    function observe(optionsA: SerialLinkOptions, optionsB: SerialLinkOptions) {
      const { clock, a, b } = pair(optionsA, optionsB);
      startBoth(clock, a, b);
      run(clock, a, b, 2000, undefined, 1); // some idle traffic: keep-alives both ways
      const timeouts = [a.link.linkTimeoutMs, b.link.linkTimeoutMs];
      for (let t = 0; t < 10_000 && (a.downs.length === 0 || b.downs.length === 0); t++) {
        clock.advance(1);
        a.wire.length = 0; // the line is cut: nothing arrives any more
        b.wire.length = 0;
      }
      expect(a.downs).toEqual(['ERR_SERIAL_TIMEOUT']);
      expect(b.downs).toEqual(['ERR_SERIAL_TIMEOUT']);
      return { a: a.downAt - a.lastRxAt, b: b.downAt - b.lastRxAt, timeouts };
    }

    // The host (a: 16 credits, retransmitMs 50) and an MCU-like peer (b: 2 credits, RTO 100 ms).
    const host = { rxBuffers: 16, keepAliveMs: 500, retransmitMs: 50 };
    const mcu = { rxBuffers: 2, keepAliveMs: 500, retransmitMs: 100 };
    /** Wire time of (16 + 2) frames of the largest message at `baud`, 10 bits per byte, rounded up. */
    const wire = (mtu: number, baud: number) =>
      Math.ceil(((16 + 2) * (mtu + 10 + Math.floor((mtu + 8) / 254)) * 10 * 1000) / baud);

    it('is 3 peer keep-alives + own retransmitMs + 50 ms when neither side declares a baud rate', () => {
      const got = observe(host, mcu);
      expect(got.a).toBe(3 * 500 + 50 + 50);
      expect(got.b).toBe(3 * 500 + 100 + 50);
      expect(got.timeouts).toEqual([got.a, got.b]);
    });

    it('adds the wire time of both windows at the baud rate one side declares, the same on both sides', () => {
      const got = observe({ ...host, baudRate: 115200 }, mcu);
      expect(wire(512, 115200)).toBe(819);
      expect(got.a).toBe(3 * 500 + 50 + 50 + 819);
      expect(got.b).toBe(3 * 500 + 100 + 50 + 819);
    });

    it('times the wire at the slower declared baud rate and the smaller MTU', () => {
      const got = observe({ ...host, baudRate: 115200 }, { ...mcu, baudRate: 9600, bufferSize: 128 });
      expect(got.a).toBe(3 * 500 + 50 + 50 + wire(128, 9600));
      expect(got.b).toBe(3 * 500 + 100 + 50 + wire(128, 9600));
    });

    it('follows the keep-alive the peer announced, not its own', () => {
      const got = observe({ ...host, keepAliveMs: 200 }, { ...mcu, keepAliveMs: 300 });
      expect(got.a).toBe(3 * 300 + 50 + 50);
      expect(got.b).toBe(3 * 200 + 100 + 50);
    });
  });

  describe('bad input', () => {
    it('counts garbage, oversized frames and bad CRCs, and keeps working', () => {
      const { clock, a, b } = pair({ bufferSize: 64 });
      startBoth(clock, a, b);
      a.link.receive(Uint8Array.from([1, 2, 3, 0, 0xff, 0xff, 0]));
      a.link.receive(new Uint8Array(500).fill(7));
      a.link.receive(Uint8Array.from([0]));
      const codes = new Set(a.errors.map((e) => e.code));
      expect(codes.has('ERR_SERIAL_FRAME_TOO_LONG')).toBe(true);
      expect(a.link.stats.errors).toBeGreaterThanOrEqual(2);
      expect(b.send(5)).toBe(true);
      run(clock, a, b, 0);
      expect(a.inbox).toEqual([5]);
    });

    it('survives any byte sequence without throwing (fuzz)', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
          const { clock, a, b } = pair({ bufferSize: 128 });
          startBoth(clock, a, b);
          a.link.receive(bytes);
          clock.advance(10);
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('noise', () => {
    const rates = fc.record({
      drop: fc.double({ min: 0, max: 0.003, noNaN: true }),
      corrupt: fc.double({ min: 0, max: 0.003, noNaN: true }),
      duplicate: fc.double({ min: 0, max: 0.003, noNaN: true }),
      seed: fc.integer({ min: 1, max: 1e9 }),
    });

    function transfer(noise: NoiseOptions, reliable: boolean, count: number) {
      const { clock, a, b } = pair({
        reliable,
        retransmitMs: 20,
        keepAliveMs: 50,
        rxBuffers: 8,
        bufferSize: 128,
      });
      const n = new Noise(noise);
      a.link.start();
      b.link.start();
      let sent = 0;
      for (let t = 0; t < 60_000 && (sent < count || a.link.queued > 0); t += 5) {
        while (sent < count && a.link.state === 'up' && a.send(sent, sent % 60)) sent++;
        clock.advance(5);
        pump(a, b, n);
      }
      run(clock, a, b, 200, n);
      return { a, b, sent };
    }

    // Per-byte rates up to 0.3 % each: on 150-byte frames that is up to ~60 % of frames damaged.
    it('reliable mode delivers every message once and in order across drops, corruption and duplicates', () => {
      fc.assert(
        fc.property(rates, (r) => {
          const { a, b, sent } = transfer(r, true, 150);
          expect(a.downs).toEqual([]);
          expect(sent).toBe(150);
          expect(b.inbox).toEqual(Array.from({ length: 150 }, (_, i) => i));
        }),
        {
          numRuns: 25,
          // Once failed: three keep-alives in a row damaged while idle, before silent peers were polled.
          examples: [
            [{ drop: 0, corrupt: 0.002998466836288572, duplicate: 0.0026815310120582585, seed: 27 }],
          ],
        },
      );
    });

    it('unreliable mode never delivers a corrupted, duplicated or reordered message', () => {
      fc.assert(
        fc.property(rates, (r) => {
          const { b } = transfer(r, false, 150);
          for (let i = 1; i < b.inbox.length; i++) expect(b.inbox[i]!).toBeGreaterThan(b.inbox[i - 1]!);
        }),
        { numRuns: 25 },
      );
    });
  });
});
