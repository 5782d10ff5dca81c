/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vrrp_sock.h - raw IP protocol 112 sockets, one per (interface, family),
 * shared by every instance on that interface. Sends with TTL / hop limit
 * 255 and multicast loop off; receives with the TTL / hop limit, source and
 * destination known, and hands each datagram to the on_rx callback. */
#ifndef CLUSTD_VRRP_SOCK_H
#define CLUSTD_VRRP_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "loop.h"
#include "packet.h"
#include "rx_filter.h"

struct vrrp_sock;

typedef void (*vrrp_rx_fn)(void *arg, const struct vrrp_rx *rx);

/* Open, bind to ifname (SO_BINDTODEVICE), join the VRRP group (224.0.0.18 or
 * ff02::12) on ifindex, and register with the loop. Returns NULL and logs
 * on failure. */
struct vrrp_sock *vrrp_sock_open(struct loop *l, const char *ifname, int ifindex,
				 sa_family_t family, vrrp_rx_fn on_rx, void *arg);
void vrrp_sock_close(struct vrrp_sock *s);

/* A send-only socket on ifname (a virtual MAC device): no group joined,
 * nothing ever queued to it, not on the loop. IPv6 may send from an
 * address of another interface (IPV6_FREEBIND): the base interface's
 * link-local. Closed with vrrp_sock_close. NULL (logged) on failure. */
struct vrrp_sock *vrrp_sock_open_tx(const char *ifname, int ifindex, sa_family_t family);


/* Attach the kernel filter built from set (rx_filter.h), replacing the
 * one attached; set NULL detaches it. Unchanged sets cost nothing.
 * 0 or -errno (logged); on failure the socket keeps what it had. */
int vrrp_sock_set_filter(struct vrrp_sock *s, const struct rx_filter_set *set);
/* The set of the attached filter; NULL when none is. */
const struct rx_filter_set *vrrp_sock_filter(const struct vrrp_sock *s);
/* Datagrams the filter cut since the socket opened. */
uint64_t vrrp_sock_cut_count(const struct vrrp_sock *s);
/* Datagrams the kernel dropped because the receive queue was full, as of
 * the last one read (SO_RXQ_OVFL). */
uint64_t vrrp_sock_overflows(const struct vrrp_sock *s);
const char *vrrp_sock_ifname(const struct vrrp_sock *s);

/* Send one VRRP message (no IP header) from src to dst (the group or a
 * unicast peer). src must be an address of the interface (for IPv6 the
 * link-local). Returns 0 or -errno. Whatever vrrp_sock_queue holds is
 * sent first: on the wire, messages keep the order of the calls. */
int vrrp_sock_send(struct vrrp_sock *s, const struct ip_addr *src,
		   const struct ip_addr *dst, const uint8_t *msg, size_t len);

/* Deferred sending, for a master's adverts that fall due together: the
 * message is copied and sent by vrrp_tx_flush, which the loop runs after
 * every pass of its timers (vrrp_sock_open registers it), with the other
 * messages queued on the same socket in one sendmmsg, in the order
 * queued. done(arg, 0 or -errno) follows each one's send, as
 * vrrp_sock_send would have returned it (a message sendmmsg did not take
 * is sent again in the next call, so a partial send only delays it).
 * Queue only from a timer callback of the loop; arg must stay valid
 * until done (closing s flushes). */
typedef void (*vrrp_sent_fn)(void *arg, int err);
void vrrp_sock_queue(struct vrrp_sock *s, const struct ip_addr *src, const struct ip_addr *dst,
		     const uint8_t *msg, size_t len, vrrp_sent_fn done, void *arg);
void vrrp_tx_flush(void);

/* The send loop of vrrp_tx_flush, with sendmmsg's contract injected (for
 * the tests): sends msgs[0..n) and sets err[i] to 0 or -errno for each.
 * After a partial send it goes on from the first message not sent; a
 * failure (-1) is that first message's, and the rest are still tried; a
 * message that left short is -EIO. At most n calls. */
typedef int (*vrrp_mmsg_fn)(void *ctx, struct mmsghdr *msgs, unsigned int n);
void vrrp_send_each(vrrp_mmsg_fn send, void *ctx, struct mmsghdr *msgs, unsigned int n,
		    int *err);

#endif
