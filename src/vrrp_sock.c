/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vrrp_sock.c - raw IP protocol 112 sockets for VRRP adverts.
 * The kernel builds the IP header on send (we choose source, interface and
 * TTL/hop limit through socket options and ancillary data); on receive an
 * IPv4 raw socket hands us the IP header, an IPv6 one does not, so the
 * hop limit and destination come from ancillary data instead. */
#include "vrrp_sock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <linux/filter.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "clock.h"
#include "log.h"
#include "rx_filter.h"
#include "xalloc.h"

/* Bounds the work per wakeup so a flood cannot starve the other sockets
 * (with the pause below, the rate a socket can take: 256 per ms). */
#define RX_MAX_PER_WAKEUP 256
/* Flood damping: a socket that becomes readable again less than
 * RX_PAUSE_US after a wakeup that emptied its queue is left alone until
 * RX_PAUSE_US have passed. Under a flood the loop then wakes about once
 * per RX_PAUSE_US and reads what queued meanwhile in full batches, instead
 * of waking for every few datagrams (a wakeup costs more than reading a
 * datagram). Normal VRRP traffic wakes the loop once per advert (or per
 * burst of them) and never waits; a pause delays the reading of an advert
 * by less than RX_PAUSE_US, a tenth of the shortest interval (10 ms). The
 * queue holds hundreds of datagrams, so nothing is lost meanwhile at the
 * rates a host can send. */
#define RX_PAUSE_US 1000
/* One recvmmsg takes up to RX_BATCH datagrams: one system call per wakeup
 * (no second read that only says EAGAIN). A buffer holds any valid VRRP
 * message (IPv6, 255 addresses: 4088 bytes; IPv4 with its header: at most
 * 1088); a longer datagram is cut there and then fails the length check
 * (and is counted) as it would whole. The buffers are shared by every
 * socket: they are all read on the loop thread, and each datagram is
 * handled before the next read. */
#define RX_BATCH 8
#define RX_BUF_LEN 4160
#define RCVBUF_BYTES (256 * 1024)
#define VRRP_DSCP_CS6 0xc0 /* TOS / traffic class byte */

struct vrrp_sock {
	struct loop *loop;
	int fd;
	int ifindex;
	sa_family_t family;
	char ifname[IF_NAMESIZE];
	vrrp_rx_fn on_rx;
	void *arg;
	bool tx_only;     /* vrrp_sock_open_tx: not on the loop */
	bool in_dispatch; /* on_rx may close the socket: free after the reads */
	bool closed;
	bool paused;      /* muted on the loop until resume fires (RX_PAUSE_US) */
	bool drained;     /* the last wakeup emptied the queue */
	uint64_t last_wake_us;
	struct loop_timer resume;
	bool filtered;    /* an rx_filter program is attached */
	struct rx_filter_set filter; /* ...built from this set */
	uint64_t cut;     /* datagrams the filter cut (rx_filter.h) */
	uint32_t overflows; /* the kernel's count of datagrams the full queue lost */
	unsigned long long last_err_ms;
	unsigned long long last_bad_ms;
	unsigned long long last_tx_err_ms;
};

/* The receive batch (see RX_BATCH). */
union rx_control {
	struct cmsghdr align;
	uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) +
		    CMSG_SPACE(sizeof(struct in_pktinfo)) + CMSG_SPACE(sizeof(uint32_t))];
};
static struct {
	uint8_t buf[RX_BATCH][RX_BUF_LEN];
	struct mmsghdr msgs[RX_BATCH];
	struct iovec iov[RX_BATCH];
	struct sockaddr_storage from[RX_BATCH];
	union rx_control control[RX_BATCH];
} rxb;

/* A master's due adverts, queued by the timers of one pass of the loop
 * and sent at its end, one sendmmsg per socket. A message longer than
 * TX_MSG_MAX (an advert with dozens of addresses) is sent at once. */
#define TX_QUEUE_MAX 64
#define TX_MSG_MAX 256

struct tx_item {
	struct vrrp_sock *s;
	struct ip_addr src, dst;
	size_t len;
	vrrp_sent_fn done;
	void *arg;
	uint8_t msg[TX_MSG_MAX];
};

