/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink.c - interfaces and addresses through rtnetlink.
 * Requests (link facts, address add/del/dump) are synchronous libnl-route-3
 * round trips; the watch is a non-blocking libmnl socket subscribed to
 * RTMGRP_LINK, RTMGRP_IPV4_IFADDR and RTMGRP_IPV6_IFADDR, driven by the
 * event loop. */
#include "netlink.h"

#include <errno.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/macvlan.h>

#include "log.h"
#include "xalloc.h"
#include "owner.h"

struct nlk {
	struct nl_sock *sk;
	uint32_t batch_seq; /* nlk_addr_add_batch's sequence numbers */
	struct nlk_watch *skip_watch; /* drops our renewals' events (nlk_watch_skip_renewals) */
};

static void watch_skip_port(struct nlk_watch *w, uint32_t port);
static void watch_forget_nlk(struct nlk_watch *w);

/* libnl reports its own error codes; callers of this module get -errno. */
static int nle_to_errno(int nle)
{
	switch (abs(nle)) {
	case NLE_SUCCESS: return 0;
	case NLE_INTR: return EINTR;
	case NLE_BAD_SOCK: return EBADF;
	case NLE_AGAIN: return EAGAIN;
	case NLE_NOMEM: return ENOMEM;
	case NLE_EXIST: return EEXIST;
	case NLE_INVAL: return EINVAL;
	case NLE_RANGE: return ERANGE;
	case NLE_MSGSIZE: return EMSGSIZE;
	case NLE_OPNOTSUPP: return EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND: return ENOENT;
	case NLE_NOADDR: return EADDRNOTAVAIL;
	case NLE_BUSY: return EBUSY;
	case NLE_PROTO_MISMATCH: return EPROTONOSUPPORT;
	case NLE_NOACCESS: return EACCES;
	case NLE_PERM: return EPERM;
	case NLE_NODEV: return ENODEV;
	case NLE_DUMP_INTR: return EINTR;
	default: return EIO;
	}
}

/* A failure of the exchange itself (the socket's buffer overrun, no
 * memory, a broken or desynchronised socket), not the kernel's verdict on
 * the object asked about. */
static bool transport_error(int nle)
{
	switch (abs(nle)) {
	case NLE_OBJ_NOTFOUND: case NLE_NODEV: case NLE_EXIST: case NLE_NOADDR:
	case NLE_INVAL: case NLE_PERM: case NLE_NOACCESS: case NLE_OPNOTSUPP:
	case NLE_RANGE: case NLE_BUSY: case NLE_AF_NOSUPPORT:
		return false;
	default:
		return true;
	}
}

static struct nl_sock *connect_socket(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk) {
		log_err("netlink: cannot allocate a libnl socket");
		return NULL;
	}
	int err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		log_err("netlink: cannot connect: %s", nl_geterror(err));
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

/* After a transport error the socket may hold a stale reply or be
 * unusable: the next request goes through a fresh one. Should none be
 * had, the old one stays (and the next error tries again). */
static void reopen_after(struct nlk *n, int nle)
{
	if (!transport_error(nle))
		return;
	struct nl_sock *sk = connect_socket();
	if (!sk)
		return;
	log_notice("netlink: request socket reopened after: %s", nl_geterror(nle));
	nl_socket_free(n->sk);
	n->sk = sk;
	if (n->skip_watch) /* the renewals now come from another port */
		watch_skip_port(n->skip_watch, nl_socket_get_local_port(sk));
}

/* Log a failed libnl call, reopen the socket if it was the socket's
 * fault, and convert the code. */
static int nl_fail(struct nlk *n, int nle, const char *what, int ifindex)
{
	log_err("netlink: %s on ifindex %d: %s", what, ifindex, nl_geterror(nle));
	reopen_after(n, nle);
	return -nle_to_errno(nle);
}

struct nlk *nlk_open(void)
{
	struct nlk *n = xcalloc(1, sizeof(*n));

