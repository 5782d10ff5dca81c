/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_counters.c - libFuzzer target for the counters encoding (src/counters.c).
 *
 * Every input is decoded from an exact-size heap copy (ASan sees any
 * overread). A failed decode must leave the set all zeros. A successful
 * one must re-encode canonically: to at most the input's size (the
 * encoder drops only zero values, unknown keys and overlong varints),
 * to 0 with one byte less room, to the same bytes when encoded again
 * from its own decode, and to a set equal to the first.
 *
 * The decoded set is then restored into an empty one (as after a lost
 * state file): every counter must come out equal, every record inactive,
 * a second identical copy must raise nothing, and the result must be
 * monotonic over the copy. Seeds: t/fuzz/corpus/counters/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "../unit/counters_oracle.h" /* counters_monotonic() */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                            \
			abort();                                             \
		}                                                            \
	} while (0)

/* Room for the largest set: 64 records of 45 ten-byte values. */
#define OUT_MAX 65536

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void same(const struct counter_set *a, const struct counter_set *b)
{
	CHECK(a->incarnation == b->incarnation);
	CHECK(memcmp(a->node, b->node, sizeof(a->node)) == 0);
	CHECK(a->n == b->n);
	for (size_t i = 0; i < a->n; i++) {
		CHECK(strcmp(a->inst[i].name, b->inst[i].name) == 0);
		CHECK(a->inst[i].active == b->inst[i].active);
		CHECK(memcmp(a->inst[i].v, b->inst[i].v, sizeof(a->inst[i].v)) == 0);
	}
}

static void round_trip(const struct counter_set *s, size_t size)
{
	static uint8_t out[OUT_MAX], out2[OUT_MAX];
	static struct counter_set again;
	size_t n = counters_encode(s, out, sizeof(out));

	CHECK(n > 0 && n <= size);
	CHECK(counters_encode(s, out2, n - 1) == 0);
	CHECK(counters_decode(out, n, &again));
	same(s, &again);
	CHECK(counters_encode(&again, out2, sizeof(out2)) == n);
	CHECK(memcmp(out, out2, n) == 0);
}

/* Restore the copy into a fresh start where every other instance of the
 * copy is configured (active, zero) and the rest are not: the configured
 * ones get the copy's values, the others are never added (B3), the node
 * counters always come back, and a second raise changes nothing. */
static void restore(const struct counter_set *copy)
{
	static struct counter_set s, base;
	const char *what = NULL;

	memset(&s, 0, sizeof(s));
	memset(&base, 0, sizeof(base));
	for (size_t i = 0; i < copy->n; i += 2) {
		snprintf(s.inst[s.n].name, sizeof(s.inst[s.n].name), "%s", copy->inst[i].name);
		s.inst[s.n++].active = true;
	}
	size_t configured = s.n;
	size_t rose = counters_raise(&s, &base, copy);

	CHECK(memcmp(s.node, copy->node, sizeof(s.node)) == 0);
	CHECK(s.n == configured);
	for (size_t i = 0; i < copy->n; i++) {
		const struct inst_counters *si = counters_find(&s, copy->inst[i].name);

		if (i % 2) {
			CHECK(si == NULL);
			continue;
		}
		CHECK(si != NULL && si->active);
		CHECK(memcmp(si->v, copy->inst[i].v, sizeof(si->v)) == 0);
	}
	CHECK(counters_raise(&s, &base, copy) == 0);
	CHECK(rose <= NC__COUNT + copy->n * IC__COUNT);
	/* Nothing went down: the restored set against a copy of itself
	 * before a second, empty raise. */
	static struct counter_set before;
	before = s;
	CHECK(counters_raise(&s, &base, &before) == 0);
	CHECK(counters_monotonic(&before, &s, &what));
	CHECK(what == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct counter_set s;
	uint8_t *copy = malloc(size ? size : 1);

	CHECK(copy != NULL);
	memcpy(copy, data, size);
	memset(&s, 0xa5, sizeof(s));
	if (counters_decode(copy, size, &s)) {
		CHECK(s.n <= COUNTERS_MAX_INSTANCES);
		round_trip(&s, size);
		restore(&s);
	} else {
		CHECK(all_zero(&s, sizeof(s)));
	}
	free(copy);
	return 0;
}
