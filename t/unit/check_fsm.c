/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_fsm.c - the VRRP state machine against RFC 5798 §6.1-§6.4 and
 * RFC 3768 §6, written from the RFCs and src/fsm.h, not from fsm.c.
 *
 * Time is an injected monotonic clock in microseconds; the RFC speaks in
 * centiseconds (1 cs = 10000 us). Every event goes through an ev_*() wrapper
 * that poisons the output first and then checks the invariants that hold
 * after any event (checklist item 34: one timer at most, matching the state;
 * fsm_out fully written and consistent with the state change). */
#include <stdint.h>
#include <string.h>

#include "testutil.h"
#include "fsm.h"

#define US_PER_CS 10000ull
#define CS(x) ((uint64_t)(x) * US_PER_CS)
#define MS(x) ((uint64_t)(x) * 1000ull)
/* A clock that is far from zero, so "0 = timer off" can never collide. */
#define T0 1000000000ull

#define ALL_ACTIONS (FSM_DROP_VIPS | FSM_SEND_PRIO0 | FSM_SEND_ADVERT | FSM_TAKE_VIPS)

/* --- builders --------------------------------------------------------- */

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;

	ck_assert_msg(ip_addr_parse(s, &a), "bad test address %s", s);
	return a;
}

static struct fsm_params params(uint8_t prio, uint8_t version, uint16_t adver_int_cs,
				bool preempt, const char *primary)
{
	struct fsm_params p;

	memset(&p, 0, sizeof(p));
	p.priority = prio;
	p.version = version;
	p.adver_int_cs = adver_int_cs;
	p.preempt = preempt;
	p.preempt_delay_ms = 0;
	p.primary = ip(primary);
	return p;
}

/* The usual local router: v3, 100 cs, preempt on, 198.51.100.10. */
static struct fsm_params params_v3(uint8_t prio)
{
	return params(prio, 3, 100, true, "198.51.100.10");
}

static struct vrrp_advert advert(uint8_t version, uint8_t prio, uint16_t interval_cs)
{
	struct vrrp_advert a;

	memset(&a, 0, sizeof(a));
	a.version = version;
	a.type = VRRP_TYPE_ADVERT;
	a.vrid = 42;
	a.priority = prio;
	a.interval_cs = interval_cs;
	a.naddr = 1;
	a.addrs[0] = ip("198.51.100.100");
	return a;
}

/* --- invariants checked after every event ----------------------------- */

static void check_timers(const struct fsm *f, int line)
{
	switch (f->state) {
	case STATE_BACKUP:
		ck_assert_msg(f->down_at != 0 && f->adver_at == 0,
			      "line %d: BACKUP needs only Master_Down_Timer (down %llu adver %llu)",
			      line, (unsigned long long)f->down_at,
			      (unsigned long long)f->adver_at);
		break;
	case STATE_MASTER:
		ck_assert_msg(f->adver_at != 0 && f->down_at == 0,
			      "line %d: MASTER needs only Adver_Timer (down %llu adver %llu)",
			      line, (unsigned long long)f->down_at,
			      (unsigned long long)f->adver_at);
		break;
	default:
		ck_assert_msg(f->down_at == 0 && f->adver_at == 0,
			      "line %d: %s must have no timer (down %llu adver %llu)",
			      line, vrrp_state_name(f->state),
			      (unsigned long long)f->down_at,
			      (unsigned long long)f->adver_at);
		break;
	}
	uint64_t armed = f->down_at ? f->down_at : f->adver_at;
	ck_assert_msg(fsm_next_deadline(f) == armed,
		      "line %d: fsm_next_deadline %llu != armed timer %llu", line,
		      (unsigned long long)fsm_next_deadline(f), (unsigned long long)armed);
}

static void check_out(const struct fsm *f, enum vrrp_state before,
		      const struct fsm_out *o, int line)
{
	ck_assert_msg((o->actions & ~(unsigned)ALL_ACTIONS) == 0,
		      "line %d: unknown action bits 0x%x", line, o->actions);
	if (o->changed) {
		ck_assert_msg(o->from == before, "line %d: from %s, was %s", line,
			      vrrp_state_name(o->from), vrrp_state_name(before));
		ck_assert_msg(o->to == f->state, "line %d: to %s, is %s", line,
			      vrrp_state_name(o->to), vrrp_state_name(f->state));
		ck_assert_msg(o->from != o->to, "line %d: changed but from == to", line);
		ck_assert_msg(memchr(o->reason, '\0', sizeof(o->reason)) != NULL,
			      "line %d: reason not NUL-terminated", line);
		ck_assert_msg(o->reason[0] != '\0', "line %d: empty reason", line);
	} else {
		ck_assert_msg(f->state == before, "line %d: state moved %s -> %s without changed",
			      line, vrrp_state_name(before), vrrp_state_name(f->state));
	}
	check_timers(f, line);
}

/* Garbage the caller must overwrite: catches outputs left unset. */
static void poison(struct fsm_out *o)
{
	memset(o, 'X', sizeof(*o));
	o->actions = 0xdead0000u;
	o->changed = true;
	o->from = STATE_FAULT;
	o->to = STATE_FAULT;
}

static void ev_startup(struct fsm *f, uint64_t now, struct fsm_out *o, int line)
{
	enum vrrp_state before = f->state;

	poison(o);
	fsm_startup(f, now, o);
	check_out(f, before, o, line);
}

static void ev_shutdown(struct fsm *f, uint64_t now, struct fsm_out *o, int line)
{
	enum vrrp_state before = f->state;

	poison(o);
	fsm_shutdown(f, now, o);
	check_out(f, before, o, line);
}

static void ev_advert(struct fsm *f, const struct vrrp_advert *a, const char *src,
		      uint64_t now, struct fsm_out *o, int line)
{
	enum vrrp_state before = f->state;
	struct ip_addr s = ip(src);

	poison(o);
	fsm_advert(f, a, &s, now, o);
	check_out(f, before, o, line);
}

static void ev_timer(struct fsm *f, uint64_t now, struct fsm_out *o, int line)
{
	enum vrrp_state before = f->state;

	poison(o);
	fsm_timer(f, now, o);
	check_out(f, before, o, line);
}

static void ev_fault(struct fsm *f, const char *why, uint64_t now, struct fsm_out *o,
		     int line)
{
	enum vrrp_state before = f->state;

	poison(o);
	fsm_fault(f, why, now, o);
	check_out(f, before, o, line);
}

static void ev_fault_clear(struct fsm *f, const char *why, uint64_t now,
			   struct fsm_out *o, int line)
{
	enum vrrp_state before = f->state;

	poison(o);
	fsm_fault_clear(f, why, now, o);
	check_out(f, before, o, line);
}

static void ev_params(struct fsm *f, const struct fsm_params *p, uint64_t now,
		      struct fsm_out *o, int line)
{
	enum vrrp_state before = f->state;

	poison(o);
	fsm_set_params(f, p, now, o);
	check_out(f, before, o, line);
}

#define STARTUP(f, now, o) ev_startup(f, now, o, __LINE__)
#define SHUTDOWN(f, now, o) ev_shutdown(f, now, o, __LINE__)
#define ADVERT(f, a, src, now, o) ev_advert(f, a, src, now, o, __LINE__)
#define TIMER(f, now, o) ev_timer(f, now, o, __LINE__)
#define FAULT(f, why, now, o) ev_fault(f, why, now, o, __LINE__)
#define FAULT_CLEAR(f, why, now, o) ev_fault_clear(f, why, now, o, __LINE__)
#define SET_PARAMS(f, p, now, o) ev_params(f, p, now, o, __LINE__)

