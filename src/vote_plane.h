/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vote_plane.h - the votes of one cluster plane: this node's voter, its
 * ballots as a candidate, and when its heartbeats left. Pure: the plane
 * (cluster_net.c) feeds it every heartbeat it sends and every one it
 * accepts, with the time; it answers what to put in our heartbeat, whether
 * to send one soon, and which instances hold the votes. votes.h has the
 * rules and doc/quorum.md ("Votes") the argument. */
#ifndef CLUSTD_VOTE_PLANE_H
#define CLUSTD_VOTE_PLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heartbeat.h"
#include "quorum.h"
#include "votes.h"

struct vote_plane {
	struct voter voter;
	struct sent_ring sent;
	size_t nballots;
	struct ballot ballots[CLUSTER_MAX_INSTANCES];
	unsigned needed;         /* grants a candidate needs (self included) */
	uint64_t span_us;        /* L(1 - ρ) - S */
	uint64_t slack_us;       /* S */
	uint64_t hold_us;        /* L(1 + ρ) */
	uint64_t stale_votes;    /* votes for us answering no request we know */
};

/* What vote_plane_heard / _expire ask of the plane. */
enum {
	VP_SEND_SOON = 1u << 0,  /* a vote changed hands: tell the members */
	VP_CHANGED = 1u << 1,    /* a ballot or a vote changed: re-evaluate */
};

/* fresh_start: the daemon just started (the voter waits out L(1 + ρ)). */
void vote_plane_init(struct vote_plane *vp, const struct quorum *q, uint32_t lease_ms,
		     uint32_t slack_ms, uint64_t now, bool fresh_start);
/* A plane restarted within the run (under a new incarnation): keep the
 * voter, and the grants each ballot counts (by member name: the voters'
 * promises still bind them); the ballots go on with the new incarnation's
 * requests. */
void vote_plane_carry(struct vote_plane *to, const struct quorum *q_to, uint64_t incarnation,
		      const struct vote_plane *from, const struct quorum *q_from);

/* Are votes needed at all? Not with quorum 1 (plain VRRP). */
bool vote_plane_gated(const struct vote_plane *vp);

/* Our heartbeat (incarnation, seq) is about to leave at now with its
 * requests filled in: start or end our ballots, vote for ourselves where
 * our vote is free, and fill in the votes we have granted. Returns
 * VP_CHANGED when a ballot began, ended or our own grant changed. */
unsigned vote_plane_sending(struct vote_plane *vp, const struct quorum *q, struct heartbeat *hb,
			    uint64_t now);

/* An accepted heartbeat of member m (quorum order). */
unsigned vote_plane_heard(struct vote_plane *vp, const struct quorum *q, size_t m,
			  const struct heartbeat *hb, uint64_t now);

/* Time passed: votes that ran out. */
unsigned vote_plane_expire(struct vote_plane *vp, uint64_t now);
/* When vote_plane_expire, or a lease of ours, may next change something;
 * 0 when nothing is pending. */
uint64_t vote_plane_next_event(const struct vote_plane *vp, uint64_t now);

/* Our ballot for an instance, NULL when we are no candidate for it. */
const struct ballot *vote_plane_ballot(const struct vote_plane *vp, const char *instance);
/* Does our ballot for `instance` hold the votes at now? *lease_end: until
 * when (µs), when it does. */
bool vote_plane_held(const struct vote_plane *vp, const char *instance, uint64_t now,
		     uint64_t *lease_end);

/* The best-ranked other live member that asks for the votes of `instance`
 * in its latest heartbeat (heard within the dead interval): its name and
 * priority; NULL when none. */
const char *vote_plane_rival(const struct quorum *q, const char *instance, uint64_t now,
			     uint8_t *priority);
/* The same, leaving out member `except` (the master handing over to us:
 * it asks until it steps down, which our request makes it do). */
const char *vote_plane_rival_except(const struct quorum *q, const char *instance, const char *except,
				    uint64_t now, uint8_t *priority);

#endif
