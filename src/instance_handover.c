/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance_handover.c - planned handover at run time: asking at once when
 * a member hands over to us, the steps of our own handovers with their
 * bounds, the priority-0 fallback, and handing over by itself (a drained
 * master, a fallen priority, a fault). The commands that start them are
 * handover_ctl.c's; the decisions handover.c's; doc/quorum.md, "Planned
 * handover", has the argument. */
#include "instance_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"

/* A drained master, or one whose priority fell, tries again this long
 * after a handover that did not go through (or, drained, when nobody could
 * take over). */
#define AUTO_RETRY_US 1000000ull

/* ---- helpers ------------------------------------------------------------ */

bool instance_handover_votes(const struct instance *in)
{
	return in->c->cluster && cluster_net_votes_gated(in->c->cluster);
}

const struct quorum *instance_handover_quorum(const struct instance *in)
{
	return in->c->cluster ? cluster_net_quorum(in->c->cluster) : NULL;
}

static uint64_t bound_us(const struct instance *in)
{
	return handover_bound_us(in->c->cfg->cluster.heartbeat_interval_ms);
}

/* A priority-0 fallback waits this long for another router's advert: a
 * backup takes over within its skew time, under one advert interval. */
static uint64_t fallback_bound_us(const struct instance *in)
{
	return 2ull * in->conf->advert_interval_ms * 1000 + 200000;
}

static void timer_fired(void *arg)
{
	instance_handover_check(arg);
}

static void arm(struct instance *in, uint64_t at)
{
	in->ho.timer.fn = timer_fired;
	in->ho.timer.arg = in;
	loop_timer_arm(in->c->loop, &in->ho.timer, at);
}

/* The end of a handover of ours (or a fallback): logged, kept for status,
 * counted, and told to the command waiting for it. */
static void __attribute__((format(printf, 4, 5)))
finish(struct instance *in, enum ho_result result, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(in->ho.last, sizeof(in->ho.last), fmt, ap);
	va_end(ap);
	in->ho.last_at = mono_now_us();
	in->ho.results[result]++;
	in->ho.fallback_at = 0;
	instance_release_unsettle(in);
	/* An automatic handover that did not go through waits before the next
	 * try; one that did leaves the next one free at once. */
	in->ho.auto_at = result == HO_RESULT_DONE ? 0 : in->ho.last_at;
	loop_timer_cancel(in->c->loop, &in->ho.timer);
	if (error)
		log_warn("%s", in->ho.last);
	else
		log_notice("%s", in->ho.last);
	if (in->ho.cmd) {
		handover_command_done(in->ho.cmd, error, in->ho.last);
		in->ho.cmd = NULL;
	}
	if (in->c->cluster) /* our heartbeats stop naming the successor */
		cluster_net_send_soon(in->c->cluster);
}

void instance_handover_begin(struct instance *in, const char *to, enum ho_cause cause,
			     bool released, struct ho_command *cmd)
{
	uint64_t now = mono_now_us();

	handover_begin(&in->ho.h, to, cause, released, now, bound_us(in));
	in->ho.cmd = cmd;
	handover_command_wait(cmd);
	log_notice("%s: handing over to %s (%s): %s, within %llu ms", in->conf->name, to,
		   ho_cause_name(cause), released ? "it is to ask for the votes at once"
						  : "waiting for its request for the votes",
		   (unsigned long long)(in->ho.h.bound_us / 1000));
	arm(in, in->ho.h.deadline);
}

/* No member of the cluster plane to hand to (no plane, no votes, or the
 * backups are plain VRRP routers): the priority-0 advert of RFC 5798, and
 * the first advert of the router that takes over ends it. */
void instance_handover_fallback(struct instance *in, const char *why, struct ho_command *cmd)
{
	uint64_t now = mono_now_us();
	struct fsm_out o;
	char reason[200];

	snprintf(reason, sizeof(reason), "handing over with a priority-0 advert: %s", why);
	fsm_hand_over(&in->fsm, reason, now, &o);
	instance_apply(in, &o);
	in->ho.fallback_at = now;
	in->ho.cmd = cmd;
	handover_command_wait(cmd);
	arm(in, now + fallback_bound_us(in));
}

/* ---- the successor's side ------------------------------------------------ */

