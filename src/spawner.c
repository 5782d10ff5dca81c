/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spawner.c - a helper thread that starts programs with vfork semantics
 * and tells the loop through an eventfd (spawner.h). */
#include "spawner.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "realtime.h"
#include "xalloc.h"

/* The child runs on this much of the spawner's stack until its exec. */
#define CHILD_STACK 16384

struct spawner {
	struct loop *l;
	spawn_done_fn done;
	void *arg;
	int efd;                  /* spawner -> loop: something is done */
	bool started;             /* the thread runs */
	pthread_t thread;

	/* Shared with the thread, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct spawn_req *todo, **todo_tail;
	struct spawn_req *done_list, **done_tail;
	bool stopping;
};

/* ---- the child (shares the spawner's memory until it execs) ---------- */

/* Only system calls from here: the child must not touch what glibc keeps
 * per process (locks, the thread list; glibc's setuid would signal the
 * daemon's threads), and it runs uninstrumented on a borrowed stack. */
#if defined(__SANITIZE_ADDRESS__)
#define CHILD_FN __attribute__((no_sanitize_address, noinline))
#else
#define CHILD_FN __attribute__((noinline))
#endif

CHILD_FN static int child_fail(struct spawn_req *req)
{
	__atomic_store_n(&req->err, errno ? errno : EIO, __ATOMIC_RELEASE);
	syscall(SYS_exit_group, 127);
	return 127;
}

/* The kernel's struct sigaction (rt_sigaction), not glibc's. */
struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

CHILD_FN static int child_main(void *arg)
{
	struct spawn_req *req = arg;
	struct kernel_sigaction dfl = { .handler = SIG_DFL };
	uint64_t none = 0;
	int fd;

	__atomic_store_n(&req->early_pid, (pid_t)syscall(SYS_getpid), __ATOMIC_RELEASE);
	if (syscall(SYS_setpgid, 0, 0) < 0)
		return child_fail(req);
	/* Default dispositions (fails harmlessly for KILL/STOP), then an
	 * empty mask: the spawner blocks every signal, so none could reach
	 * a handler of the daemon's in between. */
	for (int sig = 1; sig < 65; sig++)
		syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(none));
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
	realtime_child_reset();
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
	if (fd < 0 || (fd != STDIN_FILENO && syscall(SYS_dup3, fd, STDIN_FILENO, 0) < 0))
		return child_fail(req);
	syscall(SYS_close_range, STDERR_FILENO + 1, ~0u, 0);
	/* Supplementary groups first: they can only be dropped as root. */
	if (req->as_user && syscall(SYS_geteuid) == 0 && syscall(SYS_setgroups, 0, NULL) < 0)
		return child_fail(req);
	if (req->as_user && (syscall(SYS_setresgid, req->gid, req->gid, req->gid) < 0 ||
			     syscall(SYS_setresuid, req->uid, req->uid, req->uid) < 0))
		return child_fail(req);
	syscall(SYS_execve, req->path, req->argv, req->env);
	return child_fail(req);
}

/* Returns once the child exec'd or gave up. */
static void spawn_one(struct spawn_req *req)
{
	/* The child grows it down from its end, and is done with it once
	 * clone returns. */
	uint8_t stack[CHILD_STACK] __attribute__((aligned(64)));
	pid_t pid;

	req->err = 0;
	req->early_pid = 0;
	errno = 0;
	pid = clone(child_main, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, req);
	if (pid < 0) {
		req->pid = 0;
		req->err = errno;
		return;
	}
	req->pid = pid;
	req->err = __atomic_load_n(&req->err, __ATOMIC_ACQUIRE);
}

/* ---- the thread ------------------------------------------------------ */

static void *spawner_main(void *arg)
{
	struct spawner *s = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->todo && !s->stopping)
			pthread_cond_wait(&s->wake, &s->lock);
		if (s->stopping)
			break;
		struct spawn_req *req = s->todo;
		s->todo = req->next;
		if (!s->todo)
			s->todo_tail = &s->todo;
		pthread_mutex_unlock(&s->lock);

		spawn_one(req);

		pthread_mutex_lock(&s->lock);
		req->next = NULL;
		*s->done_tail = req;
		s->done_tail = &req->next;
		if (write(s->efd, &one, sizeof(one)) < 0) {
			/* the counter is far from overflowing: cannot happen */
		}
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* ---- the loop side --------------------------------------------------- */

static void on_done(void *arg, uint32_t events)
{
	struct spawner *s = arg;
	struct spawn_req *list;
	uint64_t n;

	(void)events;
	if (read(s->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_debug("spawner: eventfd: %s", strerror(errno));
	pthread_mutex_lock(&s->lock);
	list = s->done_list;
	s->done_list = NULL;
	s->done_tail = &s->done_list;
	pthread_mutex_unlock(&s->lock);
	while (list) {
		struct spawn_req *req = list;

		list = req->next;
		req->next = NULL;
		s->done(s->arg, req);
	}
}

struct spawner *spawner_new(struct loop *l, spawn_done_fn done, void *arg)
{
	struct spawner *s = xcalloc(1, sizeof(*s));

	s->l = l;
	s->done = done;
	s->arg = arg;
	s->todo_tail = &s->todo;
	s->done_tail = &s->done_list;
	realtime_mutex_init(&s->lock);
	pthread_cond_init(&s->wake, NULL);
	s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->efd < 0 || loop_add_fd(l, s->efd, EPOLLIN, on_done, s) < 0) {
		log_err("spawner: cannot set up its eventfd: %s", strerror(errno));
		spawner_free(s);
		return NULL;
	}
	return s;
}

void spawner_free(struct spawner *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	if (s->started)
		pthread_join(s->thread, NULL);
	if (s->efd >= 0) {
		loop_del_fd(s->l, s->efd);
		close(s->efd);
	}
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake);
	free(s);
}

int spawner_submit(struct spawner *s, struct spawn_req *req)
{
	if (!s->started) {
		int rc = realtime_thread_start(&s->thread, spawner_main, s);

		if (rc)
			return rc;
		s->started = true;
	}
	req->next = NULL;
	req->pid = 0;
	req->err = 0;
	__atomic_store_n(&req->early_pid, 0, __ATOMIC_RELEASE);
	pthread_mutex_lock(&s->lock);
	*s->todo_tail = req;
	s->todo_tail = &req->next;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

pid_t spawn_req_child(const struct spawn_req *req)
{
	return __atomic_load_n(&req->early_pid, __ATOMIC_ACQUIRE);
}
