/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vote_plane.c - the votes of one cluster plane (vote_plane.h). Pure. */
#include "vote_plane.h"

#include <stdio.h>
#include <string.h>

static size_t self_index(const struct quorum *q)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->members[i].self)
			return i;
	return 0; /* quorum_init guarantees a self */
}

static struct ballot *find_ballot(struct vote_plane *vp, const char *instance)
{
	for (size_t i = 0; i < vp->nballots; i++)
		if (strcmp(vp->ballots[i].instance, instance) == 0)
			return &vp->ballots[i];
	return NULL;
}

const struct ballot *vote_plane_ballot(const struct vote_plane *vp, const char *instance)
{
	return find_ballot((struct vote_plane *)vp, instance);
}

static bool requests(const struct heartbeat *hb, const char *instance)
{
	for (size_t i = 0; i < hb->nrequests; i++)
		if (strcmp(hb->requests[i].name, instance) == 0)
			return true;
	return false;
}

void vote_plane_init(struct vote_plane *vp, const struct quorum *q, uint32_t lease_ms,
		     uint32_t slack_ms, uint64_t now, bool fresh_start)
{
	memset(vp, 0, sizeof(*vp));
	voter_init(&vp->voter, lease_ms, now, fresh_start);
	vp->needed = q->needed;
	vp->span_us = votes_grantee_span_us(lease_ms, slack_ms);
	vp->slack_us = (uint64_t)slack_ms * 1000;
	vp->hold_us = votes_grantor_hold_us(lease_ms);
}

static long index_of(const struct quorum *q, const char *name)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->members[i].name, name) == 0)
			return (long)i;
	return -1;
}

void vote_plane_carry(struct vote_plane *to, const struct quorum *q_to, uint64_t incarnation,
		      const struct vote_plane *from, const struct quorum *q_from)
{
	voter_carry(&to->voter, &from->voter);
	to->nballots = 0;
	for (size_t i = 0; i < from->nballots; i++) {
		const struct ballot *old = &from->ballots[i];
		struct ballot *b = &to->ballots[to->nballots++];

		ballot_start(b, old->instance, q_to->n, incarnation, 0);
		for (size_t m = 0; m < q_to->n; m++) {
			long j = index_of(q_from, q_to->members[m].name);
			if (j >= 0)
				b->until[m] = old->until[j];
		}
	}
}

bool vote_plane_gated(const struct vote_plane *vp)
{
	return vp->needed > 1;
}

/* Our own vote goes through the voter like anyone's; a grant counts from
 * the instant the request leaves, which is now. */
static void vote_for_self(struct vote_plane *vp, const struct quorum *q, size_t self,
			  const struct hb_request *r, const struct heartbeat *hb, uint64_t now)
{
	struct ballot *b = find_ballot(vp, r->name);
	enum vote_refusal why;
	enum vote_answer a = voter_request(&vp->voter, r->name, hb->node, r->priority,
					   hb->incarnation, hb->seq, true, now, &why);
	struct hb_vote v = {.incarnation = hb->incarnation, .seq = hb->seq};

	if (!b)
		return;
	snprintf(v.instance, sizeof(v.instance), "%s", r->name);
	if (a == VOTE_REFUSED) {
		const struct vote_slot *s = voter_slot(&vp->voter, r->name, now);
		if (!s)
			return;
		snprintf(v.grantee, sizeof(v.grantee), "%s", s->grantee);
		v.remaining_ms = (uint32_t)((s->until - now) / 1000);
	} else {
		snprintf(v.grantee, sizeof(v.grantee), "%s", q->members[self].name);
	}
	ballot_vote(b, self, &v, q->members[self].name, now, true, vp->span_us);
}

unsigned vote_plane_sending(struct vote_plane *vp, const struct quorum *q, struct heartbeat *hb,
			    uint64_t now)
{
	size_t self = self_index(q);
	unsigned changed = 0;

	sent_ring_put(&vp->sent, hb->seq, now);
	for (size_t i = 0; i < vp->nballots;) {
		if (requests(hb, vp->ballots[i].instance)) {
			i++;
			continue;
		}
		vp->ballots[i] = vp->ballots[--vp->nballots];
		changed = VP_CHANGED;
	}
	for (size_t i = 0; i < hb->nrequests; i++) {
		if (find_ballot(vp, hb->requests[i].name) || vp->nballots >= CLUSTER_MAX_INSTANCES)
			continue;
		ballot_start(&vp->ballots[vp->nballots++], hb->requests[i].name, q->n,
			     hb->incarnation, hb->seq);
		changed = VP_CHANGED;
	}
	voter_heard(&vp->voter, hb->node, hb->requests, hb->nrequests, now);
	for (size_t i = 0; i < hb->nrequests; i++)
		vote_for_self(vp, q, self, &hb->requests[i], hb, now);
	hb->nvotes = voter_fill(&vp->voter, now, hb->votes, CLUSTER_MAX_VOTES);
	return changed;
}

