/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_settle.c - unit tests of when a planned release of the VIPs may
 * happen (src/settle.c): at once when no connection waits for us, after
 * the connections are done when some do, never later than the bound. */
#include "settle.h"
#include "testutil.h"

#define MS 1000ull

START_TEST(test_quiet_releases_at_once)
{
	struct settle s = {0};
	uint64_t wake = 0, waited = 99;

	ck_assert_int_eq(settle_check(&s, false, 5000 * MS, 50 * MS, &wake, &waited), SETTLE_RELEASE);
	ck_assert_uint_eq(waited, 0);
	ck_assert_uint_eq(s.since, 0);
}
END_TEST

/* A request in flight when the successor asks: wait, poll every ms, and
 * release as soon as it is answered. */
START_TEST(test_waits_for_the_answer)
{
	struct settle s = {0};
	uint64_t t0 = 5000 * MS, wake = 0, waited = 0;

	ck_assert_int_eq(settle_check(&s, true, t0, 50 * MS, &wake, &waited), SETTLE_WAIT);
	ck_assert_uint_eq(wake, t0 + SETTLE_POLL_US);
	ck_assert_int_eq(settle_check(&s, true, wake, 50 * MS, &wake, &waited), SETTLE_WAIT);
	ck_assert_uint_eq(wake, t0 + 2 * SETTLE_POLL_US);
	ck_assert_int_eq(settle_check(&s, false, t0 + 2300, 50 * MS, &wake, &waited), SETTLE_RELEASE);
	ck_assert_uint_eq(waited, 2300);
	ck_assert_uint_eq(s.since, 0); /* the next release starts afresh */
	ck_assert_int_eq(settle_check(&s, true, t0 + 9000 * MS, 50 * MS, &wake, &waited), SETTLE_WAIT);
	ck_assert_uint_eq(s.since, t0 + 9000 * MS);
}
END_TEST

/* A connection that never ends (keep-alive, a stream) is cut at the bound,
 * and the last wake-up falls on the bound, not past it. */
START_TEST(test_bound)
{
	struct settle s = {0};
	uint64_t t0 = 1000 * MS, wake = 0, waited = 0, now = t0;
	int polls = 0;

	while (settle_check(&s, true, now, 10500, &wake, &waited) == SETTLE_WAIT) {
		ck_assert_uint_le(wake, t0 + 10500);
		ck_assert_uint_gt(wake, now);
		now = wake;
		ck_assert_int_lt(++polls, 100);
	}
	ck_assert_int_eq(polls, 11); /* 10 polls of 1 ms, then the half one to the bound */
	ck_assert_uint_eq(now, t0 + 10500);
	ck_assert_uint_eq(waited, 10500);
}
END_TEST

START_TEST(test_reset_and_bound_of_bounds)
{
	struct settle s = {0};
	uint64_t wake, waited;

	ck_assert_int_eq(settle_check(&s, true, 7 * MS, 50 * MS, &wake, &waited), SETTLE_WAIT);
	settle_reset(&s); /* the member stopped asking */
	ck_assert_int_eq(settle_check(&s, true, 200 * MS, 50 * MS, &wake, &waited), SETTLE_WAIT);
	ck_assert_uint_eq(waited, 0);
	ck_assert_uint_eq(s.since, 200 * MS);
	/* A quarter of the step's bound, at most 50 ms. */
	ck_assert_uint_eq(settle_bound_us(400 * MS), SETTLE_MAX_US);
	ck_assert_uint_eq(settle_bound_us(100 * MS), 25 * MS);
	ck_assert_uint_eq(settle_bound_us(0), 0);
	/* A bound of 0 never waits. */
	ck_assert_int_eq(settle_check(&(struct settle){0}, true, 5, 0, &wake, &waited), SETTLE_RELEASE);
}
END_TEST

static Suite *settle_suite(void)
{
	Suite *s = suite_create("settle");
	TCase *tc = tcase_create("settle");

	tcase_add_test(tc, test_quiet_releases_at_once);
	tcase_add_test(tc, test_waits_for_the_answer);
	tcase_add_test(tc, test_bound);
	tcase_add_test(tc, test_reset_and_bound_of_bounds);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(settle_suite)
