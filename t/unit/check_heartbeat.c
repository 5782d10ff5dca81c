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

/* make_hb() with nreq vote requests and nvotes granted votes, every field
 * depending on its position (names distinct, as the wire demands). */
static struct heartbeat *make_hb_votes(size_t ninst, size_t necho, size_t nreq, size_t nvotes)
{
	struct heartbeat *hb = make_hb(ninst, necho);

	hb->nrequests = nreq;
	for (size_t i = 0; i < nreq; i++) {
		snprintf(hb->requests[i].name, CLUSTD_NAME_MAX, "vi_%zu", i);
		hb->requests[i].priority = (uint8_t)(1 + 3 * i);
	}
	hb->nvotes = nvotes;
	for (size_t i = 0; i < nvotes; i++) {
		struct hb_vote *v = &hb->votes[i];

		snprintf(v->instance, CLUSTD_NAME_MAX, "web-%zu", i);
		snprintf(v->grantee, CLUSTD_NAME_MAX, "node-%zu", i % 5);
		v->incarnation = 0x5152535455565758ULL + i;
		v->seq = 0x6162636465666768ULL + i;
		v->remaining_ms = 0x71727374u + (uint32_t)i;
	}
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
	ck_assert_uint_eq(a->nrequests, b->nrequests);
	for (size_t i = 0; i < a->nrequests; i++) {
		ck_assert_str_eq(a->requests[i].name, b->requests[i].name);
		ck_assert_uint_eq(a->requests[i].priority, b->requests[i].priority);
	}
	ck_assert_uint_eq(a->nvotes, b->nvotes);
	for (size_t i = 0; i < a->nvotes; i++) {
		ck_assert_str_eq(a->votes[i].instance, b->votes[i].instance);
		ck_assert_str_eq(a->votes[i].grantee, b->votes[i].grantee);
		ck_assert_uint_eq(a->votes[i].incarnation, b->votes[i].incarnation);
		ck_assert_uint_eq(a->votes[i].seq, b->votes[i].seq);
		ck_assert_uint_eq(a->votes[i].remaining_ms, b->votes[i].remaining_ms);
	}
	ck_assert_uint_eq(a->nhandovers, b->nhandovers);
	for (size_t i = 0; i < a->nhandovers; i++) {
		ck_assert_str_eq(a->handovers[i].instance, b->handovers[i].instance);
		ck_assert_str_eq(a->handovers[i].successor, b->handovers[i].successor);
	}
	ck_assert_uint_eq(a->ndrained, b->ndrained);
	for (size_t i = 0; i < a->ndrained; i++)
		ck_assert_str_eq(a->drained[i], b->drained[i]);
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
		'C', 'L', 'H', 'B', 3, 0, 1, 0, /* version 3, heartbeat */
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

/* TLV 9: priority, name. */
static void raw_request(struct msg *m, uint8_t prio, const char *name)
{
	uint8_t v[1 + 256];
	size_t n = strlen(name);

	ck_assert_uint_le(n, 256);
	v[0] = prio;
	memcpy(v + 1, name, n);
	raw_tlv(m, 9, (uint16_t)(1 + n), v, 1 + n);
}

/* The fixed tail of every hand-built vote: incarnation, seq, remaining ms. */
static const uint8_t vote_tail[20] = {
	0, 0, 0, 0, 0, 0, 0, 7,   /* incarnation 7 */
	0, 0, 0, 0, 0, 0, 1, 2,   /* seq 258 */
	0, 0, 0x02, 0x26,         /* 550 ms */
};

/* A TLV of two length-prefixed names (10, 11) with the length bytes as
 * given (they need not match the names), then `tail`, and `extra` bytes
 * added to (> 0) or cut from (< 0) the end. */
static void raw_two_names(struct msg *m, uint8_t type, uint8_t ilen, const char *inst, uint8_t glen,
			  const char *grantee, const uint8_t *tail, size_t ntail, int extra)
{
	uint8_t v[2 + 2 * 256 + sizeof(vote_tail) + 16];
	size_t n = 0;

	ck_assert(strlen(inst) <= 256 && strlen(grantee) <= 256 && extra <= 16);
	ck_assert(ntail <= sizeof(vote_tail));
	v[n++] = ilen;
	memcpy(v + n, inst, strlen(inst));
	n += strlen(inst);
	v[n++] = glen;
	memcpy(v + n, grantee, strlen(grantee));
	n += strlen(grantee);
	if (ntail)
		memcpy(v + n, tail, ntail);
	n += ntail;
	if (extra > 0)
		memset(v + n, 0x33, (size_t)extra);
	ck_assert((int)n + extra >= 0);
	n = (size_t)((int)n + extra);
	raw_tlv(m, type, (uint16_t)n, v, n);
}

/* TLV 10 with the length bytes as given and `extra` bytes more or less. */
static void raw_vote_lens(struct msg *m, uint8_t ilen, const char *inst, uint8_t glen,
			  const char *grantee, int extra)
{
	raw_two_names(m, 10, ilen, inst, glen, grantee, vote_tail, sizeof(vote_tail), extra);
}

static void raw_vote(struct msg *m, const char *inst, const char *grantee)
{
	raw_vote_lens(m, (uint8_t)strlen(inst), inst, (uint8_t)strlen(grantee), grantee, 0);
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

/* Requests and votes: none, one, and as many as the limits allow, with
 * and without the rest of a heartbeat. */
START_TEST(test_round_trip_votes)
{
	round_trip_of(make_hb_votes(0, 0, 0, 0));
	round_trip_of(make_hb_votes(0, 0, 1, 0));
	round_trip_of(make_hb_votes(0, 0, 0, 1));
	round_trip_of(make_hb_votes(1, 1, 1, 1));
	round_trip_of(make_hb_votes(3, 2, CLUSTER_MAX_INSTANCES, 0));
	round_trip_of(make_hb_votes(3, 2, 0, CLUSTER_MAX_VOTES));
	round_trip_of(make_hb_votes(CLUSTER_MAX_INSTANCES, CLUSTER_MAX_ECHO, CLUSTER_MAX_INSTANCES,
				    CLUSTER_MAX_VOTES));
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
		'C', 'L', 'H', 'B', 3, 1, 1, 0,
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

/* TLV 9 and 10 are exactly as documented, after the nonce. */
START_TEST(test_wire_request_vote)
{
	struct heartbeat *hb = make_hb(0, 0);
	uint8_t buf[256];
	static const uint8_t want[] = {
		6, 0, 8, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
		9, 0, 4, 150, 'w', 'e', 'b',
		10, 0, 27, 2, 'd', 'b', 3, 'n', '-', '2',
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
		0x0a, 0x0b, 0x0c, 0x0d,
	};
	const size_t tlvs = HDR_LEN + 3 + strlen(hb->node);

	hb->nrequests = 1;
	snprintf(hb->requests[0].name, CLUSTD_NAME_MAX, "web");
	hb->requests[0].priority = 150;
	hb->nvotes = 1;
	snprintf(hb->votes[0].instance, CLUSTD_NAME_MAX, "db");
	snprintf(hb->votes[0].grantee, CLUSTD_NAME_MAX, "n-2");
	hb->votes[0].incarnation = 0x0102030405060708ULL;
	hb->votes[0].seq = 0x1112131415161718ULL;
	hb->votes[0].remaining_ms = 0x0a0b0c0d;
	size_t n = hb_encode(hb, key, buf, sizeof(buf));

	ck_assert_uint_eq(n, tlvs + sizeof(want) + CLUSTER_MAC_LEN);
	ck_assert_mem_eq(buf + tlvs, want, sizeof(want));
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

/* What one flipped bit gives: the magic (bytes 0..3) and the kind (byte
 * 6: a flip never turns 1 or 2 into the other) are bad_magic, the version
 * (byte 4) other_version, anything else (flags, reserved, numbers, TLVs,
 * the MAC itself) bad_auth. */
static enum hb_drop flip_verdict(size_t bit)
{
	size_t byte = bit / 8;

	if (byte < 4 || byte == 6)
		return HB_DROP_MAGIC;
	if (byte == 4)
		return HB_DROP_VERSION;
	return HB_DROP_AUTH;
}

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

		ck_assert_msg(d == flip_verdict(bit), "bit %zu of %zu: %s", bit, n * 8,
			      hb_drop_name(d));
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

START_TEST(test_bit_flips_votes)
{
	all_bit_flips_of(make_hb_votes(2, 1, 2, 3));
}
END_TEST

/* One flipped bit in a vote's remaining time (a voter stretching its
 * grant in transit) fails the MAC. */
START_TEST(test_flipped_vote_is_bad_auth)
{
	struct heartbeat *hb = make_hb_votes(0, 0, 0, 1), *got = calloc(1, sizeof(*got));
	uint8_t buf[512];

	ck_assert_ptr_nonnull(got);
	size_t n = hb_encode(hb, key, buf, sizeof(buf));

	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(decode_exact(buf, n, key, got), HB_OK);
	ck_assert_uint_eq(got->votes[0].remaining_ms, 0x71727374u);
	/* The vote is the last TLV: its last byte is remaining_ms's lowest. */
	ck_assert_uint_eq(buf[n - CLUSTER_MAC_LEN - 1], 0x74);
	buf[n - CLUSTER_MAC_LEN - 4] ^= 0x40;
	ck_assert_int_eq(decode_exact(buf, n, key, got), HB_DROP_AUTH);
	ck_assert_uint_eq(got->nvotes, 0);
	free(hb);
	free(got);
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

/* Not the magic, or a kind other than heartbeat and piece: bad_magic. A
 * clustd heartbeat of another version, even correctly signed, is
 * other_version: 1 (counters rode in the heartbeat), 2 (no votes), and
 * any later one. Decided before the MAC (a wrong one does not change the
 * verdict) and before the kind (another version may have other kinds). */
START_TEST(test_magic_version_kind)
{
	static const uint8_t versions[] = { 0, 1, 2, 4, 255 };
	struct msg m;
	struct heartbeat got;

	raw_header(&m);
	raw_name(&m, "b");
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_OK);
	ck_assert_uint_eq(got.kind, HB_KIND_HEARTBEAT);
	m.b[0] = 'X';
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MAGIC);

	for (uint8_t k = 0; k < 5; k += 3) {
		raw_header(&m);
		m.b[6] = k;
		raw_name(&m, "b");
		sign(&m);
		ck_assert_msg(decode_msg(&m, &got) == HB_DROP_MAGIC, "kind %u", k);
	}
	for (size_t i = 0; i < sizeof(versions); i++) {
		uint8_t v = versions[i];

		raw_header(&m);
		m.b[4] = v;
		raw_name(&m, "b");
		sign(&m);
		ck_assert_msg(decode_msg(&m, &got) == HB_DROP_VERSION, "version %u", v);
		m.b[m.len - 1] ^= 1; /* a MAC that does not verify */
		ck_assert_msg(decode_msg(&m, &got) == HB_DROP_VERSION, "version %u, bad MAC", v);
		m.b[6] = 7; /* and no kind we know */
		ck_assert_msg(decode_msg(&m, &got) == HB_DROP_VERSION, "version %u, kind 7", v);
	}
	/* The magic is checked first: no magic, whatever the version. */
	raw_header(&m);
	m.b[3] = 'X';
	m.b[4] = 2;
	raw_name(&m, "b");
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MAGIC);
}
END_TEST

/* A version-2 node's heartbeat as it sends it (hb_encode's bytes, signed
 * with the right key, but version 2), and a version-1 node's (its
 * counters in TLV 3): both other_version. */
START_TEST(test_old_nodes_other_version)
{
	static const uint8_t cnt[16] = { 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 1, 0 };
	struct heartbeat *hb = make_hb(2, 1), got;
	struct msg m;
	size_t n;

	n = hb_encode(hb, key, m.b, sizeof(m.b));
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(m.b[4], CLUSTER_VERSION);
	m.len = n - CLUSTER_MAC_LEN;
	m.b[4] = 2;
	m.bare = true;
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_VERSION);
	m.b[4] = CLUSTER_VERSION; /* the same bytes as version 3: only the MAC fails */
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_AUTH);

