/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fsm_testutil.h - what the state machine's vote and handover tests share:
 * an address, a v3 advert for the test VIP, and a started instance. */
#ifndef CLUSTD_FSM_TESTUTIL_H
#define CLUSTD_FSM_TESTUTIL_H

#include <string.h>

#include "testutil.h"
#include "fsm.h"

#define MS(x) ((uint64_t)(x) * 1000ull)
#define T0 1000000000ull

static inline struct ip_addr ip(const char *s)
{
	struct ip_addr a;

	ck_assert(ip_addr_parse(s, &a));
	return a;
}

/* A v3 advert at 1 s for 198.51.100.100 with that priority. */
static inline struct vrrp_advert advert(uint8_t prio)
{
	struct vrrp_advert a;

	memset(&a, 0, sizeof(a));
	a.version = 3;
	a.type = VRRP_TYPE_ADVERT;
	a.priority = prio;
	a.interval_cs = 100;
	a.naddr = 1;
	a.addrs[0] = ip("198.51.100.100");
	return a;
}

/* Started at T0 (BACKUP, or for 255 the owner's way), preempt on, adverts
 * every second, the vote gate as given. */
static inline struct fsm started(uint8_t prio, bool gate)
{
	struct fsm f;
	struct fsm_params p = {.priority = prio, .version = 3, .adver_int_cs = 100, .preempt = true,
			       .primary = ip("198.51.100.10")};
	struct fsm_out o;

	fsm_init(&f, &p);
	f.vote_gate = gate;
	fsm_startup(&f, T0, &o);
	return f;
}

#endif
