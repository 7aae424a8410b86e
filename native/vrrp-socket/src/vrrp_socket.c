/*
 * Raw sockets for Vigil's VRRP: protocol 112 over IPv4 and IPv6, and an
 * AF_PACKET socket for gratuitous ARP / unsolicited NA frames.
 *
 * Why an addon: the raw-socket packages on npm read with recvfrom, so an IPv6
 * receiver cannot see the hop limit or the destination address (both come as
 * ancillary data), and none of them opens AF_PACKET. Everything that decides
 * anything stays in TypeScript; this file only moves bytes and sets options.
 *
 * Readiness comes from a uv_poll on the node event loop; each datagram is
 * handed to JS through napi_make_callback so promises settle as usual.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define IPPROTO_VRRP 112
#define MAX_READS_PER_WAKEUP 64
#define RECV_BUF 4096

typedef struct {
  int fd;
  int family; /* AF_INET, AF_INET6 or AF_PACKET */
  unsigned ifindex;
  int hdrincl;
  uv_poll_t *poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async_ctx;
} vsock_t;

static napi_value throw_errno(napi_env env, const char *syscall, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", syscall, strerror(err));
  napi_value m, e, n, s;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_error(env, NULL, m, &e);
  napi_create_int32(env, err, &n);
  napi_set_named_property(env, e, "errno", n);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, e, "syscall", s);
  napi_throw(env, e);
  return NULL;
}

static napi_value throw_msg(napi_env env, const char *msg) {
  napi_throw_error(env, "ERR_VRRP_SOCKET", msg);
  return NULL;
}

static int get_string(napi_env env, napi_value v, char *out, size_t len) {
  size_t got = 0;
  if (napi_get_value_string_utf8(env, v, out, len, &got) != napi_ok) return -1;
  return (int)got;
}

static void on_poll_closed(uv_handle_t *h) { free(h); }

static void stop_socket(vsock_t *s) {
  if (s->poll) {
    uv_poll_stop(s->poll);
    uv_close((uv_handle_t *)s->poll, on_poll_closed);
    s->poll = NULL;
  }
  if (s->fd >= 0) {
    close(s->fd);
    s->fd = -1;
  }
  if (s->callback) {
    napi_delete_reference(s->env, s->callback);
    s->callback = NULL;
  }
  if (s->async_ctx) {
    napi_async_destroy(s->env, s->async_ctx);
    s->async_ctx = NULL;
  }
}

static void finalize_socket(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  vsock_t *s = data;
  stop_socket(s);
  free(s);
}

static vsock_t *unwrap(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    throw_msg(env, "expected a socket handle");
    return NULL;
  }
  return p;
}

/* Hands one datagram to JS: (buffer, source, destination, ttlOrHopLimit, ifindex). */
static void deliver(vsock_t *s, const unsigned char *buf, size_t len, const char *src, const char *dst, int ttl,
                    unsigned ifindex) {
  napi_env env = s->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, recv, argv[5], result;
  napi_get_reference_value(env, s->callback, &cb);
  napi_get_global(env, &recv); // napi_make_callback needs an object receiver
  void *copy;
  napi_create_buffer_copy(env, len, buf, &copy, &argv[0]);
  napi_create_string_utf8(env, src, NAPI_AUTO_LENGTH, &argv[1]);
  napi_create_string_utf8(env, dst, NAPI_AUTO_LENGTH, &argv[2]);
  napi_create_int32(env, ttl, &argv[3]);
  napi_create_uint32(env, ifindex, &argv[4]);
  napi_status st = napi_make_callback(env, s->async_ctx, recv, cb, 5, argv, &result);
  if (st == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  vsock_t *s = h->data;
  if (status < 0 || !(events & UV_READABLE) || s == NULL) return;
  unsigned char buf[RECV_BUF];
  union {
    struct cmsghdr align;
    char raw[256];
  } cbuf;
  /* Bounded: a flood cannot starve the event loop (timers must still fire). */
  for (int i = 0; i < MAX_READS_PER_WAKEUP && s->fd >= 0; i++) {
    struct sockaddr_storage from;
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
    struct msghdr msg = {.msg_name = &from,
                         .msg_namelen = sizeof from,
                         .msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = cbuf.raw,
                         .msg_controllen = sizeof cbuf.raw};
    ssize_t n = recvmsg(s->fd, &msg, MSG_DONTWAIT);
    if (n < 0) return; /* EAGAIN or a transient error: wait for the next wakeup */
    char src[INET6_ADDRSTRLEN] = "", dst[INET6_ADDRSTRLEN] = "";
    int ttl = -1;
    unsigned ifindex = 0;
    if (from.ss_family == AF_INET) {
      inet_ntop(AF_INET, &((struct sockaddr_in *)&from)->sin_addr, src, sizeof src);
    } else if (from.ss_family == AF_INET6) {
      inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, src, sizeof src);
    }
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        struct in_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof pi);
        ifindex = (unsigned)pi.ipi_ifindex;
        inet_ntop(AF_INET, &pi.ipi_addr, dst, sizeof dst);
      } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
        memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        struct in6_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof pi);
        ifindex = pi.ipi6_ifindex;
        inet_ntop(AF_INET6, &pi.ipi6_addr, dst, sizeof dst);
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
        memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      }
    }
    deliver(s, buf, (size_t)n, src, dst, ttl, ifindex);
  }
}

