/*
 * RPMsg-Lite's public API over the SoC's RPMsg stack: API mode of `rpmsg build-firmware`.
 *
 * The C side keeps what a firmware can see or point at — the instance, endpoint structs with their
 * callbacks, rpmsg_queue rings, name-service bindings — and asks the SoC (the "rpmsg_lite" imports,
 * packages/soc/src/wasm/lite-imports.ts) for the ring work: endpoints on its RPMsg device, sends,
 * TX lends, releases, blocking waits. The SoC calls back through the two exported trampolines, which
 * call the function pointers kept here. Payload pointers always point into the shared buffers.
 *
 * Written from RPMsg-Lite's documented API (rpmsg_lite.h, rpmsg_queue.h, rpmsg_ns.h): same return
 * codes for the same conditions.
 */
#include "rpmsg_lite.h"
#include "rpmsg_ns.h"
#include "rpmsg_queue.h"
#include "rpmsg_soc.h"
#include <stdlib.h>
#include <string.h>

#define RL_API_IMPORT(name) __attribute__((import_module("rpmsg_lite"), import_name(#name)))

/* Starts the SoC side of an instance; returns the payload bytes of a buffer, or a negative RL_ code. */
RL_API_IMPORT(init) int32_t rl_js_init(void);
/* Destroys every endpoint and binding of the instance, gives held and lent buffers back. */
RL_API_IMPORT(deinit) void rl_js_deinit(void);
RL_API_IMPORT(is_link_up) uint32_t rl_js_is_link_up(void);
RL_API_IMPORT(wait_for_link_up) uint32_t rl_js_wait_for_link_up(uint32_t timeout_ms);
/* Creates the device endpoint of `ept` at `addr`; returns its address, or RL_ADDR_ANY on failure. */
RL_API_IMPORT(create_ept) uint32_t rl_js_create_ept(struct rpmsg_lite_endpoint *ept, uint32_t addr);
RL_API_IMPORT(destroy_ept) int32_t rl_js_destroy_ept(struct rpmsg_lite_endpoint *ept);
RL_API_IMPORT(send)
int32_t rl_js_send(struct rpmsg_lite_endpoint *ept, uint32_t dst, const void *data, uint32_t size, uint32_t timeout_ms);
/* Lends a TX buffer: its payload pointer, or NULL. */
RL_API_IMPORT(alloc_tx_buffer) void *rl_js_alloc_tx_buffer(uint32_t timeout_ms);
RL_API_IMPORT(send_nocopy)
int32_t rl_js_send_nocopy(struct rpmsg_lite_endpoint *ept, uint32_t dst, void *data, uint32_t size);
RL_API_IMPORT(release_rx_buffer) int32_t rl_js_release_rx_buffer(void *data);
RL_API_IMPORT(ns_announce) int32_t rl_js_ns_announce(struct rpmsg_lite_endpoint *ept, const char *name, uint32_t flags);
/* Starts delivering the peer's announcements to `ctx`, the channel name written to `name_buf`. */
RL_API_IMPORT(ns_bind) int32_t rl_js_ns_bind(struct rpmsg_ns_context *ctx, char *name_buf);
RL_API_IMPORT(ns_unbind) int32_t rl_js_ns_unbind(struct rpmsg_ns_context *ctx);
/* Serves the link until the word at `word` is non-zero or `timeout_ms` passed; returns that word != 0. */
RL_API_IMPORT(wait_nonzero) uint32_t rl_js_wait_nonzero(const volatile uint32_t *word, uint32_t timeout_ms);

/* One link per core, so one instance at a time. */
static struct rpmsg_lite_instance *active;
static uint32_t payload_size;
/* Endpoints of the active instance: a list through their llist nodes (attr 1: the caller's memory). */
static struct llist *endpoints;
static struct rpmsg_api_queue *queues;
static struct rpmsg_ns_context *ns_binding;
/* The SoC writes an announced channel's name here before calling rpmsg_lite_api_ns. */
static char ns_name[RL_NS_NAME_SIZE];

static void log_line(const char *text)
{
    rpmsg_soc_log(text, strlen(text));
}

static int is_active(const struct rpmsg_lite_instance *dev)
{
    return dev != RL_NULL && dev == active;
}