	raw_header(&m);
	m.b[4] = 1;
	m.bare = true;
	raw_name(&m, "node-b");
	raw_instance(&m, 51, STATE_MASTER, 200, "vi_1");
	raw_tlv(&m, 3, sizeof(cnt), cnt, sizeof(cnt));
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_VERSION);
	free(hb);
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
	raw_tlv(&m, 13, sizeof(blob), blob, sizeof(blob));
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

/* `limit` TLVs added by add(m, 0 .. limit - 1) decode into *got; one
 * more, add(m, limit), is malformed. */
static void assert_limit(void (*add)(struct msg *m, int i), int limit, struct heartbeat *got)
{
	static struct heartbeat over;
	struct msg m;

	raw_header(&m);
	raw_name(&m, "node-b");
	for (int i = 0; i < limit; i++)
		add(&m, i);
	struct msg full = m;

	sign(&full);
	ck_assert_int_eq(decode_msg(&full, got), HB_OK);
	add(&m, limit);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &over), HB_DROP_MALFORMED);
}

static void add_instance(struct msg *m, int i)
{
	raw_instance(m, (uint8_t)(i + 1), STATE_BACKUP, 100, "v");
}

START_TEST(test_too_many_instances)
{
	struct heartbeat got;

	assert_limit(add_instance, CLUSTER_MAX_INSTANCES, &got);
	ck_assert_uint_eq(got.ninstances, CLUSTER_MAX_INSTANCES);
}
END_TEST

