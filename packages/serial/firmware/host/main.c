/*
 * Host build of the firmware: the same rpmsg_serial.c, with a POSIX HAL over a pseudo-terminal.
 * It opens a pty master (posix_openpt), prints "PTY <slave path>" on stdout and serves three
 * endpoints, as a board would over its UART:
 *   rpmsg-echo     echoes every non-empty message to its sender
 *   rpmsg-tty      the same, under the Linux rpmsg_tty channel name (for @rpmsg/tty streams)
 *   rpmsg-counter  on "N" (decimal text), sends "count 0" … "count N-1" back, in order
 *   rpmsg-stats    replies with the link counters as "key=value" text
 *
 * It runs until SIGINT, SIGTERM or SIGHUP (the host closing or reopening the pty does not stop it:
 * a board keeps running while the cable is out). Commands are read from stdin only when stdin is a
 * terminal, or with --commands (a test harness's pipe, whose end means the harness is gone): "unplug"
 * closes the pty (and removes the --link symlink), "replug" opens a new one (and points the symlink
 * at it), "quit" (or end of input) exits. Started in the background, from a script or with stdin at
 * /dev/null, stdin is not read at all.
 *
 *   gcc -std=c99 -Wall -Wextra -Werror -I.. ../rpmsg_serial.c main.c -o rpmsg-serial-host
 *   ./rpmsg-serial-host --link /tmp/ttyMCU [--commands]
 */
#define _XOPEN_SOURCE 600
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "rpmsg_serial.h"

static struct rpmsg_serial rs;
static struct rpmsg_serial_ept echo_storage, tty_storage, counter_storage, stats_storage;
static struct rpmsg_serial_ept *echo_ept, *tty_ept, *counter_ept, *stats_ept;
static int pty_fd = -1;
static const char *link_path = NULL;
static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static uint32_t hal_millis(void *ctx) {
  struct timespec ts;
  (void)ctx;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static void hal_write(void *ctx, const uint8_t *data, size_t len) {
  int stalls = 0;
  (void)ctx;
  while (len > 0 && pty_fd >= 0) {
    ssize_t n = write(pty_fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN && ++stalls < 50) { /* nobody reading: wait up to ~0.5 s, then drop */
        struct pollfd p;
        p.fd = pty_fd;
        p.events = POLLOUT;
        p.revents = 0;
        (void)poll(&p, 1, 10);
        continue;
      }
      return; /* unplugged or nobody listening: the bytes are lost, as on a real UART */
    }
    data += n;
    len -= (size_t)n;
  }
}

static void read_port(void) {
  uint8_t buf[512];
  ssize_t n;
  if (pty_fd < 0) return;
  while ((n = read(pty_fd, buf, sizeof buf)) > 0) rpmsg_serial_rx_bytes(&rs, buf, (size_t)n);
}

static void hal_idle(void *ctx) {
  struct pollfd p;
  (void)ctx;
  if (pty_fd < 0) return;
  p.fd = pty_fd;
  p.events = POLLIN;
  p.revents = 0;
  if (poll(&p, 1, 1) > 0) read_port();
}

