/*
 * rpmsg_serial — MCU side of the @rpmsg/serial protocol, version 1 (docs/serial-protocol.md).
 * Mirrors packages/serial/src/link.ts; section numbers (§) refer to the protocol document.
 */
#include "rpmsg_serial.h"

#include <string.h>

/* Compile-time checks (C99 has no _Static_assert): a negative array size fails the build. */
typedef char rs_ring_is_pow2[(RPMSG_SERIAL_RX_RING & (RPMSG_SERIAL_RX_RING - 1)) == 0 ? 1 : -1];
/* The ring must hold every frame the peer may send ahead (credits × largest wire frame). */
typedef char rs_ring_fits_credits[RPMSG_SERIAL_RX_CREDITS * (RPMSG_SERIAL_BUFFER_SIZE + 16) <= RPMSG_SERIAL_RX_RING ? 1 : -1];
typedef char rs_credits_range[RPMSG_SERIAL_RX_CREDITS >= 1 && RPMSG_SERIAL_RX_CREDITS <= 127 ? 1 : -1];
typedef char rs_tx_range[RPMSG_SERIAL_TX_BUFFERS >= 1 && RPMSG_SERIAL_TX_BUFFERS <= 127 ? 1 : -1];
typedef char rs_mtu_range[RPMSG_SERIAL_BUFFER_SIZE >= 56 && RPMSG_SERIAL_BUFFER_SIZE <= 65535 ? 1 : -1];
/* Both are u16 fields of HELLO, and 0 means "none". */
typedef char rs_rto_range[RPMSG_SERIAL_RTO_MS >= 1 && RPMSG_SERIAL_RTO_MS <= 65535 ? 1 : -1];
typedef char rs_keepalive_range[RPMSG_SERIAL_KEEPALIVE_MS >= 1 && RPMSG_SERIAL_KEEPALIVE_MS <= 65535 ? 1 : -1];

enum { T_HELLO = 1, T_HELLO_ACK = 2, T_DATA = 3, T_ACK = 4, T_RESET = 5, F_POLL = 0x80 };
#define HELLO_SIZE 24u     /* what we send: the 16 bytes of every v1 peer + retransmitMs, baud (§4) */
#define HELLO_MIN_SIZE 16u /* an earlier v1 peer: no retransmitMs / baud */
#define LINK_TIMEOUT_MARGIN_MS 50u
#define HELLO_F_RELIABLE 0x01u
#define HELLO_F_NS 0x02u
#define WINDOW_MAX 127u
#define NS_MSG_SIZE 40u

/* CRC-32/ISO-HDLC, reflected 0xEDB88320, a nibble at a time (64-byte table instead of 1 KiB). */
static const uint32_t crc_nibble[16] = {0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
                                        0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
                                        0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};

static uint32_t crc_update(uint32_t crc, uint8_t b) {
  crc = crc_nibble[(crc ^ b) & 0x0Fu] ^ (crc >> 4);
  return crc_nibble[(crc ^ (uint32_t)(b >> 4)) & 0x0Fu] ^ (crc >> 4);
}

static uint8_t sd(uint8_t a, uint8_t b) { return (uint8_t)(a - b); } /* seq distance mod 256 */
static uint32_t now_ms(struct rpmsg_serial *rs) { return rs->hal.millis(rs->hal.ctx); }
static int due(uint32_t now, uint32_t at) { return (int32_t)(now - at) >= 0; } /* wrap-safe */
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static void wr32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

/* ---- Output: streaming COBS encoder (§2) -------------------------------------------------- */

static void out_flush(struct rpmsg_serial *rs) {
  if (rs->out_len == 0) return;
  rs->hal.write(rs->hal.ctx, rs->out, rs->out_len);
  rs->stats.tx_bytes += rs->out_len;
  rs->out_len = 0;
}
static void out_put(struct rpmsg_serial *rs, uint8_t b) {
  if (rs->out_len == sizeof rs->out) out_flush(rs);
  rs->out[rs->out_len++] = b;
}
static void enc_block(struct rpmsg_serial *rs) {
  uint8_t i;
  out_put(rs, (uint8_t)(rs->enc_len + 1));
  for (i = 0; i < rs->enc_len; i++) out_put(rs, rs->enc[i]);
  rs->enc_len = 0;
}
static void enc_byte(struct rpmsg_serial *rs, uint8_t b) {
  if (b == 0) {
    enc_block(rs);
    return;
  }
  rs->enc[rs->enc_len++] = b;
  if (rs->enc_len == 254) enc_block(rs); /* code 0xFF: 254 bytes, no implied zero */
}