/* An event that must change nothing at all. */
#define ASSERT_NOOP(o)                                   \
	do {                                             \
		ck_assert_uint_eq((o).actions, 0);       \
		ck_assert(!(o).changed);                 \
	} while (0)

#define ASSERT_MOVED(o, f_, t_)                          \
	do {                                             \
		ck_assert((o).changed);                  \
		ck_assert_int_eq((o).from, (f_));        \
		ck_assert_int_eq((o).to, (t_));          \
	} while (0)

/* --- scenario helpers ------------------------------------------------- */

static void start_fsm(struct fsm *f, const struct fsm_params *p, uint64_t now)
{
	struct fsm_out o;

	fsm_init(f, p);
	check_timers(f, __LINE__);
	STARTUP(f, now, &o);
}

/* A non-owner that became MASTER by its down timer; returns the clock. */
static uint64_t make_master(struct fsm *f, const struct fsm_params *p)
{
	struct fsm_out o;

	start_fsm(f, p, T0);
	ck_assert_int_eq(f->state, STATE_BACKUP);
	uint64_t now = f->down_at;
	TIMER(f, now, &o);
	ck_assert_int_eq(f->state, STATE_MASTER);
	return now;
}

/* ====================================================================== */
/* §6.1 timer arithmetic                                                   */

START_TEST(test_skew_values)
{
	/* Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256 */
	ck_assert_uint_eq(fsm_skew_cs(3, 100, 100), 60);
	ck_assert_uint_eq(fsm_skew_cs(3, 254, 100), 0);
	ck_assert_uint_eq(fsm_skew_cs(3, 1, 100), 99);
	ck_assert_uint_eq(fsm_skew_cs(3, 100, 50), 30);
	ck_assert_uint_eq(fsm_skew_cs(3, 255, 100), 0);
	ck_assert_uint_eq(fsm_skew_cs(3, 200, 100), 21);
	/* Largest inputs: 255 * 4095 / 256 = 4079.0 (no 16-bit overflow). */
	ck_assert_uint_eq(fsm_skew_cs(3, 1, 4095), 4079);
}
END_TEST

START_TEST(test_master_down_values)
{
	/* Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time */
	ck_assert_uint_eq(fsm_master_down_cs(3, 100, 100), 360);
	ck_assert_uint_eq(fsm_master_down_cs(3, 100, 50), 180);
	ck_assert_uint_eq(fsm_master_down_cs(3, 254, 100), 300);
	ck_assert_uint_eq(fsm_master_down_cs(3, 1, 100), 399);
	ck_assert_uint_eq(fsm_master_down_cs(3, 200, 100), 321);
	ck_assert_uint_eq(fsm_master_down_cs(3, 1, 4095), 3 * 4095 + 4079);
}
END_TEST

/* RFC 3768 §6.1: v2 Skew_Time = (256 - Priority) / 256 seconds. */
START_TEST(test_timer_values_v2)
{
	ck_assert_uint_eq(fsm_skew_cs(2, 100, 100), 60);
	ck_assert_uint_eq(fsm_skew_cs(2, 100, 200), 60); /* not 121 */
	ck_assert_uint_eq(fsm_skew_cs(2, 100, 25500), 60);
	ck_assert_uint_eq(fsm_skew_cs(2, 1, 4095), 99);
	ck_assert_uint_eq(fsm_skew_cs(2, 254, 300), 0);
	ck_assert_uint_eq(fsm_master_down_cs(2, 100, 100), 360);
	ck_assert_uint_eq(fsm_master_down_cs(2, 100, 200), 660); /* not 721 */
	ck_assert_uint_eq(fsm_master_down_cs(2, 1, 25500), 3 * 25500 + 99);
}
END_TEST

/* The tested functions are the running ones: a backup arms its
 * Master_Down_Timer at fsm_master_down_cs() and, on a priority-0 advert,
 * at fsm_skew_cs(), for both versions and across priorities and intervals. */
START_TEST(test_timers_run_the_tested_values)
{
	static const uint8_t prios[] = { 1, 100, 200, 254 };
	static const uint16_t ints_cs[] = { 100, 200, 300, 4000 };

	for (uint8_t v = 2; v <= 3; v++) {
		for (size_t i = 0; i < sizeof(prios) / sizeof(prios[0]); i++) {
			for (size_t j = 0; j < sizeof(ints_cs) / sizeof(ints_cs[0]); j++) {
				struct fsm_params p = params(prios[i], v, ints_cs[j], true,
							     "198.51.100.10");
				struct vrrp_advert zero = advert(v, 0, ints_cs[j]);
				uint64_t now = T0 + CS(7);
				struct fsm f;
				struct fsm_out o;

				start_fsm(&f, &p, T0);
				ck_assert_uint_eq(f.down_at,
						  T0 + CS(fsm_master_down_cs(v, prios[i], ints_cs[j])));
				ADVERT(&f, &zero, "198.51.100.20", now, &o);
				ck_assert_uint_eq(f.down_at,
						  now + CS(fsm_skew_cs(v, prios[i], ints_cs[j])));
			}
		}
	}
}
END_TEST

START_TEST(test_state_names)
{
	ck_assert_str_eq(vrrp_state_name(STATE_INIT), "INIT");
	ck_assert_str_eq(vrrp_state_name(STATE_BACKUP), "BACKUP");
	ck_assert_str_eq(vrrp_state_name(STATE_MASTER), "MASTER");
	ck_assert_str_eq(vrrp_state_name(STATE_FAULT), "FAULT");
}
END_TEST

/* ====================================================================== */
/* §6.4.1 Initialize                                                       */

START_TEST(test_init_has_no_timer)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);

	fsm_init(&f, &p);
	ck_assert_int_eq(f.state, STATE_INIT);
	ck_assert_uint_eq(f.down_at, 0);
	ck_assert_uint_eq(f.adver_at, 0);
	ck_assert_uint_eq(fsm_next_deadline(&f), 0);
	/* A stray timer call in INIT does nothing. */
	TIMER(&f, T0 + CS(1000), &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_INIT);
}
END_TEST

START_TEST(test_startup_non_owner_is_backup)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);

	fsm_init(&f, &p);
	STARTUP(&f, T0, &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ASSERT_MOVED(o, STATE_INIT, STATE_BACKUP);
	ck_assert_uint_eq(o.actions, 0);
	ck_assert_uint_eq(f.down_at, T0 + CS(360));
	ck_assert_uint_eq(f.adver_at, 0);
	ck_assert_uint_eq(fsm_next_deadline(&f), T0 + CS(360));
}
END_TEST

START_TEST(test_startup_non_owner_prio254)
{
	struct fsm f;
	struct fsm_params p = params_v3(254);

	start_fsm(&f, &p, T0);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(f.down_at, T0 + CS(300));
}
END_TEST

START_TEST(test_startup_owner_is_master)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(255);

	fsm_init(&f, &p);
	STARTUP(&f, T0, &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ASSERT_MOVED(o, STATE_INIT, STATE_MASTER);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT | FSM_TAKE_VIPS);
	ck_assert_uint_eq(f.adver_at, T0 + CS(100));
	ck_assert_uint_eq(f.down_at, 0);
}
END_TEST

START_TEST(test_startup_owner_custom_interval)
{
	struct fsm f;
	struct fsm_params p = params(255, 3, 25, false, "198.51.100.1");

	start_fsm(&f, &p, T0);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ck_assert_uint_eq(f.adver_at, T0 + CS(25));
}
END_TEST

