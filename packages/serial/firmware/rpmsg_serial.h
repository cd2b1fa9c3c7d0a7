/*
 * rpmsg_serial — the MCU side of the @rpmsg/serial protocol (docs/serial-protocol.md, version 1).
 *
 * Portable C99: no malloc, static buffers only, byte-at-a-time receive callable from a UART
 * interrupt, and a two-function HAL (write bytes, millisecond clock). The endpoint API follows
 * RPMsg-Lite (rpmsg_lite_create_ept, rpmsg_ns_announce, rpmsg_lite_send) so firmware moves between
 * a shared-memory link and a serial link with few changes.
 *
 *   static struct rpmsg_serial rs;
 *   rpmsg_serial_init(&rs, &hal, seed);
 *   UART ISR:    rpmsg_serial_rx_byte(&rs, UDR);
 *   main loop:   rpmsg_serial_poll(&rs);
 */
#ifndef RPMSG_SERIAL_H
#define RPMSG_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Configuration (override with -D) ------------------------------------------------------ */

/* Largest RPMsg message, 16-byte header included. Must match the host's `bufferSize` (default 512). */
#ifndef RPMSG_SERIAL_BUFFER_SIZE
#define RPMSG_SERIAL_BUFFER_SIZE 512
#endif
/* Frames the peer may send ahead of our ack (credits). The ISR ring must hold that many frames. */
#ifndef RPMSG_SERIAL_RX_CREDITS
#define RPMSG_SERIAL_RX_CREDITS 2
#endif
/* Messages queued or in flight (kept for retransmission until acked). */
#ifndef RPMSG_SERIAL_TX_BUFFERS
#define RPMSG_SERIAL_TX_BUFFERS 4
#endif
/* Bytes between the UART ISR and the main loop; a power of two. */
#ifndef RPMSG_SERIAL_RX_RING
#define RPMSG_SERIAL_RX_RING 2048
#endif
/* Ask for reliable mode (ACK + retransmission). The link is reliable if either side asks. */
#ifndef RPMSG_SERIAL_RELIABLE
#define RPMSG_SERIAL_RELIABLE 1
#endif
/* Send something at least this often while up (ms, 1..65535); announced in HELLO. */
#ifndef RPMSG_SERIAL_KEEPALIVE_MS
#define RPMSG_SERIAL_KEEPALIVE_MS 500
#endif
#ifndef RPMSG_SERIAL_HELLO_MS
#define RPMSG_SERIAL_HELLO_MS 200
#endif
/* Retransmission timeout, also the probe and silence-poll interval (ms, 1..65535); announced in HELLO. */
#ifndef RPMSG_SERIAL_RTO_MS
#define RPMSG_SERIAL_RTO_MS 100
#endif
/* The UART's line speed (bits/s, 8N1), announced in HELLO to time the wire in the link timeout
   (docs/serial-protocol.md §6). 0: none to declare (USB CDC, a pty) — the host's, if any, is used. */
#ifndef RPMSG_SERIAL_BAUD
#define RPMSG_SERIAL_BAUD 0
#endif
#ifndef RPMSG_SERIAL_MAX_RETRIES
#define RPMSG_SERIAL_MAX_RETRIES 20
#endif

/* ---- Constants (RPMsg, as in Linux rpmsg.h and RPMsg-Lite) ---------------------------------- */

#define RPMSG_SERIAL_VERSION 1
#define RL_ADDR_ANY 0xFFFFFFFFu
#define RL_NS_CREATE 0u
#define RL_NS_DESTROY 1u
#define RPMSG_SERIAL_NS_ADDR 53u
#define RPMSG_SERIAL_RESERVED_ADDRESSES 1024u
#define RPMSG_SERIAL_HDR_SIZE 16u
#define RPMSG_SERIAL_NAME_SIZE 32u
#define RPMSG_SERIAL_MTU (RPMSG_SERIAL_BUFFER_SIZE - RPMSG_SERIAL_HDR_SIZE)

