/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_announce.c - exact bytes of the gratuitous ARP and unsolicited
 * Neighbour Advertisement frames.
 *
 * How the golden frames were verified (once, by hand): the same frames were
 * built independently with python3-scapy 2.5 (Ether()/ARP(op=1, ...) and
 * Ether()/IPv6(hlim=255)/ICMPv6ND_NA(R=1, S=0, O=1)/ICMPv6NDOptDstLLAddr())
 * and came out byte-identical; the frames built by announce.c were then
 * hex-dumped, turned into a pcap with text2pcap and decoded with tshark -V
 * (Wireshark 4): ARP "request/gratuitous ARP", "Is gratuitous: True";
 * ICMPv6 "Checksum: 0x4a4a [correct]", "Flags: 0xa0000000, Router,
 * Override", Target link-layer address option with the VMAC. */
#include <string.h>

#include "testutil.h"
#include "announce.h"

static const uint8_t vmac4[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0x0a };
static const uint8_t vmac6[6] = { 0x00, 0x00, 0x5e, 0x00, 0x02, 0x0a };

static const uint8_t golden_garp[42] = {
	/* Ethernet: broadcast, from the VMAC, ARP */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x5e, 0x00, 0x01, 0x0a,
	0x08, 0x06,
	/* ARP: Ethernet/IPv4, 6/4, request */
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
	/* sender: VMAC, 198.51.100.10 */
	0x00, 0x00, 0x5e, 0x00, 0x01, 0x0a, 0xc6, 0x33, 0x64, 0x0a,
	/* target: ff:ff:ff:ff:ff:ff, 198.51.100.10 */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc6, 0x33, 0x64, 0x0a,
};

static const uint8_t golden_una[86] = {
	/* Ethernet: 33:33:00:00:00:01, from the VMAC, IPv6 */
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x5e, 0x00, 0x02, 0x0a,
	0x86, 0xdd,
	/* IPv6: version 6, payload 32, next header 58, hop limit 255 */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff,
	/* source fe80::1 */
	0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	/* destination ff02::1 */
	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	/* ICMPv6 136/0, checksum 0x4a4a, flags R+O */
	0x88, 0x00, 0x4a, 0x4a, 0xa0, 0x00, 0x00, 0x00,
	/* target 2001:db8::10 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	/* option 2 (target link-layer address), length 1, VMAC */
	0x02, 0x01, 0x00, 0x00, 0x5e, 0x00, 0x02, 0x0a,
};

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;

	ck_assert_msg(ip_addr_parse(s, &a), "bad test address %s", s);
	return a;
}

/* Independent check: the one's complement sum over pseudo-header and
 * message, checksum field included, is 0xffff when the checksum is right. */
static uint16_t icmp6_verify_sum(const uint8_t *frame, size_t frame_len)
{
	const uint8_t *ip6 = frame + 14;
	const uint8_t *icmp = ip6 + 40;
	size_t len = frame_len - 14 - 40;
	uint32_t sum = 0;

	for (size_t i = 8; i < 40; i += 2) /* source and destination */
		sum += (uint32_t)(ip6[i] << 8 | ip6[i + 1]);
	sum += (uint32_t)len;
	sum += 58;
	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)(icmp[i] << 8 | (i + 1 < len ? icmp[i + 1] : 0));
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

START_TEST(garp_exact_bytes)
{
	struct ip_addr vip = ip("198.51.100.10");
	uint8_t frame[128];

	memset(frame, 0xaa, sizeof(frame));
	size_t len = announce_build_garp(vmac4, &vip, frame, sizeof(frame));
	ck_assert_uint_eq(len, sizeof(golden_garp));
	ck_assert_mem_eq(frame, golden_garp, sizeof(golden_garp));
	ck_assert_uint_eq(frame[len], 0xaa); /* nothing written past the end */
}
END_TEST

START_TEST(garp_rejects_bad_input)
{
	struct ip_addr v4 = ip("198.51.100.10"), v6 = ip("2001:db8::10");
	uint8_t frame[128];

	ck_assert_uint_eq(announce_build_garp(vmac4, &v6, frame, sizeof(frame)), 0);
	ck_assert_uint_eq(announce_build_garp(vmac4, &v4, frame, 41), 0);
	ck_assert_uint_eq(announce_build_garp(vmac4, &v4, frame, 42), 42);
}
END_TEST