	n->sk = connect_socket();
	if (!n->sk) {
		free(n);
		return NULL;
	}
	n->batch_seq = NLK_RENEWAL_SEQ; /* far from libnl's, which start at the time */
	return n;
}

void nlk_close(struct nlk *n)
{
	if (!n)
		return;
	if (n->skip_watch)
		watch_forget_nlk(n->skip_watch);
	nl_socket_free(n->sk); /* closes the socket too */
	free(n);
}

int nlk_ifindex(struct nlk *n, const char *ifname)
{
	struct rtnl_link *link = NULL;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ)
		return 0;
	int err = rtnl_link_get_kernel(n->sk, 0, ifname, &link);
	if (err < 0) {
		reopen_after(n, err);
		return 0;
	}
	int ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return ifindex;
}

enum probe_result nlk_link_probe(struct nlk *n, const char *ifname, int *ifindex, uint8_t mac[6])
{
	struct rtnl_link *link = NULL;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ)
		return PROBE_MISSING;
	int err = rtnl_link_get_kernel(n->sk, 0, ifname, &link);
	if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
		return PROBE_MISSING;
	if (err < 0) {
		log_err("netlink: link query of %s: %s", ifname, nl_geterror(err));
		reopen_after(n, err);
		return PROBE_ERROR;
	}
	*ifindex = rtnl_link_get_ifindex(link);
	unsigned flags = rtnl_link_get_flags(link);
	struct nl_addr *lladdr = rtnl_link_get_addr(link);
	bool ether = lladdr && nl_addr_get_len(lladdr) == 6;
	if (ether)
		memcpy(mac, nl_addr_get_binary_addr(lladdr), 6);
	else
		log_err("netlink: %s has no Ethernet address", ifname);
	rtnl_link_put(link);
	/* The kernel sets IFF_RUNNING only while the link is operationally up. */
	return ether && (flags & IFF_UP) && (flags & IFF_RUNNING) ? PROBE_UP : PROBE_DOWN;
}

static int get_link(struct nlk *n, int ifindex, struct rtnl_link **link)
{
	if (ifindex <= 0)
		return -ENODEV;
	int err = rtnl_link_get_kernel(n->sk, ifindex, NULL, link);
	if (err < 0)
		return nl_fail(n, err, "link query", ifindex);
	return 0;
}

int nlk_link_mac(struct nlk *n, int ifindex, uint8_t mac[6])
{
	struct rtnl_link *link;
	int err = get_link(n, ifindex, &link);

	if (err)
		return err;
	struct nl_addr *lladdr = rtnl_link_get_addr(link);
	if (!lladdr || nl_addr_get_len(lladdr) != 6) {
		log_err("netlink: ifindex %d has no Ethernet address", ifindex);
		err = -EAFNOSUPPORT;
	} else {
		memcpy(mac, nl_addr_get_binary_addr(lladdr), 6);
	}
	rtnl_link_put(link);
	return err;
}

int nlk_link_is_up(struct nlk *n, int ifindex, bool *up)
{
	struct rtnl_link *link;
	int err = get_link(n, ifindex, &link);

	if (err)
		return err;
	unsigned flags = rtnl_link_get_flags(link);
	/* The kernel sets IFF_RUNNING only while the link is operationally up. */
	*up = (flags & IFF_UP) && (flags & IFF_RUNNING);
	rtnl_link_put(link);
	return 0;
}

/* A libnl address object for vip on ifindex (local address + prefix). */
static int vip_to_rtnl(int ifindex, const struct vip *vip, struct rtnl_addr **out)
{
	size_t len = ip_addr_len(&vip->addr);

	*out = NULL;
	if (len == 0 || vip->prefixlen == 0 || vip->prefixlen > len * 8 || ifindex <= 0)
		return -EINVAL;
	struct nl_addr *local = nl_addr_build(vip->addr.family, vip->addr.u.bytes, len);
	struct rtnl_addr *a = rtnl_addr_alloc();
	if (!local || !a) {
		nl_addr_put(local);
		rtnl_addr_put(a);
		return -ENOMEM;
	}
	nl_addr_set_prefixlen(local, vip->prefixlen);
	rtnl_addr_set_ifindex(a, ifindex);
	int err = rtnl_addr_set_local(a, local);
	nl_addr_put(local); /* a holds its own reference */
	if (err < 0) {
		rtnl_addr_put(a);
		return -EINVAL;
	}
	*out = a;
	return 0;
}

