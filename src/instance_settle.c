/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance_settle.c - a planned release of an instance's VIPs waits for
 * the TCP connections to them that still wait for an answer of ours
 * (settle.h has why; vip_conns.c counts them). At the first moment none
 * does, a fence (nft.h) stops new connections from being accepted in the
 * last moments before the VIPs go: their clients try again a second later
 * and reach the next master. The fence comes down once the release is
 * done or no longer due. */
#include "instance_int.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "vip_conns.h"

static void fence_name(const struct instance *in, char *buf, size_t len)
{
	snprintf(buf, len, "clustd_fence_%s", in->conf->name);
}

static bool fence_up(struct instance *in)
{
	const struct instance_conf *ic = in->conf;
	struct ip_addr addrs[CLUSTD_MAX_VIPS];
	char table[CLUSTD_NAME_MAX + 16];
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < ic->nvips && n < CLUSTD_MAX_VIPS; i++)
		addrs[n++] = ic->vips[i].addr;
	fence_name(in, table, sizeof(table));
	rc = nft_fence_up(table, addrs, n);
	if (rc < 0) {
		log_debug("%s: no fence for new connections before the release (nftables: %s)",
			  ic->name, strerror(-rc));
		return false;
	}
	in->settle_fenced = true;
	return true;
}

static void fence_down(struct instance *in, bool always)
{
	char table[CLUSTD_NAME_MAX + 16];
	int rc;

	if (!in->settle_fenced && !always)
		return;
	fence_name(in, table, sizeof(table));
	rc = nft_fence_down(table);
	if (rc < 0 && in->settle_fenced)
		log_warn("%s: cannot remove the nftables table inet %s: %s: new connections to the "
			 "VIPs stay dropped on this node", in->conf->name, table, strerror(-rc));
	in->settle_fenced = false;
}

bool instance_release_settled(struct instance *in, uint64_t step_bound_us, void (*again)(void *))
{
	const struct instance_conf *ic = in->conf;
	int open = vip_conns_waiting(ic->vips, ic->nvips);
	uint64_t now, wake = 0, waited = 0, bound = settle_bound_us(step_bound_us);
	bool first = in->settle.since == 0;

	/* Quiet: fence, then look again for what came in between. */
	if (open == 0 && !in->settle_fenced && fence_up(in))
		open = vip_conns_waiting(ic->vips, ic->nvips);
	now = mono_now_us();
	if (settle_check(&in->settle, open > 0, now, bound, &wake, &waited) == SETTLE_WAIT) {
		if (first)
			log_info("%s: %d connection(s) to the VIPs wait for an answer: releasing when "
				 "they are done, within %llu ms", ic->name, open,
				 (unsigned long long)(bound / 1000));
		in->settle_timer.fn = again;
		in->settle_timer.arg = in;
		loop_timer_arm(in->c->loop, &in->settle_timer, wake);
		return false;
	}
	loop_timer_cancel(in->c->loop, &in->settle_timer);
	if (open > 0)
		log_notice("%s: releasing with %d connection(s) to the VIPs still open after %.1f ms",
			   ic->name, open, (double)waited / 1000.0);
	else if (waited)
		log_info("%s: the connections to the VIPs were done after %.1f ms: releasing", ic->name,
			 (double)waited / 1000.0);
	return true;
}

void instance_release_unsettle(struct instance *in)
{
	settle_reset(&in->settle);
	loop_timer_cancel(in->c->loop, &in->settle_timer);
	fence_down(in, false);
}

void instance_settle_clear(struct instance *in)
{
	fence_down(in, true);
}
