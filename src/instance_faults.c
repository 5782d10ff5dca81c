/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance_faults.c - why an instance may not serve: probes its edges
 * (interface, address, socket, virtual MAC, quorum, tracking), lets
 * fault.c compose the faults and name them, and tells the fsm. A sync
 * group re-evaluates as a whole (sync_group.c says who is faulted). */
#include "instance_int.h"

#include "clock.h"
#include <string.h>

#include "fault.h"
#include "log.h"
#include "netlink.h"
#include "owner.h"

#define ADDR_RETRY_US 500000ull

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
	/* An owner sends from its own address (owner.c): skip only clustd's VIPs. */
	struct vip skip[CLUSTD_MAX_VIPS];
	size_t nskip = owner_skip_list(ic, in->owned, skip);
	if (nlk_primary_addr(c->nl, in->ifindex, ic->family, skip, nskip, &in->primary) < 0)
		return FAULT_NO_ADDR;
	return 0;
}

/* What this instance's own edges say: link, address, quorum, tracking. */
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
	unsigned faults = fault_own(probed, no_quorum, track_failed);

	if (fault_needs_reprobe(faults))
		loop_timer_arm(in->c->loop, &in->retry_timer, mono_now_us() + ADDR_RETRY_US);
	return faults;
}

static void name_faults(const struct instance *in, unsigned faults, char *buf, size_t len)
{
	char track_why[160];
	struct fault_names names = {
		.interface = in->conf->interface,
		.vmac_name = in->vmac.name,
		.vmac_why = in->vmac_why,
		.group = in->group ? in->group->conf->name : NULL,
		.accept_filter_why = strerror(-in->c->accept_filter.error),
	};

	if ((faults & FAULT_TRACK) && in->tracker &&
	    tracker_fault(in->tracker, track_why, sizeof(track_why)))
		names.track_why = track_why;
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
	in->faults_before = in->faults;
	in->faults = faults;
	switch (fault_step_for(faults, in->fsm.state)) {
	case FAULT_STEP_ENTER:
		name_faults(in, faults, why, sizeof(why));
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
