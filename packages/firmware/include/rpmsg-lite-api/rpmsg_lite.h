/*
 * rpmsg_lite.h — RPMsg-Lite 5.x's public API, implemented over the simulated SoC's RPMsg stack
 * (API mode of @rpmsg/firmware; lib/rpmsg_lite_api.c).
 *
 * Firmware written against RPMsg-Lite builds unchanged: same functions, types, struct field order,
 * macros and error codes, in the default (dynamic) and the RL_USE_STATIC_API == 1 forms. What differs
 * is underneath: the vrings are served by the SoC's RPMsg device (packages/soc), and receive
 * callbacks run in "interrupt context" — inside a blocking API call or rpmsg_soc_wfi(), the points
 * where this core takes interrupts — so a busy loop that never calls either sees no message.
 * docs/c-firmware.md "RPMsg-Lite API mode".
 */
#ifndef RPMSG_LITE_H_
#define RPMSG_LITE_H_

#include <stddef.h>
#include <stdint.h>
#include "rpmsg_compiler.h"
#include "rpmsg_default_config.h"
#include "rpmsg_env_specific.h"
#include "rpmsg_platform.h"
#include "llist.h"

#if defined(__cplusplus)
extern "C" {
#endif

/** The RPMsg-Lite release whose API this implements. */
#define RL_VERSION "v5.4.0"

#define RL_WORD_SIZE (sizeof(uint32_t))
#define RL_WORD_ALIGN_UP(a) (((uintptr_t)(a) + (RL_WORD_SIZE - 1U)) & ~((uintptr_t)(RL_WORD_SIZE - 1U)))
#define RL_WORD_ALIGN_DOWN(a) ((uintptr_t)(a) & ~((uintptr_t)(RL_WORD_SIZE - 1U)))

#define RL_SUCCESS (0)
#define RL_NULL ((void *)0)
#define RL_REMOTE (0)
#define RL_MASTER (1)
#define RL_TRUE (1UL)
#define RL_FALSE (0UL)
/** Any address: rpmsg_lite_create_ept() picks the lowest free one. */
#define RL_ADDR_ANY (0xFFFFFFFFU)
/** What an rx callback returns: the buffer goes back to the peer now ... */
#define RL_RELEASE (0)
/** ... or stays with the firmware until rpmsg_lite_release_rx_buffer(). */
#define RL_HOLD (1)
/** Timeouts (ms): do not wait / wait for ever. */
#define RL_DONT_BLOCK (0)
#define RL_BLOCK (~0UL)

/* Error codes (RPMsg-Lite's values). */
#define RL_ERRORS_BASE (-5000)
#define RL_ERR_NO_MEM (RL_ERRORS_BASE - 1)    /* no TX buffer within the timeout, no memory */
#define RL_ERR_BUFF_SIZE (RL_ERRORS_BASE - 2) /* payload larger than a buffer, or than the caller's */
#define RL_ERR_PARAM (RL_ERRORS_BASE - 3)     /* a NULL, unknown or out-of-memory argument */
#define RL_ERR_DEV_ID (RL_ERRORS_BASE - 4)
#define RL_ERR_MAX_VQ (RL_ERRORS_BASE - 5)
#define RL_ERR_NO_BUFF (RL_ERRORS_BASE - 6)   /* nothing received within the timeout */
#define RL_NOT_READY (RL_ERRORS_BASE - 7)     /* the link is down */
#define RL_ALREADY_DONE (RL_ERRORS_BASE - 8)

/** rpmsg_lite_*_init() flags. */
#define RL_NO_FLAGS (0U)

/** The header's reserved word (RPMsg-Lite keeps a held buffer's ring index in it). */
struct rpmsg_hdr_reserved {
    uint16_t rfu;
    uint16_t idx;
};

/** The 16-byte RPMsg header every message starts with. */
RL_PACKED_BEGIN
struct rpmsg_std_hdr {
    uint32_t src;
    uint32_t dst;
    struct rpmsg_hdr_reserved reserved;
    uint16_t len;
    uint16_t flags;
} RL_PACKED_END;

/** A message: header and payload. */
RL_PACKED_BEGIN
struct rpmsg_std_msg {
    struct rpmsg_std_hdr hdr;
    uint8_t data[1];
} RL_PACKED_END;

/**
 * Receive callback: `payload` points into the shared receive buffer. Return RL_RELEASE to give the
 * buffer back when it returns, RL_HOLD to keep it until rpmsg_lite_release_rx_buffer(). Runs in
 * interrupt context: it must not block (a blocking call made here does not wait).
 */
typedef int32_t (*rl_ept_rx_cb_t)(void *payload, uint32_t payload_len, uint32_t src, void *priv);

/** An endpoint (RPMsg-Lite's public fields, in its order). */
struct rpmsg_lite_endpoint {
    uint32_t addr;        /* local address */
    rl_ept_rx_cb_t rx_cb; /* receive callback */
    void *rx_cb_data;     /* its `priv` argument */
    void *rfu;            /* reserved */
};

/** Memory for an endpoint, reserved by the firmware (RL_USE_STATIC_API). */
struct rpmsg_lite_ept_static_context {
    struct rpmsg_lite_endpoint ept;
    struct llist node;
};

/**
 * An RPMsg-Lite instance. The stack's state lives in the SoC; this is what the firmware holds (and
 * reserves, with RL_USE_STATIC_API). Read it through the API, not its fields.
 */
struct rpmsg_lite_instance {
    uint32_t link_state; /* RL_TRUE once an API call saw the link up */
    char *sh_mem_base;   /* the `shmem_addr` given to init */
    uint32_t link_id;    /* the link this instance serves */
    uint32_t role;       /* RL_MASTER or RL_REMOTE */
    uint32_t is_static;  /* the firmware's own memory: deinit does not free it */
};

/**
 * Starts RPMsg-Lite on the master core. `shmem_addr` is this core's view of the shared region
 * (RL_PLATFORM_SOC_SHMEM_BASE); the SoC places the vrings and buffers itself. RL_NULL when this core
 * is not the master, `link_id` is not the SoC's, or an instance is already running.
 */
#if defined(RL_USE_STATIC_API) && (RL_USE_STATIC_API == 1)
struct rpmsg_lite_instance *rpmsg_lite_master_init(void *shmem_addr,
                                                   size_t shmem_length,
                                                   uint32_t link_id,
                                                   uint32_t init_flags,
                                                   struct rpmsg_lite_instance *static_context);
#elif defined(RL_USE_ENVIRONMENT_CONTEXT) && (RL_USE_ENVIRONMENT_CONTEXT == 1)
struct rpmsg_lite_instance *rpmsg_lite_master_init(
    void *shmem_addr, size_t shmem_length, uint32_t link_id, uint32_t init_flags, void *env_cfg);
#else
struct rpmsg_lite_instance *rpmsg_lite_master_init(void *shmem_addr,
                                                   size_t shmem_length,
                                                   uint32_t link_id,
                                                   uint32_t init_flags);
#endif

/** Starts RPMsg-Lite on the remote core; as rpmsg_lite_master_init(). */
#if defined(RL_USE_STATIC_API) && (RL_USE_STATIC_API == 1)
struct rpmsg_lite_instance *rpmsg_lite_remote_init(void *shmem_addr,
                                                   uint32_t link_id,
                                                   uint32_t init_flags,
                                                   struct rpmsg_lite_instance *static_context);
#elif defined(RL_USE_ENVIRONMENT_CONTEXT) && (RL_USE_ENVIRONMENT_CONTEXT == 1)
struct rpmsg_lite_instance *rpmsg_lite_remote_init(void *shmem_addr,
                                                   uint32_t link_id,
                                                   uint32_t init_flags,
                                                   void *env_cfg);
#else
struct rpmsg_lite_instance *rpmsg_lite_remote_init(void *shmem_addr, uint32_t link_id, uint32_t init_flags);
#endif

/** Stops the instance: its endpoints are destroyed, held buffers released; init may be called again. */
int32_t rpmsg_lite_deinit(struct rpmsg_lite_instance *rpmsg_lite_dev);

/**
 * Creates an endpoint at `addr` (RL_ADDR_ANY: the lowest free address) whose messages go to
 * `rx_cb`. RL_NULL when the address is taken or reserved (53, the name service).
 */
#if defined(RL_USE_STATIC_API) && (RL_USE_STATIC_API == 1)
struct rpmsg_lite_endpoint *rpmsg_lite_create_ept(struct rpmsg_lite_instance *rpmsg_lite_dev,
                                                  uint32_t addr,
                                                  rl_ept_rx_cb_t rx_cb,
                                                  void *rx_cb_data,
                                                  struct rpmsg_lite_ept_static_context *ept_context);
#else
struct rpmsg_lite_endpoint *rpmsg_lite_create_ept(struct rpmsg_lite_instance *rpmsg_lite_dev,
                                                  uint32_t addr,
                                                  rl_ept_rx_cb_t rx_cb,
                                                  void *rx_cb_data);
#endif

/** Destroys an endpoint; RL_ERR_PARAM for one this instance does not have. */
int32_t rpmsg_lite_destroy_ept(struct rpmsg_lite_instance *rpmsg_lite_dev, struct rpmsg_lite_endpoint *rl_ept);

/**
 * Copies `size` bytes at `data` into a TX buffer and sends them from `ept` to `dst`, waiting up to
 * `timeout` ms for a buffer. RL_ERR_BUFF_SIZE (larger than a buffer), RL_NOT_READY (link down),
 * RL_ERR_NO_MEM (no buffer in time), RL_ERR_PARAM.
 */
int32_t rpmsg_lite_send(struct rpmsg_lite_instance *rpmsg_lite_dev,
                        struct rpmsg_lite_endpoint *ept,
                        uint32_t dst,
                        char *data,
                        uint32_t size,
                        uintptr_t timeout);

/** RL_TRUE while the link is up. */
uint32_t rpmsg_lite_is_link_up(struct rpmsg_lite_instance *rpmsg_lite_dev);

/** Waits up to `timeout` ms for the link; RL_TRUE when it is up. */
uint32_t rpmsg_lite_wait_for_link_up(struct rpmsg_lite_instance *rpmsg_lite_dev, uint32_t timeout);

#if defined(RL_API_HAS_ZEROCOPY) && (RL_API_HAS_ZEROCOPY == 1)

/** Gives a buffer held by an rx callback (RL_HOLD) back to the peer. */
int32_t rpmsg_lite_release_rx_buffer(struct rpmsg_lite_instance *rpmsg_lite_dev, void *rxbuf);

/**
 * Lends a TX buffer for zero-copy sending, waiting up to `timeout` ms; `*size` is set to its payload
 * capacity (0 on failure). RL_NULL when the link is down or no buffer came in time.
 */
void *rpmsg_lite_alloc_tx_buffer(struct rpmsg_lite_instance *rpmsg_lite_dev, uint32_t *size, uintptr_t timeout);

/**
 * Sends the first `size` bytes of a buffer from rpmsg_lite_alloc_tx_buffer() from `ept` to `dst`;
 * the buffer is the peer's from then on. On an error return it stays the firmware's.
 */
int32_t rpmsg_lite_send_nocopy(struct rpmsg_lite_instance *rpmsg_lite_dev,
                               struct rpmsg_lite_endpoint *ept,
                               uint32_t dst,
                               void *data,
                               uint32_t size);
#endif /* RL_API_HAS_ZEROCOPY */

#if defined(__cplusplus)
}
#endif

#endif /* RPMSG_LITE_H_ */