static uint8_t credit(void) { return RPMSG_SERIAL_RX_CREDITS; } /* delivery is synchronous: never held */

/* Frame: type | seq | ack | credit | payload | crc32 LE, COBS-encoded, then 0x00 (§2). */
static void send_frame(struct rpmsg_serial *rs, uint8_t type, uint8_t seq, const uint8_t *p, uint16_t len) {
  uint8_t hdr[4];
  uint8_t crc_bytes[4];
  uint32_t crc = 0xFFFFFFFFu;
  uint16_t i;
  hdr[0] = type;
  hdr[1] = seq;
  hdr[2] = rs->expected;
  hdr[3] = credit();
  rs->enc_len = 0;
  for (i = 0; i < 4; i++) {
    crc = crc_update(crc, hdr[i]);
    enc_byte(rs, hdr[i]);
  }
  for (i = 0; i < len; i++) {
    crc = crc_update(crc, p[i]);
    enc_byte(rs, p[i]);
  }
  wr32(crc_bytes, crc ^ 0xFFFFFFFFu);
  for (i = 0; i < 4; i++) enc_byte(rs, crc_bytes[i]);
  enc_block(rs);
  out_put(rs, 0);
  out_flush(rs);
  rs->stats.tx_frames++;
  rs->last_tx_at = now_ms(rs);
  if ((type & 0x7Fu) != T_HELLO && (type & 0x7Fu) != T_HELLO_ACK) {
    rs->ack_pending = 0;
    rs->adv_limit = (uint8_t)(hdr[2] + hdr[3]); /* never moves back: expected + credit only grows */
  }
}

static void send_control(struct rpmsg_serial *rs, uint8_t type) { send_frame(rs, type, rs->next_seq, NULL, 0); }

static void send_hello(struct rpmsg_serial *rs, uint8_t type) {
  uint8_t h[HELLO_SIZE];
  h[0] = RPMSG_SERIAL_VERSION;
  h[1] = (uint8_t)((RPMSG_SERIAL_RELIABLE ? HELLO_F_RELIABLE : 0u) | HELLO_F_NS);
  h[2] = (uint8_t)(RPMSG_SERIAL_BUFFER_SIZE & 0xFF);
  h[3] = (uint8_t)(RPMSG_SERIAL_BUFFER_SIZE >> 8);
  h[4] = RPMSG_SERIAL_RX_CREDITS;
  h[5] = 0;
  h[6] = (uint8_t)(RPMSG_SERIAL_KEEPALIVE_MS & 0xFF);
  h[7] = (uint8_t)(RPMSG_SERIAL_KEEPALIVE_MS >> 8);
  wr32(h + 8, rs->nonce);
  wr32(h + 12, type == T_HELLO_ACK ? rs->peer_nonce : 0u);
  h[16] = (uint8_t)(RPMSG_SERIAL_RTO_MS & 0xFF);
  h[17] = (uint8_t)(RPMSG_SERIAL_RTO_MS >> 8);
  h[18] = h[19] = 0;
  wr32(h + 20, (uint32_t)RPMSG_SERIAL_BAUD);
  send_frame(rs, type, 0, h, HELLO_SIZE);
}

/*
 * The link timeout of §6, from both HELLOs (the host computes ours the same way):
 *   3 × peer keep-alive + our RTO + 50 + wire time of (our credits + its credits) largest frames
 * at the slower declared baud rate (the one declared if only one side declares; none: no wire time).
 */
