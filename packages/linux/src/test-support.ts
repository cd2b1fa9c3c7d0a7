// Test helpers shared by this package's tests (not exported from the package).

import type { LinuxRpmsgOptions } from './device-options.js';
import type { LinuxRpmsgDevice } from './linux-device.js';
import { openLinuxRpmsg } from './open-linux-rpmsg.js';
import {
  createFakeBoard,
  type FakeBoard,
  type FakeBoardOptions,
  type FakeRemoteproc,
  type FakeRemoteprocOptions,
} from './testing/index.js';

/** The services of the simulator's demo firmware, plus a channel rpmsg_char takes by itself. */
export const DEMO_SERVICES = [
  { name: 'rpmsg-echo', addr: 30 },
  { name: 'rpmsg-tty', addr: 31 },
] as const;

export interface Bench {
  readonly board: FakeBoard;
  readonly rproc: FakeRemoteproc;
  readonly device: LinuxRpmsgDevice;
  close(): Promise<void>;
}

/** A fake board with one running remote processor and a device opened on it. */
export async function startBench(
  options: {
    board?: FakeBoardOptions;
    rproc?: FakeRemoteprocOptions;
    device?: Omit<LinuxRpmsgOptions, 'root' | 'fileOps'>;
  } = {},
): Promise<Bench> {
  const board = createFakeBoard(options.board);
  const rproc = board.addRemoteproc({ running: true, services: DEMO_SERVICES, ...options.rproc });
  await board.settled();
  const device = await openLinuxRpmsg({
    root: board.root,
    fileOps: board.fileOps,
    pollInterval: 5,
    ...options.device,
  });
  return {
    board,
    rproc,
    device,
    async close() {
      await device.close();
      await board.close();
    },
  };
}

/** Resolves with the next message on `ep` whose payload is not empty (a hello echoed is skipped). */
export function nextMessage(ep: {
  on(event: 'message', l: (p: Uint8Array) => void): unknown;
  off(event: 'message', l: (p: Uint8Array) => void): unknown;
}): Promise<Buffer> {
  return new Promise((resolve) => {
    const listener = (payload: Uint8Array) => {
      if (payload.length === 0) return;
      ep.off('message', listener);
      resolve(Buffer.from(payload));
    };
    ep.on('message', listener);
  });
}

/** Lets the event loop turn `n` times (setImmediate): the model answers from there. */
export async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The error `promise` rejects with; fails the test if it resolves. */
export async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error & { code?: string },
  );
}
