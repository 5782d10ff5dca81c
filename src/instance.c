/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance.c - one VRRP instance: the glue between its edges (socket,
 * timers) and the pure state machine. Every event follows one path:
 *   edge -> fsm_*(state, event, now) -> instance_apply(actions) -> re-arm timer.
 * Holding VIPs is vip_hold.c's, faults are instance_faults.c's, sync
 * groups sync_group.c's, the daemon around it all daemon.c's. */
#include "instance_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announce.h"
#include "atomic_file.h"
#include "clock.h"
#include "conf.h"
#include "fsm.h"
#include "incarnation.h"
#include "instance_drivers.h"
#include "ledger.h"
#include "log.h"
#include "netlink.h"
#include "notify.h"
#include "packet.h"
#include "rx_filter.h"
#include "script.h"
#include "status.h"
#include "vrrp_sock.h"
#include "xalloc.h"

/* ---- parameters ------------------------------------------------------ */

/* Tracking, and the weights of required drivers (clustd-drivers(7)). */
static int track_delta(const struct instance *in)
{
	return (in->tracker ? tracker_delta(in->tracker) : 0) + instance_drivers_delta(in);
}

/* Members of a sync group share their tracking, so that every member has
 * the same standing against the peer node and they move as one. */
static int tracked_delta(const struct instance *in)
{
	int sum = 0;

	if (!in->group)
		return track_delta(in);
	for (const struct instance *m = in->c->instances; m; m = m->next)
		if (m->group == in->group)
			sum += track_delta(m);
	return sum;
}

struct fsm_params instance_fsm_params(const struct instance *in)
{
	const struct instance_conf *ic = in->conf;
	struct fsm_params p = {
		.priority = track_effective_priority(ic->priority, tracked_delta(in)),
		.version = ic->version,
		.adver_int_cs = (uint16_t)(ic->advert_interval_ms / 10),
		.preempt = ic->preempt,
		.preempt_delay_ms = ic->preempt_delay_ms,
		.primary = in->primary,
		.pause_grace = in->c->cfg->node.pause_grace,
	};
	return p;
}

static bool uses_pseudo_header(const struct instance_conf *ic)
{
	if (ic->version == 2)
		return false;
	return ic->family == AF_INET6 || ic->checksum_pseudo_header;
}

/* ---- VRRP adverts ---------------------------------------------------- */

static void build_advert(const struct instance *in, uint8_t priority, struct vrrp_advert *adv)
{
	const struct instance_conf *ic = in->conf;

	/* Not the 255 addresses' room (5 KB): only the first naddr count. */
	memset(adv, 0, offsetof(struct vrrp_advert, addrs));
	adv->version = ic->version;
	adv->type = VRRP_TYPE_ADVERT;
	adv->vrid = ic->vrid;
	adv->priority = priority;
	adv->interval_cs = (uint16_t)(ic->advert_interval_ms / 10);
	adv->naddr = (uint8_t)ic->nvips;
	for (size_t i = 0; i < ic->nvips; i++)
		adv->addrs[i] = ic->vips[i].addr;
	if (ic->auth_pass_set) {
		adv->auth_type = VRRP_AUTH_PASS;
		memcpy(adv->auth_data, ic->auth_pass, sizeof(adv->auth_data));
	}
}

/* ---- counting --------------------------------------------------------- */

/* Packet counts and transitions alike; instance_apply() marks a
 * transition for an immediate write (ledger.h). */
static void count(struct instance *in, enum inst_counter what)
{
	in->cnt->v[what]++;
	ledger_touch(in->c->ledger);
}

static void count_node(struct clustd *c, enum node_counter what)
{
	ledger_counters(c->ledger)->node[what]++;
	ledger_touch(c->ledger);
}

/* Whole milliseconds only; the remainder waits for the next call. */
void instance_count_state_time(struct instance *in, uint64_t now)
{
	uint64_t ms = (now - in->state_counted_until) / 1000;

	in->cnt->v[IC_STATE_MS(in->fsm.state)] += ms;
	in->state_counted_until += ms * 1000;
}


static void notify_done(void *arg, const struct script_result *res)
{
	struct instance *in = arg;

	clustd_count_script(in->c, res, &in->cnt->v[IC_NOTIFY_RUNS], &in->cnt->v[IC_NOTIFY_SKIPPED]);
}


/* The tracker keeps its own totals (it is replaced on reload): add what
 * moved since we last looked. */
