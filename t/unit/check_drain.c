/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_drain.c - the drained set and its state file's text (drain.h):
 * what survives a restart is exactly what was drained, and a torn or
 * edited file is recognised, never half-read. */
#include <string.h>

#include <sodium.h>

#include "testutil.h"
#include "drain.h"

static char text[DRAIN_TEXT_MAX];

START_TEST(test_covers_add_remove)
{
	struct drain_set d = {0};

	ck_assert(drain_empty(&d));
	ck_assert(!drain_covers(&d, "web"));
	ck_assert(drain_add(&d, "web"));
	ck_assert(drain_add(&d, "web")); /* again: no second entry */
	ck_assert_uint_eq(d.n, 1);
	ck_assert(drain_covers(&d, "web"));
	ck_assert(!drain_covers(&d, "db"));
	ck_assert(drain_add(&d, NULL)); /* the whole node */
	ck_assert(drain_covers(&d, "db"));
	/* Undraining one instance leaves the node drained. */
	ck_assert(drain_remove(&d, "web"));
	ck_assert(!drain_remove(&d, "web"));
	ck_assert(drain_covers(&d, "web"));
	ck_assert(!drain_empty(&d));
	ck_assert(drain_remove(&d, NULL));
	ck_assert(drain_empty(&d));
	ck_assert(!drain_covers(&d, "web"));
	ck_assert(!drain_remove(&d, NULL));
}
END_TEST

START_TEST(test_how)
{
	struct drain_set d = {0};

	ck_assert_int_eq(drain_how(&d, "web"), DRAIN_NOT);
	ck_assert(drain_add(&d, "web"));
	ck_assert_int_eq(drain_how(&d, "web"), DRAIN_BY_INSTANCE);
	ck_assert_int_eq(drain_how(&d, "db"), DRAIN_NOT);
	ck_assert(drain_add(&d, NULL));
	/* Named and part of the drained node: the node is what says. */
	ck_assert_int_eq(drain_how(&d, "web"), DRAIN_BY_NODE);
	ck_assert_int_eq(drain_how(&d, "db"), DRAIN_BY_NODE);
	d.node = false;
	ck_assert_int_eq(drain_how(&d, "web"), DRAIN_BY_INSTANCE);
	ck_assert(drain_remove(&d, "web"));
	ck_assert_int_eq(drain_how(&d, "web"), DRAIN_NOT);
}
END_TEST

START_TEST(test_full)
{
	struct drain_set d = {0};
	char name[16];

	for (int i = 0; i < DRAIN_MAX; i++) {
		snprintf(name, sizeof(name), "i%d", i);
		ck_assert(drain_add(&d, name));
	}
	ck_assert(!drain_add(&d, "one-more"));
	ck_assert(!drain_covers(&d, "one-more"));
	ck_assert(drain_add(&d, "i5")); /* already there */
	ck_assert(drain_remove(&d, "i0"));
	ck_assert(drain_covers(&d, "i63"));
	ck_assert(drain_add(&d, "one-more"));
}
END_TEST

START_TEST(test_round_trip)
{
	struct drain_set d = {0}, got;
	char name[16];

	ck_assert_uint_gt(drain_encode(&d, text, sizeof(text)), 0);
	ck_assert_ptr_null(drain_parse(text, strlen(text), &got));
	ck_assert(drain_empty(&got));
	drain_add(&d, "web");
	drain_add(&d, "db-1");
	size_t n = drain_encode(&d, text, sizeof(text));
	ck_assert_uint_eq(n, strlen(text));
	ck_assert_ptr_nonnull(strstr(text, "CLDRAIN 1\ninstance web\ninstance db-1\nsum "));
	ck_assert_ptr_null(drain_parse(text, n, &got));
	ck_assert(!got.node);
	ck_assert_uint_eq(got.n, 2);
	ck_assert(drain_covers(&got, "web") && drain_covers(&got, "db-1"));
	ck_assert(!drain_covers(&got, "other"));
	drain_add(&d, NULL);
	for (int i = 0; d.n < DRAIN_MAX; i++) {
		snprintf(name, sizeof(name), "x%d", i);
		drain_add(&d, name);
	}
	n = drain_encode(&d, text, sizeof(text));
	ck_assert_uint_gt(n, 0);
	ck_assert_ptr_null(drain_parse(text, n, &got));
	ck_assert(got.node);
	ck_assert_uint_eq(got.n, DRAIN_MAX);
	/* A buffer too small gives 0, never a cut file. */
	ck_assert_uint_eq(drain_encode(&d, text, n), 0);
	ck_assert_uint_eq(drain_encode(&d, text, 10), 0);
}
END_TEST

