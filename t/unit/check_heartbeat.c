/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_heartbeat.c - unit tests of the heartbeat codec (src/heartbeat.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "heartbeat.h"
#include "fsm.h"
#include "testutil.h"

#define HDR_LEN 24 /* magic, version, flags, reserved, incarnation, seq */

static uint8_t key[CLUSTER_KEY_LEN];
static uint8_t other_key[CLUSTER_KEY_LEN];

static void setup(void)
{
	static const char secret[] = "correct horse battery staple\n";
	static const char other[] = "correct horse battery stable\n";

	cluster_key_derive((const uint8_t *)secret, strlen(secret), key);
	cluster_key_derive((const uint8_t *)other, strlen(other), other_key);
}

/* A heartbeat with ninst instances and ncnt bytes of counters (and of a
 * copy for another member), every field set to something that depends on
 * its position. */
static struct heartbeat *make_hb(size_t ninst, size_t ncnt)
{
	struct heartbeat *hb = calloc(1, sizeof(*hb));

	ck_assert_ptr_nonnull(hb);
	snprintf(hb->node, sizeof(hb->node), "node-a.example");
	hb->incarnation = 0x0102030405060708ULL;
	hb->seq = 0x1112131415161718ULL;
	hb->has_quorum = true;
	hb->ninstances = ninst;
	for (size_t i = 0; i < ninst; i++) {
		snprintf(hb->instances[i].name, CLUSTD_NAME_MAX, "vi_%zu", i);
		hb->instances[i].vrid = (uint8_t)(i + 1);
		hb->instances[i].state = (uint8_t)(i % STATE__COUNT);
		hb->instances[i].priority = (uint8_t)(255 - i);
	}
	hb->counters_len = ncnt;
	for (size_t i = 0; i < ncnt; i++)
		hb->counters[i] = (uint8_t)(0xa5 ^ i);
	if (ncnt) {
		hb->restore_request = true;
		snprintf(hb->copy_for, sizeof(hb->copy_for), "node-c");
		hb->copy_len = ncnt;
		for (size_t i = 0; i < ncnt; i++)
			hb->copy[i] = (uint8_t)(0x5a ^ (i * 7));
	}
	return hb;
}

static void assert_same(const struct heartbeat *a, const struct heartbeat *b)
{
	ck_assert_str_eq(a->node, b->node);
	ck_assert_uint_eq(a->incarnation, b->incarnation);
	ck_assert_uint_eq(a->seq, b->seq);
	ck_assert_int_eq(a->has_quorum, b->has_quorum);
	ck_assert_uint_eq(a->ninstances, b->ninstances);
	for (size_t i = 0; i < a->ninstances; i++) {
		ck_assert_str_eq(a->instances[i].name, b->instances[i].name);
		ck_assert_uint_eq(a->instances[i].vrid, b->instances[i].vrid);
		ck_assert_uint_eq(a->instances[i].state, b->instances[i].state);
		ck_assert_uint_eq(a->instances[i].priority, b->instances[i].priority);
	}
	ck_assert_uint_eq(a->counters_len, b->counters_len);
	ck_assert_mem_eq(a->counters, b->counters, a->counters_len);
	ck_assert_int_eq(a->restore_request, b->restore_request);
	ck_assert_str_eq(a->copy_for, b->copy_for);
	ck_assert_uint_eq(a->copy_len, b->copy_len);
	ck_assert_mem_eq(a->copy, b->copy, a->copy_len);
}

/* Decodes from a heap copy of exactly len bytes, so ASan sees any read
 * past the end. */
static enum hb_drop decode_exact(const uint8_t *msg, size_t len, const uint8_t *k,
				 struct heartbeat *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum hb_drop d;

	ck_assert_ptr_nonnull(copy);
	if (len)
		memcpy(copy, msg, len);
	d = hb_decode(copy, len, k, out);
	free(copy);
	return d;
}

/* ---- hand-built messages, for what hb_encode never produces ---------- */

struct msg {
	uint8_t b[CLUSTER_MAX_MSG];
	size_t len;
};

static void raw(struct msg *m, const void *p, size_t n)
{
	if (n == 0)
		return;
	ck_assert_uint_le(m->len + n, sizeof(m->b));
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void raw_u8(struct msg *m, uint8_t v)
{
	raw(m, &v, 1);
}

static void raw_header(struct msg *m)
{
	static const uint8_t hdr[HDR_LEN] = {
		'C', 'L', 'H', 'B', 1, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 9,   /* incarnation 9 */
		0, 0, 0, 0, 0, 0, 0, 42,  /* seq 42 */
	};

	m->len = 0;
	raw(m, hdr, sizeof(hdr));
}

static void raw_tlv(struct msg *m, uint8_t type, uint16_t len, const void *v, size_t vlen)
{
	raw_u8(m, type);
	raw_u8(m, (uint8_t)(len >> 8));
	raw_u8(m, (uint8_t)len);
	raw(m, v, vlen);
}

static void raw_name(struct msg *m, const char *name)
{
	raw_tlv(m, 1, (uint16_t)strlen(name), name, strlen(name));
}

static void raw_instance(struct msg *m, uint8_t vrid, uint8_t state, uint8_t prio,
			 const char *name)
{
	uint8_t v[3 + 256];
	size_t n = strlen(name);

	ck_assert_uint_le(n, 256);
	v[0] = vrid;
	v[1] = state;
	v[2] = prio;
	memcpy(v + 3, name, n);
	raw_tlv(m, 2, (uint16_t)(3 + n), v, 3 + n);
}

/* Appends a valid MAC over everything so far: the parser is then reached. */
static void sign(struct msg *m)
{
	ck_assert_uint_le(m->len + CLUSTER_MAC_LEN, sizeof(m->b));
	crypto_auth_hmacsha256(m->b + m->len, m->b, m->len, key);
	m->len += CLUSTER_MAC_LEN;
}

static enum hb_drop decode_msg(struct msg *m, struct heartbeat *out)
{
	return decode_exact(m->b, m->len, key, out);
}

/* ---- tests ------------------------------------------------------------ */

static void round_trip(size_t ninst, size_t ncnt)
{
	struct heartbeat *hb = make_hb(ninst, ncnt), *got = calloc(1, sizeof(*got));
	static uint8_t buf[CLUSTER_MAX_MSG];

	ck_assert_ptr_nonnull(got);
	size_t n = hb_encode(hb, key, buf, sizeof(buf));

	ck_assert_uint_gt(n, HDR_LEN + CLUSTER_MAC_LEN);
	ck_assert_int_eq(decode_exact(buf, n, key, got), HB_OK);
	assert_same(hb, got);
	/* The buffer's size is honoured to the byte. */
	ck_assert_uint_eq(hb_encode(hb, key, buf, n), n);
	ck_assert_uint_eq(hb_encode(hb, key, buf, n - 1), 0);
	free(hb);
	free(got);
}

START_TEST(test_round_trip_empty)
{
	round_trip(0, 0);
}
END_TEST

START_TEST(test_round_trip_one)
{
	round_trip(1, 1);
}
END_TEST

START_TEST(test_round_trip_full)
{
	round_trip(CLUSTER_MAX_INSTANCES, CLUSTER_COUNTERS_MAX);
}
END_TEST

START_TEST(test_round_trip_quorum_flag)
{
	struct heartbeat *hb = make_hb(2, 0), *got = calloc(1, sizeof(*got));
	uint8_t buf[1024];

	ck_assert_ptr_nonnull(got);
	hb->has_quorum = false;
	hb->incarnation = 0;
	hb->seq = UINT64_MAX;
	size_t n = hb_encode(hb, key, buf, sizeof(buf));

	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(buf[5], 0);
	ck_assert_int_eq(decode_exact(buf, n, key, got), HB_OK);
	assert_same(hb, got);
	free(hb);
	free(got);
}
END_TEST

/* The fixed header is exactly as documented. */
START_TEST(test_wire_header)
{
	struct heartbeat *hb = make_hb(0, 0);
	uint8_t buf[256];
	static const uint8_t want[] = {
		'C', 'L', 'H', 'B', 1, 1, 0, 0,
		1, 2, 3, 4, 5, 6, 7, 8,
		0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
		1, 0, 14, 'n', 'o', 'd', 'e', '-', 'a', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	};
	uint8_t mac[CLUSTER_MAC_LEN];

	size_t n = hb_encode(hb, key, buf, sizeof(buf));

	ck_assert_uint_eq(n, sizeof(want) + CLUSTER_MAC_LEN);
	ck_assert_mem_eq(buf, want, sizeof(want));
	crypto_auth_hmacsha256(mac, want, sizeof(want), key);
	ck_assert_mem_eq(buf + sizeof(want), mac, sizeof(mac));
	free(hb);
}
END_TEST

START_TEST(test_key_derive_is_sha256)
{
	uint8_t want[CLUSTER_KEY_LEN], got[CLUSTER_KEY_LEN];
	static const uint8_t s[] = "s3cret";

	crypto_hash_sha256(want, s, sizeof(s) - 1);
	cluster_key_derive(s, sizeof(s) - 1, got);
	ck_assert_mem_eq(got, want, sizeof(want));
	ck_assert_mem_ne(key, other_key, CLUSTER_KEY_LEN);
}
END_TEST

START_TEST(test_wrong_key)
{
	struct heartbeat *hb = make_hb(3, 3), *got = calloc(1, sizeof(*got));
	uint8_t buf[1024];

	ck_assert_ptr_nonnull(got);
	size_t n = hb_encode(hb, key, buf, sizeof(buf));

	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(decode_exact(buf, n, other_key, got), HB_DROP_AUTH);
	free(hb);
	free(got);
}
END_TEST

/* Every single-bit flip anywhere (header, TLVs, MAC) is caught. */
static void all_bit_flips(size_t ninst, size_t ncnt)
{
	struct heartbeat *hb = make_hb(ninst, ncnt), *got = calloc(1, sizeof(*got));
	static uint8_t buf[CLUSTER_MAX_MSG];

	ck_assert_ptr_nonnull(got);
	size_t n = hb_encode(hb, key, buf, sizeof(buf));

	ck_assert_uint_gt(n, 0);
	for (size_t bit = 0; bit < n * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		enum hb_drop d = decode_exact(buf, n, key, got);

		ck_assert_msg(d == HB_DROP_AUTH || (bit < 40 && d == HB_DROP_MAGIC),
			      "bit %zu of %zu: %s", bit, n * 8, hb_drop_name(d));
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	ck_assert_int_eq(decode_exact(buf, n, key, got), HB_OK);
	free(hb);
	free(got);
}

START_TEST(test_bit_flips_small)
{
	all_bit_flips(3, 2);
}
END_TEST

START_TEST(test_bit_flips_full)
{
	all_bit_flips(CLUSTER_MAX_INSTANCES, 64); /* every TLV kind; full-size counters would only repeat the same bytes */
}
END_TEST

/* Truncated at every length: never OK, never a read past the end. */
START_TEST(test_truncated)
{
	struct heartbeat *hb = make_hb(4, 4), *got = calloc(1, sizeof(*got));
	uint8_t buf[1024];

	ck_assert_ptr_nonnull(got);
	size_t n = hb_encode(hb, key, buf, sizeof(buf));

	ck_assert_uint_gt(n, 0);
	for (size_t len = 0; len < n; len++) {
		enum hb_drop d = decode_exact(buf, len, key, got);

		if (len < HDR_LEN + CLUSTER_MAC_LEN)
			ck_assert_msg(d == HB_DROP_SHORT, "len %zu: %s", len, hb_drop_name(d));
		else
			ck_assert_msg(d == HB_DROP_AUTH, "len %zu: %s", len, hb_drop_name(d));
	}
	free(hb);
	free(got);
}
END_TEST

START_TEST(test_short_beats_magic)
{
	struct heartbeat got;
	uint8_t junk[HDR_LEN + CLUSTER_MAC_LEN - 1] = { 0 };

	ck_assert_int_eq(hb_decode(junk, sizeof(junk), key, &got), HB_DROP_SHORT);
	ck_assert_int_eq(hb_decode(junk, 0, key, &got), HB_DROP_SHORT);
}
END_TEST

START_TEST(test_magic_and_version)
{
	struct msg m;
	struct heartbeat got;

	raw_header(&m);
	raw_name(&m, "b");
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_OK);

	m.b[0] = 'X';
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MAGIC);

	/* Version 2, even correctly signed, is not understood. */
	raw_header(&m);
	m.b[4] = 2;
	raw_name(&m, "b");
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MAGIC);
	m.b[4] = 0;
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MAGIC);
}
END_TEST

