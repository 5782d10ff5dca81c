/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_loop.c - the event loop against the real kernel: timerfd,
 * epoll and signalfd, with real (short) time. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"
#include "testutil.h"

#define MS 1000u

/* Every test runs twice: with the timerfd, and with epoll_pwait2's
 * timeouts (loop_set_precise_timers). */
static bool precise;

static struct loop *new_loop(void)
{
	struct loop *l = loop_new();

	if (l)
		loop_set_precise_timers(l, precise);
	return l;
}

static void mode_timerfd(void)
{
	precise = false;
}

static void mode_precise(void)
{
	precise = true;
}

/* A stop-the-loop guard so no test can hang. */
struct guard {
	struct loop_timer t;
	struct loop *l;
	bool fired;
};

static void on_guard(void *arg)
{
	struct guard *g = arg;

	g->fired = true;
	loop_stop(g->l);
}

static void guard_arm(struct guard *g, struct loop *l, unsigned ms)
{
	*g = (struct guard){ .t = { .fn = on_guard, .arg = g }, .l = l };
	loop_timer_arm(l, &g->t, mono_now_us() + ms * MS);
}

/* Run l with a 1 s guard; the guard must not be what stopped it. */
static void run_guarded(struct loop *l, struct guard *g)
{
	guard_arm(g, l, 1000);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert(!g->fired);
}

/* A timer that records when and in which order it fired. */
struct probe {
	struct loop_timer t;
	struct loop *l;
	int id;
	int *order;     /* shared log of ids */
	int *n_order;
	int fires;
	uint64_t fired_at;
	bool stop;      /* stop the loop when it fires */
};

static void on_probe(void *arg)
{
	struct probe *p = arg;

	p->fires++;
	p->fired_at = mono_now_us();
	if (p->order)
		p->order[(*p->n_order)++] = p->id;
	if (p->stop)
		loop_stop(p->l);
}

static void probe_init(struct probe *p, struct loop *l, int id, int *order, int *n)
{
	*p = (struct probe){ .t = { .fn = on_probe, .arg = p }, .l = l, .id = id,
			     .order = order, .n_order = n };
}

START_TEST(test_now_is_monotonic_us)
{
	uint64_t a = mono_now_us();
	struct timespec ts = { 0, 2000000 };

	nanosleep(&ts, NULL);
	uint64_t b = mono_now_us();

	ck_assert_uint_ge(b - a, 2000);
	ck_assert_uint_lt(b - a, 200000);
}
END_TEST

START_TEST(test_timers_fire_in_deadline_order)
{
	struct loop *l = new_loop();
	struct probe p[4];
	int order[4], n = 0;
	struct guard g;
	uint64_t now = mono_now_us();

	ck_assert_ptr_nonnull(l);
	for (int i = 0; i < 4; i++)
		probe_init(&p[i], l, i, order, &n);
	loop_timer_arm(l, &p[0].t, now + 30 * MS);
	loop_timer_arm(l, &p[1].t, now + 10 * MS);
	loop_timer_arm(l, &p[2].t, now + 20 * MS);
	loop_timer_arm(l, &p[3].t, now + 5 * MS);
	p[0].stop = true;
	guard_arm(&g, l, 1000);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert(!g.fired);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(order[0], 3);
	ck_assert_int_eq(order[1], 1);
	ck_assert_int_eq(order[2], 2);
	ck_assert_int_eq(order[3], 0);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(p[i].fires, 1);
		ck_assert(!p[i].t.armed);
		ck_assert_uint_ge(p[i].fired_at, p[i].t.deadline);
	}
	loop_timer_cancel(l, &g.t);
	loop_free(l);
}
END_TEST

/* The armed timers are a sorted list searched from its tail: arms in
 * any order, equal deadlines, re-arms and cancels at the head, the middle
 * and the tail still fire in deadline order, equal ones in arming order. */