static struct rpmsg_lite_instance *init(struct rpmsg_lite_instance *ctx,
                                        void *shmem_addr,
                                        uint32_t link_id,
                                        uint32_t role)
{
    const struct rpmsg_soc_info *info = rpmsg_soc_info();
    uint32_t soc_role = role == RL_MASTER ? RPMSG_SOC_ROLE_MASTER : RPMSG_SOC_ROLE_REMOTE;
    if (active != RL_NULL || shmem_addr == RL_NULL || link_id != info->link_id || info->role != soc_role) {
        return RL_NULL;
    }
    int32_t size = rl_js_init();
    if (size < 0) return RL_NULL;
    payload_size = (uint32_t)size;
    if (payload_size != RL_BUFFER_PAYLOAD_SIZE) {
        log_line("rpmsg_lite: RL_BUFFER_PAYLOAD_SIZE differs from the SoC's buffers; the SoC's size applies");
    }
    uint32_t is_static = ctx != RL_NULL;
    if (!is_static) {
        ctx = malloc(sizeof(*ctx));
        if (ctx == RL_NULL) {
            rl_js_deinit();
            return RL_NULL;
        }
    }
    memset(ctx, 0, sizeof(*ctx));
    ctx->sh_mem_base = shmem_addr;
    ctx->link_id = link_id;
    ctx->role = role;
    ctx->is_static = is_static;
    ctx->link_state = rl_js_is_link_up();
    active = ctx;
    return ctx;
}

#if defined(RL_USE_STATIC_API) && (RL_USE_STATIC_API == 1)
struct rpmsg_lite_instance *rpmsg_lite_master_init(void *shmem_addr,
                                                   size_t shmem_length,
                                                   uint32_t link_id,
                                                   uint32_t init_flags,
                                                   struct rpmsg_lite_instance *static_context)
{
    (void)shmem_length;
    (void)init_flags;
    return static_context == RL_NULL ? RL_NULL : init(static_context, shmem_addr, link_id, RL_MASTER);
}

struct rpmsg_lite_instance *rpmsg_lite_remote_init(void *shmem_addr,
                                                   uint32_t link_id,
                                                   uint32_t init_flags,
                                                   struct rpmsg_lite_instance *static_context)
{
    (void)init_flags;
    return static_context == RL_NULL ? RL_NULL : init(static_context, shmem_addr, link_id, RL_REMOTE);
}
#elif defined(RL_USE_ENVIRONMENT_CONTEXT) && (RL_USE_ENVIRONMENT_CONTEXT == 1)
struct rpmsg_lite_instance *rpmsg_lite_master_init(
    void *shmem_addr, size_t shmem_length, uint32_t link_id, uint32_t init_flags, void *env_cfg)
{
    (void)shmem_length;
    (void)init_flags;
    (void)env_cfg;
    return init(RL_NULL, shmem_addr, link_id, RL_MASTER);
}

struct rpmsg_lite_instance *rpmsg_lite_remote_init(void *shmem_addr,
                                                   uint32_t link_id,
                                                   uint32_t init_flags,
                                                   void *env_cfg)
{
    (void)init_flags;
    (void)env_cfg;
    return init(RL_NULL, shmem_addr, link_id, RL_REMOTE);
}
#else
struct rpmsg_lite_instance *rpmsg_lite_master_init(void *shmem_addr,
                                                   size_t shmem_length,
                                                   uint32_t link_id,
                                                   uint32_t init_flags)
{
    (void)shmem_length;
    (void)init_flags;
    return init(RL_NULL, shmem_addr, link_id, RL_MASTER);
}

struct rpmsg_lite_instance *rpmsg_lite_remote_init(void *shmem_addr, uint32_t link_id, uint32_t init_flags)
{
    (void)init_flags;
    return init(RL_NULL, shmem_addr, link_id, RL_REMOTE);
}
#endif

int32_t rpmsg_lite_deinit(struct rpmsg_lite_instance *rpmsg_lite_dev)
{
    if (!is_active(rpmsg_lite_dev)) return RL_ERR_PARAM;
    rl_js_deinit();
    while (endpoints != RL_NULL) {
        struct llist *node = endpoints;
        endpoints = node->next;
        if (node->attr == 0u) free(node->data);
    }
    if (ns_binding != RL_NULL) (void)rpmsg_ns_unbind(rpmsg_lite_dev, ns_binding);
    if (!rpmsg_lite_dev->is_static) free(rpmsg_lite_dev);
    active = RL_NULL;
    return RL_SUCCESS;
}

