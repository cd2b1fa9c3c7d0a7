/*
 * The rpmsg_echo sketch as plain C for a bare-metal MCU: the UART interrupt feeds bytes, the main
 * loop polls. uart_write(), uart_irq_byte() and systick_ms stand for your vendor HAL.
 * Build-checked on the host: gcc -std=c99 -Wall -Wextra -Werror -DEXAMPLE_HOST_CHECK -I../.. -c example.c
 * Build every file with -DRPMSG_SERIAL_BAUD=<the UART's speed> (e.g. 115200): it is announced in
 * HELLO, so both sides allow for the wire time in the link timeout (docs/serial-protocol.md §6).
 */
#include "rpmsg_serial.h"

#ifdef EXAMPLE_HOST_CHECK
static void uart_write(const uint8_t *data, size_t len) { (void)data; (void)len; }
static volatile uint32_t systick_ms;
#else
extern void uart_write(const uint8_t *data, size_t len);
extern volatile uint32_t systick_ms; /* incremented by the SysTick interrupt every millisecond */
#endif

static struct rpmsg_serial rs;
static struct rpmsg_serial_ept echo_storage;
static struct rpmsg_serial_ept *echo_ept;

static void hal_write(void *ctx, const uint8_t *data, size_t len) {
  (void)ctx;
  uart_write(data, len);
}
static uint32_t hal_millis(void *ctx) {
  (void)ctx;
  return systick_ms;
}

/* Call from the UART RX interrupt handler with the received byte. */
void uart_rx_isr(uint8_t byte) { rpmsg_serial_rx_byte(&rs, byte); }

static int32_t on_echo(void *payload, uint32_t len, uint32_t src, void *priv) {
  (void)priv;
  if (len == 0) return RPMSG_SERIAL_RELEASE;
  if (rpmsg_serial_tx_free(&rs) == 0) return RPMSG_SERIAL_BUSY;
  (void)rpmsg_serial_send(&rs, echo_ept, src, payload, len, 0);
  return RPMSG_SERIAL_RELEASE;
}

void app_main(uint32_t seed) {
  struct rpmsg_serial_hal hal;
  hal.write = hal_write;
  hal.millis = hal_millis;
  hal.idle = 0;
  hal.ctx = 0;
  rpmsg_serial_init(&rs, &hal, seed);
  echo_ept = rpmsg_serial_create_ept(&rs, &echo_storage, RL_ADDR_ANY, on_echo, 0);
  (void)rpmsg_serial_ns_announce(&rs, echo_ept, "rpmsg-echo", RL_NS_CREATE);
  for (;;) rpmsg_serial_poll(&rs); /* or: poll, then sleep until the next interrupt */
}
