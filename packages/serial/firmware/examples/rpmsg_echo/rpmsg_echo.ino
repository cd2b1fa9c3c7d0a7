/*
 * rpmsg_echo — Arduino-style example of rpmsg_serial: announces "rpmsg-echo" and echoes every
 * message back to its sender, over the board's USB serial port.
 *
 * Host side (Node):
 *   const device = await connectSerial({ path: '/dev/ttyACM0', baudRate: 115200 });
 *   const ep = await device.openChannel('rpmsg-echo');
 *
 * Copy (or symlink) ../../rpmsg_serial.h and ../../rpmsg_serial.c next to this sketch. On small AVR
 * boards shrink the buffers before the include, and pass the same bufferSize to connectSerial:
 *   #define RPMSG_SERIAL_BUFFER_SIZE 128   // connectSerial({ ..., bufferSize: 128 })
 *   #define RPMSG_SERIAL_RX_RING 512
 *   #define RPMSG_SERIAL_TX_BUFFERS 2
 */
#include "rpmsg_serial.h"

static struct rpmsg_serial rs;
static struct rpmsg_serial_ept echo_storage;
static struct rpmsg_serial_ept *echo_ept;

static void hal_write(void *ctx, const uint8_t *data, size_t len) {
  (void)ctx;
  Serial.write(data, len);
}

static uint32_t hal_millis(void *ctx) {
  (void)ctx;
  return millis();
}

static int32_t on_echo(void *payload, uint32_t len, uint32_t src, void *priv) {
  (void)priv;
  if (len == 0) return RPMSG_SERIAL_RELEASE;                   /* the host's hello: it only binds */
  if (rpmsg_serial_tx_free(&rs) == 0) return RPMSG_SERIAL_BUSY; /* reply queue full: host resends */
  rpmsg_serial_send(&rs, echo_ept, src, payload, len, 0);
  return RPMSG_SERIAL_RELEASE;
}

void setup() {
  static const struct rpmsg_serial_hal hal = {hal_write, hal_millis, NULL, NULL};
  Serial.begin(115200);
  rpmsg_serial_init(&rs, &hal, (uint32_t)analogRead(A0) * 2654435761u); /* floating pin: a different nonce per boot */
  echo_ept = rpmsg_serial_create_ept(&rs, &echo_storage, RL_ADDR_ANY, on_echo, NULL);
  rpmsg_serial_ns_announce(&rs, echo_ept, "rpmsg-echo", RL_NS_CREATE);
}

void loop() {
  /* Arduino's core buffers UART bytes in its own interrupt; on bare metal call
     rpmsg_serial_rx_byte() from the RX interrupt instead. */
  while (Serial.available() > 0) rpmsg_serial_rx_byte(&rs, (uint8_t)Serial.read());
  rpmsg_serial_poll(&rs);
}
