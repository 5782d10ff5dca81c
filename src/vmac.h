/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmac.h - the virtual router MAC address (RFC 5798 §7.3), the default
 * name of the device that carries it, and the kernel settings that device
 * and its base interface need. Pure: no I/O. */
#ifndef CLUSTD_VMAC_H
#define CLUSTD_VMAC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define VMAC_IFNAME_SIZE 16 /* IFNAMSIZ: 15 characters and the NUL */
#define VMAC_STRLEN 18      /* "00:00:5e:00:01:33" and the NUL */

/* 00:00:5e:00:01:{vrid} for AF_INET, 00:00:5e:00:02:{vrid} for AF_INET6. */
void vmac_addr(uint8_t vrid, sa_family_t family, uint8_t mac[6]);

/* "vrrp.<vrid>" for IPv4 (keepalived's default), "vrrp6.<vrid>" for IPv6
 * (so one VRID may serve both families on a link). At most 9 characters.
 * buf holds at least VMAC_IFNAME_SIZE bytes; returns buf. */
const char *vmac_default_name(uint8_t vrid, sa_family_t family, char *buf);

/* "00:00:5e:00:01:33"; buf holds at least VMAC_STRLEN bytes; returns buf. */
const char *vmac_str(const uint8_t mac[6], char *buf);

/* One net.ipv4.conf.<device>.<key> (AF_INET) or net.ipv6.conf.<device>.<key>
 * (AF_INET6) setting. */
struct vmac_sysctl {
	sa_family_t family;
	const char *key;
	int value;
};

/* The settings of the virtual MAC device of an instance of family, set
 * exactly: it answers ARP only for its own addresses (the VIPs), announces
 * them in its ARP requests, accepts traffic for them although the replies
 * leave by the base interface; IPv6 is off on an IPv4 instance's device,
 * and an IPv6 one's takes no router advertisement (no address or route of
 * its own). Fills out (at most cap, VMAC_DEV_MAX_SYSCTLS is enough) and
 * returns their number. */
#define VMAC_DEV_MAX_SYSCTLS 8
size_t vmac_dev_sysctls(sa_family_t family, struct vmac_sysctl *out, size_t cap);

/* On the base interface of an IPv4 instance, raised to at least these
 * values while a virtual MAC device sits on it: the base must neither
 * answer ARP for the VIPs with its own MAC nor put a VIP in the ARP
 * requests it sends with its own MAC. */
#define VMAC_BASE_NSYSCTLS 2
extern const struct vmac_sysctl vmac_base_sysctls[VMAC_BASE_NSYSCTLS];

/* The value a base setting gets: current, raised to the minimum. */
int vmac_base_value(int current, int minimum);

#endif