START_TEST(test_many_timers_keep_order)
{
	enum { N = 40 };
	struct loop *l = new_loop();
	struct probe p[N];
	int order[N], n = 0;
	struct guard g;
	uint64_t base = mono_now_us() + 5 * MS;

	ck_assert_ptr_nonnull(l);
	for (int i = 0; i < N; i++)
		probe_init(&p[i], l, i, order, &n);
	/* Deadline of i: base + (i / 4) ms, in groups of four; armed from
	 * the last to the first, so each arm lands before the tail. */
	for (int i = N - 1; i >= 0; i--)
		loop_timer_arm(l, &p[i].t, base + (uint64_t)(i / 4) * MS);
	/* p[3] (armed after p[4..], before p[0..2]) moves to the tail. */
	loop_timer_arm(l, &p[3].t, base + (uint64_t)(N / 4) * MS);
	loop_timer_cancel(l, &p[2].t);       /* the head (p[3] left it) */
	loop_timer_cancel(l, &p[20].t);      /* the middle */
	loop_timer_cancel(l, &p[3].t);       /* the tail */
	loop_timer_arm(l, &p[3].t, base + (uint64_t)(N / 4) * MS);
	p[3].stop = true;
	guard_arm(&g, l, 1000);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert(!g.fired);
	ck_assert_int_eq(n, N - 2);
	/* Groups in deadline order; within a group, arming order (the
	 * reverse of i), and p[3] last of all. */
	int k = 0;
	for (int grp = 0; grp < N / 4; grp++)
		for (int i = grp * 4 + 3; i >= grp * 4; i--) {
			if (i == 2 || i == 20 || i == 3)
				continue;
			ck_assert_int_eq(order[k], i);
			k++;
		}
	ck_assert_int_eq(order[k], 3);
	ck_assert_int_eq(p[2].fires, 0);
	ck_assert_int_eq(p[20].fires, 0);
	ck_assert(!p[2].t.armed && !p[20].t.armed);
	loop_timer_cancel(l, &g.t);
	loop_free(l);
}
END_TEST

/* The after-timers hook runs once per pass that fired timers, after the
 * last callback of the pass (the adverts they queued leave together). */
struct after_log {
	int calls;
	int fired_before[4]; /* probes fired when the hook ran */
	int *n_fired;
};

static void on_after(void *arg)
{
	struct after_log *a = arg;

	if (a->calls < 4)
		a->fired_before[a->calls] = *a->n_fired;
	a->calls++;
}

START_TEST(test_after_timers_hook)
{
	struct loop *l = new_loop();
	struct probe p[3];
	int order[3], n = 0;
	struct guard g;
	struct after_log a = { .n_fired = &n };
	uint64_t now = mono_now_us();

	ck_assert_ptr_nonnull(l);
	loop_set_after_timers(l, on_after, &a);
	for (int i = 0; i < 3; i++)
		probe_init(&p[i], l, i, order, &n);
	/* Two due at the same instant: one pass; the third alone, later. */
	loop_timer_arm(l, &p[0].t, now + 10 * MS);
	loop_timer_arm(l, &p[1].t, now + 10 * MS);
	loop_timer_arm(l, &p[2].t, now + 60 * MS);
	p[2].stop = true;
	guard_arm(&g, l, 1000);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(a.calls, 2);
	ck_assert_int_eq(a.fired_before[0], 2);
	ck_assert_int_eq(a.fired_before[1], 3);
	loop_timer_cancel(l, &g.t);
	loop_free(l);
}
END_TEST

/* Arms that jump back and forth from the last one (the finger the search
 * starts from): still deadline order, equal deadlines in arming order. */
START_TEST(test_arms_back_and_forth_keep_order)
{
	static const int at_ms[] = { 50, 10, 10, 50, 30, 10, 30, 50, 5 };
	static const int expect[] = { 8, 1, 2, 5, 4, 6, 0, 3, 7 };
	enum { K = sizeof(at_ms) / sizeof(at_ms[0]) };
	struct loop *l = new_loop();
	struct probe p[K];
	int order[K], n = 0;
	struct guard g;
	uint64_t base = mono_now_us() + 5 * MS;

	ck_assert_ptr_nonnull(l);
	for (int i = 0; i < K; i++) {
		probe_init(&p[i], l, i, order, &n);
		loop_timer_arm(l, &p[i].t, base + (uint64_t)at_ms[i] * MS);
	}
	p[7].stop = true;
	guard_arm(&g, l, 1000);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_int_eq(n, K);
	for (int i = 0; i < K; i++)
		ck_assert_int_eq(order[i], expect[i]);
	loop_timer_cancel(l, &g.t);
	loop_free(l);
}
END_TEST

/* A backup of many instances: its Master_Down_Timers are re-armed one
 * after the other, each to the latest of them (but before a later timer,
 * a lease), and between them a short timer is armed near the front (a
 * receive pause's end). Every arm stays a few steps: neither the short
 * timer (found from the head) nor the re-arms (found from the last
 * re-arm, not from the short timer) walk the list. Then they fire in
 * deadline order. */