/* RFC 3768 §6.1: v2 Skew_Time = (256 - Priority) / 256 seconds, whatever
 * the advertisement interval; MDI = 3 * Advertisement_Interval + Skew. */
START_TEST(test_startup_v2_skew_in_seconds)
{
	struct fsm f;
	struct fsm_params p1 = params(100, 2, 100, true, "198.51.100.10");
	struct fsm_params p2 = params(100, 2, 200, true, "198.51.100.10");

	start_fsm(&f, &p1, T0);
	ck_assert_uint_eq(f.down_at, T0 + CS(360));
	/* 2 s interval: 600 cs + 156/256 s = 600 + 60 cs (not 600 + 121). */
	start_fsm(&f, &p2, T0);
	ck_assert_uint_eq(f.down_at, T0 + CS(660));
}
END_TEST

/* ====================================================================== */
/* §6.4.2 Backup                                                           */

START_TEST(test_backup_down_timer_exact)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);

	start_fsm(&f, &p, T0);
	uint64_t down = f.down_at;

	TIMER(&f, down - 1, &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(f.down_at, down);

	TIMER(&f, down, &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ASSERT_MOVED(o, STATE_BACKUP, STATE_MASTER);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT | FSM_TAKE_VIPS);
	ck_assert_uint_eq(f.adver_at, down + CS(100));
	ck_assert_uint_eq(f.down_at, 0);
	ck_assert_msg(strcasestr(o.reason, "master down") != NULL,
		      "reason \"%s\" does not say master down", o.reason);
}
END_TEST

START_TEST(test_backup_prio0_sets_skew)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	struct vrrp_advert a = advert(3, 0, 100);
	uint64_t now = T0 + CS(150);

	start_fsm(&f, &p, T0);
	ADVERT(&f, &a, "198.51.100.20", now, &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(f.down_at, now + CS(60));

	TIMER(&f, now + CS(60) - 1, &o);
	ASSERT_NOOP(o);
	TIMER(&f, now + CS(60), &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT | FSM_TAKE_VIPS);
	ck_assert_uint_eq(f.adver_at, now + CS(60) + CS(100));
}
END_TEST

START_TEST(test_backup_prio0_skew_uses_learned_interval)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	struct vrrp_advert hi = advert(3, 200, 50);
	struct vrrp_advert zero = advert(3, 0, 50);

	start_fsm(&f, &p, T0);
	ADVERT(&f, &hi, "198.51.100.20", T0 + CS(10), &o);
	ADVERT(&f, &zero, "198.51.100.20", T0 + CS(20), &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	/* Skew with Master_Adver_Interval 50: (156 * 50) / 256 = 30 cs. */
	ck_assert_uint_eq(f.down_at, T0 + CS(20) + CS(30));
}
END_TEST

START_TEST(test_backup_prio0_prio254_takes_over_now)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(254);
	struct vrrp_advert zero = advert(3, 0, 100);
	uint64_t now = T0 + CS(100);

	start_fsm(&f, &p, T0);
	ADVERT(&f, &zero, "198.51.100.20", now, &o);
	/* Skew_Time is 0 at priority 254: the timer is due right now. */
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(f.down_at, now);
	TIMER(&f, now, &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
}
END_TEST

START_TEST(test_backup_higher_prio_learns_interval)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	struct vrrp_advert a = advert(3, 200, 50);
	uint64_t now = T0 + CS(200);

	start_fsm(&f, &p, T0);
	ADVERT(&f, &a, "198.51.100.20", now, &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(f.master_adver_int_cs, 50);
	/* 3 * 50 + (156 * 50) / 256 = 150 + 30 */
	ck_assert_uint_eq(f.down_at, now + CS(180));
	/* Who the master is, for the logs. */
	ck_assert_uint_eq(f.master_priority, 200);
	struct ip_addr src = ip("198.51.100.20");
	ck_assert(ip_addr_equal(&f.master_addr, &src));
	ck_assert_uint_eq(f.last_advert_at, now);

	/* The old deadline is gone: nothing happens at the first MDI. */
	TIMER(&f, T0 + CS(360), &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
}
END_TEST

START_TEST(test_backup_learns_from_every_advert)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	struct vrrp_advert fast = advert(3, 200, 50);
	struct vrrp_advert slow = advert(3, 200, 200);

	start_fsm(&f, &p, T0);
	ADVERT(&f, &fast, "198.51.100.20", T0 + CS(10), &o);
	ck_assert_uint_eq(f.down_at, T0 + CS(10) + CS(180));
	ADVERT(&f, &slow, "198.51.100.20", T0 + CS(60), &o);
	ck_assert_uint_eq(f.master_adver_int_cs, 200);
	/* 3 * 200 + (156 * 200) / 256 = 600 + 121 */
	ck_assert_uint_eq(f.down_at, T0 + CS(60) + CS(721));
}
END_TEST

START_TEST(test_backup_equal_prio_resets)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	struct vrrp_advert a = advert(3, 100, 100);
	uint64_t now = T0 + CS(300);

	start_fsm(&f, &p, T0);
	/* Equal priority counts as "greater than or equal": reset, even with
	 * a lower sender address and preempt on. */
	ADVERT(&f, &a, "198.51.100.2", now, &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(f.down_at, now + CS(360));
}
END_TEST

START_TEST(test_backup_preempt_ignores_lower_prio)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(200);
	struct vrrp_advert a = advert(3, 100, 50);

	start_fsm(&f, &p, T0);
	uint64_t down = f.down_at;

	ck_assert_uint_eq(down, T0 + CS(321));
	ADVERT(&f, &a, "198.51.100.20", T0 + CS(100), &o);
	ASSERT_NOOP(o);
	ck_assert_uint_eq(f.down_at, down);
	ADVERT(&f, &a, "198.51.100.20", T0 + CS(200), &o);
	ck_assert_uint_eq(f.down_at, down);
	/* The discarded advert taught nothing. */
	ck_assert_uint_eq(f.master_adver_int_cs, 100);

	TIMER(&f, down, &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT | FSM_TAKE_VIPS);
}
END_TEST

START_TEST(test_backup_no_preempt_lower_prio_resets)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params(200, 3, 100, false, "198.51.100.10");
	struct vrrp_advert a = advert(3, 100, 50);
	uint64_t now = T0 + CS(300);

	start_fsm(&f, &p, T0);
	ADVERT(&f, &a, "198.51.100.20", now, &o);
	ASSERT_NOOP(o);
	ck_assert_uint_eq(f.master_adver_int_cs, 50);
	/* 3 * 50 + (56 * 50) / 256 = 150 + 10 */
	ck_assert_uint_eq(f.down_at, now + CS(160));
	/* The startup deadline (T0 + 321 cs) no longer fires. */
	TIMER(&f, T0 + CS(321), &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
}
END_TEST

/* RFC 3768 has no interval learning: MDI stays on the local interval. */
START_TEST(test_backup_v2_does_not_learn_interval)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params(100, 2, 100, true, "198.51.100.10");
	struct vrrp_advert a = advert(2, 200, 300);
	uint64_t now = T0 + CS(100);

	start_fsm(&f, &p, T0);
	ADVERT(&f, &a, "198.51.100.20", now, &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(f.down_at, now + CS(360));
}
END_TEST

