import type { MessagePort } from 'node:worker_threads';

/** Slots in each direction of the sab-raw ring (as many as a default vring has buffers). */
export const SAB_RAW_SLOTS = 256;

/** What a baseline worker is told. */
export interface BaselineWorkerData {
  readonly transport: 'postMessage' | 'sab-raw';
  readonly role: 'send' | 'receive' | 'ping' | 'pong';
  readonly wait: 'spin' | 'sleep';
  readonly payload: number;
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

/** Bytes for one direction of a sab-raw ring carrying `payload`-byte messages. */
export function sabRawBytes(payload: number): number {
  return 32 + SAB_RAW_SLOTS * Math.max(payload, 1);
}
