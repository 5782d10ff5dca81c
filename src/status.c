/* SPDX-License-Identifier: GPL-2.0-or-later */
/* status.c - renders the daemon's state (read only) as JSON or text. */
#include "status.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "counters.h"
#include "daemon.h"
#include "handover_json.h"
#include "instance_checks.h"
#include "instance_drivers.h"
#include "ledger.h"
#include "loop.h"
#include "quorum.h"
#include "votes_json.h"
#include "xalloc.h"

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

static json_object *ju64(uint64_t v)
{
	return json_object_new_uint64(v);
}

/* One instance's counters (also used for the copies peers hold). */
static json_object *counters_json(const struct inst_counters *ic)
{
	json_object *o = json_object_new_object();
	json_object *drops = json_object_new_object();
	json_object *trans = json_object_new_object();
	json_object *ms = json_object_new_object();
	json_object *forms = json_object_new_object();

	for (int i = 0; i < IC__SCALARS; i++)
		json_object_object_add(o, counters_inst_scalar_name(i), ju64(ic->v[i]));
	for (int d = 1; d < VRRP_DROP__COUNT; d++)
		json_object_object_add(drops, vrrp_drop_name(d), ju64(ic->v[IC_DROP(d)]));
	for (int f = 0; f < STATE__COUNT; f++) {
		json_object_object_add(ms, vrrp_state_name(f), ju64(ic->v[IC_STATE_MS(f)]));
		for (int t = 0; t < STATE__COUNT; t++) {
			char key[32];
			if (!ic->v[IC_TRANS(f, t)])
				continue;
			snprintf(key, sizeof(key), "%s->%s", vrrp_state_name(f), vrrp_state_name(t));
			json_object_object_add(trans, key, ju64(ic->v[IC_TRANS(f, t)]));
		}
	}
	for (int k = 0; k < VRRP_CSUM__COUNT; k++)
		json_object_object_add(forms, vrrp_csum_form_name(k), ju64(ic->v[IC_RX_CSUM(k)]));
	/* Kept under its first name for the tools that read it. */
	json_object_object_add(o, "send_errors", ju64(ic->v[IC_SEND_ERRORS]));
	json_object_object_add(o, "drops", drops);
	json_object_object_add(o, "transitions", trans);
	json_object_object_add(o, "state_ms", ms);
	json_object_object_add(o, "checksum_forms", forms);
	return o;
}

static json_object *node_counters_json(const struct counter_set *s)
{
	json_object *o = json_object_new_object();
	json_object *unknown = json_object_new_object();

	json_object_object_add(o, "incarnation", ju64(s->incarnation));
	for (int i = 0; i < NC__SCALARS; i++)
		json_object_object_add(o, counters_node_scalar_name(i), ju64(s->node[i]));
	for (int d = 1; d < VRRP_DROP__COUNT; d++)
		json_object_object_add(unknown, vrrp_drop_name(d), ju64(s->node[NC_UNKNOWN_DROP(d)]));
	json_object_object_add(o, "drops_no_instance", unknown);
	return o;
}

static const char *origin_name(enum ledger_origin o)
{
	switch (o) {
	case LEDGER_FROM_FILE: return "file";
	case LEDGER_FROM_FALLBACK: return "file (older slot)";
	case LEDGER_NEW: return "new";
	case LEDGER_FROM_NOTHING: return "unusable file";
	default: return "off";
	}
}

/* Is a plane (a router's, or a witness's first) asking for our counters? */
static bool restoring(const struct clustd *c)
{
	const struct cluster_net *cn = c->cfg->witness && c->nplanes ? c->planes[0]->net : c->cluster;

	return cn && cluster_net_restoring(cn);
}