/* Return codes (negative = error), named after RPMsg-Lite's RL_* codes. */
#define RPMSG_SERIAL_OK 0
#define RPMSG_SERIAL_ERR_PARAM (-1)
#define RPMSG_SERIAL_ERR_NO_MEM (-2)
#define RPMSG_SERIAL_ERR_NOT_READY (-3)
#define RPMSG_SERIAL_ERR_BUFF_SIZE (-4)
#define RPMSG_SERIAL_ERR_ADDR (-5)

/* Return values of a receive callback. */
#define RPMSG_SERIAL_RELEASE 0 /* consumed (as RPMsg-Lite's RL_RELEASE) */
/*
 * Not now (e.g. the reply queue is full): the message is not acknowledged, so in reliable mode the
 * peer sends it again after its retransmission timeout — back-pressure without an RX buffer.
 * In unreliable mode the message is dropped.
 */
#define RPMSG_SERIAL_BUSY 2

/* ---- Types --------------------------------------------------------------------------------- */

/*
 * The HAL: put bytes on the UART, and a free-running millisecond counter (wrap-around is fine).
 * `idle` is optional (NULL on an MCU, where the UART interrupt keeps feeding bytes): a blocking
 * send calls it while it waits, so a single-threaded host build can read its port meanwhile.
 */
struct rpmsg_serial_hal {
  void (*write)(void *ctx, const uint8_t *data, size_t len);
  uint32_t (*millis)(void *ctx);
  void (*idle)(void *ctx);
  void *ctx;
};

/* Receive callback, as RPMsg-Lite's rl_ept_rx_cb_t: `payload` is valid only during the call.
   Returns RPMSG_SERIAL_RELEASE, or RPMSG_SERIAL_BUSY to refuse the message for now. */
typedef int32_t (*rpmsg_serial_rx_cb_t)(void *payload, uint32_t payload_len, uint32_t src, void *priv);

/* An endpoint. The caller owns the storage (static), as with RPMsg-Lite's static API. */
struct rpmsg_serial_ept {
  uint32_t addr;
  rpmsg_serial_rx_cb_t rx_cb;
  void *rx_cb_data;
  char name[RPMSG_SERIAL_NAME_SIZE]; /* announced name, "" if none */
  uint8_t announce_pending;          /* NS CREATE owed (set again on every link up) */
  struct rpmsg_serial_ept *next;
};

/* Counters: garbage, bad frames and protocol breaches are counted here, never fatal. */
struct rpmsg_serial_stats {
  uint32_t rx_bytes, tx_bytes, rx_frames, tx_frames;
  uint32_t crc_errors, cobs_errors, short_frames, long_frames, bad_version, bad_hello, bad_type;
  uint32_t ring_overruns, duplicates, out_of_order, bad_acks, bad_messages, dropped, refused, retransmits;
  uint32_t link_ups, link_downs, silence_polls;
  uint32_t overruns; /* DATA beyond the credits given (or an unreliable ACK claiming it): dropped, not acked */
};

enum rpmsg_serial_state { RPMSG_SERIAL_HANDSHAKE = 0, RPMSG_SERIAL_UP = 1 };

/* The whole link: one static instance per UART. Fields are private. */
struct rpmsg_serial {
  struct rpmsg_serial_hal hal;
  struct rpmsg_serial_stats stats;
  /* ISR → loop byte ring (single producer, single consumer) */
  volatile uint8_t ring[RPMSG_SERIAL_RX_RING];
  volatile uint32_t ring_head, ring_tail;
  /* COBS decoder */
  uint8_t frame[RPMSG_SERIAL_BUFFER_SIZE + 8];
  uint32_t frame_len;
  uint8_t cobs_remaining, cobs_zero_owed, cobs_skipping, cobs_started;
  /* link */
  uint8_t state, reliable, peer_ns, acked_peer;
  uint32_t nonce, peer_nonce, seed;
  uint16_t peer_mtu, peer_keepalive;
  uint8_t peer_credits;
  uint32_t peer_baud;
  uint32_t link_timeout; /* ms of silence before the link is down, fixed at link up (§6) */
  uint32_t next_hello_at, last_rx_at, last_tx_at, last_poll_at, rto_at, probe_at;
  uint8_t rto_armed, probe_armed, retries, ack_pending, in_poll;
  /* TX window: ring of queued messages, the first `q_sent` in flight */
  uint8_t tx_buf[RPMSG_SERIAL_TX_BUFFERS][RPMSG_SERIAL_BUFFER_SIZE];
  uint16_t tx_len[RPMSG_SERIAL_TX_BUFFERS];
  uint8_t q_head, q_count, q_sent;
  uint8_t next_seq, send_base, peer_limit, expected;
  uint8_t adv_limit; /* furthest ack + credit we sent: DATA at or beyond it is an overrun (§5.1) */
  /* COBS encoder: the current block, and a small output buffer handed to hal.write */
  uint8_t enc[254];
  uint8_t enc_len;
  uint8_t out[64];
  uint8_t out_len;
  uint8_t have_peer;
  uint32_t nonce_count;
  /* endpoints */
  struct rpmsg_serial_ept *epts;
  uint32_t next_addr;
};

