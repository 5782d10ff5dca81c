/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_counters.c - unit tests of the counter set (src/counters.c): its
 * byte encoding (an on-disk and on-wire format, so some buffers are built
 * by hand from the documented layout), the strict decoder, the records,
 * the restore merge and the monotonic check. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "counters.h"
#include "counters_oracle.h"
#include "testutil.h"

#define BIG_BUF 65536

static uint8_t buf[BIG_BUF], buf2[BIG_BUF];

/* Sets are ~28 KiB: keep them off the stack. Zeroed. */
static struct counter_set *set_new(void)
{
	struct counter_set *s = calloc(1, sizeof(*s));

	ck_assert_ptr_nonnull(s);
	return s;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void assert_sets_equal(const struct counter_set *a, const struct counter_set *b)
{
	ck_assert_uint_eq(a->incarnation, b->incarnation);
	for (size_t k = 0; k < NC__COUNT; k++)
		ck_assert_msg(a->node[k] == b->node[k], "node counter %zu: %llu != %llu", k,
			      (unsigned long long)a->node[k], (unsigned long long)b->node[k]);
	ck_assert_uint_eq(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		ck_assert_str_eq(a->inst[i].name, b->inst[i].name);
		ck_assert_int_eq(a->inst[i].active, b->inst[i].active);
		for (size_t k = 0; k < IC__COUNT; k++)
			ck_assert_msg(a->inst[i].v[k] == b->inst[i].v[k],
				      "%s counter %zu: %llu != %llu", a->inst[i].name, k,
				      (unsigned long long)a->inst[i].v[k],
				      (unsigned long long)b->inst[i].v[k]);
	}
}

/* Every counter non-zero, many of them near UINT64_MAX (10-byte varints). */
static void fill_full(struct counter_set *s)
{
	memset(s, 0, sizeof(*s));
	s->incarnation = UINT64_MAX - 1;
	for (size_t k = 0; k < NC__COUNT; k++)
		s->node[k] = k % 2 ? UINT64_MAX - k : k + 1;
	for (size_t i = 0; i < COUNTERS_MAX_INSTANCES; i++) {
		char name[CLUSTD_NAME_MAX];
		struct inst_counters *ic;

		snprintf(name, sizeof(name), "inst-%02zu.x_%s", i, i == 7 ? "~!#" : "");
		ic = counters_instance(s, name);
		ck_assert_ptr_nonnull(ic);
		ic->active = i % 3 != 0;
		for (size_t k = 0; k < IC__COUNT; k++)
			ic->v[k] = (i + k) % 4 == 0 ? UINT64_MAX - i - k : (i << 20) + k + 1;
	}
	ck_assert_uint_eq(s->n, COUNTERS_MAX_INSTANCES);
}

/* A few instances, values of every varint width: a few hundred bytes. */
static void fill_medium(struct counter_set *s)
{
	static const char *const names[] = { "web", "db6", "v6.backup-net_1" };

	memset(s, 0, sizeof(*s));
	s->incarnation = 300;
	s->node[NC_RESTARTS] = 12;
	s->node[NC_UNCLEAN_RESTARTS] = 3;
	s->node[NC_UNKNOWN_DROP(VRRP_DROP_VRID)] = 1ull << 35;
	for (size_t i = 0; i < 3; i++) {
		struct inst_counters *ic = counters_instance(s, names[i]);

		ck_assert_ptr_nonnull(ic);
		ic->active = i != 1;
		for (size_t k = i; k < IC__COUNT; k += 2)
			ic->v[k] = (uint64_t)1 << ((k * 7 + i) % 64);
	}
}

/* ---- encoding round trips --------------------------------------------- */

START_TEST(test_round_trip_empty)
{
	struct counter_set *s = set_new(), *out = set_new();
	static const uint8_t want[] = { 1, 0, 0, 0 };
	size_t n = counters_encode(s, buf, sizeof(buf));

	ck_assert_uint_eq(n, sizeof(want));
	ck_assert_mem_eq(buf, want, sizeof(want));
	memset(out, 0xa5, sizeof(*out));
	ck_assert(counters_decode(buf, n, out));
	assert_sets_equal(s, out);
	free(s);
	free(out);
}
END_TEST

START_TEST(test_round_trip_full)
{
	struct counter_set *s = set_new(), *out = set_new();
	size_t n;

	fill_full(s);
	n = counters_encode(s, buf, sizeof(buf));
	ck_assert_uint_gt(n, 0);
	memset(out, 0x5a, sizeof(*out));
	ck_assert(counters_decode(buf, n, out));
	assert_sets_equal(s, out);
	/* Encoding is canonical: the decoded set encodes to the same bytes. */
	ck_assert_uint_eq(counters_encode(out, buf2, sizeof(buf2)), n);
	ck_assert_mem_eq(buf, buf2, n);
	free(s);
	free(out);
}
END_TEST

/* The documented layout, byte by byte (the format is shared with the
 * state file and with peers of other versions: it must not drift). */
START_TEST(test_encoding_layout)
{
	struct counter_set *s = set_new();
	struct inst_counters *ic;
	static const uint8_t want[] = {
		1,                      /* format */
		0xac, 0x02,             /* incarnation 300 */
		1, 0x80, 0x02, 0x02,    /* 1 node pair: key 1<<8|0 (restarts) = 2 */
		1,                      /* 1 instance */
		1, 'a', 1,              /* name "a", active */
		2,                      /* 2 pairs */
		0x92, 0x06, 0x01,       /* key 3<<8 | BACKUP<<4 | MASTER = 1 */
		0x83, 0x08, 0x7f,       /* key 4<<8 | FAULT (ms in state) = 127 */
	};

	s->incarnation = 300;
	s->node[NC_RESTARTS] = 2;
	ic = counters_instance(s, "a");
	ck_assert_ptr_nonnull(ic);
	ic->v[IC_TRANS(STATE_BACKUP, STATE_MASTER)] = 1;
	ic->v[IC_STATE_MS(STATE_FAULT)] = 127;
	ck_assert_uint_eq(counters_encode(s, buf, sizeof(buf)), sizeof(want));
	ck_assert_mem_eq(buf, want, sizeof(want));
	free(s);
}
END_TEST

/* Only non-zero values are written: an all-zero set costs its names. */
START_TEST(test_only_nonzero_encoded)
{
	struct counter_set *s = set_new(), *out = set_new();
	size_t n;

	ck_assert_ptr_nonnull(counters_instance(s, "alpha"));
	ck_assert_ptr_nonnull(counters_instance(s, "b"));
	/* format, incarnation, node pairs, count, then per instance:
	 * length, name, flags, pair count. */
	n = counters_encode(s, buf, sizeof(buf));
	ck_assert_uint_eq(n, 4 + (1 + 5 + 1 + 1) + (1 + 1 + 1 + 1));
	/* One counter of 5: a two-byte key and a one-byte value. */
	s->inst[1].v[IC_ADVERTS_RX] = 5;
	ck_assert_uint_eq(counters_encode(s, buf, sizeof(buf)), n + 3);
	/* Zeroed again: back to the same size. */
	s->inst[1].v[IC_ADVERTS_RX] = 0;
	ck_assert_uint_eq(counters_encode(s, buf, sizeof(buf)), n);
	ck_assert(counters_decode(buf, n, out));
	assert_sets_equal(s, out);
	free(s);
	free(out);
}
END_TEST

/* Every cap below the needed size fails (0), never a partial record; the
 * exact cap works. The buffer is exactly cap bytes, so ASan sees any
 * write past it. */
START_TEST(test_encode_cap_too_small)
{
	struct counter_set *s = set_new();
	size_t need;

	fill_medium(s);
	need = counters_encode(s, buf, sizeof(buf));
	ck_assert_uint_gt(need, 100);
	for (size_t cap = 0; cap < need; cap++) {
		uint8_t *b = malloc(cap ? cap : 1);

		ck_assert_ptr_nonnull(b);
		ck_assert_msg(counters_encode(s, b, cap) == 0, "cap %zu of %zu", cap, need);
		free(b);
	}
	uint8_t *b = malloc(need);
	ck_assert_uint_eq(counters_encode(s, b, need), need);
	ck_assert_mem_eq(b, buf, need);
	free(b);
	free(s);
}
END_TEST

/* ---- strict decoding -------------------------------------------------- */

/* Fails, and leaves *out all zeros whatever it held before. */
static void expect_decode_fails(const uint8_t *b, size_t len, const char *what)
{
	struct counter_set *out = set_new();

	memset(out, 0xee, sizeof(*out));
	ck_assert_msg(!counters_decode(b, len, out), "%s: decoded", what);
	ck_assert_msg(all_zero(out, sizeof(*out)), "%s: *out not zeroed", what);
	free(out);
}

static void expect_decode_ok(const uint8_t *b, size_t len, struct counter_set *out,
			     const char *what)
{
	ck_assert_msg(counters_decode(b, len, out), "%s: did not decode", what);
}

START_TEST(test_decode_every_truncation)
{
	struct counter_set *s = set_new(), *out = set_new();
	size_t n;

	fill_medium(s);
	n = counters_encode(s, buf, sizeof(buf));
	ck_assert_uint_gt(n, 0);
	for (size_t len = 0; len < n; len++) {
		/* Heap copy of exactly len bytes: an overread is an ASan error. */
		uint8_t *b = malloc(len ? len : 1);
		char what[64];

		memcpy(b, buf, len);
		snprintf(what, sizeof(what), "truncated to %zu of %zu", len, n);
		expect_decode_fails(b, len, what);
		free(b);
	}
	expect_decode_ok(buf, n, out, "whole");
	assert_sets_equal(s, out);
	free(s);
	free(out);
}
END_TEST

/* The full set is too long for every truncation under ASan: a sample,
 * including every cut within the last record. */
START_TEST(test_decode_full_truncations)
{
	struct counter_set *s = set_new();
	size_t n;

	fill_full(s);
	n = counters_encode(s, buf, sizeof(buf));
	ck_assert_uint_gt(n, 600);
	for (size_t len = 0; len < n; len += len < n - 600 ? 251 : 1)
		expect_decode_fails(buf, len, "full set truncated");
	free(s);
}
END_TEST

START_TEST(test_decode_trailing_byte)
{
	struct counter_set *s = set_new();
	size_t n;

	fill_medium(s);
	n = counters_encode(s, buf, sizeof(buf));
	buf[n] = 0;
	expect_decode_fails(buf, n + 1, "trailing zero byte");
	buf[n] = 0x41;
	expect_decode_fails(buf, n + 1, "trailing byte");
	static const uint8_t empty_plus[] = { 1, 0, 0, 0, 0 };
	expect_decode_fails(empty_plus, sizeof(empty_plus), "empty set + 1");
	free(s);
}
END_TEST

START_TEST(test_decode_bad_format)
{
	struct counter_set *out = set_new();
	uint8_t b[] = { 1, 0, 0, 0 };

	expect_decode_ok(b, sizeof(b), out, "format 1");
	b[0] = 0;
	expect_decode_fails(b, sizeof(b), "format 0");
	b[0] = 2;
	expect_decode_fails(b, sizeof(b), "format 2");
	b[0] = 0x81;
	expect_decode_fails(b, sizeof(b), "format 0x81");
	expect_decode_fails(b, 0, "nothing");
	free(out);
}
END_TEST

START_TEST(test_decode_varint_limits)
{
	struct counter_set *out = set_new();
	uint8_t b[16];

	/* UINT64_MAX: nine 0xff then 0x01 (ten bytes) is the longest valid. */
	b[0] = 1;
	memset(b + 1, 0xff, 9);
	b[10] = 0x01;
	b[11] = 0;
	b[12] = 0;
	expect_decode_ok(b, 13, out, "incarnation UINT64_MAX");
	ck_assert_uint_eq(out->incarnation, UINT64_MAX);
	/* A tenth byte above 1 would need more than 64 bits. */
	b[10] = 0x02;
	expect_decode_fails(b, 13, "65-bit varint");
	b[10] = 0x7f;
	expect_decode_fails(b, 13, "70-bit varint");
	/* Eleven bytes (ten with the continuation bit), even of zeros. */
	b[0] = 1;
	memset(b + 1, 0x80, 10);
	b[11] = 0x00;
	b[12] = 0;
	b[13] = 0;
	expect_decode_fails(b, 14, "11-byte varint");
	/* Ten bytes, the last still continuing. */
	b[10] = 0x81;
	b[11] = 0x00;
	expect_decode_fails(b, 14, "10-byte varint with continuation");
	/* The same overlong form in a pair value and in a count. */
	static const uint8_t in_value[] = { 1, 0, 1, 0x80, 0x02, 0x80, 0x80, 0x80, 0x80, 0x80,
					    0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0 };
	expect_decode_fails(in_value, sizeof(in_value), "11-byte pair value");
	static const uint8_t in_count[] = { 1, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80,
					    0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
	expect_decode_fails(in_count, sizeof(in_count), "11-byte instance count");
	free(out);
}
END_TEST

/* 64 instances with no counters, then a 65th: valid in every other way. */
START_TEST(test_decode_too_many_instances)
{
	struct counter_set *s = set_new(), *out = set_new();
	size_t n, off;

	for (size_t i = 0; i < COUNTERS_MAX_INSTANCES; i++) {
		char name[8];

		snprintf(name, sizeof(name), "i%02zu", i);
		ck_assert_ptr_nonnull(counters_instance(s, name));
	}
	n = counters_encode(s, buf, sizeof(buf));
	expect_decode_ok(buf, n, out, "64 instances");
	ck_assert_uint_eq(out->n, COUNTERS_MAX_INSTANCES);
	/* format, incarnation 0, 0 node pairs, then the count (one byte). */
	off = 3;
	ck_assert_uint_eq(buf[off], COUNTERS_MAX_INSTANCES);
	buf[off] = COUNTERS_MAX_INSTANCES + 1;
	static const uint8_t extra[] = { 3, 'i', '6', '4', 1, 0 };
	memcpy(buf + n, extra, sizeof(extra));
	expect_decode_fails(buf, n + sizeof(extra), "65 instances");
	/* A count far beyond: must fail at once, not loop. */
	static const uint8_t huge[] = { 1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f };
	expect_decode_fails(huge, sizeof(huge), "2^32-1 instances");
	free(s);
	free(out);
}
END_TEST

START_TEST(test_decode_names)
{
	struct counter_set *out = set_new();
	/* One instance "a?" (? patched), inactive, no pairs. */
	uint8_t b[] = { 1, 0, 0, 1, 2, 'a', 'b', 0, 0 };
	static const uint8_t bad[] = { 0x00, 0x09, 0x20, 0x7f, 0x80, 0xff };
	static const uint8_t good[] = { 0x21, '~', '-', 'Z' };

	expect_decode_ok(b, sizeof(b), out, "name ab");
	ck_assert_str_eq(out->inst[0].name, "ab");
	ck_assert(!out->inst[0].active);
	for (size_t i = 0; i < sizeof(bad); i++) {
		char what[32];

		b[6] = bad[i];
		snprintf(what, sizeof(what), "name byte 0x%02x", bad[i]);
		expect_decode_fails(b, sizeof(b), what);
		b[5] = bad[i];
		b[6] = 'b';
		expect_decode_fails(b, sizeof(b), what);
		b[5] = 'a';
	}
	for (size_t i = 0; i < sizeof(good); i++) {
		b[6] = good[i];
		expect_decode_ok(b, sizeof(b), out, "graphic name byte");
		ck_assert_uint_eq((uint8_t)out->inst[0].name[1], good[i]);
	}
	/* Only bit 0 of the flags means active; other bits are for later. */
	b[6] = 'b';
	b[7] = 0x02;
	expect_decode_ok(b, sizeof(b), out, "flags 0x02");
	ck_assert(!out->inst[0].active);
	b[7] = 0xff;
	expect_decode_ok(b, sizeof(b), out, "flags 0xff");
	ck_assert(out->inst[0].active);
	/* Zero length: the flags byte and the pair count still follow. */
	static const uint8_t empty_name[] = { 1, 0, 0, 1, 0, 0, 0 };
	expect_decode_fails(empty_name, sizeof(empty_name), "zero-length name");
	/* A name of CLUSTD_NAME_MAX bytes does not fit a record; one less does. */
	uint8_t long_name[4 + 1 + CLUSTD_NAME_MAX + 2];
	long_name[0] = 1;
	long_name[1] = 0;
	long_name[2] = 0;
	long_name[3] = 1;
	long_name[4] = CLUSTD_NAME_MAX - 1;
	memset(long_name + 5, 'n', CLUSTD_NAME_MAX - 1);
	long_name[5 + CLUSTD_NAME_MAX - 1] = 1;
	long_name[5 + CLUSTD_NAME_MAX] = 0;
	expect_decode_ok(long_name, sizeof(long_name) - 1, out, "63-byte name");
	ck_assert_uint_eq(strlen(out->inst[0].name), CLUSTD_NAME_MAX - 1);
	ck_assert(out->inst[0].active);
	long_name[4] = CLUSTD_NAME_MAX;
	long_name[5 + CLUSTD_NAME_MAX - 1] = 'n';
	long_name[5 + CLUSTD_NAME_MAX] = 1;
	long_name[5 + CLUSTD_NAME_MAX + 1] = 0;
	expect_decode_fails(long_name, sizeof(long_name), "64-byte name");
	/* A name length beyond the end. */
	static const uint8_t past_end[] = { 1, 0, 0, 1, 200, 'a', 'b', 0, 0 };
	expect_decode_fails(past_end, sizeof(past_end), "name past the end");
	free(out);
}
END_TEST

START_TEST(test_decode_duplicate_instance)
{
	struct counter_set *out = set_new();
	uint8_t b[] = { 1, 0, 0, 2, 2, 'a', 'b', 1, 0, 2, 'a', 'c', 0, 0 };

	expect_decode_ok(b, sizeof(b), out, "ab, ac");
	ck_assert_uint_eq(out->n, 2);
	ck_assert_str_eq(out->inst[1].name, "ac");
	b[11] = 'b';
	expect_decode_fails(b, sizeof(b), "ab twice");
	/* Also when the second differs in flags and carries counters. */
	static const uint8_t dup_pairs[] = { 1, 0, 0, 2, 1, 'x', 1, 0, 1, 'x', 0, 1, 0x80, 0x02, 9 };
	expect_decode_fails(dup_pairs, sizeof(dup_pairs), "x twice, second with a pair");
	free(out);
}
END_TEST

START_TEST(test_decode_pair_count_lies)
{
	struct counter_set *out = set_new();
	/* node pairs: count, then key 1<<8|0 = 7; then 0 instances. */
	uint8_t b[] = { 1, 0, 1, 0x80, 0x02, 7, 0 };

	expect_decode_ok(b, sizeof(b), out, "one node pair");
	ck_assert_uint_eq(out->node[NC_RESTARTS], 7);
	b[2] = 2;
	expect_decode_fails(b, sizeof(b), "2 node pairs, 1 present");
	b[2] = 5;
	expect_decode_fails(b, sizeof(b), "5 node pairs, 4 bytes left");
	/* A huge count must fail without trying to read that many. */
	static const uint8_t huge[] = { 1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0x01, 0 };
	expect_decode_fails(huge, sizeof(huge), "2^64-1 node pairs");
	/* The same lie in an instance's pair count. */
	uint8_t ib[] = { 1, 0, 0, 1, 1, 'a', 1, 1, 0x81, 0x02, 3 };
	expect_decode_ok(ib, sizeof(ib), out, "one instance pair");
	ck_assert_uint_eq(out->inst[0].v[IC_ADVERTS_RX], 3);
	ib[7] = 2;
	expect_decode_fails(ib, sizeof(ib), "2 instance pairs, 1 present");
	ib[7] = 0x7f;
	expect_decode_fails(ib, sizeof(ib), "127 instance pairs");
	free(out);
}
END_TEST

/* Keys of sections (or indexes) this version does not know are skipped,
 * whatever their value, and the rest still decodes. */
START_TEST(test_decode_unknown_keys_skipped)
{
	struct counter_set *out = set_new();
	static const uint8_t b[] = {
		1, 5,                           /* format, incarnation 5 */
		4,                              /* 4 node pairs */
		0x80, 0x12, 7,                  /* 9<<8|0: unknown section */
		0x81, 0x02, 4,                  /* 1<<8|1: unclean_restarts = 4 */
		0x80, 0x80, 0x04, 0x01,         /* 1<<16: beyond 16 bits */
		0x80, 0x82, 0x80, 0x80, 0x80, 0x20, 0x01, /* 1<<40 | 1<<8: ditto */
		1,                              /* 1 instance */
		1, 'w', 1, 9,                   /* "w", active, 9 pairs */
		0x81, 0x82, 0x80, 0x80, 0x80, 0x20, 0x01, /* 1<<40 | 1<<8|1 */
		0x85, 0x12,                     /* 9<<8|5: unknown section, */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, /* max value */
		0x80, 0x02, 9,                  /* 1<<8|0: adverts_sent = 9 */
		0xc8, 0x03, 1,                  /* 1<<8|200: unknown scalar */
		0xa0, 0x04, 1,                  /* 2<<8|32: unknown drop reason */
		0xd0, 0x06, 1,                  /* 3<<8|5<<4|0: unknown "from" state */
		0x85, 0x06, 1,                  /* 3<<8|0<<4|5: unknown "to" state */
		0x84, 0x08, 1,                  /* 4<<8|4: unknown state */
		0x81, 0x06, 2,                  /* 3<<8|INIT<<4|BACKUP = 2 */
	};

	ck_assert(STATE__COUNT <= 4 && VRRP_DROP__COUNT <= 32);
	expect_decode_ok(b, sizeof(b), out, "unknown keys");
	ck_assert_uint_eq(out->incarnation, 5);
	ck_assert_uint_eq(out->node[NC_UNCLEAN_RESTARTS], 4);
	ck_assert_uint_eq(out->n, 1);
	ck_assert_str_eq(out->inst[0].name, "w");
	ck_assert(out->inst[0].active);
	ck_assert_uint_eq(out->inst[0].v[IC_ADVERTS_TX], 9);
	ck_assert_uint_eq(out->inst[0].v[IC_TRANS(STATE_INIT, STATE_BACKUP)], 2);
	/* Nothing else was set anywhere. */
	uint64_t sum = 0;
	for (size_t k = 0; k < NC__COUNT; k++)
		sum += out->node[k];
	for (size_t k = 0; k < IC__COUNT; k++)
		sum += out->inst[0].v[k];
	ck_assert_uint_eq(sum, 4 + 9 + 2);
	ck_assert(all_zero(&out->inst[1], sizeof(out->inst) - sizeof(out->inst[0])));
	/* Re-encoded: only what was understood. */
	ck_assert_uint_eq(counters_encode(out, buf, sizeof(buf)),
			  1 + 1 + 1 + 3 + 1 + 1 + 1 + 1 + 1 + 3 + 3);
	free(out);
}
END_TEST

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	for (; v >= 0x80; v >>= 7)
		p[n++] = (uint8_t)(v | 0x80);
	p[n++] = (uint8_t)v;
	return n;
}

/* One set with a single key = 1, for the node or for instance "k". */
static size_t one_key(uint8_t *p, bool node, uint64_t key)
{
	size_t n = 0;

	p[n++] = 1;
	p[n++] = 0;
	p[n++] = node ? 1 : 0;
	if (node) {
		n += put_varint(p + n, key);
		p[n++] = 1;
	}
	p[n++] = node ? 0 : 1;
	if (!node) {
		p[n++] = 1;
		p[n++] = 'k';
		p[n++] = 1;
		p[n++] = 1;
		n += put_varint(p + n, key);
		p[n++] = 1;
	}
	return n;
}

/* The first index past each section's end is unknown (skipped), the last
 * one inside is known: no key ever lands on a neighbouring counter. */
START_TEST(test_decode_section_edges)
{
	struct counter_set *out = set_new();
	const struct {
		bool node;
		unsigned sec, idx;
		int index; /* -1: unknown */
	} k[] = {
		{ false, 1, IC__SCALARS - 1, IC__SCALARS - 1 },
		{ false, 1, IC__SCALARS, -1 },
		{ false, 2, VRRP_DROP__COUNT - 1, IC_DROP(VRRP_DROP__COUNT - 1) },
		{ false, 2, VRRP_DROP__COUNT, -1 },
		{ false, 3, (STATE__COUNT - 1) << 4 | (STATE__COUNT - 1),
		  IC_TRANS(STATE__COUNT - 1, STATE__COUNT - 1) },
		{ false, 3, STATE__COUNT << 4, -1 },
		{ false, 3, STATE__COUNT, -1 },
		{ false, 4, STATE__COUNT - 1, IC_STATE_MS(STATE__COUNT - 1) },
		{ false, 4, STATE__COUNT, -1 },
		{ false, 0, 0, -1 },
		{ false, 5, 0, IC_RX_CSUM(0) },
		{ false, 5, VRRP_CSUM__COUNT - 1, IC_RX_CSUM(VRRP_CSUM__COUNT - 1) },
		{ false, 5, VRRP_CSUM__COUNT, -1 },
		{ false, 6, 0, -1 },
		{ true, 5, 0, -1 },
		{ true, 1, NC__SCALARS - 1, NC__SCALARS - 1 },
		{ true, 1, NC__SCALARS, -1 },
		{ true, 2, VRRP_DROP__COUNT - 1, NC_UNKNOWN_DROP(VRRP_DROP__COUNT - 1) },
		{ true, 2, VRRP_DROP__COUNT, -1 },
		{ true, 3, 0, -1 },
		{ true, 4, 0, -1 },
	};

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		size_t n = one_key(buf, k[i].node, (uint64_t)k[i].sec << 8 | k[i].idx);
		uint64_t *v;
		size_t count;

		ck_assert_msg(counters_decode(buf, n, out), "key %u/%u", k[i].sec, k[i].idx);
		v = k[i].node ? out->node : out->inst[0].v;
		count = k[i].node ? NC__COUNT : IC__COUNT;
		for (size_t j = 0; j < count; j++)
			ck_assert_msg(v[j] == (k[i].index == (int)j), "key %u/%u: counter %zu = %llu",
				      k[i].sec, k[i].idx, j, (unsigned long long)v[j]);
		if (!k[i].node)
			ck_assert(all_zero(out->node, sizeof(out->node)));
	}
	free(out);
}
END_TEST

