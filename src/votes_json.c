/* SPDX-License-Identifier: GPL-2.0-or-later */
/* votes_json.c - the votes in the status view (votes_json.h). */
#include "votes_json.h"

#include "cluster_net.h"
#include "vote_plane.h"

static json_object *ms_left(uint64_t until, uint64_t now)
{
	return json_object_new_uint64(until > now ? (until - now) / 1000 : 0);
}

static json_object *ballot_json(const struct ballot *b, const struct quorum *q, uint64_t now)
{
	json_object *from = json_object_new_array();

	for (size_t m = 0; m < b->nmembers && m < q->n; m++) {
		if (b->until[m] <= now)
			continue;
		json_object *g = json_object_new_object();
		json_object_object_add(g, "member", json_object_new_string(q->members[m].name));
		json_object_object_add(g, "until_ms", ms_left(b->until[m], now));
		json_object_array_add(from, g);
	}
	return from;
}

static json_object *refusals_json(const struct ballot *b, const struct quorum *q)
{
	json_object *by = json_object_new_array();

	for (size_t m = 0; m < b->nmembers && m < q->n; m++) {
		if (!b->with[m][0])
			continue;
		json_object *r = json_object_new_object();
		json_object_object_add(r, "member", json_object_new_string(q->members[m].name));
		json_object_object_add(r, "with", json_object_new_string(b->with[m]));
		json_object_object_add(r, "remaining_ms",
				       json_object_new_uint64(b->with_remaining_ms[m]));
		json_object_array_add(by, r);
	}
	return by;
}

json_object *votes_instance_json(const struct cluster_net *cn, const char *instance, uint64_t now)
{
	if (!cn || !cluster_net_votes_gated(cn))
		return NULL;
	const struct vote_plane *vp = cluster_net_votes(cn);
	const struct quorum *q = cluster_net_quorum(cn);
	const struct ballot *b = vote_plane_ballot(vp, instance);
	uint64_t end = 0;
	bool held = vote_plane_held(vp, instance, now, &end);
	json_object *o = json_object_new_object();

	json_object_object_add(o, "needed", json_object_new_int((int)vp->needed));
	json_object_object_add(o, "asking", json_object_new_boolean(b != NULL));
	json_object_object_add(o, "held", json_object_new_int(b ? (int)ballot_count(b, now) : 0));
	json_object_object_add(o, "lease_ms", held ? ms_left(end, now) : NULL);
	json_object_object_add(o, "from", b ? ballot_json(b, q, now) : json_object_new_array());
	json_object_object_add(o, "refused_by", b ? refusals_json(b, q) : json_object_new_array());
	return o;
}

json_object *votes_voter_json(const struct cluster_net *cn, uint64_t now)
{
	const struct voter *v = &cluster_net_votes(cn)->voter;
	json_object *o = json_object_new_object();
	json_object *votes = json_object_new_array();
	json_object *refused = json_object_new_object();

	for (size_t i = 0; i < v->n; i++) {
		const struct vote_slot *s = &v->slots[i];
		if (!s->granted || s->until <= now)
			continue;
		json_object *g = json_object_new_object();
		json_object_object_add(g, "instance", json_object_new_string(s->instance));
		json_object_object_add(g, "grantee", json_object_new_string(s->grantee));
		json_object_object_add(g, "remaining_ms", ms_left(s->until, now));
		json_object_array_add(votes, g);
	}
	for (int r = 0; r < VOTE_REFUSED__COUNT; r++)
		json_object_object_add(refused, vote_refusal_name(r),
				       json_object_new_uint64(v->refused[r]));
	json_object_object_add(o, "votes", votes);
	json_object_object_add(o, "granted", json_object_new_uint64(v->granted));
	json_object_object_add(o, "renewed", json_object_new_uint64(v->renewed));
	json_object_object_add(o, "released", json_object_new_uint64(v->released));
	json_object_object_add(o, "expired", json_object_new_uint64(v->expired));
	json_object_object_add(o, "refused", refused);
	json_object_object_add(o, "starting_ms", ms_left(v->grants_from, now));
	return o;
}
