import { isVirtioError, type MemoryRegion } from '@rpmsg/virtio';
import { RpmsgError } from '../errors.js';
import type { RpmsgLayout } from '../layout/types.js';
import type { TransportSink } from '../transport.js';
import type { BufferPool } from './buffer-pool.js';

/** Counters a VirtioTransport keeps (the writable twin of TransportStats). */
export interface VirtioStats {
  txMessages: number;
  rxMessages: number;
  notifications: number;
  rxHeld: number;
  errors: number;
}

/** What a role engine needs from the transport around it (internal). */
export interface EngineHost {
  readonly memory: MemoryRegion;
  readonly layout: RpmsgLayout;
  readonly pool: BufferPool;
  readonly counters: VirtioStats;
  readonly sink: TransportSink;
  readonly isUp: boolean;
  /**
   * Lends RX slot `k` (`length` bytes written, untrusted) to the sink, and takes it back through the
   * engine's `releaseRx` if the sink returns true (Transport contract: RX ownership).
   */
  deliver(k: number, length: number): void;
  /** Rings the peer's doorbell for `vring` and counts it. */
  kick(vring: 0 | 1): void;
  /** The handshake completed. */
  setUp(nameService: boolean): void;
  /** The link went down for `reason` (buffers lent out die). */
  setDown(reason: RpmsgError): void;
  /** The peer broke the protocol: count it and tell the sink. */
  report(error: RpmsgError): void;
}

/**
 * One role's ring logic (master = virtio driver, remote = virtio device). Slots are pool slots
 * (see BufferPool); the transport has checked the slot state before calling.
 */
export interface Engine {
  /** Starts the handshake; throws a typed error when the region cannot be used. */
  start(): void;
  /** Delivers what the peer published, at most `budget` messages; returns messages delivered. */
  poll(budget: number): number;
  /**
   * Takes a free TX slot, or returns -1. Its state is left to the caller, which either lends it
   * (marks it SLOT_LENT_TX) or sends it before returning (`send` marks it SLOT_PEER).
   */
  getTx(): number;
  /** Queues TX slot `k` with `length` bytes. */
  send(k: number, length: number): void;
  /** Returns unsent TX slot `k`. */
  releaseTx(k: number): void;
  /** Gives RX slot `k` back to the peer. */
  releaseRx(k: number): void;
  /** Publishes and kicks if asked. */
  flush(): void;
  /**
   * Re-enables notifications, then re-checks the rings: true when nothing is pending
   * (docs/architecture.md, "Threads and notifications", rule 1).
   */
  prepareToSleep(): boolean;
  /** Asks the peer not to notify while we keep polling. */
  disableNotifications(): void;
  /** The peer's doorbell for `vring` rang. */
  onKick(vring: 0 | 1): void;
  /** TX buffers this side could take now. */
  txFree(): number;
  /** Called on close: stop using the rings (master: reset the device status). */
  stop(): void;
}

/**
 * Wraps a VirtioError from a corrupt ring as ERR_RPMSG_RING (the VirtioError as `cause`;
 * docs/interop.md, "Restart and resync": corrupt rings); anything else is a bug and rethrown.
 */
export function ringError(error: unknown, where: string): RpmsgError {
  if (!isVirtioError(error)) throw error;
  return new RpmsgError('ERR_RPMSG_RING', `${where}: ${error.message} (${error.code})`, { cause: error });
}

/**
 * Places vring `i` with `place` (a queue constructor). A placement the ring code refuses is the
 * layout's fault: ERR_RPMSG_LAYOUT, the VirtioError as `cause`, naming `vrings[i].da` for a ring
 * outside the region or not 16-byte aligned (ERR_VIRTQ_LAYOUT) and `pool` for buffers outside it.
 * Anything else is a bug and rethrown.
 */
export function placeVring<Q>(i: 0 | 1, place: () => Q): Q {
  try {
    return place();
  } catch (error) {
    if (!isVirtioError(error)) throw error;
    const field = error.code === 'ERR_VIRTQ_LAYOUT' ? `vrings[${i}].da` : 'pool';
    throw new RpmsgError('ERR_RPMSG_LAYOUT', `layout: vrings[${i}]: ${error.message}`, {
      field,
      cause: error,
    });
  }
}
