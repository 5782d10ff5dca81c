/* SPDX-License-Identifier: GPL-2.0-or-later */
/* track.c - health tracking of one instance: scripts, interfaces and files
 * folded into a priority delta or a fault.
 *
 * The rule (rise/fall, weights, the delta, the fault of a weightless
 * item) is track_rule.c, pure; this file runs, reads and watches, and
 * feeds every result into it.
 *
 * Scripts. Every interval_ms, command is run with argv = command, args...
 * through the script runner (one queue per script, so never blocking the
 * loop), killed with its process group after timeout_ms (default: the
 * interval). The first run is due at once (zero-delay timer). A run still
 * going when the next is due is not doubled: that tick only counts as
 * skipped (logged, rate-limited). A run fails when it exits non-zero, is
 * killed (by our timeout or any signal) or cannot be executed at all;
 * unlike keepalived, an exec failure is a failure, because a missing check
 * says nothing good about the service. Rise and fall start from init_ok
 * (default failed, so a new node only counts a positive weight once the
 * check has passed rise times). `user` is resolved once here; an unknown
 * user (or no command) makes the script a failure at every interval,
 * without running anything. Zero interval, rise or fall in the
 * configuration mean the defaults (1000 ms, 1, 1).
 * The runner logs each run at debug level only; state changes are logged
 * here at notice, a script that stays failed at info once a minute.
 *
 * Interfaces. Up = admin up and carrier, as the kernel reports it. Read at
 * tracker_new(), then again on every link event that may concern it:
 * events carry an ifindex, but we track names (an interface may be created,
 * deleted or renamed later), so the name is looked up again each time. An
 * interface that does not exist is down.
 *
 * Files. The file holds one integer (surrounding whitespace allowed, may
 * be negative); it contributes value x weight (weight default 1; a file
 * has no fault mode, so TRACK_NO_WEIGHT means 1). A missing, unreadable or
 * unparsable file counts 0, logged when that condition appears
 * (rate-limited). The file's *directory* is watched with inotify, and
 * events are filtered by name, so editors that replace the file by a
 * rename and files created later are both seen. No polling: a directory
 * that does not exist at tracker_new() (or is deleted later) is not
 * watched, which is logged.
 *
 * Checks (tcp, http) are track_checks.c's: they come last in the verdict.
 *
 * hooks->changed fires only when tracker_delta() or tracker_fault()
 * actually changes, with the sentence that explains it. It must not free
 * the tracker. tracker_free() must run before script_runner_free(). */
#include "track.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "track_rule.h"
#include "xalloc.h"

#define DEFAULT_INTERVAL_MS 1000u
#define LOG_EVERY_MS 10000u
#define LOG_STILL_FAILING_MS 60000u
#define FILE_READ_MAX 128
#define CAUSE_MAX 320

struct tracker;

struct tscript {
	struct tracker *t;
	char *name;
	char *command;
	char **argv;
	uint32_t interval_ms, timeout_ms;
	int32_t weight;
	char *cannot_run;          /* why it is never started, or NULL */
	struct script_queue *q;
	struct loop_timer timer;
	uint64_t next_us;          /* when the next run is due */
	struct track_check check;  /* rise/fall state */
	unsigned long long skip_log_ms, fail_log_ms;
};

struct tiface {
	char *name;
	int32_t weight;
	int ifindex;               /* last lookup of name; 0 = not there */
	bool up;
};

enum file_status { FILE_OK, FILE_MISSING, FILE_BAD };

struct tfile {
	char *path;
	const char *base;          /* the name inside its directory (in path) */
	int32_t weight;            /* track_file_weight() of the configured one */
	int wd;                    /* inotify watch of the directory, -1 = none */
	enum file_status status;
	long long value;           /* 0 unless status is FILE_OK */
	unsigned long long log_ms;
};

