/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics.c - Prometheus text rendering (metrics.h).
 *
 * Names: clustd_<what>_total for counters (labels: instance, reason, from,
 * to, state), plain names for gauges. Every counter of the ledger is
 * exported, zeros included, so a series exists before its first event and
 * rate() works from the start. Instance names are checked graphic ASCII
 * by the config, but label values are still escaped as the format says. */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cluster_net.h"
#include "counters.h"
#include "daemon.h"
#include "handover_json.h"
#include "instance_checks.h"
#include "instance_drivers.h"
#include "vote_plane.h"
#include "vrrp_sock.h"
#include "xalloc.h"

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP clustd_%s %s\n# TYPE clustd_%s %s\n", name, help, name, type);
}

/* A label value with \, " and newline escaped. */
static void label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

static void series(FILE *f, const char *name, const char *instance, const char *extra,
		   unsigned long long value)
{
	fprintf(f, "clustd_%s{instance=\"", name);
	label_value(f, instance);
	fprintf(f, "\"%s} %llu\n", extra ? extra : "", value);
}

struct inst_metric {
	enum inst_counter idx;
	const char *name, *help;
};

static const struct inst_metric inst_metrics[] = {
	{IC_ADVERTS_TX, "adverts_sent_total", "VRRP advertisements sent."},
	{IC_ADVERTS_RX, "adverts_received_total", "VRRP advertisements received and accepted."},
	{IC_SEND_ERRORS, "advert_send_errors_total", "Advertisements that could not be sent."},
	{IC_FAILOVERS, "failovers_total", "Times this node took over as master from backup."},
	{IC_NOTIFY_RUNS, "notify_runs_total", "Notify script runs."},
	{IC_NOTIFY_FAILURES, "notify_failures_total",
	 "Notify script runs that failed (exit status, signal, could not start, timeout)."},
	{IC_NOTIFY_TIMEOUTS, "notify_timeouts_total", "Notify script runs killed at their timeout."},
	{IC_TRACK_RUNS, "track_runs_total", "Track script and check (tcp, http) runs."},
	{IC_TRACK_FAILURES, "track_failures_total", "Track script and check runs that failed."},
	{IC_TRACK_TIMEOUTS, "track_timeouts_total",
	 "Track script runs killed at their timeout, and checks that timed out."},
	{IC_NOTIFY_SKIPPED, "notify_skipped_total",
	 "Notify scripts skipped: superseded by a newer transition before they ran."},
};

/* Only configured instances are exported: a removed instance's series end
 * with it (its record is kept in case it comes back). */
static void instance_scalars(FILE *f, const struct counter_set *s)
{
	for (size_t m = 0; m < sizeof(inst_metrics) / sizeof(inst_metrics[0]); m++) {
		header(f, inst_metrics[m].name, "counter", inst_metrics[m].help);
		for (size_t i = 0; i < s->n; i++)
			if (s->inst[i].active)
				series(f, inst_metrics[m].name, s->inst[i].name, NULL,
				       s->inst[i].v[inst_metrics[m].idx]);
	}
}

static void instance_drops(FILE *f, const struct counter_set *s)
{
	char extra[64];

	header(f, "adverts_dropped_total", "counter",
	       "Received advertisements dropped, by the receive check that failed.");
	for (size_t i = 0; i < s->n; i++) {
		if (!s->inst[i].active)
			continue;
		for (int d = 1; d < VRRP_DROP__COUNT; d++) {
			snprintf(extra, sizeof(extra), ",reason=\"%s\"", vrrp_drop_name(d));
			series(f, "adverts_dropped_total", s->inst[i].name, extra,
			       s->inst[i].v[IC_DROP(d)]);
		}
	}
}

