/*
 * Generic-netlink transport for IPVS (the "IPVS" family of ip_vs_ctl.c), so the
 * shim changes the director's table without starting an ipvsadm process per
 * pass (~85 ms each inside UML, more than the whole 1% change may take).
 *
 * Split of work: this file owns the socket, resolves the family, sends batches
 * of ready-made messages in as few sendmsg calls as the receive buffer allows,
 * and matches every ACK to its message; it also runs dumps. Encoding and
 * decoding attributes stays in TypeScript (shim/ipvs/netlink-codec.ts), with
 * the numbers taken from <linux/ip_vs.h> through `constants` below, so nothing
 * here decides what a table means.
 *
 * Calls are synchronous: the kernel handles each message inline in sendmsg, and
 * SO_RCVTIMEO bounds every wait, so the event loop is held for at most the
 * caller's deadline (milliseconds for a 10,000-op batch in practice).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <node_api.h>
#include "napi_result.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#define RECV_BUF (64 * 1024)
#define MAX_PER_SEND 1024
/* An ACK occupies a whole skb in the receive queue: budget this much per message. */
#define ACK_TRUESIZE 1536

static napi_value usage(napi_env env, const char *msg) {
  napi_throw_error(env, "ERR_IPVS_NETLINK_USAGE", msg);
  return NULL;
}

static int arg_int(napi_env env, napi_value v, int32_t *out) { return napi_get_value_int32(env, v, out) == napi_ok ? 0 : -1; }

/* Reads one datagram; 0 on EOF-like empty reads, -errno on failure (EAGAIN: the deadline passed). */
static ssize_t recv_some(int fd, char *buf) {
  for (;;) {
    ssize_t n = recv(fd, buf, RECV_BUF, 0);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
  }
}

static uint32_t next_seq = 1;

/* open(timeoutMs) -> fd | {errno, syscall} */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t timeout_ms = 10000;
  if (argc >= 1 && arg_int(env, argv[0], &timeout_ms) != 0) return usage(env, "open(timeoutMs)");
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  if (fd < 0) return fail(env, "socket", errno);
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    int e = errno;
    close(fd);
    return fail(env, "bind", e);
  }
  struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  /* Room for many ACKs per batch; the FORCE variant works as root (the shim's case), else the capped one. */
  int big = 8 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) != 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) != 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  int one = 1;
  /* ACKs without a copy of the request: 20 bytes of payload each instead of the whole message. */
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  return num(env, fd);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 1 || arg_int(env, argv[0], &fd) != 0) return usage(env, "close(fd)");
  close(fd);
  return NULL;
}

/* Walks one datagram of replies; calls back per message. Returns -1 to keep reading, else a final code. */
typedef int (*on_msg_fn)(struct nlmsghdr *h, void *ctx);

static int walk(char *buf, ssize_t n, on_msg_fn fn, void *ctx) {
  int len = (int)n;
  for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
    int r = fn(h, ctx);
    if (r != -1) return r;
  }
  return -1;
}

typedef struct {
  uint32_t seq;
  int family; /* resolved id, or -errno */
} resolve_ctx;

static int on_family(struct nlmsghdr *h, void *p) {
  resolve_ctx *c = p;
  if (h->nlmsg_seq != c->seq) return -1;
  if (h->nlmsg_type == NLMSG_ERROR) {
    struct nlmsgerr *e = NLMSG_DATA(h);
    if (e->error) c->family = e->error;
    return c->family == 0 ? -1 : 0; /* the ACK after the reply ends the exchange */
  }
  struct genlmsghdr *g = NLMSG_DATA(h);
  int alen = (int)h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
  for (struct nlattr *a = (struct nlattr *)((char *)g + GENL_HDRLEN); alen >= (int)sizeof *a && a->nla_len >= sizeof *a && a->nla_len <= alen;
       alen -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
    if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID) c->family = *(uint16_t *)((char *)a + NLA_HDRLEN);
  }
  return -1;
}

