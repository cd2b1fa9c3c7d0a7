import type { LayoutProfile } from '@rpmsg/core';
import type { RpmsgLite } from './lite.js';

/**
 * The second argument of a user module's default export (the A-core program or the M-core
 * firmware), next to the ready `RpmsgDevice`:
 *
 * ```js
 * // m-core.mjs
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
  /** Aborted when the core is being stopped. */
  readonly signal: AbortSignal;
  /** console.log with the core's name in front. */
  log(...args: unknown[]): void;
  /** Remote only: the RPMsg-Lite style firmware API (blocking calls). */
  readonly lite?: RpmsgLite;
}
