/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_group_policy.c - unit tests of the sync-group rules
 * (src/group_policy.c). Members are real state machines (fsm.c) driven
 * with an injected clock: times are plain µs values. */
#include <string.h>

#include "fault.h"
#include "group_policy.h"
#include "testutil.h"

#define T0 1000000000ULL
#define NSTATES 4

static const enum vrrp_state states[NSTATES] = { STATE_INIT, STATE_BACKUP, STATE_MASTER,
						 STATE_FAULT };

static struct fsm_params params(uint8_t prio, bool preempt)
{
	struct fsm_params p;

	memset(&p, 0, sizeof(p));
	p.priority = prio;
	p.version = 3;
	p.adver_int_cs = 100;
	p.preempt = preempt;
	ck_assert(ip_addr_parse("198.51.100.10", &p.primary));
	return p;
}

/* A member in state st (INIT, BACKUP that heard nobody, MASTER, FAULT). */
static void member_in(struct fsm *f, enum vrrp_state st)
{
	struct fsm_params p = params(st == STATE_MASTER ? 255 : 100, true);
	struct fsm_out o;

	fsm_init(f, &p);
	if (st != STATE_INIT)
		fsm_startup(f, T0, &o);
	if (st == STATE_FAULT)
		fsm_fault(f, "test", T0, &o);
	ck_assert_int_eq(f->state, st);
}

/* A BACKUP (priority prio) that heard a master of priority master_prio at
 * T0; returns when its Master_Down_Timer expires. */
static uint64_t backup_hearing(struct fsm *f, uint8_t prio, bool preempt, uint8_t master_prio)
{
	struct fsm_params p = params(prio, preempt);
	struct vrrp_advert adv;
	struct ip_addr src;
	struct fsm_out o;

	fsm_init(f, &p);
	fsm_startup(f, T0, &o);
	memset(&adv, 0, sizeof(adv));
	adv.version = 3;
	adv.type = VRRP_TYPE_ADVERT;
	adv.priority = master_prio;
	adv.interval_cs = 100;
	ck_assert(ip_addr_parse("198.51.100.20", &src));
	fsm_advert(f, &adv, &src, T0, &o);
	ck_assert_int_eq(f->state, STATE_BACKUP);
	ck_assert_uint_gt(f->down_at, T0);
	return f->down_at;
}

/* --- defers ----------------------------------------------------------- */

START_TEST(test_defers_boundary)
{
	struct fsm f[2];
	struct group_member m[2] = { { &f[0], 0 }, { &f[1], 0 } };

	member_in(&f[0], STATE_BACKUP);
	uint64_t down = backup_hearing(&f[1], 100, true, 200);

	/* Member 0 waits for member 1 while 1 still hears its master. */
	ck_assert(group_policy_sibling_defers(m, 2, 0, T0));
	ck_assert(group_policy_sibling_defers(m, 2, 0, down - 1));
	ck_assert(!group_policy_sibling_defers(m, 2, 0, down));
	ck_assert(!group_policy_sibling_defers(m, 2, 0, down + 1));
	/* Its own deference is not a sibling's. */
	ck_assert(!group_policy_sibling_defers(m, 2, 1, T0));
}
END_TEST

/* A sibling defers only to a master it would not preempt. */
START_TEST(test_defers_priority)
{
	struct fsm f[2];
	struct group_member m[2] = { { &f[0], 0 }, { &f[1], 0 } };

	member_in(&f[0], STATE_BACKUP);
	backup_hearing(&f[1], 100, true, 100); /* equal: defers */
	ck_assert(group_policy_sibling_defers(m, 2, 0, T0 + 1));
	backup_hearing(&f[1], 100, true, 99); /* lower, preempt: would take over */
	ck_assert(!group_policy_sibling_defers(m, 2, 0, T0 + 1));
	backup_hearing(&f[1], 100, false, 99); /* lower, no preempt: defers */
	ck_assert(group_policy_sibling_defers(m, 2, 0, T0 + 1));
}
END_TEST

START_TEST(test_defers_states)
{
	struct fsm f[2];
	struct group_member m[2] = { { &f[0], 0 }, { &f[1], 0 } };

	member_in(&f[0], STATE_BACKUP);
	/* A sibling that heard no master, or is not BACKUP, defers to none. */
	for (size_t s = 0; s < NSTATES; s++) {
		member_in(&f[1], states[s]);
		ck_assert(!group_policy_sibling_defers(m, 2, 0, T0 + 1));
	}
	/* No siblings at all. */
	ck_assert(!group_policy_sibling_defers(m, 1, 0, T0));
	ck_assert(!group_policy_sibling_defers(m, 0, 0, T0));
}
END_TEST