/* ---- records ---------------------------------------------------------- */

START_TEST(test_instance_create_and_find)
{
	struct counter_set *s = set_new();
	struct inst_counters *a = counters_instance(s, "a"), *b = counters_instance(s, "b");

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_ne(a, b);
	ck_assert_uint_eq(s->n, 2);
	ck_assert(a->active && b->active);
	ck_assert_str_eq(a->name, "a");
	a->v[IC_FAILOVERS] = 3;
	a->active = false;
	/* Found again: same record, values kept, active again. */
	ck_assert_ptr_eq(counters_instance(s, "a"), a);
	ck_assert_uint_eq(a->v[IC_FAILOVERS], 3);
	ck_assert(a->active);
	ck_assert_uint_eq(s->n, 2);
	ck_assert_ptr_eq(counters_find(s, "b"), b);
	ck_assert_ptr_null(counters_find(s, "c"));
	ck_assert_uint_eq(s->n, 2);
	counters_deactivate_all(s);
	ck_assert(!a->active && !b->active);
	/* CLUSTD_NAME_MAX characters cannot be stored; one less can. */
	char name[CLUSTD_NAME_MAX + 1];
	memset(name, 'x', CLUSTD_NAME_MAX);
	name[CLUSTD_NAME_MAX] = '\0';
	ck_assert_ptr_null(counters_instance(s, name));
	ck_assert_uint_eq(s->n, 2);
	name[CLUSTD_NAME_MAX - 1] = '\0';
	struct inst_counters *l = counters_instance(s, name);
	ck_assert_ptr_nonnull(l);
	ck_assert_str_eq(l->name, name);
	ck_assert_uint_eq(s->n, 3);
	free(s);
}
END_TEST

