/*
 * An M-core firmware written against RPMsg-Lite's API, as it would be for the MCU: two services.
 *
 * - "rpmsg-tty": an echo — every message goes back to its sender (what NXP's tty demos do).
 * - "rpmsg-sensor": a sensor that pushes readings. A client subscribes by sending any message; from
 *   then on a reading ("t=<ms> temp=<°C> hum=<%>") goes to it every SENSOR_PERIOD_MS milliseconds.
 *
 * Built for the simulated SoC with `rpmsg build-firmware firmware.c -o firmware.wasm`; main.mjs does it.
 */
#include <stdio.h>
#include <string.h>
#include "rpmsg_lite.h"
#include "rpmsg_ns.h"
#include "rpmsg_queue.h"
#include "rpmsg_soc.h"

#ifndef SENSOR_PERIOD_MS
#define SENSOR_PERIOD_MS 100
#endif

#define TTY_ADDR 30
#define SENSOR_ADDR 31

static struct rpmsg_lite_instance *rl;
static struct rpmsg_lite_endpoint *tty;
static struct rpmsg_lite_endpoint *sensor;
static uint32_t subscriber = RL_ADDR_ANY;

/* Echo from the rx callback: it must not block, so a reply that finds no free buffer is dropped. */
static int32_t tty_rx(void *payload, uint32_t len, uint32_t src, void *priv)
{
    (void)priv;
    if (rpmsg_lite_send(rl, tty, src, (char *)payload, len, RL_DONT_BLOCK) != RL_SUCCESS)
        printf("tty: no TX buffer, echo of %u bytes dropped\n", (unsigned)len);
    return RL_RELEASE;
}

static int32_t sensor_rx(void *payload, uint32_t len, uint32_t src, void *priv)
{
    (void)payload, (void)len, (void)priv;
    if (subscriber != src) printf("sensor: subscriber at address %u\n", (unsigned)src);
    subscriber = src;
    return RL_RELEASE;
}

/* A slowly varying fake reading: a triangle wave in tenths of a degree. */
static int reading(uint32_t ms, int base, int swing)
{
    int phase = (int)((ms / 50u) % (uint32_t)(4 * swing));
    return base + (phase < 2 * swing ? phase - swing : 3 * swing - phase);
}

int main(void)
{
    const struct rpmsg_soc_info *soc = rpmsg_soc_info();
    rl = rpmsg_lite_remote_init((void *)(uintptr_t)soc->shmem_va, soc->link_id, RL_NO_FLAGS);
    rpmsg_lite_wait_for_link_up(rl, RL_BLOCK);
    tty = rpmsg_lite_create_ept(rl, TTY_ADDR, tty_rx, NULL);
    sensor = rpmsg_lite_create_ept(rl, SENSOR_ADDR, sensor_rx, NULL);
    rpmsg_ns_announce(rl, tty, "rpmsg-tty", RL_NS_CREATE);
    rpmsg_ns_announce(rl, sensor, "rpmsg-sensor", RL_NS_CREATE);
    printf("firmware up: rpmsg-tty at %u, rpmsg-sensor at %u\n", (unsigned)TTY_ADDR, (unsigned)SENSOR_ADDR);

    uint64_t next = rpmsg_soc_time_us();
    for (;;) {
        /* Sleep until the next reading is due; the rx callbacks run at this wait point. */
        uint64_t now = rpmsg_soc_time_us();
        if (now < next) {
            rpmsg_soc_wfi((uint32_t)(next - now));
            continue;
        }
        next += SENSOR_PERIOD_MS * 1000u;
        if (subscriber == RL_ADDR_ANY) continue;
        uint32_t ms = (uint32_t)(now / 1000u);
        int temp = reading(ms, 215, 30), hum = reading(ms + 777u, 450, 50);
        char line[64];
        int n = snprintf(line, sizeof line, "t=%u temp=%d.%d hum=%d.%d", (unsigned)ms, temp / 10, temp % 10,
                         hum / 10, hum % 10);
        rpmsg_lite_send(rl, sensor, subscriber, line, (uint32_t)n, RL_BLOCK);
    }
}
