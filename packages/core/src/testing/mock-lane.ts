import type { TransportBuffer } from '../transport.js';

/** Where a mock buffer is in its life; `dead` = lent when the link went down. */
export type SlotState = 'free' | 'tx' | 'sent' | 'inflight' | 'rx' | 'returning' | 'returned' | 'dead';

/** One buffer of the mock: a TransportBuffer plus its state, made once. */
export interface Slot extends TransportBuffer {
  state: SlotState;
}

/**
 * One direction of a mock pair: the sender's TX pool, which is the receiver's RX pool, as
 * with virtio shared buffers. Queues: `pendingSend` (sent, not flushed) → `inflight` (published, not
 * yet polled by the receiver) → lent as RX → `pendingReturn` (released, not flushed) → `returned`
 * (published, not yet polled by the sender) → `free`.
 */
export class Lane {
  readonly slots: Slot[];
  free: Slot[];
  readonly pendingSend: Array<{ slot: Slot; length: number }> = [];
  readonly inflight: Array<{ slot: Slot; length: number }> = [];
  readonly pendingReturn: Slot[] = [];
  readonly returned: Slot[] = [];

  constructor(firstIndex: number, count: number, bufferSize: number) {
    const memory = new ArrayBuffer(count * bufferSize);
    this.slots = Array.from({ length: count }, (_, i) => {
      const bytes = new Uint8Array(memory, i * bufferSize, bufferSize);
      return {
        index: firstIndex + i,
        bytes,
        view: new DataView(memory, i * bufferSize, bufferSize),
        state: 'free' as SlotState,
      };
    });
    this.free = [...this.slots];
  }

  /** RX buffers currently lent to the receiver. */
  get lentCount(): number {
    let n = 0;
    for (const slot of this.slots) if (slot.state === 'rx') n++;
    return n;
  }

  /**
   * The slot `buf` is, checked to belong to this lane.
   *
   * @throws {RpmsgError} a foreign buffer
   */
  own(buf: TransportBuffer, where: string): Slot {
    const slot = this.slots.find((s) => s === buf);
    if (!slot) throw new Error(`MockTransport contract breach: ${where} got a buffer of another pool`);
    return slot;
  }

  makeFree(slot: Slot): void {
    slot.state = 'free';
    this.free.push(slot);
  }

  /** Link down: queues dropped, every buffer not free is dead until the next `reset()`. */
  kill(): void {
    for (const slot of this.slots) if (slot.state !== 'free') slot.state = 'dead';
    this.pendingSend.length = 0;
    this.inflight.length = 0;
    this.pendingReturn.length = 0;
    this.returned.length = 0;
    this.free = this.slots.filter((s) => s.state === 'free');
  }

  /** Link up: every buffer free (the rings are reset). */
  reset(): void {
    this.kill();
    for (const slot of this.slots) slot.state = 'free';
    this.free = [...this.slots];
  }
}
