/* SPDX-License-Identifier: GPL-2.0-or-later */
/* heartbeat.c - the cluster plane's heartbeat: codec and HMAC-SHA256.
 *
 * Wire format, version 3 (doc/quorum.md). All integers in network byte
 * order.
 *
 *   offset size
 *        0    4  magic "CLHB"
 *        4    1  version = 3 (CLUSTER_VERSION)
 *        5    1  flags: bit 0 = has_quorum; other bits sent as 0, ignored
 *        6    1  kind: 1 heartbeat, 2 counters piece
 *        7    1  reserved: sent as 0, ignored
 *        8    8  incarnation
 *       16    8  seq
 *       24    .  TLVs: type (1), length (2), value (length bytes)
 *      len-32 32 HMAC-SHA256(key, bytes 0 .. len-33)
 *
 *   TLV 1  node name: 1..63 bytes of graphic ASCII (0x21..0x7e), no NUL.
 *          Exactly once, in both kinds.
 *   TLV 2  one instance: vrid (1), state (1, enum vrrp_state), priority (1),
 *          then its name (1..63 bytes, as above). Once per instance, at most
 *          CLUSTER_MAX_INSTANCES times, in the sender's order.
 *   TLV 4  restore request: empty. At most once. The sender lost its
 *          counters and asks every member for the copy it holds.
 *   TLV 6  nonce: 8 bytes, random per start of the sender's plane. Exactly
 *          once in a heartbeat.
 *   TLV 7  echo: n x 8 bytes (n <= CLUSTER_MAX_ECHO), the nonces of the
 *          members the sender hears. At most once.
 *   TLV 8  counters piece: name length (1), name (0..63 bytes: none = the
 *          sender's own counters, else the member the copy is for), nonce
 *          (8: a copy echoes its member's nonce), generation (8), total
 *          (2, <= CLUSTER_COUNTERS_MAX), offset (2), then the piece's data
 *          (<= CLUSTER_PIECE_MAX bytes, offset + length <= total, empty
 *          only when total is 0). Exactly once in a piece, never in a
 *          heartbeat.
 *   TLV 9  vote request: priority (1), then the instance's name (1..63
 *          bytes, as above). The sender is a candidate for that instance.
 *          At most CLUSTER_MAX_INSTANCES, no two with the same name.
 *          Heartbeat only.
 *   TLV 10 vote granted: instance name length (1), instance name (1..63),
 *          grantee length (1), grantee (1..63; names as above),
 *          incarnation (8), seq (8) (the grantee's request it answers),
 *          remaining ms (4); the lengths add up to the TLV's exactly. At
 *          most CLUSTER_MAX_VOTES, no two for the same instance. Heartbeat
 *          only.
 *   TLV 11 handover: instance name length (1), instance name (1..63),
 *          successor length (1), successor (1..63; names as above); the
 *          lengths add up to the TLV's exactly. The sender hands the
 *          instance over to that member now: it is to ask for the votes at
 *          once. At most CLUSTER_MAX_HANDOVERS, no two for the same
 *          instance. Heartbeat only.
 *   TLV 12 drained: an instance name (1..63, as above) the sender keeps
 *          drained (it never becomes master there). At most
 *          CLUSTER_MAX_DRAINED, no two alike. Heartbeat only.
 *   other  skipped, so a later version 3 sender may add information that
 *          older receivers ignore. Anything that older receivers must not
 *          ignore needs a new version.
 *
 * The receiver checks, in this order: length (SHORT), magic (MAGIC),
 * version (VERSION: versions 1 and 2 are other_version), kind (MAGIC), the
 * MAC in constant time (AUTH), then the TLVs strictly (MALFORMED). Nothing
 * is parsed before it is authenticated, so a peer without the secret can
 * reach only the checks before the MAC.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "heartbeat.h"
#include "fsm.h"

#define HB_MAGIC "CLHB"
#define HB_MAGIC_LEN 4
#define HB_HDR_LEN 24
#define HB_FLAG_QUORUM 0x01
#define HB_TLV_HDR_LEN 3
#define HB_INSTANCE_FIXED 3 /* vrid, state, priority */
#define HB_PIECE_FIXED (1 + 8 + 8 + 2 + 2) /* name length, nonce, generation, total, offset */
#define HB_REQUEST_FIXED 1 /* priority */
#define HB_VOTE_TAIL (8 + 8 + 4) /* incarnation, seq, remaining ms */
#define HB_VOTE_FIXED (1 + 1 + HB_VOTE_TAIL) /* two name lengths, the tail */
#define HB_HANDOVER_FIXED 2 /* two name lengths */