/* A heartbeat of node-b with nothing but what add() puts in: decoded. */
static enum hb_drop votes_case(void (*add)(struct msg *m), struct heartbeat *got)
{
	struct msg m;

	raw_header(&m);
	raw_name(&m, "node-b");
	add(&m);
	sign(&m);
	return decode_msg(&m, got);
}

static void two_requests(struct msg *m)
{
	raw_request(m, 200, "web");
	raw_request(m, 100, "web2"); /* a prefix is another name */
}

static void longest_request(struct msg *m)
{
	raw_request(m, 0, "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr");
}

static void request_too_long(struct msg *m)
{
	raw_request(m, 1, "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr");
}

static void request_empty_value(struct msg *m)
{
	raw_tlv(m, 9, 0, NULL, 0);
}

static void request_no_name(struct msg *m)
{
	raw_request(m, 100, "");
}

static void request_twice(struct msg *m)
{
	raw_request(m, 200, "web");
	raw_request(m, 100, "db");
	raw_request(m, 100, "web");
}

/* TLV 9: priority, then a name of 1..63 graphic bytes; one per instance. */
START_TEST(test_request_rules)
{
	static const char *const bad[] = { "a b", "a\tb", "a\x7f", "\x80x", "\xffx" };
	struct heartbeat got;
	struct msg m;

	ck_assert_int_eq(votes_case(two_requests, &got), HB_OK);
	ck_assert_uint_eq(got.nrequests, 2);
	ck_assert_str_eq(got.requests[0].name, "web");
	ck_assert_uint_eq(got.requests[0].priority, 200);
	ck_assert_str_eq(got.requests[1].name, "web2");
	ck_assert_uint_eq(got.requests[1].priority, 100);
	ck_assert_int_eq(votes_case(longest_request, &got), HB_OK);
	ck_assert_uint_eq(strlen(got.requests[0].name), CLUSTD_NAME_MAX - 1);

	ck_assert_int_eq(votes_case(request_too_long, &got), HB_DROP_MALFORMED);
	ck_assert_int_eq(votes_case(request_empty_value, &got), HB_DROP_MALFORMED);
	ck_assert_int_eq(votes_case(request_no_name, &got), HB_DROP_MALFORMED);
	ck_assert_int_eq(votes_case(request_twice, &got), HB_DROP_MALFORMED);
	ck_assert_uint_eq(got.nrequests, 0); /* nothing half-parsed is left */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		raw_header(&m);
		raw_name(&m, "node-b");
		raw_request(&m, 100, bad[i]);
		sign(&m);
		ck_assert_msg(decode_msg(&m, &got) == HB_DROP_MALFORMED, "name %zu", i);
	}
	raw_header(&m); /* an embedded NUL would cut the name short */
	raw_name(&m, "node-b");
	raw_tlv(&m, 9, 4, "\x64" "a\0b", 4);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
}
END_TEST