/* resolveFamily(fd) -> family id | {errno, syscall}; ENOENT means ip_vs is not loaded. */
static napi_value js_resolve(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 1 || arg_int(env, argv[0], &fd) != 0) return usage(env, "resolveFamily(fd)");
  struct {
    struct nlmsghdr h;
    struct genlmsghdr g;
    char attrs[NLA_HDRLEN + NLA_ALIGN(sizeof IPVS_GENL_NAME)];
  } req;
  memset(&req, 0, sizeof req);
  resolve_ctx c = {.seq = next_seq++, .family = 0};
  req.h.nlmsg_len = sizeof req;
  req.h.nlmsg_type = GENL_ID_CTRL;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  req.h.nlmsg_seq = c.seq;
  req.g.cmd = CTRL_CMD_GETFAMILY;
  req.g.version = 1;
  struct nlattr *a = (struct nlattr *)req.attrs;
  a->nla_type = CTRL_ATTR_FAMILY_NAME;
  a->nla_len = NLA_HDRLEN + sizeof IPVS_GENL_NAME;
  memcpy(req.attrs + NLA_HDRLEN, IPVS_GENL_NAME, sizeof IPVS_GENL_NAME);
  if (send(fd, &req, sizeof req, 0) < 0) return fail(env, "sendmsg", errno);
  char *buf = malloc(RECV_BUF);
  int r = -1;
  while (r == -1) {
    ssize_t n = recv_some(fd, buf);
    if (n < 0) {
      free(buf);
      return fail(env, "recv", (int)-n);
    }
    r = walk(buf, n, on_family, &c);
  }
  free(buf);
  if (c.family < 0) return fail(env, "CTRL_CMD_GETFAMILY", -c.family);
  return num(env, c.family);
}

typedef struct {
  uint32_t base;
  uint32_t count;
  uint32_t acked;
  int32_t *errs;
} ack_ctx;

static int on_ack(struct nlmsghdr *h, void *p) {
  ack_ctx *c = p;
  if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq - c->base >= c->count) return -1;
  struct nlmsgerr *e = NLMSG_DATA(h);
  int32_t *slot = &c->errs[h->nlmsg_seq - c->base];
  if (*slot == -1) c->acked++;
  *slot = -e->error;
  return c->acked == c->count ? 0 : -1;
}

/*
 * exchange(fd, family, msgs: Buffer[], errs: Int32Array) -> null | {errno, syscall}
 * Each Buffer is one whole message (nlmsghdr first); the type, flags and
 * sequence are set here. errs[i] becomes 0 (acked) or the kernel's errno for
 * message i; messages never acknowledged stay -1. The kernel carries on after a
 * failing message within one sendmsg, so errs can hold several failures.
 */
static napi_value js_exchange(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, family;
  uint32_t n;
  void *errs_data;
  size_t errs_len;
  napi_typedarray_type tt;
  if (argc < 4 || arg_int(env, argv[0], &fd) || arg_int(env, argv[1], &family) || napi_get_array_length(env, argv[2], &n) != napi_ok ||
      napi_get_typedarray_info(env, argv[3], &tt, &errs_len, &errs_data, NULL, NULL) != napi_ok || tt != napi_int32_array || errs_len < n)
    return usage(env, "exchange(fd, family, msgs, errs)");
  int32_t *errs = errs_data;
  int rcvbuf = 0;
  socklen_t sl = sizeof rcvbuf;
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &sl);
  uint32_t per_send = rcvbuf / ACK_TRUESIZE;
  if (per_send < 16) per_send = 16;
  if (per_send > MAX_PER_SEND) per_send = MAX_PER_SEND;
  struct iovec *iov = calloc(per_send, sizeof *iov);
  char *buf = malloc(RECV_BUF);
  napi_value result = NULL;
  for (uint32_t i = 0; i < n; i++) errs[i] = -1;
  for (uint32_t start = 0; start < n && !result; start += per_send) {
    uint32_t count = n - start < per_send ? n - start : per_send;
    ack_ctx c = {.base = next_seq, .count = count, .acked = 0, .errs = errs + start};
    next_seq += count;
    for (uint32_t k = 0; k < count; k++) {
      napi_value b;
      void *data;
      size_t len;
      napi_get_element(env, argv[2], start + k, &b);
      if (napi_get_buffer_info(env, b, &data, &len) != napi_ok || len < NLMSG_HDRLEN) {
        result = usage(env, "exchange: every message must be a Buffer holding a whole netlink message");
        break;
      }
      struct nlmsghdr *h = data;
      h->nlmsg_len = (uint32_t)len;
      h->nlmsg_type = (uint16_t)family;
      h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
      h->nlmsg_seq = c.base + k;
      h->nlmsg_pid = 0;
      iov[k].iov_base = data;
      iov[k].iov_len = NLMSG_ALIGN(len);
    }
    if (result) break;
    struct sockaddr_nl to = {.nl_family = AF_NETLINK};
    struct msghdr mh = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = iov, .msg_iovlen = count};
    if (sendmsg(fd, &mh, 0) < 0) {
      result = fail(env, "sendmsg", errno);
      break;
    }
    int r = -1;
    while (r == -1) {
      ssize_t got = recv_some(fd, buf);
      if (got < 0) {
        result = fail(env, "recv", (int)-got);
        break;
      }
      r = walk(buf, got, on_ack, &c);
    }
  }
  free(iov);
  free(buf);
  if (result) return result;
  napi_value nul;
  napi_get_null(env, &nul);
  return nul;
}