/* The largest heartbeat the limits allow: 64 instances, 64 requests, 64
 * votes, 64 handovers and 64 drained instances with 63-byte names, a
 * restore request, the nonce and a full echo, 31371 bytes; with a few
 * instances it is 100 to 300 bytes.
 * Counters never ride in it. */
#define HB_NAME_TLV_MAX (HB_TLV_HDR_LEN + CLUSTD_NAME_MAX - 1)
#define HB_HEARTBEAT_MAX                                                      \
	(HB_HDR_LEN + HB_NAME_TLV_MAX +                                       \
	 CLUSTER_MAX_INSTANCES * (HB_NAME_TLV_MAX + HB_INSTANCE_FIXED) +      \
	 HB_TLV_HDR_LEN + HB_TLV_HDR_LEN + 8 + HB_TLV_HDR_LEN + 8 * CLUSTER_MAX_ECHO + \
	 CLUSTER_MAX_INSTANCES * (HB_NAME_TLV_MAX + HB_REQUEST_FIXED) +       \
	 CLUSTER_MAX_VOTES * (HB_NAME_TLV_MAX + CLUSTD_NAME_MAX - 1 + HB_VOTE_FIXED) + \
	 CLUSTER_MAX_HANDOVERS * (HB_NAME_TLV_MAX + CLUSTD_NAME_MAX - 1 + HB_HANDOVER_FIXED) + \
	 CLUSTER_MAX_DRAINED * HB_NAME_TLV_MAX + CLUSTER_MAC_LEN)
/* The largest piece: 1200 bytes, below any IPv4 or IPv6 path MTU worth
 * the name, so counters are never IP-fragmented. */
#define HB_PIECE_MSG_MAX                                                      \
	(HB_HDR_LEN + HB_NAME_TLV_MAX + HB_TLV_HDR_LEN + HB_PIECE_FIXED +      \
	 CLUSTD_NAME_MAX - 1 + CLUSTER_PIECE_MAX + CLUSTER_MAC_LEN)
_Static_assert(HB_HEARTBEAT_MAX == CLUSTER_MAX_MSG, "CLUSTER_MAX_MSG is the largest heartbeat");
_Static_assert(HB_PIECE_MSG_MAX <= CLUSTER_PIECE_DATAGRAM, "a piece must fit 1200 bytes");
_Static_assert(HB_PIECE_MSG_MAX <= CLUSTER_MAX_MSG, "CLUSTER_MAX_MSG below a piece");
_Static_assert(CLUSTER_COUNTERS_MAX <= UINT16_MAX, "piece offsets are 16 bits");

enum hb_tlv {
	HB_TLV_NODE = 1,
	HB_TLV_INSTANCE = 2,
	HB_TLV_RESTORE = 4,
	HB_TLV_NONCE = 6,
	HB_TLV_ECHO = 7,
	HB_TLV_PIECE = 8,
	HB_TLV_REQUEST = 9,
	HB_TLV_VOTE = 10,
	HB_TLV_HANDOVER = 11,
	HB_TLV_DRAINED = 12,
};

static const char *const drop_names[HB_DROP__COUNT] = {
	[HB_OK] = "ok",
	[HB_DROP_SHORT] = "short",
	[HB_DROP_MAGIC] = "bad_magic",
	[HB_DROP_AUTH] = "bad_auth",
	[HB_DROP_MALFORMED] = "malformed",
	[HB_DROP_REPLAY] = "replay",
	[HB_DROP_UNKNOWN] = "unknown_member",
	[HB_DROP_SELF] = "own",
	[HB_DROP_SOURCE] = "wrong_source",
	[HB_DROP_FUTURE] = "future_incarnation",
	[HB_DROP_OVERSIZE] = "oversize",
	[HB_DROP_STRANGER] = "unknown_source",
	[HB_DROP_VERSION] = "other_version",
};

