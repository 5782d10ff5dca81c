/* SPDX-License-Identifier: GPL-2.0-or-later */
/* counters.c - the counter set, its encoding and its restore (counters.h). */
#include "counters.h"

#include <stdio.h>
#include <string.h>

#define COUNTERS_FORMAT 1
#define VARINT_MAX 10 /* bytes of a 64-bit LEB128 */

enum section { SEC_SCALAR = 1, SEC_DROP = 2, SEC_TRANS = 3, SEC_STATE_MS = 4, SEC_RX_CSUM = 5 };

static const char *const inst_names[IC__SCALARS] = {
	[IC_ADVERTS_TX] = "adverts_sent",
	[IC_ADVERTS_RX] = "adverts_received",
	[IC_SEND_ERRORS] = "advert_send_errors",
	[IC_FAILOVERS] = "failovers",
	[IC_NOTIFY_RUNS] = "notify_runs",
	[IC_NOTIFY_FAILURES] = "notify_failures",
	[IC_NOTIFY_TIMEOUTS] = "notify_timeouts",
	[IC_TRACK_RUNS] = "track_runs",
	[IC_TRACK_FAILURES] = "track_failures",
	[IC_TRACK_TIMEOUTS] = "track_timeouts",
	[IC_NOTIFY_SKIPPED] = "notify_skipped",
};

static const char *const node_names[NC__SCALARS] = {
	[NC_RESTARTS] = "restarts",
	[NC_UNCLEAN_RESTARTS] = "unclean_restarts",
	[NC_GROUP_NOTIFY_RUNS] = "group_notify_runs",
	[NC_GROUP_NOTIFY_FAILURES] = "group_notify_failures",
	[NC_GROUP_NOTIFY_TIMEOUTS] = "group_notify_timeouts",
	[NC_GROUP_NOTIFY_SKIPPED] = "group_notify_skipped",
};

const char *counters_inst_scalar_name(enum inst_counter i)
{
	return (unsigned)i < IC__SCALARS ? inst_names[i] : "?";
}

const char *counters_node_scalar_name(enum node_counter i)
{
	return (unsigned)i < NC__SCALARS ? node_names[i] : "?";
}

/* ---- records --------------------------------------------------------- */

/* Index of `name` in s, or -1. */
static long find_index(const struct counter_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->inst[i].name, name) == 0)
			return (long)i;
	return -1;
}

struct inst_counters *counters_find(struct counter_set *s, const char *name)
{
	long i = find_index(s, name);

	return i < 0 ? NULL : &s->inst[i];
}

/* Records never move, so callers may keep pointers to them. */
static struct inst_counters *make_room(struct counter_set *s)
{
	if (s->n < COUNTERS_MAX_INSTANCES)
		return &s->inst[s->n++];
	for (size_t i = 0; i < s->n; i++)
		if (!s->inst[i].active)
			return &s->inst[i];
	return NULL;
}

static bool name_char_ok(uint8_t c)
{
	return c >= 0x21 && c <= 0x7e;
}

/* What the decoder accepts: 1..63 graphic ASCII characters. */
static bool name_ok(const char *name)
{
	size_t n = strnlen(name, CLUSTD_NAME_MAX);

	if (n == 0 || n >= CLUSTD_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char_ok((uint8_t)name[i]))
			return false;
	return true;
}

struct inst_counters *counters_instance(struct counter_set *s, const char *name)
{
	struct inst_counters *ic = counters_find(s, name);

	if (!ic && name_ok(name) && (ic = make_room(s))) {
		memset(ic, 0, sizeof(*ic));
		snprintf(ic->name, sizeof(ic->name), "%s", name);
	}
	if (ic)
		ic->active = true;
	return ic;
}

void counters_deactivate_all(struct counter_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->inst[i].active = false;
}

/* ---- keys ------------------------------------------------------------ */

static unsigned inst_key(unsigned i)
{
	if (i < IC__SCALARS)
		return SEC_SCALAR << 8 | i;
	if (i < IC_TRANS_BASE)
		return SEC_DROP << 8 | (i - IC_DROP_BASE);
	if (i < IC_STATE_MS_BASE) {
		unsigned k = i - IC_TRANS_BASE;
		return SEC_TRANS << 8 | (k / STATE__COUNT) << 4 | (k % STATE__COUNT);
	}
	if (i < IC_RX_CSUM_BASE)
		return SEC_STATE_MS << 8 | (i - IC_STATE_MS_BASE);
	return SEC_RX_CSUM << 8 | (i - IC_RX_CSUM_BASE);
}

