/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance_faults.c - why an instance may not serve: probes its edges
 * (interface, address, socket, virtual MAC, quorum, tracking), lets
 * fault.c compose the faults and name them, and tells the fsm. A sync
 * group re-evaluates as a whole (sync_group.c says who is faulted). */
#include "instance_int.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "fault.h"
#include "instance_drivers.h"
#include "log.h"
#include "netlink.h"
#include "owner.h"

#define ADDR_RETRY_US 500000ull
/* A netlink query failed (ENOBUFS, ENOMEM): soon, but not in a tight loop. */
#define QUERY_RETRY_US 200000ull

/* Re-learn what the kernel says about our interface; returns fault bits.
 * A query that fails (netlink.c has reopened its socket) keeps what was
 * found last time and tries again soon: it says nothing about the link. */
static unsigned probe_interface(struct instance *in)
{
	struct clustd *c = in->c;
	const struct instance_conf *ic = in->conf;
	enum probe_result addr = PROBE_UP;
	int ifindex = 0;
	uint8_t mac[6];
	struct ip_addr primary = ic->unicast_source;
	bool query_failed;

	enum probe_result link = nlk_link_probe(c->nl, ic->interface, &ifindex, mac);
	if (link == PROBE_UP && ic->unicast_source.family == AF_UNSPEC) {
		/* An owner sends from its own address (owner.c): skip only clustd's VIPs. */
		struct vip skip[CLUSTD_MAX_VIPS];
		size_t nskip = owner_skip_list(ic, in->owned, skip);
		addr = fault_addr_probe(nlk_primary_addr(c->nl, ifindex, ic->family, skip, nskip,
							 &primary));
	}
	unsigned found = fault_from_probe(link, addr, in->probe_faults, &query_failed);
	if (query_failed) {
		log_ratelimited(&in->probe_log_last, 10000, LOG_WARNING,
				"%s: cannot query interface %s: keeping its state, retrying",
				ic->name, ic->interface);
		loop_timer_arm(c->loop, &in->retry_timer, mono_now_us() + QUERY_RETRY_US);
		return found;
	}
	in->ifindex = link == PROBE_MISSING ? 0 : ifindex;
	if (link != PROBE_MISSING)
		memcpy(in->mac, mac, sizeof(in->mac));
	if (found == 0)
		in->primary = primary;
	in->probe_faults = found;
	return found;
}

/* What this instance's own edges say: link, address, quorum, tracking,
 * required drivers. */
static unsigned probe_own_faults(struct instance *in)
{
	unsigned probed = probe_interface(in);
	char unused[8];

	if (probed == 0 && !instance_ensure_socket(in))
		probed = FAULT_NO_LINK;
	if (probed == 0)
		probed = vmac_probe(in);
	else if (in->conf->use_vmac)
		vmac_dev_forget_if_gone(&in->vmac, in->c->nl);
	if (nft_filter_fails_closed(&in->c->accept_filter, in->conf))
		probed |= FAULT_ACCEPT_FILTER;
	bool running = in->c->cluster != NULL;
	bool no_quorum = fault_quorum_missing(in->c->cfg->cluster.enabled, running,
					      running && cluster_net_has_quorum(in->c->cluster));
	bool track_failed = in->tracker && tracker_fault(in->tracker, unused, sizeof(unused));
	unsigned faults = fault_own(probed | in->held_faults, no_quorum, track_failed) |
			  (instance_drivers_fault(in, NULL, 0) ? FAULT_DRIVER : 0);

	if (fault_needs_reprobe(faults))
		loop_timer_arm(in->c->loop, &in->retry_timer, mono_now_us() + ADDR_RETRY_US);
	return faults;
}

static void name_faults(const struct instance *in, unsigned faults, char *buf, size_t len)
{
	char track_why[160], driver_why[160];
	struct fault_names names = {
		.interface = in->conf->interface,
		.send_why = in->send_why,
		.vip_why = in->vip_why,
		.vmac_name = in->vmac.name,
		.vmac_why = in->vmac_why,
		.group = in->group ? in->group->conf->name : NULL,
		.accept_filter_why = strerror(-in->c->accept_filter.error),
	};

	if ((faults & FAULT_TRACK) && in->tracker &&
	    tracker_fault(in->tracker, track_why, sizeof(track_why)))
		names.track_why = track_why;
	if ((faults & FAULT_DRIVER) && instance_drivers_fault(in, driver_why, sizeof(driver_why)))
		names.driver_why = driver_why;
	fault_reason(faults, &names, buf, len);
}

