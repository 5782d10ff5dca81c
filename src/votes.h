/* SPDX-License-Identifier: GPL-2.0-or-later */
/* votes.h - mastership by granted votes (leases). Pure: no I/O, time comes
 * in as an argument (µs, monotonic). doc/quorum.md, "Votes", has the
 * argument; in short:
 *
 * - Every member is a VOTER: for each instance it grants its vote to at
 *   most one candidate at a time. A grant made on receiving a request at
 *   t_recv binds the voter until t_recv + L(1 + ρ) (votes_grantor_hold_us):
 *   until then it refuses every other candidate. A request from the same
 *   grantee renews it; a heartbeat of the grantee that no longer requests
 *   the instance releases it at once (the grantee dropped its VIPs before
 *   it sent that heartbeat).
 * - A CANDIDATE (a node whose instance wants to be MASTER) requests the
 *   votes in its heartbeats. A grant names the request it answers
 *   (incarnation, seq), and the candidate times it from when it SENT that
 *   request: the grant counts until t_sent + L(1 - ρ) - S
 *   (votes_grantee_span_us). It may hold its VIPs while grants from
 *   `needed` members (itself included) count. Since t_sent <= t_recv and
 *   ρ bounds the clocks' rate difference, every grant the candidate counts
 *   has run out, VIPs deleted (within the slack S), before the voter may
 *   give it to anyone else.
 */
#ifndef CLUSTD_VOTES_H
#define CLUSTD_VOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heartbeat.h"
#include "model.h"

/* ρ: the bound on the rate difference of two members' monotonic clocks,
 * in parts per million (1e-3: generous; real oscillators are within
 * 1e-4). */
#define VOTES_RHO_PPM 1000u
/* Instances a voter can hold votes for at once (per cluster plane). */
#define VOTES_MAX CLUSTER_MAX_VOTES

/* ---- timing ---------------------------------------------------------- */

/* L(1 + ρ) in µs: how long a voter stays bound by a grant after it
 * received the request. */
uint64_t votes_grantor_hold_us(uint32_t lease_ms);
/* L(1 - ρ) - S in µs: how long after SENDING a request the candidate may
 * count the grant that answers it; 0 when the slack eats the lease. */
uint64_t votes_grantee_span_us(uint32_t lease_ms, uint32_t slack_ms);

/* The settings `clustd -t` checks (doc/quorum.md, "Votes: timing"):
 * - renewal: L(1 - ρ) - S >= 4H (an answer may wait one heartbeat at the
 *   voter, vote_plane.c's grant_span), so that one lost heartbeat, either way,
 *   does not let a live master's lease lapse;
 * - failover: L(1 + ρ) <= 2I, so that a dead master's grants have run out
 *   by the time the first backup's Master_Down_Timer can fire (3I + skew
 *   after an advert that left at most I before the death): votes add
 *   nothing to the failover time but one request/grant round trip.
 * Returns NULL when both hold, else a static text naming the one that
 * fails; *bound_ms is then the limit vote_lease broke (the least lease the
 * renewal rule allows, or the greatest the failover rule allows). */
const char *votes_timing_check(uint32_t lease_ms, uint32_t slack_ms, uint32_t heartbeat_ms,
			       uint32_t min_advert_ms, uint32_t *bound_ms);

/* Does candidate (prio_a, name_a) rank above (prio_b, name_b)? Higher
 * priority first, then the greater name (strcmp): a total order, so two
 * candidates always agree on who yields. */
bool votes_outranks(uint8_t prio_a, const char *name_a, uint8_t prio_b, const char *name_b);

/* ---- the voter ------------------------------------------------------- */

enum vote_refusal {
	VOTE_REFUSED_ELSEWHERE = 0, /* granted to another candidate, still binding */
	VOTE_REFUSED_STARTING,      /* just started: may have granted before a restart */
	VOTE_REFUSED_NOT_ALIVE,     /* the candidate is not alive for us (no fresh echo) */
	VOTE_REFUSED_FULL,          /* no room for another instance */
	VOTE_REFUSED__COUNT
};

/* "granted_elsewhere", "starting", "not_alive", "table_full" */
const char *vote_refusal_name(enum vote_refusal r);

/* This voter's vote for one instance. */
struct vote_slot {
	char instance[CLUSTD_NAME_MAX];
	bool granted;
	char grantee[CLUSTD_NAME_MAX];
	uint64_t until;             /* µs: binding until then (t_recv + L(1+ρ)) */
	uint64_t incarnation, seq;  /* the grantee's request it answers (latest) */
	uint64_t since;             /* µs: granted to this grantee since */
	/* The best other candidate that asked while the vote was bound: it
	 * gets the vote as soon as it is free, answering that request. */
	bool waiting;
	char waiter[CLUSTD_NAME_MAX];
	uint8_t waiter_prio;
	uint64_t waiter_at;         /* µs: when its latest request arrived */
	uint64_t waiter_incarnation, waiter_seq;
};

