import type { MessagePort } from 'node:worker_threads';

/** Slots in each direction of the sab-raw ring (as many as a default vring has buffers). */
export const SAB_RAW_SLOTS = 256;

/**
 * How a sab-raw ring lays out its messages:
 * - `packed`: slots of exactly the payload's size, both indices published per message — the cheapest
 *   channel there is;
 * - `rpmsg`: RPMsg's memory shape with none of its code — one 512-byte slot per message (a 16-byte
 *   message still costs a cache line of its own), the producer's index published every
 *   {@link RPMSG_SHAPE_BATCH} messages and the consumer's once per batch it drains. A reference for
 *   what the layout itself costs between these two threads, apart from any RPMsg code.
 */
export type SabRawShape = 'packed' | 'rpmsg';

/** Bytes per slot of the `rpmsg` shape: one RPMsg buffer. */
export const RPMSG_SHAPE_SLOT = 512;

/** Messages per index publish in the `rpmsg` shape (as `@rpmsg/core` publishes avail.idx). */
export const RPMSG_SHAPE_BATCH = 16;

/** What a baseline worker is told. */
export interface BaselineWorkerData {
  readonly transport: 'postMessage' | 'sab-raw';
  readonly role: 'send' | 'receive' | 'ping' | 'pong';
  readonly wait: 'spin' | 'sleep';
  readonly payload: number;
  /** sab-raw: the ring's layout (default `packed`). */
  readonly shape?: SabRawShape;
  readonly total: number;
  /** Messages or round trips moved first, untimed (as in the RPMsg cases). */
  readonly warmup: number;
  /** control[0] is the start line. */
  readonly control: Int32Array;
  /** sab-raw: [forward ring, backward ring]. */
  readonly rings: readonly SharedArrayBuffer[];
  /** postMessage: this worker's end of the channel. */
  readonly port?: MessagePort;
}

/** A baseline worker's report. */
export interface BaselineWorkerResult {
  readonly role: BaselineWorkerData['role'];
  readonly count: number;
  readonly elapsedNs: number;
  /** Round-trip times in ns (the `ping` role only). */
  readonly rttNs?: Float64Array | undefined;
  readonly failed?: string;
}

/** Bytes per slot of a sab-raw ring of `shape` carrying `payload`-byte messages. */
export function sabRawSlotSize(payload: number, shape: SabRawShape = 'packed'): number {
  return shape === 'rpmsg' ? RPMSG_SHAPE_SLOT : Math.max(payload, 1);
}

/** Bytes for one direction of a sab-raw ring of `shape` carrying `payload`-byte messages. */
export function sabRawBytes(payload: number, shape: SabRawShape = 'packed'): number {
  return 32 + SAB_RAW_SLOTS * sabRawSlotSize(payload, shape);
}
