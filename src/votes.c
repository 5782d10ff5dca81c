/* SPDX-License-Identifier: GPL-2.0-or-later */
/* votes.c - mastership by granted votes (leases): the voter, the
 * candidate's ballot, and the timing rules. Pure (votes.h says why). */
#include "votes.h"

#include <stdio.h>
#include <string.h>

#define US_PER_MS 1000ull
#define PPM 1000000ull

uint64_t votes_grantor_hold_us(uint32_t lease_ms)
{
	uint64_t l = (uint64_t)lease_ms * US_PER_MS;

	/* Round up: the voter errs on the long side. */
	return l + (l * VOTES_RHO_PPM + PPM - 1) / PPM;
}

uint64_t votes_grantee_span_us(uint32_t lease_ms, uint32_t slack_ms)
{
	uint64_t l = (uint64_t)lease_ms * US_PER_MS;
	/* Round the shortening up: the candidate errs on the short side. */
	uint64_t shrunk = l - (l * VOTES_RHO_PPM + PPM - 1) / PPM;
	uint64_t s = (uint64_t)slack_ms * US_PER_MS;

	return shrunk > s ? shrunk - s : 0;
}

const char *votes_timing_check(uint32_t lease_ms, uint32_t slack_ms, uint32_t heartbeat_ms,
			       uint32_t min_advert_ms, uint32_t *bound_ms)
{
	/* A renewal answer may wait up to one heartbeat at the voter (it goes
	 * out with the voter's next regular heartbeat), so a grant counts up
	 * to H less than L(1 - ρ) - S: 4H keeps one lost heartbeat harmless. */
	uint64_t renew_us = 4ull * heartbeat_ms * US_PER_MS;
	uint64_t failover_us = 2ull * min_advert_ms * US_PER_MS;

	if (votes_grantee_span_us(lease_ms, slack_ms) < renew_us) {
		/* The least lease with L(1 - ρ) - S >= 4H. */
		uint64_t need = (renew_us + (uint64_t)slack_ms * US_PER_MS) * PPM /
				(PPM - VOTES_RHO_PPM);
		*bound_ms = (uint32_t)((need + US_PER_MS - 1) / US_PER_MS);
		return "is too short to be renewed: vote_lease x (1 - 0.001) - slack must be at "
		       "least 4 heartbeat intervals";
	}
	if (votes_grantor_hold_us(lease_ms) > failover_us) {
		/* The greatest lease with L(1 + ρ) <= 2I. */
		uint64_t most = failover_us * PPM / (PPM + VOTES_RHO_PPM);
		*bound_ms = (uint32_t)(most / US_PER_MS);
		return "outlasts the failover: vote_lease x (1 + 0.001) must be at most 2 x the "
		       "smallest advert_interval";
	}
	return NULL;
}

bool votes_outranks(uint8_t prio_a, const char *name_a, uint8_t prio_b, const char *name_b)
{
	if (prio_a != prio_b)
		return prio_a > prio_b;
	return strcmp(name_a, name_b) > 0;
}

/* ---- the voter ------------------------------------------------------- */

static const char *const refusal_names[VOTE_REFUSED__COUNT] = {
	[VOTE_REFUSED_ELSEWHERE] = "granted_elsewhere",
	[VOTE_REFUSED_STARTING] = "starting",
	[VOTE_REFUSED_NOT_ALIVE] = "not_alive",
	[VOTE_REFUSED_FULL] = "table_full",
};

const char *vote_refusal_name(enum vote_refusal r)
{
	return (unsigned)r < VOTE_REFUSED__COUNT ? refusal_names[r] : "unknown";
}

static void copy_name(char dst[CLUSTD_NAME_MAX], const char *src)
{
	snprintf(dst, CLUSTD_NAME_MAX, "%s", src);
}

void voter_init(struct voter *v, uint32_t lease_ms, uint64_t now, bool fresh_start)
{
	memset(v, 0, sizeof(*v));
	v->hold_us = votes_grantor_hold_us(lease_ms);
	/* What an earlier run of this process granted binds it until at most
	 * its last t_recv + L(1 + ρ) <= now + L(1 + ρ). */
	v->grants_from = fresh_start ? now + v->hold_us : now;
}

void voter_carry(struct voter *to, const struct voter *from)
{
	uint64_t hold_us = to->hold_us;
	uint64_t grants_from = to->grants_from > from->grants_from ? to->grants_from
								     : from->grants_from;

	*to = *from;
	/* Bindings already made keep their `until`; the new lease counts
	 * from the next grant or renewal. */
	to->hold_us = hold_us;
	to->grants_from = grants_from;
}

static bool is_bound(const struct vote_slot *s, uint64_t now)
{
	return s->granted && now < s->until;
}

/* A waiter's request is worth a vote while it is younger than L(1 + ρ):
 * an older one's candidate has counted it out by now anyway. */
static bool waiter_fresh(const struct voter *v, const struct vote_slot *s, uint64_t now)
{
	return s->waiting && now < s->waiter_at + v->hold_us;
}