static void track_stats_changed(void *arg)
{
	struct instance *in = arg;
	const struct track_stats *st = tracker_stats(in->tracker);

	in->cnt->v[IC_TRACK_RUNS] += st->script_runs - in->track_seen.script_runs;
	in->cnt->v[IC_TRACK_FAILURES] += st->script_failures - in->track_seen.script_failures;
	in->cnt->v[IC_TRACK_TIMEOUTS] += st->script_timeouts - in->track_seen.script_timeouts;
	in->cnt->v[IC_TRACK_RUNS] += st->check_runs - in->track_seen.check_runs;
	in->cnt->v[IC_TRACK_FAILURES] += st->check_failures - in->track_seen.check_failures;
	in->cnt->v[IC_TRACK_TIMEOUTS] += st->check_timeouts - in->track_seen.check_timeouts;
	in->track_seen = *st;
	ledger_touch_now(in->c->ledger);
}

/* use_vmac: multicast adverts leave by the virtual MAC device, with its
 * MAC (RFC 5798 §7.2). Unicast ones leave by the interface, as keepalived's
 * vmac_xmit_base: the ARP request that resolves a peer from the device
 * would carry the virtual MAC beside this node's own address, and the peer
 * would then send that address's traffic to whichever node is master. */
static bool vmac_sends(const struct instance_conf *ic)
{
	return ic->use_vmac && ic->npeers == 0;
}

static void advert_queued_sent(void *arg, int err);

static void count_sent(struct instance *in, int err)
{
	count(in, err < 0 ? IC_SEND_ERRORS : IC_ADVERTS_TX);
}

/* Returns 0 or -errno. queued: hand the advert to the socket's queue
 * (vrrp_sock_queue), which reports the result to advert_queued_sent; the
 * return value is then only that of the encoding. */
static int send_one(struct instance *in, const struct vrrp_advert *adv,
		    const struct ip_addr *dst, bool queued)
{
	uint8_t buf[VRRP_MAX_PKT];
	size_t len = vrrp_encode(adv, in->conf->family, &in->primary, dst,
				 uses_pseudo_header(in->conf), buf, sizeof(buf));
	struct vrrp_sock *tx = vmac_sends(in->conf) ? in->vmac.tx : in->sref ? in->sref->sock : NULL;
	if (len == 0 || !tx) {
		count(in, IC_SEND_ERRORS);
		return len == 0 ? -EINVAL : -ENOTCONN;
	}
	if (queued) {
		vrrp_sock_queue(tx, &in->primary, dst, buf, len, advert_queued_sent, in);
		return 0;
	}
	int rc = vrrp_sock_send(tx, &in->primary, dst, buf, len);
	count_sent(in, rc);
	return rc;
}

/* Sends to every destination (the group, or each unicast peer). Returns 0
 * when the advert left for at least one, else the last -errno. */
static int send_advert(struct instance *in, uint8_t priority)
{
	const struct instance_conf *ic = in->conf;
	struct vrrp_advert adv;
	bool left = false;
	int err = 0;

	build_advert(in, priority, &adv);
	if (ic->npeers == 0) {
		struct ip_addr group;
		ip_addr_parse(ic->family == AF_INET ? VRRP_MCAST4 : VRRP_MCAST6, &group);
		return send_one(in, &adv, &group, false);
	}
	for (size_t i = 0; i < ic->npeers; i++) {
		int rc = send_one(in, &adv, &ic->peers[i], false);
		if (rc == 0)
			left = true;
		else
			err = rc;
	}
	return left ? 0 : err;
}

/* A master's advert: failures in a row over an advert interval mean it
 * cannot serve (fault.h has the rule). */
static void advert_result(struct instance *in, int err)
{
	char why[120];

	if (err == 0) {
		fail_run_reset(&in->send_fails);
		return;
	}
	if (!fail_run_add(&in->send_fails, mono_now_us(), FAULT_SEND_MAX,
			  in->conf->advert_interval_ms * 1000ull))
		return;
	snprintf(why, sizeof(why), "cannot send adverts: %s", strerror(-err));
	instance_held_fault(in, FAULT_SEND, why);
}

static void advert_queued_sent(void *arg, int err)
{
	struct instance *in = arg;

	count_sent(in, err);
	if (in->fsm.state == STATE_MASTER)
		advert_result(in, err);
}

/* A master's advert with nothing else to do (its Adver_Timer): queued, so
 * that the adverts of every master due in this pass of the loop leave in
 * one sendmmsg per socket. Multicast only: a unicast advert's result is
 * that of all its peers together. */