START_TEST(test_backup_v2_prio0_skew_in_seconds)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params(100, 2, 200, true, "198.51.100.10");
	struct vrrp_advert a = advert(2, 0, 200);
	uint64_t now = T0 + CS(100);

	start_fsm(&f, &p, T0);
	ADVERT(&f, &a, "198.51.100.20", now, &o);
	/* (256 - 100) / 256 s = 60 cs, not (156 * 200) / 256 = 121 cs. */
	ck_assert_uint_eq(f.down_at, now + CS(60));
}
END_TEST

/* §6.4.2: on takeover, Adver_Timer = Advertisement_Interval (ours), not
 * the Master_Adver_Interval learned from the old master. */
START_TEST(test_backup_takeover_uses_local_interval)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	struct vrrp_advert a = advert(3, 200, 50);
	uint64_t now = T0 + CS(100);

	start_fsm(&f, &p, T0);
	ADVERT(&f, &a, "198.51.100.20", now, &o);
	uint64_t down = f.down_at;

	TIMER(&f, down, &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ck_assert_uint_eq(f.adver_at, down + CS(100));
}
END_TEST

START_TEST(test_backup_shutdown)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);

	start_fsm(&f, &p, T0);
	SHUTDOWN(&f, T0 + CS(10), &o);
	ck_assert_int_eq(f.state, STATE_INIT);
	ASSERT_MOVED(o, STATE_BACKUP, STATE_INIT);
	/* A backup sends nothing, not even priority 0. */
	ck_assert_uint_eq(o.actions, 0);
	ck_assert_uint_eq(f.down_at, 0);
	ck_assert_uint_eq(f.adver_at, 0);
	/* The cancelled timer is really gone. */
	TIMER(&f, T0 + CS(360), &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_INIT);
}
END_TEST

/* ====================================================================== */
/* preempt_delay (clustd): with preempt on, lower-priority adverts are
 * treated as preempt off until preempt_delay_ms after the FIRST one.      */

/* Backup prio 200 (MDI 321 cs), delay 5000 ms; the prio-100 master
 * advertises every second from T1 = T0 + 1 s. Returns T1. */
static uint64_t delay_scenario(struct fsm *f, struct fsm_out *o)
{
	struct fsm_params p = params_v3(200);
	struct vrrp_advert a = advert(3, 100, 100);
	uint64_t t1 = T0 + MS(1000);

	p.preempt_delay_ms = 5000;
	start_fsm(f, &p, T0);
	for (unsigned k = 0; k < 5; k++) {
		uint64_t now = t1 + MS(1000) * k;

		ADVERT(f, &a, "198.51.100.20", now, o);
		ASSERT_NOOP(*o);
		ck_assert_int_eq(f->state, STATE_BACKUP);
		ck_assert_uint_eq(f->down_at, now + CS(321));
	}
	return t1;
}

START_TEST(test_preempt_delay_before_boundary_resets)
{
	struct fsm f;
	struct fsm_out o;
	struct vrrp_advert a = advert(3, 100, 100);
	uint64_t t1 = delay_scenario(&f, &o);
	uint64_t now = t1 + MS(5000) - 1;

	ADVERT(&f, &a, "198.51.100.20", now, &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(f.down_at, now + CS(321));
}
END_TEST

START_TEST(test_preempt_delay_at_boundary_ignores)
{
	struct fsm f;
	struct fsm_out o;
	struct vrrp_advert a = advert(3, 100, 100);
	uint64_t t1 = delay_scenario(&f, &o);
	uint64_t down = f.down_at;

	/* Exactly 5000 ms after the first lower advert: the delay is over. */
	ADVERT(&f, &a, "198.51.100.20", t1 + MS(5000), &o);
	ASSERT_NOOP(o);
	ck_assert_uint_eq(f.down_at, down);
}
END_TEST

START_TEST(test_preempt_delay_after_boundary_takes_over)
{
	struct fsm f;
	struct fsm_out o;
	struct vrrp_advert a = advert(3, 100, 100);
	uint64_t t1 = delay_scenario(&f, &o);
	uint64_t down = f.down_at;

	ck_assert_uint_eq(down, t1 + MS(4000) + CS(321));
	/* The master keeps advertising; nothing moves the deadline now. */
	ADVERT(&f, &a, "198.51.100.20", t1 + MS(5000) + 1, &o);
	ck_assert_uint_eq(f.down_at, down);
	ADVERT(&f, &a, "198.51.100.20", t1 + MS(6000), &o);
	ck_assert_uint_eq(f.down_at, down);
	ADVERT(&f, &a, "198.51.100.20", t1 + MS(7000), &o);
	ck_assert_uint_eq(f.down_at, down);

	TIMER(&f, down - 1, &o);
	ASSERT_NOOP(o);
	TIMER(&f, down, &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ASSERT_MOVED(o, STATE_BACKUP, STATE_MASTER);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT | FSM_TAKE_VIPS);
}
END_TEST

START_TEST(test_preempt_delay_irrelevant_without_preempt)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params(200, 3, 100, false, "198.51.100.10");
	struct vrrp_advert a = advert(3, 100, 100);

	p.preempt_delay_ms = 1000;
	start_fsm(&f, &p, T0);
	for (unsigned k = 0; k < 6; k++) {
		uint64_t now = T0 + MS(1000) * k + 1;

		ADVERT(&f, &a, "198.51.100.20", now, &o);
		ck_assert_uint_eq(f.down_at, now + CS(321));
	}
}
END_TEST

/* ====================================================================== */
/* §6.4.3 Master                                                           */

START_TEST(test_master_adver_timer)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	uint64_t now = make_master(&f, &p);

	ck_assert_uint_eq(f.adver_at, now + CS(100));
	for (unsigned k = 0; k < 3; k++) {
		uint64_t due = f.adver_at;

		TIMER(&f, due - FSM_ADVERT_EARLY_MAX_US - 1, &o);
		ASSERT_NOOP(o);
		ck_assert_uint_eq(f.adver_at, due);

		TIMER(&f, due, &o);
		ck_assert(!o.changed);
		ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT);
		ck_assert_int_eq(f.state, STATE_MASTER);
		ck_assert_uint_eq(f.adver_at, due + CS(100));
	}
}
END_TEST

/* The early window: 1 % of the interval, at most 1 ms, for a master only. */
START_TEST(test_master_advert_early_window)
{
	struct fsm f;
	struct fsm_params p = params_v3(100);

	make_master(&f, &p);
	ck_assert_uint_eq(fsm_advert_early_us(&f), 1000); /* 1 s: capped */
	p = params(100, 3, 10, true, "198.51.100.10");
	make_master(&f, &p);
	ck_assert_uint_eq(fsm_advert_early_us(&f), 1000); /* 100 ms */
	p = params(100, 3, 1, true, "198.51.100.10");
	make_master(&f, &p);
	ck_assert_uint_eq(fsm_advert_early_us(&f), 100);  /* 10 ms */
	fsm_init(&f, &p);
	ck_assert_uint_eq(fsm_advert_early_us(&f), 0);
}
END_TEST

/* Sent early, within the window: the next advert is an interval after
 * this one (the phase moves to the wakeup it shared); before the window,
 * nothing. */
START_TEST(test_master_advert_sent_early)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params(100, 3, 1, true, "198.51.100.10"); /* 10 ms: a 100 us window */
	uint64_t due = make_master(&f, &p) + CS(1);

	ck_assert_uint_eq(f.adver_at, due);
	TIMER(&f, due - 101, &o);
	ASSERT_NOOP(o);
	ck_assert_uint_eq(f.adver_at, due);
	TIMER(&f, due - 100, &o);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT);
	ck_assert_uint_eq(f.adver_at, due - 100 + CS(1));
}
END_TEST

