/*
 * rpmsg_default_config.h — RPMsg-Lite's configuration macros and their defaults (API mode).
 *
 * As in RPMsg-Lite, a firmware's own "rpmsg_config.h" (on its include path) is read first and wins;
 * unlike RPMsg-Lite, it may be left out. In API mode the SoC decides the shared-memory layout
 * (buffer count and size: rpmsg_soc_info()), so RL_BUFFER_COUNT and RL_BUFFER_PAYLOAD_SIZE only
 * size the firmware's own arrays; rpmsg_lite_remote_init() logs a line when RL_BUFFER_PAYLOAD_SIZE
 * differs from the SoC's buffers. docs/c-firmware.md "RPMsg-Lite API mode".
 */
#ifndef RPMSG_DEFAULT_CONFIG_H_
#define RPMSG_DEFAULT_CONFIG_H_

#ifndef RL_USE_CUSTOM_CONFIG
#define RL_USE_CUSTOM_CONFIG (1)
#endif

#if RL_USE_CUSTOM_CONFIG && defined(__has_include)
#if __has_include("rpmsg_config.h")
#include "rpmsg_config.h"
#endif
#endif

/* Milliseconds between the polls of RPMsg-Lite's blocking loops (kept for configurations that set it;
   here a blocking call sleeps on the doorbell instead of polling). */
#ifndef RL_MS_PER_INTERVAL
#define RL_MS_PER_INTERVAL (1)
#endif

#ifndef RL_ALLOW_CUSTOM_SHMEM_CONFIG
#define RL_ALLOW_CUSTOM_SHMEM_CONFIG (0)
#endif

/* Payload bytes of a buffer: 512-byte buffers less the 16-byte RPMsg header (the SoC's default). */
#ifndef RL_BUFFER_PAYLOAD_SIZE
#define RL_BUFFER_PAYLOAD_SIZE (496U)
#endif

/* Buffers per direction as the firmware assumes it; the SoC's count is rpmsg_soc_info()->num_buffers. */
#ifndef RL_BUFFER_COUNT
#define RL_BUFFER_COUNT (2U)
#endif

#ifndef RL_API_HAS_ZEROCOPY
#define RL_API_HAS_ZEROCOPY (1)
#endif

#ifndef RL_USE_STATIC_API
#define RL_USE_STATIC_API (0)
#endif

#ifndef RL_CLEAR_USED_BUFFERS
#define RL_CLEAR_USED_BUFFERS (0)
#endif

#ifndef RL_USE_DCACHE
#define RL_USE_DCACHE (0)
#endif

#ifndef RL_USE_MCMGR_IPC_ISR_HANDLER
#define RL_USE_MCMGR_IPC_ISR_HANDLER (0)
#endif

#ifndef RL_USE_ENVIRONMENT_CONTEXT
#define RL_USE_ENVIRONMENT_CONTEXT (0)
#endif

#ifndef RL_DEBUG_CHECK_BUFFERS
#define RL_DEBUG_CHECK_BUFFERS (0)
#endif

#ifndef RL_ALLOW_CONSUMED_BUFFERS_NOTIFICATION
#define RL_ALLOW_CONSUMED_BUFFERS_NOTIFICATION (0)
#endif

/*
 * A failed RL_ASSERT stops the core with a crash naming the expression, file and line (the SoC's
 * `crash` event), where RPMsg-Lite's default hangs: a hung core here only trips the watchdog.
 */
#ifndef RL_ASSERT
#include "rpmsg_soc.h"
#define RL_ASSERT(x)                                                                 \
    do {                                                                             \
        if (!(x)) rpmsg_soc_assert_fail(#x, __FILE__, __LINE__, __func__);           \
    } while (0)
#endif

#endif /* RPMSG_DEFAULT_CONFIG_H_ */