static void take_over_check(struct instance *in, uint64_t now)
{
	const struct quorum *q = instance_handover_quorum(in);
	const char *from = q && instance_handover_votes(in) ? handover_from(q, in->conf->name, in->c->cfg->node.name, now)
					 : NULL;
	struct fsm_out o;
	char why[160];

	if (from && in->fsm.state == STATE_BACKUP && !in->fsm.taking_over && !in->fsm.drained) {
		snprintf(in->ho.from, sizeof(in->ho.from), "%s", from);
		snprintf(why, sizeof(why), "member %s hands %s over to us", from, in->conf->name);
		log_notice("%s: %s: asking for the votes at once", in->conf->name, why);
		fsm_take_over(&in->fsm, why, now, &o);
		instance_apply(in, &o); /* the request leaves at once (instance_votes_note) */
	} else if (!from && in->fsm.taking_over) {
		log_notice("%s: %s no longer hands it over: giving up the candidacy", in->conf->name,
			   in->ho.from);
		fsm_withdraw(&in->fsm, now);
		instance_apply(in, &(struct fsm_out){0});
		in->ho.from[0] = '\0';
	}
	if (in->ho.from[0] && in->fsm.state == STATE_MASTER) {
		in->ho.results[HO_RESULT_TAKEN]++;
		in->ho.last_at = now;
		snprintf(in->ho.last, sizeof(in->ho.last), "%s: took over from %s", in->conf->name,
			 in->ho.from);
		in->ho.from[0] = '\0';
	}
}

/* ---- the master's side ---------------------------------------------------- */

/* Our handover under way, one step. */
static void step(struct instance *in, uint64_t now)
{
	const struct quorum *q = instance_handover_quorum(in);
	struct handover *h = &in->ho.h;
	const char *name = in->conf->name;
	struct ho_view v = {
		.master = in->fsm.state == STATE_MASTER,
		.successor_asks = q && handover_member_asks(q, h->to, name, now),
		.successor_master = q && handover_member_master(q, h->to, name, now),
	};
	unsigned long long bound_ms = h->bound_us / 1000;
	char to[CLUSTD_NAME_MAX], why[200];
	struct fsm_out o;

	snprintf(to, sizeof(to), "%s", h->to);
	/* The successor asks: release, once no client waits on our VIPs. */
	if (h->phase == HO_ANNOUNCED && v.master && v.successor_asks) {
		if (!instance_release_settled(in, h->bound_us, timer_fired))
			return;
	} else {
		instance_release_unsettle(in); /* it stopped asking: no fence meanwhile */
	}
	switch (handover_step(h, &v, now)) {
	case HO_WAIT:
		arm(in, h->deadline);
		return;
	case HO_RELEASE:
		snprintf(why, sizeof(why), "handing over to %s (%s), which asks for the votes", to,
			 ho_cause_name(h->cause));
		/* An operator's handover is not undone by preemption; one made
		 * because our priority fell is, once it is back. */
		if (h->cause == HO_BY_COMMAND || h->cause == HO_BY_DRAIN)
			fsm_hand_over(&in->fsm, why, now, &o);
		else
			fsm_step_down(&in->fsm, why, now, &o);
		instance_apply(in, &o); /* VIPs gone, then the release at once */
		arm(in, h->deadline);
		return;
	case HO_DONE:
		finish(in, HO_RESULT_DONE, false, "%s: handed over to %s in %.1f ms (%s is master%s)",
		       name, to, (double)(now - h->started) / 1000.0, to,
		       in->fsm.drained ? ", this node is drained" :
		       in->fsm.yielded ? "; no preempting back" : "");
		return;
	case HO_ABORT:
		finish(in, HO_RESULT_ABORTED, true, "%s: %s did not ask for the votes within %llu ms: "
		       "handover aborted, this node stays master", name, to, bound_ms);
		return;
	case HO_LOST:
		finish(in, HO_RESULT_LOST, true, "%s: this node left MASTER before %s asked (%s): "
		       "handover ended", name, to, in->faults ? in->fault_why : "the votes");
		return;
	case HO_FAILED:
		break;
	}
	bool take_back = in->fsm.state == STATE_BACKUP && !in->fsm.drained;

	finish(in, HO_RESULT_FAILED, true, "%s: %s was not master %llu ms after this node let go%s",
	       name, to, bound_ms, take_back ? ": asking for the votes again" : "");
	if (take_back) {
		fsm_set_yielded(&in->fsm, false);
		fsm_take_over(&in->fsm, "the handover failed: taking the instance back", now, &o);
		instance_apply(in, &o);
	}
}

/* A priority-0 fallback is over when another router advertises as master,
 * or at its bound. */