uint32_t rpmsg_lite_is_link_up(struct rpmsg_lite_instance *rpmsg_lite_dev)
{
    if (!is_active(rpmsg_lite_dev)) return RL_FALSE;
    rpmsg_lite_dev->link_state = rl_js_is_link_up() ? RL_TRUE : RL_FALSE;
    return rpmsg_lite_dev->link_state;
}

uint32_t rpmsg_lite_wait_for_link_up(struct rpmsg_lite_instance *rpmsg_lite_dev, uint32_t timeout)
{
    if (!is_active(rpmsg_lite_dev)) return RL_FALSE;
    rpmsg_lite_dev->link_state = rl_js_wait_for_link_up(timeout) ? RL_TRUE : RL_FALSE;
    return rpmsg_lite_dev->link_state;
}

/*
 * Dynamic endpoints are allocated with the same layout as the static context, so both kinds sit on
 * one list through their node (deinit frees what it allocated).
 */
static struct rpmsg_lite_endpoint *create_ept(uint32_t addr,
                                              rl_ept_rx_cb_t rx_cb,
                                              void *rx_cb_data,
                                              struct rpmsg_lite_ept_static_context *ctx)
{
    uint32_t is_static = ctx != RL_NULL;
    if (!is_static) {
        ctx = malloc(sizeof(*ctx));
        if (ctx == RL_NULL) return RL_NULL;
    }
    memset(ctx, 0, sizeof(*ctx));
    ctx->ept.rx_cb = rx_cb;
    ctx->ept.rx_cb_data = rx_cb_data;
    uint32_t got = rl_js_create_ept(&ctx->ept, addr);
    if (got == RL_ADDR_ANY) {
        if (!is_static) free(ctx);
        return RL_NULL;
    }
    ctx->ept.addr = got;
    ctx->node.data = ctx;
    ctx->node.attr = is_static;
    ctx->node.next = endpoints;
    if (endpoints != RL_NULL) endpoints->prev = &ctx->node;
    endpoints = &ctx->node;
    return &ctx->ept;
}

#if defined(RL_USE_STATIC_API) && (RL_USE_STATIC_API == 1)
struct rpmsg_lite_endpoint *rpmsg_lite_create_ept(struct rpmsg_lite_instance *rpmsg_lite_dev,
                                                  uint32_t addr,
                                                  rl_ept_rx_cb_t rx_cb,
                                                  void *rx_cb_data,
                                                  struct rpmsg_lite_ept_static_context *ept_context)
{
    if (!is_active(rpmsg_lite_dev) || ept_context == RL_NULL) return RL_NULL;
    return create_ept(addr, rx_cb, rx_cb_data, ept_context);
}
#else
struct rpmsg_lite_endpoint *rpmsg_lite_create_ept(struct rpmsg_lite_instance *rpmsg_lite_dev,
                                                  uint32_t addr,
                                                  rl_ept_rx_cb_t rx_cb,
                                                  void *rx_cb_data)
{
    if (!is_active(rpmsg_lite_dev)) return RL_NULL;
    return create_ept(addr, rx_cb, rx_cb_data, RL_NULL);
}
#endif

int32_t rpmsg_lite_destroy_ept(struct rpmsg_lite_instance *rpmsg_lite_dev, struct rpmsg_lite_endpoint *rl_ept)
{
    if (!is_active(rpmsg_lite_dev) || rl_ept == RL_NULL) return RL_ERR_PARAM;
    /* The SoC knows its endpoints by pointer: an unknown (or already destroyed) one is refused
       before this side touches it. */
    int32_t status = rl_js_destroy_ept(rl_ept);
    if (status != RL_SUCCESS) return status;
    struct rpmsg_lite_ept_static_context *ctx = (struct rpmsg_lite_ept_static_context *)rl_ept;
    struct llist *node = &ctx->node;
    if (node->prev != RL_NULL) node->prev->next = node->next;
    else endpoints = node->next;
    if (node->next != RL_NULL) node->next->prev = node->prev;
    if (node->attr == 0u) free(ctx);
    return RL_SUCCESS;
}

