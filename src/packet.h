/* SPDX-License-Identifier: GPL-2.0-or-later */
/* packet.h - VRRP advertisement codec: RFC 5798 (v3) and RFC 3768 (v2).
 * Pure: no I/O, no clock, no globals. Everything that can make a received
 * advert invalid is a named drop reason with its own counter. */
#ifndef CLUSTD_PACKET_H
#define CLUSTD_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define VRRP_PROTO 112
#define VRRP_TYPE_ADVERT 1
#define VRRP_TTL 255
#define VRRP_MAX_ADDRS 255 /* all the 8-bit Count IPvX Addr field allows */
#define VRRP_V2_AUTH_LEN 8
/* VRRPv2 Auth Type (RFC 2338 §5.3.6): RFC 3768 keeps only 0; keepalived
 * still sends 1, simple text, with auth_type PASS. */
#define VRRP_AUTH_NONE 0
#define VRRP_AUTH_PASS 1
#define VRRP_HDR_LEN 8
#define VRRP_MCAST4 "224.0.0.18"
#define VRRP_MCAST6 "ff02::12"
/* Largest message we build or accept: header + 255 IPv6 addresses. */
#define VRRP_MAX_PKT (VRRP_HDR_LEN + VRRP_MAX_ADDRS * 16 + VRRP_V2_AUTH_LEN)

/* Why a received advert was discarded. VRRP_OK (0) = accepted.
 * Order is ABI for the counters: append only. */
enum vrrp_drop {
	VRRP_OK = 0,
	VRRP_DROP_TTL,          /* IPv4 TTL / IPv6 hop limit != 255 (§7.1) */
	VRRP_DROP_VERSION,      /* version not 2/3 or not the instance's */
	VRRP_DROP_TYPE,         /* type != 1 (ADVERTISEMENT) */
	VRRP_DROP_LENGTH,       /* truncated, oversize, or length != count */
	VRRP_DROP_CHECKSUM,     /* bad checksum */
	VRRP_DROP_VRID,         /* no instance with this VRID on the interface */
	VRRP_DROP_INTERVAL,     /* v3 Max Adver Int 0 (RFC 9568) */
	VRRP_DROP_NADDR,        /* address count 0 */
	VRRP_DROP_AUTH,         /* v2 auth type not 0 or 1, or not the instance's */
	VRRP_DROP_INTERVAL_MISMATCH, /* v2 interval != local (RFC 3768 §7.1) */
	VRRP_DROP_ADDR_MISMATCH,/* v2 address list != local from a non-owner */
	VRRP_DROP_OWNER,        /* we are the address owner (prio 255) */
	VRRP_DROP_FAMILY,       /* v2 over IPv6, or mixed families */
	VRRP_DROP_SELF,         /* our own advert looped back */
	VRRP_DROP_OWNER_CONFLICT, /* we are the owner, and so says the sender */
	VRRP_DROP_NOT_PEER,     /* unicast mode: source is not one of unicast_peers */
	VRRP_DROP_AUTH_PASS,    /* v2 simple-text password is not the instance's auth_pass */
	VRRP_DROP__COUNT
};

/* Short snake_case name for counters and metrics ("bad_ttl", ...). */
const char *vrrp_drop_name(enum vrrp_drop d);
/* Human sentence for logs ("TTL is not 255", ...). */
const char *vrrp_drop_text(enum vrrp_drop d);

/* Which bytes a received advert's checksum covered. VRRPv3 over IPv4 is
 * accepted in either form (peers differ); IPv6 always covers the
 * pseudo-header, VRRPv2 never. Order is ABI for the counters: append only. */
enum vrrp_csum_form {
	VRRP_CSUM_PSEUDO = 0,   /* pseudo-header + message */
	VRRP_CSUM_PLAIN,        /* the message only */
	VRRP_CSUM__COUNT
};

/* "pseudo_header", "no_pseudo_header" */
const char *vrrp_csum_form_name(enum vrrp_csum_form f);

/* A decoded (or to-be-encoded) advertisement. interval_cs is always in
 * centiseconds: v2's whole seconds are converted on the way in and out. */
