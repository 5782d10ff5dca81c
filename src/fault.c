/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fault.c - pure fault composition and its reasons (see fault.h). */
#include "fault.h"

#include <errno.h>
#include <stdio.h>

unsigned fault_from_probe(enum probe_result link, enum probe_result addr, unsigned last,
			  bool *query_failed)
{
	*query_failed = link == PROBE_ERROR || (link == PROBE_UP && addr == PROBE_ERROR);
	if (*query_failed)
		return last & (FAULT_NO_LINK | FAULT_NO_ADDR);
	if (link != PROBE_UP)
		return FAULT_NO_LINK;
	return addr == PROBE_UP ? 0 : FAULT_NO_ADDR;
}

enum probe_result fault_addr_probe(int rc)
{
	if (rc == 0)
		return PROBE_UP;
	if (rc == -ENOENT || rc == -EAGAIN)
		return PROBE_MISSING;
	return PROBE_ERROR;
}

bool fault_quorum_missing(bool plane_enabled, bool plane_running, bool has_quorum)
{
	return plane_enabled && (!plane_running || !has_quorum);
}

unsigned fault_own(unsigned probed, bool quorum_missing, bool track_failed)
{
	return probed | (quorum_missing ? FAULT_NO_QUORUM : 0) | (track_failed ? FAULT_TRACK : 0);
}

unsigned fault_compose(unsigned own_faults, bool sibling_faulted)
{
	return own_faults | (sibling_faulted ? FAULT_GROUP : 0);
}

void fail_run_reset(struct fail_run *r)
{
	r->count = 0;
	r->first_us = 0;
}

bool fail_run_add(struct fail_run *r, uint64_t now, unsigned max_failures, uint64_t min_span_us)
{
	if (r->count == 0)
		r->first_us = now;
	if (r->count < UINT32_MAX)
		r->count++;
	return r->count >= max_failures && now - r->first_us >= min_span_us;
}

uint64_t fault_held_retry_us(unsigned failed_retries)
{
	return 1000000ull << (failed_retries < 4 ? failed_retries : 4);
}

bool fault_needs_reprobe(unsigned faults)
{
	return (faults & (FAULT_NO_ADDR | FAULT_VMAC)) != 0;
}

void fault_reason(unsigned faults, const struct fault_names *n, char *buf, size_t len)
{
	if (faults & FAULT_NO_LINK)
		snprintf(buf, len, "interface %s down or missing", n->interface);
	else if (faults & FAULT_NO_ADDR)
		snprintf(buf, len, "interface %s without a usable address", n->interface);
	else if (faults & FAULT_VMAC)
		snprintf(buf, len, "virtual MAC device %s: %.100s", n->vmac_name, n->vmac_why);
	else if (faults & FAULT_ACCEPT_FILTER)
		snprintf(buf, len, "accept = false cannot be enforced (nftables: %.80s) and "
			 "accept_filter_fail is closed", n->accept_filter_why ? n->accept_filter_why : "?");
	else if ((faults & FAULT_SEND) && n->send_why)
		snprintf(buf, len, "%s", n->send_why);
	else if ((faults & FAULT_VIP) && n->vip_why)
		snprintf(buf, len, "%s", n->vip_why);
	else if (faults & FAULT_NO_QUORUM)
		snprintf(buf, len, "no quorum");
	else if ((faults & FAULT_TRACK) && n->track_why)
		snprintf(buf, len, "%s", n->track_why);
	else if ((faults & FAULT_DRIVER) && n->driver_why)
		snprintf(buf, len, "%s", n->driver_why);
	else /* FAULT_GROUP, or a track or driver fault no longer named */
		snprintf(buf, len, "sync group %s: a member is in FAULT", n->group ? n->group : "?");
}

const char *fault_cure_text(unsigned faults_before)
{
	if (faults_before & FAULT_SEND)
		return "retrying to send adverts";
	if (faults_before & FAULT_VIP)
		return "retrying to add the VIPs";
	if (faults_before & FAULT_NO_QUORUM)
		return "quorum regained";
	if (faults_before & FAULT_TRACK)
		return "tracked checks recovered";
	if (faults_before & FAULT_DRIVER)
		return "required drivers connected and ready";
	if (faults_before & FAULT_GROUP)
		return "sync group recovered";
	if ((faults_before & FAULT_ACCEPT_FILTER) &&
	    !(faults_before & (FAULT_NO_LINK | FAULT_NO_ADDR | FAULT_VMAC)))
		return "accept filter installed";
	if ((faults_before & FAULT_VMAC) && !(faults_before & (FAULT_NO_LINK | FAULT_NO_ADDR)))
		return "virtual MAC device ready";
	return "interface up";
}

enum fault_step fault_step_for(unsigned faults, enum vrrp_state state)
{
	if (faults)
		return FAULT_STEP_ENTER;
	if (state == STATE_FAULT)
		return FAULT_STEP_CLEAR;
	if (state == STATE_INIT)
		return FAULT_STEP_STARTUP;
	return FAULT_STEP_NONE;
}