static json_object *persistence_json(const struct clustd *c)
{
	struct ledger_stats st;
	json_object *o = json_object_new_object();

	ledger_get_stats(c->ledger, &st);
	json_object_object_add(o, "enabled", json_object_new_boolean(st.enabled));
	json_object_object_add(o, "loaded_from", jstr(origin_name(ledger_origin(c->ledger))));
	json_object_object_add(o, "load_problem", jstr(ledger_load_problem(c->ledger)));
	json_object_object_add(o, "restore", jstr(ledger_restore_result(c->ledger)));
	json_object_object_add(o, "restoring", json_object_new_boolean(restoring(c)));
	if (!st.enabled)
		return o;
	json_object_object_add(o, "ok", json_object_new_boolean(st.file.ok));
	json_object_object_add(o, "error", jstr(st.file.error));
	json_object_object_add(o, "generation", ju64(st.file.generation));
	json_object_object_add(o, "writes", ju64(st.file.writes));
	json_object_object_add(o, "write_errors", ju64(st.file.write_errors));
	json_object_object_add(o, "syncs", ju64(st.file.syncs));
	json_object_object_add(o, "sync_errors", ju64(st.file.sync_errors));
	json_object_object_add(o, "commits", ju64(st.commits));
	json_object_object_add(o, "commit_max_us", ju64(st.commit_max_us));
	json_object_object_add(o, "write_max_us", ju64(st.file.write_max_us));
	json_object_object_add(o, "sync_max_us", ju64(st.file.sync_max_us));
	json_object_object_add(o, "sync_last_us", ju64(st.file.sync_last_us));
	return o;
}

/* Accept_Mode of one instance: "accept" as the master applies it (owners
 * always accept), and whether the nftables filter backs accept = false. */
static void instance_accept_json(json_object *o, const struct instance *in)
{
	const struct nft_filter *f = &in->c->accept_filter;
	bool on = accept_mode_on(in->conf);

	json_object_object_add(o, "accept", json_object_new_boolean(on));
	json_object_object_add(o, "accept_owner", json_object_new_boolean(in->conf->priority == 255));
	json_object_object_add(o, "accept_filter",
			       jstr(nft_state_name(nft_filter_for(f, in->conf))));
}

/* Address owner (owner.h): priority 255 and VIPs that are the interface's
 * own addresses, which clustd never adds or removes. */
static void owner_json(json_object *o, const struct instance *in)
{
	json_object *owned = json_object_new_array();
	char buf[VIP_STRLEN];

	for (size_t i = 0; i < in->conf->nvips; i++)
		if ((in->owned >> i) & 1)
			json_object_array_add(owned, jstr(vip_str(&in->conf->vips[i], buf)));
	json_object_object_add(o, "owner", json_object_new_boolean(in->conf->priority == 255 &&
								   in->owned != 0));
	json_object_object_add(o, "owned_vips", owned);
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
	if (in->faults & FAULT_ACCEPT_FILTER)
		json_object_array_add(faults, jstr("accept_filter"));
	if (in->faults & FAULT_SEND)
		json_object_array_add(faults, jstr("send"));
	if (in->faults & FAULT_VIP)
		json_object_array_add(faults, jstr("vip"));
	if (in->faults & FAULT_DRIVER)
		json_object_array_add(faults, jstr("driver"));
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
	owner_json(o, in);
	json_object_object_add(o, "vips_unsent", json_object_new_boolean(in->vips_unsent));
	json_object_object_add(o, "send_failures_in_row", json_object_new_int((int)in->send_fails.count));
	json_object_object_add(o, "vip_failures_in_row", json_object_new_int((int)in->vip_fails.count));
	instance_accept_json(o, in);
	json_object_object_add(o, "vmac", vmac_json(in));
	json_object_object_add(o, "faults", faults);
	json_object_object_add(o, "fault_reason", in->faults ? jstr(in->fault_why) : NULL);
	json_object_object_add(o, "counters", counters_json(in->cnt));
	json_object_object_add(o, "candidate", json_object_new_boolean(in->fsm.candidate));
	json_object_object_add(o, "pause_deferrals", json_object_new_int64(in->fsm.pause_deferrals));
	json_object_object_add(o, "votes", votes_instance_json(in->c->cluster, ic->name, now));
	handover_instance_json(o, in, now);
	json_object_object_add(o, "drivers", instance_drivers_json(in));
	json_object_object_add(o, "checks", instance_checks_json(in));
	return o;
}

