/*
 * RPMsg-Lite's platform layer for a WebAssembly core of @rpmsg/soc (rpmsg_platform.h says what it
 * maps to what). Written for this project against RPMsg-Lite's platform interface; an MCU port
 * would talk to a mailbox (MU) and the NVIC where this talks to rpmsg_soc.h.
 */
#include <stdio.h>
#include "rpmsg_env.h"
#include "rpmsg_platform.h"
#include "rpmsg_soc.h"

/* The SoC's memory map: read once, valid for the core's life. */
static const struct rpmsg_soc_info *soc;
/* Nesting depth of platform_interrupt_disable() per vring (RPMsg-Lite pairs disable with enable). */
static uint32_t disable_depth[2];
/* Depth of doorbell ISR calls (platform_in_isr). */
static uint32_t isr_depth;

static const struct rpmsg_soc_info *soc_info(void)
{
    if (soc == NULL) soc = rpmsg_soc_info();
    return soc;
}

/* Stops the core with `message` as the crash reason (and logs it: the trace shows it too). */
__attribute__((noreturn)) static void platform_fail(const char *message, int line, const char *func)
{
    (void)printf("%s\n", message);
    rpmsg_soc_assert_fail(message, __FILE__, line, func);
}

#define FAIL(...)                                                  \
    do                                                             \
    {                                                              \
        char message_[256];                                        \
        (void)snprintf(message_, sizeof(message_), __VA_ARGS__); \
        platform_fail(message_, __LINE__, __func__);               \
    } while (0)

/*
 * The doorbell ISR (rpmsg_soc_set_isr): channel notify_id[q] is vring q's doorbell, so it is
 * virtqueue RL_GET_VQ_ID(link_id, q) that the peer kicked — as an MCU's MU ISR turns the queue id
 * in the mailbox word into a vector for env_isr().
 */
static void platform_doorbell_isr(uint32_t notify_id, void *arg)
{
    (void)arg;
    const struct rpmsg_soc_info *info = soc_info();
    for (uint32_t q = 0U; q < 2U; q++)
    {
        if (info->notify_id[q] == notify_id)
        {
            isr_depth++;
            env_isr(RL_GET_VQ_ID(info->link_id, q));
            isr_depth--;
        }
    }
}

#if !(defined(RL_ALLOW_CUSTOM_SHMEM_CONFIG) && (RL_ALLOW_CUSTOM_SHMEM_CONFIG == 1))
/* A layout value the build fixed: it must be the SoC's, or the two sides read different bytes. */
static void check_layout(const char *what, unsigned long built, uint32_t soc_value, const char *option,
                         const char *define, unsigned long define_value)
{
    if (built != soc_value)
        FAIL("RPMsg-Lite was built with %s = %lu but the SoC's layout has %s = %lu: build with -D%s=%lu, or give "
             "createSoc %s: %lu",
             what, built, option, (unsigned long)soc_value, define, define_value, option, built);
}
#endif

int32_t platform_init(void)
{
    const struct rpmsg_soc_info *info = soc_info();
    if (info->profile != RPMSG_SOC_PROFILE_RPMSG_LITE)
        FAIL("RPMsg-Lite needs the rpmsg-lite layout: createSoc({ profile: 'rpmsg-lite' }) (this SoC has profile %lu)",
             (unsigned long)info->profile);
#if !(defined(RL_ALLOW_CUSTOM_SHMEM_CONFIG) && (RL_ALLOW_CUSTOM_SHMEM_CONFIG == 1))
    check_layout("RL_BUFFER_COUNT", (unsigned long)RL_BUFFER_COUNT, info->num_buffers, "numBuffers",
                 "RL_BUFFER_COUNT", info->num_buffers);
    check_layout("RL_BUFFER_PAYLOAD_SIZE + 16", ((unsigned long)RL_BUFFER_PAYLOAD_SIZE + 16UL + 3UL) & ~3UL,
                 info->buffer_size, "bufferSize", "RL_BUFFER_PAYLOAD_SIZE", info->buffer_size - 16UL);
    check_layout("VRING_ALIGN", (unsigned long)VRING_ALIGN, info->vring_align, "align", "VRING_ALIGN",
                 info->vring_align);
    check_layout("VRING_SIZE", (unsigned long)VRING_SIZE, info->vring_size, "stride", "VRING_SIZE", info->vring_size);
#endif
    disable_depth[0] = 0U;
    disable_depth[1] = 0U;
    rpmsg_soc_set_isr(platform_doorbell_isr, NULL);
    return 0;
}

int32_t platform_deinit(void)
{
    rpmsg_soc_set_isr(NULL, NULL);
    return 0;
}