/* Flag bits other than has_quorum and the reserved bytes are ignored. */
START_TEST(test_reserved_ignored)
{
	struct msg m;
	struct heartbeat got;

	raw_header(&m);
	m.b[5] = 0xfe;
	m.b[6] = 0xaa;
	m.b[7] = 0x55;
	raw_name(&m, "b");
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_OK);
	ck_assert(!got.has_quorum);
	ck_assert_uint_eq(got.incarnation, 9);
	ck_assert_uint_eq(got.seq, 42);
}
END_TEST

START_TEST(test_unknown_tlv_skipped)
{
	static const uint8_t blob[] = { 1, 2, 3, 4, 5, 0, 0xff };
	static const uint8_t cnt[16] = { 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 1, 0 };
	struct msg m;
	struct heartbeat got;

	raw_header(&m);
	raw_tlv(&m, 200, sizeof(blob), blob, sizeof(blob));
	raw_name(&m, "node-b");
	raw_tlv(&m, 0, 0, NULL, 0);
	raw_instance(&m, 51, STATE_MASTER, 200, "vi_1");
	raw_tlv(&m, 9, sizeof(blob), blob, sizeof(blob));
	raw_tlv(&m, 3, sizeof(cnt), cnt, sizeof(cnt));
	raw_tlv(&m, 255, 0, NULL, 0);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_OK);
	ck_assert_str_eq(got.node, "node-b");
	ck_assert_uint_eq(got.ninstances, 1);
	ck_assert_str_eq(got.instances[0].name, "vi_1");
	ck_assert_uint_eq(got.instances[0].vrid, 51);
	ck_assert_uint_eq(got.instances[0].state, STATE_MASTER);
	ck_assert_uint_eq(got.instances[0].priority, 200);
	ck_assert_uint_eq(got.counters_len, sizeof(cnt));
	ck_assert_mem_eq(got.counters, cnt, sizeof(cnt));
}
END_TEST

