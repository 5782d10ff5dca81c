/* SPDX-License-Identifier: GPL-2.0-or-later */
/* quorum.c - cluster membership and the quorum verdict (doc/quorum.md).
 * Pure: heartbeats come in already authenticated by heartbeat.c, time comes
 * in as a monotonic µs argument. */
#include <stdlib.h>
#include <string.h>

#include "quorum.h"
#include "xalloc.h"

static struct member *find(const struct quorum *q, const char *name)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->members[i].name, name) == 0)
			return &q->members[i];
	return NULL;
}

/* Names must fit, and be distinct: a duplicate would count one node twice. */
static bool names_ok(const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!names[i] || names[i][0] == '\0' || strlen(names[i]) >= CLUSTD_NAME_MAX)
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return false;
	}
	return true;
}

unsigned quorum_needed(size_t n, unsigned setting)
{
	return setting ? setting : (unsigned)(n / 2 + 1);
}

int quorum_init(struct quorum *q, const char *const *names, size_t n, const char *self_name,
		unsigned needed, uint32_t dead_interval_ms, uint64_t nonce)
{
	memset(q, 0, sizeof(*q));
	if (n == 0 || !self_name || !names_ok(names, n))
		return -1;
	q->members = xcalloc(n, sizeof(*q->members));
	q->n = n;
	for (size_t i = 0; i < n; i++)
		strcpy(q->members[i].name, names[i]);

	struct member *self = find(q, self_name);

	if (!self) {
		quorum_free(q);
		return -1;
	}
	self->self = true;
	q->needed = quorum_needed(n, needed);
	q->dead_us = (uint64_t)dead_interval_ms * 1000;
	q->nonce = nonce;
	return 0;
}

void quorum_free(struct quorum *q)
{
	free(q->members);
	memset(q, 0, sizeof(*q));
}

/* The anti-replay rule: (incarnation, seq) must grow, compared as a pair. */
static bool is_newer(const struct member *m, const struct heartbeat *hb)
{
	if (!m->heard)
		return true;
	if (hb->incarnation != m->incarnation)
		return hb->incarnation > m->incarnation;
	return hb->seq > m->seq;
}

void quorum_bind_address(struct quorum *q, size_t i, const struct ip_addr *addr)
{
	if (i < q->n)
		q->members[i].addr = *addr;
}

void quorum_carry(struct quorum *to, const struct quorum *from)
{
	for (size_t i = 0; i < to->n; i++) {
		struct member *m = &to->members[i];
		const struct member *old = find(from, m->name);

		if (m->self || !old || old->self || !ip_addr_equal(&old->addr, &m->addr))
			continue;
		struct ip_addr addr = m->addr;

		*m = *old;
		m->addr = addr;
	}
}

const struct member *quorum_member_at(const struct quorum *q, const struct ip_addr *src)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->members[i].addr.family != AF_UNSPEC && ip_addr_equal(&q->members[i].addr, src))
			return &q->members[i];
	return NULL;
}

uint64_t quorum_incarnation_limit(uint64_t wall_s, uint64_t own_incarnation)
{
	uint64_t base = wall_s > own_incarnation ? wall_s : own_incarnation;

	if (base >= UINT64_MAX - 1 - QUORUM_INCARNATION_AHEAD_S)
		return UINT64_MAX - 1;
	return base + QUORUM_INCARNATION_AHEAD_S;
}

/* Anyone holding the secret can sign any name: in unicast mode the name
 * must also come from that member's own address. */
static bool from_its_address(const struct member *m, const struct ip_addr *src)
{
	return !src || m->addr.family == AF_UNSPEC || ip_addr_equal(&m->addr, src);
}

/* Who sent it, and may it speak at all: a configured member other than
 * us, from its own address, at a plausible incarnation. */
