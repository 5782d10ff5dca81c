/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_fsm_handover.c - the state machine's part of a planned handover
 * (fsm.h): the successor becomes a candidate at once (fsm_take_over), the
 * master steps down and does not preempt back (fsm_hand_over, yielded),
 * and a drained instance never becomes MASTER by any way in. Injected
 * clock, µs. */
#include "fsm_testutil.h"

static void hear(struct fsm *f, uint8_t prio, uint64_t now)
{
	struct vrrp_advert a = advert(prio);
	struct ip_addr src = ip("198.51.100.20");
	struct fsm_out o;

	fsm_advert(f, &a, &src, now, &o);
}

/* A master for the tests: gate off, owner-less, MASTER by its timer. */
static struct fsm master(uint8_t prio, bool gate)
{
	struct fsm f = started(prio, gate);
	struct fsm_out o;

	fsm_timer(&f, fsm_next_deadline(&f), &o);
	if (gate)
		fsm_votes_won(&f, "2 of 3 votes", T0 + MS(4000), &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	return f;
}

/* The successor, with the gate on: a candidate at once, whatever its
 * priority and the master's adverts, MASTER when the votes are won. */
START_TEST(test_take_over_gated)
{
	struct fsm f = started(100, true);
	struct fsm_out o;

	hear(&f, 200, T0 + MS(100)); /* a live, better master */
	ck_assert_uint_gt(fsm_next_deadline(&f), T0 + MS(3000));
	fsm_take_over(&f, "n1 hands over to us", T0 + MS(200), &o);
	ck_assert(!o.changed);
	ck_assert_uint_eq(o.actions, 0);
	ck_assert(f.candidate && f.taking_over);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_eq(fsm_next_deadline(&f), 0);
	/* The master's next advert (it has not seen our request yet) does
	 * not end the candidacy, unlike any other candidate's. */
	hear(&f, 200, T0 + MS(201));
	ck_assert(f.candidate && f.taking_over);
	ck_assert_uint_eq(fsm_next_deadline(&f), 0);
	hear(&f, 0, T0 + MS(202)); /* its priority-0 advert */
	ck_assert(f.candidate);
	ck_assert_uint_eq(fsm_next_deadline(&f), 0);
	fsm_votes_won(&f, "2 of 3 votes", T0 + MS(203), &o);
	ck_assert(o.changed && o.to == STATE_MASTER);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT | FSM_TAKE_VIPS);
	ck_assert_ptr_nonnull(strstr(o.reason, "n1 hands over to us (2 of 3 votes)"));
	ck_assert(!f.candidate && !f.taking_over);
}
END_TEST

START_TEST(test_take_over_ungated)
{
	struct fsm f = started(100, false);
	struct fsm_out o;

	hear(&f, 200, T0 + MS(100));
	fsm_take_over(&f, "n1 hands over to us", T0 + MS(200), &o);
	ck_assert(o.changed && o.from == STATE_BACKUP && o.to == STATE_MASTER);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT | FSM_TAKE_VIPS);
	ck_assert_uint_eq(fsm_next_deadline(&f), T0 + MS(200) + MS(1000));
}
END_TEST

START_TEST(test_take_over_refused)
{
	struct fsm_out o;
	struct fsm f = master(100, true);

	fsm_take_over(&f, "x", T0 + MS(5000), &o); /* MASTER already */
	ck_assert(!o.changed && !f.candidate);
	f = started(100, true);
	fsm_fault(&f, "link down", T0 + MS(1), &o);
	fsm_take_over(&f, "x", T0 + MS(2), &o);
	ck_assert(!o.changed && !f.candidate);
	ck_assert_int_eq(f.state, STATE_FAULT);
	f = started(100, false);
	fsm_set_drained(&f, true, T0 + MS(1));
	fsm_take_over(&f, "x", T0 + MS(2), &o);
	ck_assert(!o.changed && !f.candidate);
	ck_assert_int_eq(f.state, STATE_BACKUP);
}
END_TEST

/* A candidate already (its timer ran out) keeps asking, now for the
 * handover: the master's adverts no longer end it. */
START_TEST(test_take_over_a_candidate)
{
	struct fsm f = started(100, true);
	struct fsm_out o;

	fsm_timer(&f, fsm_next_deadline(&f), &o);
	ck_assert(f.candidate && !f.taking_over);
	fsm_take_over(&f, "n1 hands over to us", T0 + MS(4000), &o);
	ck_assert(!o.changed);
	ck_assert(f.candidate && f.taking_over);
	hear(&f, 200, T0 + MS(4001));
	ck_assert(f.candidate);
}
END_TEST

/* A candidacy given up (the announcement stopped) is a plain BACKUP. */
START_TEST(test_take_over_withdrawn)
{
	struct fsm f = started(100, true);
	struct fsm_out o;

	fsm_take_over(&f, "n1 hands over to us", T0 + MS(200), &o);
	fsm_withdraw(&f, T0 + MS(300));
	ck_assert(!f.candidate && !f.taking_over);
	ck_assert_uint_gt(fsm_next_deadline(&f), T0 + MS(300));
	/* A better master's advert now ends nothing and re-arms the timer. */
	hear(&f, 200, T0 + MS(400));
	ck_assert_uint_gt(fsm_next_deadline(&f), T0 + MS(3400));
}
END_TEST

/* The master hands over and does not take the instance back by
 * preemption from a lower-priority successor. */