START_TEST(test_master_prio0_sends_at_once)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	struct vrrp_advert a = advert(3, 0, 100);
	uint64_t now = make_master(&f, &p) + CS(30);

	ADVERT(&f, &a, "198.51.100.20", now, &o);
	ck_assert(!o.changed);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT);
	ck_assert_uint_eq(f.adver_at, now + CS(100));
}
END_TEST

START_TEST(test_master_higher_prio_to_backup)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	struct vrrp_advert a = advert(3, 200, 50);
	uint64_t now = make_master(&f, &p) + CS(30);

	ADVERT(&f, &a, "198.51.100.20", now, &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ASSERT_MOVED(o, STATE_MASTER, STATE_BACKUP);
	ck_assert_uint_eq(o.actions, FSM_DROP_VIPS);
	ck_assert_uint_eq(f.adver_at, 0);
	ck_assert_uint_eq(f.master_adver_int_cs, 50);
	/* MDI with the learned interval and our priority: 150 + 30. */
	ck_assert_uint_eq(f.down_at, now + CS(180));
}
END_TEST

START_TEST(test_master_higher_prio_v2)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params(100, 2, 200, true, "198.51.100.10");
	struct vrrp_advert a = advert(2, 200, 200);
	uint64_t now = make_master(&f, &p) + CS(30);

	ADVERT(&f, &a, "198.51.100.20", now, &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(o.actions, FSM_DROP_VIPS);
	/* RFC 3768: 3 * 2 s + 156/256 s = 600 + 60 cs. */
	ck_assert_uint_eq(f.down_at, now + CS(660));
}
END_TEST

/* Equal priority: the higher primary address wins, compared as unsigned
 * network-order bytes. Returns the resulting state. */
static enum vrrp_state tie_break(const char *local, const char *sender)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params(100, 3, 100, true, local);
	struct vrrp_advert a = advert(3, 100, 100);
	uint64_t now = make_master(&f, &p) + CS(30);
	uint64_t adver = f.adver_at;

	ADVERT(&f, &a, sender, now, &o);
	if (f.state == STATE_BACKUP) {
		ASSERT_MOVED(o, STATE_MASTER, STATE_BACKUP);
		ck_assert_uint_eq(o.actions, FSM_DROP_VIPS);
		ck_assert_uint_eq(f.down_at, now + CS(360));
	} else {
		ASSERT_NOOP(o);
		ck_assert_uint_eq(f.adver_at, adver);
	}
	return f.state;
}

START_TEST(test_master_tie_break_v4)
{
	/* .10 > .2 numerically even though "198.51.100.2" > "...10" as text. */
	ck_assert_int_eq(tie_break("198.51.100.2", "198.51.100.10"), STATE_BACKUP);
	ck_assert_int_eq(tie_break("198.51.100.10", "198.51.100.2"), STATE_MASTER);
	/* First octets differ; both above 127 (a signed compare trap). */
	ck_assert_int_eq(tie_break("198.51.100.200", "203.0.113.1"), STATE_BACKUP);
	ck_assert_int_eq(tie_break("203.0.113.1", "198.51.100.200"), STATE_MASTER);
}
END_TEST

START_TEST(test_master_tie_break_v6)
{
	ck_assert_int_eq(tie_break("2001:db8::2", "2001:db8::10"), STATE_BACKUP);
	ck_assert_int_eq(tie_break("2001:db8::10", "2001:db8::2"), STATE_MASTER);
	ck_assert_int_eq(tie_break("2001:db8::ffff", "2001:db8::1:0"), STATE_BACKUP);
	ck_assert_int_eq(tie_break("2001:db8::1:0", "2001:db8::ffff"), STATE_MASTER);
}
END_TEST

/* RFC 9568 §6.4.3: a lower-priority advert is discarded, and the master
 * sends one of its own at once so the sender stops claiming; no
 * Preempt_Mode check in Master. */
START_TEST(test_master_lower_prio_asserts_at_once)
{
	struct fsm f;
	struct fsm_out o;
	struct vrrp_advert a = advert(3, 99, 50);

	for (int preempt = 0; preempt <= 1; preempt++) {
		struct fsm_params p = params(100, 3, 100, preempt, "198.51.100.10");
		uint64_t now = make_master(&f, &p) + CS(30);

		/* Even from a higher address. */
		ADVERT(&f, &a, "203.0.113.1", now, &o);
		ck_assert(!o.changed);
		ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT);
		ck_assert_int_eq(f.state, STATE_MASTER);
		/* The Adver_Timer restarts from this advert... */
		ck_assert_uint_eq(f.adver_at, now + CS(100));
		/* ... and the sender's interval is not learned (it is no master). */
		ck_assert_uint_eq(f.master_adver_int_cs, 100);
	}
}
END_TEST

/* At most one such extra advert per Advertisement_Interval, to the µs. */
START_TEST(test_master_lower_prio_rate_limit)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	struct vrrp_advert a = advert(3, 50, 100);
	uint64_t t1 = make_master(&f, &p) + CS(30);

	ADVERT(&f, &a, "198.51.100.20", t1, &o);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT);
	uint64_t adver = f.adver_at;
	ADVERT(&f, &a, "198.51.100.20", t1 + 1, &o);
	ASSERT_NOOP(o);
	ADVERT(&f, &a, "198.51.100.20", t1 + CS(100) - 1, &o);
	ASSERT_NOOP(o);
	ck_assert_uint_eq(f.adver_at, adver);
	/* One interval after the last extra advert: the next may go. */
	ADVERT(&f, &a, "198.51.100.20", t1 + CS(100), &o);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT);
	ck_assert_uint_eq(f.adver_at, t1 + CS(200));
	ADVERT(&f, &a, "198.51.100.20", t1 + CS(200) - 1, &o);
	ASSERT_NOOP(o);
	/* The scheduled adverts go on and do not reset the limit. */
	TIMER(&f, t1 + CS(200), &o);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT);
	ADVERT(&f, &a, "198.51.100.20", t1 + CS(200), &o);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT);
	/* The limit follows our own interval, not the sender's. */
	struct fsm_params slow = params(100, 3, 300, true, "198.51.100.10");
	uint64_t t2 = make_master(&f, &slow) + CS(30);
	ADVERT(&f, &a, "198.51.100.20", t2, &o);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT);
	ADVERT(&f, &a, "198.51.100.20", t2 + CS(300) - 1, &o);
	ASSERT_NOOP(o);
	ADVERT(&f, &a, "198.51.100.20", t2 + CS(300), &o);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT);
}
END_TEST

/* Equal priority from a lower address and priority 0 keep their own rules
 * (tie_break(), test_master_prio0_sends_at_once): no extra advert for a
 * tie won, and a priority 0 advert is answered even right after one. */
START_TEST(test_master_lower_prio_leaves_other_rules)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	struct vrrp_advert lower = advert(3, 50, 100), same = advert(3, 100, 100);
	struct vrrp_advert zero = advert(3, 0, 100), higher = advert(3, 101, 100);
	uint64_t now = make_master(&f, &p) + CS(30);

	ADVERT(&f, &same, "198.51.100.2", now, &o);
	ASSERT_NOOP(o);
	ADVERT(&f, &lower, "198.51.100.2", now + 1, &o);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT);
	ADVERT(&f, &zero, "198.51.100.2", now + 2, &o);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT);
	ADVERT(&f, &higher, "198.51.100.2", now + 3, &o);
	ASSERT_MOVED(o, STATE_MASTER, STATE_BACKUP);
	ck_assert_uint_eq(o.actions, FSM_DROP_VIPS);
	/* A backup never sends for a lower priority. */
	ADVERT(&f, &lower, "198.51.100.2", now + 4, &o);
	ck_assert_uint_eq(o.actions, 0);
}
END_TEST

