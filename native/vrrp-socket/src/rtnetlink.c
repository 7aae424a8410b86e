/*
 * A small generic rtnetlink request: the shim's virtual routes and rules
 * (RTM_NEWROUTE/RTM_DELROUTE/RTM_NEWRULE/RTM_DELRULE) built in TypeScript
 * (shim/vrrp/rtnetlink-routes.ts) and sent here as ready-made messages.
 *
 * Split of work: TypeScript owns every byte after the netlink header and the
 * header's type and flags; this file opens a NETLINK_ROUTE socket, sets length,
 * sequence, NLM_F_REQUEST and NLM_F_ACK, sends the batch, and reports each
 * message's ACK errno. Nothing here decides what a route means.
 *
 * Synchronous: the kernel handles route and rule messages inline in sendmsg,
 * and SO_RCVTIMEO bounds every wait by the caller's deadline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/netlink.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#define RECV_BUF (64 * 1024)
/* A VRRP instance carries a handful of routes; this bounds one call's work. */
#define MAX_MSGS 4096

static napi_value num(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

static napi_value fail(napi_env env, const char *syscall, int err) {
  napi_value out, s;
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "errno", num(env, err));
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, out, "syscall", s);
  return out;
}

static napi_value usage(napi_env env, const char *msg) {
  napi_throw_error(env, "ERR_RTNETLINK_USAGE", msg);
  return NULL;
}

static uint32_t next_seq = 1;

/*
 * request(msgs: Buffer[], errs: Int32Array, timeoutMs) -> null | {errno, syscall}
 * errs[i] becomes 0 (acked) or the kernel's errno for message i; a message
 * never acknowledged before the deadline stays -1.
 */
static napi_value js_request(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t n;
  void *errs_data;
  size_t errs_len;
  napi_typedarray_type tt;
  int32_t timeout_ms;
  if (argc < 3 || napi_get_array_length(env, argv[0], &n) != napi_ok ||
      napi_get_typedarray_info(env, argv[1], &tt, &errs_len, &errs_data, NULL, NULL) != napi_ok || tt != napi_int32_array || errs_len < n ||
      napi_get_value_int32(env, argv[2], &timeout_ms) != napi_ok || timeout_ms <= 0 || n > MAX_MSGS)
    return usage(env, "request(msgs: Buffer[] (at most 4096), errs: Int32Array, timeoutMs > 0)");
  int32_t *errs = errs_data;
  for (uint32_t i = 0; i < n; i++) errs[i] = -1;
  napi_value nul;
  napi_get_null(env, &nul);
  if (n == 0) return nul;

  struct iovec *iov = calloc(n, sizeof *iov);
  uint32_t base = next_seq;
  next_seq += n;
  for (uint32_t k = 0; k < n; k++) {
    napi_value b;
    void *data;
    size_t len;
    napi_get_element(env, argv[0], k, &b);
    if (napi_get_buffer_info(env, b, &data, &len) != napi_ok || len < NLMSG_HDRLEN || len > 65535) {
      free(iov);
      return usage(env, "request: every message must be a Buffer holding a whole netlink message");
    }
    struct nlmsghdr *h = data;
    h->nlmsg_len = (uint32_t)len;
    h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    h->nlmsg_seq = base + k;
    h->nlmsg_pid = 0;
    iov[k].iov_base = data;
    iov[k].iov_len = NLMSG_ALIGN(len);
  }

  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    free(iov);
    return fail(env, "socket", errno);
  }
  napi_value result = NULL;
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
  int one = 1;
  int big = 1 << 20;
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) result = fail(env, "bind", errno);
  if (!result) {
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) != 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    /* ACKs without a copy of the request. */
    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    struct sockaddr_nl to = {.nl_family = AF_NETLINK};
    struct msghdr mh = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = iov, .msg_iovlen = n};
    if (sendmsg(fd, &mh, 0) < 0) result = fail(env, "sendmsg", errno);
  }
  char *buf = result ? NULL : malloc(RECV_BUF);
  uint32_t acked = 0;
  while (!result && acked < n) {
    ssize_t got = recv(fd, buf, RECV_BUF, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      result = fail(env, "recv", errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno);
      break;
    }
    int len = (int)got;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq - base >= n) continue;
      struct nlmsgerr *e = NLMSG_DATA(h);
      int32_t *slot = &errs[h->nlmsg_seq - base];
      if (*slot == -1) acked++;
      *slot = -e->error;
    }
  }
  free(buf);
  free(iov);
  close(fd);
  return result ? result : nul;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"request", NULL, js_request, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