static uint32_t link_timeout_ms(const struct rpmsg_serial *rs) {
  uint32_t baud = (uint32_t)RPMSG_SERIAL_BAUD, wire = 0, mtu, frame;
  if (baud == 0 || (rs->peer_baud != 0 && rs->peer_baud < baud)) baud = rs->peer_baud;
  if (baud != 0) {
    mtu = rs->peer_mtu < RPMSG_SERIAL_BUFFER_SIZE ? rs->peer_mtu : RPMSG_SERIAL_BUFFER_SIZE;
    frame = mtu + 10u + (mtu + 8u) / 254u; /* header + CRC 8, COBS, delimiter */
    wire = (uint32_t)((((uint64_t)RPMSG_SERIAL_RX_CREDITS + rs->peer_credits) * frame * 10000u + baud - 1u) / baud);
  }
  return 3u * rs->peer_keepalive + RPMSG_SERIAL_RTO_MS + LINK_TIMEOUT_MARGIN_MS + wire;
}

/* ---- Session (§4) ------------------------------------------------------------------------ */

static void start_handshake(struct rpmsg_serial *rs) {
  uint32_t x = rs->seed ^ now_ms(rs) ^ (++rs->nonce_count * 0x9E3779B9u);
  x ^= x >> 16; /* murmur3 finaliser: nearby seeds give unrelated nonces */
  x *= 0x85EBCA6Bu;
  x ^= x >> 13;
  rs->state = RPMSG_SERIAL_HANDSHAKE;
  rs->nonce = x ? x : 1u;
  rs->have_peer = rs->acked_peer = 0;
  rs->reliable = 0;
  rs->q_head = rs->q_count = rs->q_sent = 0; /* queued messages die with the session, as on the host */
  rs->next_seq = rs->send_base = rs->peer_limit = rs->expected = rs->adv_limit = 0;
  rs->rto_armed = rs->probe_armed = rs->retries = rs->ack_pending = 0;
  send_hello(rs, T_HELLO);
  rs->next_hello_at = now_ms(rs) + RPMSG_SERIAL_HELLO_MS;
}

static void restart(struct rpmsg_serial *rs) {
  if (rs->state == RPMSG_SERIAL_UP) rs->stats.link_downs++;
  start_handshake(rs);
}

static void go_up(struct rpmsg_serial *rs) {
  struct rpmsg_serial_ept *e;
  rs->state = RPMSG_SERIAL_UP;
  rs->reliable = (uint8_t)(RPMSG_SERIAL_RELIABLE || rs->reliable);
  rs->adv_limit = (uint8_t)(rs->expected + credit()); /* the window our HELLO gave: seqs 0..credits-1 */
  rs->link_timeout = link_timeout_ms(rs);
  rs->last_rx_at = rs->last_tx_at = rs->last_poll_at = now_ms(rs);
  rs->stats.link_ups++;
  for (e = rs->epts; e != NULL; e = e->next) e->announce_pending = (uint8_t)(e->name[0] != 0);
}

static void on_hello(struct rpmsg_serial *rs, uint8_t type, const uint8_t *p, uint16_t len) {
  uint16_t mtu, keepalive, rto = 0;
  uint32_t nonce, baud = 0;
  if (len < 1 || p[0] != RPMSG_SERIAL_VERSION) {
    rs->stats.bad_version++;
    return;
  }
  if (len < HELLO_MIN_SIZE) {
    rs->stats.bad_hello++;
    return;
  }
  mtu = (uint16_t)(p[2] | (p[3] << 8));
  keepalive = (uint16_t)(p[6] | (p[7] << 8));
  if (len >= HELLO_SIZE) { /* appended fields (§4); a 16-byte HELLO declares neither */
    rto = (uint16_t)(p[16] | (p[17] << 8));
    baud = rd32(p + 20);
  }
  if (mtu < 56 || p[4] < 1 || p[4] > WINDOW_MAX || keepalive < 1 || (len >= HELLO_SIZE && rto < 1)) {
    rs->stats.bad_hello++;
    return;
  }
  nonce = rd32(p + 8);
  if (rs->state == RPMSG_SERIAL_UP) {
    /* A HELLO_ACK while up is a repeat or stale: a restarted peer sends HELLO (§4.1). Ignored. */
    if (type == T_HELLO_ACK) return;
    if (nonce == rs->peer_nonce) {
      send_hello(rs, T_HELLO_ACK); /* a repeated HELLO: our HELLO_ACK was lost */
      return;
    }
    restart(rs); /* the peer restarted: down, our own new HELLO, then this one is answered below */
  }
  if (!rs->have_peer || nonce != rs->peer_nonce) {
    rs->peer_nonce = nonce;
    rs->have_peer = 1;
    rs->acked_peer = 0;
  }
  rs->peer_mtu = mtu;
  rs->peer_keepalive = keepalive;
  rs->peer_baud = baud;
  rs->peer_credits = p[4];
  rs->peer_limit = p[4];
  rs->peer_ns = (uint8_t)((p[1] & HELLO_F_NS) != 0);
  rs->reliable = (uint8_t)((p[1] & HELLO_F_RELIABLE) != 0);
  if (type == T_HELLO) {
    send_hello(rs, T_HELLO_ACK);
    rs->acked_peer = 1;
  } else if (rd32(p + 12) == rs->nonce) {
    send_hello(rs, T_HELLO_ACK);
    rs->acked_peer = 1;
    go_up(rs);
  }
}