struct tracker {
	struct loop *l;
	struct script_runner *r;
	struct nlk *nl;
	char *owner;
	struct track_hooks hooks;
	struct track_stats stats;
	size_t nscripts, nifaces, nfiles;
	struct tscript scripts[CLUSTD_MAX_TRACK];
	struct tiface ifaces[CLUSTD_MAX_TRACK];
	struct tfile files[CLUSTD_MAX_TRACK];
	int inotify_fd;            /* -1 when not watching */
	struct track_checks *checks; /* tcp and http; NULL when none */
	struct track_verdict verdict; /* last reported (or initial) */
};

/* ---- the verdict ---- */

/* Every tracked thing as the rule sees it: scripts, interfaces, files,
 * checks (in this order, which is the order a fault is looked for in). */
#define MAX_ITEMS (4 * CLUSTD_MAX_TRACK)

static size_t gather(const struct tracker *t, struct track_item *items)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nscripts; i++)
		items[n++] = (struct track_item){ .kind = TRACK_KIND_SCRIPT,
			.name = t->scripts[i].name, .weight = t->scripts[i].weight,
			.healthy = t->scripts[i].check.ok };
	for (size_t i = 0; i < t->nifaces; i++)
		items[n++] = (struct track_item){ .kind = TRACK_KIND_INTERFACE,
			.name = t->ifaces[i].name, .weight = t->ifaces[i].weight,
			.healthy = t->ifaces[i].up };
	for (size_t i = 0; i < t->nfiles; i++)
		items[n++] = (struct track_item){ .kind = TRACK_KIND_FILE,
			.name = t->files[i].path, .weight = t->files[i].weight,
			.value = t->files[i].value };
	return n + track_checks_items(t->checks, items + n);
}

/* Something changed: tell the owner if the verdict did. */
static void reevaluate(struct tracker *t, const char *cause)
{
	struct track_item items[MAX_ITEMS];
	size_t n = gather(t, items);

	if (track_verdict_update(&t->verdict, items, n) && t->hooks.changed)
		t->hooks.changed(t->hooks.arg, cause);
}

/* ---- scripts ---- */

static void script_record(struct tscript *s, bool success, const char *what)
{
	struct track_check *c = &s->check;
	char cause[CAUSE_MAX];

	if (!track_check_result(c, success)) {
		/* The runner is quiet: say now and then why it keeps failing. */
		if (!success && !c->ok)
			log_ratelimited(&s->fail_log_ms, LOG_STILL_FAILING_MS, LOG_INFO,
					"%s: track script %s still failing (%s, %u in a row)",
					s->t->owner, s->name, what, c->fail_streak);
		return;
	}
	if (c->ok)
		snprintf(cause, sizeof(cause), "track script %s OK (%u in a row)", s->name,
			 c->ok_streak);
	else
		snprintf(cause, sizeof(cause), "track script %s failed (%s, %u in a row)",
			 s->name, what, c->fail_streak);
	log_notice("%s: %s", s->t->owner, cause);
	reevaluate(s->t, cause);
}

static void describe_result(char *buf, size_t len, const struct script_result *res,
			    uint32_t timeout_ms)
{
	/* The runner keeps the errno to itself; the usual suspects (missing,
	 * not executable) are cheap to find again. */
	if (res->exec_failed && faccessat(AT_FDCWD, res->path, X_OK, AT_EACCESS) < 0)
		snprintf(buf, len, "could not be executed: %s", strerror(errno));
	else if (res->exec_failed)
		snprintf(buf, len, "could not be executed");
	else if (res->timed_out)
		snprintf(buf, len, "timed out after %u ms", timeout_ms);
	else if (res->term_signal)
		snprintf(buf, len, "killed by signal %d", res->term_signal);
	else
		snprintf(buf, len, "exit %d", res->exit_code);
}

static void stats_moved(struct tracker *t)
{
	if (t->hooks.stats_changed)
		t->hooks.stats_changed(t->hooks.arg);
}