static void log_vip_fail(const char *what, const struct vip *vip, int ifindex,
			 const char *why)
{
	char buf[VIP_STRLEN];

	log_err("netlink: %s %s on ifindex %d: %s", what, vip_str(vip, buf), ifindex, why);
}

int nlk_addr_add(struct nlk *n, int ifindex, const struct vip *vip, uint32_t lifetime_s)
{
	struct rtnl_addr *a;
	int err = vip_to_rtnl(ifindex, vip, &a);

	if (err) {
		log_vip_fail("add", vip, ifindex, strerror(-err));
		return err;
	}
	if (vip->addr.family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD); /* usable at once, no DAD wait */
	if (lifetime_s > 0) {
		rtnl_addr_set_valid_lifetime(a, lifetime_s);
		rtnl_addr_set_preferred_lifetime(a, lifetime_s);
	}
	/* NLM_F_REPLACE: an address already there is updated (lifetimes
	 * refreshed, or made permanent again) instead of failing with EEXIST. */
	err = rtnl_addr_add(n->sk, a, NLM_F_REPLACE);
	rtnl_addr_put(a);
	if (err < 0) {
		log_vip_fail("add", vip, ifindex, nl_geterror(err));
		reopen_after(n, err);
		return -nle_to_errno(err);
	}
	return 0;
}

/* The RTM_NEWADDR request nlk_addr_add sends, as libnl builds it. NULL
 * (and *err) on failure. */
