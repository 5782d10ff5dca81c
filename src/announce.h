/* SPDX-License-Identifier: GPL-2.0-or-later */
/* announce.h - tell the link who owns a VIP now: gratuitous ARP (IPv4) or
 * unsolicited Neighbour Advertisement (IPv6). One AF_PACKET socket. */
#ifndef CLUSTD_ANNOUNCE_H
#define CLUSTD_ANNOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct announcer;

struct announcer *announcer_open(void);
void announcer_close(struct announcer *a);

/* Build the frames (pure; for tests). Return the frame length or 0.
 * GARP: broadcast ARP request, sender = target = vip, sender HW = mac,
 * target HW = ff:ff:ff:ff:ff:ff, Ethernet source = mac.
 * UNA: to ff02::1 / 33:33:00:00:00:01, hop limit 255, R=1 S=0 O=1,
 * target = vip, target link-layer option = mac, IPv6 source = src (link-local). */
size_t announce_build_garp(const uint8_t mac[6], const struct ip_addr *vip,
			   uint8_t *frame, size_t cap);
size_t announce_build_una(const uint8_t mac[6], const struct ip_addr *src,
			  const struct ip_addr *vip, uint8_t *frame, size_t cap);

/* The IPv6 source of a UNA for vip: src when it is a link-local, else
 * (a global unicast_source, or none) the VIP itself, an address of the
 * interface once we are master (RFC 4861 §4.4; keepalived does the same).
 * NULL for an IPv4 vip. Pure. */
const struct ip_addr *announce_una_source(const struct ip_addr *src, const struct ip_addr *vip);

/* Send one GARP (IPv4 vip) or UNA (IPv6 vip; from announce_una_source)
 * out of ifindex with source MAC mac. Returns 0 or -errno. */
int announce_send(struct announcer *a, int ifindex, const uint8_t mac[6],
		  const struct ip_addr *src, const struct ip_addr *vip);

#endif
