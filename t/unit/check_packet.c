/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_packet.c - unit tests of the VRRP codec (src/packet.c). */
#include <string.h>

#include "packet.h"
#include "testutil.h"

/*
 * Golden vectors. Built by t/tools/golden.py (a Python implementation that
 * shares no code with packet.c), written to a pcap as Ethernet + IP frames
 * with TTL/hop limit 255, and judged by Wireshark 4.0.17's VRRP dissector:
 *
 *   t/tools/golden.py /tmp/vrrp-golden.pcap
 *   tshark -r /tmp/vrrp-golden.pcap -o vrrp.v3_checksum_as_in_v2:FALSE \
 *          -T fields -e frame.number -e vrrp.checksum -e vrrp.checksum.status
 *   tshark -r /tmp/vrrp-golden.pcap -o vrrp.v3_checksum_as_in_v2:TRUE  (same)
 *
 * With FALSE (the default: v3/IPv4 covers the pseudo-header) frames 1, 3, 4
 * report "[correct]" / status Good and frame 2 "incorrect, should be 0x0b20";
 * with TRUE frame 2 is Good and frame 1 Bad; frames 3 (IPv6) and 4 (v2) are
 * Good either way.
 */

/* Frame 1: v3, 198.51.100.2 -> 224.0.0.18, VRID 51, prio 100, 100 cs,
 * 198.51.100.10 + .11, IPv4 pseudo-header included. tshark: 0x0b20 correct. */
static const uint8_t v3_ipv4_pseudo[] = {
	0x31, 0x33, 0x64, 0x02, 0x00, 0x64, 0x0b, 0x20,
	0xc6, 0x33, 0x64, 0x0a, 0xc6, 0x33, 0x64, 0x0b,
};
/* Frame 2: the same advert, checksum over the VRRP message only.
 * tshark with vrrp.v3_checksum_as_in_v2:TRUE: 0x15e9 correct. */
static const uint8_t v3_ipv4_nopseudo[] = {
	0x31, 0x33, 0x64, 0x02, 0x00, 0x64, 0x15, 0xe9,
	0xc6, 0x33, 0x64, 0x0a, 0xc6, 0x33, 0x64, 0x0b,
};
/* Frame 3: v3, fe80::1 -> ff02::12, VRID 51, prio 200, 100 cs,
 * fe80::12:1 + 2001:db8::10. tshark: 0xdbd9 correct. */
static const uint8_t v3_ipv6[] = {
	0x31, 0x33, 0xc8, 0x02, 0x00, 0x64, 0xdb, 0xd9,
	0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};
/* Frame 4: v2, 198.51.100.2 -> 224.0.0.18, VRID 7, prio 150, 1 s, auth 0,
 * 203.0.113.5 + 8 zero auth bytes. tshark: 0x0cf0 correct. */
