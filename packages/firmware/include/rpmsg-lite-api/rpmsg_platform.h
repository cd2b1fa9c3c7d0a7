/*
 * rpmsg_platform.h — the simulated SoC as an RPMsg-Lite platform (API mode).
 *
 * RPMsg-Lite names each pair of cores by a link id; its notify ids are `link_id << 1 | vring`. The
 * SoC has one link, whose id is createSoc()'s `linkId` option (default 0) and
 * rpmsg_soc_info()->link_id; rpmsg_lite_*_init() refuses any other.
 */
#ifndef RPMSG_PLATFORM_H_
#define RPMSG_PLATFORM_H_

#include <stdint.h>
#include "rpmsg_soc.h"

/** The link of a SoC made with the default `linkId`. */
#define RL_PLATFORM_SOC_LINK_ID (0U)
/** The largest link id a SoC can be given (createSoc's `linkId` bound). */
#define RL_PLATFORM_HIGHEST_LINK_ID (0x7FFFFFFFU)

/** The doorbell (notify id) of `queue_id` (0, 1) on `link_id`, and back. */
#define RL_GET_VQ_ID(link_id, queue_id) ((((uint32_t)(link_id)) << 1U) | (((uint32_t)(queue_id)) & 1U))
#define RL_GET_LINK_ID(vq_id) (((uint32_t)(vq_id)) >> 1U)
#define RL_GET_Q_ID(vq_id) (((uint32_t)(vq_id)) & 1U)

/** This core's view of the shared RPMsg region: the `shmem_addr` rpmsg_lite_*_init() expects. */
#define RL_PLATFORM_SOC_SHMEM_BASE ((void *)(uintptr_t)rpmsg_soc_info()->shmem_va)
/** Bytes of the shared RPMsg region (rpmsg_lite_master_init()'s `shmem_length`). */
#define RL_PLATFORM_SOC_SHMEM_SIZE ((size_t)rpmsg_soc_info()->shmem_size)

#endif /* RPMSG_PLATFORM_H_ */
