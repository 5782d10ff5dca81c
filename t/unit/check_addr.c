/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_addr.c - unit tests of the address helpers (src/addr.c).
 * The literals below are parsed and compared only; nothing touches a network. */
#include <string.h>

#include "addr.h"
#include "testutil.h"

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;

	ck_assert_msg(ip_addr_parse(s, &a), "bad test literal %s", s);
	return a;
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

START_TEST(test_parse_ipv4)
{
	struct ip_addr a;

	ck_assert(ip_addr_parse("198.51.100.1", &a));
	ck_assert_uint_eq(a.family, AF_INET);
	ck_assert_uint_eq(ip_addr_len(&a), 4);
	ck_assert_uint_eq(a.u.bytes[0], 198);
	ck_assert_uint_eq(a.u.bytes[1], 51);
	ck_assert_uint_eq(a.u.bytes[2], 100);
	ck_assert_uint_eq(a.u.bytes[3], 1);
	/* The bytes past the IPv4 address stay zero. */
	for (int i = 4; i < 16; i++)
		ck_assert_uint_eq(a.u.bytes[i], 0);
}
END_TEST

START_TEST(test_parse_ipv6)
{
	struct ip_addr a;

	ck_assert(ip_addr_parse("2001:db8::1", &a));
	ck_assert_uint_eq(a.family, AF_INET6);
	ck_assert_uint_eq(ip_addr_len(&a), 16);
	ck_assert_uint_eq(a.u.bytes[0], 0x20);
	ck_assert_uint_eq(a.u.bytes[1], 0x01);
	ck_assert_uint_eq(a.u.bytes[2], 0x0d);
	ck_assert_uint_eq(a.u.bytes[3], 0xb8);
	ck_assert_uint_eq(a.u.bytes[15], 0x01);
	ck_assert(ip_addr_parse("::", &a));
	ck_assert_uint_eq(a.family, AF_INET6);
}
END_TEST

START_TEST(test_parse_rejects)
{
	static const char *const bad[] = {
		"", " ", "198.51.100", "198.51.100.256", "198.51.100.1 ",
		" 198.51.100.1", "198.51.100.1/24", "2001:db8::1::2", "2001:db8::g",
		"fe80::1%eth0", "localhost", "1.2.3.4.5",
	};
	struct ip_addr a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!ip_addr_parse(bad[i], &a), "accepted '%s'", bad[i]);
		ck_assert_uint_eq(a.family, AF_UNSPEC);
		ck_assert_uint_eq(ip_addr_len(&a), 0);
	}
}
END_TEST