static void on_script_done(void *arg, const struct script_result *res)
{
	struct tscript *s = arg;
	struct track_stats *st = &s->t->stats;
	bool success = track_run_succeeded(res->exec_failed, res->timed_out, res->term_signal,
					   res->exit_code);
	char what[128];

	if (!success)
		st->script_failures++;
	if (res->timed_out)
		st->script_timeouts++;
	stats_moved(s->t);
	describe_result(what, sizeof(what), res, s->timeout_ms);
	script_record(s, success, what);
}

static void on_script_tick(void *arg)
{
	struct tscript *s = arg;
	struct tracker *t = s->t;
	uint64_t now = mono_now_us(), period = (uint64_t)s->interval_ms * 1000u;

	/* Keep the cadence from the schedule, not from when we woke up. */
	s->next_us += period;
	if (s->next_us <= now)
		s->next_us = now + period;
	loop_timer_arm(t->l, &s->timer, s->next_us);

	if (script_queue_busy(s->q)) {
		t->stats.script_skipped++;
		log_ratelimited(&s->skip_log_ms, LOG_EVERY_MS, LOG_WARNING,
				"%s: track script %s still running after %u ms, run skipped (%llu so far)",
				t->owner, s->name, s->interval_ms, t->stats.script_skipped);
		return;
	}
	t->stats.script_runs++;
	stats_moved(t);
	if (s->cannot_run) {
		t->stats.script_failures++;
		stats_moved(t);
		script_record(s, false, s->cannot_run);
		return;
	}
	script_queue_push(s->q, s->command, s->argv, NULL, s->timeout_ms);
}

static char **build_argv(const char *command, char *const *args)
{
	size_t n = 0;
	char **argv;

	while (args && args[n])
		n++;
	argv = xcalloc(n + 2, sizeof(*argv));
	argv[0] = xstrdup(command);
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = xstrdup(args[i]);
	return argv;
}

/* Resolved once: a user database lookup may be slow, the loop must not be. */
static int script_set_user(struct tscript *s, const char *user)
{
	char why[CAUSE_MAX];
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (pw) {
		script_queue_set_user(s->q, pw->pw_uid, pw->pw_gid);
		return 0;
	}
	snprintf(why, sizeof(why), "unknown user %s", user);
	log_err("%s: track script %s: %s%s%s; it counts as failing", s->t->owner, s->name,
		why, errno ? ": " : "", errno ? strerror(errno) : "");
	s->cannot_run = xstrdup(why);
	return 0;
}

static int script_init(struct tracker *t, struct tscript *s, const struct track_script_conf *c)
{
	char label[CAUSE_MAX];

	s->t = t;
	s->timer.fn = on_script_tick;
	s->timer.arg = s;
	s->interval_ms = c->interval_ms ? c->interval_ms : DEFAULT_INTERVAL_MS;
	s->timeout_ms = c->timeout_ms ? c->timeout_ms : s->interval_ms;
	track_check_init(&s->check, c->rise, c->fall, c->init_ok);
	s->weight = c->weight;
	s->name = xstrdup(c->name ? c->name : c->command ? c->command : "?");
	if (!t->r) {
		log_err("%s: track script %s: no script runner", t->owner, s->name);
		return -1;
	}
	snprintf(label, sizeof(label), "%s: track script %s", t->owner, s->name);
	s->q = script_queue_new(t->r, label);
	if (!s->q)
		return -1;
	script_queue_on_done(s->q, on_script_done, s);
	/* Every run's outcome would flood the log; state changes are logged
	 * here, with the outcome that caused them. */
	script_queue_set_quiet(s->q, true);
	if (!c->command) {
		log_err("%s: track script %s has no command; it counts as failing", t->owner,
			s->name);
		s->cannot_run = xstrdup("no command");
		return 0;
	}
	s->command = xstrdup(c->command);
	s->argv = build_argv(c->command, c->args);
	return c->user ? script_set_user(s, c->user) : 0;
}