static struct nl_msg *addr_add_msg(int ifindex, const struct vip *vip, uint32_t lifetime_s,
				   int *err)
{
	struct rtnl_addr *a;
	struct nl_msg *msg = NULL;

	if ((*err = vip_to_rtnl(ifindex, vip, &a)))
		return NULL;
	if (vip->addr.family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	if (lifetime_s > 0) {
		rtnl_addr_set_valid_lifetime(a, lifetime_s);
		rtnl_addr_set_preferred_lifetime(a, lifetime_s);
	}
	int nle = rtnl_addr_build_add_request(a, NLM_F_REPLACE, &msg);
	rtnl_addr_put(a);
	*err = nle < 0 ? -nle_to_errno(nle) : 0;
	return nle < 0 ? NULL : msg;
}

/* Read the answers to the batch whose messages carry the sequence
 * numbers first_seq.. (index idx[k] for first_seq + k), until the
 * acknowledgement of the last: only failures and that one answer. */
static int batch_answers(struct nlk *n, uint32_t first_seq, const size_t *idx, size_t built,
			 int *err)
{
	uint32_t last_seq = first_seq + (uint32_t)built - 1;

	/* One datagram per answer at most: built reads at most. */
	for (size_t reads = 0; reads < built; reads++) {
		struct sockaddr_nl peer;
		unsigned char *buf = NULL;
		int len = nl_recv(n->sk, &peer, &buf, NULL);
		bool last = false;

		if (len <= 0) {
			free(buf);
			return len < 0 ? len : -NLE_MSG_TRUNC;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; nlmsg_ok(h, len);
		     h = nlmsg_next(h, &len)) {
			uint32_t k = h->nlmsg_seq - first_seq;

			if (h->nlmsg_type != NLMSG_ERROR || k >= built)
				continue;
			err[idx[k]] = ((struct nlmsgerr *)nlmsg_data(h))->error;
			last = last || h->nlmsg_seq == last_seq;
		}
		free(buf);
		if (last)
			return 0;
	}
	return -NLE_MSG_TRUNC;
}

void nlk_addr_add_batch(struct nlk *n, const struct nlk_addr_req *req, size_t count,
			uint32_t lifetime_s, int *err)
{
	size_t *idx = xcalloc(count ? count : 1, sizeof(*idx));
	size_t built = 0, len = 0, cap = 4096;
	uint8_t *buf = xmalloc(cap);
	uint32_t first_seq = 0;
	struct nlmsghdr *last = NULL;

	/* Every number of a batch carries NLK_RENEWAL_SEQ, and they do not
	 * wrap inside one (batch_answers counts from the first). */
	if (n->batch_seq < NLK_RENEWAL_SEQ || n->batch_seq > UINT32_MAX - count)
		n->batch_seq = NLK_RENEWAL_SEQ;

	for (size_t i = 0; i < count; i++) {
		struct nl_msg *msg = addr_add_msg(req[i].ifindex, req[i].vip, lifetime_s, &err[i]);

		if (!msg)
			continue;
		struct nlmsghdr *h = nlmsg_hdr(msg);
		size_t size = NLMSG_ALIGN(h->nlmsg_len);
		while (len + size > cap)
			buf = xrealloc(buf, cap *= 2);
		h->nlmsg_pid = nl_socket_get_local_port(n->sk);
		/* Numbers of our own: libnl's counter must stay in step with
		 * the answers it expects for its own requests. */
		h->nlmsg_seq = n->batch_seq++;
		h->nlmsg_flags |= NLM_F_REQUEST;
		if (built == 0)
			first_seq = h->nlmsg_seq;
		memcpy(buf + len, h, h->nlmsg_len);
		memset(buf + len + h->nlmsg_len, 0, size - h->nlmsg_len);
		last = (struct nlmsghdr *)(buf + len);
		len += size;
		idx[built++] = i;
		nlmsg_free(msg);
	}
	/* Successes answer nothing, but the last: it is acknowledged. The
	 * kernel handles a batch in order, so that answer comes last. */
	int nle = 0;
	if (built) {
		last->nlmsg_flags |= NLM_F_ACK;
		nle = nl_sendto(n->sk, buf, len);
		if (nle >= 0)
			nle = batch_answers(n, first_seq, idx, built, err);
	}
	if (nle < 0) {
		/* The socket failed: what the kernel did is unknown. */
		for (size_t k = 0; k < built; k++)
			err[idx[k]] = -nle_to_errno(nle);
		reopen_after(n, nle);
	}
	for (size_t i = 0; i < count; i++)
		if (err[i])
			log_vip_fail("add", req[i].vip, req[i].ifindex, strerror(-err[i]));
	free(buf);
	free(idx);
}

int nlk_addr_del(struct nlk *n, int ifindex, const struct vip *vip)
{
	struct rtnl_addr *a;
	int err = vip_to_rtnl(ifindex, vip, &a);

	if (err) {
		log_vip_fail("delete", vip, ifindex, strerror(-err));
		return err;
	}
	err = rtnl_addr_delete(n->sk, a, 0);
	rtnl_addr_put(a);
	/* The kernel says EADDRNOTAVAIL (NLE_NOADDR) for an absent address. */
	if (err == -NLE_NOADDR || err == -NLE_OBJ_NOTFOUND)
		return 0;
	if (err < 0) {
		log_vip_fail("delete", vip, ifindex, nl_geterror(err));
		reopen_after(n, err);
		return -nle_to_errno(err);
	}
	return 0;
}

/* Copy the local address of a into out; false if it has none usable. */
static bool rtnl_local(struct rtnl_addr *a, struct ip_addr *out)
{
	struct nl_addr *local = rtnl_addr_get_local(a);

	if (!local)
		return false;
	int family = nl_addr_get_family(local);
	unsigned len = nl_addr_get_len(local);
	if (!((family == AF_INET && len == 4) || (family == AF_INET6 && len == 16)))
		return false;
	memset(out, 0, sizeof(*out));
	out->family = (sa_family_t)family;
	memcpy(out->u.bytes, nl_addr_get_binary_addr(local), len);
	return true;
}

/* One dump of every address the kernel has (all links, all families). */
static int addr_dump(struct nlk *n, int ifindex, struct nl_cache **cache)
{
	int err = rtnl_addr_alloc_cache(n->sk, cache);

	if (err < 0)
		return nl_fail(n, err, "address dump", ifindex);
	return 0;
}

void nlk_addr_facts(struct nlk *n, int ifindex, const struct vip *vip, struct owner_facts *out)
{
	struct nl_cache *cache;

	*out = (struct owner_facts){ 0 };
	if (addr_dump(n, ifindex, &cache))
		return;
	for (struct nl_object *o = nl_cache_get_first(cache); o && !out->present;
	     o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct ip_addr local;

		out->present = rtnl_addr_get_ifindex(a) == ifindex &&
			       rtnl_addr_get_prefixlen(a) == vip->prefixlen &&
			       rtnl_local(a, &local) && ip_addr_equal(&local, &vip->addr);
		if (out->present) {
			/* The kernel reports a permanent address as INFINITY_LIFE_TIME. */
			out->permanent = rtnl_addr_get_valid_lifetime(a) == 0xFFFFFFFFu;
			out->nodad = (rtnl_addr_get_flags(a) & IFA_F_NODAD) != 0;
		}
	}
	nl_cache_free(cache);
}

bool nlk_addr_present(struct nlk *n, int ifindex, const struct vip *vip)
{
	struct owner_facts f;

	nlk_addr_facts(n, ifindex, vip, &f);
	return f.present;
}

static bool in_skip_list(const struct ip_addr *ip, const struct vip *skip, size_t nskip)
{
	for (size_t i = 0; i < nskip; i++)
		if (ip_addr_equal(ip, &skip[i].addr))
			return true;
	return false;
}

/* Is a (already known to be on the link, of the family) a candidate
 * primary? IPv4: not secondary. IPv6: link-local; *tentative tells the
 * caller when a link-local was seen but cannot be used yet. */
static bool primary_candidate(struct rtnl_addr *a, const struct ip_addr *ip,
			      bool *tentative)
{
	unsigned flags = rtnl_addr_get_flags(a);

	if (ip->family == AF_INET)
		return !(flags & IFA_F_SECONDARY);
	if (!ip_addr_is_linklocal6(ip))
		return false;
	/* The kernel refuses a tentative or DAD-failed source address. */
	if (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) {
		*tentative = true;
		return false;
	}
	return true;
}

int nlk_primary_addr(struct nlk *n, int ifindex, sa_family_t family,
		     const struct vip *skip, size_t nskip, struct ip_addr *out)
{
	struct nl_cache *cache;
	bool found = false, tentative = false;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	int err = addr_dump(n, ifindex, &cache);
	if (err)
		return err;
	/* The cache keeps the kernel's order, which lists primaries first. */
	for (struct nl_object *o = nl_cache_get_first(cache); o && !found;
	     o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct ip_addr ip;

		if (rtnl_addr_get_ifindex(a) != ifindex || !rtnl_local(a, &ip) ||
		    ip.family != family || in_skip_list(&ip, skip, nskip))
			continue;
		if (primary_candidate(a, &ip, &tentative)) {
			*out = ip;
			found = true;
		}
	}
	nl_cache_free(cache);
	if (found)
		return 0;
	/* -EAGAIN: a link-local exists but is still in DAD; try again later. */
	return tentative ? -EAGAIN : -ENOENT;
}

/* ---- virtual MAC devices (macvlan) --------------------------------- */

/* Apply changes to the link ifindex (RTM_NEWLINK on the existing link). */
static int link_change(struct nlk *n, int ifindex, struct rtnl_link *changes, const char *what)
{
	struct rtnl_link *orig;
	int err = get_link(n, ifindex, &orig);

	if (err)
		return err;
	err = rtnl_link_change(n->sk, orig, changes, 0);
	rtnl_link_put(orig);
	if (err < 0)
		return nl_fail(n, err, what, ifindex);
	return 0;
}

/* The kernel takes no IPv6 settings in the creating request: they follow
 * in a second one, while the link is still down (no address made yet). */
static int set_addrgenmode_random(struct nlk *n, int ifindex)
{
	struct rtnl_link *changes = rtnl_link_alloc();

	if (!changes)
		return -ENOMEM;
	int err = rtnl_link_inet6_set_addr_gen_mode(changes, IN6_ADDR_GEN_MODE_RANDOM);
	if (err < 0)
		err = -nle_to_errno(err);
	else
		err = link_change(n, ifindex, changes, "set addrgenmode random");
	rtnl_link_put(changes);
	return err;
}

static struct rtnl_link *macvlan_request(int lower, const char *name, const uint8_t mac[6])
{
	struct rtnl_link *link = rtnl_link_macvlan_alloc();
	struct nl_addr *addr = nl_addr_build(AF_LLC, mac, 6);

	if (!link || !addr || rtnl_link_macvlan_set_mode(link, MACVLAN_MODE_BRIDGE) < 0) {
		rtnl_link_put(link);
		nl_addr_put(addr);
		return NULL;
	}
	rtnl_link_set_link(link, lower);
	rtnl_link_set_name(link, name);
	rtnl_link_set_addr(link, addr); /* link holds its own reference */
	nl_addr_put(addr);
	return link;
}

int nlk_macvlan_add(struct nlk *n, int lower, const char *name, const uint8_t mac[6])
{
	if (lower <= 0 || !name || !*name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	struct rtnl_link *link = macvlan_request(lower, name, mac);
	if (!link)
		return -ENOMEM;
	int err = rtnl_link_add(n->sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);
	if (err < 0) {
		log_err("netlink: cannot create macvlan %s on ifindex %d: %s", name, lower,
			nl_geterror(err));
		return -nle_to_errno(err);
	}
	int ifindex = nlk_ifindex(n, name);
	if (ifindex == 0)
		return -ENODEV; /* deleted by someone else at once */
	err = set_addrgenmode_random(n, ifindex);
	if (err < 0) {
		nlk_link_del(n, ifindex);
		return err;
	}
	return ifindex;
}

int nlk_link_info(struct nlk *n, int ifindex, struct nlk_link_info *out)
{
	struct rtnl_link *link;

	memset(out, 0, sizeof(*out));
	if (ifindex <= 0)
		return -ENODEV;
	int err = rtnl_link_get_kernel(n->sk, ifindex, NULL, &link);
	if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
		return -ENODEV;
	if (err < 0)
		return nl_fail(n, err, "link query", ifindex);
	const char *kind = rtnl_link_get_type(link);
	struct nl_addr *lladdr = rtnl_link_get_addr(link);
	out->macvlan = kind && strcmp(kind, "macvlan") == 0;
	out->lower = rtnl_link_get_link(link);
	if (lladdr && nl_addr_get_len(lladdr) == 6)
		memcpy(out->mac, nl_addr_get_binary_addr(lladdr), 6);
	out->admin_up = rtnl_link_get_flags(link) & IFF_UP;
	rtnl_link_put(link);
	return 0;
}

int nlk_link_set_up(struct nlk *n, int ifindex, bool up)
{
	struct rtnl_link *changes = rtnl_link_alloc();

	if (!changes)
		return -ENOMEM;
	if (up)
		rtnl_link_set_flags(changes, IFF_UP);
	else
		rtnl_link_unset_flags(changes, IFF_UP);
	int err = link_change(n, ifindex, changes, up ? "set link up" : "set link down");
	rtnl_link_put(changes);
	return err;
}

int nlk_link_del(struct nlk *n, int ifindex)
{
	struct rtnl_link *link = rtnl_link_alloc();

	if (!link)
		return -ENOMEM;
	rtnl_link_set_ifindex(link, ifindex);
	int err = rtnl_link_delete(n->sk, link);
	rtnl_link_put(link);
	if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
		return 0;
	if (err < 0)
		return nl_fail(n, err, "delete link", ifindex);
	return 0;
}

/* ---- link watch ---------------------------------------------------- */

/* Bounds the work done per wakeup so one busy socket cannot starve the loop. */
#define WATCH_MAX_READS 64
#define WATCH_RCVBUF (1 << 20)
/* Big enough for any RTM_NEWLINK (a link with many VFs exceeds a page). */
#define WATCH_BUF 32768

struct nlk_watch {
	struct loop *loop;
	struct mnl_socket *nl;
	int fd;
	nlk_link_fn fn;
	nlk_addr_fn addr_fn;
	void *arg;
	bool in_dispatch; /* fn may close the watch: free after the reads */
	bool closed;
	struct nlk *skip_of; /* whose renewals the socket filter drops */
	unsigned long long last_err_ms;
	uint8_t buf[WATCH_BUF];
};

size_t nlk_renewal_filter_build(uint32_t port, struct sock_filter *out, size_t cap)
{
	/* Classic BPF loads are big-endian; the netlink header is in host
	 * order: compare with the constants as the loads see them. */
	const struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_type)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_NEWADDR), 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_pid)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(port), 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_seq)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, htonl(NLK_RENEWAL_SEQ), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
	};
	size_t n = sizeof(prog) / sizeof(prog[0]);

	if (cap < n)
		return 0;
	memcpy(out, prog, sizeof(prog));
	return n;
}