START_TEST(test_master_shutdown)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	uint64_t now = make_master(&f, &p) + CS(30);

	SHUTDOWN(&f, now, &o);
	ck_assert_int_eq(f.state, STATE_INIT);
	ASSERT_MOVED(o, STATE_MASTER, STATE_INIT);
	ck_assert_uint_eq(o.actions, FSM_SEND_PRIO0 | FSM_DROP_VIPS);
	ck_assert_uint_eq(f.adver_at, 0);
	ck_assert_uint_eq(f.down_at, 0);
	TIMER(&f, now + CS(1000), &o);
	ASSERT_NOOP(o);
}
END_TEST

START_TEST(test_owner_shutdown)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(255);

	start_fsm(&f, &p, T0);
	SHUTDOWN(&f, T0 + CS(10), &o);
	ck_assert_int_eq(f.state, STATE_INIT);
	ck_assert_uint_eq(o.actions, FSM_SEND_PRIO0 | FSM_DROP_VIPS);
}
END_TEST

/* ====================================================================== */
/* Fault (clustd: link down, no quorum...)                                 */

START_TEST(test_fault_from_master)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	uint64_t now = make_master(&f, &p) + CS(30);

	FAULT(&f, "no quorum", now, &o);
	ck_assert_int_eq(f.state, STATE_FAULT);
	ASSERT_MOVED(o, STATE_MASTER, STATE_FAULT);
	ck_assert_uint_eq(o.actions, FSM_SEND_PRIO0 | FSM_DROP_VIPS);
	ck_assert_uint_eq(f.adver_at, 0);
	ck_assert_uint_eq(f.down_at, 0);
	ck_assert_msg(strstr(o.reason, "no quorum") != NULL,
		      "reason \"%s\" lost the caller's reason", o.reason);
}
END_TEST

START_TEST(test_fault_from_backup)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);

	start_fsm(&f, &p, T0);
	FAULT(&f, "link down", T0 + CS(10), &o);
	ck_assert_int_eq(f.state, STATE_FAULT);
	ASSERT_MOVED(o, STATE_BACKUP, STATE_FAULT);
	ck_assert_uint_eq(o.actions, 0);
	ck_assert_uint_eq(f.down_at, 0);
	/* The old down timer must not fire in FAULT. */
	TIMER(&f, T0 + CS(360), &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_FAULT);
}
END_TEST

START_TEST(test_fault_from_init)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);

	fsm_init(&f, &p);
	FAULT(&f, "link down", T0, &o);
	ck_assert_int_eq(f.state, STATE_FAULT);
	ck_assert_uint_eq(o.actions, 0);
}
END_TEST

START_TEST(test_fault_twice_is_quiet)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	uint64_t now = make_master(&f, &p) + CS(30);

	FAULT(&f, "no quorum", now, &o);
	FAULT(&f, "link down", now + CS(10), &o);
	ck_assert_int_eq(f.state, STATE_FAULT);
	/* VIPs are already gone and the prio-0 advert was sent once. */
	ck_assert_uint_eq(o.actions, 0);
}
END_TEST

/* Adverts and timers in FAULT and INIT change nothing. */
static void assert_deaf(struct fsm *f, uint64_t now)
{
	struct fsm_out o;
	enum vrrp_state s = f->state;
	const uint8_t prios[] = { 0, 1, 100, 254 };

	for (size_t i = 0; i < sizeof(prios); i++) {
		struct vrrp_advert a = advert(3, prios[i], 50);

		ADVERT(f, &a, "203.0.113.1", now + i, &o);
		ASSERT_NOOP(o);
		ck_assert_int_eq(f->state, s);
	}
	TIMER(f, now + CS(100000), &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f->state, s);
}

START_TEST(test_fault_and_init_ignore_adverts)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);

	fsm_init(&f, &p);
	assert_deaf(&f, T0);

	start_fsm(&f, &p, T0);
	FAULT(&f, "link down", T0 + CS(10), &o);
	assert_deaf(&f, T0 + CS(20));

	start_fsm(&f, &p, T0);
	SHUTDOWN(&f, T0 + CS(10), &o);
	assert_deaf(&f, T0 + CS(20));
}
END_TEST

START_TEST(test_fault_clear_to_backup)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	uint64_t now = T0 + CS(500);

	start_fsm(&f, &p, T0);
	FAULT(&f, "link down", T0 + CS(10), &o);
	FAULT_CLEAR(&f, "link up", now, &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ASSERT_MOVED(o, STATE_FAULT, STATE_BACKUP);
	ck_assert_uint_eq(o.actions, 0);
	ck_assert_uint_eq(f.down_at, now + CS(360));
}
END_TEST

/* Startup rules (§6.4.1): Master_Adver_Interval = Advertisement_Interval,
 * so an interval learned before the fault is forgotten. */
START_TEST(test_fault_clear_forgets_learned_interval)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	struct vrrp_advert a = advert(3, 200, 50);
	uint64_t now = T0 + CS(500);

	start_fsm(&f, &p, T0);
	ADVERT(&f, &a, "198.51.100.20", T0 + CS(10), &o);
	ck_assert_uint_eq(f.master_adver_int_cs, 50);
	FAULT(&f, "link down", T0 + CS(20), &o);
	FAULT_CLEAR(&f, "link up", now, &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(f.down_at, now + CS(360));
}
END_TEST

START_TEST(test_fault_clear_owner_to_master)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(255);
	uint64_t now = T0 + CS(500);

	start_fsm(&f, &p, T0);
	FAULT(&f, "link down", T0 + CS(10), &o);
	ck_assert_uint_eq(o.actions, FSM_SEND_PRIO0 | FSM_DROP_VIPS);
	FAULT_CLEAR(&f, "link up", now, &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ASSERT_MOVED(o, STATE_FAULT, STATE_MASTER);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT | FSM_TAKE_VIPS);
	ck_assert_uint_eq(f.adver_at, now + CS(100));
}
END_TEST

START_TEST(test_fault_clear_noop_elsewhere)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);

	fsm_init(&f, &p);
	FAULT_CLEAR(&f, "link up", T0, &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_INIT);

	start_fsm(&f, &p, T0);
	uint64_t down = f.down_at;
	FAULT_CLEAR(&f, "link up", T0 + CS(100), &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(f.down_at, down);

	uint64_t now = make_master(&f, &p);
	uint64_t adver = f.adver_at;
	FAULT_CLEAR(&f, "link up", now + CS(10), &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ck_assert_uint_eq(f.adver_at, adver);
}
END_TEST

START_TEST(test_shutdown_from_fault)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	uint64_t now = make_master(&f, &p) + CS(30);

	FAULT(&f, "no quorum", now, &o);
	SHUTDOWN(&f, now + CS(10), &o);
	ck_assert_int_eq(f.state, STATE_INIT);
	/* The priority-0 advert went out when the fault began. */
	ck_assert_uint_eq(o.actions & FSM_SEND_PRIO0, 0);
}
END_TEST

/* ====================================================================== */
/* fsm_set_params                                                          */

