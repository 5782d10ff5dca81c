/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fsm.h - the VRRP state machine of RFC 5798 §6.4 (and RFC 3768 §6.4).
 * Pure: every entry point takes the current monotonic time in microseconds
 * and returns what to do in a struct fsm_out; nothing here does I/O or reads
 * a clock. The caller arms one timer at fsm_next_deadline(). */
#ifndef CLUSTD_FSM_H
#define CLUSTD_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "packet.h"

enum vrrp_state {
	STATE_INIT = 0,
	STATE_BACKUP,
	STATE_MASTER,
	STATE_FAULT,
	STATE__COUNT
};

/* "INIT", "BACKUP", "MASTER", "FAULT" */
const char *vrrp_state_name(enum vrrp_state s);

struct fsm_params {
	uint8_t priority;        /* effective priority; 255 = owner */
	uint8_t version;         /* 2 or 3 */
	uint16_t adver_int_cs;   /* Advertisement_Interval, centiseconds */
	bool preempt;
	uint32_t preempt_delay_ms;
	struct ip_addr primary;  /* our primary address, for the tie-break */
	/* A Master_Down_Timer found expired long after it fell due (more than
	 * a quarter of the master's interval: this node did not run, and heard
	 * nothing either) first listens one more Master_Adver_Interval plus
	 * Skew_Time, once per expiry, so a master paused with it is heard. */
	bool pause_grace;
};

/* Actions the caller must carry out, in this order. */
enum fsm_action {
	FSM_DROP_VIPS   = 1u << 0, /* remove VIPs from the interface */
	FSM_SEND_PRIO0  = 1u << 1, /* send one advert with priority 0 */
	FSM_SEND_ADVERT = 1u << 2, /* send one advert with our priority */
	FSM_TAKE_VIPS   = 1u << 3, /* add VIPs, then GARP / unsolicited NA */
};

struct fsm_out {
	unsigned actions;         /* enum fsm_action bits */
	bool changed;             /* state changed: from -> to */
	enum vrrp_state from, to;
	char reason[160];         /* why, for the log line and notify env */
	/* The Master_Down_Timer fired this late (us) and was put off by
	 * pause_us for the pause grace; 0 when not. For the log line. */
	uint64_t late_us, pause_us;
};

struct fsm {
	struct fsm_params p;
	enum vrrp_state state;
	uint16_t master_adver_int_cs; /* learned from the master (v3) */
	uint64_t down_at;        /* Master_Down_Timer deadline (us), 0 = off */
	uint64_t adver_at;       /* Adver_Timer deadline (us), 0 = off */
	uint64_t lower_seen_at;  /* first lower-priority advert while preempt_delay runs */
	/* MASTER: earliest time (us) for the next advert sent at once in answer
	 * to a lower-priority one (one per Advertisement_Interval); 0 = now. */
	uint64_t next_answer_at;
	/* The master we last accepted an advert from (BACKUP), for logs. */
	struct ip_addr master_addr;
	uint8_t master_priority;
	uint64_t last_advert_at; /* when that advert arrived (us), 0 = never */
	/* Mastership by votes (votes.h): with the gate on, the state machine
	 * does not enter MASTER by itself; it becomes a CANDIDATE (stays
	 * BACKUP, no Master_Down_Timer) until the caller reports the votes
	 * won (fsm_votes_won). */
	bool vote_gate;
	bool candidate;
	char candidate_why[120]; /* why it wants MASTER, for the transition */
	/* Planned handover (handover.h). taking_over: a candidate because the
	 * master hands over to us (fsm_take_over): the master's own adverts,
	 * which go on until it steps down, do not end the candidacy. yielded:
	 * we handed the instance over: no preempting back until we are master
	 * again or the operator clears it. drained: never MASTER (clustd
	 * drain): every way in keeps it BACKUP, watching. */
	bool taking_over;
	bool yielded;
	bool drained;
	/* The pause grace (fsm_params.pause_grace): used for the current
	 * Master_Down_Timer; how many times it was used since start. */
	bool pause_deferred;
	uint32_t pause_deferrals;
};

/* RFC 5798 §6.1, in centiseconds, integer math: Skew_Time = ((256 -
 * Priority) * Master_Adver_Interval) / 256, Master_Down_Interval = 3 *
 * Master_Adver_Interval + Skew_Time. Version 2 (RFC 3768 §6.1) keeps the
 * skew at (256 - Priority) / 256 seconds whatever the interval. These are
 * the values the state machine arms its timers with. */
uint32_t fsm_skew_cs(uint8_t version, uint8_t priority, uint16_t master_adver_int_cs);
uint32_t fsm_master_down_cs(uint8_t version, uint8_t priority, uint16_t master_adver_int_cs);

/* Set up in INIT with no timer armed. */
void fsm_init(struct fsm *f, const struct fsm_params *p);

/* §6.4.1 Startup event: owner -> MASTER (advert + take VIPs), else BACKUP
 * with Master_Down_Timer = Master_Down_Interval. */
void fsm_startup(struct fsm *f, uint64_t now, struct fsm_out *out);

