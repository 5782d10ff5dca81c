/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_holdback.c - unit tests of the VIP hold-back of a new master
 * (src/holdback.c), over a real membership (src/quorum.c) fed with
 * heartbeats. The clock is injected: times are plain µs values. */
#include <stdio.h>
#include <string.h>

#include "fsm.h"
#include "holdback.h"
#include "testutil.h"

#define T0 1000000000ULL     /* an arbitrary monotonic start */
#define HB_MS 100
#define DEAD_MS 300
#define SLACK_MS 50
#define NONCE 0x5eed5eed5eedULL /* ours: what a live member echoes */
#define RELEASE_US ((uint64_t)(HB_MS + DEAD_MS + SLACK_MS) * 1000)

static const char *const names[] = { "n1", "n2", "n3", "n4" };

/* Each sender's heartbeats count up, as quorum_heard() requires. */
static uint64_t next_seq;

static void quorum_up(struct quorum *q)
{
	ck_assert_int_eq(quorum_init(q, names, 4, "n1", 0, DEAD_MS, NONCE), 0);
	next_seq = 1;
}

/* Member `node` is heard at `now`, reporting instance `inst` in `state`
 * (inst NULL: a heartbeat that lists no instance). */
static void heard(struct quorum *q, const char *node, const char *inst, enum vrrp_state state,
		  uint64_t now)
{
	static struct heartbeat hb;

	memset(&hb, 0, sizeof(hb));
	snprintf(hb.node, sizeof(hb.node), "%s", node);
	hb.kind = HB_KIND_HEARTBEAT;
	hb.incarnation = 1;
	hb.necho = 1; /* it hears us: a fresh exchange */
	hb.echo[0] = NONCE;
	hb.seq = next_seq++;
	if (inst) {
		hb.ninstances = 1;
		snprintf(hb.instances[0].name, sizeof(hb.instances[0].name), "%s", inst);
		hb.instances[0].state = (uint8_t)state;
	}
	ck_assert_int_eq(quorum_heard(q, &hb, NULL, now, UINT64_MAX - 1), HB_OK);
}

/* Asserts the verdict for `inst` at `now`: clear, or held back by
 * `holder` until `until`. */
static void expect(const struct quorum *q, const char *inst, uint64_t now, const char *holder,
		   uint64_t until)
{
	uint64_t recheck_at = 12345;
	const char *who = "unset";
	bool clear = holdback_clear(q, inst, RELEASE_US, now, &recheck_at, &who);

	if (!holder) {
		ck_assert_msg(clear, "%s at T0%+lld: held back by %s", inst,
			      (long long)(now - T0), who);
		ck_assert_uint_eq(recheck_at, 12345); /* untouched when clear */
		ck_assert_str_eq(who, "unset");
		return;
	}
	ck_assert_msg(!clear, "%s at T0%+lld: clear, expected held back by %s", inst,
		      (long long)(now - T0), holder);
	ck_assert_str_eq(who, holder);
	ck_assert_uint_eq(recheck_at, until);
}

START_TEST(test_release_bound)
{
	ck_assert_uint_eq(holdback_release_us(HB_MS, DEAD_MS, SLACK_MS), 450000);
	ck_assert_uint_eq(holdback_release_us(0, 0, 0), 0);
	ck_assert_uint_eq(holdback_release_us(1, 0, 0), 1000);
	ck_assert_uint_eq(holdback_release_us(0, 1, 0), 1000);
	ck_assert_uint_eq(holdback_release_us(0, 0, 1), 1000);
	/* Summed in 64 bits: no wrap even at the type's limits. */
	ck_assert_uint_eq(holdback_release_us(UINT32_MAX, UINT32_MAX, UINT32_MAX),
			  3ull * UINT32_MAX * 1000);
}
END_TEST

