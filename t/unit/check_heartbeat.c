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

/* A heartbeat with ninst instances and necho echoed nonces (and, with
 * any, a restore request), every field set to something that depends on
 * its position. */
static struct heartbeat *make_hb(size_t ninst, size_t necho)
{
	struct heartbeat *hb = calloc(1, sizeof(*hb));

	ck_assert_ptr_nonnull(hb);
	hb->kind = HB_KIND_HEARTBEAT;
	snprintf(hb->node, sizeof(hb->node), "node-a.example");
	hb->incarnation = 0x0102030405060708ULL;
	hb->seq = 0x1112131415161718ULL;
	hb->has_quorum = true;
	hb->nonce = 0x2122232425262728ULL;
	hb->ninstances = ninst;
	for (size_t i = 0; i < ninst; i++) {
		snprintf(hb->instances[i].name, CLUSTD_NAME_MAX, "vi_%zu", i);
		hb->instances[i].vrid = (uint8_t)(i + 1);
		hb->instances[i].state = (uint8_t)(i % STATE__COUNT);
		hb->instances[i].priority = (uint8_t)(255 - i);
	}
	hb->necho = necho;
	for (size_t i = 0; i < necho; i++)
		hb->echo[i] = 0xe000000000000000ULL + i * 0x10001;
	hb->restore_request = necho > 0;
	return hb;
}

/* A piece of len bytes at offset of a total-byte record, for copy_for
 * ("" = the sender's own). */
static struct heartbeat *make_piece(const char *copy_for, size_t offset, size_t len, size_t total)
{
	struct heartbeat *hb = make_hb(0, 0);

	hb->kind = HB_KIND_PIECE;
	hb->nonce = 0;
	snprintf(hb->piece.copy_for, sizeof(hb->piece.copy_for), "%s", copy_for);
	hb->piece.nonce = copy_for[0] ? 0x3132333435363738ULL : 0;
	hb->piece.generation = 0x4142434445464748ULL;
	hb->piece.total = (uint16_t)total;
	hb->piece.offset = (uint16_t)offset;
	hb->piece.len = len;
	for (size_t i = 0; i < len; i++)
		hb->piece.data[i] = (uint8_t)(0xa5 ^ (offset + i));
	return hb;
}

static void assert_same(const struct heartbeat *a, const struct heartbeat *b)
{
	ck_assert_uint_eq(a->kind, b->kind);
	ck_assert_str_eq(a->node, b->node);
	ck_assert_uint_eq(a->incarnation, b->incarnation);
	ck_assert_uint_eq(a->seq, b->seq);
	ck_assert_int_eq(a->has_quorum, b->has_quorum);
	ck_assert_uint_eq(a->nonce, b->nonce);
	ck_assert_uint_eq(a->necho, b->necho);
	for (size_t i = 0; i < a->necho; i++)
		ck_assert_uint_eq(a->echo[i], b->echo[i]);
	ck_assert_uint_eq(a->ninstances, b->ninstances);
	for (size_t i = 0; i < a->ninstances; i++) {
		ck_assert_str_eq(a->instances[i].name, b->instances[i].name);
		ck_assert_uint_eq(a->instances[i].vrid, b->instances[i].vrid);
		ck_assert_uint_eq(a->instances[i].state, b->instances[i].state);
		ck_assert_uint_eq(a->instances[i].priority, b->instances[i].priority);
	}
	ck_assert_int_eq(a->restore_request, b->restore_request);
	ck_assert_str_eq(a->piece.copy_for, b->piece.copy_for);
	ck_assert_uint_eq(a->piece.nonce, b->piece.nonce);
	ck_assert_uint_eq(a->piece.generation, b->piece.generation);
	ck_assert_uint_eq(a->piece.total, b->piece.total);
	ck_assert_uint_eq(a->piece.offset, b->piece.offset);
	ck_assert_uint_eq(a->piece.len, b->piece.len);
	ck_assert_mem_eq(a->piece.data, b->piece.data, a->piece.len);
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
	uint8_t b[CLUSTER_MAX_MSG + 16384];
	size_t len;
	bool bare; /* sign() adds no nonce TLV */
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
		'C', 'L', 'H', 'B', 2, 0, 1, 0, /* version 2, heartbeat */
		0, 0, 0, 0, 0, 0, 0, 9,   /* incarnation 9 */
		0, 0, 0, 0, 0, 0, 0, 42,  /* seq 42 */
	};

	m->len = 0;
	m->bare = false;
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