static void add_request(struct msg *m, int i)
{
	char name[16];

	snprintf(name, sizeof(name), "r%d", i);
	raw_request(m, (uint8_t)i, name);
}

#define NAME63 "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
#define NAME64 NAME63 "n"

static void two_votes(struct msg *m)
{
	raw_vote(m, "web", "n1");
	raw_vote(m, "db", "n1"); /* one grantee, two instances */
}

static void longest_vote(struct msg *m)
{
	raw_vote(m, NAME63, NAME63);
}

static void vote_instance_too_long(struct msg *m)
{
	raw_vote(m, NAME64, "n1");
}

static void vote_grantee_too_long(struct msg *m)
{
	raw_vote(m, "web", NAME64);
}

static void vote_no_instance(struct msg *m)
{
	raw_vote(m, "", "n1");
}

static void vote_no_grantee(struct msg *m)
{
	raw_vote(m, "web", "");
}

static void vote_one_byte_more(struct msg *m)
{
	raw_vote_lens(m, 3, "web", 2, "n1", 1);
}

static void vote_one_byte_less(struct msg *m)
{
	raw_vote_lens(m, 3, "web", 2, "n1", -1);
}

/* The instance length claims the grantee's length byte and more. */
static void vote_instance_length_off(struct msg *m)
{
	raw_vote_lens(m, 6, "web", 2, "n1", 0);
}

static void vote_instance_length_past_end(struct msg *m)
{
	raw_vote_lens(m, 255, "web", 2, "n1", 0);
}

static void vote_grantee_length_past_end(struct msg *m)
{
	raw_vote_lens(m, 3, "web", 255, "n1", 0);
}

static void vote_fixed_part_only(struct msg *m)
{
	static const uint8_t zero[22];

	raw_tlv(m, 10, sizeof(zero), zero, sizeof(zero));
}

static void vote_empty_value(struct msg *m)
{
	raw_tlv(m, 10, 0, NULL, 0);
}

static void vote_twice(struct msg *m)
{
	raw_vote(m, "web", "n1");
	raw_vote(m, "db", "n1");
	raw_vote(m, "web", "n3");
}