static const uint8_t v2_ipv4[] = {
	0x21, 0x07, 0x96, 0x01, 0x00, 0x01, 0x0c, 0xf0,
	0xcb, 0x00, 0x71, 0x05, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

/* Frame 5, captured from keepalived 2.2.7 (Debian 12) with auth_type PASS
 * and auth_pass abc: v2, 198.51.100.10 -> 224.0.0.18, VRID 1, prio 255,
 * 2 s, 198.51.100.1, auth type 1, "abc" zero-padded to 8 bytes. tshark:
 * 0xf062 correct, "Authentication String: abc". */
static const uint8_t v2_pass_keepalived[] = {
	0x21, 0x01, 0xff, 0x01, 0x01, 0x02, 0xf0, 0x62,
	0xc6, 0x33, 0x64, 0x01, 0x61, 0x62, 0x63, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;

	ck_assert_msg(ip_addr_parse(s, &a), "bad test literal %s", s);
	return a;
}

static struct vrrp_advert advert(uint8_t version, uint8_t vrid, uint8_t prio,
				 uint16_t interval_cs, const char *a0, const char *a1)
{
	struct vrrp_advert adv;

	memset(&adv, 0, sizeof(adv));
	adv.version = version;
	adv.type = VRRP_TYPE_ADVERT;
	adv.vrid = vrid;
	adv.priority = prio;
	adv.interval_cs = interval_cs;
	adv.addrs[adv.naddr++] = ip(a0);
	if (a1)
		adv.addrs[adv.naddr++] = ip(a1);
	return adv;
}

static struct vrrp_advert golden4(void)
{
	return advert(3, 51, 100, 100, "198.51.100.10", "198.51.100.11");
}

static struct vrrp_rx rx_of(const char *src, const char *dst, int ttl,
			    const uint8_t *data, size_t len)
{
	struct vrrp_rx rx = {
		.src = ip(src), .dst = ip(dst), .ttl = ttl, .data = data, .len = len,
	};

	rx.family = rx.src.family;
	return rx;
}

static enum vrrp_drop decode4(const uint8_t *data, size_t len, bool pseudo,
			      struct vrrp_advert *out)
{
	struct vrrp_rx rx = rx_of("198.51.100.2", "224.0.0.18", 255, data, len);

	return vrrp_decode(&rx, pseudo, out);
}

static enum vrrp_drop decode6(const uint8_t *data, size_t len, struct vrrp_advert *out)
{
	struct vrrp_rx rx = rx_of("fe80::1", "ff02::12", 255, data, len);

	return vrrp_decode(&rx, false, out);
}

/* Recompute the checksum after a test edited a buffer on purpose. */
static void reseal(uint8_t *buf, size_t len, sa_family_t family, bool pseudo)
{
	struct ip_addr src = ip(family == AF_INET ? "198.51.100.2" : "fe80::1");
	struct ip_addr dst = ip(family == AF_INET ? "224.0.0.18" : "ff02::12");

	buf[6] = buf[7] = 0;
	uint16_t ck = vrrp_checksum(family, &src, &dst, pseudo, buf, len);
	buf[6] = (uint8_t)(ck >> 8);
	buf[7] = (uint8_t)ck;
}

static size_t encode4(const struct vrrp_advert *adv, bool pseudo, uint8_t *buf, size_t cap)
{
	struct ip_addr src = ip("198.51.100.2"), dst = ip("224.0.0.18");

	return vrrp_encode(adv, AF_INET, &src, &dst, pseudo, buf, cap);
}

static void assert_bytes(const uint8_t *got, size_t got_len,
			 const uint8_t *want, size_t want_len)
{
	ck_assert_uint_eq(got_len, want_len);
	for (size_t i = 0; i < want_len; i++)
		ck_assert_msg(got[i] == want[i], "byte %zu: got 0x%02x want 0x%02x",
			      i, got[i], want[i]);
}

/* ---- golden vectors ---- */

START_TEST(test_golden_v3_ipv4_pseudo)
{
	struct vrrp_advert adv = golden4(), out;
	uint8_t buf[VRRP_MAX_PKT];

	size_t n = encode4(&adv, true, buf, sizeof(buf));
	assert_bytes(buf, n, v3_ipv4_pseudo, sizeof(v3_ipv4_pseudo));
	ck_assert_int_eq(decode4(v3_ipv4_pseudo, sizeof(v3_ipv4_pseudo), true, &out), VRRP_OK);
	ck_assert_uint_eq(out.version, 3);
	ck_assert_uint_eq(out.vrid, 51);
	ck_assert_uint_eq(out.priority, 100);
	ck_assert_uint_eq(out.interval_cs, 100);
	ck_assert_uint_eq(out.naddr, 2);
	ck_assert(ip_addr_equal(&out.addrs[1], &adv.addrs[1]));
	ck_assert_int_eq(out.csum_form, VRRP_CSUM_PSEUDO);
	/* The same bytes are wrong without the pseudo-header. */
	ck_assert_uint_ne(vrrp_checksum(AF_INET, NULL, NULL, false, v3_ipv4_pseudo,
					sizeof(v3_ipv4_pseudo)), 0);
}
END_TEST

START_TEST(test_golden_v3_ipv4_nopseudo)
{
	struct vrrp_advert adv = golden4(), out;
	uint8_t buf[VRRP_MAX_PKT];

	size_t n = vrrp_encode(&adv, AF_INET, NULL, NULL, false, buf, sizeof(buf));
	assert_bytes(buf, n, v3_ipv4_nopseudo, sizeof(v3_ipv4_nopseudo));
	ck_assert_int_eq(decode4(v3_ipv4_nopseudo, sizeof(v3_ipv4_nopseudo), false, &out),
			 VRRP_OK);
	ck_assert_uint_eq(out.naddr, 2);
	ck_assert_int_eq(out.csum_form, VRRP_CSUM_PLAIN);
	/* The same bytes are wrong with the pseudo-header. */
	struct ip_addr src = ip("198.51.100.2"), dst = ip("224.0.0.18");
	ck_assert_uint_ne(vrrp_checksum(AF_INET, &src, &dst, true, v3_ipv4_nopseudo,
					sizeof(v3_ipv4_nopseudo)), 0);
}
END_TEST

START_TEST(test_golden_v3_ipv6)
{
	struct vrrp_advert adv = advert(3, 51, 200, 100, "fe80::12:1", "2001:db8::10"), out;
	struct ip_addr src = ip("fe80::1"), dst = ip("ff02::12");
	uint8_t buf[VRRP_MAX_PKT];

	/* IPv6 always covers the pseudo-header, whatever the IPv4 switch says. */
	size_t n = vrrp_encode(&adv, AF_INET6, &src, &dst, false, buf, sizeof(buf));
	assert_bytes(buf, n, v3_ipv6, sizeof(v3_ipv6));
	n = vrrp_encode(&adv, AF_INET6, &src, &dst, true, buf, sizeof(buf));
	assert_bytes(buf, n, v3_ipv6, sizeof(v3_ipv6));
	ck_assert_int_eq(decode6(v3_ipv6, sizeof(v3_ipv6), &out), VRRP_OK);
	ck_assert_uint_eq(out.priority, 200);
	ck_assert_uint_eq(out.addrs[0].family, AF_INET6);
	ck_assert(ip_addr_equal(&out.addrs[0], &adv.addrs[0]));
	ck_assert(ip_addr_equal(&out.addrs[1], &adv.addrs[1]));
}
END_TEST

START_TEST(test_golden_v2_ipv4)
{
	struct vrrp_advert adv = advert(2, 7, 150, 100, "203.0.113.5", NULL), out;
	uint8_t buf[VRRP_MAX_PKT];

	/* v2 never covers a pseudo-header, whatever the switch says. */
	size_t n = encode4(&adv, true, buf, sizeof(buf));
	assert_bytes(buf, n, v2_ipv4, sizeof(v2_ipv4));
	n = vrrp_encode(&adv, AF_INET, NULL, NULL, false, buf, sizeof(buf));
	assert_bytes(buf, n, v2_ipv4, sizeof(v2_ipv4));
	for (bool pseudo = false; ; pseudo = true) {
		ck_assert_int_eq(decode4(v2_ipv4, sizeof(v2_ipv4), pseudo, &out), VRRP_OK);
		ck_assert_uint_eq(out.version, 2);
		ck_assert_uint_eq(out.interval_cs, 100);
		ck_assert_uint_eq(out.auth_type, 0);
		if (pseudo)
			break;
	}
}
END_TEST

START_TEST(test_checksum_rfc1071_example)
{
	/* RFC 1071 §3 numerical example: the sum is 0xddf2. */
	static const uint8_t data[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	static const uint8_t odd[] = { 0x12, 0x34, 0x56 };

	ck_assert_uint_eq(vrrp_checksum(AF_INET, NULL, NULL, false, data, sizeof(data)),
			  (uint16_t)~0xddf2);
	/* An odd trailing byte is padded with a zero. */
	ck_assert_uint_eq(vrrp_checksum(AF_INET, NULL, NULL, false, odd, sizeof(odd)),
			  (uint16_t)~(0x1234 + 0x5600));
	/* Over a correct message the checksum is 0. */
	struct ip_addr src = ip("198.51.100.2"), dst = ip("224.0.0.18");
	ck_assert_uint_eq(vrrp_checksum(AF_INET, &src, &dst, true, v3_ipv4_pseudo,
					sizeof(v3_ipv4_pseudo)), 0);
}
END_TEST

/* ---- round trips ---- */

static void fill_addrs(struct vrrp_advert *adv, sa_family_t family, unsigned n)
{
	adv->naddr = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		struct ip_addr *a = &adv->addrs[i];
		*a = ip(family == AF_INET ? "203.0.113.0" : "2001:db8::");
		a->u.bytes[ip_addr_len(a) - 1] = (uint8_t)(i + 1);
		a->u.bytes[ip_addr_len(a) - 2] = (uint8_t)(i * 37);
	}
}

static void round_trip(uint8_t version, sa_family_t family, bool pseudo, unsigned n,
		       uint16_t interval_cs)
{
	struct vrrp_advert adv, out;
	uint8_t buf[VRRP_MAX_PKT] = { 0 };
	const char *src = family == AF_INET ? "198.51.100.2" : "fe80::1";
	const char *dst = family == AF_INET ? "224.0.0.18" : "ff02::12";
	struct vrrp_rx rx = rx_of(src, dst, 255, buf, 0);

	memset(&adv, 0, sizeof(adv));
	adv.version = version;
	adv.type = VRRP_TYPE_ADVERT;
	adv.vrid = (uint8_t)(n + 1);
	adv.priority = (uint8_t)(n * 3);
	adv.interval_cs = interval_cs;
	fill_addrs(&adv, family, n);

	rx.len = vrrp_encode(&adv, family, &rx.src, &rx.dst, pseudo, buf, sizeof(buf));
	size_t want = VRRP_HDR_LEN + n * (family == AF_INET ? 4 : 16) +
		      (version == 2 ? VRRP_V2_AUTH_LEN : 0);
	ck_assert_uint_eq(rx.len, want);
	ck_assert_int_eq(vrrp_decode(&rx, pseudo, &out), VRRP_OK);
	ck_assert_uint_eq(out.version, version);
	ck_assert_uint_eq(out.type, VRRP_TYPE_ADVERT);
	ck_assert_uint_eq(out.vrid, adv.vrid);
	ck_assert_uint_eq(out.priority, adv.priority);
	ck_assert_uint_eq(out.interval_cs, interval_cs);
	ck_assert_uint_eq(out.naddr, n);
	for (unsigned i = 0; i < n; i++)
		ck_assert(ip_addr_equal(&out.addrs[i], &adv.addrs[i]));
}

START_TEST(test_round_trip_all_sizes)
{
	for (unsigned n = 1; n <= VRRP_MAX_ADDRS; n++) {
		round_trip(3, AF_INET, true, n, (uint16_t)(1 + n * 60 % 4095));
		round_trip(3, AF_INET, false, n, 4095);
		round_trip(3, AF_INET6, false, n, 1);
		round_trip(2, AF_INET, false, n, (uint16_t)(n * 100));
	}
	round_trip(2, AF_INET, false, 1, 25500); /* 255 s, the v2 maximum */
}
END_TEST

/* ---- encode refuses invalid input ---- */

START_TEST(test_encode_rejects_invalid)
{
	uint8_t buf[VRRP_MAX_PKT];
	struct vrrp_advert adv = golden4();
	struct ip_addr src = ip("198.51.100.2"), dst = ip("224.0.0.18");

	ck_assert_uint_gt(encode4(&adv, true, buf, sizeof(buf)), 0);
	/* One byte short of room, then exactly enough. */
	ck_assert_uint_eq(encode4(&adv, true, buf, 15), 0);
	ck_assert_uint_eq(encode4(&adv, true, buf, 16), 16);

	adv.naddr = 0;
	ck_assert_uint_eq(encode4(&adv, true, buf, sizeof(buf)), 0);
	adv = golden4();
	fill_addrs(&adv, AF_INET, VRRP_MAX_ADDRS);
	ck_assert_uint_eq(encode4(&adv, true, buf, sizeof(buf)), VRRP_HDR_LEN + 4 * 255);
	ck_assert_uint_eq(encode4(&adv, true, buf, VRRP_HDR_LEN + 4 * 255 - 1), 0);

	adv = golden4();
	adv.addrs[1] = ip("2001:db8::1"); /* mixed families */
	ck_assert_uint_eq(encode4(&adv, true, buf, sizeof(buf)), 0);
	adv.addrs[1].family = AF_UNSPEC;
	ck_assert_uint_eq(encode4(&adv, true, buf, sizeof(buf)), 0);

	adv = golden4();
	adv.interval_cs = 0;
	ck_assert_uint_eq(encode4(&adv, true, buf, sizeof(buf)), 0);
	adv.interval_cs = 4096;
	ck_assert_uint_eq(encode4(&adv, true, buf, sizeof(buf)), 0);
	adv.interval_cs = 4095;
	ck_assert_uint_eq(encode4(&adv, true, buf, sizeof(buf)), 16);

	adv = golden4();
	adv.version = 4;
	ck_assert_uint_eq(encode4(&adv, true, buf, sizeof(buf)), 0);
	adv.version = 3;
	adv.type = 2;
	ck_assert_uint_eq(encode4(&adv, true, buf, sizeof(buf)), 0);

	/* The pseudo-header needs both addresses, of the right family. */
	adv = golden4();
	ck_assert_uint_eq(vrrp_encode(&adv, AF_INET, NULL, &dst, true, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(vrrp_encode(&adv, AF_INET, &src, NULL, true, buf, sizeof(buf)), 0);
	struct ip_addr src6 = ip("fe80::1");
	ck_assert_uint_eq(vrrp_encode(&adv, AF_INET, &src6, &dst, true, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(vrrp_encode(&adv, AF_UNSPEC, &src, &dst, true, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_encode_v2_rejects_invalid)
{
	uint8_t buf[VRRP_MAX_PKT];
	struct vrrp_advert adv = advert(2, 7, 150, 100, "2001:db8::5", NULL);
	struct ip_addr src = ip("fe80::1"), dst = ip("ff02::12");

	/* v2 is IPv4 only. */
	ck_assert_uint_eq(vrrp_encode(&adv, AF_INET6, &src, &dst, true, buf, sizeof(buf)), 0);
	adv = advert(2, 7, 150, 100, "203.0.113.5", NULL);
	adv.auth_type = 2; /* IPsec AH: not clustd's (PASS is 1) */
	ck_assert_uint_eq(encode4(&adv, false, buf, sizeof(buf)), 0);
	adv.auth_type = 0;
	adv.interval_cs = 25600; /* 256 s does not fit the 8-bit field */
	ck_assert_uint_eq(encode4(&adv, false, buf, sizeof(buf)), 0);
	adv.interval_cs = 0;
	ck_assert_uint_eq(encode4(&adv, false, buf, sizeof(buf)), 0);
	/* The auth data makes the message 8 bytes longer: 20, not 12. */
	adv.interval_cs = 100;
	ck_assert_uint_eq(encode4(&adv, false, buf, 19), 0);
	ck_assert_uint_eq(encode4(&adv, false, buf, 20), 20);
}
END_TEST

START_TEST(test_encode_v2_interval_seconds)
{
	static const struct { uint16_t cs; uint8_t byte5; } cases[] = {
		{ 100, 0x01 }, { 1, 0x01 }, { 99, 0x01 }, { 150, 0x01 },
		{ 200, 0x02 }, { 4095, 40 }, { 25500, 255 },
	};
	uint8_t buf[VRRP_MAX_PKT];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vrrp_advert adv = advert(2, 7, 150, cases[i].cs, "203.0.113.5", NULL);
		ck_assert_uint_eq(encode4(&adv, false, buf, sizeof(buf)), 20);
		ck_assert_msg(buf[5] == cases[i].byte5, "%u cs -> byte 5 = %u",
			      cases[i].cs, buf[5]);
		ck_assert_uint_eq(buf[4], 0); /* auth type */
		for (size_t j = 12; j < 20; j++)
			ck_assert_uint_eq(buf[j], 0); /* auth data */
	}
}
END_TEST

START_TEST(test_encode_v3_interval_field)
{
	uint8_t buf[VRRP_MAX_PKT];
	struct vrrp_advert adv = golden4();

	adv.interval_cs = 4095;
	ck_assert_uint_eq(encode4(&adv, true, buf, sizeof(buf)), 16);
	ck_assert_uint_eq(buf[4], 0x0f); /* rsvd nibble 0 */
	ck_assert_uint_eq(buf[5], 0xff);
	adv.interval_cs = 1;
	ck_assert_uint_eq(encode4(&adv, true, buf, sizeof(buf)), 16);
	ck_assert_uint_eq(buf[4], 0x00);
	ck_assert_uint_eq(buf[5], 0x01);
	ck_assert_uint_eq(buf[0], 0x31);
	ck_assert_uint_eq(buf[3], 2);
}
END_TEST

/* ---- every decode drop reason ---- */

START_TEST(test_decode_truncated)
{
	struct vrrp_advert out;

	/* 7 bytes, 8+3 bytes, 8+4N-1 bytes (N = 2). */
	ck_assert_int_eq(decode4(v3_ipv4_pseudo, 7, true, &out), VRRP_DROP_LENGTH);
	ck_assert_int_eq(decode4(v3_ipv4_pseudo, 8 + 3, true, &out), VRRP_DROP_LENGTH);
	ck_assert_int_eq(decode4(v3_ipv4_pseudo, 8 + 4 * 2 - 1, true, &out), VRRP_DROP_LENGTH);
	ck_assert_int_eq(decode4(v3_ipv4_pseudo, 0, true, &out), VRRP_DROP_LENGTH);
	/* IPv6: one byte short of 8+16N. */
	ck_assert_int_eq(decode6(v3_ipv6, sizeof(v3_ipv6) - 1, &out), VRRP_DROP_LENGTH);
	/* v2 without its 8 auth bytes, and one byte short of them. */
	ck_assert_int_eq(decode4(v2_ipv4, 12, false, &out), VRRP_DROP_LENGTH);
	ck_assert_int_eq(decode4(v2_ipv4, 19, false, &out), VRRP_DROP_LENGTH);
	/* A NULL buffer is an empty one. */
	ck_assert_int_eq(decode4(NULL, 0, true, &out), VRRP_DROP_LENGTH);
}
END_TEST

START_TEST(test_decode_oversize)
{
	struct vrrp_advert out;
	uint8_t buf[VRRP_MAX_PKT + 64];

	memset(buf, 0, sizeof(buf));
	memcpy(buf, v3_ipv4_pseudo, sizeof(v3_ipv4_pseudo));
	/* A trailing zero byte leaves the checksum intact: only length fails. */
	ck_assert_int_eq(decode4(buf, sizeof(v3_ipv4_pseudo) + 1, true, &out), VRRP_DROP_LENGTH);
	ck_assert_int_eq(decode4(buf, sizeof(v3_ipv4_pseudo) + 4, true, &out), VRRP_DROP_LENGTH);
	/* v3 with 8 extra bytes (uvrrpd's habit of appending v2 auth data). */
	ck_assert_int_eq(decode4(buf, sizeof(v3_ipv4_pseudo) + 8, true, &out), VRRP_DROP_LENGTH);

	/* 255 addresses (the field's maximum) and one byte more than they need. */
	buf[0] = 0x31;
	buf[3] = 255;
	buf[5] = 100;
	size_t len = VRRP_HDR_LEN + 4 * 255 + 1;
	ck_assert_uint_le(len, sizeof(buf));
	reseal(buf, len, AF_INET, true);
	ck_assert_int_eq(decode4(buf, len, true, &out), VRRP_DROP_LENGTH);
}
END_TEST

START_TEST(test_decode_zero_count)
{
	uint8_t buf[16];
	struct vrrp_advert out;

	memcpy(buf, v3_ipv4_pseudo, 8);
	buf[3] = 0;
	reseal(buf, 8, AF_INET, true);
	ck_assert_int_eq(decode4(buf, 8, true, &out), VRRP_DROP_NADDR);
	/* Count 0 is reported before the length disagreement. */
	memcpy(buf, v3_ipv4_pseudo, sizeof(buf));
	buf[3] = 0;
	ck_assert_int_eq(decode4(buf, sizeof(buf), true, &out), VRRP_DROP_NADDR);
}
END_TEST

START_TEST(test_decode_bad_checksum)
{
	uint8_t buf[sizeof(v3_ipv4_pseudo)];
	struct vrrp_advert out;

	/* Flip any byte outside the header fields checked earlier. */
	for (size_t i = 1; i < sizeof(buf); i++) {
		if (i == 3)
			continue; /* the count: a length error first */
		memcpy(buf, v3_ipv4_pseudo, sizeof(buf));
		buf[i] ^= 0x01;
		ck_assert_msg(decode4(buf, sizeof(buf), true, &out) == VRRP_DROP_CHECKSUM,
			      "flip of byte %zu not caught", i);
	}
	/* A different source address breaks the pseudo-header sum. */
	struct vrrp_rx rx = rx_of("198.51.100.3", "224.0.0.18", 255,
				  v3_ipv4_pseudo, sizeof(v3_ipv4_pseudo));
	ck_assert_int_eq(vrrp_decode(&rx, true, &out), VRRP_DROP_CHECKSUM);
	/* ... and so does a unicast destination on IPv6. */
	struct vrrp_rx rx6 = rx_of("fe80::1", "fe80::2", 255, v3_ipv6, sizeof(v3_ipv6));
	ck_assert_int_eq(vrrp_decode(&rx6, false, &out), VRRP_DROP_CHECKSUM);
	/* v2 covers no addresses, but its own bytes still count. */
	uint8_t b2[sizeof(v2_ipv4)];
	memcpy(b2, v2_ipv4, sizeof(b2));
	b2[15] = 0x80; /* auth data */
	ck_assert_int_eq(decode4(b2, sizeof(b2), false, &out), VRRP_DROP_CHECKSUM);
}
END_TEST

START_TEST(test_decode_type_and_version)
{
	uint8_t buf[sizeof(v3_ipv4_pseudo)];
	struct vrrp_advert out;
	static const uint8_t bad_versions[] = { 0x01, 0x11, 0x41, 0xf1 };

	memcpy(buf, v3_ipv4_pseudo, sizeof(buf));
	buf[0] = 0x32; /* type 2 */
	reseal(buf, sizeof(buf), AF_INET, true);
	ck_assert_int_eq(decode4(buf, sizeof(buf), true, &out), VRRP_DROP_TYPE);
	buf[0] = 0x30; /* type 0 */
	reseal(buf, sizeof(buf), AF_INET, true);
	ck_assert_int_eq(decode4(buf, sizeof(buf), true, &out), VRRP_DROP_TYPE);
	for (size_t i = 0; i < sizeof(bad_versions); i++) {
		buf[0] = bad_versions[i];
		reseal(buf, sizeof(buf), AF_INET, true);
		ck_assert_int_eq(decode4(buf, sizeof(buf), true, &out), VRRP_DROP_VERSION);
	}
	/* Version is checked before type. */
	buf[0] = 0x42;
	ck_assert_int_eq(decode4(buf, sizeof(buf), true, &out), VRRP_DROP_VERSION);
}
END_TEST

START_TEST(test_decode_ttl)
{
	struct vrrp_advert out;
	struct vrrp_rx rx = rx_of("198.51.100.2", "224.0.0.18", 64,
				  v3_ipv4_pseudo, sizeof(v3_ipv4_pseudo));

	ck_assert_int_eq(vrrp_decode(&rx, true, &out), VRRP_DROP_TTL);
	rx.ttl = 254;
	ck_assert_int_eq(vrrp_decode(&rx, true, &out), VRRP_DROP_TTL);
	rx.ttl = 0;
	ck_assert_int_eq(vrrp_decode(&rx, true, &out), VRRP_DROP_TTL);
	/* A missing TTL (the socket layer found none) fails the check: it
	 * cannot be shown to be 255. */
	rx.ttl = -1;
	ck_assert_int_eq(vrrp_decode(&rx, true, &out), VRRP_DROP_TTL);
	rx.ttl = 255;
	ck_assert_int_eq(vrrp_decode(&rx, true, &out), VRRP_OK);
	/* TTL comes first: even a 3-byte packet is a TTL drop. */
	rx.ttl = 64;
	rx.len = 3;
	ck_assert_int_eq(vrrp_decode(&rx, true, &out), VRRP_DROP_TTL);
	/* IPv6 hop limit. */
	struct vrrp_rx rx6 = rx_of("fe80::1", "ff02::12", 1, v3_ipv6, sizeof(v3_ipv6));
	ck_assert_int_eq(vrrp_decode(&rx6, false, &out), VRRP_DROP_TTL);
}
END_TEST

START_TEST(test_decode_v2_auth)
{
	uint8_t buf[sizeof(v2_ipv4)];
	struct vrrp_advert out;

	/* 2 (IPsec AH) and beyond are never ours. */
	for (uint8_t auth = 2; auth <= 3; auth++) {
		memcpy(buf, v2_ipv4, sizeof(buf));
		buf[4] = auth;
		reseal(buf, sizeof(buf), AF_INET, false);
		ck_assert_int_eq(decode4(buf, sizeof(buf), false, &out), VRRP_DROP_AUTH);
	}
	/* 1 (simple text) decodes: whether it is right is the instance's
	 * question (vrrp_check). */
	memcpy(buf, v2_ipv4, sizeof(buf));
	buf[4] = 1;
	memcpy(buf + 12, "secret12", 8);
	reseal(buf, sizeof(buf), AF_INET, false);
	ck_assert_int_eq(decode4(buf, sizeof(buf), false, &out), VRRP_OK);
	ck_assert_uint_eq(out.auth_type, VRRP_AUTH_PASS);
	ck_assert_mem_eq(out.auth_data, "secret12", 8);
	/* Non-zero auth data is ignored on receipt (RFC 3768 §5.3.10). */
	memcpy(buf, v2_ipv4, sizeof(buf));
	memset(buf + 12, 0xa5, 8);
	reseal(buf, sizeof(buf), AF_INET, false);
	ck_assert_int_eq(decode4(buf, sizeof(buf), false, &out), VRRP_OK);
}
END_TEST

START_TEST(test_decode_zero_interval)
{
	uint8_t buf[sizeof(v3_ipv4_pseudo)];
	uint8_t b2[sizeof(v2_ipv4)];
	struct vrrp_advert out;

	memcpy(buf, v3_ipv4_pseudo, sizeof(buf));
	buf[4] = 0;
	buf[5] = 0;
	reseal(buf, sizeof(buf), AF_INET, true);
	ck_assert_int_eq(decode4(buf, sizeof(buf), true, &out), VRRP_DROP_INTERVAL);
	/* Only the rsvd nibble set: the interval proper is still 0. */
	buf[4] = 0xf0;
	reseal(buf, sizeof(buf), AF_INET, true);
	ck_assert_int_eq(decode4(buf, sizeof(buf), true, &out), VRRP_DROP_INTERVAL);
	/* v2 with 0 seconds would never match a local interval either. */
	memcpy(b2, v2_ipv4, sizeof(b2));
	b2[5] = 0;
	reseal(b2, sizeof(b2), AF_INET, false);
	ck_assert_int_eq(decode4(b2, sizeof(b2), false, &out), VRRP_DROP_INTERVAL);
}
END_TEST

START_TEST(test_decode_rsvd_nibble_ignored)
{
	uint8_t buf[sizeof(v3_ipv4_pseudo)];
	struct vrrp_advert out;

	memcpy(buf, v3_ipv4_pseudo, sizeof(buf));
	buf[4] |= 0xf0;
	reseal(buf, sizeof(buf), AF_INET, true);
	ck_assert_int_eq(decode4(buf, sizeof(buf), true, &out), VRRP_OK);
	ck_assert_uint_eq(out.interval_cs, 100);
	buf[4] = 0xff;
	buf[5] = 0xff;
	reseal(buf, sizeof(buf), AF_INET, true);
	ck_assert_int_eq(decode4(buf, sizeof(buf), true, &out), VRRP_OK);
	ck_assert_uint_eq(out.interval_cs, 4095);
}
END_TEST

START_TEST(test_decode_family)
{
	struct vrrp_advert out;
	uint8_t buf[VRRP_HDR_LEN + 16 + VRRP_V2_AUTH_LEN];

	/* A v2 packet sized for one IPv6 address, received over IPv6. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, v2_ipv4, VRRP_HDR_LEN);
	reseal(buf, sizeof(buf), AF_INET6, false);
	ck_assert_int_eq(decode6(buf, sizeof(buf), &out), VRRP_DROP_FAMILY);
	/* The socket layer passed no family. */
	struct vrrp_rx rx = rx_of("198.51.100.2", "224.0.0.18", 255,
				  v3_ipv4_pseudo, sizeof(v3_ipv4_pseudo));
	rx.family = AF_UNSPEC;
	ck_assert_int_eq(vrrp_decode(&rx, true, &out), VRRP_DROP_FAMILY);
	/* Pseudo-header addresses of another family than the socket's. */
	rx = rx_of("198.51.100.2", "224.0.0.18", 255, v3_ipv6, sizeof(v3_ipv6));
	rx.family = AF_INET6;
	ck_assert_int_eq(vrrp_decode(&rx, false, &out), VRRP_DROP_FAMILY);
	/* ... which does not matter when no pseudo-header is used. */
	rx = rx_of("fe80::1", "ff02::12", 255, v3_ipv4_nopseudo, sizeof(v3_ipv4_nopseudo));
	rx.family = AF_INET;
	ck_assert_int_eq(vrrp_decode(&rx, false, &out), VRRP_OK);
}
END_TEST

START_TEST(test_decode_order)
{
	uint8_t buf[sizeof(v3_ipv4_pseudo)];
	struct vrrp_advert out;

	/* Bad version and bad checksum: version wins. */
	memcpy(buf, v3_ipv4_pseudo, sizeof(buf));
	buf[0] = 0x41;
	ck_assert_int_eq(decode4(buf, sizeof(buf), true, &out), VRRP_DROP_VERSION);
	/* Short and bad version: length wins (below 8 nothing is read). */
	ck_assert_int_eq(decode4(buf, 7, true, &out), VRRP_DROP_LENGTH);
	/* Bad type and wrong length: type wins. */
	buf[0] = 0x32;
	ck_assert_int_eq(decode4(buf, 12, true, &out), VRRP_DROP_TYPE);
	/* Wrong length and bad checksum: length wins. */
	buf[0] = 0x31;
	ck_assert_int_eq(decode4(buf, 12, true, &out), VRRP_DROP_LENGTH);
	/* Zero interval and bad checksum: checksum wins. */
	buf[5] = 0;
	ck_assert_int_eq(decode4(buf, sizeof(buf), true, &out), VRRP_DROP_CHECKSUM);
}
END_TEST

/* ---- vrrp_check ---- */

static struct vrrp_expect expect_of(const struct vrrp_advert *local, uint8_t prio)
{
	struct vrrp_expect e = {
		.version = local->version, .priority = prio,
		.interval_cs = local->interval_cs, .naddr = local->naddr,
		.addrs = local->addrs,
	};
	return e;
}

START_TEST(test_check_v3)
{
	struct vrrp_advert local = golden4();
	struct vrrp_advert adv = golden4();
	struct vrrp_expect exp = expect_of(&local, 100);
	bool mis = true;

	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_OK);
	ck_assert(!mis);
	/* Order does not matter. */
	adv.addrs[0] = local.addrs[1];
	adv.addrs[1] = local.addrs[0];
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_OK);
	ck_assert(!mis);
	/* v3 learns the interval: a different one is fine. */
	adv.interval_cs = 50;
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_OK);
	ck_assert(!mis);
	/* Different list: accepted, flagged. */
	adv.addrs[1] = ip("198.51.100.99");
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_OK);
	ck_assert(mis);
	/* Different count: accepted, flagged; the flag resets on a match. */
	adv = golden4();
	adv.naddr = 1;
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_OK);
	ck_assert(mis);
	adv = golden4();
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_OK);
	ck_assert(!mis);
	/* Duplicates are not a set match: {a, a} != {a, b}. */
	adv.addrs[1] = adv.addrs[0];
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_OK);
	ck_assert(mis);
	/* A NULL flag pointer is allowed. */
	ck_assert_int_eq(vrrp_check(&adv, &exp, NULL), VRRP_OK);
}
END_TEST

