/** Rates (0..1, per byte) at which {@link Noise} damages a byte stream. */
export interface NoiseOptions {
  /** Probability a byte is lost. */
  drop?: number;
  /** Probability a byte is replaced by a different random byte. */
  corrupt?: number;
  /** Probability a byte is sent twice. */
  duplicate?: number;
  /** PRNG seed, so a failing run can be replayed. Default 1. */
  seed?: number;
}

/** What a {@link Noise} did so far. */
export interface NoiseStats {
  /** Bytes in. */
  bytes: number;
  /** Bytes dropped. */
  dropped: number;
  /** Bytes corrupted. */
  corrupted: number;
  /** Bytes duplicated. */
  duplicated: number;
}

/**
 * A seeded byte-stream damager for tests and the bench: `apply(chunk)` returns the chunk as a noisy
 * line would deliver it. Deterministic for a given seed (mulberry32 PRNG).
 */
export class Noise {
  /** Counters. */
  readonly stats: NoiseStats = { bytes: 0, dropped: 0, corrupted: 0, duplicated: 0 };
  #state: number;
  readonly #drop: number;
  readonly #corrupt: number;
  readonly #duplicate: number;

  /** @param options per-byte rates and seed */
  constructor(options: NoiseOptions = {}) {
    this.#drop = options.drop ?? 0;
    this.#corrupt = options.corrupt ?? 0;
    this.#duplicate = options.duplicate ?? 0;
    this.#state = (options.seed ?? 1) >>> 0;
  }

  /** A uniform number in [0, 1). */
  random(): number {
    // mulberry32
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Returns `chunk` damaged (a new array; the input is not changed). */
  apply(chunk: Uint8Array): Uint8Array {
    const out: number[] = [];
    for (const b of chunk) {
      this.stats.bytes++;
      if (this.random() < this.#drop) {
        this.stats.dropped++;
        continue;
      }
      let v = b;
      if (this.random() < this.#corrupt) {
        this.stats.corrupted++;
        v = (b ^ (1 + Math.floor(this.random() * 255))) & 0xff;
      }
      out.push(v);
      if (this.random() < this.#duplicate) {
        this.stats.duplicated++;
        out.push(v);
      }
    }
    return Uint8Array.from(out);
  }
}