static bool advert_may_queue(const struct instance *in, const struct fsm_out *o)
{
	return o->actions == FSM_SEND_ADVERT && !o->changed && in->fsm.state == STATE_MASTER &&
	       !in->vips_unsent && in->conf->npeers == 0;
}

static void queue_advert(struct instance *in)
{
	struct vrrp_advert adv;
	struct ip_addr group;

	build_advert(in, in->fsm.p.priority, &adv);
	ip_addr_parse(in->conf->family == AF_INET ? VRRP_MCAST4 : VRRP_MCAST6, &group);
	int err = send_one(in, &adv, &group, true);
	if (err) /* not even queued */
		advert_result(in, err);
}

/* ---- notify ---------------------------------------------------------- */

static void queue_script(struct instance *in, const char *script, const struct fsm_out *o)
{
	struct notify_msg msg;

	if (!script)
		return;
	notify_msg_build(&msg, script, in->conf, o->from, o->to, in->fsm.p.priority, o->reason);
	script_queue_push(in->notify_q, script, msg.argv, msg.env, in->conf->notify.timeout_ms);
	notify_msg_free(&msg);
}

static void run_notify(struct instance *in, const struct fsm_out *o)
{
	script_queue_begin_batch(in->notify_q, NOTIFY_PREV_STATE_ENV);
	queue_script(in, notify_script_for(&in->conf->notify, o->to), o);
	queue_script(in, in->conf->notify.any, o);
}

/* ---- the event path -------------------------------------------------- */

static void rearm(struct instance *in)
{
	uint64_t at = fsm_next_deadline(&in->fsm);

	in->fsm_timer.early_us = fsm_advert_early_us(&in->fsm);
	if (at)
		loop_timer_arm(in->c->loop, &in->fsm_timer, at);
	else
		loop_timer_cancel(in->c->loop, &in->fsm_timer);
}

/* timer: called from the instance's own timer, in a pass of the loop's
 * timers (whose end sends what vrrp_sock_queue holds). */
static void apply(struct instance *in, const struct fsm_out *o, bool timer)
{
	if (in->fsm.state == STATE_MASTER)
		vmac_set(in, true); /* adverts and announcements leave by it */
	if (o->actions & FSM_DROP_VIPS)
		vip_drop_all(in);
	if (o->actions & FSM_SEND_PRIO0)
		send_advert(in, 0);
	int send_err = 0;
	if (timer && advert_may_queue(in, o)) {
		queue_advert(in);
	} else if (o->actions & FSM_SEND_ADVERT) {
		send_err = send_advert(in, in->fsm.p.priority);
		if (in->fsm.state == STATE_MASTER)
			advert_result(in, send_err);
	}
	/* A master holds the VIPs only once its adverts leave: one that
	 * cannot send would hold them beside the backup taking over. */
	bool advert_left = (o->actions & FSM_SEND_ADVERT) && send_err == 0;
	if ((o->actions & FSM_TAKE_VIPS) && !advert_left)
		in->vips_unsent = true;
	else if ((o->actions & FSM_TAKE_VIPS) ||
		 (in->vips_unsent && advert_left && in->fsm.state == STATE_MASTER)) {
		in->vips_unsent = false;
		vip_take_all(in);
	}
	if (in->fsm.state != STATE_MASTER)
		vmac_set(in, false); /* after the priority-0 advert */
	instance_handover_note(in, o);
	/* A request or a release goes out before the logs and scripts: in a
	 * handover nobody holds the VIP meanwhile. */
	instance_votes_note(in);
	if (o->changed) {
		log_notice("%s: %s -> %s: %s", in->conf->name, vrrp_state_name(o->from),
			   vrrp_state_name(o->to), o->reason);
		instance_count_state_time(in, mono_now_us());
		count(in, IC_TRANS(o->from, o->to));
		if (o->from == STATE_BACKUP && o->to == STATE_MASTER)
			count(in, IC_FAILOVERS);
		ledger_touch_now(in->c->ledger); /* a transition is saved at once */
		in->state_since = mono_now_us();
		run_notify(in, o);
		instance_drivers_transition(in, o);
		if (in->c->cluster) /* peers' status views follow at once */
			cluster_net_send_soon(in->c->cluster);
	}
	rearm(in);
	if (o->changed && in->group)
		group_follow(in, o);
}

void instance_apply(struct instance *in, const struct fsm_out *o)
{
	apply(in, o, false);
}

