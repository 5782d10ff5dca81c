/* SPDX-License-Identifier: GPL-2.0-or-later */
/* handover.h - a planned handover of an instance to another member
 * (`clustd handover`, a drain, a fallen priority): who takes over, and the
 * steps of one handover with its bound. Pure: no I/O, time comes in as an
 * argument (µs, monotonic). doc/quorum.md, "Planned handover", has the
 * argument; in short, with mastership by votes:
 *
 * 1. The master M announces "INSTANCE to S" in its heartbeats (TLV 11),
 *    sent at once.
 * 2. S, on the first heartbeat of a live M naming it, becomes a candidate
 *    at once (no Master_Down wait, whatever its priority) and asks for the
 *    votes, at once. The voters are bound to M: they remember S as the
 *    candidate waiting.
 * 3. M, on S's request, steps down as for a preemption: VIPs deleted,
 *    priority-0 advert, then a heartbeat that no longer asks (at once): every
 *    voter, M itself included, hands its vote to S and says so at once.
 * 4. S holds a majority of grants and enters MASTER: advert, VIPs, GARP.
 * The votes keep two holders impossible (S cannot hold a majority before
 * the voters let go of M, which M's VIPs precede); the gap is about one
 * network delay from M to S plus the time to send. If S does not ask
 * within the bound, M never let go and stays master (HO_ABORT). */
#ifndef CLUSTD_HANDOVER_H
#define CLUSTD_HANDOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "quorum.h"

/* ---- who takes over --------------------------------------------------- */

enum ho_pick {
	HO_PICK_OK = 0,
	HO_PICK_UNKNOWN,     /* no member of that name */
	HO_PICK_SELF,        /* that is this node */
	HO_PICK_NOT_ALIVE,   /* not alive for us (not heard, or not echoing us) */
	HO_PICK_NO_INSTANCE, /* its heartbeats list no instance of that name */
	HO_PICK_NO_QUORUM,   /* it says it has no quorum */
	HO_PICK_DRAINED,     /* it keeps that instance drained */
	HO_PICK_NOT_READY,   /* its instance is not BACKUP (FAULT, INIT) or has priority 0 */
	HO_PICK_MASTER,      /* it reports MASTER for that instance already */
	HO_PICK_NONE,        /* no member qualifies */
	HO_PICK__COUNT
};

/* "unknown member", "this node", "not alive", ... for messages. */
const char *ho_pick_text(enum ho_pick p);

/* Could member m take `instance` over now? HO_PICK_OK (and *prio, its
 * effective priority) when it is alive, has quorum, runs the instance as
 * BACKUP with a priority above 0, and does not keep it drained; with
 * master_ok, also when it reports MASTER (for "could anyone be master"). */
enum ho_pick handover_eligible(const struct quorum *q, const struct member *m, const char *instance,
			       bool master_ok, uint64_t now, uint8_t *prio);

/* The member to hand `instance` over to: `to` when given (it must
 * qualify), else the best-ranked one that qualifies (votes_outranks: the
 * higher priority, then the greater name, as candidates rank). *who points
 * into q. */
enum ho_pick handover_pick(const struct quorum *q, const char *instance, const char *to,
			   uint64_t now, const char **who, uint8_t *prio);

/* How many other members could be master of `instance` (BACKUP or MASTER
 * and otherwise eligible), and in why[] one "name: reason" per member that
 * could not, ", "-separated (for the drain refusal). */
unsigned handover_others(const struct quorum *q, const char *instance, uint64_t now, char *why,
			 size_t len);

/* The member that is handing `instance` over to us (self_name): a live
 * member whose latest heartbeat carries TLV 11 for it naming us; NULL when
 * none. */
const char *handover_from(const struct quorum *q, const char *instance, const char *self_name,
			  uint64_t now);

/* Does member `name`'s latest heartbeat ask for the votes of `instance`
 * (while it is alive)? */
bool handover_member_asks(const struct quorum *q, const char *name, const char *instance,
			  uint64_t now);
/* Does member `name`'s latest heartbeat report `instance` MASTER? */
bool handover_member_master(const struct quorum *q, const char *name, const char *instance,
			    uint64_t now);

/* Hand over when health falls: a MASTER whose effective priority `prio`
 * fell below its configured `base` hands over to the best eligible member
 * whose priority is now above `prio` (it would win an election); NULL when
 * none does or the priority did not fall. */
const char *handover_fall_target(const struct quorum *q, const char *instance, uint8_t prio,
				 uint8_t base, uint64_t now, uint8_t *their);

/* ---- one handover, at the master -------------------------------------- */

enum ho_phase {
	HO_IDLE = 0,
	HO_ANNOUNCED,   /* our heartbeats name the successor; we are still MASTER */
	HO_RELEASED,    /* we stepped down; waiting for the successor to be MASTER */
};

enum ho_cause {
	HO_BY_COMMAND = 0, /* clustd handover */
	HO_BY_DRAIN,       /* clustd drain, or a drained master retrying */
	HO_BY_PRIORITY,    /* our effective priority fell below the successor's */
	HO_BY_FAULT,       /* we left MASTER for FAULT: the successor asks at once */
	HO_CAUSE__COUNT
};