#if defined(RL_ALLOW_CUSTOM_SHMEM_CONFIG) && (RL_ALLOW_CUSTOM_SHMEM_CONFIG == 1)
int32_t platform_get_custom_shmem_config(uint32_t link_id, rpmsg_platform_shmem_config_t *config)
{
    const struct rpmsg_soc_info *info = soc_info();
    if (link_id != info->link_id) return -1;
    config->buffer_payload_size = info->buffer_size - 16U;
    config->buffer_count = (uint16_t)info->num_buffers;
    config->vring_size = info->vring_size;
    config->vring_align = info->vring_align;
    return 0;
}
#endif

int32_t platform_init_interrupt(uint32_t vector_id, void *isr_data)
{
    const struct rpmsg_soc_info *info = soc_info();
    // The doorbells the SoC wired are those of its one link: another link id would never be kicked.
    if (RL_GET_LINK_ID(vector_id) != info->link_id)
        FAIL("RPMsg-Lite was initialised with link id %lu but the SoC's link is %lu (rpmsg_soc_info()->link_id)",
             (unsigned long)RL_GET_LINK_ID(vector_id), (unsigned long)info->link_id);
    env_register_isr(vector_id, isr_data);
    return 0;
}

int32_t platform_deinit_interrupt(uint32_t vector_id)
{
    env_unregister_isr(vector_id);
    return 0;
}

int32_t platform_interrupt_enable(uint32_t vector_id)
{
    uint32_t q = RL_GET_Q_ID(vector_id);
    if (disable_depth[q] > 0U) disable_depth[q]--;
    if (disable_depth[q] == 0U) rpmsg_soc_irq_enable(soc_info()->notify_id[q]);
    return (int32_t)vector_id;
}

int32_t platform_interrupt_disable(uint32_t vector_id)
{
    uint32_t q = RL_GET_Q_ID(vector_id);
    if (disable_depth[q]++ == 0U) rpmsg_soc_irq_disable(soc_info()->notify_id[q]);
    return (int32_t)vector_id;
}

int32_t platform_in_isr(void)
{
    return isr_depth != 0U ? 1 : 0;
}

void platform_notify(uint32_t vector_id)
{
    // The ring writes before the doorbell (virtqueue_kick's env_mb does it too; the kick is cheap
    // next to the fence a doorbell without it would need on a weaker host).
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    rpmsg_soc_kick(soc_info()->notify_id[RL_GET_Q_ID(vector_id)]);
}

void platform_time_delay(uint32_t num_msec)
{
    uint64_t deadline = rpmsg_soc_time_us() + (uint64_t)num_msec * 1000U;
    for (;;)
    {
        uint64_t now = rpmsg_soc_time_us();
        if (now >= deadline) return;
        uint64_t left = deadline - now;
        (void)rpmsg_soc_wfi(left < RPMSG_SOC_WAIT_FOREVER ? (uint32_t)left : RPMSG_SOC_WAIT_FOREVER - 1U);
    }
}

void platform_map_mem_region(uint32_t vrt_addr, uint32_t phy_addr, uint32_t size, uint32_t flags)
{
    (void)vrt_addr;
    (void)phy_addr;
    (void)size;
    (void)flags;
}

void platform_cache_all_flush_invalidate(void) {}

void platform_cache_disable(void) {}

void platform_cache_invalidate(void *data, uint32_t len)
{
    (void)data;
    (void)len;
}

void platform_cache_flush(void *data, uint32_t len)
{
    (void)data;
    (void)len;
}

uintptr_t platform_vatopa(void *addr)
{
    const struct rpmsg_soc_info *info = soc_info();
    uint32_t offset = (uint32_t)(uintptr_t)addr - info->shmem_va; // wraps below the region: caught below
    if (offset >= info->shmem_size)
        FAIL("RPMsg-Lite put address %p in a descriptor: outside the RPMsg region (0x%lx, %lu bytes)", addr,
             (unsigned long)info->shmem_va, (unsigned long)info->shmem_size);
    return (uintptr_t)(info->shmem_pa + offset);
}

void *platform_patova(uintptr_t addr)
{
    const struct rpmsg_soc_info *info = soc_info();
    uint32_t offset = (uint32_t)addr - info->shmem_pa; // wraps below the region: caught below
    // A descriptor is the peer's word: an address outside the region is a broken peer, not a pointer.
    if (offset >= info->shmem_size)
        FAIL("a descriptor holds device address 0x%lx, outside the RPMsg region (0x%lx, %lu bytes)",
             (unsigned long)addr, (unsigned long)info->shmem_pa, (unsigned long)info->shmem_size);
    return (void *)(uintptr_t)(info->shmem_va + offset);
}
