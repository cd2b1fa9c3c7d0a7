import { mkdirSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hasFeature, KERNEL_FEATURES, type KernelFeature } from '../kernel.js';
import { errnoError } from './errno.js';
import { FakeEptdev, type FakeTxPath } from './fake-eptdev.js';
import { type PtyRelay, ptyUnavailableReason, startPtyRelay } from './pty-relay.js';

/** What a service of the model's firmware does with a message: its reply, or null for none. */
export type FakeServiceHandler = (payload: Uint8Array) => Uint8Array | null;

/** A service the model's firmware announces (NS CREATE) when it runs. */
export interface FakeService {
  /** The channel name: `rpmsg-raw` and `rpmsg-tty` get their drivers by themselves. */
  readonly name: string;
  /** The remote endpoint's address (the channel's `dst`). */
  readonly addr: number;
  /** What it answers; default: echo every message, the empty ones too (as the demo firmware). */
  readonly handler?: FakeServiceHandler;
}

/** One channel on the model's rpmsg bus. */
export interface FakeRpmsgDevice {
  /** `virtio0.rpmsg-raw.-1.30` */
  readonly busName: string;
  readonly service: FakeService;
  /** Its directory under /sys/devices. */
  readonly dir: string;
  readonly tx: FakeTxPath;
  src: number;
  override: string | null;
  driver: string | null;
  eptdev: FakeEptdev | null;
  ctrl: string | null;
  tty: { node: string; relay: PtyRelay } | null;
}

/** rpmsg_char's and rpmsg_tty's driver names, as the kernel registers them on the rpmsg bus. */
export const CHAR_DRIVER = 'rpmsg_chrdev';
export const TTY_DRIVER = 'rpmsg_tty';

const ADDR_ANY = 0xffffffff;

/** rpmsg_ns_register_device (rpmsg_ns.c): the name service as a device of its own, from Linux 5.11. */
const NS_DEVICE: KernelFeature = { what: 'rpmsg_ns device', since: [5, 11], config: 'CONFIG_RPMSG_NS' };
/** rpmsg_virtio_add_ctrl_dev (virtio_rpmsg_bus.c): a control device per virtio device, from Linux 5.18. */
const CTRL_DEVICE: KernelFeature = { what: 'rpmsg_ctrl device', since: [5, 18], config: 'CONFIG_RPMSG_CTRL' };
/** RPMSG_NS_ADDR (include/linux/rpmsg/ns.h). */
const NS_ADDR = 53;

/** Lowest free number of an id allocator (the kernel's ida). */
function allocate(taken: Set<number>, from = 0): number {
  let n = from;
  while (taken.has(n)) n += 1;
  taken.add(n);
  return n;
}

function attr(dir: string, name: string, value: string, mode = 0o644): void {
  writeFileSync(join(dir, name), `${value}\n`, { mode });
}

/**
 * The kernel side of the model: a sysfs and /dev tree on disk under `root`, laid out as Linux lays
 * them out (Documentation/ABI/testing/sysfs-bus-rpmsg, sysfs-class-remoteproc), and the store
 * callbacks behind its writable attributes — what `driver_override`, a driver's `bind` / `unbind`,
 * and remoteproc's `state` / `firmware` / `recovery` do when written. Written from the kernel's
 * documentation and the drivers' documented behaviour; it is a model, not the kernel.
 */
export class FakeKernel {
  readonly root: string;
  /** `uname -r`, or null for a tree without /proc. */
  readonly release: string | null;
  readonly hasCharDriver: boolean;
  readonly #wantsTty: boolean;
  #hasTty: boolean | undefined;
  readonly #stores = new Map<string, (value: string) => void>();
  readonly #denied = new Map<string, string>();
  readonly #devices = new Map<string, FakeRpmsgDevice>();
  readonly #eptdevs = new Map<string, FakeEptdev>();
  readonly #eptIds = new Set<number>();
  readonly #ttyIds = new Set<number>();
  readonly #virtioIds = new Set<number>();
  readonly #ctrlIds = new Set<number>();
  /** The kernel's own devices on each virtio device (bus name, control-device id). */
  readonly #internal = new Map<number, Array<{ busName: string; ctrl: number | null }>>();
  readonly #pending = new Set<Promise<void>>();
  readonly #relays = new Set<PtyRelay>();
  #busReady = false;
  #removedCount = 0;