const char *hb_drop_name(enum hb_drop d)
{
	if ((unsigned)d >= HB_DROP__COUNT)
		return "invalid";
	return drop_names[d];
}

/* libsodium wants sodium_init() before use; it is idempotent and thread
 * safe. It only fails when the system cannot provide randomness, which this
 * module does not use, but the library's contract still holds: stop. */
static void crypto_ready(void)
{
	if (sodium_init() < 0)
		abort();
}

void cluster_key_derive(const uint8_t *secret, size_t len, uint8_t key[CLUSTER_KEY_LEN])
{
	crypto_ready();
	crypto_hash_sha256(key, secret, len);
}

/* ---- encoding -------------------------------------------------------- */

struct writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool full;
};

static void put(struct writer *w, const void *p, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_u8(struct writer *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_u16(struct writer *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(w, b, sizeof(b));
}

static void put_u32(struct writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	put(w, b, sizeof(b));
}

static void put_u64(struct writer *w, uint64_t v)
{
	uint8_t b[8];

	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
	put(w, b, sizeof(b));
}

bool hb_name_ok(const uint8_t *p, size_t n)
{
	if (n == 0 || n >= CLUSTD_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e)
			return false;
	return true;
}

static bool name_ok(const char *s)
{
	return hb_name_ok((const uint8_t *)s, strnlen(s, CLUSTD_NAME_MAX));
}

static bool piece_valid(const struct hb_piece *p)
{
	return (!p->copy_for[0] || name_ok(p->copy_for)) && p->total <= CLUSTER_COUNTERS_MAX &&
	       p->len <= CLUSTER_PIECE_MAX && (p->len > 0 || p->total == 0) &&
	       (size_t)p->offset + p->len <= p->total;
}

/* Is there a request for `name` among the first n? (One per instance.) */
static bool request_among(const struct hb_request *r, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(r[i].name, name) == 0)
			return true;
	return false;
}

/* Is there a vote for `instance` among the first n? (One per instance.) */
static bool vote_among(const struct hb_vote *v, size_t n, const char *instance)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].instance, instance) == 0)
			return true;
	return false;
}

static bool requests_valid(const struct heartbeat *hb)
{
	if (hb->nrequests > CLUSTER_MAX_INSTANCES)
		return false;
	for (size_t i = 0; i < hb->nrequests; i++)
		if (!name_ok(hb->requests[i].name) ||
		    request_among(hb->requests, i, hb->requests[i].name))
			return false;
	return true;
}

static bool votes_valid(const struct heartbeat *hb)
{
	if (hb->nvotes > CLUSTER_MAX_VOTES)
		return false;
	for (size_t i = 0; i < hb->nvotes; i++)
		if (!name_ok(hb->votes[i].instance) || !name_ok(hb->votes[i].grantee) ||
		    vote_among(hb->votes, i, hb->votes[i].instance))
			return false;
	return true;
}

static bool handover_among(const struct hb_handover *h, size_t n, const char *instance)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(h[i].instance, instance) == 0)
			return true;
	return false;
}

static bool drained_among(const char (*d)[CLUSTD_NAME_MAX], size_t n, const char *instance)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(d[i], instance) == 0)
			return true;
	return false;
}

static bool handovers_valid(const struct heartbeat *hb)
{
	if (hb->nhandovers > CLUSTER_MAX_HANDOVERS || hb->ndrained > CLUSTER_MAX_DRAINED)
		return false;
	for (size_t i = 0; i < hb->nhandovers; i++)
		if (!name_ok(hb->handovers[i].instance) || !name_ok(hb->handovers[i].successor) ||
		    handover_among(hb->handovers, i, hb->handovers[i].instance))
			return false;
	for (size_t i = 0; i < hb->ndrained; i++)
		if (!name_ok(hb->drained[i]) || drained_among(hb->drained, i, hb->drained[i]))
			return false;
	return true;
}