static void fsm_timer_fired(void *arg)
{
	struct instance *in = arg;
	uint64_t now = mono_now_us();
	struct fsm_out o;

	if (in->fsm.state == STATE_BACKUP && group_sibling_defers(in, now)) {
		/* A sync group becomes master together or not at all. */
		log_debug("%s: master down timer expired, but a sync group sibling still has "
			  "a live master: staying BACKUP", in->conf->name);
		fsm_hold(&in->fsm, now);
		rearm(in);
		return;
	}
	fsm_timer(&in->fsm, now, &o);
	if (o.pause_us)
		log_notice("%s: Master_Down_Timer fired %llu ms late: this node did not run; "
			   "listening %llu ms more before taking over", in->conf->name,
			   (unsigned long long)(o.late_us / 1000), (unsigned long long)(o.pause_us / 1000));
	apply(in, &o, true);
}

static void count_drop(struct instance *in, enum vrrp_drop why, const struct ip_addr *src)
{
	char who[IP_ADDR_STRLEN];

	count(in, IC_DROP(why));
	log_ratelimited(&in->drop_log_last, 5000, LOG_WARNING,
			"%s: dropped advert from %s: %s (%llu so far)", in->conf->name,
			ip_addr_str(src, who), vrrp_drop_text(why),
			(unsigned long long)in->cnt->v[IC_DROP(why)]);
}

static void instance_rx(struct instance *in, const struct vrrp_rx *rx)
{
	struct vrrp_advert adv;
	char who[IP_ADDR_STRLEN];

	if (rx->cut) {
		count_drop(in, rx_filter_cut_reason(rx, in->conf->version), &rx->src);
		return;
	}
	enum vrrp_drop why = vrrp_decode(rx, uses_pseudo_header(in->conf), &adv);

	if (why == VRRP_OK && ip_addr_equal(&rx->src, &in->primary))
		why = VRRP_DROP_SELF;
	if (why == VRRP_OK)
		why = vrrp_check_source(&rx->src, in->conf->peers, in->conf->npeers);
	if (why == VRRP_OK) {
		struct ip_addr addrs[CLUSTD_MAX_VIPS];
		for (size_t i = 0; i < in->conf->nvips; i++)
			addrs[i] = in->conf->vips[i].addr;
		struct vrrp_expect exp = {
			.version = in->conf->version,
			.priority = in->fsm.p.priority,
			.interval_cs = (uint16_t)(in->conf->advert_interval_ms / 10),
			.naddr = (uint8_t)in->conf->nvips,
			.addrs = addrs,
			.auth_type = in->conf->auth_pass_set ? VRRP_AUTH_PASS : VRRP_AUTH_NONE,
			.auth_data = in->conf->auth_pass,
		};
		bool mismatch = false;
		why = vrrp_check(&adv, &exp, &mismatch);
		if (why == VRRP_OK && mismatch)
			log_ratelimited(&in->mismatch_log_last, 60000, LOG_WARNING,
					"%s: advert from %s lists other addresses than ours: misconfiguration?",
					in->conf->name, ip_addr_str(&rx->src, who));
	}
	if (why != VRRP_OK) {
		count_drop(in, why, &rx->src);
		return;
	}
	count(in, IC_ADVERTS_RX);
	count(in, IC_RX_CSUM(adv.csum_form));
	struct fsm_out o;
	fsm_advert(&in->fsm, &adv, &rx->src, mono_now_us(), &o);
	instance_apply(in, &o);
}

/* Counted on the daemon: packets for no instance of ours. */
static void unknown_rx(struct clustd *c, const struct vrrp_rx *rx)
{
	struct vrrp_advert adv;
	enum vrrp_drop why = rx->cut ? rx_filter_cut_reason(rx, 0) : vrrp_decode(rx, true, &adv);
	char who[IP_ADDR_STRLEN];

	if (why == VRRP_OK || why == VRRP_DROP_CHECKSUM)
		why = VRRP_DROP_VRID;
	count_node(c, NC_UNKNOWN_DROP(why));
	log_ratelimited(&c->unknown_log_last, 5000, LOG_INFO,
			"dropped advert from %s: %s", ip_addr_str(&rx->src, who), vrrp_drop_text(why));
}

/* The kernel filter of every socket, from the instances on it now. */
void instance_socks_refilter(struct clustd *c)
{
	for (struct sock_ref *sr = c->socks; sr; sr = sr->next) {
		struct rx_filter_set set;

		memset(&set, 0, sizeof(set));
		if (!c->cfg->node.rx_filter) {
			vrrp_sock_set_filter(sr->sock, NULL);
			continue;
		}
		for (struct instance *in = c->instances; in; in = in->next)
			if (in->sref == sr)
				rx_filter_set_add(&set, in->conf->version, in->conf->vrid);
		vrrp_sock_set_filter(sr->sock, &set);
	}
}

