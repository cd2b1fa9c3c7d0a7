import { join } from 'node:path';
import {
  type Clock,
  checkMilliseconds,
  checkOptions,
  InvalidArgTypeError,
  InvalidArgValueError,
  systemClock,
} from '@rpmsg/core';
import { systemError } from './advice.js';
import { errnoOf, LinuxRpmsgError } from './errors.js';
import type { RpmsgFileOps } from './file-ops.js';
import { KERNEL_FEATURES, sinceText } from './kernel.js';
import { nodeFileOps } from './node-file-ops.js';
import { RemoteprocWatcher } from './remoteproc-watcher.js';
import { openRoot } from './root.js';
import { isDirectory, listDirectory, readAttribute, type SysfsPaths } from './sysfs.js';

/**
 * What `/sys/class/remoteproc/remoteprocN/state` reads (Documentation/ABI/testing/sysfs-class-remoteproc):
 * `attached` / `detached` for a processor started by someone else (the boot loader) that Linux
 * attached to.
 */
export type RemoteprocState =
  | 'offline'
  | 'suspended'
  | 'running'
  | 'crashed'
  | 'deleted'
  | 'attached'
  | 'detached'
  | 'invalid';

const STATES: ReadonlySet<string> = new Set([
  'offline',
  'suspended',
  'running',
  'crashed',
  'deleted',
  'attached',
  'detached',
  'invalid',
]);

/** Options of {@link listRemoteprocs} and {@link openRemoteproc}. */
export interface RemoteprocOptions {
  /** Where `/sys` is: `/` on a board (default), a fake tree in tests. */
  root?: string;
  /** The file-operations seam (attribute writes). Default: the real one. */
  fileOps?: RpmsgFileOps;
  /** Where watchers get their time. Default Node's timers. */
  clock?: Clock;
}

/** One remote processor as sysfs shows it, for listings and `--json`. */
export interface RemoteprocInfo {
  readonly id: string;
  readonly name: string;
  readonly state: RemoteprocState | null;
  readonly firmware: string | null;
  readonly recovery: 'enabled' | 'disabled' | null;
}

/**
 * A remote processor under `/sys/class/remoteproc`: its state, its firmware, starting and stopping it,
 * its recovery setting, and a watcher that turns a crash and the kernel's recovery into the same
 * `crash` / `restart` events the simulated SoC emits. Every read goes to sysfs, so values are current.
 */
export class Remoteproc {
  /** `remoteproc0`. */
  readonly id: string;
  /** The N of `remoteprocN`. */
  readonly index: number;
  /** The driver's name for it (`name`, Linux ≥ 5.4; the id before). */
  readonly name: string;
  /** Its sysfs directory. */
  readonly path: string;
  readonly #fileOps: RpmsgFileOps;
  readonly #clock: Clock;

  /** @internal use {@link openRemoteproc} or {@link listRemoteprocs} */
  constructor(path: string, id: string, fileOps: RpmsgFileOps, clock: Clock) {
    this.id = id;
    this.index = Number(id.slice('remoteproc'.length));
    this.path = path;
    this.name = readAttribute(join(path, 'name')) ?? id;
    this.#fileOps = fileOps;
    this.#clock = clock;
  }

  /**
   * The state now; null once the processor's directory is gone (its driver was unbound).
   *
   * @throws {LinuxRpmsgError} `ERR_RPMSG_LINUX_PERMISSION` when sysfs refuses the read (as every
   *   reader of this class)
   */
  state(): RemoteprocState | null {
    const text = readAttribute(join(this.path, 'state'));
    if (text === null) return null;
    return STATES.has(text) ? (text as RemoteprocState) : 'invalid';
  }

  /** The firmware file name `start` loads (from the kernel's firmware path, usually /lib/firmware). */
  firmware(): string | null {
    return readAttribute(join(this.path, 'firmware'));
  }

  /** Whether the kernel restarts it after a crash; null before Linux 5.10 (no `recovery` attribute). */
  recovery(): 'enabled' | 'disabled' | null {
    const text = readAttribute(join(this.path, 'recovery'));
    return text === 'enabled' || text === 'disabled' ? text : null;
  }

  /** Everything at once, for listings. */
  info(): RemoteprocInfo {
    return {
      id: this.id,
      name: this.name,
      state: this.state(),
      firmware: this.firmware(),
      recovery: this.recovery(),
    };
  }