/* The copy of a member's counters this node holds (for its restore). */
static json_object *held_copy_json(const struct cluster_net *cn, const struct member *m,
				   uint64_t now)
{
	const struct quorum *q = cluster_net_quorum(cn);
	size_t idx = (size_t)(m - q->members), len = 0;
	uint64_t age = 0;
	const uint8_t *copy = cluster_net_held_copy(cn, idx, &len, now, &age);
	struct counter_set *s;

	if (!copy)
		return NULL;
	s = xmalloc(sizeof(*s));
	json_object *o = NULL;
	if (counters_decode(copy, len, s)) {
		json_object *insts = json_object_new_object();
		o = node_counters_json(s);
		json_object_object_add(o, "age_ms", ju64(age / 1000));
		json_object_object_add(o, "bytes", ju64(len));
		for (size_t i = 0; i < s->n; i++)
			json_object_object_add(insts, s->inst[i].name, counters_json(&s->inst[i]));
		json_object_object_add(o, "instances", insts);
	}
	free(s);
	return o;
}

/* One member of the plane cn, whose settings are cc. */
static json_object *member_json(const struct clustd *c, const struct cluster_net *cn,
				const struct cluster_conf *cc, const struct member *m, uint64_t now)
{
	const struct quorum *q = cluster_net_quorum(cn);
	json_object *o = json_object_new_object();
	json_object *insts = json_object_new_array();

	json_object_object_add(o, "name", jstr(m->name));
	for (size_t i = 0; i < cc->nmembers; i++)
		if (strcmp(cc->members[i].name, m->name) == 0)
			json_object_object_add(o, "address", jaddr(&cc->members[i].addr));
	json_object_object_add(o, "self", json_object_new_boolean(m->self));
	json_object_object_add(o, "alive", json_object_new_boolean(quorum_member_alive(q, m, now)));
	if (m->self) {
		json_object_object_add(o, "incarnation",
				       json_object_new_uint64(cluster_net_incarnation(cn)));
		json_object_object_add(o, "has_quorum",
				       json_object_new_boolean(cluster_net_has_quorum(cn)));
		json_object_object_add(o, "drained", handover_member_drained(c, NULL));
		for (const struct instance *in = c->instances; in; in = in->next) {
			json_object *i = json_object_new_object();
			json_object_object_add(i, "name", jstr(in->conf->name));
			json_object_object_add(i, "state", jstr(vrrp_state_name(in->fsm.state)));
			json_object_object_add(i, "priority", json_object_new_int(in->fsm.p.priority));
			json_object_array_add(insts, i);
		}
	} else if (m->heard) {
		json_object_object_add(o, "counters_copy", held_copy_json(cn, m, now));
		json_object_object_add(o, "incarnation", json_object_new_uint64(m->incarnation));
		json_object_object_add(o, "last_heard_ms", jms(m->last_heard, now));
		json_object_object_add(o, "has_quorum", json_object_new_boolean(m->last.has_quorum));
		json_object_object_add(o, "drained", handover_member_drained(c, &m->last));
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

/* One cluster plane: a router's "cluster", each of a witness's
 * "clusters". cn NULL: not running (cc NULL: none configured). With one
 * vote needed (quorum = 1, or a cluster of one) nothing stops two masters
 * on a split: split_brain_protection is false. */
static json_object *plane_json(const struct clustd *c, const struct cluster_net *cn,
			       const struct cluster_conf *cc, uint64_t now)
{
	json_object *o = json_object_new_object();

	if (cc && cc->enabled)
		json_object_object_add(o, "name", jstr(cc->name));
	json_object_object_add(o, "enabled", json_object_new_boolean(cn != NULL));
	json_object_object_add(o, "split_brain_protection", json_object_new_boolean(
				       cn && cluster_net_quorum(cn)->needed > 1));
	if (!cn)
		return o;
	const struct quorum *q = cluster_net_quorum(cn);
	const struct cluster_stats *st = cluster_net_stats(cn);
	json_object *members = json_object_new_array();
	json_object *drops = json_object_new_object();
	for (size_t i = 0; i < q->n; i++)
		json_object_array_add(members, member_json(c, cn, cc, &q->members[i], now));
	for (int d = 1; d < HB_DROP__COUNT; d++)
		json_object_object_add(drops, hb_drop_name(d), json_object_new_uint64(st->drops[d]));
	json_object_object_add(o, "port", json_object_new_int(cc->port));
	json_object_object_add(o, "heartbeat_interval_ms", json_object_new_int64(cc->heartbeat_interval_ms));
	json_object_object_add(o, "dead_interval_ms", json_object_new_int64(cc->dead_interval_ms));
	json_object_object_add(o, "vote_lease_ms", json_object_new_int64(cc->vote_lease_ms));
	json_object_object_add(o, "has_quorum", json_object_new_boolean(cluster_net_has_quorum(cn)));
	json_object_object_add(o, "alive", json_object_new_int((int)quorum_alive(q, now)));
	json_object_object_add(o, "needed", json_object_new_int((int)q->needed));
	json_object_object_add(o, "heartbeats_sent", json_object_new_uint64(st->tx));
	json_object_object_add(o, "heartbeats_received", json_object_new_uint64(st->rx));
	json_object_object_add(o, "drops", drops);
	json_object_object_add(o, "members", members);
	json_object_object_add(o, "voter", votes_voter_json(cn, now));
	return o;
}

/* A witness: one object per cluster it serves, in config order. */
static json_object *clusters_json(const struct clustd *c, uint64_t now)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < c->nplanes; i++)
		json_object_array_add(a, plane_json(c, c->planes[i]->net, conf_cluster(c->cfg, i), now));
	return a;
}