/* Refuse to sign what no receiver would accept. */
static bool hb_valid(const struct heartbeat *hb)
{
	if (!name_ok(hb->node))
		return false;
	if (hb->kind == HB_KIND_PIECE)
		return piece_valid(&hb->piece);
	if (hb->kind != HB_KIND_HEARTBEAT || hb->ninstances > CLUSTER_MAX_INSTANCES ||
	    hb->necho > CLUSTER_MAX_ECHO)
		return false;
	for (size_t i = 0; i < hb->ninstances; i++)
		if (!name_ok(hb->instances[i].name) || hb->instances[i].state >= STATE__COUNT)
			return false;
	return requests_valid(hb) && votes_valid(hb) && handovers_valid(hb);
}

/* A TLV of two length-prefixed names and then `tail` bytes (which the
 * caller puts). */
static void put_two_names(struct writer *w, uint8_t type, const char *a, const char *b, size_t tail)
{
	size_t na = strlen(a), nb = strlen(b);

	put_u8(w, type);
	put_u16(w, (uint16_t)(2 + na + nb + tail));
	put_u8(w, (uint8_t)na);
	put(w, a, na);
	put_u8(w, (uint8_t)nb);
	put(w, b, nb);
}

static void put_vote_tlvs(struct writer *w, const struct heartbeat *hb)
{
	for (size_t i = 0; i < hb->nrequests; i++) {
		const struct hb_request *r = &hb->requests[i];
		size_t n = strlen(r->name);

		put_u8(w, HB_TLV_REQUEST);
		put_u16(w, (uint16_t)(HB_REQUEST_FIXED + n));
		put_u8(w, r->priority);
		put(w, r->name, n);
	}
	for (size_t i = 0; i < hb->nvotes; i++) {
		const struct hb_vote *v = &hb->votes[i];

		put_two_names(w, HB_TLV_VOTE, v->instance, v->grantee, HB_VOTE_TAIL);
		put_u64(w, v->incarnation);
		put_u64(w, v->seq);
		put_u32(w, v->remaining_ms);
	}
}

static void put_handover_tlvs(struct writer *w, const struct heartbeat *hb)
{
	for (size_t i = 0; i < hb->nhandovers; i++)
		put_two_names(w, HB_TLV_HANDOVER, hb->handovers[i].instance,
			      hb->handovers[i].successor, 0);
	for (size_t i = 0; i < hb->ndrained; i++) {
		size_t n = strlen(hb->drained[i]);

		put_u8(w, HB_TLV_DRAINED);
		put_u16(w, (uint16_t)n);
		put(w, hb->drained[i], n);
	}
}

static void put_heartbeat_tlvs(struct writer *w, const struct heartbeat *hb)
{
	for (size_t i = 0; i < hb->ninstances; i++) {
		const struct hb_instance *in = &hb->instances[i];
		size_t n = strlen(in->name);

		put_u8(w, HB_TLV_INSTANCE);
		put_u16(w, (uint16_t)(HB_INSTANCE_FIXED + n));
		put_u8(w, in->vrid);
		put_u8(w, in->state);
		put_u8(w, in->priority);
		put(w, in->name, n);
	}
	if (hb->restore_request) {
		put_u8(w, HB_TLV_RESTORE);
		put_u16(w, 0);
	}
	put_u8(w, HB_TLV_NONCE);
	put_u16(w, 8);
	put_u64(w, hb->nonce);
	if (hb->necho) {
		put_u8(w, HB_TLV_ECHO);
		put_u16(w, (uint16_t)(8 * hb->necho));
		for (size_t i = 0; i < hb->necho; i++)
			put_u64(w, hb->echo[i]);
	}
	put_vote_tlvs(w, hb);
	put_handover_tlvs(w, hb);
}

static void put_piece_tlv(struct writer *w, const struct hb_piece *p)
{
	size_t n = strlen(p->copy_for);

	put_u8(w, HB_TLV_PIECE);
	put_u16(w, (uint16_t)(HB_PIECE_FIXED + n + p->len));
	put_u8(w, (uint8_t)n);
	put(w, p->copy_for, n);
	put_u64(w, p->nonce);
	put_u64(w, p->generation);
	put_u16(w, p->total);
	put_u16(w, p->offset);
	put(w, p->data, p->len);
}

