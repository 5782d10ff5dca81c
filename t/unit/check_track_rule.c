/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_track_rule.c - unit tests of the health-tracking rule
 * (src/track_rule.c): rise/fall, what a run's outcome counts as, weight
 * signs, file contributions, the delta, the fault of a weightless item,
 * when a verdict change is reported, the effective priority. Pure: no
 * loop, no scripts, no clock. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "track_rule.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Feeds a string of results ('+' success, '-' failure) and returns the
 * flips as a string of the same length ('^' rose, 'v' fell, '.' none). */
static const char *feed(struct track_check *c, const char *results)
{
	static char flips[64];
	size_t i = 0;

	for (; results[i] && i < sizeof(flips) - 1; i++) {
		bool success = results[i] == '+';
		bool flipped = track_check_result(c, success);

		flips[i] = !flipped ? '.' : c->ok ? '^' : 'v';
		/* A flip always goes the way of the result. */
		if (flipped)
			ck_assert_int_eq(c->ok, success);
	}
	flips[i] = '\0';
	return flips;
}

START_TEST(test_check_defaults)
{
	struct track_check c;

	track_check_init(&c, 0, 0, false);
	ck_assert_uint_eq(c.rise, 1);
	ck_assert_uint_eq(c.fall, 1);
	ck_assert(!c.ok);
	ck_assert_uint_eq(c.ok_streak, 0);
	ck_assert_uint_eq(c.fail_streak, 0);
	/* rise = fall = 1: every change of result flips at once. */
	ck_assert_str_eq(feed(&c, "++-+--+"), "^.v^v.^");
	track_check_init(&c, 0, 0, true);
	ck_assert(c.ok);
	ck_assert_str_eq(feed(&c, "+-"), ".v");
}
END_TEST

START_TEST(test_check_rise)
{
	struct track_check c;

	track_check_init(&c, 3, 1, false);
	ck_assert_uint_eq(c.rise, 3);
	/* Two in a row are not enough; a failure starts the count again. */
	ck_assert_str_eq(feed(&c, "++-++"), ".....");
	ck_assert(!c.ok);
	ck_assert_uint_eq(c.ok_streak, 2);
	ck_assert_uint_eq(c.fail_streak, 0);
	ck_assert_str_eq(feed(&c, "+"), "^");
	ck_assert_uint_eq(c.ok_streak, 3);
	/* Once OK, more successes flip nothing but still count. */
	ck_assert_str_eq(feed(&c, "++"), "..");
	ck_assert_uint_eq(c.ok_streak, 5);
}
END_TEST

START_TEST(test_check_fall)
{
	struct track_check c;

	track_check_init(&c, 1, 2, true);
	ck_assert_str_eq(feed(&c, "-+-"), "...");
	ck_assert(c.ok);
	ck_assert_uint_eq(c.fail_streak, 1);
	ck_assert_uint_eq(c.ok_streak, 0);
	ck_assert_str_eq(feed(&c, "-"), "v");
	ck_assert_uint_eq(c.fail_streak, 2);
	ck_assert_str_eq(feed(&c, "--"), "..");
	ck_assert_uint_eq(c.fail_streak, 4);
	/* rise 1: one success is back. */
	ck_assert_str_eq(feed(&c, "+"), "^");
	ck_assert_uint_eq(c.fail_streak, 0);
}
END_TEST

/* From init_ok false with rise 2 / fall 3, a flapping check. */
START_TEST(test_check_flapping)
{
	struct track_check c;

	track_check_init(&c, 2, 3, false);
	ck_assert_str_eq(feed(&c, "+-+-++--+---++"), ".....^.....v.^");
}
END_TEST

/* Streaks stop at UINT_MAX instead of wrapping to 0 (which would make a
 * long-OK check with rise > 1 look like it had never passed). */
START_TEST(test_check_streaks_saturate)
{
	struct track_check c;

	track_check_init(&c, 2, 2, true);
	c.ok_streak = UINT_MAX - 1;
	ck_assert_str_eq(feed(&c, "++"), "..");
	ck_assert_uint_eq(c.ok_streak, UINT_MAX);
	ck_assert_str_eq(feed(&c, "--"), ".v");
	c.fail_streak = UINT_MAX - 1;
	ck_assert_str_eq(feed(&c, "--"), "..");
	ck_assert_uint_eq(c.fail_streak, UINT_MAX);
	ck_assert(!c.ok);
}
END_TEST