/* "command", "drain", "priority", "fault" */
const char *ho_cause_name(enum ho_cause c);

struct handover {
	enum ho_phase phase;
	enum ho_cause cause;
	char to[CLUSTD_NAME_MAX];
	uint64_t started;   /* µs */
	uint64_t released;  /* µs: when we stepped down (HO_RELEASED) */
	uint64_t deadline;  /* µs: the step that is due by then gave up */
	uint64_t bound_us;
};

/* What the successor and we look like now (the glue reads it from the
 * state machine and the members' latest heartbeats). */
struct ho_view {
	bool master;            /* we are MASTER */
	bool successor_asks;    /* its latest heartbeat asks for the votes */
	bool successor_master;  /* its latest heartbeat reports the instance MASTER */
};

enum ho_step {
	HO_WAIT = 0,  /* nothing to do yet */
	HO_RELEASE,   /* the successor asks: step down now (VIPs, priority 0, release) */
	HO_DONE,      /* the successor is master: over */
	HO_ABORT,     /* it did not ask within the bound: we never let go, we stay master */
	HO_LOST,      /* we left MASTER otherwise (a fault, the votes) before the successor asked */
	HO_FAILED,    /* we let go, but it was not master within the bound */
};

/* How long each step may take: the announcement and the request each go
 * out at once; a lost one goes again with its sender's next heartbeat, at
 * most one heartbeat interval H later. 4H leaves room for one loss each
 * way and the heartbeat that reports the successor MASTER (sent at most
 * CLUSTER_SEND_SOON_GAP_MS after its state changed); never under 200 ms. */
uint64_t handover_bound_us(uint32_t heartbeat_ms);

/* A handover of ours to `to` begins at now: announced (we are MASTER), or
 * already released (HO_BY_FAULT: we left MASTER and only tell the
 * successor to ask at once). */
void handover_begin(struct handover *h, const char *to, enum ho_cause cause, bool released,
		    uint64_t now, uint64_t bound_us);
/* Where the handover stands at now, given v; anything but HO_WAIT and
 * HO_RELEASE ends it (phase HO_IDLE). HO_RELEASE moves it to HO_RELEASED:
 * the caller steps down at once. */
enum ho_step handover_step(struct handover *h, const struct ho_view *v, uint64_t now);
/* Do our heartbeats name the successor (TLV 11)? */
bool handover_active(const struct handover *h);

/* How handovers ended, for the status view and the metrics. */
enum ho_result {
	HO_RESULT_DONE = 0,   /* the successor became master */
	HO_RESULT_ABORTED,    /* it did not ask in time: we stayed master */
	HO_RESULT_LOST,       /* we left MASTER otherwise first */
	HO_RESULT_FAILED,     /* we let go; it was not master in time */
	HO_RESULT_FALLBACK,   /* no cluster member to hand to: a priority-0 advert */
	HO_RESULT_TAKEN,      /* a member handed over to us, and we are master */
	HO_RESULT__COUNT
};

/* "done", "aborted", "lost", "failed", "fallback", "taken" */
const char *ho_result_name(enum ho_result r);

/* ---- the control requests ------------------------------------------- */

enum ho_verb { HO_VERB_HANDOVER, HO_VERB_DRAIN, HO_VERB_UNDRAIN };
#define HO_REQUEST_MAX_NAMES 64

/* "handover [--to NODE] [INSTANCE...]", "drain [--force] [INSTANCE...]",
 * "undrain [INSTANCE...]": what `clustd handover` & co send on the
 * control socket. */
struct ho_request {
	enum ho_verb verb;
	char to[CLUSTD_NAME_MAX];   /* "" none */
	bool force;
	size_t n;
	char names[HO_REQUEST_MAX_NAMES][CLUSTD_NAME_MAX];
};

/* 1 parsed into *r, 0 not one of these requests, -1 malformed (err says
 * why: an unknown or misplaced option, a bad or repeated name). */
int ho_request_parse(const char *line, struct ho_request *r, char *err, size_t errlen);

/* The client's side: the request line for `clustd VERB [--to NODE]
 * [--force] [INSTANCE...]` (malloc'd), and the exit status of a reply: 1
 * when a line of it begins "error: ", else 0. */
char *ho_request_line(const char *verb, const char *to, bool force, char *const *names, size_t n);
int ho_reply_status(const char *reply);

/* ---- urgent heartbeats ------------------------------------------------ */

/* Heartbeats for a handover or a vote that changes hands go out at once,
 * past the send-soon rate limit (CLUSTER_SEND_SOON_GAP_MS), but at most
 * `max` per window of window_us, so a flapping member cannot make us
 * flood: beyond it they wait for the send-soon path. */
struct burst {
	uint64_t window_start;
	unsigned used;
};
bool burst_take(struct burst *b, uint64_t now, uint64_t window_us, unsigned max);

#endif