START_TEST(test_instance_full_reuses_inactive)
{
	struct counter_set *s = set_new();
	struct inst_counters *p[COUNTERS_MAX_INSTANCES];

	for (size_t i = 0; i < COUNTERS_MAX_INSTANCES; i++) {
		char name[8];

		snprintf(name, sizeof(name), "i%02zu", i);
		p[i] = counters_instance(s, name);
		ck_assert_ptr_nonnull(p[i]);
		p[i]->v[IC_ADVERTS_TX] = i + 1;
	}
	/* Full of active records: nothing can be made. */
	ck_assert_ptr_null(counters_instance(s, "new"));
	ck_assert_uint_eq(s->n, COUNTERS_MAX_INSTANCES);
	/* Two inactive: the first of them is reused, zeroed and active. */
	p[40]->active = false;
	p[17]->active = false;
	struct inst_counters *n = counters_instance(s, "new");
	ck_assert_ptr_eq(n, p[17]);
	ck_assert_str_eq(n->name, "new");
	ck_assert(n->active);
	ck_assert_uint_eq(n->v[IC_ADVERTS_TX], 0);
	ck_assert_ptr_null(counters_find(s, "i17"));
	/* Every other record unmoved, its values intact. */
	for (size_t i = 0; i < COUNTERS_MAX_INSTANCES; i++) {
		char name[8];

		if (i == 17)
			continue;
		snprintf(name, sizeof(name), "i%02zu", i);
		ck_assert_ptr_eq(counters_find(s, name), p[i]);
		ck_assert_uint_eq(p[i]->v[IC_ADVERTS_TX], i + 1);
	}
	ck_assert_ptr_eq(counters_instance(s, "new2"), p[40]);
	ck_assert_ptr_null(counters_instance(s, "new3"));
	ck_assert_uint_eq(s->n, COUNTERS_MAX_INSTANCES);
	free(s);
}
END_TEST