START_TEST(test_arms_stay_short_between_front_and_back)
{
	enum { N = 255, ROUNDS = 3 * N, STEP_US = 100 };
	struct loop *l = new_loop();
	static struct probe md[N];
	struct probe lease, pause;
	struct loop_stats st;
	struct guard g;
	int order[N + 2], n = 0;
	uint64_t base = mono_now_us() + 20 * MS, latest;

	for (int i = 0; i < N; i++) {
		probe_init(&md[i], l, i, order, &n);
		loop_timer_arm(l, &md[i].t, base + (uint64_t)i * STEP_US);
	}
	latest = base + (uint64_t)(N - 1) * STEP_US;
	probe_init(&lease, l, N, order, &n);
	lease.stop = true;
	loop_timer_arm(l, &lease.t, base + 500 * MS);
	probe_init(&pause, l, N + 1, order, &n);
	loop_get_stats(l, &st);
	uint64_t steps0 = st.timer_steps;
	for (int r = 0; r < ROUNDS; r++) {
		loop_timer_arm(l, &pause.t, base - 10 * MS + (uint64_t)r);
		latest += STEP_US;
		loop_timer_arm(l, &md[r % N].t, latest);
	}
	loop_get_stats(l, &st);
	ck_assert_uint_le(st.timer_steps - steps0, 4 * ROUNDS);
	/* They fire in deadline order: the pause, the Master_Down_Timers
	 * (the last round re-armed md[0] first), the lease. */
	guard_arm(&g, l, 2000);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert(!g.fired);
	ck_assert_int_eq(n, N + 2);
	ck_assert_int_eq(order[0], N + 1);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(order[i + 1], i);
	ck_assert_int_eq(order[N + 1], N);
	loop_timer_cancel(l, &g.t);
	loop_free(l);
}
END_TEST

START_TEST(test_rearm_moves_deadline)
{
	struct loop *l = new_loop();
	struct probe early, late;
	struct guard g;
	uint64_t now = mono_now_us();

	probe_init(&early, l, 0, NULL, NULL);
	probe_init(&late, l, 1, NULL, NULL);
	/* Later first, then pulled in; and an early one pushed out. */
	loop_timer_arm(l, &early.t, now + 60 * MS);
	loop_timer_arm(l, &late.t, now + 5 * MS);
	loop_timer_arm(l, &early.t, now + 10 * MS);
	loop_timer_arm(l, &late.t, now + 40 * MS);
	late.stop = true;
	guard_arm(&g, l, 1000);
	loop_run(l);
	ck_assert(!g.fired);
	ck_assert_int_eq(early.fires, 1);
	ck_assert_int_eq(late.fires, 1);
	ck_assert_uint_ge(early.fired_at, now + 10 * MS);
	ck_assert_uint_lt(early.fired_at, now + 40 * MS);
	ck_assert_uint_ge(late.fired_at, now + 40 * MS);
	loop_timer_cancel(l, &g.t);
	loop_free(l);
}
END_TEST

START_TEST(test_cancel)
{
	struct loop *l = new_loop();
	struct probe gone, stays;
	struct guard g;
	uint64_t now = mono_now_us();

	probe_init(&gone, l, 0, NULL, NULL);
	probe_init(&stays, l, 1, NULL, NULL);
	loop_timer_arm(l, &gone.t, now + 5 * MS);
	loop_timer_arm(l, &stays.t, now + 20 * MS);
	stays.stop = true;
	loop_timer_cancel(l, &gone.t);
	loop_timer_cancel(l, &gone.t); /* twice is harmless */
	ck_assert(!gone.t.armed);
	guard_arm(&g, l, 1000);
	loop_run(l);
	ck_assert(!g.fired);
	ck_assert_int_eq(gone.fires, 0);
	ck_assert_int_eq(stays.fires, 1);
	loop_timer_cancel(l, &g.t);
	loop_free(l);
}
END_TEST

/* A periodic timer re-arming itself from its own callback. */
struct periodic {
	struct loop_timer t;
	struct loop *l;
	int fires, limit;
	uint64_t period;
};

static void on_periodic(void *arg)
{
	struct periodic *p = arg;

	if (++p->fires == p->limit) {
		loop_stop(p->l);
		return;
	}
	loop_timer_arm(p->l, &p->t, p->t.deadline + p->period);
}

START_TEST(test_rearm_self_in_callback)
{
	struct loop *l = new_loop();
	struct periodic p = { .t = { .fn = on_periodic, .arg = &p }, .l = l, .limit = 5,
			      .period = 4 * MS };
	struct guard g;
	uint64_t start = mono_now_us();

	loop_timer_arm(l, &p.t, start + p.period);
	guard_arm(&g, l, 1000);
	loop_run(l);
	ck_assert(!g.fired);
	ck_assert_int_eq(p.fires, 5);
	ck_assert_uint_ge(mono_now_us() - start, 20 * MS);
	loop_timer_cancel(l, &g.t);
	loop_free(l);
}
END_TEST