/* (Re)attach the filter for renewals sent from port. Without it (an old
 * kernel, no memory) the events arrive and are ignored, as before. */
static void watch_skip_port(struct nlk_watch *w, uint32_t port)
{
	struct sock_filter insns[NLK_RENEWAL_FILTER_INSNS];
	struct sock_fprog prog = { .filter = insns };

	prog.len = (unsigned short)nlk_renewal_filter_build(port, insns, NLK_RENEWAL_FILTER_INSNS);
	if (setsockopt(w->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		log_warn("netlink: cannot filter our own lease renewals out of the address watch: %s",
			 strerror(errno));
}

static void watch_forget_nlk(struct nlk_watch *w)
{
	w->skip_of->skip_watch = NULL;
	w->skip_of = NULL;
}

void nlk_watch_skip_renewals(struct nlk_watch *w, struct nlk *n)
{
	if (w->skip_of)
		watch_forget_nlk(w);
	if (n->skip_watch)
		watch_forget_nlk(n->skip_watch);
	w->skip_of = n;
	n->skip_watch = w;
	watch_skip_port(w, nl_socket_get_local_port(n->sk));
}

/* The address an RTM_NEWADDR/DELADDR is about: IFA_LOCAL (IPv4's own
 * address where IFA_ADDRESS may be the peer's), else IFA_ADDRESS. */
static void ifaddr_of(const struct nlmsghdr *nlh, const struct ifaddrmsg *ifa,
		      struct ip_addr *out)
{
	const struct nlattr *local = NULL, *address = NULL, *attr;
	size_t len = ifa->ifa_family == AF_INET ? 4 : ifa->ifa_family == AF_INET6 ? 16 : 0;

	memset(out, 0, sizeof(*out));
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(attr) == IFA_LOCAL)
			local = attr;
		else if (mnl_attr_get_type(attr) == IFA_ADDRESS)
			address = attr;
	}
	attr = local ? local : address;
	if (!attr || len == 0 || mnl_attr_get_payload_len(attr) != len)
		return;
	out->family = ifa->ifa_family;
	memcpy(out->u.bytes, mnl_attr_get_payload(attr), len);
}