static int setopt_int(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value);
}

/*
 * openVrrp(family 4|6, ifname, onPacket, hdrincl?) -> handle
 * One socket both sends and receives: it is bound to the device (so only that
 * link's adverts arrive) but never to an address, which for raw IPv4 would
 * also filter by destination and lose the multicast adverts.
 */
static napi_value open_vrrp(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) return throw_msg(env, "openVrrp(family, ifname, onPacket, hdrincl?)");
  int32_t fam = 0;
  napi_get_value_int32(env, argv[0], &fam);
  char ifname[IFNAMSIZ + 1];
  int iflen = get_string(env, argv[1], ifname, sizeof ifname);
  if (iflen <= 0 || iflen >= IFNAMSIZ) return throw_msg(env, "bad interface name");
  bool hdrincl = false;
  if (argc > 3) napi_get_value_bool(env, argv[3], &hdrincl);
  unsigned ifindex = if_nametoindex(ifname);
  if (ifindex == 0) return throw_errno(env, "if_nametoindex", errno);
  int family = fam == 6 ? AF_INET6 : AF_INET;
  int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_VRRP);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int rc = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)iflen);
  const char *failed = "SO_BINDTODEVICE";
  if (rc == 0 && family == AF_INET) {
    struct ip_mreqn mif = {.imr_ifindex = (int)ifindex};
    if ((rc = setopt_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, 255)) != 0) failed = "IP_MULTICAST_TTL";
    else if ((rc = setopt_int(fd, IPPROTO_IP, IP_TTL, 255)) != 0) failed = "IP_TTL";
    else if ((rc = setopt_int(fd, IPPROTO_IP, IP_TOS, 0xc0)) != 0) failed = "IP_TOS";
    else if ((rc = setopt_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0)) != 0) failed = "IP_MULTICAST_LOOP";
    else if ((rc = setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mif, sizeof mif)) != 0) failed = "IP_MULTICAST_IF";
    else if ((rc = setopt_int(fd, IPPROTO_IP, IP_PKTINFO, 1)) != 0) failed = "IP_PKTINFO";
    else if (hdrincl && (rc = setopt_int(fd, IPPROTO_IP, IP_HDRINCL, 1)) != 0) failed = "IP_HDRINCL";
  } else if (rc == 0) {
    if ((rc = setopt_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255)) != 0) failed = "IPV6_MULTICAST_HOPS";
    else if ((rc = setopt_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255)) != 0) failed = "IPV6_UNICAST_HOPS";
    else if ((rc = setopt_int(fd, IPPROTO_IPV6, IPV6_TCLASS, 0xc0)) != 0) failed = "IPV6_TCLASS";
    else if ((rc = setopt_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0)) != 0) failed = "IPV6_MULTICAST_LOOP";
    else if ((rc = setopt_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, (int)ifindex)) != 0) failed = "IPV6_MULTICAST_IF";
    else if ((rc = setopt_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)) != 0) failed = "IPV6_RECVHOPLIMIT";
    else if ((rc = setopt_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)) != 0) failed = "IPV6_RECVPKTINFO";
  }
  if (rc != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, failed, err);
  }
  vsock_t *s = calloc(1, sizeof *s);
  s->fd = fd;
  s->family = family;
  s->ifindex = ifindex;
  s->hdrincl = hdrincl;
  s->env = env;
  napi_create_reference(env, argv[2], 1, &s->callback);
  napi_value name;
  napi_create_string_utf8(env, "vrrp-socket", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &s->async_ctx);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  s->poll = malloc(sizeof *s->poll);
  uv_poll_init_socket(loop, s->poll, fd);
  s->poll->data = s;
  uv_poll_start(s->poll, UV_READABLE, on_readable);
  napi_value ext;
  napi_create_external(env, s, finalize_socket, NULL, &ext);
  return ext;
}