START_TEST(test_check_version_and_owner)
{
	struct vrrp_advert local = golden4();
	struct vrrp_advert adv = golden4();
	struct vrrp_expect exp = expect_of(&local, 100);
	bool mis;

	adv.version = 2;
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_DROP_VERSION);
	/* We own the addresses: every advert is dropped (RFC 5798 §7.1). */
	adv.version = 3;
	exp.priority = 255;
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_DROP_OWNER);
	/* Version is checked before ownership. */
	adv.version = 2;
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_DROP_VERSION);
}
END_TEST

START_TEST(test_check_v2)
{
	struct vrrp_advert local = advert(2, 7, 100, 100, "203.0.113.5", "203.0.113.6");
	struct vrrp_advert adv = local;
	struct vrrp_expect exp = expect_of(&local, 100);
	bool mis = true;

	adv.priority = 150;
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_OK);
	ck_assert(!mis);
	/* 2 s against our 1 s: MUST discard (RFC 3768 §7.1). */
	adv.interval_cs = 200;
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_DROP_INTERVAL_MISMATCH);
	/* A local 150 cs goes on the wire as 1 s: same as the peer's 1 s. */
	adv.interval_cs = 100;
	exp.interval_cs = 150;
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_OK);
	exp.interval_cs = 100;
	/* Reordered list: a match. */
	adv.addrs[0] = local.addrs[1];
	adv.addrs[1] = local.addrs[0];
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_OK);
	ck_assert(!mis);
	/* Different list from a non-owner: MUST discard. */
	adv.addrs[1] = ip("203.0.113.77");
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_DROP_ADDR_MISMATCH);
	/* ... from the owner: accepted, flagged. */
	adv.priority = 255;
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_OK);
	ck_assert(mis);
	/* Interval is checked before the address list. */
	adv.priority = 150;
	adv.interval_cs = 300;
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_DROP_INTERVAL_MISMATCH);
}
END_TEST