static void grant(struct voter *v, struct vote_slot *s, const char *who, uint64_t incarnation,
		  uint64_t seq, uint64_t now)
{
	s->granted = true;
	copy_name(s->grantee, who);
	s->until = now + v->hold_us;
	s->incarnation = incarnation;
	s->seq = seq;
	s->since = now;
	v->granted++;
}

/* The vote of s just became free (released, or ran out): it goes to the
 * waiter if its request is fresh, else to nobody. Returns whether it
 * changed hands. */
static bool hand_on(struct voter *v, struct vote_slot *s, uint64_t now)
{
	bool to_waiter = waiter_fresh(v, s, now);

	s->granted = false;
	if (to_waiter)
		grant(v, s, s->waiter, s->waiter_incarnation, s->waiter_seq, now);
	s->waiting = false;
	return to_waiter;
}

/* Brings s up to now: a binding that ran out is counted and handed on.
 * Returns whether the vote changed hands. */
static bool settle(struct voter *v, struct vote_slot *s, uint64_t now)
{
	if (!s->granted || now < s->until)
		return false;
	v->expired++;
	return hand_on(v, s, now);
}

static const struct vote_slot *find_slot(const struct voter *v, const char *instance)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->slots[i].instance, instance) == 0)
			return &v->slots[i];
	return NULL;
}

/* A slot owes nothing when its vote is not bound and no fresh waiter is
 * owed it: then it may serve another instance. */
static bool reusable(struct voter *v, struct vote_slot *s, uint64_t now)
{
	if (is_bound(s, now) || waiter_fresh(v, s, now))
		return false;
	settle(v, s, now); /* a vote that ran out with nobody waiting: count it */
	return true;
}

/* The slot of `instance`: its own, a new one, or a reused one; NULL when
 * every slot owes something to another instance. */
static struct vote_slot *take_slot(struct voter *v, const char *instance, uint64_t now)
{
	struct vote_slot *s = (struct vote_slot *)find_slot(v, instance);

	if (s)
		return s;
	if (v->n < VOTES_MAX) {
		s = &v->slots[v->n++];
	} else {
		for (size_t i = 0; i < v->n && !s; i++)
			if (reusable(v, &v->slots[i], now))
				s = &v->slots[i];
		if (!s)
			return NULL;
	}
	memset(s, 0, sizeof(*s));
	copy_name(s->instance, instance);
	return s;
}

static void renew(struct voter *v, struct vote_slot *s, uint64_t incarnation, uint64_t seq,
		  uint64_t now)
{
	uint64_t until = now + v->hold_us;

	/* Never earlier than promised (a reload may have shortened the lease). */
	if (until > s->until)
		s->until = until;
	s->incarnation = incarnation;
	s->seq = seq;
	v->renewed++;
}

/* `who` asked while the vote is bound to another: remember it if it is
 * the best candidate waiting (or the same one asking again). */
static void note_waiter(struct voter *v, struct vote_slot *s, const char *who, uint8_t prio,
			uint64_t incarnation, uint64_t seq, uint64_t now)
{
	if (waiter_fresh(v, s, now) && strcmp(s->waiter, who) != 0 &&
	    !votes_outranks(prio, who, s->waiter_prio, s->waiter))
		return;
	s->waiting = true;
	copy_name(s->waiter, who);
	s->waiter_prio = prio;
	s->waiter_at = now;
	s->waiter_incarnation = incarnation;
	s->waiter_seq = seq;
}

enum vote_answer voter_request(struct voter *v, const char *instance, const char *who, uint8_t prio,
			       uint64_t incarnation, uint64_t seq, bool alive, uint64_t now,
			       enum vote_refusal *why)
{
	enum vote_refusal r;
	struct vote_slot *s;

	if (now < v->grants_from) {
		r = VOTE_REFUSED_STARTING;
	} else if (!alive) {
		/* Not even a renewal: a master nobody hears loses its votes. */
		r = VOTE_REFUSED_NOT_ALIVE;
	} else if (!(s = take_slot(v, instance, now))) {
		r = VOTE_REFUSED_FULL;
	} else {
		/* A binding that ran out goes to the waiter before this
		 * request is looked at (voter_expire may not have run yet). */
		settle(v, s, now);
		if (!is_bound(s, now)) {
			grant(v, s, who, incarnation, seq, now);
			return VOTE_GRANTED;
		}
		/* The same member, even with a new incarnation: the same grantee. */
		if (strcmp(s->grantee, who) == 0) {
			renew(v, s, incarnation, seq, now);
			return VOTE_RENEWED;
		}
		note_waiter(v, s, who, prio, incarnation, seq, now);
		r = VOTE_REFUSED_ELSEWHERE;
	}
	v->refused[r]++;
	if (why)
		*why = r;
	return VOTE_REFUSED;
}

static bool requested(const struct hb_request *reqs, size_t n, const char *instance)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(reqs[i].name, instance) == 0)
			return true;
	return false;
}

