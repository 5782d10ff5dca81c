/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance_drivers.c - the daemon's side of the driver socket (see
 * instance_drivers.h): the instances as drivers see them, a transition
 * told to them, and the `required` rule carried out like a tracked
 * check: driver_rule.c gives the delta or the fault, and a change of
 * presence re-reads the faults of the instances that name drivers
 * (instance_refresh_faults), which moves the priority or enters FAULT at
 * once. */
#include "instance_drivers.h"
#include "instance_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "drain.h"
#include "driver_rule.h"
#include "xalloc.h"

/* ---- the view ---- */

static bool requires(const struct instance_conf *ic, const char *id)
{
	for (size_t i = 0; id && i < ic->ndrivers; i++)
		if (ic->drivers[i].required && strcmp(ic->drivers[i].id, id) == 0)
			return true;
	return false;
}

static enum drv_quorum quorum_of(const struct clustd *c)
{
	if (!c->cluster)
		return c->cfg->cluster.enabled ? DRV_QUORUM_LOST : DRV_QUORUM_NONE;
	return cluster_net_has_quorum(c->cluster) ? DRV_QUORUM_HELD : DRV_QUORUM_LOST;
}

static enum drv_drained drained_of(enum drain_how how)
{
	return how == DRAIN_BY_NODE ? DRV_DRAINED_NODE :
	       how == DRAIN_BY_INSTANCE ? DRV_DRAINED_INSTANCE : DRV_UNDRAINED;
}

static void view_of(const struct instance *in, const char *id, struct drv_instance_view *v)
{
	const struct instance_conf *ic = in->conf;

	*v = (struct drv_instance_view){
		.name = ic->name,
		.state = in->fsm.state,
		.priority = in->fsm.p.priority,
		.base_priority = ic->priority,
		.vips = ic->vips,
		.nvips = ic->nvips,
		.quorum = quorum_of(in->c),
		.reason = in->fsm.state == STATE_FAULT && in->faults ? in->fault_why : in->event_reason,
		.seq = in->event_seq,
		.required = requires(ic, id),
		.drained = drained_of(drain_how(&in->c->drained, ic->name)),
	};
}

static bool view_hook(void *arg, size_t i, const char *id, struct drv_instance_view *v)
{
	struct clustd *c = arg;
	const struct instance *in = c->instances;

	for (; in && i > 0; i--)
		in = in->next;
	if (!in)
		return false;
	view_of(in, id, v);
	return true;
}

void instance_drivers_transition(struct instance *in, const struct fsm_out *o)
{
	struct driver_server *s = in->c->drivers;
	struct drv_event e = {.from = o->from, .wall_us = wall_now_us()};

	if (!s)
		return;
	in->event_seq = driver_server_next_seq(s);
	snprintf(in->event_reason, sizeof(in->event_reason), "%s", o->reason);
	e.seq = in->event_seq;
	view_of(in, NULL, &e.now);
	e.now.state = o->to;
	e.now.reason = in->event_reason;
	driver_server_event(s, &e);
}

void drivers_drain_told(struct clustd *c, const struct drain_set *before, const char *reason)
{
	struct drv_event e = {.wall_us = wall_now_us()};

	if (!c->drivers)
		return;
	for (struct instance *in = c->instances; in; in = in->next) {
		if (drain_how(before, in->conf->name) == drain_how(&c->drained, in->conf->name))
			continue;
		e.seq = driver_server_next_seq(c->drivers);
		view_of(in, NULL, &e.now);
		e.now.reason = reason;
		driver_server_drain(c->drivers, &e);
	}
}

/* ---- the required rule ---- */

struct needs {
	enum drv_need_state state[CLUSTD_MAX_DRIVERS];
	const char *message[CLUSTD_MAX_DRIVERS];
	struct drv_verdict v;
};

static void needs_of(const struct instance *in, struct needs *n)
{
	const struct instance_conf *ic = in->conf;
	const struct clustd *c = in->c;
	uint32_t grace = c->cfg->node.driver_grace_ms;
	uint64_t now = mono_now_us();

	for (size_t i = 0; i < ic->ndrivers; i++) {
		struct drv_presence p = {0};

		n->message[i] = "";
		if (c->drivers)
			driver_server_presence(c->drivers, ic->drivers[i].id, &p, &n->message[i]);
		n->state[i] = drv_need_state(&p, c->started_at, grace, now);
	}
	drv_verdict_of(ic->drivers, n->state, ic->ndrivers, c->started_at, grace, &n->v);
	if (n->v.recheck_at && c->drivers) /* a grace runs out: look again then */
		driver_server_recheck_at(c->drivers, n->v.recheck_at);
}

