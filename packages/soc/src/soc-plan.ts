import { createLayout, DEFAULT_REGION_BASE, InvalidArgValueError, type RpmsgLayout } from '@rpmsg/core';
import { MAILBOX_CHANNELS, MAILBOX_MAX_LINKS } from './mailbox.js';
import type { SocOptions } from './soc-options.js';

/**
 * One RPMsg link of the SoC: a vring pair, its buffers and (linux) its resource table, in its own
 * stretch of the shared RAM, and its own pair of blocks in the mailbox.
 */
export interface LinkPlan {
  /** Its index: its blocks in the mailbox. */
  readonly index: number;
  /** What stats, trace, snapshots and errors call it: the remote's name, or `master:remote`. */
  readonly name: string;
  /** The core that drives it (its virtio driver): `undefined` for the A-core. */
  readonly master: string | undefined;
  /** The core on its device side. */
  readonly remote: string;
  /** Its layout (device addresses inside the SoC's shared RAM). */
  readonly layout: RpmsgLayout;
  /** Bytes from the first byte of the shared RAM to its region. */
  readonly offset: number;
}

/** Every link of a SoC, where each one lives, and the RAM they need. */
export interface SocPlan {
  /** The A-core's links first (one per remote, in `remotes` order), then the M-core↔M-core links. */
  readonly links: readonly LinkPlan[];
  /** The remotes' names, in order (`['remote']` for the one-remote form). */
  readonly remotes: readonly string[];
  /** Bytes of shared RAM. */
  readonly size: number;
  /** Device address of the RAM's first byte. */
  readonly base: number;
  /** `options.remotes` was given: remotes are named, links are tagged in trace events. */
  readonly named: boolean;
}

/** Each link's region starts on a page, as a remoteproc carve-out's parts do. */
const LINK_ALIGN = 0x1000;

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/**
 * Places every link of `options` in the shared RAM, one after the other without overlap, and checks
 * what only the whole SoC can tell: that they fit (`ramSize`, 32-bit addresses), that the mailbox
 * has a block pair for each and channels for each link's notify ids. Errors name the remote.
 *
 * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE` naming the remote or link that does not fit
 */
export function planSoc(options: SocOptions): SocPlan {
  const base = options.base ?? DEFAULT_REGION_BASE;
  const layoutOf = (o: { numBuffers?: number; bufferSize?: number; linkId?: number }, at: number) =>
    createLayout(options.profile ?? 'linux', {
      numBuffers: o.numBuffers ?? options.numBuffers,
      bufferSize: o.bufferSize ?? options.bufferSize,
      base: at,
      eventIdx: options.eventIdx,
      align: options.align,
      stride: options.stride,
      linkId: o.linkId ?? options.linkId,
    });
  if (!options.remotes) {
    const layout = layoutOf({}, base);
    if (options.ramSize !== undefined && layout.size > options.ramSize) {
      throw new InvalidArgValueError(
        'options.ramSize',
        `is too small for the link's region: it needs ${layout.size} bytes`,
        options.ramSize,
      );
    }
    return {
      links: [{ index: 0, name: 'remote', master: undefined, remote: 'remote', layout, offset: 0 }],
      remotes: ['remote'],
      size: layout.size,
      base,
      named: false,
    };
  }
  const wanted: {
    arg: string;
    name: string;
    master: string | undefined;
    remote: string;
    layout: object;
    base: number | undefined;
  }[] = [];
  for (const [i, r] of options.remotes.entries()) {
    wanted.push({
      arg: `options.remotes[${i}]`,
      name: r.name,
      master: undefined,
      remote: r.name,
      layout: r,
      base: r.base,
    });
  }
  for (const [i, l] of (options.links ?? []).entries()) {
    wanted.push({
      arg: `options.links[${i}]`,
      name: `${l.master}:${l.remote}`,
      master: l.master,
      remote: l.remote,
      layout: { ...l, linkId: l.linkId ?? i + 1 },
      base: l.base,
    });
  }
  if (wanted.length > MAILBOX_MAX_LINKS) {
    const first = wanted[MAILBOX_MAX_LINKS] as (typeof wanted)[number];
    throw new InvalidArgValueError(
      first.arg,
      `does not fit in the mailbox: it has blocks for ${MAILBOX_MAX_LINKS} links, '${first.name}' would be link ${MAILBOX_MAX_LINKS + 1}`,
      first.name,
    );
  }
  const links: LinkPlan[] = [];
  let cursor = base;
  let top = base;
  for (const [index, w] of wanted.entries()) {
    // Where the chip's carve-out for it is, if given (it must not overlap an earlier link's); else
    // right after the previous link.
    const at = w.base ?? alignUp(cursor, Math.max(LINK_ALIGN, options.align ?? 0));
    if (w.base !== undefined) {
      const below = links.find((l) => at < l.layout.base + l.layout.size && l.layout.base < at + 1);
      if (at < base || below) {
        throw new InvalidArgValueError(
          `${w.arg}.base`,
          at < base
            ? `'${w.name}': 0x${at.toString(16)} is below options.base (0x${base.toString(16)})`
            : `'${w.name}': 0x${at.toString(16)} is inside the region of '${below?.name}'`,
          at,
        );
      }
    }
    let layout: RpmsgLayout;
    try {
      layout = layoutOf(w.layout, at);
    } catch (error) {
      throw new InvalidArgValueError(
        w.arg,
        `'${w.name}': its link cannot be laid out at 0x${at.toString(16)}: ${(error as Error).message}`,
        w.name,
      );
    }
    const end = at + layout.size;
    if (end > 0x1_0000_0000) {
      throw new InvalidArgValueError(
        w.arg,
        `'${w.name}' does not fit: its region would end at 0x${end.toString(16)}, past the 32-bit address space`,
        w.name,
      );
    }
    if (options.ramSize !== undefined && end - base > options.ramSize) {
      throw new InvalidArgValueError(
        w.arg,
        `'${w.name}' does not fit in options.ramSize (${options.ramSize} bytes from 0x${base.toString(16)}): ` +
          `its region ends ${end - base} bytes in`,
        w.name,
      );
    }
    const notifyId = Math.max(layout.vrings[0].notifyId, layout.vrings[1].notifyId);
    if (notifyId >= MAILBOX_CHANNELS) {
      throw new InvalidArgValueError(
        w.arg,
        `'${w.name}': link id ${layout.linkId} needs notify id ${notifyId}, the mailbox has channels 0..${MAILBOX_CHANNELS - 1} per link`,
        w.name,
      );
    }
    const overlapped = links.find((l) => at < l.layout.base + l.layout.size && l.layout.base < end);
    if (overlapped) {
      throw new InvalidArgValueError(
        `${w.arg}.base`,
        `'${w.name}': its region [0x${at.toString(16)}, 0x${end.toString(16)}) overlaps the region of '${overlapped.name}'`,
        at,
      );
    }
    links.push({ index, name: w.name, master: w.master, remote: w.remote, layout, offset: at - base });
    cursor = end;
    top = Math.max(top, end);
  }
  return {
    links,
    remotes: options.remotes.map((r) => r.name),
    size: options.ramSize ?? top - base,
    base,
    named: true,
  };
}
