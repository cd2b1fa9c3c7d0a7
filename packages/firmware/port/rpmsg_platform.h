/*
 * rpmsg_platform.h — RPMsg-Lite's platform layer for a WebAssembly core of @rpmsg/soc: what an MCU's
 * platform header (RPMsg-Lite lib/include/platform/<part>/rpmsg_platform.h) says about its
 * shared-memory layout, doorbells and link ids, said for the SoC (docs/layouts.md, "rpmsg-lite").
 *
 * - Layout: vring 0 at the region's start, vring 1 at + VRING_SIZE, the buffers after 2 × VRING_SIZE
 *   — the SoC's `stride` is VRING_SIZE, its `align` VRING_ALIGN. Both can be set with -D.
 * - Doorbells: a virtqueue id is `link_id << 1 | vring` (RL_GET_VQ_ID); platform_notify() rings the
 *   SoC doorbell channel rpmsg_soc_info()->notify_id[vring], and the doorbell ISR hands channel
 *   notify_id[vring] to env_isr() as that virtqueue id.
 * - Addresses: descriptors hold device addresses (rpmsg_soc_info()->shmem_pa + offset); RPMsg-Lite's
 *   pointers are wasm addresses (shmem_va + offset). platform_vatopa/patova convert.
 */
#ifndef RPMSG_PLATFORM_H_
#define RPMSG_PLATFORM_H_

#include <stdint.h>
#include "rpmsg_default_config.h"

/* The used ring's alignment in a vring (RPMsg-Lite's and the SoC's `align`). */
#ifndef VRING_ALIGN
#define VRING_ALIGN (0x1000U)
#endif

#define RL_SOC_ALIGN_UP(n, a) (((n) + (a) - 1UL) & ~((a) - 1UL))

/* vring_size(RL_BUFFER_COUNT, VRING_ALIGN) (virtio_ring.h): descriptors, avail, aligned used ring. */
#define RL_SOC_VRING_BYTES                                                                                    \
    (RL_SOC_ALIGN_UP(16UL * RL_BUFFER_COUNT + 2UL * (3UL + RL_BUFFER_COUNT), VRING_ALIGN) + 6UL +          \
     8UL * RL_BUFFER_COUNT)

/*
 * Bytes from vring 0 to vring 1 (the SoC's `stride`). As RPMsg-Lite's platforms set it: 0x8000 on
 * parts that talk to Linux (VRING_ALIGN 0x1000, imx8mm_m4), else descriptors, avail and used ring
 * each rounded up to VRING_ALIGN (MCU↔MCU parts, lpc55s69) — what createLayout's default stride is.
 */
#ifndef VRING_SIZE
#if (VRING_ALIGN >= 0x1000UL) && (RL_SOC_VRING_BYTES <= 0x8000UL)
#define VRING_SIZE (0x8000UL)
#else
#define VRING_SIZE                                                                                            \
    (RL_SOC_ALIGN_UP(16UL * RL_BUFFER_COUNT, VRING_ALIGN) +                                                    \
     RL_SOC_ALIGN_UP(2UL * (3UL + RL_BUFFER_COUNT), VRING_ALIGN) + RL_SOC_ALIGN_UP(6UL + 8UL * RL_BUFFER_COUNT, VRING_ALIGN))
#endif
#endif

/* Shared memory both vrings of one link take before the buffers. */
#define RL_VRING_OVERHEAD (2UL * VRING_SIZE)

/* Entries of the ISR table: one per virtqueue id, so link ids 0..15. */
#ifndef RL_PLATFORM_MAX_ISR_COUNT
#define RL_PLATFORM_MAX_ISR_COUNT (32U)
#endif

#define RL_GET_VQ_ID(link_id, queue_id) (((queue_id)&0x1U) | (((link_id) << 1U) & 0xFFFFFFFEU))
#define RL_GET_LINK_ID(id)              (((id)&0xFFFFFFFEU) >> 1U)
#define RL_GET_Q_ID(id)                 ((id)&0x1U)

/* The SoC's link between its two cores; rpmsg_soc_info()->link_id is the one a firmware must use. */
#define RL_PLATFORM_SOC_LINK_ID     (0U)
#define RL_PLATFORM_HIGHEST_LINK_ID (15U)

#if defined(RL_ALLOW_CUSTOM_SHMEM_CONFIG) && (RL_ALLOW_CUSTOM_SHMEM_CONFIG == 1)
/* The layout of one link, from the SoC at run time (RL_ALLOW_CUSTOM_SHMEM_CONFIG). */
typedef struct rpmsg_platform_shmem_config
{
    uint32_t buffer_payload_size; /* bytes per buffer − 16 (2^n − 16) */
    uint16_t buffer_count;        /* buffers per direction, a power of two */
    uint32_t vring_size;          /* bytes from vring 0 to vring 1 */
    uint32_t vring_align;         /* used-ring alignment */
} rpmsg_platform_shmem_config_t;

/* Fills `config` from rpmsg_soc_info(); -1 when `link_id` is not the SoC's link. */
int32_t platform_get_custom_shmem_config(uint32_t link_id, rpmsg_platform_shmem_config_t *config);
#endif

/* Interrupts: vector_id is a virtqueue id (RL_GET_VQ_ID). */
int32_t platform_init_interrupt(uint32_t vector_id, void *isr_data);
int32_t platform_deinit_interrupt(uint32_t vector_id);
int32_t platform_interrupt_enable(uint32_t vector_id);
int32_t platform_interrupt_disable(uint32_t vector_id);
/* 1 while the doorbell ISR runs (it runs only at rpmsg_soc_wfi() wait points). */
int32_t platform_in_isr(void);
/* Rings the peer's doorbell for virtqueue `vector_id`. */
void platform_notify(uint32_t vector_id);

/* Waits `num_msec` ms at wait points: doorbell ISRs run meanwhile, as they preempt a busy loop. */
void platform_time_delay(uint32_t num_msec);

/* Memory: one flat, uncached address space; only the RPMsg region has device addresses. */
void platform_map_mem_region(uint32_t vrt_addr, uint32_t phy_addr, uint32_t size, uint32_t flags);
void platform_cache_all_flush_invalidate(void);
void platform_cache_disable(void);
void platform_cache_invalidate(void *data, uint32_t len);
void platform_cache_flush(void *data, uint32_t len);
uintptr_t platform_vatopa(void *addr);
void *platform_patova(uintptr_t addr);

/* Checks the build's layout against the SoC's and installs the doorbell ISR. */
int32_t platform_init(void);
int32_t platform_deinit(void);

#endif /* RPMSG_PLATFORM_H_ */
