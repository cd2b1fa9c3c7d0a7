/**
 * The two baselines every `rpmsg bench` figure is compared with, measured in the same run:
 * - `postMessage`: a MessagePort between two workers, payload structured-cloned per message;
 * - `sab-raw`: the cheapest possible shared-memory channel — a single-producer single-consumer
 *   ring of fixed slots with Atomics on the two index words only, no virtio, no headers; in the
 *   `rpmsg` shape the same ring with RPMsg's memory layout (`SabRawShape`).
 * Roles: `send` and `receive` (one-way), `ping` and `pong` (round trips, timed by `ping`).
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import {
  type BaselineWorkerData,
  type BaselineWorkerResult,
  RPMSG_SHAPE_BATCH,
  SAB_RAW_SLOTS,
  sabRawSlotSize,
} from './baseline-protocol.js';

const data = workerData as BaselineWorkerData;
const SLEEP_MS = 1000;

function waitForGo(): void {
  while (Atomics.load(data.control, 0) === 0) Atomics.wait(data.control, 0, 0, SLEEP_MS);
}

// ---- sab-raw: slots of `slotSize` bytes; ring[0] = head (producer), ring[1] = tail (consumer);
// ring[2] / ring[3] = "I sleep" flags of producer / consumer; ring[4] / ring[5] = wake counters.
const HEAD = 0;
const TAIL = 1;
const CONSUMER_WAKE = 5;
const PRODUCER_WAKE = 4;

/**
 * A one-direction SPSC slot ring in `buffer`. Each side publishes its index every `batch` messages,
 * and whenever it finds the ring full (producer) or empty (consumer), so nothing stays unpublished
 * while the peer waits for it.
 */
