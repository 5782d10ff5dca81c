/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spawner.h - start programs off the loop thread.
 *
 * Starting a program costs the starter a process creation and waits for
 * the exec (which can hang on a dead network mount). Neither belongs on
 * the real-time loop thread. A spawner is one helper thread at normal
 * priority; for each request it creates the child with vfork semantics
 * (clone with CLONE_VM | CLONE_VFORK on a stack of its own: no page
 * tables are copied, so the loop's locked memory never turns
 * copy-on-write), waits for the exec, and hands the outcome back to the
 * loop through an eventfd. The child starts at normal scheduling; the
 * memory lock stays with the daemon (an exec gets a fresh address space).
 *
 * The child, before the exec: its own process group, stdin from
 * /dev/null, default signal dispositions and an empty mask, no
 * descriptor beyond stdout/stderr, and for a request with a user that
 * uid/gid with no supplementary groups. */
#ifndef CLUSTD_SPAWNER_H
#define CLUSTD_SPAWNER_H

#include <stdbool.h>
#include <sys/types.h>

#include "loop.h"

/* Owned by the caller; must stay valid (and unchanged) until its done
 * callback ran, or until spawner_free. */
struct spawn_req {
	const char *path;
	char *const *argv;
	char *const *env;
	bool as_user;
	uid_t uid;
	gid_t gid;
	/* Filled in before the done callback: */
	pid_t pid;        /* > 0: the child (exec'd, or exiting with 127 after err) */
	int err;          /* != 0: why it could not be started or exec'd */
	/* The child's pid from the moment it exists (atomic; 0 before):
	 * what a timeout kills while the exec still hangs. */
	pid_t early_pid;
	struct spawn_req *next;   /* private */
};

typedef void (*spawn_done_fn)(void *arg, struct spawn_req *req);

/* Nothing starts until the first request (no thread for a daemon
 * without scripts). done runs on the loop, once per request. */
struct spawner *spawner_new(struct loop *l, spawn_done_fn done, void *arg);
/* Waits for the spawn in progress; requests not started are dropped
 * (no callback). */
void spawner_free(struct spawner *s);

/* Queue req; 0, or an errno when the helper thread cannot start (req is
 * then not queued). */
int spawner_submit(struct spawner *s, struct spawn_req *req);

/* The child's pid if it exists already (see early_pid), else 0. */
pid_t spawn_req_child(const struct spawn_req *req);

#endif
