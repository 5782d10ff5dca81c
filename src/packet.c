/* SPDX-License-Identifier: GPL-2.0-or-later */
/* packet.c - VRRP advertisement codec: RFC 5798 (v3) and RFC 3768 (v2).
 *
 * Wire layout (both versions):
 *   0: version<<4 | type    1: VRID    2: priority    3: address count
 *   4-5: v3 rsvd(4 bits) + Max Adver Int (12 bits, centiseconds)
 *        v2 auth type (8 bits) + Adver Int (8 bits, seconds)
 *   6-7: checksum           8..: addresses   v2 only: 8 bytes auth data
 */
#include "inet_csum.h"
#include "packet.h"

#include <string.h>

/* The count field is 8 bits: every value it can hold must fit. */
_Static_assert(VRRP_MAX_ADDRS == 255, "an advert can carry 255 addresses");

#define V3_INTERVAL_MASK 0x0fff
#define V3_INTERVAL_MAX 4095
#define V2_SECONDS_MAX 255

struct drop_desc {
	const char *name;
	const char *text;
};

static const struct drop_desc drop_table[VRRP_DROP__COUNT] = {
	[VRRP_OK] = { "ok", "packet accepted" },
	[VRRP_DROP_TTL] = { "bad_ttl", "TTL or hop limit is not 255" },
	[VRRP_DROP_VERSION] = { "bad_version", "unsupported or unexpected VRRP version" },
	[VRRP_DROP_TYPE] = { "bad_type", "type is not ADVERTISEMENT" },
	[VRRP_DROP_LENGTH] = { "bad_length", "length does not match the address count" },
	[VRRP_DROP_CHECKSUM] = { "bad_checksum", "checksum is wrong" },
	[VRRP_DROP_VRID] = { "unknown_vrid", "no instance with this VRID here" },
	[VRRP_DROP_INTERVAL] = { "zero_interval", "advertisement interval is 0" },
	[VRRP_DROP_NADDR] = { "zero_addresses", "address count is 0" },
	[VRRP_DROP_AUTH] = { "bad_auth", "VRRPv2 authentication type is not ours (0, or 1 with auth_pass)" },
	[VRRP_DROP_INTERVAL_MISMATCH] = { "interval_mismatch",
					  "VRRPv2 advertisement interval differs from ours" },
	[VRRP_DROP_ADDR_MISMATCH] = { "address_mismatch",
				      "VRRPv2 address list differs from ours, sender not owner" },
	[VRRP_DROP_OWNER] = { "we_are_owner", "we own the addresses (priority 255)" },
	[VRRP_DROP_FAMILY] = { "bad_family", "VRRPv2 over IPv6 or mixed address families" },
	[VRRP_DROP_SELF] = { "own_advert", "our own advertisement looped back" },
	[VRRP_DROP_OWNER_CONFLICT] = { "owner_conflict",
				       "two owners: the sender claims our addresses with priority 255 too" },
	[VRRP_DROP_NOT_PEER] = { "not_a_peer", "source is not one of unicast_peers" },
	[VRRP_DROP_AUTH_PASS] = { "bad_auth_pass", "VRRPv2 simple-text password is not our auth_pass" },
};

const char *vrrp_drop_name(enum vrrp_drop d)
{
	if ((unsigned)d >= VRRP_DROP__COUNT)
		return "unknown";
	return drop_table[d].name;
}

const char *vrrp_drop_text(enum vrrp_drop d)
{
	if ((unsigned)d >= VRRP_DROP__COUNT)
		return "unknown drop reason";
	return drop_table[d].text;
}

static const char *const csum_form_names[VRRP_CSUM__COUNT] = {
	[VRRP_CSUM_PSEUDO] = "pseudo_header",
	[VRRP_CSUM_PLAIN] = "no_pseudo_header",
};

const char *vrrp_csum_form_name(enum vrrp_csum_form f)
{
	return (unsigned)f < VRRP_CSUM__COUNT ? csum_form_names[f] : "unknown";
}