static enum hb_drop check_sender(struct quorum *q, const struct heartbeat *hb,
				 const struct ip_addr *src, uint64_t inc_limit, struct member **out)
{
	struct member *m = find(q, hb->node);

	if (!m)
		return HB_DROP_UNKNOWN;
	if (m->self)
		return HB_DROP_SELF;
	if (!from_its_address(m, src))
		return HB_DROP_SOURCE;
	/* A far-future incarnation would make every real heartbeat of that
	 * member a replay until we restart. */
	if (hb->incarnation > inc_limit)
		return HB_DROP_FUTURE;
	*out = m;
	return HB_OK;
}

static bool echoes(const struct heartbeat *hb, uint64_t nonce)
{
	for (size_t i = 0; i < hb->necho && i < CLUSTER_MAX_ECHO; i++)
		if (hb->echo[i] == nonce)
			return true;
	return false;
}

enum hb_drop quorum_heard(struct quorum *q, const struct heartbeat *hb, const struct ip_addr *src,
			  uint64_t now, uint64_t inc_limit)
{
	struct member *m = NULL;
	enum hb_drop why = check_sender(q, hb, src, inc_limit, &m);

	if (why != HB_OK)
		return why;
	if (!is_newer(m, hb))
		return HB_DROP_REPLAY;
	if (!m->heard || hb->incarnation != m->incarnation)
		m->piece_seq = 0;
	m->heard = true;
	m->last_heard = now;
	m->incarnation = hb->incarnation;
	m->seq = hb->seq;
	m->nonce = hb->nonce;
	if (echoes(hb, q->nonce)) {
		m->fresh = true;
		m->last_fresh = now;
	}
	m->last = *hb;
	return HB_OK;
}

size_t quorum_echo(const struct quorum *q, uint64_t now, uint64_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < q->n && n < cap; i++) {
		const struct member *m = &q->members[i];

		if (!m->self && m->heard && (now < m->last_heard || now - m->last_heard < q->dead_us))
			out[n++] = m->nonce;
	}
	return n;
}

enum hb_drop quorum_piece_from(struct quorum *q, const struct heartbeat *hb,
			       const struct ip_addr *src, uint64_t inc_limit, size_t *index)
{
	struct member *m = NULL;
	enum hb_drop why = check_sender(q, hb, src, inc_limit, &m);

	if (why != HB_OK)
		return why;
	if (!m->heard || hb->incarnation != m->incarnation || hb->seq <= m->piece_seq)
		return HB_DROP_REPLAY;
	m->piece_seq = hb->seq;
	*index = (size_t)(m - q->members);
	return HB_OK;
}

bool quorum_member_alive(const struct quorum *q, const struct member *m, uint64_t now)
{
	if (m->self)
		return true;
	if (!m->fresh)
		return false;
	/* A clock that reads before last_fresh cannot happen with a monotonic
	 * source; treat it as "just heard" rather than wrap around. */
	return now < m->last_fresh || now - m->last_fresh < q->dead_us;
}

unsigned quorum_alive(const struct quorum *q, uint64_t now)
{
	unsigned alive = 0;

	for (size_t i = 0; i < q->n; i++)
		alive += quorum_member_alive(q, &q->members[i], now);
	return alive;
}

bool quorum_has(const struct quorum *q, uint64_t now)
{
	return quorum_alive(q, now) >= q->needed;
}

uint64_t quorum_next_expiry(const struct quorum *q, uint64_t now)
{
	uint64_t next = 0;

	for (size_t i = 0; i < q->n; i++) {
		const struct member *m = &q->members[i];

		if (m->self || !quorum_member_alive(q, m, now))
			continue;
		uint64_t at = m->last_fresh + q->dead_us;

		if (next == 0 || at < next)
			next = at;
	}
	return next;
}

bool quorum_bound_ok(uint32_t dead_interval_ms, uint32_t slack_ms, uint32_t min_advert_interval_ms)
{
	return (uint64_t)dead_interval_ms + slack_ms <= 2 * (uint64_t)min_advert_interval_ms;
}

uint32_t quorum_dead_max_ms(uint32_t slack_ms, uint32_t min_advert_interval_ms)
{
	uint64_t limit = 2 * (uint64_t)min_advert_interval_ms;

	if (limit <= slack_ms)
		return 0;
	return limit - slack_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)(limit - slack_ms);
}