static void script_fini(struct tracker *t, struct tscript *s)
{
	loop_timer_cancel(t->l, &s->timer);
	/* A run in progress stays with the runner, which reaps or kills it;
	 * its result is no longer reported to us. */
	script_queue_free(s->q);
	if (s->argv)
		for (char **p = s->argv; *p; p++)
			free(*p);
	free(s->argv);
	free(s->command);
	free(s->cannot_run);
	free(s->name);
}

/* ---- interfaces ---- */

static bool iface_read(struct tracker *t, struct tiface *f)
{
	bool up = false;

	f->ifindex = t->nl ? nlk_ifindex(t->nl, f->name) : 0;
	if (f->ifindex > 0 && nlk_link_is_up(t->nl, f->ifindex, &up) < 0)
		up = false;
	return up;
}

void tracker_link_event(struct tracker *t, int ifindex, bool up)
{
	/* The kernel is asked again rather than trusting `up`: the event is
	 * about an index, we track a name, and the event may be stale. */
	(void)up;
	for (size_t i = 0; i < t->nifaces; i++) {
		struct tiface *f = &t->ifaces[i];
		char cause[CAUSE_MAX];
		bool was = f->up;

		/* An absent interface may be the one that just appeared. */
		if (ifindex != 0 && f->ifindex != 0 && f->ifindex != ifindex)
			continue;
		f->up = iface_read(t, f);
		if (f->up == was)
			continue;
		snprintf(cause, sizeof(cause), "interface %s %s", f->name, f->up ? "up" : "down");
		log_notice("%s: %s", t->owner, cause);
		reevaluate(t, cause);
	}
}

/* ---- files ---- */

static bool parse_integer(const char *buf, size_t n, long long *value)
{
	char *end;

	errno = 0;
	*value = strtoll(buf, &end, 10);
	if (end == buf || errno)
		return false;
	while (end < buf + n && isspace((unsigned char)*end))
		end++;
	return end == buf + n;
}

/* Reads f->path; why describes anything but FILE_OK. Never blocks: the
 * path could name a FIFO. */