/* A TLV whose length runs past the end, in a correctly signed message. */
START_TEST(test_overrun_tlv)
{
	struct msg m;
	struct heartbeat got;

	raw_header(&m);
	raw_name(&m, "node-b");
	raw_tlv(&m, 9, 5, "abcd", 4); /* claims 5, has 4 */
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
	ck_assert_str_eq(got.node, ""); /* nothing half-parsed is left */

	raw_header(&m);
	raw_tlv(&m, 1, 0xffff, "node-b", 6);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
}
END_TEST

/* One or two bytes left over: not even a TLV header. */
START_TEST(test_partial_tlv_header)
{
	struct msg m;
	struct heartbeat got;

	for (size_t extra = 1; extra <= 2; extra++) {
		raw_header(&m);
		raw_name(&m, "node-b");
		raw(&m, "\x09\x00", extra);
		sign(&m);
		ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
	}
}
END_TEST

START_TEST(test_name_rules)
{
	char longest[CLUSTD_NAME_MAX], too_long[CLUSTD_NAME_MAX + 1];
	struct msg m;
	struct heartbeat got;

	memset(longest, 'n', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memset(too_long, 'n', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';

	raw_header(&m);
	raw_name(&m, longest);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_OK);
	ck_assert_str_eq(got.node, longest);

	raw_header(&m);
	raw_name(&m, too_long);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* missing */
	raw_instance(&m, 1, STATE_BACKUP, 100, "vi_1");
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* empty */
	raw_name(&m, "");
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* twice */
	raw_name(&m, "node-b");
	raw_name(&m, "node-c");
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
}
END_TEST

START_TEST(test_name_bytes)
{
	static const char *const bad[] = { "a b", "a\tb", "a\nb", "a\x7f", "\x80x", "\xffx" };
	struct msg m;
	struct heartbeat got;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		raw_header(&m);
		raw_name(&m, bad[i]);
		sign(&m);
		ck_assert_msg(decode_msg(&m, &got) == HB_DROP_MALFORMED, "name %zu", i);

		raw_header(&m);
		raw_name(&m, "node-b");
		raw_instance(&m, 1, STATE_BACKUP, 100, bad[i]);
		sign(&m);
		ck_assert_msg(decode_msg(&m, &got) == HB_DROP_MALFORMED, "instance %zu", i);
	}
	/* An embedded NUL would cut the name short: refused too. */
	raw_header(&m);
	raw_tlv(&m, 1, 3, "a\0b", 3);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
}
END_TEST