START_TEST(test_params_master_priority_change_advertises)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	uint64_t now = make_master(&f, &p) + CS(30);

	/* Lowered below a backup's: tell it now so it can preempt. */
	p.priority = 50;
	SET_PARAMS(&f, &p, now, &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ck_assert(!o.changed);
	ck_assert(o.actions & FSM_SEND_ADVERT);
	ck_assert_uint_eq(o.actions & (FSM_DROP_VIPS | FSM_SEND_PRIO0), 0);
	ck_assert_uint_eq(f.p.priority, 50);

	p.priority = 150;
	SET_PARAMS(&f, &p, now + CS(10), &o);
	ck_assert(o.actions & FSM_SEND_ADVERT);
}
END_TEST

START_TEST(test_params_master_same_params_quiet)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	uint64_t now = make_master(&f, &p) + CS(30);

	SET_PARAMS(&f, &p, now, &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_MASTER);
}
END_TEST

START_TEST(test_params_backup_new_skew)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	struct vrrp_advert a = advert(3, 250, 100);
	uint64_t now = T0 + CS(200);

	start_fsm(&f, &p, T0);
	p.priority = 200;
	SET_PARAMS(&f, &p, T0 + CS(100), &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(o.actions, 0);
	ADVERT(&f, &a, "198.51.100.20", now, &o);
	/* 300 + (56 * 100) / 256 = 321, not 360 of the old priority. */
	ck_assert_uint_eq(f.down_at, now + CS(321));
}
END_TEST

START_TEST(test_params_backup_new_priority_compares)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(100);
	struct vrrp_advert a = advert(3, 150, 100);

	start_fsm(&f, &p, T0);
	ADVERT(&f, &a, "198.51.100.20", T0 + CS(100), &o);
	ck_assert_uint_eq(f.down_at, T0 + CS(100) + CS(360));

	/* Now above the master: with preempt, its adverts are discarded. */
	p.priority = 200;
	SET_PARAMS(&f, &p, T0 + CS(150), &o);
	uint64_t down = f.down_at;
	ADVERT(&f, &a, "198.51.100.20", T0 + CS(200), &o);
	ck_assert_uint_eq(f.down_at, down);
	TIMER(&f, down, &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
}
END_TEST

/* ====================================================================== */


/* ====================================================================== */
/* Sync-group helpers                                                      */

START_TEST(test_step_down_from_master)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(150);
	uint64_t now = make_master(&f, &p) + 5;

	fsm_step_down(&f, "sync group g: web left MASTER", now, &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert(o.changed && o.from == STATE_MASTER && o.to == STATE_BACKUP);
	ck_assert_uint_eq(o.actions, FSM_DROP_VIPS | FSM_SEND_PRIO0);
	ck_assert_str_eq(o.reason, "sync group g: web left MASTER");
	ck_assert_uint_eq(f.down_at, now + fsm_master_down_cs(3, 150, 100) * 10000ull);
	ck_assert_uint_eq(f.adver_at, 0);
	fsm_step_down(&f, "again", now, &o); /* only from MASTER */
	ck_assert(!o.changed);
	ck_assert_uint_eq(o.actions, 0);
}
END_TEST

START_TEST(test_defers_to_live_master_only)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(150);
	struct vrrp_advert hi = advert(3, 200, 100), lo = advert(3, 100, 100);
	struct ip_addr src = ip("198.51.100.12");

	start_fsm(&f, &p, T0);
	ck_assert(!fsm_defers_to_master(&f, T0)); /* nobody heard yet */
	fsm_advert(&f, &hi, &src, T0 + 10, &o);
	ck_assert(fsm_defers_to_master(&f, T0 + 10));
	uint64_t mdi = fsm_master_down_cs(3, 150, 100) * 10000ull;
	ck_assert(fsm_defers_to_master(&f, T0 + 10 + mdi - 1));
	ck_assert(!fsm_defers_to_master(&f, T0 + 10 + mdi)); /* master presumed dead */
	fsm_advert(&f, &lo, &src, T0 + 20, &o); /* lower priority: we would preempt */
	ck_assert(!fsm_defers_to_master(&f, T0 + 20));
}
END_TEST

START_TEST(test_hold_rearms_down_timer)
{
	struct fsm f;
	struct fsm_params p = params_v3(150);

	start_fsm(&f, &p, T0);
	uint64_t now = f.down_at;
	fsm_hold(&f, now);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(f.down_at, now + fsm_master_down_cs(3, 150, 100) * 10000ull);
}
END_TEST

START_TEST(test_join_master_unless_deferring)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_v3(150);
	struct vrrp_advert hi = advert(3, 200, 100);
	struct ip_addr src = ip("198.51.100.12");

	start_fsm(&f, &p, T0);
	fsm_advert(&f, &hi, &src, T0 + 10, &o);
	fsm_join_master(&f, "sync group g: db became MASTER", T0 + 20, &o);
	ck_assert_int_eq(f.state, STATE_BACKUP); /* a live higher master wins */
	ck_assert(!o.changed);
	uint64_t later = T0 + 10 + fsm_master_down_cs(3, 150, 100) * 10000ull;
	fsm_join_master(&f, "sync group g: db became MASTER", later, &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT | FSM_TAKE_VIPS);
	ck_assert_uint_eq(f.adver_at, later + 100 * 10000ull);
	ck_assert_uint_eq(f.down_at, 0);
}
END_TEST

/* ====================================================================== */
/* The pause grace: a Master_Down_Timer that fires long after it fell due  */

static struct fsm_params params_grace(uint8_t prio)
{
	struct fsm_params p = params(prio, 3, 10, true, "198.51.100.10");

	p.pause_grace = true;
	return p;
}

/* Priority 100 at 10 cs: Skew_Time 60 ms, so the grace is 100 + 60 ms;
 * a quarter interval (25 ms) late is still on time. */
START_TEST(test_pause_grace_defers_a_late_expiry)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_grace(100);

	start_fsm(&f, &p, T0);
	uint64_t now = f.down_at + MS(700);

	TIMER(&f, now, &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(o.late_us, MS(700));
	ck_assert_uint_eq(o.pause_us, MS(160));
	ck_assert_uint_eq(f.down_at, now + MS(160));
	ck_assert_uint_eq(f.pause_deferrals, 1);

	/* The master is heard within the grace: an ordinary backup again. */
	struct vrrp_advert a = advert(3, 200, 10);

	ADVERT(&f, &a, "198.51.100.20", now + MS(50), &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(f.down_at, now + MS(50) + MS(360));
	ck_assert(!f.pause_deferred);
}
END_TEST

START_TEST(test_pause_grace_once_per_expiry)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_grace(100);

	start_fsm(&f, &p, T0);
	uint64_t now = f.down_at + MS(300);

	TIMER(&f, now, &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	/* Nothing heard; the put-off timer fires late again: take over now. */
	now = f.down_at + MS(300);
	TIMER(&f, now, &o);
	ASSERT_MOVED(o, STATE_BACKUP, STATE_MASTER);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT | FSM_TAKE_VIPS);
	ck_assert_uint_eq(o.pause_us, 0);
	ck_assert_uint_eq(f.pause_deferrals, 1);
}
END_TEST

START_TEST(test_pause_grace_not_for_a_timer_on_time)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_grace(100);

	/* A quarter of the interval late: the loop's own lateness, on time. */
	start_fsm(&f, &p, T0);
	TIMER(&f, f.down_at + MS(25), &o);
	ASSERT_MOVED(o, STATE_BACKUP, STATE_MASTER);
	ck_assert_uint_eq(f.pause_deferrals, 0);

	/* Just over it: put off. */
	start_fsm(&f, &p, T0);
	TIMER(&f, f.down_at + MS(25) + 1, &o);
	ASSERT_NOOP(o);
	ck_assert_uint_eq(f.pause_deferrals, 1);
}
END_TEST

