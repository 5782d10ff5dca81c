/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_heartbeat.c - libFuzzer target for the heartbeat codec (src/heartbeat.c).
 *
 * Every input is decoded three times with a fixed key: as it is; re-signed
 * (its last CLUSTER_MAC_LEN bytes replaced by the right MAC of the rest);
 * and re-signed with the magic, version (CLUSTER_VERSION) and kind forced
 * valid. Decoded pieces also go through the reassembly. Random bytes
 * almost never carry a valid MAC, so only the last two reach the TLV
 * parser. The fixed key is the SHA-256 of FUZZ_SECRET; the seeds in
 * t/fuzz/corpus/heartbeat/ are hb_encode() output under that key (and
 * unknown-tlv.bin and handover-drained.bin, signed by hand).
 *
 * Aborts on any inconsistency: a result outside the enum; other_version
 * for anything but a clustd header of another version, or not for one; a
 * re-signed message with a good header that is dropped for anything but
 * MALFORMED; a decoded heartbeat that does not re-encode (to at most the
 * input's size, exactly filling that many bytes) and decode again to
 * itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "heartbeat.h"

#define FUZZ_SECRET "clustd fuzz secret"
#define HDR_LEN 24

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                            \
			abort();                                             \
		}                                                            \
	} while (0)

static const uint8_t *fuzz_key(void)
{
	static uint8_t key[CLUSTER_KEY_LEN];
	static bool ready;

	if (!ready) {
		cluster_key_derive((const uint8_t *)FUZZ_SECRET, strlen(FUZZ_SECRET), key);
		ready = true;
	}
	return key;
}

static void same(const struct heartbeat *a, const struct heartbeat *b)
{
	CHECK(a->kind == b->kind);
	CHECK(strcmp(a->node, b->node) == 0);
	CHECK(a->incarnation == b->incarnation);
	CHECK(a->seq == b->seq);
	CHECK(a->has_quorum == b->has_quorum);
	CHECK(a->nonce == b->nonce);
	CHECK(a->necho == b->necho);
	CHECK(memcmp(a->echo, b->echo, a->necho * sizeof(a->echo[0])) == 0);
	CHECK(a->ninstances == b->ninstances);
	for (size_t i = 0; i < a->ninstances; i++) {
		CHECK(strcmp(a->instances[i].name, b->instances[i].name) == 0);
		CHECK(a->instances[i].vrid == b->instances[i].vrid);
		CHECK(a->instances[i].state == b->instances[i].state);
		CHECK(a->instances[i].priority == b->instances[i].priority);
	}
	CHECK(a->restore_request == b->restore_request);
	CHECK(a->nrequests == b->nrequests);
	for (size_t i = 0; i < a->nrequests; i++) {
		CHECK(strcmp(a->requests[i].name, b->requests[i].name) == 0);
		CHECK(a->requests[i].priority == b->requests[i].priority);
	}
	CHECK(a->nvotes == b->nvotes);
	for (size_t i = 0; i < a->nvotes; i++) {
		CHECK(strcmp(a->votes[i].instance, b->votes[i].instance) == 0);
		CHECK(strcmp(a->votes[i].grantee, b->votes[i].grantee) == 0);
		CHECK(a->votes[i].incarnation == b->votes[i].incarnation);
		CHECK(a->votes[i].seq == b->votes[i].seq);
		CHECK(a->votes[i].remaining_ms == b->votes[i].remaining_ms);
	}
	CHECK(a->nhandovers == b->nhandovers);
	for (size_t i = 0; i < a->nhandovers; i++) {
		CHECK(strcmp(a->handovers[i].instance, b->handovers[i].instance) == 0);
		CHECK(strcmp(a->handovers[i].successor, b->handovers[i].successor) == 0);
	}
	CHECK(a->ndrained == b->ndrained);
	for (size_t i = 0; i < a->ndrained; i++)
		CHECK(strcmp(a->drained[i], b->drained[i]) == 0);
	CHECK(strcmp(a->piece.copy_for, b->piece.copy_for) == 0);
	CHECK(a->piece.nonce == b->piece.nonce);
	CHECK(a->piece.generation == b->piece.generation);
	CHECK(a->piece.total == b->piece.total);
	CHECK(a->piece.offset == b->piece.offset);
	CHECK(a->piece.len == b->piece.len);
	CHECK(memcmp(a->piece.data, b->piece.data, a->piece.len) == 0);
}

/* Pieces of a decoded record never overrun the reassembly buffer. */
static void assemble(const struct heartbeat *hb)
{
	static struct hb_assembly a;
	enum hb_assembled r = hb_assemble(&a, hb->incarnation, &hb->piece);

	CHECK(a.have <= a.total && a.total <= CLUSTER_COUNTERS_MAX);
	CHECK(r != HB_PIECE_COMPLETE || a.complete);
}

/* The canonical encoding drops only what the decoder skipped (unknown or
 * empty TLVs), so it is never longer than what was decoded. */
static void round_trip(const struct heartbeat *hb, size_t size)
{
	static uint8_t out[CLUSTER_MAX_MSG];
	static struct heartbeat again;

	size_t n = hb_encode(hb, fuzz_key(), out, sizeof(out));

	CHECK(n > 0 && n <= size);
	CHECK(hb_encode(hb, fuzz_key(), out, n - 1) == 0);
	CHECK(hb_encode(hb, fuzz_key(), out, n) == n);
	CHECK(hb_decode(out, n, fuzz_key(), &again) == HB_OK);
	same(hb, &again);
}

static enum hb_drop one(const uint8_t *data, size_t size)
{
	static struct heartbeat hb;
	enum hb_drop d = hb_decode(data, size, fuzz_key(), &hb);

	CHECK((unsigned)d < HB_DROP__COUNT);
	/* replay etc. are quorum.c's verdicts, oversize cluster_net.c's */
	CHECK(d <= HB_DROP_MALFORMED || d == HB_DROP_VERSION);
	CHECK(strcmp(hb_drop_name(d), "invalid") != 0);
	/* other_version exactly for a clustd header of another version. */
	if (d != HB_DROP_SHORT && memcmp(data, "CLHB", 4) == 0)
		CHECK((d == HB_DROP_VERSION) == (data[4] != CLUSTER_VERSION));
	else
		CHECK(d != HB_DROP_VERSION);
	if (d == HB_OK)
		round_trip(&hb, size);
	if (d == HB_OK && hb.kind == HB_KIND_PIECE)
		assemble(&hb);
	return d;
}

/* A heap copy of exactly size bytes, so ASan sees any overread. */
static void resigned(const uint8_t *data, size_t size, bool fix_header)
{
	uint8_t *copy = malloc(size);

	CHECK(copy != NULL);
	memcpy(copy, data, size);
	if (fix_header) {
		memcpy(copy, "CLHB", 4);
		copy[4] = CLUSTER_VERSION;
		copy[6] = (copy[6] & 1) ? HB_KIND_HEARTBEAT : HB_KIND_PIECE;
	}
	crypto_auth_hmacsha256(copy + size - CLUSTER_MAC_LEN, copy, size - CLUSTER_MAC_LEN,
			       fuzz_key());

	enum hb_drop d = one(copy, size);

	CHECK(d != HB_DROP_SHORT && d != HB_DROP_AUTH);
	if (fix_header)
		CHECK(d == HB_OK || d == HB_DROP_MALFORMED);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size);
	if (size < HDR_LEN + CLUSTER_MAC_LEN)
		return 0;
	resigned(data, size, false);
	resigned(data, size, true);
	return 0;
}
