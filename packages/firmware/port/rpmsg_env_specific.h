/*
 * rpmsg_env_specific.h — the types RPMsg-Lite's environment layer (rpmsg_env.h) leaves to the
 * environment, for the @rpmsg/soc port (rpmsg_env_soc.c): a bare-metal core whose only waits are
 * the SoC's wait points (rpmsg_soc_wfi).
 */
#ifndef RPMSG_ENV_SPECIFIC_H_
#define RPMSG_ENV_SPECIFIC_H_

#include <stdint.h>
#include "rpmsg_default_config.h"

/* One received message as rpmsg_queue keeps it (RPMsg-Lite's queue element). */
typedef struct
{
    uint32_t src;
    void *data;
    uint32_t len;
} rpmsg_queue_rx_cb_data_t;

/* A bounded FIFO of fixed-size elements: what env_create_queue() makes. */
struct rpmsg_soc_queue
{
    uint8_t *storage;   /* length × element_size bytes */
    uint32_t length;    /* capacity in elements */
    uint32_t element_size;
    uint32_t head;      /* index of the oldest element */
    volatile uint32_t count; /* elements held (the ISR adds) */
    uint32_t is_static; /* 1: storage and this struct belong to the caller */
};

#if defined(RL_USE_STATIC_API) && (RL_USE_STATIC_API == 1)
/* A lock needs no storage: the port's mutexes are no-ops (one thread; ISRs run only at wait points). */
typedef uint8_t LOCK_STATIC_CONTEXT;
/* The caller's queue context (rpmsg_queue_create's queue_ctxt). */
typedef struct rpmsg_soc_queue rpmsg_static_queue_ctxt;
#endif

#endif /* RPMSG_ENV_SPECIFIC_H_ */