/* ---- VRRPv2 simple-text authentication (keepalived's auth_type PASS) ---- */

static struct vrrp_advert pass_advert(const char *pass)
{
	struct vrrp_advert adv = advert(2, 1, 255, 200, "198.51.100.1", NULL);

	adv.auth_type = VRRP_AUTH_PASS;
	strncpy((char *)adv.auth_data, pass, sizeof(adv.auth_data));
	return adv;
}

/* Byte for byte what keepalived sends with auth_pass abc. */
START_TEST(test_golden_v2_pass_keepalived)
{
	struct vrrp_advert adv = pass_advert("abc"), out;
	struct ip_addr src = ip("198.51.100.10"), dst = ip("224.0.0.18");
	uint8_t buf[VRRP_MAX_PKT];
	size_t n = vrrp_encode(&adv, AF_INET, &src, &dst, false, buf, sizeof(buf));

	assert_bytes(buf, n, v2_pass_keepalived, sizeof(v2_pass_keepalived));
	struct vrrp_rx rx = rx_of("198.51.100.10", "224.0.0.18", 255, v2_pass_keepalived,
				  sizeof(v2_pass_keepalived));
	ck_assert_int_eq(vrrp_decode(&rx, false, &out), VRRP_OK);
	ck_assert_uint_eq(out.auth_type, VRRP_AUTH_PASS);
	ck_assert_mem_eq(out.auth_data, "abc\0\0\0\0\0", 8);
	ck_assert_uint_eq(out.interval_cs, 200);
}
END_TEST

