import type { RpmsgLayout } from '@rpmsg/core';
import type { LinkStats } from './remote-proc.js';
import type { SocSnapshot } from './soc-options.js';

/** @internal What a PeerLink handle reads through its SoC. */
export interface PeerLinkHost {
  stats(): Promise<LinkStats>;
  snapshot(): SocSnapshot;
}

/**
 * An M-core↔M-core link of the SoC (`options.links`), got from `soc.link('m7:m4')`: its two cores,
 * its own layout, the counters of both ends and its region alone — the link seen from outside, as
 * the A-core sees it without being on it (docs/soc.md#m-core-to-m-core-links).
 */
export class PeerLink {
  /** `master:remote`. */
  readonly name: string;
  /** The core that drives it (its virtio driver). */
  readonly master: string;
  /** The core on its device side. */
  readonly remote: string;
  /** Its layout (its own region's device addresses; fixed for the SoC's life). */
  readonly layout: RpmsgLayout;
  readonly #host: PeerLinkHost;

  /** @internal Made by the SoC. */
  constructor(name: string, master: string, remote: string, layout: RpmsgLayout, host: PeerLinkHost) {
    this.name = name;
    this.master = master;
    this.remote = remote;
    this.layout = layout;
    this.#host = host;
  }

  /** The counters of both ends (null for a core that is down or did not answer within 500 ms). */
  stats(): Promise<LinkStats> {
    return this.#host.stats();
  }

  /** A copy of its region and its own layout JSON, for `rpmsg inspect`. */
  snapshot(): SocSnapshot {
    return this.#host.snapshot();
  }
}
