/* SPDX-License-Identifier: GPL-2.0-or-later */
/* track.h - health tracking for one instance: track scripts, tracked
 * interfaces and tracked files, folded into a priority delta (sum of
 * weights) or a fault. Scripts run through the script runner (never
 * blocking the loop); files are watched with inotify; interfaces are
 * fed by the daemon's link watch. */
#ifndef CLUSTD_TRACK_H
#define CLUSTD_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "model.h"
#include "netlink.h"
#include "script.h"
#include "track_checks.h"
#include "track_rule.h" /* the rule, and track_effective_priority() */

struct tracker;

struct track_hooks {
	void *arg;
	/* The delta or the fault verdict changed; cause is a human sentence
	 * ("script nginx failed 2 times: exit 1", "interface eth1 down", ...). */
	void (*changed)(void *arg, const char *cause);
	/* The stats moved (a run started, failed or timed out). Optional. */
	void (*stats_changed)(void *arg);
};

struct track_stats {
	unsigned long long script_runs, script_failures, script_timeouts, script_skipped;
	unsigned long long check_runs, check_failures, check_timeouts; /* tcp and http checks */
};

/* owner names log lines ("web: track script nginx ..."). */
struct tracker *tracker_new(struct loop *l, struct script_runner *r, struct nlk *nl,
			    const struct track_conf *conf, const char *owner,
			    const struct track_hooks *hooks);
void tracker_free(struct tracker *t);

/* Sum of the weights in force (may be negative). */
int tracker_delta(const struct tracker *t);
/* True when a tracked thing without a weight failed; reason filled. */
bool tracker_fault(const struct tracker *t, char *reason, size_t len);

/* From the daemon's link watch (ifindex 0 = re-check every interface). */
void tracker_link_event(struct tracker *t, int ifindex, bool up);

const struct track_stats *tracker_stats(const struct tracker *t);
/* The tcp and http checks (track_checks.h); NULL when there are none. */
const struct track_checks *tracker_checks(const struct tracker *t);

#endif