/* Bring priority and fault state in line with own_faults and the group. */
static void apply_faults(struct instance *in)
{
	unsigned faults = fault_compose(in->own_faults, group_sibling_faulted(in));
	uint8_t old_prio = in->fsm.p.priority;
	struct fsm_out o;
	char why[160];

	struct fsm_params p = instance_fsm_params(in);
	if (p.priority != old_prio && in->fsm.state != STATE_INIT)
		log_notice("%s: effective priority %u -> %u", in->conf->name, old_prio, p.priority);
	fsm_set_params(&in->fsm, &p, mono_now_us(), &o);
	instance_apply(in, &o);
	if (p.priority != old_prio && in->c->cluster) /* a master that fell hands over */
		cluster_net_reevaluate(in->c->cluster);
	in->faults_before = in->faults;
	in->faults = faults;
	switch (fault_step_for(faults, in->fsm.state)) {
	case FAULT_STEP_ENTER:
		name_faults(in, faults, why, sizeof(why));
		snprintf(in->fault_why, sizeof(in->fault_why), "%s", why);
		fsm_fault(&in->fsm, why, mono_now_us(), &o); /* no-op when in FAULT */
		break;
	case FAULT_STEP_CLEAR:
		fsm_fault_clear(&in->fsm, fault_cure_text(in->faults_before), mono_now_us(), &o);
		break;
	case FAULT_STEP_STARTUP:
		fsm_startup(&in->fsm, mono_now_us(), &o);
		break;
	case FAULT_STEP_NONE:
		return;
	}
	instance_apply(in, &o);
}

/* Re-read this instance's edges; a sync group re-evaluates as a whole. */
void instance_refresh_faults(struct instance *in)
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

void instance_held_fault(struct instance *in, unsigned fault, const char *why)
{
	bool first = (in->held_faults & fault) == 0;

	if (fault == FAULT_SEND)
		snprintf(in->send_why, sizeof(in->send_why), "%s", why);
	else
		snprintf(in->vip_why, sizeof(in->vip_why), "%s", why);
	in->held_faults |= fault;
	if (first)
		log_err("%s: %s: leaving MASTER, retry in %llu ms", in->conf->name, why,
			(unsigned long long)(fault_held_retry_us(in->held_retries) / 1000));
	/* The caller may be within instance_apply(): FAULT from the loop. */
	loop_timer_arm(in->c->loop, &in->retry_timer, mono_now_us());
	loop_timer_arm(in->c->loop, &in->hold_timer,
		       mono_now_us() + fault_held_retry_us(in->held_retries));
}

void instance_held_ok(struct instance *in)
{
	in->held_retries = 0;
}

/* Try again: without the held faults the instance becomes BACKUP, and
 * finds out anew as MASTER; a failure then counts towards the back-off. */
void instance_hold_timer_fired(void *arg)
{
	struct instance *in = arg;

	if (in->c->shut_down || !in->held_faults)
		return;
	log_notice("%s: retrying after: %s", in->conf->name,
		   (in->held_faults & FAULT_SEND) ? in->send_why : in->vip_why);
	in->held_faults = 0;
	if (in->held_retries < 16)
		in->held_retries++;
	fail_run_reset(&in->send_fails);
	fail_run_reset(&in->vip_fails);
	instance_refresh_faults(in);
}

void instance_retry_timer_fired(void *arg)
{
	struct instance *in = arg;

	if (!in->c->shut_down)
		instance_refresh_faults(in);
}

/* track.c has logged the cause; apply_faults logs what it does to us. */
void instance_track_changed(void *arg, const char *cause)
{
	struct instance *in = arg;

	(void)cause;
	if (!in->c->shut_down)
		instance_refresh_faults(in);
}

void instance_link_changed(void *arg, int ifindex, bool up)
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
			instance_refresh_faults(in);
}

/* A VIP clustd adds (not an owner's own address: that one is the
 * administrator's, and may be the source of our adverts). */
static bool is_own_vip(const struct instance *in, const struct ip_addr *addr)
{
	for (size_t i = 0; i < in->conf->nvips; i++)
		if (ip_addr_equal(addr, &in->conf->vips[i].addr))
			return !owner_has(in->conf, in->owned, addr);
	return false;
}

/* Is addr a VIP that some instance of ours adds and removes? */
static bool is_daemon_vip(const struct clustd *c, const struct ip_addr *addr)
{
	for (const struct instance *in = c->instances; in; in = in->next)
		if (is_own_vip(in, addr))
			return true;
	return false;
}

/* An address came or went with the link up: the source of our adverts may
 * be gone or a new one usable. The VIPs of any of our instances coming and
 * going (lease renewals among them) say nothing about it: with N
 * instances on a link, each renewal would otherwise make the N - 1 others
 * dump the link's addresses (N squared dumps per lease). */
void instance_addr_changed(void *arg, int ifindex, const struct ip_addr *addr)
{
	struct clustd *c = arg;

	if (c->shut_down || is_daemon_vip(c, addr))
		return;
	for (struct instance *in = c->instances; in; in = in->next)
		if (in->ifindex == 0 || in->ifindex == ifindex)
			instance_refresh_faults(in);
}
