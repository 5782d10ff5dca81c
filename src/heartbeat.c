/* SPDX-License-Identifier: GPL-2.0-or-later */
/* heartbeat.c - the cluster plane's heartbeat: codec and HMAC-SHA256.
 *
 * Wire format, version 1. All integers in network byte order.
 *
 *   offset size
 *        0    4  magic "CLHB"
 *        4    1  version = 1
 *        5    1  flags: bit 0 = has_quorum; other bits sent as 0, ignored
 *        6    2  reserved: sent as 0, ignored
 *        8    8  incarnation
 *       16    8  seq
 *       24    .  TLVs: type (1), length (2), value (length bytes)
 *      len-32 32 HMAC-SHA256(key, bytes 0 .. len-33)
 *
 *   TLV 1  node name: 1..63 bytes of graphic ASCII (0x21..0x7e), no NUL.
 *          Exactly once.
 *   TLV 2  one instance: vrid (1), state (1, enum vrrp_state), priority (1),
 *          then its name (1..63 bytes, as above). Once per instance, at most
 *          CLUSTER_MAX_INSTANCES times, in the sender's order.
 *   TLV 3  the sender's counters: 1..CLUSTER_COUNTERS_MAX opaque bytes
 *          (counters.h encoding). At most once; absent = none this time.
 *   TLV 4  restore request: empty. At most once. The sender lost its
 *          counters and asks every member for the copy it holds.
 *   TLV 5  a copy for a restoring member: name length (1), its name, then
 *          0..CLUSTER_COUNTERS_MAX bytes of the copy held (none = nothing
 *          held). At most once.
 *   other  skipped, so a later version 1 sender may add information that
 *          older receivers ignore. Anything that older receivers must not
 *          ignore needs a new version.
 *
 * The receiver checks, in this order: length (SHORT), magic and version
 * (MAGIC), the MAC in constant time (AUTH), then the TLVs strictly
 * (MALFORMED). Nothing is parsed before it is authenticated, so a peer
 * without the secret can reach only the first three checks.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "heartbeat.h"
#include "fsm.h"

#define HB_MAGIC "CLHB"
#define HB_MAGIC_LEN 4
#define HB_VERSION 1
#define HB_HDR_LEN 24
#define HB_FLAG_QUORUM 0x01
#define HB_TLV_HDR_LEN 3
#define HB_INSTANCE_FIXED 3 /* vrid, state, priority */

/* The largest message the limits allow: 64 instances with 63-byte names,
 * a full counters record, a restore request and a full copy, 28648 bytes.
 * Callers size their buffers by CLUSTER_MAX_MSG. */
#define HB_NAME_TLV_MAX (HB_TLV_HDR_LEN + CLUSTD_NAME_MAX - 1)
#define HB_WORST_CASE                                                        \
	(HB_HDR_LEN + HB_NAME_TLV_MAX +                                      \
	 CLUSTER_MAX_INSTANCES * (HB_NAME_TLV_MAX + HB_INSTANCE_FIXED) +     \
	 HB_TLV_HDR_LEN + CLUSTER_COUNTERS_MAX + HB_TLV_HDR_LEN +            \
	 HB_TLV_HDR_LEN + 1 + (CLUSTD_NAME_MAX - 1) + CLUSTER_COUNTERS_MAX + \
	 CLUSTER_MAC_LEN)
_Static_assert(HB_WORST_CASE <= CLUSTER_MAX_MSG, "CLUSTER_MAX_MSG below the worst case");

enum hb_tlv {
	HB_TLV_NODE = 1,
	HB_TLV_INSTANCE = 2,
	HB_TLV_COUNTERS = 3,
	HB_TLV_RESTORE = 4,
	HB_TLV_COPY = 5,
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

static void put_u64(struct writer *w, uint64_t v)
{
	uint8_t b[8];

	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
	put(w, b, sizeof(b));
}

/* 1..63 bytes of graphic ASCII: what the decoder accepts. */
static bool name_bytes_ok(const uint8_t *p, size_t n)
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
	return name_bytes_ok((const uint8_t *)s, strnlen(s, CLUSTD_NAME_MAX));
}

/* Refuse to sign what no receiver would accept. */
static bool hb_valid(const struct heartbeat *hb)
{
	if (!name_ok(hb->node) || hb->ninstances > CLUSTER_MAX_INSTANCES ||
	    hb->counters_len > CLUSTER_COUNTERS_MAX || hb->copy_len > CLUSTER_COUNTERS_MAX ||
	    (hb->copy_for[0] && !name_ok(hb->copy_for)) || (!hb->copy_for[0] && hb->copy_len))
		return false;
	for (size_t i = 0; i < hb->ninstances; i++)
		if (!name_ok(hb->instances[i].name) || hb->instances[i].state >= STATE__COUNT)
			return false;
	return true;
}