/* TLV 10: instance length, instance, grantee length, grantee,
 * incarnation, seq, remaining ms; lengths add up exactly; one per
 * instance. */
START_TEST(test_vote_rules)
{
	static const char *const bad[] = { "a b", "a\tb", "a\x7f", "\x80x", "\xffx" };
	static void (*const malformed[])(struct msg *) = {
		vote_instance_too_long, vote_grantee_too_long, vote_no_instance, vote_no_grantee,
		vote_one_byte_more, vote_one_byte_less, vote_instance_length_off,
		vote_instance_length_past_end, vote_grantee_length_past_end,
		vote_fixed_part_only, vote_empty_value, vote_twice,
	};
	struct heartbeat got;
	struct msg m;

	ck_assert_int_eq(votes_case(two_votes, &got), HB_OK);
	ck_assert_uint_eq(got.nvotes, 2);
	ck_assert_str_eq(got.votes[0].instance, "web");
	ck_assert_str_eq(got.votes[0].grantee, "n1");
	ck_assert_uint_eq(got.votes[0].incarnation, 7);
	ck_assert_uint_eq(got.votes[0].seq, 258);
	ck_assert_uint_eq(got.votes[0].remaining_ms, 550);
	ck_assert_str_eq(got.votes[1].instance, "db");
	ck_assert_int_eq(votes_case(longest_vote, &got), HB_OK);
	ck_assert_str_eq(got.votes[0].instance, NAME63);
	ck_assert_str_eq(got.votes[0].grantee, NAME63);
	ck_assert_uint_eq(got.votes[0].remaining_ms, 550);

	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		ck_assert_msg(votes_case(malformed[i], &got) == HB_DROP_MALFORMED, "case %zu", i);
		ck_assert_uint_eq(got.nvotes, 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		raw_header(&m);
		raw_name(&m, "node-b");
		raw_vote(&m, bad[i], "n1");
		sign(&m);
		ck_assert_msg(decode_msg(&m, &got) == HB_DROP_MALFORMED, "instance %zu", i);
		raw_header(&m);
		raw_name(&m, "node-b");
		raw_vote(&m, "web", bad[i]);
		sign(&m);
		ck_assert_msg(decode_msg(&m, &got) == HB_DROP_MALFORMED, "grantee %zu", i);
	}
	/* An embedded NUL in the grantee would cut it short. */
	uint8_t v[8 + sizeof(vote_tail)] = { 3, 'w', 'e', 'b', 3, 'n', '\0', '1' };

	memcpy(v + 8, vote_tail, sizeof(vote_tail));
	raw_header(&m);
	raw_name(&m, "node-b");
	raw_tlv(&m, 10, sizeof(v), v, sizeof(v));
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
	v[6] = '0'; /* positive control: "n01" */
	raw_header(&m);
	raw_name(&m, "node-b");
	raw_tlv(&m, 10, sizeof(v), v, sizeof(v));
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_OK);
	ck_assert_str_eq(got.votes[0].grantee, "n01");
}
END_TEST

static void add_vote(struct msg *m, int i)
{
	char name[16];

	snprintf(name, sizeof(name), "v%d", i);
	raw_vote(m, name, "n1");
}

/* At most one request per instance (64) and CLUSTER_MAX_VOTES votes. */
START_TEST(test_too_many_requests_votes)
{
	struct heartbeat got;

	assert_limit(add_request, CLUSTER_MAX_INSTANCES, &got);
	ck_assert_uint_eq(got.nrequests, CLUSTER_MAX_INSTANCES);
	ck_assert_str_eq(got.requests[CLUSTER_MAX_INSTANCES - 1].name, "r63");
	assert_limit(add_vote, CLUSTER_MAX_VOTES, &got);
	ck_assert_uint_eq(got.nvotes, CLUSTER_MAX_VOTES);
	ck_assert_str_eq(got.votes[CLUSTER_MAX_VOTES - 1].instance, "v63");
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

/* Requests and votes belong to the heartbeat: in a piece, malformed. */
START_TEST(test_votes_not_in_piece)
{
	static struct heartbeat got;
	struct msg m;

	piece_header(&m); /* control: the same piece without them */
	raw_piece(&m, 0, "", 10, 0, 10);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_OK);

	piece_header(&m);
	raw_piece(&m, 0, "", 10, 0, 10);
	raw_request(&m, 100, "web");
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);

	piece_header(&m);
	raw_vote(&m, "web", "n1");
	raw_piece(&m, 0, "", 10, 0, 10);
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

