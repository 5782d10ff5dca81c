/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_fsm_votes.c - the state machine's vote gate (fsm.h): with the gate
 * on, no way into MASTER bypasses the votes. Injected clock, µs. */
#include "fsm_testutil.h"

static struct fsm gated(uint8_t prio)
{
	return started(prio, true);
}

/* Runs the Master_Down_Timer out: a candidate, still BACKUP, no timer. */
static void expire(struct fsm *f, struct fsm_out *o)
{
	uint64_t at = fsm_next_deadline(f);

	ck_assert_uint_ne(at, 0);
	fsm_timer(f, at, o);
}

START_TEST(test_master_down_makes_a_candidate)
{
	struct fsm f = gated(100);
	struct fsm_out o;

	expire(&f, &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert(f.candidate);
	ck_assert(!o.changed);
	ck_assert_uint_eq(o.actions, 0);
	ck_assert_uint_eq(fsm_next_deadline(&f), 0);
	ck_assert_ptr_nonnull(strstr(f.candidate_why, "master down timer expired"));
}
END_TEST

START_TEST(test_votes_won_enters_master)
{
	struct fsm f = gated(100);
	struct fsm_out o;

	expire(&f, &o);
	fsm_votes_won(&f, "2 of 3 votes", T0 + MS(5000), &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ck_assert(!f.candidate);
	ck_assert(o.changed && o.from == STATE_BACKUP && o.to == STATE_MASTER);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT | FSM_TAKE_VIPS);
	ck_assert_ptr_nonnull(strstr(o.reason, "master down timer expired"));
	ck_assert_ptr_nonnull(strstr(o.reason, "2 of 3 votes"));
	ck_assert_uint_eq(fsm_next_deadline(&f), T0 + MS(5000) + MS(1000));
}
END_TEST

START_TEST(test_votes_won_needs_a_candidate)
{
	struct fsm f = gated(100);
	struct fsm_out o;

	fsm_votes_won(&f, "2 of 3 votes", T0, &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert(!o.changed);
	ck_assert_uint_eq(o.actions, 0);
}
END_TEST

START_TEST(test_candidate_yields_to_a_better_master)
{
	struct fsm f = gated(100);
	struct vrrp_advert a = advert(150);
	struct ip_addr src = ip("198.51.100.20");
	struct fsm_out o;

	expire(&f, &o);
	fsm_advert(&f, &a, &src, T0 + MS(4000), &o);
	ck_assert(!f.candidate);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_gt(fsm_next_deadline(&f), T0 + MS(4000));
}
END_TEST

START_TEST(test_candidate_keeps_asking_against_a_lower_master)
{
	struct fsm f = gated(200);
	struct vrrp_advert a = advert(100);
	struct ip_addr src = ip("198.51.100.20");
	struct fsm_out o;

	expire(&f, &o);
	fsm_advert(&f, &a, &src, T0 + MS(4000), &o);
	ck_assert(f.candidate);
	ck_assert_uint_eq(fsm_next_deadline(&f), 0);
}
END_TEST

START_TEST(test_candidate_ignores_priority_zero)
{
	struct fsm f = gated(100);
	struct vrrp_advert a = advert(0);
	struct ip_addr src = ip("198.51.100.20");
	struct fsm_out o;

	expire(&f, &o);
	fsm_advert(&f, &a, &src, T0 + MS(4000), &o);
	ck_assert(f.candidate);
	ck_assert_uint_eq(fsm_next_deadline(&f), 0);
}
END_TEST

START_TEST(test_owner_waits_for_votes)
{
	struct fsm f = gated(255);
	struct fsm_out o;

	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert(f.candidate);
	ck_assert_uint_eq(fsm_next_deadline(&f), 0);
	fsm_votes_won(&f, "2 of 3 votes", T0 + MS(1), &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ck_assert_ptr_nonnull(strstr(o.reason, "address owner"));
}
END_TEST

START_TEST(test_votes_lost_releases)
{
	struct fsm f = gated(100);
	struct fsm_out o;

	expire(&f, &o);
	fsm_votes_won(&f, "2 of 3 votes", T0 + MS(5000), &o);
	fsm_votes_lost(&f, "the votes ran out", T0 + MS(6000), &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert(!f.candidate);
	ck_assert_uint_eq(o.actions, FSM_DROP_VIPS | FSM_SEND_PRIO0);
	ck_assert_str_eq(o.reason, "the votes ran out");
	ck_assert_uint_gt(fsm_next_deadline(&f), T0 + MS(6000));
	fsm_votes_lost(&f, "again", T0 + MS(6001), &o);
	ck_assert(!o.changed);
}
END_TEST

START_TEST(test_withdraw_rearms)
{
	struct fsm f = gated(100);
	struct fsm_out o;

	expire(&f, &o);
	fsm_withdraw(&f, T0 + MS(4000));
	ck_assert(!f.candidate);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert_uint_gt(fsm_next_deadline(&f), T0 + MS(4000));
	fsm_votes_won(&f, "2 of 3 votes", T0 + MS(4001), &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
}
END_TEST

START_TEST(test_gate_off_takes_over_at_once)
{
	struct fsm f = gated(100);
	struct fsm_out o;

	expire(&f, &o);
	fsm_set_vote_gate(&f, false, T0 + MS(4000), &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ck_assert_uint_eq(o.actions, FSM_SEND_ADVERT | FSM_TAKE_VIPS);
}
END_TEST

START_TEST(test_fault_ends_candidacy)
{
	struct fsm f = gated(100);
	struct fsm_out o;

	expire(&f, &o);
	fsm_fault(&f, "no quorum", T0 + MS(4000), &o);
	ck_assert_int_eq(f.state, STATE_FAULT);
	ck_assert(!f.candidate);
	fsm_votes_won(&f, "2 of 3 votes", T0 + MS(4001), &o);
	ck_assert_int_eq(f.state, STATE_FAULT);
}
END_TEST

START_TEST(test_sync_group_join_is_gated)
{
	struct fsm f = gated(100);
	struct fsm_out o;

	fsm_join_master(&f, "sync group web-db: sibling db became MASTER", T0 + MS(10), &o);
	ck_assert_int_eq(f.state, STATE_BACKUP);
	ck_assert(f.candidate);
	ck_assert_uint_eq(o.actions, 0);
}
END_TEST

START_TEST(test_no_gate_is_plain_vrrp)
{
	struct fsm f = gated(100);
	struct fsm_out o;

	f.vote_gate = false;
	expire(&f, &o);
	ck_assert_int_eq(f.state, STATE_MASTER);
	ck_assert(!f.candidate);
}
END_TEST

static Suite *fsm_votes_suite(void)
{
	Suite *s = suite_create("fsm_votes");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_master_down_makes_a_candidate);
	tcase_add_test(tc, test_votes_won_enters_master);
	tcase_add_test(tc, test_votes_won_needs_a_candidate);
	tcase_add_test(tc, test_candidate_yields_to_a_better_master);
	tcase_add_test(tc, test_candidate_keeps_asking_against_a_lower_master);
	tcase_add_test(tc, test_candidate_ignores_priority_zero);
	tcase_add_test(tc, test_owner_waits_for_votes);
	tcase_add_test(tc, test_votes_lost_releases);
	tcase_add_test(tc, test_withdraw_rearms);
	tcase_add_test(tc, test_gate_off_takes_over_at_once);
	tcase_add_test(tc, test_fault_ends_candidacy);
	tcase_add_test(tc, test_sync_group_join_is_gated);
	tcase_add_test(tc, test_no_gate_is_plain_vrrp);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(fsm_votes_suite)
