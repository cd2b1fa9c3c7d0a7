import { EventEmitter } from 'node:events';
import type { ChannelRecord } from './channel-scan.js';
import type { SysfsPaths } from './sysfs.js';

/** The events of a {@link LinuxChannel}. */
export interface LinuxChannelEvents {
  /** The channel left the bus: the remote destroyed it, stopped, or crashed. */
  removed: [];
}

/**
 * A channel the remote announced, as the kernel lists it under `/sys/bus/rpmsg/devices` — the board's
 * twin of `@rpmsg/core`'s `Channel`, with the same `name`, `remoteAddr`, `removed` and `removed` event.
 * The other properties are what sysfs said at the last scan (`device.rescan()` refreshes them).
 *
 * Made by {@link LinuxRpmsgDevice}; open it with `device.openChannel(channel)` or `openTty`.
 */
export class LinuxChannel extends EventEmitter<LinuxChannelEvents> {
  /** The announced service name. */
  readonly name: string;
  /** The remote endpoint's address: where messages on this channel go. */
  readonly remoteAddr: number;
  /** The channel's device on the rpmsg bus, e.g. `virtio0.rpmsg-raw.-1.30`. */
  readonly device: string;
  /** The remote processor behind it (`remoteproc0`), or null when sysfs does not say. */
  readonly remoteproc: string | null;
  /** @internal The virtio device it was found on (see `ChannelRecord.virtio`). */
  readonly virtio: ChannelRecord['virtio'];
  readonly #paths: SysfsPaths;
  #record: ChannelRecord;
  #removed = false;

  /** @internal made by the device's scan */
  constructor(record: ChannelRecord, paths: SysfsPaths) {
    super();
    this.name = record.name;
    this.remoteAddr = record.dst;
    this.device = record.device;
    this.remoteproc = record.remoteproc;
    this.virtio = record.virtio;
    this.#record = record;
    this.#paths = paths;
  }

  /** True once the channel left the bus. */
  get removed(): boolean {
    return this.#removed;
  }

  /** Our address on the channel (sysfs `src`) once a driver's endpoint exists, else `0xffffffff`. */
  get localAddr(): number {
    return this.#record.src;
  }

  /** The driver bound to the channel (`rpmsg_chrdev`, `rpmsg_tty`…), or null. */
  get driver(): string | null {
    return this.#record.driver;
  }

  /** The channel's `/dev/rpmsgN`, when rpmsg_char made one. */
  get charDevice(): string | null {
    const node = this.#record.charDevices[0];
    return node === undefined ? null : this.#paths.dev(node);
  }

  /** The channel's `/dev/ttyRPMSGn`, when rpmsg_tty made one. */
  get tty(): string | null {
    const node = this.#record.ttys[0];
    return node === undefined ? null : this.#paths.dev(node);
  }

  /** @internal What the last scan read. */
  get record(): ChannelRecord {
    return this.#record;
  }

  /** @internal The scan found the channel again. */
  update(record: ChannelRecord): void {
    this.#record = record;
  }

  /** @internal The scan no longer finds it; emits `removed` once. */
  markRemoved(): void {
    if (this.#removed) return;
    this.#removed = true;
    this.emit('removed');
  }
}