struct voter {
	size_t n;
	struct vote_slot slots[VOTES_MAX];
	uint64_t hold_us;           /* L(1 + ρ) */
	uint64_t grants_from;       /* µs: no vote before then (restart) */
	unsigned long long granted, renewed, released, expired;
	unsigned long long refused[VOTE_REFUSED__COUNT];
};

/* A voter that started at `now`. fresh_start: this process may have lost
 * what it granted before (a start of the daemon), so it grants nothing for
 * L(1 + ρ); false for a plane restarted within the run (it carries the
 * old voter over with voter_carry). */
void voter_init(struct voter *v, uint32_t lease_ms, uint64_t now, bool fresh_start);
/* A restarted plane (reload) keeps every vote of the old one, and its
 * start-up wait; a changed lease applies to grants made from now on. */
void voter_carry(struct voter *to, const struct voter *from);

/* What a request got. */
enum vote_answer { VOTE_GRANTED, VOTE_RENEWED, VOTE_REFUSED };

/* Candidate `who` (priority prio) asks for our vote for `instance` with
 * its heartbeat (incarnation, seq), authenticated and no replay, received
 * at now. alive: `who` is alive for us (it echoed our nonce). Our own
 * requests come through here too, with who = our name and alive = true,
 * at the instant we send them. On VOTE_REFUSED, *why says why (and the
 * refusal is counted). */
enum vote_answer voter_request(struct voter *v, const char *instance, const char *who, uint8_t prio,
			       uint64_t incarnation, uint64_t seq, bool alive, uint64_t now,
			       enum vote_refusal *why);

/* A heartbeat of `who` requested exactly reqs[0..n): every vote granted to
 * `who` for an instance not among them is released, and goes to the
 * waiting candidate if there is one. Returns how many votes changed hands
 * (granted to a waiter): the caller then tells the members at once. */
unsigned voter_heard(struct voter *v, const char *who, const struct hb_request *reqs, size_t n,
		     uint64_t now);

/* Votes whose binding ran out: freed, or handed to the waiting candidate
 * (if its request is younger than L(1 + ρ)). Returns how many changed
 * hands. */
unsigned voter_expire(struct voter *v, uint64_t now);
/* The next instant a bound vote runs out, 0 when none is bound. */
uint64_t voter_next_expiry(const struct voter *v);

/* The votes to announce in our next heartbeat: every bound one, with the
 * request it answers and the time it stays bound, in ms. Returns how many
 * (at most cap). */
size_t voter_fill(const struct voter *v, uint64_t now, struct hb_vote *out, size_t cap);

/* Our vote for `instance`, NULL when we hold none for it (or it ran out). */
const struct vote_slot *voter_slot(const struct voter *v, const char *instance, uint64_t now);

/* ---- the candidate ---------------------------------------------------- */

/* When we sent our recent heartbeats (seq -> µs), to time grants from the
 * request they answer. */
#define VOTES_SENT_RING 64
struct sent_ring {
	uint64_t seq[VOTES_SENT_RING];
	uint64_t at[VOTES_SENT_RING];
};
void sent_ring_put(struct sent_ring *r, uint64_t seq, uint64_t at);
/* When heartbeat `seq` left; false when it is not (or no longer) known. */
bool sent_ring_get(const struct sent_ring *r, uint64_t seq, uint64_t *at);

/* Our candidacy for one instance: the grants we hold, per member (quorum
 * order, self included). */
struct ballot {
	char instance[CLUSTD_NAME_MAX];
	uint64_t incarnation;       /* ours, when the candidacy began */
	uint64_t first_seq;         /* our first request of this candidacy */
	size_t nmembers;
	uint64_t until[CLUSTD_MAX_PEERS];  /* µs the member's grant counts to; 0 none */
	/* What each member last said it did with its vote (status, logs). */
	char with[CLUSTD_MAX_PEERS][CLUSTD_NAME_MAX];      /* grantee, "" none */
	uint32_t with_remaining_ms[CLUSTD_MAX_PEERS];
};

/* A candidacy that began with our request (incarnation, first_seq).
 * Grants answering an earlier request (a candidacy we gave up) never
 * count. */
void ballot_start(struct ballot *b, const char *instance, size_t nmembers, uint64_t incarnation,
		  uint64_t first_seq);
/* Member `m` announced a vote for our instance. If it is ours (grantee =
 * self_name) and answers a request of this candidacy sent at t_sent, it
 * counts until t_sent + span_us (never shortened by an older answer).
 * Else it is recorded for the status view and logs only. */
void ballot_vote(struct ballot *b, size_t m, const struct hb_vote *vote, const char *self_name,
		 uint64_t t_sent, bool t_sent_known, uint64_t span_us);
/* How many members' grants count at now. */
unsigned ballot_count(const struct ballot *b, uint64_t now);
/* Until when (µs) at least `needed` grants count: the needed-th latest
 * `until`; 0 when fewer than needed grants were ever given. The lease is
 * held at now iff now < ballot_lease_end(). */
uint64_t ballot_lease_end(const struct ballot *b, unsigned needed);

#endif