static void put_body(struct writer *w, const struct heartbeat *hb)
{
	size_t n = strlen(hb->node);

	put(w, HB_MAGIC, HB_MAGIC_LEN);
	put_u8(w, CLUSTER_VERSION);
	put_u8(w, hb->has_quorum ? HB_FLAG_QUORUM : 0);
	put_u8(w, hb->kind);
	put_u8(w, 0);
	put_u64(w, hb->incarnation);
	put_u64(w, hb->seq);

	put_u8(w, HB_TLV_NODE);
	put_u16(w, (uint16_t)n);
	put(w, hb->node, n);
	if (hb->kind == HB_KIND_PIECE)
		put_piece_tlv(w, &hb->piece);
	else
		put_heartbeat_tlvs(w, hb);
}

size_t hb_encode(const struct heartbeat *hb, const uint8_t key[CLUSTER_KEY_LEN],
		 uint8_t *buf, size_t cap)
{
	struct writer w = { .buf = buf, .cap = cap };

	if (!hb_valid(hb))
		return 0;
	put_body(&w, hb);
	if (w.full || cap - w.len < CLUSTER_MAC_LEN)
		return 0;
	crypto_ready();
	crypto_auth_hmacsha256(buf + w.len, buf, w.len, key);
	return w.len + CLUSTER_MAC_LEN;
}

/* ---- decoding -------------------------------------------------------- */

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void copy_name(char dst[CLUSTD_NAME_MAX], const uint8_t *p, size_t n)
{
	memcpy(dst, p, n);
	dst[n] = '\0';
}

static bool parse_node(struct heartbeat *out, const uint8_t *v, size_t n)
{
	if (out->node[0] != '\0' || !hb_name_ok(v, n))
		return false;
	copy_name(out->node, v, n);
	return true;
}

static bool parse_instance(struct heartbeat *out, const uint8_t *v, size_t n)
{
	if (out->ninstances >= CLUSTER_MAX_INSTANCES || n < HB_INSTANCE_FIXED)
		return false;
	if (v[1] >= STATE__COUNT || !hb_name_ok(v + HB_INSTANCE_FIXED, n - HB_INSTANCE_FIXED))
		return false;

	struct hb_instance *in = &out->instances[out->ninstances++];

	in->vrid = v[0];
	in->state = v[1];
	in->priority = v[2];
	copy_name(in->name, v + HB_INSTANCE_FIXED, n - HB_INSTANCE_FIXED);
	return true;
}

static bool parse_request(struct heartbeat *out, const uint8_t *v, size_t n)
{
	if (out->nrequests >= CLUSTER_MAX_INSTANCES || n < HB_REQUEST_FIXED ||
	    !hb_name_ok(v + HB_REQUEST_FIXED, n - HB_REQUEST_FIXED))
		return false;

	struct hb_request *r = &out->requests[out->nrequests];

	copy_name(r->name, v + HB_REQUEST_FIXED, n - HB_REQUEST_FIXED);
	if (request_among(out->requests, out->nrequests, r->name))
		return false;
	r->priority = v[0];
	out->nrequests++;
	return true;
}

/* Two length-prefixed names and then `tail` fixed bytes that fill the TLV
 * exactly: each length is checked against what is left before the byte
 * after it is read. */
static bool two_names(const uint8_t *v, size_t n, size_t tail, const uint8_t **a, size_t *na,
		      const uint8_t **b, size_t *nb)
{
	size_t fixed = 2 + tail;

	if (n < fixed || v[0] > n - fixed)
		return false;
	*na = v[0];
	*a = v + 1;
	*nb = (*a)[*na];
	*b = *a + *na + 1;
	return n == fixed + *na + *nb && hb_name_ok(*a, *na) && hb_name_ok(*b, *nb);
}

static bool parse_vote(struct heartbeat *out, const uint8_t *v, size_t n)
{
	const uint8_t *inst, *grantee;
	size_t ni, ng;

	if (out->nvotes >= CLUSTER_MAX_VOTES ||
	    !two_names(v, n, HB_VOTE_TAIL, &inst, &ni, &grantee, &ng))
		return false;

	struct hb_vote *vote = &out->votes[out->nvotes];
	const uint8_t *tail = grantee + ng;

	copy_name(vote->instance, inst, ni);
	if (vote_among(out->votes, out->nvotes, vote->instance))
		return false;
	copy_name(vote->grantee, grantee, ng);
	vote->incarnation = get_u64(tail);
	vote->seq = get_u64(tail + 8);
	vote->remaining_ms = get_u32(tail + 16);
	out->nvotes++;
	return true;
}

