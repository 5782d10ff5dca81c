/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_script.c - the script runner with real children, a real loop
 * and short real timeouts. Scripts are written into a temp dir. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "script.h"
#include "testutil.h"

#define MS 1000u
#define MAX_DONE 8

static char tmpdir[64];

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/clt-script-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	log_init("check_script", true, LOG_DEBUG);
}

static void teardown(void)
{
	char cmd[128];

	/* The directory name came from mkdtemp, no quoting issue. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

static void path_in_tmp(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", tmpdir, name);
}

/* Writes tmpdir/name with a /bin/sh shebang; returns its path (static). */
static const char *write_script(const char *name, const char *body, mode_t mode)
{
	static char paths[4][256];
	static int next;
	char *path = paths[next++ % 4];
	FILE *f;

	path_in_tmp(path, sizeof(paths[0]), name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

static char *slurp(const char *name)
{
	static char buf[4096];
	char path[256];
	size_t n;
	FILE *f;

	path_in_tmp(path, sizeof(path), name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* What the done callbacks saw; the loop stops once `want` runs ended. */
struct ctx {
	struct loop *l;
	struct script_runner *r;
	struct loop_timer guard;
	bool guard_fired;
	int want;
	int n_done;
	struct script_result res[MAX_DONE];
	char paths[MAX_DONE][256];
	char tags[MAX_DONE];
	uint64_t done_at[MAX_DONE];
};

static void on_guard(void *arg)
{
	struct ctx *c = arg;

	c->guard_fired = true;
	loop_stop(c->l);
}

static void record(struct ctx *c, const struct script_result *res, char tag)
{
	int i = c->n_done++;

	ck_assert_int_lt(i, MAX_DONE);
	c->res[i] = *res;
	snprintf(c->paths[i], sizeof(c->paths[i]), "%s", res->path);
	c->res[i].path = c->paths[i];
	c->tags[i] = tag;
	c->done_at[i] = mono_now_us();
	if (c->n_done >= c->want)
		loop_stop(c->l);
}

static void on_done_a(void *arg, const struct script_result *res)
{
	record(arg, res, 'a');
}

static void on_done_b(void *arg, const struct script_result *res)
{
	record(arg, res, 'b');
}

static void ctx_init(struct ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->l = loop_new();
	ck_assert_ptr_nonnull(c->l);
	c->r = script_runner_new(c->l);
	ck_assert_ptr_nonnull(c->r);
	c->guard.fn = on_guard;
	c->guard.arg = c;
}

/* Runs the loop until `want` runs ended or max_ms passed. */
static void ctx_run(struct ctx *c, int want, unsigned max_ms)
{
	c->want = want;
	c->guard_fired = false;
	loop_timer_arm(c->l, &c->guard, mono_now_us() + max_ms * MS);
	if (c->n_done < want)
		loop_run(c->l);
	loop_timer_cancel(c->l, &c->guard);
}

/* Runs the loop in 10 ms slices until no script runs or waits, at most
 * max_ms. */
static void run_until_idle(struct ctx *c, unsigned max_ms)
{
	for (unsigned i = 0; i < max_ms / 10 && !script_runner_idle(c->r); i++) {
		c->want = 99;
		loop_timer_arm(c->l, &c->guard, mono_now_us() + 10 * MS);
		loop_run(c->l);
	}
}

static void ctx_free(struct ctx *c)
{
	script_runner_free(c->r);
	loop_free(c->l);
}

static bool pid_gone(pid_t pid)
{
	char path[64], state = 0;
	FILE *f;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	/* A zombie (waiting for a reaper that is not us) is gone enough. */
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state == 'Z' || state == 'X';
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

START_TEST(test_argv_and_env_reach_script)
{
	struct ctx c;
	struct script_queue *q;
	char out[256], *text, expect[512];
	const char *path;

	ctx_init(&c);
	path_in_tmp(out, sizeof(out), "out");
	setenv("CLT_KEEP", "kept", 1);
	setenv("CLT_REPLACED", "old", 1);
	path = write_script("args.sh",
			    "{\n"
			    "  printf '%s|%s|%s\\n' \"$0\" \"$1\" \"$2\"\n"
			    "  printf '%s|%s|%s\\n' \"$CLT_KEEP\" \"$CLT_REPLACED\" \"$CLT_NEW\"\n"
			    "  env | grep -c '^CLT_REPLACED='\n"
			    "  readlink /proc/$$/fd/0\n"
			    "  grep '^SigBlk:' /proc/$$/status | tr -d ' \\t'\n"
			    "  [ \"$(cut -d' ' -f5 /proc/$$/stat)\" = \"$$\" ] && echo own-group\n"
			    "} > \"$CLT_OUT\"",
			    0700);
	q = script_queue_new(c.r, "web");
	script_queue_on_done(q, on_done_a, &c);
	{
		char *argv[] = { (char *)path, "MASTER", "two words", NULL };
		char env_out[300];
		char *env[] = { env_out, "CLT_REPLACED=old", "CLT_REPLACED=new", "CLT_NEW=fresh",
				NULL };

		snprintf(env_out, sizeof(env_out), "CLT_OUT=%s", out);
		script_queue_push(q, path, argv, env, 2000);
		/* Everything was copied: scribbling on ours changes nothing. */
		memset(env_out, 'x', sizeof(env_out) - 1);
		argv[1] = "BACKUP";
	}
	ck_assert(!script_runner_idle(c.r));
	ctx_run(&c, 1, 1500);
	ck_assert(!c.guard_fired);
	ck_assert_int_eq(c.n_done, 1);
	ck_assert_int_eq(c.res[0].exit_code, 0);
	ck_assert_int_eq(c.res[0].term_signal, 0);
	ck_assert(!c.res[0].exec_failed && !c.res[0].timed_out);
	ck_assert_str_eq(c.res[0].path, path);
	ck_assert_uint_gt(c.res[0].duration_us, 0);
	text = slurp("out");
	ck_assert_ptr_nonnull(text);
	snprintf(expect, sizeof(expect),
		 "%s|MASTER|two words\n"
		 "|new|fresh\n"
		 "1\n"
		 "/dev/null\n"
		 "SigBlk:0000000000000000\n"
		 "own-group\n",
		 path);
	ck_assert_str_eq(text, expect);
	ck_assert(script_runner_idle(c.r));
	ctx_free(&c);
}
END_TEST

/* The environment a script starts with (its /proc/PID/environ, which no
 * shell has touched), one "K=V" per line, sorted. */
static const char *env_dump_script(void)
{
	return write_script("env.sh", "tr '\\0' '\\n' < /proc/$$/environ | sort > \"$CLT_OUT\"",
			    0755);
}

/* Runs env.sh once on q with CLT_OUT and CLUSTD_STATE as its extras. */
static void run_env_dump(struct ctx *c, struct script_queue *q, const char *path)
{
	char out[256], env_out[300];
	char *env[] = { env_out, "CLUSTD_STATE=MASTER", NULL };

	path_in_tmp(out, sizeof(out), "env");
	snprintf(env_out, sizeof(env_out), "CLT_OUT=%s", out);
	script_queue_on_done(q, on_done_a, c);
	script_queue_push(q, path, NULL, env, 2000);
	ctx_run(c, c->n_done + 1, 1500);
	ck_assert(!c->guard_fired);
	ck_assert_int_eq(c->res[c->n_done - 1].exit_code, 0);
}

#define SAFE_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"

START_TEST(test_env_is_minimal)
{
	struct ctx c;
	struct script_queue *q;
	char expect[1024], out[256];
	const char *path;

	ctx_init(&c);
	path_in_tmp(out, sizeof(out), "env");
	setenv("LD_PRELOAD", "/nonexistent/clt-preload.so", 1);
	setenv("SECRET", "1", 1);
	setenv("PATH", "/tmp/clt-evil:/usr/bin:/bin", 1);
	setenv("LANG", "C", 1);
	setenv("HOME", "/tmp/clt-home", 1);
	path = env_dump_script();
	q = script_queue_new(c.r, "env");
	run_env_dump(&c, q, path);
	snprintf(expect, sizeof(expect),
		 "CLT_OUT=%s\n"
		 "CLUSTD_STATE=MASTER\n"
		 "HOME=/root\n"
		 "LANG=C\n"
		 "LOGNAME=root\n"
		 SAFE_PATH
		 "USER=root\n",
		 out);
	if (geteuid() == 0)
		ck_assert_str_eq(slurp("env"), expect);

	/* Without a LANG of its own the daemon gives C.UTF-8. */
	unsetenv("LANG");
	run_env_dump(&c, q, path);
	ck_assert_ptr_nonnull(strstr(slurp("env"), "\nLANG=C.UTF-8\n"));
	ck_assert_ptr_null(strstr(slurp("env"), "SECRET"));
	ck_assert_ptr_null(strstr(slurp("env"), "LD_PRELOAD"));
	ctx_free(&c);
}
END_TEST

/* As another user: that user's HOME, USER and LOGNAME, nothing else. */
START_TEST(test_env_as_user)
{
	struct ctx c;
	struct script_queue *q;
	char expect[1024], out[256];
	const char *path;
	int fd;

	if (geteuid() != 0)
		TU_SKIP("switching users needs root");
	ctx_init(&c);
	setenv("SECRET", "1", 1);
	setenv("LANG", "C", 1);
	ck_assert_int_eq(chmod(tmpdir, 0755), 0);
	path_in_tmp(out, sizeof(out), "env");
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fchmod(fd, 0666), 0);
	close(fd);
	path = env_dump_script();
	q = script_queue_new(c.r, "env");
	script_queue_set_user(q, 65534, 65534);
	run_env_dump(&c, q, path);
	snprintf(expect, sizeof(expect),
		 "CLT_OUT=%s\n"
		 "CLUSTD_STATE=MASTER\n"
		 "HOME=/nonexistent\n"
		 "LANG=C\n"
		 "LOGNAME=nobody\n"
		 SAFE_PATH
		 "USER=nobody\n",
		 out);
	ck_assert_str_eq(slurp("env"), expect);
	ctx_free(&c);
}
END_TEST

START_TEST(test_one_queue_runs_in_order)
{
	struct ctx c;
	struct script_queue *q;
	char out[256], env_out[300];
	char *env[] = { env_out, NULL };
	const char *first, *second;

	ctx_init(&c);
	path_in_tmp(out, sizeof(out), "log");
	snprintf(env_out, sizeof(env_out), "CLT_OUT=%s", out);
	first = write_script("first.sh",
			     "echo 'first start' >> \"$CLT_OUT\"; sleep 0.15; "
			     "echo 'first end' >> \"$CLT_OUT\"",
			     0700);
	second = write_script("second.sh",
			      "echo 'second start' >> \"$CLT_OUT\"; "
			      "echo 'second end' >> \"$CLT_OUT\"",
			      0700);
	q = script_queue_new(c.r, "vi1");
	script_queue_on_done(q, on_done_a, &c);
	script_queue_push(q, first, NULL, env, 0);
	script_queue_push(q, second, NULL, env, 0);
	ctx_run(&c, 2, 1500);
	ck_assert(!c.guard_fired);
	ck_assert_int_eq(c.n_done, 2);
	ck_assert_str_eq(c.res[0].path, first);
	ck_assert_str_eq(c.res[1].path, second);
	ck_assert_uint_ge(c.res[0].duration_us, 150 * MS);
	ck_assert_str_eq(slurp("log"), "first start\nfirst end\nsecond start\nsecond end\n");
	ctx_free(&c);
}
END_TEST

START_TEST(test_two_queues_run_in_parallel)
{
	struct ctx c;
	struct script_queue *qa, *qb;
	char out[256], env_out[300];
	char *env[] = { env_out, NULL };
	const char *path;
	char *text;
	uint64_t start;

	ctx_init(&c);
	path_in_tmp(out, sizeof(out), "log");
	snprintf(env_out, sizeof(env_out), "CLT_OUT=%s", out);
	path = write_script("par.sh",
			    "echo \"start $1\" >> \"$CLT_OUT\"; sleep 0.3; "
			    "echo \"end $1\" >> \"$CLT_OUT\"",
			    0700);
	qa = script_queue_new(c.r, "a");
	qb = script_queue_new(c.r, "b");
	script_queue_on_done(qa, on_done_a, &c);
	script_queue_on_done(qb, on_done_b, &c);
	start = mono_now_us();
	{
		char *argv_a[] = { (char *)path, "A", NULL };
		char *argv_b[] = { (char *)path, "B", NULL };

		script_queue_push(qa, path, argv_a, env, 0);
		script_queue_push(qb, path, argv_b, env, 0);
	}
	ctx_run(&c, 2, 1500);
	ck_assert(!c.guard_fired);
	ck_assert_int_eq(c.n_done, 2);
	ck_assert(c.tags[0] != c.tags[1]);
	/* Serial would take 600 ms or more. */
	ck_assert_uint_lt(mono_now_us() - start, 550 * MS);
	text = slurp("log");
	ck_assert_ptr_nonnull(text);
	ck_assert(!strncmp(text, "start ", 6));
	ck_assert(!strncmp(text + 8, "start ", 6));
	ctx_free(&c);
}
END_TEST

START_TEST(test_timeout_kills_whole_group)
{
	struct ctx c;
	struct script_queue *q;
	char out[256], env_out[300];
	char *env[] = { env_out, NULL };
	const char *path;
	char *text;
	pid_t grandchild;
	int tries;

	ctx_init(&c);
	path_in_tmp(out, sizeof(out), "pid");
	snprintf(env_out, sizeof(env_out), "CLT_OUT=%s", out);
	path = write_script("hang.sh",
			    "sleep 30 &\n"
			    "echo $! > \"$CLT_OUT.tmp\" && mv \"$CLT_OUT.tmp\" \"$CLT_OUT\"\n"
			    "sleep 30\n"
			    "wait",
			    0700);
	q = script_queue_new(c.r, "hang");
	script_queue_on_done(q, on_done_a, &c);
	script_queue_push(q, path, NULL, env, 200);
	ctx_run(&c, 1, 1500);
	ck_assert(!c.guard_fired);
	ck_assert_int_eq(c.n_done, 1);
	ck_assert(c.res[0].timed_out);
	ck_assert_int_eq(c.res[0].term_signal, SIGKILL);
	ck_assert_int_eq(c.res[0].exit_code, -1);
	ck_assert(!c.res[0].exec_failed);
	ck_assert_uint_ge(c.res[0].duration_us, 200 * MS);
	ck_assert_uint_lt(c.res[0].duration_us, 500 * MS);

	text = slurp("pid");
	ck_assert_ptr_nonnull(text);
	grandchild = (pid_t)atol(text);
	ck_assert_int_gt(grandchild, 1);
	for (tries = 0; tries < 100 && !pid_gone(grandchild); tries++)
		sleep_ms(10);
	ck_assert_msg(pid_gone(grandchild), "background child %ld survived", (long)grandchild);
	ctx_free(&c);
}
END_TEST

START_TEST(test_exec_failures)
{
	struct ctx c;
	struct script_queue *q;
	char missing[256];
	const char *noexec;

	ctx_init(&c);
	path_in_tmp(missing, sizeof(missing), "does-not-exist");
	noexec = write_script("noexec.sh", "exit 0", 0600);
	q = script_queue_new(c.r, "broken");
	script_queue_on_done(q, on_done_a, &c);
	script_queue_push(q, missing, NULL, NULL, 1000);
	script_queue_push(q, noexec, NULL, NULL, 1000);
	/* Reported from the loop, never from inside push. */
	ck_assert_int_eq(c.n_done, 0);
	ck_assert(!script_runner_idle(c.r));
	ctx_run(&c, 2, 1000);
	ck_assert(!c.guard_fired);
	ck_assert_int_eq(c.n_done, 2);
	for (int i = 0; i < 2; i++) {
		ck_assert(c.res[i].exec_failed);
		ck_assert_int_eq(c.res[i].exit_code, 127);
		ck_assert_int_eq(c.res[i].term_signal, 0);
		ck_assert(!c.res[i].timed_out);
	}
	ck_assert_str_eq(c.res[0].path, missing);
	ck_assert_str_eq(c.res[1].path, noexec);
	ck_assert(script_runner_idle(c.r));
	ctx_free(&c);
}
END_TEST

START_TEST(test_exit_code_and_signal)
{
	struct ctx c;
	struct script_queue *q;
	const char *three, *term;

	ctx_init(&c);
	three = write_script("three.sh", "exit 3", 0700);
	term = write_script("term.sh", "kill -TERM $$; sleep 1", 0700);
	q = script_queue_new(c.r, "codes");
	script_queue_on_done(q, on_done_a, &c);
	script_queue_push(q, three, NULL, NULL, 1000);
	script_queue_push(q, term, NULL, NULL, 1000);
	ctx_run(&c, 2, 1500);
	ck_assert(!c.guard_fired);
	ck_assert_int_eq(c.n_done, 2);
	ck_assert_int_eq(c.res[0].exit_code, 3);
	ck_assert_int_eq(c.res[0].term_signal, 0);
	ck_assert(!c.res[0].timed_out && !c.res[0].exec_failed);
	ck_assert_int_eq(c.res[1].term_signal, SIGTERM);
	ck_assert_int_eq(c.res[1].exit_code, -1);
	ck_assert(!c.res[1].timed_out);
	ctx_free(&c);
}
END_TEST

struct ticker {
	struct loop_timer t;
	struct loop *l;
	int ticks;
};

static void on_tick(void *arg)
{
	struct ticker *tk = arg;

	tk->ticks++;
	loop_timer_arm(tk->l, &tk->t, tk->t.deadline + 10 * MS);
}

START_TEST(test_loop_stays_responsive)
{
	struct ctx c;
	struct script_queue *q;
	struct ticker tk;
	const char *path;

	ctx_init(&c);
	tk = (struct ticker){ .t = { .fn = on_tick, .arg = &tk }, .l = c.l };
	path = write_script("slow.sh", "sleep 0.5", 0700);
	q = script_queue_new(c.r, "slow");
	script_queue_on_done(q, on_done_a, &c);
	script_queue_push(q, path, NULL, NULL, 2000);
	uint64_t t0 = mono_now_us();
	loop_timer_arm(c.l, &tk.t, t0 + 10 * MS);
	ctx_run(&c, 1, 1500);
	uint64_t ran_ms = (mono_now_us() - t0) / MS;
	loop_timer_cancel(c.l, &tk.t);
	ck_assert(!c.guard_fired);
	ck_assert_int_eq(c.res[0].exit_code, 0);
	/* About 50 ticks in 500 ms; a blocking wait would give ~0. The
	 * script may take longer on a busy machine: the upper bound is what
	 * the time it really took allows, not a fixed 60. */
	ck_assert_int_ge(tk.ticks, 40);
	ck_assert_int_le(tk.ticks, (int)(ran_ms / 10) + 2);
	ctx_free(&c);
}
END_TEST

/* Holds a write lease on path in a child for hold_ms: until it ends, any
 * open of path (an exec's included) blocks in the kernel, like a file on
 * a hung network mount. Returns once the lease is in place. */
static pid_t hold_lease(const char *path, unsigned hold_ms)
{
	int ready[2];
	char byte;
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd;

		signal(SIGIO, SIG_IGN); /* the lease-break notice */
		fd = open(path, O_RDONLY);
		if (fd < 0 || fcntl(fd, F_SETLEASE, F_WRLCK) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		sleep_ms(hold_ms);
		_exit(0);
	}
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	return pid;
}

struct gap_ticker {
	struct loop_timer t;
	struct loop *l;
	uint64_t last, max_gap;
};

static void on_gap_tick(void *arg)
{
	struct gap_ticker *g = arg;
	uint64_t now = mono_now_us();

	if (now - g->last > g->max_gap)
		g->max_gap = now - g->last;
	g->last = now;
	loop_timer_arm(g->l, &g->t, now + 10 * MS);
}

/* A script whose exec blocks for over a second (its file is leased):
 * the loop keeps firing a 10 ms timer meanwhile, and the script still
 * runs once the exec gets through. */
static void check_blocked_exec_keeps_loop(bool as_user)
{
	struct ctx c;
	struct script_queue *q;
	struct gap_ticker g;
	const char *path;
	pid_t holder;

	ctx_init(&c);
	ck_assert_int_eq(chmod(tmpdir, 0755), 0);
	path = write_script("leased.sh", "exit 0", 0755);
	q = script_queue_new(c.r, "leased");
	if (as_user)
		script_queue_set_user(q, 65534, 65534);
	script_queue_on_done(q, on_done_a, &c);
	holder = hold_lease(path, 1200);
	g = (struct gap_ticker){ .t = { .fn = on_gap_tick, .arg = &g }, .l = c.l };
	g.last = mono_now_us();
	loop_timer_arm(c.l, &g.t, g.last + 10 * MS);
	script_queue_push(q, path, NULL, NULL, 5000);
	ctx_run(&c, 1, 4000);
	loop_timer_cancel(c.l, &g.t);
	ck_assert(!c.guard_fired);
	ck_assert_int_eq(c.res[0].exit_code, 0);
	/* The exec really waited for the lease... */
	ck_assert_uint_ge(c.res[0].duration_us, 800 * MS);
	/* ...and the loop did not. */
	ck_assert_msg(g.max_gap < 200 * MS, "the loop stalled %llu ms",
		      (unsigned long long)(g.max_gap / MS));
	kill(holder, SIGKILL);
	ctx_free(&c);
}

START_TEST(test_blocked_exec_keeps_loop)
{
	check_blocked_exec_keeps_loop(false);
}
END_TEST

START_TEST(test_blocked_exec_as_user_keeps_loop)
{
	if (geteuid() == 0)
		check_blocked_exec_keeps_loop(true);
}
END_TEST

/* The runner started from a real-time thread whose memory is locked, as
 * the daemon's loop is: the script still runs under SCHED_OTHER (the
 * spawner resets it, and here nothing else would: the test thread's
 * policy has no SCHED_RESET_ON_FORK), with no memory locked. */
START_TEST(test_script_runs_normal_priority_unlocked)
{
	struct sched_param rr = { .sched_priority = 5 }, normal = { .sched_priority = 0 };
	struct ctx c;
	struct script_queue *q;
	const char *path;
	char *out;

	if (sched_setscheduler(0, SCHED_RR, &rr) < 0)
		TU_SKIP("cannot use SCHED_RR here (%s)", strerror(errno));
	/* ONFAULT: under ASan only what is touched may be locked. */
	ck_assert_int_eq(syscall(SYS_mlockall, MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT), 0);
	ctx_init(&c);
	path = write_script("sched.sh",
			    "awk '/^policy/ { print \"policy\", $3 } /^prio / { print \"prio\", $3 }' "
			    "/proc/$$/sched > \"$(dirname \"$0\")/sched.out\"\n"
			    "grep VmLck /proc/$$/status >> \"$(dirname \"$0\")/sched.out\"", 0700);
	q = script_queue_new(c.r, "sched");
	script_queue_on_done(q, on_done_a, &c);
	/* Generous bounds: the script runs at normal priority, which real-time
	 * work elsewhere on a loaded 2-core host can hold off for seconds. */
	script_queue_push(q, path, NULL, NULL, 8000);
	ctx_run(&c, 1, 10000);
	ck_assert(!c.guard_fired);
	ck_assert_int_eq(c.res[0].exit_code, 0);
	out = slurp("sched.out");
	ck_assert_ptr_nonnull(out);
	/* The test thread really is real-time (so the check below means something). */
	ck_assert_int_eq(sched_getscheduler(0), SCHED_RR);
	ck_assert_msg(strstr(out, "policy 0\n") != NULL, "script ran with: %s", out);
	ck_assert_msg(strstr(out, "prio 120\n") != NULL, "script ran with: %s", out);
	ck_assert_msg(strstr(out, "VmLck:\t       0 kB") != NULL, "script ran with: %s", out);
	ctx_free(&c);
	syscall(SYS_munlockall);
	sched_setscheduler(0, SCHED_OTHER, &normal);
}
END_TEST

/* One transition's scripts onto a coalescing queue: the state script,
 * then the "any" script, as the notify code pushes them. */
static void push_transition(struct script_queue *q, const char *path, const char *to,
			    const char *from, char *env_out)
{
	char prev[64];
	char *env[] = { env_out, prev, NULL };
	char *argv_state[] = { (char *)path, "state", (char *)to, NULL };
	char *argv_any[] = { (char *)path, "any", (char *)to, NULL };

	snprintf(prev, sizeof(prev), "CLUSTD_PREV_STATE=%s", from);
	script_queue_begin_batch(q, "CLUSTD_PREV_STATE");
	script_queue_push(q, path, argv_state, env, 2000);
	script_queue_push(q, path, argv_any, env, 2000);
}

/* A flapper: while the first transition's state script runs, two more
 * transitions come. The running one finishes and so does its batch's
 * "any" script; the middle transition is skipped (reported as such), the
 * last one runs, told it comes from the state last notified (BACKUP),
 * not from the MASTER no script ever saw. */
START_TEST(test_superseded_transitions_skipped)
{
	struct ctx c;
	struct script_queue *q;
	char out[256], env_out[300];
	const char *path;
	int skipped = 0;

	ctx_init(&c);
	path_in_tmp(out, sizeof(out), "log");
	snprintf(env_out, sizeof(env_out), "CLT_OUT=%s", out);
	path = write_script("notify.sh",
			    "echo \"$1 $2 $CLUSTD_PREV_STATE\" >> \"$CLT_OUT\"; sleep 0.2", 0700);
	q = script_queue_new(c.r, "flap");
	script_queue_on_done(q, on_done_a, &c);
	push_transition(q, path, "BACKUP", "INIT", env_out);
	push_transition(q, path, "MASTER", "BACKUP", env_out);
	push_transition(q, path, "BACKUP", "MASTER", env_out);
	/* Reported from the loop, never from inside the calls. */
	ck_assert_int_eq(c.n_done, 0);
	ctx_run(&c, 6, 3000);
	ck_assert(!c.guard_fired);
	ck_assert_int_eq(c.n_done, 6);
	for (int i = 0; i < c.n_done; i++) {
		if (!c.res[i].skipped)
			continue;
		skipped++;
		ck_assert(!c.res[i].exec_failed && !c.res[i].timed_out);
		ck_assert_str_eq(c.res[i].path, path);
	}
	ck_assert_int_eq(skipped, 2);
	ck_assert_str_eq(slurp("log"), "state BACKUP INIT\n"
				       "any BACKUP INIT\n"
				       "state BACKUP BACKUP\n"
				       "any BACKUP BACKUP\n");
	ck_assert(script_runner_idle(c.r));
	ctx_free(&c);
}
END_TEST

/* 200 transitions pushed at once: the first starts at once and runs
 * whole, the next 198 are skipped, the newest runs; nothing else waits. */
START_TEST(test_flapper_queue_stays_bounded)
{
	struct ctx c;
	struct script_queue *q;
	char out[256], env_out[300];
	const char *path;

	ctx_init(&c);
	path_in_tmp(out, sizeof(out), "log");
	snprintf(env_out, sizeof(env_out), "CLT_OUT=%s", out);
	path = write_script("notify.sh", "echo \"$1 $2 $CLUSTD_PREV_STATE\" >> \"$CLT_OUT\"",
			    0700);
	q = script_queue_new(c.r, "flap");
	for (int i = 0; i < 200; i++)
		push_transition(q, path, i % 2 ? "BACKUP" : "MASTER", i % 2 ? "MASTER" : "BACKUP",
				env_out);
	run_until_idle(&c, 3000);
	ck_assert(script_runner_idle(c.r));
	/* The first transition (started at once), then the last one. */
	ck_assert_str_eq(slurp("log"), "state MASTER BACKUP\n"
				       "any MASTER BACKUP\n"
				       "state BACKUP MASTER\n"
				       "any BACKUP MASTER\n");
	ctx_free(&c);
}
END_TEST

START_TEST(test_idle_and_queue_free)
{
	struct ctx c;
	struct script_queue *q, *other;
	char marker[256], env_out[300];
	char *env[] = { env_out, NULL };
	const char *slow, *touch, *quick;

	ctx_init(&c);
	path_in_tmp(marker, sizeof(marker), "marker");
	snprintf(env_out, sizeof(env_out), "CLT_OUT=%s", marker);
	slow = write_script("slow.sh", "sleep 0.1", 0700);
	touch = write_script("touch.sh", "echo ran > \"$CLT_OUT\"", 0700);
	quick = write_script("quick.sh", "exit 0", 0700);
	ck_assert(script_runner_idle(c.r));
	q = script_queue_new(c.r, "gone");
	other = script_queue_new(c.r, "other");
	script_queue_on_done(q, on_done_a, &c);
	script_queue_on_done(other, on_done_b, &c);
	ck_assert(script_runner_idle(c.r));
	script_queue_push(q, slow, NULL, NULL, 1000);
	script_queue_push(q, touch, NULL, env, 1000);
	ck_assert(!script_runner_idle(c.r));

	/* Freed while running: the pending touch.sh is dropped, the running
	 * sleep is still reaped, and its done callback is not called. */
	script_queue_free(q);
	ck_assert(!script_runner_idle(c.r));
	script_queue_push(other, quick, NULL, NULL, 1000);
	ctx_run(&c, 1, 1000);
	ck_assert_int_eq(c.n_done, 1);
	ck_assert_int_eq(c.tags[0], 'b');
	run_until_idle(&c, 1000);
	ck_assert(script_runner_idle(c.r));
	ck_assert_int_eq(c.n_done, 1);
	ck_assert_ptr_null(slurp("marker"));
	ctx_free(&c);
}
END_TEST

START_TEST(test_runner_free_kills_running)
{
	struct ctx c;
	struct script_queue *q;
	char out[256], env_out[300];
	char *env[] = { env_out, NULL };
	const char *path;
	char *text = NULL;
	pid_t pid;
	uint64_t t0;

	ctx_init(&c);
	path_in_tmp(out, sizeof(out), "pid");
	snprintf(env_out, sizeof(env_out), "CLT_OUT=%s", out);
	path = write_script("long.sh",
			    "echo $$ > \"$CLT_OUT.tmp\" && mv \"$CLT_OUT.tmp\" \"$CLT_OUT\"\n"
			    "exec sleep 30",
			    0700);
	q = script_queue_new(c.r, "long");
	script_queue_push(q, path, NULL, env, 0);
	for (int i = 0; i < 200 && !(text = slurp("pid")); i++)
		sleep_ms(5);
	ck_assert_ptr_nonnull(text);
	pid = (pid_t)atol(text);
	ck_assert_int_gt(pid, 1);
	t0 = mono_now_us();
	script_runner_free(c.r);
	ck_assert_uint_lt(mono_now_us() - t0, 300 * MS);
	/* Killed and reaped by the runner: no zombie left behind. */
	ck_assert_int_eq(kill(pid, 0), -1);
	ck_assert_int_eq(errno, ESRCH);
	loop_free(c.l);
}
END_TEST

/* A done callback that pushes the next run onto the same queue. */
struct chain_ctx {
	struct ctx c;
	struct script_queue *q;
	const char *path;
	int pushed;
};

static void on_done_chain(void *arg, const struct script_result *res)
{
	struct chain_ctx *cc = arg;

	if (cc->pushed < 3) {
		cc->pushed++;
		script_queue_push(cc->q, cc->path, NULL, NULL, 1000);
	}
	record(&cc->c, res, 'c');
}

START_TEST(test_push_from_done_callback)
{
	struct chain_ctx cc;

	ctx_init(&cc.c);
	cc.path = write_script("quick.sh", "exit 0", 0700);
	cc.q = script_queue_new(cc.c.r, "chain");
	cc.pushed = 0;
	script_queue_on_done(cc.q, on_done_chain, &cc);
	script_queue_push(cc.q, cc.path, NULL, NULL, 1000);
	ctx_run(&cc.c, 4, 1500);
	ck_assert(!cc.c.guard_fired);
	ck_assert_int_eq(cc.c.n_done, 4);
	ck_assert(script_runner_idle(cc.c.r));
	script_queue_free(cc.q);
	ctx_free(&cc.c);
}
END_TEST

static Suite *script_suite(void)
{
	Suite *s = suite_create("script");
	TCase *tc = tcase_create("runner");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_argv_and_env_reach_script);
	tcase_add_test(tc, test_env_is_minimal);
	tcase_add_test(tc, test_env_as_user);
	tcase_add_test(tc, test_one_queue_runs_in_order);
	tcase_add_test(tc, test_two_queues_run_in_parallel);
	tcase_add_test(tc, test_timeout_kills_whole_group);
	tcase_add_test(tc, test_exec_failures);
	tcase_add_test(tc, test_exit_code_and_signal);
	tcase_add_test(tc, test_loop_stays_responsive);
	tcase_add_test(tc, test_blocked_exec_keeps_loop);
	tcase_add_test(tc, test_blocked_exec_as_user_keeps_loop);
	tcase_add_test(tc, test_superseded_transitions_skipped);
	tcase_add_test(tc, test_flapper_queue_stays_bounded);
	tcase_add_test(tc, test_idle_and_queue_free);
	tcase_add_test(tc, test_runner_free_kills_running);
	tcase_add_test(tc, test_push_from_done_callback);
	tcase_add_test(tc, test_script_runs_normal_priority_unlocked);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(script_suite)