START_TEST(test_instance_rules)
{
	char too_long[CLUSTD_NAME_MAX + 1];
	struct msg m;
	struct heartbeat got;

	memset(too_long, 'i', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';

	raw_header(&m); /* name too long */
	raw_name(&m, "node-b");
	raw_instance(&m, 1, STATE_BACKUP, 100, too_long);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* no name */
	raw_name(&m, "node-b");
	raw_instance(&m, 1, STATE_BACKUP, 100, "");
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* shorter than vrid, state, priority */
	raw_name(&m, "node-b");
	raw_tlv(&m, 2, 2, "\x01\x01", 2);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* no such state */
	raw_name(&m, "node-b");
	raw_instance(&m, 1, STATE__COUNT, 100, "vi_1");
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
}
END_TEST

START_TEST(test_too_many_instances)
{
	struct msg m;
	struct heartbeat got;

	raw_header(&m);
	raw_name(&m, "node-b");
	for (int i = 0; i < CLUSTER_MAX_INSTANCES; i++)
		raw_instance(&m, (uint8_t)(i + 1), STATE_BACKUP, 100, "v");
	struct msg full = m;

	sign(&full);
	ck_assert_int_eq(decode_msg(&full, &got), HB_OK);
	ck_assert_uint_eq(got.ninstances, CLUSTER_MAX_INSTANCES);

	raw_instance(&m, 200, STATE_BACKUP, 100, "v");
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
}
END_TEST

START_TEST(test_counter_rules)
{
	static uint8_t v[CLUSTER_COUNTERS_MAX + 1];
	struct msg m;
	struct heartbeat got;

	memset(v, 0x5a, sizeof(v));

	raw_header(&m); /* the most */
	raw_name(&m, "node-b");
	raw_tlv(&m, 3, CLUSTER_COUNTERS_MAX, v, CLUSTER_COUNTERS_MAX);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_OK);
	ck_assert_uint_eq(got.counters_len, CLUSTER_COUNTERS_MAX);
	ck_assert_uint_eq(got.counters[CLUSTER_COUNTERS_MAX - 1], 0x5a);

	raw_header(&m); /* one byte too many */
	raw_name(&m, "node-b");
	raw_tlv(&m, 3, sizeof(v), v, sizeof(v));
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* twice */
	raw_name(&m, "node-b");
	raw_tlv(&m, 3, 8, v, 8);
	raw_tlv(&m, 3, 8, v, 8);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* empty: no counters */
	raw_name(&m, "node-b");
	raw_tlv(&m, 3, 0, NULL, 0);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_OK);
	ck_assert_uint_eq(got.counters_len, 0);
}
END_TEST

