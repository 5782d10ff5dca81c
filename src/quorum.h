/* SPDX-License-Identifier: GPL-2.0-or-later */
/* quorum.h - cluster membership and the quorum verdict. Pure: driven by
 * heartbeats and an injected monotonic clock (µs). A member is alive while
 * its valid heartbeats keep arriving within dead_interval; self is always
 * alive. Quorum holds while alive members >= needed. */
#ifndef CLUSTD_QUORUM_H
#define CLUSTD_QUORUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "heartbeat.h"

/* How far above the wall clock (seconds) a member's incarnation may be.
 * Incarnations are stored + 1 or the wall clock in seconds at a start, so
 * a real one is never far ahead of any clock that was right once. */
#define QUORUM_INCARNATION_AHEAD_S 86400

struct member {
	char name[CLUSTD_NAME_MAX];
	struct ip_addr addr;     /* its heartbeats must come from here; unset = any */
	bool self;
	bool heard;              /* at least one valid heartbeat ever */
	uint64_t last_heard;     /* µs, monotonic */
	uint64_t incarnation;    /* highest accepted */
	uint64_t seq;            /* highest accepted within incarnation */
	uint64_t nonce;          /* its nonce, from its latest accepted heartbeat */
	bool fresh;              /* it echoed our nonce at least once */
	uint64_t last_fresh;     /* µs: latest accepted heartbeat that echoed it */
	uint64_t piece_seq;      /* highest counters piece accepted (its incarnation) */
	struct heartbeat last;   /* latest accepted heartbeat (status view) */
};

struct quorum {
	size_t n;
	struct member *members;  /* owned */
	unsigned needed;
	uint64_t dead_us;
	uint64_t nonce;          /* ours: random per start of the plane */
};

/* Members needed for quorum: the setting, or with 0 a strict majority of
 * n (n/2 + 1). 1 means no split-brain protection (a node alone counts). */
unsigned quorum_needed(size_t n, unsigned setting);

/* names[0..n) are the configured members (self among them, by self_name).
 * needed = 0 means a strict majority: n/2 + 1. nonce: ours, which a
 * member must echo to count as alive. Returns 0, -1 if self_name is not
 * among names or on allocation failure. */
int quorum_init(struct quorum *q, const char *const *names, size_t n, const char *self_name,
		unsigned needed, uint32_t dead_interval_ms, uint64_t nonce);
void quorum_free(struct quorum *q);

/* A plane restarted by a reload (cluster_net_reopen) takes over what the
 * old one knew of every member that is still configured under the same
 * name and bound address (the same address in unicast, none in multicast):
 * its anti-replay pair, nonce, and liveness. The liveness was earned by a
 * fresh exchange in this run, so carrying it is no replay; it lapses after
 * the (new) dead interval unless the member echoes our new nonce, which it
 * does on our first heartbeat. Call after quorum_bind_address. */
void quorum_carry(struct quorum *to, const struct quorum *from);

/* Bind member i's heartbeats to its configured address (unicast mode). */
void quorum_bind_address(struct quorum *q, size_t i, const struct ip_addr *addr);

/* The member whose bound address is src, or NULL (for the check before
 * the MAC: a datagram from no member's address is not worth verifying). */
const struct member *quorum_member_at(const struct quorum *q, const struct ip_addr *src);

/* The highest incarnation a member may plausibly use: QUORUM_INCARNATION_AHEAD_S
 * above the later of the wall clock and our own incarnation (so a node whose
 * clock is behind still accepts its peers), never above UINT64_MAX - 1 (so
 * one more is still a number). */
uint64_t quorum_incarnation_limit(uint64_t wall_s, uint64_t own_incarnation);

/* Record a decoded heartbeat that came from src (NULL: not checked).
 * Accepted only from the member's bound address (else HB_DROP_SOURCE),
 * with an incarnation at most inc_limit (else HB_DROP_FUTURE), and if
 * (incarnation, seq) is greater than the last accepted pair of that
 * sender (else HB_DROP_REPLAY). Also HB_OK, HB_DROP_UNKNOWN, HB_DROP_SELF. */
enum hb_drop quorum_heard(struct quorum *q, const struct heartbeat *hb, const struct ip_addr *src,
			  uint64_t now, uint64_t inc_limit);

/* Liveness needs a fresh exchange (doc/quorum.md, "Freshness"): an
 * accepted heartbeat refreshes a member's liveness only when its echo
 * holds our nonce, which is new at every start of the plane. A recorded
 * heartbeat replayed to a freshly started node echoes an older nonce: it
 * may set the member's history (and status view) but never makes it
 * alive. */

/* The nonces to echo in our next heartbeat: those of the members whose
 * heartbeats we accepted within the dead interval. Returns how many. */
size_t quorum_echo(const struct quorum *q, uint64_t now, uint64_t *out, size_t cap);

/* A counters piece (HB_KIND_PIECE) from src: the same sender checks as a
 * heartbeat (HB_DROP_UNKNOWN, _SELF, _SOURCE, _FUTURE), then it must be of
 * the member's current incarnation and its seq above the last accepted
 * piece's (else HB_DROP_REPLAY). HB_OK sets *index (quorum order). */
enum hb_drop quorum_piece_from(struct quorum *q, const struct heartbeat *hb,
			       const struct ip_addr *src, uint64_t inc_limit, size_t *index);

bool quorum_member_alive(const struct quorum *q, const struct member *m, uint64_t now);
unsigned quorum_alive(const struct quorum *q, uint64_t now);
bool quorum_has(const struct quorum *q, uint64_t now);

/* The next instant after now at which quorum_has() may change by itself
 * (a member's dead deadline), or 0 if none. */
uint64_t quorum_next_expiry(const struct quorum *q, uint64_t now);

/* Safety bound (doc/quorum.md): an isolated master must release its VIPs
 * before the majority side can take over. With dead interval D, scheduling
 * slack S and the smallest advert interval I of any instance, clustd
 * requires D + S <= 2 * I (a backup takes over no sooner than 2I + skew
 * after the partition; the isolated master gives up no later than D + S).
 * Returns true when the bound holds. */
bool quorum_bound_ok(uint32_t dead_interval_ms, uint32_t slack_ms, uint32_t min_advert_interval_ms);
/* The largest dead interval that keeps the bound: 2 * I - S, 0 when none
 * does (S > 2 * I), at most UINT32_MAX. */
uint32_t quorum_dead_max_ms(uint32_t slack_ms, uint32_t min_advert_interval_ms);

#endif