int32_t rpmsg_lite_send(struct rpmsg_lite_instance *rpmsg_lite_dev,
                        struct rpmsg_lite_endpoint *ept,
                        uint32_t dst,
                        char *data,
                        uint32_t size,
                        uintptr_t timeout)
{
    if (!is_active(rpmsg_lite_dev) || ept == RL_NULL || data == RL_NULL) return RL_ERR_PARAM;
    return rl_js_send(ept, dst, data, size, (uint32_t)timeout);
}

#if defined(RL_API_HAS_ZEROCOPY) && (RL_API_HAS_ZEROCOPY == 1)
int32_t rpmsg_lite_release_rx_buffer(struct rpmsg_lite_instance *rpmsg_lite_dev, void *rxbuf)
{
    if (!is_active(rpmsg_lite_dev) || rxbuf == RL_NULL) return RL_ERR_PARAM;
    return rl_js_release_rx_buffer(rxbuf);
}

void *rpmsg_lite_alloc_tx_buffer(struct rpmsg_lite_instance *rpmsg_lite_dev, uint32_t *size, uintptr_t timeout)
{
    if (size == RL_NULL) return RL_NULL;
    void *buffer = is_active(rpmsg_lite_dev) ? rl_js_alloc_tx_buffer((uint32_t)timeout) : RL_NULL;
    *size = buffer != RL_NULL ? payload_size : 0u;
    return buffer;
}

int32_t rpmsg_lite_send_nocopy(struct rpmsg_lite_instance *rpmsg_lite_dev,
                               struct rpmsg_lite_endpoint *ept,
                               uint32_t dst,
                               void *data,
                               uint32_t size)
{
    if (!is_active(rpmsg_lite_dev) || ept == RL_NULL || data == RL_NULL) return RL_ERR_PARAM;
    return rl_js_send_nocopy(ept, dst, data, size);
}
#endif

/* The SoC delivers a message to `ept` (interrupt context). */
__attribute__((export_name("rpmsg_lite_api_rx"))) int32_t rpmsg_lite_api_rx(struct rpmsg_lite_endpoint *ept,
                                                                           void *payload,
                                                                           uint32_t len,
                                                                           uint32_t src)
{
    if (ept->rx_cb == RL_NULL) return RL_RELEASE;
    return ept->rx_cb(payload, len, src, ept->rx_cb_data);
}

/* ---- rpmsg_queue ---- */

static struct rpmsg_api_queue *find_queue(rpmsg_queue_handle q)
{
    for (struct rpmsg_api_queue *it = queues; it != RL_NULL; it = it->next) {
        if (it == q) return it;
    }
    return RL_NULL;
}

int32_t rpmsg_queue_rx_cb(void *payload, uint32_t payload_len, uint32_t src, void *priv)
{
    struct rpmsg_api_queue *q = priv;
    RL_ASSERT(q != RL_NULL);
    if (q->count == q->capacity) {
        if (q->dropped++ == 0u) log_line("rpmsg_queue: queue full, a message was released unread");
        return RL_RELEASE;
    }
    uint32_t tail = q->head + q->count;
    if (tail >= q->capacity) tail -= q->capacity;
    q->items[tail].src = src;
    q->items[tail].data = payload;
    q->items[tail].len = payload_len;
    q->count++;
    return RL_HOLD;
}

static rpmsg_queue_handle queue_create(struct rpmsg_api_queue *q, rpmsg_queue_rx_cb_data_t *items, uint32_t capacity)
{
    memset(q, 0, sizeof(*q));
    q->items = items;
    q->capacity = capacity;
    q->next = queues;
    queues = q;
    return q;
}

