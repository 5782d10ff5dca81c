/* SPDX-License-Identifier: GPL-2.0-or-later */
/* holdback.c - the VIP hold-back of a new master (see holdback.h). */
#include "holdback.h"

#include <string.h>

#include "fsm.h"

uint64_t holdback_release_us(uint32_t heartbeat_interval_ms, uint32_t dead_interval_ms,
			     uint32_t slack_ms)
{
	return ((uint64_t)dead_interval_ms + slack_ms + heartbeat_interval_ms) * 1000;
}

bool holdback_reports_master(const struct heartbeat *hb, const char *name)
{
	for (size_t i = 0; i < hb->ninstances; i++)
		if (strcmp(hb->instances[i].name, name) == 0)
			return hb->instances[i].state == STATE_MASTER;
	return false;
}

bool holdback_clear(const struct quorum *q, const char *name, uint64_t release_us, uint64_t now,
		    uint64_t *recheck_at, const char **holder)
{
	for (size_t i = 0; i < q->n; i++) {
		const struct member *m = &q->members[i];
		if (m->self || !m->heard || !holdback_reports_master(&m->last, name))
			continue;
		if (now >= m->last_heard + release_us)
			continue;
		*recheck_at = m->last_heard + release_us;
		*holder = m->name;
		return false;
	}
	return true;
}
