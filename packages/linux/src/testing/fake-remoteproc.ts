import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoError } from './errno.js';
import type { FakeTxPath } from './fake-eptdev.js';
import type { FakeKernel, FakeRpmsgDevice, FakeService } from './fake-kernel.js';

/** Options of `board.addRemoteproc()`. */
export interface FakeRemoteprocOptions {
  /** The driver's name for it (sysfs `name`). Default `m4`. */
  name?: string;
  /** The firmware file `start` loads. Default `rproc-<name>-fw`. */
  firmware?: string;
  /** Put that firmware file into `<root>/lib/firmware`. Default true. */
  installFirmware?: boolean;
  /** What the firmware announces once running. Default none. */
  services?: readonly FakeService[];
  /** Running from the start (as after boot with `auto-boot`). Default false: offline. */
  running?: boolean;
  /**
   * Started by the boot loader and attached to by Linux: state `attached`, its services on the bus.
   * Default false.
   */
  attached?: boolean;
  /**
   * The platform made `state`, `firmware` and `recovery` read-only (`rproc->sysfs_read_only`, which
   * rproc_is_visible in remoteproc_sysfs.c turns into mode 0444): writing them is EACCES, even as root.
   */
  sysfsReadOnly?: boolean;
  /** The `recovery` attribute: true (enabled, the default), false, or null for a kernel before 5.10. */
  recovery?: boolean | null;
  /** How long the kernel's recovery takes after a crash, ms. Default 50. */
  recoveryDelay?: number;
  /** TX buffers of its virtio device (virtio_rpmsg_bus: 256 per direction). Default 256. */
  txBuffers?: number;
}

/**
 * A remote processor in the model: `/sys/class/remoteproc/remoteprocN` with the store callbacks of
 * drivers/remoteproc/remoteproc_sysfs.c as current kernels have them — `start` goes to rproc_boot,
 * which on a processor already powered (running, attached, crashed) only counts one more user and
 * returns 0; `stop` goes to rproc_shutdown, EINVAL unless running or attached, which stops only when
 * the last user leaves; `detach` to rproc_detach, EINVAL unless attached; a firmware change while
 * not offline → EBUSY, a missing firmware file → ENOENT — and a firmware that announces its services
 * when it runs, answers their messages, can stall, crash and be recovered.
 */
export class FakeRemoteproc {
  readonly id: string;
  readonly name: string;
  /** Its directory under /sys/devices. */
  readonly dir: string;
  readonly #kernel: FakeKernel;
  readonly #services: FakeService[];
  readonly #txBuffers: number;
  readonly #recoveryDelay: number;
  readonly #received = new Map<string, Uint8Array[]>();
  readonly #backlog: Array<{ service: string; data: Uint8Array }> = [];
  readonly #txWaiters: Array<() => void> = [];
  #state = 'offline';
  /** rproc->power: how many users booted it (rproc_boot increments, rproc_shutdown decrements). */
  #power = 0;
  #firmware: string;
  #recovery: boolean | null;
  #txFree: number;
  #stalled = false;
  #virtio: { index: number; dir: string } | null = null;
  #devices: FakeRpmsgDevice[] = [];
  #recovered: Promise<void> = Promise.resolve();
  readonly #tx: FakeTxPath;

