/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmac_dev.h - an instance's virtual MAC device at run time: the macvlan
 * on the instance's interface (netlink.c), its IPv4 settings (sysctl.c),
 * the send-only socket adverts leave by, and the settings the base
 * interface of an IPv4 instance needs, shared by every device on that
 * base and restored when the last one goes. */
#ifndef CLUSTD_VMAC_DEV_H
#define CLUSTD_VMAC_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "netlink.h"
#include "vmac.h"
#include "vrrp_sock.h"

/* A base interface whose ARP settings we raised (see vmac_base_sysctls). */
struct vmac_base;

struct vmac_dev {
	char name[VMAC_IFNAME_SIZE];
	sa_family_t family;
	uint8_t mac[6];
	int ifindex;              /* 0 while there is no device */
	bool up;                  /* IFF_UP as last seen or set */
	struct vrrp_sock *tx;     /* adverts leave by the device */
	struct vmac_base *base;   /* IPv4: our hold on the base's settings */
};

/* No device yet; name is the configured (or default) device name. */
void vmac_dev_init(struct vmac_dev *d, const char *name, uint8_t vrid, sa_family_t family);

/* Make sure the device exists on the base interface (base_name,
 * base_ifindex) with its settings: created when missing; replaced when a
 * device of that name is a macvlan left on this base by an earlier run or
 * has lost its MAC; refused when it is anything else. A new device is
 * down; *created says one was made. Also re-raises the base's settings
 * (an interface re-created under the same name starts from defaults).
 * Returns 0, or -errno with a reason in why. */
int vmac_dev_ensure(struct vmac_dev *d, struct nlk *nl, struct vmac_base **bases,
		    const char *base_name, int base_ifindex, bool *created,
		    char *why, size_t len);

/* The device went with its base interface: forget it if it is gone. */
void vmac_dev_forget_if_gone(struct vmac_dev *d, struct nlk *nl);

/* IFF_UP on or off. Returns 0 or -errno. */
int vmac_dev_set_up(struct vmac_dev *d, struct nlk *nl, bool up);

/* Delete the device, close its socket, let go of the base's settings. */
void vmac_dev_remove(struct vmac_dev *d, struct nlk *nl, struct vmac_base **bases);

#endif
