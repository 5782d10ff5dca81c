/* SPDX-License-Identifier: GPL-2.0-or-later */
/* realtime.c - real-time scheduling of the loop thread, locked memory,
 * and the helper threads' modest start (realtime.h). */
#include "realtime.h"

#include <errno.h>
#include <malloc.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

/* The loop thread, for the SIGXCPU handler. */
static volatile pid_t loop_tid;
static volatile sig_atomic_t demoted;

/* RLIMIT_RTTIME's soft limit: the loop ran a whole second of CPU without
 * sleeping. A bug, or a flood the kernel filter let through: either way
 * it must not keep a core from everything else. */
static void on_sigxcpu(int signo)
{
	static const char msg[] = "clustd: realtime: the loop ran over its CPU limit without "
				  "sleeping: back to normal scheduling until restart\n";
	struct sched_param normal = { .sched_priority = 0 };
	int saved = errno;

	(void)signo;
	if (!demoted && syscall(SYS_sched_setscheduler, loop_tid, SCHED_OTHER, &normal) == 0) {
		demoted = 1;
		if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
			/* nothing more we can do from a signal handler */
		}
	}
	errno = saved;
}

bool realtime_demoted(void)
{
	return demoted;
}

void realtime_prepare_process(void)
{
	mallopt(M_ARENA_MAX, 1);
}

void realtime_child_reset(void)
{
	struct sched_param normal = { .sched_priority = 0 };

	syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &normal);
}

int realtime_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int rc;

	if ((rc = pthread_attr_init(&attr)) != 0)
		return rc;
	rc = pthread_attr_setstacksize(&attr, REALTIME_THREAD_STACK);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (rc == 0)
		rc = pthread_create(thread, &attr, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return rc;
}

void realtime_mutex_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

/* How memory is locked. Every page the daemon has touched, and every page
 * it touches from now on, stays in RAM (MCL_ONFAULT: locked as touched,
 * so the untouched bulk of the C library and the thread stacks' unused
 * depth cost nothing: the resident size stays about 3 MB). On top of it,
 * populated at once: the whole executable, code and data (the release
 * build links libnl, libsodium, json-c, libconfig and libnftnl into it,
 * so all of their code too), and the stack to LOCK_STACK_BYTES. (Under
 * AddressSanitizer, locking what is not touched would not even be
 * possible: terabytes of shadow reserve.) */
#define LOCK_STACK_BYTES (64 * 1024)
#define LOCK_FLAGS (MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)

/* The executable's mappings, and the anonymous one right after them (its
 * .bss), populated and locked. */
static void lock_image(void)
{
	char exe[PATH_MAX], line[PATH_MAX + 128];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	unsigned long prev_end = 0;
	FILE *f;

	if (n <= 0 || !(f = fopen("/proc/self/maps", "re")))
		return;
	exe[n] = '\0';
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;
		char path[PATH_MAX] = "";

		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %4095s", &start, &end, path) < 2)
			continue;
		bool mine = strcmp(path, exe) == 0;
		if (mine || (!path[0] && start == prev_end && prev_end))
			mlock((void *)start, end - start);
		prev_end = mine ? end : 0;
	}
	fclose(f);
}

/* Touch the stack this deep now, so that the loop's deepest call does not
 * have to fault a page in later. */
static __attribute__((noinline)) void prefault_stack(void)
{
	volatile uint8_t depth[LOCK_STACK_BYTES];

	for (size_t i = 0; i < sizeof(depth); i += 4096)
		depth[i] = 0;
}

static int lock_memory(void)
{
	/* The system call itself: AddressSanitizer makes mlockall() a no-op. */
	if (syscall(SYS_mlockall, LOCK_FLAGS) < 0)
		return -errno;
	lock_image();
	prefault_stack();
	return 0;
}

static void add_problem(struct realtime_result *out, const char *what, int err)
{
	size_t used = strlen(out->problem);

	snprintf(out->problem + used, sizeof(out->problem) - used, "%s%s: %s", used ? "; " : "",
		 what, strerror(err));
}

static bool set_rttime_limit(struct realtime_result *out)
{
	struct rlimit rl = { .rlim_cur = REALTIME_RTTIME_SOFT_US,
			     .rlim_max = REALTIME_RTTIME_HARD_US };
	struct rlimit now;
	struct sigaction sa = { .sa_handler = on_sigxcpu };

	/* Only ever lower a hard limit someone else set. */
	if (getrlimit(RLIMIT_RTTIME, &now) == 0 && now.rlim_max != RLIM_INFINITY &&
	    now.rlim_max < rl.rlim_max) {
		rl.rlim_max = now.rlim_max;
		if (rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
	}
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGXCPU, &sa, NULL) < 0 || setrlimit(RLIMIT_RTTIME, &rl) < 0) {
		add_problem(out, "RLIMIT_RTTIME", errno);
		return false;
	}
	return true;
}

static void set_policy(const struct node_conf *node, struct realtime_result *out)
{
	int policy = node->realtime_policy == NODE_RT_FIFO ? SCHED_FIFO : SCHED_RR;
	struct sched_param sp = { .sched_priority = node->realtime_priority };

	/* Without the CPU time bound no real-time policy at all. */
	if (!set_rttime_limit(out))
		return;
	loop_tid = (pid_t)syscall(SYS_gettid);
	/* pid 0: this thread only, not the helper threads. */
	if (sched_setscheduler(0, policy | SCHED_RESET_ON_FORK, &sp) < 0) {
		add_problem(out, "sched_setscheduler", errno);
		return;
	}
	out->scheduled = true;
}

/* What is in force, for a reload that turns things off. */
static bool is_locked, is_scheduled, applied;
static struct {
	bool realtime, lock_memory;
	uint8_t policy, priority;
} applied_conf;

bool realtime_same(const struct node_conf *node)
{
	return applied && node->realtime == applied_conf.realtime &&
	       node->realtime_policy == applied_conf.policy &&
	       node->realtime_priority == applied_conf.priority &&
	       node->lock_memory == applied_conf.lock_memory;
}

static void undo(const struct node_conf *node)
{
	struct sched_param normal = { .sched_priority = 0 };

	if (is_locked && !node->lock_memory && syscall(SYS_munlockall) == 0)
		is_locked = false;
	if (is_scheduled && !node->realtime &&
	    sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &normal) == 0)
		is_scheduled = false;
}

void realtime_apply(const struct node_conf *node, struct realtime_result *out)
{
	memset(out, 0, sizeof(*out));
	undo(node);
	if (node->lock_memory) {
		int rc = lock_memory();

		if (rc == 0)
			out->locked = true;
		else
			add_problem(out, "mlockall", -rc);
	}
	if (node->realtime)
		set_policy(node, out);
	is_locked = out->locked;
	is_scheduled = out->scheduled;
	applied = true;
	applied_conf.realtime = node->realtime;
	applied_conf.lock_memory = node->lock_memory;
	applied_conf.policy = node->realtime_policy;
	applied_conf.priority = node->realtime_priority;
	if (out->problem[0])
		log_warn("realtime: %s: running without it (clustd.conf(5), REAL-TIME)", out->problem);
	log_notice("realtime: loop thread %s, memory %s",
		   out->scheduled ? (node->realtime_policy == NODE_RT_FIFO ? "SCHED_FIFO" : "SCHED_RR")
				  : "normal scheduling",
		   out->locked ? "locked" : "not locked");
	if (out->scheduled)
		log_info("realtime: priority %u, CPU without sleeping bounded at %lu ms",
			 node->realtime_priority, REALTIME_RTTIME_SOFT_US / 1000);
}