/* An instance joins its socket (at start, in a reload, or when its
 * interface comes): its VRID is added to the filter at once. Only added:
 * the list of instances may be half-built now, and a VRID left in after
 * its instance went only costs a decode (instance_socks_refilter, after
 * the start or reload, makes the set exact). */
static void sock_filter_add(const struct instance *in)
{
	const struct rx_filter_set *now = vrrp_sock_filter(in->sref->sock);
	struct rx_filter_set set;

	if (!in->c->cfg->node.rx_filter)
		return;
	if (now)
		set = *now;
	else
		memset(&set, 0, sizeof(set));
	rx_filter_set_add(&set, in->conf->version, in->conf->vrid);
	vrrp_sock_set_filter(in->sref->sock, &set);
}

static void sock_rx(void *arg, const struct vrrp_rx *rx)
{
	struct sock_ref *sr = arg;
	uint8_t vrid = rx->len >= 2 ? rx->data[1] : 0;
	struct instance *in = sr->by_vrid[vrid];

	/* The cached one may have moved to another socket or VRID (reload). */
	if (!in || in->sref != sr || in->conf->vrid != vrid) {
		for (in = sr->c->instances; in; in = in->next)
			if (in->sref == sr && in->conf->vrid == vrid)
				break;
		sr->by_vrid[vrid] = in;
	}
	if (in)
		instance_rx(in, rx);
	else
		unknown_rx(sr->c, rx);
}

/* No socket's cache may point to a freed instance. */
static void sock_forget(struct clustd *c, const struct instance *in)
{
	for (struct sock_ref *sr = c->socks; sr; sr = sr->next)
		for (size_t v = 0; v < sizeof(sr->by_vrid) / sizeof(sr->by_vrid[0]); v++)
			if (sr->by_vrid[v] == in)
				sr->by_vrid[v] = NULL;
}

/* ---- sockets --------------------------------------------------------- */

static struct sock_ref *sock_get(struct clustd *c, const char *ifname, int ifindex,
				 sa_family_t family)
{
	for (struct sock_ref *sr = c->socks; sr; sr = sr->next) {
		if (sr->ifindex == ifindex && sr->family == family) {
			sr->refs++;
			return sr;
		}
	}
	struct sock_ref *sr = xcalloc(1, sizeof(*sr));

	sr->c = c;
	sr->ifindex = ifindex;
	sr->family = family;
	sr->refs = 1;
	sr->sock = vrrp_sock_open(c->loop, ifname, ifindex, family, sock_rx, sr);
	if (!sr->sock) {
		free(sr);
		return NULL;
	}
	sr->next = c->socks;
	c->socks = sr;
	return sr;
}

static void sock_put(struct clustd *c, struct sock_ref *sr)
{
	if (!sr || --sr->refs > 0)
		return;
	for (struct sock_ref **pp = &c->socks; *pp; pp = &(*pp)->next) {
		if (*pp == sr) {
			*pp = sr->next;
			break;
		}
	}
	vrrp_sock_close(sr->sock);
	free(sr);
}


bool instance_ensure_socket(struct instance *in)
{
	if (in->sref && in->sref->ifindex == in->ifindex) {
		sock_filter_add(in); /* a reload may have changed the version */
		return true;
	}
	sock_put(in->c, in->sref);
	in->sref = sock_get(in->c, in->conf->interface, in->ifindex, in->conf->family);
	if (in->sref)
		sock_filter_add(in);
	return in->sref != NULL;
}


/* ---- instance life cycle --------------------------------------------- */

static bool has_tracking(const struct track_conf *t)
{
	return t->nscripts || t->ninterfaces || t->nfiles || t->nchecks;
}

void instance_start_tracker(struct instance *in)
{
	struct track_hooks hooks = {.arg = in, .changed = instance_track_changed,
				    .stats_changed = track_stats_changed};

	memset(&in->track_seen, 0, sizeof(in->track_seen));
	if (has_tracking(&in->conf->track))
		in->tracker = tracker_new(in->c->loop, in->c->scripts, in->c->nl, &in->conf->track,
					  in->conf->name, &hooks);
}