START_TEST(test_scalar_names)
{
	const char *seen[IC__SCALARS + NC__SCALARS];
	size_t n = 0;

	for (int i = 0; i < IC__SCALARS; i++)
		seen[n++] = counters_inst_scalar_name((enum inst_counter)i);
	for (int i = 0; i < NC__SCALARS; i++)
		seen[n++] = counters_node_scalar_name((enum node_counter)i);
	for (size_t i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(seen[i]);
		ck_assert_msg(seen[i][0] != '\0' && strcmp(seen[i], "?") != 0, "name %zu", i);
		for (const char *c = seen[i]; *c; c++)
			ck_assert_msg((*c >= 'a' && *c <= 'z') || *c == '_', "%s: not snake_case", seen[i]);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(seen[i], seen[j]) != 0, "%s twice", seen[i]);
	}
	ck_assert_str_eq(counters_inst_scalar_name(IC_ADVERTS_TX), "adverts_sent");
	ck_assert_str_eq(counters_node_scalar_name(NC_RESTARTS), "restarts");
	ck_assert_str_eq(counters_inst_scalar_name(IC__SCALARS), "?");
	ck_assert_str_eq(counters_node_scalar_name(NC__SCALARS), "?");
	ck_assert_str_eq(counters_node_scalar_name((enum node_counter)-1), "?");
}
END_TEST