START_TEST(una_exact_bytes)
{
	struct ip_addr src = ip("fe80::1"), vip = ip("2001:db8::10");
	uint8_t frame[128];

	memset(frame, 0xaa, sizeof(frame));
	size_t len = announce_build_una(vmac6, &src, &vip, frame, sizeof(frame));
	ck_assert_uint_eq(len, sizeof(golden_una));
	ck_assert_mem_eq(frame, golden_una, sizeof(golden_una));
	ck_assert_uint_eq(frame[len], 0xaa);
	ck_assert_uint_eq(icmp6_verify_sum(frame, len), 0xffff);
}
END_TEST

START_TEST(una_fields_other_addresses)
{
	/* Addresses with high bits everywhere exercise the carry folding. */
	struct ip_addr src = ip("fe80::ffff:ffff:ffff:fffe");
	struct ip_addr vip = ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	const uint8_t mac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t frame[86];

	size_t len = announce_build_una(mac, &src, &vip, frame, sizeof(frame));
	ck_assert_uint_eq(len, 86);
	ck_assert_uint_eq(icmp6_verify_sum(frame, len), 0xffff);
	ck_assert_mem_eq(frame + 6, mac, 6);           /* Ethernet source */
	ck_assert_uint_eq(frame[14 + 7], 255);         /* hop limit */
	ck_assert_mem_eq(frame + 14 + 8, src.u.bytes, 16);
	ck_assert_uint_eq(frame[54], 136);             /* NA */
	ck_assert_uint_eq(frame[58] & 0xe0, 0xa0);     /* R=1 S=0 O=1 */
	ck_assert_mem_eq(frame + 62, vip.u.bytes, 16); /* target */
	ck_assert_mem_eq(frame + 80, mac, 6);          /* TLLA option */

	/* One flipped bit must break the checksum. */
	frame[70] ^= 0x01;
	ck_assert_uint_ne(icmp6_verify_sum(frame, len), 0xffff);
}
END_TEST

/* The NA's IPv6 source: our link-local when we have it (multicast mode),
 * else the VIP itself (a global unicast_source, finding A9). */
START_TEST(una_source_choice)
{
	struct ip_addr ll = ip("fe80::1"), global = ip("2001:db8::11"), vip = ip("2001:db8::100");
	struct ip_addr v4 = ip("198.51.100.100");

	ck_assert_ptr_eq(announce_una_source(&ll, &vip), &ll);
	ck_assert_ptr_eq(announce_una_source(&global, &vip), &vip);
	ck_assert_ptr_eq(announce_una_source(NULL, &vip), &vip);
	ck_assert_ptr_null(announce_una_source(&ll, &v4));
}
END_TEST

START_TEST(una_rejects_bad_input)
{
	struct ip_addr ll = ip("fe80::1"), v6 = ip("2001:db8::10"), v4 = ip("198.51.100.10");
	uint8_t frame[128];

	ck_assert_uint_eq(announce_build_una(vmac6, &ll, &v4, frame, sizeof(frame)), 0);
	ck_assert_uint_eq(announce_build_una(vmac6, &v4, &v6, frame, sizeof(frame)), 0);
	ck_assert_uint_eq(announce_build_una(vmac6, &ll, &v6, frame, 85), 0);
	ck_assert_uint_eq(announce_build_una(vmac6, &ll, &v6, frame, 86), 86);
}
END_TEST

static Suite *announce_suite(void)
{
	Suite *s = suite_create("announce");
	TCase *tc = tcase_create("frames");

	tcase_add_test(tc, garp_exact_bytes);
	tcase_add_test(tc, garp_rejects_bad_input);
	tcase_add_test(tc, una_exact_bytes);
	tcase_add_test(tc, una_fields_other_addresses);
	tcase_add_test(tc, una_rejects_bad_input);
	tcase_add_test(tc, una_source_choice);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(announce_suite)