typedef struct {
  uint32_t seq;
  napi_env env;
  napi_value out;
  uint32_t count;
  int err;
} dump_ctx;

static int on_dump(struct nlmsghdr *h, void *p) {
  dump_ctx *c = p;
  if (h->nlmsg_seq != c->seq) return -1;
  if (h->nlmsg_type == NLMSG_DONE) return 0;
  if (h->nlmsg_type == NLMSG_ERROR) {
    struct nlmsgerr *e = NLMSG_DATA(h);
    c->err = -e->error;
    return 0;
  }
  napi_value b;
  void *copy;
  size_t len = h->nlmsg_len - NLMSG_HDRLEN;
  napi_create_buffer_copy(c->env, len, NLMSG_DATA(h), &copy, &b);
  napi_set_element(c->env, c->out, c->count++, b);
  return -1;
}

/* dump(fd, family, msg: Buffer) -> Buffer[] (each reply from its genl header on) | {errno, syscall} */
static napi_value js_dump(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, family;
  void *data;
  size_t len;
  if (argc < 3 || arg_int(env, argv[0], &fd) || arg_int(env, argv[1], &family) || napi_get_buffer_info(env, argv[2], &data, &len) != napi_ok || len < NLMSG_HDRLEN)
    return usage(env, "dump(fd, family, msg)");
  dump_ctx c = {.seq = next_seq++, .env = env, .count = 0, .err = 0};
  napi_create_array(env, &c.out);
  struct nlmsghdr *h = data;
  h->nlmsg_len = (uint32_t)len;
  h->nlmsg_type = (uint16_t)family;
  h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  h->nlmsg_seq = c.seq;
  h->nlmsg_pid = 0;
  if (send(fd, data, len, 0) < 0) return fail(env, "sendmsg", errno);
  char *buf = malloc(RECV_BUF);
  int r = -1;
  while (r == -1) {
    ssize_t got = recv_some(fd, buf);
    if (got < 0) {
      free(buf);
      return fail(env, "recv", (int)-got);
    }
    r = walk(buf, got, on_dump, &c);
  }
  free(buf);
  if (c.err) return fail(env, "dump", c.err);
  return c.out;
}

/* ntop(bytes: Buffer of 4 or 16) -> the address as inet_ntop (and so ipvsadm -Sn) prints it */
static napi_value js_ntop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *data;
  size_t len;
  char text[INET6_ADDRSTRLEN];
  if (argc < 1 || napi_get_buffer_info(env, argv[0], &data, &len) != napi_ok || (len != 4 && len != 16)) return usage(env, "ntop(Buffer of 4 or 16 bytes)");
  if (!inet_ntop(len == 4 ? AF_INET : AF_INET6, data, text, sizeof text)) return usage(env, "ntop failed");
  napi_value out;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &out);
  return out;
}

/* pton(text) -> Buffer of 4 or 16 bytes, or null when it is not an address */
static napi_value js_pton(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char text[INET6_ADDRSTRLEN + 1];
  size_t got = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], text, sizeof text, &got) != napi_ok) return usage(env, "pton(string)");
  unsigned char bytes[16];
  napi_value out;
  void *copy;
  if (inet_pton(AF_INET, text, bytes) == 1) napi_create_buffer_copy(env, 4, bytes, &copy, &out);
  else if (inet_pton(AF_INET6, text, bytes) == 1) napi_create_buffer_copy(env, 16, bytes, &copy, &out);
  else napi_get_null(env, &out);
  return out;
}

