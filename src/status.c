/* SPDX-License-Identifier: GPL-2.0-or-later */
/* status.c - renders the daemon's state (read only) as JSON or text. */
#include "status.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "quorum.h"

static json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static json_object *jaddr(const struct ip_addr *a)
{
	char buf[IP_ADDR_STRLEN];

	if (a->family == AF_UNSPEC)
		return NULL;
	return jstr(ip_addr_str(a, buf));
}

static json_object *jms(uint64_t from_us, uint64_t to_us)
{
	return json_object_new_int64((int64_t)((to_us - from_us) / 1000));
}

static json_object *instance_counters(const struct instance *in)
{
	json_object *o = json_object_new_object();
	json_object *drops = json_object_new_object();
	json_object *trans = json_object_new_object();

	json_object_object_add(o, "adverts_sent", json_object_new_uint64(in->cnt.adverts_tx));
	json_object_object_add(o, "adverts_received", json_object_new_uint64(in->cnt.adverts_rx));
	json_object_object_add(o, "send_errors", json_object_new_uint64(in->cnt.send_errors));
	for (int d = 1; d < VRRP_DROP__COUNT; d++)
		json_object_object_add(drops, vrrp_drop_name(d), json_object_new_uint64(in->cnt.drops[d]));
	for (int f = 0; f < STATE__COUNT; f++) {
		for (int t = 0; t < STATE__COUNT; t++) {
			char key[32];
			if (!in->cnt.transitions[f][t])
				continue;
			snprintf(key, sizeof(key), "%s->%s", vrrp_state_name(f), vrrp_state_name(t));
			json_object_object_add(trans, key, json_object_new_uint64(in->cnt.transitions[f][t]));
		}
	}
	json_object_object_add(o, "drops", drops);
	json_object_object_add(o, "transitions", trans);
	return o;
}

/* use_vmac: the device, its MAC and whether it is up (only on a master). */
static json_object *vmac_json(const struct instance *in)
{
	char mac[VMAC_STRLEN];
	json_object *o;

	if (!in->conf->use_vmac)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "interface", jstr(in->vmac.name));
	json_object_object_add(o, "mac", jstr(vmac_str(in->vmac.mac, mac)));
	json_object_object_add(o, "exists", json_object_new_boolean(in->vmac.ifindex != 0));
	json_object_object_add(o, "up", json_object_new_boolean(in->vmac.ifindex && in->vmac.up));
	return o;
}

static json_object *instance_json(const struct instance *in, uint64_t now)
{
	const struct instance_conf *ic = in->conf;
	json_object *o = json_object_new_object();
	json_object *vips = json_object_new_array();
	json_object *faults = json_object_new_array();
	char buf[VIP_STRLEN];

	for (size_t i = 0; i < ic->nvips; i++)
		json_object_array_add(vips, jstr(vip_str(&ic->vips[i], buf)));
	if (in->faults & FAULT_NO_LINK)
		json_object_array_add(faults, jstr("link"));
	if (in->faults & FAULT_NO_ADDR)
		json_object_array_add(faults, jstr("address"));
	if (in->faults & FAULT_NO_QUORUM)
		json_object_array_add(faults, jstr("quorum"));
	if (in->faults & FAULT_TRACK)
		json_object_array_add(faults, jstr("track"));
	if (in->faults & FAULT_GROUP)
		json_object_array_add(faults, jstr("group"));
	if (in->faults & FAULT_VMAC)
		json_object_array_add(faults, jstr("vmac"));
	json_object_object_add(o, "name", jstr(ic->name));
	json_object_object_add(o, "interface", jstr(ic->interface));
	json_object_object_add(o, "vrid", json_object_new_int(ic->vrid));
	json_object_object_add(o, "version", json_object_new_int(ic->version));
	json_object_object_add(o, "state", jstr(vrrp_state_name(in->fsm.state)));
	json_object_object_add(o, "state_ms", jms(in->state_since, now));
	json_object_object_add(o, "priority", json_object_new_int(in->fsm.p.priority));
	json_object_object_add(o, "source", jaddr(&in->primary));
	json_object_object_add(o, "master", in->fsm.state == STATE_BACKUP ?
				jaddr(&in->fsm.master_addr) : NULL);
	json_object_object_add(o, "vips", vips);
	json_object_object_add(o, "vips_pending", json_object_new_boolean(in->vips_pending));
	json_object_object_add(o, "vmac", vmac_json(in));
	json_object_object_add(o, "faults", faults);
	json_object_object_add(o, "counters", instance_counters(in));
	return o;
}