/* ---- restore ---------------------------------------------------------- */

START_TEST(test_raise_semantics)
{
	struct counter_set *s = set_new(), *base = set_new(), *copy = set_new();
	struct inst_counters *si, *ci;

	/* Loaded from the file: restarts 10, web.adverts_sent 100. */
	base->node[NC_RESTARTS] = 10;
	counters_instance(base, "web")->v[IC_ADVERTS_TX] = 100;
	*s = *base;
	/* Since the start: one more restart, 5 more adverts. */
	s->node[NC_RESTARTS] = 11;
	si = counters_find(s, "web");
	si->v[IC_ADVERTS_TX] = 105;
	/* A peer saw more of the past: restarts 14, adverts 150, failovers
	 * 2; and one counter below ours (must not lower anything). */
	copy->node[NC_RESTARTS] = 14;
	ci = counters_instance(copy, "web");
	ci->v[IC_ADVERTS_TX] = 150;
	ci->v[IC_FAILOVERS] = 2;
	s->node[NC_GROUP_NOTIFY_RUNS] = 9;
	base->node[NC_GROUP_NOTIFY_RUNS] = 9;
	copy->node[NC_GROUP_NOTIFY_RUNS] = 4;

	ck_assert_uint_eq(counters_raise(s, base, copy), 3);
	ck_assert_uint_eq(s->node[NC_RESTARTS], 15);
	ck_assert_uint_eq(si->v[IC_ADVERTS_TX], 155);
	ck_assert_uint_eq(si->v[IC_FAILOVERS], 2);
	ck_assert_uint_eq(s->node[NC_GROUP_NOTIFY_RUNS], 9);
	ck_assert_uint_eq(base->node[NC_RESTARTS], 14);
	ck_assert_uint_eq(counters_find(base, "web")->v[IC_ADVERTS_TX], 150);
	ck_assert_uint_eq(counters_find(base, "web")->v[IC_FAILOVERS], 2);
	ck_assert_uint_eq(base->node[NC_GROUP_NOTIFY_RUNS], 9);
	ck_assert_ptr_eq(counters_find(s, "web"), si); /* record kept, not duplicated */
	ck_assert_uint_eq(s->n, 1);

	/* The same copy again (another peer held the same): nothing. */
	ck_assert_uint_eq(counters_raise(s, base, copy), 0);
	ck_assert_uint_eq(s->node[NC_RESTARTS], 15);
	ck_assert_uint_eq(si->v[IC_ADVERTS_TX], 155);
	/* An older copy: nothing either. */
	copy->node[NC_RESTARTS] = 12;
	ci->v[IC_ADVERTS_TX] = 120;
	ck_assert_uint_eq(counters_raise(s, base, copy), 0);
	ck_assert_uint_eq(s->node[NC_RESTARTS], 15);
	ck_assert_uint_eq(si->v[IC_ADVERTS_TX], 155);
	/* The incarnation is a number, not a count: the caller's business. */
	copy->incarnation = 77;
	ck_assert_uint_eq(counters_raise(s, base, copy), 0);
	ck_assert_uint_eq(s->incarnation, 0);
	free(s);
	free(base);
	free(copy);
}
END_TEST