static struct {
	struct tx_item item[TX_QUEUE_MAX];
	size_t len;
} txq;

static void tx_flush_hook(void *arg)
{
	(void)arg;
	vrrp_tx_flush();
}

/* setsockopt that logs; returns 0 or -errno. */
static int sockopt(struct vrrp_sock *s, int level, int name, const char *what,
		   const void *val, socklen_t len)
{
	if (setsockopt(s->fd, level, name, val, len) == 0)
		return 0;
	int err = errno;
	log_err("vrrp: %s on %s: %s", what, s->ifname, strerror(err));
	return -err;
}

static int sockopt_int(struct vrrp_sock *s, int level, int name, const char *what, int v)
{
	return sockopt(s, level, name, what, &v, sizeof(v));
}

static int setup_common(struct vrrp_sock *s)
{
	int err = sockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "SO_BINDTODEVICE",
			  s->ifname, (socklen_t)strlen(s->ifname) + 1);
	if (err)
		return err;
	/* Not fatal: the default buffer works, only bursts suffer. */
	int rcvbuf = RCVBUF_BYTES;
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		log_warn("vrrp: SO_RCVBUF on %s: %s", s->ifname, strerror(errno));
	/* Each datagram tells how many the full queue lost so far: a flood
	 * that outruns us is counted too (vrrp_sock_overflows). */
	int on = 1;
	if (setsockopt(s->fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on)) < 0)
		log_warn("vrrp: SO_RXQ_OVFL on %s: %s", s->ifname, strerror(errno));
	return 0;
}

/* What sending needs: interface, TTL 255, CS6, no loopback. */
static int setup_tx_v4(struct vrrp_sock *s)
{
	struct ip_mreqn mif = { .imr_ifindex = s->ifindex };
	int err;

	if ((err = sockopt(s, IPPROTO_IP, IP_MULTICAST_IF, "IP_MULTICAST_IF",
			   &mif, sizeof(mif))) ||
	    (err = sockopt_int(s, IPPROTO_IP, IP_MULTICAST_TTL, "IP_MULTICAST_TTL", VRRP_TTL)) ||
	    (err = sockopt_int(s, IPPROTO_IP, IP_TTL, "IP_TTL", VRRP_TTL)) ||
	    /* Network control (CS6), as routers and keepalived mark VRRP. */
	    (err = sockopt_int(s, IPPROTO_IP, IP_TOS, "IP_TOS", VRRP_DSCP_CS6)) ||
	    (err = sockopt_int(s, IPPROTO_IP, IP_MULTICAST_LOOP, "IP_MULTICAST_LOOP", 0)))
		return err;
	return 0;
}

static int setup_v4(struct vrrp_sock *s)
{
	struct ip_mreqn mreq = { .imr_ifindex = s->ifindex };
	int err;

	inet_pton(AF_INET, VRRP_MCAST4, &mreq.imr_multiaddr);
	if ((err = setup_tx_v4(s)) ||
	    /* Only the groups joined on this socket, not every group the
	     * host joined on any interface. */
	    (err = sockopt_int(s, IPPROTO_IP, IP_MULTICAST_ALL, "IP_MULTICAST_ALL", 0)) ||
	    (err = sockopt(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, "join " VRRP_MCAST4,
			   &mreq, sizeof(mreq))) ||
	    (err = sockopt_int(s, IPPROTO_IP, IP_PKTINFO, "IP_PKTINFO", 1)))
		return err;
	return 0;
}

static int setup_tx_v6(struct vrrp_sock *s)
{
	int err;

	/* No IPV6_CHECKSUM: the codec computes the VRRP checksum itself. */
	if ((err = sockopt_int(s, IPPROTO_IPV6, IPV6_MULTICAST_IF, "IPV6_MULTICAST_IF",
			       s->ifindex)) ||
	    (err = sockopt_int(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, "IPV6_MULTICAST_HOPS",
			       VRRP_TTL)) ||
	    (err = sockopt_int(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, "IPV6_UNICAST_HOPS",
			       VRRP_TTL)) ||
	    (err = sockopt_int(s, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, "IPV6_MULTICAST_LOOP", 0)) ||
	    (err = sockopt_int(s, IPPROTO_IPV6, IPV6_TCLASS, "IPV6_TCLASS", VRRP_DSCP_CS6)))
		return err;
	return 0;
}