/* join(handle, group): IP_ADD_MEMBERSHIP / IPV6_ADD_MEMBERSHIP on the bound interface. */
static napi_value join(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  vsock_t *s = unwrap(env, argv[0]);
  if (!s) return NULL;
  char group[INET6_ADDRSTRLEN + 1];
  if (get_string(env, argv[1], group, sizeof group) <= 0) return throw_msg(env, "bad group");
  if (s->family == AF_INET) {
    struct ip_mreqn m = {.imr_ifindex = (int)s->ifindex};
    if (inet_pton(AF_INET, group, &m.imr_multiaddr) != 1) return throw_msg(env, "bad IPv4 group");
    if (setsockopt(s->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m) != 0)
      return throw_errno(env, "IP_ADD_MEMBERSHIP", errno);
  } else if (s->family == AF_INET6) {
    struct ipv6_mreq m = {.ipv6mr_interface = s->ifindex};
    if (inet_pton(AF_INET6, group, &m.ipv6mr_multiaddr) != 1) return throw_msg(env, "bad IPv6 group");
    if (setsockopt(s->fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m, sizeof m) != 0)
      return throw_errno(env, "IPV6_ADD_MEMBERSHIP", errno);
  } else
    return throw_msg(env, "not a VRRP socket");
  return NULL;
}

/*
 * send(handle, payload, dst, src, hopLimit): src "" lets the kernel choose;
 * hopLimit < 0 keeps 255 (tests pass other values to prove receivers drop them).
 */
static napi_value send_vrrp(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) return throw_msg(env, "send(handle, payload, dst, src, hopLimit?)");
  vsock_t *s = unwrap(env, argv[0]);
  if (!s) return NULL;
  if (s->fd < 0) return throw_msg(env, "socket closed");
  void *data;
  size_t len;
  if (napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) return throw_msg(env, "payload must be a Buffer");
  char dst[INET6_ADDRSTRLEN + 1], src[INET6_ADDRSTRLEN + 1];
  if (get_string(env, argv[2], dst, sizeof dst) <= 0) return throw_msg(env, "bad destination");
  int srclen = get_string(env, argv[3], src, sizeof src);
  int32_t hop = -1;
  if (argc > 4) napi_get_value_int32(env, argv[4], &hop);
  union {
    struct cmsghdr align;
    char raw[128];
  } cbuf;
  memset(&cbuf, 0, sizeof cbuf);
  struct iovec iov = {.iov_base = data, .iov_len = len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  size_t clen = 0;
  ssize_t n;
  if (s->family == AF_INET) {
    struct sockaddr_in to = {.sin_family = AF_INET};
    if (inet_pton(AF_INET, dst, &to.sin_addr) != 1) return throw_msg(env, "bad IPv4 destination");
    msg.msg_name = &to;
    msg.msg_namelen = sizeof to;
    if (srclen > 0 && !s->hdrincl) {
      msg.msg_control = cbuf.raw;
      msg.msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo));
      struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
      struct in_pktinfo pi = {.ipi_ifindex = (int)s->ifindex};
      if (inet_pton(AF_INET, src, &pi.ipi_spec_dst) != 1) return throw_msg(env, "bad IPv4 source");
      memcpy(CMSG_DATA(c), &pi, sizeof pi);
      clen = msg.msg_controllen;
    }
    n = sendmsg(s->fd, &msg, 0);
  } else if (s->family == AF_INET6) {
    struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_scope_id = s->ifindex};
    if (inet_pton(AF_INET6, dst, &to.sin6_addr) != 1) return throw_msg(env, "bad IPv6 destination");
    msg.msg_name = &to;
    msg.msg_namelen = sizeof to;
    msg.msg_control = cbuf.raw;
    msg.msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo)) + (hop >= 0 ? CMSG_SPACE(sizeof(int)) : 0);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
    struct in6_pktinfo pi = {.ipi6_ifindex = s->ifindex};
    if (srclen > 0 && inet_pton(AF_INET6, src, &pi.ipi6_addr) != 1) return throw_msg(env, "bad IPv6 source");
    memcpy(CMSG_DATA(c), &pi, sizeof pi);
    if (hop >= 0) {
      c = CMSG_NXTHDR(&msg, c);
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_HOPLIMIT;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(c), &hop, sizeof hop);
    }
    clen = msg.msg_controllen;
    n = sendmsg(s->fd, &msg, 0);
  } else
    return throw_msg(env, "not a VRRP socket");
  (void)clen;
  if (n < 0) return throw_errno(env, "sendmsg", errno);
  return NULL;
}