#if defined(RL_USE_STATIC_API) && (RL_USE_STATIC_API == 1)
rpmsg_queue_handle rpmsg_queue_create(struct rpmsg_lite_instance *rpmsg_lite_dev,
                                      uint8_t *queue_storage,
                                      rpmsg_static_queue_ctxt *queue_ctxt)
{
    if (!is_active(rpmsg_lite_dev) || queue_storage == RL_NULL || queue_ctxt == RL_NULL) return RL_NULL;
    rpmsg_queue_handle q = queue_create(queue_ctxt, (rpmsg_queue_rx_cb_data_t *)(void *)queue_storage,
                                        RL_API_QUEUE_LENGTH);
    queue_ctxt->is_static = 1u;
    return q;
}
#else
rpmsg_queue_handle rpmsg_queue_create(struct rpmsg_lite_instance *rpmsg_lite_dev)
{
    if (!is_active(rpmsg_lite_dev)) return RL_NULL;
    /* Every queued entry is a held RX buffer, so the pool's size bounds what a queue must hold. */
    uint32_t capacity = rpmsg_soc_info()->num_buffers;
    struct rpmsg_api_queue *q = malloc(sizeof(*q));
    rpmsg_queue_rx_cb_data_t *items = malloc(capacity * sizeof(*items));
    if (q == RL_NULL || items == RL_NULL) {
        free(q);
        free(items);
        return RL_NULL;
    }
    return queue_create(q, items, capacity);
}
#endif

int32_t rpmsg_queue_destroy(struct rpmsg_lite_instance *rpmsg_lite_dev, rpmsg_queue_handle q)
{
    struct rpmsg_api_queue *queue = find_queue(q);
    if (!is_active(rpmsg_lite_dev) || queue == RL_NULL) return RL_ERR_PARAM;
    struct rpmsg_api_queue **link = &queues;
    while (*link != queue) link = &(*link)->next;
    *link = queue->next;
    /* Messages still queued go back to the peer rather than stay held for ever. */
    while (queue->count > 0u) {
        (void)rl_js_release_rx_buffer(queue->items[queue->head].data);
        queue->head = queue->head + 1u == queue->capacity ? 0u : queue->head + 1u;
        queue->count--;
    }
    if (!queue->is_static) {
        free(queue->items);
        free(queue);
    }
    return RL_SUCCESS;
}

/* Takes the oldest entry, waiting up to `timeout` ms (the SoC serves the link meanwhile). */
static int queue_take(struct rpmsg_api_queue *q, rpmsg_queue_rx_cb_data_t *out, uintptr_t timeout)
{
    if (q->count == 0u && rl_js_wait_nonzero(&q->count, (uint32_t)timeout) == 0u) return 0;
    if (q->count == 0u) return 0;
    *out = q->items[q->head];
    q->head = q->head + 1u == q->capacity ? 0u : q->head + 1u;
    q->count--;
    return 1;
}

int32_t rpmsg_queue_recv(struct rpmsg_lite_instance *rpmsg_lite_dev,
                         rpmsg_queue_handle q,
                         uint32_t *src,
                         char *data,
                         uint32_t maxlen,
                         uint32_t *len,
                         uintptr_t timeout)
{
    /* The copying receive is the zero-copy one, a memcpy, and the buffer given back at once. */
    if (data == RL_NULL) return RL_ERR_PARAM;
    char *held;
    uint32_t n;
    int32_t status = rpmsg_queue_recv_nocopy(rpmsg_lite_dev, q, src, &held, &n, timeout);
    if (status != RL_SUCCESS) return status;
    if (len != RL_NULL) *len = n;
    if (n <= maxlen) memcpy(data, held, n);
    else status = RL_ERR_BUFF_SIZE;
    return rl_js_release_rx_buffer(held) == RL_SUCCESS ? status : RL_ERR_PARAM;
}

int32_t rpmsg_queue_recv_nocopy(struct rpmsg_lite_instance *rpmsg_lite_dev,
                                rpmsg_queue_handle q,
                                uint32_t *src,
                                char **data,
                                uint32_t *len,
                                uintptr_t timeout)
{
    struct rpmsg_api_queue *queue = find_queue(q);
    if (!is_active(rpmsg_lite_dev) || queue == RL_NULL || data == RL_NULL) return RL_ERR_PARAM;
    rpmsg_queue_rx_cb_data_t msg;
    if (!queue_take(queue, &msg, timeout)) return RL_ERR_NO_BUFF;
    if (src != RL_NULL) *src = msg.src;
    if (len != RL_NULL) *len = msg.len;
    *data = msg.data;
    return RL_SUCCESS;
}

