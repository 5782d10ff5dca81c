/* SPDX-License-Identifier: GPL-2.0-or-later */
/* loop.c - the event loop: one epoll descriptor watching the caller's
 * descriptors, one timerfd armed at the earliest timer deadline and one
 * signalfd for every signal routed through the loop. */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "xalloc.h"

#define LOOP_MAX_EVENTS 32

/* One watched descriptor; epoll_event.data.ptr points here. */
struct loop_watch {
	int fd;
	uint32_t events; /* as registered; none reported while muted */
	loop_io_fn fn;
	void *arg;
	struct loop_watch *next;
};

struct loop_signal {
	loop_signal_fn fn;
	void *arg;
};

struct timer_list {
	struct loop_timer *head, *tail;
};

struct loop {
	int epfd;
	int tfd;
	int sfd;
	struct loop_watch *watches;     /* the caller's descriptors */
	struct loop_watch timer_watch;  /* tfd, internal */
	struct loop_watch signal_watch; /* sfd, internal */

	struct timer_list timers;       /* armed timers, sorted by deadline */
	struct timer_list expired;      /* popped in this pass, not yet fired */
	struct loop_timer *finger;      /* the timer armed last, while in timers */
	bool tfd_armed;
	uint64_t tfd_deadline;
	bool precise;                   /* timeouts of epoll_pwait2, not the timerfd */

	sigset_t sigs;
	struct loop_signal handlers[_NSIG];

	/* The batch being dispatched, so loop_del_fd can void its events. */
	struct epoll_event *batch;
	int batch_len;
	bool stop;
	struct loop_stats stats;
	loop_timer_fn idle_fn;
	void *idle_arg;
	loop_timer_fn after_timers_fn;
	void *after_timers_arg;
};

static void on_timerfd(void *arg, uint32_t events);
static void on_signalfd(void *arg, uint32_t events);

static int watch_internal(struct loop *l, struct loop_watch *w, int fd, loop_io_fn fn)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };

	w->fd = fd;
	w->fn = fn;
	w->arg = l;
	w->next = NULL;
	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev);
}

struct loop *loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));

	l->tfd = l->sfd = -1;
	sigemptyset(&l->sigs);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		goto fail;
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->tfd < 0 || watch_internal(l, &l->timer_watch, l->tfd, on_timerfd) < 0)
		goto fail;
	/* An empty signalfd costs nothing and spares a special case later. */
	l->sfd = signalfd(-1, &l->sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (l->sfd < 0 || watch_internal(l, &l->signal_watch, l->sfd, on_signalfd) < 0)
		goto fail;
	return l;
fail:
	loop_free(l);
	return NULL;
}

/* Signals stay blocked: unblocking would let one still pending take its
 * default action (often death) in the middle of shutdown. */
void loop_free(struct loop *l)
{
	struct loop_watch *w, *next;

	if (!l)
		return;
	for (w = l->watches; w; w = next) {
		next = w->next;
		free(w);
	}
	if (l->sfd >= 0)
		close(l->sfd);
	if (l->tfd >= 0)
		close(l->tfd);
	if (l->epfd >= 0)
		close(l->epfd);
	free(l);
}

/* ---- descriptors ---- */

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_io_fn fn, void *arg)
{
	struct loop_watch *w = xcalloc(1, sizeof(*w));
	struct epoll_event ev = { .events = events };

	w->fd = fd;
	w->events = events;
	w->fn = fn;
	w->arg = arg;
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = errno;

		free(w);
		errno = err;
		return -1;
	}
	w->next = l->watches;
	l->watches = w;
	return 0;
}

/* Events of this batch for w not dispatched yet are not to be. */
static void batch_void(struct loop *l, const struct loop_watch *w)
{
	for (int i = 0; i < l->batch_len; i++)
		if (l->batch[i].data.ptr == w)
			l->batch[i].data.ptr = NULL;
}

void loop_del_fd(struct loop *l, int fd)
{
	struct loop_watch **pp, *w;

	for (pp = &l->watches; *pp; pp = &(*pp)->next)
		if ((*pp)->fd == fd)
			break;
	w = *pp;
	if (!w)
		return;
	*pp = w->next;
	/* Fails harmlessly when the caller already closed fd. */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	batch_void(l, w); /* ...and must not reach freed memory */
	free(w);
}

int loop_mute_fd(struct loop *l, int fd, bool mute)
{
	struct loop_watch *w;

	for (w = l->watches; w && w->fd != fd; w = w->next)
		;
	if (!w) {
		errno = ENOENT;
		return -1;
	}
	/* No events asked: the descriptor stays in the epoll set, its
	 * wake-ups stop there, and nothing is allocated or freed. */
	struct epoll_event ev = { .events = mute ? 0 : w->events, .data.ptr = w };
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -1;
	if (mute)
		batch_void(l, w);
	return 0;
}

/* ---- timers ---- */