/* Any one of several siblings is enough. */
START_TEST(test_defers_any)
{
	struct fsm f[4];
	struct group_member m[4];

	for (size_t i = 0; i < 4; i++) {
		member_in(&f[i], STATE_BACKUP);
		m[i] = (struct group_member){ &f[i], 0 };
	}
	ck_assert(!group_policy_sibling_defers(m, 4, 0, T0 + 1));
	uint64_t down = backup_hearing(&f[3], 100, true, 250);
	ck_assert(group_policy_sibling_defers(m, 4, 0, T0 + 1));
	ck_assert(group_policy_sibling_defers(m, 4, 2, down - 1));
	ck_assert(!group_policy_sibling_defers(m, 4, 3, T0 + 1));
	/* n bounds the look: member 3 outside it is not seen. */
	ck_assert(!group_policy_sibling_defers(m, 3, 0, T0 + 1));
}
END_TEST

/* --- faults ----------------------------------------------------------- */

START_TEST(test_sibling_faulted)
{
	struct fsm f[3];
	struct group_member m[3];

	for (size_t i = 0; i < 3; i++) {
		member_in(&f[i], STATE_BACKUP);
		m[i] = (struct group_member){ &f[i], 0 };
	}
	for (size_t self = 0; self < 3; self++)
		ck_assert(!group_policy_sibling_faulted(m, 3, self));
	m[1].own_faults = FAULT_NO_LINK;
	ck_assert(group_policy_sibling_faulted(m, 3, 0));
	ck_assert(!group_policy_sibling_faulted(m, 3, 1)); /* its own fault is not a sibling's */
	ck_assert(group_policy_sibling_faulted(m, 3, 2));
	/* Only own faults count: FAULT_GROUP is never an input here, and a
	 * member's state (even FAULT) does not count either. */
	m[1].own_faults = 0;
	member_in(&f[1], STATE_FAULT);
	ck_assert(!group_policy_sibling_faulted(m, 3, 0));
	/* Every own fault kind counts. */
	static const unsigned bits[] = { FAULT_NO_LINK, FAULT_NO_ADDR, FAULT_NO_QUORUM,
					 FAULT_TRACK, FAULT_VMAC };
	for (size_t i = 0; i < 5; i++) {
		m[2].own_faults = bits[i];
		ck_assert(group_policy_sibling_faulted(m, 3, 0));
		ck_assert(!group_policy_sibling_faulted(m, 3, 2));
		ck_assert(!group_policy_sibling_faulted(m, 2, 0)); /* outside n */
	}
}
END_TEST

/* --- group state -------------------------------------------------------- */

START_TEST(test_state_pairs)
{
	struct fsm f[2];
	struct group_member m[2] = { { &f[0], 0 }, { &f[1], 0 } };

	for (size_t a = 0; a < NSTATES; a++) {
		for (size_t b = 0; b < NSTATES; b++) {
			enum vrrp_state want;

			member_in(&f[0], states[a]);
			member_in(&f[1], states[b]);
			if (states[a] == STATE_FAULT || states[b] == STATE_FAULT)
				want = STATE_FAULT;
			else if (states[a] == states[b] && states[a] != STATE_BACKUP)
				want = states[a]; /* all INIT, all MASTER */
			else
				want = STATE_BACKUP;
			ck_assert_msg(group_policy_state(m, 2) == want, "%s + %s",
				      vrrp_state_name(states[a]), vrrp_state_name(states[b]));
		}
	}
}
END_TEST

START_TEST(test_state_edges)
{
	struct fsm f[3];
	struct group_member m[3] = { { &f[0], 0 }, { &f[1], 0 }, { &f[2], 0 } };

	ck_assert_int_eq(group_policy_state(m, 0), STATE_INIT); /* no members */
	for (size_t s = 0; s < NSTATES; s++) {
		member_in(&f[0], states[s]);
		ck_assert_int_eq(group_policy_state(m, 1), states[s]); /* one member: its state */
	}
	member_in(&f[0], STATE_MASTER);
	member_in(&f[1], STATE_MASTER);
	member_in(&f[2], STATE_INIT);
	ck_assert_int_eq(group_policy_state(m, 2), STATE_MASTER);
	ck_assert_int_eq(group_policy_state(m, 3), STATE_BACKUP); /* one still starting */
	member_in(&f[2], STATE_FAULT);
	ck_assert_int_eq(group_policy_state(m, 3), STATE_FAULT); /* FAULT wins, last or first */
	/* Own faults without a FAULT state do not make the group FAULT. */
	member_in(&f[2], STATE_MASTER);
	m[2].own_faults = FAULT_TRACK;
	ck_assert_int_eq(group_policy_state(m, 3), STATE_MASTER);
}
END_TEST

START_TEST(test_notify_due)
{
	for (size_t a = 0; a < NSTATES; a++) {
		for (size_t b = 0; b < NSTATES; b++) {
			bool changed = a != b;

			ck_assert(group_policy_notify_due(states[a], states[b], false) == changed);
			/* Stopping: only reaching INIT is news. */
			ck_assert(group_policy_notify_due(states[a], states[b], true) ==
				  (changed && states[a] == STATE_INIT));
		}
	}
}
END_TEST

/* --- following -------------------------------------------------------- */