static void instance_checksum_forms(FILE *f, const struct counter_set *s)
{
	char extra[64];

	header(f, "adverts_received_by_checksum_total", "counter",
	       "Accepted advertisements, by what their checksum covered.");
	for (size_t i = 0; i < s->n; i++) {
		if (!s->inst[i].active)
			continue;
		for (int k = 0; k < VRRP_CSUM__COUNT; k++) {
			snprintf(extra, sizeof(extra), ",form=\"%s\"", vrrp_csum_form_name(k));
			series(f, "adverts_received_by_checksum_total", s->inst[i].name, extra,
			       s->inst[i].v[IC_RX_CSUM(k)]);
		}
	}
}

static void instance_transitions(FILE *f, const struct counter_set *s)
{
	char extra[64];

	header(f, "transitions_total", "counter", "State transitions, by from and to state.");
	for (size_t i = 0; i < s->n; i++) {
		if (!s->inst[i].active)
			continue;
		for (int a = 0; a < STATE__COUNT; a++) {
			for (int b = 0; b < STATE__COUNT; b++) {
				if (a == b)
					continue;
				snprintf(extra, sizeof(extra), ",from=\"%s\",to=\"%s\"",
					 vrrp_state_name(a), vrrp_state_name(b));
				series(f, "transitions_total", s->inst[i].name, extra,
				       s->inst[i].v[IC_TRANS(a, b)]);
			}
		}
	}
}

static void instance_state_time(FILE *f, const struct counter_set *s)
{
	header(f, "state_seconds_total", "counter", "Time spent in each state.");
	for (size_t i = 0; i < s->n; i++) {
		if (!s->inst[i].active)
			continue;
		for (int st = 0; st < STATE__COUNT; st++) {
			uint64_t ms = s->inst[i].v[IC_STATE_MS(st)];
			fprintf(f, "clustd_state_seconds_total{instance=\"");
			label_value(f, s->inst[i].name);
			fprintf(f, "\",state=\"%s\"} %llu.%03llu\n", vrrp_state_name(st),
				(unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000));
		}
	}
}

static void instance_gauges(FILE *f, const struct clustd *c)
{
	header(f, "instance_state", "gauge", "1 for the state each instance is in, else 0.");
	for (const struct instance *in = c->instances; in; in = in->next) {
		for (int st = 0; st < STATE__COUNT; st++) {
			fprintf(f, "clustd_instance_state{instance=\"");
			label_value(f, in->conf->name);
			fprintf(f, "\",state=\"%s\"} %d\n", vrrp_state_name(st),
				in->fsm.state == (enum vrrp_state)st);
		}
	}
	header(f, "instance_priority", "gauge", "Effective VRRP priority (tracking included).");
	for (const struct instance *in = c->instances; in; in = in->next)
		series(f, "instance_priority", in->conf->name, NULL, in->fsm.p.priority);
}

/* Mastership by votes: what each instance holds, what our voter did. */
/* One plane's voter: what it granted and refused (labelled by cluster on
 * a witness, like plane_gauge). */
static void cluster_label(FILE *f, const char *cluster, bool more)
{
	if (!cluster)
		return;
	fprintf(f, "cluster=\"");
	label_value(f, cluster);
	fprintf(f, "\"%s", more ? "," : "");
}

static void voter_counters(FILE *f, const struct cluster_net *cn, const char *cluster)
{
	const struct voter *v = &cluster_net_votes(cn)->voter;

	fprintf(f, "clustd_votes_granted_total%s", cluster ? "{" : "");
	cluster_label(f, cluster, false);
	fprintf(f, "%s %llu\n", cluster ? "}" : "", v->granted);
	for (int r = 0; r < VOTE_REFUSED__COUNT; r++) {
		fprintf(f, "clustd_votes_refused_total{");
		cluster_label(f, cluster, true);
		fprintf(f, "reason=\"%s\"} %llu\n", vote_refusal_name(r), v->refused[r]);
	}
}