static json_object *accept_filter_json(const struct clustd *c)
{
	const struct nft_filter *f = &c->accept_filter;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "table", jstr("inet " NFT_TABLE));
	json_object_object_add(o, "state", jstr(nft_state_name(f->state)));
	json_object_object_add(o, "ipv4_vips", json_object_new_uint64(f->n4));
	json_object_object_add(o, "ipv6_vips", json_object_new_uint64(f->n6));
	json_object_object_add(o, "error", f->state == NFT_FAILED ? jstr(strerror(-f->error)) : NULL);
	return o;
}

/* How often the loop thread woke and ran timers: a master's adverts
 * share wakeups (fsm_advert_early_us). */
static json_object *loop_json(const struct clustd *c)
{
	struct loop_stats st;
	json_object *o = json_object_new_object();

	loop_get_stats(c->loop, &st);
	json_object_object_add(o, "wakeups", ju64(st.wakeups));
	json_object_object_add(o, "timers_fired", ju64(st.timers_fired));
	json_object_object_add(o, "timers_early", ju64(st.timers_early));
	return o;
}

static json_object *status_json(const struct clustd *c)
{
	uint64_t now = mono_now_us();
	json_object *o = json_object_new_object();
	json_object *insts = json_object_new_array();

	for (const struct instance *in = c->instances; in; in = in->next)
		json_object_array_add(insts, instance_json(in, now));
	json_object_object_add(o, "node", jstr(c->cfg->node.name));
	json_object_object_add(o, "uptime_ms", jms(c->started_at, now));
	json_object_object_add(o, "witness", json_object_new_boolean(c->cfg->witness));
	if (c->cfg->witness)
		json_object_object_add(o, "clusters", clusters_json(c, now));
	else
		json_object_object_add(o, "cluster", plane_json(c, c->cluster, &c->cfg->cluster, now));
	json_object_object_add(o, "accept_filter", accept_filter_json(c));
	json_object_object_add(o, "drain", handover_drain_json(c));
	json_object_object_add(o, "nonlocal_bind", nonlocal_bind_json());
	const struct counter_set *cs = ledger_counters(c->ledger);
	json_object *unknown = json_object_new_object();
	for (int d = 1; d < VRRP_DROP__COUNT; d++)
		json_object_object_add(unknown, vrrp_drop_name(d), ju64(cs->node[NC_UNKNOWN_DROP(d)]));
	json_object_object_add(o, "drops_no_instance", unknown);
	json_object_object_add(o, "counters", node_counters_json(cs));
	json_object_object_add(o, "persistence", persistence_json(c));
	json_object_object_add(o, "loop", loop_json(c));
	json_object_object_add(o, "instances", insts);
	json_object_object_add(o, "drivers", drivers_json(c));
	return o;
}

