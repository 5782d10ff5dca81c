/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance.c - the glue between the edges (sockets, netlink, scripts) and
 * the pure state machine. Every event follows one path:
 *   edge -> fsm_*(state, event, now) -> apply(actions) -> re-arm timer. */
#include "instance.h"

#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announce.h"
#include "conf.h"
#include "fsm.h"
#include "ledger.h"
#include "log.h"
#include "metrics.h"
#include "netlink.h"
#include "notify.h"
#include "packet.h"
#include "quorum.h"
#include "script.h"
#include "state.h"
#include "status.h"
#include "vrrp_sock.h"

#define ADDR_RETRY_US 500000ull

static void apply(struct instance *in, const struct fsm_out *o);
static void group_follow(struct instance *in, const struct fsm_out *o);
static bool sibling_defers(const struct instance *in, uint64_t now);
static void retire_queue(struct clustd *c, struct script_queue *q);
static void track_changed(void *arg, const char *cause);
static void clustd_config_swap(struct clustd *c, struct clustd_config *cfg);

/* ---- parameters ------------------------------------------------------ */

static int track_delta(const struct instance *in)
{
	return in->tracker ? tracker_delta(in->tracker) : 0;
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

static struct fsm_params fsm_params_of(const struct instance *in)
{
	const struct instance_conf *ic = in->conf;
	struct fsm_params p = {
		.priority = track_effective_priority(ic->priority, tracked_delta(in)),
		.version = ic->version,
		.adver_int_cs = (uint16_t)(ic->advert_interval_ms / 10),
		.preempt = ic->preempt,
		.preempt_delay_ms = ic->preempt_delay_ms,
		.primary = in->primary,
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

	memset(adv, 0, sizeof(*adv));
	adv->version = ic->version;
	adv->type = VRRP_TYPE_ADVERT;
	adv->vrid = ic->vrid;
	adv->priority = priority;
	adv->interval_cs = (uint16_t)(ic->advert_interval_ms / 10);
	adv->naddr = (uint8_t)ic->nvips;
	for (size_t i = 0; i < ic->nvips; i++)
		adv->addrs[i] = ic->vips[i].addr;
}

/* ---- counting --------------------------------------------------------- */

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
static void count_state_time(struct instance *in, uint64_t now)
{
	uint64_t ms = (now - in->state_counted_until) / 1000;

	in->cnt->v[IC_STATE_MS(in->fsm.state)] += ms;
	in->state_counted_until += ms * 1000;
}

static void prepare_counters(void *arg)
{
	struct clustd *c = arg;
	uint64_t now = loop_now();

	for (struct instance *in = c->instances; in; in = in->next)
		count_state_time(in, now);
}

static void count_script(struct clustd *c, const struct script_result *res,
			 uint64_t *runs_failures_timeouts)
{
	runs_failures_timeouts[0]++;
	if (res->exec_failed || res->timed_out || res->term_signal || res->exit_code != 0)
		runs_failures_timeouts[1]++;
	if (res->timed_out)
		runs_failures_timeouts[2]++;
	ledger_touch(c->ledger);
}

static void notify_done(void *arg, const struct script_result *res)
{
	struct instance *in = arg;

	count_script(in->c, res, &in->cnt->v[IC_NOTIFY_RUNS]);
}

static void group_notify_done(void *arg, const struct script_result *res)
{
	struct clustd *c = arg;

	count_script(c, res, &ledger_counters(c->ledger)->node[NC_GROUP_NOTIFY_RUNS]);
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
	in->track_seen = *st;
	ledger_touch(in->c->ledger);
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

static void send_one(struct instance *in, const struct vrrp_advert *adv,
		     const struct ip_addr *dst)
{
	uint8_t buf[VRRP_MAX_PKT];
	size_t len = vrrp_encode(adv, in->conf->family, &in->primary, dst,
				 uses_pseudo_header(in->conf), buf, sizeof(buf));
	struct vrrp_sock *tx = vmac_sends(in->conf) ? in->vmac.tx : in->sref ? in->sref->sock : NULL;
	if (len == 0 || !tx) {
		count(in, IC_SEND_ERRORS);
		return;
	}
	if (vrrp_sock_send(tx, &in->primary, dst, buf, len) < 0) {
		count(in, IC_SEND_ERRORS);
		return;
	}
	count(in, IC_ADVERTS_TX);
}

static void send_advert(struct instance *in, uint8_t priority)
{
	const struct instance_conf *ic = in->conf;
	struct vrrp_advert adv;

	build_advert(in, priority, &adv);
	if (ic->npeers == 0) {
		struct ip_addr group;
		ip_addr_parse(ic->family == AF_INET ? VRRP_MCAST4 : VRRP_MCAST6, &group);
		send_one(in, &adv, &group);
		return;
	}
	for (size_t i = 0; i < ic->npeers; i++)
		send_one(in, &adv, &ic->peers[i]);
}

/* ---- VIPs and announcements ------------------------------------------ */

/* With use_vmac the VIPs live on the virtual MAC device and are announced
 * from it (RFC 5798 §7.2); otherwise on the interface, with its MAC. */
static int vip_ifindex(const struct instance *in)
{
	return in->conf->use_vmac ? in->vmac.ifindex : in->ifindex;
}

static void announce_all(struct instance *in)
{
	const uint8_t *mac = in->conf->use_vmac ? in->vmac.mac : in->mac;

	for (size_t i = 0; i < in->conf->nvips; i++)
		announce_send(in->c->ann, vip_ifindex(in), mac, &in->primary,
			      &in->conf->vips[i].addr);
}

/* Bursts of garp.repeat announcements garp.interval apart; a second burst
 * garp.master_delay later (for switches that missed the first); then one
 * burst every garp.refresh while master. */
static void start_burst(struct instance *in, uint64_t now)
{
	const struct instance_conf *ic = in->conf;

	if (ic->garp_repeat == 0)
		return;
	announce_all(in);
	in->garp_left = ic->garp_repeat - 1;
	if (in->garp_left > 0)
		loop_timer_arm(in->c->loop, &in->garp_timer, now + ic->garp_interval_ms * 1000ull);
}

static void garp_timer_fired(void *arg)
{
	struct instance *in = arg;
	const struct instance_conf *ic = in->conf;
	uint64_t now = loop_now();

	if (in->fsm.state != STATE_MASTER)
		return;
	if (in->garp_left > 0) {
		announce_all(in);
		in->garp_left--;
		if (in->garp_left > 0) {
			loop_timer_arm(in->c->loop, &in->garp_timer, now + ic->garp_interval_ms * 1000ull);
			return;
		}
	}
	/* The burst is over: schedule the next one, if any. */
	if (in->garp_second_pending && ic->garp_master_delay_ms) {
		in->garp_second_pending = false;
		loop_timer_arm(in->c->loop, &in->garp_timer, now + ic->garp_master_delay_ms * 1000ull);
		in->garp_left = ic->garp_repeat;
	} else if (ic->garp_refresh_ms) {
		loop_timer_arm(in->c->loop, &in->garp_timer, now + ic->garp_refresh_ms * 1000ull);
		in->garp_left = ic->garp_repeat;
	}
}

static uint32_t lease_s(const struct instance *in)
{
	return in->c->cfg->node.vip_lease_ms / 1000;
}

static void add_vip(struct instance *in, const struct vip *v)
{
	char buf[VIP_STRLEN];
	int rc = nlk_addr_add(in->c->nl, vip_ifindex(in), v, lease_s(in));

	if (rc < 0)
		log_err("%s: cannot add VIP %s to %s: %s", in->conf->name, vip_str(v, buf),
			in->conf->use_vmac ? in->vmac.name : in->conf->interface, strerror(-rc));
}

/* Self-fencing: VIPs carry a kernel lifetime renewed every third of it,
 * so they outlive a stall of up to two thirds of the lease but vanish
 * soon after the daemon dies. */
static void arm_lease(struct instance *in)
{
	uint32_t lease_ms = in->c->cfg->node.vip_lease_ms;

	if (lease_ms)
		loop_timer_arm(in->c->loop, &in->lease_timer, loop_now() + lease_ms * 1000ull / 3);
}

static void lease_timer_fired(void *arg)
{
	struct instance *in = arg;

	if (in->fsm.state != STATE_MASTER || in->vips_pending)
		return;
	for (size_t i = 0; i < in->conf->nvips; i++)
		add_vip(in, &in->conf->vips[i]);
	arm_lease(in);
}

/* With a cluster plane, a new master adds its VIPs only once no other
 * member may still hold them: a preempted master says so in its next
 * heartbeat (about one round trip), one cut off from us is sure to have
 * released them dead_interval + slack after we last heard it. */
static bool vips_clear(struct instance *in)
{
	uint64_t recheck_at = 0;
	const char *holder = "?";

	if (!in->c->cluster ||
	    cluster_net_vips_clear(in->c->cluster, in->conf->name, loop_now(), &recheck_at, &holder)) {
		if (in->vips_pending)
			log_notice("%s: no other member holds the VIPs any more: adding them", in->conf->name);
		in->vips_pending = false;
		loop_timer_cancel(in->c->loop, &in->pending_timer);
		return true;
	}
	if (!in->vips_pending)
		log_notice("%s: member %s still reports MASTER: holding the VIPs back until it releases "
			   "them", in->conf->name, holder);
	in->vips_pending = true;
	loop_timer_arm(in->c->loop, &in->pending_timer, recheck_at);
	return false;
}

static void take_vips(struct instance *in)
{
	if (!vips_clear(in))
		return;
	for (size_t i = 0; i < in->conf->nvips; i++)
		add_vip(in, &in->conf->vips[i]);
	arm_lease(in);
	in->garp_second_pending = in->conf->garp_master_delay_ms > 0;
	start_burst(in, loop_now());
	if (in->garp_left == 0) /* one-shot burst: still schedule what follows */
		garp_timer_fired(in);
}

static void drop_vip(struct instance *in, const struct vip *v)
{
	char buf[VIP_STRLEN];
	int rc = nlk_addr_del(in->c->nl, vip_ifindex(in), v);

	if (rc < 0)
		log_err("%s: cannot remove VIP %s from %s: %s", in->conf->name, vip_str(v, buf),
			in->conf->use_vmac ? in->vmac.name : in->conf->interface, strerror(-rc));
}

static void drop_vips(struct instance *in)
{
	loop_timer_cancel(in->c->loop, &in->garp_timer);
	loop_timer_cancel(in->c->loop, &in->lease_timer);
	loop_timer_cancel(in->c->loop, &in->pending_timer);
	in->vips_pending = false;
	in->garp_left = 0;
	if (vip_ifindex(in) == 0)
		return;
	for (size_t i = 0; i < in->conf->nvips; i++)
		drop_vip(in, &in->conf->vips[i]);
}

/* VIPs of this config left on the interface by a predecessor that died
 * without cleaning up (SIGKILL, crash) answer ARP beside the real master. */
static void remove_stale_vips(struct instance *in)
{
	char buf[VIP_STRLEN];

	if (in->ifindex == 0)
		return;
	for (size_t i = 0; i < in->conf->nvips; i++) {
		const struct vip *v = &in->conf->vips[i];
		if (!nlk_addr_present(in->c->nl, in->ifindex, v))
			continue;
		nlk_addr_del(in->c->nl, in->ifindex, v);
		log_notice("%s: removed stale VIP %s from %s (left by a previous run)",
			   in->conf->name, vip_str(v, buf), in->conf->interface);
	}
}

/* ---- virtual MAC ------------------------------------------------------ */

/* The device is up exactly while MASTER: a backup must send nothing from
 * the shared MAC (not even the kernel's IPv6 DAD, MLD reports or router
 * solicitations from the device's link-local), or switches would forward
 * the master's traffic to it. Down, it also drops frames to the MAC. */
static void vmac_set(struct instance *in, bool up)
{
	if (!in->conf->use_vmac || in->vmac.ifindex == 0 || in->vmac.up == up)
		return;
	int rc = vmac_dev_set_up(&in->vmac, in->c->nl, up);
	if (rc < 0)
		log_err("%s: cannot set %s %s: %s", in->conf->name, in->vmac.name,
			up ? "up" : "down", strerror(-rc));
	else
		log_debug("%s: %s %s", in->conf->name, in->vmac.name, up ? "up" : "down");
}

/* Make sure the device exists (it may have been deleted under us, or gone
 * with its interface). A master whose device was re-created or set down
 * brings it up again and puts its VIPs back. Returns fault bits. */
static unsigned vmac_probe(struct instance *in)
{
	struct clustd *c = in->c;
	bool created = false;

	if (!in->conf->use_vmac)
		return 0;
	int rc = vmac_dev_ensure(&in->vmac, c->nl, &c->vmac_bases, in->conf->interface,
				 in->ifindex, &created, in->vmac_why, sizeof(in->vmac_why));
	if (rc < 0) {
		log_ratelimited(&in->vmac_log_last, 60000, LOG_ERR, "%s: virtual MAC device %s: %s",
				in->conf->name, in->vmac.name, in->vmac_why);
		return FAULT_VMAC;
	}
	if (in->fsm.state != STATE_MASTER) {
		if (in->vmac.up)
			log_warn("%s: %s was set up while not master: setting it down", in->conf->name,
				 in->vmac.name);
		vmac_set(in, false);
		return 0;
	}
	if (!created && in->vmac.up)
		return 0;
	vmac_set(in, true);
	if (in->vips_pending)
		return 0;
	for (size_t i = 0; i < in->conf->nvips; i++)
		add_vip(in, &in->conf->vips[i]);
	start_burst(in, loop_now());
	return 0;
}

static void vmac_release(struct instance *in)
{
	if (in->conf->use_vmac)
		vmac_dev_remove(&in->vmac, in->c->nl, &in->c->vmac_bases);
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
	queue_script(in, notify_script_for(&in->conf->notify, o->to), o);
	queue_script(in, in->conf->notify.any, o);
}

/* ---- the event path -------------------------------------------------- */

static void rearm(struct instance *in)
{
	uint64_t at = fsm_next_deadline(&in->fsm);

	if (at)
		loop_timer_arm(in->c->loop, &in->fsm_timer, at);
	else
		loop_timer_cancel(in->c->loop, &in->fsm_timer);
}

static void apply(struct instance *in, const struct fsm_out *o)
{
	if (in->fsm.state == STATE_MASTER)
		vmac_set(in, true); /* adverts and announcements leave by it */
	if (o->actions & FSM_DROP_VIPS)
		drop_vips(in);
	if (o->actions & FSM_SEND_PRIO0)
		send_advert(in, 0);
	if (o->actions & FSM_SEND_ADVERT)
		send_advert(in, in->fsm.p.priority);
	if (o->actions & FSM_TAKE_VIPS)
		take_vips(in);
	if (in->fsm.state != STATE_MASTER)
		vmac_set(in, false); /* after the priority-0 advert */
	if (o->changed) {
		log_notice("%s: %s -> %s: %s", in->conf->name, vrrp_state_name(o->from),
			   vrrp_state_name(o->to), o->reason);
		count_state_time(in, loop_now());
		count(in, IC_TRANS(o->from, o->to));
		if (o->from == STATE_BACKUP && o->to == STATE_MASTER)
			count(in, IC_FAILOVERS);
		in->state_since = loop_now();
		run_notify(in, o);
		if (in->c->cluster) /* peers' status views follow at once */
			cluster_net_send_now(in->c->cluster);
	}
	rearm(in);
	if (o->changed && in->group)
		group_follow(in, o);
}

static void fsm_timer_fired(void *arg)
{
	struct instance *in = arg;
	uint64_t now = loop_now();
	struct fsm_out o;

	if (in->fsm.state == STATE_BACKUP && sibling_defers(in, now)) {
		/* A sync group becomes master together or not at all. */
		log_debug("%s: master down timer expired, but a sync group sibling still has "
			  "a live master: staying BACKUP", in->conf->name);
		fsm_hold(&in->fsm, now);
		rearm(in);
		return;
	}
	fsm_timer(&in->fsm, now, &o);
	apply(in, &o);
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
	enum vrrp_drop why = vrrp_decode(rx, uses_pseudo_header(in->conf), &adv);
	char who[IP_ADDR_STRLEN];

	if (why == VRRP_OK && ip_addr_equal(&rx->src, &in->primary))
		why = VRRP_DROP_SELF;
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
	fsm_advert(&in->fsm, &adv, &rx->src, loop_now(), &o);
	apply(in, &o);
}

/* Counted on the daemon: packets for no instance of ours. */
static void unknown_rx(struct clustd *c, const struct vrrp_rx *rx)
{
	struct vrrp_advert adv;
	enum vrrp_drop why = vrrp_decode(rx, true, &adv);
	char who[IP_ADDR_STRLEN];

	if (why == VRRP_OK || why == VRRP_DROP_CHECKSUM)
		why = VRRP_DROP_VRID;
	count_node(c, NC_UNKNOWN_DROP(why));
	log_ratelimited(&c->unknown_log_last, 5000, LOG_INFO,
			"dropped advert from %s: %s", ip_addr_str(&rx->src, who), vrrp_drop_text(why));
}

static void sock_rx(void *arg, const struct vrrp_rx *rx)
{
	struct sock_ref *sr = arg;
	uint8_t vrid = rx->len >= 2 ? rx->data[1] : 0;

	for (struct instance *in = sr->c->instances; in; in = in->next) {
		if (in->sref == sr && in->conf->vrid == vrid) {
			instance_rx(in, rx);
			return;
		}
	}
	unknown_rx(sr->c, rx);
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
	struct sock_ref *sr = calloc(1, sizeof(*sr));
	if (!sr)
		return NULL;
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

/* ---- faults: link and address ---------------------------------------- */

static void fault_reason(const struct instance *in, unsigned faults, char *buf, size_t len)
{
	if (faults & FAULT_NO_LINK)
		snprintf(buf, len, "interface %s down or missing", in->conf->interface);
	else if (faults & FAULT_NO_ADDR)
		snprintf(buf, len, "interface %s without a usable address", in->conf->interface);
	else if (faults & FAULT_VMAC)
		snprintf(buf, len, "virtual MAC device %s: %.100s", in->vmac.name, in->vmac_why);
	else if (faults & FAULT_NO_QUORUM)
		snprintf(buf, len, "no quorum");
	else if ((faults & FAULT_TRACK) && in->tracker && tracker_fault(in->tracker, buf, len))
		return;
	else
		snprintf(buf, len, "sync group %s: a member is in FAULT",
			 in->group ? in->group->conf->name : "?");
}

static const char *cure_text(unsigned faults_before)
{
	if (faults_before & FAULT_NO_QUORUM)
		return "quorum regained";
	if (faults_before & FAULT_TRACK)
		return "tracked checks recovered";
	if (faults_before & FAULT_GROUP)
		return "sync group recovered";
	if ((faults_before & FAULT_VMAC) && !(faults_before & (FAULT_NO_LINK | FAULT_NO_ADDR)))
		return "virtual MAC device ready";
	return "interface up";
}

/* Re-learn what the kernel says about our interface; returns fault bits. */
static unsigned probe_interface(struct instance *in)
{
	struct clustd *c = in->c;
	const struct instance_conf *ic = in->conf;
	bool up = false;

	in->ifindex = nlk_ifindex(c->nl, ic->interface);
	if (in->ifindex == 0 || nlk_link_is_up(c->nl, in->ifindex, &up) < 0 || !up)
		return FAULT_NO_LINK;
	if (nlk_link_mac(c->nl, in->ifindex, in->mac) < 0)
		return FAULT_NO_LINK;
	if (ic->unicast_source.family != AF_UNSPEC) {
		in->primary = ic->unicast_source;
		return 0;
	}
	if (nlk_primary_addr(c->nl, in->ifindex, ic->family, ic->vips, ic->nvips, &in->primary) < 0)
		return FAULT_NO_ADDR;
	return 0;
}

static bool ensure_socket(struct instance *in)
{
	if (in->sref && in->sref->ifindex == in->ifindex)
		return true;
	sock_put(in->c, in->sref);
	in->sref = sock_get(in->c, in->conf->interface, in->ifindex, in->conf->family);
	return in->sref != NULL;
}

/* What this instance's own edges say: link, address, quorum, tracking. */
static unsigned probe_own_faults(struct instance *in)
{
	unsigned faults = probe_interface(in);
	char unused[8];

	if (faults == 0 && !ensure_socket(in))
		faults = FAULT_NO_LINK;
	if (faults == 0)
		faults = vmac_probe(in);
	else if (in->conf->use_vmac)
		vmac_dev_forget_if_gone(&in->vmac, in->c->nl);
	if (in->c->cfg->cluster.enabled &&
	    (!in->c->cluster || !cluster_net_has_quorum(in->c->cluster)))
		faults |= FAULT_NO_QUORUM;
	if (in->tracker && tracker_fault(in->tracker, unused, sizeof(unused)))
		faults |= FAULT_TRACK;
	/* An address that appears (or an IPv6 link-local leaving DAD) brings
	 * no link event: look again until there is one. */
	if (faults & (FAULT_NO_ADDR | FAULT_VMAC))
		loop_timer_arm(in->c->loop, &in->retry_timer, loop_now() + ADDR_RETRY_US);
	return faults;
}

static bool sibling_faulted(const struct instance *in)
{
	for (const struct instance *m = in->c->instances; in->group && m; m = m->next)
		if (m != in && m->group == in->group && m->own_faults)
			return true;
	return false;
}

/* Bring priority and fault state in line with own_faults and the group. */
static void apply_faults(struct instance *in)
{
	unsigned faults = in->own_faults | (sibling_faulted(in) ? FAULT_GROUP : 0);
	uint8_t old_prio = in->fsm.p.priority;
	struct fsm_out o;
	char why[160];

	struct fsm_params p = fsm_params_of(in);
	if (p.priority != old_prio && in->fsm.state != STATE_INIT)
		log_notice("%s: effective priority %u -> %u", in->conf->name, old_prio, p.priority);
	fsm_set_params(&in->fsm, &p, loop_now(), &o);
	apply(in, &o);
	in->faults_before = in->faults;
	in->faults = faults;
	if (faults) {
		fault_reason(in, faults, why, sizeof(why));
		fsm_fault(&in->fsm, why, loop_now(), &o); /* no-op when in FAULT */
		apply(in, &o);
		return;
	}
	if (in->fsm.state == STATE_FAULT)
		fsm_fault_clear(&in->fsm, cure_text(in->faults_before), loop_now(), &o);
	else if (in->fsm.state == STATE_INIT)
		fsm_startup(&in->fsm, loop_now(), &o);
	else
		return;
	apply(in, &o);
}

/* Re-read this instance's edges; a sync group re-evaluates as a whole. */
static void refresh_faults(struct instance *in)
{
	in->own_faults = probe_own_faults(in);
	if (!in->group) {
		apply_faults(in);
		return;
	}
	for (struct instance *m = in->c->instances; m; m = m->next)
		if (m->group == in->group)
			apply_faults(m);
}

static void retry_timer_fired(void *arg)
{
	struct instance *in = arg;

	if (!in->c->shut_down)
		refresh_faults(in);
}

/* track.c has logged the cause; apply_faults logs what it does to us. */
static void track_changed(void *arg, const char *cause)
{
	struct instance *in = arg;

	(void)cause;
	if (!in->c->shut_down)
		refresh_faults(in);
}

static void link_changed(void *arg, int ifindex, bool up)
{
	struct clustd *c = arg;

	if (c->shut_down)
		return;
	for (struct instance *in = c->instances; in; in = in->next)
		if (in->tracker)
			tracker_link_event(in->tracker, ifindex, up);
	/* re-probe: the kernel is the truth, the event only a hint */
	for (struct instance *in = c->instances; in; in = in->next)
		if (ifindex == 0 || in->ifindex == 0 || in->ifindex == ifindex ||
		    (in->conf->use_vmac && (in->vmac.ifindex == 0 || in->vmac.ifindex == ifindex)))
			refresh_faults(in);
}

/* ---- sync groups ----------------------------------------------------- */

static bool sibling_defers(const struct instance *in, uint64_t now)
{
	for (const struct instance *m = in->c->instances; in->group && m; m = m->next)
		if (m != in && m->group == in->group && fsm_defers_to_master(&m->fsm, now))
			return true;
	return false;
}

/* The group's state as its scripts see it: FAULT if any member is, MASTER
 * when all are, INIT when all stopped, BACKUP otherwise. */
static enum vrrp_state group_state(const struct clustd *c, const struct group_rt *g)
{
	bool all_master = true, all_init = true;

	for (const struct instance *m = c->instances; m; m = m->next) {
		if (m->group != g)
			continue;
		if (m->fsm.state == STATE_FAULT)
			return STATE_FAULT;
		all_master &= m->fsm.state == STATE_MASTER;
		all_init &= m->fsm.state == STATE_INIT;
	}
	return all_init ? STATE_INIT : all_master ? STATE_MASTER : STATE_BACKUP;
}

static void group_queue(struct group_rt *g, const char *script, enum vrrp_state from,
			enum vrrp_state to, const char *reason)
{
	struct notify_msg msg;

	if (!script)
		return;
	notify_msg_build_group(&msg, script, g->conf, from, to, reason);
	script_queue_push(g->notify_q, script, msg.argv, msg.env, g->conf->notify.timeout_ms);
	notify_msg_free(&msg);
}

static void group_notify(struct clustd *c, struct group_rt *g, const char *reason)
{
	enum vrrp_state st = group_state(c, g), from = g->notified;

	/* While stopping, members go one by one: only the end is news. */
	if (st == from || (c->shut_down && st != STATE_INIT))
		return;
	g->notified = st;
	log_notice("sync group %s: %s -> %s: %s", g->conf->name, vrrp_state_name(from),
		   vrrp_state_name(st), reason);
	group_queue(g, notify_script_for(&g->conf->notify, st), from, st, reason);
	group_queue(g, g->conf->notify.any, from, st, reason);
}

/* One member moved: the others follow. Leaving MASTER for BACKUP pulls
 * the other masters down (priority 0, so the peer takes them over at
 * once); becoming MASTER pulls up the backups that defer to nobody. */
static void group_follow(struct instance *in, const struct fsm_out *o)
{
	struct clustd *c = in->c;
	char why[160];
	struct fsm_out mo;

	snprintf(why, sizeof(why), "sync group %s: %s became %s", in->group->conf->name,
		 in->conf->name, vrrp_state_name(o->to));
	for (struct instance *m = c->instances; m; m = m->next) {
		if (m == in || m->group != in->group)
			continue;
		if (o->from == STATE_MASTER && o->to == STATE_BACKUP && m->fsm.state == STATE_MASTER)
			fsm_step_down(&m->fsm, why, loop_now(), &mo);
		else if (o->to == STATE_MASTER && m->fsm.state == STATE_BACKUP)
			fsm_join_master(&m->fsm, why, loop_now(), &mo);
		else
			continue;
		apply(m, &mo);
	}
	group_notify(c, in->group, o->reason);
}

static void groups_free(struct clustd *c)
{
	while (c->groups) {
		struct group_rt *g = c->groups;
		c->groups = g->next;
		if (c->shut_down)
			script_queue_free(g->notify_q);
		else
			retire_queue(c, g->notify_q);
		free(g);
	}
}

/* (Re)build the groups of the current config and point members at them. */
static void groups_build(struct clustd *c)
{
	groups_free(c);
	for (size_t i = c->cfg->nsync_groups; i-- > 0;) {
		struct group_rt *g = calloc(1, sizeof(*g));
		if (!g)
			continue;
		g->conf = &c->cfg->sync_groups[i];
		g->notify_q = script_queue_new(c->scripts, g->conf->name);
		if (g->notify_q)
			script_queue_on_done(g->notify_q, group_notify_done, c);
		g->next = c->groups;
		c->groups = g;
	}
	for (struct instance *in = c->instances; in; in = in->next) {
		in->group = NULL;
		for (struct group_rt *g = c->groups; g; g = g->next)
			for (size_t k = 0; k < g->conf->ninstances; k++)
				if (strcmp(g->conf->instances[k], in->conf->name) == 0)
					in->group = g;
	}
	for (struct group_rt *g = c->groups; g; g = g->next)
		g->notified = group_state(c, g);
}

/* ---- cluster plane --------------------------------------------------- */

static void cluster_fill(void *arg, struct heartbeat *hb)
{
	struct clustd *c = arg;

	hb->ninstances = 0;
	for (struct instance *in = c->instances; in && hb->ninstances < CLUSTER_MAX_INSTANCES;
	     in = in->next) {
		struct hb_instance *hi = &hb->instances[hb->ninstances++];
		snprintf(hi->name, sizeof(hi->name), "%s", in->conf->name);
		hi->vrid = in->conf->vrid;
		hi->state = (uint8_t)in->fsm.state;
		hi->priority = in->fsm.p.priority;
	}
}

static void retry_pending(struct instance *in)
{
	if (in->vips_pending && in->fsm.state == STATE_MASTER)
		take_vips(in);
}

static void pending_timer_fired(void *arg)
{
	retry_pending(arg);
}

static void cluster_heard(void *arg)
{
	struct clustd *c = arg;

	for (struct instance *in = c->instances; in; in = in->next)
		retry_pending(in);
}

static void quorum_changed(void *arg, bool has_quorum)
{
	struct clustd *c = arg;

	(void)has_quorum;
	if (c->shut_down)
		return;
	for (struct instance *in = c->instances; in; in = in->next)
		refresh_faults(in);
}

static size_t cluster_counters(void *arg, uint8_t *buf, size_t cap)
{
	struct clustd *c = arg;

	return ledger_encode(c->ledger, buf, cap);
}

/* A peer's copy of our counters: keep the higher values, and stay above
 * the incarnation it saw, or peers would take our heartbeats for replays. */
static void cluster_restored(void *arg, const char *from, const uint8_t *copy, size_t len)
{
	struct clustd *c = arg;
	uint64_t seen = ledger_restore_from(c->ledger, from, copy, len);
	char err[256] = "";

	if (seen < cluster_net_incarnation(c->cluster))
		return;
	uint64_t inc = seen + 1;
	if (state_store_incarnation(c->cfg->node.state_dir, inc, err, sizeof(err)) < 0)
		log_err("state: incarnation %llu could not be stored: %s", (unsigned long long)inc, err);
	log_notice("cluster: member %s knew incarnation %llu: now %llu", from,
		   (unsigned long long)seen, (unsigned long long)inc);
	cluster_net_set_incarnation(c->cluster, inc);
	ledger_counters(c->ledger)->incarnation = inc;
}

static void cluster_restore_done(void *arg, unsigned answers, unsigned copies)
{
	struct clustd *c = arg;

	ledger_restore_done(c->ledger, answers, copies);
}

/* Durable before the first heartbeat: peers must never see an
 * incarnation go back, or they would take us for a replay. */
static uint64_t next_incarnation(struct clustd *c)
{
	char err[256] = "";
	uint64_t inc = 0;
	int rc = state_next_incarnation(c->cfg->node.state_dir, &inc, err, sizeof(err));

	if (err[0] && rc == 0)
		log_notice("state: incarnation %llu: %s", (unsigned long long)inc, err);
	if (rc < 0)
		log_err("state: incarnation %llu could not be stored: %s", (unsigned long long)inc,
			err[0] ? err : strerror(-rc));
	return inc;
}

static int cluster_start(struct clustd *c)
{
	const struct clustd_config *cfg = c->cfg;
	struct cluster_hooks hooks = {.arg = c, .fill = cluster_fill, .quorum_changed = quorum_changed,
				      .heard = cluster_heard, .counters = cluster_counters,
				      .restored = cluster_restored,
				      .restore_done = cluster_restore_done};
	/* Only the first plane of this run restores; a restarted one (reload)
	 * must not add the peers' copies a second time. */
	bool restore = ledger_wants_restore(c->ledger) && !c->restore_asked;

	if (!cfg->cluster.enabled)
		return 0;
	c->restore_asked = true;
	c->cluster = cluster_net_open(c->loop, &cfg->cluster, cfg->node.name,
				      ledger_counters(c->ledger)->incarnation, restore, &hooks);
	if (restore && c->cluster)
		log_notice("counters: asking the cluster members for their copy of ours");
	return c->cluster ? 0 : -1;
}

/* ---- ticking and committing ------------------------------------------ */

#define TICK_US 1000000ull

static void write_metrics_file(struct clustd *c)
{
	char err[256];
	char *text;

	if (!c->cfg->node.metrics_file || !(text = metrics_render(c)))
		return;
	if (state_write_atomic(c->cfg->node.metrics_file, text, strlen(text), err, sizeof(err)) < 0)
		log_ratelimited(&c->metrics_log_last, 60000, LOG_WARNING, "metrics_file: %s", err);
	free(text);
}

static void tick_fired(void *arg)
{
	struct clustd *c = arg;
	uint64_t now = loop_now();

	ledger_touch(c->ledger); /* time in state moved */
	ledger_commit(c->ledger, now, false);
	ledger_tick(c->ledger, now);
	write_metrics_file(c);
	loop_timer_arm(c->loop, &c->tick_timer, now + TICK_US);
}

/* After every batch of events: what anyone may have seen is saved. */
static void loop_idle(void *arg)
{
	struct clustd *c = arg;

	ledger_commit(c->ledger, loop_now(), false);
}

/* Status and metrics show counters: save them first, so nothing shown can
 * be lost by a crash right after. */
static char *ctl_handle(void *arg, const char *request)
{
	struct clustd *c = arg;

	ledger_commit(c->ledger, loop_now(), false);
	if (strcmp(request, "metrics") == 0)
		return metrics_render(c);
	return status_handle(c, request);
}

/* ---- instance life cycle --------------------------------------------- */

static bool has_tracking(const struct track_conf *t)
{
	return t->nscripts || t->ninterfaces || t->nfiles;
}

static void start_tracker(struct instance *in)
{
	struct track_hooks hooks = {.arg = in, .changed = track_changed,
				    .stats_changed = track_stats_changed};

	memset(&in->track_seen, 0, sizeof(in->track_seen));
	if (has_tracking(&in->conf->track))
		in->tracker = tracker_new(in->c->loop, in->c->scripts, in->c->nl, &in->conf->track,
					  in->conf->name, &hooks);
}

static struct instance *instance_new(struct clustd *c, const struct instance_conf *ic)
{
	struct instance *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->c = c;
	in->conf = ic;
	in->fsm_timer.fn = fsm_timer_fired;
	in->fsm_timer.arg = in;
	in->garp_timer.fn = garp_timer_fired;
	in->garp_timer.arg = in;
	in->lease_timer.fn = lease_timer_fired;
	in->lease_timer.arg = in;
	in->retry_timer.fn = retry_timer_fired;
	in->retry_timer.arg = in;
	in->pending_timer.fn = pending_timer_fired;
	in->pending_timer.arg = in;
	in->state_since = loop_now();
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
	if (in->notify_q)
		script_queue_on_done(in->notify_q, notify_done, in);
	start_tracker(in);
	struct fsm_params p = fsm_params_of(in);
	fsm_init(&in->fsm, &p);
	return in;
}

static void instance_start(struct instance *in)
{
	in->ifindex = nlk_ifindex(in->c->nl, in->conf->interface);
	remove_stale_vips(in);
	refresh_faults(in); /* startup, or FAULT with the reason */
}

static void instance_stop(struct instance *in)
{
	struct fsm_out o;

	fsm_shutdown(&in->fsm, loop_now(), &o);
	apply(in, &o);
}

/* The queue outlives the instance so that its stop script still runs
 * (uncounted: the counters belong to the instance). */
static void retire_queue(struct clustd *c, struct script_queue *q)
{
	script_queue_on_done(q, NULL, NULL);
	struct script_queue **v = realloc(c->retired, (c->nretired + 1) * sizeof(*v));

	if (!v) {
		script_queue_free(q);
		return;
	}
	v[c->nretired++] = q;
	c->retired = v;
}

static void instance_free(struct instance *in)
{
	count_state_time(in, loop_now());
	in->cnt->active = false; /* kept, in case it comes back */
	ledger_touch(in->c->ledger);
	loop_timer_cancel(in->c->loop, &in->fsm_timer);
	loop_timer_cancel(in->c->loop, &in->garp_timer);
	loop_timer_cancel(in->c->loop, &in->lease_timer);
	loop_timer_cancel(in->c->loop, &in->retry_timer);
	loop_timer_cancel(in->c->loop, &in->pending_timer);
	tracker_free(in->tracker);
	vmac_release(in);
	sock_put(in->c, in->sref);
	if (in->c->shut_down)
		script_queue_free(in->notify_q);
	else
		retire_queue(in->c, in->notify_q);
	free(in);
}

static void append_instance(struct clustd *c, struct instance *in)
{
	struct instance **pp = &c->instances;

	while (*pp)
		pp = &(*pp)->next;
	*pp = in;
}

struct clustd *clustd_new(struct loop *l, struct clustd_config *cfg)
{
	struct clustd *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->loop = l;
	c->cfg = cfg;
	c->nl = nlk_open();
	c->ann = announcer_open();
	c->scripts = script_runner_new(l);
	c->watch = c->nl ? nlk_watch_open(l, link_changed, c) : NULL;
	if (!c->nl || !c->ann || !c->scripts || !c->watch) {
		log_err("cannot open the kernel interfaces (netlink, packet socket): are we root?");
		clustd_free(c);
		return NULL;
	}
	c->started_at = loop_now();
	c->ledger = ledger_open(&cfg->node);
	if (!c->ledger) {
		clustd_free(c);
		return NULL;
	}
	ledger_on_prepare(c->ledger, prepare_counters, c);
	ledger_counters(c->ledger)->incarnation = next_incarnation(c);
	if (cluster_start(c) < 0) {
		clustd_free(c);
		return NULL;
	}
	for (size_t i = 0; i < cfg->ninstances; i++) {
		struct instance *in = instance_new(c, &cfg->instances[i]);
		if (!in) {
			clustd_free(c);
			return NULL;
		}
		append_instance(c, in);
	}
	groups_build(c);
	return c;
}

void clustd_start(struct clustd *c)
{
	char *path = NULL;

	/* Before any instance can become master. */
	nft_filter_sync(&c->accept_filter, c->cfg);
	for (struct instance *in = c->instances; in; in = in->next)
		instance_start(in);
	if (asprintf(&path, "%s/clustd.sock", c->cfg->node.run_dir) >= 0)
		c->ctl = ctl_server_open(c->loop, path, ctl_handle, c);
	free(path);
	c->tick_timer = (struct loop_timer){.fn = tick_fired, .arg = c};
	loop_timer_arm(c->loop, &c->tick_timer, loop_now() + TICK_US);
	loop_set_idle(c->loop, loop_idle, c);
	ledger_commit(c->ledger, loop_now(), false);
}

void clustd_shutdown(struct clustd *c)
{
	if (c->shut_down)
		return;
	c->shut_down = true;
	for (struct instance *in = c->instances; in; in = in->next)
		instance_stop(in);
	/* The VIPs are gone now, so dropping the filter opens nothing. */
	nft_filter_remove(&c->accept_filter);
}

/* ---- reload ---------------------------------------------------------- */

static bool same_vmac(const struct instance_conf *a, const struct instance_conf *b)
{
	return a->use_vmac == b->use_vmac &&
	       (!a->use_vmac || strcmp(a->vmac_interface, b->vmac_interface) == 0);
}

static bool same_identity(const struct instance_conf *a, const struct instance_conf *b)
{
	return strcmp(a->interface, b->interface) == 0 && a->vrid == b->vrid &&
	       a->version == b->version && a->family == b->family && same_vmac(a, b);
}

static bool has_vip(const struct instance_conf *ic, const struct vip *v)
{
	for (size_t i = 0; i < ic->nvips; i++)
		if (ip_addr_equal(&ic->vips[i].addr, &v->addr) && ic->vips[i].prefixlen == v->prefixlen)
			return true;
	return false;
}

/* A kept instance moves to its new config without a transition: a master
 * adds the new VIPs and drops the removed ones in place. */
static void adopt_conf(struct instance *in, const struct instance_conf *ic)
{
	const struct instance_conf *old = in->conf;
	bool master = in->fsm.state == STATE_MASTER;
	struct fsm_out o;

	if (master)
		for (size_t i = 0; i < old->nvips; i++)
			if (!has_vip(ic, &old->vips[i]))
				drop_vip(in, &old->vips[i]);
	in->conf = ic;
	if (!conf_track_equal(&old->track, &ic->track)) {
		log_notice("%s: track section changed: restarting its checks", ic->name);
		tracker_free(in->tracker);
		in->tracker = NULL;
		start_tracker(in);
	}
	if (master && !in->vips_pending)
		for (size_t i = 0; i < ic->nvips; i++)
			if (!has_vip(old, &ic->vips[i]))
				add_vip(in, &ic->vips[i]);
	if (ic->unicast_source.family != AF_UNSPEC)
		in->primary = ic->unicast_source;
	struct fsm_params p = fsm_params_of(in);
	fsm_set_params(&in->fsm, &p, loop_now(), &o);
	apply(in, &o);
}

static struct instance *take_by_name(struct instance **list, const char *name)
{
	for (struct instance **pp = list; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->conf->name, name) == 0) {
			struct instance *in = *pp;
			*pp = in->next;
			in->next = NULL;
			return in;
		}
	}
	return NULL;
}

/* The cluster plane keeps its membership across a reload when its
 * settings did not change; otherwise it restarts (quorum is re-learned
 * within one dead interval). */
static void reload_cluster(struct clustd *c)
{
	if (c->cluster && c->cfg->cluster.enabled &&
	    cluster_net_same_conf(c->cluster, &c->cfg->cluster)) {
		cluster_net_adopt_conf(c->cluster, &c->cfg->cluster);
		return;
	}
	if (!c->cluster && !c->cfg->cluster.enabled)
		return;
	log_notice("reload: cluster settings changed: restarting the cluster plane");
	cluster_net_close(c->cluster);
	c->cluster = NULL;
	if (cluster_start(c) < 0)
		log_err("reload: cluster plane not running: every instance stays in FAULT");
	quorum_changed(c, c->cluster && cluster_net_has_quorum(c->cluster));
}

void clustd_reload(struct clustd *c, struct clustd_config *cfg)
{
	struct instance *old = c->instances;
	struct instance *started = NULL;

	c->instances = NULL;
	for (size_t i = 0; i < cfg->ninstances; i++) {
		const struct instance_conf *ic = &cfg->instances[i];
		struct instance *in = take_by_name(&old, ic->name);
		if (in && same_identity(in->conf, ic)) {
			adopt_conf(in, ic);
			append_instance(c, in);
			continue;
		}
		if (in) { /* renamed identity: stop the old one, start afresh */
			log_notice("%s: interface, VRID, version, family or virtual MAC changed: "
				   "restarting it", ic->name);
			instance_stop(in);
			instance_free(in);
		}
		in = instance_new(c, ic);
		if (!in)
			continue;
		in->next = started;
		started = in;
	}
	while (old) { /* instances gone from the config */
		struct instance *in = old;
		old = in->next;
		log_notice("%s: removed from the config: stopping it", in->conf->name);
		instance_stop(in);
		instance_free(in);
	}
	clustd_config_swap(c, cfg);
	nft_filter_sync(&c->accept_filter, c->cfg);
	groups_build(c);
	reload_cluster(c);
	while (started) {
		struct instance *in = started;
		started = in->next;
		in->next = NULL;
		append_instance(c, in);
		instance_start(in);
	}
}

static void clustd_config_swap(struct clustd *c, struct clustd_config *cfg)
{
	conf_free(c->cfg);
	c->cfg = cfg;
}

bool clustd_scripts_idle(const struct clustd *c)
{
	return script_runner_idle(c->scripts);
}

uint32_t clustd_max_notify_timeout(const struct clustd *c)
{
	uint32_t max = 0;

	for (size_t i = 0; i < c->cfg->ninstances; i++)
		if (c->cfg->instances[i].notify.timeout_ms > max)
			max = c->cfg->instances[i].notify.timeout_ms;
	for (size_t i = 0; i < c->cfg->nsync_groups; i++)
		if (c->cfg->sync_groups[i].notify.timeout_ms > max)
			max = c->cfg->sync_groups[i].notify.timeout_ms;
	return max;
}

const struct clustd_config *clustd_config(const struct clustd *c)
{
	return c->cfg;
}

/* The clean stop: the last counters are saved, marked clean, synced, and
 * sent to the peers (whose copies a node with a new disk comes back to). */
static void counters_final(struct clustd *c)
{
	if (!c->ledger)
		return;
	prepare_counters(c);
	ledger_close(c->ledger, loop_now());
	if (c->cluster)
		cluster_net_send_now(c->cluster);
	write_metrics_file(c);
}

void clustd_free(struct clustd *c)
{
	if (!c)
		return;
	if (c->shut_down && c->loop)
		loop_set_idle(c->loop, NULL, NULL);
	loop_timer_cancel(c->loop, &c->tick_timer);
	if (c->shut_down)
		counters_final(c);
	c->shut_down = true;
	while (c->instances) {
		struct instance *in = c->instances;
		c->instances = in->next;
		instance_free(in);
	}
	groups_free(c);
	for (size_t i = 0; i < c->nretired; i++)
		script_queue_free(c->retired[i]);
	free(c->retired);
	ctl_server_close(c->ctl);
	cluster_net_close(c->cluster);
	script_runner_free(c->scripts);
	nlk_watch_close(c->watch);
	announcer_close(c->ann);
	nlk_close(c->nl);
	ledger_free(c->ledger);
	conf_free(c->cfg);
	free(c);
}
