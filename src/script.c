/* SPDX-License-Identifier: GPL-2.0-or-later */
/* script.c - serial queues of scripts, started by the spawner thread
 * (spawner.c: never on the loop, never waiting for the exec there),
 * reaped through the loop's SIGCHLD, killed (whole group) at their
 * timeout. */
#include "script.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "spawner.h"
#include "xalloc.h"

/* Scripts get this PATH whatever the daemon's is. */
#define SCRIPT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SCRIPT_DEFAULT_LANG "C.UTF-8"

/* Who a script runs as, for its HOME/USER/LOGNAME (name NULL: no passwd
 * entry). */
struct script_identity {
	char *home;
	char *name;
};

/* At shutdown, how long we keep reaping the groups we just killed. */
#define SHUTDOWN_REAP_MS 100

struct script_job {
	struct script_runner *r;
	struct script_queue *q;   /* NULL once its queue is freed (orphan) */
	char *label;              /* the queue's name, for log lines */
	char *path;
	char **argv;
	char **env;               /* the whole environment (env_build) */
	uint32_t timeout_ms;
	bool as_user;             /* switch to uid/gid in the child */
	bool quiet;               /* outcome logged at debug level only */
	uid_t uid;
	gid_t gid;
	pid_t pid;                /* > 0 while the process exists (and we know it) */
	bool spawning;            /* handed to the spawner, not back yet */
	struct spawn_req req;     /* what the spawner reads and fills */
	int spawn_errno;          /* != 0 when it could not be started */
	bool timed_out;
	bool skipped;             /* superseded: ends without running */
	uint64_t batch;           /* see script_queue_begin_batch() */
	uint64_t start_us;
	struct loop_timer timer;  /* timeout, or the deferred end (spawn failure, skip) */
	struct script_job *next;  /* queue's pending list or runner's running list */
};

struct script_queue {
	struct script_runner *r;
	char *name;
	struct script_job *pending, **pending_tail;
	struct script_job *running;
	script_done_fn done_fn;
	void *done_arg;
	bool as_user;             /* see script_queue_set_user() */
	bool quiet;
	uid_t uid;
	gid_t gid;
	struct script_identity user; /* when as_user */
	uint64_t batch;           /* of the jobs pushed now */
	char *chain_carry;        /* "K=V" the current batch inherits, or NULL */
	struct script_queue *next;
};

struct script_runner {
	struct loop *l;
	struct spawner *spawner;
	struct script_queue *queues;
	struct script_job *running; /* every started job, orphans included */
	struct script_identity self; /* the daemon's own user */
};

/* ---- copies ---- */

static char **strv_dup(char *const v[])
{
	size_t n = 0;
	char **copy;

	while (v[n])
		n++;
	copy = xcalloc(n + 1, sizeof(*copy));
	for (size_t i = 0; i < n; i++)
		copy[i] = xstrdup(v[i]);
	return copy;
}

static void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static void identity_clear(struct script_identity *id)
{
	free(id->home);
	free(id->name);
	id->home = id->name = NULL;
}

static void job_free(struct script_job *j)
{
	free(j->label);
	free(j->path);
	strv_free(j->argv);
	strv_free(j->env);
	free(j);
}

/* ---- environment ---- */

static size_t env_name_len(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq ? (size_t)(eq - entry) : strlen(entry);
}

static bool env_same_name(const char *a, const char *b)
{
	size_t n = env_name_len(a);

	return n == env_name_len(b) && !strncmp(a, b, n);
}

/* Is entry overridden by one of extra[from...]? */
static bool env_overridden(const char *entry, char **extra, size_t from)
{
	for (size_t i = from; extra && extra[i]; i++)
		if (env_same_name(entry, extra[i]))
			return true;
	return false;
}

/* base plus the extras, as copies; an extra replaces a base entry (or an
 * earlier extra) of the same name, and a bare "K" (no '=') removes K. */
static char **env_merge(char *const base[], char *const extra[])
{
	size_t n_base = 0, n_extra = 0, n = 0;
	char **all, **out;

	while (base[n_base])
		n_base++;
	while (extra && extra[n_extra])
		n_extra++;
	all = xcalloc(n_base + n_extra + 1, sizeof(*all));
	out = xcalloc(n_base + n_extra + 1, sizeof(*out));
	memcpy(all, base, n_base * sizeof(*all));
	if (n_extra)
		memcpy(all + n_base, extra, n_extra * sizeof(*all));
	for (size_t i = 0; all[i]; i++)
		if (strchr(all[i], '=') && !env_overridden(all[i], all, i + 1))
			out[n++] = xstrdup(all[i]);
	free(all);
	return out;
}

