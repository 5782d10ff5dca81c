/* SPDX-License-Identifier: GPL-2.0-or-later */
/* announce.c - gratuitous ARP and unsolicited Neighbour Advertisement.
 * Frames are built by hand, Ethernet header included, and sent on one
 * AF_PACKET/SOCK_RAW socket bound to no protocol (it never receives). */
#include "announce.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include "inet_csum.h"
#include "log.h"
#include "xalloc.h"

#define ETH_HDR_LEN 14
#define ARP_LEN 28
#define GARP_FRAME_LEN (ETH_HDR_LEN + ARP_LEN)              /* 42 */
#define IP6_HDR_LEN 40
#define NA_LEN 24                                           /* type..target */
#define TLLA_OPT_LEN 8                                      /* type, len, MAC */
#define ICMP6_LEN (NA_LEN + TLLA_OPT_LEN)                   /* 32 */
#define UNA_FRAME_LEN (ETH_HDR_LEN + IP6_HDR_LEN + ICMP6_LEN) /* 86 */

#define ARP_HW_ETHER 1
#define ARP_OP_REQUEST 1
#define IPPROTO_ICMP6_NUM 58
#define ND_NEIGHBOR_ADVERT_TYPE 136
#define ND_OPT_TARGET_LLADDR 2
#define NA_FLAG_ROUTER 0x80
#define NA_FLAG_SOLICITED 0x40
#define NA_FLAG_OVERRIDE 0x20
#define ND_HOP_LIMIT 255 /* RFC 4861 §7.1.2: receivers drop anything else */

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
/* ff02::1 and its Ethernet mapping 33:33 + low 32 bits (RFC 2464 §7). */
static const uint8_t all_nodes_ip6[16] = { 0xff, 0x02, [15] = 0x01 };
static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };

struct announcer {
	int fd;
};

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put_bytes(uint8_t *p, const void *src, size_t len)
{
	memcpy(p, src, len);
	return p + len;
}

static uint8_t *put_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6],
			uint16_t ethertype)
{
	p = put_bytes(p, dst, 6);
	p = put_bytes(p, src, 6);
	return put16(p, ethertype);
}

size_t announce_build_garp(const uint8_t mac[6], const struct ip_addr *vip,
			   uint8_t *frame, size_t cap)
{
	if (vip->family != AF_INET || cap < GARP_FRAME_LEN)
		return 0;
	uint8_t *p = put_eth(frame, bcast_mac, mac, ETH_P_ARP);
	p = put16(p, ARP_HW_ETHER);
	p = put16(p, ETH_P_IP);
	*p++ = 6; /* hardware address length */
	*p++ = 4; /* protocol address length */
	p = put16(p, ARP_OP_REQUEST);
	p = put_bytes(p, mac, 6);
	p = put_bytes(p, vip->u.bytes, 4);
	p = put_bytes(p, bcast_mac, 6);
	p = put_bytes(p, vip->u.bytes, 4);
	return (size_t)(p - frame);
}

/* ICMPv6 checksum: IPv6 pseudo-header (RFC 8200 §8.1) + message. */
static uint16_t icmp6_checksum(const uint8_t src[16], const uint8_t dst[16],
			       const uint8_t *msg, size_t len)
{
	uint32_t sum = inet_csum_pseudo(0, src, dst, 16, len, IPPROTO_ICMP6_NUM);

	return inet_csum_finish(inet_csum_add(sum, msg, len));
}

static uint8_t *put_ip6_hdr(uint8_t *p, const uint8_t src[16], const uint8_t dst[16],
			    uint16_t payload_len)
{
	*p++ = 0x60; /* version 6, traffic class 0, flow label 0 */
	*p++ = 0;
	*p++ = 0;
	*p++ = 0;
	p = put16(p, payload_len);
	*p++ = IPPROTO_ICMP6_NUM;
	*p++ = ND_HOP_LIMIT;
	p = put_bytes(p, src, 16);
	return put_bytes(p, dst, 16);
}

size_t announce_build_una(const uint8_t mac[6], const struct ip_addr *src,
			  const struct ip_addr *vip, uint8_t *frame, size_t cap)
{
	if (vip->family != AF_INET6 || src->family != AF_INET6 || cap < UNA_FRAME_LEN)
		return 0;
	uint8_t *p = put_eth(frame, all_nodes_mac, mac, ETH_P_IPV6);
	p = put_ip6_hdr(p, src->u.bytes, all_nodes_ip6, ICMP6_LEN);

	uint8_t *icmp = p;
	*p++ = ND_NEIGHBOR_ADVERT_TYPE;
	*p++ = 0; /* code */
	p = put16(p, 0); /* checksum, filled below */
	/* RFC 5798 §6.4.1/§6.4.2: R=1 (a virtual router), S=0 (unsolicited),
	 * O=1 (override whatever neighbour cache entry exists). */
	*p++ = NA_FLAG_ROUTER | NA_FLAG_OVERRIDE;
	*p++ = 0;
	*p++ = 0;
	*p++ = 0;
	p = put_bytes(p, vip->u.bytes, 16);
	*p++ = ND_OPT_TARGET_LLADDR;
	*p++ = 1; /* option length in units of 8 bytes */
	p = put_bytes(p, mac, 6);
	put16(icmp + 2, icmp6_checksum(src->u.bytes, all_nodes_ip6, icmp, ICMP6_LEN));
	return (size_t)(p - frame);
}

struct announcer *announcer_open(void)
{
	struct announcer *a = xcalloc(1, sizeof(*a));

	/* Protocol 0: a send-only socket, the kernel queues nothing to it.
	 * Non-blocking: a full device queue must not stall the loop. */
	a->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		log_err("announce: AF_PACKET socket: %s", strerror(errno));
		free(a);
		return NULL;
	}
	return a;
}

void announcer_close(struct announcer *a)
{
	if (!a)
		return;
	close(a->fd);
	free(a);
}

const struct ip_addr *announce_una_source(const struct ip_addr *src, const struct ip_addr *vip)
{
	if (vip->family != AF_INET6)
		return NULL;
	return src && ip_addr_is_linklocal6(src) ? src : vip;
}

int announce_send(struct announcer *a, int ifindex, const uint8_t mac[6],
		  const struct ip_addr *src, const struct ip_addr *vip)
{
	uint8_t frame[UNA_FRAME_LEN];
	size_t len;
	char buf[IP_ADDR_STRLEN];

	if (vip->family == AF_INET)
		len = announce_build_garp(mac, vip, frame, sizeof(frame));
	else if (announce_una_source(src, vip))
		len = announce_build_una(mac, announce_una_source(src, vip), vip, frame, sizeof(frame));
	else
		len = 0;
	if (len == 0) {
		log_err("announce: cannot build an announcement for %s", ip_addr_str(vip, buf));
		return -EINVAL;
	}

	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex,
		.sll_protocol = htons(vip->family == AF_INET ? ETH_P_ARP : ETH_P_IPV6),
		.sll_halen = 6,
	};
	memcpy(sll.sll_addr, frame, 6); /* the frame's destination MAC */
	if (sendto(a->fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int err = errno;
		log_err("announce: send %s for %s on ifindex %d: %s",
			vip->family == AF_INET ? "gratuitous ARP" : "neighbour advertisement",
			ip_addr_str(vip, buf), ifindex, strerror(err));
		return -err;
	}
	return 0;
}