static enum file_status file_read(const struct tfile *f, long long *value, char *why,
				  size_t len)
{
	char buf[FILE_READ_MAX + 1];
	struct stat st;
	size_t n = 0;
	ssize_t got = 1;
	int fd = open(f->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	*value = 0;
	if (fd < 0) {
		snprintf(why, len, "%s", errno == ENOENT ? "missing" : strerror(errno));
		return errno == ENOENT ? FILE_MISSING : FILE_BAD;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(why, len, "not a regular file");
		return FILE_BAD;
	}
	while (n < sizeof(buf) - 1 && (got = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)got;
	close(fd);
	buf[n] = '\0';
	if (got < 0) {
		snprintf(why, len, "%s", strerror(errno));
		return FILE_BAD;
	}
	if (n == sizeof(buf) - 1 || !parse_integer(buf, n, value)) {
		*value = 0;
		snprintf(why, len, "not an integer");
		return FILE_BAD;
	}
	*value = track_file_value(*value);
	return FILE_OK;
}

/* Re-reads f; returns true (and a cause) when its contribution changed. */
static bool file_refresh(struct tracker *t, struct tfile *f, char *cause, size_t len)
{
	enum file_status old_status = f->status;
	long long old_value = f->value;
	char why[128];

	f->status = file_read(f, &f->value, why, sizeof(why));
	if (f->status != FILE_OK && f->status != old_status)
		log_ratelimited(&f->log_ms, LOG_EVERY_MS, LOG_WARNING,
				"%s: track file %s: %s, counting 0", t->owner, f->path, why);
	if (f->value == old_value)
		return false;
	if (f->status == FILE_OK)
		snprintf(cause, len, "file %s now %lld (x %d = %lld)", f->path, f->value,
			 (int)f->weight, track_file_contribution(f->value, f->weight));
	else
		snprintf(cause, len, "file %s %s (0)", f->path, why);
	return true;
}

/* A file just created is usually still empty, its writer about to fill
 * it; its close (IN_CLOSE_WRITE) will tell. */
static bool just_created_empty(const struct tfile *f, uint32_t mask)
{
	struct stat st;

	return mask == IN_CREATE && stat(f->path, &st) == 0 && S_ISREG(st.st_mode) &&
	       st.st_size == 0;
}

/* Marks in seen[] the files an event concerns; mask accumulates per file. */
static void file_event(struct tracker *t, const struct inotify_event *ev, uint32_t *seen)
{
	for (size_t i = 0; i < t->nfiles; i++) {
		struct tfile *f = &t->files[i];

		if (ev->mask & IN_Q_OVERFLOW) {
			seen[i] |= IN_Q_OVERFLOW; /* events were lost: re-read all */
		} else if (f->wd == ev->wd && (ev->mask & IN_IGNORED)) {
			log_warn("%s: track file %s: its directory is gone, no longer watched",
				 t->owner, f->path);
			f->wd = -1;
			seen[i] |= IN_IGNORED;
		} else if (f->wd == ev->wd && ev->len && !strcmp(ev->name, f->base)) {
			seen[i] |= ev->mask;
		}
	}
}

static void on_inotify(void *arg, uint32_t events)
{
	struct tracker *t = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	uint32_t seen[CLUSTD_MAX_TRACK] = { 0 };
	ssize_t n;

	(void)events;
	/* Drain first, then read each file once: a rename or an editor's
	 * save arrives as a burst of events. */
	while ((n = read(t->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			file_event(t, ev, seen);
			p += sizeof(*ev) + ev->len;
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		log_err("%s: track files: inotify read: %s", t->owner, strerror(errno));
	for (size_t i = 0; i < t->nfiles; i++) {
		char cause[CAUSE_MAX];

		if (!seen[i] || just_created_empty(&t->files[i], seen[i]))
			continue;
		if (file_refresh(t, &t->files[i], cause, sizeof(cause))) {
			log_info("%s: %s", t->owner, cause);
			reevaluate(t, cause);
		}
	}
}

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | \
		    IN_ONLYDIR)

static void file_watch(struct tracker *t, struct tfile *f)
{
	size_t dirlen = (size_t)(f->base - f->path);
	char dir[PATH_MAX];

	if (dirlen == 0)
		snprintf(dir, sizeof(dir), ".");
	else if (dirlen == 1)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(dirlen - 1), f->path);
	f->wd = inotify_add_watch(t->inotify_fd, dir, WATCH_MASK);
	if (f->wd < 0)
		log_err("%s: track file %s: cannot watch %s: %s; changes will not be seen",
			t->owner, f->path, dir, strerror(errno));
}

static int file_init(struct tracker *t, struct tfile *f, const struct track_file_conf *c)
{
	char cause[CAUSE_MAX];
	const char *slash;

	f->wd = -1;
	f->weight = track_file_weight(c->weight);
	f->path = xstrdup(c->path ? c->path : "");
	slash = strrchr(f->path, '/');
	f->base = slash ? slash + 1 : f->path;
	f->status = FILE_OK; /* so that a bad file is logged once now */
	file_refresh(t, f, cause, sizeof(cause));
	if (t->inotify_fd >= 0)
		file_watch(t, f);
	return 0;
}

static int files_init(struct tracker *t, const struct track_conf *conf)
{
	if (conf->nfiles == 0)
		return 0;
	t->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (t->inotify_fd < 0)
		log_err("%s: track files: inotify: %s; changes will not be seen", t->owner,
			strerror(errno));
	else if (loop_add_fd(t->l, t->inotify_fd, EPOLLIN, on_inotify, t) < 0) {
		log_err("%s: track files: cannot watch inotify: %s", t->owner, strerror(errno));
		close(t->inotify_fd);
		t->inotify_fd = -1;
	}
	for (size_t i = 0; i < conf->nfiles && i < CLUSTD_MAX_TRACK; i++) {
		if (file_init(t, &t->files[i], &conf->files[i]) < 0)
			return -1;
		t->nfiles++;
	}
	return 0;
}

/* ---- checks ---- */

static void on_check_changed(void *arg, const char *cause)
{
	reevaluate(arg, cause);
}

static void on_check_stats(void *arg)
{
	struct tracker *t = arg;

	track_checks_totals(t->checks, &t->stats.check_runs, &t->stats.check_failures,
			    &t->stats.check_timeouts);
	stats_moved(t);
}

/* ---- life cycle ---- */

static int items_init(struct tracker *t, const struct track_conf *conf)
{
	for (size_t i = 0; i < conf->nscripts && i < CLUSTD_MAX_TRACK; i++) {
		/* Counted first: script_fini() copes with a half-built one. */
		t->nscripts++;
		if (script_init(t, &t->scripts[i], &conf->scripts[i]) < 0)
			return -1;
	}
	for (size_t i = 0; i < conf->ninterfaces && i < CLUSTD_MAX_TRACK; i++) {
		struct tiface *f = &t->ifaces[i];

		f->name = xstrdup(conf->interfaces[i].name ? conf->interfaces[i].name : "");
		t->nifaces++;
		f->weight = conf->interfaces[i].weight;
		f->up = iface_read(t, f);
		if (!f->up)
			log_info("%s: tracked interface %s is down", t->owner, f->name);
	}
	struct track_checks_hooks hooks = { .arg = t, .changed = on_check_changed,
					    .stats_changed = on_check_stats };

	t->checks = track_checks_new(t->l, conf, t->owner, &hooks);
	return files_init(t, conf);
}

struct tracker *tracker_new(struct loop *l, struct script_runner *r, struct nlk *nl,
			    const struct track_conf *conf, const char *owner,
			    const struct track_hooks *hooks)
{
	struct tracker *t = xcalloc(1, sizeof(*t));
	struct track_item items[MAX_ITEMS];

	t->l = l;
	t->r = r;
	t->nl = nl;
	t->inotify_fd = -1;
	if (hooks)
		t->hooks = *hooks;
	t->owner = xstrdup(owner ? owner : "track");
	if (items_init(t, conf) < 0)
		goto fail;
	t->verdict = track_verdict_of(items, gather(t, items));
	for (size_t i = 0; i < t->nscripts; i++) {
		struct tscript *s = &t->scripts[i];

		s->next_us = mono_now_us();
		loop_timer_arm(l, &s->timer, s->next_us);
	}
	return t;
fail:
	log_err("%s: track: cannot set up health tracking", owner ? owner : "track");
	tracker_free(t);
	return NULL;
}

void tracker_free(struct tracker *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nscripts; i++)
		script_fini(t, &t->scripts[i]);
	for (size_t i = 0; i < t->nifaces; i++)
		free(t->ifaces[i].name);
	for (size_t i = 0; i < t->nfiles; i++)
		free(t->files[i].path);
	track_checks_free(t->checks);
	if (t->inotify_fd >= 0) {
		loop_del_fd(t->l, t->inotify_fd);
		close(t->inotify_fd); /* drops every watch with it */
	}
	free(t->owner);
	free(t);
}

/* ---- queries ---- */

int tracker_delta(const struct tracker *t)
{
	struct track_item items[MAX_ITEMS];

	return track_items_delta(items, gather(t, items));
}

bool tracker_fault(const struct tracker *t, char *reason, size_t len)
{
	struct track_item items[MAX_ITEMS];
	const struct track_item *it = track_fault_item(items, gather(t, items));

	if (reason)
		track_fault_reason(it, reason, len);
	return it != NULL;
}

const struct track_stats *tracker_stats(const struct tracker *t)
{
	return &t->stats;
}

const struct track_checks *tracker_checks(const struct tracker *t)
{
	return t ? t->checks : NULL;
}
