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
#include <linux/rtnetlink.h>

#include "clock.h"
#include "loop.h"
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

/* ---- our own lease renewals stay out of the address watch ---- */

/* One message through a datagram socket pair whose receiving end has the
 * renewal filter of `port`: whether it arrived (the kernel ran the
 * program). A netlink header is all the filter looks at. */
static bool filter_keeps(int rx, int tx, uint16_t type, uint32_t pid, uint32_t seq)
{
	struct nlmsghdr h = { .nlmsg_len = sizeof(h), .nlmsg_type = type, .nlmsg_seq = seq,
			      .nlmsg_pid = pid };
	struct nlmsghdr got;

	ck_assert_int_eq(send(tx, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	ssize_t n = recv(rx, &got, sizeof(got), MSG_DONTWAIT);
	if (n < 0) {
		ck_assert_int_eq(errno, EAGAIN);
		return false;
	}
	ck_assert_int_eq(n, (ssize_t)sizeof(h)); /* kept whole */
	ck_assert_int_eq(got.nlmsg_seq, seq);
	return true;
}

START_TEST(test_renewal_filter_program)
{
	const uint32_t port = 0x12345678, R = NLK_RENEWAL_SEQ;
	struct sock_filter insns[NLK_RENEWAL_FILTER_INSNS];
	struct sock_fprog prog = { .filter = insns };
	int sv[2];

	ck_assert_uint_eq(nlk_renewal_filter_build(port, insns, NLK_RENEWAL_FILTER_INSNS - 1), 0);
	prog.len = (unsigned short)nlk_renewal_filter_build(port, insns, NLK_RENEWAL_FILTER_INSNS);
	ck_assert_uint_gt(prog.len, 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)), 0);
	/* Dropped: a new address from a renewal of ours, whatever its number. */
	ck_assert(!filter_keeps(sv[0], sv[1], RTM_NEWADDR, port, R));
	ck_assert(!filter_keeps(sv[0], sv[1], RTM_NEWADDR, port, R | 0x1234));
	ck_assert(!filter_keeps(sv[0], sv[1], RTM_NEWADDR, port, UINT32_MAX));
	/* Kept: another request of ours (libnl's numbers), another port, the
	 * kernel's own events, a delete, a link event. */
	ck_assert(filter_keeps(sv[0], sv[1], RTM_NEWADDR, port, R - 1));
	ck_assert(filter_keeps(sv[0], sv[1], RTM_NEWADDR, port, 0x1234));
	ck_assert(filter_keeps(sv[0], sv[1], RTM_NEWADDR, port + 1, R));
	ck_assert(filter_keeps(sv[0], sv[1], RTM_NEWADDR, 0x78563412, R)); /* byte order */
	ck_assert(filter_keeps(sv[0], sv[1], RTM_NEWADDR, 0, 0));
	ck_assert(filter_keeps(sv[0], sv[1], RTM_DELADDR, port, R));
	ck_assert(filter_keeps(sv[0], sv[1], RTM_NEWLINK, port, R));
	close(sv[0]);
	close(sv[1]);
}
END_TEST

struct addr_events {
	struct loop *l;
	int count;          /* address events seen */
	struct ip_addr last;
};

static void count_addr_event(void *arg, int ifindex, const struct ip_addr *addr)
{
	struct addr_events *e = arg;

	(void)ifindex;
	e->count++;
	e->last = *addr;
}

static void ignore_link_event(void *arg, int ifindex, bool up)
{
	(void)arg;
	(void)ifindex;
	(void)up;
}

static void stop_loop(void *arg)
{
	loop_stop(arg);
}

/* Run the loop until what the kernel queued for the watch is read: the
 * events of a request are queued before its answer, so a short pass
 * suffices. Returns the events seen since the last call. */
static int addr_events_now(struct addr_events *e)
{
	struct loop_timer stop = { .fn = stop_loop, .arg = e->l };

	e->count = 0;
	loop_timer_arm(e->l, &stop, mono_now_us() + 20000);
	ck_assert_int_eq(loop_run(e->l), 0);
	return e->count;
}

/* The address watch of a daemon still sees every address change but our
 * own renewals: a first add, a renewal by another socket (another
 * program), a delete; and a renewal of ours does not wake it (finding:
 * 255 instances, ~130 reads a second for nothing). In a network namespace
 * of the test's own. */
START_TEST(test_watch_skips_own_renewals)
{
	struct vip v[2];
	struct nlk_addr_req req[2];
	int err[2];
	struct addr_events e = { 0 };

	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	struct nlk *n = nlk_open(), *other = nlk_open();
	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_nonnull(other);
	e.l = loop_new();
	ck_assert_ptr_nonnull(e.l);
	struct nlk_watch *w = nlk_watch_open(e.l, ignore_link_event, count_addr_event, &e);
	ck_assert_ptr_nonnull(w);
	nlk_watch_skip_renewals(w, n);
	ck_assert(vip_parse("203.0.113.1/32", &v[0]));
	ck_assert(vip_parse("203.0.113.2/32", &v[1]));
	req[0] = (struct nlk_addr_req){ 1, &v[0] };
	req[1] = (struct nlk_addr_req){ 1, &v[1] };

	ck_assert_int_eq(nlk_addr_add(n, 1, &v[0], 30), 0); /* a first add */
	ck_assert_int_eq(addr_events_now(&e), 1);
	ck_assert(ip_addr_equal(&e.last, &v[0].addr));
	for (int round = 0; round < 3; round++) { /* renewals of ours */
		nlk_addr_add_batch(n, req, 2, 30, err);
		ck_assert_int_eq(err[0], 0);
		ck_assert_int_eq(err[1], 0);
		ck_assert_int_eq(addr_events_now(&e), 0);
	}
	ck_assert(nlk_addr_present(n, 1, &v[1])); /* the renewal did add it */
	nlk_addr_add_batch(other, req, 2, 30, err); /* another program's */
	ck_assert_int_eq(addr_events_now(&e), 2);
	ck_assert_int_eq(nlk_addr_del(n, 1, &v[1]), 0); /* a delete of ours */
	ck_assert_int_eq(addr_events_now(&e), 1);
	ck_assert(ip_addr_equal(&e.last, &v[1].addr));
	/* Closed in either order, neither refers to the other afterwards. */
	nlk_close(n);
	nlk_addr_add_batch(other, req, 1, 30, err);
	ck_assert_int_eq(addr_events_now(&e), 1);
	nlk_watch_close(w);
	nlk_close(other);
	loop_free(e.l);
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
	TCase *renewals = tcase_create("renewals");
	tcase_add_test(renewals, test_renewal_filter_program);
	tcase_add_test(renewals, test_watch_skips_own_renewals);
	suite_add_tcase(s, renewals);
	return s;
}

CLUSTD_TEST_MAIN(netlink_suite)
