/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_inet_csum.c - unit tests of the RFC 1071 checksum (src/inet_csum.c).
 * The packet vectors were computed independently with scapy 2.5. */
#include <string.h>

#include "inet_csum.h"
#include "testutil.h"

static uint16_t csum(const void *data, size_t len)
{
	return inet_csum_finish(inet_csum_add(0, data, len));
}

/* RFC 1071 §3 numerical example: the sum of these words is 0xddf2. */
START_TEST(test_rfc1071_example)
{
	static const uint8_t data[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	ck_assert_uint_eq(inet_csum_add(0, data, sizeof(data)), 0xddf2);
	ck_assert_uint_eq(csum(data, sizeof(data)), (uint16_t)~0xddf2);
}
END_TEST

/* An odd trailing byte is the high byte of a word padded with zero. */
START_TEST(test_odd_length)
{
	static const uint8_t odd[] = { 0x12, 0x34, 0x56 };
	static const uint8_t one[] = { 0xab };

	ck_assert_uint_eq(csum(odd, sizeof(odd)), (uint16_t)~(0x1234 + 0x5600));
	ck_assert_uint_eq(csum(one, sizeof(one)), (uint16_t)~0xab00);
	ck_assert_uint_eq(csum(one, 0), 0xffff);
}
END_TEST

/* Carries wrap around (end-around carry), also over long input where an
 * unfolded 32-bit sum would overflow. */
START_TEST(test_carry_and_long_input)
{
	static const uint8_t carry[] = { 0xff, 0xff, 0x00, 0x02 };
	static uint8_t ones[1 << 18];

	ck_assert_uint_eq(inet_csum_add(0, carry, sizeof(carry)), 0x0002);
	memset(ones, 0xff, sizeof(ones));
	/* ~0xffff is 0: an all-ones sum, however long, checksums to 0. */
	ck_assert_uint_eq(csum(ones, sizeof(ones)), 0);
	/* 0xffff is minus zero: the first word alone decides. */
	ones[0] = 0xfe;
	ck_assert_uint_eq(csum(ones, sizeof(ones)), 0x0100);
}
END_TEST

/* Adding even-length chunks one by one equals one sum over the whole. */
START_TEST(test_chunks)
{
	uint8_t data[301];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37 + 11);
	uint32_t sum = inet_csum_add(0, data, 100);

	sum = inet_csum_add(sum, data + 100, 2);
	sum = inet_csum_add(sum, data + 102, 199);
	ck_assert_uint_eq(inet_csum_finish(sum), csum(data, sizeof(data)));
}
END_TEST

/* ICMPv6 neighbour advertisement fe80::1 -> ff02::1, target 2001:db8::5,
 * override flag; checksum 0x2c69 (bytes 2-3, zeroed here). */
START_TEST(test_ipv6_pseudo_header)
{
	static const uint8_t src[16] = { 0xfe, 0x80, [15] = 1 };
	static const uint8_t dst[16] = { 0xff, 0x02, [15] = 1 };
	uint8_t na[] = { 0x88, 0x00, 0x00, 0x00, 0x20, 0, 0, 0,
			 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05 };
	uint32_t sum = inet_csum_pseudo(0, src, dst, 16, sizeof(na), 58);
	uint16_t ck = inet_csum_finish(inet_csum_add(sum, na, sizeof(na)));

	ck_assert_uint_eq(ck, 0x2c69);
	na[2] = (uint8_t)(ck >> 8);
	na[3] = (uint8_t)ck;
	sum = inet_csum_pseudo(0, src, dst, 16, sizeof(na), 58);
	ck_assert_uint_eq(inet_csum_finish(inet_csum_add(sum, na, sizeof(na))), 0);
}
END_TEST

/* UDP 198.51.100.2:1234 -> 203.0.113.9:5678, payload "abc" (odd total
 * length 11); checksum 0xba35 (bytes 6-7, zeroed here). */
START_TEST(test_ipv4_pseudo_header_odd)
{
	static const uint8_t src[4] = { 198, 51, 100, 2 };
	static const uint8_t dst[4] = { 203, 0, 113, 9 };
	static const uint8_t udp[] = { 0x04, 0xd2, 0x16, 0x2e, 0x00, 0x0b, 0x00, 0x00, 'a', 'b', 'c' };
	uint32_t sum = inet_csum_pseudo(0, src, dst, 4, sizeof(udp), 17);

	ck_assert_uint_eq(inet_csum_finish(inet_csum_add(sum, udp, sizeof(udp))), 0xba35);
}
END_TEST

static Suite *inet_csum_suite(void)
{
	Suite *s = suite_create("inet_csum");
	TCase *tc = tcase_create("rfc1071");

	tcase_add_test(tc, test_rfc1071_example);
	tcase_add_test(tc, test_odd_length);
	tcase_add_test(tc, test_carry_and_long_input);
	tcase_add_test(tc, test_chunks);
	tcase_add_test(tc, test_ipv6_pseudo_header);
	tcase_add_test(tc, test_ipv4_pseudo_header_odd);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(inet_csum_suite)