  /** @internal use `board.addRemoteproc()` */
  constructor(kernel: FakeKernel, index: number, options: FakeRemoteprocOptions) {
    this.#kernel = kernel;
    this.id = `remoteproc${index}`;
    this.name = options.name ?? 'm4';
    this.#firmware = options.firmware ?? `rproc-${this.name}-fw`;
    this.#services = [...(options.services ?? [])];
    this.#txBuffers = options.txBuffers ?? 256;
    this.#txFree = this.#txBuffers;
    this.#recovery = options.recovery === undefined ? true : options.recovery;
    this.#recoveryDelay = options.recoveryDelay ?? 50;
    const platform = join(kernel.root, 'sys', 'devices', 'platform', `${this.name}-rproc`);
    this.dir = join(platform, 'remoteproc', this.id);
    mkdirSync(this.dir, { recursive: true });
    symlinkSync(this.dir, join(kernel.root, 'sys', 'class', 'remoteproc', this.id));
    writeFileSync(join(this.dir, 'name'), `${this.name}\n`, { mode: 0o444 });
    const mode = options.sysfsReadOnly === true ? 0o444 : 0o644;
    kernel.defineStore(join(this.dir, 'state'), 'offline', (value) => this.#stateStore(value), mode);
    kernel.defineStore(
      join(this.dir, 'firmware'),
      this.#firmware,
      (value) => this.#firmwareStore(value),
      mode,
    );
    if (this.#recovery !== null) {
      kernel.defineStore(
        join(this.dir, 'recovery'),
        this.#recovery ? 'enabled' : 'disabled',
        (value) => this.#recoveryStore(value),
        mode,
      );
    }
    if (options.installFirmware !== false) this.installFirmware(this.#firmware);
    const owner = this;
    this.#tx = {
      get txFree() {
        return owner.#txFree;
      },
      transmit: (service, data) => this.#transmit(service, data),
      onTxFree: (callback) => this.#txWaiters.push(callback),
    };
    if (options.running === true || options.attached === true) {
      this.#power = 1;
      this.#boot(options.attached === true ? 'attached' : 'running');
    }
  }

  /** The state the kernel reports. */
  get state(): string {
    return this.#state;
  }

  /** The channels its firmware has on the bus now. */
  get devices(): readonly FakeRpmsgDevice[] {
    return this.#devices;
  }

  /** TX buffers free now. */
  get txFree(): number {
    return this.#txFree;
  }

  /** Resolves once the recovery after the last crash has finished (at once when there was none). */
  get recovered(): Promise<void> {
    return this.#recovered;
  }

  /** Messages the firmware received on a service, oldest first. */
  received(service: string): readonly Uint8Array[] {
    return this.#received.get(service) ?? [];
  }

  /** Puts a firmware file into `<root>/lib/firmware`. */
  installFirmware(name: string): void {
    const path = join(this.#kernel.root, 'lib', 'firmware', name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, 'ELF');
  }

  /** The firmware announces one more service now (hot-plug). */
  announce(service: FakeService): FakeRpmsgDevice {
    if (this.#virtio === null) throw new Error(`${this.id} is not running`);
    if (!this.#services.some((s) => s.name === service.name && s.addr === service.addr))
      this.#services.push(service);
    const device = this.#kernel.announce(this.#virtio, service, this.#tx);
    this.#devices.push(device);
    return device;
  }

  /** The firmware destroys a service (NS DESTROY): its channel leaves the bus. */
  destroyChannel(name: string): void {
    const device = this.#devices.find((d) => d.service.name === name);
    if (device === undefined) throw new Error(`${this.id} has no channel '${name}'`);
    this.#devices = this.#devices.filter((d) => d !== device);
    this.#kernel.removeDevice(device);
  }

  /** The firmware sends `payload` on a service by itself (not as a reply). */
  send(name: string, payload: Uint8Array): void {
    const device = this.#devices.find((d) => d.service.name === name);
    if (device === undefined) throw new Error(`${this.id} has no channel '${name}'`);
    device.eptdev?.deliver(payload);
  }

  /** The firmware stops taking messages: TX buffers run out. */
  stall(): void {
    this.#stalled = true;
  }

  /** The firmware takes messages again, the held ones first. */
  resume(): void {
    this.#stalled = false;
    for (const { service, data } of this.#backlog.splice(0)) this.#process(service, data);
  }

  /**
   * The firmware crashes: state `crashed`, and it answers nothing. With recovery enabled the kernel
   * then stops it (its channels leave the bus) and boots it again after `recoveryDelay` ms
   * (`recovered` resolves then); with it disabled everything stays until `recover` — the kernel
   * neither starts nor stops a crashed processor.
   */
  crash(): void {
    if (this.#state !== 'running') throw new Error(`${this.id} is ${this.#state}, not running`);
    this.#setState('crashed');
    this.#stalled = true;
    if (this.#recovery === true) this.#scheduleRecovery();
  }

  // ---- store callbacks (remoteproc_sysfs.c) ----

  #stateStore(value: string): void {
    const command = value.trim();
    if (command === 'start') {
      // rproc_boot: a processor already powered only gets one more user — no boot, no error.
      if (this.#power > 0) {
        this.#power += 1;
        return;
      }
      const detached = this.#state === 'detached';
      if (!detached && !existsSync(join(this.#kernel.root, 'lib', 'firmware', this.#firmware))) {
        throw errnoError('ENOENT', 'write');
      }
      this.#power = 1;
      // A detached processor still runs its firmware: rproc_boot attaches to it again.
      this.#boot(detached ? 'attached' : 'running');
    } else if (command === 'stop') {
      // rproc_shutdown: EINVAL unless running or attached (a crashed one too), and it stops only
      // when the last user leaves.
      if (this.#state !== 'running' && this.#state !== 'attached') throw errnoError('EINVAL', 'write');
      this.#power -= 1;
      if (this.#power === 0) this.#shutdown('offline');
    } else if (command === 'detach') {
      // rproc_detach: EINVAL unless attached; the channels leave, the firmware keeps running.
      if (this.#state !== 'attached') throw errnoError('EINVAL', 'write');
      this.#power -= 1;
      if (this.#power === 0) this.#shutdown('detached');
    } else throw errnoError('EINVAL', 'write');
  }

  #firmwareStore(value: string): void {
    if (this.#state !== 'offline') throw errnoError('EBUSY', 'write');
    const name = value.replace(/\n$/, '');
    if (name === '') throw errnoError('EINVAL', 'write');
    this.#firmware = name;
    writeFileSync(join(this.dir, 'firmware'), `${name}\n`);
  }

  #recoveryStore(value: string): void {
    const command = value.trim();
    if (command === 'enabled' || command === 'disabled') {
      this.#recovery = command === 'enabled';
      writeFileSync(join(this.dir, 'recovery'), `${command}\n`);
      if (this.#recovery && this.#state === 'crashed') this.#scheduleRecovery();
    } else if (command === 'recover') {
      if (this.#state === 'crashed') this.#scheduleRecovery();
    } else throw errnoError('EINVAL', 'write');
  }

  #scheduleRecovery(): void {
    this.#recovered = new Promise<void>((resolve) => {
      setTimeout(() => {
        if (this.#state === 'crashed') {
          // rproc_trigger_recovery: rproc_stop (subdevices removed, offline), then rproc_start;
          // the count of users (rproc->power) is left as it was.
          this.#shutdown('offline');
          this.#boot('running');
        }
        resolve();
      }, this.#recoveryDelay);
    });
  }

  #boot(state: 'running' | 'attached'): void {
    this.#setState(state);
    this.#stalled = false;
    this.#txFree = this.#txBuffers;
    this.#virtio = this.#kernel.addVirtio(join(this.dir, `${this.id}#vdev0buffer`));
    for (const service of this.#services) {
      this.#devices.push(this.#kernel.announce(this.#virtio, service, this.#tx));
    }
  }

  #shutdown(state: 'offline' | 'detached'): void {
    for (const device of this.#devices) this.#kernel.removeDevice(device);
    this.#devices = [];
    if (this.#virtio !== null) this.#kernel.removeVirtio(this.#virtio);
    this.#virtio = null;
    this.#backlog.length = 0;
    this.#stalled = false;
    this.#setState(state);
  }

  #setState(state: string): void {
    this.#state = state;
    writeFileSync(join(this.dir, 'state'), `${state}\n`);
  }

  // ---- the firmware ----

  #transmit(service: string, data: Uint8Array): void {
    this.#txFree -= 1;
    if (this.#stalled) this.#backlog.push({ service, data });
    else setImmediate(() => this.#process(service, data));
  }

  /** The firmware takes one message: logs it, answers it, returns the TX buffer. */
  #process(service: string, data: Uint8Array): void {
    if (this.#stalled) {
      this.#backlog.push({ service, data });
      return;
    }
    const log = this.#received.get(service) ?? [];
    log.push(data);
    this.#received.set(service, log);
    const device = this.#devices.find((d) => d.service.name === service);
    const handler = device?.service.handler ?? ((payload: Uint8Array) => payload);
    const reply = device === undefined ? null : handler(data);
    if (reply !== null) device?.eptdev?.deliver(reply);
    this.#txFree = Math.min(this.#txBuffers, this.#txFree + 1);
    for (const waiter of this.#txWaiters.splice(0)) waiter();
  }
}