/* A timer that re-arms itself in the past must not starve the loop: it
 * fires once per iteration, so the descriptor work still gets in. */
struct past_rearm {
	struct loop_timer t;
	struct loop *l;
	int fires;
	int *io_seen;
};

static void on_past_rearm(void *arg)
{
	struct past_rearm *p = arg;

	p->fires++;
	if (*p->io_seen || p->fires > 10000) {
		loop_stop(p->l);
		return;
	}
	loop_timer_arm(p->l, &p->t, 0);
}

static void on_readable_count(void *arg, uint32_t ev)
{
	(void)ev;
	(*(int *)arg)++;
}

START_TEST(test_past_deadline_fires_next_iteration)
{
	struct loop *l = new_loop();
	int io_seen = 0, fds[2];
	struct past_rearm p = { .t = { .fn = on_past_rearm, .arg = &p }, .l = l,
				.io_seen = &io_seen };

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(loop_add_fd(l, fds[0], EPOLLIN, on_readable_count, &io_seen), 0);
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	loop_timer_arm(l, &p.t, 0);
	loop_run(l);
	ck_assert_int_ge(io_seen, 1);
	ck_assert_int_le(p.fires, 3);
	loop_del_fd(l, fds[0]);
	close(fds[0]);
	close(fds[1]);
	loop_free(l);
}
END_TEST

/* One timer arms another from its callback. */
struct chain {
	struct loop_timer first, second;
	struct loop *l;
	uint64_t first_at, second_at;
};

static void on_chain_second(void *arg)
{
	struct chain *c = arg;

	c->second_at = mono_now_us();
	loop_stop(c->l);
}

static void on_chain_first(void *arg)
{
	struct chain *c = arg;

	c->first_at = mono_now_us();
	loop_timer_arm(c->l, &c->second, c->first_at + 5 * MS);
}

START_TEST(test_timer_arms_another)
{
	struct loop *l = new_loop();
	struct chain c = { .first = { .fn = on_chain_first, .arg = &c },
			   .second = { .fn = on_chain_second, .arg = &c }, .l = l };
	struct guard g;

	loop_timer_arm(l, &c.first, mono_now_us() + 5 * MS);
	guard_arm(&g, l, 1000);
	loop_run(l);
	ck_assert(!g.fired);
	ck_assert_uint_gt(c.first_at, 0);
	ck_assert_uint_ge(c.second_at, c.first_at + 5 * MS);
	loop_timer_cancel(l, &g.t);
	loop_free(l);
}
END_TEST

/* Both due in the same pass; the first cancels and frees the second's
 * owner. ASan catches any later touch of it. */
struct killer {
	struct loop_timer t;
	struct loop *l;
	struct probe *victim;
};

static void on_killer(void *arg)
{
	struct killer *k = arg;

	loop_timer_cancel(k->l, &k->victim->t);
	free(k->victim);
	k->victim = NULL;
}

START_TEST(test_callback_cancels_and_frees_due_timer)
{
	struct loop *l = new_loop();
	struct probe *victim = malloc(sizeof(*victim));
	struct killer k = { .t = { .fn = on_killer, .arg = &k }, .l = l, .victim = victim };
	struct probe last;
	uint64_t now = mono_now_us();

	probe_init(victim, l, 1, NULL, NULL);
	probe_init(&last, l, 2, NULL, NULL);
	last.stop = true;
	loop_timer_arm(l, &k.t, now + 5 * MS);
	loop_timer_arm(l, &victim->t, now + 5 * MS); /* same deadline, after k */
	loop_timer_arm(l, &last.t, now + 15 * MS);
	loop_run(l);
	ck_assert_ptr_null(k.victim);
	ck_assert_int_eq(last.fires, 1);
	loop_free(l);
}
END_TEST