/* keepalived's receive rule: the auth type must be the instance's, and
 * with PASS all 8 bytes must be equal. */
START_TEST(test_check_v2_pass)
{
	struct vrrp_advert local = pass_advert("abc"), adv = local, none;
	struct vrrp_expect exp = expect_of(&local, 100);
	uint8_t pass8[8] = "abcdefgh";

	exp.auth_type = VRRP_AUTH_PASS;
	exp.auth_data = local.auth_data;
	ck_assert_int_eq(vrrp_check(&adv, &exp, NULL), VRRP_OK);
	/* Another password: dropped with its own reason. */
	memcpy(adv.auth_data, "abd\0\0\0\0\0", 8);
	ck_assert_int_eq(vrrp_check(&adv, &exp, NULL), VRRP_DROP_AUTH_PASS);
	/* The padding counts: "abc" and "abc\0\0\0\0x" differ. */
	memcpy(adv.auth_data, "abc\0\0\0\0x", 8);
	ck_assert_int_eq(vrrp_check(&adv, &exp, NULL), VRRP_DROP_AUTH_PASS);
	/* Eight characters, the last one compared too. */
	exp.auth_data = pass8;
	memcpy(adv.auth_data, "abcdefgh", 8);
	ck_assert_int_eq(vrrp_check(&adv, &exp, NULL), VRRP_OK);
	adv.auth_data[7] = 'i';
	ck_assert_int_eq(vrrp_check(&adv, &exp, NULL), VRRP_DROP_AUTH_PASS);
	/* No authentication from the peer while we expect it: dropped. */
	none = local;
	none.auth_type = VRRP_AUTH_NONE;
	memset(none.auth_data, 0, sizeof(none.auth_data));
	ck_assert_int_eq(vrrp_check(&none, &exp, NULL), VRRP_DROP_AUTH);
	/* A password while we expect none: dropped (keepalived does too). */
	exp.auth_type = VRRP_AUTH_NONE;
	exp.auth_data = NULL;
	adv = local;
	ck_assert_int_eq(vrrp_check(&adv, &exp, NULL), VRRP_DROP_AUTH);
	ck_assert_int_eq(vrrp_check(&none, &exp, NULL), VRRP_OK);
}
END_TEST

