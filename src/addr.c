/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t ip_addr_len(const struct ip_addr *a)
{
	switch (a->family) {
	case AF_INET: return 4;
	case AF_INET6: return 16;
	default: return 0;
	}
}

bool ip_addr_parse(const char *s, struct ip_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->u.v4) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, &out->u.v6) == 1) {
		out->family = AF_INET6;
		return true;
	}
	out->family = AF_UNSPEC;
	return false;
}

bool vip_parse(const char *s, struct vip *out)
{
	char host[IP_ADDR_STRLEN];
	const char *slash = strchr(s, '/');
	size_t hostlen = slash ? (size_t)(slash - s) : strlen(s);

	memset(out, 0, sizeof(*out));
	if (hostlen == 0 || hostlen >= sizeof(host))
		return false;
	memcpy(host, s, hostlen);
	host[hostlen] = '\0';
	if (!ip_addr_parse(host, &out->addr))
		return false;
	unsigned max = out->addr.family == AF_INET ? 32 : 128;
	if (!slash) {
		out->prefixlen = (uint8_t)max;
		return true;
	}
	const char *digits = slash + 1;
	if (*digits < '0' || *digits > '9')
		return false;
	char *end;
	unsigned long len = strtoul(digits, &end, 10);
	if (*end != '\0' || len > max || end - digits > 3)
		return false;
	out->prefixlen = (uint8_t)len;
	return true;
}

const char *ip_addr_str(const struct ip_addr *a, char *buf)
{
	if (a->family != AF_INET && a->family != AF_INET6) {
		strcpy(buf, "(none)");
		return buf;
	}
	if (!inet_ntop(a->family, a->u.bytes, buf, IP_ADDR_STRLEN))
		strcpy(buf, "(bad)");
	return buf;
}

const char *vip_str(const struct vip *v, char *buf)
{
	char host[IP_ADDR_STRLEN];
	snprintf(buf, VIP_STRLEN, "%s/%u", ip_addr_str(&v->addr, host), v->prefixlen);
	return buf;
}

/* AF_INET, then AF_INET6, then anything else (unset) last. */
static int family_rank(sa_family_t f)
{
	return f == AF_INET ? 0 : f == AF_INET6 ? 1 : 2;
}

int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	/* Rank both sides so that cmp(a, b) == -cmp(b, a) also holds for an
	 * unset address: qsort needs a consistent order. */
	if (a->family != b->family) {
		int ra = family_rank(a->family), rb = family_rank(b->family);

		if (ra != rb)
			return ra < rb ? -1 : 1;
		return a->family < b->family ? -1 : 1;
	}
	return memcmp(a->u.bytes, b->u.bytes, ip_addr_len(a));
}

bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	return a->family == b->family && ip_addr_cmp(a, b) == 0;
}

bool ip_addr_is_linklocal6(const struct ip_addr *a)
{
	return a->family == AF_INET6 && a->u.bytes[0] == 0xfe &&
	       (a->u.bytes[1] & 0xc0) == 0x80;
}

bool ip_addr_is_multicast(const struct ip_addr *a)
{
	if (a->family == AF_INET)
		return (a->u.bytes[0] & 0xf0) == 0xe0;
	return a->family == AF_INET6 && a->u.bytes[0] == 0xff;
}

void ip_addr_from_in(struct ip_addr *out, struct in_addr a)
{
	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	out->u.v4 = a;
}

void ip_addr_from_in6(struct ip_addr *out, const struct in6_addr *a)
{
	memset(out, 0, sizeof(*out));
	out->family = AF_INET6;
	out->u.v6 = *a;
}