static char *dup_json(json_object *o)
{
	char *s = xasprintf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
				JSON_C_TO_STRING_NOSLASHESCAPE));

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
/* Is the string s in the JSON array of strings a? */
static bool listed(json_object *a, const char *s)
{
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)), s) == 0)
			return true;
	return false;
}

/* "votes: 2 of 2 needed, lease 540 ms (n1, n3); n3's vote is with n1 for 180 ms" */
static void text_votes(FILE *f, json_object *v)
{
	json_object *from = json_object_object_get(v, "from");
	json_object *refused = json_object_object_get(v, "refused_by");
	json_object *lease = json_object_object_get(v, "lease_ms");

	if (!v || !json_object_get_boolean(json_object_object_get(v, "asking")))
		return;
	fprintf(f, "  votes: %d of %d needed", json_object_get_int(json_object_object_get(v, "held")),
		json_object_get_int(json_object_object_get(v, "needed")));
	if (lease)
		fprintf(f, ", lease %lld ms", (long long)json_object_get_int64(lease));
	for (size_t k = 0; k < json_object_array_length(from); k++)
		fprintf(f, "%s%s", k ? ", " : " (from ",
			json_object_get_string(json_object_object_get(json_object_array_get_idx(from, k),
								      "member")));
	if (json_object_array_length(from))
		fputc(')', f);
	for (size_t k = 0; k < json_object_array_length(refused); k++) {
		json_object *r = json_object_array_get_idx(refused, k);
		fprintf(f, "; %s's vote is with %s for %lld ms",
			json_object_get_string(json_object_object_get(r, "member")),
			json_object_get_string(json_object_object_get(r, "with")),
			(long long)json_object_get_int64(json_object_object_get(r, "remaining_ms")));
	}
	fputc('\n', f);
}

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
		for (size_t k = 0; k < json_object_array_length(vips); k++) {
			const char *vip = json_object_get_string(json_object_array_get_idx(vips, k));
			fprintf(f, " %s%s", vip, listed(json_object_object_get(in, "owned_vips"), vip) ?
				" (owner)" : "");
		}
		fputc('\n', f);
		json_object *why = json_object_object_get(in, "fault_reason");
		if (why)
			fprintf(f, "  fault: %s\n", json_object_get_string(why));
		text_vmac(f, json_object_object_get(in, "vmac"));
		text_votes(f, json_object_object_get(in, "votes"));
		handover_text_instance(f, in);
		instance_checks_text(f, in);
	}
}

static const char *jget_str(json_object *o, const char *key)
{
	return json_object_get_string(json_object_object_get(o, key));
}

/* One line per instance: its Accept_Mode and what enforces it. */
static void text_accept(FILE *f, json_object *st)
{
	json_object *insts = json_object_object_get(st, "instances");
	json_object *flt = json_object_object_get(st, "accept_filter");
	json_object *err = json_object_object_get(flt, "error");

	if (strcmp(jget_str(flt, "state"), "none") == 0)
		fprintf(f, "accept mode (no nftables table needed):\n");
	else
		fprintf(f, "accept mode (nftables table %s: %s%s%s):\n", jget_str(flt, "table"),
			jget_str(flt, "state"), err ? ", " : "", err ? json_object_get_string(err) : "");
	for (size_t i = 0; i < json_object_array_length(insts); i++) {
		json_object *in = json_object_array_get_idx(insts, i);
		const char *how;
		if (json_object_get_boolean(json_object_object_get(in, "accept_owner")))
			how = "accept (address owner)";
		else if (json_object_get_boolean(json_object_object_get(in, "accept")))
			how = "accept";
		else if (strcmp(jget_str(in, "accept_filter"), "active") == 0)
			how = "no-accept, enforced by nftables";
		else
			how = "no-accept, NOT ENFORCED (nftables failed): the master accepts";
		fprintf(f, "  %-12s %s\n", jget_str(in, "name"), how);
	}
}

