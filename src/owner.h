/* SPDX-License-Identifier: GPL-2.0-or-later */
/* owner.h - pure: is a VIP the address owner's own address (RFC 5798 §1:
 * the router that has the virtual addresses as real interface addresses,
 * priority 255)? Such an address belongs to the administrator, not to
 * clustd: it is never added, leased, removed or cleaned up as stale, and
 * the primary-address lookup may send from it. The glue (vip_hold.c)
 * asks netlink for the facts and keeps the verdicts as a bit mask over
 * the instance's VIPs (CLUSTD_MAX_VIPS <= 64). */
#ifndef CLUSTD_OWNER_H
#define CLUSTD_OWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* What the kernel says about one VIP on the instance's interface. */
struct owner_facts {
	bool present;   /* on the interface, same prefix length */
	bool permanent; /* no finite valid lifetime */
	bool nodad;     /* IFA_F_NODAD (IPv6) */
};

/* Is a VIP the owner's own address? Priority 255, the address is on the
 * interface, and it does not look like one clustd added: clustd gives its
 * VIPs the VIP lease (a finite lifetime) and adds IPv6 VIPs with NODAD.
 * With vip_lease = 0 an IPv4 VIP a killed clustd left behind cannot be
 * told apart: a priority-255 instance then takes it as its own, which
 * keeps it (never removes it), the safe side. */
bool owner_vip_owned(uint8_t priority, sa_family_t family, const struct owner_facts *f);

/* The owned VIPs of a (new) config: a VIP owned before (same address, in
 * was_owned of the previous config) stays owned whatever the priority, so
 * a reload never starts leasing or removing an owner's address; the
 * others are judged from facts[i]. */
uint64_t owner_mask(const struct instance_conf *ic, const struct owner_facts *facts,
		    const struct instance_conf *prev, uint64_t prev_mask);

/* Is v (by address) one of ic's VIPs in mask? */
bool owner_has(const struct instance_conf *ic, uint64_t mask, const struct ip_addr *v);

/* The VIPs the primary-address lookup must skip: all but the owned ones
 * (an owner sends from its own address). Returns how many it wrote. */
size_t owner_skip_list(const struct instance_conf *ic, uint64_t mask,
		       struct vip out[CLUSTD_MAX_VIPS]);

#endif
