/* SPDX-License-Identifier: GPL-2.0-or-later */
/* addr.h - IP addresses as clustd models them: pure helpers, no I/O. */
#ifndef CLUSTD_ADDR_H
#define CLUSTD_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* An IPv4 or IPv6 address; family is AF_INET, AF_INET6 or AF_UNSPEC (unset). */
struct ip_addr {
	sa_family_t family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} u;
};

/* A virtual IP with its prefix length, as added to an interface. */
struct vip {
	struct ip_addr addr;
	uint8_t prefixlen;
};

#define IP_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */
#define VIP_STRLEN (IP_ADDR_STRLEN + 4)

/* Bytes of the address proper: 4 for IPv4, 16 for IPv6, 0 when unset. */
size_t ip_addr_len(const struct ip_addr *a);

/* Parse "198.51.100.1" or "2001:db8::1". Returns false on a malformed string. */
bool ip_addr_parse(const char *s, struct ip_addr *out);

/* Parse "A" or "A/len"; without a length: /32 for IPv4, /128 for IPv6. */
bool vip_parse(const char *s, struct vip *out);

/* Format into buf (at least IP_ADDR_STRLEN / VIP_STRLEN bytes); returns buf. */
const char *ip_addr_str(const struct ip_addr *a, char *buf);
const char *vip_str(const struct vip *v, char *buf);

/* Compare as unsigned network-order bytes (RFC 5798 §6.4.3 tie-break):
 * <0, 0, >0. Different families order AF_INET before AF_INET6. */
int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b);
bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b);

/* fe80::/10 */
bool ip_addr_is_linklocal6(const struct ip_addr *a);
bool ip_addr_is_multicast(const struct ip_addr *a);

void ip_addr_from_in(struct ip_addr *out, struct in_addr a);
void ip_addr_from_in6(struct ip_addr *out, const struct in6_addr *a);

#endif
