/* SPDX-License-Identifier: GPL-2.0-or-later */
/* votes_json.h - the votes in `clustd status --json` (and the text view):
 * per instance what it asked for and holds, per cluster plane what this
 * node's voter granted and refused. */
#ifndef CLUSTD_VOTES_JSON_H
#define CLUSTD_VOTES_JSON_H

#include <stdint.h>

#include <json-c/json.h>

struct cluster_net;

/* {"needed", "held", "lease_ms", "from": [{"member", "until_ms"}],
 * "refused_by": [{"member", "with", "remaining_ms"}]}; NULL without votes
 * (no plane, or quorum 1). */
json_object *votes_instance_json(const struct cluster_net *cn, const char *instance, uint64_t now);
/* {"votes": [{"instance", "grantee", "remaining_ms"}], "granted", "renewed",
 * "released", "expired", "refused": {reason: n}, "starting_ms"}. */
json_object *votes_voter_json(const struct cluster_net *cn, uint64_t now);

#endif