/* B3: a copy names only what we count. Its instances that are not
 * configured here (not active in s) are skipped: a peer cannot fill the
 * set with made-up names until replication and persistence stop. */
START_TEST(test_raise_only_configured)
{
	struct counter_set *s = set_new(), *base = set_new(), *copy = set_new();
	char name[16];

	ck_assert_ptr_nonnull(counters_instance(s, "web"));
	counters_instance(copy, "web")->v[IC_NOTIFY_RUNS] = 3;
	counters_instance(copy, "old")->v[IC_TRACK_RUNS] = 8;
	for (int i = 0; i < COUNTERS_MAX_INSTANCES - 2; i++) {
		snprintf(name, sizeof(name), "junk%02d", i);
		counters_instance(copy, name)->v[IC_ADVERTS_TX] = 1000;
	}
	ck_assert_uint_eq(counters_raise(s, base, copy), 1);
	ck_assert_uint_eq(s->n, 1);
	ck_assert(counters_find(s, "web")->active);
	ck_assert_uint_eq(counters_find(s, "web")->v[IC_NOTIFY_RUNS], 3);
	ck_assert_ptr_null(counters_find(s, "old"));
	ck_assert_ptr_null(counters_find(s, "junk00"));
	ck_assert_ptr_null(counters_find(base, "junk00"));
	ck_assert_uint_le(base->n, 1);
	/* A record kept from the file for a removed instance (inactive) is
	 * not raised either: only what the config counts now. */
	counters_find(s, "web")->active = false;
	counters_instance(copy, "web")->v[IC_NOTIFY_RUNS] = 9;
	ck_assert_uint_eq(counters_raise(s, base, copy), 0);
	ck_assert_uint_eq(counters_find(s, "web")->v[IC_NOTIFY_RUNS], 3);
	free(s);
	free(base);
	free(copy);
}
END_TEST