/* Nor requests or votes a receiver would drop. */
START_TEST(test_encode_refuses_invalid_votes)
{
	struct heartbeat *hb = make_hb_votes(1, 0, 3, 3);
	uint8_t buf[2048];

	ck_assert_uint_gt(hb_encode(hb, key, buf, sizeof(buf)), 0);
	hb->requests[1].name[0] = '\0';
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->requests[1].name, CLUSTD_NAME_MAX, "a b");
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->requests[1].name, CLUSTD_NAME_MAX, "%s", hb->requests[2].name);
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0); /* twice */
	snprintf(hb->requests[1].name, CLUSTD_NAME_MAX, "vi_1");
	hb->nrequests = CLUSTER_MAX_INSTANCES + 1;
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	hb->nrequests = 3;
	ck_assert_uint_gt(hb_encode(hb, key, buf, sizeof(buf)), 0);

	hb->votes[2].instance[0] = '\0';
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->votes[2].instance, CLUSTD_NAME_MAX, "%s", hb->votes[0].instance);
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0); /* twice */
	snprintf(hb->votes[2].instance, CLUSTD_NAME_MAX, "web-2");
	hb->votes[2].grantee[0] = '\0';
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->votes[2].grantee, CLUSTD_NAME_MAX, "n\x7f");
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->votes[2].grantee, CLUSTD_NAME_MAX, "n2");
	hb->nvotes = CLUSTER_MAX_VOTES + 1;
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	hb->nvotes = 3;
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

/* A distinct 63-byte name: `fill` bytes ending in i as two hex digits. */
static void long_name(char name[CLUSTD_NAME_MAX], char fill, size_t i)
{
	memset(name, fill, CLUSTD_NAME_MAX - 1);
	name[CLUSTD_NAME_MAX - 1] = '\0';
	name[CLUSTD_NAME_MAX - 3] = "0123456789abcdef"[(i >> 4) & 15];
	name[CLUSTD_NAME_MAX - 2] = "0123456789abcdef"[i & 15];
}

/* B6: the heartbeat stays small and carries no counters; the largest
 * one the limits allow (64 instances, 64 requests, 64 votes, 64 handovers
 * and 64 drained instances, every name 63 bytes, a full echo) is
 * CLUSTER_MAX_MSG, the receive buffer and the drop-before-the-MAC bound. */
START_TEST(test_worst_case_size)
{
	struct heartbeat *hb = make_hb_votes(CLUSTER_MAX_INSTANCES, CLUSTER_MAX_ECHO,
					     CLUSTER_MAX_INSTANCES, CLUSTER_MAX_VOTES);
	static uint8_t buf[CLUSTER_MAX_MSG + 1024];

	memset(hb->node, 'n', CLUSTD_NAME_MAX - 1);
	for (size_t i = 0; i < hb->ninstances; i++)
		memset(hb->instances[i].name, 'i', CLUSTD_NAME_MAX - 1);
	for (size_t i = 0; i < hb->nrequests; i++)
		long_name(hb->requests[i].name, 'r', i);
	for (size_t i = 0; i < hb->nvotes; i++) {
		long_name(hb->votes[i].instance, 'v', i);
		long_name(hb->votes[i].grantee, 'g', i);
	}
	hb->nhandovers = CLUSTER_MAX_HANDOVERS;
	for (size_t i = 0; i < hb->nhandovers; i++) {
		long_name(hb->handovers[i].instance, 'h', i);
		long_name(hb->handovers[i].successor, 's', i);
	}
	hb->ndrained = CLUSTER_MAX_DRAINED;
	for (size_t i = 0; i < hb->ndrained; i++)
		long_name(hb->drained[i], 'd', i);
	size_t n = hb_encode(hb, key, buf, sizeof(buf));
	size_t want = HDR_LEN + 3 + 63 + CLUSTER_MAX_INSTANCES * (3 + 3 + 63) + 3 + 3 + 8 + 3 +
		      8 * CLUSTER_MAX_ECHO + CLUSTER_MAX_INSTANCES * (3 + 1 + 63) +
		      CLUSTER_MAX_VOTES * (3 + 1 + 63 + 1 + 63 + 8 + 8 + 4) +
		      CLUSTER_MAX_HANDOVERS * (3 + 1 + 63 + 1 + 63) + CLUSTER_MAX_DRAINED * (3 + 63) +
		      CLUSTER_MAC_LEN;

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
		"unknown_source", "other_version",
	};

	for (int d = 0; d < HB_DROP__COUNT; d++)
		ck_assert_str_eq(hb_drop_name((enum hb_drop)d), want[d]);
	ck_assert_str_eq(hb_drop_name(HB_DROP__COUNT), "invalid");
}
END_TEST

/* ---- TLV 11 (handover) and TLV 12 (drained) -------------------------- */

