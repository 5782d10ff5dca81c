/* SPDX-License-Identifier: GPL-2.0-or-later */
/* owner.c - pure: which VIPs are the address owner's own addresses. */
#include "owner.h"

bool owner_vip_owned(uint8_t priority, sa_family_t family, const struct owner_facts *f)
{
	if (priority != 255 || !f->present || !f->permanent)
		return false;
	return !(family == AF_INET6 && f->nodad);
}

bool owner_has(const struct instance_conf *ic, uint64_t mask, const struct ip_addr *v)
{
	for (size_t i = 0; i < ic->nvips && i < 64; i++)
		if (((mask >> i) & 1) && ip_addr_equal(&ic->vips[i].addr, v))
			return true;
	return false;
}

uint64_t owner_mask(const struct instance_conf *ic, const struct owner_facts *facts,
		    const struct instance_conf *prev, uint64_t prev_mask)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < ic->nvips && i < 64; i++) {
		bool was = prev && owner_has(prev, prev_mask, &ic->vips[i].addr);
		if (was || owner_vip_owned(ic->priority, ic->family, &facts[i]))
			mask |= 1ull << i;
	}
	return mask;
}

size_t owner_skip_list(const struct instance_conf *ic, uint64_t mask,
		       struct vip out[CLUSTD_MAX_VIPS])
{
	size_t n = 0;

	for (size_t i = 0; i < ic->nvips && i < CLUSTD_MAX_VIPS; i++)
		if (!((mask >> i) & 1))
			out[n++] = ic->vips[i];
	return n;
}