/* B3: s gains copy - base; near the top that must stop at UINT64_MAX, not
 * wrap around to a small number (which the next commit would persist). */
START_TEST(test_raise_saturates)
{
	struct counter_set *s = set_new(), *base = set_new(), *copy = set_new();

	s->node[NC_RESTARTS] = UINT64_MAX - 5;
	copy->node[NC_RESTARTS] = 100;
	counters_instance(s, "web")->v[IC_ADVERTS_RX] = 10;
	counters_instance(copy, "web")->v[IC_ADVERTS_RX] = UINT64_MAX;
	counters_instance(s, "web")->v[IC_ADVERTS_TX] = UINT64_MAX;
	counters_instance(copy, "web")->v[IC_ADVERTS_TX] = 1;
	ck_assert_uint_eq(counters_raise(s, base, copy), 3);
	ck_assert_uint_eq(s->node[NC_RESTARTS], UINT64_MAX);
	ck_assert_uint_eq(counters_find(s, "web")->v[IC_ADVERTS_RX], UINT64_MAX);
	ck_assert_uint_eq(counters_find(s, "web")->v[IC_ADVERTS_TX], UINT64_MAX);
	free(s);
	free(base);
	free(copy);
}
END_TEST

/* B3: a copy that says we used an incarnation far above the wall clock is
 * forged or corrupt: refused whole (the caller would otherwise move to
 * that incarnation + 1, and 2^64 - 1 + 1 is 0). */
START_TEST(test_copy_plausible)
{
	struct counter_set *copy = set_new();
	const uint64_t limit = 1796000000ull + 86400;

	copy->incarnation = 1796000000ull;
	ck_assert(counters_copy_plausible(copy, limit));
	copy->incarnation = limit;
	ck_assert(counters_copy_plausible(copy, limit));
	copy->incarnation = limit + 1;
	ck_assert(!counters_copy_plausible(copy, limit));
	copy->incarnation = UINT64_MAX;
	ck_assert(!counters_copy_plausible(copy, limit));
	ck_assert(!counters_copy_plausible(copy, UINT64_MAX - 1));
	free(copy);
}
END_TEST

/* A full set at start: the config's new instance reuses an inactive
 * record in s (not in base). A copy must then neither add a loaded value
 * twice nor evict another record to make room. */
START_TEST(test_raise_full_set_no_double_count)
{
	struct counter_set *s = set_new(), *base, *copy = set_new();
	char name[16];

	for (int i = 0; i < COUNTERS_MAX_INSTANCES; i++) {
		snprintf(name, sizeof(name), "c%02d", i);
		counters_instance(s, name)->v[IC_ADVERTS_TX] = 100;
	}
	counters_deactivate_all(s);
	base = set_new();
	*base = *s;
	ck_assert_ptr_nonnull(counters_instance(s, "new")); /* takes c00's record */
	ck_assert_ptr_null(counters_find(s, "c00"));
	counters_instance(copy, "c05")->v[IC_ADVERTS_TX] = 100;
	counters_instance(copy, "c00")->v[IC_ADVERTS_TX] = 100;
	counters_raise(s, base, copy);
	ck_assert_uint_eq(counters_find(s, "c05")->v[IC_ADVERTS_TX], 100);
	ck_assert_ptr_null(counters_find(s, "c00")); /* no room: skipped, nothing evicted */
	ck_assert_ptr_nonnull(counters_find(s, "new"));
	for (int i = 1; i < COUNTERS_MAX_INSTANCES; i++) {
		snprintf(name, sizeof(name), "c%02d", i);
		ck_assert_ptr_nonnull(counters_find(s, name));
		ck_assert_uint_eq(counters_find(s, name)->v[IC_ADVERTS_TX], 100);
	}
	free(s);
	free(base);
	free(copy);
}
END_TEST

static void raise_in_order(struct counter_set *s, struct counter_set *base,
			   struct counter_set *const *copies, const int *order, size_t n)
{
	for (size_t i = 0; i < n; i++)
		counters_raise(s, base, copies[order[i]]);
}

/* Copies in any order give the same result: the highest of each counter
 * above base, added once to what was counted since the start. */
START_TEST(test_raise_order_independent)
{
	static const int orders[][3] = { { 0, 1, 2 }, { 2, 1, 0 }, { 1, 0, 2 }, { 2, 0, 1 } };
	struct counter_set *copies[3], *start = set_new(), *start_base = set_new();
	struct counter_set *s = set_new(), *base = set_new(), *first = set_new();

	/* base: the file; start: the file plus what happened since. */
	start_base->node[NC_RESTARTS] = 5;
	counters_instance(start_base, "a")->v[IC_ADVERTS_RX] = 50;
	*start = *start_base;
	ck_assert_ptr_nonnull(counters_instance(start, "b")); /* configured since */
	start->node[NC_RESTARTS] = 6;
	counters_find(start, "a")->v[IC_ADVERTS_RX] = 53;
	for (int c = 0; c < 3; c++) {
		copies[c] = set_new();
		copies[c]->node[NC_RESTARTS] = (uint64_t)(4 + c * 3);        /* 4, 7, 10 */
		copies[c]->node[NC_UNCLEAN_RESTARTS] = (uint64_t)(3 - c);    /* 3, 2, 1 */
		counters_instance(copies[c], "a")->v[IC_ADVERTS_RX] = (uint64_t)(60 - c * 10);
		counters_instance(copies[c], c == 1 ? "b" : "a")->v[IC_DROP_BASE + c] = 100;
	}
	for (size_t o = 0; o < sizeof(orders) / sizeof(orders[0]); o++) {
		*s = *start;
		*base = *start_base;
		raise_in_order(s, base, copies, orders[o], 3);
		ck_assert_uint_eq(s->node[NC_RESTARTS], 6 + (10 - 5));
		ck_assert_uint_eq(s->node[NC_UNCLEAN_RESTARTS], 3);
		ck_assert_uint_eq(counters_find(s, "a")->v[IC_ADVERTS_RX], 53 + (60 - 50));
		ck_assert_uint_eq(counters_find(s, "a")->v[IC_DROP_BASE + 0], 100);
		ck_assert_uint_eq(counters_find(s, "a")->v[IC_DROP_BASE + 2], 100);
		ck_assert_uint_eq(counters_find(s, "b")->v[IC_DROP_BASE + 1], 100);
		if (o == 0) {
			*first = *s;
			continue;
		}
		/* Record order may differ; values per name may not. */
		ck_assert_uint_eq(s->n, first->n);
		ck_assert_mem_eq(s->node, first->node, sizeof(s->node));
		for (size_t i = 0; i < first->n; i++) {
			struct inst_counters *x = counters_find(s, first->inst[i].name);

			ck_assert_ptr_nonnull(x);
			ck_assert_mem_eq(x->v, first->inst[i].v, sizeof(x->v));
		}
	}
	for (int c = 0; c < 3; c++)
		free(copies[c]);
	free(start);
	free(start_base);
	free(s);
	free(base);
	free(first);
}
END_TEST

