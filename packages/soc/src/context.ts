import type { LayoutProfile, RpmsgDevice } from '@rpmsg/core';
import type { ResourceTableImage } from './boot.js';
import type { RpmsgLite } from './lite.js';

/**
 * The second argument of a user module's default export (the A-core program or the M-core
 * firmware), next to the ready `RpmsgDevice`; {@link FirmwareContext} and {@link MasterContext}
 * are its two forms.
 *
 * ```js
 * // m-core.mjs
 * /** @type {import('@rpmsg/soc').Firmware} *\/
 * export default function firmware(device, { lite }) {
 *   const ept = lite.createEpt(30);
 *   lite.nsAnnounce(ept, 'rpmsg-echo');
 *   for (;;) {
 *     const m = lite.recvTimeout(ept);
 *     lite.sendTimeout(ept, m.src, m.data);
 *   }
 * }
 * ```
 */
export interface CoreContext {
  /** Which core this module runs on. */
  readonly role: 'master' | 'remote';
  /** The SoC's layout profile. */
  readonly profile: LayoutProfile;
  /** What the SoC was given as `masterData` / `remoteData` (structured-cloned). */
  readonly data: unknown;
  /**
   * A signal to hand to the program's waits and sends. The SoC ends a core by terminating its thread
   * (`stop()`, `restart()`, a crash), so this signal is not aborted then: code after the core's end
   * never runs anyway.
   */
  readonly signal: AbortSignal;
  /** console.log with the core's name in front. */
  log(...args: unknown[]): void;
  /** Remote only: the RPMsg-Lite style firmware API (blocking calls). */
  readonly lite?: RpmsgLite;
  /**
   * Remote only: the device of this core's link to another M-core (`options.links`), resolved once
   * that link is up — this core is its master or its remote, as the link says. Rejects with
   * `ERR_INVALID_ARG_VALUE` for a core it has no link to. docs/soc.md#m-core-to-m-core-links.
   */
  readonly link?: (peer: string) => Promise<RpmsgDevice>;
}

/** The context of the M-core firmware: {@link CoreContext} with the RPMsg-Lite style API. */
export interface FirmwareContext extends CoreContext {
  readonly role: 'remote';
  /** The RPMsg-Lite style firmware API (blocking calls). */
  readonly lite: RpmsgLite;
  /** The device of this core's link to M-core `peer` (`options.links`), once that link is up. */
  readonly link: (peer: string) => Promise<RpmsgDevice>;
}

/** The context of the A-core program (`options.master`): {@link CoreContext} without `lite`. */
export interface MasterContext extends CoreContext {
  readonly role: 'master';
  readonly lite?: undefined;
  readonly link?: undefined;
}

/**
 * The default export of an M-core firmware module (`options.remote`). It gets the remote's ready
 * `RpmsgDevice` and its context; it may block for ever in the `lite` calls, or return (or resolve)
 * and keep serving endpoint callbacks. A throw or a rejection is a crash of the remote.
 *
 * ```js
 * // m-core.mjs
 * /** @type {import('@rpmsg/soc').Firmware} *\/
 * export default function firmware(device, { lite }) { … }
 * ```
 */
export type Firmware = (device: RpmsgDevice, ctx: FirmwareContext) => void | Promise<void>;

/**
 * The default export of an A-core program module (`options.master` as a module): it gets the
 * master's ready `RpmsgDevice`; what it returns (or resolves with) is `soc.result`.
 */
export type MasterProgram = (device: RpmsgDevice, ctx: MasterContext) => unknown;

/** What an M-core firmware module exports. */
export interface FirmwareModule {
  /** The firmware's main task. */
  default: Firmware;
  /** `linux`: the image's resource table — feature bits, or a patch of the default table's bytes. */
  resourceTable?: ResourceTableImage;
}
