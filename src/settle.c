/* SPDX-License-Identifier: GPL-2.0-or-later */
/* settle.c - when a planned release of the VIPs may happen (settle.h). Pure. */
#include "settle.h"

uint64_t settle_bound_us(uint64_t step_bound_us)
{
	uint64_t b = step_bound_us / 4;

	return b < SETTLE_MAX_US ? b : SETTLE_MAX_US;
}

enum settle_verdict settle_check(struct settle *s, bool busy, uint64_t now, uint64_t bound_us,
				 uint64_t *wake, uint64_t *waited_us)
{
	uint64_t end;

	*waited_us = s->since && now > s->since ? now - s->since : 0;
	if (!busy || bound_us == 0 || (s->since && now >= s->since + bound_us)) {
		s->since = 0;
		return SETTLE_RELEASE;
	}
	if (!s->since)
		s->since = now ? now : 1;
	end = s->since + bound_us;
	*wake = now + SETTLE_POLL_US < end ? now + SETTLE_POLL_US : end;
	return SETTLE_WAIT;
}

void settle_reset(struct settle *s)
{
	s->since = 0;
}
