/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_vip_conns.c - unit tests of the count of TCP connections to the
 * VIPs that wait for us (src/vip_conns.c), on the machine's own loopback:
 * a connection we make is counted (both its ends have 127.0.0.1 as their
 * local address), an address nothing uses counts none. Other programs'
 * loopback connections may add to the count, never take from it. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"
#include "vip_conns.h"

static struct vip vip_of(const char *s)
{
	struct vip v;

	ck_assert(vip_parse(s, &v));
	return v;
}

START_TEST(test_counts_our_connection)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t salen = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), cfd = socket(AF_INET, SOCK_STREAM, 0), afd;
	struct vip lo[2] = {vip_of("203.0.113.77/24"), vip_of("127.0.0.1/8")};

	ck_assert(lfd >= 0 && cfd >= 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sa, &salen), 0);
	ck_assert_int_eq(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	afd = accept(lfd, NULL, NULL);
	ck_assert(afd >= 0);
	/* Both ends of ours, ESTABLISHED, local address 127.0.0.1. */
	ck_assert_int_ge(vip_conns_waiting(lo, 2), 2);
	/* An address no socket can have as its own. */
	ck_assert_int_eq(vip_conns_waiting(lo, 1), 0);
	/* No VIP of a family: that family is not asked about. */
	ck_assert_int_eq(vip_conns_waiting(lo, 0), 0);
	close(afd);
	close(cfd);
	close(lfd);
}
END_TEST

START_TEST(test_ipv6_address_nobody_has)
{
	struct vip v = vip_of("2001:db8::77/64");

	ck_assert_int_eq(vip_conns_waiting(&v, 1), 0);
}
END_TEST

static Suite *vip_conns_suite(void)
{
	Suite *s = suite_create("vip_conns");
	TCase *tc = tcase_create("loopback");

	tcase_add_test(tc, test_counts_our_connection);
	tcase_add_test(tc, test_ipv6_address_nobody_has);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(vip_conns_suite)
