// NXP i.MX8QM as RPMsg sees it: the A53/A72 clusters (the A-core: this thread) and two Cortex-M4
// subsystems, each with its own messaging unit (MU) to the A-core and a third MU between them.
// NXP's RPMsg-Lite platform layer for this chip (lib/include/platform/imx8qm_m4/rpmsg_platform.h)
// builds a link id from the MU (com_id, bits 3:2) and the vring pair (vring_id, bits 1:0) and
// drops the com_id from the MU message: on each MU a link is told apart by its vring pair alone,
// notify ids 2·vring_id and 2·vring_id + 1. Here every link has its own mailbox blocks — its MU —
// so `linkId` is that vring_id part.
import { createSoc } from '../../packages/soc/dist/index.js';

/** RL_PLATFORM_IMX8QM_M4_A_USER_LINK_ID: the user vring pair on an M4's MU to the A-core (0 is SRTM's). */
export const A_CORE_LINK_ID = 1;
/** RL_PLATFORM_IMX8QM_M4_M4_USER_LINK_ID = 5: com_id 1 (MU7) picks the MU, vring_id 1 is what it carries. */
export const M4_M4_LINK_ID = 1;
/** NXP's rpmsg_lite_str_echo demo puts M4 core 0's user vrings here (VDEV1_VRING_BASE). */
export const SHARED_RAM_BASE = 0x9001_0000;
/** …and M4 core 1's 1 MiB further up. */
export const M4_1_BASE = 0x9011_0000;
/** The sensor hub samples every 5 ms. */
export const PERIOD_MS = 5;

/** What Linux on the A-core would call each link (numbered in probe order, one vdev per M4 here). */
export const cores = [
  { name: 'm4-0', role: 'motor controller', mu: 'LSIO MU5', remoteproc: 'remoteproc0', virtio: 'virtio0' },
  { name: 'm4-1', role: 'sensor hub', mu: 'LSIO MU6', remoteproc: 'remoteproc1', virtio: 'virtio1' },
];
export const M4_M4 = { name: 'm4-0:m4-1', mu: 'LSIO MU7' };

const firmware = (file) => new URL(file, import.meta.url);

/** Boots the chip; resolves once both M4s announced "rpmsg-tty" (the M4↔M4 feed is then flowing). */
export function bootImx8qm() {
  return createSoc({
    profile: 'rpmsg-lite',
    base: SHARED_RAM_BASE,
    remotes: [
      {
        name: 'm4-0',
        remote: firmware('./motor-controller.mjs'),
        linkId: A_CORE_LINK_ID,
        data: { peer: 'm4-1' },
      },
      {
        name: 'm4-1',
        remote: firmware('./sensor-hub.mjs'),
        linkId: A_CORE_LINK_ID,
        base: M4_1_BASE, // its carve-out; the M4↔M4 link follows it
        data: { peer: 'm4-0', periodMs: PERIOD_MS },
      },
    ],
    // M4 core 0 is the master (virtio driver) of the M4↔M4 link, M4 core 1 its remote.
    links: [{ master: 'm4-0', remote: 'm4-1', linkId: M4_M4_LINK_ID }],
    waitForChannels: ['rpmsg-tty'],
  });
}