START_TEST(test_reports_master)
{
	static struct heartbeat hb;

	memset(&hb, 0, sizeof(hb));
	ck_assert(!holdback_reports_master(&hb, "web"));
	hb.ninstances = 3;
	strcpy(hb.instances[0].name, "db");
	hb.instances[0].state = STATE_BACKUP;
	strcpy(hb.instances[1].name, "web");
	hb.instances[1].state = STATE_MASTER;
	strcpy(hb.instances[2].name, "dns");
	hb.instances[2].state = STATE_FAULT;
	ck_assert(holdback_reports_master(&hb, "web"));
	ck_assert(!holdback_reports_master(&hb, "db"));
	ck_assert(!holdback_reports_master(&hb, "dns"));
	/* Names match whole, not by prefix. */
	ck_assert(!holdback_reports_master(&hb, "we"));
	ck_assert(!holdback_reports_master(&hb, "web2"));
	ck_assert(!holdback_reports_master(&hb, ""));
	/* Entries past ninstances are not looked at. */
	hb.ninstances = 1;
	ck_assert(!holdback_reports_master(&hb, "web"));
}
END_TEST

START_TEST(test_nobody_heard_is_clear)
{
	struct quorum q;

	quorum_up(&q);
	expect(&q, "web", T0, NULL, 0);
	expect(&q, "web", 0, NULL, 0);
	quorum_free(&q);
}
END_TEST

/* Held back up to the last µs of the window, clear from its end on. */
START_TEST(test_window_boundary_to_the_us)
{
	struct quorum q;

	quorum_up(&q);
	heard(&q, "n2", "web", STATE_MASTER, T0);
	expect(&q, "web", T0, "n2", T0 + RELEASE_US);
	expect(&q, "web", T0 + 1, "n2", T0 + RELEASE_US);
	expect(&q, "web", T0 + RELEASE_US - 1, "n2", T0 + RELEASE_US);
	expect(&q, "web", T0 + RELEASE_US, NULL, 0);
	expect(&q, "web", T0 + RELEASE_US + 1, NULL, 0);
	quorum_free(&q);
}
END_TEST

/* Every heartbeat that still says MASTER starts the window again. */
START_TEST(test_each_master_heartbeat_extends)
{
	struct quorum q;

	quorum_up(&q);
	heard(&q, "n2", "web", STATE_MASTER, T0);
	heard(&q, "n2", "web", STATE_MASTER, T0 + 100000);
	expect(&q, "web", T0 + RELEASE_US, "n2", T0 + 100000 + RELEASE_US);
	expect(&q, "web", T0 + 100000 + RELEASE_US - 1, "n2", T0 + 100000 + RELEASE_US);
	expect(&q, "web", T0 + 100000 + RELEASE_US, NULL, 0);
	quorum_free(&q);
}
END_TEST

/* The window outlasts the member's death (dead interval < release bound):
 * a member we stopped hearing may still hold the VIPs. */
START_TEST(test_dead_member_still_holds_back)
{
	struct quorum q;
	uint64_t after_death = T0 + (uint64_t)DEAD_MS * 1000 + 1;

	quorum_up(&q);
	heard(&q, "n3", "web", STATE_MASTER, T0);
	ck_assert(!quorum_member_alive(&q, &q.members[2], after_death));
	expect(&q, "web", after_death, "n3", T0 + RELEASE_US);
	quorum_free(&q);
}
END_TEST

/* A member that says BACKUP (preempted) or FAULT, or no longer lists the
 * instance, has released it: clear at once, window or not. */
START_TEST(test_member_stopped_reporting_master)
{
	static const enum vrrp_state released[] = { STATE_BACKUP, STATE_FAULT, STATE_INIT };
	struct quorum q;

	for (size_t i = 0; i < sizeof(released) / sizeof(released[0]); i++) {
		quorum_up(&q);
		heard(&q, "n2", "web", STATE_MASTER, T0);
		expect(&q, "web", T0 + 1000, "n2", T0 + RELEASE_US);
		heard(&q, "n2", "web", released[i], T0 + 2000);
		expect(&q, "web", T0 + 2000, NULL, 0);
		/* And MASTER again holds back again, from its new heartbeat. */
		heard(&q, "n2", "web", STATE_MASTER, T0 + 3000);
		expect(&q, "web", T0 + 3000, "n2", T0 + 3000 + RELEASE_US);
		quorum_free(&q);
	}
	quorum_up(&q);
	heard(&q, "n2", "web", STATE_MASTER, T0);
	heard(&q, "n2", NULL, STATE_INIT, T0 + 2000);
	expect(&q, "web", T0 + 2000, NULL, 0);
	quorum_free(&q);
}
END_TEST