#define C(name) napi_set_named_property(env, k, #name, num(env, name))

static napi_value constants(napi_env env) {
  napi_value k;
  napi_create_object(env, &k);
  C(IPVS_GENL_VERSION);
  C(IPVS_CMD_NEW_SERVICE), C(IPVS_CMD_SET_SERVICE), C(IPVS_CMD_DEL_SERVICE), C(IPVS_CMD_GET_SERVICE);
  C(IPVS_CMD_NEW_DEST), C(IPVS_CMD_SET_DEST), C(IPVS_CMD_DEL_DEST), C(IPVS_CMD_GET_DEST);
  C(IPVS_CMD_ATTR_SERVICE), C(IPVS_CMD_ATTR_DEST);
  C(IPVS_CMD_NEW_DAEMON), C(IPVS_CMD_DEL_DAEMON), C(IPVS_CMD_GET_DAEMON), C(IPVS_CMD_ATTR_DAEMON), C(IP_VS_STATE_MASTER), C(IP_VS_STATE_BACKUP);
  C(IPVS_DAEMON_ATTR_STATE), C(IPVS_DAEMON_ATTR_MCAST_IFN), C(IPVS_DAEMON_ATTR_SYNC_ID), C(IPVS_DAEMON_ATTR_SYNC_MAXLEN);
  C(IPVS_DAEMON_ATTR_MCAST_GROUP), C(IPVS_DAEMON_ATTR_MCAST_GROUP6), C(IPVS_DAEMON_ATTR_MCAST_PORT), C(IPVS_DAEMON_ATTR_MCAST_TTL);
  C(IPVS_SVC_ATTR_AF), C(IPVS_SVC_ATTR_PROTOCOL), C(IPVS_SVC_ATTR_ADDR), C(IPVS_SVC_ATTR_PORT), C(IPVS_SVC_ATTR_FWMARK);
  C(IPVS_SVC_ATTR_SCHED_NAME), C(IPVS_SVC_ATTR_FLAGS), C(IPVS_SVC_ATTR_TIMEOUT), C(IPVS_SVC_ATTR_NETMASK), C(IPVS_SVC_ATTR_PE_NAME);
  C(IPVS_DEST_ATTR_ADDR), C(IPVS_DEST_ATTR_PORT), C(IPVS_DEST_ATTR_FWD_METHOD), C(IPVS_DEST_ATTR_WEIGHT), C(IPVS_DEST_ATTR_U_THRESH);
  C(IPVS_DEST_ATTR_L_THRESH), C(IPVS_DEST_ATTR_ADDR_FAMILY), C(IPVS_DEST_ATTR_TUN_TYPE), C(IPVS_DEST_ATTR_TUN_PORT), C(IPVS_DEST_ATTR_TUN_FLAGS);
  C(IP_VS_SVC_F_PERSISTENT), C(IP_VS_SVC_F_ONEPACKET), C(IP_VS_SVC_F_SCHED1), C(IP_VS_SVC_F_SCHED2), C(IP_VS_SVC_F_SCHED3);
  C(IP_VS_CONN_F_FWD_MASK), C(IP_VS_CONN_F_MASQ), C(IP_VS_CONN_F_TUNNEL), C(IP_VS_CONN_F_DROUTE);
  C(IP_VS_CONN_F_TUNNEL_TYPE_IPIP), C(IP_VS_CONN_F_TUNNEL_TYPE_GUE), C(IP_VS_CONN_F_TUNNEL_TYPE_GRE);
  C(IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM), C(IP_VS_TUNNEL_ENCAP_FLAG_CSUM), C(IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM);
  C(IP_VS_SCHEDNAME_MAXLEN), C(IP_VS_PENAME_MAXLEN);
  C(AF_INET), C(AF_INET6), C(IPPROTO_TCP), C(IPPROTO_UDP), C(IPPROTO_SCTP), C(GENL_HDRLEN), C(NLMSG_HDRLEN);
  return k;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"resolveFamily", NULL, js_resolve, NULL, NULL, NULL, napi_enumerable, NULL},
      {"exchange", NULL, js_exchange, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dump", NULL, js_dump, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ntop", NULL, js_ntop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pton", NULL, js_pton, NULL, NULL, NULL, napi_enumerable, NULL},
      {"constants", NULL, NULL, NULL, NULL, constants(env), napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
