/**
 * The mailbox: a small register file of doorbells between the two cores, in its own
 * SharedArrayBuffer (as an i.MX MU or STM32 IPCC is not part of shared RAM). docs/architecture.md#threads-and-notifications.
 *
 * Each side (master, remote) has one block of Int32 words:
 *
 * | word | name      | meaning                                                                  |
 * |------|-----------|--------------------------------------------------------------------------|
 * | 0    | irq       | bumped by every ring aimed at this side; the word a sleeper waits on      |
 * | 1    | heartbeat | bumped by this side while it is alive (the watchdog reads it)            |
 * | 2    | epoch     | master: boot generation it published; remote: the generation it acked    |
 * | 3    | control   | bumped to wake this side for a control reason (stop, reset)              |
 * | 4+n  | channel n | one counter per notify id: which doorbell rang                           |
 *
 * A ring is `Atomics.add` on the channel counter and on `irq`, then `Atomics.notify` on `irq`: one
 * interrupt line per receiving core, several channels behind it, as on the real mailboxes.
 *
 * A SoC with several links (several remotes, M-core↔M-core links) has one such pair of blocks per
 * link, one after the other in the same buffer — as i.MX8QM gives each M4 its own MU instance —, so
 * every link keeps its own channels, epochs and heartbeats. A `Mailbox` object is the view of one
 * link ({@link Mailbox.link}); link 0 is the only one of a two-core SoC.
 */

/** Which core a doorbell is aimed at. */
export type CoreSide = 'master' | 'remote';

/** What a wait on a doorbell ended with (the values of `Atomics.wait`). */
export type WaitResult = 'ok' | 'not-equal' | 'timed-out';

const IRQ = 0;
const HEARTBEAT = 1;
const EPOCH = 2;
const CONTROL = 3;
const HEADER_WORDS = 4;

/** Default number of doorbell channels (notify ids 0..7) per side. */
export const MAILBOX_CHANNELS = 8;
/** Most links one mailbox serves: the simulated mailbox has this many MU-like instances. */
export const MAILBOX_MAX_LINKS = 16;

// Atomics.waitAsync is ES2024; the repository's lib is ES2023 and Node 20 has it.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
      timeout: number,
    ):
      | { async: false; value: 'not-equal' | 'timed-out' }
      | { async: true; value: Promise<'ok' | 'timed-out'> };
  }
).waitAsync;

function sideIndex(side: CoreSide): number {
  return side === 'master' ? 0 : 1;
}

/**
 * Both sides' doorbell blocks over one SharedArrayBuffer. Made once by the SoC and handed to every
 * thread (a SharedArrayBuffer crosses `postMessage` by reference).
 */
export class Mailbox {
  /** The shared register file (every link's blocks). */
  readonly buffer: SharedArrayBuffer;
  /** Doorbell channels (notify ids) per side. */
  readonly channels: number;
  /** Links the register file holds. */
  readonly links: number;
  /** The link this object is the view of. */
  readonly linkIndex: number;
  /** @internal the registers as Int32 words. */
  readonly words: Int32Array;
  /** First word of this link's master block. */
  readonly #base: number;

  /** Bytes a mailbox with `channels` channels per side and `links` links needs. */
  static byteLength(channels = MAILBOX_CHANNELS, links = 1): number {
    return links * 2 * (HEADER_WORDS + channels) * 4;
  }

  /**
   * Allocates a new mailbox with all registers zero: `links` pairs of blocks (1 to
   * {@link MAILBOX_MAX_LINKS}), `channels` doorbells per side (1 to 1024).
   */
  static create(channels = MAILBOX_CHANNELS, links = 1): Mailbox {
    if (!Number.isInteger(channels) || channels < 1 || channels > 1024) {
      throw new RangeError(`channels must be an integer 1..1024, got ${String(channels)}`);
    }
    if (!Number.isInteger(links) || links < 1 || links > MAILBOX_MAX_LINKS) {
      throw new RangeError(`links must be an integer 1..${MAILBOX_MAX_LINKS}, got ${String(links)}`);
    }
    return new Mailbox(new SharedArrayBuffer(Mailbox.byteLength(channels, links)), links);
  }