/* Only the instance asked about counts; a MASTER of another is no reason. */
START_TEST(test_other_or_unknown_instance)
{
	struct quorum q;

	quorum_up(&q);
	heard(&q, "n2", "db", STATE_MASTER, T0);
	expect(&q, "web", T0, NULL, 0);
	expect(&q, "nosuch", T0, NULL, 0);
	expect(&q, "db", T0, "n2", T0 + RELEASE_US);
	quorum_free(&q);
}
END_TEST

/* Several members: the first in membership order that is still inside its
 * window is named, with its own deadline; the next takes over when it
 * ends; clear only when every window ended. */
START_TEST(test_several_members)
{
	struct quorum q;
	uint64_t t3 = T0 + 1000, t4 = T0 + 200000;

	quorum_up(&q);
	heard(&q, "n4", "web", STATE_MASTER, t4);
	heard(&q, "n3", "web", STATE_MASTER, t3);
	heard(&q, "n2", "web", STATE_BACKUP, t4); /* a member that released it */
	expect(&q, "web", t4, "n3", t3 + RELEASE_US);
	expect(&q, "web", t3 + RELEASE_US - 1, "n3", t3 + RELEASE_US);
	expect(&q, "web", t3 + RELEASE_US, "n4", t4 + RELEASE_US);
	expect(&q, "web", t4 + RELEASE_US - 1, "n4", t4 + RELEASE_US);
	expect(&q, "web", t4 + RELEASE_US, NULL, 0);
	quorum_free(&q);
}
END_TEST

/* Our own record never holds us back (quorum_heard() refuses our own
 * heartbeats, so it is set by hand here). */
START_TEST(test_self_never_holds_back)
{
	struct quorum q;

	quorum_up(&q);
	struct member *self = &q.members[0];
	ck_assert(self->self);
	self->heard = true;
	self->last_heard = T0;
	self->last.ninstances = 1;
	strcpy(self->last.instances[0].name, "web");
	self->last.instances[0].state = STATE_MASTER;
	expect(&q, "web", T0, NULL, 0);
	/* The same record on another member does hold back. */
	q.members[1].heard = true;
	q.members[1].last_heard = T0;
	q.members[1].last = self->last;
	expect(&q, "web", T0, "n2", T0 + RELEASE_US);
	/* And one never heard does not, whatever its record says. */
	q.members[1].heard = false;
	expect(&q, "web", T0, NULL, 0);
	quorum_free(&q);
}
END_TEST

/* A zero release bound (all timers 0) holds nobody back. */
START_TEST(test_zero_bound)
{
	struct quorum q;
	uint64_t recheck_at = 0;
	const char *who = NULL;

	quorum_up(&q);
	heard(&q, "n2", "web", STATE_MASTER, T0);
	ck_assert(holdback_clear(&q, "web", 0, T0, &recheck_at, &who));
	ck_assert(!holdback_clear(&q, "web", 1, T0, &recheck_at, &who));
	ck_assert_uint_eq(recheck_at, T0 + 1);
	quorum_free(&q);
}
END_TEST

static Suite *holdback_suite(void)
{
	Suite *s = suite_create("holdback");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_release_bound);
	tcase_add_test(tc, test_reports_master);
	tcase_add_test(tc, test_nobody_heard_is_clear);
	tcase_add_test(tc, test_window_boundary_to_the_us);
	tcase_add_test(tc, test_each_master_heartbeat_extends);
	tcase_add_test(tc, test_dead_member_still_holds_back);
	tcase_add_test(tc, test_member_stopped_reporting_master);
	tcase_add_test(tc, test_other_or_unknown_instance);
	tcase_add_test(tc, test_several_members);
	tcase_add_test(tc, test_self_never_holds_back);
	tcase_add_test(tc, test_zero_bound);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(holdback_suite)
