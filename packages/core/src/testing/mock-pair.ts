import { checkInteger, checkOptions } from '@rpmsg/virtio';
import { RPMSG_BUFFER_SIZE, RPMSG_HEADER_SIZE } from '../constants.js';
import type { RpmsgErrorCode } from '../errors.js';
import { Lane } from './mock-lane.js';
import { MockTransport, type MockTransportPairOptions } from './mock-transport.js';

/** The two ends made by {@link createMockTransportPair}, and controls over the link between them. */
export interface MockTransportPair {
  /** The virtio-driver side. */
  readonly master: MockTransport;
  /** The virtio-device side. */
  readonly remote: MockTransport;
  /** Clears both sides' recordings (`sent`, `lastSent`). */
  reset(): void;
  /** Polls both sides until nothing published is left; returns the messages delivered. */
  pump(): number;
  /** Lets microtasks and auto-delivery run until nothing is in flight (no timers, no sleeping). */
  settle(): Promise<void>;
  /** Takes the link down on both sides (a crash): sinks see `onLinkDown(code)`; lent buffers die. */
  disconnect(code?: RpmsgErrorCode): void;
  /** Brings the link up again after `disconnect()` with every buffer free. */
  reconnect(): void;
  /** `const [master, remote] = createMockTransportPair()` works too. */
  [Symbol.iterator](): Iterator<MockTransport>;
}

/**
 * Makes two in-memory transports wired to each other: what `master` sends, `remote` receives, and
 * the other way round; RX buffers go back to the sender's pool when released and flushed. Buffers are
 * shared memory as in virtio: the receiver sees the very bytes the sender wrote (zero-copy).
 *
 * Delivery is asynchronous by default (a flush schedules the peer's poll in a microtask); set
 * `autoDeliver: false` and call `pump()` to step it by hand.
 *
 * @example
 * const { master, remote } = createMockTransportPair({ buffers: 4 });
 * const a = new RpmsgDevice(master);
 * const b = new RpmsgDevice(remote);
 * await Promise.all([a.start(), b.start()]);
 */
export function createMockTransportPair(options: MockTransportPairOptions = {}): MockTransportPair {
  checkOptions('options', options);
  const resolved: Required<MockTransportPairOptions> = {
    bufferSize: options.bufferSize ?? RPMSG_BUFFER_SIZE,
    buffers: options.buffers ?? 8,
    nameService: options.nameService ?? true,
    autoDeliver: options.autoDeliver ?? true,
    record: options.record ?? true,
  };
  const { bufferSize, buffers } = resolved;
  // The upper bounds only keep a typo from allocating gigabytes.
  checkInteger('options.bufferSize', bufferSize, RPMSG_HEADER_SIZE, 1 << 20);
  checkInteger('options.buffers', buffers, 1, 1 << 20);
  const toRemote = new Lane(0, buffers, bufferSize);
  const toMaster = new Lane(buffers, buffers, bufferSize);
  const master = new MockTransport('master', toRemote, toMaster, resolved);
  const remote = new MockTransport('remote', toMaster, toRemote, resolved);
  master.peer = remote;
  remote.peer = master;
  const pump = (): number => {
    let total = 0;
    for (let round = 0; round < 100_000 && (master.hasPending || remote.hasPending); round++) {
      total += master.poll() + remote.poll();
    }
    return total;
  };
  return {
    master,
    remote,
    reset() {
      master.sent.length = 0;
      remote.sent.length = 0;
    },
    pump,
    async settle() {
      for (let round = 0; round < 10_000; round++) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (!master.hasPending && !remote.hasPending) return;
        pump();
      }
      throw new Error('MockTransportPair.settle: traffic did not stop after 10000 rounds');
    },
    disconnect(code: RpmsgErrorCode = 'ERR_RPMSG_PEER_GONE') {
      master.linkDown(code);
      remote.linkDown(code);
    },
    reconnect() {
      if (master.isStarted && remote.isStarted) master.linkUp();
    },
    *[Symbol.iterator]() {
      yield master;
      yield remote;
    },
  };
}