static int setup_v6(struct vrrp_sock *s)
{
	struct ipv6_mreq mreq = { .ipv6mr_interface = (unsigned)s->ifindex };
	int err;

	inet_pton(AF_INET6, VRRP_MCAST6, &mreq.ipv6mr_multiaddr);
	if ((err = setup_tx_v6(s)) ||
	    (err = sockopt(s, IPPROTO_IPV6, IPV6_JOIN_GROUP, "join " VRRP_MCAST6,
			   &mreq, sizeof(mreq))) ||
	    (err = sockopt_int(s, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, "IPV6_RECVHOPLIMIT", 1)) ||
	    (err = sockopt_int(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, "IPV6_RECVPKTINFO", 1)))
		return err;
	/* Linux >= 4.20; older kernels deliver other sockets' groups too,
	 * which the VRID and address checks then discard. */
	int off = 0;
	if (setsockopt(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &off, sizeof(off)) < 0)
		log_warn("vrrp: IPV6_MULTICAST_ALL on %s: %s", s->ifname, strerror(errno));
	return 0;
}

/* ---- receive ------------------------------------------------------- */

/* Validate the IPv4 header the kernel hands a raw socket and point rx at
 * the payload. Returns false for anything malformed. cut: the datagram
 * may be shorter than its header says (our buffer's end, or the socket
 * filter's cut). */
static bool parse_v4(const uint8_t *buf, size_t n, bool cut, struct vrrp_rx *rx)
{
	struct iphdr ip;

	if (n < sizeof(ip))
		return false;
	memcpy(&ip, buf, sizeof(ip)); /* buf may be unaligned for iphdr */
	size_t hlen = (size_t)ip.ihl * 4;
	size_t total = ntohs(ip.tot_len); /* Linux leaves it in network order */
	if (cut && total > n)
		total = n; /* what arrived of a datagram cut at the buffer's end */
	if (ip.version != 4 || hlen < sizeof(ip) || total < hlen || total > n ||
	    ip.protocol != VRRP_PROTO)
		return false;
	rx->ttl = ip.ttl;
	ip_addr_from_in(&rx->src, (struct in_addr){ .s_addr = ip.saddr });
	ip_addr_from_in(&rx->dst, (struct in_addr){ .s_addr = ip.daddr });
	rx->data = buf + hlen;
	rx->len = total - hlen;
	return true;
}

/* The kernel's running count of datagrams lost to a full queue. */
static void cmsg_overflow(struct vrrp_sock *s, struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL)
			memcpy(&s->overflows, CMSG_DATA(c), sizeof(s->overflows));
	}
}

static void cmsgs_v4(struct msghdr *msg, struct vrrp_rx *rx)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			/* The header's destination: same as ip.daddr. */
			ip_addr_from_in(&rx->dst, pi.ipi_addr);
		}
	}
}

static void cmsgs_v6(struct msghdr *msg, struct vrrp_rx *rx)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_HOPLIMIT) {
			int hops;
			memcpy(&hops, CMSG_DATA(c), sizeof(hops));
			rx->ttl = hops;
		} else if (c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			ip_addr_from_in6(&rx->dst, &pi.ipi6_addr);
		}
	}
}

/* Turn one received datagram (n bytes of buf) into rx; false if it is to
 * be ignored. */
static bool datagram_to_rx(struct vrrp_sock *s, struct msghdr *msg, const uint8_t *buf,
			   size_t n, struct vrrp_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
	rx->family = s->family;
	rx->ttl = -1; /* stays -1 if no hop limit arrives: vrrp_decode drops it */
	if (s->family == AF_INET) {
		if (!parse_v4(buf, n, s->filtered || (msg->msg_flags & MSG_TRUNC) != 0, rx))
			return false;
		cmsgs_v4(msg, rx);
	} else {
		const struct sockaddr_in6 *sin6 = msg->msg_name;
		if (msg->msg_namelen < sizeof(*sin6) || sin6->sin6_family != AF_INET6)
			return false;
		ip_addr_from_in6(&rx->src, &sin6->sin6_addr);
		rx->data = buf;
		rx->len = n;
		cmsgs_v6(msg, rx);
	}
	/* With the filter on, a 3-byte message is only ever its cut. */
	rx->cut = s->filtered && rx->len == RX_FILTER_CUT_LEN;
	return true;
}

