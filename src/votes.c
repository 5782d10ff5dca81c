/* SPDX-License-Identifier: GPL-2.0-or-later */
/* votes.c - mastership by granted votes (leases): the voter, the
 * candidate's ballot, and the timing rules. Pure (votes.h says why). */
#include "votes.h"

#include <string.h>

#define US_PER_MS 1000ull
#define PPM 1000000ull

uint64_t votes_grantor_hold_us(uint32_t lease_ms)
{
	uint64_t l = (uint64_t)lease_ms * US_PER_MS;

	/* Round up: the voter errs on the long side. */
	return l + (l * VOTES_RHO_PPM + PPM - 1) / PPM;
}

uint64_t votes_grantee_span_us(uint32_t lease_ms, uint32_t slack_ms)
{
	uint64_t l = (uint64_t)lease_ms * US_PER_MS;
	/* Round the shortening up: the candidate errs on the short side. */
	uint64_t shrunk = l - (l * VOTES_RHO_PPM + PPM - 1) / PPM;
	uint64_t s = (uint64_t)slack_ms * US_PER_MS;

	return shrunk > s ? shrunk - s : 0;
}

const char *votes_timing_check(uint32_t lease_ms, uint32_t slack_ms, uint32_t heartbeat_ms,
			       uint32_t min_advert_ms, uint32_t *bound_ms)
{
	uint64_t renew_us = 3ull * heartbeat_ms * US_PER_MS;
	uint64_t failover_us = 2ull * min_advert_ms * US_PER_MS;

	if (votes_grantee_span_us(lease_ms, slack_ms) < renew_us) {
		/* The least lease with L(1 - ρ) - S >= 3H. */
		uint64_t need = (renew_us + (uint64_t)slack_ms * US_PER_MS) * PPM /
				(PPM - VOTES_RHO_PPM);
		*bound_ms = (uint32_t)((need + US_PER_MS - 1) / US_PER_MS);
		return "is too short to be renewed: vote_lease x (1 - 0.001) - slack must be at "
		       "least 3 heartbeat intervals";
	}
	if (votes_grantor_hold_us(lease_ms) > failover_us) {
		/* The greatest lease with L(1 + ρ) <= 2I. */
		uint64_t most = failover_us * PPM / (PPM + VOTES_RHO_PPM);
		*bound_ms = (uint32_t)(most / US_PER_MS);
		return "outlasts the failover: vote_lease x (1 + 0.001) must be at most 2 x the "
		       "smallest advert_interval";
	}
	return NULL;
}

bool votes_outranks(uint8_t prio_a, const char *name_a, uint8_t prio_b, const char *name_b)
{
	if (prio_a != prio_b)
		return prio_a > prio_b;
	return strcmp(name_a, name_b) > 0;
}
