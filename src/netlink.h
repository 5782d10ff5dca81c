/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink.h - the kernel's view of interfaces and addresses.
 * Address changes and look-ups go through libnl-route-3; the watch (link
 * and address notifications) is a libmnl socket on the event loop.
 * Requests are synchronous netlink round trips to the kernel (sub-ms). */
#ifndef CLUSTD_NETLINK_H
#define CLUSTD_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>

#include "addr.h"
#include "fault.h" /* enum probe_result */
#include "loop.h"

struct owner_facts;

struct nlk;

struct nlk *nlk_open(void);
void nlk_close(struct nlk *n);

/* A request that fails for the socket's sake (overrun, no memory, a
 * broken socket) reopens it, so that the next one can succeed. */

/* Interface index of name, or 0 when there is none (or the query failed). */
int nlk_ifindex(struct nlk *n, const char *ifname);

/* The link named ifname: UP when admin up with carrier and an Ethernet
 * address; *ifindex and mac are set unless MISSING or ERROR. */
enum probe_result nlk_link_probe(struct nlk *n, const char *ifname, int *ifindex, uint8_t mac[6]);

/* Link facts: MAC address (6 bytes) and whether it is IFF_UP and carrier on
 * (IFF_RUNNING / oper up). Return 0 or -errno. */
int nlk_link_mac(struct nlk *n, int ifindex, uint8_t mac[6]);
int nlk_link_is_up(struct nlk *n, int ifindex, bool *up);

/* Add vip to the interface (IFA_F_NODAD for IPv6, so it is usable at once).
 * lifetime_s 0 = permanent; otherwise valid = preferred = lifetime_s.
 * Adding an address already present refreshes it and succeeds.
 * Returns 0 or -errno. */
int nlk_addr_add(struct nlk *n, int ifindex, const struct vip *vip, uint32_t lifetime_s);
/* nlk_addr_add for many VIPs in one batch: one send, and (when all
 * succeed) one read of the acknowledgement, where each nlk_addr_add is a
 * round trip of its own (for renewing the leases of many instances at
 * once, lease.h). err[i] gets what nlk_addr_add would have returned for
 * req[i]; failures are logged. */
struct nlk_addr_req {
	int ifindex;
	const struct vip *vip;
};
void nlk_addr_add_batch(struct nlk *n, const struct nlk_addr_req *req, size_t count,
			uint32_t lifetime_s, int *err);
/* Remove vip; an address that is not there is success. 0 or -errno. */
int nlk_addr_del(struct nlk *n, int ifindex, const struct vip *vip);
/* Is vip (address and prefix length) on the interface? */
bool nlk_addr_present(struct nlk *n, int ifindex, const struct vip *vip);
/* What owner.c needs to know about vip on the interface: present,
 * permanent (no finite lifetime), NODAD. All false when absent. */
void nlk_addr_facts(struct nlk *n, int ifindex, const struct vip *vip, struct owner_facts *out);

/* The interface's primary address of family: for IPv4 the first
 * non-secondary address that is not one of skip[0..nskip); for IPv6 the
 * link-local address. Returns 0 or -ENOENT / -errno. */
int nlk_primary_addr(struct nlk *n, int ifindex, sa_family_t family,
		     const struct vip *skip, size_t nskip, struct ip_addr *out);

/* ---- virtual MAC devices (macvlan) ---- */

/* Create a macvlan named name on lower, MAC mac, mode bridge (frames from
 * another node's identical virtual MAC still reach the base interface),
 * IPv6 link-local from a random secret (addrgenmode random: never the
 * EUI-64 of the shared MAC), left down. Returns its ifindex or -errno. */
int nlk_macvlan_add(struct nlk *n, int lower, const char *name, const uint8_t mac[6]);

struct nlk_link_info {
	bool macvlan;        /* kind "macvlan" */
	int lower;           /* IFLA_LINK; 0 when none */
	uint8_t mac[6];      /* zero when the link has no Ethernet address */
	bool admin_up;       /* IFF_UP */
};
/* Returns 0 or -errno (-ENODEV: no such link). */
int nlk_link_info(struct nlk *n, int ifindex, struct nlk_link_info *out);

/* Set IFF_UP or clear it. Returns 0 or -errno. */
int nlk_link_set_up(struct nlk *n, int ifindex, bool up);

/* Delete the link; one already gone is success. Returns 0 or -errno. */
int nlk_link_del(struct nlk *n, int ifindex);

/* Link watch: calls fn(arg, ifindex, up) for every RTM_NEWLINK/DELLINK the
 * kernel reports (up = admin up and carrier; a deleted link is down).
 * fn(arg, 0, false) means notifications were lost (socket overrun):
 * re-query every link. */
typedef void (*nlk_link_fn)(void *arg, int ifindex, bool up);
/* Address watch: calls fn(arg, ifindex, addr) for every RTM_NEWADDR/DELADDR
 * (IPv4 and IPv6): an address came, went or changed (an IPv6 one leaving
 * DAD, too). addr is the address concerned (family AF_UNSPEC if the message
 * names none). After an overrun only the link fn is called (with 0). */
typedef void (*nlk_addr_fn)(void *arg, int ifindex, const struct ip_addr *addr);
struct nlk_watch;
struct nlk_watch *nlk_watch_open(struct loop *l, nlk_link_fn link_fn, nlk_addr_fn addr_fn,
				 void *arg);
void nlk_watch_close(struct nlk_watch *w);

/* Our own VIP lease renewals (nlk_addr_add_batch on n) are RTM_NEWADDR
 * events of our own VIPs, which the address watch ignores; with many
 * instances they are most of what it reads (255 VIPs with the default
 * 5 s lease, renewed every 1.67 s: about 150 reads a second). This drops them in the kernel, by a socket filter
 * on w: an IPv4 RTM_NEWADDR event names the port and sequence number of
 * the request that caused it, and the renewals' numbers all carry
 * NLK_RENEWAL_SEQ. Everything else still arrives: other programs'
 * changes, the kernel's own (port 0), our other requests (a VIP's
 * first add, a delete and the addresses it promotes), and IPv6 events,
 * which name no requester. Follows n's socket when it is reopened. */
void nlk_watch_skip_renewals(struct nlk_watch *w, struct nlk *n);

/* The bit every renewal's sequence number carries (libnl numbers its own
 * requests from the time of day, below it until 2038). */
#define NLK_RENEWAL_SEQ (1u << 31)
#define NLK_RENEWAL_FILTER_INSNS 8
/* The filter for renewals sent from netlink port `port`: drops an
 * RTM_NEWADDR whose nlmsg_pid is port and whose nlmsg_seq has
 * NLK_RENEWAL_SEQ, keeps every other message whole. Returns its length,
 * 0 if cap is too small. Pure. */
size_t nlk_renewal_filter_build(uint32_t port, struct sock_filter *out, size_t cap);

#endif