/* TLV 4 is empty and appears once; TLV 5 names a member, then the copy. */
START_TEST(test_restore_rules)
{
	static uint8_t v[1 + 6 + CLUSTER_COUNTERS_MAX + 1];
	struct msg m;
	struct heartbeat got;

	v[0] = 6;
	memcpy(v + 1, "node-c", 6);
	memset(v + 7, 0x33, sizeof(v) - 7);

	raw_header(&m);
	raw_name(&m, "node-b");
	raw_tlv(&m, 4, 0, NULL, 0);
	raw_tlv(&m, 5, 7 + 10, v, 7 + 10);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_OK);
	ck_assert(got.restore_request);
	ck_assert_str_eq(got.copy_for, "node-c");
	ck_assert_uint_eq(got.copy_len, 10);
	ck_assert_uint_eq(got.copy[9], 0x33);

	raw_header(&m); /* an empty copy: the sender holds none */
	raw_name(&m, "node-b");
	raw_tlv(&m, 5, 7, v, 7);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_OK);
	ck_assert(!got.restore_request);
	ck_assert_str_eq(got.copy_for, "node-c");
	ck_assert_uint_eq(got.copy_len, 0);

	raw_header(&m); /* the largest copy */
	raw_name(&m, "node-b");
	raw_tlv(&m, 5, sizeof(v) - 1, v, sizeof(v) - 1);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_OK);
	ck_assert_uint_eq(got.copy_len, CLUSTER_COUNTERS_MAX);

	raw_header(&m); /* one byte too many */
	raw_name(&m, "node-b");
	raw_tlv(&m, 5, sizeof(v), v, sizeof(v));
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* a restore request with a value */
	raw_name(&m, "node-b");
	raw_tlv(&m, 4, 1, v, 1);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* two requests */
	raw_name(&m, "node-b");
	raw_tlv(&m, 4, 0, NULL, 0);
	raw_tlv(&m, 4, 0, NULL, 0);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* two copies */
	raw_name(&m, "node-b");
	raw_tlv(&m, 5, 7, v, 7);
	raw_tlv(&m, 5, 7, v, 7);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	v[0] = 0; /* no name */
	raw_header(&m);
	raw_name(&m, "node-b");
	raw_tlv(&m, 5, 7, v, 7);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	v[0] = 7; /* name longer than the value */
	raw_header(&m);
	raw_name(&m, "node-b");
	raw_tlv(&m, 5, 7, v, 7);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	v[0] = 6; /* a name with a space */
	v[3] = ' ';
	raw_header(&m);
	raw_name(&m, "node-b");
	raw_tlv(&m, 5, 7, v, 7);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
}
END_TEST

