/*
 * The forwarding benchmark's packet engine, in C because Node's dgram + crypto costs ~10 us per packet
 * and the sinks must take 200k+ packets/s on a shared 2-core machine without becoming the bottleneck.
 * It uses the same libsrtp2 (over OpenSSL) that mediasoup and Janus use.
 *
 *   srtp-udp send    PACKETS_FILE        replays a packetized VP8 file as SRTP, paced in real time;
 *                                        stdin: "stream HOST PORT SSRC SUITE|none KEYHEX" adds a stream
 *   srtp-udp sink    PORT                counts RTP per SSRC, loss from sequence numbers, verifies SRTP;
 *                                        stdin: "key SSRC SUITE KEYHEX [EVERY]", "mark", "report", "detail"
 *   srtp-udp ceiling PACKETS_FILE HOST PORT SUITE STREAMS SECONDS
 *                                        the physical ceiling: SRTP-encrypt + sendto per packet, flat out
 *                                        (SUITE none: sendto only; HOST -: encryption only, to split the cost)
 * Every mode exits when stdin closes (or, for ceiling, after SECONDS) and prints JSON lines on stdout.
 * SUITE: gcm256 (AEAD_AES_256_GCM), gcm128 (AEAD_AES_128_GCM), cm80 (AES_CM_128_HMAC_SHA1_80).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <srtp2/srtp.h>

#define MAX_PACKET 1500
#define MAX_STREAMS 8192
#define BATCH 64

typedef struct { uint32_t t_us; uint32_t ts; uint16_t len; uint8_t data[MAX_PACKET]; } packet_t;
static packet_t *packets;
static uint32_t packet_count, loop_us, loop_ts;

static void die(const char *what) { fprintf(stderr, "srtp-udp: %s (%s)\n", what, strerror(errno)); exit(1); }

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* File written by rtp-source.ts: "SWRTP1\0\0", u32 count, u32 loop_us, u32 loop_ts, then per packet
 * u32 t_us, u32 rtp_ts, u16 len, len bytes of RTP (SSRC 0, sequence number 0). Little endian. */
static void load_packets(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) die("cannot open packets file");
  char magic[8];
  if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "SWRTP1", 6) != 0) die("bad packets file");
  if (fread(&packet_count, 4, 1, f) != 1 || fread(&loop_us, 4, 1, f) != 1 || fread(&loop_ts, 4, 1, f) != 1) die("bad header");
  packets = calloc(packet_count, sizeof(packet_t));
  for (uint32_t i = 0; i < packet_count; i++) {
    packet_t *p = &packets[i];
    if (fread(&p->t_us, 4, 1, f) != 1 || fread(&p->ts, 4, 1, f) != 1 || fread(&p->len, 2, 1, f) != 1) die("truncated packets file");
    if (p->len > MAX_PACKET - 32 || fread(p->data, 1, p->len, f) != p->len) die("bad packet");
  }
  fclose(f);
}

static int hex_to_bytes(const char *hex, uint8_t *out, int max) {
  int n = (int)strlen(hex) / 2;
  if (n > max) return -1;
  for (int i = 0; i < n; i++) sscanf(hex + 2 * i, "%2hhx", &out[i]);
  return n;
}

/* One SRTP session (one key) for sending or receiving; mediasoup keys per transport, Janus per forwarder. */
static srtp_t make_session(const char *suite, const char *keyhex, int inbound) {
  static uint8_t keys[MAX_STREAMS * 2][46];
  static int used;
  if (used >= MAX_STREAMS * 2) { fprintf(stderr, "srtp-udp: too many keys\n"); exit(1); }
  uint8_t *key = keys[used++];
  srtp_policy_t policy;
  memset(&policy, 0, sizeof(policy));
  int want;
  if (strcmp(suite, "gcm256") == 0) {
    srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp);
    want = 44;
  } else if (strcmp(suite, "gcm128") == 0) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    want = 28;
  } else {
    srtp_crypto_policy_set_rtp_default(&policy.rtp);
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
    want = 30;
  }
  if (hex_to_bytes(keyhex, key, 46) != want) { fprintf(stderr, "srtp-udp: key for %s must be %d bytes\n", suite, want); exit(1); }
  policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
  policy.key = key;
  policy.window_size = 1024;
  policy.allow_repeat_tx = 1;
  srtp_t session;
  if (srtp_create(&session, &policy) != srtp_err_status_ok) { fprintf(stderr, "srtp-udp: srtp_create failed\n"); exit(1); }
  return session;
}