START_TEST(test_follow_table)
{
	for (size_t f = 0; f < NSTATES; f++) {
		for (size_t t = 0; t < NSTATES; t++) {
			for (size_t o = 0; o < NSTATES; o++) {
				enum vrrp_state from = states[f], to = states[t], other = states[o];
				enum group_follow want = GROUP_FOLLOW_NONE;

				if (from == STATE_MASTER && to == STATE_BACKUP && other == STATE_MASTER)
					want = GROUP_FOLLOW_STEP_DOWN;
				else if (to == STATE_MASTER && other == STATE_BACKUP)
					want = GROUP_FOLLOW_JOIN_MASTER;
				ck_assert_msg(group_policy_follow(from, to, other) == want,
					      "%s -> %s, other %s", vrrp_state_name(from),
					      vrrp_state_name(to), vrrp_state_name(other));
			}
		}
	}
}
END_TEST

/* The rules that matter, spelled out. */
START_TEST(test_follow_rules)
{
	/* Leaving MASTER for BACKUP pulls the other masters down ... */
	ck_assert_int_eq(group_policy_follow(STATE_MASTER, STATE_BACKUP, STATE_MASTER),
			 GROUP_FOLLOW_STEP_DOWN);
	/* ... but not for FAULT (the fault reaches them as FAULT_GROUP) or INIT. */
	ck_assert_int_eq(group_policy_follow(STATE_MASTER, STATE_FAULT, STATE_MASTER),
			 GROUP_FOLLOW_NONE);
	ck_assert_int_eq(group_policy_follow(STATE_MASTER, STATE_INIT, STATE_MASTER),
			 GROUP_FOLLOW_NONE);
	/* Becoming MASTER pulls up backups, from whatever state it came. */
	ck_assert_int_eq(group_policy_follow(STATE_BACKUP, STATE_MASTER, STATE_BACKUP),
			 GROUP_FOLLOW_JOIN_MASTER);
	ck_assert_int_eq(group_policy_follow(STATE_INIT, STATE_MASTER, STATE_BACKUP),
			 GROUP_FOLLOW_JOIN_MASTER);
	ck_assert_int_eq(group_policy_follow(STATE_FAULT, STATE_MASTER, STATE_BACKUP),
			 GROUP_FOLLOW_JOIN_MASTER);
	/* Members in FAULT or INIT are never pulled up. */
	ck_assert_int_eq(group_policy_follow(STATE_BACKUP, STATE_MASTER, STATE_FAULT),
			 GROUP_FOLLOW_NONE);
	ck_assert_int_eq(group_policy_follow(STATE_BACKUP, STATE_MASTER, STATE_INIT),
			 GROUP_FOLLOW_NONE);
	/* BACKUP -> BACKUP (no move) and a backup leaving for FAULT: nothing. */
	ck_assert_int_eq(group_policy_follow(STATE_BACKUP, STATE_FAULT, STATE_MASTER),
			 GROUP_FOLLOW_NONE);
	ck_assert_int_eq(group_policy_follow(STATE_INIT, STATE_BACKUP, STATE_MASTER),
			 GROUP_FOLLOW_NONE);
}
END_TEST

START_TEST(test_follow_reason)
{
	char buf[160], small[12];

	group_policy_follow_reason("web", "vi_1", STATE_BACKUP, buf, sizeof(buf));
	ck_assert_str_eq(buf, "sync group web: vi_1 became BACKUP");
	group_policy_follow_reason("db", "vi_6", STATE_MASTER, buf, sizeof(buf));
	ck_assert_str_eq(buf, "sync group db: vi_6 became MASTER");
	group_policy_follow_reason("db", "vi_6", STATE_FAULT, buf, sizeof(buf));
	ck_assert_str_eq(buf, "sync group db: vi_6 became FAULT");
	memset(small, 'x', sizeof(small));
	group_policy_follow_reason("db", "vi_6", STATE_INIT, small, sizeof(small));
	ck_assert_str_eq(small, "sync group ");
}
END_TEST

static Suite *group_policy_suite(void)
{
	Suite *s = suite_create("group_policy");
	TCase *defers = tcase_create("defers");
	TCase *state = tcase_create("state");
	TCase *follow = tcase_create("follow");

	tcase_add_test(defers, test_defers_boundary);
	tcase_add_test(defers, test_defers_priority);
	tcase_add_test(defers, test_defers_states);
	tcase_add_test(defers, test_defers_any);
	tcase_add_test(defers, test_sibling_faulted);
	suite_add_tcase(s, defers);

	tcase_add_test(state, test_state_pairs);
	tcase_add_test(state, test_state_edges);
	tcase_add_test(state, test_notify_due);
	suite_add_tcase(s, state);

	tcase_add_test(follow, test_follow_table);
	tcase_add_test(follow, test_follow_rules);
	tcase_add_test(follow, test_follow_reason);
	suite_add_tcase(s, follow);
	return s;
}

CLUSTD_TEST_MAIN(group_policy_suite)
