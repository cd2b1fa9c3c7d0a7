/*
 * rpmsg_config.h — RPMsg-Lite's configuration for a WebAssembly core of @rpmsg/soc (real RPMsg-Lite
 * mode of `buildFirmware({ rpmsgLite })`). RPMsg-Lite's rpmsg_default_config.h includes this file
 * first; every value here can be set with -D (`defines` of buildFirmware) instead.
 *
 * The defaults match `createSoc({ profile: 'rpmsg-lite' })`'s defaults: 256 buffers of 512 bytes
 * per direction, VRING_ALIGN 0x1000 and VRING_SIZE 0x8000 (rpmsg_platform.h). A firmware built for
 * another layout sets the same numbers with -D as the SoC is given (numBuffers = RL_BUFFER_COUNT,
 * bufferSize = RL_BUFFER_PAYLOAD_SIZE + 16, align = VRING_ALIGN, stride = VRING_SIZE); platform_init()
 * stops the core with a message naming the first value that differs from the SoC's memory map.
 */
#ifndef RPMSG_CONFIG_H_
#define RPMSG_CONFIG_H_

#include "rpmsg_soc.h"

/* Payload bytes per buffer: a buffer is this plus the 16-byte RPMsg header (2^n − 16, as RPMsg-Lite
   asks, so bufferSize is a power of two as the SoC requires). */
#ifndef RL_BUFFER_PAYLOAD_SIZE
#define RL_BUFFER_PAYLOAD_SIZE (496U)
#endif

/* Buffers per direction: a power of two, the SoC's numBuffers. */
#ifndef RL_BUFFER_COUNT
#define RL_BUFFER_COUNT (256U)
#endif

/* rpmsg_lite_alloc_tx_buffer / rpmsg_lite_send_nocopy / rpmsg_queue_recv_nocopy. */
#ifndef RL_API_HAS_ZEROCOPY
#define RL_API_HAS_ZEROCOPY (1)
#endif

/* 1: the caller provides every context (no malloc); the port supports both. */
#ifndef RL_USE_STATIC_API
#define RL_USE_STATIC_API (0)
#endif

/*
 * 1: RPMsg-Lite kicks the peer each time it gives received buffers back. This project's JS master
 * and JS remote block a sender on an empty ring until the peer kicks, as Linux virtio_rpmsg_bus
 * does — RPMsg-Lite's docs ask for 1 when its peer is Linux, so it is 1 here. Two RPMsg-Lite cores
 * work either way.
 */
#ifndef RL_ALLOW_CONSUMED_BUFFERS_NOTIFICATION
#define RL_ALLOW_CONSUMED_BUFFERS_NOTIFICATION (1)
#endif

/* Shared memory is plain wasm memory: no data cache to maintain. */
#ifndef RL_USE_DCACHE
#define RL_USE_DCACHE (0)
#endif

/* The port keeps its state in statics (one RPMsg-Lite link per core, as the SoC has). */
#ifndef RL_USE_ENVIRONMENT_CONTEXT
#define RL_USE_ENVIRONMENT_CONTEXT (0)
#endif
#if RL_USE_ENVIRONMENT_CONTEXT != 0
#error "the @rpmsg/soc port of RPMsg-Lite needs RL_USE_ENVIRONMENT_CONTEXT 0"
#endif

/* The SoC's doorbell ISR is rpmsg_soc_set_isr(); there is no MCMGR. */
#ifndef RL_USE_MCMGR_IPC_ISR_HANDLER
#define RL_USE_MCMGR_IPC_ISR_HANDLER (0)
#endif
#if RL_USE_MCMGR_IPC_ISR_HANDLER != 0
#error "the @rpmsg/soc port of RPMsg-Lite has no MCMGR: RL_USE_MCMGR_IPC_ISR_HANDLER must be 0"
#endif

/*
 * 1: the buffer count, payload size, vring size and alignment come from the SoC at run time
 * (rpmsg_soc_info(), platform_get_custom_shmem_config in rpmsg_platform.c): one firmware runs on
 * any rpmsg-lite layout. 0 (RPMsg-Lite's default): the compile-time values above.
 */
#ifndef RL_ALLOW_CUSTOM_SHMEM_CONFIG
#define RL_ALLOW_CUSTOM_SHMEM_CONFIG (0)
#endif

/* A failed RPMsg-Lite assertion stops the core with a crash naming it (RPMsg-Lite's default hangs). */
#ifndef RL_ASSERT
#define RL_ASSERT(x) ((x) ? (void)0 : rpmsg_soc_assert_fail(#x, __FILE__, __LINE__, __func__))
#endif

#endif /* RPMSG_CONFIG_H_ */