/* The armed timers and the expired ones are sorted, doubly linked lists:
 * a cancel unlinks in O(1), and an arm goes to the tail when it is the
 * latest, else searches from whichever of the head, the tail and a finger
 * (the last timer armed between them) has the deadline nearest its own. Re-armed timers land next to each other: a
 * master's next adverts an interval after the ones it just sent, a
 * backup's Master_Down_Timers after the last advert heard. So with
 * hundreds of instances an arm costs a step or two instead of a walk of
 * the whole list (and of the later timers, VIP leases, behind them); and a
 * short timer armed in between (a receive pause's end, 1 ms ahead: the
 * new head) is found from the head without taking the finger away. */
static void timer_unlink(struct timer_list *list, struct loop_timer *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		list->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		list->tail = t->prev;
	t->next = t->prev = NULL;
}

static uint64_t distance(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* Where an arm for deadline starts looking: the tail when it is the
 * latest of all (a backup's next Master_Down_Timer: no search), else the
 * nearest in deadline of the tail, the finger and the head. */
static struct loop_timer *arm_start(const struct timer_list *list, struct loop_timer *finger,
				    uint64_t deadline)
{
	struct loop_timer *best = list->tail;

	if (!best || best->deadline <= deadline)
		return best;
	if (finger && distance(finger->deadline, deadline) < distance(best->deadline, deadline))
		best = finger;
	if (distance(list->head->deadline, deadline) < distance(best->deadline, deadline))
		best = list->head;
	return best;
}

/* After the last timer due at or before t's deadline: timers armed for the
 * same instant fire in the order they were armed. from: where to start
 * looking (a timer of the list, or NULL when it is empty). Returns how
 * many timers it passed over. */
static uint64_t timer_insert_sorted(struct timer_list *list, struct loop_timer *t,
				    struct loop_timer *from)
{
	struct loop_timer *after = from;
	uint64_t steps = 0;

	if (after && after->deadline <= t->deadline)
		while (after->next && after->next->deadline <= t->deadline)
			after = after->next, steps++;
	else
		while (after && after->deadline > t->deadline)
			after = after->prev, steps++;
	t->prev = after;
	t->next = after ? after->next : list->head;
	if (t->next)
		t->next->prev = t;
	else
		list->tail = t;
	if (after)
		after->next = t;
	else
		list->head = t;
	return steps;
}

static void timer_append(struct timer_list *list, struct loop_timer *t)
{
	t->next = NULL;
	t->prev = list->tail;
	if (list->tail)
		list->tail->next = t;
	else
		list->head = t;
	list->tail = t;
}

void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	if (!t->armed)
		return;
	if (l->finger == t)
		l->finger = NULL;
	timer_unlink(t->expired ? &l->expired : &l->timers, t);
	t->expired = false;
	t->armed = false;
}

void loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t deadline)
{
	loop_timer_cancel(l, t);
	t->deadline = deadline;
	t->armed = true;
	l->stats.timer_steps += timer_insert_sorted(&l->timers, t,
						    arm_start(&l->timers, l->finger, deadline));
	/* The head and the tail are at hand without it. */
	if (t != l->timers.head && t != l->timers.tail)
		l->finger = t;
}

uint64_t loop_wake_at(const struct loop_timer *sorted)
{
	uint64_t at = UINT64_MAX;

	/* Past a deadline at or after `at`, no timer can lower it. */
	for (const struct loop_timer *t = sorted; t && t->deadline < at; t = t->next) {
		uint64_t own = t->late_us > UINT64_MAX - t->deadline ? UINT64_MAX
								    : t->deadline + t->late_us;
		if (own < at)
			at = own;
	}
	return at;
}

/* Program the timerfd for the earliest wake-up, if that changed. A past
 * deadline makes the timerfd expire at once. */
static void timerfd_sync(struct loop *l)
{
	struct itimerspec its = { 0 };
	uint64_t deadline;

	if (!l->timers.head) {
		if (l->tfd_armed)
			timerfd_settime(l->tfd, 0, &its, NULL);
		l->tfd_armed = false;
		return;
	}
	deadline = loop_wake_at(l->timers.head);
	if (l->tfd_armed && l->tfd_deadline == deadline)
		return;
	its.it_value.tv_sec = (time_t)(deadline / 1000000u);
	its.it_value.tv_nsec = (long)(deadline % 1000000u) * 1000;
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1; /* zero would disarm */
	timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	l->tfd_armed = true;
	l->tfd_deadline = deadline;
}

bool loop_timer_due(uint64_t deadline, uint64_t early_us, uint64_t now)
{
	if (early_us > LOOP_EARLY_MAX_US)
		early_us = LOOP_EARLY_MAX_US;
	return deadline <= now + early_us;
}

/* Fire every timer due now, and with them those that may fire early (a
 * master's adverts: the loop wakes once for several instances instead of
 * once for each). The due ones move to l->expired first, in deadline
 * order, so a timer armed by a callback (even in the past) waits for the
 * next pass, and a callback may cancel or re-arm any timer, including
 * pending ones. */