/* label: "cluster plane" on a router, "cluster NAME" on a witness. */
static void text_cluster(FILE *f, json_object *cl, const char *label)
{
	json_object *members = json_object_object_get(cl, "members");

	if (!json_object_get_boolean(json_object_object_get(cl, "enabled"))) {
		fprintf(f, "%s: %s\n", label, json_object_object_get(cl, "name") ?
			"NOT RUNNING (see the log)" : "off (no quorum gating, no split-brain protection)");
		return;
	}
	fprintf(f, "%s: quorum %s (%d of %zu alive, %d needed)\n", label,
		json_object_get_boolean(json_object_object_get(cl, "has_quorum")) ? "HELD" : "LOST",
		json_object_get_int(json_object_object_get(cl, "alive")),
		json_object_array_length(members),
		json_object_get_int(json_object_object_get(cl, "needed")));
	if (!json_object_get_boolean(json_object_object_get(cl, "split_brain_protection")))
		fprintf(f, "%s: no split-brain protection (quorum = 1: plain VRRP)\n", label);
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

static void text_counters(FILE *f, json_object *st)
{
	json_object *p = json_object_object_get(st, "persistence");
	json_object *n = json_object_object_get(st, "counters");
	const char *restore = json_object_get_string(json_object_object_get(p, "restore"));
	const char *problem = json_object_get_string(json_object_object_get(p, "load_problem"));

	fprintf(f, "counters: incarnation %s, %s starts (%s unclean), loaded from %s",
		json_object_get_string(json_object_object_get(n, "incarnation")),
		json_object_get_string(json_object_object_get(n, "restarts")),
		json_object_get_string(json_object_object_get(n, "unclean_restarts")),
		json_object_get_string(json_object_object_get(p, "loaded_from")));
	if (restore && restore[0])
		fprintf(f, ", peers: %s", restore);
	fputc('\n', f);
	if (problem && problem[0])
		fprintf(f, "counters: at load: %s\n", problem);
	if (!json_object_get_boolean(json_object_object_get(p, "enabled")))
		fprintf(f, "counters: not persisted (persist_counters = false)\n");
	else if (!json_object_get_boolean(json_object_object_get(p, "ok")))
		fprintf(f, "counters: NOT SAVED: %s (retrying)\n",
			json_object_get_string(json_object_object_get(p, "error")));
}

static char *status_text(const struct clustd *c)
{
	json_object *st = status_json(c);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		xalloc_fail("open_memstream");
	fprintf(f, "node %s, up %lld s%s\n", c->cfg->node.name,
		(long long)json_object_get_int64(json_object_object_get(st, "uptime_ms")) / 1000,
		c->cfg->witness ? ", a witness (no instance: heartbeats and votes only)" : "");
	if (c->cfg->witness) {
		json_object *cls = json_object_object_get(st, "clusters");
		for (size_t i = 0; i < json_object_array_length(cls); i++) {
			json_object *cl = json_object_array_get_idx(cls, i);
			char label[CLUSTD_NAME_MAX + 16];
			snprintf(label, sizeof(label), "cluster %s", jget_str(cl, "name"));
			text_cluster(f, cl, label);
		}
	} else {
		text_instances(f, st);
		handover_text_drain(f, json_object_object_get(st, "drain"));
		text_accept(f, st);
		nonlocal_bind_text(f, c, st);
		text_cluster(f, json_object_object_get(st, "cluster"), "cluster plane");
		drivers_text(f, st);
	}
	text_counters(f, st);
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
	return xstrdup("error: unknown request (try: status, status json, metrics)\n");
}