class RawRing {
  readonly idx: Int32Array;
  readonly bytes: Uint8Array;
  /** Producer: next slot to fill (published as HEAD every `batch`). */
  #head = 0;
  /** Consumer: next slot to read (published as TAIL every `batch`). */
  #tail = 0;
  /** Messages moved by this side since it last published its index. */
  #unpublished = 0;
  constructor(
    buffer: SharedArrayBuffer,
    readonly slotSize: number,
    readonly batch: number,
  ) {
    this.idx = new Int32Array(buffer, 0, 8);
    this.bytes = new Uint8Array(buffer, 32);
  }
  tryPush(src: Uint8Array): boolean {
    const head = this.#head;
    if (head - Atomics.load(this.idx, TAIL) >= SAB_RAW_SLOTS) {
      this.flushHead();
      return false;
    }
    this.bytes.set(src, (head % SAB_RAW_SLOTS) * this.slotSize);
    this.#head = head + 1;
    if (++this.#unpublished === this.batch) this.flushHead();
    return true;
  }
  /** Publishes the messages pushed so far (the payloads written before it). */
  flushHead(): void {
    if (this.#unpublished === 0) return;
    this.#unpublished = 0;
    Atomics.store(this.idx, HEAD, this.#head);
    if (data.wait === 'sleep') {
      Atomics.add(this.idx, CONSUMER_WAKE, 1);
      Atomics.notify(this.idx, CONSUMER_WAKE);
    }
  }
  hasSpace(): boolean {
    return this.#head - Atomics.load(this.idx, TAIL) < SAB_RAW_SLOTS;
  }
  hasData(): boolean {
    return Atomics.load(this.idx, HEAD) !== this.#tail;
  }
  tryPop(dst: Uint8Array): boolean {
    const tail = this.#tail;
    if (Atomics.load(this.idx, HEAD) === tail) {
      this.#flushTail();
      return false;
    }
    const at = (tail % SAB_RAW_SLOTS) * this.slotSize;
    dst.set(this.bytes.subarray(at, at + dst.length));
    this.#tail = tail + 1;
    if (++this.#unpublished === this.batch) this.#flushTail();
    return true;
  }
  #flushTail(): void {
    if (this.#unpublished === 0) return;
    this.#unpublished = 0;
    Atomics.store(this.idx, TAIL, this.#tail);
    if (data.wait === 'sleep') {
      Atomics.add(this.idx, PRODUCER_WAKE, 1);
      Atomics.notify(this.idx, PRODUCER_WAKE);
    }
  }
  /** Waits for the peer: spins, or sleeps on the counter read before the last check. */
  waitFor(counter: number, ready: () => boolean): void {
    if (data.wait === 'spin') return;
    const seen = Atomics.load(this.idx, counter);
    if (ready()) return;
    Atomics.wait(this.idx, counter, seen, SLEEP_MS);
  }
}

function sabRaw(): BaselineWorkerResult {
  const shape = data.shape ?? 'packed';
  const slotSize = sabRawSlotSize(data.payload, shape);
  const batch = shape === 'rpmsg' ? RPMSG_SHAPE_BATCH : 1;
  const out = new RawRing(data.rings[0]!, slotSize, batch);
  const back = new RawRing(data.rings[1]!, slotSize, batch);
  const msg = new Uint8Array(data.payload).fill(0x5a);
  const sink = new Uint8Array(data.payload);
  const rtts = data.role === 'ping' ? new Float64Array(data.total) : undefined;
  // Messages (or round trips) from..to-1; negative numbers are the warm-up. The warm-up and the timed
  // run are two calls of one function, so the code optimized during the warm-up is the code timed (a
  // timer read inside the loop would deoptimize it at the start line).
  const phase = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      switch (data.role) {
        case 'send':
          while (!out.tryPush(msg)) out.waitFor(PRODUCER_WAKE, () => out.hasSpace());
          break;
        case 'receive':
          while (!out.tryPop(sink)) out.waitFor(CONSUMER_WAKE, () => out.hasData());
          break;
        case 'ping': {
          const t = process.hrtime.bigint();
          while (!out.tryPush(msg)) out.waitFor(PRODUCER_WAKE, () => out.hasSpace());
          out.flushHead(); // a round trip cannot wait for a batch to fill
          while (!back.tryPop(sink)) back.waitFor(CONSUMER_WAKE, () => back.hasData());
          // Warm-up round trips are stored too (in slot 0, overwritten later): the same code path.
          rtts![Math.max(i, 0)] = Number(process.hrtime.bigint() - t);
          break;
        }
        case 'pong':
          while (!out.tryPop(sink)) out.waitFor(CONSUMER_WAKE, () => out.hasData());
          while (!back.tryPush(sink)) back.waitFor(PRODUCER_WAKE, () => back.hasSpace());
          back.flushHead();
          break;
      }
    }
  };
  waitForGo();
  phase(-data.warmup, 0);
  const start = process.hrtime.bigint();
  phase(0, data.total);
  if (data.role === 'send') out.flushHead(); // the last, partial batch
  return {
    role: data.role,
    count: data.total,
    elapsedNs: Number(process.hrtime.bigint() - start),
    rttNs: rtts,
  };
}

function postMessage(port: MessagePort): Promise<BaselineWorkerResult> {
  const msg = new Uint8Array(data.payload).fill(0x5a);
  const rtts = data.role === 'ping' ? new Float64Array(data.total) : undefined;
  return new Promise((resolve) => {
    let count = 0;
    let start = 0n;
    let sentAt = 0n;
    const finish = () =>
      resolve({ role: data.role, count, elapsedNs: Number(process.hrtime.bigint() - start), rttNs: rtts });
    switch (data.role) {
      case 'send': {
        // The sender never waits: postMessage queues without bound, which is what users see.
        const stream = () => {
          start = process.hrtime.bigint();
          for (; count < data.total; count++) port.postMessage(msg);
          port.once('message', finish); // the receiver's "done"
        };
        waitForGo();
        if (data.warmup === 0) return stream();
        for (let i = 0; i < data.warmup; i++) port.postMessage(msg);
        port.once('message', stream); // the receiver's "warm": time from here
        break;
      }
      case 'receive': {
        let warm = 0;
        port.on('message', () => {
          if (warm < data.warmup) {
            if (++warm === data.warmup) port.postMessage('warm');
            return;
          }
          if (count === 0) start = process.hrtime.bigint();
          if (++count === data.total) {
            port.postMessage('done');
            finish();
          }
        });
        break;
      }
      case 'ping': {
        let warm = 0;
        port.on('message', () => {
          if (warm < data.warmup) {
            if (++warm === data.warmup) start = process.hrtime.bigint();
          } else {
            rtts![count] = Number(process.hrtime.bigint() - sentAt);
            if (++count === data.total) return finish();
          }
          sentAt = process.hrtime.bigint();
          port.postMessage(msg);
        });
        waitForGo();
        start = process.hrtime.bigint();
        sentAt = start;
        port.postMessage(msg);
        break;
      }
      case 'pong':
        port.on('message', (m: Uint8Array) => {
          if (count === data.warmup) start = process.hrtime.bigint();
          port.postMessage(m);
          if (++count === data.warmup + data.total) finish();
        });
        break;
    }
  });
}

const run = data.transport === 'sab-raw' ? Promise.resolve().then(sabRaw) : postMessage(data.port!);
run.then(
  (result) => {
    data.port?.close();
    parentPort!.postMessage(result, result.rttNs ? [result.rttNs.buffer as ArrayBuffer] : []);
  },
  (error: unknown) => parentPort!.postMessage({ role: data.role, failed: String(error) }),
);
