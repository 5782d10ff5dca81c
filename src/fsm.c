/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fsm.c - RFC 5798 §6.4 state machine (RFC 3768 §6.4 for v2), pure.
 * Comments cite the RFC 5798 pseudo-code line labels, e.g. (445). */
#include "fsm.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define US_PER_CS 10000ull
#define US_PER_MS 1000ull

static const char *const state_names[STATE__COUNT] = {
	[STATE_INIT] = "INIT",
	[STATE_BACKUP] = "BACKUP",
	[STATE_MASTER] = "MASTER",
	[STATE_FAULT] = "FAULT",
};

const char *vrrp_state_name(enum vrrp_state s)
{
	return (unsigned)s < STATE__COUNT ? state_names[s] : "?";
}

/* v3 scales the skew with the master's interval; v2 (RFC 3768 §6.1) keeps
 * it at (256 - Priority)/256 seconds whatever the interval. */
uint32_t fsm_skew_cs(uint8_t version, uint8_t priority, uint16_t master_adver_int_cs)
{
	uint32_t base_cs = version == 2 ? 100 : master_adver_int_cs;

	return ((256u - priority) * base_cs) / 256u;
}

uint32_t fsm_master_down_cs(uint8_t version, uint8_t priority, uint16_t master_adver_int_cs)
{
	return 3u * master_adver_int_cs + fsm_skew_cs(version, priority, master_adver_int_cs);
}

static uint64_t skew_us(const struct fsm *f)
{
	return fsm_skew_cs(f->p.version, f->p.priority, f->master_adver_int_cs) * US_PER_CS;
}

static uint64_t master_down_us(const struct fsm *f)
{
	return fsm_master_down_cs(f->p.version, f->p.priority, f->master_adver_int_cs) * US_PER_CS;
}

static uint64_t adver_us(const struct fsm *f)
{
	return f->p.adver_int_cs * US_PER_CS;
}

static void out_reset(struct fsm_out *out)
{
	memset(out, 0, sizeof(*out));
}

/* The single choke point for state changes: records from/to and why. */
static void __attribute__((format(printf, 4, 5)))
change_state(struct fsm *f, struct fsm_out *out, enum vrrp_state to, const char *fmt, ...)
{
	va_list ap;

	out->changed = true;
	out->from = f->state;
	out->to = to;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	f->state = to;
	f->lower_seen_at = 0;
	if (to != STATE_BACKUP) {
		f->candidate = false;
		f->taking_over = false;
	}
	if (to == STATE_MASTER)
		f->yielded = false; /* master again: a later handover decides anew */
}

static void stop_timers(struct fsm *f)
{
	f->down_at = 0;
	f->adver_at = 0;
}

/* Entering MASTER: §6.4.1 (110-140) and §6.4.2 (400-420) do the same. */
static void become_master(struct fsm *f, uint64_t now, struct fsm_out *out)
{
	out->actions |= FSM_SEND_ADVERT | FSM_TAKE_VIPS;
	f->down_at = 0;
	f->adver_at = now + adver_us(f);
}

/* Entering BACKUP with the Master_Down_Timer armed. */
static void arm_master_down(struct fsm *f, uint64_t now)
{
	f->adver_at = 0;
	f->down_at = now + master_down_us(f);
	f->pause_deferred = false;
}

/* Where the RFC enters MASTER: with the vote gate on, become a candidate
 * (stay BACKUP, no timer) and let the caller gather the votes; `why` is
 * kept for the transition when they are won. Returns true when the caller
 * must enter MASTER itself (gate off). */
static bool __attribute__((format(printf, 2, 3)))
gate_master(struct fsm *f, const char *fmt, ...)
{
	va_list ap;

	if (!f->vote_gate)
		return true;
	va_start(ap, fmt);
	vsnprintf(f->candidate_why, sizeof(f->candidate_why), fmt, ap);
	va_end(ap);
	f->candidate = true;
	f->down_at = 0;
	f->adver_at = 0;
	return false;
}

/* v3 learns the master's interval; v2 keeps its own (RFC 3768 §6.1). */
static void learn_interval(struct fsm *f, const struct vrrp_advert *adv)
{
	f->master_adver_int_cs = f->p.version == 3 ? adv->interval_cs : f->p.adver_int_cs;
}

static void remember_master(struct fsm *f, const struct vrrp_advert *adv,
			    const struct ip_addr *src, uint64_t now)
{
	f->master_addr = *src;
	f->master_priority = adv->priority;
	f->last_advert_at = now;
}

void fsm_init(struct fsm *f, const struct fsm_params *p)
{
	memset(f, 0, sizeof(*f));
	f->p = *p;
	f->state = STATE_INIT;
	f->master_adver_int_cs = p->adver_int_cs;
}