static void timers_run(struct loop *l)
{
	uint64_t now = mono_now_us();
	struct loop_timer *t = l->timers.head;

	while (t && t->deadline <= now + LOOP_EARLY_MAX_US) {
		struct loop_timer *next = t->next;

		if (loop_timer_due(t->deadline, t->early_us, now)) {
			if (l->finger == t)
				l->finger = NULL;
			timer_unlink(&l->timers, t);
			timer_append(&l->expired, t);
			t->expired = true;
			if (t->deadline > now)
				l->stats.timers_early++;
		}
		t = next;
	}
	bool fired = l->expired.head != NULL;

	while ((t = l->expired.head)) {
		timer_unlink(&l->expired, t);
		t->expired = false;
		t->armed = false;
		l->stats.timers_fired++;
		t->fn(t->arg);
	}
	if (fired && l->after_timers_fn)
		l->after_timers_fn(l->after_timers_arg);
}

static void on_timerfd(void *arg, uint32_t events)
{
	struct loop *l = arg;
	uint64_t ticks;

	(void)events;
	/* A one-shot timerfd is disarmed once it expired. */
	if (read(l->tfd, &ticks, sizeof(ticks)) == (ssize_t)sizeof(ticks))
		l->tfd_armed = false;
	timers_run(l);
}

/* ---- signals ---- */

int loop_add_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg)
{
	sigset_t one;

	if (signo <= 0 || signo >= _NSIG) {
		errno = EINVAL;
		return -1;
	}
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, NULL) < 0)
		return -1;
	sigaddset(&l->sigs, signo);
	if (signalfd(l->sfd, &l->sigs, 0) < 0) {
		int err = errno;

		sigdelset(&l->sigs, signo);
		errno = err;
		return -1;
	}
	/* A second registration replaces the first: one handler per signal. */
	l->handlers[signo].fn = fn;
	l->handlers[signo].arg = arg;
	return 0;
}

static void on_signalfd(void *arg, uint32_t events)
{
	struct loop *l = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(l->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		struct loop_signal *h;

		if (si.ssi_signo >= _NSIG)
			continue;
		h = &l->handlers[si.ssi_signo];
		if (h->fn)
			h->fn(h->arg, (int)si.ssi_signo);
	}
}

/* ---- running ---- */

static void dispatch(struct loop *l, struct epoll_event *events, int n)
{
	l->batch = events;
	l->batch_len = n;
	for (int i = 0; i < n; i++) {
		struct loop_watch *w = events[i].data.ptr;

		if (w)
			w->fn(w->arg, events[i].events);
	}
	l->batch = NULL;
	l->batch_len = 0;
}

/* Precise mode: sleep until the earliest deadline with epoll_pwait2's
 * nanosecond timeout. No timerfd to re-arm (timerfd_settime) and read at
 * every timer, so a master's advert costs one wakeup and its sendmsg, and
 * a backup's moved Master_Down_Timer costs nothing. The kernel adds no
 * slack for a real-time thread; for others it may add 0.1 % of the
 * timeout, hence only in precise mode (loop_set_precise_timers). */
static int wait_precise(struct loop *l, struct epoll_event *events)
{
	struct timespec ts = { 0 };
	uint64_t now, at;

	if (!l->timers.head)
		return epoll_pwait2(l->epfd, events, LOOP_MAX_EVENTS, NULL, NULL);
	now = mono_now_us();
	at = loop_wake_at(l->timers.head);
	if (at > now) {
		uint64_t wait = at - now;

		ts.tv_sec = (time_t)(wait / 1000000u);
		ts.tv_nsec = (long)(wait % 1000000u) * 1000;
	}
	return epoll_pwait2(l->epfd, events, LOOP_MAX_EVENTS, &ts, NULL);
}

int loop_run(struct loop *l)
{
	struct epoll_event events[LOOP_MAX_EVENTS];
	int rc = 0;

	while (!l->stop) {
		int n;

		if (l->precise) {
			n = wait_precise(l, events);
			if (n < 0 && errno == ENOSYS) {
				l->precise = false; /* a kernel older than 5.11 */
				continue;
			}
		} else {
			timerfd_sync(l);
			n = epoll_wait(l->epfd, events, LOOP_MAX_EVENTS, -1);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		l->stats.wakeups++;
		dispatch(l, events, n);
		if (l->precise)
			timers_run(l);
		if (l->idle_fn)
			l->idle_fn(l->idle_arg);
	}
	l->stop = false;
	return rc;
}

void loop_set_precise_timers(struct loop *l, bool on)
{
	struct itimerspec off = { 0 };

	l->precise = on;
	if (on && l->tfd_armed) {
		timerfd_settime(l->tfd, 0, &off, NULL);
		l->tfd_armed = false;
	}
}

void loop_get_stats(const struct loop *l, struct loop_stats *out)
{
	*out = l->stats;
}

void loop_set_idle(struct loop *l, loop_timer_fn fn, void *arg)
{
	l->idle_fn = fn;
	l->idle_arg = arg;
}

void loop_set_after_timers(struct loop *l, loop_timer_fn fn, void *arg)
{
	l->after_timers_fn = fn;
	l->after_timers_arg = arg;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}