START_TEST(test_run_succeeded)
{
	ck_assert(track_run_succeeded(false, false, 0, 0));
	ck_assert(!track_run_succeeded(false, false, 0, 1));
	ck_assert(!track_run_succeeded(false, false, 0, 127));
	ck_assert(!track_run_succeeded(false, false, 0, 255));
	/* Could not be executed: a failure (unlike keepalived). */
	ck_assert(!track_run_succeeded(true, false, 0, 0));
	/* Killed by our timeout or by any signal, whatever exit_code says. */
	ck_assert(!track_run_succeeded(false, true, 0, 0));
	ck_assert(!track_run_succeeded(false, false, 9, 0));
	ck_assert(!track_run_succeeded(false, true, 9, 0));
}
END_TEST

START_TEST(test_weight_in_force)
{
	/* Positive counts while healthy, negative while failing. */
	ck_assert_int_eq(track_weight_in_force(20, true), 20);
	ck_assert_int_eq(track_weight_in_force(20, false), 0);
	ck_assert_int_eq(track_weight_in_force(-30, true), 0);
	ck_assert_int_eq(track_weight_in_force(-30, false), -30);
	ck_assert_int_eq(track_weight_in_force(0, true), 0);
	ck_assert_int_eq(track_weight_in_force(0, false), 0);
	/* No weight moves no priority (it faults instead). */
	ck_assert_int_eq(track_weight_in_force(TRACK_NO_WEIGHT, true), 0);
	ck_assert_int_eq(track_weight_in_force(TRACK_NO_WEIGHT, false), 0);
	ck_assert_int_eq(track_weight_in_force(INT32_MAX, true), INT32_MAX);
	ck_assert_int_eq(track_weight_in_force(INT32_MIN + 1, false), INT32_MIN + 1);
}
END_TEST

START_TEST(test_file_weight_and_contribution)
{
	ck_assert_int_eq(track_file_weight(TRACK_NO_WEIGHT), 1);
	ck_assert_int_eq(track_file_weight(3), 3);
	ck_assert_int_eq(track_file_weight(-2), -2);
	ck_assert_int_eq(track_file_weight(0), 0);

	ck_assert_int_eq(track_file_contribution(5, 3), 15);
	ck_assert_int_eq(track_file_contribution(-5, 3), -15);
	ck_assert_int_eq(track_file_contribution(5, -3), -15);
	ck_assert_int_eq(track_file_contribution(0, 100), 0);
	ck_assert_int_eq(track_file_contribution(7, 0), 0);
	/* The product is bounded... */
	ck_assert_int_eq(track_file_contribution(1000, 1000), TRACK_FILE_CONTRIB_MAX);
	ck_assert_int_eq(track_file_contribution(1000, 1001), TRACK_FILE_CONTRIB_MAX);
	ck_assert_int_eq(track_file_contribution(-1000, 1001), -TRACK_FILE_CONTRIB_MAX);
	/* ...and so is the value first, so nothing overflows (UBSan would say). */
	ck_assert_int_eq(track_file_contribution(LLONG_MAX, INT32_MAX), TRACK_FILE_CONTRIB_MAX);
	ck_assert_int_eq(track_file_contribution(LLONG_MIN, INT32_MAX), -TRACK_FILE_CONTRIB_MAX);
	ck_assert_int_eq(track_file_contribution(LLONG_MIN, INT32_MIN), TRACK_FILE_CONTRIB_MAX);
	ck_assert_int_eq(track_file_value(LLONG_MAX), TRACK_FILE_VALUE_MAX);
	ck_assert_int_eq(track_file_value(LLONG_MIN), -TRACK_FILE_VALUE_MAX);
	ck_assert_int_eq(track_file_value(TRACK_FILE_VALUE_MAX), TRACK_FILE_VALUE_MAX);
	ck_assert_int_eq(track_file_value(-42), -42);
}
END_TEST