/* ---- Data path (§5) ---------------------------------------------------------------------- */

static void pop_queue(struct rpmsg_serial *rs) {
  rs->q_head = (uint8_t)((rs->q_head + 1) % RPMSG_SERIAL_TX_BUFFERS);
  rs->q_count--;
}

static void on_ack(struct rpmsg_serial *rs, uint8_t ack, uint8_t cr) {
  uint8_t acked = sd(ack, rs->send_base), limit;
  if (cr > WINDOW_MAX || acked > sd(rs->next_seq, rs->send_base)) {
    rs->stats.bad_acks++; /* an ack for frames never sent, or credit > 127: ignored */
    return;
  }
  if (acked > 0) {
    rs->send_base = ack;
    rs->retries = 0;
    rs->probe_armed = 0;
    if (rs->reliable) {
      while (acked-- > 0 && rs->q_sent > 0) {
        rs->q_sent--;
        pop_queue(rs);
      }
      rs->rto_armed = (uint8_t)(rs->q_sent > 0);
      rs->rto_at = now_ms(rs) + RPMSG_SERIAL_RTO_MS;
    }
  }
  limit = (uint8_t)(ack + cr);
  if (sd(limit, rs->send_base) > sd(rs->peer_limit, rs->send_base)) rs->peer_limit = limit;
}

/* Hands a message to its endpoint; returns the callback's answer (RELEASE or BUSY). */
static int32_t dispatch(struct rpmsg_serial *rs, uint8_t *m, uint16_t len) {
  struct rpmsg_serial_ept *e;
  uint32_t src = rd32(m), dst = rd32(m + 4);
  uint16_t plen = (uint16_t)(m[12] | (m[13] << 8));
  if (plen > len - RPMSG_SERIAL_HDR_SIZE) { /* length from the header only, checked (docs/wire-format.md) */
    rs->stats.bad_messages++;
    return RPMSG_SERIAL_RELEASE;
  }
  for (e = rs->epts; e != NULL; e = e->next) {
    if (e->addr == dst) {
      return e->rx_cb != NULL ? e->rx_cb(m + RPMSG_SERIAL_HDR_SIZE, plen, src, e->rx_cb_data) : RPMSG_SERIAL_RELEASE;
    }
  }
  rs->stats.dropped++; /* unknown dst (or the host's own NS announcements): counted, dropped */
  return RPMSG_SERIAL_RELEASE;
}