/* extra (may be NULL) with `last` (may be NULL) appended: pointers only. */
static char **env_with(char *const extra[], char *last)
{
	size_t n = 0;
	char **out;

	while (extra && extra[n])
		n++;
	out = xcalloc(n + 2, sizeof(*out));
	if (n)
		memcpy(out, extra, n * sizeof(*out));
	out[n] = last;
	return out;
}

/* What a script starts with: a fixed PATH, the daemon's LANG (C.UTF-8
 * without one), the HOME, USER and LOGNAME of the user it runs as, and
 * its extras (the CLUSTD_* variables). Nothing else of the daemon's
 * environment (LD_PRELOAD, credentials...) reaches it. */
static char **env_build(const struct script_identity *id, char *const extra[], char *last)
{
	const char *lang = getenv("LANG");
	char *base[6] = { NULL }, **env, **extras;
	size_t n = 0;

	base[n++] = xasprintf("PATH=%s", SCRIPT_PATH);
	base[n++] = xasprintf("LANG=%s", lang && *lang ? lang : SCRIPT_DEFAULT_LANG);
	base[n++] = xasprintf("HOME=%s", id->home);
	if (id->name) {
		base[n++] = xasprintf("USER=%s", id->name);
		base[n++] = xasprintf("LOGNAME=%s", id->name);
	}
	extras = env_with(extra, last);
	env = env_merge(base, extras);
	for (size_t i = 0; i < n; i++)
		free(base[i]);
	free(extras);
	return env;
}

/* The passwd entry of uid, read once when a queue (or the runner) is set
 * up, never at spawn time (a slow NSS would stall the loop). A uid
 * without one gets HOME=/ and no USER/LOGNAME. */
static void identity_lookup(struct script_identity *id, uid_t uid)
{
	struct passwd pw, *found = NULL;
	char buf[4096];

	identity_clear(id);
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found) {
		id->home = xstrdup(pw.pw_dir && *pw.pw_dir ? pw.pw_dir : "/");
		id->name = xstrdup(pw.pw_name);
	} else {
		id->home = xstrdup("/");
	}
}

/* ---- spawning ---- */

static void finish(struct script_job *j, int status);

/* Hand the job to the spawner thread; its outcome comes back to
 * on_spawned. 0 or an errno. */
static int spawn(struct script_job *j)
{
	j->req = (struct spawn_req){ .path = j->path, .argv = j->argv, .env = j->env,
				     .as_user = j->as_user, .uid = j->uid, .gid = j->gid };
	int rc = spawner_submit(j->r->spawner, &j->req);

	j->spawning = rc == 0;
	return rc;
}

/* Reap j if it is done; true when it was (and j is gone). */
static bool reap(struct script_job *j)
{
	int status;

	if (j->pid <= 0 || waitpid(j->pid, &status, WNOHANG) != j->pid)
		return false;
	finish(j, status);
	return true;
}

/* The spawner is back with j: started (it may even have ended already),
 * or not (exec failed: the child exits 127; or no child at all). */
static void on_spawned(void *arg, struct spawn_req *req)
{
	struct script_job *j = (struct script_job *)((char *)req - offsetof(struct script_job, req));

	(void)arg;
	j->spawning = false;
	j->spawn_errno = req->err;
	if (req->pid <= 0) {
		finish(j, 0);
		return;
	}
	j->pid = req->pid;
	if (j->timed_out)
		kill(-j->pid, SIGKILL); /* its timeout came while it was starting */
	reap(j); /* its SIGCHLD may have come before we knew its pid */
}


static void on_timeout(void *arg)
{
	struct script_job *j = arg;

	if (j->pid <= 0 && !j->spawning)
		return;
	j->timed_out = true;
	if (j->pid > 0) {
		kill(-j->pid, SIGKILL);
		return;
	}
	/* Still starting (an exec that hangs): kill what exists; the rest
	 * happens when the spawner is back. */
	pid_t early = spawn_req_child(&j->req);
	if (early > 0) {
		kill(-early, SIGKILL);
		kill(early, SIGKILL);
	}
}

/* A spawn failure or a skip: reported from the loop, never from inside
 * script_queue_push or script_queue_begin_batch. */
static void on_deferred_end(void *arg)
{
	finish(arg, 0);
}

static void start_next(struct script_queue *q)
{
	struct script_runner *r = q->r;
	struct script_job *j = q->pending;

	if (q->running || !j)
		return;
	q->pending = j->next;
	if (!q->pending)
		q->pending_tail = &q->pending;
	j->next = r->running;
	r->running = j;
	q->running = j;

	j->start_us = mono_now_us();
	j->spawn_errno = spawn(j);
	if (j->spawn_errno) {
		j->timer.fn = on_deferred_end;
		j->timer.arg = j;
		loop_timer_arm(r->l, &j->timer, j->start_us);
	} else if (j->timeout_ms) {
		j->timer.fn = on_timeout;
		j->timer.arg = j;
		loop_timer_arm(r->l, &j->timer, j->start_us + (uint64_t)j->timeout_ms * 1000u);
	}
}

