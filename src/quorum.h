/* SPDX-License-Identifier: GPL-2.0-or-later */
/* quorum.h - cluster membership and the quorum verdict. Pure: driven by
 * heartbeats and an injected monotonic clock (µs). A member is alive while
 * its valid heartbeats keep arriving within dead_interval; self is always
 * alive. Quorum holds while alive members >= needed. */
#ifndef CLUSTD_QUORUM_H
#define CLUSTD_QUORUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heartbeat.h"

struct member {
	char name[CLUSTD_NAME_MAX];
	bool self;
	bool heard;              /* at least one valid heartbeat ever */
	uint64_t last_heard;     /* µs, monotonic */
	uint64_t incarnation;    /* highest accepted */
	uint64_t seq;            /* highest accepted within incarnation */
	struct heartbeat last;   /* latest accepted heartbeat (status view) */
};

struct quorum {
	size_t n;
	struct member *members;  /* owned */
	unsigned needed;
	uint64_t dead_us;
};

/* names[0..n) are the configured members (self among them, by self_name).
 * needed = 0 means a strict majority: n/2 + 1. Returns 0, -1 if self_name
 * is not among names or on allocation failure. */
int quorum_init(struct quorum *q, const char *const *names, size_t n, const char *self_name,
		unsigned needed, uint32_t dead_interval_ms);
void quorum_free(struct quorum *q);

/* Record a decoded heartbeat. Applies the anti-replay rule: accepted only
 * if (incarnation, seq) is greater than the last accepted pair of that
 * sender. Returns HB_OK, HB_DROP_UNKNOWN, HB_DROP_SELF or HB_DROP_REPLAY. */
enum hb_drop quorum_heard(struct quorum *q, const struct heartbeat *hb, uint64_t now);

bool quorum_member_alive(const struct quorum *q, const struct member *m, uint64_t now);
unsigned quorum_alive(const struct quorum *q, uint64_t now);
bool quorum_has(const struct quorum *q, uint64_t now);

/* The next instant after now at which quorum_has() may change by itself
 * (a member's dead deadline), or 0 if none. */
uint64_t quorum_next_expiry(const struct quorum *q, uint64_t now);

/* Safety bound (doc/quorum.md): an isolated master must release its VIPs
 * before the majority side can take over. With dead interval D, scheduling
 * slack S and the smallest advert interval I of any instance, clustd
 * requires D + S <= 2 * I (a backup takes over no sooner than 2I + skew
 * after the partition; the isolated master gives up no later than D + S).
 * Returns true when the bound holds. */
bool quorum_bound_ok(uint32_t dead_interval_ms, uint32_t slack_ms, uint32_t min_advert_interval_ms);

#endif