START_TEST(test_format)
{
	static const char *const round[] = {
		"198.51.100.1", "203.0.113.255", "0.0.0.0", "2001:db8::1", "fe80::12:1",
		"ff02::12", "::",
	};
	char buf[IP_ADDR_STRLEN];

	for (size_t i = 0; i < sizeof(round) / sizeof(round[0]); i++) {
		struct ip_addr a = ip(round[i]);
		ck_assert_str_eq(ip_addr_str(&a, buf), round[i]);
	}
	/* Canonical form for IPv6. */
	struct ip_addr a = ip("2001:0DB8:0:0:0:0:0:0001");
	ck_assert_str_eq(ip_addr_str(&a, buf), "2001:db8::1");
	/* The longest IPv6 text fits. */
	a = ip("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
	ck_assert_str_eq(ip_addr_str(&a, buf), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	/* An unset address. */
	struct ip_addr none;
	memset(&none, 0, sizeof(none));
	ck_assert_str_eq(ip_addr_str(&none, buf), "(none)");
	ck_assert_ptr_eq(ip_addr_str(&none, buf), buf);
}
END_TEST

START_TEST(test_cmp_unsigned_bytes)
{
	struct ip_addr a = ip("10.0.0.2"), b = ip("10.0.0.10");
	struct ip_addr c = ip("200.0.0.1"), d = ip("10.0.0.1");

	/* Numeric, not textual: .2 < .10. */
	ck_assert_int_lt(ip_addr_cmp(&a, &b), 0);
	ck_assert_int_gt(ip_addr_cmp(&b, &a), 0);
	/* Unsigned: 200.x must not wrap below 10.x. */
	ck_assert_int_gt(ip_addr_cmp(&c, &d), 0);
	ck_assert_int_lt(ip_addr_cmp(&d, &c), 0);
	ck_assert_int_eq(ip_addr_cmp(&a, &a), 0);

	struct ip_addr e = ip("2001:db8::2"), f = ip("2001:db8::10");
	ck_assert_int_lt(ip_addr_cmp(&e, &f), 0);
	struct ip_addr g = ip("fe80::1"), h = ip("2001:db8::1");
	ck_assert_int_gt(ip_addr_cmp(&g, &h), 0);
}
END_TEST

START_TEST(test_cmp_families)
{
	struct ip_addr v4 = ip("255.255.255.255"), v6 = ip("::");
	struct ip_addr none;

	memset(&none, 0, sizeof(none));
	/* IPv4 before IPv6 whatever the bytes. */
	ck_assert_int_lt(ip_addr_cmp(&v4, &v6), 0);
	ck_assert_int_gt(ip_addr_cmp(&v6, &v4), 0);
	ck_assert(!ip_addr_equal(&v4, &v6));
	/* Antisymmetric with an unset address too (it sorts last). */
	const struct ip_addr *all[] = { &v4, &v6, &none };
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			ck_assert_int_eq(sign(ip_addr_cmp(all[i], all[j])),
					 -sign(ip_addr_cmp(all[j], all[i])));
	ck_assert_int_gt(ip_addr_cmp(&none, &v6), 0);
	ck_assert_int_lt(ip_addr_cmp(&v4, &none), 0);
}
END_TEST

START_TEST(test_equal)
{
	struct ip_addr a = ip("198.51.100.7"), b = ip("198.51.100.7"), c = ip("198.51.100.8");

	ck_assert(ip_addr_equal(&a, &b));
	ck_assert(!ip_addr_equal(&a, &c));
	/* Only the address bytes count: garbage past an IPv4 address is ignored. */
	b.u.bytes[8] = 0x55;
	ck_assert(ip_addr_equal(&a, &b));
	/* IPv4-mapped IPv6 is a different address. */
	struct ip_addr m = ip("::ffff:198.51.100.7");
	ck_assert(!ip_addr_equal(&a, &m));
}
END_TEST

START_TEST(test_vip_parse)
{
	struct vip v;
	char buf[VIP_STRLEN];

	ck_assert(vip_parse("198.51.100.10/24", &v));
	ck_assert_uint_eq(v.prefixlen, 24);
	ck_assert_str_eq(vip_str(&v, buf), "198.51.100.10/24");
	/* No prefix: a host route. */
	ck_assert(vip_parse("198.51.100.10", &v));
	ck_assert_uint_eq(v.prefixlen, 32);
	ck_assert_str_eq(vip_str(&v, buf), "198.51.100.10/32");
	ck_assert(vip_parse("2001:db8::10", &v));
	ck_assert_uint_eq(v.prefixlen, 128);
	ck_assert(vip_parse("2001:db8::10/64", &v));
	ck_assert_uint_eq(v.prefixlen, 64);
	ck_assert_str_eq(vip_str(&v, buf), "2001:db8::10/64");
	/* The limits. */
	ck_assert(vip_parse("198.51.100.10/32", &v));
	ck_assert_uint_eq(v.prefixlen, 32);
	ck_assert(vip_parse("198.51.100.10/0", &v));
	ck_assert_uint_eq(v.prefixlen, 0);
	ck_assert(vip_parse("2001:db8::10/128", &v));
	ck_assert_uint_eq(v.prefixlen, 128);
}
END_TEST

START_TEST(test_vip_parse_rejects)
{
	static const char *const bad[] = {
		"198.51.100.10/33", "198.51.100.10/", "198.51.100.10/-1",
		"198.51.100.10/+8", "198.51.100.10/ 8", "198.51.100.10/8x",
		"198.51.100.10/0024", "198.51.100.10/24/24", "2001:db8::10/129",
		"2001:db8::10/999999999999999999999", "/24", "", "bogus/24",
		"198.51.100/24",
		/* longer than any address text */
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa/64",
	};
	struct vip v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!vip_parse(bad[i], &v), "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(test_kinds)
{
	struct ip_addr ll = ip("fe80::1"), ll2 = ip("febf::1"), notll = ip("fec0::1");
	struct ip_addr m4 = ip("224.0.0.18"), m4b = ip("239.255.255.255");
	struct ip_addr u4 = ip("198.51.100.1"), m6 = ip("ff02::12"), u6 = ip("2001:db8::1");

	ck_assert(ip_addr_is_linklocal6(&ll));
	ck_assert(ip_addr_is_linklocal6(&ll2));
	ck_assert(!ip_addr_is_linklocal6(&notll));
	ck_assert(!ip_addr_is_linklocal6(&u4));
	ck_assert(ip_addr_is_multicast(&m4));
	ck_assert(ip_addr_is_multicast(&m4b));
	ck_assert(ip_addr_is_multicast(&m6));
	ck_assert(!ip_addr_is_multicast(&u4));
	ck_assert(!ip_addr_is_multicast(&u6));
	struct ip_addr e = ip("240.0.0.1");
	ck_assert(!ip_addr_is_multicast(&e));
}
END_TEST

START_TEST(test_from_in)
{
	struct ip_addr a, want = ip("203.0.113.9"), want6 = ip("2001:db8::9");
	struct in_addr in4;
	struct in6_addr in6;

	memcpy(&in4, want.u.bytes, 4);
	memset(&a, 0xaa, sizeof(a));
	ip_addr_from_in(&a, in4);
	ck_assert(ip_addr_equal(&a, &want));
	ck_assert_uint_eq(a.u.bytes[4], 0); /* cleared, not left over */
	memcpy(&in6, want6.u.bytes, 16);
	ip_addr_from_in6(&a, &in6);
	ck_assert(ip_addr_equal(&a, &want6));
}
END_TEST

static Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");

	tcase_add_test(tc, test_parse_ipv4);
	tcase_add_test(tc, test_parse_ipv6);
	tcase_add_test(tc, test_parse_rejects);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_cmp_unsigned_bytes);
	tcase_add_test(tc, test_cmp_families);
	tcase_add_test(tc, test_equal);
	tcase_add_test(tc, test_vip_parse);
	tcase_add_test(tc, test_vip_parse_rejects);
	tcase_add_test(tc, test_kinds);
	tcase_add_test(tc, test_from_in);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(addr_suite)
