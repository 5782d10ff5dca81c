/* SPDX-License-Identifier: GPL-2.0-or-later */
/* script.h - run notify scripts without ever blocking the loop.
 * Each owner (an instance) has a queue: its scripts run one at a time in the
 * order pushed. Every script runs in its own process group; one still
 * running at its timeout gets SIGKILL to the whole group. Exit status and
 * duration are logged. Children are reaped through the loop's SIGCHLD. */
#ifndef CLUSTD_SCRIPT_H
#define CLUSTD_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "loop.h"

struct script_runner;
struct script_queue;

/* Outcome of one run, passed to the optional done callback. */
struct script_result {
	const char *path;
	int exit_code;       /* >= 0 when it exited */
	int term_signal;     /* > 0 when killed by a signal */
	bool timed_out;      /* we killed it at its timeout */
	bool exec_failed;    /* could not be started (exit 127 convention) */
	bool skipped;        /* superseded before it started (never ran) */
	uint64_t duration_us;
};

/* Installs a SIGCHLD handler on the loop. */
struct script_runner *script_runner_new(struct loop *l);
/* Kills (SIGKILL to the group) whatever still runs, frees all queues. */
void script_runner_free(struct script_runner *r);
/* True when no script is running or queued anywhere. */
bool script_runner_idle(const struct script_runner *r);

/* A serial queue; name is used in log lines ("web: notify ..."). */
struct script_queue *script_queue_new(struct script_runner *r, const char *name);
/* Pending jobs are dropped; a running one is left to finish (still reaped,
 * still killed at its timeout). */
void script_queue_free(struct script_queue *q);

/* Queue one run of path with argv (argv[0] should be path; NULL-terminated)
 * and extra environment entries "K=V" (NULL-terminated, may be NULL).
 * The script does not inherit the daemon's environment: it gets PATH (a
 * fixed safe default), LANG (the daemon's, else C.UTF-8), HOME, USER and
 * LOGNAME of the user it runs as, then the extras (which may replace
 * those; a bare "K" removes K). Copies everything. timeout_ms 0 = none. */
void script_queue_push(struct script_queue *q, const char *path,
		       char *const argv[], char *const env[], uint32_t timeout_ms);

/* Coalescing (notify queues). Starts a new batch: the jobs pushed from
 * now on until the next call belong together (one transition's scripts).
 * Every batch still wholly pending when a newer one begins is superseded:
 * its jobs never run and are reported to the done callback, from the
 * loop, with `skipped` set. The running job finishes, and so does the
 * rest of its batch; so at most one started batch and the newest one
 * wait. When chain_key is not NULL (say "CLUSTD_PREV_STATE"), the jobs of
 * the new batch get that variable's value from the oldest batch they
 * superseded: the state the scripts were last told about, not one they
 * never saw. */
void script_queue_begin_batch(struct script_queue *q, const char *chain_key);

/* Run the jobs pushed from now on as uid/gid, with no supplementary
 * groups (the child drops them when it runs as root). The default is the
 * daemon's own identity. A child that cannot switch identity does not run:
 * the job ends as exec_failed. The user's passwd entry (HOME, USER) is
 * looked up here, once. */
void script_queue_set_user(struct script_queue *q, uid_t uid, gid_t gid);

/* A quiet queue logs each run's outcome at LOG_DEBUG only: for periodic
 * checks whose owner logs the state changes itself. Default: not quiet. */
void script_queue_set_quiet(struct script_queue *q, bool quiet);

/* True while a job of q is running or waiting to run. */
bool script_queue_busy(const struct script_queue *q);

/* Optional observer of every finished run (for counters and tests). */
typedef void (*script_done_fn)(void *arg, const struct script_result *res);
void script_queue_on_done(struct script_queue *q, script_done_fn fn, void *arg);

#endif
