/*
 * The M-core firmware of `rpmsg bench`'s C rows, in C against RPMsg-Lite's API: the same work as
 * the JavaScript bench firmware (src/workers/rpmsg-bench-firmware.ts), so the two rows compare the
 * firmware's language and nothing else.
 *
 * - One-way (BENCH_PING_PONG undefined): an rx callback counts BENCH_END messages and answers the
 *   sender with the count (4 bytes).
 * - Ping-pong: a blocking loop takes each message from an rpmsg_queue without copying and echoes it
 *   to its source in a zero-copy TX buffer.
 *
 * Built by the bench with -DBENCH_END=<warm-up + timed messages> [-DBENCH_PING_PONG].
 */
#include <string.h>
#include "rpmsg_lite.h"
#include "rpmsg_ns.h"
#include "rpmsg_queue.h"
#include "rpmsg_soc.h"

#define BENCH_ADDR 40
#define BENCH_SERVICE "rpmsg-bench"

#ifndef BENCH_END
#define BENCH_END 1
#endif

static struct rpmsg_lite_instance *rl;
static struct rpmsg_lite_endpoint *ept;

#ifndef BENCH_PING_PONG
static uint32_t count;

static int32_t count_message(void *payload, uint32_t len, uint32_t src, void *priv)
{
    (void)payload, (void)len, (void)priv;
    if (++count < BENCH_END) return RL_RELEASE;
    uint32_t reply = count;
    count = 0;
    /* The A-core sends nothing back: the TX pool is full, this cannot block. */
    rpmsg_lite_send(rl, ept, src, (char *)&reply, sizeof reply, RL_DONT_BLOCK);
    return RL_RELEASE;
}
#endif

int main(void)
{
    const struct rpmsg_soc_info *soc = rpmsg_soc_info();
    rl = rpmsg_lite_remote_init((void *)(uintptr_t)soc->shmem_va, soc->link_id, RL_NO_FLAGS);
    rpmsg_lite_wait_for_link_up(rl, RL_BLOCK);
#ifdef BENCH_PING_PONG
    rpmsg_queue_handle queue = rpmsg_queue_create(rl);
    ept = rpmsg_lite_create_ept(rl, BENCH_ADDR, rpmsg_queue_rx_cb, queue);
    rpmsg_ns_announce(rl, ept, BENCH_SERVICE, RL_NS_CREATE);
    for (;;) {
        uint32_t src, len, size;
        char *rx;
        if (rpmsg_queue_recv_nocopy(rl, queue, &src, &rx, &len, RL_BLOCK) != RL_SUCCESS) continue;
        void *tx = rpmsg_lite_alloc_tx_buffer(rl, &size, RL_BLOCK);
        memcpy(tx, rx, len <= size ? len : size);
        rpmsg_lite_send_nocopy(rl, ept, src, tx, len <= size ? len : size);
        rpmsg_queue_nocopy_free(rl, rx);
    }
#else
    ept = rpmsg_lite_create_ept(rl, BENCH_ADDR, count_message, NULL);
    rpmsg_ns_announce(rl, ept, BENCH_SERVICE, RL_NS_CREATE);
    for (;;) rpmsg_soc_wfi(RPMSG_SOC_WAIT_FOREVER); /* the callback does the work at each wait point */
#endif
}