unsigned voter_heard(struct voter *v, const char *who, const struct hb_request *reqs, size_t n,
		     uint64_t now)
{
	unsigned changed = 0;

	for (size_t i = 0; i < v->n; i++) {
		struct vote_slot *s = &v->slots[i];

		if (requested(reqs, n, s->instance))
			continue;
		/* A waiter that no longer asks has withdrawn: it must not get
		 * the vote ahead of a candidate that still asks. */
		if (s->waiting && strcmp(s->waiter, who) == 0)
			s->waiting = false;
		if (!s->granted || strcmp(s->grantee, who) != 0)
			continue;
		if (settle(v, s, now)) {
			changed++;
			continue;
		}
		if (!s->granted)
			continue; /* it ran out; nobody was waiting */
		v->released++;
		changed += hand_on(v, s, now);
	}
	return changed;
}

unsigned voter_expire(struct voter *v, uint64_t now)
{
	unsigned changed = 0;

	for (size_t i = 0; i < v->n; i++)
		changed += settle(v, &v->slots[i], now);
	return changed;
}

uint64_t voter_next_expiry(const struct voter *v)
{
	uint64_t next = 0;

	for (size_t i = 0; i < v->n; i++)
		if (v->slots[i].granted && (next == 0 || v->slots[i].until < next))
			next = v->slots[i].until;
	return next;
}

size_t voter_fill(const struct voter *v, uint64_t now, struct hb_vote *out, size_t cap)
{
	size_t k = 0;

	for (size_t i = 0; i < v->n && k < cap; i++) {
		const struct vote_slot *s = &v->slots[i];
		uint64_t ms;

		if (!is_bound(s, now))
			continue;
		ms = (s->until - now) / US_PER_MS;
		memset(&out[k], 0, sizeof(out[k]));
		copy_name(out[k].instance, s->instance);
		copy_name(out[k].grantee, s->grantee);
		out[k].incarnation = s->incarnation;
		out[k].seq = s->seq;
		out[k].remaining_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
		k++;
	}
	return k;
}

const struct vote_slot *voter_slot(const struct voter *v, const char *instance, uint64_t now)
{
	const struct vote_slot *s = find_slot(v, instance);

	return s && is_bound(s, now) ? s : NULL;
}

/* ---- the candidate ---------------------------------------------------- */

void sent_ring_put(struct sent_ring *r, uint64_t seq, uint64_t at)
{
	size_t i = seq % VOTES_SENT_RING;

	r->seq[i] = seq;
	r->at[i] = at;
}

bool sent_ring_get(const struct sent_ring *r, uint64_t seq, uint64_t *at)
{
	size_t i = seq % VOTES_SENT_RING;

	/* Heartbeat seqs start at 1: a zeroed ring knows none, not seq 0. */
	if (seq == 0 || r->seq[i] != seq)
		return false;
	*at = r->at[i];
	return true;
}

void ballot_start(struct ballot *b, const char *instance, size_t nmembers, uint64_t incarnation,
		  uint64_t first_seq)
{
	memset(b, 0, sizeof(*b));
	copy_name(b->instance, instance);
	b->nmembers = nmembers < CLUSTD_MAX_PEERS ? nmembers : CLUSTD_MAX_PEERS;
	b->incarnation = incarnation;
	b->first_seq = first_seq;
}

void ballot_vote(struct ballot *b, size_t m, const struct hb_vote *vote, const char *self_name,
		 uint64_t t_sent, bool t_sent_known, uint64_t span_us)
{
	bool ours = strcmp(vote->grantee, self_name) == 0 &&
		    vote->incarnation == b->incarnation && vote->seq >= b->first_seq;

	if (m >= b->nmembers || strcmp(vote->instance, b->instance) != 0)
		return;
	if (!ours) {
		/* Whatever the member says now, a grant we counted stands:
		 * the member promised it until then. */
		copy_name(b->with[m], vote->grantee);
		b->with_remaining_ms[m] = vote->remaining_ms;
		return;
	}
	b->with[m][0] = '\0';
	b->with_remaining_ms[m] = 0;
	if (t_sent_known && t_sent + span_us > b->until[m])
		b->until[m] = t_sent + span_us;
}

unsigned ballot_count(const struct ballot *b, uint64_t now)
{
	unsigned n = 0;

	for (size_t i = 0; i < b->nmembers; i++)
		n += now < b->until[i];
	return n;
}

uint64_t ballot_lease_end(const struct ballot *b, unsigned needed)
{
	uint64_t end = 0;

	if (needed == 0)
		return UINT64_MAX; /* nothing to hold */
	/* The needed-th largest non-zero until: the largest x that at least
	 * `needed` grants reach (n <= CLUSTD_MAX_PEERS: quadratic is fine). */
	for (size_t i = 0; i < b->nmembers; i++) {
		uint64_t x = b->until[i];
		unsigned reach = 0;

		if (x == 0 || x <= end)
			continue;
		for (size_t j = 0; j < b->nmembers; j++)
			reach += b->until[j] >= x;
		if (reach >= needed)
			end = x;
	}
	return end;
}