/* ---- A3: either checksum form for VRRPv3 over IPv4 ---- */

START_TEST(test_decode_v3_ipv4_either_checksum_form)
{
	struct vrrp_advert out;

	/* Each form is accepted whichever one we send, and named. */
	ck_assert_int_eq(decode4(v3_ipv4_nopseudo, sizeof(v3_ipv4_nopseudo), true, &out), VRRP_OK);
	ck_assert_uint_eq(out.naddr, 2);
	ck_assert_int_eq(out.csum_form, VRRP_CSUM_PLAIN);
	ck_assert_int_eq(decode4(v3_ipv4_pseudo, sizeof(v3_ipv4_pseudo), false, &out), VRRP_OK);
	ck_assert_int_eq(out.csum_form, VRRP_CSUM_PSEUDO);
	ck_assert_int_eq(decode4(v3_ipv4_pseudo, sizeof(v3_ipv4_pseudo), true, &out), VRRP_OK);
	ck_assert_int_eq(out.csum_form, VRRP_CSUM_PSEUDO);
	ck_assert_int_eq(decode4(v3_ipv4_nopseudo, sizeof(v3_ipv4_nopseudo), false, &out), VRRP_OK);
	ck_assert_int_eq(out.csum_form, VRRP_CSUM_PLAIN);
	/* Without known addresses only the message-only form can be checked. */
	struct vrrp_rx rx = rx_of("198.51.100.2", "224.0.0.18", 255, v3_ipv4_nopseudo,
				  sizeof(v3_ipv4_nopseudo));
	rx.dst.family = AF_UNSPEC;
	ck_assert_int_eq(vrrp_decode(&rx, false, &out), VRRP_OK);
	ck_assert_int_eq(out.csum_form, VRRP_CSUM_PLAIN);
	ck_assert_int_eq(vrrp_decode(&rx, true, &out), VRRP_DROP_FAMILY);
	ck_assert_str_eq(vrrp_csum_form_name(VRRP_CSUM_PSEUDO), "pseudo_header");
	ck_assert_str_eq(vrrp_csum_form_name(VRRP_CSUM_PLAIN), "no_pseudo_header");
	ck_assert_str_eq(vrrp_csum_form_name(VRRP_CSUM__COUNT), "unknown");
	/* A checksum right in neither form is still dropped, whatever we prefer. */
	uint8_t buf[sizeof(v3_ipv4_pseudo)];
	memcpy(buf, v3_ipv4_pseudo, sizeof(buf));
	buf[7] ^= 0x01;
	ck_assert_int_eq(decode4(buf, sizeof(buf), true, &out), VRRP_DROP_CHECKSUM);
	ck_assert_int_eq(decode4(buf, sizeof(buf), false, &out), VRRP_DROP_CHECKSUM);
}
END_TEST

