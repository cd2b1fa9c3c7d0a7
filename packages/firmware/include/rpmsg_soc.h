/*
 * rpmsg_soc.h — the simulated SoC's interface for firmware written in C (WebAssembly cores).
 *
 * A firmware built by `rpmsg build-firmware` runs on a core of @rpmsg/soc as a bare-metal program:
 * one thread, one interrupt line (the mailbox doorbell), shared RAM at a fixed place in its memory.
 * This header is everything the SoC offers it; docs/c-firmware.md explains each part.
 *
 * - Memory map: rpmsg_soc_info() — where the RPMsg region (resource table, vrings, buffers) sits,
 *   its device ("physical") address, the firmware's heap.
 * - Doorbells: rpmsg_soc_kick() rings the peer's doorbell channel (a mailbox interrupt).
 * - Interrupts: rpmsg_soc_set_isr() installs the doorbell ISR; rpmsg_soc_wfi() sleeps until a doorbell
 *   rings or the timeout passes and runs the ISR for each channel that rang and is enabled — the ISR
 *   runs only at these wait points, as on a core that sleeps in WFI between interrupts.
 * - Time and output: a microsecond clock, a log line, exit.
 *
 * Every wait point also tells the SoC's watchdog the core is alive: a firmware that never waits
 * (an endless loop) is declared crashed after the watchdog's limit.
 *
 * Versioned: RPMSG_SOC_ABI_VERSION changes when an import changes; the SoC refuses a firmware built
 * against an ABI it does not implement (ERR_RPMSG_LOAD).
 */
#ifndef RPMSG_SOC_H
#define RPMSG_SOC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The version of this interface (the SoC checks it at load). */
#define RPMSG_SOC_ABI_VERSION 1

/** rpmsg_soc_wfi(): wait without a time limit. */
#define RPMSG_SOC_WAIT_FOREVER 0xFFFFFFFFu

/** rpmsg_soc_info()->role */
#define RPMSG_SOC_ROLE_MASTER 0u
#define RPMSG_SOC_ROLE_REMOTE 1u

/** rpmsg_soc_info()->profile */
#define RPMSG_SOC_PROFILE_LINUX 0u
#define RPMSG_SOC_PROFILE_RPMSG_LITE 1u

#define RPMSG_SOC_IMPORT(name) __attribute__((import_module("rpmsg_soc"), import_name(#name)))

/** What the SoC tells a firmware about its core and memory (read-only, valid for the core's life). */
struct rpmsg_soc_info {
    uint32_t abi_version;  /* RPMSG_SOC_ABI_VERSION the SoC implements */
    uint32_t role;         /* RPMSG_SOC_ROLE_MASTER or RPMSG_SOC_ROLE_REMOTE */
    uint32_t profile;      /* RPMSG_SOC_PROFILE_LINUX or RPMSG_SOC_PROFILE_RPMSG_LITE */
    uint32_t shmem_pa;     /* device address of the RPMsg region's first byte (what descriptors hold) */
    uint32_t shmem_va;     /* the same byte in this core's memory: a pointer */
    uint32_t shmem_size;   /* bytes of the RPMsg region */
    uint32_t num_buffers;  /* buffers per direction */
    uint32_t buffer_size;  /* bytes per buffer, 16-byte RPMsg header included */
    uint32_t vring_align;  /* vring alignment of the layout */
    uint32_t vring_size;   /* bytes reserved per vring (RPMsg-Lite's VRING_SIZE) */
    uint32_t notify_id[2]; /* the doorbell channel of vring 0 and vring 1 */
    uint32_t heap_start;   /* this firmware's free memory: [heap_start, heap_end) */
    uint32_t heap_end;
    uint32_t link_id;      /* RPMsg-Lite link id of this pair of cores */
};

/** The memory map and this core's identity. */
RPMSG_SOC_IMPORT(info) const struct rpmsg_soc_info *rpmsg_soc_info(void);

/** Rings doorbell channel `notify_id` of the other core (a mailbox interrupt: a "kick"). */
RPMSG_SOC_IMPORT(kick) void rpmsg_soc_kick(uint32_t notify_id);

/**
 * Waits for an interrupt (WFI): returns when a doorbell rang or `timeout_us` passed
 * (RPMSG_SOC_WAIT_FOREVER: no limit). Before returning it runs the ISR once for every doorbell
 * channel that rang and is enabled; a disabled channel stays pending until it is enabled.
 * Returns how many ISR calls it made, plus 1 when (API mode) the SoC's RPMsg layer delivered
 * messages to endpoint callbacks or queues during the wait; 0: the timeout passed.
 */
int rpmsg_soc_wfi(uint32_t timeout_us);

/** The doorbell interrupt handler: `notify_id` is the channel that rang. */
typedef void (*rpmsg_soc_isr_t)(uint32_t notify_id, void *arg);

/** Installs the doorbell ISR (NULL: none). Every channel starts enabled. */
void rpmsg_soc_set_isr(rpmsg_soc_isr_t isr, void *arg);

/** Enables / disables (masks) the interrupt of doorbell channel `notify_id` (0..31). */
void rpmsg_soc_irq_enable(uint32_t notify_id);
void rpmsg_soc_irq_disable(uint32_t notify_id);

/** Microseconds since the SoC started: one clock for every core. */
RPMSG_SOC_IMPORT(time_us) uint64_t rpmsg_soc_time_us(void);

/** Writes `len` bytes as log output of this core (the SoC's `log` event, the trace). */
RPMSG_SOC_IMPORT(log) void rpmsg_soc_log(const char *text, size_t len);

/** Ends the firmware with `code`: the SoC sees the core stop (a crash of the remote). */
RPMSG_SOC_IMPORT(exit) __attribute__((noreturn)) void rpmsg_soc_exit(int code);

/** A failed assertion: the core stops with a crash naming `expr`, the file, line and function. */
RPMSG_SOC_IMPORT(assert_fail)
__attribute__((noreturn)) void rpmsg_soc_assert_fail(const char *expr, const char *file, int line, const char *func);

/* The raw wait under rpmsg_soc_wfi(): sleeps up to timeout_us, returns the mask of doorbell channels
   that rang since the last call (bit n: channel n, n < 31); bit 31: in API mode, the SoC's RPMsg
   layer served the link and delivered messages. Firmware calls rpmsg_soc_wfi(), not this. */
RPMSG_SOC_IMPORT(wait) uint32_t rpmsg_soc_wait(uint32_t timeout_us);

#ifdef __cplusplus
}
#endif

#endif /* RPMSG_SOC_H */
