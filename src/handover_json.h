/* SPDX-License-Identifier: GPL-2.0-or-later */
/* handover_json.h - planned handover and draining in `clustd status`
 * (JSON and text) and in the metrics. */
#ifndef CLUSTD_HANDOVER_JSON_H
#define CLUSTD_HANDOVER_JSON_H

#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

struct clustd;
struct heartbeat;
struct instance;

/* Into an instance's object: "drained", "yielded" and "handover": {"active":
 * {"to", "cause", "phase", "ms", "bound_ms"} or null, "taking_over_from",
 * "last", "last_ago_ms", "results": {result: n}}. */
void handover_instance_json(json_object *o, const struct instance *in, uint64_t now);
/* {"node": bool, "instances": [...], "problem": text or null}. */
json_object *handover_drain_json(const struct clustd *c);
/* A member's drained instances, as its latest heartbeat lists them (TLV
 * 12); for ourselves (hb NULL), ours. */
json_object *handover_member_drained(const struct clustd *c, const struct heartbeat *hb);
/* The text view's lines under an instance, and the node's drain line. */
void handover_text_instance(FILE *f, json_object *in);
void handover_text_drain(FILE *f, json_object *drain);
/* clustd_instance_drained, clustd_handovers_total{instance, result}. */
void handover_metrics(FILE *f, const struct clustd *c);

#endif