static void vote_metrics(FILE *f, const struct clustd *c)
{
	uint64_t now = mono_now_us();

	if (c->cluster) {
		const struct vote_plane *vp = cluster_net_votes(c->cluster);
		header(f, "votes_held", "gauge", "Votes this node holds for each instance it asks "
		       "them for (0 when it does not ask).");
		for (const struct instance *in = c->instances; in; in = in->next) {
			const struct ballot *b = vote_plane_ballot(vp, in->conf->name);
			series(f, "votes_held", in->conf->name, NULL, b ? ballot_count(b, now) : 0);
		}
		header(f, "votes_needed", "gauge", "Votes an instance needs to be master (1: no votes).");
		fprintf(f, "clustd_votes_needed %u\n", vp->needed);
	}
	header(f, "votes_granted_total", "counter", "Votes this node granted to a new candidate.");
	header(f, "votes_refused_total", "counter", "Vote requests this node refused, by reason.");
	if (c->cluster)
		voter_counters(f, c->cluster, NULL);
	for (size_t i = 0; i < c->nplanes; i++)
		if (c->planes[i]->net)
			voter_counters(f, c->planes[i]->net, conf_cluster(c->cfg, i)->name);
}

static void node_metrics(FILE *f, const struct counter_set *s)
{
	static const struct { enum node_counter idx; const char *name, *help; } m[] = {
		{NC_RESTARTS, "restarts_total", "Starts of the daemon, this one included."},
		{NC_UNCLEAN_RESTARTS, "unclean_restarts_total",
		 "Starts that found no clean stop recorded (crash, kill, power loss)."},
		{NC_GROUP_NOTIFY_RUNS, "group_notify_runs_total", "Sync group notify script runs."},
		{NC_GROUP_NOTIFY_FAILURES, "group_notify_failures_total",
		 "Sync group notify script runs that failed."},
		{NC_GROUP_NOTIFY_TIMEOUTS, "group_notify_timeouts_total",
		 "Sync group notify script runs killed at their timeout."},
		{NC_GROUP_NOTIFY_SKIPPED, "group_notify_skipped_total",
		 "Sync group notify scripts skipped: superseded by a newer transition."},
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		header(f, m[i].name, "counter", m[i].help);
		fprintf(f, "clustd_%s %llu\n", m[i].name, (unsigned long long)s->node[m[i].idx]);
	}
	header(f, "adverts_dropped_no_instance_total", "counter",
	       "Advertisements for no instance of this node, by reason.");
	for (int d = 1; d < VRRP_DROP__COUNT; d++)
		fprintf(f, "clustd_adverts_dropped_no_instance_total{reason=\"%s\"} %llu\n",
			vrrp_drop_name(d), (unsigned long long)s->node[NC_UNKNOWN_DROP(d)]);
	header(f, "incarnation", "gauge", "This run's incarnation (grows with every start).");
	fprintf(f, "clustd_incarnation %llu\n", (unsigned long long)s->incarnation);
}

/* One gauge of every running plane: unlabelled on a router, labelled
 * cluster="NAME" on a witness (even one serving a single cluster, so a
 * series keeps its name when a second cluster is added). */
static void plane_gauge(FILE *f, const struct clustd *c, const char *name, const char *help,
			unsigned (*value)(const struct cluster_net *cn))
{
	header(f, name, "gauge", help);
	if (c->cluster)
		fprintf(f, "clustd_%s %u\n", name, value(c->cluster));
	for (size_t i = 0; i < c->nplanes; i++) {
		if (!c->planes[i]->net)
			continue;
		fprintf(f, "clustd_%s{cluster=\"", name);
		label_value(f, conf_cluster(c->cfg, i)->name);
		fprintf(f, "\"} %u\n", value(c->planes[i]->net));
	}
}

static unsigned plane_quorum(const struct cluster_net *cn)
{
	return cluster_net_has_quorum(cn);
}

static unsigned plane_alive(const struct cluster_net *cn)
{
	return quorum_alive(cluster_net_quorum(cn), mono_now_us());
}

static unsigned plane_needed(const struct cluster_net *cn)
{
	return cluster_net_quorum(cn)->needed;
}

