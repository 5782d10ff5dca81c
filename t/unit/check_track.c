/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_track.c - health tracking with a real loop, real scripts written
 * into a temp dir, real inotify and (in a private network namespace, when
 * allowed) real dummy interfaces. Every wait is bounded by a deadline. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "netlink.h"
#include "script.h"
#include "testutil.h"
#include "track.h"

#define MS 1000u

static char tmpdir[64];

/* ---- fixture: a loop, a runner, a temp dir ---- */

struct ctx {
	struct loop *l;
	struct script_runner *r;
	struct tracker *t;
	int changes;
	char cause[256];
	/* script_runs when change N happened: orders the change between
	 * runs without timing (runs start one at a time). */
	unsigned long long runs_at_change[8];
	struct loop_timer poll;
	bool (*cond)(struct ctx *);
	uint64_t deadline;
	long long want;
};

static struct ctx c;
static struct track_conf conf;
static char *script_args[4];

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/clt-track-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	log_init("check_track", true, LOG_INFO);
	memset(&c, 0, sizeof(c));
	memset(&conf, 0, sizeof(conf));
	c.l = loop_new();
	ck_assert_ptr_nonnull(c.l);
	c.r = script_runner_new(c.l);
	ck_assert_ptr_nonnull(c.r);
}

static void teardown(void)
{
	char cmd[128];

	tracker_free(c.t);
	script_runner_free(c.r);
	loop_free(c.l);
	for (size_t i = 0; i < conf.nfiles; i++)
		free(conf.files[i].path);
	/* The directory name came from mkdtemp, no quoting issue. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

static void on_changed(void *arg, const char *cause)
{
	struct ctx *x = arg;

	if (x->t && x->changes < 8)
		x->runs_at_change[x->changes] = tracker_stats(x->t)->script_runs;
	x->changes++;
	snprintf(x->cause, sizeof(x->cause), "%s", cause);
}

static void start(const char *owner)
{
	struct track_hooks hooks = { .arg = &c, .changed = on_changed };

	c.t = tracker_new(c.l, c.r, NULL, &conf, owner, &hooks);
	ck_assert_ptr_nonnull(c.t);
}

/* ---- running the loop until something happens ---- */

static void on_poll(void *arg)
{
	struct ctx *x = arg;

	if ((x->cond && x->cond(x)) || mono_now_us() >= x->deadline) {
		loop_stop(x->l);
		return;
	}
	loop_timer_arm(x->l, &x->poll, mono_now_us() + 2 * MS);
}

/* Runs the loop until cond holds or ms pass; returns cond's last verdict
 * (true when there is no cond: "ran for ms"). */
static bool run_until(bool (*cond)(struct ctx *), long long want, unsigned ms)
{
	c.cond = cond;
	c.want = want;
	c.deadline = mono_now_us() + (uint64_t)ms * MS;
	c.poll.fn = on_poll;
	c.poll.arg = &c;
	loop_timer_arm(c.l, &c.poll, mono_now_us());
	ck_assert_int_eq(loop_run(c.l), 0);
	loop_timer_cancel(c.l, &c.poll);
	return cond ? cond(&c) : true;
}

static bool delta_is(struct ctx *x)
{
	return tracker_delta(x->t) == x->want;
}

static bool runs_at_least(struct ctx *x)
{
	return (long long)tracker_stats(x->t)->script_runs >= x->want;
}

static bool failures_at_least(struct ctx *x)
{
	return (long long)tracker_stats(x->t)->script_failures >= x->want;
}

/* Every run started so far has ended, as a failure: none in flight. */
static bool all_runs_failed(struct ctx *x)
{
	const struct track_stats *st = tracker_stats(x->t);

	return st->script_failures == st->script_runs;
}

static bool fault_is(struct ctx *x)
{
	return tracker_fault(x->t, NULL, 0) == (x->want != 0);
}

/* ---- files and scripts in the temp dir ---- */

static const char *in_tmp(const char *name)
{
	static char paths[4][256];
	static int next;
	char *p = paths[next++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", tmpdir, name);
	return p;
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	const char *path = in_tmp(name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* Writes a temp file and renames it over name, as editors and
 * configuration tools do. */
static void replace_file(const char *name, const char *text)
{
	char to[256];

	snprintf(to, sizeof(to), "%s", in_tmp(name));
	write_file(".new", text, 0644);
	ck_assert_int_eq(rename(in_tmp(".new"), to), 0);
}

static const char *write_script_mode(const char *name, const char *body, mode_t mode)
{
	char text[512];

	snprintf(text, sizeof(text), "#!/bin/sh\n%s\n", body);
	write_file(name, text, mode);
	return in_tmp(name);
}

static const char *write_script(const char *name, const char *body)
{
	return write_script_mode(name, body, 0755);
}

static char *slurp(const char *name)
{
	static char buf[256];
	FILE *f = fopen(in_tmp(name), "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static struct track_script_conf *add_script(const char *name, const char *command,
					    uint32_t interval_ms, int32_t weight)
{
	struct track_script_conf *s = &conf.scripts[conf.nscripts++];

	s->name = (char *)name;
	s->command = (char *)command;
	s->interval_ms = interval_ms;
	s->weight = weight;
	return s;
}

/* ---- scripts ---- */

START_TEST(test_script_ok_counts_positive_weight)
{
	const char *path = write_script("ok.sh", "[ \"$1\" = hello ] && [ \"$2\" = world ]");
	struct track_script_conf *s = add_script("web", path, 100, 20);

	script_args[0] = "hello";
	script_args[1] = "world";
	script_args[2] = NULL;
	s->args = script_args;
	start("inst");
	/* Failed until the first success (init_ok false). */
	ck_assert_int_eq(tracker_delta(c.t), 0);
	ck_assert(run_until(delta_is, 20, 1500));
	ck_assert_int_eq(c.changes, 1);
	ck_assert_ptr_nonnull(strstr(c.cause, "track script web OK"));
	/* More successes: nothing changes, nobody is told. */
	ck_assert(run_until(runs_at_least, 3, 1500));
	ck_assert(run_until(NULL, 0, 30));
	ck_assert_int_eq(tracker_delta(c.t), 20);
	ck_assert_int_eq(c.changes, 1);
	ck_assert_int_eq(tracker_stats(c.t)->script_failures, 0);
	ck_assert(!tracker_fault(c.t, NULL, 0));
}
END_TEST

/* Every way of failing, one per loop iteration. */
static const struct {
	const char *name;
	const char *body;  /* NULL: no file at all */
	mode_t mode;
	uint32_t interval_ms, timeout_ms;
	bool timeout;
	const char *cause;
} failing[] = {
	{ "exit1", "exit 1", 0755, 100, 0, false, "(exit 1, 1 in a row)" },
	{ "missing", NULL, 0, 100, 0, false, "could not be executed" },
	{ "notexec", "exit 0", 0644, 100, 0, false, "could not be executed" },
	{ "exit127", "exit 127", 0755, 100, 0, false, "(exit 127," },
	{ "hang", "exec sleep 10", 0755, 1000, 200, true, "timed out after 200 ms" },
};

START_TEST(test_script_failure_kinds)
{
	struct track_script_conf *s;
	const char *path;

	if (failing[_i].body)
		write_script_mode(failing[_i].name, failing[_i].body, failing[_i].mode);
	path = in_tmp(failing[_i].name);
	s = add_script(failing[_i].name, path, failing[_i].interval_ms, -30);
	s->timeout_ms = failing[_i].timeout_ms;
	s->init_ok = true;
	start("inst");
	ck_assert_int_eq(tracker_delta(c.t), 0);
	ck_assert_msg(run_until(delta_is, -30, 1500), "%s: delta %d", failing[_i].name,
		      tracker_delta(c.t));
	ck_assert_int_ge(tracker_stats(c.t)->script_failures, 1);
	ck_assert_int_ge(tracker_stats(c.t)->script_runs, 1);
	ck_assert_int_eq(c.changes, 1);
	ck_assert_ptr_nonnull(strstr(c.cause, "failed"));
	if (failing[_i].timeout) {
		ck_assert_int_eq(tracker_stats(c.t)->script_timeouts, 1);
	} else {
		ck_assert_int_eq(tracker_stats(c.t)->script_timeouts, 0);
	}
	ck_assert_ptr_nonnull(strstr(c.cause, failing[_i].cause));
}
END_TEST

START_TEST(test_script_rise_fall)
{
	const char *path = write_script("mode.sh", "exit \"$(cat \"$0.mode\")\"");
	struct track_script_conf *s = add_script("flappy", path, 100, -10);
	char mode_name[32];
	unsigned long long runs;

	snprintf(mode_name, sizeof(mode_name), "mode.sh.mode");
	write_file(mode_name, "1\n", 0644);
	s->init_ok = true;
	s->rise = 2;
	s->fall = 2;
	start("inst");

	/* fall 2: one failure does not flip, the second does. Event order,
	 * not timing (a busy machine may delay the checks past a run): runs
	 * start one at a time, so the flip happened during run 2 exactly. */
	ck_assert(run_until(delta_is, -10, 1500));
	ck_assert_int_eq(c.changes, 1);
	ck_assert_uint_eq(c.runs_at_change[0], 2);
	ck_assert_int_ge(tracker_stats(c.t)->script_failures, 2);
	ck_assert_ptr_nonnull(strstr(c.cause, "exit 1, 2 in a row"));

	/* rise 2: one success does not flip back, the second does. Change
	 * the mode while no run is in flight (every started run has ended:
	 * all failed), so runs R+1 and R+2 are the first to succeed and the
	 * flip must come with R+2, not R+1. */
	ck_assert(run_until(all_runs_failed, 0, 1500));
	replace_file(mode_name, "0\n");
	runs = tracker_stats(c.t)->script_runs;
	ck_assert(run_until(delta_is, 0, 1500));
	ck_assert_int_eq(c.changes, 2);
	ck_assert_uint_eq(c.runs_at_change[1], runs + 2);
	ck_assert_uint_eq(tracker_stats(c.t)->script_failures, runs);
	ck_assert_ptr_nonnull(strstr(c.cause, "OK (2 in a row)"));
}
END_TEST

START_TEST(test_script_overrun_is_skipped)
{
	const char *path = write_script("slow.sh", "exec sleep 0.35");
	struct track_script_conf *s = add_script("slow", path, 100, 5);

	s->timeout_ms = 1000;
	start("inst");
	ck_assert(run_until(NULL, 0, 320));
	/* Due at 0 (ran), 100, 200, 300 (each found it still running). */
	ck_assert_int_eq(tracker_stats(c.t)->script_runs, 1);
	ck_assert_int_ge(tracker_stats(c.t)->script_skipped, 2);
	ck_assert_int_eq(tracker_stats(c.t)->script_failures, 0);
	/* It ends well and counts, and runs again. */
	ck_assert(run_until(delta_is, 5, 1000));
	ck_assert(run_until(runs_at_least, 2, 1000));
}
END_TEST

static int ticks;

static void on_tick(void *arg)
{
	struct loop_timer *tm = arg;

	ticks++;
	loop_timer_arm(c.l, tm, mono_now_us() + 10 * MS);
}

START_TEST(test_loop_responsive_while_script_hangs)
{
	const char *path = write_script("hang.sh", "exec sleep 10");
	struct loop_timer tick = { 0 };
	uint64_t t0;

	add_script("hang", path, 1000, -1)->timeout_ms = 2000;
	start("inst");
	tick.fn = on_tick;
	tick.arg = &tick;
	ticks = 0;
	t0 = mono_now_us();
	loop_timer_arm(c.l, &tick, t0 + 10 * MS);
	ck_assert(run_until(NULL, 0, 300));
	loop_timer_cancel(c.l, &tick);
	ck_assert_int_eq(tracker_stats(c.t)->script_runs, 1);
	ck_assert_int_eq(tracker_stats(c.t)->script_failures, 0); /* still running */
	ck_assert_int_ge(ticks, 20);
	ck_assert_uint_lt(mono_now_us() - t0, 600 * MS);
	/* teardown frees the tracker with the script still running. */
}
END_TEST

static bool fault_is_bads(struct ctx *x)
{
	char reason[128];

	return tracker_fault(x->t, reason, sizeof(reason)) &&
	       !strcmp(reason, "track script bad failed");
}

START_TEST(test_no_weight_failure_is_fault)
{
	const char *bad = write_script("bad.sh", "exit 3");
	char reason[128] = "untouched";

	add_script("bad", bad, 100, TRACK_NO_WEIGHT)->init_ok = true;
	start("inst");
	ck_assert(!tracker_fault(c.t, reason, sizeof(reason)));
	ck_assert_str_eq(reason, "");
	ck_assert(run_until(fault_is, 1, 1500));
	ck_assert(tracker_fault(c.t, reason, sizeof(reason)));
	ck_assert_str_eq(reason, "track script bad failed");
	ck_assert_int_eq(tracker_delta(c.t), 0);
	ck_assert_int_eq(c.changes, 1);
	ck_assert_ptr_nonnull(strstr(c.cause, "bad failed (exit 3, 1 in a row)"));
}
END_TEST

START_TEST(test_fault_reason_moves_without_change)
{
	const char *bad = write_script("bad.sh", "exit 3");
	const char *good = write_script("good.sh", "exit 0");
	char reason[128];

	/* Both start failed: good passes, bad keeps failing. */
	add_script("good", good, 100, TRACK_NO_WEIGHT);
	add_script("bad", bad, 100, TRACK_NO_WEIGHT);
	start("inst");
	ck_assert(tracker_fault(c.t, reason, sizeof(reason)));
	ck_assert_str_eq(reason, "track script good failed");
	ck_assert(run_until(fault_is_bads, 0, 1500));
	ck_assert(run_until(failures_at_least, 2, 1500));
	/* Still a fault, now bad's: the verdict never changed, nobody told. */
	ck_assert_int_eq(c.changes, 0);
	ck_assert_int_eq(tracker_delta(c.t), 0);
}
END_TEST

START_TEST(test_no_weight_recovery_clears_fault)
{
	const char *good = write_script("good.sh", "exit 0");
	char reason[128];

	add_script("good", good, 100, TRACK_NO_WEIGHT);
	start("inst");
	ck_assert(tracker_fault(c.t, NULL, 0));
	ck_assert(run_until(fault_is, 0, 1500));
	ck_assert(!tracker_fault(c.t, reason, sizeof(reason)));
	ck_assert_str_eq(reason, "");
	ck_assert_int_eq(c.changes, 1);
	ck_assert_ptr_nonnull(strstr(c.cause, "good OK"));
}
END_TEST

START_TEST(test_script_as_user)
{
	const char *path = write_script("who.sh", "{ id -u; id -G; } > \"$0.out\"");

	if (geteuid() != 0)
		TU_SKIP("needs root (runs a script as nobody)");
	/* nobody must be able to reach the script and write next to it. */
	ck_assert_int_eq(chmod(tmpdir, 01777), 0);
	add_script("who", path, 1000, 1)->user = "nobody";
	start("inst");
	ck_assert(run_until(delta_is, 1, 1500));
	ck_assert_ptr_nonnull(slurp("who.sh.out"));
	ck_assert_str_eq(slurp("who.sh.out"), "65534\n65534\n");
}
END_TEST

START_TEST(test_script_unknown_user_fails_without_running)
{
	const char *path = write_script("marker.sh", "touch \"$0.ran\"");
	struct track_script_conf *s = add_script("ghost", path, 100, -7);

	s->user = "clt-no-such-user";
	s->init_ok = true;
	start("inst");
	ck_assert(run_until(failures_at_least, 2, 1500));
	ck_assert_int_eq(tracker_delta(c.t), -7);
	ck_assert_ptr_nonnull(strstr(c.cause, "unknown user clt-no-such-user"));
	ck_assert_ptr_null(slurp("marker.sh.ran"));
}
END_TEST

/* ---- files ---- */

static void add_file(const char *name, int32_t weight)
{
	struct track_file_conf *f = &conf.files[conf.nfiles++];

	f->path = strdup(in_tmp(name));
	ck_assert_ptr_nonnull(f->path);
	f->weight = weight;
}

START_TEST(test_file_tracking)
{
	add_file("prio", 10);
	start("inst");
	ck_assert_int_eq(tracker_delta(c.t), 0); /* missing */

	/* Created later, written in place. */
	write_file("prio", "3\n", 0644);
	ck_assert(run_until(delta_is, 30, 1000));
	ck_assert_int_eq(c.changes, 1);
	ck_assert_ptr_nonnull(strstr(c.cause, "now 3 (x 10 = 30)"));

	/* Replaced by a rename. */
	replace_file("prio", "-2\n");
	ck_assert(run_until(delta_is, -20, 1000));
	ck_assert_int_eq(c.changes, 2);

	/* Whitespace is fine. */
	write_file("prio", "  7 \n\n", 0644);
	ck_assert(run_until(delta_is, 70, 1000));

	/* Deleted: 0. */
	ck_assert_int_eq(unlink(in_tmp("prio")), 0);
	ck_assert(run_until(delta_is, 0, 1000));
	ck_assert_ptr_nonnull(strstr(c.cause, "missing"));

	/* Garbage: 0. */
	write_file("prio", "4", 0644);
	ck_assert(run_until(delta_is, 40, 1000));
	write_file("prio", "4 apples\n", 0644);
	ck_assert(run_until(delta_is, 0, 1000));
	ck_assert_ptr_nonnull(strstr(c.cause, "not an integer"));
	ck_assert_int_eq(c.changes, 6);

	/* Other names in the directory are not ours. */
	write_file("other", "9\n", 0644);
	ck_assert(run_until(NULL, 0, 50));
	ck_assert_int_eq(c.changes, 6);
	ck_assert_int_eq(tracker_delta(c.t), 0);
}
END_TEST

START_TEST(test_file_initial_value_and_default_weight)
{
	write_file("a", "4\n", 0644);
	write_file("b", "-5", 0644);
	add_file("a", 2);
	add_file("b", TRACK_NO_WEIGHT); /* files have no fault mode: weight 1 */
	start("inst");
	ck_assert_int_eq(tracker_delta(c.t), 8 - 5);
	ck_assert(!tracker_fault(c.t, NULL, 0));
	replace_file("b", "");
	ck_assert(run_until(delta_is, 8, 1000));
	ck_assert_int_eq(c.changes, 1);
}
END_TEST

/* ---- interfaces ---- */

START_TEST(test_iface_missing_counts_down)
{
	struct track_hooks hooks = { .arg = &c, .changed = on_changed };
	struct nlk *nl = nlk_open();
	char reason[128];

	ck_assert_ptr_nonnull(nl);
	conf.interfaces[0] = (struct track_iface_conf){ .name = "clt-nosuch0", .weight = -15 };
	conf.interfaces[1] = (struct track_iface_conf){ .name = "clt-nosuch1", .weight = 5 };
	conf.interfaces[2] = (struct track_iface_conf){ .name = "lo", .weight = 7 };
	conf.interfaces[3] = (struct track_iface_conf){ .name = "clt-nosuch2",
							.weight = TRACK_NO_WEIGHT };
	conf.ninterfaces = 4;
	c.t = tracker_new(c.l, c.r, nl, &conf, "inst", &hooks);
	ck_assert_ptr_nonnull(c.t);
	ck_assert_int_eq(tracker_delta(c.t), -15 + 7);
	ck_assert(tracker_fault(c.t, reason, sizeof(reason)));
	ck_assert_str_eq(reason, "interface clt-nosuch2 down");
	tracker_link_event(c.t, 0, true);
	tracker_link_event(c.t, 1, true);
	tracker_link_event(c.t, 12345, true);
	ck_assert_int_eq(tracker_delta(c.t), -8);
	ck_assert_int_eq(c.changes, 0);
	tracker_free(c.t);
	c.t = NULL;
	nlk_close(nl);
}
END_TEST

/* Exit codes of the namespace child: which step went wrong. */
enum { NS_OK = 0, NS_SKIP = 77 }; /* NS_SKIP: no netns or veth (a failure as root) */

static int ip(const char *args)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "ip link %s >/dev/null 2>&1", args);
	return system(cmd);
}

static int ns_changes;

static void ns_on_changed(void *arg, const char *cause)
{
	(void)arg;
	(void)cause;
	ns_changes++;
}

/* A failed step ends the scenario with its number as exit status. */
#define NS_STEP(n, cond)                 \
	do {                             \
		if (!(cond)) {           \
			rc = (n);        \
			goto out;        \
		}                        \
	} while (0)

/* The kernel settles operstate (hence IFF_RUNNING) a moment after the
 * command returns; the daemon would get a link event then. Re-deliver the
 * event every 10 ms until the tracker agrees, for at most 2 s. */
static bool ns_settle(struct tracker *t, int ifindex, int want_delta, bool want_fault)
{
	for (int i = 0; i < 200; i++) {
		tracker_link_event(t, ifindex, true);
		if (tracker_delta(t) == want_delta && tracker_fault(t, NULL, 0) == want_fault)
			return true;
		usleep(10000);
	}
	return false;
}

/* Runs in a forked child that owns a fresh network namespace, so the
 * test interfaces can never touch the host. veth pairs, because "up"
 * needs the carrier too, which the peer controls. */
static int iface_scenario(void)
{
	struct track_hooks hooks = { .changed = ns_on_changed };
	struct track_conf ns_conf = { 0 };
	struct tracker *t = NULL;
	struct loop *l;
	struct nlk *nl;
	int idx0, idx1, rc = NS_OK;

	if (unshare(CLONE_NEWNET) < 0)
		return NS_SKIP;
	if (ip("add clt-trk0 type veth peer name clt-trk0p") != 0)
		return NS_SKIP; /* no veth driver */
	l = loop_new();
	nl = nlk_open();
	NS_STEP(1, l && nl);
	ns_conf.interfaces[0] = (struct track_iface_conf){ .name = "clt-trk0", .weight = -20 };
	ns_conf.interfaces[1] = (struct track_iface_conf){ .name = "clt-trk1",
							   .weight = TRACK_NO_WEIGHT };
	ns_conf.ninterfaces = 2;
	t = tracker_new(l, NULL, nl, &ns_conf, "ns", &hooks);
	NS_STEP(2, t);
	idx0 = nlk_ifindex(nl, "clt-trk0");
	/* Created but down; the other one does not exist yet. */
	NS_STEP(3, idx0 > 0 && tracker_delta(t) == -20 && tracker_fault(t, NULL, 0));

	/* Admin up without carrier (peer down) is still down. */
	NS_STEP(4, ip("set clt-trk0 up") == 0);
	tracker_link_event(t, idx0, true);
	NS_STEP(5, tracker_delta(t) == -20 && ns_changes == 0);

	NS_STEP(6, ip("set clt-trk0p up") == 0);
	NS_STEP(7, ns_settle(t, idx0, 0, true) && ns_changes == 1);

	NS_STEP(8, ip("set clt-trk0 down") == 0);
	NS_STEP(9, ns_settle(t, idx0, -20, true) && ns_changes == 2);

	/* An interface that appears later, found through its new index. */
	NS_STEP(10, ip("add clt-trk1 type veth peer name clt-trk1p") == 0 &&
			    ip("set clt-trk1p up") == 0 && ip("set clt-trk1 up") == 0);
	idx1 = nlk_ifindex(nl, "clt-trk1");
	NS_STEP(11, idx1 > 0 && ns_settle(t, idx1, -20, false) && ns_changes == 3);

	/* "Re-check everything" sees changes too. */
	NS_STEP(12, ip("set clt-trk0 up") == 0);
	NS_STEP(13, ns_settle(t, 0, 0, false) && ns_changes == 4);

	/* Losing the carrier is going down. */
	NS_STEP(14, ip("set clt-trk1p down") == 0);
	NS_STEP(15, ns_settle(t, idx1, 0, true) && ns_changes == 5);

	/* Deleted: down, seen through the event about its old index. */
	NS_STEP(16, ip("del clt-trk0") == 0);
	tracker_link_event(t, idx0, false);
	NS_STEP(17, tracker_delta(t) == -20 && ns_changes == 6);
	/* An event about an unrelated index changes nothing. */
	tracker_link_event(t, idx1 + 100, true);
	NS_STEP(18, tracker_delta(t) == -20 && ns_changes == 6);
out:
	tracker_free(t);
	nlk_close(nl);
	loop_free(l);
	return rc;
}

START_TEST(test_iface_in_private_netns)
{
	int status;
	pid_t pid;

	if (geteuid() != 0)
		TU_SKIP("needs root (a private network namespace)");
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		exit(iface_scenario());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	/* As root both must work: a failure here is a broken machine, not
	 * a reason to pass. */
	ck_assert_msg(WEXITSTATUS(status) != NS_SKIP,
		      "as root: cannot unshare a network namespace or create a veth pair");
	ck_assert_msg(WEXITSTATUS(status) == NS_OK, "namespace scenario failed at step %d",
		      WEXITSTATUS(status));
}
END_TEST

static Suite *track_suite(void)
{
	Suite *s = suite_create("track");
	TCase *scripts = tcase_create("scripts");
	TCase *files = tcase_create("files");
	TCase *ifaces = tcase_create("interfaces");

	tcase_add_checked_fixture(scripts, setup, teardown);
	tcase_set_timeout(scripts, 10);
	tcase_add_test(scripts, test_script_ok_counts_positive_weight);
	tcase_add_loop_test(scripts, test_script_failure_kinds, 0,
			    (int)(sizeof(failing) / sizeof(failing[0])));
	tcase_add_test(scripts, test_script_rise_fall);
	tcase_add_test(scripts, test_script_overrun_is_skipped);
	tcase_add_test(scripts, test_loop_responsive_while_script_hangs);
	tcase_add_test(scripts, test_no_weight_failure_is_fault);
	tcase_add_test(scripts, test_fault_reason_moves_without_change);
	tcase_add_test(scripts, test_no_weight_recovery_clears_fault);
	tcase_add_test(scripts, test_script_as_user);
	tcase_add_test(scripts, test_script_unknown_user_fails_without_running);
	suite_add_tcase(s, scripts);

	tcase_add_checked_fixture(files, setup, teardown);
	tcase_add_test(files, test_file_tracking);
	tcase_add_test(files, test_file_initial_value_and_default_weight);
	suite_add_tcase(s, files);

	tcase_add_checked_fixture(ifaces, setup, teardown);
	tcase_add_test(ifaces, test_iface_missing_counts_down);
	tcase_add_test(ifaces, test_iface_in_private_netns);
	suite_add_tcase(s, ifaces);
	return s;
}

CLUSTD_TEST_MAIN(track_suite)