static struct track_item script(const char *name, int32_t weight, bool ok)
{
	return (struct track_item){ .kind = TRACK_KIND_SCRIPT, .name = name, .weight = weight,
				    .healthy = ok };
}

static struct track_item iface(const char *name, int32_t weight, bool up)
{
	return (struct track_item){ .kind = TRACK_KIND_INTERFACE, .name = name,
				    .weight = weight, .healthy = up };
}

static struct track_item file(const char *name, int32_t weight, long long value)
{
	return (struct track_item){ .kind = TRACK_KIND_FILE, .name = name, .weight = weight,
				    .value = value };
}

START_TEST(test_delta_sums_every_kind)
{
	struct track_item items[] = {
		script("up20", 20, true),     /* +20 */
		script("down20", 20, false),  /*   0 */
		script("down-30", -30, false),/* -30 */
		iface("eth1", -10, false),    /* -10 */
		iface("eth2", 5, true),       /*  +5 */
		iface("eth3", TRACK_NO_WEIGHT, true), /* 0 */
		file("/f", 2, 7),             /* +14 */
		file("/g", 1, -4),            /*  -4 */
		/* A file's health flag is not looked at, only its value. */
		file("/h", 3, 0),
	};

	items[8].healthy = true;
	ck_assert_int_eq(track_items_delta(items, N(items)), -5);
	ck_assert_int_eq(track_items_delta(items, 0), 0);
	ck_assert_int_eq(track_items_delta(NULL, 0), 0);
	ck_assert_int_eq(track_items_delta(items, 1), 20);
}
END_TEST

START_TEST(test_delta_clamps_to_int)
{
	struct track_item big[] = {
		script("a", INT32_MAX, true), script("b", INT32_MAX, true),
		iface("c", INT32_MAX, true),
	};
	struct track_item low[] = {
		script("a", INT32_MIN + 1, false), iface("b", INT32_MIN + 1, false),
	};

	ck_assert_int_eq(track_items_delta(big, N(big)), INT_MAX);
	ck_assert_int_eq(track_items_delta(low, N(low)), INT_MIN);
}
END_TEST

START_TEST(test_fault_of_weightless)
{
	struct track_item items[] = {
		script("weighted", -50, false),        /* weighted: never a fault */
		file("/f", TRACK_NO_WEIGHT, 0),        /* files never fault */
		iface("eth1", TRACK_NO_WEIGHT, false), /* the first fault in order */
		script("nginx", TRACK_NO_WEIGHT, false),
	};
	char reason[64] = "unset";

	ck_assert_ptr_eq(track_fault_item(items, N(items)), &items[2]);
	track_fault_reason(&items[2], reason, sizeof(reason));
	ck_assert_str_eq(reason, "interface eth1 down");
	track_fault_reason(&items[3], reason, sizeof(reason));
	ck_assert_str_eq(reason, "track script nginx failed");
	/* Healthy again: the next one is named. */
	items[2].healthy = true;
	ck_assert_ptr_eq(track_fault_item(items, N(items)), &items[3]);
	items[3].healthy = true;
	ck_assert_ptr_null(track_fault_item(items, N(items)));
	ck_assert_ptr_null(track_fault_item(items, 2));
	track_fault_reason(NULL, reason, sizeof(reason));
	ck_assert_str_eq(reason, "");
	/* A weightless item moves no priority, failing or not. */
	items[3].healthy = false;
	ck_assert_int_eq(track_items_delta(items, N(items)), -50);
}
END_TEST

START_TEST(test_fault_reason_bounds)
{
	struct track_item it = script("a-rather-long-script-name", TRACK_NO_WEIGHT, false);
	char small[8];

	memset(small, 'x', sizeof(small));
	track_fault_reason(&it, small, sizeof(small));
	ck_assert_str_eq(small, "track s");
	memset(small, 'x', sizeof(small));
	track_fault_reason(&it, small, 0); /* no room: nothing written */
	ck_assert_int_eq(small[0], 'x');
}
END_TEST