START_TEST(test_hand_over_no_preempting_back)
{
	struct fsm f = master(200, true);
	struct fsm_out o;
	uint64_t t = T0 + MS(6000);

	fsm_hand_over(&f, "handing over to n2", t, &o);
	ck_assert(o.changed && o.from == STATE_MASTER && o.to == STATE_BACKUP);
	ck_assert_uint_eq(o.actions, FSM_DROP_VIPS | FSM_SEND_PRIO0);
	ck_assert(f.yielded);
	/* n2 (priority 100) is master now: its adverts keep our timer from
	 * running out, for as long as they come. */
	for (int i = 1; i <= 50; i++) {
		hear(&f, 100, t + MS(1000) * (uint64_t)i);
		fsm_timer(&f, t + MS(1000) * (uint64_t)i + MS(10), &o);
		ck_assert(!f.candidate);
		ck_assert_int_eq(f.state, STATE_BACKUP);
	}
	/* Positive control: without yielded, the same adverts are preempted. */
	fsm_set_yielded(&f, false);
	uint64_t u = t + MS(60000);
	hear(&f, 100, u);
	fsm_timer(&f, fsm_next_deadline(&f), &o);
	ck_assert(f.candidate);
}
END_TEST

/* Yielded ends when the node is master again (a failover when the
 * successor died, a handover back). */
START_TEST(test_yielded_ends_as_master)
{
	struct fsm f = master(200, false);
	struct fsm_out o;
	uint64_t t = T0 + MS(6000);

	fsm_hand_over(&f, "handing over to n2", t, &o);
	ck_assert(f.yielded);
	hear(&f, 100, t + MS(10));
	/* n2 dies: no adverts, our timer runs out: MASTER (no preemption). */
	fsm_timer(&f, fsm_next_deadline(&f), &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ck_assert(!f.yielded);
	/* Not MASTER, nothing changes: not yielded. */
	f = started(100, false);
	fsm_hand_over(&f, "x", T0 + MS(1), &o);
	ck_assert(!o.changed && !f.yielded);
}
END_TEST

/* Drained: no way into MASTER, with the gate or without. */
START_TEST(test_drained_never_master)
{
	for (int gate = 0; gate <= 1; gate++) {
		struct fsm f = started(100, gate);
		struct fsm_out o;

		fsm_set_drained(&f, true, T0);
		/* The timer runs out again and again: BACKUP, watching. */
		for (int i = 0; i < 5; i++) {
			uint64_t at = fsm_next_deadline(&f);
			ck_assert_uint_ne(at, 0);
			fsm_timer(&f, at, &o);
			ck_assert(!o.changed && !f.candidate);
			ck_assert_int_eq(f.state, STATE_BACKUP);
		}
		fsm_join_master(&f, "a sibling became master", T0 + MS(30000), &o);
		ck_assert(!o.changed && !f.candidate);
		hear(&f, 0, T0 + MS(30001)); /* a master leaving */
		fsm_timer(&f, fsm_next_deadline(&f), &o);
		ck_assert_int_eq(f.state, STATE_BACKUP);
		/* Undrained: the next expiry may take over. */
		fsm_set_drained(&f, false, T0 + MS(40000));
		fsm_timer(&f, fsm_next_deadline(&f), &o);
		ck_assert(gate ? f.candidate : f.state == STATE_MASTER);
	}
}
END_TEST

START_TEST(test_drained_owner_waits)
{
	struct fsm f;
	struct fsm_params p = {.priority = 255, .version = 3, .adver_int_cs = 100,
			       .primary = ip("198.51.100.10")};
	struct fsm_out o;

	fsm_init(&f, &p);
	f.drained = true; /* loaded from state_dir before the start */
	fsm_startup(&f, T0, &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert(!f.candidate);
	ck_assert_uint_eq(o.actions, 0);
	ck_assert_uint_ne(fsm_next_deadline(&f), 0);
}
END_TEST

START_TEST(test_drain_ends_a_candidacy)
{
	struct fsm f = started(100, true);
	struct fsm_out o;

	fsm_timer(&f, fsm_next_deadline(&f), &o);
	ck_assert(f.candidate);
	fsm_set_drained(&f, true, T0 + MS(5000));
	ck_assert(!f.candidate);
	ck_assert_uint_ne(fsm_next_deadline(&f), 0);
	fsm_votes_won(&f, "2 of 3 votes", T0 + MS(5001), &o);
	ck_assert(!o.changed);
	/* A drained MASTER stays (the glue hands over first). */
	f = master(100, false);
	fsm_set_drained(&f, true, T0 + MS(5000));
	ck_assert_int_eq(f.state, STATE_MASTER);
}
END_TEST

static Suite *fsm_handover_suite(void)
{
	Suite *s = suite_create("fsm_handover");
	TCase *tc = tcase_create("handover");

	tcase_add_test(tc, test_take_over_gated);
	tcase_add_test(tc, test_take_over_ungated);
	tcase_add_test(tc, test_take_over_refused);
	tcase_add_test(tc, test_take_over_a_candidate);
	tcase_add_test(tc, test_take_over_withdrawn);
	tcase_add_test(tc, test_hand_over_no_preempting_back);
	tcase_add_test(tc, test_yielded_ends_as_master);
	tcase_add_test(tc, test_drained_never_master);
	tcase_add_test(tc, test_drained_owner_waits);
	tcase_add_test(tc, test_drain_ends_a_candidacy);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(fsm_handover_suite)
