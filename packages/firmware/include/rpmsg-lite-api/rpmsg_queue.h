/*
 * rpmsg_queue.h — RPMsg-Lite's receive queues (API mode): an endpoint created with
 * rpmsg_queue_rx_cb and a queue as its `rx_cb_data` holds every message it receives in the queue,
 * and a blocking loop takes them out with rpmsg_queue_recv() (copy) or rpmsg_queue_recv_nocopy()
 * (zero-copy, then rpmsg_queue_nocopy_free()). Several endpoints may share one queue.
 */
#ifndef RPMSG_QUEUE_H_
#define RPMSG_QUEUE_H_

#include "rpmsg_lite.h"

/** A queue, as rpmsg_queue_create() returns it. */
typedef void *rpmsg_queue_handle;

#if defined(RL_API_HAS_ZEROCOPY) && (RL_API_HAS_ZEROCOPY == 1)

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * The rx callback of a queued endpoint (`priv`: the queue): holds the buffer in the queue
 * (RL_HOLD), or releases it when the queue is full (RL_RELEASE).
 */
int32_t rpmsg_queue_rx_cb(void *payload, uint32_t payload_len, uint32_t src, void *priv);

/**
 * Creates a queue; RL_NULL when out of memory (or, static, a NULL argument). Static storage holds
 * RL_ENV_QUEUE_STATIC_STORAGE_SIZE bytes.
 */
#if defined(RL_USE_STATIC_API) && (RL_USE_STATIC_API == 1)
rpmsg_queue_handle rpmsg_queue_create(struct rpmsg_lite_instance *rpmsg_lite_dev,
                                      uint8_t *queue_storage,
                                      rpmsg_static_queue_ctxt *queue_ctxt);
#else
rpmsg_queue_handle rpmsg_queue_create(struct rpmsg_lite_instance *rpmsg_lite_dev);
#endif

/** Destroys a queue no endpoint delivers to any more. */
int32_t rpmsg_queue_destroy(struct rpmsg_lite_instance *rpmsg_lite_dev, rpmsg_queue_handle q);

/**
 * Takes the next message, waiting up to `timeout` ms, and copies it to `data` (at most `maxlen`
 * bytes; a longer one is dropped with RL_ERR_BUFF_SIZE, `*len` its length). The buffer goes back to
 * the peer. RL_ERR_NO_BUFF when nothing came in time.
 */
int32_t rpmsg_queue_recv(struct rpmsg_lite_instance *rpmsg_lite_dev,
                         rpmsg_queue_handle q,
                         uint32_t *src,
                         char *data,
                         uint32_t maxlen,
                         uint32_t *len,
                         uintptr_t timeout);

/**
 * Takes the next message without copying: `*data` points into the shared receive buffer until
 * rpmsg_queue_nocopy_free(). RL_ERR_NO_BUFF when nothing came in time.
 */
int32_t rpmsg_queue_recv_nocopy(struct rpmsg_lite_instance *rpmsg_lite_dev,
                                rpmsg_queue_handle q,
                                uint32_t *src,
                                char **data,
                                uint32_t *len,
                                uintptr_t timeout);

/** Gives a buffer from rpmsg_queue_recv_nocopy() back to the peer. */
int32_t rpmsg_queue_nocopy_free(struct rpmsg_lite_instance *rpmsg_lite_dev, void *data);

/** Messages waiting in the queue (RL_ERR_PARAM for a NULL or unknown queue). */
int32_t rpmsg_queue_get_current_size(rpmsg_queue_handle q);

#if defined(__cplusplus)
}
#endif

#endif /* RL_API_HAS_ZEROCOPY */

#endif /* RPMSG_QUEUE_H_ */