static void on_data(struct rpmsg_serial *rs, uint8_t seq, uint8_t *p, uint16_t len) {
  uint8_t d = sd(seq, rs->expected);
  if (d >= sd(rs->adv_limit, rs->expected)) {
    if (d > WINDOW_MAX) { /* behind: a duplicate (our ack was lost, or go-back-N resent it); ack again */
      rs->stats.duplicates++;
      rs->ack_pending = 1;
      return;
    }
    /* Beyond the credits we gave (§5.1): an overrun, or a stale / forged frame. Dropped, not acked,
       and `expected` stays put, so what the host really sends next is still accepted. */
    rs->stats.overruns++;
    return;
  }
  rs->ack_pending = 1;
  if (rs->reliable && d != 0) { /* after a gap: go-back-N resends from it (§5.2) */
    rs->stats.out_of_order++;
    return;
  }
  if (len >= RPMSG_SERIAL_HDR_SIZE && dispatch(rs, p, len) == RPMSG_SERIAL_BUSY && rs->reliable) {
    rs->stats.refused++; /* not acked: the peer sends it again (go-back-N) */
    return;
  }
  /* A DATA that is not an RPMsg message still consumes its seq and is acked (§5.4). */
  if (len < RPMSG_SERIAL_HDR_SIZE) rs->stats.bad_messages++;
  rs->expected = (uint8_t)(seq + 1);
}

/* Unreliable mode (§5.3): an ACK's seq is the peer's next DATA seq; frames before it were lost. */
static void skip_to(struct rpmsg_serial *rs, uint8_t seq) {
  uint8_t d = sd(seq, rs->expected);
  if (d > WINDOW_MAX) return; /* behind: an old ACK */
  if (d > sd(rs->adv_limit, rs->expected)) {
    rs->stats.overruns++; /* claims frames beyond the credits given: refused */
    return;
  }
  rs->expected = seq;
}

static void process_frame(struct rpmsg_serial *rs, uint16_t len) {
  uint8_t *f = rs->frame;
  uint32_t crc = 0xFFFFFFFFu;
  uint16_t i, plen;
  uint8_t type;
  if (len < 8) {
    rs->stats.short_frames++;
    return;
  }
  for (i = 0; i < len - 4; i++) crc = crc_update(crc, f[i]);
  if ((crc ^ 0xFFFFFFFFu) != rd32(f + len - 4)) {
    rs->stats.crc_errors++;
    return;
  }
  rs->stats.rx_frames++;
  rs->last_rx_at = now_ms(rs);
  type = (uint8_t)(f[0] & 0x7Fu);
  plen = (uint16_t)(len - 8);
  if (type == T_HELLO || type == T_HELLO_ACK) {
    on_hello(rs, type, f + 4, plen);
    return;
  }
  if (type != T_DATA && type != T_ACK && type != T_RESET) {
    rs->stats.bad_type++;
    return;
  }
  if (rs->state != RPMSG_SERIAL_UP) {
    if (!rs->acked_peer || type == T_RESET) return; /* the peer is up with us only after our HELLO_ACK */
    go_up(rs);
  }
  if (type == T_RESET) {
    restart(rs);
    return;
  }
  on_ack(rs, f[2], f[3]);
  if (type == T_DATA) on_data(rs, f[1], f + 4, plen);
  else if (!rs->reliable) skip_to(rs, f[1]); /* every ACK, with or without POLL */
  if (f[0] & F_POLL) rs->ack_pending = 1;
}

/* Streaming COBS decoder, one byte at a time (same as src/cobs.ts). */
static int dec_put(struct rpmsg_serial *rs, uint8_t b) {
  if (rs->frame_len == sizeof rs->frame) {
    rs->cobs_skipping = 1;
    rs->stats.long_frames++;
    return 0;
  }
  rs->frame[rs->frame_len++] = b;
  return 1;
}
static void dec_byte(struct rpmsg_serial *rs, uint8_t b) {
  if (b == 0) {
    if (rs->cobs_started && !rs->cobs_skipping) {
      if (rs->cobs_remaining != 0) rs->stats.cobs_errors++;
      else if (rs->frame_len > 0) process_frame(rs, (uint16_t)rs->frame_len);
    }
    rs->frame_len = 0;
    rs->cobs_remaining = rs->cobs_zero_owed = rs->cobs_skipping = rs->cobs_started = 0;
    return;
  }
  if (rs->cobs_skipping) return;
  rs->cobs_started = 1;
  if (rs->cobs_remaining == 0) {
    if (rs->cobs_zero_owed && !dec_put(rs, 0)) return;
    rs->cobs_remaining = (uint8_t)(b - 1);
    rs->cobs_zero_owed = (uint8_t)(b < 0xFF);
  } else {
    rs->cobs_remaining--;
    (void)dec_put(rs, b);
  }
}