/* Shutdown event: MASTER sends priority 0 and drops VIPs; -> INIT. */
void fsm_shutdown(struct fsm *f, uint64_t now, struct fsm_out *out);

/* An advert that passed vrrp_decode() and vrrp_check(). src = IP source. */
void fsm_advert(struct fsm *f, const struct vrrp_advert *adv,
		const struct ip_addr *src, uint64_t now, struct fsm_out *out);

/* Call when now >= fsm_next_deadline() - fsm_advert_early_us(): fires
 * whichever timer expired. */
void fsm_timer(struct fsm *f, uint64_t now, struct fsm_out *out);

/* Something outside VRRP forbids service (link down, no quorum...): a
 * MASTER sends priority 0 and drops VIPs; any state -> FAULT. */
void fsm_fault(struct fsm *f, const char *reason, uint64_t now, struct fsm_out *out);

/* The fault cleared: FAULT -> startup rules again (BACKUP, or MASTER for
 * the owner). No-op in other states. */
void fsm_fault_clear(struct fsm *f, const char *reason, uint64_t now, struct fsm_out *out);

/* New parameters (priority change, reload). Recomputes timers; a priority
 * change in MASTER sends an advert at once so backups can preempt. */
void fsm_set_params(struct fsm *f, const struct fsm_params *p, uint64_t now,
		    struct fsm_out *out);

/* Sync groups (sync_group.c keeps members together with these). */

/* Does this BACKUP defer to a live master: one it heard within
 * Master_Down_Interval that it would not preempt? */
bool fsm_defers_to_master(const struct fsm *f, uint64_t now);

/* A sibling left MASTER: MASTER -> BACKUP with a priority-0 advert (so
 * the peer takes over after its skew) and the Master_Down_Timer armed. */
void fsm_step_down(struct fsm *f, const char *reason, uint64_t now, struct fsm_out *out);

/* The Master_Down_Timer expired but a sibling still defers to a live
 * master: stay BACKUP and look again after one Master_Down_Interval. */
void fsm_hold(struct fsm *f, uint64_t now);

/* A sibling became MASTER: a BACKUP that does not defer to a live master
 * joins it at once (BACKUP -> MASTER, as on timer expiry). */
void fsm_join_master(struct fsm *f, const char *reason, uint64_t now, struct fsm_out *out);

/* Mastership by votes. The gate on: every way into MASTER (Master_Down
 * expiry, the owner's start, a sync group's join) makes a BACKUP candidate
 * instead. The gate off while a candidate: MASTER at once. */
void fsm_set_vote_gate(struct fsm *f, bool gate, uint64_t now, struct fsm_out *out);
/* The candidate holds the votes: BACKUP -> MASTER (advert, VIPs). `votes`
 * is appended to the reason ("2 of 3 votes"). No-op unless a candidate. */
void fsm_votes_won(struct fsm *f, const char *votes, uint64_t now, struct fsm_out *out);
/* A MASTER's votes ran out: release (VIPs, priority-0 advert), BACKUP with
 * the Master_Down_Timer armed. No-op unless MASTER. */
void fsm_votes_lost(struct fsm *f, const char *reason, uint64_t now, struct fsm_out *out);
/* A candidate gives way (a better-ranked candidate asks for the same
 * votes): plain BACKUP again, Master_Down_Timer armed. */
void fsm_withdraw(struct fsm *f, uint64_t now);

/* Planned handover. The master hands over to us: a BACKUP becomes MASTER
 * now, whatever its priority, preempt setting or Master_Down_Timer: with
 * the vote gate a candidate (taking_over; a candidate already just becomes
 * taking_over), without it MASTER at once. No-op unless BACKUP and not
 * drained. */
void fsm_take_over(struct fsm *f, const char *why, uint64_t now, struct fsm_out *out);
/* We hand over: as fsm_step_down (VIPs, priority-0 advert, BACKUP), and
 * yielded: no preempting back (a lower-priority master's adverts keep
 * restarting our Master_Down_Timer, as with preempt off). */
void fsm_hand_over(struct fsm *f, const char *reason, uint64_t now, struct fsm_out *out);
/* Clear (or set) yielded: preemption works as configured again. */
void fsm_set_yielded(struct fsm *f, bool yielded);
/* Drained: never MASTER. A candidate gives up at once; a MASTER stays
 * (the caller hands over first). Undrained: the next Master_Down expiry
 * may make it MASTER again (and preempt). */
void fsm_set_drained(struct fsm *f, bool drained, uint64_t now);

/* Earliest armed deadline in us, or 0 when no timer is armed. */
uint64_t fsm_next_deadline(const struct fsm *f);

/* How early a master may send its next advert, when the loop is awake to
 * send another instance's anyway: 1 % of the interval, at most 1 ms, so
 * that the adverts of many instances leave in one wakeup. Early is safe
 * (a backup only restarts its Master_Down_Timer sooner), late never is;
 * a backup's timer is never early (0). fsm_timer sends within it. */
#define FSM_ADVERT_EARLY_MAX_US 1000u
uint64_t fsm_advert_early_us(const struct fsm *f);

#endif
