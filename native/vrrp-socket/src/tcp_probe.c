/*
 * TCP_CHECK's connect, without a net.Socket: non-blocking connect() on an
 * epoll set of our own, whose fd sits on Node's event loop as one uv_poll.
 * When connects finish, every completion in the set is collected (SO_ERROR,
 * then close) and handed to JavaScript in one call as an Int32Array of
 * (fd, errno) pairs. A TCP_CHECK only needs to know whether the handshake
 * completed, so the socket is closed here at once; no stream, no buffers, no
 * per-connection JavaScript objects. Deadlines and aborts stay in JavaScript
 * (shim/ports/node-tcp-probe.ts), which calls cancel().
 *
 * Exports: open(callback) -> probe, connect(probe, host, port) -> fd > 0
 * pending | 0 connected at once (already closed) | -errno, cancel(probe, fd),
 * close(probe). Linux only (epoll); the caller falls back to node:net.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define BATCH 256
/* Drain rounds per wake-up: bounded, so a flood of completions cannot starve the loop. */
#define MAX_ROUNDS 8

typedef struct {
  int epfd;
  uv_poll_t *poll;
  napi_env env;
  napi_ref callback;
  int closed;
} probe_t;

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "tcp_probe: N-API call failed");   \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static void on_poll_closed(uv_handle_t *h) { free(h); }

static void shut(probe_t *p) {
  if (p->closed) return;
  p->closed = 1;
  uv_poll_stop(p->poll);
  uv_close((uv_handle_t *)p->poll, on_poll_closed);
  close(p->epfd);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  probe_t *p = data;
  shut(p);
  if (p->callback) napi_delete_reference(env, p->callback);
  free(p);
}

static void on_ready(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  probe_t *p = h->data;
  if (p->closed) return;
  napi_env env = p->env;
  struct epoll_event ev[BATCH];
  int32_t out[2 * BATCH * MAX_ROUNDS];
  int n = 0;
  for (int round = 0; round < MAX_ROUNDS; round++) {
    int got = epoll_wait(p->epfd, ev, BATCH, 0);
    if (got <= 0) break;
    for (int i = 0; i < got; i++) {
      int fd = ev[i].data.fd;
      int err = 0;
      socklen_t len = sizeof err;
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
      /* close() also drops it from the epoll set; no epoll_ctl(DEL) needed. */
      close(fd);
      out[n++] = fd;
      out[n++] = err;
    }
    if (got < BATCH) break;
  }
  if (n == 0) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value ab, arr, cb, global, argv[1], res;
  void *data;
  if (napi_create_arraybuffer(env, n * sizeof(int32_t), &data, &ab) == napi_ok &&
      napi_create_typedarray(env, napi_int32_array, n, ab, 0, &arr) == napi_ok &&
      napi_get_reference_value(env, p->callback, &cb) == napi_ok && napi_get_global(env, &global) == napi_ok) {
    memcpy(data, out, n * sizeof(int32_t));
    argv[0] = arr;
    /* A callback from the loop: make_callback runs the microtask queue after it, as any libuv callback into JS must. */
    napi_async_context ctx = NULL;
    napi_value name;
    napi_create_string_utf8(env, "tcp_probe", NAPI_AUTO_LENGTH, &name);
    napi_async_init(env, NULL, name, &ctx);
    napi_callback_scope cscope;
    napi_value resource;
    napi_create_object(env, &resource);
    if (napi_open_callback_scope(env, resource, ctx, &cscope) == napi_ok) {
      napi_call_function(env, global, cb, 1, argv, &res);
      napi_close_callback_scope(env, cscope);
    }
    napi_async_destroy(env, ctx);
  }
  napi_close_handle_scope(env, scope);
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], ext;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  probe_t *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->env = env;
  p->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (p->epfd < 0) {
    free(p);
    napi_throw_error(env, NULL, "tcp_probe: epoll_create1 failed");
    return NULL;
  }
  p->poll = calloc(1, sizeof *p->poll);
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  uv_poll_init(loop, p->poll, p->epfd);
  p->poll->data = p;
  uv_poll_start(p->poll, UV_READABLE, on_ready);
  /* Pending connects keep the process alive through their JavaScript deadline timers, not through this handle. */
  uv_unref((uv_handle_t *)p->poll);
  CHECK(napi_create_reference(env, argv[0], 1, &p->callback));
  CHECK(napi_create_external(env, p, finalize, NULL, &ext));
  return ext;
}

static probe_t *probe_of(napi_env env, napi_value v) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok) return NULL;
  return data;
}

static napi_value int_value(napi_env env, int v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

static napi_value js_connect(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  probe_t *p = probe_of(env, argv[0]);
  if (!p || p->closed) return int_value(env, -EBADF);
  char host[64];
  size_t hl = 0;
  if (napi_get_value_string_utf8(env, argv[1], host, sizeof host, &hl) != napi_ok || hl >= sizeof host - 1) return int_value(env, -EINVAL);
  int32_t port;
  CHECK(napi_get_value_int32(env, argv[2], &port));
  if (port < 0 || port > 65535) return int_value(env, -EINVAL);
  struct sockaddr_storage ss;
  socklen_t sl;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    sl = sizeof *a4;
  } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    sl = sizeof *a6;
  } else {
    /* Not a literal address (a name, a scoped IPv6): the caller takes the node:net path. */
    return int_value(env, -EINVAL);
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return int_value(env, -errno);
  if (connect(fd, (struct sockaddr *)&ss, sl) == 0) {
    close(fd);
    return int_value(env, 0);
  }
  if (errno != EINPROGRESS) {
    int e = errno;
    close(fd);
    return int_value(env, -e);
  }
  struct epoll_event ev = {.events = EPOLLOUT | EPOLLONESHOT, .data = {.fd = fd}};
  if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    int e = errno;
    close(fd);
    return int_value(env, -e);
  }
  return int_value(env, fd);
}

/* A deadline or an abort: the connect is abandoned, its fd closed (and so gone from the set). */
static napi_value js_cancel(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  probe_t *p = probe_of(env, argv[0]);
  int32_t fd;
  CHECK(napi_get_value_int32(env, argv[1], &fd));
  if (p && !p->closed && fd > 0) close(fd);
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  probe_t *p = probe_of(env, argv[0]);
  if (p) shut(p);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor d[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"connect", NULL, js_connect, NULL, NULL, NULL, napi_default, NULL},
      {"cancel", NULL, js_cancel, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