START_TEST(test_precision_20ms)
{
	struct loop *l = new_loop();
	struct guard g;

	uint64_t best_late = UINT64_MAX;

	/* Never early; on a busy machine any one wake-up may be late, so the
	 * precision is judged on the best of 9 (a coarse timer, say 10 ms
	 * ticks, would be late every time), and none may be grossly late. */
	for (int i = 0; i < 9; i++) {
		struct probe p;
		uint64_t armed = mono_now_us();

		probe_init(&p, l, 0, NULL, NULL);
		p.stop = true;
		loop_timer_arm(l, &p.t, armed + 20 * MS);
		guard_arm(&g, l, 1000);
		loop_run(l);
		loop_timer_cancel(l, &g.t);
		ck_assert_int_eq(p.fires, 1);
		ck_assert_uint_ge(p.fired_at - armed, 20 * MS);
		ck_assert_uint_lt(p.fired_at - armed, 100 * MS);
		if (p.fired_at - armed - 20 * MS < best_late)
			best_late = p.fired_at - armed - 20 * MS;
	}
	ck_assert_uint_lt(best_late, 5 * MS);
	loop_free(l);
}
END_TEST

struct reader {
	struct loop *l;
	int fd;
	char got;
	uint32_t events;
};

static void on_readable(void *arg, uint32_t events)
{
	struct reader *r = arg;

	r->events = events;
	if (read(r->fd, &r->got, 1) == 1)
		loop_stop(r->l);
}

START_TEST(test_fd_readiness)
{
	struct loop *l = new_loop();
	int fds[2];
	struct reader r = { .l = l };
	struct guard g;

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
	r.fd = fds[0];
	ck_assert_int_eq(loop_add_fd(l, fds[0], EPOLLIN, on_readable, &r), 0);
	/* One registration per fd. */
	ck_assert_int_eq(loop_add_fd(l, fds[0], EPOLLIN, on_readable, &r), -1);
	ck_assert_int_eq(write(fds[1], "k", 1), 1);
	guard_arm(&g, l, 1000);
	loop_run(l);
	ck_assert(!g.fired);
	ck_assert_int_eq(r.got, 'k');
	ck_assert(r.events & EPOLLIN);

	/* After loop_del_fd nothing is delivered any more. */
	loop_del_fd(l, fds[0]);
	r.got = 0;
	ck_assert_int_eq(write(fds[1], "z", 1), 1);
	guard_arm(&g, l, 30);
	loop_run(l);
	ck_assert(g.fired);
	ck_assert_int_eq(r.got, 0);
	close(fds[0]);
	close(fds[1]);
	loop_free(l);
}
END_TEST

/* Two descriptors ready in the same batch; whichever runs first removes
 * and closes the other, whose event must then be dropped. */
struct pair_side {
	struct loop *l;
	int fd;
	int *calls;
	struct pair_side *other;
};

static void on_pair(void *arg, uint32_t events)
{
	struct pair_side *s = arg;

	(void)events;
	(*s->calls)++;
	if (s->other) {
		loop_del_fd(s->l, s->other->fd);
		s->other->other = NULL;
	}
	loop_del_fd(s->l, s->fd);
}

/* Pipes a and b, watched by sa and sb (each the other's other) with fn,
 * both made readable; then the loop runs until its guard (30 ms). */
static void run_ready_pair(struct loop *l, int a[2], int b[2], struct pair_side *sa,
			   struct pair_side *sb, loop_io_fn fn)
{
	struct guard g;

