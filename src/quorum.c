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

int quorum_init(struct quorum *q, const char *const *names, size_t n, const char *self_name,
		unsigned needed, uint32_t dead_interval_ms)
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
	q->needed = needed ? needed : (unsigned)(n / 2 + 1);
	q->dead_us = (uint64_t)dead_interval_ms * 1000;
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

enum hb_drop quorum_heard(struct quorum *q, const struct heartbeat *hb, uint64_t now)
{
	struct member *m = find(q, hb->node);

	if (!m)
		return HB_DROP_UNKNOWN;
	if (m->self)
		return HB_DROP_SELF;
	if (!is_newer(m, hb))
		return HB_DROP_REPLAY;
	m->heard = true;
	m->last_heard = now;
	m->incarnation = hb->incarnation;
	m->seq = hb->seq;
	m->last = *hb;
	return HB_OK;
}

bool quorum_member_alive(const struct quorum *q, const struct member *m, uint64_t now)
{
	if (m->self)
		return true;
	if (!m->heard)
		return false;
	/* A clock that reads before last_heard cannot happen with a monotonic
	 * source; treat it as "just heard" rather than wrap around. */
	return now < m->last_heard || now - m->last_heard < q->dead_us;
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
		uint64_t at = m->last_heard + q->dead_us;

		if (next == 0 || at < next)
			next = at;
	}
	return next;
}

bool quorum_bound_ok(uint32_t dead_interval_ms, uint32_t slack_ms, uint32_t min_advert_interval_ms)
{
	return (uint64_t)dead_interval_ms + slack_ms <= 2 * (uint64_t)min_advert_interval_ms;
}