static json_object *member_json(const struct clustd *c, const struct member *m, uint64_t now)
{
	const struct quorum *q = cluster_net_quorum(c->cluster);
	json_object *o = json_object_new_object();
	json_object *insts = json_object_new_array();

	json_object_object_add(o, "name", jstr(m->name));
	for (size_t i = 0; i < c->cfg->cluster.nmembers; i++)
		if (strcmp(c->cfg->cluster.members[i].name, m->name) == 0)
			json_object_object_add(o, "address", jaddr(&c->cfg->cluster.members[i].addr));
	json_object_object_add(o, "self", json_object_new_boolean(m->self));
	json_object_object_add(o, "alive", json_object_new_boolean(quorum_member_alive(q, m, now)));
	if (m->self) {
		json_object_object_add(o, "incarnation",
				       json_object_new_uint64(cluster_net_incarnation(c->cluster)));
		json_object_object_add(o, "has_quorum",
				       json_object_new_boolean(cluster_net_has_quorum(c->cluster)));
		for (const struct instance *in = c->instances; in; in = in->next) {
			json_object *i = json_object_new_object();
			json_object_object_add(i, "name", jstr(in->conf->name));
			json_object_object_add(i, "state", jstr(vrrp_state_name(in->fsm.state)));
			json_object_object_add(i, "priority", json_object_new_int(in->fsm.p.priority));
			json_object_array_add(insts, i);
		}
	} else if (m->heard) {
		json_object_object_add(o, "incarnation", json_object_new_uint64(m->incarnation));
		json_object_object_add(o, "last_heard_ms", jms(m->last_heard, now));
		json_object_object_add(o, "has_quorum", json_object_new_boolean(m->last.has_quorum));
		for (size_t k = 0; k < m->last.ninstances; k++) {
			const struct hb_instance *hi = &m->last.instances[k];
			json_object *i = json_object_new_object();
			json_object_object_add(i, "name", jstr(hi->name));
			json_object_object_add(i, "state", jstr(vrrp_state_name(hi->state)));
			json_object_object_add(i, "priority", json_object_new_int(hi->priority));
			json_object_array_add(insts, i);
		}
	}
	json_object_object_add(o, "instances", insts);
	return o;
}

static json_object *cluster_json(const struct clustd *c, uint64_t now)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "enabled", json_object_new_boolean(c->cluster != NULL));
	if (!c->cluster)
		return o;
	const struct quorum *q = cluster_net_quorum(c->cluster);
	const struct cluster_stats *st = cluster_net_stats(c->cluster);
	json_object *members = json_object_new_array();
	json_object *drops = json_object_new_object();
	for (size_t i = 0; i < q->n; i++)
		json_object_array_add(members, member_json(c, &q->members[i], now));
	for (int d = 1; d < HB_DROP__COUNT; d++)
		json_object_object_add(drops, hb_drop_name(d), json_object_new_uint64(st->drops[d]));
	json_object_object_add(o, "has_quorum", json_object_new_boolean(cluster_net_has_quorum(c->cluster)));
	json_object_object_add(o, "alive", json_object_new_int((int)quorum_alive(q, now)));
	json_object_object_add(o, "needed", json_object_new_int((int)q->needed));
	json_object_object_add(o, "heartbeats_sent", json_object_new_uint64(st->tx));
	json_object_object_add(o, "heartbeats_received", json_object_new_uint64(st->rx));
	json_object_object_add(o, "drops", drops);
	json_object_object_add(o, "members", members);
	return o;
}

static json_object *status_json(const struct clustd *c)
{
	uint64_t now = loop_now();
	json_object *o = json_object_new_object();
	json_object *insts = json_object_new_array();

	for (const struct instance *in = c->instances; in; in = in->next)
		json_object_array_add(insts, instance_json(in, now));
	json_object_object_add(o, "node", jstr(c->cfg->node.name));
	json_object_object_add(o, "uptime_ms", jms(c->started_at, now));
	json_object_object_add(o, "cluster", cluster_json(c, now));
	json_object *unknown = json_object_new_object();
	for (int d = 1; d < VRRP_DROP__COUNT; d++)
		json_object_object_add(unknown, vrrp_drop_name(d), json_object_new_uint64(c->unknown_drops[d]));
	json_object_object_add(o, "drops_no_instance", unknown);
	json_object_object_add(o, "instances", insts);
	return o;
}

