import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RpmsgFileOps } from '../file-ops.js';
import { nodeFileOps } from '../node-file-ops.js';
import { errnoError } from './errno.js';
import { FakeKernel } from './fake-kernel.js';
import { FakeRemoteproc, type FakeRemoteprocOptions } from './fake-remoteproc.js';
import { ptyUnavailableReason } from './pty-relay.js';

/** Options of {@link createFakeBoard}. */
export interface FakeBoardOptions {
  /** `uname -r` of the model (decides which features it has). Default `6.6.0`; null: no /proc. */
  release?: string | null;
  /** Which rpmsg drivers the model's kernel has. Default both. */
  drivers?: { rpmsgChar?: boolean; rpmsgTty?: boolean };
  /** The directory to build the tree in. Default: a new temporary directory, removed by `close()`. */
  root?: string;
}

/**
 * A Linux board's rpmsg and remoteproc interfaces as a tree of files under a temporary root, plus the
 * file-operations seam that stands in for the kernel where files alone cannot: `/dev/rpmsgN` keeps
 * message boundaries (one write, one message; one read, one message) and sysfs attributes act when
 * written. `/dev/ttyRPMSGn` is a real pty (a python3 relay echoes on its far end) when one can be
 * made here — see `ptyProblem`.
 *
 * Pass `{ root: board.root, fileOps: board.fileOps }` to `openLinuxRpmsg`, `listRemoteprocs` and
 * `openRemoteproc`.
 */
export interface FakeBoard {
  readonly root: string;
  readonly kernel: FakeKernel;
  readonly fileOps: RpmsgFileOps;
  /** Null when ttys work here, else why not (tests needing one skip with this reason). */
  readonly ptyProblem: string | null;
  /** Adds a remote processor (`remoteproc0`, `remoteproc1`, …). */
  addRemoteproc(options?: FakeRemoteprocOptions): FakeRemoteproc;
  /** Makes opening or writing a path (absolute, or relative to the root) fail: EACCES by default. */
  deny(path: string, errno?: string): void;
  /** Undoes `deny`. */
  allow(path: string): void;
  /** Resolves once every tty being set up is ready. */
  settled(): Promise<void>;
  /** Ends the pty relays and removes the tree (when the board made it). */
  close(): Promise<void>;
}

/** Builds a fake board (see {@link FakeBoard}). */
export function createFakeBoard(options: FakeBoardOptions = {}): FakeBoard {
  const ownRoot = options.root === undefined;
  const root = options.root ?? mkdtempSync(join(tmpdir(), 'rpmsg-linux-'));
  const kernel = new FakeKernel(root, options.release === undefined ? '6.6.0' : options.release, {
    rpmsgChar: options.drivers?.rpmsgChar ?? true,
    rpmsgTty: options.drivers?.rpmsgTty ?? true,
  });
  const real = nodeFileOps();
  let remoteprocs = 0;
  const at = (path: string) => (path.startsWith('/') && path.startsWith(root) ? path : join(root, path));
  const refuse = (path: string, syscall: string) => {
    const errno = kernel.deniedErrno(path);
    if (errno !== undefined) throw errnoError(errno, syscall, path);
  };
  const fileOps: RpmsgFileOps = {
    async openCharDevice(path) {
      refuse(path, 'open');
      const eptdev = kernel.eptdevAt(path);
      if (eptdev === undefined) throw errnoError('ENOENT', 'open', path);
      return eptdev.open(path);
    },
    async openTty(path) {
      refuse(path, 'open');
      return real.openTty(path);
    },
    async writeAttribute(path, value) {
      refuse(path, 'open');
      // kernfs_fop_open (fs/kernfs/file.c): opening an attribute without any write bit for writing is
      // EACCES whoever asks — root included, unlike a file on disk.
      const mode = modeOf(path);
      if (mode !== null && (mode & 0o222) === 0) throw errnoError('EACCES', 'open', path);
      const store = kernel.storeFor(path);
      if (store === undefined) return real.writeAttribute(path, value);
      // sysfs stores run in the writer's write(2); the answer comes back as its result.
      await Promise.resolve();
      store(value);
    },
  };
  return {
    root,
    kernel,
    fileOps,
    get ptyProblem() {
      return ptyUnavailableReason();
    },
    addRemoteproc(rprocOptions = {}) {
      const rproc = new FakeRemoteproc(kernel, remoteprocs, rprocOptions);
      remoteprocs += 1;
      return rproc;
    },
    deny(path, errno = 'EACCES') {
      kernel.deny(at(path), errno);
    },
    allow(path) {
      kernel.allow(at(path));
    },
    settled: () => kernel.settled(),
    async close() {
      await kernel.close();
      if (ownRoot) rmSync(root, { recursive: true, force: true });
    },
  };
}

function modeOf(path: string): number | null {
  try {
    return statSync(path).mode;
  } catch {
    return null;
  }
}