/* TLV 11 with the length bytes as given and `extra` bytes more or less. */
static void raw_handover_lens(struct msg *m, uint8_t ilen, const char *inst, uint8_t slen,
			      const char *succ, int extra)
{
	raw_two_names(m, 11, ilen, inst, slen, succ, NULL, 0, extra);
}

static void raw_handover(struct msg *m, const char *inst, const char *succ)
{
	raw_handover_lens(m, (uint8_t)strlen(inst), inst, (uint8_t)strlen(succ), succ, 0);
}

static void raw_drained(struct msg *m, const char *inst)
{
	raw_tlv(m, 12, (uint16_t)strlen(inst), inst, strlen(inst));
}

static struct heartbeat *make_hb_handovers(size_t nho, size_t ndrained)
{
	struct heartbeat *hb = make_hb_votes(2, 1, 1, 1);

	hb->nhandovers = nho;
	for (size_t i = 0; i < nho; i++) {
		snprintf(hb->handovers[i].instance, CLUSTD_NAME_MAX, "web-%zu", i);
		snprintf(hb->handovers[i].successor, CLUSTD_NAME_MAX, "node-%zu", i % 3);
	}
	hb->ndrained = ndrained;
	for (size_t i = 0; i < ndrained; i++)
		snprintf(hb->drained[i], CLUSTD_NAME_MAX, "db-%zu", i);
	return hb;
}

START_TEST(test_round_trip_handovers)
{
	round_trip_of(make_hb_handovers(1, 0));
	round_trip_of(make_hb_handovers(0, 1));
	round_trip_of(make_hb_handovers(3, 2));
	round_trip_of(make_hb_handovers(CLUSTER_MAX_HANDOVERS, CLUSTER_MAX_DRAINED));
}
END_TEST

static void ho_good(struct msg *m) { raw_handover(m, "web", "n2"); raw_drained(m, "db"); }
static void ho_one_byte_more(struct msg *m) { raw_handover_lens(m, 3, "web", 2, "n2", 1); }
static void ho_one_byte_less(struct msg *m) { raw_handover_lens(m, 3, "web", 2, "n2", -1); }
static void ho_instance_len_off(struct msg *m) { raw_handover_lens(m, 4, "web", 2, "n2", 0); }
static void ho_instance_len_past(struct msg *m) { raw_handover_lens(m, 200, "web", 2, "n2", 0); }
static void ho_successor_len_past(struct msg *m) { raw_handover_lens(m, 3, "web", 9, "n2", 0); }
static void ho_no_instance(struct msg *m) { raw_handover(m, "", "n2"); }
static void ho_no_successor(struct msg *m) { raw_handover(m, "web", ""); }
static void ho_empty(struct msg *m) { raw_tlv(m, 11, 0, NULL, 0); }
static void ho_lengths_only(struct msg *m) { raw_tlv(m, 11, 2, "\0\0", 2); }
static void ho_twice(struct msg *m) { raw_handover(m, "web", "n2"); raw_handover(m, "web", "n3"); }
static void ho_bad_byte(struct msg *m) { raw_handover(m, "web", "n 2"); }
static void dr_empty(struct msg *m) { raw_drained(m, ""); }
static void dr_twice(struct msg *m) { raw_drained(m, "db"); raw_drained(m, "db"); }
static void dr_bad_byte(struct msg *m) { raw_drained(m, "d\x7f"); }
static void dr_too_long(struct msg *m) { raw_drained(m, NAME63 "x"); }

/* Both parse strictly: a length that does not add up, an empty, doubled
 * or non-graphic name is malformed, like a vote. */
START_TEST(test_handover_rules)
{
	static void (*const malformed[])(struct msg *) = {
		ho_one_byte_more, ho_one_byte_less, ho_instance_len_off, ho_instance_len_past,
		ho_successor_len_past, ho_no_instance, ho_no_successor, ho_empty, ho_lengths_only,
		ho_twice, ho_bad_byte, dr_empty, dr_twice, dr_bad_byte, dr_too_long,
	};
	static struct heartbeat got;

	ck_assert_int_eq(votes_case(ho_good, &got), HB_OK);
	ck_assert_uint_eq(got.nhandovers, 1);
	ck_assert_str_eq(got.handovers[0].instance, "web");
	ck_assert_str_eq(got.handovers[0].successor, "n2");
	ck_assert_uint_eq(got.ndrained, 1);
	ck_assert_str_eq(got.drained[0], "db");
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		ck_assert_msg(votes_case(malformed[i], &got) == HB_DROP_MALFORMED, "case %zu", i);
		ck_assert_uint_eq(got.nhandovers, 0);
		ck_assert_uint_eq(got.ndrained, 0);
	}
}
END_TEST

static void add_handover(struct msg *m, int i)
{
	char name[16];

	snprintf(name, sizeof(name), "h%d", i);
	raw_handover(m, name, "n2");
}