/* Set up the batch's headers for one recvmmsg. */
static void rx_batch_prepare(void)
{
	for (int i = 0; i < RX_BATCH; i++) {
		struct msghdr *m = &rxb.msgs[i].msg_hdr;

		rxb.iov[i].iov_base = rxb.buf[i];
		rxb.iov[i].iov_len = sizeof(rxb.buf[i]);
		*m = (struct msghdr){ .msg_name = &rxb.from[i], .msg_namelen = sizeof(rxb.from[i]),
				      .msg_iov = &rxb.iov[i], .msg_iovlen = 1,
				      .msg_control = rxb.control[i].buf,
				      .msg_controllen = sizeof(rxb.control[i].buf) };
	}
}

/* A cut datagram is handed on as far as it came, so it fails the length
 * check and is counted as any bad datagram is; it cannot be a valid
 * advert. */
static void handle_one(struct vrrp_sock *s, int i)
{
	struct msghdr *m = &rxb.msgs[i].msg_hdr;
	size_t n = rxb.msgs[i].msg_len;
	struct vrrp_rx rx;

	cmsg_overflow(s, m);
	if (!datagram_to_rx(s, m, rxb.iov[i].iov_base, n, &rx)) {
		log_ratelimited(&s->last_bad_ms, 10000, LOG_DEBUG,
				"vrrp: malformed %zu-byte datagram on %s ignored", n, s->ifname);
		return;
	}
	s->cut += rx.cut;
	s->on_rx(s->arg, &rx);
}

/* Read and handle one batch: how many datagrams, 0 nothing left, -1 error. */
static int receive_batch(struct vrrp_sock *s)
{
	int n;

	rx_batch_prepare();
	n = recvmmsg(s->fd, rxb.msgs, RX_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == EINTR)
			return 1;
		log_ratelimited(&s->last_err_ms, 10000, LOG_ERR, "vrrp: receive on %s: %s",
				s->ifname, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n && !s->closed; i++)
		handle_one(s, i);
	return n;
}

static void vrrp_sock_free(struct vrrp_sock *s)
{
	close(s->fd);
	free(s);
}

static void vrrp_sock_readable(void *arg, uint32_t events);

/* The pause is over: what queued meanwhile is read now, in this pass (the
 * socket was readable when it paused, and nothing read it since), and the
 * loop reports the socket again. */
static void resume_fired(void *arg)
{
	struct vrrp_sock *s = arg;

	s->paused = false;
	if (loop_mute_fd(s->loop, s->fd, false) < 0)
		log_ratelimited(&s->last_err_ms, 10000, LOG_ERR,
				"vrrp: cannot watch the %s socket again: %s", s->ifname, strerror(errno));
	vrrp_sock_readable(s, EPOLLIN); /* may free s */
}

/* Too soon after the last wakeup (RX_PAUSE_US): muted on the loop until
 * then. Should muting fail, the socket is read now, as without a pause. */
static bool pause_if_flooded(struct vrrp_sock *s, uint64_t now)
{
	if (!s->drained || now - s->last_wake_us >= RX_PAUSE_US)
		return false;
	if (loop_mute_fd(s->loop, s->fd, true) < 0)
		return false;
	s->paused = true;
	loop_timer_arm(s->loop, &s->resume, s->last_wake_us + RX_PAUSE_US);
	return true;
}

static void vrrp_sock_readable(void *arg, uint32_t events)
{
	struct vrrp_sock *s = arg;
	uint64_t now = mono_now_us();
	int got = 0;

	(void)events;
	if (pause_if_flooded(s, now))
		return;
	s->last_wake_us = now;
	s->drained = false;
	s->in_dispatch = true;
	/* A short batch means the queue is empty: no read just for EAGAIN. */
	while (got < RX_MAX_PER_WAKEUP && !s->closed) {
		int n = receive_batch(s);

		if (n < RX_BATCH) {
			s->drained = true;
			break;
		}
		got += n;
	}
	s->in_dispatch = false;
	if (s->closed)
		vrrp_sock_free(s);
}