/* An in-daemon check weighs like a script and names itself in a fault. */
START_TEST(test_check_items)
{
	struct track_item items[] = {
		{ .kind = TRACK_KIND_CHECK, .name = "nginx", .weight = -100, .healthy = false },
		{ .kind = TRACK_KIND_CHECK, .name = "tls", .weight = TRACK_NO_WEIGHT, .healthy = false },
	};
	char reason[64];

	ck_assert_int_eq(track_items_delta(items, 1), -100);
	ck_assert_ptr_eq(track_fault_item(items, N(items)), &items[1]);
	track_fault_reason(&items[1], reason, sizeof(reason));
	ck_assert_str_eq(reason, "check tls failed");
	items[0].healthy = items[1].healthy = true;
	ck_assert_int_eq(track_items_delta(items, N(items)), 0);
	ck_assert_ptr_null(track_fault_item(items, N(items)));
}
END_TEST

/* Reported only when delta or fault changes, and *last always follows. */
START_TEST(test_verdict_update)
{
	struct track_item items[] = {
		script("web", 20, false),
		script("db", TRACK_NO_WEIGHT, true),
		file("/f", 1, 0),
	};
	struct track_verdict v = track_verdict_of(items, N(items));

	ck_assert_int_eq(v.delta, 0);
	ck_assert(!v.fault);
	ck_assert(!track_verdict_update(&v, items, N(items)));
	/* The delta moves. */
	items[0].healthy = true;
	ck_assert(track_verdict_update(&v, items, N(items)));
	ck_assert_int_eq(v.delta, 20);
	ck_assert(!track_verdict_update(&v, items, N(items)));
	/* Only the fault moves (delta stays 20). */
	items[1].healthy = false;
	ck_assert(track_verdict_update(&v, items, N(items)));
	ck_assert(v.fault);
	ck_assert_int_eq(v.delta, 20);
	/* A change that cancels out in the sum is no change. */
	items[0].healthy = false;
	items[2].value = 20;
	ck_assert(!track_verdict_update(&v, items, N(items)));
	ck_assert_int_eq(v.delta, 20);
	/* Both at once. */
	items[1].healthy = true;
	items[2].value = 3;
	ck_assert(track_verdict_update(&v, items, N(items)));
	ck_assert(!v.fault);
	ck_assert_int_eq(v.delta, 3);
}
END_TEST

START_TEST(test_effective_priority)
{
	static const struct {
		int base, delta, want;
	} cases[] = {
		{ 255, -100, 255 }, { 255, 0, 255 },    { 255, 50, 255 },
		{ 100, 0, 100 },    { 100, 20, 120 },   { 100, -20, 80 },
		{ 100, -99, 1 },    { 100, -100, 1 },   { 100, -300, 1 },
		{ 100, 154, 254 },  { 100, 155, 254 },  { 254, 1, 254 },
		{ 1, -1, 1 },       { 1, 253, 254 },    { 200, INT_MIN, 1 },
		{ 200, INT_MAX, 254 },
	};

	for (size_t i = 0; i < N(cases); i++)
		ck_assert_msg(track_effective_priority((uint8_t)cases[i].base, cases[i].delta) ==
				      cases[i].want,
			      "base %d delta %d: want %d", cases[i].base, cases[i].delta,
			      cases[i].want);
}
END_TEST

static Suite *track_rule_suite(void)
{
	Suite *s = suite_create("track_rule");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_check_defaults);
	tcase_add_test(tc, test_check_rise);
	tcase_add_test(tc, test_check_fall);
	tcase_add_test(tc, test_check_flapping);
	tcase_add_test(tc, test_check_streaks_saturate);
	tcase_add_test(tc, test_run_succeeded);
	tcase_add_test(tc, test_weight_in_force);
	tcase_add_test(tc, test_file_weight_and_contribution);
	tcase_add_test(tc, test_delta_sums_every_kind);
	tcase_add_test(tc, test_delta_clamps_to_int);
	tcase_add_test(tc, test_fault_of_weightless);
	tcase_add_test(tc, test_fault_reason_bounds);
	tcase_add_test(tc, test_check_items);
	tcase_add_test(tc, test_verdict_update);
	tcase_add_test(tc, test_effective_priority);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(track_rule_suite)
