/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance_settle.c - a planned release of an instance's VIPs waits for
 * the TCP connections to them that still wait for an answer of ours
 * (settle.h has why; vip_conns.c counts them). At the first moment none
 * does, the node's fence (nft.h, made open at start) is closed for them:
 * no new connection is accepted in the last moments before the VIPs go,
 * and its client tries again a second later and reaches the next master.
 * The fence opens by itself a little later (a timeout: opening it at once
 * would cost the loop 10 ms or more). */
#include "instance_int.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "vip_conns.h"

/* How long the fence outlasts the settle's bound. */
#define FENCE_SPARE_MS 100

#define FENCE_TABLE "clustd_fence"

/* Close the fence: new connections to the VIPs are dropped until the
 * release is done (with room to spare: the VIPs are gone by then, and
 * what is sent to an address a node does not have is dropped anyway). */
static bool fence_up(struct instance *in, uint64_t settle_bound)
{
	const struct instance_conf *ic = in->conf;
	struct ip_addr addrs[CLUSTD_MAX_VIPS];
	size_t n = 0;
	int rc;

	if (!in->c->fence_made)
		return false;
	for (size_t i = 0; i < ic->nvips && n < CLUSTD_MAX_VIPS; i++)
		addrs[n++] = ic->vips[i].addr;
	rc = nft_fence_close(FENCE_TABLE, addrs, n, settle_bound / 1000 + FENCE_SPARE_MS);
	if (rc < 0) {
		log_debug("%s: no fence for new connections before the release (nftables: %s)",
			  ic->name, strerror(-rc));
		return false;
	}
	in->settle_fenced = true;
	return true;
}

bool instance_release_settled(struct instance *in, uint64_t step_bound_us, void (*again)(void *))
{
	const struct instance_conf *ic = in->conf;
	int open = vip_conns_waiting(ic->vips, ic->nvips);
	uint64_t now, wake = 0, waited = 0, bound = settle_bound_us(step_bound_us);
	bool first = in->settle.since == 0;

	/* Quiet: fence, then look again for what came in between. */
	if (open == 0 && !in->settle_fenced && fence_up(in, bound))
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
	in->settle_fenced = false; /* it opens by itself (nft.h) */
}

void settle_fence_make(struct clustd *c)
{
	int rc = nft_fence_make(FENCE_TABLE);

	c->fence_made = rc == 0;
	if (rc < 0)
		log_info("no fence for planned releases (nftables table inet " FENCE_TABLE ": %s): a "
			 "client connecting in the last moment before a handover may wait for its "
			 "timeout", strerror(-rc));
}

void settle_fence_remove(struct clustd *c)
{
	if (c->fence_made && nft_fence_remove(FENCE_TABLE) == 0)
		c->fence_made = false;
}