/* ---- completion ---- */

static void result_fill(struct script_result *res, const struct script_job *j, int status)
{
	memset(res, 0, sizeof(*res));
	res->path = j->path;
	res->duration_us = mono_now_us() - j->start_us;
	res->exit_code = -1;
	res->skipped = j->skipped;
	if (j->skipped) {
		res->duration_us = 0;
	} else if (j->spawn_errno) {
		res->exec_failed = true;
		res->exit_code = 127;
	} else if (WIFEXITED(status)) {
		res->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->term_signal = WTERMSIG(status);
		/* It may have exited on its own just before our kill. */
		res->timed_out = j->timed_out;
	}
}

static void result_log(const struct script_job *j, const struct script_result *res)
{
	unsigned long long ms = res->duration_us / 1000u;
	int bad = j->quiet ? LOG_DEBUG : LOG_WARNING;

	if (res->skipped)
		log_msg(j->quiet ? LOG_DEBUG : LOG_INFO,
			"%s: %s skipped: superseded by a newer transition", j->label, j->path);
	else if (res->exec_failed)
		log_msg(bad, "%s: %s could not be executed: %s", j->label, j->path,
			strerror(j->spawn_errno));
	else if (res->timed_out)
		log_msg(bad, "%s: %s killed after timeout of %u ms", j->label, j->path,
			j->timeout_ms);
	else if (res->term_signal)
		log_msg(bad, "%s: %s killed by signal %d", j->label, j->path, res->term_signal);
	else
		log_msg(res->exit_code ? bad : j->quiet ? LOG_DEBUG : LOG_INFO,
			"%s: %s exited %d after %llu ms", j->label, j->path, res->exit_code, ms);
}

static void running_unlink(struct script_runner *r, struct script_job *j)
{
	for (struct script_job **pp = &r->running; *pp; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			j->next = NULL;
			return;
		}
	}
}

/* The next job starts before the observer runs, and nothing touches the
 * queue after it: the observer may push to or free the queue. It must
 * not free the runner. */
static void finish(struct script_job *j, int status)
{
	struct script_queue *q = j->q;
	struct script_result res;

	loop_timer_cancel(j->r->l, &j->timer);
	running_unlink(j->r, j);
	result_fill(&res, j, status);
	result_log(j, &res);
	if (q) {
		if (q->running == j) {
			q->running = NULL;
			start_next(q);
		}
		if (q->done_fn)
			q->done_fn(q->done_arg, &res);
	}
	job_free(j);
}

/* SIGCHLD coalesces: reap every child of ours that is done. Only our
 * jobs' pids are waited for, so a child whose pid the spawner has not
 * reported yet stays a zombie until on_spawned reaps it. finish() changes
 * the list, so the walk starts over after each. */
static void on_sigchld(void *arg, int signo)
{
	struct script_runner *r = arg;
	bool again = true;

	(void)signo;
	while (again) {
		again = false;
		for (struct script_job *j = r->running; j; j = j->next) {
			if (reap(j)) {
				again = true;
				break;
			}
		}
	}
}

/* Stands in for a freed runner so the loop never calls into freed memory;
 * it still reaps whatever child is left. */