static int udp_socket(int bufsize) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) die("socket");
  /* FORCE variants exceed net.core.*mem_max as root, so a burst never overflows our own buffer. */
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize, sizeof(bufsize)) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsize, sizeof(bufsize)) < 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize));
  return fd;
}

static struct sockaddr_in address(const char *host, int port) {
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) { fprintf(stderr, "srtp-udp: bad host %s\n", host); exit(1); }
  return a;
}

/* Reads whatever stdin has; returns complete lines one by one through `handle`. 0 on EOF. */
static int read_commands(void (*handle)(char *line)) {
  static char buf[65536];
  static size_t have;
  ssize_t n = read(0, buf + have, sizeof(buf) - 1 - have);
  if (n <= 0) return 0;
  have += n;
  buf[have] = 0;
  char *start = buf, *nl;
  while ((nl = strchr(start, '\n'))) {
    *nl = 0;
    handle(start);
    start = nl + 1;
  }
  have = strlen(start);
  memmove(buf, start, have);
  return 1;
}

/* ---------- send ---------- */
typedef struct {
  struct sockaddr_in to; uint32_t ssrc; srtp_t srtp;
  double start; uint64_t index; uint16_t seq0; uint32_t ts0;
} out_stream_t;
static out_stream_t out_streams[MAX_STREAMS];
static int out_count, send_fd;
static uint64_t sent, send_errors;

static void send_command(char *line) {
  char host[64], suite[16], key[128];
  int port;
  unsigned ssrc;
  if (sscanf(line, "stream %63s %d %u %15s %127s", host, &port, &ssrc, suite, key) != 5 || out_count >= MAX_STREAMS) {
    fprintf(stderr, "srtp-udp send: bad command: %s\n", line);
    return;
  }
  out_stream_t *s = &out_streams[out_count++];
  s->to = address(host, port);
  s->ssrc = ssrc;
  /* "none": plain RTP, for an SFU that cannot decrypt its input (Janus 1.1.2's remote publishers). */
  s->srtp = strcmp(suite, "none") == 0 ? NULL : make_session(suite, key, 0);
  /* Spread stream starts over one frame interval, as independent cameras would be. */
  s->start = now_s() + (rand() % 33333) / 1e6;
  s->seq0 = rand();
  s->ts0 = rand();
  printf("{\"added\":%d}\n", out_count);
  fflush(stdout);
}

static void send_due(out_stream_t *s, double now) {
  uint8_t buf[MAX_PACKET];
  for (;;) {
    uint64_t loop = s->index / packet_count;
    packet_t *p = &packets[s->index % packet_count];
    double due = s->start + (loop * (double)loop_us + p->t_us) / 1e6;
    if (due > now) return;
    memcpy(buf, p->data, p->len);
    uint16_t seq = (uint16_t)(s->seq0 + s->index);
    uint32_t ts = s->ts0 + (uint32_t)(loop * loop_ts) + p->ts;
    buf[2] = seq >> 8; buf[3] = seq;
    buf[4] = ts >> 24; buf[5] = ts >> 16; buf[6] = ts >> 8; buf[7] = ts;
    buf[8] = s->ssrc >> 24; buf[9] = s->ssrc >> 16; buf[10] = s->ssrc >> 8; buf[11] = s->ssrc;
    int len = p->len;
    if (s->srtp && srtp_protect(s->srtp, buf, &len) != srtp_err_status_ok) send_errors++;
    else if (sendto(send_fd, buf, len, 0, (struct sockaddr *)&s->to, sizeof(s->to)) < 0) send_errors++;
    else sent++;
    s->index++;
  }
}