/* hb_encode refuses what a receiver would drop as malformed. */
START_TEST(test_encode_refuses_invalid)
{
	struct heartbeat *hb = make_hb(1, 0);
	uint8_t buf[1024];

	ck_assert_uint_gt(hb_encode(hb, key, buf, sizeof(buf)), 0);
	hb->node[0] = '\0';
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->node, sizeof(hb->node), "has space");
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->node, sizeof(hb->node), "ok");
	hb->instances[0].state = STATE__COUNT;
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	hb->instances[0].state = STATE_FAULT;
	hb->instances[0].name[0] = '\0';
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->instances[0].name, CLUSTD_NAME_MAX, "vi");
	hb->ninstances = CLUSTER_MAX_INSTANCES + 1;
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	hb->ninstances = 1;
	hb->counters_len = CLUSTER_COUNTERS_MAX + 1;
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	hb->counters_len = 0;
	hb->copy_len = 1; /* a copy for nobody */
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->copy_for, sizeof(hb->copy_for), "bad name");
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->copy_for, sizeof(hb->copy_for), "n2");
	hb->copy_len = CLUSTER_COUNTERS_MAX + 1;
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	hb->copy_len = 0;
	ck_assert_uint_gt(hb_encode(hb, key, buf, sizeof(buf)), 0);
	free(hb);
}
END_TEST

START_TEST(test_encode_small_buffer)
{
	struct heartbeat *hb = make_hb(2, 2);
	uint8_t buf[512];
	size_t n = hb_encode(hb, key, buf, sizeof(buf));

	ck_assert_uint_gt(n, 0);
	for (size_t cap = 0; cap < n; cap++) {
		uint8_t *b = malloc(cap ? cap : 1);

		ck_assert_ptr_nonnull(b);
		ck_assert_uint_eq(hb_encode(hb, key, b, cap), 0);
		free(b);
	}
	free(hb);
}
END_TEST