/* -1 for a key this version does not know. */
static int inst_index(uint64_t key)
{
	unsigned sec = (unsigned)(key >> 8), idx = (unsigned)(key & 0xff);

	if (key > 0xffff)
		return -1;
	if (sec == SEC_SCALAR && idx < IC__SCALARS)
		return (int)idx;
	if (sec == SEC_DROP && idx < VRRP_DROP__COUNT)
		return IC_DROP((int)idx);
	if (sec == SEC_TRANS && (idx >> 4) < STATE__COUNT && (idx & 15) < STATE__COUNT)
		return IC_TRANS((int)(idx >> 4), (int)(idx & 15));
	if (sec == SEC_STATE_MS && idx < STATE__COUNT)
		return IC_STATE_MS((int)idx);
	if (sec == SEC_RX_CSUM && idx < VRRP_CSUM__COUNT)
		return IC_RX_CSUM((int)idx);
	return -1;
}

static unsigned node_key(unsigned i)
{
	return i < NC__SCALARS ? SEC_SCALAR << 8 | i : SEC_DROP << 8 | (i - NC_UNKNOWN_DROP_BASE);
}

static int node_index(uint64_t key)
{
	unsigned sec = (unsigned)(key >> 8), idx = (unsigned)(key & 0xff);

	if (key > 0xffff)
		return -1;
	if (sec == SEC_SCALAR && idx < NC__SCALARS)
		return (int)idx;
	if (sec == SEC_DROP && idx < VRRP_DROP__COUNT)
		return NC_UNKNOWN_DROP((int)idx);
	return -1;
}

/* ---- encoding -------------------------------------------------------- */

struct wbuf {
	uint8_t *p;
	size_t cap, len;
	bool full;
};

static void put_byte(struct wbuf *w, uint8_t b)
{
	if (w->len >= w->cap) {
		w->full = true;
		return;
	}
	w->p[w->len++] = b;
}