static int run_send(void) {
  send_fd = udp_socket(4 << 20);
  struct pollfd fds[2] = { { .fd = 0, .events = POLLIN }, { .fd = send_fd, .events = POLLIN } };
  double last_report = now_s();
  for (;;) {
    if (poll(fds, 2, 1) > 0) {
      if (fds[0].revents & (POLLIN | POLLHUP)) { if (!read_commands(send_command)) break; }
      /* RTCP and anything else the SFU sends back is drained and ignored (a plain RTP camera would too). */
      if (fds[1].revents & POLLIN) { uint8_t junk[MAX_PACKET]; while (recv(send_fd, junk, sizeof(junk), MSG_DONTWAIT) > 0) {} }
    }
    double now = now_s();
    for (int i = 0; i < out_count; i++) send_due(&out_streams[i], now);
    if (now - last_report > 1) {
      last_report = now;
      printf("{\"sent\":%llu,\"errors\":%llu,\"cpu\":%.3f}\n", (unsigned long long)sent, (unsigned long long)send_errors, cpu_s());
      fflush(stdout);
    }
  }
  return 0;
}

/* ---------- sink ---------- */
typedef struct {
  uint32_t ssrc; int used; srtp_t srtp; int verify_every;
  uint64_t received, verified, auth_fail, bad_payload, closed_expected, resyncs; int64_t first_ext, max_ext; uint16_t last_seq; uint32_t cycles;
} in_stream_t;
static in_stream_t in_streams[MAX_STREAMS * 2];
static uint64_t rtcp_count, bytes_in, unknown_count;

static in_stream_t *lookup(uint32_t ssrc, int create) {
  uint32_t h = (ssrc * 2654435761u) % (MAX_STREAMS * 2);
  for (int probe = 0; probe < MAX_STREAMS * 2; probe++) {
    in_stream_t *s = &in_streams[(h + probe) % (MAX_STREAMS * 2)];
    if (s->used && s->ssrc == ssrc) return s;
    if (!s->used) {
      if (!create) return NULL;
      memset(s, 0, sizeof(*s));
      s->used = 1;
      s->ssrc = ssrc;
      s->first_ext = -1;
      return s;
    }
  }
  return NULL;
}

static void mark(void) {
  for (int i = 0; i < MAX_STREAMS * 2; i++) {
    in_stream_t *s = &in_streams[i];
    if (!s->used) continue;
    s->received = s->verified = s->auth_fail = s->bad_payload = s->closed_expected = s->resyncs = 0;
    s->first_ext = -1;
  }
  rtcp_count = bytes_in = unknown_count = 0;
}

static void report(int detail) {
  uint64_t received = 0, expected = 0, verified = 0, auth_fail = 0, bad_payload = 0, resyncs = 0;
  int streams = 0;
  if (detail) printf("{\"detail\":[");
  for (int i = 0; i < MAX_STREAMS * 2; i++) {
    in_stream_t *s = &in_streams[i];
    if (!s->used || s->first_ext < 0) continue;
    uint64_t exp = s->closed_expected + (uint64_t)(s->max_ext - s->first_ext + 1);
    if (detail) printf("%s[%u,%llu,%llu,%llu,%llu]", streams ? "," : "", s->ssrc, (unsigned long long)s->received,
                       (unsigned long long)exp, (unsigned long long)s->verified, (unsigned long long)(s->auth_fail + s->bad_payload));
    streams++;
    received += s->received;
    expected += exp;
    verified += s->verified;
    auth_fail += s->auth_fail;
    bad_payload += s->bad_payload;
    resyncs += s->resyncs;
  }
  if (detail) printf("]}\n");
  printf("{\"streams\":%d,\"received\":%llu,\"expected\":%llu,\"verified\":%llu,\"authFail\":%llu,\"badPayload\":%llu,\"resyncs\":%llu,\"rtcp\":%llu,\"bytes\":%llu,\"unknown\":%llu,\"cpu\":%.3f}\n",
         streams, (unsigned long long)received, (unsigned long long)expected, (unsigned long long)verified,
         (unsigned long long)auth_fail, (unsigned long long)bad_payload, (unsigned long long)resyncs, (unsigned long long)rtcp_count, (unsigned long long)bytes_in,
         (unsigned long long)unknown_count, cpu_s());
  fflush(stdout);
}