START_TEST(test_decode_other_families_keep_one_form)
{
	struct vrrp_advert out;
	uint8_t b6[sizeof(v3_ipv6)], b2[sizeof(v2_ipv4)];

	/* IPv6 always covers the pseudo-header: the message-only sum is wrong. */
	memcpy(b6, v3_ipv6, sizeof(b6));
	ck_assert_int_eq(decode6(b6, sizeof(b6), &out), VRRP_OK);
	ck_assert_int_eq(out.csum_form, VRRP_CSUM_PSEUDO);
	reseal(b6, sizeof(b6), AF_INET6, false);
	ck_assert_int_eq(decode6(b6, sizeof(b6), &out), VRRP_DROP_CHECKSUM);
	/* VRRPv2 never does: a pseudo-header sum is wrong. */
	memcpy(b2, v2_ipv4, sizeof(b2));
	ck_assert_int_eq(decode4(b2, sizeof(b2), true, &out), VRRP_OK);
	ck_assert_int_eq(out.csum_form, VRRP_CSUM_PLAIN);
	reseal(b2, sizeof(b2), AF_INET, true);
	ck_assert_int_eq(decode4(b2, sizeof(b2), true, &out), VRRP_DROP_CHECKSUM);
	ck_assert_int_eq(decode4(b2, sizeof(b2), false, &out), VRRP_DROP_CHECKSUM);
}
END_TEST

/* ---- A8: address lists up to the field's 255 ---- */

/* A v3 message claiming `count` addresses and carrying `present`. */
static size_t many_addrs(uint8_t *buf, size_t cap, sa_family_t family, unsigned count,
			 unsigned present)
{
	size_t asz = family == AF_INET ? 4 : 16;
	size_t len = VRRP_HDR_LEN + present * asz;

	ck_assert_uint_le(len, cap);
	memset(buf, 0, len);
	buf[0] = 0x31;
	buf[1] = 51;
	buf[2] = 100;
	buf[3] = (uint8_t)count;
	buf[5] = 100;
	for (unsigned i = 0; i < present; i++) {
		uint8_t *a = buf + VRRP_HDR_LEN + i * asz;
		if (family == AF_INET) {
			a[0] = 203, a[2] = 113, a[3] = (uint8_t)i;
		} else {
			a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8;
			a[14] = (uint8_t)(i >> 8), a[15] = (uint8_t)i;
		}
	}
	reseal(buf, len, family, true);
	return len;
}

START_TEST(test_decode_100_addresses)
{
	static uint8_t buf[VRRP_HDR_LEN + 256 * 16];
	struct vrrp_advert out;

	size_t len = many_addrs(buf, sizeof(buf), AF_INET, 100, 100);
	ck_assert_int_eq(decode4(buf, len, true, &out), VRRP_OK);
	ck_assert_uint_eq(out.naddr, 100);
	struct ip_addr last = ip("203.0.113.99");
	ck_assert(ip_addr_equal(&out.addrs[99], &last));
	/* The length must still match the count exactly. */
	len = many_addrs(buf, sizeof(buf), AF_INET, 100, 99);
	ck_assert_int_eq(decode4(buf, len, true, &out), VRRP_DROP_LENGTH);
	len = many_addrs(buf, sizeof(buf), AF_INET, 100, 101);
	ck_assert_int_eq(decode4(buf, len, true, &out), VRRP_DROP_LENGTH);
	/* The field's maximum, in both families. */
	len = many_addrs(buf, sizeof(buf), AF_INET, 255, 255);
	ck_assert_int_eq(decode4(buf, len, true, &out), VRRP_OK);
	ck_assert_uint_eq(out.naddr, 255);
	len = many_addrs(buf, sizeof(buf), AF_INET6, 255, 255);
	ck_assert_int_eq(decode6(buf, len, &out), VRRP_OK);
	ck_assert_uint_eq(out.naddr, 255);
	ck_assert_uint_eq(out.addrs[254].u.bytes[15], 254);
	len = many_addrs(buf, sizeof(buf), AF_INET6, 255, 256);
	ck_assert_int_eq(decode6(buf, len, &out), VRRP_DROP_LENGTH);
}
END_TEST

