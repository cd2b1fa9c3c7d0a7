import type { Worker } from 'node:worker_threads';
import { InvalidArgValueError, type RpmsgError, type RpmsgLayout } from '@rpmsg/core';
import { PeerLink } from './peer-link-handle.js';
import type { PeerLinkData } from './protocol.js';
import { toWireError } from './protocol.js';
import type { LinkStats } from './remote-proc.js';
import type { SocSnapshot } from './soc-options.js';
import type { LinkPlan } from './soc-plan.js';
import { requestStats } from './worker-stats.js';
import { expectMessage } from './workers.js';

/** What the M-core links see of one of their cores: its name and its current worker. */
export interface LinkEnd {
  readonly name: string;
  /** Its worker while it runs. */
  readonly worker: Worker | undefined;
  /** That worker has loaded its firmware (its ends of the links exist). */
  readonly loaded: boolean;
}

/** @internal What the links need of their SoC. */
export interface PeerLinkSetHost {
  /** How long a link's boot may take (ms). */
  readonly bootTimeout: number;
  /** Where the RPMsg regions start in the shared memory (0 unless C firmware shares it). */
  readonly regionOffset: number;
  /** A link's region alone, with its layout JSON. */
  snapshot(plan: LinkPlan): SocSnapshot;
  /** A link's master never answered its boot: the link stays down (the SoC traces it). */
  bootFailed(plan: LinkPlan, error: Error): void;
  /** The id of the next stats request. */
  nextStatsId(): number;
}

interface Entry {
  readonly plan: LinkPlan;
  readonly handle: PeerLink;
  readonly master: LinkEnd;
  readonly remote: LinkEnd;
  /** The pair of workers it was last booted over. */
  booted: { master: Worker; remote: Worker; done: Promise<void> } | undefined;
}

/**
 * The SoC's M-core↔M-core links (docs/soc.md#m-core-to-m-core-links): which core serves which end,
 * booting a link once both of its cores have loaded, telling a core its peer is gone, their
 * counters and their handles. Each link is its two cores' business: its boot is not part of either
 * core's boot.
 */
export class PeerLinkSet {
  readonly #entries: Entry[];
  readonly #host: PeerLinkSetHost;

  /** `plans`: the M-core links of the SoC's plan; `end(name)`: the core of that name. */
  constructor(plans: readonly LinkPlan[], end: (name: string) => LinkEnd, host: PeerLinkSetHost) {
    this.#host = host;
    this.#entries = plans.map((plan) => {
      const entry: Entry = {
        plan,
        handle: new PeerLink(plan.name, plan.master as string, plan.remote, plan.layout, {
          stats: () => this.#stats(entry),
          snapshot: () => host.snapshot(plan),
        }),
        master: end(plan.master as string),
        remote: end(plan.remote),
        booted: undefined,
      };
      return entry;
    });
  }

  /**
   * The link called `name` (`'m7:m4'`).
   *
   * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE`: no such link
   */
  link(name: string): PeerLink {
    const entry = this.#entries.find((e) => e.plan.name === name);
    if (!entry) {
      const names = this.#entries.map((e) => `'${e.plan.name}'`);
      throw new InvalidArgValueError(
        'name',
        `names no M-core link (links: ${names.length > 0 ? names.join(', ') : 'none'})`,
        name,
      );
    }
    return entry.handle;
  }

  /** Whether `end` is an end of any link. */
  has(end: LinkEnd): boolean {
    return this.#entries.some((e) => e.master === end || e.remote === end);
  }

  /** What `end`'s worker is started with: its end of each of its links. */
  workerData(end: LinkEnd): PeerLinkData[] {
    const data: PeerLinkData[] = [];
    for (const { plan, master, remote } of this.#entries) {
      const role = master === end ? 'master' : remote === end ? 'remote' : undefined;
      if (!role) continue;
      data.push({
        index: plan.index,
        name: plan.name,
        peer: role === 'master' ? remote.name : master.name,
        role,
        layout: plan.layout,
        ramOffset: this.#host.regionOffset + plan.offset,
      });
    }
    return data;
  }

  /**
   * Boots each link of `end` whose other core is loaded: its master core's worker drives it. A link
   * already booted over the same two workers is not booted again (both cores' boots reach here at
   * the first start). Not awaited: the link comes up when its master answers (`ctx.link(peer)`
   * resolves then); a master that never answers (its event loop blocked, or it crashed meanwhile)
   * leaves that link down, and nothing else fails.
   */
  boot(end: LinkEnd): void {
    for (const entry of this.#entries) {
      const { master, remote, plan } = entry;
      if (master !== end && remote !== end) continue;
      if (!master.worker || !remote.worker || !master.loaded || !remote.loaded) continue;
      const b = entry.booted;
      if (b && b.master === master.worker && b.remote === remote.worker) continue;
      const worker = master.worker;
      const what = `link '${plan.name}': boot`;
      const booted = expectMessage(worker, 'booted', this.#host.bootTimeout, what, 'boot-failed', plan.index);
      worker.postMessage({ type: 'boot', link: plan.index });
      const done = booted.then(
        () => {},
        (error: Error) => {
          if (entry.booted?.done === done) entry.booted = undefined;
          this.#host.bootFailed(plan, error);
        },
      );
      entry.booted = { master: worker, remote: remote.worker, done };
    }
  }

  /** `end`'s core is gone: the other end of each of its links sees that link go down. */
  gone(end: LinkEnd, error: RpmsgError): void {
    for (const entry of this.#entries) {
      const other = entry.master === end ? entry.remote : entry.remote === end ? entry.master : undefined;
      if (!other?.worker) continue;
      entry.booted = undefined;
      other.worker.postMessage({ type: 'peer-gone', error: toWireError(error), link: entry.plan.index });
    }
  }

  /** Every link's counters, by name. */
  stats(): Promise<(readonly [string, LinkStats])[]> {
    return Promise.all(this.#entries.map(async (e) => [e.plan.name, await this.#stats(e)] as const));
  }

  /** Every link's name and layout. */
  layouts(): (readonly [string, RpmsgLayout])[] {
    return this.#entries.map((e) => [e.plan.name, e.plan.layout] as const);
  }

  async #stats(entry: Entry): Promise<LinkStats> {
    const ask = (end: LinkEnd) =>
      end.worker
        ? requestStats(end.worker, this.#host.nextStatsId(), entry.plan.index)
        : Promise.resolve(null);
    const [master, remote] = await Promise.all([ask(entry.master), ask(entry.remote)]);
    return { master, remote };
  }
}
