/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cluster_net.h - the cluster plane on the wire: one UDP socket that sends
 * this node's heartbeat every heartbeat_interval (to the multicast group or
 * to every other member) and feeds received ones, authenticated and
 * replay-checked, into the membership; reports every quorum change. */
#ifndef CLUSTD_CLUSTER_NET_H
#define CLUSTD_CLUSTER_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "heartbeat.h"
#include "loop.h"
#include "model.h"
#include "quorum.h"

struct cluster_net;

struct cluster_hooks {
	void *arg;
	/* Fill the instance part of our next heartbeat (name, incarnation,
	 * seq and quorum are filled by cluster_net). */
	void (*fill)(void *arg, struct heartbeat *hb);
	/* Quorum gained or lost. */
	void (*quorum_changed)(void *arg, bool has_quorum);
	/* A heartbeat was accepted, or a vote or a lease of ours changed:
	 * look at the votes again (cluster_net_votes_held, _rival). Called
	 * from a timer, never from inside a send. */
	void (*votes_changed)(void *arg);
	/* Encode our counters into buf for replication; the length, or 0
	 * for none. Optional. */
	size_t (*counters)(void *arg, uint8_t *buf, size_t cap);
	/* While restoring: member `from` sent back the copy of our counters
	 * it holds (len 0 = it holds none). Optional. */
	void (*restored)(void *arg, const char *from, const uint8_t *copy, size_t len);
	/* The restore is over: `answers` members answered, `copies` of them
	 * held a copy. Optional. */
	void (*restore_done)(void *arg, unsigned answers, unsigned copies);
};

struct cluster_stats {
	unsigned long long tx, rx, send_errors;  /* heartbeats */
	unsigned long long pieces_tx, pieces_rx; /* counters pieces */
	unsigned long long stale_answers;        /* restore answers with another nonce */
	unsigned long long urgent_tx;            /* heartbeats sent at once (send_urgent) */
	unsigned long long urgent_deferred;      /* ... beyond the budget: sent as send_soon */
	unsigned long long drops[HB_DROP__COUNT];
};

/* Reads the secret, opens the socket, starts heartbeating. node_name must
 * be one of cfg->members (cfg is copied: it need only live for the call). With `restore`, the first heartbeats ask every
 * member for the copy of our counters it holds (and carry none of ours)
 * until each live member answered or CLUSTER_RESTORE_MAX_MS passed.
 * NULL (logged) on failure. */
struct cluster_net *cluster_net_open(struct loop *l, const struct cluster_conf *cfg,
				     const char *node_name, uint64_t incarnation, bool restore,
				     const struct cluster_hooks *hooks);
/* Restart the plane with new settings (a reload changed them) under a new
 * incarnation, never restoring: closes prev (always, also on failure) and
 * opens a new plane with prev's loop, node name and hooks that takes over
 * what prev knew of the members still configured alike (quorum_carry) and
 * the counters copies it held, so quorum does not lapse while the new
 * nonce gets echoed. NULL (logged) on failure. */
struct cluster_net *cluster_net_reopen(struct cluster_net *prev, const struct cluster_conf *cfg,
				       uint64_t incarnation);
void cluster_net_close(struct cluster_net *cn);

bool cluster_net_has_quorum(const struct cluster_net *cn);
const struct quorum *cluster_net_quorum(const struct cluster_net *cn);
const struct cluster_stats *cluster_net_stats(const struct cluster_net *cn);
uint64_t cluster_net_incarnation(const struct cluster_net *cn);
/* Move to a higher incarnation (after a restore learnt that peers saw a
 * higher one); seq starts again. */
void cluster_net_set_incarnation(struct cluster_net *cn, uint64_t incarnation);
bool cluster_net_restoring(const struct cluster_net *cn);
/* The highest incarnation a member (or a copy of our counters) may
 * plausibly carry now: quorum_incarnation_limit of the wall clock. */
uint64_t cluster_net_incarnation_limit(const struct cluster_net *cn);
/* The latest counters of member i (quorum order) this node holds; NULL
 * when none. *age_us: how old. */
const uint8_t *cluster_net_held_copy(const struct cluster_net *cn, size_t i, size_t *len,
				     uint64_t now, uint64_t *age_us);

/* How long a restore waits at most, and at least (to hear who is alive). */
#define CLUSTER_RESTORE_MAX_MS 5000

/* Mastership by votes (votes.h, vote_plane.h). Are votes needed at all
 * (not with quorum 1)? */
bool cluster_net_votes_gated(const struct cluster_net *cn);
/* Does our candidacy for instance `name` hold the votes at now? When it
 * does, *lease_end says until when (µs). We are a candidate for an
 * instance while the fill hook lists it among the requests. */
bool cluster_net_votes_held(const struct cluster_net *cn, const char *name, uint64_t now,
			    uint64_t *lease_end);
/* The votes of this plane, for the status view. */
struct vote_plane;
const struct vote_plane *cluster_net_votes(const struct cluster_net *cn);
/* The best-ranked other live member asking for the votes of `name`, and
 * its priority, leaving out member `except` (NULL: nobody); NULL when
 * none. */
const char *cluster_net_rival(const struct cluster_net *cn, const char *name, const char *except,
			      uint64_t now, uint8_t *priority);

/* Send a heartbeat now (after a local state change, so peers see it at
 * once rather than up to one interval later). */
void cluster_net_send_now(struct cluster_net *cn);
/* The last heartbeat at a clean stop: our counters go with it whatever
 * CLUSTER_COUNTERS_GAP_MS says, so peers hold the final values. */
void cluster_net_send_final(struct cluster_net *cn);
/* Our counters follow a heartbeat at most this often (they change at
 * nearly every one); unchanged ones once a second. */
#define CLUSTER_COUNTERS_GAP_MS 250
/* The same, rate-limited for state changes (a flapping instance must not
 * become a heartbeat flood): at most one extra heartbeat per
 * CLUSTER_SEND_SOON_GAP_MS; one asked for sooner moves the next regular
 * heartbeat up to the end of that gap instead, so the change still goes
 * out within it. */
#define CLUSTER_SEND_SOON_GAP_MS 50
void cluster_net_send_soon(struct cluster_net *cn);
/* A heartbeat that moves a handover or a vote that changed hands: sent at
 * once, past the send-soon gap, since every message of a handover adds
 * its wait to the time nobody holds the VIP; at most CLUSTER_URGENT_MAX per
 * CLUSTER_SEND_SOON_GAP_MS (handover.h's burst), beyond that as
 * cluster_net_send_soon, so no member can make us flood. */
#define CLUSTER_URGENT_MAX 4
void cluster_net_send_urgent(struct cluster_net *cn);
/* Look at the votes again soon (the votes_changed hook, from a timer):
 * for a change the plane cannot see, such as our priority. */
void cluster_net_reevaluate(struct cluster_net *cn);

/* Reload support: does new_cfg leave the plane as it is (same members,
 * addresses, port, group, interface, timers, quorum and secret file)? If
 * so, adopt it. The plane keeps its own copy of its settings (compared
 * here, replaced by adopt): it never points into a config a reload frees,
 * so new_cfg need only live for the call. */
bool cluster_net_same_conf(const struct cluster_net *cn, const struct cluster_conf *new_cfg);
void cluster_net_adopt_conf(struct cluster_net *cn, const struct cluster_conf *new_cfg);

/* Read the secret file into a key; refuses files that group or others may
 * access. 0, or -1 with err set. */
int cluster_read_secret(const char *path, uint8_t key[CLUSTER_KEY_LEN], char *err, size_t errlen);

#endif
