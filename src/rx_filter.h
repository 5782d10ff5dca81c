/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rx_filter.h - the kernel filter of a VRRP receive socket (issue #16,
 * flood resistance), and how user space counts what it refused.
 *
 * A raw protocol-112 socket gets every VRRP packet the interface
 * receives. The classic BPF program built here (SO_ATTACH_FILTER) lets
 * through whole only a packet at least a VRRP header long, with TTL / hop
 * limit 255, whose first byte is an advert of a version that one of the
 * socket's instances runs for that VRID. Everything else it does not
 * drop but cuts: the kernel then copies a few bytes per packet to user
 * space instead of the packet, and no checksum, decode or instance
 * lookup is spent on it, while every refused packet is still read and
 * counted under a reason, as before:
 *
 * - a packet at least a header long that fails the filter keeps
 *   RX_FILTER_CUT_LEN bytes of VRRP (version/type, VRID, priority) and,
 *   for IPv4, its IP header: rx_filter_cut_reason names the reason;
 * - a shorter one keeps at most RX_FILTER_SHORT_LEN bytes: too short
 *   either way, counted bad_length by the decoder as before.
 *
 * So with the filter attached a VRRP payload of exactly RX_FILTER_CUT_LEN
 * bytes is always the filter's cut. The checksum is not checked in the
 * kernel: a classic BPF program has no loop, and summing a message of up
 * to 4 KiB unrolled is not cheap; a flood of bad checksums for a VRID we
 * run reaches user space (it costs a checksum of a few dozen bytes).
 * Pure: no I/O. */
#ifndef CLUSTD_RX_FILTER_H
#define CLUSTD_RX_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>
#include <sys/socket.h>

#include "packet.h"

#define RX_FILTER_CUT_LEN 3
#define RX_FILTER_SHORT_LEN 2
/* Room for the largest program (both versions, every VRID word). */
#define RX_FILTER_MAX_INSNS 160

/* What the instances of one socket accept: bit VRID of v2 / v3. */
struct rx_filter_set {
	uint32_t v2[8];
	uint32_t v3[8];
};

/* Add (version, vrid); other versions are ignored. */
void rx_filter_set_add(struct rx_filter_set *s, uint8_t version, uint8_t vrid);
bool rx_filter_set_equal(const struct rx_filter_set *a, const struct rx_filter_set *b);

/* The program for a socket of family (AF_INET: the packet starts with
 * the IP header; AF_INET6: with the VRRP message, the hop limit read
 * from the network header). Returns its length, or 0 if cap is too
 * small. */
size_t rx_filter_build(sa_family_t family, const struct rx_filter_set *set,
		       struct sock_filter *out, size_t cap);

/* Why the filter cut rx (rx->cut): the first of TTL, version, type,
 * family, then VRID (local_version 0: no instance runs this VRID on the
 * socket) or version (not local_version). The checks the filter cannot
 * make (length against count, checksum, interval) are not reached. */
enum vrrp_drop rx_filter_cut_reason(const struct vrrp_rx *rx, uint8_t local_version);

#endif
