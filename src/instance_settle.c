/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance_settle.c - a planned release of an instance's VIPs waits for
 * the TCP connections to them that still wait for an answer of ours
 * (settle.h has why; vip_conns.c counts them). */
#include "instance_int.h"

#include "clock.h"
#include "log.h"
#include "vip_conns.h"

bool instance_release_settled(struct instance *in, uint64_t step_bound_us, void (*again)(void *))
{
	const struct instance_conf *ic = in->conf;
	int open = vip_conns_waiting(ic->vips, ic->nvips);
	uint64_t now = mono_now_us(), wake = 0, waited = 0;
	bool first = in->settle.since == 0;

	if (settle_check(&in->settle, open > 0, now, settle_bound_us(step_bound_us), &wake,
			 &waited) == SETTLE_WAIT) {
		if (first)
			log_info("%s: %d connection(s) to the VIPs wait for an answer: releasing when "
				 "they are done, within %llu ms", ic->name, open,
				 (unsigned long long)(settle_bound_us(step_bound_us) / 1000));
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
}