/* ---- Sending -------------------------------------------------------------------------------- */

static void pump(struct rpmsg_serial *rs) {
  uint8_t need_probe;
  while (rs->state == RPMSG_SERIAL_UP && rs->q_count > rs->q_sent &&
         sd(rs->next_seq, rs->send_base) < sd(rs->peer_limit, rs->send_base)) {
    uint8_t i = (uint8_t)((rs->q_head + rs->q_sent) % RPMSG_SERIAL_TX_BUFFERS);
    send_frame(rs, T_DATA, rs->next_seq, rs->tx_buf[i], rs->tx_len[i]);
    rs->next_seq++;
    if (rs->reliable) {
      rs->q_sent++;
      if (!rs->rto_armed) {
        rs->rto_armed = 1;
        rs->rto_at = now_ms(rs) + RPMSG_SERIAL_RTO_MS;
      }
    } else {
      pop_queue(rs);
    }
  }
  need_probe = rs->reliable ? (uint8_t)(rs->q_sent == 0 && rs->q_count > 0)
                            : (uint8_t)(rs->next_seq != rs->send_base || rs->q_count > 0);
  if (!need_probe) rs->probe_armed = 0;
  else if (!rs->probe_armed) {
    rs->probe_armed = 1;
    rs->probe_at = now_ms(rs) + RPMSG_SERIAL_RTO_MS;
  }
}

/* Copies one message into the TX queue; 0 when full. */
static int enqueue(struct rpmsg_serial *rs, uint32_t src, uint32_t dst, const void *data, uint32_t size) {
  uint8_t i, *b;
  if (rs->q_count == RPMSG_SERIAL_TX_BUFFERS) return 0;
  i = (uint8_t)((rs->q_head + rs->q_count) % RPMSG_SERIAL_TX_BUFFERS);
  b = rs->tx_buf[i];
  wr32(b, src);
  wr32(b + 4, dst);
  wr32(b + 8, 0);
  b[12] = (uint8_t)size;
  b[13] = (uint8_t)(size >> 8);
  b[14] = b[15] = 0;
  if (size > 0) memcpy(b + RPMSG_SERIAL_HDR_SIZE, data, size);
  rs->tx_len[i] = (uint16_t)(size + RPMSG_SERIAL_HDR_SIZE);
  rs->q_count++;
  pump(rs);
  return 1;
}

static int send_ns(struct rpmsg_serial *rs, struct rpmsg_serial_ept *e, uint32_t flags) {
  uint8_t ns[NS_MSG_SIZE];
  memset(ns, 0, sizeof ns);
  memcpy(ns, e->name, RPMSG_SERIAL_NAME_SIZE - 1); /* last byte stays NUL */
  wr32(ns + 32, e->addr);
  wr32(ns + 36, flags);
  return enqueue(rs, e->addr, RPMSG_SERIAL_NS_ADDR, ns, NS_MSG_SIZE);
}

/* ---- Timers (§6) -------------------------------------------------------------------------- */

static void run_timers(struct rpmsg_serial *rs) {
  uint32_t now = now_ms(rs);
  uint8_t k;
  if (rs->state == RPMSG_SERIAL_HANDSHAKE) {
    if (due(now, rs->next_hello_at)) {
      send_hello(rs, T_HELLO);
      rs->next_hello_at = now + RPMSG_SERIAL_HELLO_MS;
    }
    return;
  }
  if (now - rs->last_rx_at >= rs->link_timeout) {
    restart(rs); /* nothing heard: the host went away */
  } else if (rs->reliable && rs->q_sent > 0 && rs->rto_armed && due(now, rs->rto_at)) {
    if (++rs->retries > RPMSG_SERIAL_MAX_RETRIES) {
      restart(rs);
      return;
    }
    for (k = 0; k < rs->q_sent; k++) { /* go-back-N */
      uint8_t i = (uint8_t)((rs->q_head + k) % RPMSG_SERIAL_TX_BUFFERS);
      send_frame(rs, T_DATA, (uint8_t)(rs->send_base + k), rs->tx_buf[i], rs->tx_len[i]);
      rs->stats.retransmits++;
    }
    rs->rto_at = now + RPMSG_SERIAL_RTO_MS;
  } else if (rs->probe_armed && due(now, rs->probe_at)) {
    send_control(rs, T_ACK | F_POLL);
    rs->probe_at = now + RPMSG_SERIAL_RTO_MS;
  } else if (now - rs->last_rx_at >= (uint32_t)rs->peer_keepalive + RPMSG_SERIAL_RTO_MS &&
             now - rs->last_poll_at >= RPMSG_SERIAL_RTO_MS) {
    /* The host's keep-alive is overdue: poll it every RTO until it answers or times out (§6). */
    send_control(rs, T_ACK | F_POLL);
    rs->last_poll_at = now;
    rs->stats.silence_polls++;
  } else if (now - rs->last_tx_at >= RPMSG_SERIAL_KEEPALIVE_MS) {
    send_control(rs, T_ACK);
  }
}

