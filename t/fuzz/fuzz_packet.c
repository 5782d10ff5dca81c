/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_packet.c - libFuzzer target for the VRRP codec (src/packet.c).
 *
 * Every input is decoded four times: IPv4 and IPv6, with and without the
 * IPv4 pseudo-header switch. Random bytes rarely carry a valid checksum, so
 * each input is also decoded with its checksum fixed up, which lets the
 * fuzzer reach the checks behind it. Whatever decodes must re-encode to the
 * same bytes, modulo the fields a receiver ignores (v3 rsvd nibble, v2 auth
 * data) and the checksum that covers them; any difference aborts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                            \
			abort();                                             \
		}                                                            \
	} while (0)

struct endpoints {
	struct ip_addr src, dst;
};

/* Documentation and link-local addresses only; nothing is ever sent. */
static struct endpoints endpoints_of(sa_family_t family)
{
	struct endpoints e;

	memset(&e, 0, sizeof(e));
	if (family == AF_INET) {
		CHECK(ip_addr_parse("198.51.100.2", &e.src));
		CHECK(ip_addr_parse(VRRP_MCAST4, &e.dst));
	} else {
		CHECK(ip_addr_parse("fe80::1", &e.src));
		CHECK(ip_addr_parse(VRRP_MCAST6, &e.dst));
	}
	return e;
}

static bool pseudo_used(uint8_t version, sa_family_t family, bool pseudo)
{
	return version == 3 && (family == AF_INET6 || pseudo);
}

static void reseal(uint8_t *buf, size_t len, sa_family_t family,
		   const struct endpoints *e, bool pseudo)
{
	buf[6] = buf[7] = 0;
	uint16_t ck = vrrp_checksum(family, &e->src, &e->dst,
				    pseudo_used(buf[0] >> 4, family, pseudo), buf, len);
	buf[6] = (uint8_t)(ck >> 8);
	buf[7] = (uint8_t)ck;
}

static void same_advert(const struct vrrp_advert *a, const struct vrrp_advert *b)
{
	CHECK(a->version == b->version);
	CHECK(a->type == b->type);
	CHECK(a->vrid == b->vrid);
	CHECK(a->priority == b->priority);
	CHECK(a->interval_cs == b->interval_cs);
	CHECK(a->auth_type == b->auth_type);
	if (a->version == 2 && a->auth_type == VRRP_AUTH_PASS)
		CHECK(memcmp(a->auth_data, b->auth_data, VRRP_V2_AUTH_LEN) == 0);
	CHECK(a->naddr == b->naddr);
	for (unsigned i = 0; i < a->naddr; i++)
		CHECK(ip_addr_equal(&a->addrs[i], &b->addrs[i]));
}

/* What a perfect sender would have put on the wire for this message. */
static void normalise(uint8_t *buf, size_t len, sa_family_t family,
		      const struct endpoints *e, bool pseudo)
{
	if (buf[0] >> 4 == 3)
		buf[4] &= 0x0f;
	else if (buf[4] != VRRP_AUTH_PASS) /* a password is sent back as it came */
		memset(buf + len - VRRP_V2_AUTH_LEN, 0, VRRP_V2_AUTH_LEN);
	reseal(buf, len, family, e, pseudo);
}

static void round_trip(const uint8_t *data, size_t len, sa_family_t family,
		       const struct endpoints *e, bool pseudo,
		       const struct vrrp_advert *adv)
{
	uint8_t out[VRRP_MAX_PKT], want[VRRP_MAX_PKT];
	struct vrrp_advert again;
	bool mismatch = true;

	CHECK(len <= sizeof(want));
	size_t n = vrrp_encode(adv, family, &e->src, &e->dst, pseudo, out, sizeof(out));
	CHECK(n == len);
	memcpy(want, data, len);
	normalise(want, len, family, e, pseudo);
	CHECK(memcmp(out, want, len) == 0);

	struct vrrp_rx rx = {
		.family = family, .src = e->src, .dst = e->dst, .ttl = VRRP_TTL,
		.data = out, .len = n,
	};
	CHECK(vrrp_decode(&rx, pseudo, &again) == VRRP_OK);
	same_advert(adv, &again);

	/* An advert always matches the expectations built from itself. */
	struct vrrp_expect exp = {
		.version = adv->version, .priority = 100, .interval_cs = adv->interval_cs,
		.naddr = adv->naddr, .addrs = adv->addrs,
		.auth_type = adv->auth_type, .auth_data = adv->auth_data,
	};
	CHECK(vrrp_check(adv, &exp, &mismatch) == VRRP_OK);
	CHECK(!mismatch);
}

static void one(const uint8_t *data, size_t len, sa_family_t family, bool pseudo)
{
	struct endpoints e = endpoints_of(family);
	struct vrrp_rx rx = {
		.family = family, .src = e.src, .dst = e.dst, .ttl = VRRP_TTL,
		.data = data, .len = len,
	};
	struct vrrp_advert adv;

	enum vrrp_drop d = vrrp_decode(&rx, pseudo, &adv);
	CHECK((unsigned)d < VRRP_DROP__COUNT);
	CHECK(vrrp_drop_name(d) != NULL && vrrp_drop_text(d) != NULL);
	if (d == VRRP_OK)
		round_trip(data, len, family, &e, pseudo, &adv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const sa_family_t families[] = { AF_INET, AF_INET6 };

	for (size_t f = 0; f < 2; f++) {
		for (int pseudo = 0; pseudo < 2; pseudo++) {
			one(data, size, families[f], pseudo);
			/* Again with a valid checksum, to get past that check.
			 * A heap copy of the exact size keeps ASan's bounds. */
			if (size < VRRP_HDR_LEN || size > VRRP_MAX_PKT)
				continue;
			uint8_t *copy = malloc(size);
			CHECK(copy != NULL);
			memcpy(copy, data, size);
			struct endpoints e = endpoints_of(families[f]);
			reseal(copy, size, families[f], &e, pseudo);
			one(copy, size, families[f], pseudo);
			free(copy);
		}
	}
	return 0;
}