	ck_assert_int_eq(pipe2(a, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(b, O_CLOEXEC | O_NONBLOCK), 0);
	sa->fd = a[0];
	sb->fd = b[0];
	sa->other = sb;
	sb->other = sa;
	ck_assert_int_eq(loop_add_fd(l, a[0], EPOLLIN, fn, sa), 0);
	ck_assert_int_eq(loop_add_fd(l, b[0], EPOLLIN, fn, sb), 0);
	ck_assert_int_eq(write(a[1], "a", 1), 1);
	ck_assert_int_eq(write(b[1], "b", 1), 1);
	guard_arm(&g, l, 30);
	loop_run(l);
}

START_TEST(test_del_fd_drops_pending_event)
{
	struct loop *l = new_loop();
	int a[2], b[2], calls = 0;
	struct pair_side sa = { .l = l, .calls = &calls }, sb = { .l = l, .calls = &calls };

	run_ready_pair(l, a, b, &sa, &sb, on_pair);
	ck_assert_int_eq(calls, 1);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
	loop_free(l);
}
END_TEST

/* A muted descriptor stays registered but is not reported, also when
 * another callback of the same batch mutes it after it became ready; once
 * unmuted, what it holds is reported again. */
static void on_pair_mute(void *arg, uint32_t events)
{
	struct pair_side *s = arg;

	(void)events;
	(*s->calls)++;
	if (s->other) {
		ck_assert_int_eq(loop_mute_fd(s->l, s->other->fd, true), 0);
		s->other->other = NULL;
	}
	ck_assert_int_eq(loop_mute_fd(s->l, s->fd, true), 0);
}

START_TEST(test_mute_fd)
{
	struct loop *l = new_loop();
	int fds[2], a[2], b[2], calls = 0;
	struct reader r = { .l = l };
	struct pair_side sa = { .l = l, .calls = &calls }, sb = { .l = l, .calls = &calls };
	struct guard g;

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
	r.fd = fds[0];
	ck_assert_int_eq(loop_mute_fd(l, fds[0], true), -1); /* not watched */
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(loop_add_fd(l, fds[0], EPOLLIN, on_readable, &r), 0);
	ck_assert_int_eq(loop_mute_fd(l, fds[0], true), 0);
	ck_assert_int_eq(write(fds[1], "m", 1), 1);
	guard_arm(&g, l, 30);
	loop_run(l);
	ck_assert(g.fired); /* muted: the byte waits */
	ck_assert_int_eq(r.got, 0);
	ck_assert_int_eq(loop_mute_fd(l, fds[0], false), 0);
	guard_arm(&g, l, 1000);
	loop_run(l);
	ck_assert(!g.fired);
	ck_assert_int_eq(r.got, 'm');
	loop_timer_cancel(l, &g.t);
	/* Still one registration: muting did not let go of it. */
	ck_assert_int_eq(loop_add_fd(l, fds[0], EPOLLIN, on_readable, &r), -1);
	loop_del_fd(l, fds[0]);

	run_ready_pair(l, a, b, &sa, &sb, on_pair_mute);
	ck_assert_int_eq(calls, 1); /* both ready, both muted by the first */
	loop_del_fd(l, a[0]);
	loop_del_fd(l, b[0]);
	for (int i = 0; i < 2; i++) {
		close(fds[i]);
		close(a[i]);
		close(b[i]);
	}
	loop_free(l);
}
END_TEST

struct sigrec {
	struct loop *l;
	int seen[3];
	int n;
	int stop_after;
};

static void on_signal(void *arg, int signo)
{
	struct sigrec *s = arg;

	if (s->n < 3)
		s->seen[s->n] = signo;
	if (++s->n == s->stop_after)
		loop_stop(s->l);
}

START_TEST(test_signal_delivery)
{
	struct loop *l = new_loop();
	struct sigrec s = { .l = l, .stop_after = 2 };
	struct guard g;

	ck_assert_int_eq(loop_add_signal(l, SIGUSR1, on_signal, &s), 0);
	ck_assert_int_eq(loop_add_signal(l, SIGUSR2, on_signal, &s), 0);
	ck_assert_int_eq(loop_add_signal(l, 0, on_signal, &s), -1);
	/* Blocked now, so raise() queues it for the signalfd. */
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(raise(SIGUSR2), 0);
	guard_arm(&g, l, 1000);
	loop_run(l);
	ck_assert(!g.fired);
	ck_assert_int_eq(s.n, 2);
	ck_assert((s.seen[0] == SIGUSR1 && s.seen[1] == SIGUSR2) ||
		  (s.seen[0] == SIGUSR2 && s.seen[1] == SIGUSR1));
	loop_timer_cancel(l, &g.t);
	loop_free(l);
}
END_TEST

START_TEST(test_stop_and_run_again)
{
	struct loop *l = new_loop();
	struct probe p;
	struct guard g;

	/* A stop requested before run makes run return at once. */
	loop_stop(l);
	guard_arm(&g, l, 1000);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert(!g.fired);

	/* The loop can run again after a stop. */
	probe_init(&p, l, 0, NULL, NULL);
	p.stop = true;
	loop_timer_arm(l, &p.t, mono_now_us() + 2 * MS);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_int_eq(p.fires, 1);
	ck_assert(!g.fired);
	ck_assert(g.t.armed);
	loop_timer_cancel(l, &g.t);
	loop_free(l);
}
END_TEST

static void fd_snapshot(bool open_fds[], int n)
{
	for (int fd = 0; fd < n; fd++)
		open_fds[fd] = fcntl(fd, F_GETFD) >= 0;
}

START_TEST(test_fds_cloexec_nonblock_and_closed)
{
	bool before[256], after[256];
	struct loop *l;
	int added = 0;

	fd_snapshot(before, 256);
	l = new_loop();
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(loop_add_signal(l, SIGUSR1, NULL, NULL), 0);
	fd_snapshot(after, 256);
	/* epoll, timerfd, signalfd: all close-on-exec and non-blocking. */
	for (int fd = 0; fd < 256; fd++) {
		if (before[fd] || !after[fd])
			continue;
		added++;
		ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		if (added > 1) /* the epoll fd itself needs no O_NONBLOCK */
			ck_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
	}
	ck_assert_int_eq(added, 3);
	loop_free(l);
	fd_snapshot(after, 256);
	for (int fd = 0; fd < 256; fd++)
		ck_assert_int_eq(before[fd], after[fd]);
}
END_TEST

/* Precise mode leaves the timerfd alone: timers fire all the same, and
 * the timerfd stays disarmed (no timerfd_settime per deadline). */
START_TEST(test_precise_no_timerfd)
{
	struct loop *l = new_loop();
	struct probe a = { .t = { .fn = on_probe, .arg = &a }, .l = l, .stop = true };
	struct guard g;
	char path[64], line[128];
	int tfd = -1;
	FILE *f;

	ck_assert_ptr_nonnull(l);
	guard_arm(&g, l, 2000);
	loop_timer_arm(l, &a.t, mono_now_us() + 30 * MS);
	loop_run(l);
	ck_assert(!g.fired);
	ck_assert_int_eq(a.fires, 1);
	/* The loop's timerfd is the one fd whose fdinfo has "it_value". */
	for (int fd = 3; fd < 64 && tfd < 0; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		if (!(f = fopen(path, "r")))
			continue;
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "it_value:", 9) == 0) {
				tfd = fd;
				/* Disarmed: it_value: (0, 0). */
				ck_assert_msg(strstr(line, "(0, 0)") != NULL, "timerfd armed: %s", line);
			}
		fclose(f);
	}
	ck_assert_int_ge(tfd, 0);
	loop_timer_cancel(l, &g.t);
	loop_free(l);
}
END_TEST

