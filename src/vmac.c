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

const struct vmac_sysctl vmac_dev_sysctls[VMAC_DEV_NSYSCTLS] = {
	/* The device must not answer ARP for the base interface's
	 * addresses (it receives every broadcast the base does). */
	{ "arp_ignore", 1 },
	/* ARP requests it sends (unicast adverts, replies) name one of its
	 * own addresses, never the base's, beside the virtual MAC. */
	{ "arp_announce", 2 },
	/* Traffic for a VIP arrives here while the route back to the sender
	 * is the base interface's: strict reverse-path filtering drops it. */
	{ "rp_filter", 0 },
};

const struct vmac_sysctl vmac_base_sysctls[VMAC_BASE_NSYSCTLS] = {
	/* Answer ARP only for addresses on the base itself: a VIP on the
	 * virtual MAC device would otherwise get a second answer, with the
	 * base's MAC. */
	{ "arp_ignore", 1 },
	/* Replies from a VIP leave by the base: the ARP request resolving
	 * the client must name the base's address, or the client would map
	 * the VIP to the base's MAC. */
	{ "arp_announce", 2 },
};

int vmac_base_value(int current, int minimum)
{
	return current < minimum ? minimum : current;
}