/* ---- API ---------------------------------------------------------------------------------- */

void rpmsg_serial_init(struct rpmsg_serial *rs, const struct rpmsg_serial_hal *hal, uint32_t seed) {
  memset(rs, 0, sizeof *rs);
  rs->hal = *hal;
  rs->seed = seed;
  rs->next_addr = RPMSG_SERIAL_RESERVED_ADDRESSES;
  start_handshake(rs);
}

void rpmsg_serial_reset(struct rpmsg_serial *rs) {
  rs->ring_tail = rs->ring_head; /* bytes from the old port are meaningless */
  rs->frame_len = 0;
  rs->cobs_remaining = rs->cobs_zero_owed = rs->cobs_skipping = rs->cobs_started = 0;
  restart(rs);
}

void rpmsg_serial_rx_byte(struct rpmsg_serial *rs, uint8_t byte) {
  uint32_t head = rs->ring_head;
  if (head - rs->ring_tail >= RPMSG_SERIAL_RX_RING) {
    rs->stats.ring_overruns++; /* the frame it belonged to fails its CRC and is retransmitted */
    return;
  }
  rs->ring[head & (RPMSG_SERIAL_RX_RING - 1)] = byte;
  rs->ring_head = head + 1; /* publish after the store; single producer (the ISR) */
}

void rpmsg_serial_rx_bytes(struct rpmsg_serial *rs, const uint8_t *data, size_t len) {
  size_t i;
  for (i = 0; i < len; i++) rpmsg_serial_rx_byte(rs, data[i]);
}

void rpmsg_serial_poll(struct rpmsg_serial *rs) {
  struct rpmsg_serial_ept *e;
  uint32_t tail = rs->ring_tail;
  rs->in_poll = 1;
  while (tail != rs->ring_head) {
    uint8_t b = rs->ring[tail & (RPMSG_SERIAL_RX_RING - 1)];
    rs->ring_tail = ++tail; /* free the slot before decoding: the ISR may refill it */
    rs->stats.rx_bytes++;
    dec_byte(rs, b);
  }
  run_timers(rs);
  if (rs->state == RPMSG_SERIAL_UP && rs->peer_ns) {
    for (e = rs->epts; e != NULL; e = e->next) {
      if (e->announce_pending && send_ns(rs, e, RL_NS_CREATE)) e->announce_pending = 0;
    }
  }
  pump(rs);
  if (rs->ack_pending && rs->state == RPMSG_SERIAL_UP) send_control(rs, T_ACK);
  rs->in_poll = 0;
}

int rpmsg_serial_is_link_up(const struct rpmsg_serial *rs) { return rs->state == RPMSG_SERIAL_UP; }

uint32_t rpmsg_serial_link_timeout(const struct rpmsg_serial *rs) {
  return rs->state == RPMSG_SERIAL_UP ? rs->link_timeout : 0u;
}

uint32_t rpmsg_serial_tx_free(const struct rpmsg_serial *rs) {
  return rs->state == RPMSG_SERIAL_UP ? (uint32_t)(RPMSG_SERIAL_TX_BUFFERS - rs->q_count) : 0u;
}