static void on_sigchld_orphaned(void *arg, int signo)
{
	(void)arg;
	(void)signo;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* ---- runner ---- */

struct script_runner *script_runner_new(struct loop *l)
{
	struct script_runner *r = xcalloc(1, sizeof(*r));

	r->l = l;
	identity_lookup(&r->self, geteuid());
	r->spawner = spawner_new(l, on_spawned, r);
	if (!r->spawner || loop_add_signal(l, SIGCHLD, on_sigchld, r) < 0) {
		log_err("script: cannot route SIGCHLD through the loop: %s", strerror(errno));
		spawner_free(r->spawner);
		identity_clear(&r->self);
		free(r);
		return NULL;
	}
	return r;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* Kill every running group, then reap for a short bounded while. */
static void runner_kill_all(struct script_runner *r)
{
	uint64_t give_up = mono_now_us() + SHUTDOWN_REAP_MS * 1000u;
	struct script_job *j;

	for (j = r->running; j; j = j->next) {
		loop_timer_cancel(r->l, &j->timer);
		if (j->pid > 0) {
			log_warn("%s: %s killed at shutdown", j->label, j->path);
			kill(-j->pid, SIGKILL);
		}
	}
	for (;;) {
		bool left = false;

		for (j = r->running; j; j = j->next) {
			if (j->pid > 0 && waitpid(j->pid, NULL, WNOHANG) != 0)
				j->pid = 0; /* reaped, or not ours any more */
			left |= j->pid > 0;
		}
		if (!left || mono_now_us() >= give_up)
			break;
		sleep_ms(1);
	}
}

void script_runner_free(struct script_runner *r)
{
	if (!r)
		return;
	/* After this no job is in the spawner's hands; one it was starting
	 * has its pid in req (never reported: kill it with the others). */
	spawner_free(r->spawner);
	for (struct script_job *j = r->running; j; j = j->next)
		if (j->spawning && j->req.pid > 0)
			j->pid = j->req.pid;
	runner_kill_all(r);
	while (r->running) {
		struct script_job *j = r->running;

		r->running = j->next;
		job_free(j);
	}
	while (r->queues) {
		r->queues->running = NULL; /* freed just above */
		script_queue_free(r->queues);
	}
	loop_add_signal(r->l, SIGCHLD, on_sigchld_orphaned, NULL);
	identity_clear(&r->self);
	free(r);
}

bool script_runner_idle(const struct script_runner *r)
{
	if (r->running)
		return false;
	for (const struct script_queue *q = r->queues; q; q = q->next)
		if (q->pending)
			return false;
	return true;
}

/* ---- queues ---- */

struct script_queue *script_queue_new(struct script_runner *r, const char *name)
{
	struct script_queue *q = xcalloc(1, sizeof(*q));

	q->name = xstrdup(name ? name : "script");
	q->r = r;
	q->pending_tail = &q->pending;
	q->next = r->queues;
	r->queues = q;
	return q;
}

void script_queue_free(struct script_queue *q)
{
	struct script_queue **pp;

	if (!q)
		return;
	for (pp = &q->r->queues; *pp; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	}
	while (q->pending) {
		struct script_job *j = q->pending;

		q->pending = j->next;
		job_free(j);
	}
	/* The running job stays with the runner: still reaped and still
	 * killed at its timeout, but nobody is told about it. */
	for (struct script_job *j = q->r->running; j; j = j->next)
		if (j->q == q)
			j->q = NULL; /* the running job, and skips not yet reported */
	identity_clear(&q->user);
	free(q->chain_carry);
	free(q->name);
	free(q);
}

void script_queue_set_user(struct script_queue *q, uid_t uid, gid_t gid)
{
	q->as_user = true;
	q->uid = uid;
	q->gid = gid;
	identity_lookup(&q->user, uid);
}

/* The entry of env named key ("K"), or NULL. */
static char *env_find(char **env, const char *key)
{
	size_t n = strlen(key);

	for (; env && *env; env++)
		if (!strncmp(*env, key, n) && (*env)[n] == '=')
			return *env;
	return NULL;
}

/* j leaves its queue's pending list for the runner's, to be reported as
 * skipped from the loop. */
static void job_skip(struct script_job *j)
{
	struct script_runner *r = j->r;

	j->skipped = true;
	j->next = r->running;
	r->running = j;
	j->start_us = mono_now_us();
	j->timer.fn = on_deferred_end;
	j->timer.arg = j;
	loop_timer_arm(r->l, &j->timer, j->start_us);
}

void script_queue_begin_batch(struct script_queue *q, const char *chain_key)
{
	struct script_job **pp = &q->pending, *j;
	char *carry = NULL;

	/* What is left of the started batch stays; every later batch goes. */
	while (*pp && q->running && (*pp)->batch == q->running->batch)
		pp = &(*pp)->next;
	while ((j = *pp)) {
		*pp = j->next;
		if (!carry && chain_key && env_find(j->env, chain_key))
			carry = xstrdup(env_find(j->env, chain_key));
		job_skip(j);
	}
	q->pending_tail = pp;
	free(q->chain_carry);
	q->chain_carry = carry;
	q->batch++;
}

void script_queue_set_quiet(struct script_queue *q, bool quiet)
{
	q->quiet = quiet;
}

bool script_queue_busy(const struct script_queue *q)
{
	return q->running || q->pending;
}

void script_queue_on_done(struct script_queue *q, script_done_fn fn, void *arg)
{
	q->done_fn = fn;
	q->done_arg = arg;
}

void script_queue_push(struct script_queue *q, const char *path, char *const argv[],
		       char *const env[], uint32_t timeout_ms)
{
	char *const default_argv[] = { (char *)path, NULL };
	struct script_job *j = xcalloc(1, sizeof(*j));

	j->r = q->r;
	j->q = q;
	j->timeout_ms = timeout_ms;
	j->as_user = q->as_user;
	j->quiet = q->quiet;
	j->uid = q->uid;
	j->gid = q->gid;
	j->label = xstrdup(q->name);
	j->path = xstrdup(path);
	j->argv = strv_dup(argv ? argv : default_argv);
	j->batch = q->batch;
	j->env = env_build(q->as_user ? &q->user : &q->r->self, env, q->chain_carry);
	*q->pending_tail = j;
	q->pending_tail = &j->next;
	start_next(q);
}