static void add_drained(struct msg *m, int i)
{
	char name[16];

	snprintf(name, sizeof(name), "d%d", i);
	raw_drained(m, name);
}

START_TEST(test_too_many_handovers)
{
	static struct heartbeat got;

	assert_limit(add_handover, CLUSTER_MAX_HANDOVERS, &got);
	ck_assert_uint_eq(got.nhandovers, CLUSTER_MAX_HANDOVERS);
	assert_limit(add_drained, CLUSTER_MAX_DRAINED, &got);
	ck_assert_uint_eq(got.ndrained, CLUSTER_MAX_DRAINED);
	ck_assert_str_eq(got.drained[CLUSTER_MAX_DRAINED - 1], "d63");
}
END_TEST

/* A piece carries neither. */
START_TEST(test_handovers_not_in_piece)
{
	static struct heartbeat got;
	struct msg m;

	piece_header(&m);
	raw_piece(&m, 0, "", 10, 0, 10);
	raw_handover(&m, "web", "n2");
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
	piece_header(&m);
	raw_drained(&m, "web");
	raw_piece(&m, 0, "", 10, 0, 10);
	sign(&m);
	ck_assert_int_eq(decode_msg(&m, &got), HB_DROP_MALFORMED);
}
END_TEST

/* What no receiver would accept is never signed. */
START_TEST(test_encode_refuses_bad_handovers)
{
	struct heartbeat *hb = make_hb_handovers(2, 2);
	static uint8_t buf[CLUSTER_MAX_MSG];

	ck_assert_uint_gt(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->handovers[1].instance, CLUSTD_NAME_MAX, "%s", hb->handovers[0].instance);
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->handovers[1].instance, CLUSTD_NAME_MAX, "web-x");
	hb->handovers[1].successor[0] = '\0';
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->handovers[1].successor, CLUSTD_NAME_MAX, "n2");
	ck_assert_uint_gt(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->drained[1], CLUSTD_NAME_MAX, "%s", hb->drained[0]);
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->drained[1], CLUSTD_NAME_MAX, "a b");
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	snprintf(hb->drained[1], CLUSTD_NAME_MAX, "db-x");
	hb->ndrained = CLUSTER_MAX_DRAINED + 1;
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	hb->ndrained = 2;
	hb->nhandovers = CLUSTER_MAX_HANDOVERS + 1;
	ck_assert_uint_eq(hb_encode(hb, key, buf, sizeof(buf)), 0);
	free(hb);
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
	tcase_add_test(codec, test_round_trip_votes);
	tcase_add_test(codec, test_round_trip_pieces);
	tcase_add_test(codec, test_round_trip_quorum_flag);
	tcase_add_test(codec, test_wire_header);
	tcase_add_test(codec, test_wire_request_vote);
	tcase_add_test(codec, test_key_derive_is_sha256);
	tcase_add_test(codec, test_encode_refuses_invalid);
	tcase_add_test(codec, test_encode_refuses_invalid_votes);
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
	tcase_add_test(attack, test_bit_flips_votes);
	tcase_add_test(attack, test_flipped_vote_is_bad_auth);
	tcase_add_test(attack, test_truncated);
	tcase_add_test(attack, test_short_beats_magic);
	suite_add_tcase(s, attack);

	tcase_add_checked_fixture(parse, setup, NULL);
	tcase_add_test(parse, test_magic_version_kind);
	tcase_add_test(parse, test_old_nodes_other_version);
	tcase_add_test(parse, test_reserved_ignored);
	tcase_add_test(parse, test_unknown_tlv_skipped);
	tcase_add_test(parse, test_overrun_tlv);
	tcase_add_test(parse, test_partial_tlv_header);
	tcase_add_test(parse, test_name_rules);
	tcase_add_test(parse, test_name_bytes);
	tcase_add_test(parse, test_instance_rules);
	tcase_add_test(parse, test_too_many_instances);
	tcase_add_test(parse, test_request_rules);
	tcase_add_test(parse, test_vote_rules);
	tcase_add_test(parse, test_too_many_requests_votes);
	tcase_add_test(parse, test_votes_not_in_piece);
	tcase_add_test(parse, test_piece_rules);
	tcase_add_test(parse, test_restore_nonce_echo_rules);
	tcase_add_test(parse, test_round_trip_handovers);
	tcase_add_test(parse, test_handover_rules);
	tcase_add_test(parse, test_too_many_handovers);
	tcase_add_test(parse, test_handovers_not_in_piece);
	tcase_add_test(parse, test_encode_refuses_bad_handovers);
	suite_add_tcase(s, parse);
	return s;
}

CLUSTD_TEST_MAIN(heartbeat_suite)