static bool parse_handover(struct heartbeat *out, const uint8_t *v, size_t n)
{
	const uint8_t *inst, *succ;
	size_t ni, ns;

	if (out->nhandovers >= CLUSTER_MAX_HANDOVERS || !two_names(v, n, 0, &inst, &ni, &succ, &ns))
		return false;

	struct hb_handover *h = &out->handovers[out->nhandovers];

	copy_name(h->instance, inst, ni);
	if (handover_among(out->handovers, out->nhandovers, h->instance))
		return false;
	copy_name(h->successor, succ, ns);
	out->nhandovers++;
	return true;
}

static bool parse_drained(struct heartbeat *out, const uint8_t *v, size_t n)
{
	if (out->ndrained >= CLUSTER_MAX_DRAINED || !hb_name_ok(v, n))
		return false;
	copy_name(out->drained[out->ndrained], v, n);
	if (drained_among(out->drained, out->ndrained, out->drained[out->ndrained]))
		return false;
	out->ndrained++;
	return true;
}

static bool parse_restore(struct heartbeat *out, size_t n)
{
	if (out->restore_request || n != 0)
		return false;
	out->restore_request = true;
	return true;
}

struct seen {
	bool nonce, echo, piece;
};

static bool parse_nonce(struct heartbeat *out, const uint8_t *v, size_t n, struct seen *seen)
{
	if (seen->nonce || n != 8)
		return false;
	seen->nonce = true;
	out->nonce = get_u64(v);
	return true;
}

static bool parse_echo(struct heartbeat *out, const uint8_t *v, size_t n, struct seen *seen)
{
	if (seen->echo || n % 8 != 0 || n / 8 > CLUSTER_MAX_ECHO)
		return false;
	seen->echo = true;
	out->necho = n / 8;
	for (size_t i = 0; i < out->necho; i++)
		out->echo[i] = get_u64(v + 8 * i);
	return true;
}

static bool parse_piece(struct heartbeat *out, const uint8_t *v, size_t n, struct seen *seen)
{
	struct hb_piece *p = &out->piece;
	size_t name_len = v[0];

	if (seen->piece || n < HB_PIECE_FIXED || name_len > n - HB_PIECE_FIXED ||
	    (name_len && !hb_name_ok(v + 1, name_len)))
		return false;
	seen->piece = true;
	copy_name(p->copy_for, v + 1, name_len);
	v += 1 + name_len;
	p->nonce = get_u64(v);
	p->generation = get_u64(v + 8);
	p->total = get_u16(v + 16);
	p->offset = get_u16(v + 18);
	p->len = n - HB_PIECE_FIXED - name_len;
	if (p->len > CLUSTER_PIECE_MAX)
		return false;
	memcpy(p->data, v + 20, p->len);
	return piece_valid(p);
}

/* What each kind must carry, and must not. */
static bool kind_complete(const struct heartbeat *out, const struct seen *seen)
{
	if (out->node[0] == '\0')
		return false;
	if (out->kind == HB_KIND_PIECE)
		return seen->piece && !seen->nonce && !seen->echo && !out->ninstances &&
		       !out->restore_request && !out->nrequests && !out->nvotes &&
		       !out->nhandovers && !out->ndrained;
	return seen->nonce && !seen->piece;
}

/* The TLVs in p[0..len): every length is checked against what is left
 * before anything is read. */
