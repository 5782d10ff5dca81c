/* SPDX-License-Identifier: GPL-2.0-or-later */
/* realtime.h - what keeps the loop on time when the machine is busy:
 * real-time scheduling for the loop thread (the one that sends adverts
 * and runs the timers) and memory locked in RAM (no page fault waits for
 * the disk). A CPU hog, a memory hog or a disk hog then cannot delay an
 * advert, and a backup cannot take over from a live master because
 * either daemon was starved.
 *
 * The safety nets: RLIMIT_RTTIME bounds the CPU time the loop may take
 * without sleeping (a bug that spins is put back to normal scheduling,
 * never locks a core); SCHED_RESET_ON_FORK makes every thread and process
 * started from the loop thread start at normal priority; scripts are
 * started by a thread at normal priority anyway (script.c), and an exec
 * leaves the locked memory behind. */
#ifndef CLUSTD_REALTIME_H
#define CLUSTD_REALTIME_H

#include <stdbool.h>
#include <pthread.h>
#include <stddef.h>

#include "model.h"

/* The soft limit on CPU time without sleeping: past it the loop thread is
 * put back to SCHED_OTHER (and says so on stderr); the hard limit is a
 * SIGKILL, should even that fail. Microseconds. */
#define REALTIME_RTTIME_SOFT_US 1000000ul
#define REALTIME_RTTIME_HARD_US 3000000ul

/* Stack size of clustd's helper threads (sync, spawner): mlockall would
 * otherwise lock glibc's default of 8 MiB each. */
#ifdef __SANITIZE_ADDRESS__
#define REALTIME_THREAD_STACK (512 * 1024)
#else
#define REALTIME_THREAD_STACK (128 * 1024)
#endif

struct realtime_result {
	bool locked;            /* mlockall succeeded */
	bool scheduled;         /* the policy was set */
	char problem[200];      /* "" or what failed (logged as a warning) */
};

/* Lock memory (node->lock_memory) and put the calling thread under the
 * configured real-time policy (node->realtime). Failures are reported,
 * never fatal: a daemon at normal priority still fails over. Logs one
 * line saying what is in force. Call on the loop thread, after start-up
 * (the helper threads made until then keep their policy). */
void realtime_apply(const struct node_conf *node, struct realtime_result *out);

/* Are these the settings in force (a reload need not apply them again)? */
bool realtime_same(const struct node_conf *node);

/* Before the first helper thread: one malloc arena (a thread's own arena
 * would be another 64 MiB mapping to lock). */
void realtime_prepare_process(void);

/* For a child about to exec (async-signal-safe, raw system calls only):
 * normal scheduling (SCHED_OTHER, nice 0). */
void realtime_child_reset(void);

/* Start a helper thread: a small stack, every signal blocked (signals
 * belong to the loop), and, started from the loop thread, normal
 * scheduling (SCHED_RESET_ON_FORK). Returns 0 or an errno. */
int realtime_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

/* A mutex the loop shares with a helper thread: priority inheritance,
 * so a helper preempted while holding it cannot keep the real-time loop
 * waiting behind normal tasks. */
void realtime_mutex_init(pthread_mutex_t *m);

/* True once the RTTIME soft limit put the loop back to normal scheduling. */
bool realtime_demoted(void);

#endif