static void sink_command(char *line) {
  char suite[16], key[128];
  unsigned ssrc;
  int every = 1;
  if (strcmp(line, "mark") == 0) mark();
  else if (strcmp(line, "report") == 0) report(0);
  else if (strcmp(line, "detail") == 0) report(1);
  else if (sscanf(line, "key %u %15s %127s %d", &ssrc, suite, key, &every) >= 3) {
    in_stream_t *s = lookup(ssrc, 1);
    if (!s) return;
    /* Streams of one mediasoup transport share a key: one session per SSRC keeps the sink simple. */
    s->srtp = make_session(suite, key, 1);
    s->verify_every = every > 0 ? every : 1;
    printf("{\"keys\":%u}\n", ssrc);
    fflush(stdout);
  } else fprintf(stderr, "srtp-udp sink: bad command: %s\n", line);
}

static void on_packet(uint8_t *buf, int len) {
  bytes_in += len;
  if (len < 12 || (buf[0] >> 6) != 2) { unknown_count++; return; }
  if (buf[1] >= 192 && buf[1] <= 223) { rtcp_count++; return; }
  uint32_t ssrc = (uint32_t)buf[8] << 24 | buf[9] << 16 | buf[10] << 8 | buf[11];
  uint16_t seq = buf[2] << 8 | buf[3];
  in_stream_t *s = lookup(ssrc, 1);
  if (!s) { unknown_count++; return; }
  if (s->first_ext < 0) {
    s->cycles = 0;
    s->last_seq = seq;
    s->first_ext = s->max_ext = seq;
  } else {
    int16_t delta = (int16_t)(seq - s->last_seq);
    if (delta > 3000 || delta < -3000) {
      /* The sender's sequence jumped (a restart, a switch): close the range so far, start a new one. */
      s->closed_expected += (uint64_t)(s->max_ext - s->first_ext + 1);
      s->resyncs++;
      s->cycles = 0;
      s->last_seq = seq;
      s->first_ext = s->max_ext = seq;
    } else if (delta > 0) {
      if (seq < s->last_seq) s->cycles += 65536;
      s->last_seq = seq;
      int64_t ext = (int64_t)s->cycles + seq;
      if (ext > s->max_ext) s->max_ext = ext;
    }
  }
  s->received++;
  if (s->srtp && s->received % s->verify_every == 0) {
    int plain = len;
    if (srtp_unprotect(s->srtp, buf, &plain) != srtp_err_status_ok) { s->auth_fail++; return; }
    /* Decrypted: the payload must start with our VP8 payload descriptor (X and I set; N, PID zero). */
    int offset = 12 + 4 * (buf[0] & 0x0f);
    if ((buf[0] & 0x10) && plain >= offset + 4) offset += 4 + 4 * (buf[offset + 2] << 8 | buf[offset + 3]);
    if (plain > offset + 1 && (buf[offset] & 0xef) == 0x80 && buf[offset + 1] == 0x80) s->verified++;
    else s->bad_payload++;
  }
}