static char *dup_json(json_object *o)
{
	char *s = NULL;

	if (asprintf(&s, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
				JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		s = NULL;
	json_object_put(o);
	return s;
}

/* An indented line under its instance: "  vmac vrrp.51 00:00:5e:00:01:33 up". */
static void text_vmac(FILE *f, json_object *vmac)
{
	if (!vmac)
		return;
	fprintf(f, "  vmac %s %s %s\n", json_object_get_string(json_object_object_get(vmac, "interface")),
		json_object_get_string(json_object_object_get(vmac, "mac")),
		!json_object_get_boolean(json_object_object_get(vmac, "exists")) ? "missing" :
		json_object_get_boolean(json_object_object_get(vmac, "up")) ? "up" : "down");
}

/* Text view: one screen for people, from the same JSON document. */
static void text_instances(FILE *f, json_object *st)
{
	json_object *insts = json_object_object_get(st, "instances");

	fprintf(f, "%-12s %-8s %-5s %-7s %-5s %-16s %s\n", "INSTANCE", "IFACE", "VRID", "STATE",
		"PRIO", "MASTER", "VIPS");
	for (size_t i = 0; i < json_object_array_length(insts); i++) {
		json_object *in = json_object_array_get_idx(insts, i);
		json_object *vips = json_object_object_get(in, "vips");
		json_object *master = json_object_object_get(in, "master");
		fprintf(f, "%-12s %-8s %-5d %-7s %-5d %-16s", json_object_get_string(json_object_object_get(in, "name")),
			json_object_get_string(json_object_object_get(in, "interface")),
			json_object_get_int(json_object_object_get(in, "vrid")),
			json_object_get_string(json_object_object_get(in, "state")),
			json_object_get_int(json_object_object_get(in, "priority")),
			master ? json_object_get_string(master) :
			strcmp(json_object_get_string(json_object_object_get(in, "state")), "MASTER") == 0 ? "(this node)" : "-");
		for (size_t k = 0; k < json_object_array_length(vips); k++)
			fprintf(f, " %s", json_object_get_string(json_object_array_get_idx(vips, k)));
		fputc('\n', f);
		text_vmac(f, json_object_object_get(in, "vmac"));
	}
}

static void text_cluster(FILE *f, json_object *cl)
{
	json_object *members = json_object_object_get(cl, "members");

	if (!json_object_get_boolean(json_object_object_get(cl, "enabled"))) {
		fprintf(f, "cluster plane: off (no quorum gating)\n");
		return;
	}
	fprintf(f, "cluster plane: quorum %s (%d of %zu alive, %d needed)\n",
		json_object_get_boolean(json_object_object_get(cl, "has_quorum")) ? "HELD" : "LOST",
		json_object_get_int(json_object_object_get(cl, "alive")),
		json_object_array_length(members),
		json_object_get_int(json_object_object_get(cl, "needed")));
	fprintf(f, "%-12s %-16s %-6s %-12s %-10s %s\n", "MEMBER", "ADDRESS", "ALIVE", "INCARNATION",
		"HEARD", "INSTANCES");
	for (size_t i = 0; i < json_object_array_length(members); i++) {
		json_object *m = json_object_array_get_idx(members, i);
		json_object *addr = json_object_object_get(m, "address");
		json_object *heard = json_object_object_get(m, "last_heard_ms");
		json_object *inc = json_object_object_get(m, "incarnation");
		json_object *insts = json_object_object_get(m, "instances");
		char heard_s[24] = "-";
		if (json_object_get_boolean(json_object_object_get(m, "self")))
			snprintf(heard_s, sizeof(heard_s), "(self)");
		else if (heard)
			snprintf(heard_s, sizeof(heard_s), "%lld ms", (long long)json_object_get_int64(heard));
		fprintf(f, "%-12s %-16s %-6s %-12s %-10s", json_object_get_string(json_object_object_get(m, "name")),
			addr ? json_object_get_string(addr) : "-",
			json_object_get_boolean(json_object_object_get(m, "alive")) ? "yes" : "no",
			inc ? json_object_get_string(inc) : "-", heard_s);
		for (size_t k = 0; k < json_object_array_length(insts); k++) {
			json_object *in = json_object_array_get_idx(insts, k);
			fprintf(f, " %s=%s/%d", json_object_get_string(json_object_object_get(in, "name")),
				json_object_get_string(json_object_object_get(in, "state")),
				json_object_get_int(json_object_object_get(in, "priority")));
		}
		fputc('\n', f);
	}
}

static char *status_text(const struct clustd *c)
{
	json_object *st = status_json(c);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		json_object_put(st);
		return NULL;
	}
	fprintf(f, "node %s, up %lld s\n", c->cfg->node.name,
		(long long)json_object_get_int64(json_object_object_get(st, "uptime_ms")) / 1000);
	text_instances(f, st);
	text_cluster(f, json_object_object_get(st, "cluster"));
	fclose(f);
	json_object_put(st);
	return buf;
}

char *status_handle(void *arg, const char *request)
{
	const struct clustd *c = arg;

	if (strcmp(request, "status json") == 0)
		return dup_json(status_json(c));
	if (strcmp(request, "status") == 0)
		return status_text(c);
	return strdup("error: unknown request (try: status, status json)\n");
}
