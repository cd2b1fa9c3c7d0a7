/*
 * rpmsg_ns.h — RPMsg-Lite's name service (API mode): announcing this core's endpoints as named
 * channels, and hearing the peer's announcements.
 */
#ifndef RPMSG_NS_H_
#define RPMSG_NS_H_

#include "rpmsg_lite.h"

/** The name service's address. */
#define RL_NS_EPT_ADDR (0x35u)
/** Bytes of a channel name on the wire, terminating NUL included. */
#define RL_NS_NAME_SIZE (32)

/** rpmsg_ns_announce() flags. */
enum rpmsg_ns_flags {
    RL_NS_CREATE = 0,
    RL_NS_DESTROY = 1,
};

/** Called for every announcement of the peer: its address, the channel's name, RL_NS_CREATE/DESTROY. */
typedef void (*rpmsg_ns_new_ept_cb)(uint32_t new_ept, const char *new_ept_name, uint32_t flags, void *user_data);

/** The application's callback and its data. */
struct rpmsg_ns_callback_data {
    rpmsg_ns_new_ept_cb cb;
    void *user_data;
};

/** A name-service binding (RPMsg-Lite's field order). */
struct rpmsg_ns_context {
    struct rpmsg_lite_endpoint *ept;
    struct rpmsg_ns_callback_data *cb_ctxt;
};

typedef struct rpmsg_ns_context *rpmsg_ns_handle;

/** Memory for a binding, reserved by the firmware (RL_USE_STATIC_API). */
struct rpmsg_ns_static_context_container {
    struct rpmsg_lite_ept_static_context ept_ctxt;
    struct rpmsg_ns_callback_data cb_ctxt;
    struct rpmsg_ns_context ns_ctxt;
};

typedef struct rpmsg_ns_static_context_container rpmsg_ns_static_context;

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * Calls `app_cb` for each of the peer's announcements from now on — and once for each channel the
 * peer announced before (the SoC may have served the link before main() ran). RL_NULL for a NULL
 * callback or when a binding exists (one per instance, as the name service has one address).
 */
#if defined(RL_USE_STATIC_API) && (RL_USE_STATIC_API == 1)
rpmsg_ns_handle rpmsg_ns_bind(struct rpmsg_lite_instance *rpmsg_lite_dev,
                              rpmsg_ns_new_ept_cb app_cb,
                              void *user_data,
                              rpmsg_ns_static_context *ns_ept_ctxt);
#else
rpmsg_ns_handle rpmsg_ns_bind(struct rpmsg_lite_instance *rpmsg_lite_dev, rpmsg_ns_new_ept_cb app_cb, void *user_data);
#endif

/** Ends a binding. */
int32_t rpmsg_ns_unbind(struct rpmsg_lite_instance *rpmsg_lite_dev, rpmsg_ns_handle handle);

/**
 * Announces (RL_NS_CREATE) or withdraws (RL_NS_DESTROY) endpoint `new_ept` as channel `ept_name`
 * (at most 31 bytes are used). An announced endpoint is announced again whenever the link comes
 * back up (the master rebooted).
 */
int32_t rpmsg_ns_announce(struct rpmsg_lite_instance *rpmsg_lite_dev,
                          struct rpmsg_lite_endpoint *new_ept,
                          const char *ept_name,
                          uint32_t flags);

#if defined(__cplusplus)
}
#endif

#endif /* RPMSG_NS_H_ */