int32_t rpmsg_queue_nocopy_free(struct rpmsg_lite_instance *rpmsg_lite_dev, void *data)
{
    if (!is_active(rpmsg_lite_dev) || data == RL_NULL) return RL_ERR_PARAM;
    return rl_js_release_rx_buffer(data) == RL_SUCCESS ? RL_SUCCESS : RL_ERR_PARAM;
}

int32_t rpmsg_queue_get_current_size(rpmsg_queue_handle q)
{
    struct rpmsg_api_queue *queue = find_queue(q);
    return queue == RL_NULL ? RL_ERR_PARAM : (int32_t)queue->count;
}

/* ---- rpmsg_ns ---- */

#if defined(RL_USE_STATIC_API) && (RL_USE_STATIC_API == 1)
rpmsg_ns_handle rpmsg_ns_bind(struct rpmsg_lite_instance *rpmsg_lite_dev,
                              rpmsg_ns_new_ept_cb app_cb,
                              void *user_data,
                              rpmsg_ns_static_context *ns_ept_ctxt)
{
    if (ns_ept_ctxt == RL_NULL) return RL_NULL;
    struct rpmsg_ns_static_context_container *c = ns_ept_ctxt;
#else
rpmsg_ns_handle rpmsg_ns_bind(struct rpmsg_lite_instance *rpmsg_lite_dev, rpmsg_ns_new_ept_cb app_cb, void *user_data)
{
    struct rpmsg_ns_static_context_container *c = RL_NULL;
#endif
    if (!is_active(rpmsg_lite_dev) || app_cb == RL_NULL || ns_binding != RL_NULL) return RL_NULL;
    uint32_t is_static = c != RL_NULL;
    if (!is_static) {
        c = malloc(sizeof(*c));
        if (c == RL_NULL) return RL_NULL;
    }
    memset(c, 0, sizeof(*c));
    /* The name service's endpoint is the SoC device's own (address 53); this one only records it. */
    c->ept_ctxt.ept.addr = RL_NS_EPT_ADDR;
    c->ept_ctxt.node.attr = is_static;
    c->cb_ctxt.cb = app_cb;
    c->cb_ctxt.user_data = user_data;
    c->ns_ctxt.ept = &c->ept_ctxt.ept;
    c->ns_ctxt.cb_ctxt = &c->cb_ctxt;
    ns_binding = &c->ns_ctxt;
    /* Announcements the peer made before now are delivered from inside this call. */
    if (rl_js_ns_bind(&c->ns_ctxt, ns_name) != RL_SUCCESS) {
        ns_binding = RL_NULL;
        if (!is_static) free(c);
        return RL_NULL;
    }
    return &c->ns_ctxt;
}

int32_t rpmsg_ns_unbind(struct rpmsg_lite_instance *rpmsg_lite_dev, rpmsg_ns_handle handle)
{
    if (!is_active(rpmsg_lite_dev) || handle == RL_NULL || handle != ns_binding) return RL_ERR_PARAM;
    (void)rl_js_ns_unbind(handle);
    ns_binding = RL_NULL;
    /* The context is the first member's container: free it when it was allocated here. */
    struct rpmsg_ns_static_context_container *c =
        (struct rpmsg_ns_static_context_container *)(void *)((char *)handle -
                                                             offsetof(struct rpmsg_ns_static_context_container, ns_ctxt));
    if (c->ept_ctxt.node.attr == 0u) free(c);
    return RL_SUCCESS;
}

int32_t rpmsg_ns_announce(struct rpmsg_lite_instance *rpmsg_lite_dev,
                          struct rpmsg_lite_endpoint *new_ept,
                          const char *ept_name,
                          uint32_t flags)
{
    if (!is_active(rpmsg_lite_dev) || new_ept == RL_NULL || ept_name == RL_NULL) return RL_ERR_PARAM;
    return rl_js_ns_announce(new_ept, ept_name, flags);
}

/* The SoC delivers one of the peer's announcements (interrupt context); the name is in ns_name. */
__attribute__((export_name("rpmsg_lite_api_ns"))) void rpmsg_lite_api_ns(struct rpmsg_ns_context *ctx,
                                                                        uint32_t addr,
                                                                        const char *name,
                                                                        uint32_t flags)
{
    if (ctx != ns_binding || ctx == RL_NULL) return;
    ctx->cb_ctxt->cb(addr, name, flags, ctx->cb_ctxt->user_data);
}