  /**
   * Boots the processor (`start` to `state`), after choosing `options.firmware` if given. Resolves
   * once the kernel has loaded the firmware and started the core — its channels follow when the
   * firmware announces them (`device.waitForChannel`).
   *
   * Refused before anything is written unless the processor is offline (or detached, or suspended):
   * the kernel's rproc_boot (remoteproc_core.c) only counts one more user of a processor that is
   * powered — `atomic_inc_return(&rproc->power) > 1` returns 0 without booting — so a `start` on a
   * running or crashed one succeeds without doing anything, and the extra count then makes the next
   * `stop` do nothing either (rproc_shutdown stops only when the count drops to 0).
   *
   * @throws {LinuxRpmsgError} `ERR_RPMSG_LINUX_BUSY` (already running or attached),
   *   `ERR_RPMSG_LINUX_BAD_STATE` (crashed: {@link Remoteproc.recover} it), `ERR_RPMSG_LINUX_NO_FIRMWARE`
   *   (no such file in the firmware path), `ERR_RPMSG_LINUX_PERMISSION`, `ERR_RPMSG_LINUX_IO` (the
   *   kernel refused the image: see `dmesg`), and the codes of {@link Remoteproc.setFirmware}
   */
  async start(options: { firmware?: string } = {}): Promise<void> {
    checkOptions('options', options);
    const state = this.state();
    const statePath = join(this.path, 'state');
    if (state === 'running' || state === 'attached') {
      throw new LinuxRpmsgError(
        'ERR_RPMSG_LINUX_BUSY',
        `start ${this.id}: it is already ${state}; stop it first (rpmsg rproc stop)`,
        { path: statePath },
      );
    }
    if (state === 'crashed') {
      throw new LinuxRpmsgError(
        'ERR_RPMSG_LINUX_BAD_STATE',
        `start ${this.id}: it crashed, and the kernel ignores a start then; recover it instead: ` +
          `recover() (echo recover > ${join(this.path, 'recovery')})`,
        { path: statePath },
      );
    }
    if (options.firmware !== undefined) await this.setFirmware(options.firmware);
    await this.#writeState('start');
  }

  /**
   * Stops the processor (`stop` to `state`): the kernel removes its channels first, so endpoints on
   * them end with `ERR_RPMSG_PEER_GONE`. Only a running or attached processor can be stopped
   * (rproc_shutdown in remoteproc_core.c answers EINVAL otherwise) — a crashed one too is left to
   * {@link Remoteproc.recover}.
   *
   * @throws {LinuxRpmsgError} `ERR_RPMSG_LINUX_BAD_STATE` (not running or attached), `ERR_RPMSG_LINUX_PERMISSION`
   */
  async stop(): Promise<void> {
    await this.#writeState('stop');
  }

  /**
   * Lets go of a processor Linux attached to without stopping it (`detach` to `state`, Linux ≥ 5.13):
   * its channels leave the bus and the state becomes `detached`; `start` attaches again.
   *
   * @throws {LinuxRpmsgError} `ERR_RPMSG_LINUX_BAD_STATE` (not attached: rproc_detach in
   *   remoteproc_core.c answers EINVAL), `ERR_RPMSG_LINUX_PERMISSION`
   */
  async detach(): Promise<void> {
    await this.#writeState('detach');
  }