static void watch_addr_msg(struct nlk_watch *w, const struct nlmsghdr *nlh)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct ip_addr addr;

	if (!w->addr_fn || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return;
	ifaddr_of(nlh, ifa, &addr);
	w->addr_fn(w->arg, (int)ifa->ifa_index, &addr);
}

static int watch_msg(const struct nlmsghdr *nlh, void *data)
{
	struct nlk_watch *w = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (w->closed)
		return MNL_CB_STOP;
	if (nlh->nlmsg_type == RTM_NEWADDR || nlh->nlmsg_type == RTM_DELADDR) {
		watch_addr_msg(w, nlh);
		return MNL_CB_OK;
	}
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	/* Bridge port events (AF_BRIDGE) come on the same group; a port
	 * leaving a bridge is an RTM_DELLINK there, not a removed link. */
	if (ifi->ifi_family != AF_UNSPEC)
		return MNL_CB_OK;
	bool up = nlh->nlmsg_type == RTM_NEWLINK && (ifi->ifi_flags & IFF_UP) &&
		  (ifi->ifi_flags & IFF_RUNNING);
	w->fn(w->arg, ifi->ifi_index, up);
	return MNL_CB_OK;
}

static void watch_free(struct nlk_watch *w)
{
	mnl_socket_close(w->nl);
	free(w);
}