/* The decision: due at the deadline, or within its early window (capped). */
START_TEST(test_timer_due_decision)
{
	ck_assert(!loop_timer_due(1000, 0, 999));
	ck_assert(loop_timer_due(1000, 0, 1000));
	ck_assert(loop_timer_due(1000, 0, 5000));
	ck_assert(loop_timer_due(1500, 1000, 500));
	ck_assert(!loop_timer_due(1501, 1000, 500));
	/* A wider window than LOOP_EARLY_MAX_US counts as that. */
	ck_assert(loop_timer_due(LOOP_EARLY_MAX_US + 10, 1000000, 10));
	ck_assert(!loop_timer_due(LOOP_EARLY_MAX_US + 11, 1000000, 10));
}
END_TEST

/* A timer with an early window fires in the pass of one due just before
 * it; one beyond its window waits for its own deadline. */
/* One try of the shared wakeup: false when the loop itself woke for `due`
 * too late (past near's deadline: the host ran something else), which
 * leaves nothing to see; else asserts it all. */
static bool early_timers_try(void)
{
	struct loop *l = new_loop();
	struct probe due, near, far;
	int order[3], n = 0;
	struct guard g;
	struct loop_stats st;
	uint64_t now = mono_now_us();

	ck_assert_ptr_nonnull(l);
	probe_init(&due, l, 0, order, &n);
	probe_init(&near, l, 1, order, &n);
	probe_init(&far, l, 2, order, &n);
	near.t.early_us = far.t.early_us = 1000;
	loop_timer_arm(l, &due.t, now + 20 * MS);
	loop_timer_arm(l, &near.t, now + 20 * MS + 600);
	loop_timer_arm(l, &far.t, now + 40 * MS);
	far.stop = true;
	run_guarded(l, &g);
	loop_timer_cancel(l, &g.t);
	ck_assert_int_eq(n, 3);
	if (due.fired_at >= near.t.deadline) {
		loop_free(l);
		return false;
	}
	ck_assert_int_eq(order[0], 0);
	ck_assert_int_eq(order[1], 1);
	ck_assert_uint_ge(due.fired_at, due.t.deadline);
	/* near came along with due, before its own deadline. */
	ck_assert_uint_lt(near.fired_at, near.t.deadline);
	ck_assert_uint_ge(far.fired_at, far.t.deadline);
	loop_get_stats(l, &st);
	ck_assert_uint_eq(st.timers_early, 1);
	ck_assert_uint_eq(st.timers_fired, 3);
	ck_assert_uint_ge(st.wakeups, 2);
	loop_free(l);
	return true;
}

START_TEST(test_early_timers_share_a_wakeup)
{
	int tries = 0;

	/* A loaded host may wake the loop late; 20 tries of 40 ms. */
	while (!early_timers_try())
		ck_assert_msg(++tries < 20, "the loop woke over 600 us late in 20 tries");
}
END_TEST