  /**
   * Wraps an existing register file (in a worker, the buffer received from the SoC) of `links`
   * links, as the view of link `link`.
   */
  constructor(buffer: SharedArrayBuffer, links = 1, link = 0) {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < Mailbox.byteLength(1, links)) {
      throw new TypeError('buffer must be a SharedArrayBuffer made by Mailbox.create()');
    }
    if (!Number.isInteger(link) || link < 0 || link >= links) {
      throw new RangeError(`link must be an integer 0..${links - 1}, got ${String(link)}`);
    }
    this.buffer = buffer;
    this.words = new Int32Array(buffer);
    this.links = links;
    this.linkIndex = link;
    this.channels = this.words.length / links / 2 - HEADER_WORDS;
    this.#base = link * 2 * (HEADER_WORDS + this.channels);
  }

  /** The view of link `index` of the same register file. */
  link(index: number): Mailbox {
    return new Mailbox(this.buffer, this.links, index);
  }

  /** @internal First word of `side`'s block of this link (its Doorbell reads from there too). */
  blockOf(side: CoreSide): number {
    return this.#base + sideIndex(side) * (HEADER_WORDS + this.channels);
  }

  /** Rings doorbell `notifyId` of core `to`: the kick of docs/architecture.md#threads-and-notifications (Atomics.add then Atomics.notify). */
  ring(to: CoreSide, notifyId: number): void {
    if (!Number.isInteger(notifyId) || notifyId < 0 || notifyId >= this.channels) {
      throw new RangeError(`notifyId must be an integer 0..${this.channels - 1}, got ${String(notifyId)}`);
    }
    const block = this.blockOf(to);
    // The channel counter first, then irq: a sleeper woken by irq always finds the channel bumped.
    Atomics.add(this.words, block + HEADER_WORDS + notifyId, 1);
    Atomics.add(this.words, block + IRQ, 1);
    Atomics.notify(this.words, block + IRQ);
  }

  /** The receiving end of `side`'s doorbells. Each thread makes its own (it keeps local cursors). */
  inbox(side: CoreSide): Doorbell {
    return new Doorbell(this, side);
  }

  /** Wakes `side`'s sleeper for a control reason (stop, reset) without ringing a channel. */
  interrupt(side: CoreSide): void {
    const block = this.blockOf(side);
    Atomics.add(this.words, block + CONTROL, 1);
    Atomics.add(this.words, block + IRQ, 1);
    Atomics.notify(this.words, block + IRQ);
  }

  /** Control interrupts sent to `side` so far (see {@link interrupt}). */
  control(side: CoreSide): number {
    return Atomics.load(this.words, this.blockOf(side) + CONTROL);
  }

  /** Heartbeats `side` has sent (see {@link Doorbell.beat}); the watchdog compares two reads. */
  heartbeat(side: CoreSide): number {
    return Atomics.load(this.words, this.blockOf(side) + HEARTBEAT);
  }

  /** `side`'s epoch word: master — the boot generation it published; remote — the one it acknowledged. */
  epoch(side: CoreSide): number {
    return Atomics.load(this.words, this.blockOf(side) + EPOCH);
  }

  /** Publishes `side`'s epoch word (only that side's own thread writes it: docs/architecture.md#threads-and-notifications rule 4). */
  setEpoch(side: CoreSide, value: number): void {
    Atomics.store(this.words, this.blockOf(side) + EPOCH, value);
  }

  /** Times doorbell `notifyId` of core `to` has rung since the mailbox was made. */
  count(to: CoreSide, notifyId: number): number {
    return Atomics.load(this.words, this.blockOf(to) + HEADER_WORDS + notifyId);
  }
}