static void watch_read(void *arg, uint32_t events)
{
	struct nlk_watch *w = arg;

	(void)events;
	w->in_dispatch = true;
	for (int i = 0; i < WATCH_MAX_READS && !w->closed; i++) {
		ssize_t len = mnl_socket_recvfrom(w->nl, w->buf, sizeof(w->buf));
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 && (errno == ENOBUFS || errno == ENOSPC)) {
			/* The kernel dropped notifications (ENOBUFS) or one did
			 * not fit (ENOSPC): some link states are unknown now.
			 * ifindex 0 tells the caller to re-query every link. */
			log_warn("netlink: link watch %s, resynchronising",
				 errno == ENOBUFS ? "overrun" : "message too big");
			w->fn(w->arg, 0, false);
			continue;
		}
		if (len < 0) {
			if (errno != EAGAIN)
				log_ratelimited(&w->last_err_ms, 10000, LOG_ERR,
						"netlink: link watch read: %s", strerror(errno));
			break;
		}
		if (mnl_cb_run(w->buf, (size_t)len, 0, 0, watch_msg, w) == MNL_CB_ERROR)
			log_ratelimited(&w->last_err_ms, 10000, LOG_WARNING,
					"netlink: bad link notification: %s", strerror(errno));
	}
	w->in_dispatch = false;
	if (w->closed)
		watch_free(w);
}