static void cluster_metrics(FILE *f, const struct clustd *c)
{
	if (!c->cluster && !c->nplanes)
		return;
	plane_gauge(f, c, "cluster_quorum", "1 while this node sees a quorum.", plane_quorum);
	plane_gauge(f, c, "cluster_members_alive", "Members alive (this node included).",
		    plane_alive);
	plane_gauge(f, c, "cluster_members_needed",
		    "Members needed for quorum; 1 means no split-brain protection.", plane_needed);
	vote_metrics(f, c);
}

static void persistence_metrics(FILE *f, struct ledger *lg)
{
	struct ledger_stats st;

	ledger_get_stats(lg, &st);
	if (!st.enabled)
		return;
	header(f, "counters_persist_ok", "gauge",
	       "1 when the last write and sync of the counters file worked.");
	fprintf(f, "clustd_counters_persist_ok %d\n", st.file.ok);
	header(f, "counters_writes_total", "counter", "Records written to the counters file.");
	fprintf(f, "clustd_counters_writes_total %llu\n", st.file.writes);
	header(f, "counters_write_errors_total", "counter", "Failed counters file writes.");
	fprintf(f, "clustd_counters_write_errors_total %llu\n", st.file.write_errors);
	header(f, "counters_sync_errors_total", "counter", "Failed counters file syncs.");
	fprintf(f, "clustd_counters_sync_errors_total %llu\n", st.file.sync_errors);
	header(f, "counters_commit_max_seconds", "gauge",
	       "Longest time the event loop spent saving the counters.");
	fprintf(f, "clustd_counters_commit_max_seconds %.6f\n", (double)st.commit_max_us / 1e6);
}

static uint64_t filter_active(const struct vrrp_sock *s)
{
	return vrrp_sock_filter(s) != NULL;
}

/* One series per VRRP socket, labelled by interface and family. */
static void socket_series(FILE *f, const struct clustd *c, const char *name, const char *type,
			  const char *help, uint64_t (*value)(const struct vrrp_sock *s))
{
	header(f, name, type, help);
	for (const struct sock_ref *sr = c->socks; sr; sr = sr->next) {
		fprintf(f, "clustd_%s{interface=\"", name);
		label_value(f, vrrp_sock_ifname(sr->sock));
		fprintf(f, "\",family=\"%s\"} %llu\n", sr->family == AF_INET ? "ipv4" : "ipv6",
			(unsigned long long)value(sr->sock));
	}
}

/* The sockets' kernel filters (rx_filter.h): on or off, and what they cut
 * (each cut datagram is also counted by reason in the drop counters);
 * what a full queue lost. */
static void socket_metrics(FILE *f, const struct clustd *c)
{
	if (!c->socks)
		return;
	socket_series(f, c, "rx_filter_active", "gauge",
		      "1 when the kernel filter of this VRRP socket is attached (node rx_filter).",
		      filter_active);
	socket_series(f, c, "adverts_cut_by_filter_total", "counter",
		      "Datagrams the kernel filter of this VRRP socket cut to a few bytes since it "
		      "opened; each is also in a drop counter, by reason.",
		      vrrp_sock_cut_count);
	socket_series(f, c, "rx_queue_overflows_total", "counter",
		      "Datagrams the kernel dropped because this VRRP socket's receive queue was full "
		      "(as of the last datagram read).",
		      vrrp_sock_overflows);
}

char *metrics_render(const struct clustd *c)
{
	const struct counter_set *s = ledger_counters(c->ledger);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		xalloc_fail("open_memstream");
	instance_scalars(f, s);
	instance_drops(f, s);
	instance_checksum_forms(f, s);
	instance_transitions(f, s);
	instance_state_time(f, s);
	instance_gauges(f, c);
	handover_metrics(f, c);
	node_metrics(f, s);
	socket_metrics(f, c);
	cluster_metrics(f, c);
	persistence_metrics(f, c->ledger);
	drivers_metrics(f, c);
	instance_checks_metrics(f, c);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
