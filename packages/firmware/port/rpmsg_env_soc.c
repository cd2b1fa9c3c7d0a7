/*
 * RPMsg-Lite's environment layer (rpmsg_env.h) for a WebAssembly core of @rpmsg/soc: a bare-metal
 * core with one thread, whose doorbell ISR runs only where the core waits (rpmsg_soc_wfi) — so no
 * lock is needed, and every wait (a sleep, the link-up wait, a queue read with a timeout) waits at
 * rpmsg_soc_wfi() so that RPMsg-Lite's virtqueue ISRs run meanwhile, as they would preempt a
 * bare-metal core's busy loop. Written for this project against RPMsg-Lite's environment interface
 * (RL_USE_ENVIRONMENT_CONTEXT 0); RPMsg-Lite's own bare-metal environment cannot serve: its barrier
 * is the ARM `dsb` instruction, and it has no queues for rpmsg_queue.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "rpmsg_env.h"
#include "rpmsg_lite.h"
#include "rpmsg_platform.h"
#include "rpmsg_soc.h"
#include "virtqueue.h"

/* env_init() calls minus env_deinit() calls: the platform is set up by the first, torn down by the last. */
static int32_t init_count;
/* The virtqueue of each vector (virtqueue id), registered by platform_init_interrupt. */
static struct virtqueue *isr_table[RL_PLATFORM_MAX_ISR_COUNT];
/* The vring this core sends on: the master sends on vring 1, the remote on vring 0 (RPMsg-Lite's tvq). */
static uint32_t tx_vring;
/* Interrupts taken on that ring: a sender waiting for a free buffer wakes on them. */
static volatile uint32_t tx_interrupts;

/* RL_BLOCK as a timeout: wait for ever. */
#define ENV_WAIT_FOREVER ((uintptr_t)RL_BLOCK)

/* The deadline `timeout_ms` from now (UINT64_MAX: none). */
static uint64_t deadline_after(uintptr_t timeout_ms)
{
    if (timeout_ms == ENV_WAIT_FOREVER) return UINT64_MAX;
    return rpmsg_soc_time_us() + (uint64_t)timeout_ms * 1000U;
}

/* Waits at one wait point, at most until `deadline`; false when the deadline has passed. */
static bool wait_until(uint64_t deadline)
{
    if (deadline == UINT64_MAX)
    {
        (void)rpmsg_soc_wfi(RPMSG_SOC_WAIT_FOREVER);
        return true;
    }
    uint64_t now = rpmsg_soc_time_us();
    if (now >= deadline) return false;
    uint64_t left = deadline - now;
    (void)rpmsg_soc_wfi(left < RPMSG_SOC_WAIT_FOREVER ? (uint32_t)left : RPMSG_SOC_WAIT_FOREVER - 1U);
    return true;
}

int32_t env_init(void)
{
    RL_ASSERT(init_count >= 0);
    if (init_count++ > 0) return 0;
    (void)memset(isr_table, 0, sizeof(isr_table));
    tx_vring = rpmsg_soc_info()->role == RPMSG_SOC_ROLE_MASTER ? 1U : 0U;
    return platform_init();
}

int32_t env_deinit(void)
{
    RL_ASSERT(init_count > 0);
    if (init_count <= 0) return -1;
    if (--init_count > 0) return 0;
    return platform_deinit();
}

void *env_allocate_memory(uint32_t size)
{
    return malloc(size);
}

void env_free_memory(void *ptr)
{
    free(ptr);
}

void env_memset(void *ptr, int32_t value, uint32_t size)
{
    (void)memset(ptr, (int)((uint32_t)value & 0xFFU), size);
}

void env_memcpy(void *dst, void const *src, uint32_t len)
{
    (void)memcpy(dst, src, len);
}

int32_t env_strcmp(const char *dst, const char *src)
{
    return strcmp(dst, src);
}

void env_strncpy(char *dest, const char *src, uint32_t len)
{
    (void)strncpy(dest, src, len);
}

int32_t env_strncmp(char *dest, const char *src, uint32_t len)
{
    return strncmp(dest, src, len);
}