/* openPacket(ifname) -> handle: AF_PACKET with protocol 0 sends frames and never receives. */
static napi_value open_packet(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char ifname[IFNAMSIZ + 1];
  int iflen = get_string(env, argv[0], ifname, sizeof ifname);
  if (iflen <= 0 || iflen >= IFNAMSIZ) return throw_msg(env, "bad interface name");
  unsigned ifindex = if_nametoindex(ifname);
  if (ifindex == 0) return throw_errno(env, "if_nametoindex", errno);
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket(AF_PACKET)", errno);
  vsock_t *s = calloc(1, sizeof *s);
  s->fd = fd;
  s->family = AF_PACKET;
  s->ifindex = ifindex;
  s->env = env;
  napi_value ext;
  napi_create_external(env, s, finalize_socket, NULL, &ext);
  return ext;
}

/* sendFrame(handle, frame): a whole Ethernet frame, header included. */
static napi_value send_frame(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  vsock_t *s = unwrap(env, argv[0]);
  if (!s) return NULL;
  if (s->family != AF_PACKET || s->fd < 0) return throw_msg(env, "not an open packet socket");
  unsigned char *data;
  size_t len;
  if (napi_get_buffer_info(env, argv[1], (void **)&data, &len) != napi_ok || len < ETH_HLEN)
    return throw_msg(env, "frame must be a Buffer of at least 14 bytes");
  struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = (int)s->ifindex, .sll_halen = ETH_ALEN};
  memcpy(to.sll_addr, data, ETH_ALEN);
  memcpy(&to.sll_protocol, data + 12, 2);
  if (sendto(s->fd, data, len, 0, (struct sockaddr *)&to, sizeof to) < 0) return throw_errno(env, "sendto(AF_PACKET)", errno);
  return NULL;
}

static napi_value close_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  vsock_t *s = unwrap(env, argv[0]);
  if (s) stop_socket(s);
  return NULL;
}

static napi_value if_index(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char ifname[IFNAMSIZ + 1];
  if (get_string(env, argv[0], ifname, sizeof ifname) <= 0) return throw_msg(env, "bad interface name");
  napi_create_uint32(env, if_nametoindex(ifname), &out);
  return out;
}


/* Appends one rtattr to a netlink request; returns -1 when it would overflow. */
static int add_attr(struct nlmsghdr *n, size_t cap, unsigned short type, const void *data, size_t len) {
  size_t at = NLMSG_ALIGN(n->nlmsg_len);
  size_t need = RTA_SPACE(len);
  if (at + need > cap) return -1;
  struct rtattr *rta = (struct rtattr *)((char *)n + at);
  rta->rta_type = type;
  rta->rta_len = (unsigned short)RTA_LENGTH(len);
  memcpy(RTA_DATA(rta), data, len);
  n->nlmsg_len = (unsigned)(at + need);
  return 0;
}