static void fallback_check(struct instance *in, uint64_t now)
{
	const struct fsm *f = &in->fsm;
	char who[IP_ADDR_STRLEN];

	if (f->state == STATE_BACKUP && f->last_advert_at > in->ho.fallback_at &&
	    f->master_priority > 0) {
		finish(in, HO_RESULT_FALLBACK, false, "%s: %s is master (priority %u), %.1f ms after "
		       "our priority-0 advert", in->conf->name, ip_addr_str(&f->master_addr, who),
		       f->master_priority, (double)(f->last_advert_at - in->ho.fallback_at) / 1000.0);
		return;
	}
	if (now >= in->ho.fallback_at + fallback_bound_us(in)) {
		finish(in, HO_RESULT_FAILED, true, "%s: no router took over within %llu ms of our "
		       "priority-0 advert: %s", in->conf->name,
		       (unsigned long long)(fallback_bound_us(in) / 1000),
		       f->drained ? "nobody holds it (this node is drained)"
				  : "this node takes it back when its Master_Down_Interval runs out");
		return;
	}
	arm(in, in->ho.fallback_at + fallback_bound_us(in));
}

/* A drained master hands over by itself; so does one whose priority fell
 * below a live member's (item 3: the service on the master died). */
static void auto_check(struct instance *in, uint64_t now)
{
	const struct quorum *q = instance_handover_quorum(in);
	const char *name = in->conf->name, *to = NULL;
	uint8_t their = 0;
	char others[256];

	if (!q || !instance_handover_votes(in) || in->fsm.state != STATE_MASTER ||
	    (in->ho.auto_at && now < in->ho.auto_at + AUTO_RETRY_US))
		return;
	if (in->fsm.drained) {
		if (handover_pick(q, name, NULL, now, &to, &their) == HO_PICK_OK) {
			instance_handover_begin(in, to, HO_BY_DRAIN, false, NULL);
			cluster_net_send_urgent(in->c->cluster);
			return;
		}
		in->ho.auto_at = now; /* say it again in a second, not at every heartbeat */
		handover_others(q, name, now, others, sizeof(others));
		log_warn("%s: drained, but no member can take over (%s): staying master", name,
			 others);
		return;
	}
	to = handover_fall_target(q, name, in->fsm.p.priority, in->conf->priority, now, &their);
	if (!to)
		return;
	log_notice("%s: effective priority fell to %u (configured %u): %s (priority %u) takes "
		   "over", name, in->fsm.p.priority, in->conf->priority, to, their);
	instance_handover_begin(in, to, HO_BY_PRIORITY, false, NULL);
	cluster_net_send_urgent(in->c->cluster);
}

void instance_handover_check(struct instance *in)
{
	uint64_t now = mono_now_us();

	if (in->c->shut_down)
		return;
	take_over_check(in, now);
	if (handover_active(&in->ho.h))
		step(in, now);
	else if (in->ho.fallback_at)
		fallback_check(in, now);
	else
		auto_check(in, now);
}

void instance_handover_note(struct instance *in, const struct fsm_out *o)
{
	const struct quorum *q = instance_handover_quorum(in);
	const char *to = NULL;
	uint8_t their = 0;

	if (o->changed && o->from == STATE_MASTER) /* released: nothing waits any more */
		instance_release_unsettle(in);
	if (in->ho.fallback_at && !o->changed)
		fallback_check(in, mono_now_us()); /* an advert: the new master's? */
	if (!o->changed || o->from != STATE_MASTER || o->to != STATE_FAULT || !q || !instance_handover_votes(in) ||
	    handover_active(&in->ho.h))
		return;
	/* Our VIPs are gone already; the heartbeat that releases our votes
	 * (sent right after this) tells the successor to ask at once, instead
	 * of waiting for its skew time after our priority-0 advert. */
	if (handover_pick(q, in->conf->name, NULL, mono_now_us(), &to, &their) == HO_PICK_OK)
		instance_handover_begin(in, to, HO_BY_FAULT, true, NULL);
}

void instance_handover_fill(const struct instance *in, struct heartbeat *hb)
{
	if (handover_active(&in->ho.h) && hb->nhandovers < CLUSTER_MAX_HANDOVERS) {
		struct hb_handover *h = &hb->handovers[hb->nhandovers++];

		snprintf(h->instance, sizeof(h->instance), "%s", in->conf->name);
		snprintf(h->successor, sizeof(h->successor), "%s", in->ho.h.to);
	}
	if (in->fsm.drained && hb->ndrained < CLUSTER_MAX_DRAINED)
		snprintf(hb->drained[hb->ndrained++], CLUSTD_NAME_MAX, "%s", in->conf->name);
}

void instance_handover_stop(struct instance *in)
{
	if (handover_active(&in->ho.h) || in->ho.fallback_at) {
		in->ho.h.phase = HO_IDLE;
		finish(in, HO_RESULT_LOST, true, "%s: stopped during its handover (a reload or the "
		       "shutdown)", in->conf->name);
	}
	loop_timer_cancel(in->c->loop, &in->ho.timer);
	instance_release_unsettle(in);
}

bool instance_handover_busy(const struct instance *in)
{
	return handover_active(&in->ho.h);
}