/* ---- open / close / send ------------------------------------------- */

/* The raw socket itself, for ifname; NULL (logged) on failure. */
static struct vrrp_sock *sock_new(const char *ifname, int ifindex, sa_family_t family)
{
	if ((family != AF_INET && family != AF_INET6) || !ifname ||
	    strlen(ifname) >= IF_NAMESIZE || ifindex <= 0) {
		log_err("vrrp: bad socket parameters (%s, ifindex %d)",
			ifname ? ifname : "no interface", ifindex);
		return NULL;
	}
	struct vrrp_sock *s = xcalloc(1, sizeof(*s));

	s->ifindex = ifindex;
	s->family = family;
	strcpy(s->ifname, ifname);
	s->fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_PROTO);
	if (s->fd < 0) {
		log_err("vrrp: raw socket for %s: %s", ifname, strerror(errno));
		free(s);
		return NULL;
	}
	return s;
}

struct vrrp_sock *vrrp_sock_open(struct loop *l, const char *ifname, int ifindex,
				 sa_family_t family, vrrp_rx_fn on_rx, void *arg)
{
	struct vrrp_sock *s = sock_new(ifname, ifindex, family);

	if (!s)
		return NULL;
	s->loop = l;
	s->on_rx = on_rx;
	s->arg = arg;
	if (setup_common(s) || (family == AF_INET ? setup_v4(s) : setup_v6(s))) {
		vrrp_sock_free(s);
		return NULL;
	}
	s->resume = (struct loop_timer){ .fn = resume_fired, .arg = s };
	loop_set_after_timers(l, tx_flush_hook, NULL);
	if (loop_add_fd(l, s->fd, EPOLLIN, vrrp_sock_readable, s) < 0) {
		log_err("vrrp: cannot register the %s socket with the loop: %s", ifname,
			strerror(errno));
		vrrp_sock_free(s);
		return NULL;
	}
	return s;
}

int vrrp_sock_set_filter(struct vrrp_sock *s, const struct rx_filter_set *set)
{
	struct sock_filter prog[RX_FILTER_MAX_INSNS];
	int err;

	if (!set) {
		if (!s->filtered)
			return 0;
		int zero = 0;
		if ((err = sockopt(s, SOL_SOCKET, SO_DETACH_FILTER, "SO_DETACH_FILTER", &zero,
				   sizeof(zero))))
			return err;
		s->filtered = false;
		return 0;
	}
	if (s->filtered && rx_filter_set_equal(set, &s->filter))
		return 0;
	size_t n = rx_filter_build(s->family, set, prog, RX_FILTER_MAX_INSNS);
	struct sock_fprog fp = { .len = (unsigned short)n, .filter = prog };

	if (n == 0)
		return -EINVAL;
	/* Replaces the previous program at once: no packet goes unfiltered. */
	if ((err = sockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, "SO_ATTACH_FILTER", &fp, sizeof(fp))))
		return err;
	s->filter = *set;
	s->filtered = true;
	return 0;
}

const struct rx_filter_set *vrrp_sock_filter(const struct vrrp_sock *s)
{
	return s->filtered ? &s->filter : NULL;
}

uint64_t vrrp_sock_cut_count(const struct vrrp_sock *s)
{
	return s->cut;
}

uint64_t vrrp_sock_overflows(const struct vrrp_sock *s)
{
	return s->overflows;
}

const char *vrrp_sock_ifname(const struct vrrp_sock *s)
{
	return s->ifname;
}

/* A raw socket gets a copy of every protocol 112 packet the device
 * receives: this filter keeps all of them out of a send-only one. */
static int drop_everything(struct vrrp_sock *s)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &drop };

	return sockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, "SO_ATTACH_FILTER", &prog, sizeof(prog));
}

struct vrrp_sock *vrrp_sock_open_tx(const char *ifname, int ifindex, sa_family_t family)
{
	struct vrrp_sock *s = sock_new(ifname, ifindex, family);
	int err;