/* Startup rules shared by the Startup event and a cleared fault. */
static void start(struct fsm *f, uint64_t now, struct fsm_out *out, const char *why)
{
	f->master_adver_int_cs = f->p.adver_int_cs;
	f->last_advert_at = 0;
	if (f->p.priority == 255 && !f->drained) {
		/* §6.4.1 (110): the address owner takes over at once. */
		if (!gate_master(f, "%s, address owner (priority 255)", why)) {
			change_state(f, out, STATE_BACKUP, "%s, address owner: asking for the votes", why);
			return;
		}
		become_master(f, now, out);
		change_state(f, out, STATE_MASTER, "%s, address owner (priority 255)", why);
		return;
	}
	/* §6.4.1 (150-165) */
	arm_master_down(f, now);
	change_state(f, out, STATE_BACKUP, "%s", why);
}

void fsm_startup(struct fsm *f, uint64_t now, struct fsm_out *out)
{
	out_reset(out);
	if (f->state != STATE_INIT)
		return;
	start(f, now, out, "startup");
}

void fsm_shutdown(struct fsm *f, uint64_t now, struct fsm_out *out)
{
	(void)now;
	out_reset(out);
	if (f->state == STATE_INIT)
		return;
	/* §6.4.3 (660-680): a master says goodbye with priority 0;
	 * §6.4.2 (380): a backup leaves silently. */
	if (f->state == STATE_MASTER)
		out->actions |= FSM_SEND_PRIO0 | FSM_DROP_VIPS;
	stop_timers(f);
	change_state(f, out, STATE_INIT, "shutdown");
}

/* preempt_delay: a lower-priority master is tolerated (as with preempt
 * off) for preempt_delay_ms after the first of its adverts we see. */
static bool preempt_now(struct fsm *f, uint64_t now)
{
	if (!f->p.preempt || f->yielded)
		return false;
	if (f->p.preempt_delay_ms == 0)
		return true;
	if (f->lower_seen_at == 0)
		f->lower_seen_at = now;
	return now >= f->lower_seen_at + f->p.preempt_delay_ms * US_PER_MS;
}

static void backup_advert(struct fsm *f, const struct vrrp_advert *adv,
			  const struct ip_addr *src, uint64_t now)
{
	if (adv->priority == 0) {
		/* (425-430): the master is leaving; take over after Skew_Time.
		 * A candidate already asks for the votes. */
		remember_master(f, adv, src, now);
		if (!f->candidate) {
			f->down_at = now + skew_us(f);
			f->pause_deferred = false;
		}
		return;
	}
	bool lower = adv->priority < f->p.priority;
	if (!lower)
		f->lower_seen_at = 0;
	if (lower && preempt_now(f, now)) {
		/* (465-470): discard; our timer will take over. Remember who,
		 * only to say so when it happens. */
		remember_master(f, adv, src, now);
		return;
	}
	if (f->taking_over) {
		/* The master handing over to us advertises until it steps
		 * down, which our request is about to make it do. */
		remember_master(f, adv, src, now);
		return;
	}
	/* (445-460); a candidate hearing a master it would not preempt
	 * gives up its candidacy. */
	f->candidate = false;
	remember_master(f, adv, src, now);
	learn_interval(f, adv);
	arm_master_down(f, now);
}

/* RFC 9568 §6.4.3: discard a lower-priority advert, but send ours at once
 * so its sender (a router that missed ours) stops claiming. At most one such
 * extra advert per Advertisement_Interval, so a flood of lower adverts
 * cannot make us flood; the Adver_Timer restarts from it, as for priority 0. */
static void answer_lower(struct fsm *f, uint64_t now, struct fsm_out *out)
{
	if (now < f->next_answer_at)
		return;
	out->actions |= FSM_SEND_ADVERT;
	f->adver_at = now + adver_us(f);
	f->next_answer_at = now + adver_us(f);
}

static void master_advert(struct fsm *f, const struct vrrp_advert *adv,
			  const struct ip_addr *src, uint64_t now, struct fsm_out *out)
{
	char who[IP_ADDR_STRLEN];

	if (adv->priority == 0) {
		/* (700-715): another master is leaving; assert ourselves now. */
		out->actions |= FSM_SEND_ADVERT;
		f->adver_at = now + adver_us(f);
		return;
	}
	if (adv->priority < f->p.priority) {
		answer_lower(f, now, out);
		return;
	}
	bool higher = adv->priority > f->p.priority;
	bool tie_lost = adv->priority == f->p.priority &&
			ip_addr_cmp(src, &f->p.primary) > 0;
	if (!higher && !tie_lost)
		return; /* (770): discard a tie we win */
	/* (725-765) */
	remember_master(f, adv, src, now);
	learn_interval(f, adv);
	arm_master_down(f, now);
	out->actions |= FSM_DROP_VIPS;
	ip_addr_str(src, who);
	if (higher)
		change_state(f, out, STATE_BACKUP, "higher priority advert from %s (priority %u > %u)",
			     who, adv->priority, f->p.priority);
	else
		change_state(f, out, STATE_BACKUP, "equal priority %u advert from higher address %s",
			     adv->priority, who);
}

