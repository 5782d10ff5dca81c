/* SPDX-License-Identifier: GPL-2.0-or-later */
/* holdback.h - may a new master add an instance's VIPs yet? Pure: reads the
 * membership (quorum.h) and takes the time as an argument (µs).
 *
 * A new master holds its VIPs back while another member may still hold
 * them: one whose latest accepted heartbeat reports the instance MASTER and
 * that was heard less than the release bound ago. A member cut off from us
 * stops hearing the majority at most one heartbeat interval after we last
 * heard it (heartbeats are not in step) and releases its VIPs within
 * dead_interval + slack after that; a preempted master that is still
 * heard says BACKUP in its next heartbeat, which clears at once. */
#ifndef CLUSTD_HOLDBACK_H
#define CLUSTD_HOLDBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "quorum.h"

/* The release bound: heartbeat_interval + dead_interval + slack, in µs. */
uint64_t holdback_release_us(uint32_t heartbeat_interval_ms, uint32_t dead_interval_ms,
			     uint32_t slack_ms);

/* Does this heartbeat report instance `name` as MASTER? (An instance it
 * does not list is not reported MASTER.) */
bool holdback_reports_master(const struct heartbeat *hb, const char *name);

/* True when no member other than self, heard at least once, last reported
 * `name` MASTER within release_us before now (a member heard at T is clear
 * from T + release_us on, to the µs). Otherwise false, with *holder the
 * first such member in membership order and *recheck_at (µs) when its
 * window ends: the answer may change by itself then (to true, or to the
 * next member still inside its window). */
bool holdback_clear(const struct quorum *q, const char *name, uint64_t release_us, uint64_t now,
		    uint64_t *recheck_at, const char **holder);

#endif
