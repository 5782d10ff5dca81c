/* SPDX-License-Identifier: GPL-2.0-or-later */
/* handover_json.c - handover and drain in the status view and the metrics
 * (handover_json.h). */
#include "handover_json.h"

#include <string.h>

#include "daemon.h"

static const char *const phase_names[] = {
	[HO_IDLE] = "idle",
	[HO_ANNOUNCED] = "waiting_for_request",
	[HO_RELEASED] = "released",
};

static json_object *active_json(const struct handover *h, uint64_t now)
{
	json_object *o;

	if (!handover_active(h))
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "to", json_object_new_string(h->to));
	json_object_object_add(o, "cause", json_object_new_string(ho_cause_name(h->cause)));
	json_object_object_add(o, "phase", json_object_new_string(phase_names[h->phase]));
	json_object_object_add(o, "ms", json_object_new_uint64((now - h->started) / 1000));
	json_object_object_add(o, "bound_ms", json_object_new_uint64(h->bound_us / 1000));
	return o;
}

void handover_instance_json(json_object *o, const struct instance *in, uint64_t now)
{
	json_object *h = json_object_new_object();
	json_object *results = json_object_new_object();

	json_object_object_add(o, "drained", json_object_new_boolean(in->fsm.drained));
	json_object_object_add(o, "yielded", json_object_new_boolean(in->fsm.yielded));
	json_object_object_add(h, "active", active_json(&in->ho.h, now));
	json_object_object_add(h, "fallback", json_object_new_boolean(in->ho.fallback_at != 0));
	json_object_object_add(h, "taking_over_from",
			       in->ho.from[0] ? json_object_new_string(in->ho.from) : NULL);
	json_object_object_add(h, "last", in->ho.last[0] ? json_object_new_string(in->ho.last) : NULL);
	json_object_object_add(h, "last_ago_ms", in->ho.last_at ?
			       json_object_new_uint64((now - in->ho.last_at) / 1000) : NULL);
	for (int r = 0; r < HO_RESULT__COUNT; r++)
		json_object_object_add(results, ho_result_name(r),
				       json_object_new_uint64(in->ho.results[r]));
	json_object_object_add(h, "results", results);
	json_object_object_add(o, "handover", h);
}

json_object *handover_drain_json(const struct clustd *c)
{
	json_object *o = json_object_new_object();
	json_object *names = json_object_new_array();

	for (size_t i = 0; i < c->drained.n; i++)
		json_object_array_add(names, json_object_new_string(c->drained.names[i]));
	json_object_object_add(o, "node", json_object_new_boolean(c->drained.node));
	json_object_object_add(o, "instances", names);
	json_object_object_add(o, "problem", c->drain_problem[0] ?
			       json_object_new_string(c->drain_problem) : NULL);
	return o;
}

json_object *handover_member_drained(const struct clustd *c, const struct heartbeat *hb)
{
	json_object *a = json_object_new_array();

	if (hb) {
		for (size_t i = 0; i < hb->ndrained; i++)
			json_object_array_add(a, json_object_new_string(hb->drained[i]));
		return a;
	}
	for (const struct instance *in = c->instances; in; in = in->next)
		if (in->fsm.drained)
			json_object_array_add(a, json_object_new_string(in->conf->name));
	return a;
}

static json_object *get(json_object *o, const char *key)
{
	return json_object_object_get(o, key);
}

void handover_text_instance(FILE *f, json_object *in)
{
	json_object *h = get(in, "handover");
	json_object *a = get(h, "active"), *from = get(h, "taking_over_from");
	json_object *last = get(h, "last");

	if (json_object_get_boolean(get(in, "drained")))
		fprintf(f, "  drained: never master here (clustd undrain %s)\n",
			json_object_get_string(get(in, "name")));
	else if (json_object_get_boolean(get(in, "yielded")))
		fprintf(f, "  handed over: not preempting back until master again or undrained\n");
	if (a)
		fprintf(f, "  handover to %s (%s): %s, %lld of %lld ms\n",
			json_object_get_string(get(a, "to")), json_object_get_string(get(a, "cause")),
			strcmp(json_object_get_string(get(a, "phase")), "released") == 0 ?
				"released, waiting for it to be master" : "waiting for its request",
			(long long)json_object_get_int64(get(a, "ms")),
			(long long)json_object_get_int64(get(a, "bound_ms")));
	if (from)
		fprintf(f, "  taking over from %s (it hands over)\n", json_object_get_string(from));
	if (last)
		fprintf(f, "  last handover: %s (%lld s ago)\n", json_object_get_string(last),
			(long long)json_object_get_int64(get(h, "last_ago_ms")) / 1000);
}

void handover_text_drain(FILE *f, json_object *drain)
{
	json_object *names = get(drain, "instances"), *problem = get(drain, "problem");

	if (json_object_get_boolean(get(drain, "node")))
		fprintf(f, "drain: the whole node is drained (clustd undrain)\n");
	else if (json_object_array_length(names)) {
		fprintf(f, "drain:");
		for (size_t i = 0; i < json_object_array_length(names); i++)
			fprintf(f, " %s", json_object_get_string(json_object_array_get_idx(names, i)));
		fprintf(f, " drained (clustd undrain NAME)\n");
	}
	if (problem)
		fprintf(f, "drain: %s\n", json_object_get_string(problem));
}

/* Label values: instance names are graphic ASCII without " or \ (the
 * config refuses others), so they need no escaping here. */
void handover_metrics(FILE *f, const struct clustd *c)
{
	fprintf(f, "# HELP clustd_instance_drained 1 while the instance is drained here (clustd "
		   "drain): it does not become master.\n# TYPE clustd_instance_drained gauge\n");
	for (const struct instance *in = c->instances; in; in = in->next)
		fprintf(f, "clustd_instance_drained{instance=\"%s\"} %d\n", in->conf->name,
			in->fsm.drained);
	fprintf(f, "# HELP clustd_handovers_total Planned handovers since this start, by how they "
		   "ended (taken: to this node).\n# TYPE clustd_handovers_total counter\n");
	for (const struct instance *in = c->instances; in; in = in->next)
		for (int r = 0; r < HO_RESULT__COUNT; r++)
			fprintf(f, "clustd_handovers_total{instance=\"%s\",result=\"%s\"} %llu\n",
				in->conf->name, ho_result_name(r), in->ho.results[r]);
}