static bool votes_on(const struct heartbeat *hb, const char *instance)
{
	for (size_t i = 0; i < hb->nvotes; i++)
		if (strcmp(hb->votes[i].instance, instance) == 0)
			return true;
	return false;
}

/* How long after our request a member's grant may count. Our own lease
 * gives L(1 - ρ) - S; but the member's lease may be shorter (a witness set
 * up with other timers), so the grant also counts no longer than what the
 * member says is left of its binding, shrunk the same way: it said so at
 * the instant it sent its heartbeat, which is after our request left, so
 * timing that remainder from the request errs on the short side. */
static uint64_t grant_span(const struct vote_plane *vp, const struct hb_vote *v)
{
	uint64_t told = votes_grantee_span_us(v->remaining_ms, (uint32_t)(vp->slack_us / 1000));

	return told < vp->span_us ? told : vp->span_us;
}

/* What member m says it did with its votes, for our ballots. */
static unsigned read_votes(struct vote_plane *vp, const struct quorum *q, size_t m,
			   const struct heartbeat *hb)
{
	const char *self = q->members[self_index(q)].name;
	unsigned flags = 0;

	for (size_t i = 0; i < hb->nvotes; i++) {
		const struct hb_vote *v = &hb->votes[i];
		struct ballot *b = find_ballot(vp, v->instance);
		uint64_t t_sent = 0;
		bool ours = b && strcmp(v->grantee, self) == 0 && v->incarnation == b->incarnation;
		bool known = ours && sent_ring_get(&vp->sent, v->seq, &t_sent);

		if (!b)
			continue;
		if (ours && !known)
			vp->stale_votes++;
		uint64_t before = b->until[m];
		ballot_vote(b, m, v, self, t_sent, known, grant_span(vp, v));
		if (b->until[m] != before)
			flags |= VP_CHANGED;
	}
	/* A member that lists no vote for an instance holds it for nobody. */
	for (size_t k = 0; k < vp->nballots; k++)
		if (!votes_on(hb, vp->ballots[k].instance))
			vp->ballots[k].with[m][0] = '\0';
	return flags;
}

unsigned vote_plane_heard(struct vote_plane *vp, const struct quorum *q, size_t m,
			  const struct heartbeat *hb, uint64_t now)
{
	bool alive = quorum_member_alive(q, &q->members[m], now);
	unsigned flags = 0;

	for (size_t i = 0; i < hb->nrequests; i++) {
		enum vote_refusal why;
		const struct hb_request *r = &hb->requests[i];
		if (voter_request(&vp->voter, r->name, hb->node, r->priority, hb->incarnation, hb->seq,
				  alive, now, &why) == VOTE_GRANTED)
			flags |= VP_SEND_SOON | VP_CHANGED;
	}
	if (voter_heard(&vp->voter, hb->node, hb->requests, hb->nrequests, now))
		flags |= VP_SEND_SOON | VP_CHANGED;
	return flags | read_votes(vp, q, m, hb);
}

unsigned vote_plane_expire(struct vote_plane *vp, uint64_t now)
{
	return VP_CHANGED | (voter_expire(&vp->voter, now) ? VP_SEND_SOON : 0);
}

uint64_t vote_plane_next_event(const struct vote_plane *vp, uint64_t now)
{
	uint64_t next = voter_next_expiry(&vp->voter);

	for (size_t i = 0; i < vp->nballots; i++) {
		uint64_t end = ballot_lease_end(&vp->ballots[i], vp->needed);
		if (end > now && (next == 0 || end < next))
			next = end;
	}
	return next;
}

bool vote_plane_held(const struct vote_plane *vp, const char *instance, uint64_t now,
		     uint64_t *lease_end)
{
	const struct ballot *b = vote_plane_ballot(vp, instance);
	uint64_t end = b ? ballot_lease_end(b, vp->needed) : 0;

	*lease_end = end;
	return now < end;
}

const char *vote_plane_rival(const struct quorum *q, const char *instance, uint64_t now,
			     uint8_t *priority)
{
	return vote_plane_rival_except(q, instance, NULL, now, priority);
}

const char *vote_plane_rival_except(const struct quorum *q, const char *instance, const char *except,
				    uint64_t now, uint8_t *priority)
{
	const char *best = NULL;

	for (size_t i = 0; i < q->n; i++) {
		const struct member *m = &q->members[i];
		if (m->self || !quorum_member_alive(q, m, now) ||
		    (except && strcmp(m->name, except) == 0))
			continue;
		for (size_t k = 0; k < m->last.nrequests; k++) {
			const struct hb_request *r = &m->last.requests[k];
			if (strcmp(r->name, instance) != 0)
				continue;
			if (!best || votes_outranks(r->priority, m->name, *priority, best)) {
				best = m->name;
				*priority = r->priority;
			}
		}
	}
	return best;
}