START_TEST(test_pause_grace_off_takes_over_at_once)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_grace(100);

	p.pause_grace = false;

	start_fsm(&f, &p, T0);
	TIMER(&f, f.down_at + MS(5000), &o);
	ASSERT_MOVED(o, STATE_BACKUP, STATE_MASTER);
	ck_assert_uint_eq(o.pause_us, 0);
	ck_assert_uint_eq(f.pause_deferrals, 0);
}
END_TEST

/* Every new silence gets its own grace: an accepted advert or a priority-0
 * advert ends the one under way. */
START_TEST(test_pause_grace_again_after_the_master_was_heard)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_grace(100);
	struct vrrp_advert a = advert(3, 200, 10), bye = advert(3, 0, 10);

	start_fsm(&f, &p, T0);
	uint64_t now = f.down_at + MS(200);

	TIMER(&f, now, &o);
	ADVERT(&f, &a, "198.51.100.20", now + MS(10), &o);
	now = f.down_at + MS(200);
	TIMER(&f, now, &o);
	ASSERT_NOOP(o);
	ck_assert_uint_eq(f.pause_deferrals, 2);

	/* A priority-0 advert: Skew_Time, and a late expiry of it is put off. */
	ADVERT(&f, &bye, "198.51.100.20", now + MS(10), &o);
	ck_assert_uint_eq(f.down_at, now + MS(10) + MS(60));
	now = f.down_at + MS(100);
	TIMER(&f, now, &o);
	ASSERT_NOOP(o);
	ck_assert_uint_eq(f.pause_deferrals, 3);
	TIMER(&f, f.down_at, &o);
	ASSERT_MOVED(o, STATE_BACKUP, STATE_MASTER);
}
END_TEST

START_TEST(test_pause_grace_drained_stays_backup)
{
	struct fsm f;
	struct fsm_out o;
	struct fsm_params p = params_grace(100);

	start_fsm(&f, &p, T0);
	f.drained = true;
	TIMER(&f, f.down_at + MS(700), &o);
	ASSERT_NOOP(o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(f.pause_deferrals, 0);
}
END_TEST

static Suite *fsm_suite(void)
{
	Suite *s = suite_create("fsm");
	TCase *tc;

	tc = tcase_create("timers");
	tcase_add_test(tc, test_skew_values);
	tcase_add_test(tc, test_master_down_values);
	tcase_add_test(tc, test_timer_values_v2);
	tcase_add_test(tc, test_timers_run_the_tested_values);
	tcase_add_test(tc, test_state_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("initialize");
	tcase_add_test(tc, test_init_has_no_timer);
	tcase_add_test(tc, test_startup_non_owner_is_backup);
	tcase_add_test(tc, test_startup_non_owner_prio254);
	tcase_add_test(tc, test_startup_owner_is_master);
	tcase_add_test(tc, test_startup_owner_custom_interval);
	tcase_add_test(tc, test_startup_v2_skew_in_seconds);
	suite_add_tcase(s, tc);

	tc = tcase_create("backup");
	tcase_add_test(tc, test_backup_down_timer_exact);
	tcase_add_test(tc, test_backup_prio0_sets_skew);
	tcase_add_test(tc, test_backup_prio0_skew_uses_learned_interval);
	tcase_add_test(tc, test_backup_prio0_prio254_takes_over_now);
	tcase_add_test(tc, test_backup_higher_prio_learns_interval);
	tcase_add_test(tc, test_backup_learns_from_every_advert);
	tcase_add_test(tc, test_backup_equal_prio_resets);
	tcase_add_test(tc, test_backup_preempt_ignores_lower_prio);
	tcase_add_test(tc, test_backup_no_preempt_lower_prio_resets);
	tcase_add_test(tc, test_backup_v2_does_not_learn_interval);
	tcase_add_test(tc, test_backup_v2_prio0_skew_in_seconds);
	tcase_add_test(tc, test_backup_takeover_uses_local_interval);
	tcase_add_test(tc, test_backup_shutdown);
	suite_add_tcase(s, tc);

	tc = tcase_create("pause_grace");
	tcase_add_test(tc, test_pause_grace_defers_a_late_expiry);
	tcase_add_test(tc, test_pause_grace_once_per_expiry);
	tcase_add_test(tc, test_pause_grace_not_for_a_timer_on_time);
	tcase_add_test(tc, test_pause_grace_off_takes_over_at_once);
	tcase_add_test(tc, test_pause_grace_again_after_the_master_was_heard);
	tcase_add_test(tc, test_pause_grace_drained_stays_backup);
	suite_add_tcase(s, tc);

	tc = tcase_create("preempt_delay");
	tcase_add_test(tc, test_preempt_delay_before_boundary_resets);
	tcase_add_test(tc, test_preempt_delay_at_boundary_ignores);
	tcase_add_test(tc, test_preempt_delay_after_boundary_takes_over);
	tcase_add_test(tc, test_preempt_delay_irrelevant_without_preempt);
	suite_add_tcase(s, tc);

	tc = tcase_create("master");
	tcase_add_test(tc, test_master_adver_timer);
	tcase_add_test(tc, test_master_advert_early_window);
	tcase_add_test(tc, test_master_advert_sent_early);
	tcase_add_test(tc, test_master_prio0_sends_at_once);
	tcase_add_test(tc, test_master_higher_prio_to_backup);
	tcase_add_test(tc, test_master_higher_prio_v2);
	tcase_add_test(tc, test_master_tie_break_v4);
	tcase_add_test(tc, test_master_tie_break_v6);
	tcase_add_test(tc, test_master_lower_prio_asserts_at_once);
	tcase_add_test(tc, test_master_lower_prio_rate_limit);
	tcase_add_test(tc, test_master_lower_prio_leaves_other_rules);
	tcase_add_test(tc, test_master_shutdown);
	tcase_add_test(tc, test_owner_shutdown);
	suite_add_tcase(s, tc);

	tc = tcase_create("fault");
	tcase_add_test(tc, test_fault_from_master);
	tcase_add_test(tc, test_fault_from_backup);
	tcase_add_test(tc, test_fault_from_init);
	tcase_add_test(tc, test_fault_twice_is_quiet);
	tcase_add_test(tc, test_fault_and_init_ignore_adverts);
	tcase_add_test(tc, test_fault_clear_to_backup);
	tcase_add_test(tc, test_fault_clear_forgets_learned_interval);
	tcase_add_test(tc, test_fault_clear_owner_to_master);
	tcase_add_test(tc, test_fault_clear_noop_elsewhere);
	tcase_add_test(tc, test_shutdown_from_fault);
	suite_add_tcase(s, tc);

	tc = tcase_create("params");
	tcase_add_test(tc, test_params_master_priority_change_advertises);
	tcase_add_test(tc, test_params_master_same_params_quiet);
	tcase_add_test(tc, test_params_backup_new_skew);
	tcase_add_test(tc, test_params_backup_new_priority_compares);
	suite_add_tcase(s, tc);

	tc = tcase_create("sync");
	tcase_add_test(tc, test_step_down_from_master);
	tcase_add_test(tc, test_defers_to_live_master_only);
	tcase_add_test(tc, test_hold_rearms_down_timer);
	tcase_add_test(tc, test_join_master_unless_deferring);
	suite_add_tcase(s, tc);

	return s;
}

CLUSTD_TEST_MAIN(fsm_suite)