/* ---- API ----------------------------------------------------------------------------------- */

/* Initialises `rs` and starts the handshake. `seed` varies the HELLO nonce per boot (e.g. ADC noise). */
void rpmsg_serial_init(struct rpmsg_serial *rs, const struct rpmsg_serial_hal *hal, uint32_t seed);
/* Restarts the handshake (the UART was reopened); endpoints stay and are re-announced. */
void rpmsg_serial_reset(struct rpmsg_serial *rs);
/* One received byte: safe from a UART interrupt (lock-free ring; overruns are counted). */
void rpmsg_serial_rx_byte(struct rpmsg_serial *rs, uint8_t byte);
/* Several received bytes (DMA completion, host builds). */
void rpmsg_serial_rx_bytes(struct rpmsg_serial *rs, const uint8_t *data, size_t len);
/* Main-loop work: decodes received bytes, calls endpoint callbacks, sends, retransmits, keeps alive. */
void rpmsg_serial_poll(struct rpmsg_serial *rs);
/* 1 while the handshake is done and the peer alive (RPMsg-Lite: rpmsg_lite_is_link_up). */
int rpmsg_serial_is_link_up(const struct rpmsg_serial *rs);
/* While up, the silence (ms) after which the link goes down, per docs/serial-protocol.md §6; 0 while down. */
uint32_t rpmsg_serial_link_timeout(const struct rpmsg_serial *rs);

/* Creates an endpoint at `addr` (RL_ADDR_ANY: the next free address ≥ 1024). NULL on error. */
struct rpmsg_serial_ept *rpmsg_serial_create_ept(struct rpmsg_serial *rs, struct rpmsg_serial_ept *storage,
                                                 uint32_t addr, rpmsg_serial_rx_cb_t rx_cb, void *rx_cb_data);
/* Removes an endpoint, announcing NS DESTROY if it had a name and the link is up. */
int32_t rpmsg_serial_destroy_ept(struct rpmsg_serial *rs, struct rpmsg_serial_ept *ept);
/* RL_NS_CREATE: names the endpoint; it is announced now and again after every link up. RL_NS_DESTROY: withdraws it. */
int32_t rpmsg_serial_ns_announce(struct rpmsg_serial *rs, struct rpmsg_serial_ept *ept, const char *name,
                                 uint32_t flags);
/*
 * Sends `size` bytes from `ept` to `dst`. Waits up to `timeout_ms` for a free TX buffer by polling
 * (never inside an rx callback: there it returns RPMSG_SERIAL_ERR_NO_MEM at once when full).
 */
int32_t rpmsg_serial_send(struct rpmsg_serial *rs, struct rpmsg_serial_ept *ept, uint32_t dst, const void *data,
                          uint32_t size, uint32_t timeout_ms);
/* Free TX buffers right now: a callback that must reply checks it and returns RPMSG_SERIAL_BUSY at 0. */
uint32_t rpmsg_serial_tx_free(const struct rpmsg_serial *rs);

#ifdef __cplusplus
}
#endif

#endif /* RPMSG_SERIAL_H */
