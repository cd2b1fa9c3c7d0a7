/*
 * The start-up code and interrupt controller of a firmware core: what a vector table, the reset
 * handler and an NVIC do on an MCU. Linked into every firmware by `rpmsg build-firmware`.
 */
#include "rpmsg_soc.h"
#include <stdio.h>
#include <stdlib.h>

/*
 * main() comes in one of C's two forms, and wasm32 compilers give each its own symbol: `int
 * main(void)` is __main_void, `int main(int, char **)` is __main_argc_argv. This weak __main_void
 * serves the second form; a firmware's own `int main(void)` replaces it.
 */
int main(int argc, char **argv); /* the compiler names this one __main_argc_argv */

__attribute__((weak)) int __main_void(void)
{
    static char name[] = "firmware";
    static char *argv[] = {name, NULL};
    return main(1, argv);
}

static rpmsg_soc_isr_t isr_handler;
static void *isr_arg;
static uint32_t irq_enabled = 0xFFFFFFFFu;
static uint32_t irq_pending;

void rpmsg_soc_set_isr(rpmsg_soc_isr_t isr, void *arg)
{
    isr_arg = arg;
    isr_handler = isr;
}

void rpmsg_soc_irq_enable(uint32_t notify_id)
{
    if (notify_id < 32u) irq_enabled |= 1u << notify_id;
}

void rpmsg_soc_irq_disable(uint32_t notify_id)
{
    if (notify_id < 32u) irq_enabled &= ~(1u << notify_id);
}

/* Runs the ISR for every pending, enabled channel; returns how many calls it made. */
static int deliver(void)
{
    int calls = 0;
    uint32_t ready = irq_pending & irq_enabled;
    while (ready != 0u && isr_handler != NULL) {
        uint32_t id = (uint32_t)__builtin_ctz(ready);
        ready &= ready - 1u;
        irq_pending &= ~(1u << id);
        isr_handler(id, isr_arg);
        calls++;
    }
    return calls;
}

int rpmsg_soc_wfi(uint32_t timeout_us)
{
    /* An interrupt enabled while pending is taken at the next wait point, as an NVIC would. */
    int calls = deliver();
    if (calls > 0) return calls;
    uint32_t rang = rpmsg_soc_wait(timeout_us);
    /* Bit 31: the SoC's RPMsg layer (API mode) delivered messages to endpoints during the wait. */
    irq_pending |= rang & 0x7FFFFFFFu;
    return deliver() + (int)(rang >> 31);
}

/* The reset handler: the SoC calls it once per boot of this core. */
__attribute__((export_name("rpmsg_soc_start"))) int rpmsg_soc_start(void)
{
    int code = __main_void();
    fflush(stdout);
    return code;
}

/* The ABI version this firmware was built against (the SoC checks it before the reset handler). */
__attribute__((export_name("rpmsg_soc_abi_version"))) uint32_t rpmsg_soc_abi_version(void)
{
    return RPMSG_SOC_ABI_VERSION;
}