struct vrrp_advert {
	uint8_t version;      /* 2 or 3 */
	uint8_t type;         /* VRRP_TYPE_ADVERT */
	uint8_t vrid;
	uint8_t priority;
	uint16_t interval_cs; /* v3: 12 bits; v2: seconds * 100 */
	uint8_t auth_type;    /* v2 only: VRRP_AUTH_NONE or VRRP_AUTH_PASS */
	uint8_t naddr;
	/* v2 with VRRP_AUTH_PASS: the password, zero-padded, as sent after the
	 * addresses. Ignored otherwise (sent as zeros). */
	uint8_t auth_data[VRRP_V2_AUTH_LEN];
	/* Set by vrrp_decode: the form the checksum had. Ignored by encode. */
	enum vrrp_csum_form csum_form;
	struct ip_addr addrs[VRRP_MAX_ADDRS];
};

/* What the socket layer knows about one received datagram. */
struct vrrp_rx {
	sa_family_t family;     /* AF_INET / AF_INET6 */
	struct ip_addr src;     /* IP source */
	struct ip_addr dst;     /* IP destination (group or unicast) */
	int ttl;                /* IPv4 TTL or IPv6 hop limit; -1 = missing (dropped) */
	const uint8_t *data;    /* the VRRP message, IP header stripped */
	size_t len;
	/* The socket's kernel filter refused it and kept only the first
	 * RX_FILTER_CUT_LEN bytes (rx_filter.h): counted, never decoded. */
	bool cut;
};

/* Internet checksum (RFC 1071) over an optional pseudo-header and data. */
uint16_t vrrp_checksum(sa_family_t family, const struct ip_addr *src,
		       const struct ip_addr *dst, bool pseudo_header,
		       const uint8_t *data, size_t len);

/* Build adv into buf (cap bytes). src/dst are the IP addresses the packet
 * will carry: they enter the checksum for v3 when pseudo_header is true
 * (always for IPv6; a switch for IPv4; never for v2).
 * Returns the message length, or 0 if adv is invalid or cap is too small. */
size_t vrrp_encode(const struct vrrp_advert *adv, sa_family_t family,
		   const struct ip_addr *src, const struct ip_addr *dst,
		   bool pseudo_header, uint8_t *buf, size_t cap);

/* Decode and validate what can be checked without knowing the instance:
 * TTL, version (2/3), type, length vs count, checksum, zero interval, zero
 * count, v2 auth type (0 or 1; the password is vrrp_check's), v2 over IPv6. Returns VRRP_OK and fills out, or the
 * first drop reason (out is then unspecified). For VRRPv3 over IPv4 a
 * checksum right in either form is accepted (pseudo_header says which one
 * is tried first) and out->csum_form says which one it was. */
enum vrrp_drop vrrp_decode(const struct vrrp_rx *rx, bool pseudo_header,
			   struct vrrp_advert *out);

/* What an instance expects of adverts for its VRID. */
struct vrrp_expect {
	uint8_t version;
	uint8_t priority;         /* local effective priority */
	uint16_t interval_cs;     /* local Advertisement_Interval */
	uint8_t naddr;
	const struct ip_addr *addrs;
	uint8_t auth_type;        /* v2: VRRP_AUTH_NONE, or VRRP_AUTH_PASS with... */
	const uint8_t *auth_data; /* ...these VRRP_V2_AUTH_LEN bytes */
};

/* Per-instance receive rules (RFC 5798 §7.1, RFC 3768 §7.1; for VRRPv2
 * also keepalived's: the auth type must be ours and a simple-text password
 * equal in all 8 bytes). Returns the
 * drop reason or VRRP_OK; *addr_mismatch is set when the address list
 * differs but the packet is still accepted (v3 only logs it). */
enum vrrp_drop vrrp_check(const struct vrrp_advert *adv, const struct vrrp_expect *exp,
			  bool *addr_mismatch);

/* Unicast mode (npeers > 0) hears only its peers: an advert from any other
 * source, on-link or not, is VRRP_DROP_NOT_PEER. Multicast mode (npeers
 * 0) takes any source. */
enum vrrp_drop vrrp_check_source(const struct ip_addr *src, const struct ip_addr *peers,
				 size_t npeers);

#endif