/* When the loop must wake: the earliest deadline + late window over
 * the armed timers (sorted by deadline). */
START_TEST(test_wake_at_decision)
{
	struct loop_timer a = { .deadline = 1000 }, b = { .deadline = 1200 },
			  c = { .deadline = 5000 };

	ck_assert_uint_eq(loop_wake_at(NULL), UINT64_MAX);
	a.next = &b;
	ck_assert_uint_eq(loop_wake_at(&a), 1000);
	a.late_us = 100;
	ck_assert_uint_eq(loop_wake_at(&a), 1100);
	/* A wide window: the next punctual timer's deadline. */
	a.late_us = 500;
	ck_assert_uint_eq(loop_wake_at(&a), 1200);
	b.next = &c;
	a.late_us = b.late_us = 10000;
	ck_assert_uint_eq(loop_wake_at(&a), 5000);
	/* Only late ones: the first to run out of patience. */
	c.late_us = 10000;
	b.late_us = 50;
	ck_assert_uint_eq(loop_wake_at(&a), 1250);
}
END_TEST

/* A timer with a late window fires with the next wakeup after its
 * deadline (here another timer's), without a wakeup of its own; alone,
 * at its deadline + window. */
START_TEST(test_late_timer_rides_along)
{
	uint64_t now = mono_now_us();
	struct loop *l = new_loop();
	struct probe lazy, punctual;
	int order[3], n = 0;
	struct guard g;

	ck_assert_ptr_nonnull(l);
	probe_init(&lazy, l, 0, order, &n);
	probe_init(&punctual, l, 1, order, &n);
	lazy.t.late_us = 500 * MS;
	loop_timer_arm(l, &lazy.t, now + 10 * MS);
	loop_timer_arm(l, &punctual.t, now + 40 * MS);
	punctual.stop = true;
	run_guarded(l, &g);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(order[0], 0);
	ck_assert_uint_ge(lazy.fired_at, punctual.t.deadline);
	struct loop_stats st;
	loop_get_stats(l, &st);
	ck_assert_uint_eq(st.wakeups, 1);
	/* Alone: waits out its window, no longer. */
	lazy.stop = true;
	now = mono_now_us();
	lazy.t.late_us = 30 * MS;
	loop_timer_arm(l, &lazy.t, now + 10 * MS);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert(!g.fired);
	ck_assert_uint_ge(lazy.fired_at, now + 40 * MS);
	ck_assert_uint_lt(lazy.fired_at, now + 800 * MS); /* its own wakeup, before the guard */
	loop_timer_cancel(l, &g.t);
	loop_free(l);
}
END_TEST

static void add_all(TCase *tc)
{
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_now_is_monotonic_us);
	tcase_add_test(tc, test_timers_fire_in_deadline_order);
	tcase_add_test(tc, test_many_timers_keep_order);
	tcase_add_test(tc, test_arms_back_and_forth_keep_order);
	tcase_add_test(tc, test_arms_stay_short_between_front_and_back);
	tcase_add_test(tc, test_after_timers_hook);
	tcase_add_test(tc, test_rearm_moves_deadline);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_rearm_self_in_callback);
	tcase_add_test(tc, test_past_deadline_fires_next_iteration);
	tcase_add_test(tc, test_timer_arms_another);
	tcase_add_test(tc, test_callback_cancels_and_frees_due_timer);
	tcase_add_test(tc, test_precision_20ms);
	tcase_add_test(tc, test_fd_readiness);
	tcase_add_test(tc, test_del_fd_drops_pending_event);
	tcase_add_test(tc, test_mute_fd);
	tcase_add_test(tc, test_signal_delivery);
	tcase_add_test(tc, test_stop_and_run_again);
	tcase_add_test(tc, test_fds_cloexec_nonblock_and_closed);
	tcase_add_test(tc, test_timer_due_decision);
	tcase_add_test(tc, test_early_timers_share_a_wakeup);
	tcase_add_test(tc, test_wake_at_decision);
	tcase_add_test(tc, test_late_timer_rides_along);
}

static Suite *loop_suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("timerfd");
	TCase *pr = tcase_create("precise");

	tcase_add_checked_fixture(tc, mode_timerfd, NULL);
	add_all(tc);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(pr, mode_precise, NULL);
	add_all(pr);
	tcase_add_test(pr, test_precise_no_timerfd);
	suite_add_tcase(s, pr);
	return s;
}

CLUSTD_TEST_MAIN(loop_suite)
