import { closeSync, constants, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { type Clock, systemClock } from '@rpmsg/core';
import { LinuxRpmsgError } from './errors.js';
import { type PollerLike, PollerReadiness, type Readiness, TimerReadiness } from './fd-readiness.js';
import type { DeviceFile, RpmsgFileOps } from './file-ops.js';

const { O_RDWR, O_WRONLY, O_NONBLOCK, O_NOCTTY } = constants;

/** Options of {@link nodeFileOps}. */
export interface NodeFileOpsOptions {
  /** Retry period (ms) of a char device when epoll is not available (see {@link TimerReadiness}). */
  readonly pollInterval?: number;
  readonly clock?: Clock;
  /**
   * @internal Tests only: let a FIFO stand in for a character device (a test machine cannot make
   * one without root). Anything else that is not a character device is still refused.
   */
  readonly acceptFifos?: boolean;
}

type PollerConstructor = new (fd: number) => PollerLike & { stop(): void; destroy(): void };

/** What this package needs of `@serialport/bindings-cpp`'s port: its descriptor, poller and close. */
interface TtyPort {
  readonly fd: number | null;
  readonly poller: PollerLike;
  close(): Promise<void>;
}

interface TtyBinding {
  open(options: { path: string; baudRate: number; lock: boolean }): Promise<TtyPort>;
}

// Loaded on first use, so a machine without a prebuilt serialport binding still gets char devices
// (through the timer fallback) and everything else.
let pollerModule: Promise<PollerConstructor | null> | undefined;
let ttyBinding: Promise<TtyBinding> | undefined;

function loadPoller(): Promise<PollerConstructor | null> {
  pollerModule ??= import('@serialport/bindings-cpp/dist/poller.js').then(
    (m: { Poller: unknown }) => m.Poller as PollerConstructor,
    () => null,
  );
  return pollerModule;
}

function loadTtyBinding(): Promise<TtyBinding> {
  ttyBinding ??= import('@serialport/bindings-cpp').then(
    (m) => m.autoDetect() as unknown as TtyBinding,
    (error: unknown) => {
      ttyBinding = undefined;
      throw new LinuxRpmsgError(
        'ERR_RPMSG_LINUX_IO',
        'the serialport binding (@serialport/bindings-cpp) did not load, and a tty needs it for raw mode; ' +
          'it ships prebuilt for linux-arm, linux-arm64 and linux-x64 — reinstall the package on the board',
        { cause: error },
      );
    },
  );
  return ttyBinding;
}

/** A non-blocking descriptor: each call one read(2) / write(2), waits through `readiness`. */
class NodeDeviceFile implements DeviceFile {
  readonly #fd: number;
  readonly #readiness: Readiness;
  readonly #release: () => void;
  #closed = false;

  constructor(fd: number, readiness: Readiness, release: () => void) {
    this.#fd = fd;
    this.#readiness = readiness;
    this.#release = release;
  }

  read(buffer: Uint8Array): number {
    // position null: read(2), not pread(2), which a character device refuses (ESPIPE).
    return readSync(this.#fd, buffer, 0, buffer.length, null);
  }

  write(data: Uint8Array): number {
    return writeSync(this.#fd, data, 0, data.length);
  }

  waitReadable(callback: (error: Error | null) => void): void {
    this.#readiness.waitReadable(callback);
  }

  waitWritable(callback: (error: Error | null) => void): void {
    this.#readiness.waitWritable(callback);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#readiness.close();
    this.#release();
  }
}

/**
 * Refuses a descriptor that is not a character device. rpmsg_char's nodes are (devtmpfs makes them
 * from the cdev that rpmsg_eptdev_create / rpmsg_chrdev_eptdev_add registers); a regular file at that
 * path — left behind by a script, or a /dev that is not devtmpfs — reads 0 bytes forever, which
 * would look like a stream of empty messages. Closes the descriptor before throwing.
 *
 * @throws {LinuxRpmsgError} `ERR_RPMSG_LINUX_NOT_DEVICE`
 */
function checkCharacterDevice(fd: number, path: string, acceptFifos: boolean): void {
  let isDevice = false;
  try {
    const stat = fstatSync(fd);
    isDevice = stat.isCharacterDevice() || (acceptFifos && stat.isFIFO());
  } finally {
    if (!isDevice) closeSync(fd);
  }
  if (!isDevice) {
    throw new LinuxRpmsgError(
      'ERR_RPMSG_LINUX_NOT_DEVICE',
      `${path} is not a character device: rpmsg_char's nodes are made by devtmpfs — remove the file ` +
        'and check that /dev is devtmpfs (CONFIG_DEVTMPFS, mount -t devtmpfs devtmpfs /dev)',
      { path },
    );
  }
}

/**
 * The real file operations: `fs` on the device nodes and sysfs attributes under the root, epoll
 * through serialport's prebuilt poller, and serialport's binding for opening a tty in raw mode (its
 * open sets termios much as `cfmakeraw` does and takes an exclusive `flock`). No native code of this package.
 */
export function nodeFileOps(options: NodeFileOpsOptions = {}): RpmsgFileOps {
  const clock = options.clock ?? systemClock;
  const pollInterval = options.pollInterval ?? 10;
  return {
    async openCharDevice(path) {
      const fd = openSync(path, O_RDWR | O_NONBLOCK);
      checkCharacterDevice(fd, path, options.acceptFifos === true);
      const Poller = await loadPoller();
      let readiness: Readiness;
      let stopPoller = () => {};
      try {
        if (Poller === null) throw new Error('no poller');
        const poller = new Poller(fd);
        readiness = new PollerReadiness(poller);
        stopPoller = () => {
          poller.stop();
          poller.destroy();
        };
      } catch {
        readiness = new TimerReadiness(clock, pollInterval);
      }
      return new NodeDeviceFile(fd, readiness, () => {
        stopPoller();
        closeSync(fd);
      });
    },

    async openTty(path) {
      // The binding reports failures as text; open once ourselves so EACCES, ENOENT or EBUSY
      // arrive as the errno they are.
      closeSync(openSync(path, O_RDWR | O_NOCTTY | O_NONBLOCK));
      const binding = await loadTtyBinding();
      let port: TtyPort;
      try {
        // The line speed means nothing to a ttyRPMSG; the binding wants one.
        port = await binding.open({ path, baudRate: 115200, lock: true });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (/Cannot lock port/.test(message)) {
          throw Object.assign(new Error(`EBUSY: ${path} is locked by another process`), {
            code: 'EBUSY',
            path,
            cause: error,
          });
        }
        throw error;
      }
      const fd = port.fd;
      if (fd === null) {
        // Closed under us while opening: close the port anyway, so its poller and lock go too.
        await port.close().catch(() => {});
        throw new Error(`${path}: the port closed while opening`);
      }
      return new NodeDeviceFile(fd, new PollerReadiness(port.poller), () => {
        port.close().catch(() => {});
      });
    },

    async writeAttribute(path, value) {
      // O_WRONLY without O_CREAT: a missing attribute is ENOENT (not an attempt to create one), and
      // write-only attributes such as a driver's `bind` open at all.
      const handle = await open(path, O_WRONLY);
      try {
        await handle.write(value);
      } finally {
        await handle.close();
      }
    },
  };
}
