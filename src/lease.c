/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lease.c - pure: when a master renews its VIPs' kernel lease (lease.h). */
#include "lease.h"

uint64_t lease_renew_at(uint64_t now_us, uint32_t lease_ms)
{
	uint64_t period = (uint64_t)lease_ms * 1000u / LEASE_RENEWALS;
	uint64_t grid = period / LEASE_GRID_PARTS;
	uint64_t at = now_us + period;

	if (lease_ms == 0)
		return 0;
	return at / grid * grid;
}