  constructor(root: string, release: string | null, drivers: { rpmsgChar: boolean; rpmsgTty: boolean }) {
    this.root = root;
    this.release = release;
    this.hasCharDriver = drivers.rpmsgChar;
    this.#wantsTty = drivers.rpmsgTty;
    mkdirSync(join(root, 'dev'), { recursive: true });
    mkdirSync(join(root, 'sys', 'class', 'remoteproc'), { recursive: true });
    mkdirSync(join(root, 'sys', 'devices', 'platform'), { recursive: true });
    mkdirSync(join(root, 'lib', 'firmware'), { recursive: true });
    if (release !== null) {
      mkdirSync(join(root, 'proc', 'sys', 'kernel'), { recursive: true });
      writeFileSync(join(root, 'proc', 'sys', 'kernel', 'osrelease'), `${release}\n`);
    }
  }

  /**
   * True when the model has rpmsg_tty: asked for, Linux ≥ 5.16, and a pty can stand in for its ttys
   * here (asked only once a channel appears: finding out starts python3).
   */
  get hasTtyDriver(): boolean {
    this.#hasTty ??=
      this.#wantsTty &&
      hasFeature(this.release, KERNEL_FEATURES.rpmsgTty) !== false &&
      ptyUnavailableReason() === null;
    return this.#hasTty;
  }