  /**
   * Chooses the firmware file the next `start` loads. The processor must be offline.
   *
   * @throws {LinuxRpmsgError} `ERR_RPMSG_LINUX_BUSY` (not offline), `ERR_RPMSG_LINUX_PERMISSION`
   * @throws {InvalidArgTypeError|InvalidArgValueError} a name that is not a non-empty line of text
   */
  async setFirmware(name: string): Promise<void> {
    if (typeof name !== 'string') throw new InvalidArgTypeError('firmware', 'of type string', name);
    if (name === '' || /[\n\0]/.test(name)) {
      throw new InvalidArgValueError('firmware', 'must be a file name without newlines or NULs', name);
    }
    await this.#write('firmware', name, {
      busy: `${this.id} is ${this.state() ?? 'gone'}: stop it before changing its firmware (rpmsg rproc stop)`,
    });
  }

  /**
   * Turns the kernel's crash recovery on or off (`recovery`, Linux ≥ 5.10). With it off a crashed
   * processor stays `crashed` until {@link Remoteproc.recover}: the kernel neither starts nor stops
   * a crashed processor (rproc_boot ignores it, rproc_shutdown answers EINVAL).
   *
   * @throws {LinuxRpmsgError} `ERR_RPMSG_LINUX_KERNEL_TOO_OLD` (no `recovery` attribute), `ERR_RPMSG_LINUX_PERMISSION`
   */
  async setRecovery(enabled: boolean): Promise<void> {
    if (typeof enabled !== 'boolean') throw new InvalidArgTypeError('enabled', 'of type boolean', enabled);
    await this.#write('recovery', enabled ? 'enabled' : 'disabled', {});
  }

  /**
   * Recovers a crashed processor now (`recover` to `recovery`), whatever the recovery setting: the
   * kernel stops it and boots it again (recovery_store → rproc_trigger_recovery, remoteproc_sysfs.c /
   * remoteproc_core.c). On a processor that has not crashed it does nothing.
   *
   * @throws {LinuxRpmsgError} as {@link Remoteproc.setRecovery}
   */
  async recover(): Promise<void> {
    await this.#write('recovery', 'recover', {});
  }

  /**
   * Watches the state by reading it every `interval` ms (default 100): `state` on every change,
   * `crash` when it turns `crashed`, `restart` when it runs again after one — the simulated SoC's
   * events for the same moments. The watcher keeps the process alive until `close()`.
   *
   * @throws {OutOfRangeError} `interval` not a number ≥ 1
   */
  watch(options: { interval?: number } = {}): RemoteprocWatcher {
    checkOptions('options', options);
    const interval =
      options.interval === undefined
        ? 100
        : checkMilliseconds('options.interval', options.interval, 1, false);
    return new RemoteprocWatcher(this, interval, this.#clock);
  }

  async #writeState(command: 'start' | 'stop' | 'detach'): Promise<void> {
    const state = this.state();
    const invalid: Record<typeof command, string> = {
      start: `${this.id} is ${state ?? 'in a state'} that cannot be started from`,
      stop:
        state === 'crashed'
          ? `${this.id} crashed, and the kernel stops only a running or attached processor: recover it ` +
            `instead (recover(), or echo recover > ${join(this.path, 'recovery')})`
          : `${this.id} is ${state ?? 'not running'}: only a running or attached processor can be stopped`,
      detach: `${this.id} is ${state ?? 'gone'}: only a processor Linux attached to can be detached`,
    };
    await this.#write('state', command, {
      busy: `${this.id} is already ${state ?? 'running'}: stop it first (rpmsg rproc stop)`,
      invalid: invalid[command],
      missing:
        command === 'start'
          ? `the kernel found no firmware '${this.firmware() ?? ''}' in its firmware path (/lib/firmware): ` +
            'copy it there, or choose another with --firmware / start({ firmware })'
          : undefined,
    });
  }

  async #write(
    attribute: 'state' | 'firmware' | 'recovery',
    value: string,
    reasons: { busy?: string; invalid?: string | undefined; missing?: string | undefined },
  ): Promise<void> {
    const path = join(this.path, attribute);
    const action = `write '${value}' to ${path}`;
    if (!isDirectory(this.path)) throw noRemoteproc(this.id, this.path);
    if (readAttribute(path) === null) {
      const feature =
        attribute === 'recovery' ? KERNEL_FEATURES.remoteprocRecovery : KERNEL_FEATURES.remoteprocSysfs;
      throw new LinuxRpmsgError(
        'ERR_RPMSG_LINUX_KERNEL_TOO_OLD',
        `${action}: there is no ${attribute} attribute; it came with Linux ${sinceText(feature)}`,
        { path },
      );
    }
    try {
      await this.#fileOps.writeAttribute(path, value);
    } catch (error) {
      const errno = errnoOf(error);
      const details = { path, cause: error, ...(errno === undefined ? {} : { errno }) };
      if (errno === 'EBUSY' && reasons.busy !== undefined) {
        throw new LinuxRpmsgError('ERR_RPMSG_LINUX_BUSY', `${action}: ${reasons.busy}`, details);
      }
      if (errno === 'EINVAL' && reasons.invalid !== undefined) {
        throw new LinuxRpmsgError('ERR_RPMSG_LINUX_BAD_STATE', `${action}: ${reasons.invalid}`, details);
      }
      if (errno === 'ENOENT' && reasons.missing !== undefined) {
        throw new LinuxRpmsgError('ERR_RPMSG_LINUX_NO_FIRMWARE', `${action}: ${reasons.missing}`, details);
      }
      throw systemError(error, path, 'remoteproc-attribute', action);
    }
  }
}