/* Returns the value for bytes 6-7 (host order) when they hold zero, and 0
 * when run over a message whose checksum is already correct. A NULL src or
 * dst counts as the all-zero address. */
uint16_t vrrp_checksum(sa_family_t family, const struct ip_addr *src,
		       const struct ip_addr *dst, bool pseudo_header,
		       const uint8_t *data, size_t len)
{
	static const uint8_t zero[16];
	size_t alen = family == AF_INET6 ? 16 : 4;
	uint32_t sum = 0;

	if (pseudo_header)
		sum = inet_csum_pseudo(0, src ? src->u.bytes : zero, dst ? dst->u.bytes : zero,
				       alen, len, VRRP_PROTO);
	return inet_csum_finish(inet_csum_add(sum, data, len));
}

static size_t addr_size(sa_family_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

static size_t message_size(uint8_t version, sa_family_t family, unsigned naddr)
{
	size_t n = VRRP_HDR_LEN + naddr * addr_size(family);

	return version == 2 ? n + VRRP_V2_AUTH_LEN : n;
}

/* v3 over IPv6 always covers the pseudo-header; v2 never does. */
static bool uses_pseudo_header(uint8_t version, sa_family_t family, bool pseudo_header)
{
	if (version == 2)
		return false;
	return family == AF_INET6 || pseudo_header;
}

/* RFC 3768 §5.3.7 carries whole seconds; never round a short interval to 0. */
static unsigned v2_seconds(uint16_t interval_cs)
{
	unsigned s = interval_cs / 100u;

	return s ? s : 1;
}

static bool family_ok(sa_family_t family)
{
	return family == AF_INET || family == AF_INET6;
}

static bool interval_ok(uint8_t version, uint16_t cs)
{
	if (cs == 0)
		return false;
	return version == 3 ? cs <= V3_INTERVAL_MAX : cs <= V2_SECONDS_MAX * 100u;
}

static bool advert_ok(const struct vrrp_advert *adv, sa_family_t family)
{
	if (!family_ok(family))
		return false;
	if (adv->version != 2 && adv->version != 3)
		return false;
	if (adv->version == 2 && (family != AF_INET || adv->auth_type > VRRP_AUTH_PASS))
		return false;
	if (adv->type != VRRP_TYPE_ADVERT)
		return false;
	if (adv->naddr == 0)
		return false;
	if (!interval_ok(adv->version, adv->interval_cs))
		return false;
	for (unsigned i = 0; i < adv->naddr; i++)
		if (adv->addrs[i].family != family)
			return false;
	return true;
}

static bool pseudo_addrs_ok(sa_family_t family, const struct ip_addr *src,
			    const struct ip_addr *dst)
{
	return src && dst && src->family == family && dst->family == family;
}

static void put_interval(const struct vrrp_advert *adv, uint8_t *buf)
{
	if (adv->version == 3) {
		/* The rsvd nibble stays 0 (RFC 5798 §5.2.6). */
		buf[4] = (uint8_t)(adv->interval_cs >> 8);
		buf[5] = (uint8_t)adv->interval_cs;
	} else {
		buf[4] = adv->auth_type;
		buf[5] = (uint8_t)v2_seconds(adv->interval_cs);
	}
}

size_t vrrp_encode(const struct vrrp_advert *adv, sa_family_t family,
		   const struct ip_addr *src, const struct ip_addr *dst,
		   bool pseudo_header, uint8_t *buf, size_t cap)
{
	if (!adv || !buf || !advert_ok(adv, family))
		return 0;
	bool pseudo = uses_pseudo_header(adv->version, family, pseudo_header);
	if (pseudo && !pseudo_addrs_ok(family, src, dst))
		return 0;
	size_t len = message_size(adv->version, family, adv->naddr);
	if (cap < len)
		return 0;

	memset(buf, 0, len); /* also the v2 auth data (RFC 3768 §5.3.10) */
	buf[0] = (uint8_t)(adv->version << 4 | VRRP_TYPE_ADVERT);
	buf[1] = adv->vrid;
	buf[2] = adv->priority;
	buf[3] = adv->naddr;
	put_interval(adv, buf);
	size_t asz = addr_size(family);
	for (unsigned i = 0; i < adv->naddr; i++)
		memcpy(buf + VRRP_HDR_LEN + i * asz, adv->addrs[i].u.bytes, asz);
	/* keepalived's auth_type PASS: the password follows the addresses. */
	if (adv->version == 2 && adv->auth_type == VRRP_AUTH_PASS)
		memcpy(buf + VRRP_HDR_LEN + adv->naddr * asz, adv->auth_data, VRRP_V2_AUTH_LEN);

	uint16_t ck = vrrp_checksum(family, src, dst, pseudo, buf, len);
	buf[6] = (uint8_t)(ck >> 8);
	buf[7] = (uint8_t)ck;
	return len;
}

/* Version, type, family and length: everything the checksum depends on. */
static enum vrrp_drop decode_frame(const struct vrrp_rx *rx)
{
	const uint8_t *p = rx->data;

	if (rx->len < VRRP_HDR_LEN)
		return VRRP_DROP_LENGTH;
	uint8_t version = p[0] >> 4;
	if (version != 2 && version != 3)
		return VRRP_DROP_VERSION;
	if ((p[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return VRRP_DROP_TYPE;
	if (!family_ok(rx->family) || (version == 2 && rx->family != AF_INET))
		return VRRP_DROP_FAMILY;
	if (p[3] == 0)
		return VRRP_DROP_NADDR;
	if (rx->len != message_size(version, rx->family, p[3]))
		return VRRP_DROP_LENGTH;
	return VRRP_OK;
}

static bool checksum_right(const struct vrrp_rx *rx, bool pseudo)
{
	return vrrp_checksum(rx->family, &rx->src, &rx->dst, pseudo, rx->data, rx->len) == 0;
}

/* VRRPv3 over IPv4: RFC 5798 §5.2.8 was read both ways and RFC 9568 §5.2.8
 * now leaves the pseudo-header out for IPv4, so peers differ: either form
 * is accepted, the preferred one tried first. IPv6 and v2 have one form. */
static enum vrrp_drop verify_checksum(const struct vrrp_rx *rx, bool pseudo_header,
				      enum vrrp_csum_form *form)
{
	uint8_t version = rx->data[0] >> 4;
	bool pseudo = uses_pseudo_header(version, rx->family, pseudo_header);
	bool addrs_known = rx->src.family == rx->family && rx->dst.family == rx->family;
	/* The other form needs the addresses only if it is the pseudo-header. */
	bool either = version == 3 && rx->family == AF_INET && (pseudo || addrs_known);

	/* The socket layer must say which addresses the packet carried. */
	if (pseudo && !addrs_known)
		return VRRP_DROP_FAMILY;
	if (checksum_right(rx, pseudo)) {
		*form = pseudo ? VRRP_CSUM_PSEUDO : VRRP_CSUM_PLAIN;
		return VRRP_OK;
	}
	if (either && checksum_right(rx, !pseudo)) {
		*form = pseudo ? VRRP_CSUM_PLAIN : VRRP_CSUM_PSEUDO;
		return VRRP_OK;
	}
	return VRRP_DROP_CHECKSUM;
}

static void fill_advert(const struct vrrp_rx *rx, struct vrrp_advert *out)
{
	const uint8_t *p = rx->data;
	size_t asz = addr_size(rx->family);

	memset(out, 0, sizeof(*out));
	out->version = p[0] >> 4;
	out->type = p[0] & 0x0f;
	out->vrid = p[1];
	out->priority = p[2];
	out->naddr = p[3];
	if (out->version == 3) {
		/* Ignore the rsvd nibble on receipt (RFC 5798 §5.2.6). */
		out->interval_cs = (uint16_t)((p[4] << 8 | p[5]) & V3_INTERVAL_MASK);
	} else {
		out->auth_type = p[4];
		out->interval_cs = (uint16_t)(p[5] * 100u);
		memcpy(out->auth_data, p + VRRP_HDR_LEN + out->naddr * asz, VRRP_V2_AUTH_LEN);
	}
	for (unsigned i = 0; i < out->naddr; i++) {
		out->addrs[i].family = rx->family;
		memcpy(out->addrs[i].u.bytes, p + VRRP_HDR_LEN + i * asz, asz);
	}
}

enum vrrp_drop vrrp_decode(const struct vrrp_rx *rx, bool pseudo_header,
			   struct vrrp_advert *out)
{
	enum vrrp_drop d;
	enum vrrp_csum_form form = VRRP_CSUM_PSEUDO;

	/* A missing value (-1) cannot be shown to be 255: it fails too. */
	if (rx->ttl != VRRP_TTL)
		return VRRP_DROP_TTL;
	if (!rx->data)
		return VRRP_DROP_LENGTH;
	d = decode_frame(rx);
	if (d == VRRP_OK)
		d = verify_checksum(rx, pseudo_header, &form);
	if (d != VRRP_OK)
		return d;
	fill_advert(rx, out);
	out->csum_form = form;
	/* A zero interval would mean a zero timer: RFC 9568 drops it (v3); a v2
	 * zero can never match a local interval either. */
	if (out->interval_cs == 0)
		return VRRP_DROP_INTERVAL;
	if (out->version == 2 && out->auth_type > VRRP_AUTH_PASS)
		return VRRP_DROP_AUTH;
	return VRRP_OK;
}

static bool addr_in(const struct ip_addr *a, const struct ip_addr *set, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (ip_addr_equal(a, &set[i]))
			return true;
	return false;
}

/* Order-insensitive: same count and each list contained in the other. */
static bool same_addr_set(const struct vrrp_advert *adv, const struct vrrp_expect *exp)
{
	if (adv->naddr != exp->naddr)
		return false;
	for (unsigned i = 0; i < adv->naddr; i++)
		if (!addr_in(&adv->addrs[i], exp->addrs, exp->naddr))
			return false;
	for (unsigned i = 0; i < exp->naddr; i++)
		if (!addr_in(&exp->addrs[i], adv->addrs, adv->naddr))
			return false;
	return true;
}

enum vrrp_drop vrrp_check_source(const struct ip_addr *src, const struct ip_addr *peers,
				 size_t npeers)
{
	if (npeers == 0)
		return VRRP_OK;
	for (size_t i = 0; i < npeers; i++)
		if (ip_addr_equal(src, &peers[i]))
			return VRRP_OK;
	return VRRP_DROP_NOT_PEER;
}

enum vrrp_drop vrrp_check(const struct vrrp_advert *adv, const struct vrrp_expect *exp,
			  bool *addr_mismatch)
{
	if (addr_mismatch)
		*addr_mismatch = false;
	if (adv->version != exp->version)
		return VRRP_DROP_VERSION;
	/* As keepalived: another auth type, or another password, is another
	 * virtual router's advert (or a forgery): never acted on. */
	if (adv->version == 2 && adv->auth_type != exp->auth_type)
		return VRRP_DROP_AUTH;
	if (adv->version == 2 && adv->auth_type == VRRP_AUTH_PASS &&
	    (!exp->auth_data || memcmp(adv->auth_data, exp->auth_data, VRRP_V2_AUTH_LEN) != 0))
		return VRRP_DROP_AUTH_PASS;
	/* Two owners of one VRID is a misconfiguration that leaves two
	 * masters: name it apart from the ordinary owner drop. */
	if (exp->priority == 255)
		return adv->priority == 255 ? VRRP_DROP_OWNER_CONFLICT : VRRP_DROP_OWNER;
	/* Compare what travels on the wire: v2 carries whole seconds, so a
	 * local 150 cs and a received 1 s are the same advert interval. */
	if (adv->version == 2 && adv->interval_cs / 100u != v2_seconds(exp->interval_cs))
		return VRRP_DROP_INTERVAL_MISMATCH;
	if (same_addr_set(adv, exp))
		return VRRP_OK;
	if (adv->version == 2 && adv->priority != 255)
		return VRRP_DROP_ADDR_MISMATCH;
	if (addr_mismatch)
		*addr_mismatch = true;
	return VRRP_OK;
}
