/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_lease.c - unit tests of when a master renews its VIPs' lease
 * (src/lease.c): a third of the lease later at most, an eighth of that
 * earlier at worst, on instants shared by every instance renewing within
 * the same eighth. */
#include "lease.h"
#include "testutil.h"

#define MS 1000ull

/* Within the bounds, for renewals at every phase. */
START_TEST(test_bounds)
{
	const uint32_t lease_ms = 5000;
	const uint64_t period = lease_ms * MS / 3, grid = period / 8;

	for (uint64_t now = 7000 * MS; now < 7000 * MS + 2 * period; now += 997) {
		uint64_t at = lease_renew_at(now, lease_ms);

		ck_assert_uint_le(at, now + period);
		ck_assert_uint_gt(at, now + period - grid);
		ck_assert_uint_eq(at % grid, 0);
	}
}
END_TEST

/* 255 instances whose renewals fall anywhere in one period renew at 8
 * instants at most, and the ones renewed together stay together. */
START_TEST(test_instances_share_instants)
{
	const uint32_t lease_ms = 5000;
	const uint64_t period = lease_ms * MS / 3;
	uint64_t at[255], distinct[255];
	size_t ndistinct = 0;

	for (int i = 0; i < 255; i++) {
		at[i] = lease_renew_at(1000 * MS + (uint64_t)i * period / 255, lease_ms);
		size_t k = 0;
		while (k < ndistinct && distinct[k] != at[i])
			k++;
		if (k == ndistinct)
			distinct[ndistinct++] = at[i];
	}
	ck_assert_uint_le(ndistinct, 9); /* a period spans 8 slots, touching 9 */
	ck_assert_uint_ge(ndistinct, 8);
	/* Renewed at the same instant, due again at the same instant. */
	for (int i = 1; i < 255; i++)
		if (at[i] == at[0])
			ck_assert_uint_eq(lease_renew_at(at[i], lease_ms), lease_renew_at(at[0], lease_ms));
}
END_TEST

START_TEST(test_no_lease_and_tiny_leases)
{
	ck_assert_uint_eq(lease_renew_at(123456, 0), 0);
	/* 3000 ms, the shortest conf.c allows: a period of 1 s, slots of 125 ms. */
	ck_assert_uint_eq(lease_renew_at(10 * 1000 * MS + 1, 3000), 11 * 1000 * MS);
	ck_assert_uint_eq(lease_renew_at(10 * 1000 * MS + 125 * MS - 1, 3000), 11 * 1000 * MS);
	ck_assert_uint_eq(lease_renew_at(10 * 1000 * MS + 125 * MS, 3000), 11 * 1000 * MS + 125 * MS);
	/* The shortest possible (1 ms): a period of 333 us, slots of 41. */
	ck_assert_uint_eq(lease_renew_at(5, 1), 328);
}
END_TEST

static Suite *lease_suite(void)
{
	Suite *s = suite_create("lease");
	TCase *tc = tcase_create("lease");

	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_instances_share_instants);
	tcase_add_test(tc, test_no_lease_and_tiny_leases);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(lease_suite)
