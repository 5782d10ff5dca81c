/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance_votes.c - an instance's side of mastership by votes: it asks
 * for the votes while its state machine wants MASTER (a candidate, or
 * MASTER renewing), enters MASTER when a majority granted them, leaves it
 * when they run out, and gives way to a better-ranked candidate. The
 * rules are in votes.c and vote_plane.c; the argument in doc/quorum.md. */
#include "instance.h"
#include "instance_int.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "cluster_net.h"
#include "log.h"
#include "vote_plane.h"
#include "votes.h"

static bool gated(const struct instance *in)
{
	return in->c->cluster && cluster_net_votes_gated(in->c->cluster);
}

/* From the plane's fill hook, which may run while a reload reopens the
 * plane (in->c->cluster is then the old one): the fsm's gate, not the
 * plane, says whether we ask. */
void instance_votes_fill(const struct instance *in, struct heartbeat *hb)
{
	if (!in->fsm.vote_gate || hb->nrequests >= CLUSTER_MAX_INSTANCES)
		return;
	if (in->fsm.state != STATE_MASTER && !in->fsm.candidate)
		return;
	struct hb_request *r = &hb->requests[hb->nrequests++];
	snprintf(r->name, sizeof(r->name), "%s", in->conf->name);
	r->priority = in->fsm.p.priority;
}

void instance_votes_note(struct instance *in)
{
	bool asking = in->fsm.state == STATE_MASTER || in->fsm.candidate;

	if (asking == in->candidate_sent)
		return;
	in->candidate_sent = asking;
	if (in->fsm.candidate) {
		in->refusals_logged = 0;
		in->votes_logged = 0;
		log_notice("%s: %s: asking the members for their votes", in->conf->name,
			   in->fsm.candidate_why);
	}
	/* A request, or the release of our votes, goes out at once: in a
	 * handover or a preemption, the time it waits is time nobody holds
	 * the VIP (bounded: cluster_net_send_urgent). */
	if (in->c->cluster)
		cluster_net_send_urgent(in->c->cluster);
}

/* Say once per candidacy and member why a member's vote is not ours. */
static void log_refusals(struct instance *in, const struct ballot *b, unsigned count)
{
	const struct quorum *q = cluster_net_quorum(in->c->cluster);

	for (size_t m = 0; m < b->nmembers && m < 32; m++) {
		if (!b->with[m][0] || (in->refusals_logged >> m & 1))
			continue;
		in->refusals_logged |= 1u << m;
		log_notice("%s: not taking over: %s's vote is with %s for %u ms more (%u of %u votes)",
			   in->conf->name, q->members[m].name, b->with[m], b->with_remaining_ms[m],
			   count, cluster_net_votes(in->c->cluster)->needed);
	}
}

/* A release waiting for its connections looks again (settle.h). */
static void check_again(void *arg)
{
	instance_votes_check(arg);
}

static void master_check(struct instance *in, bool held, uint64_t now)
{
	struct cluster_net *cn = in->c->cluster;
	const struct vote_plane *vp = cluster_net_votes(cn);
	const struct ballot *b = vote_plane_ballot(vp, in->conf->name);
	uint8_t rival_prio = 0;
	const char *rival = cluster_net_rival(cn, in->conf->name, NULL, now, &rival_prio);
	struct fsm_out o;
	char why[160];

	if (!held) {
		snprintf(why, sizeof(why), "the votes ran out: %u of %u needed are renewed",
			 b ? ballot_count(b, now) : 0, vp->needed);
		fsm_votes_lost(&in->fsm, why, now, &o);
		instance_apply(in, &o);
		return;
	}
	if (instance_handover_busy(in))
		return; /* our handover steps down when its successor asks */
	if (!rival || rival_prio <= in->fsm.p.priority) {
		instance_release_unsettle(in);
		return;
	}
	/* Preemption: the better candidate cannot take votes a live master
	 * holds, so the master hands them over, once no client waits on our
	 * VIPs (within a quarter of a handover's bound). */
	if (instance_release_settled(in, handover_bound_us(in->c->cfg->cluster.heartbeat_interval_ms),
				     check_again)) {
		snprintf(why, sizeof(why), "member %s (priority %u > %u) asks for the votes: "
			 "handing over", rival, rival_prio, in->fsm.p.priority);
		fsm_step_down(&in->fsm, why, now, &o);
		instance_apply(in, &o);
	}
}

static void candidate_check(struct instance *in, bool held, uint64_t now)
{
	struct cluster_net *cn = in->c->cluster;
	const struct vote_plane *vp = cluster_net_votes(cn);
	const struct ballot *b = vote_plane_ballot(vp, in->conf->name);
	uint8_t rival_prio = 0;
	/* The master handing over to us asks until our request makes it
	 * step down: no rival. */
	const char *except = in->fsm.taking_over ? in->ho.from : NULL;
	const char *rival = cluster_net_rival(cn, in->conf->name, except, now, &rival_prio);
	const char *self = in->c->cfg->node.name;
	struct fsm_out o;
	char votes[64];

	if (rival && votes_outranks(rival_prio, rival, in->fsm.p.priority, self)) {
		log_notice("%s: member %s (priority %u) also asks for the votes and ranks higher: "
			   "giving way", in->conf->name, rival, rival_prio);
		fsm_withdraw(&in->fsm, now);
		instance_apply(in, &(struct fsm_out){0}); /* re-arms the timer, says we stopped asking */
		return;
	}
	if (!b)
		return; /* the request has not left yet */
	unsigned count = ballot_count(b, now);
	if (held) {
		snprintf(votes, sizeof(votes), "%u of %zu votes, %u needed", count, b->nmembers,
			 vp->needed);
		fsm_votes_won(&in->fsm, votes, now, &o);
		instance_apply(in, &o);
		return;
	}
	log_refusals(in, b, count);
}

void instance_votes_check(struct instance *in)
{
	uint64_t now = mono_now_us(), lease_end = 0;
	bool gate = gated(in);
	struct fsm_out o;

	if (gate != in->fsm.vote_gate) {
		fsm_set_vote_gate(&in->fsm, gate, now, &o);
		instance_apply(in, &o);
	}
	if (!gate)
		return;
	bool held = cluster_net_votes_held(in->c->cluster, in->conf->name, now, &lease_end);
	if (in->fsm.state == STATE_MASTER)
		master_check(in, held, now);
	else if (in->fsm.candidate)
		candidate_check(in, held, now);
}