void fsm_advert(struct fsm *f, const struct vrrp_advert *adv,
		const struct ip_addr *src, uint64_t now, struct fsm_out *out)
{
	out_reset(out);
	if (f->state == STATE_BACKUP)
		backup_advert(f, adv, src, now);
	else if (f->state == STATE_MASTER)
		master_advert(f, adv, src, now, out);
	/* INIT and FAULT ignore adverts. */
}

static void master_down_why(const struct fsm *f, uint64_t now, char *buf, size_t len)
{
	char who[IP_ADDR_STRLEN];

	if (f->last_advert_at == 0) {
		snprintf(buf, len, "master down timer expired, no advert heard");
		return;
	}
	unsigned long long ago_ms = (now - f->last_advert_at) / US_PER_MS;
	ip_addr_str(&f->master_addr, who);
	if (f->master_priority == 0)
		snprintf(buf, len, "master %s stopped (priority 0 advert %llu ms ago)", who, ago_ms);
	else if (f->master_priority < f->p.priority)
		snprintf(buf, len, "preempting lower priority master %s (priority %u < %u)", who,
			 f->master_priority, f->p.priority);
	else
		snprintf(buf, len, "master down timer expired, last advert from %s %llu ms ago", who,
			 ago_ms);
}

static void master_down_expired(struct fsm *f, uint64_t now, struct fsm_out *out)
{
	char why[120];

	if (f->drained) {
		arm_master_down(f, now); /* keep watching; never MASTER */
		return;
	}
	master_down_why(f, now, why, sizeof(why));
	if (!gate_master(f, "%s", why))
		return;
	become_master(f, now, out);
	change_state(f, out, STATE_MASTER, "%s", why);
}

/* The pause grace (fsm_params.pause_grace). A Master_Down_Timer that fires
 * far later than it fell due means this node did not run meanwhile: a VM
 * paused or starved by its host, a stop signal. Nothing reached it either,
 * so the silence it measured is partly its own; and a master on the same
 * host was likely stopped with it, and sends as soon as it runs again.
 * Listen one more Master_Adver_Interval plus Skew_Time before taking over,
 * once per expiry: a master that is really gone is taken over that much
 * later, only after such a pause. Returns true when the timer was put off. */
static bool pause_grace_defers(struct fsm *f, uint64_t now, struct fsm_out *out)
{
	uint64_t late = now - f->down_at;
	uint64_t threshold = (uint64_t)f->master_adver_int_cs * US_PER_CS / 4;

	if (!f->p.pause_grace || f->pause_deferred || f->drained || f->candidate)
		return false;
	if (threshold < 1000)
		threshold = 1000;
	if (late <= threshold)
		return false;
	f->pause_deferred = true;
	f->pause_deferrals++;
	out->late_us = late;
	out->pause_us = (uint64_t)f->master_adver_int_cs * US_PER_CS + skew_us(f);
	f->down_at = now + out->pause_us;
	return true;
}

void fsm_timer(struct fsm *f, uint64_t now, struct fsm_out *out)
{
	out_reset(out);
	if (f->state == STATE_BACKUP && f->down_at && now >= f->down_at) {
		if (pause_grace_defers(f, now, out))
			return;
		master_down_expired(f, now, out); /* §6.4.2 (400-420) */
		return;
	}
	if (f->state == STATE_MASTER && f->adver_at && now + fsm_advert_early_us(f) >= f->adver_at) {
		/* (640-650). Keep the cadence exact; after a stall, restart it.
		 * Sent early (with another instance's, fsm_advert_early_us):
		 * the next one is an interval after this one. */
		out->actions |= FSM_SEND_ADVERT;
		if (now < f->adver_at) {
			f->adver_at = now + adver_us(f);
			return;
		}
		f->adver_at += adver_us(f);
		if (f->adver_at <= now)
			f->adver_at = now + adver_us(f);
	}
}

void fsm_fault(struct fsm *f, const char *reason, uint64_t now, struct fsm_out *out)
{
	(void)now;
	out_reset(out);
	if (f->state == STATE_FAULT)
		return;
	if (f->state == STATE_MASTER)
		out->actions |= FSM_SEND_PRIO0 | FSM_DROP_VIPS;
	stop_timers(f);
	change_state(f, out, STATE_FAULT, "%s", reason);
}

