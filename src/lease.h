/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lease.h - pure: when a master renews its VIPs' kernel lease. */
#ifndef CLUSTD_LEASE_H
#define CLUSTD_LEASE_H

#include <stdint.h>

/* Renewals per lease: a VIP outlives a stall of the loop of up to
 * (LEASE_RENEWALS - 1) / LEASE_RENEWALS of its lease. */
#define LEASE_RENEWALS 3u
/* The renewal instants are multiples of this fraction of the renewal
 * period, on the monotonic clock (see lease_renew_at). */
#define LEASE_GRID_PARTS 8u

/* When VIPs whose lease of lease_ms was renewed at now_us are renewed
 * next: a period (lease / LEASE_RENEWALS) later, brought forward to the
 * last multiple of period / LEASE_GRID_PARTS before that. Every instance
 * renewing within the same eighth of a period then renews at the same
 * instant, in one wakeup of the loop, instead of each in its own (255
 * instances with a 5 s lease: 5 instants a second instead of 153). Never
 * later than now_us + period, never earlier than now_us + period minus an
 * eighth of it. lease_ms 0 (no lease): 0. */
uint64_t lease_renew_at(uint64_t now_us, uint32_t lease_ms);

#endif
