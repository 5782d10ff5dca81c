/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_netlink.c - the libnl request socket survives a failure (finding
 * A7): a query that fails for the socket's sake (here: its descriptor
 * replaced behind its back, as good as any transport error) must not leave
 * every later query failing. Read-only queries of "lo" in the test's own
 * namespace; nothing is changed. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>

#include "netlink.h"
#include "owner.h"
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

/* A batch of address adds (lease renewals) gets, for each address, what
 * a single add would have: failures in the middle and at the end (the
 * acknowledged message) land on their own entries, the others are added
 * with the lease. In a network namespace of the test's own (the forked
 * test process unshares one): nothing outside it changes. */
START_TEST(test_addr_add_batch)
{
	static const char *const addrs[] = { "203.0.113.1/32", "203.0.113.2/32", "2001:db8::1/128",
					     "203.0.113.3/32", "203.0.113.4/32" };
	const int ifindex[] = { 1, 9999, 1, 1, 9999 }; /* 9999: no such device */
	struct vip v[5];
	struct nlk_addr_req req[5];
	int err[5];

	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	struct nlk *n = nlk_open();
	ck_assert_ptr_nonnull(n);
	for (int i = 0; i < 5; i++) {
		ck_assert(vip_parse(addrs[i], &v[i]));
		req[i] = (struct nlk_addr_req){ ifindex[i], &v[i] };
		err[i] = 12345;
	}
	nlk_addr_add_batch(n, req, 5, 30, err);
	ck_assert_int_eq(err[0], 0);
	ck_assert_int_eq(err[1], -ENODEV);
	ck_assert_int_eq(err[2], 0);
	ck_assert_int_eq(err[3], 0);
	ck_assert_int_eq(err[4], -ENODEV);
	for (int i = 0; i < 5; i += 2 + (i == 2)) {
		struct owner_facts f;

		nlk_addr_facts(n, 1, &v[i], &f);
		ck_assert(f.present);
		ck_assert(!f.permanent); /* the lease */
	}
	/* Renewing all that exist: every one succeeds, in one batch. */
	req[1].ifindex = req[4].ifindex = 1;
	nlk_addr_add_batch(n, req, 5, 30, err);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(err[i], 0);
	ck_assert(nlk_addr_present(n, 1, &v[4]));
	/* The socket still serves single requests: no answer was left. */
	ck_assert_int_eq(nlk_addr_add(n, 1, &v[0], 30), 0);
	ck_assert_int_eq(nlk_addr_add(n, 9999, &v[0], 30), -ENODEV);
	nlk_close(n);
}
END_TEST

static Suite *netlink_suite(void)
{
	Suite *s = suite_create("netlink");
	TCase *reopen = tcase_create("reopen");

	tcase_add_test(reopen, test_query_after_failure);
	suite_add_tcase(s, reopen);
	TCase *batch = tcase_create("batch");
	tcase_add_test(batch, test_addr_add_batch);
	suite_add_tcase(s, batch);
	return s;
}

CLUSTD_TEST_MAIN(netlink_suite)