	if (!s)
		return NULL;
	s->tx_only = true;
	if ((err = drop_everything(s)) ||
	    (err = sockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "SO_BINDTODEVICE", s->ifname,
			   (socklen_t)strlen(s->ifname) + 1)) ||
	    (err = family == AF_INET ? setup_tx_v4(s) : setup_tx_v6(s)) ||
	    /* The advert's source is the base interface's link-local,
	     * which is not on this device. */
	    (err = family == AF_INET6 ? sockopt_int(s, IPPROTO_IPV6, IPV6_FREEBIND,
						    "IPV6_FREEBIND", 1) : 0)) {
		vrrp_sock_free(s);
		return NULL;
	}
	return s;
}

static bool tx_queued_on(const struct vrrp_sock *s)
{
	for (size_t i = 0; i < txq.len; i++)
		if (txq.item[i].s == s)
			return true;
	return false;
}

void vrrp_sock_close(struct vrrp_sock *s)
{
	if (!s || s->closed)
		return;
	if (tx_queued_on(s)) /* what was queued still leaves, first */
		vrrp_tx_flush();
	if (s->tx_only) {
		vrrp_sock_free(s);
		return;
	}
	if (s->paused)
		loop_timer_cancel(s->loop, &s->resume);
	loop_del_fd(s->loop, s->fd);
	s->closed = true;
	if (!s->in_dispatch)
		vrrp_sock_free(s);
}

/* One message ready for sendmsg or a slot of sendmmsg: destination,
 * payload and the source (IP_PKTINFO / IPV6_PKTINFO). */
struct tx_msg {
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} to;
	struct iovec iov;
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} control;
};

static void tx_prepare(struct vrrp_sock *s, const struct ip_addr *src, const struct ip_addr *dst,
		       const uint8_t *msg, size_t len, struct tx_msg *m, struct msghdr *mh)
{
	memset(m, 0, sizeof(*m));
	m->iov = (struct iovec){ .iov_base = (void *)msg, .iov_len = len };
	*mh = (struct msghdr){ .msg_name = &m->to, .msg_iov = &m->iov, .msg_iovlen = 1,
			       .msg_control = m->control.buf };
	if (s->family == AF_INET) {
		m->to.v4 = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr = dst->u.v4 };
		mh->msg_namelen = sizeof(m->to.v4);
		mh->msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo));
		struct cmsghdr *c = CMSG_FIRSTHDR(mh);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
		/* ipi_spec_dst is the source address the kernel puts in the header. */
		struct in_pktinfo pi = { .ipi_ifindex = s->ifindex, .ipi_spec_dst = src->u.v4 };
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return;
	}
	m->to.v6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_addr = dst->u.v6 };
	/* Link-scoped destinations (fe80::/10, ff02::12) need the zone. */
	if (IN6_IS_ADDR_LINKLOCAL(&dst->u.v6) || IN6_IS_ADDR_MC_LINKLOCAL(&dst->u.v6))
		m->to.v6.sin6_scope_id = (uint32_t)s->ifindex;
	mh->msg_namelen = sizeof(m->to.v6);
	mh->msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
	struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
	struct in6_pktinfo pi = { .ipi6_addr = src->u.v6, .ipi6_ifindex = (unsigned)s->ifindex };
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
}

static bool tx_family_ok(struct vrrp_sock *s, const struct ip_addr *src,
			 const struct ip_addr *dst, size_t len)
{
	char sbuf[IP_ADDR_STRLEN], dbuf[IP_ADDR_STRLEN];

	if (src->family == s->family && dst->family == s->family && len > 0)
		return true;
	log_err("vrrp: cannot send %zu bytes from %s to %s on %s (wrong family)",
		len, ip_addr_str(src, sbuf), ip_addr_str(dst, dbuf), s->ifname);
	return false;
}

/* Rate-limited: a downed link fails every advert the same way. */
static void tx_log_error(struct vrrp_sock *s, const struct ip_addr *src,
			 const struct ip_addr *dst, size_t len, int err)
{
	char sbuf[IP_ADDR_STRLEN], dbuf[IP_ADDR_STRLEN];

	if (err == -EIO)
		log_err("vrrp: short send on %s (of %zu bytes)", s->ifname, len);
	else
		log_ratelimited(&s->last_tx_err_ms, 10000, LOG_ERR,
				"vrrp: send from %s to %s on %s: %s", ip_addr_str(src, sbuf),
				ip_addr_str(dst, dbuf), s->ifname, strerror(-err));
}