static void raw_nonce(struct msg *m)
{
	static const uint8_t nonce[8] = { 0, 0, 0, 0, 0, 0, 0, 0x77 };

	raw_tlv(m, 6, 8, nonce, 8);
}

/* Appends the nonce a heartbeat must carry (unless bare, or a piece) and
 * a valid MAC over everything so far: the parser is then reached. */
static void sign(struct msg *m)
{
	if (!m->bare && m->b[6] == HB_KIND_HEARTBEAT)
		raw_nonce(m);
	ck_assert_uint_le(m->len + CLUSTER_MAC_LEN, sizeof(m->b));
	crypto_auth_hmacsha256(m->b + m->len, m->b, m->len, key);
	m->len += CLUSTER_MAC_LEN;
}

static enum hb_drop decode_msg(struct msg *m, struct heartbeat *out)
{
	return decode_exact(m->b, m->len, key, out);
}

/* ---- tests ------------------------------------------------------------ */

static void round_trip_of(struct heartbeat *hb)
{
	struct heartbeat *got = calloc(1, sizeof(*got));
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

static void round_trip(size_t ninst, size_t necho)
{
	round_trip_of(make_hb(ninst, necho));
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
	round_trip(CLUSTER_MAX_INSTANCES, CLUSTER_MAX_ECHO);
}
END_TEST

START_TEST(test_round_trip_pieces)
{
	char longest[CLUSTD_NAME_MAX];

	memset(longest, 'c', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	round_trip_of(make_piece("", 0, 1, 1));
	round_trip_of(make_piece("", 0, CLUSTER_PIECE_MAX, CLUSTER_COUNTERS_MAX));
	round_trip_of(make_piece("node-c", CLUSTER_COUNTERS_MAX - 5, 5, CLUSTER_COUNTERS_MAX));
	round_trip_of(make_piece("node-c", 0, 0, 0)); /* holds none */
	round_trip_of(make_piece(longest, 100, CLUSTER_PIECE_MAX, 2000));
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
		'C', 'L', 'H', 'B', 2, 1, 1, 0,
		1, 2, 3, 4, 5, 6, 7, 8,
		0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
		1, 0, 14, 'n', 'o', 'd', 'e', '-', 'a', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		6, 0, 8, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
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
static void all_bit_flips_of(struct heartbeat *hb)
{
	struct heartbeat *got = calloc(1, sizeof(*got));
	static uint8_t buf[CLUSTER_MAX_MSG];

	ck_assert_ptr_nonnull(got);
	size_t n = hb_encode(hb, key, buf, sizeof(buf));

	ck_assert_uint_gt(n, 0);
	for (size_t bit = 0; bit < n * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		enum hb_drop d = decode_exact(buf, n, key, got);

		ck_assert_msg(d == HB_DROP_AUTH || (bit < 56 && d == HB_DROP_MAGIC),
			      "bit %zu of %zu: %s", bit, n * 8, hb_drop_name(d));
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	ck_assert_int_eq(decode_exact(buf, n, key, got), HB_OK);
	free(hb);
	free(got);
}

static void all_bit_flips(size_t ninst, size_t necho)
{
	all_bit_flips_of(make_hb(ninst, necho));
}

START_TEST(test_bit_flips_small)
{
	all_bit_flips(3, 2);
}
END_TEST

START_TEST(test_bit_flips_piece)
{
	all_bit_flips_of(make_piece("node-c", 10, 40, 100));
}
END_TEST

START_TEST(test_bit_flips_full)
{
	all_bit_flips(CLUSTER_MAX_INSTANCES, CLUSTER_MAX_ECHO);
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
	ck_assert_uint_eq(got.kind, HB_KIND_HEARTBEAT);

	m.b[0] = 'X';
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MAGIC);

	/* Version 1 (the counters rode in the heartbeat) and 3, even
	 * correctly signed, are not understood. */
	for (uint8_t v = 0; v <= 3; v += 1) {
		if (v == 2)
			continue;
		raw_header(&m);
		m.b[4] = v;
		raw_name(&m, "b");
		sign(&m);
		ck_assert_msg(decode_msg(&m, &got) == HB_DROP_MAGIC, "version %u", v);
	}
	/* Nor a kind other than heartbeat and piece. */
	for (uint8_t k = 0; k < 5; k += 3) {
		raw_header(&m);
		m.b[6] = k;
		raw_name(&m, "b");
		sign(&m);
		ck_assert_msg(decode_msg(&m, &got) == HB_DROP_MAGIC, "kind %u", k);
	}
}
END_TEST

/* Flag bits other than has_quorum and the reserved bytes are ignored. */
START_TEST(test_reserved_ignored)
{
	struct msg m;
	struct heartbeat got;

	raw_header(&m);
	m.b[5] = 0xfe;
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
	raw_tlv(&m, 3, sizeof(cnt), cnt, sizeof(cnt)); /* version 1's counters */
	raw_tlv(&m, 5, sizeof(cnt), cnt, sizeof(cnt)); /* version 1's copy */
	raw_tlv(&m, 255, 0, NULL, 0);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_OK);
	ck_assert_str_eq(got.node, "node-b");
	ck_assert_uint_eq(got.ninstances, 1);
	ck_assert_str_eq(got.instances[0].name, "vi_1");
	ck_assert_uint_eq(got.instances[0].vrid, 51);
	ck_assert_uint_eq(got.instances[0].state, STATE_MASTER);
	ck_assert_uint_eq(got.instances[0].priority, 200);
	ck_assert_uint_eq(got.nonce, 0x77);
}
END_TEST

/* A TLV whose length runs past the end, in a correctly signed message. */
START_TEST(test_overrun_tlv)
{
	struct msg m;
	struct heartbeat got;

	raw_header(&m);
	m.bare = true;
	raw_name(&m, "node-b");
	raw_nonce(&m);
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
		m.bare = true;
		raw_name(&m, "node-b");
		raw_nonce(&m);
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

/* TLV 8: name length, name, nonce, generation, total, offset, data. */
static void raw_piece(struct msg *m, uint8_t name_len, const char *name, uint16_t total,
		      uint16_t offset, size_t len)
{
	static uint8_t v[1 + 255 + 20 + CLUSTER_PIECE_MAX + 16];
	size_t n = 0;

	v[n++] = name_len;
	memcpy(v + n, name, strlen(name));
	n += strlen(name);
	memset(v + n, 0x11, 16); /* nonce, generation */
	n += 16;
	v[n++] = (uint8_t)(total >> 8);
	v[n++] = (uint8_t)total;
	v[n++] = (uint8_t)(offset >> 8);
	v[n++] = (uint8_t)offset;
	memset(v + n, 0x5a, len);
	n += len;
	raw_tlv(m, 8, (uint16_t)n, v, n);
}

static void piece_header(struct msg *m)
{
	raw_header(m);
	m->b[6] = HB_KIND_PIECE;
	raw_name(m, "node-b");
}

static enum hb_drop piece_case(uint8_t name_len, const char *name, uint16_t total,
			       uint16_t offset, size_t len, struct heartbeat *got)
{
	struct msg m;

	piece_header(&m);
	raw_piece(&m, name_len, name, total, offset, len);
	sign(&m);
	return decode_msg(&m, got);
}

START_TEST(test_piece_rules)
{
	static struct heartbeat got;
	struct msg m;

	ck_assert_int_eq(piece_case(0, "", 100, 0, 100, &got), HB_OK);
	ck_assert_uint_eq(got.kind, HB_KIND_PIECE);
	ck_assert_str_eq(got.piece.copy_for, "");
	ck_assert_uint_eq(got.piece.len, 100);
	ck_assert_uint_eq(got.piece.nonce, 0x1111111111111111ULL);
	ck_assert_int_eq(piece_case(6, "node-c", 12000, 11040, CLUSTER_PIECE_MAX, &got), HB_OK);
	ck_assert_str_eq(got.piece.copy_for, "node-c");
	ck_assert_uint_eq(got.piece.offset, 11040);
	ck_assert_int_eq(piece_case(6, "node-c", 0, 0, 0, &got), HB_OK); /* holds none */
	/* Over the limits, or not adding up. */
	ck_assert_int_eq(piece_case(0, "", 100, 0, CLUSTER_PIECE_MAX + 1, &got), HB_DROP_MALFORMED);
	ck_assert_int_eq(piece_case(0, "", CLUSTER_COUNTERS_MAX + 1, 0, 10, &got),
			 HB_DROP_MALFORMED);
	ck_assert_int_eq(piece_case(0, "", 100, 91, 10, &got), HB_DROP_MALFORMED);
	ck_assert_int_eq(piece_case(0, "", 100, 0, 0, &got), HB_DROP_MALFORMED);
	ck_assert_int_eq(piece_case(7, "node-c", 10, 0, 0, &got), HB_DROP_MALFORMED);
	ck_assert_int_eq(piece_case(6, "no de", 10, 0, 10, &got), HB_DROP_MALFORMED);
	/* Shorter than its fixed part. */
	piece_header(&m);
	raw_tlv(&m, 8, 20, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
	/* Twice; none; in a heartbeat; a piece with a heartbeat's TLVs. */
	piece_header(&m);
	raw_piece(&m, 0, "", 10, 0, 5);
	raw_piece(&m, 0, "", 10, 5, 5);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
	piece_header(&m);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
	raw_header(&m);
	raw_name(&m, "node-b");
	raw_piece(&m, 0, "", 10, 0, 10);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
	piece_header(&m);
	raw_piece(&m, 0, "", 10, 0, 10);
	raw_instance(&m, 1, STATE_BACKUP, 100, "vi");
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
	piece_header(&m);
	raw_piece(&m, 0, "", 10, 0, 10);
	raw_nonce(&m);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
}
END_TEST

/* TLV 4 is empty and appears once; TLV 6 (nonce) is 8 bytes, exactly
 * once; TLV 7 (echo) is up to 32 nonces, at most once. */
START_TEST(test_restore_nonce_echo_rules)
{
	static uint8_t v[8 * (CLUSTER_MAX_ECHO + 1)];
	struct msg m;
	struct heartbeat got;

	for (size_t i = 0; i < sizeof(v); i++)
		v[i] = (uint8_t)i;
	raw_header(&m);
	raw_name(&m, "node-b");
	raw_tlv(&m, 4, 0, NULL, 0);
	raw_tlv(&m, 7, 8 * CLUSTER_MAX_ECHO, v, 8 * CLUSTER_MAX_ECHO);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_OK);
	ck_assert(got.restore_request);
	ck_assert_uint_eq(got.necho, CLUSTER_MAX_ECHO);
	ck_assert_uint_eq(got.echo[1], 0x08090a0b0c0d0e0fULL);

	raw_header(&m); /* an empty echo: hears nobody */
	raw_name(&m, "node-b");
	raw_tlv(&m, 7, 0, NULL, 0);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_OK);
	ck_assert_uint_eq(got.necho, 0);

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

	raw_header(&m); /* one echo too many */
	raw_name(&m, "node-b");
	raw_tlv(&m, 7, sizeof(v), v, sizeof(v));
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* not whole nonces */
	raw_name(&m, "node-b");
	raw_tlv(&m, 7, 9, v, 9);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* two echoes */
	raw_name(&m, "node-b");
	raw_tlv(&m, 7, 8, v, 8);
	raw_tlv(&m, 7, 8, v, 8);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* no nonce */
	m.bare = true;
	raw_name(&m, "node-b");
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* two nonces */
	raw_name(&m, "node-b");
	raw_nonce(&m);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	raw_header(&m); /* a nonce of 4 bytes */
	m.bare = true;
	raw_name(&m, "node-b");
	raw_tlv(&m, 6, 4, v, 4);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
}
END_TEST

/* hb_encode refuses what a receiver would drop as malformed. */
START_TEST(test_encode_refuses_invalid)
{
	struct heartbeat *hb = make_hb(1, 0), *p = make_piece("n2", 0, 10, 10);
	uint8_t buf[2048];

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
	hb->necho = CLUSTER_MAX_ECHO + 1;
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	hb->necho = 0;
	hb->kind = 3;
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	hb->kind = HB_KIND_HEARTBEAT;
	ck_assert_uint_gt(hb_encode(hb, key, buf, sizeof(buf)), 0);

	ck_assert_uint_gt(hb_encode(p, key, buf, sizeof(buf)), 0);
	p->piece.len = CLUSTER_PIECE_MAX + 1;
	ck_assert_uint_eq(hb_encode(p, key, buf, sizeof(buf)), 0);
	p->piece.len = 10;
	p->piece.offset = 1; /* past the total */
	ck_assert_uint_eq(hb_encode(p, key, buf, sizeof(buf)), 0);
	p->piece.offset = 0;
	p->piece.len = 0; /* empty piece of a non-empty record */
	ck_assert_uint_eq(hb_encode(p, key, buf, sizeof(buf)), 0);
	p->piece.len = 10;
	snprintf(p->piece.copy_for, sizeof(p->piece.copy_for), "bad name");
	ck_assert_uint_eq(hb_encode(p, key, buf, sizeof(buf)), 0);
	free(hb);
	free(p);
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

/* B6: the heartbeat stays small and carries no counters; the largest
 * one the limits allow (64 instances with 63-byte names, a full echo) is
 * CLUSTER_MAX_MSG, the receive buffer and the drop-before-the-MAC bound. */
START_TEST(test_worst_case_size)
{
	struct heartbeat *hb = make_hb(CLUSTER_MAX_INSTANCES, CLUSTER_MAX_ECHO);
	static uint8_t buf[CLUSTER_MAX_MSG + 1024];

	memset(hb->node, 'n', CLUSTD_NAME_MAX - 1);
	for (size_t i = 0; i < hb->ninstances; i++)
		memset(hb->instances[i].name, 'i', CLUSTD_NAME_MAX - 1);
	size_t n = hb_encode(hb, key, buf, sizeof(buf));
	size_t want = HDR_LEN + 3 + 63 + CLUSTER_MAX_INSTANCES * (3 + 3 + 63) + 3 + 3 + 8 + 3 +
		      8 * CLUSTER_MAX_ECHO + CLUSTER_MAC_LEN;

	ck_assert_uint_eq(n, want);
	ck_assert_uint_eq(n, CLUSTER_MAX_MSG);
	free(hb);
}
END_TEST

/* B6: a usual heartbeat (three instances, two members heard) fits in a
 * couple of hundred bytes, and every counters piece in 1200 bytes. */
START_TEST(test_heartbeat_small)
{
	struct heartbeat *hb = make_hb(3, 2);
	char longest[CLUSTD_NAME_MAX];
	uint8_t buf[CLUSTER_MAX_MSG];

	ck_assert_uint_le(hb_encode(hb, key, buf, sizeof(buf)), 200);
	free(hb);
	memset(longest, 'c', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	hb = make_piece(longest, 0, CLUSTER_PIECE_MAX, CLUSTER_COUNTERS_MAX);
	memset(hb->node, 'n', CLUSTD_NAME_MAX - 1);
	size_t n = hb_encode(hb, key, buf, sizeof(buf));
	ck_assert_uint_gt(n, CLUSTER_PIECE_DATAGRAM - 64);
	ck_assert_uint_le(n, CLUSTER_PIECE_DATAGRAM);
	free(hb);
}
END_TEST

/* B5: a restore answer counts only with our name and this run's nonce. */
START_TEST(test_piece_answers)
{
	struct heartbeat *p = make_piece("node-a", 0, 10, 10);

	ck_assert(hb_piece_answers(p, "node-a", 0x3132333435363738ULL));
	/* A recorded answer to our request of an earlier run. */
	ck_assert(!hb_piece_answers(p, "node-a", 0x3132333435363739ULL));
	ck_assert(!hb_piece_answers(p, "node-a", 0));
	/* A copy for someone else; the sender's own counters. */
	ck_assert(!hb_piece_answers(p, "node-b", 0x3132333435363738ULL));
	p->piece.copy_for[0] = '\0';
	ck_assert(!hb_piece_answers(p, "", 0x3132333435363738ULL));
	free(p);
	p = make_hb(0, 0);
	ck_assert(!hb_piece_answers(p, "", 0));
	free(p);
}
END_TEST

static struct hb_piece piece_of(uint64_t gen, uint16_t total, uint16_t offset, size_t len,
				uint8_t fill)
{
	struct hb_piece p;

	memset(&p, 0, sizeof(p));
	p.generation = gen;
	p.total = total;
	p.offset = offset;
	p.len = len;
	memset(p.data, fill, len);
	return p;
}

/* Reassembly: in order, per (incarnation, generation); stale and
 * out-of-order pieces never complete a record. */
START_TEST(test_assemble)
{
	static struct hb_assembly a;
	struct hb_piece p;

	memset(&a, 0, sizeof(a));
	p = piece_of(10, 2000, 0, CLUSTER_PIECE_MAX, 1);
	ck_assert_int_eq(hb_assemble(&a, 5, &p), HB_PIECE_PARTIAL);
	p = piece_of(10, 2000, CLUSTER_PIECE_MAX, CLUSTER_PIECE_MAX, 2);
	ck_assert_int_eq(hb_assemble(&a, 5, &p), HB_PIECE_PARTIAL);
	ck_assert_int_eq(hb_assemble(&a, 5, &p), HB_PIECE_STALE); /* doubled: spoils it */
	p = piece_of(10, 2000, 2 * CLUSTER_PIECE_MAX, 2000 - 2 * CLUSTER_PIECE_MAX, 3);
	ck_assert_int_eq(hb_assemble(&a, 5, &p), HB_PIECE_STALE);
	ck_assert(!a.complete);
	/* The next record, whole. */
	p = piece_of(20, 2000, 0, CLUSTER_PIECE_MAX, 1);
	ck_assert_int_eq(hb_assemble(&a, 5, &p), HB_PIECE_PARTIAL);
	p = piece_of(20, 2000, CLUSTER_PIECE_MAX, CLUSTER_PIECE_MAX, 2);
	ck_assert_int_eq(hb_assemble(&a, 5, &p), HB_PIECE_PARTIAL);
	p = piece_of(20, 2000, 2 * CLUSTER_PIECE_MAX, 2000 - 2 * CLUSTER_PIECE_MAX, 3);
	ck_assert_int_eq(hb_assemble(&a, 5, &p), HB_PIECE_COMPLETE);
	ck_assert(a.complete);
	ck_assert_uint_eq(a.total, 2000);
	ck_assert_uint_eq(a.data[0], 1);
	ck_assert_uint_eq(a.data[CLUSTER_PIECE_MAX], 2);
	ck_assert_uint_eq(a.data[1999], 3);
	/* Replays of it, an older record: stale, the record stays. */
	ck_assert_int_eq(hb_assemble(&a, 5, &p), HB_PIECE_STALE);
	p = piece_of(10, 10, 0, 10, 9);
	ck_assert_int_eq(hb_assemble(&a, 5, &p), HB_PIECE_STALE);
	ck_assert_int_eq(hb_assemble(&a, 4, &p), HB_PIECE_STALE);
	ck_assert_uint_eq(a.data[0], 1);
	/* A new incarnation starts again, whatever its generation. */
	p = piece_of(1, 10, 0, 10, 7);
	ck_assert_int_eq(hb_assemble(&a, 6, &p), HB_PIECE_COMPLETE);
	ck_assert_uint_eq(a.data[9], 7);
	/* A record that starts in the middle (its first piece lost) or whose
	 * total changes on the way never completes. */
	p = piece_of(30, 2000, CLUSTER_PIECE_MAX, CLUSTER_PIECE_MAX, 2);
	ck_assert_int_eq(hb_assemble(&a, 6, &p), HB_PIECE_STALE);
	p = piece_of(31, 2000, 0, CLUSTER_PIECE_MAX, 2);
	ck_assert_int_eq(hb_assemble(&a, 6, &p), HB_PIECE_PARTIAL);
	p = piece_of(31, 1999, CLUSTER_PIECE_MAX, CLUSTER_PIECE_MAX, 2);
	ck_assert_int_eq(hb_assemble(&a, 6, &p), HB_PIECE_STALE);
	/* An empty record ("holds none") is complete at once. */
	p = piece_of(40, 0, 0, 0, 0);
	ck_assert_int_eq(hb_assemble(&a, 6, &p), HB_PIECE_COMPLETE);
	ck_assert_uint_eq(a.total, 0);
}
END_TEST

START_TEST(test_drop_names)
{
	static const char *const want[HB_DROP__COUNT] = {
		"ok", "short", "bad_magic", "bad_auth", "malformed", "replay",
		"unknown_member", "own", "wrong_source", "future_incarnation", "oversize",
		"unknown_source",
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
	tcase_add_test(codec, test_round_trip_pieces);
	tcase_add_test(codec, test_round_trip_quorum_flag);
	tcase_add_test(codec, test_wire_header);
	tcase_add_test(codec, test_key_derive_is_sha256);
	tcase_add_test(codec, test_encode_refuses_invalid);
	tcase_add_test(codec, test_encode_small_buffer);
	tcase_add_test(codec, test_worst_case_size);
	tcase_add_test(codec, test_heartbeat_small);
	tcase_add_test(codec, test_assemble);
	tcase_add_test(codec, test_piece_answers);
	tcase_add_test(codec, test_drop_names);
	suite_add_tcase(s, codec);

	tcase_add_checked_fixture(attack, setup, NULL);
	tcase_set_timeout(attack, 60);
	tcase_add_test(attack, test_wrong_key);
	tcase_add_test(attack, test_bit_flips_small);
	tcase_add_test(attack, test_bit_flips_full);
	tcase_add_test(attack, test_bit_flips_piece);
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
	tcase_add_test(parse, test_piece_rules);
	tcase_add_test(parse, test_restore_nonce_echo_rules);
	suite_add_tcase(s, parse);
	return s;
}

CLUSTD_TEST_MAIN(heartbeat_suite)