/* Every way the file can be wrong is caught, and leaves the set empty. */
START_TEST(test_bad_files)
{
	struct drain_set d = {0}, got;

	drain_add(&d, "web");
	size_t n = drain_encode(&d, text, sizeof(text));
	char bad[DRAIN_TEXT_MAX];

	ck_assert_str_eq(drain_parse(text, 0, &got), "empty");
	ck_assert_str_eq(drain_parse("CLDR", 4, &got), "truncated");
	ck_assert_str_eq(drain_parse("CLINC 1 5 x\n", 12, &got), "bad magic or version");
	ck_assert_str_eq(drain_parse("CLDRAIN 2\n", 10, &got), "bad magic or version");
	/* Cut anywhere: never accepted. */
	for (size_t k = 1; k < n; k++) {
		ck_assert_msg(drain_parse(text, k, &got) != NULL, "cut at %zu", k);
		ck_assert(drain_empty(&got));
	}
	/* One byte changed anywhere: never accepted. */
	for (size_t k = 0; k < n; k++) {
		memcpy(bad, text, n);
		bad[k] ^= 0x01;
		ck_assert_msg(drain_parse(bad, n, &got) != NULL, "flip at %zu", k);
	}
	/* Positive control for the flips. */
	ck_assert_ptr_null(drain_parse(text, n, &got));
}
END_TEST

/* A body that checks out but says what we never write. */
static const char *parse_body_text(const char *body, struct drain_set *got)
{
	/* The sum covers "CLDRAIN 1\n" and the body: no set encodes to a bad
	 * body, so sum it here. */
	size_t blen = strlen("CLDRAIN 1\n") + strlen(body);
	char all[DRAIN_TEXT_MAX];
	unsigned char sum[16];
	char hex[33];

	snprintf(all, sizeof(all), "CLDRAIN 1\n%s", body);
	crypto_generichash(sum, sizeof(sum), (const unsigned char *)all, blen, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	snprintf(all + blen, sizeof(all) - blen, "sum %s\n", hex);
	return drain_parse(all, strlen(all), got);
}

START_TEST(test_bad_bodies)
{
	struct drain_set got;

	ck_assert_ptr_null(parse_body_text("node\ninstance a\n", &got));
	ck_assert(got.node && got.n == 1);
	ck_assert_str_eq(parse_body_text("node\nnode\n", &got), "node named twice");
	ck_assert_str_eq(parse_body_text("instance a\ninstance a\n", &got), "instance named twice");
	ck_assert_str_eq(parse_body_text("instance \n", &got), "unknown line");
	ck_assert_str_eq(parse_body_text("instance a b\n", &got), "bad instance name");
	ck_assert_str_eq(parse_body_text("drain a\n", &got), "unknown line");
	ck_assert_str_eq(parse_body_text("\n", &got), "unknown line");
	ck_assert(drain_empty(&got));
}
END_TEST

static Suite *drain_suite(void)
{
	Suite *s = suite_create("drain");
	TCase *tc = tcase_create("drain");

	tcase_add_test(tc, test_covers_add_remove);
	tcase_add_test(tc, test_how);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_bad_files);
	tcase_add_test(tc, test_bad_bodies);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(drain_suite)