void vrrp_send_each(vrrp_mmsg_fn send, void *ctx, struct mmsghdr *msgs, unsigned int n,
		    int *err)
{
	unsigned int i = 0;

	/* Every round settles at least one message: at most n rounds. */
	while (i < n) {
		int sent = send(ctx, msgs + i, n - i);

		if (sent <= 0) {
			err[i++] = sent < 0 ? -errno : -EIO;
			continue;
		}
		for (unsigned int k = i; k < i + (unsigned int)sent && k < n; k++)
			err[k] = msgs[k].msg_len == msgs[k].msg_hdr.msg_iov[0].iov_len ? 0 : -EIO;
		i += (unsigned int)sent;
	}
}

static int sendmmsg_fd(void *ctx, struct mmsghdr *msgs, unsigned int n)
{
	return sendmmsg(*(int *)ctx, msgs, n, 0);
}

/* Send the queued messages of the socket of item first (and of no other
 * socket), in the order queued; err[i] for each. */
static void tx_send_socket(size_t first, bool *sent, int *err)
{
	struct vrrp_sock *s = txq.item[first].s;
	struct tx_msg m[TX_QUEUE_MAX];
	struct mmsghdr mm[TX_QUEUE_MAX];
	size_t idx[TX_QUEUE_MAX];
	int res[TX_QUEUE_MAX];
	unsigned int n = 0;

	for (size_t i = first; i < txq.len; i++) {
		struct tx_item *it = &txq.item[i];

		if (sent[i] || it->s != s)
			continue;
		memset(&mm[n], 0, sizeof(mm[n]));
		tx_prepare(s, &it->src, &it->dst, it->msg, it->len, &m[n], &mm[n].msg_hdr);
		idx[n++] = i;
		sent[i] = true;
	}
	vrrp_send_each(sendmmsg_fd, &s->fd, mm, n, res);
	for (unsigned int k = 0; k < n; k++) {
		struct tx_item *it = &txq.item[idx[k]];

		err[idx[k]] = res[k];
		if (res[k] < 0)
			tx_log_error(s, &it->src, &it->dst, it->len, res[k]);
	}
}

void vrrp_tx_flush(void)
{
	struct { vrrp_sent_fn done; void *arg; int err; } result[TX_QUEUE_MAX];
	bool sent[TX_QUEUE_MAX] = { false };
	int err[TX_QUEUE_MAX];
	size_t n = txq.len;

	for (size_t i = 0; i < n; i++)
		if (!sent[i])
			tx_send_socket(i, sent, err);
	for (size_t i = 0; i < n; i++)
		result[i].done = txq.item[i].done, result[i].arg = txq.item[i].arg,
		result[i].err = err[i];
	/* Emptied before the callbacks: one may send (and flush) again. */
	txq.len = 0;
	for (size_t i = 0; i < n; i++)
		result[i].done(result[i].arg, result[i].err);
}

void vrrp_sock_queue(struct vrrp_sock *s, const struct ip_addr *src, const struct ip_addr *dst,
		     const uint8_t *msg, size_t len, vrrp_sent_fn done, void *arg)
{
	if (len > TX_MSG_MAX || !tx_family_ok(s, src, dst, len)) {
		done(arg, vrrp_sock_send(s, src, dst, msg, len));
		return;
	}
	if (txq.len == TX_QUEUE_MAX)
		vrrp_tx_flush();
	struct tx_item *it = &txq.item[txq.len++];

	*it = (struct tx_item){ .s = s, .src = *src, .dst = *dst, .len = len, .done = done,
				.arg = arg };
	memcpy(it->msg, msg, len);
}

int vrrp_sock_send(struct vrrp_sock *s, const struct ip_addr *src,
		   const struct ip_addr *dst, const uint8_t *msg, size_t len)
{
	struct tx_msg m;
	struct msghdr mh;

	/* What was queued before this leaves before it. */
	if (txq.len)
		vrrp_tx_flush();
	if (!tx_family_ok(s, src, dst, len))
		return -EINVAL;
	tx_prepare(s, src, dst, msg, len, &m, &mh);
	ssize_t n = sendmsg(s->fd, &mh, 0);
	int err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;

	if (err)
		tx_log_error(s, src, dst, len, err);
	return err;
}