/* The worst case the limits allow: 64 instances with 63-byte names, full
 * counters, a restore request and a full copy for a 63-byte name. The
 * caller's buffer must be at least this big. */
START_TEST(test_worst_case_size)
{
	struct heartbeat *hb = make_hb(CLUSTER_MAX_INSTANCES, CLUSTER_COUNTERS_MAX);
	static uint8_t buf[CLUSTER_MAX_MSG + 1024];

	memset(hb->node, 'n', CLUSTD_NAME_MAX - 1);
	memset(hb->copy_for, 'c', CLUSTD_NAME_MAX - 1);
	for (size_t i = 0; i < hb->ninstances; i++)
		memset(hb->instances[i].name, 'i', CLUSTD_NAME_MAX - 1);
	size_t n = hb_encode(hb, key, buf, sizeof(buf));
	size_t want = HDR_LEN + 3 + 63 + CLUSTER_MAX_INSTANCES * (3 + 3 + 63) +
		      3 + CLUSTER_COUNTERS_MAX + 3 + 3 + 1 + 63 + CLUSTER_COUNTERS_MAX +
		      CLUSTER_MAC_LEN;

	ck_assert_uint_eq(n, want);
	ck_assert_uint_le(n, CLUSTER_MAX_MSG);
	free(hb);
}
END_TEST

START_TEST(test_drop_names)
{
	static const char *const want[HB_DROP__COUNT] = {
		"ok", "short", "bad_magic", "bad_auth", "malformed", "replay",
		"unknown_member", "own",
	};

	for (int d = 0; d < HB_DROP__COUNT; d++)
		ck_assert_str_eq(hb_drop_name((enum hb_drop)d), want[d]);
	ck_assert_str_eq(hb_drop_name(HB_DROP__COUNT), "invalid");
}
END_TEST

static Suite *heartbeat_suite(void)
{
	Suite *s = suite_create("heartbeat");
	TCase *codec = tcase_create("codec");
	TCase *attack = tcase_create("attack");
	TCase *parse = tcase_create("parse");

	tcase_add_checked_fixture(codec, setup, NULL);
	tcase_add_test(codec, test_round_trip_empty);
	tcase_add_test(codec, test_round_trip_one);
	tcase_add_test(codec, test_round_trip_full);
	tcase_add_test(codec, test_round_trip_quorum_flag);
	tcase_add_test(codec, test_wire_header);
	tcase_add_test(codec, test_key_derive_is_sha256);
	tcase_add_test(codec, test_encode_refuses_invalid);
	tcase_add_test(codec, test_encode_small_buffer);
	tcase_add_test(codec, test_worst_case_size);
	tcase_add_test(codec, test_drop_names);
	suite_add_tcase(s, codec);

	tcase_add_checked_fixture(attack, setup, NULL);
	tcase_set_timeout(attack, 60);
	tcase_add_test(attack, test_wrong_key);
	tcase_add_test(attack, test_bit_flips_small);
	tcase_add_test(attack, test_bit_flips_full);
	tcase_add_test(attack, test_truncated);
	tcase_add_test(attack, test_short_beats_magic);
	suite_add_tcase(s, attack);

	tcase_add_checked_fixture(parse, setup, NULL);
	tcase_add_test(parse, test_magic_and_version);
	tcase_add_test(parse, test_reserved_ignored);
	tcase_add_test(parse, test_unknown_tlv_skipped);
	tcase_add_test(parse, test_overrun_tlv);
	tcase_add_test(parse, test_partial_tlv_header);
	tcase_add_test(parse, test_name_rules);
	tcase_add_test(parse, test_name_bytes);
	tcase_add_test(parse, test_instance_rules);
	tcase_add_test(parse, test_too_many_instances);
	tcase_add_test(parse, test_counter_rules);
	tcase_add_test(parse, test_restore_rules);
	suite_add_tcase(s, parse);
	return s;
}

CLUSTD_TEST_MAIN(heartbeat_suite)
