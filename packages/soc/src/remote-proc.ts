import { EventEmitter } from 'node:events';
import type { RpmsgDevice, RpmsgError, RpmsgLayout } from '@rpmsg/core';
import type { CoreStats } from './protocol.js';
import type { SocSnapshot, SocState } from './soc-options.js';

/** The events of a {@link RemoteProc}. */
export interface RemoteProcEvents {
  /** This remote threw, exited or missed the watchdog (`ERR_RPMSG_PEER_GONE`, the reason as `cause`). */
  crash: [error: RpmsgError];
  /** `restart()` brought this remote back up. */
  restart: [];
}

/** The counters of one link: the master's end and the remote's (null for a core that is down). */
export interface LinkStats {
  master: CoreStats | null;
  remote: CoreStats | null;
}

/** @internal What a RemoteProc reads and does through its SoC. */
export interface RemoteProcHost {
  state(): SocState;
  layout(): RpmsgLayout;
  master(): RpmsgDevice;
  restart(): Promise<void>;
  stats(): Promise<LinkStats>;
  snapshot(): SocSnapshot;
}

/**
 * One M-core of a SoC and its link to the A-core — what Linux calls a remote processor
 * (`/sys/class/remoteproc/remoteprocN`) with its virtio device and rpmsg bus. Got from
 * `soc.remote(name)`; each has its own lifecycle: one crashes or restarts while the others stream.
 *
 * ```ts
 * const m4 = soc.remote('m4-1');
 * const ept = await m4.master.openChannel('rpmsg-echo');
 * m4.on('crash', (error) => console.log(m4.name, error.message));
 * await m4.restart();
 * ```
 */
export class RemoteProc extends EventEmitter<RemoteProcEvents> {
  /** Its name (`options.remotes[i].name`; `'remote'` in the one-remote form). */
  readonly name: string;
  readonly #host: RemoteProcHost;

  /** @internal Made by the SoC. */
  constructor(name: string, host: RemoteProcHost) {
    super();
    this.name = name;
    this.#host = host;
  }

  /** Where this remote is in its life (`running`, `crashed` …; `stopped` once the SoC is). */
  get state(): SocState {
    return this.#host.state();
  }

  /** The layout of its link at its current boot. */
  get layout(): RpmsgLayout {
    return this.#host.layout();
  }

  /**
   * The A-core's RPMsg device for this remote: its channels, endpoints and addresses are this link's
   * alone — two remotes may announce channels of the same name.
   */
  get master(): RpmsgDevice {
    return this.#host.master();
  }

  /**
   * remoteproc recovery of this remote alone: its link goes down (`ERR_RPMSG_PEER_GONE` for its
   * pending sends), its firmware is loaded afresh and the handshake repeated; the other remotes
   * keep running.
   *
   * @throws {RpmsgError} `ERR_RPMSG_CLOSED` after `soc.stop()`; the boot codes of `createSoc`
   */
  restart(): Promise<void> {
    return this.#host.restart();
  }

  /** The counters of both ends of its link. */
  stats(): Promise<LinkStats> {
    return this.#host.stats();
  }

  /** A copy of its link's region and that region's layout JSON, for `rpmsg inspect`. */
  snapshot(): SocSnapshot {
    return this.#host.snapshot();
  }
}
