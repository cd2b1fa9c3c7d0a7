/*
 * rpmsg_env_specific.h — the types RPMsg-Lite's environment layer gives its static API (API mode).
 *
 * There is no environment layer underneath (no RTOS, no rpmsg_env.h): one thread per core, blocking
 * calls sleep on the core's doorbell inside the SoC. What remains are the types a firmware needs to
 * reserve static contexts.
 */
#ifndef RPMSG_ENV_SPECIFIC_H_
#define RPMSG_ENV_SPECIFIC_H_

#include <stdint.h>
#include "rpmsg_default_config.h"

/** One entry of an rpmsg_queue: a held receive buffer (RPMsg-Lite's field order). */
typedef struct {
    uint32_t src;
    void *data;
    uint32_t len;
} rpmsg_queue_rx_cb_data_t;

/**
 * The state of an rpmsg_queue: a ring of held buffers. `count` comes first: the SoC's blocking
 * receive sleeps until that word is non-zero.
 */
struct rpmsg_api_queue {
    volatile uint32_t count;         /* entries waiting */
    uint32_t head;                   /* index of the oldest entry */
    uint32_t capacity;               /* entries `items` holds */
    rpmsg_queue_rx_cb_data_t *items; /* the ring */
    uint32_t is_static;              /* storage is the caller's (RL_USE_STATIC_API) */
    uint32_t dropped;                /* messages released unseen because the ring was full */
    struct rpmsg_api_queue *next;    /* the list of live queues (handles are checked against it) */
};

/**
 * Entries an rpmsg_queue holds with static storage: RPMsg-Lite's 2 * RL_BUFFER_COUNT, but at least
 * the SoC's default pool of 256 receive buffers, since here the SoC, not RL_BUFFER_COUNT, decides
 * how many buffers can be held at once. A queue that is full releases what arrives (as RPMsg-Lite's).
 */
#ifndef RL_API_QUEUE_LENGTH
#define RL_API_QUEUE_LENGTH ((2U * (RL_BUFFER_COUNT)) > 256U ? (2U * (RL_BUFFER_COUNT)) : 256U)
#endif

#if defined(RL_USE_STATIC_API) && (RL_USE_STATIC_API == 1)
/** Unused in API mode (no mutex is created); kept so firmware that reserves one builds. */
typedef uint8_t LOCK_STATIC_CONTEXT;
/** rpmsg_queue_create()'s `queue_ctxt`. */
typedef struct rpmsg_api_queue rpmsg_static_queue_ctxt;
/** Bytes of rpmsg_queue_create()'s `queue_storage`. */
#define RL_ENV_QUEUE_STATIC_STORAGE_SIZE (RL_API_QUEUE_LENGTH * sizeof(rpmsg_queue_rx_cb_data_t))
#endif

#endif /* RPMSG_ENV_SPECIFIC_H_ */