struct instance *instance_new(struct clustd *c, const struct instance_conf *ic)
{
	struct instance *in = xcalloc(1, sizeof(*in));

	in->c = c;
	in->conf = ic;
	in->fsm_timer.fn = fsm_timer_fired;
	in->fsm_timer.arg = in;
	in->garp_timer.fn = vip_garp_timer_fired;
	in->garp_timer.arg = in;
	in->lease_timer.fn = vip_lease_timer_fired;
	in->lease_timer.arg = in;
	in->retry_timer.fn = instance_retry_timer_fired;
	in->retry_timer.arg = in;
	in->hold_timer.fn = instance_hold_timer_fired;
	in->hold_timer.arg = in;
	/* Until a probe succeeds nothing is known: a first query that fails
	 * must not start the instance with no interface or address. */
	in->probe_faults = FAULT_NO_LINK;
	in->state_since = mono_now_us();
	in->state_counted_until = in->state_since;
	in->cnt = counters_instance(ledger_counters(c->ledger), ic->name);
	if (!in->cnt) {
		log_warn("%s: no room left to keep its counters: they will not survive a restart",
			 ic->name);
		in->cnt = &in->spare_cnt;
	}
	if (ic->use_vmac) /* conf.c always names the device */
		vmac_dev_init(&in->vmac, ic->vmac_interface ? ic->vmac_interface : "", ic->vrid,
			      ic->family);
	in->notify_q = script_queue_new(c->scripts, ic->name);
	script_queue_on_done(in->notify_q, notify_done, in);
	instance_start_tracker(in);
	struct fsm_params p = instance_fsm_params(in);
	fsm_init(&in->fsm, &p);
	in->fsm.drained = drain_covers(&c->drained, ic->name);
	return in;
}

void instance_start(struct instance *in)
{
	in->ifindex = nlk_ifindex(in->c->nl, in->conf->interface);
	vip_detect_owned(in, NULL); /* before the cleanup: an owner's address is not stale */
	vip_remove_stale(in);
	/* Before the first step: even the owner waits for the votes. */
	in->fsm.vote_gate = in->c->cluster && cluster_net_votes_gated(in->c->cluster);
	instance_refresh_faults(in); /* startup, or FAULT with the reason */
}

void instance_stop(struct instance *in)
{
	struct fsm_out o;

	fsm_shutdown(&in->fsm, mono_now_us(), &o);
	instance_apply(in, &o);
}

void instance_free(struct instance *in)
{
	vrrp_tx_flush(); /* no queued advert may outlive its instance */
	instance_handover_stop(in);
	instance_count_state_time(in, mono_now_us());
	in->cnt->active = false; /* kept, in case it comes back */
	ledger_touch_now(in->c->ledger);
	loop_timer_cancel(in->c->loop, &in->fsm_timer);
	loop_timer_cancel(in->c->loop, &in->garp_timer);
	loop_timer_cancel(in->c->loop, &in->lease_timer);
	loop_timer_cancel(in->c->loop, &in->retry_timer);
	loop_timer_cancel(in->c->loop, &in->hold_timer);
	tracker_free(in->tracker);
	vmac_release(in);
	sock_forget(in->c, in);
	sock_put(in->c, in->sref);
	if (in->c->shut_down)
		script_queue_free(in->notify_q);
	else
		clustd_retire_queue(in->c, in->notify_q);
	free(in);
}


/* A kept instance moves to its new config without a transition: a master
 * drops the VIPs the plan drops and adds the ones it adds, in place. */
void instance_adopt_conf(struct instance *in, const struct instance_conf *ic,
			 const struct reload_instance_plan *plan)
{
	bool master = in->fsm.state == STATE_MASTER;
	const struct instance_conf *prev = in->conf;
	struct fsm_out o;

	if (master)
		for (size_t i = 0; i < plan->ndrop; i++)
			vip_drop(in, plan->drop[i]);
	in->conf = ic;
	vip_detect_owned(in, prev);
	if (plan->restart_tracking) {
		log_notice("%s: track section changed: restarting its checks", ic->name);
		tracker_free(in->tracker);
		in->tracker = NULL;
		instance_start_tracker(in);
	}
	if (master)
		for (size_t i = 0; i < plan->nadd; i++)
			vip_add(in, plan->add[i]);
	if (ic->unicast_source.family != AF_UNSPEC)
		in->primary = ic->unicast_source;
	struct fsm_params p = instance_fsm_params(in);
	fsm_set_params(&in->fsm, &p, mono_now_us(), &o);
	instance_apply(in, &o);
}
