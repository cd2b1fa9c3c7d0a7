/** What the ring worker is told and what it reports (control only: data goes through the ring). */
export interface RingWorkerData {
  readonly role: 'driver' | 'device';
  readonly region: SharedArrayBuffer;
  readonly base: number;
  readonly ringAddr: number;
  readonly num: number;
  readonly align: number;
  readonly eventIdx: boolean;
  readonly poolAddr: number;
  readonly bufferSize: number;
  /** Bytes written into every buffer (≤ bufferSize). */
  readonly payload: number;
  /** Buffers to pass. */
  readonly total: number;
  /** Check every byte of every buffer (the demo), or only the sequence number (the benchmark). */
  readonly verify: boolean;
  /** Poll iterations before sleeping on the doorbell. */
  readonly spin: number;
  readonly doorbells: SharedArrayBuffer;
}

/** The worker's report. `failed` is set instead of the counters when it stopped on an error. */
export type RingWorkerResult =
  | {
      readonly role: 'driver' | 'device';
      readonly count: number;
      readonly elapsedNs: number;
      readonly notifications: number;
      readonly sleeps: number;
      readonly errors: number;
      readonly failed?: undefined;
    }
  | { readonly role: 'driver' | 'device'; readonly failed: string };

/** Doorbell ids: the device's (kick), the driver's (interrupt), and the start line. */
export const DOORBELL_DEVICE = 0;
export const DOORBELL_DRIVER = 1;
export const DOORBELL_GO = 2;
export const DOORBELL_COUNT = 3;