static int run_sink(int port) {
  int fd = udp_socket(64 << 20);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in a = address("127.0.0.1", port);
  if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) die("bind");
  socklen_t alen = sizeof(a);
  getsockname(fd, (struct sockaddr *)&a, &alen);
  printf("{\"port\":%d}\n", ntohs(a.sin_port));
  fflush(stdout);
  static uint8_t bufs[BATCH][MAX_PACKET];
  struct mmsghdr msgs[BATCH];
  struct iovec iovs[BATCH];
  struct pollfd fds[2] = { { .fd = 0, .events = POLLIN }, { .fd = fd, .events = POLLIN } };
  for (;;) {
    if (poll(fds, 2, 100) <= 0) continue;
    if (fds[0].revents & (POLLIN | POLLHUP)) { if (!read_commands(sink_command)) break; }
    if (!(fds[1].revents & POLLIN)) continue;
    for (;;) {
      for (int i = 0; i < BATCH; i++) {
        iovs[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = MAX_PACKET };
        msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iovs[i], .msg_iovlen = 1 };
      }
      int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
      if (n <= 0) break;
      for (int i = 0; i < n; i++) on_packet(bufs[i], msgs[i].msg_len);
    }
  }
  return 0;
}

/* ---------- ceiling ---------- */
static int run_ceiling(const char *host, int port, const char *suite, int streams, double seconds) {
  int fd = udp_socket(4 << 20);
  int do_send = strcmp(host, "-") != 0, do_encrypt = strcmp(suite, "none") != 0;
  struct sockaddr_in to = address(do_send ? host : "127.0.0.1", port);
  srtp_t *sessions = calloc(streams, sizeof(srtp_t));
  char key[128];
  for (int i = 0; do_encrypt && i < streams; i++) {
    int bytes = strcmp(suite, "gcm256") == 0 ? 44 : strcmp(suite, "gcm128") == 0 ? 28 : 30;
    for (int b = 0; b < bytes; b++) sprintf(key + 2 * b, "%02x", rand() & 0xff);
    sessions[i] = make_session(suite, key, 0);
  }
  uint8_t buf[MAX_PACKET];
  uint64_t count = 0, errors = 0;
  double start = now_s(), cpu0 = cpu_s(), end = start + seconds;
  while ((count & 1023) != 0 || now_s() < end) {
    packet_t *p = &packets[count % packet_count];
    int stream = count % streams;
    uint32_t ssrc = 0x10000 + stream;
    uint16_t seq = (uint16_t)(count / streams);
    memcpy(buf, p->data, p->len);
    buf[2] = seq >> 8; buf[3] = seq;
    buf[8] = ssrc >> 24; buf[9] = ssrc >> 16; buf[10] = ssrc >> 8; buf[11] = ssrc;
    int len = p->len;
    if (do_encrypt && srtp_protect(sessions[stream], buf, &len) != srtp_err_status_ok) errors++;
    else if (do_send && sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) errors++;
    count++;
  }
  double wall = now_s() - start, cpu = cpu_s() - cpu0;
  printf("{\"packets\":%llu,\"errors\":%llu,\"wallS\":%.3f,\"cpuS\":%.3f,\"ppsPerCore\":%.0f}\n", (unsigned long long)count,
         (unsigned long long)errors, wall, cpu, count / cpu);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (srtp_init() != srtp_err_status_ok) { fprintf(stderr, "srtp-udp: srtp_init failed\n"); return 1; }
  srand(getpid() ^ (unsigned)time(NULL));
  if (argc == 3 && strcmp(argv[1], "send") == 0) { load_packets(argv[2]); return run_send(); }
  if (argc == 3 && strcmp(argv[1], "sink") == 0) return run_sink(atoi(argv[2]));
  if (argc == 8 && strcmp(argv[1], "ceiling") == 0) {
    load_packets(argv[2]);
    return run_ceiling(argv[3], atoi(argv[4]), argv[5], atoi(argv[6]), atof(argv[7]));
  }
  fprintf(stderr, "usage: srtp-udp send PACKETS | sink PORT | ceiling PACKETS HOST PORT SUITE STREAMS SECONDS\n");
  return 2;
}