static void put_varint(struct wbuf *w, uint64_t v)
{
	while (v >= 0x80) {
		put_byte(w, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	put_byte(w, (uint8_t)v);
}

static size_t count_nonzero(const uint64_t *v, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += v[i] != 0;
	return k;
}

static void put_pairs(struct wbuf *w, const uint64_t *v, size_t n, unsigned (*key)(unsigned))
{
	put_varint(w, count_nonzero(v, n));
	for (size_t i = 0; i < n; i++) {
		if (!v[i])
			continue;
		put_varint(w, key((unsigned)i));
		put_varint(w, v[i]);
	}
}

size_t counters_encode(const struct counter_set *s, uint8_t *buf, size_t cap)
{
	struct wbuf w = {.p = buf, .cap = cap};

	put_byte(&w, COUNTERS_FORMAT);
	put_varint(&w, s->incarnation);
	put_pairs(&w, s->node, NC__COUNT, node_key);
	put_varint(&w, s->n);
	for (size_t i = 0; i < s->n; i++) {
		const struct inst_counters *ic = &s->inst[i];
		size_t len = strlen(ic->name);

		put_byte(&w, (uint8_t)len);
		for (size_t k = 0; k < len; k++)
			put_byte(&w, (uint8_t)ic->name[k]);
		put_byte(&w, ic->active ? 1 : 0);
		put_pairs(&w, ic->v, IC__COUNT, inst_key);
	}
	return w.full ? 0 : w.len;
}

/* ---- decoding -------------------------------------------------------- */

struct rbuf {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static uint8_t get_byte(struct rbuf *r)
{
	if (r->off >= r->len) {
		r->bad = true;
		return 0;
	}
	return r->p[r->off++];
}

static uint64_t get_varint(struct rbuf *r)
{
	uint64_t v = 0;

	for (int i = 0; i < VARINT_MAX && !r->bad; i++) {
		uint8_t b = get_byte(r);

		if (i == VARINT_MAX - 1 && b > 1)
			break; /* more than 64 bits */
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

static void get_pairs(struct rbuf *r, uint64_t *v, int (*index)(uint64_t))
{
	uint64_t n = get_varint(r);

	/* Each pair takes at least two bytes: a count above that is a lie. */
	if (n > (r->len - r->off) / 2) {
		r->bad = true;
		return;
	}
	for (uint64_t k = 0; k < n && !r->bad; k++) {
		uint64_t key = get_varint(r), val = get_varint(r);
		int i = index(key);

		if (i >= 0)
			v[i] = val;
	}
}

static void get_instance(struct rbuf *r, struct counter_set *out)
{
	struct inst_counters *ic = &out->inst[out->n];
	size_t len = get_byte(r);

	if (len == 0 || len >= CLUSTD_NAME_MAX || len > r->len - r->off) {
		r->bad = true;
		return;
	}
	for (size_t k = 0; k < len; k++) {
		ic->name[k] = (char)get_byte(r);
		if (!name_char_ok((uint8_t)ic->name[k]))
			r->bad = true;
	}
	ic->name[len] = '\0';
	ic->active = (get_byte(r) & 1) != 0;
	get_pairs(r, ic->v, inst_index);
	for (size_t i = 0; i < out->n && !r->bad; i++)
		if (strcmp(out->inst[i].name, ic->name) == 0)
			r->bad = true; /* duplicate */
	out->n++;
}

bool counters_decode(const uint8_t *buf, size_t len, struct counter_set *out)
{
	struct rbuf r = {.p = buf, .len = len};

	memset(out, 0, sizeof(*out));
	if (get_byte(&r) != COUNTERS_FORMAT)
		r.bad = true;
	out->incarnation = get_varint(&r);
	get_pairs(&r, out->node, node_index);
	uint64_t n = get_varint(&r);
	if (n > COUNTERS_MAX_INSTANCES)
		r.bad = true;
	for (uint64_t i = 0; i < n && !r.bad; i++)
		get_instance(&r, out);
	if (r.bad || r.off != r.len) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	return true;
}

/* ---- restore --------------------------------------------------------- */

static uint64_t add_saturated(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

static size_t raise_array(uint64_t *s, uint64_t *base, const uint64_t *copy, size_t n)
{
	size_t rose = 0;

	for (size_t i = 0; i < n; i++) {
		if (copy[i] <= base[i])
			continue;
		/* A peer's copy is trusted only this far: a counter stops at
		 * the top instead of wrapping to a small number. */
		s[i] = add_saturated(s[i], copy[i] - base[i]);
		base[i] = copy[i];
		rose++;
	}
	return rose;
}

/* base keeps the names of s it was asked about; it never holds more
 * records than s has configured ones, and is never evicted from (a name
 * evicted from base alone would have its copy added twice). */
static struct inst_counters *find_or_append(struct counter_set *s, const char *name)
{
	struct inst_counters *ic = counters_find(s, name);

	if (ic || s->n >= COUNTERS_MAX_INSTANCES)
		return ic;
	ic = &s->inst[s->n++];
	memset(ic, 0, sizeof(*ic));
	snprintf(ic->name, sizeof(ic->name), "%s", name);
	return ic;
}

size_t counters_raise(struct counter_set *s, struct counter_set *base,
		      const struct counter_set *copy)
{
	size_t rose = raise_array(s->node, base->node, copy->node, NC__COUNT);

	for (size_t i = 0; i < copy->n; i++) {
		/* Only instances configured now: a copy cannot add names. */
		struct inst_counters *si = counters_find(s, copy->inst[i].name);

		if (!si || !si->active)
			continue;
		struct inst_counters *bi = find_or_append(base, copy->inst[i].name);

		if (bi)
			rose += raise_array(si->v, bi->v, copy->inst[i].v, IC__COUNT);
	}
	return rose;
}

bool counters_copy_plausible(const struct counter_set *copy, uint64_t inc_limit)
{
	return copy->incarnation <= inc_limit;
}

bool counters_commit_due(bool dirty, bool urgent, uint64_t last_write_us, uint64_t now_us,
			 uint64_t batch_us)
{
	if (urgent)
		return true;
	return dirty && (now_us < last_write_us || now_us - last_write_us >= batch_us);
}

bool counters_sync_due(bool written, bool durable, uint64_t last_pass_us, uint64_t now_us,
		       uint64_t every_us)
{
	uint64_t wait = durable || every_us > COUNTERS_ROUTINE_SYNC_US ? every_us
									: COUNTERS_ROUTINE_SYNC_US;

	if (!written)
		return false;
	return now_us < last_pass_us || now_us - last_pass_us >= wait;
}
