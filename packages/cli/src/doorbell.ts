/**
 * A minimal mailbox for the ring demo and benchmarks: one Int32 counter per notify id in a small
 * SharedArrayBuffer that is not part of shared RAM (docs/architecture.md#threads-and-notifications, as an i.MX MU or STM32 IPCC register
 * file). The simulated SoC has the full mailbox; the CLI's ring-level programs need only this.
 */
export class Doorbells {
  readonly cells: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.cells = new Int32Array(buffer);
  }

  /** Bytes needed for `count` doorbells. */
  static byteLength(count: number): number {
    return count * Int32Array.BYTES_PER_ELEMENT;
  }

  /** Rings doorbell `id`: the add publishes the event, the notify wakes a sleeper. */
  ring(id: number): void {
    // Atomics.add is sequentially consistent, so ring writes made before it are visible to the
    // thread that observes the new counter value.
    Atomics.add(this.cells, id, 1);
    Atomics.notify(this.cells, id);
  }

  /** The counter value a sleeper must read *before* its last check of the ring (docs/architecture.md#threads-and-notifications rule 2). */
  seen(id: number): number {
    return Atomics.load(this.cells, id);
  }

  /**
   * Blocks until doorbell `id` moves past `seen` or `timeoutMs` passes. Returns at once when it already
   * moved, so a ring between the re-check and the wait is never lost. Workers only: blocking is not
   * allowed on the main thread.
   */
  wait(id: number, seen: number, timeoutMs: number): void {
    Atomics.wait(this.cells, id, seen, timeoutMs);
  }
}