void fsm_fault_clear(struct fsm *f, const char *reason, uint64_t now, struct fsm_out *out)
{
	out_reset(out);
	if (f->state != STATE_FAULT)
		return;
	start(f, now, out, reason);
}

void fsm_set_params(struct fsm *f, const struct fsm_params *p, uint64_t now,
		    struct fsm_out *out)
{
	bool prio_changed = p->priority != f->p.priority;
	bool interval_changed = p->adver_int_cs != f->p.adver_int_cs;

	out_reset(out);
	f->p = *p;
	if (p->version == 2)
		f->master_adver_int_cs = p->adver_int_cs;
	if (!p->preempt || p->preempt_delay_ms == 0)
		f->lower_seen_at = 0;
	if (f->state == STATE_MASTER && (prio_changed || interval_changed)) {
		/* Tell the backups at once so a better one can preempt now. */
		out->actions |= FSM_SEND_ADVERT;
		f->adver_at = now + adver_us(f);
	}
}

uint64_t fsm_advert_early_us(const struct fsm *f)
{
	if (f->state != STATE_MASTER)
		return 0;
	uint64_t window = adver_us(f) / 100;

	return window < FSM_ADVERT_EARLY_MAX_US ? window : FSM_ADVERT_EARLY_MAX_US;
}

uint64_t fsm_next_deadline(const struct fsm *f)
{
	if (f->state == STATE_BACKUP)
		return f->down_at;
	if (f->state == STATE_MASTER)
		return f->adver_at;
	return 0;
}

bool fsm_defers_to_master(const struct fsm *f, uint64_t now)
{
	if (f->state != STATE_BACKUP || f->last_advert_at == 0 || f->master_priority == 0)
		return false;
	if (now >= f->last_advert_at + master_down_us(f))
		return false;
	return f->master_priority >= f->p.priority || !f->p.preempt;
}

void fsm_step_down(struct fsm *f, const char *reason, uint64_t now, struct fsm_out *out)
{
	out_reset(out);
	if (f->state != STATE_MASTER)
		return;
	out->actions |= FSM_DROP_VIPS | FSM_SEND_PRIO0;
	arm_master_down(f, now);
	change_state(f, out, STATE_BACKUP, "%s", reason);
}

void fsm_hold(struct fsm *f, uint64_t now)
{
	if (f->state == STATE_BACKUP)
		arm_master_down(f, now);
}

void fsm_join_master(struct fsm *f, const char *reason, uint64_t now, struct fsm_out *out)
{
	out_reset(out);
	if (f->state != STATE_BACKUP || fsm_defers_to_master(f, now) || f->candidate || f->drained)
		return;
	if (!gate_master(f, "%s", reason))
		return;
	become_master(f, now, out);
	change_state(f, out, STATE_MASTER, "%s", reason);
}

void fsm_set_vote_gate(struct fsm *f, bool gate, uint64_t now, struct fsm_out *out)
{
	out_reset(out);
	f->vote_gate = gate;
	if (!gate && f->candidate && f->state == STATE_BACKUP) {
		become_master(f, now, out);
		change_state(f, out, STATE_MASTER, "%s", f->candidate_why);
	}
}

void fsm_votes_won(struct fsm *f, const char *votes, uint64_t now, struct fsm_out *out)
{
	out_reset(out);
	if (!f->candidate || f->state != STATE_BACKUP)
		return;
	become_master(f, now, out);
	change_state(f, out, STATE_MASTER, "%s (%s)", f->candidate_why, votes);
}

void fsm_votes_lost(struct fsm *f, const char *reason, uint64_t now, struct fsm_out *out)
{
	fsm_step_down(f, reason, now, out);
}

void fsm_withdraw(struct fsm *f, uint64_t now)
{
	if (!f->candidate || f->state != STATE_BACKUP)
		return;
	f->candidate = false;
	f->taking_over = false;
	arm_master_down(f, now);
}

void fsm_take_over(struct fsm *f, const char *why, uint64_t now, struct fsm_out *out)
{
	out_reset(out);
	if (f->state != STATE_BACKUP || f->drained)
		return;
	if (f->candidate) { /* asking already: now for the handover */
		f->taking_over = true;
		return;
	}
	if (!gate_master(f, "%s", why)) {
		f->taking_over = true;
		return;
	}
	become_master(f, now, out);
	change_state(f, out, STATE_MASTER, "%s", why);
}

void fsm_hand_over(struct fsm *f, const char *reason, uint64_t now, struct fsm_out *out)
{
	fsm_step_down(f, reason, now, out);
	if (out->changed)
		f->yielded = true;
}

void fsm_set_yielded(struct fsm *f, bool yielded)
{
	f->yielded = yielded;
}

void fsm_set_drained(struct fsm *f, bool drained, uint64_t now)
{
	f->drained = drained;
	if (drained)
		fsm_withdraw(f, now);
}