struct rpmsg_serial_ept *rpmsg_serial_create_ept(struct rpmsg_serial *rs, struct rpmsg_serial_ept *storage,
                                                 uint32_t addr, rpmsg_serial_rx_cb_t rx_cb, void *rx_cb_data) {
  struct rpmsg_serial_ept *e;
  if (storage == NULL || addr == RPMSG_SERIAL_NS_ADDR) return NULL;
  if (addr == RL_ADDR_ANY) {
    for (addr = rs->next_addr;; addr++) { /* lowest free dynamic address */
      for (e = rs->epts; e != NULL && e->addr != addr; e = e->next) {
      }
      if (e == NULL) break;
    }
  } else {
    for (e = rs->epts; e != NULL; e = e->next)
      if (e->addr == addr) return NULL;
  }
  memset(storage, 0, sizeof *storage);
  storage->addr = addr;
  storage->rx_cb = rx_cb;
  storage->rx_cb_data = rx_cb_data;
  storage->next = rs->epts;
  rs->epts = storage;
  return storage;
}

int32_t rpmsg_serial_destroy_ept(struct rpmsg_serial *rs, struct rpmsg_serial_ept *ept) {
  struct rpmsg_serial_ept **pp;
  if (ept == NULL) return RPMSG_SERIAL_ERR_PARAM;
  if (ept->name[0] != 0 && rs->state == RPMSG_SERIAL_UP && rs->peer_ns) (void)send_ns(rs, ept, RL_NS_DESTROY);
  for (pp = &rs->epts; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == ept) {
      *pp = ept->next;
      return RPMSG_SERIAL_OK;
    }
  }
  return RPMSG_SERIAL_ERR_PARAM;
}

int32_t rpmsg_serial_ns_announce(struct rpmsg_serial *rs, struct rpmsg_serial_ept *ept, const char *name,
                                 uint32_t flags) {
  size_t n;
  if (ept == NULL || name == NULL) return RPMSG_SERIAL_ERR_PARAM;
  if (flags & RL_NS_DESTROY) {
    if (rs->state == RPMSG_SERIAL_UP && rs->peer_ns && !send_ns(rs, ept, RL_NS_DESTROY)) return RPMSG_SERIAL_ERR_NO_MEM;
    ept->name[0] = 0;
    ept->announce_pending = 0;
    return RPMSG_SERIAL_OK;
  }
  n = strlen(name);
  if (n > RPMSG_SERIAL_NAME_SIZE - 1) n = RPMSG_SERIAL_NAME_SIZE - 1;
  memcpy(ept->name, name, n);
  ept->name[n] = 0;
  ept->announce_pending = 1; /* sent from poll while up, and again after every link up */
  if (rs->state == RPMSG_SERIAL_UP && rs->peer_ns && send_ns(rs, ept, RL_NS_CREATE)) ept->announce_pending = 0;
  return RPMSG_SERIAL_OK;
}

int32_t rpmsg_serial_send(struct rpmsg_serial *rs, struct rpmsg_serial_ept *ept, uint32_t dst, const void *data,
                          uint32_t size, uint32_t timeout_ms) {
  uint32_t start;
  if (ept == NULL || (data == NULL && size > 0) || dst == RL_ADDR_ANY) return RPMSG_SERIAL_ERR_PARAM;
  if (size > RPMSG_SERIAL_MTU) return RPMSG_SERIAL_ERR_BUFF_SIZE;
  if (rs->state != RPMSG_SERIAL_UP) return RPMSG_SERIAL_ERR_NOT_READY;
  if (size + RPMSG_SERIAL_HDR_SIZE > rs->peer_mtu) return RPMSG_SERIAL_ERR_BUFF_SIZE;
  start = now_ms(rs);
  while (!enqueue(rs, ept->addr, dst, data, size)) {
    if (rs->in_poll || now_ms(rs) - start >= timeout_ms) return RPMSG_SERIAL_ERR_NO_MEM;
    if (rs->hal.idle != NULL) rs->hal.idle(rs->hal.ctx);
    rpmsg_serial_poll(rs);
    if (rs->state != RPMSG_SERIAL_UP) return RPMSG_SERIAL_ERR_NOT_READY;
  }
  return RPMSG_SERIAL_OK;
}
