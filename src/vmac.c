/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmac.c - virtual router MAC addresses and their devices' settings. */
#include "vmac.h"

#include <stdio.h>

void vmac_addr(uint8_t vrid, sa_family_t family, uint8_t mac[6])
{
	mac[0] = 0x00;
	mac[1] = 0x00;
	mac[2] = 0x5e; /* IANA OUI 00-00-5E, VRRP block 00-01 / 00-02 */
	mac[3] = 0x00;
	mac[4] = family == AF_INET6 ? 0x02 : 0x01;
	mac[5] = vrid;
}

const char *vmac_default_name(uint8_t vrid, sa_family_t family, char *buf)
{
	snprintf(buf, VMAC_IFNAME_SIZE, "%s.%u", family == AF_INET6 ? "vrrp6" : "vrrp", vrid);
	return buf;
}

const char *vmac_str(const uint8_t mac[6], char *buf)
{
	snprintf(buf, VMAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	return buf;
}

/* The device's settings; only_for: the instance family a setting is for
 * (AF_UNSPEC: both). */
static const struct {
	sa_family_t only_for;
	struct vmac_sysctl s;
} dev_settings[] = {
	/* The device must not answer ARP for the base interface's addresses
	 * (it receives every broadcast the base does). */
	{ AF_UNSPEC, { AF_INET, "arp_ignore", 1 } },
	/* ARP requests it sends name one of its own addresses, never the
	 * base's, beside the virtual MAC. */
	{ AF_UNSPEC, { AF_INET, "arp_announce", 2 } },
	/* Traffic for a VIP arrives here while the route back to the sender
	 * is the base interface's: strict reverse-path filtering drops it. */
	{ AF_UNSPEC, { AF_INET, "rp_filter", 0 } },
	/* Nothing IPv6 on an IPv4 instance's device: no link-local, no DAD,
	 * MLD report or router solicitation from the shared MAC. */
	{ AF_INET, { AF_INET6, "disable_ipv6", 1 } },
	/* An IPv6 instance's device has IPv6 even if new devices get it off
	 * by default, and takes no router advertisement: no SLAAC address,
	 * default route or router solicitation of its own. */
	{ AF_INET6, { AF_INET6, "disable_ipv6", 0 } },
	{ AF_INET6, { AF_INET6, "accept_ra", 0 } },
};

size_t vmac_dev_sysctls(sa_family_t family, struct vmac_sysctl *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(dev_settings) / sizeof(dev_settings[0]) && n < cap; i++)
		if (dev_settings[i].only_for == AF_UNSPEC || dev_settings[i].only_for == family)
			out[n++] = dev_settings[i].s;
	return n;
}

const struct vmac_sysctl vmac_base_sysctls[VMAC_BASE_NSYSCTLS] = {
	/* Answer ARP only for addresses on the base itself: a VIP on the
	 * virtual MAC device would otherwise get a second answer, with the
	 * base's MAC. */
	{ AF_INET, "arp_ignore", 1 },
	/* Replies from a VIP leave by the base: the ARP request resolving
	 * the client must name the base's address, or the client would map
	 * the VIP to the base's MAC. */
	{ AF_INET, "arp_announce", 2 },
};

int vmac_base_value(int current, int minimum)
{
	return current < minimum ? minimum : current;
}
