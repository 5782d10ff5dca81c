/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_cluster_net.c - the cluster plane's sending side with a real loop
 * and socket, in a network namespace of its own (root only: skipped
 * otherwise), where every heartbeat to the other member fails to route:
 * sent + failed counts the attempts, and nothing leaves the namespace. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "cluster_net.h"
#include "log.h"
#include "loop.h"
#include "testutil.h"

#define MS 1000u

static pid_t runner_pid;

static void remove_leftovers(void)
{
	tu_remove_leftovers("check_cluster_net", runner_pid);
}

struct plane {
	char dir[96], secret[128];
	struct cluster_conf cfg;
	struct loop *l;
	struct cluster_net *cn;
};

/* The counters hook: a record that differs at every call, as time in
 * state makes it; counts the calls (one per copy the plane sends). */
static unsigned counters_encoded;

static size_t changing_counters(void *arg, uint8_t *buf, size_t cap)
{
	(void)arg;
	ck_assert_uint_ge(cap, 8);
	counters_encoded++;
	memset(buf, 0, 8);
	memcpy(buf, &counters_encoded, sizeof(counters_encoded));
	return 8;
}

/* n1 (us) and n2 (198.51.100.2, unreachable here), heartbeat every 1 s. */
static bool plane_open(struct plane *p)
{
	static const struct cluster_hooks hooks = { .counters = changing_counters };
	int fd;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		return false;
	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "/tmp/check_cluster_net.%d.XXXXXX", (int)runner_pid);
	ck_assert_ptr_nonnull(mkdtemp(p->dir));
	snprintf(p->secret, sizeof(p->secret), "%s/secret", p->dir);
	fd = open(p->secret, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "a test secret of enough length\n", 31), 31);
	close(fd);
	p->cfg.enabled = true;
	p->cfg.secret_file = p->secret;
	p->cfg.port = 15798;
	p->cfg.heartbeat_interval_ms = 1000;
	p->cfg.dead_interval_ms = 3000;
	p->cfg.slack_ms = 50;
	p->cfg.nmembers = 2;
	p->cfg.members[0].name = "n1";
	p->cfg.members[0].addr.family = AF_INET;
	inet_pton(AF_INET, "198.51.100.1", &p->cfg.members[0].addr.u.v4);
	p->cfg.members[1].name = "n2";
	p->cfg.members[1].addr.family = AF_INET;
	inet_pton(AF_INET, "198.51.100.2", &p->cfg.members[1].addr.u.v4);
	p->l = loop_new();
	ck_assert_ptr_nonnull(p->l);
	counters_encoded = 0;
	p->cn = cluster_net_open(p->l, &p->cfg, "n1", 1, false, &hooks);
	ck_assert_ptr_nonnull(p->cn);
	return true;
}

static void plane_close(struct plane *p)
{
	cluster_net_close(p->cn);
	loop_free(p->l);
	tu_remove_tree(p->dir);
}

static unsigned long long attempts(const struct plane *p)
{
	const struct cluster_stats *st = cluster_net_stats(p->cn);

	return st->tx + st->send_errors;
}

static void on_stop(void *arg)
{
	loop_stop(arg);
}

static void run_for(struct plane *p, unsigned ms)
{
	struct loop_timer stop = { .fn = on_stop, .arg = p->l };

	loop_timer_arm(p->l, &stop, mono_now_us() + ms * MS);
	loop_run(p->l);
	loop_timer_cancel(p->l, &stop);
}

/* A flapper asks for 100 heartbeats at once: one goes out at once, one
 * more (the state after the burst) within the gap, then the regular
 * cadence; not 100. */
START_TEST(test_send_soon_is_rate_limited)
{
	struct plane p;
	unsigned long long start, after_burst;

	if (!plane_open(&p))
		TU_SKIP("needs root for a network namespace of its own");
	start = attempts(&p); /* the first heartbeat went out at open */
	for (int i = 0; i < 100; i++)
		cluster_net_send_soon(p.cn);
	after_burst = attempts(&p);
	ck_assert_uint_le(after_burst - start, 1);
	run_for(&p, CLUSTER_SEND_SOON_GAP_MS + 30);
	/* The last state still reached the wire within the gap. */
	ck_assert_uint_eq(attempts(&p) - start, 2);
	plane_close(&p);
}
END_TEST

/* send_now stays immediate (the last counters at a clean stop). */
START_TEST(test_send_now_is_immediate)
{
	struct plane p;
	unsigned long long start;

	if (!plane_open(&p))
		TU_SKIP("needs root for a network namespace of its own");
	start = attempts(&p);
	cluster_net_send_soon(p.cn);
	cluster_net_send_now(p.cn);
	cluster_net_send_now(p.cn);
	ck_assert_uint_eq(attempts(&p) - start, 3);
	plane_close(&p);
}
END_TEST

/* Counters that change at every heartbeat go out at most once per
 * CLUSTER_COUNTERS_GAP_MS (not a second datagram per heartbeat); the
 * final heartbeat of a clean stop carries them whatever the gap. */
START_TEST(test_counters_once_per_gap)
{
	struct plane p;
	unsigned first;

	if (!plane_open(&p))
		TU_SKIP("needs root for a network namespace of its own");
	first = counters_encoded; /* the heartbeat at open sent a copy */
	ck_assert_uint_eq(first, 1);
	for (int i = 0; i < 20; i++)
		cluster_net_send_now(p.cn);
	ck_assert_uint_eq(counters_encoded, first);
	run_for(&p, CLUSTER_COUNTERS_GAP_MS + 20);
	cluster_net_send_now(p.cn);
	ck_assert_uint_eq(counters_encoded, first + 1);
	cluster_net_send_final(p.cn);
	ck_assert_uint_eq(counters_encoded, first + 2);
	plane_close(&p);
}
END_TEST

static Suite *cluster_net_suite(void)
{
	Suite *s = suite_create("cluster_net");
	TCase *tc = tcase_create("send");

	runner_pid = getpid();
	atexit(remove_leftovers);
	log_init("check_cluster_net", true, LOG_WARNING);
	tcase_add_test(tc, test_send_soon_is_rate_limited);
	tcase_add_test(tc, test_send_now_is_immediate);
	tcase_add_test(tc, test_counters_once_per_gap);
	tcase_set_timeout(tc, 10);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(cluster_net_suite)
