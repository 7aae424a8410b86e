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
 *
 * watch(onDeleted) subscribes to the route and rule multicast groups and hands
 * each RTM_DELROUTE / RTM_DELRULE message (header included) to JS, readiness
 * from a uv_poll on the loop of the thread that called it (the VRRP thread),
 * as keepalived tracks its virtual routes and rules.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <node_api.h>
#include "napi_result.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uv.h>

#define RECV_BUF (64 * 1024)
/* A VRRP instance carries a handful of routes; this bounds one call's work. */
#define MAX_MSGS 4096

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

typedef struct {
  int fd;
  uv_poll_t *poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async_ctx;
  char *buf;
} watch_t;

#define MAX_READS_PER_WAKEUP 64

static void on_poll_closed(uv_handle_t *h) { free(h); }

static void stop_watch(watch_t *w) {
  if (w->poll) {
    uv_poll_stop(w->poll);
    uv_close((uv_handle_t *)w->poll, on_poll_closed);
    w->poll = NULL;
  }
  if (w->fd >= 0) close(w->fd);
  w->fd = -1;
  if (w->callback) napi_delete_reference(w->env, w->callback);
  w->callback = NULL;
  if (w->async_ctx) napi_async_destroy(w->env, w->async_ctx);
  w->async_ctx = NULL;
}

static void finalize_watch(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  watch_t *w = data;
  stop_watch(w);
  free(w->buf);
  free(w);
}

static void deliver(watch_t *w, const void *msg, size_t len) {
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, recv, arg, result;
  void *copy;
  napi_get_reference_value(env, w->callback, &cb);
  napi_get_global(env, &recv);
  napi_create_buffer_copy(env, len, msg, &copy, &arg);
  if (napi_make_callback(env, w->async_ctx, recv, cb, 1, &arg, &result) == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  watch_t *w = h->data;
  if (status < 0 || !(events & UV_READABLE) || w == NULL) return;
  char *buf = w->buf;
  /* Bounded per wakeup: a burst of route changes cannot starve the VRRP timers. */
  for (int i = 0; i < MAX_READS_PER_WAKEUP && w->fd >= 0 && w->callback; i++) {
    ssize_t n = recv(w->fd, buf, RECV_BUF, MSG_DONTWAIT);
    if (n <= 0) return; /* EAGAIN, or ENOBUFS after an overrun: later deletions still arrive */
    int len = (int)n;
    for (struct nlmsghdr *m = (struct nlmsghdr *)buf; NLMSG_OK(m, len) && w->callback; m = NLMSG_NEXT(m, len)) {
      if (m->nlmsg_type == RTM_DELROUTE || m->nlmsg_type == RTM_DELRULE) deliver(w, m, m->nlmsg_len);
    }
  }
}

/* watch(onDeleted: (msg: Buffer) => void) -> handle | {errno, syscall} */
static napi_value js_watch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_valuetype t;
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_function) return usage(env, "watch(onDeleted)");
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return fail(env, "socket", errno);
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
                           .nl_groups = RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | (1u << (RTNLGRP_IPV4_RULE - 1)) | (1u << (RTNLGRP_IPV6_RULE - 1))};
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    int e = errno;
    close(fd);
    return fail(env, "bind", e);
  }
  watch_t *w = calloc(1, sizeof *w);
  w->fd = fd;
  w->env = env;
  w->buf = malloc(RECV_BUF);
  napi_create_reference(env, argv[0], 1, &w->callback);
  napi_value name;
  napi_create_string_utf8(env, "rtnetlink-watch", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->async_ctx);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  w->poll = malloc(sizeof *w->poll);
  uv_poll_init_socket(loop, w->poll, fd);
  w->poll->data = w;
  uv_poll_start(w->poll, UV_READABLE, on_readable);
  napi_value ext;
  napi_create_external(env, w, finalize_watch, NULL, &ext);
  return ext;
}

/* unwatch(handle): stops delivering; the socket closes now, the handle's memory at collection. */
static napi_value js_unwatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *p = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &p) != napi_ok || p == NULL) return usage(env, "unwatch(handle)");
  stop_watch(p);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"request", NULL, js_request, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watch", NULL, js_watch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unwatch", NULL, js_unwatch, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