/*
 * Barriers: the other core is another thread on the same shared memory, so a sequentially
 * consistent fence (wasm `atomic.fence`) orders this core's ring accesses against its — what
 * `dsb` does between an M-core and the A-core. The "memory" effect also stops the compiler moving
 * ring accesses across it.
 */
void env_mb(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void env_rmb(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void env_wmb(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

uint32_t env_map_vatopa(void *address)
{
    return (uint32_t)platform_vatopa(address);
}

void *env_map_patova(uint32_t address)
{
    return platform_patova(address);
}

/* One thread, and ISRs run only at wait points, which RPMsg-Lite never reaches holding its lock. */
#if defined(RL_USE_STATIC_API) && (RL_USE_STATIC_API == 1)
int32_t env_create_mutex(void **lock, int32_t count, void *context)
{
    (void)context;
#else
int32_t env_create_mutex(void **lock, int32_t count)
{
#endif
    (void)count;
    *lock = lock; // any non-NULL handle: RPMsg-Lite checks that the lock exists
    return 0;
}

void env_delete_mutex(void *lock)
{
    (void)lock;
}

void env_lock_mutex(void *lock)
{
    (void)lock;
}

void env_unlock_mutex(void *lock)
{
    (void)lock;
}

/*
 * RPMsg-Lite sleeps here between looks for a free TX buffer (rpmsg_lite_send, alloc_tx_buffer,
 * RL_MS_PER_INTERVAL at a time). The wait ends at the deadline, or earlier when the peer rang the
 * doorbell of the ring this core sends on — the peer gave buffers back — so a sender goes on at
 * once instead of a millisecond later. RPMsg-Lite counts each sleep as num_msec whatever its
 * length; a wake-up comes only with returned buffers, so a timed send still times out close to
 * its timeout.
 */
void env_sleep_msec(uint32_t num_msec)
{
    uint32_t seen = tx_interrupts;
    uint64_t deadline = deadline_after(num_msec);
    while (tx_interrupts == seen && wait_until(deadline))
    {
    }
}

void env_register_isr(uint32_t vector_id, void *data)
{
    RL_ASSERT(vector_id < RL_PLATFORM_MAX_ISR_COUNT);
    if (vector_id < RL_PLATFORM_MAX_ISR_COUNT) isr_table[vector_id] = (struct virtqueue *)data;
}

void env_unregister_isr(uint32_t vector_id)
{
    RL_ASSERT(vector_id < RL_PLATFORM_MAX_ISR_COUNT);
    if (vector_id < RL_PLATFORM_MAX_ISR_COUNT) isr_table[vector_id] = NULL;
}

void env_enable_interrupt(uint32_t vector_id)
{
    (void)platform_interrupt_enable(vector_id);
}

void env_disable_interrupt(uint32_t vector_id)
{
    (void)platform_interrupt_disable(vector_id);
}

void env_map_memory(uint32_t pa, uint32_t va, uint32_t size, uint32_t flags)
{
    platform_map_mem_region(va, pa, size, flags);
}

void env_disable_cache(void)
{
    platform_cache_all_flush_invalidate();
    platform_cache_disable();
}

void env_cache_flush(void *data, uint32_t len)
{
#if defined(RL_USE_DCACHE) && (RL_USE_DCACHE == 1)
    platform_cache_flush(data, len);
#else
    (void)data;
    (void)len;
#endif
}

void env_cache_invalidate(void *data, uint32_t len)
{
#if defined(RL_USE_DCACHE) && (RL_USE_DCACHE == 1)
    platform_cache_invalidate(data, len);
#else
    (void)data;
    (void)len;
#endif
}

uint64_t env_get_timestamp(void)
{
    return rpmsg_soc_time_us() / 1000U;
}

/*
 * The doorbell of virtqueue `vector` rang (platform_doorbell_isr): run RPMsg-Lite's handler of that
 * virtqueue. A doorbell for a ring nobody registered (the peer kicked before rpmsg_lite_*_init) is
 * dropped, as an interrupt with no handler installed.
 */
void env_isr(uint32_t vector)
{
    RL_ASSERT(vector < RL_PLATFORM_MAX_ISR_COUNT);
    if (vector >= RL_PLATFORM_MAX_ISR_COUNT || isr_table[vector] == NULL) return;
    if (RL_GET_Q_ID(vector) == tx_vring) tx_interrupts++;
    virtqueue_notification(isr_table[vector]);
}

uint32_t env_wait_for_link_up(volatile uint32_t *link_state, uint32_t link_id, uint32_t timeout_ms)
{
    (void)link_id;
    // The link comes up in the ISR (rpmsg_lite_tx_callback on the master's first kick).
    uint64_t deadline = deadline_after(timeout_ms);
    while (*link_state != 1U)
    {
        if (!wait_until(deadline)) return *link_state == 1U ? 1U : 0U;
    }
    return 1U;
}

void env_tx_callback(uint32_t link_id)
{
    (void)link_id; // env_wait_for_link_up looks at link_state after every wait point
}

/* rpmsg_queue's queues: a FIFO the ISR fills (rpmsg_queue_rx_cb) and the application empties. */

#if defined(RL_USE_STATIC_API) && (RL_USE_STATIC_API == 1)
int32_t env_create_queue(void **queue,
                         int32_t length,
                         int32_t element_size,
                         uint8_t *queue_static_storage,
                         rpmsg_static_queue_ctxt *queue_static_context)
{
    if (length <= 0 || element_size <= 0 || queue_static_storage == NULL || queue_static_context == NULL) return -1;
    struct rpmsg_soc_queue *q = queue_static_context;
    q->storage = queue_static_storage;
    q->is_static = 1U;
#else
int32_t env_create_queue(void **queue, int32_t length, int32_t element_size)
{
    if (length <= 0 || element_size <= 0) return -1;
    uint32_t bytes = (uint32_t)length * (uint32_t)element_size;
    if (bytes / (uint32_t)length != (uint32_t)element_size) return -1; // no wrap-around
    struct rpmsg_soc_queue *q = malloc(sizeof(*q) + bytes);
    if (q == NULL) return -1;
    q->storage = (uint8_t *)(q + 1);
    q->is_static = 0U;
#endif
    q->length = (uint32_t)length;
    q->element_size = (uint32_t)element_size;
    q->head = 0U;
    q->count = 0U;
    *queue = q;
    return 0;
}

void env_delete_queue(void *queue)
{
    struct rpmsg_soc_queue *q = queue;
    if (q != NULL && q->is_static == 0U) free(q);
}

/*
 * Adds `msg` at the tail. Only the application takes from a queue, and never while this waits
 * (one thread), so a full queue stays full: with a timeout this waits it out (ISRs run meanwhile),
 * as an RTOS queue would for a task nobody serves. Returns 1 when added, 0 when full.
 */
int32_t env_put_queue(void *queue, void *msg, uintptr_t timeout_ms)
{
    struct rpmsg_soc_queue *q = queue;
    if (q->count == q->length)
    {
        if (timeout_ms == 0U || platform_in_isr() != 0) return 0;
        uint64_t deadline = deadline_after(timeout_ms);
        while (q->count == q->length)
        {
            if (!wait_until(deadline)) return 0;
        }
    }
    uint32_t tail = q->head + q->count;
    if (tail >= q->length) tail -= q->length;
    (void)memcpy(q->storage + tail * q->element_size, msg, q->element_size);
    q->count++;
    return 1;
}

/*
 * Takes the oldest element into `msg`. An empty queue is filled only by the ISR, so this waits at
 * wait points — where the ISR runs — until an element arrives or `timeout_ms` passes (RL_BLOCK:
 * for ever). Returns 1 with an element, 0 without.
 */
int32_t env_get_queue(void *queue, void *msg, uintptr_t timeout_ms)
{
    struct rpmsg_soc_queue *q = queue;
    if (q->count == 0U)
    {
        if (timeout_ms == 0U || platform_in_isr() != 0) return 0;
        uint64_t deadline = deadline_after(timeout_ms);
        while (q->count == 0U)
        {
            if (!wait_until(deadline)) return 0;
        }
    }
    (void)memcpy(msg, q->storage + q->head * q->element_size, q->element_size);
    if (++q->head == q->length) q->head = 0U;
    q->count--;
    return 1;
}

int32_t env_get_current_queue_size(void *queue)
{
    struct rpmsg_soc_queue *q = queue;
    return (int32_t)q->count;
}