  /** Every channel on the bus now. */
  get devices(): FakeRpmsgDevice[] {
    return [...this.#devices.values()];
  }

  /** Resolves once every probe in progress (a tty's pty being set up) has finished. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  // ---- the file-operations seam ----

  /** The errno a path is denied with, if any (`deny`). */
  deniedErrno(path: string): string | undefined {
    return this.#denied.get(resolve(path)) ?? this.#denied.get(canonical(path));
  }

  /** Makes opening or writing `path` fail with `errno` (default EACCES): a missing udev rule. */
  deny(path: string, errno = 'EACCES'): void {
    this.#denied.set(resolve(path), errno);
    this.#denied.set(canonical(path), errno);
  }

  /** Undoes {@link FakeKernel.deny}. */
  allow(path: string): void {
    this.#denied.delete(resolve(path));
    this.#denied.delete(canonical(path));
  }

  /** The store callback of a sysfs attribute, if it has one. */
  storeFor(path: string): ((value: string) => void) | undefined {
    return this.#stores.get(canonical(path));
  }

  /** The endpoint device behind a /dev path, if it is one. */
  eptdevAt(path: string): FakeEptdev | undefined {
    return this.#eptdevs.get(resolve(path));
  }

  // ---- for FakeRemoteproc ----

  /** @internal A writable attribute: its file and what writing it does. */
  defineStore(path: string, value: string, store: (value: string) => void, mode = 0o644): void {
    writeFileSync(path, value === '' ? '' : `${value}\n`, { mode });
    this.#stores.set(canonical(path), store);
  }

  /** @internal */
  dropStore(path: string): void {
    this.#stores.delete(canonical(path));
  }

  /**
   * @internal A virtio device under a remote processor: `virtioN`, with what virtio_rpmsg_bus's
   * rpmsg_probe registers on the bus before any announcement: the name-service device (5.11+) and
   * the control device (5.18+, when rpmsg_char is there). Neither is a channel.
   */
  addVirtio(parent: string): { index: number; dir: string } {
    const index = allocate(this.#virtioIds);
    const dir = join(parent, `virtio${index}`);
    mkdirSync(dir, { recursive: true });
    const virtio = { index, dir };
    const internal: Array<{ busName: string; ctrl: number | null }> = [];
    if (hasFeature(this.release, NS_DEVICE) !== false) {
      internal.push(this.#addInternal(virtio, 'rpmsg_ns', NS_ADDR));
    }
    if (this.hasCharDriver && hasFeature(this.release, CTRL_DEVICE) !== false) {
      internal.push(this.#addInternal(virtio, 'rpmsg_ctrl', 0));
    }
    this.#internal.set(index, internal);
    return virtio;
  }

  /**
   * One of the kernel's own devices, as rpmsg_register_device_override leaves it: `name` and
   * `driver_override` both the driver's name, bound to that driver at once; the control device gets
   * its `rpmsg_ctrlN` class device (rpmsg_ctrldev_probe).
   */
  #addInternal(
    virtio: { index: number; dir: string },
    driver: 'rpmsg_ns' | 'rpmsg_ctrl',
    addr: number,
  ): { busName: string; ctrl: number | null } {
    this.#ensureBus();
    const busName = `virtio${virtio.index}.${driver}.${addr}.${addr}`;
    const dir = join(virtio.dir, busName);
    mkdirSync(dir, { recursive: true });
    attr(dir, 'name', driver, 0o444);
    attr(dir, 'src', `0x${addr.toString(16)}`, 0o444);
    attr(dir, 'dst', `0x${addr.toString(16)}`, 0o444);
    attr(dir, 'announce', 'false', 0o444);
    attr(dir, 'modalias', `rpmsg:${driver}`, 0o444);
    attr(dir, 'driver_override', driver);
    const driverDir = join(this.root, 'sys', 'bus', 'rpmsg', 'drivers', driver);
    mkdirSync(driverDir, { recursive: true });
    symlinkSync(driverDir, join(dir, 'driver'));
    let ctrl: number | null = null;
    if (driver === 'rpmsg_ctrl') {
      ctrl = allocate(this.#ctrlIds);
      mkdirSync(join(dir, 'rpmsg', `rpmsg_ctrl${ctrl}`), { recursive: true });
    }
    symlinkSync(dir, join(this.root, 'sys', 'bus', 'rpmsg', 'devices', busName));
    return { busName, ctrl };
  }

  /**
   * @internal The virtio device leaves (its processor stopped). Moved aside rather than deleted: kernfs
   * does not hand a removed directory's inode to the next one soon, and a disk filesystem would.
   */
  removeVirtio(virtio: { index: number; dir: string }): void {
    for (const { busName, ctrl } of this.#internal.get(virtio.index) ?? []) {
      rmSync(join(this.root, 'sys', 'bus', 'rpmsg', 'devices', busName), { force: true });
      if (ctrl !== null) this.#ctrlIds.delete(ctrl);
    }
    this.#internal.delete(virtio.index);
    const attic = join(this.root, '.removed');
    mkdirSync(attic, { recursive: true });
    renameSync(virtio.dir, join(attic, String(this.#removedCount++)));
    this.#virtioIds.delete(virtio.index);
  }

  /**
   * @internal The name service announced `service` (virtio_rpmsg_bus's `rpmsg_ns_cb` → a new rpmsg
   * device, `src` RPMSG_ADDR_ANY), and the bus probes the drivers whose id table has its name.
   */
  announce(virtio: { index: number; dir: string }, service: FakeService, tx: FakeTxPath): FakeRpmsgDevice {
    this.#ensureBus();
    const busName = `virtio${virtio.index}.${service.name}.-1.${service.addr}`;
    if (this.#devices.has(busName)) throw new Error(`${busName} is already on the bus`);
    const dir = join(virtio.dir, busName);
    mkdirSync(dir, { recursive: true });
    attr(dir, 'name', service.name, 0o444);
    attr(dir, 'dst', `0x${service.addr.toString(16)}`, 0o444);
    attr(dir, 'src', '0xffffffff', 0o444);
    attr(dir, 'announce', 'false', 0o444);
    attr(dir, 'modalias', `rpmsg:${service.name}`, 0o444);
    const device: FakeRpmsgDevice = {
      busName,
      service,
      dir,
      tx,
      src: ADDR_ANY,
      override: null,
      driver: null,
      eptdev: null,
      ctrl: null,
      tty: null,
    };
    // driver_override arrived in 4.18: older trees have no such attribute.
    if (hasFeature(this.release, KERNEL_FEATURES.driverOverride) !== false) {
      this.defineStore(join(dir, 'driver_override'), '(null)', (value) => {
        const name = value.replace(/\n$/, '');
        device.override = name === '' ? null : name;
        attr(dir, 'driver_override', device.override ?? '(null)');
      });
    }
    symlinkSync(dir, join(this.root, 'sys', 'bus', 'rpmsg', 'devices', busName));
    this.#devices.set(busName, device);
    const driver = this.#idTableMatch(service.name);
    if (driver !== null) this.#probe(device, driver);
    return device;
  }

  /** @internal The remote destroyed the channel (NS DESTROY) or stopped: unbind, then remove the device. */
  removeDevice(device: FakeRpmsgDevice): void {
    if (this.#devices.get(device.busName) !== device) return;
    this.#unbind(device);
    this.#devices.delete(device.busName);
    this.dropStore(join(device.dir, 'driver_override'));
    rmSync(join(this.root, 'sys', 'bus', 'rpmsg', 'devices', device.busName), { force: true });
    rmSync(device.dir, { recursive: true, force: true });
  }

  /** Ends every pty relay (the board is being torn down). */
  async close(): Promise<void> {
    await this.settled();
    await Promise.all([...this.#relays].map((r) => r.close()));
    this.#relays.clear();
  }

  /** The rpmsg bus and its drivers appear with the first channel (rpmsg_core loaded with virtio_rpmsg_bus). */
  #ensureBus(): void {
    if (this.#busReady) return;
    this.#busReady = true;
    const bus = join(this.root, 'sys', 'bus', 'rpmsg');
    mkdirSync(join(bus, 'devices'), { recursive: true });
    for (const [driver, present] of [
      [CHAR_DRIVER, this.hasCharDriver],
      [TTY_DRIVER, this.hasTtyDriver],
    ] as const) {
      const dir = join(bus, 'drivers', driver);
      if (!present) continue;
      mkdirSync(dir, { recursive: true });
      this.defineStore(join(dir, 'bind'), '', (value) => this.#bindStore(driver, value), 0o200);
      this.defineStore(join(dir, 'unbind'), '', (value) => this.#unbindStore(driver, value), 0o200);
    }
  }

  /** The driver whose id table matches a channel name (rpmsg_dev_match without an override). */
  #idTableMatch(name: string): string | null {
    if (
      name === 'rpmsg-raw' &&
      this.hasCharDriver &&
      hasFeature(this.release, KERNEL_FEATURES.rpmsgRaw) !== false
    ) {
      return CHAR_DRIVER;
    }
    if (name === 'rpmsg-tty' && this.hasTtyDriver) return TTY_DRIVER;
    return null;
  }

  /** drivers/base/bus.c `bind_store`: ENODEV unless the device exists and matches, EBUSY if bound. */
  #bindStore(driver: string, value: string): void {
    const device = this.#devices.get(value.trim());
    if (device === undefined) throw errnoError('ENODEV', 'write');
    if (device.driver !== null) throw errnoError('EBUSY', 'write');
    const matches =
      device.override !== null
        ? device.override === driver
        : this.#idTableMatch(device.service.name) === driver;
    if (!matches) throw errnoError('ENODEV', 'write');
    this.#probe(device, driver);
  }

  #unbindStore(driver: string, value: string): void {
    const device = this.#devices.get(value.trim());
    if (device === undefined || device.driver !== driver) throw errnoError('ENODEV', 'write');
    this.#unbind(device);
  }

  /** really_probe: the `driver` link first, then the driver's probe. */
  #probe(device: FakeRpmsgDevice, driver: string): void {
    device.driver = driver;
    symlinkSync(join(this.root, 'sys', 'bus', 'rpmsg', 'drivers', driver), join(device.dir, 'driver'));
    // rpmsg_dev_probe creates the driver's default endpoint: the channel gets a local address.
    device.src = this.#localAddr();
    attr(device.dir, 'src', `0x${device.src.toString(16)}`, 0o444);
    if (driver === CHAR_DRIVER) this.#probeChar(device);
    else this.#probeTty(device);
  }

  #probeChar(device: FakeRpmsgDevice): void {
    const id = allocate(this.#eptIds);
    const classDir = join(device.dir, 'rpmsg');
    if (hasFeature(this.release, KERNEL_FEATURES.rpmsgRaw) === false) {
      // Before 5.18 rpmsg_char's probe made a control device, not an endpoint device.
      device.ctrl = `rpmsg_ctrl${id}`;
      mkdirSync(join(classDir, device.ctrl), { recursive: true });
      return;
    }
    const node = `rpmsg${id}`;
    const dir = join(classDir, node);
    mkdirSync(dir, { recursive: true });
    // The endpoint device's own attributes print addresses in signed decimal.
    attr(dir, 'name', device.service.name, 0o444);
    attr(dir, 'src', String(device.src), 0o444);
    attr(dir, 'dst', String(device.service.addr), 0o444);
    const eptdev = new FakeEptdev(node, device.service.name, device.tx, 496);
    device.eptdev = eptdev;
    const devPath = join(this.root, 'dev', node);
    writeFileSync(devPath, '', { mode: 0o600 });
    this.#eptdevs.set(resolve(devPath), eptdev);
  }

  #probeTty(device: FakeRpmsgDevice): void {
    const id = allocate(this.#ttyIds);
    const node = `ttyRPMSG${id}`;
    const probe = startPtyRelay().then(
      (relay) => {
        this.#relays.add(relay);
        if (device.driver !== TTY_DRIVER || !this.#devices.has(device.busName)) {
          // Unbound or removed while the pty was being made.
          this.#ttyIds.delete(id);
          void relay.close();
          return;
        }
        device.tty = { node, relay };
        mkdirSync(join(device.dir, 'tty', node), { recursive: true });
        symlinkSync(relay.path, join(this.root, 'dev', node));
      },
      () => {
        this.#ttyIds.delete(id);
      },
    );
    this.#pending.add(probe);
    void probe.finally(() => this.#pending.delete(probe));
  }

  /** The driver's remove: rpmsg_char destroys its endpoint device (EPIPE), rpmsg_tty hangs up its tty. */
  #unbind(device: FakeRpmsgDevice): void {
    if (device.driver === null) return;
    if (device.eptdev !== null) {
      device.eptdev.destroy();
      const devPath = join(this.root, 'dev', device.eptdev.node);
      this.#eptdevs.delete(resolve(devPath));
      rmSync(devPath, { force: true });
      this.#eptIds.delete(Number(device.eptdev.node.slice('rpmsg'.length)));
      device.eptdev = null;
    }
    if (device.ctrl !== null) {
      this.#eptIds.delete(Number(device.ctrl.slice('rpmsg_ctrl'.length)));
      device.ctrl = null;
    }
    if (device.tty !== null) {
      const { node, relay } = device.tty;
      this.#relays.delete(relay);
      void relay.close();
      rmSync(join(this.root, 'dev', node), { force: true });
      this.#ttyIds.delete(Number(node.slice('ttyRPMSG'.length)));
      device.tty = null;
    }
    rmSync(join(device.dir, 'rpmsg'), { recursive: true, force: true });
    rmSync(join(device.dir, 'tty'), { recursive: true, force: true });
    rmSync(join(device.dir, 'driver'), { force: true });
    device.driver = null;
    // The driver's endpoint is destroyed; the channel keeps the address in sysfs as the kernel does.
  }

  /** virtio_rpmsg_bus hands out local addresses from 1024, lowest free. */
  #localAddr(): number {
    const used = new Set([...this.#devices.values()].map((d) => d.src));
    let addr = 1024;
    while (used.has(addr)) addr += 1;
    return addr;
  }
}

/** A path with its symlinks resolved when it exists (sysfs entries are reached through links). */
function canonical(path: string): string {
  return canonicalOrNull(path) ?? resolve(path);
}

function canonicalOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}