/*
 * address(add, family, ifname, address, prefixLength, label, scope, broadcast, nodad) -> 0 or -errno
 * One RTM_NEWADDR / RTM_DELADDR over rtnetlink, answered before it returns:
 * a spawned `ip` costs milliseconds, and while a new master adds the address
 * the old one must already be removing it (keepalived uses netlink too).
 */
static napi_value address_change(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 9) return throw_msg(env, "address(add, family, ifname, address, prefixLength, label, scope, broadcast, nodad)");
  bool add = false, nodad = false;
  int32_t fam = 0, prefix = 0, scope = 0;
  napi_get_value_bool(env, argv[0], &add);
  napi_get_value_int32(env, argv[1], &fam);
  char ifname[IFNAMSIZ + 1], addr[INET6_ADDRSTRLEN + 1], label[IFNAMSIZ + 1], brd[INET_ADDRSTRLEN + 1];
  if (get_string(env, argv[2], ifname, sizeof ifname) <= 0) return throw_msg(env, "bad interface name");
  if (get_string(env, argv[3], addr, sizeof addr) <= 0) return throw_msg(env, "bad address");
  napi_get_value_int32(env, argv[4], &prefix);
  int labellen = get_string(env, argv[5], label, sizeof label);
  napi_get_value_int32(env, argv[6], &scope);
  int brdlen = get_string(env, argv[7], brd, sizeof brd);
  napi_get_value_bool(env, argv[8], &nodad);
  unsigned ifindex = if_nametoindex(ifname);
  napi_value out;
  if (ifindex == 0) {
    napi_create_int32(env, -errno, &out);
    return out;
  }
  int family = fam == 6 ? AF_INET6 : AF_INET;
  unsigned char bin[16];
  if (inet_pton(family, addr, bin) != 1) return throw_msg(env, "bad address");
  size_t alen = family == AF_INET ? 4 : 16;
  struct {
    struct nlmsghdr n;
    struct ifaddrmsg ifa;
    char attrs[256];
  } req;
  memset(&req, 0, sizeof req);
  req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
  req.n.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
  req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
  req.n.nlmsg_seq = 1;
  req.ifa.ifa_family = (unsigned char)family;
  req.ifa.ifa_prefixlen = (unsigned char)prefix;
  req.ifa.ifa_scope = (unsigned char)scope;
  req.ifa.ifa_index = ifindex;
  if (nodad) req.ifa.ifa_flags |= IFA_F_NODAD;
  add_attr(&req.n, sizeof req, IFA_LOCAL, bin, alen);
  add_attr(&req.n, sizeof req, IFA_ADDRESS, bin, alen);
  if (family == AF_INET && labellen > 0) add_attr(&req.n, sizeof req, IFA_LABEL, label, (size_t)labellen + 1);
  if (family == AF_INET && brdlen > 0) {
    unsigned char b4[4];
    if (inet_pton(AF_INET, brd, b4) == 1) add_attr(&req.n, sizeof req, IFA_BROADCAST, b4, 4);
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return throw_errno(env, "socket(AF_NETLINK)", errno);
  /* The kernel answers at once; the timeout only guards against the impossible. */
  struct timeval tv = {.tv_sec = 5, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  int result = 0;
  if (sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
    result = -errno;
  } else {
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) result = -errno;
    else {
      struct nlmsghdr *h = (struct nlmsghdr *)buf;
      if (NLMSG_OK(h, (unsigned)n) && h->nlmsg_type == NLMSG_ERROR) result = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
      else result = -EPROTO;
    }
  }
  close(fd);
  napi_create_int32(env, result, &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"openVrrp", NULL, open_vrrp, NULL, NULL, NULL, napi_default, NULL},
      {"join", NULL, join, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, send_vrrp, NULL, NULL, NULL, napi_default, NULL},
      {"openPacket", NULL, open_packet, NULL, NULL, NULL, napi_default, NULL},
      {"sendFrame", NULL, send_frame, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_socket, NULL, NULL, NULL, napi_default, NULL},
      {"ifIndex", NULL, if_index, NULL, NULL, NULL, napi_default, NULL},
      {"address", NULL, address_change, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