static int open_pty(void) {
  struct termios t;
  const char *name;
  int fd = posix_openpt(O_RDWR | O_NOCTTY);
  if (fd < 0 || grantpt(fd) != 0 || unlockpt(fd) != 0 || (name = ptsname(fd)) == NULL) {
    perror("posix_openpt");
    return -1;
  }
  if (tcgetattr(fd, &t) == 0) {
    cfmakeraw(&t); /* no echo, no line editing, 8 bits: a UART */
    (void)tcsetattr(fd, TCSANOW, &t);
  }
  (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (link_path != NULL) {
    (void)unlink(link_path);
    if (symlink(name, link_path) != 0) perror("symlink");
  }
  printf("PTY %s\n", name);
  fflush(stdout);
  return fd;
}

static int32_t on_echo(void *payload, uint32_t len, uint32_t src, void *priv) {
  struct rpmsg_serial_ept *self = (struct rpmsg_serial_ept *)priv;
  if (len == 0) return RPMSG_SERIAL_RELEASE; /* a 0-byte hello only tells us the sender's address */
  if (rpmsg_serial_tx_free(&rs) == 0) return RPMSG_SERIAL_BUSY; /* no room for the reply: ask again later */
  (void)rpmsg_serial_send(&rs, self, src, payload, len, 0);
  return RPMSG_SERIAL_RELEASE;
}

static uint32_t counter_left, counter_next, counter_dst;

static int32_t on_counter(void *payload, uint32_t len, uint32_t src, void *priv) {
  char text[16];
  (void)priv;
  if (len == 0 || len >= sizeof text) return 0;
  memcpy(text, payload, len);
  text[len] = 0;
  counter_left = (uint32_t)strtoul(text, NULL, 10);
  counter_next = 0;
  counter_dst = src;
  return 0;
}

static void counter_work(void) {
  char msg[32];
  while (counter_left > 0 && rpmsg_serial_is_link_up(&rs)) {
    int n = snprintf(msg, sizeof msg, "count %u", (unsigned)counter_next);
    if (rpmsg_serial_send(&rs, counter_ept, counter_dst, msg, (uint32_t)n, 0) != RPMSG_SERIAL_OK) return;
    counter_next++;
    counter_left--;
  }
}

static int32_t on_stats(void *payload, uint32_t len, uint32_t src, void *priv) {
  char msg[300];
  const struct rpmsg_serial_stats *s = &rs.stats;
  int n;
  (void)payload;
  (void)priv;
  if (len == 0) return RPMSG_SERIAL_RELEASE;
  if (rpmsg_serial_tx_free(&rs) == 0) return RPMSG_SERIAL_BUSY;
  n = snprintf(msg, sizeof msg,
               "crc_errors=%u cobs_errors=%u long_frames=%u short_frames=%u duplicates=%u retransmits=%u "
               "link_ups=%u link_downs=%u dropped=%u refused=%u bad_version=%u ring_overruns=%u silence_polls=%u "
               "overruns=%u out_of_order=%u bad_acks=%u bad_messages=%u link_timeout_ms=%u",
               (unsigned)s->crc_errors, (unsigned)s->cobs_errors, (unsigned)s->long_frames, (unsigned)s->short_frames,
               (unsigned)s->duplicates, (unsigned)s->retransmits, (unsigned)s->link_ups, (unsigned)s->link_downs,
               (unsigned)s->dropped, (unsigned)s->refused, (unsigned)s->bad_version, (unsigned)s->ring_overruns,
               (unsigned)s->silence_polls, (unsigned)s->overruns, (unsigned)s->out_of_order, (unsigned)s->bad_acks,
               (unsigned)s->bad_messages, (unsigned)rpmsg_serial_link_timeout(&rs));
  (void)rpmsg_serial_send(&rs, stats_ept, src, msg, (uint32_t)n, 0);
  return 0;
}

static int handle_command(void) {
  char line[64];
  if (fgets(line, sizeof line, stdin) == NULL) return 0; /* end of input: the terminal or the harness is gone */
  if (strncmp(line, "unplug", 6) == 0) {
    if (pty_fd >= 0) close(pty_fd);
    pty_fd = -1;
    if (link_path != NULL) (void)unlink(link_path);
    printf("UNPLUGGED\n");
    fflush(stdout);
  } else if (strncmp(line, "replug", 6) == 0 && pty_fd < 0) {
    pty_fd = open_pty();
    rpmsg_serial_reset(&rs); /* a freshly plugged board boots: new HELLO, channels re-announced */
  } else if (strncmp(line, "quit", 4) == 0) {
    return 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  struct rpmsg_serial_hal hal;
  struct sigaction sa;
  int i, commands = isatty(STDIN_FILENO);
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--link") == 0 && i + 1 < argc) {
      link_path = argv[++i];
    } else if (strcmp(argv[i], "--commands") == 0) {
      commands = 1;
    } else {
      fprintf(stderr, "usage: %s [--link PATH] [--commands]\n", argv[0]);
      return 2;
    }
  }
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns at once with EINTR */
  sigemptyset(&sa.sa_mask);
  (void)sigaction(SIGINT, &sa, NULL);
  (void)sigaction(SIGTERM, &sa, NULL);
  (void)sigaction(SIGHUP, &sa, NULL);
  setvbuf(stdin, NULL, _IOLBF, 0);
  pty_fd = open_pty();
  if (pty_fd < 0) return 1;
  hal.write = hal_write;
  hal.millis = hal_millis;
  hal.idle = hal_idle;
  hal.ctx = NULL;
  rpmsg_serial_init(&rs, &hal, (uint32_t)getpid() ^ hal_millis(NULL));
  echo_ept = rpmsg_serial_create_ept(&rs, &echo_storage, RL_ADDR_ANY, on_echo, &echo_storage);
  tty_ept = rpmsg_serial_create_ept(&rs, &tty_storage, RL_ADDR_ANY, on_echo, &tty_storage);
  counter_ept = rpmsg_serial_create_ept(&rs, &counter_storage, RL_ADDR_ANY, on_counter, NULL);
  stats_ept = rpmsg_serial_create_ept(&rs, &stats_storage, 40, on_stats, NULL);
  (void)rpmsg_serial_ns_announce(&rs, echo_ept, "rpmsg-echo", RL_NS_CREATE);
  (void)rpmsg_serial_ns_announce(&rs, tty_ept, "rpmsg-tty", RL_NS_CREATE);
  (void)rpmsg_serial_ns_announce(&rs, counter_ept, "rpmsg-counter", RL_NS_CREATE);
  (void)rpmsg_serial_ns_announce(&rs, stats_ept, "rpmsg-stats", RL_NS_CREATE);
  while (!stop_requested) {
    struct pollfd fds[2];
    nfds_t n = 0;
    int pty_i = -1;
    if (commands) {
      fds[n].fd = STDIN_FILENO;
      fds[n].events = POLLIN;
      fds[n++].revents = 0;
    }
    if (pty_fd >= 0) {
      pty_i = (int)n;
      fds[n].fd = pty_fd;
      fds[n].events = POLLIN;
      fds[n++].revents = 0;
    }
    (void)poll(fds, n, 2);
    if (pty_i >= 0 && (fds[pty_i].revents & POLLHUP)) { /* no one has the slave open: do not spin */
      struct timespec nap = {0, 2000000L};
      (void)nanosleep(&nap, NULL);
    }
    if (commands && (fds[0].revents & (POLLIN | POLLHUP))) {
      if (!handle_command()) break;
    }
    read_port();
    rpmsg_serial_poll(&rs);
    counter_work();
  }
  if (link_path != NULL) (void)unlink(link_path);
  return 0;
}