struct nlk_watch *nlk_watch_open(struct loop *l, nlk_link_fn fn, nlk_addr_fn addr_fn, void *arg)
{
	struct nlk_watch *w = xcalloc(1, sizeof(*w));

	w->loop = l;
	w->fn = fn;
	w->addr_fn = addr_fn;
	w->arg = arg;
	w->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!w->nl) {
		log_err("netlink: link watch socket: %s", strerror(errno));
		free(w);
		return NULL;
	}
	w->fd = mnl_socket_get_fd(w->nl);
	/* A roomy buffer makes an overrun (ENOBUFS) unlikely during bursts. */
	int rcvbuf = WATCH_RCVBUF;
	if (setsockopt(w->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		log_warn("netlink: link watch SO_RCVBUF: %s", strerror(errno));
	/* Addresses too: an address removed or changed with the link up
	 * brings no link event, but decides what adverts can be sent from. */
	unsigned groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
	if (mnl_socket_bind(w->nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;
		log_err("netlink: link watch bind: %s", strerror(err));
		watch_free(w);
		errno = err;
		return NULL;
	}
	if (loop_add_fd(l, w->fd, EPOLLIN, watch_read, w) < 0) {
		log_err("netlink: link watch: cannot register with the loop: %s", strerror(errno));
		watch_free(w);
		return NULL;
	}
	return w;
}

void nlk_watch_close(struct nlk_watch *w)
{
	if (!w || w->closed)
		return;
	if (w->skip_of)
		watch_forget_nlk(w);
	loop_del_fd(w->loop, w->fd);
	w->closed = true;
	if (!w->in_dispatch)
		watch_free(w);
}
