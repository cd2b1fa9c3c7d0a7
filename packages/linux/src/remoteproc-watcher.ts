import { EventEmitter } from 'node:events';
import { type Clock, RpmsgError } from '@rpmsg/core';
import type { Remoteproc, RemoteprocState } from './remoteproc.js';

/** The events of a {@link RemoteprocWatcher}; `crash` and `restart` as the simulated SoC's. */
export interface RemoteprocWatcherEvents {
  /** The state changed (read at the last poll). */
  state: [state: RemoteprocState, previous: RemoteprocState];
  /** It turned `crashed` (`ERR_RPMSG_PEER_GONE`, as the SoC's `crash`). */
  crash: [error: RpmsgError];
  /**
   * It runs again after a crash: the kernel's recovery (automatic, or `recover()`) brought it back —
   * the only way out of `crashed`, which the kernel neither starts nor stops.
   */
  restart: [];
  /** Its sysfs directory disappeared (its driver was unbound); the watcher has stopped. */
  gone: [];
}

/**
 * Reads a remote processor's `state` every `interval` ms and reports the changes. sysfs cannot be
 * watched, so this polls; a crash and recovery that both happen between two reads are not seen as a
 * crash (the channels still leave and come back: the device's `channel-removed` / `channel` events).
 *
 * Made by `remoteproc.watch()`.
 */
export class RemoteprocWatcher extends EventEmitter<RemoteprocWatcherEvents> {
  readonly remoteproc: Remoteproc;
  readonly #clock: Clock;
  readonly #interval: number;
  #state: RemoteprocState | null;
  #crashed = false;
  #timer: unknown;
  #closed = false;

  /** @internal use `remoteproc.watch()` */
  constructor(remoteproc: Remoteproc, interval: number, clock: Clock) {
    super();
    this.remoteproc = remoteproc;
    this.#clock = clock;
    this.#interval = interval;
    this.#state = remoteproc.state();
    this.#crashed = this.#state === 'crashed';
    this.#schedule();
  }

  /** The state at the last read. */
  get state(): RemoteprocState | null {
    return this.#state;
  }

  /**
   * Reads the state now and emits what changed (the timer does the same every `interval` ms).
   *
   * @throws {LinuxRpmsgError} `ERR_RPMSG_LINUX_PERMISSION` when the state cannot be read
   */
  check(): RemoteprocState | null {
    if (this.#closed) return this.#state;
    const state = this.remoteproc.state();
    const previous = this.#state;
    if (state === null) {
      this.#state = null;
      this.close();
      this.emit('gone');
      return null;
    }
    if (state === previous) return state;
    this.#state = state;
    if (previous !== null) this.emit('state', state, previous);
    if (state === 'crashed' && !this.#crashed) {
      this.#crashed = true;
      this.emit(
        'crash',
        new RpmsgError('ERR_RPMSG_PEER_GONE', `${this.remoteproc.id} (${this.remoteproc.name}) crashed`),
      );
    } else if ((state === 'running' || state === 'attached') && this.#crashed) {
      // The kernel's recovery goes crashed → offline → running (rproc_trigger_recovery: stop, then start).
      this.#crashed = false;
      this.emit('restart');
    }
    return state;
  }

  /** Stops watching. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      try {
        this.check();
      } catch {
        // The state could not be read (ERR_RPMSG_LINUX_PERMISSION): keep the last one; check()
        // called directly throws it.
      }
      if (!this.#closed) this.#schedule();
    }, this.#interval);
  }
}