int instance_drivers_delta(const struct instance *in)
{
	struct needs n;

	if (in->conf->ndrivers == 0)
		return 0;
	needs_of(in, &n);
	return n.v.delta;
}

bool instance_drivers_fault(const struct instance *in, char *why, size_t len)
{
	struct needs n;
	int i;

	if (in->conf->ndrivers == 0)
		return false;
	needs_of(in, &n);
	i = n.v.fault;
	if (i >= 0 && why)
		drv_fault_reason(in->conf->drivers[i].id, n.state[i], n.message[i], why, len);
	return i >= 0;
}

/* Presence changed, or a grace time ran out: every instance that names
 * drivers looks at its faults and priority again. */
static void presence_hook(void *arg)
{
	struct clustd *c = arg;

	if (c->shut_down)
		return;
	for (struct instance *in = c->instances; in; in = in->next)
		if (in->conf->ndrivers)
			instance_refresh_faults(in);
}

static uint64_t incarnation_hook(void *arg)
{
	struct clustd *c = arg;

	return ledger_counters(c->ledger)->incarnation;
}

/* ---- life cycle ---- */

void drivers_open(struct clustd *c)
{
	const struct node_conf *nc = &c->cfg->node;
	char *path;

	if (c->cfg->witness)
		return;
	path = xasprintf("%s/%s", nc->run_dir, DRIVER_SOCKET_NAME);
	struct driver_server_conf conf = {
		.path = path,
		.group = nc->driver_group,
		.queue_bytes = nc->driver_queue_bytes,
		.grace_ms = nc->driver_grace_ms,
		.started_us = c->started_at,
		.node = nc->name,
	};
	struct driver_hooks hooks = {.arg = c, .view = view_hook, .presence_changed = presence_hook,
				     .incarnation = incarnation_hook};

	c->drivers = driver_server_open(c->loop, &conf, &hooks);
	free(path);
}

void drivers_close(struct clustd *c)
{
	driver_server_close(c->drivers);
	c->drivers = NULL;
}

void drivers_reload(struct clustd *c)
{
	if (c->drivers)
		driver_server_reconf(c->drivers, c->cfg->node.driver_group,
				     c->cfg->node.driver_queue_bytes);
}

/* ---- status ---- */

json_object *instance_drivers_json(const struct instance *in)
{
	const struct instance_conf *ic = in->conf;
	json_object *a;
	struct needs n;

	if (ic->ndrivers == 0)
		return NULL;
	needs_of(in, &n);
	a = json_object_new_array();
	for (size_t i = 0; i < ic->ndrivers; i++) {
		const struct driver_need_conf *d = &ic->drivers[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_string(d->id));
		json_object_object_add(o, "required", json_object_new_boolean(d->required));
		json_object_object_add(o, "weight", d->weight == TRACK_NO_WEIGHT ? NULL :
					json_object_new_int(d->weight));
		json_object_object_add(o, "state",
				       json_object_new_string(drv_need_state_name(n.state[i])));
		json_object_object_add(o, "message", n.message[i][0] ?
					json_object_new_string(n.message[i]) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

json_object *drivers_json(const struct clustd *c)
{
	return c->drivers ? driver_server_json(c->drivers) : NULL;
}

/* "  needs: web: webapp (FAULT) ok, pager (-100) missing" */
static void text_needs(FILE *f, json_object *inst)
{
	json_object *needs = json_object_object_get(inst, "drivers");

	if (!needs)
		return;
	fprintf(f, "  %s needs", json_object_get_string(json_object_object_get(inst, "name")));
	for (size_t i = 0; i < json_object_array_length(needs); i++) {
		json_object *d = json_object_array_get_idx(needs, i);
		json_object *w = json_object_object_get(d, "weight");
		bool req = json_object_get_boolean(json_object_object_get(d, "required"));

		fprintf(f, "%s %s (%s%s) %s", i ? "," : ":",
			json_object_get_string(json_object_object_get(d, "id")),
			!req ? "not required" : w ? "weight " : "FAULT",
			req && w ? json_object_get_string(w) : "",
			json_object_get_string(json_object_object_get(d, "state")));
	}
	fputc('\n', f);
}

void drivers_text(FILE *f, json_object *status)
{
	json_object *d = json_object_object_get(status, "drivers");
	json_object *insts = json_object_object_get(status, "instances");

	if (!d)
		return;
	driver_server_text(f, d);
	for (size_t i = 0; i < json_object_array_length(insts); i++)
		text_needs(f, json_object_array_get_idx(insts, i));
}

void drivers_metrics(FILE *f, const struct clustd *c)
{
	if (c->drivers)
		driver_server_metrics(f, c->drivers);
}