/**
 * One core's interrupt line: wait for a ring, learn which channels rang, keep a heartbeat.
 * Not shared between threads (it keeps the last counter values it saw).
 */
export class Doorbell {
  /** The core these doorbells belong to. */
  readonly side: CoreSide;
  readonly #words: Int32Array;
  readonly #block: number;
  readonly #last: Int32Array;
  /** irq as the last {@link takeKicks} that scanned the channels read it, before the scan. */
  #scannedAt: number;

  /** Prefer {@link Mailbox.inbox}. */
  constructor(mailbox: Mailbox, side: CoreSide) {
    this.side = side;
    this.#words = mailbox.words;
    this.#block = mailbox.blockOf(side);
    this.#last = new Int32Array(mailbox.channels);
    this.#scannedAt = Atomics.load(this.#words, this.#block + IRQ);
    for (let i = 0; i < this.#last.length; i++)
      this.#last[i] = Atomics.load(this.#words, this.#block + HEADER_WORDS + i);
  }

  /** The irq counter now. Read it before re-checking the rings, then sleep on that value (docs/architecture.md#threads-and-notifications rule 2). */
  irq(): number {
    return Atomics.load(this.#words, this.#block + IRQ);
  }

  /**
   * Calls `onKick(notifyId)` for every channel that rang since the last call (once per channel,
   * however many times it rang: doorbells coalesce as interrupts do). Returns how many channels rang.
   */
  takeKicks(onKick: (notifyId: number) => void): number {
    // A ring bumps its channel, then irq. irq unchanged since the last scan began means every ring
    // that has finished bumped its channel before that scan, which saw it: one load instead of one
    // per channel on every pass of a polling core.
    const irq = Atomics.load(this.#words, this.#block + IRQ);
    if (irq === this.#scannedAt) return 0;
    let rang = 0;
    for (let i = 0; i < this.#last.length; i++) {
      const now = Atomics.load(this.#words, this.#block + HEADER_WORDS + i);
      if (now !== this.#last[i]) {
        this.#last[i] = now;
        rang++;
        onKick(i);
      }
    }
    this.#scannedAt = irq; // after the scan: an onKick that throws leaves the rest for the next call
    return rang;
  }

  /** Spins up to `spinUs` microseconds for irq to move away from `seen`; true if it did. */
  spin(seen: number, spinUs: number): boolean {
    if (spinUs <= 0) return false;
    const until = performance.now() + spinUs / 1000;
    // The clock is read once per 64 loads: each performance.now() result is a heap number, and a
    // spinning firmware otherwise allocates ~10 KB per round trip in them (GC pauses in the tail).
    // A spin ends at most 64 loads (well under a microsecond) late.
    const irq = this.#block + IRQ;
    do {
      for (let i = 0; i < 64; i++) if (Atomics.load(this.#words, irq) !== seen) return true;
    } while (performance.now() < until);
    return false;
  }

  /**
   * Blocks the thread until irq moves away from `seen` or `timeoutMs` passes (firmware-style
   * cores only: never on an event loop the program needs). Spins `spinUs` first.
   */
  wait(seen: number, timeoutMs: number, spinUs = 0): WaitResult {
    if (this.spin(seen, spinUs)) return 'not-equal';
    return Atomics.wait(this.#words, this.#block + IRQ, seen, timeoutMs);
  }

  /**
   * Waits without blocking the thread (event-loop cores). Returns the result at once when irq
   * already moved. A pending waitAsync does not keep a Node thread alive: the caller holds a
   * ref'ed handle while its core runs.
   */
  waitAsync(seen: number, timeoutMs: number, spinUs = 0): WaitResult | Promise<WaitResult> {
    if (this.spin(seen, spinUs)) return 'not-equal';
    return waitAsync(this.#words, this.#block + IRQ, seen, timeoutMs).value;
  }

  /** Tells the watchdog this core is alive. */
  beat(): void {
    Atomics.add(this.#words, this.#block + HEARTBEAT, 1);
  }
}