/* ---- monotonic -------------------------------------------------------- */

START_TEST(test_monotonic)
{
	struct counter_set *before = set_new(), *after = set_new();
	const char *what = "unset";

	fill_medium(before);
	*after = *before;
	ck_assert(counters_monotonic(before, after, &what));
	ck_assert_ptr_null(what);
	/* Rising is fine; so are new instances. */
	after->node[NC_RESTARTS]++;
	after->incarnation++;
	counters_find(after, "web")->v[IC_ADVERTS_TX] += 1000;
	counters_instance(after, "new")->v[IC_FAILOVERS] = 1;
	ck_assert(counters_monotonic(before, after, &what));
	ck_assert_ptr_null(what);

	/* A lowered node scalar. */
	after->node[NC_UNCLEAN_RESTARTS] = before->node[NC_UNCLEAN_RESTARTS] - 1;
	ck_assert(!counters_monotonic(before, after, &what));
	ck_assert_str_eq(what, "unclean_restarts");
	after->node[NC_UNCLEAN_RESTARTS] = before->node[NC_UNCLEAN_RESTARTS];
	/* A lowered node drop counter. */
	after->node[NC_UNKNOWN_DROP(VRRP_DROP_VRID)]--;
	ck_assert(!counters_monotonic(before, after, &what));
	ck_assert_ptr_nonnull(what);
	ck_assert(strstr(what, "drop") != NULL);
	after->node[NC_UNKNOWN_DROP(VRRP_DROP_VRID)]++;
	ck_assert(counters_monotonic(before, after, &what));
	/* A lowered instance counter names the instance. */
	struct inst_counters *v6 = counters_find(after, "v6.backup-net_1");
	/* fill_medium sets every other counter: take one it set, near the end. */
	size_t k = IC_STATE_MS(STATE_FAULT);
	if (!v6->v[k])
		k--;
	uint64_t keep = v6->v[k];
	ck_assert_uint_gt(keep, 0);
	v6->v[k] = keep - 1;
	ck_assert(!counters_monotonic(before, after, &what));
	ck_assert_str_eq(what, "v6.backup-net_1");
	v6->v[k] = keep;
	/* A missing instance (it had counters). */
	strcpy(counters_find(after, "db6")->name, "db7");
	ck_assert(!counters_monotonic(before, after, &what));
	ck_assert_str_eq(what, "db6");
	strcpy(counters_find(after, "db7")->name, "db6");
	ck_assert(counters_monotonic(before, after, &what));
	/* The incarnation went back. */
	after->incarnation = before->incarnation - 1;
	ck_assert(!counters_monotonic(before, after, &what));
	ck_assert_str_eq(what, "incarnation");
	free(before);
	free(after);
}
END_TEST

static Suite *counters_suite(void)
{
	Suite *s = suite_create("counters");
	TCase *enc = tcase_create("encoding");
	TCase *dec = tcase_create("decoding");
	TCase *rec = tcase_create("records");
	TCase *res = tcase_create("restore");

	tcase_add_test(enc, test_round_trip_empty);
	tcase_add_test(enc, test_round_trip_full);
	tcase_add_test(enc, test_encoding_layout);
	tcase_add_test(enc, test_only_nonzero_encoded);
	tcase_add_test(enc, test_encode_cap_too_small);
	suite_add_tcase(s, enc);

	tcase_add_test(dec, test_decode_every_truncation);
	tcase_add_test(dec, test_decode_full_truncations);
	tcase_add_test(dec, test_decode_trailing_byte);
	tcase_add_test(dec, test_decode_bad_format);
	tcase_add_test(dec, test_decode_varint_limits);
	tcase_add_test(dec, test_decode_too_many_instances);
	tcase_add_test(dec, test_decode_names);
	tcase_add_test(dec, test_decode_duplicate_instance);
	tcase_add_test(dec, test_decode_pair_count_lies);
	tcase_add_test(dec, test_decode_unknown_keys_skipped);
	tcase_add_test(dec, test_decode_section_edges);
	suite_add_tcase(s, dec);

	tcase_add_test(rec, test_instance_create_and_find);
	tcase_add_test(rec, test_instance_full_reuses_inactive);
	tcase_add_test(rec, test_scalar_names);
	suite_add_tcase(s, rec);

	tcase_add_test(res, test_raise_semantics);
	tcase_add_test(res, test_raise_only_configured);
	tcase_add_test(res, test_raise_saturates);
	tcase_add_test(res, test_copy_plausible);
	tcase_add_test(res, test_raise_full_set_no_double_count);
	tcase_add_test(res, test_raise_order_independent);
	tcase_add_test(res, test_monotonic);
	suite_add_tcase(s, res);
	return s;
}

CLUSTD_TEST_MAIN(counters_suite)
