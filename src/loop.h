/* SPDX-License-Identifier: GPL-2.0-or-later */
/* loop.h - the one event loop: epoll for descriptors, a timerfd on
 * CLOCK_MONOTONIC for timers, a signalfd for signals. Knows nothing of
 * clustd. Callbacks must not block. */
#ifndef CLUSTD_LOOP_H
#define CLUSTD_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;

typedef void (*loop_io_fn)(void *arg, uint32_t epoll_events);
typedef void (*loop_timer_fn)(void *arg);
typedef void (*loop_signal_fn)(void *arg, int signo);

/* A timer owned by the caller (embed it in your struct); zero-initialise
 * it, set fn and arg, then arm it. Cancel it before freeing its owner. */
struct loop_timer {
	loop_timer_fn fn;
	void *arg;
	uint64_t deadline;       /* us on CLOCK_MONOTONIC; meaningful when armed */
	uint64_t early_us;       /* may fire this much before deadline (at most
				  * LOOP_EARLY_MAX_US) when the loop is awake for
				  * another timer anyway; 0 = never early */
	uint64_t late_us;        /* may fire this much after deadline: the loop
				  * sleeps past the deadline up to this long and
				  * fires it with whatever wakes it first
				  * (housekeeping rides on the adverts'
				  * wakeups); 0 = on time */
	bool armed;
	bool expired;            /* private: popped, its callback not run yet */
	struct loop_timer *prev, *next; /* loop's lists, private */
};

/* The widest early window honoured: how far past the due timers the loop
 * looks for others that may come along. */
#define LOOP_EARLY_MAX_US 1000u

/* Whether a timer with this deadline and early window fires at now. Pure. */
bool loop_timer_due(uint64_t deadline, uint64_t early_us, uint64_t now);

/* When the loop must wake for the timers of a list sorted by deadline:
 * the earliest deadline + late_us; UINT64_MAX for none. Pure. */
uint64_t loop_wake_at(const struct loop_timer *sorted);

/* What the loop did since it was made (for status). */
struct loop_stats {
	uint64_t wakeups;      /* returns from epoll: events, timers, or both */
	uint64_t timers_fired; /* timer callbacks run */
	uint64_t timers_early; /* of those, fired before their deadline */
	uint64_t timer_steps;  /* timers passed over by arms to keep the list sorted */
};

struct loop *loop_new(void);
void loop_free(struct loop *l);

/* Watch fd for epoll events (EPOLLIN...). One registration per fd. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_io_fn fn, void *arg);
void loop_del_fd(struct loop *l, int fd);
/* Stop reporting fd's events (mute) or start again, keeping it
 * registered: one EPOLL_CTL_MOD each way, where removing it and adding
 * it again free and allocate (here and in the kernel). A muted fd's
 * events not yet dispatched in this pass are dropped. Returns 0, or -1
 * (errno; ENOENT: fd is not watched). */
int loop_mute_fd(struct loop *l, int fd, bool mute);

/* Arm (or re-arm) t to fire once at deadline (absolute, us). */
void loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t deadline);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);

/* Deliver signo through the loop (blocks it and routes it via signalfd).
 * One handler per signal. */
int loop_add_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg);

/* Call fn after every batch of events, before the loop sleeps again: the
 * place to commit what the batch changed, once. One hook; NULL removes. */
void loop_set_idle(struct loop *l, loop_timer_fn fn, void *arg);

/* Call fn at the end of every pass that fired timers, after the last
 * callback: the place to finish what they began together (the adverts
 * they queued, vrrp_sock.h). One hook; NULL removes. */
void loop_set_after_timers(struct loop *l, loop_timer_fn fn, void *arg);

/* Timers by epoll_pwait2's timeout instead of the timerfd: two system
 * calls fewer per timer, and none when a deadline moves. Meant for a
 * real-time thread, for which the kernel adds no slack to the timeout
 * (others may get 0.1 % of it). Falls back to the timerfd by itself on a
 * kernel without epoll_pwait2. Off by default. */
void loop_set_precise_timers(struct loop *l, bool on);

void loop_get_stats(const struct loop *l, struct loop_stats *out);

/* Run until loop_stop(). Returns 0, or -1 on an epoll failure. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
