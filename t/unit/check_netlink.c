/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_netlink.c - the libnl request socket survives a failure (finding
 * A7): a query that fails for the socket's sake (here: its descriptor
 * replaced behind its back, as good as any transport error) must not leave
 * every later query failing. Read-only queries of "lo" in the test's own
 * namespace; nothing is changed. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "netlink.h"
#include "testutil.h"

/* Break every netlink socket of this process (the request socket of the
 * nlk just opened is the only one): its descriptor now names /dev/null,
 * so the owner's next request fails and its close() stays harmless.
 * Returns how many were broken. */
static int break_netlink_fds(void)
{
	int closed = 0, devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (int fd = 3; fd < 1024; fd++) {
		int domain = 0;
		socklen_t len = sizeof(domain);
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
		    domain == AF_NETLINK) {
			ck_assert_int_eq(dup2(devnull, fd), fd);
			closed++;
		}
	}
	close(devnull);
	return closed;
}

START_TEST(test_query_after_failure)
{
	struct nlk *n = nlk_open();
	bool up = false;

	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(nlk_ifindex(n, "lo"), 1);
	ck_assert_int_eq(break_netlink_fds(), 1);
	/* This query fails: the socket is gone. */
	ck_assert_int_lt(nlk_link_is_up(n, 1, &up), 0);
	/* The next one works again: the failure reopened the socket. */
	ck_assert_int_eq(nlk_ifindex(n, "lo"), 1);
	ck_assert_int_eq(nlk_link_is_up(n, 1, &up), 0);
	ck_assert(up);
	nlk_close(n);
}
END_TEST

static Suite *netlink_suite(void)
{
	Suite *s = suite_create("netlink");
	TCase *reopen = tcase_create("reopen");

	tcase_add_test(reopen, test_query_after_failure);
	suite_add_tcase(s, reopen);
	return s;
}

CLUSTD_TEST_MAIN(netlink_suite)