static void put_body(struct writer *w, const struct heartbeat *hb)
{
	size_t n = strlen(hb->node);

	put(w, HB_MAGIC, HB_MAGIC_LEN);
	put_u8(w, HB_VERSION);
	put_u8(w, hb->has_quorum ? HB_FLAG_QUORUM : 0);
	put_u16(w, 0);
	put_u64(w, hb->incarnation);
	put_u64(w, hb->seq);

	put_u8(w, HB_TLV_NODE);
	put_u16(w, (uint16_t)n);
	put(w, hb->node, n);

	for (size_t i = 0; i < hb->ninstances; i++) {
		const struct hb_instance *in = &hb->instances[i];

		n = strlen(in->name);
		put_u8(w, HB_TLV_INSTANCE);
		put_u16(w, (uint16_t)(HB_INSTANCE_FIXED + n));
		put_u8(w, in->vrid);
		put_u8(w, in->state);
		put_u8(w, in->priority);
		put(w, in->name, n);
	}

	if (hb->counters_len > 0) {
		put_u8(w, HB_TLV_COUNTERS);
		put_u16(w, (uint16_t)hb->counters_len);
		put(w, hb->counters, hb->counters_len);
	}
	if (hb->restore_request) {
		put_u8(w, HB_TLV_RESTORE);
		put_u16(w, 0);
	}
	if (hb->copy_for[0]) {
		n = strlen(hb->copy_for);
		put_u8(w, HB_TLV_COPY);
		put_u16(w, (uint16_t)(1 + n + hb->copy_len));
		put_u8(w, (uint8_t)n);
		put(w, hb->copy_for, n);
		put(w, hb->copy, hb->copy_len);
	}
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
	if (out->node[0] != '\0' || !name_bytes_ok(v, n))
		return false;
	copy_name(out->node, v, n);
	return true;
}

static bool parse_instance(struct heartbeat *out, const uint8_t *v, size_t n)
{
	if (out->ninstances >= CLUSTER_MAX_INSTANCES || n < HB_INSTANCE_FIXED)
		return false;
	if (v[1] >= STATE__COUNT || !name_bytes_ok(v + HB_INSTANCE_FIXED, n - HB_INSTANCE_FIXED))
		return false;

	struct hb_instance *in = &out->instances[out->ninstances++];

	in->vrid = v[0];
	in->state = v[1];
	in->priority = v[2];
	copy_name(in->name, v + HB_INSTANCE_FIXED, n - HB_INSTANCE_FIXED);
	return true;
}

static bool parse_counters(struct heartbeat *out, const uint8_t *v, size_t n, bool *seen)
{
	if (*seen || n > CLUSTER_COUNTERS_MAX)
		return false;
	*seen = true;
	out->counters_len = n;
	memcpy(out->counters, v, n);
	return true;
}

static bool parse_restore(struct heartbeat *out, size_t n)
{
	if (out->restore_request || n != 0)
		return false;
	out->restore_request = true;
	return true;
}

static bool parse_copy(struct heartbeat *out, const uint8_t *v, size_t n)
{
	if (out->copy_for[0] || n < 1 || v[0] == 0 || v[0] > n - 1 ||
	    !name_bytes_ok(v + 1, v[0]) || n - 1 - v[0] > CLUSTER_COUNTERS_MAX)
		return false;
	copy_name(out->copy_for, v + 1, v[0]);
	out->copy_len = n - 1 - v[0];
	memcpy(out->copy, v + 1 + v[0], out->copy_len);
	return true;
}

/* The TLVs in p[0..len): every length is checked against what is left
 * before anything is read. */
static bool parse_tlvs(struct heartbeat *out, const uint8_t *p, size_t len)
{
	bool counters_seen = false;
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
		else if (type == HB_TLV_COUNTERS)
			ok = parse_counters(out, v, n, &counters_seen);
		else if (type == HB_TLV_RESTORE)
			ok = parse_restore(out, n);
		else if (type == HB_TLV_COPY)
			ok = parse_copy(out, v, n);
		if (!ok)
			return false;
	}
	return out->node[0] != '\0';
}

enum hb_drop hb_decode(const uint8_t *buf, size_t len, const uint8_t key[CLUSTER_KEY_LEN],
		       struct heartbeat *out)
{
	memset(out, 0, sizeof(*out));
	if (len < HB_HDR_LEN + CLUSTER_MAC_LEN)
		return HB_DROP_SHORT;
	if (memcmp(buf, HB_MAGIC, HB_MAGIC_LEN) != 0 || buf[4] != HB_VERSION)
		return HB_DROP_MAGIC;

	size_t body = len - CLUSTER_MAC_LEN;

	crypto_ready();
	if (crypto_auth_hmacsha256_verify(buf + body, buf, body, key) != 0)
		return HB_DROP_AUTH;

	out->has_quorum = (buf[5] & HB_FLAG_QUORUM) != 0;
	out->incarnation = get_u64(buf + 8);
	out->seq = get_u64(buf + 16);
	if (!parse_tlvs(out, buf + HB_HDR_LEN, body - HB_HDR_LEN)) {
		memset(out, 0, sizeof(*out));
		return HB_DROP_MALFORMED;
	}
	return HB_OK;
}