static bool parse_tlvs(struct heartbeat *out, const uint8_t *p, size_t len)
{
	struct seen seen = {0};
	size_t off = 0;

	while (off < len) {
		if (len - off < HB_TLV_HDR_LEN)
			return false;
		uint8_t type = p[off];
		size_t n = get_u16(p + off + 1);
		const uint8_t *v = p + off + HB_TLV_HDR_LEN;

		off += HB_TLV_HDR_LEN;
		if (n > len - off)
			return false;
		off += n;

		bool ok = true;

		if (type == HB_TLV_NODE)
			ok = parse_node(out, v, n);
		else if (type == HB_TLV_INSTANCE)
			ok = parse_instance(out, v, n);
		else if (type == HB_TLV_RESTORE)
			ok = parse_restore(out, n);
		else if (type == HB_TLV_NONCE)
			ok = parse_nonce(out, v, n, &seen);
		else if (type == HB_TLV_ECHO)
			ok = parse_echo(out, v, n, &seen);
		else if (type == HB_TLV_PIECE)
			ok = parse_piece(out, v, n, &seen);
		else if (type == HB_TLV_REQUEST)
			ok = parse_request(out, v, n);
		else if (type == HB_TLV_VOTE)
			ok = parse_vote(out, v, n);
		else if (type == HB_TLV_HANDOVER)
			ok = parse_handover(out, v, n);
		else if (type == HB_TLV_DRAINED)
			ok = parse_drained(out, v, n);
		if (!ok)
			return false;
	}
	return kind_complete(out, &seen);
}

enum hb_drop hb_decode(const uint8_t *buf, size_t len, const uint8_t key[CLUSTER_KEY_LEN],
		       struct heartbeat *out)
{
	memset(out, 0, sizeof(*out));
	if (len < HB_HDR_LEN + CLUSTER_MAC_LEN)
		return HB_DROP_SHORT;
	if (memcmp(buf, HB_MAGIC, HB_MAGIC_LEN) != 0)
		return HB_DROP_MAGIC;
	/* Another version may lay out anything after this byte differently. */
	if (buf[4] != CLUSTER_VERSION)
		return HB_DROP_VERSION;
	if (buf[6] != HB_KIND_HEARTBEAT && buf[6] != HB_KIND_PIECE)
		return HB_DROP_MAGIC;

	size_t body = len - CLUSTER_MAC_LEN;

	crypto_ready();
	if (crypto_auth_hmacsha256_verify(buf + body, buf, body, key) != 0)
		return HB_DROP_AUTH;

	out->kind = buf[6];
	out->has_quorum = (buf[5] & HB_FLAG_QUORUM) != 0;
	out->incarnation = get_u64(buf + 8);
	out->seq = get_u64(buf + 16);
	if (!parse_tlvs(out, buf + HB_HDR_LEN, body - HB_HDR_LEN)) {
		memset(out, 0, sizeof(*out));
		return HB_DROP_MALFORMED;
	}
	return HB_OK;
}

/* ---- restore answers and reassembly ---------------------------------- */

bool hb_piece_answers(const struct heartbeat *hb, const char *self, uint64_t nonce)
{
	return hb->kind == HB_KIND_PIECE && hb->piece.copy_for[0] &&
	       strcmp(hb->piece.copy_for, self) == 0 &&
	       hb->piece.nonce == nonce;
}

static bool pair_after(uint64_t inc, uint64_t gen, uint64_t inc0, uint64_t gen0)
{
	return inc != inc0 ? inc > inc0 : gen > gen0;
}

enum hb_assembled hb_assemble(struct hb_assembly *a, uint64_t incarnation,
			      const struct hb_piece *p)
{
	if (pair_after(incarnation, p->generation, a->incarnation, a->generation)) {
		a->incarnation = incarnation;
		a->generation = p->generation;
		a->total = p->total;
		a->have = 0;
		a->complete = false;
		a->broken = false;
	} else if (incarnation != a->incarnation || p->generation != a->generation) {
		return HB_PIECE_STALE;
	}
	if (a->complete || a->broken)
		return HB_PIECE_STALE;
	/* In order or not at all: a lost or reordered piece spoils the
	 * record, and the sender sends a newer one soon. */
	if (p->total != a->total || p->offset != a->have || p->len > (size_t)(a->total - a->have)) {
		a->broken = true;
		return HB_PIECE_STALE;
	}
	memcpy(a->data + a->have, p->data, p->len);
	a->have = (uint16_t)(a->have + p->len);
	a->complete = a->have == a->total;
	return a->complete ? HB_PIECE_COMPLETE : HB_PIECE_PARTIAL;
}
