/* SPDX-License-Identifier: GPL-2.0-or-later */
/* script.c - serial queues of scripts, forked into their own process
 * group without waiting for the exec, reaped through the loop's SIGCHLD,
 * killed (whole group) at their timeout. */
#include "script.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
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
	pid_t pid;                /* > 0 while the process exists */
	int report_fd;            /* the child's exec report, -1 once read */
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

/* The child: its own process group (so a timeout can kill all it
 * started), stdin from /dev/null, an empty signal mask and default
 * dispositions (we block signals for signalfd), none of our descriptors
 * beyond stdout/stderr, and for a queue with a user that identity.
 * Only async-signal-safe calls from here on. On any failure the errno
 * goes up errfd (close-on-exec, so a successful exec closes it silently). */
static __attribute__((noreturn)) void child_exec(const struct script_job *j, int errfd)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int fd, err;

	setpgid(0, 0);
	/* Keep errfd clear of stdin, which is about to be replaced. */
	if (errfd <= STDERR_FILENO) {
		errfd = fcntl(errfd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		if (errfd < 0)
			_exit(127);
	}
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL); /* fails harmlessly for KILL/STOP */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
		goto fail;
	if (errfd > STDERR_FILENO + 1)
		close_range(STDERR_FILENO + 1, (unsigned)errfd - 1, 0);
	close_range((unsigned)errfd + 1, ~0u, 0);
	/* Supplementary groups first: they can only be dropped as root. */
	if (j->as_user && geteuid() == 0 && setgroups(0, NULL) < 0)
		goto fail;
	if (j->as_user && (setgid(j->gid) < 0 || setuid(j->uid) < 0))
		goto fail;
	execve(j->path, j->argv, j->env);
fail:
	err = errno;
	/* If even this write fails, exit status 127 still tells the story. */
	if (write(errfd, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

/* Stop watching the child's report pipe. */
static void exec_report_close(struct script_job *j)
{
	if (j->report_fd < 0)
		return;
	loop_del_fd(j->r->l, j->report_fd);
	close(j->report_fd);
	j->report_fd = -1;
}

/* Never blocks: the pipe is non-blocking. An errno means exec failed
 * (the child then exits 127); end of file means it exec'd (or died). */
static void exec_report_read(struct script_job *j)
{
	int child_err = 0;
	ssize_t n;

	do
		n = read(j->report_fd, &child_err, sizeof(child_err));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return; /* still exec'ing: wait for the next wakeup */
	if (n == (ssize_t)sizeof(child_err) && child_err)
		j->spawn_errno = child_err;
	exec_report_close(j);
}

static void on_exec_report(void *arg, uint32_t events)
{
	(void)events;
	exec_report_read(arg);
}

/* Fork, and return at once: the loop never waits for the exec (which can
 * hang on a dead network mount, or on a leased file). posix_spawn would
 * wait (vfork semantics), and so would reading the report pipe at once;
 * here the child's report (an errno, or end of file on exec) is read
 * from the loop. The parent sets
 * the process group too, so a timeout's kill(-pid) can never miss it. */
static int spawn(struct script_job *j)
{
	int fds[2], err;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return errno;
	pid = fork();
	if (pid == 0)
		child_exec(j, fds[1]);
	err = errno;
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return err;
	}
	setpgid(pid, pid); /* may fail once it has exec'd: it did it itself */
	j->pid = pid;
	j->report_fd = fds[0];
	if (loop_add_fd(j->r->l, j->report_fd, EPOLLIN, on_exec_report, j) < 0) {
		/* Unwatched, it is still read (without waiting) when the child ends. */
		log_warn("%s: cannot watch the start of %s: %s", j->label, j->path,
			 strerror(errno));
	}
	return 0;
}

static void finish(struct script_job *j, int status);

static void on_timeout(void *arg)
{
	struct script_job *j = arg;

	if (j->pid <= 0)
		return;
	j->timed_out = true;
	kill(-j->pid, SIGKILL);
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
	if (j->report_fd >= 0)
		exec_report_read(j); /* it has ended: the report is there */
	exec_report_close(j);
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

static struct script_job *running_find(struct script_runner *r, pid_t pid)
{
	for (struct script_job *j = r->running; j; j = j->next)
		if (j->pid == pid)
			return j;
	return NULL;
}

static void on_sigchld(void *arg, int signo)
{
	struct script_runner *r = arg;
	int status;
	pid_t pid;

	(void)signo;
	/* SIGCHLD coalesces: reap every child that is done. */
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct script_job *j = running_find(r, pid);

		if (j)
			finish(j, status);
		else
			log_debug("reaped unknown child %ld", (long)pid);
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
	if (loop_add_signal(l, SIGCHLD, on_sigchld, r) < 0) {
		log_err("script: cannot route SIGCHLD through the loop: %s", strerror(errno));
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
	runner_kill_all(r);
	while (r->running) {
		struct script_job *j = r->running;

		r->running = j->next;
		exec_report_close(j);
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
	j->report_fd = -1;
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