/**
 * Every remote processor under `<root>/sys/class/remoteproc`, by index.
 *
 * @throws {LinuxRpmsgError} `ERR_RPMSG_LINUX_DRIVER_MISSING` when the class does not exist (a kernel
 *   without CONFIG_REMOTEPROC); `ERR_RPMSG_LINUX_BAD_ROOT` / `ERR_RPMSG_LINUX_IO` for a `root` that
 *   does not exist, is not a directory or has no `sys`
 */
export async function listRemoteprocs(options: RemoteprocOptions = {}): Promise<Remoteproc[]> {
  const { paths, fileOps, clock } = setup(options);
  if (!isDirectory(paths.remoteprocClass)) {
    throw new LinuxRpmsgError(
      'ERR_RPMSG_LINUX_DRIVER_MISSING',
      `${paths.remoteprocClass} does not exist: the kernel has no remoteproc framework (CONFIG_REMOTEPROC) ` +
        "or no driver for this SoC's remote processor (CONFIG_IMX_REMOTEPROC, CONFIG_STM32_RPROC, CONFIG_TI_K3_R5_REMOTEPROC…)",
      { path: paths.remoteprocClass },
    );
  }
  return listDirectory(paths.remoteprocClass)
    .filter((id) => /^remoteproc\d+$/.test(id))
    .sort((a, b) => Number(a.slice(10)) - Number(b.slice(10)))
    .map((id) => new Remoteproc(paths.remoteproc(id), id, fileOps, clock));
}

/**
 * One remote processor: by id (`remoteproc0`), index (`0`) or name (`imx-rproc`, the `name`
 * attribute). Without `which`, the only one there is.
 *
 * @throws {LinuxRpmsgError} `ERR_RPMSG_LINUX_NO_REMOTEPROC` (none matches, or several and no `which`),
 *   and the codes of {@link listRemoteprocs}
 */
export async function openRemoteproc(
  which?: string | number,
  options: RemoteprocOptions = {},
): Promise<Remoteproc> {
  if (which !== undefined && typeof which !== 'string' && typeof which !== 'number') {
    throw new InvalidArgTypeError('which', 'a remoteproc id, index or name', which);
  }
  const all = await listRemoteprocs(options);
  const listing =
    all.length === 0 ? 'there is none' : `there are ${all.map((r) => `${r.id} (${r.name})`).join(', ')}`;
  if (which === undefined) {
    if (all.length === 1) return all[0]!;
    throw new LinuxRpmsgError(
      'ERR_RPMSG_LINUX_NO_REMOTEPROC',
      all.length === 0
        ? `no remote processor: ${listing}`
        : `several remote processors, name one: ${listing}`,
    );
  }
  const key = String(which);
  const found = all.find((r) => r.id === key || r.name === key || String(r.index) === key);
  if (found === undefined) {
    throw new LinuxRpmsgError('ERR_RPMSG_LINUX_NO_REMOTEPROC', `no remote processor '${key}': ${listing}`);
  }
  return found;
}

function setup(options: RemoteprocOptions): { paths: SysfsPaths; fileOps: RpmsgFileOps; clock: Clock } {
  checkOptions('options', options);
  const root = options.root ?? '/';
  if (typeof root !== 'string') throw new InvalidArgTypeError('options.root', 'of type string', root);
  if (root === '') throw new InvalidArgValueError('options.root', 'must not be empty', root);
  const clock = options.clock ?? systemClock;
  return { paths: openRoot(root), fileOps: options.fileOps ?? nodeFileOps({ clock }), clock };
}

function noRemoteproc(id: string, path: string): LinuxRpmsgError {
  return new LinuxRpmsgError('ERR_RPMSG_LINUX_NO_REMOTEPROC', `${id} is gone (${path})`, { path });
}