/* ---- A8: two owners of one VRID ---- */

START_TEST(test_check_two_owners)
{
	struct vrrp_advert local = golden4();
	struct vrrp_advert adv = golden4();
	struct vrrp_expect exp = expect_of(&local, 255);
	bool mis;

	/* Another owner: still dropped, but named as a conflict. */
	adv.priority = 255;
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_DROP_OWNER_CONFLICT);
	ck_assert_str_eq(vrrp_drop_name(VRRP_DROP_OWNER_CONFLICT), "owner_conflict");
	/* Version is still checked first. */
	adv.version = 2;
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_DROP_VERSION);
	adv.version = 3;
	/* A non-owner's advert to an owner stays an owner drop. */
	adv.priority = 254;
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_DROP_OWNER);
	/* A non-owner receiving an owner's advert accepts it. */
	adv.priority = 255;
	exp.priority = 200;
	ck_assert_int_eq(vrrp_check(&adv, &exp, &mis), VRRP_OK);
}
END_TEST

/* ---- names ---- */

START_TEST(test_check_source)
{
	struct ip_addr peers[2], a;

	ck_assert(ip_addr_parse("198.51.100.12", &peers[0]));
	ck_assert(ip_addr_parse("2001:db8::12", &peers[1]));
	ck_assert(ip_addr_parse("198.51.100.200", &a));
	/* Multicast mode: any source. */
	ck_assert_int_eq(vrrp_check_source(&a, NULL, 0), VRRP_OK);
	/* Unicast mode: only the peers, whatever else is on the link. */
	ck_assert_int_eq(vrrp_check_source(&a, peers, 2), VRRP_DROP_NOT_PEER);
	ck_assert_int_eq(vrrp_check_source(&peers[0], peers, 2), VRRP_OK);
	ck_assert_int_eq(vrrp_check_source(&peers[1], peers, 2), VRRP_OK);
	ck_assert_int_eq(vrrp_check_source(&peers[1], peers, 1), VRRP_DROP_NOT_PEER);
	/* The same bits in the other family are another address. */
	ck_assert(ip_addr_parse("::ffff:198.51.100.12", &a));
	ck_assert_int_eq(vrrp_check_source(&a, peers, 2), VRRP_DROP_NOT_PEER);
}
END_TEST

START_TEST(test_drop_names)
{
	static const char *const want[VRRP_DROP__COUNT] = {
		[VRRP_DROP_TTL] = "bad_ttl", [VRRP_DROP_VERSION] = "bad_version",
		[VRRP_DROP_TYPE] = "bad_type", [VRRP_DROP_LENGTH] = "bad_length",
		[VRRP_DROP_CHECKSUM] = "bad_checksum", [VRRP_DROP_VRID] = "unknown_vrid",
		[VRRP_DROP_INTERVAL] = "zero_interval", [VRRP_DROP_NADDR] = "zero_addresses",
		[VRRP_DROP_AUTH] = "bad_auth",
		[VRRP_DROP_INTERVAL_MISMATCH] = "interval_mismatch",
		[VRRP_DROP_ADDR_MISMATCH] = "address_mismatch",
		[VRRP_DROP_OWNER] = "we_are_owner", [VRRP_DROP_FAMILY] = "bad_family",
		[VRRP_DROP_SELF] = "own_advert", [VRRP_DROP_OWNER_CONFLICT] = "owner_conflict",
		[VRRP_DROP_NOT_PEER] = "not_a_peer",
		[VRRP_DROP_AUTH_PASS] = "bad_auth_pass",
	};

	for (int d = 1; d < VRRP_DROP__COUNT; d++) {
		ck_assert_str_eq(vrrp_drop_name((enum vrrp_drop)d), want[d]);
		const char *t = vrrp_drop_text((enum vrrp_drop)d);
		ck_assert_ptr_nonnull(t);
		ck_assert_uint_gt(strlen(t), 5);
		for (int e = 1; e < d; e++)
			ck_assert_str_ne(t, vrrp_drop_text((enum vrrp_drop)e));
	}
	ck_assert_str_eq(vrrp_drop_name(VRRP_DROP__COUNT), "unknown");
	ck_assert_ptr_nonnull(vrrp_drop_text(VRRP_DROP__COUNT));
	ck_assert_ptr_nonnull(vrrp_drop_name(VRRP_OK));
}
END_TEST

static Suite *packet_suite(void)
{
	Suite *s = suite_create("packet");
	TCase *tc = tcase_create("golden");

	tcase_add_test(tc, test_golden_v3_ipv4_pseudo);
	tcase_add_test(tc, test_golden_v3_ipv4_nopseudo);
	tcase_add_test(tc, test_golden_v3_ipv6);
	tcase_add_test(tc, test_golden_v2_ipv4);
	tcase_add_test(tc, test_golden_v2_pass_keepalived);
	tcase_add_test(tc, test_checksum_rfc1071_example);
	suite_add_tcase(s, tc);

	tc = tcase_create("encode");
	tcase_add_test(tc, test_round_trip_all_sizes);
	tcase_add_test(tc, test_encode_rejects_invalid);
	tcase_add_test(tc, test_encode_v2_rejects_invalid);
	tcase_add_test(tc, test_encode_v2_interval_seconds);
	tcase_add_test(tc, test_encode_v3_interval_field);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode");
	tcase_add_test(tc, test_decode_truncated);
	tcase_add_test(tc, test_decode_oversize);
	tcase_add_test(tc, test_decode_zero_count);
	tcase_add_test(tc, test_decode_bad_checksum);
	tcase_add_test(tc, test_decode_type_and_version);
	tcase_add_test(tc, test_decode_ttl);
	tcase_add_test(tc, test_decode_v2_auth);
	tcase_add_test(tc, test_decode_zero_interval);
	tcase_add_test(tc, test_decode_rsvd_nibble_ignored);
	tcase_add_test(tc, test_decode_family);
	tcase_add_test(tc, test_decode_order);
	tcase_add_test(tc, test_decode_v3_ipv4_either_checksum_form);
	tcase_add_test(tc, test_decode_other_families_keep_one_form);
	tcase_add_test(tc, test_decode_100_addresses);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_add_test(tc, test_check_v3);
	tcase_add_test(tc, test_check_version_and_owner);
	tcase_add_test(tc, test_check_two_owners);
	tcase_add_test(tc, test_check_v2);
	tcase_add_test(tc, test_check_v2_pass);
	tcase_add_test(tc, test_drop_names);
	tcase_add_test(tc, test_check_source);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(packet_suite)
