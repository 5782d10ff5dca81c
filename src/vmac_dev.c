/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmac_dev.c - the virtual MAC device of an instance, and the base
 * interface settings it needs. */
#include "vmac_dev.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sysctl.h"
#include "xalloc.h"

struct vmac_base {
	char name[IF_NAMESIZE];
	int saved[VMAC_BASE_NSYSCTLS];  /* the value before our first change */
	int set[VMAC_BASE_NSYSCTLS];    /* the value we wrote; -1: none */
	int refs;
	struct vmac_base *next;
};

/* ---- base interface settings ----------------------------------------- */

/* Raise the base's settings to their minimum; remember the first value
 * each had, to put it back when the last device on this base goes. */
static void base_raise(struct vmac_base *b)
{
	for (size_t i = 0; i < VMAC_BASE_NSYSCTLS; i++) {
		const struct vmac_sysctl *s = &vmac_base_sysctls[i];
		int cur, rc;

		if ((rc = sysctl_conf_get(AF_INET, b->name, s->key, &cur)) < 0) {
			log_warn("vmac: cannot read net.ipv4.conf.%s.%s: %s", b->name, s->key,
				 strerror(-rc));
			continue;
		}
		int want = vmac_base_value(cur, s->value);
		if (want == cur)
			continue;
		if ((rc = sysctl_conf_set(AF_INET, b->name, s->key, want)) < 0) {
			log_err("vmac: cannot set net.ipv4.conf.%s.%s to %d: %s", b->name, s->key,
				want, strerror(-rc));
			continue;
		}
		if (b->set[i] < 0)
			b->saved[i] = cur;
		b->set[i] = want;
		log_notice("vmac: net.ipv4.conf.%s.%s %d -> %d (base of a virtual MAC device)",
			   b->name, s->key, cur, want);
	}
}

/* Put back what we changed, unless someone changed it since. */
static void base_restore(struct vmac_base *b)
{
	for (size_t i = 0; i < VMAC_BASE_NSYSCTLS; i++) {
		const char *key = vmac_base_sysctls[i].key;
		int cur;

		if (b->set[i] < 0 || sysctl_conf_get(AF_INET, b->name, key, &cur) < 0 || cur != b->set[i])
			continue;
		if (sysctl_conf_set(AF_INET, b->name, key, b->saved[i]) == 0)
			log_notice("vmac: net.ipv4.conf.%s.%s %d -> %d (restored)", b->name, key, cur,
				   b->saved[i]);
	}
}

static struct vmac_base *base_hold(struct vmac_base **bases, const char *name)
{
	struct vmac_base *b;

	for (b = *bases; b; b = b->next)
		if (strcmp(b->name, name) == 0)
			break;
	if (!b) {
		b = xcalloc(1, sizeof(*b));
		snprintf(b->name, sizeof(b->name), "%s", name);
		for (size_t i = 0; i < VMAC_BASE_NSYSCTLS; i++)
			b->set[i] = -1;
		b->next = *bases;
		*bases = b;
	}
	b->refs++;
	base_raise(b);
	return b;
}

static void base_release(struct vmac_base **bases, struct vmac_base *b)
{
	if (!b || --b->refs > 0)
		return;
	base_restore(b);
	for (struct vmac_base **pp = bases; *pp; pp = &(*pp)->next) {
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	}
	free(b);
}

/* ---- the device ------------------------------------------------------ */

void vmac_dev_init(struct vmac_dev *d, const char *name, uint8_t vrid, sa_family_t family)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->family = family;
	vmac_addr(vrid, family, d->mac);
}

static void forget(struct vmac_dev *d)
{
	vrrp_sock_close(d->tx);
	d->tx = NULL;
	d->ifindex = 0;
	d->up = false;
}

static int configure(const struct vmac_dev *d, char *why, size_t len)
{
	struct vmac_sysctl set[VMAC_DEV_MAX_SYSCTLS];
	size_t n = vmac_dev_sysctls(d->family, set, VMAC_DEV_MAX_SYSCTLS);

	for (size_t i = 0; i < n; i++) {
		const struct vmac_sysctl *s = &set[i];
		int rc = sysctl_conf_set(s->family, d->name, s->key, s->value);

		if (rc < 0) {
			snprintf(why, len, "cannot set net.%s.conf.%s.%s to %d: %s",
				 s->family == AF_INET ? "ipv4" : "ipv6", d->name, s->key, s->value,
				 strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* Strict reverse-path filtering anywhere wins over the device's own 0. */
static void warn_strict_rp_filter(const struct vmac_dev *d)
{
	int all;

	if (d->family == AF_INET && sysctl_conf_get(AF_INET, "all", "rp_filter", &all) == 0 && all == 1)
		log_warn("vmac: net.ipv4.conf.all.rp_filter is 1 (strict): traffic to the VIPs on %s "
			 "is dropped; set it to 0 or 2 (loose)", d->name);
}

static int create(struct vmac_dev *d, struct nlk *nl, int base_ifindex, char *why, size_t len)
{
	char mac[VMAC_STRLEN];
	int ifindex = nlk_macvlan_add(nl, base_ifindex, d->name, d->mac);

	if (ifindex < 0) {
		snprintf(why, len, "cannot create it: %s", strerror(-ifindex));
		return ifindex;
	}
	int rc = configure(d, why, len);
	if (rc == 0 && !(d->tx = vrrp_sock_open_tx(d->name, ifindex, d->family))) {
		snprintf(why, len, "cannot open a socket on it");
		rc = -EIO;
	}
	if (rc < 0) {
		nlk_link_del(nl, ifindex);
		forget(d);
		return rc;
	}
	d->ifindex = ifindex;
	d->up = false;
	log_info("vmac: created %s (%s, macvlan bridge) on ifindex %d", d->name,
		 vmac_str(d->mac, mac), base_ifindex);
	warn_strict_rp_filter(d);
	return 0;
}

/* A device of our name exists: ours as it should be (0), or replaced
 * (1 after deleting it), or not ours to touch (-errno). */
static int check_existing(struct vmac_dev *d, struct nlk *nl, int ifindex, const char *base_name,
			  int base_ifindex, char *why, size_t len)
{
	struct nlk_link_info info;
	int rc = nlk_link_info(nl, ifindex, &info);

	if (rc < 0) {
		snprintf(why, len, "cannot query it: %s", strerror(-rc));
		return rc;
	}
	if (!info.macvlan || info.lower != base_ifindex) {
		forget(d);
		snprintf(why, len, "a device of that name exists and is not a macvlan on %s: "
			 "left alone", base_name);
		return -EEXIST;
	}
	if (ifindex == d->ifindex && memcmp(info.mac, d->mac, 6) == 0) {
		d->up = info.admin_up;
		return 0;
	}
	if (ifindex == d->ifindex)
		log_warn("vmac: %s lost its virtual MAC address: re-creating it", d->name);
	else
		log_notice("vmac: removing %s, left on %s by an earlier run", d->name, base_name);
	forget(d);
	if ((rc = nlk_link_del(nl, ifindex)) < 0) {
		snprintf(why, len, "cannot delete the stale device: %s", strerror(-rc));
		return rc;
	}
	return 1;
}

int vmac_dev_ensure(struct vmac_dev *d, struct nlk *nl, struct vmac_base **bases,
		    const char *base_name, int base_ifindex, bool *created, char *why, size_t len)
{
	int ifindex = nlk_ifindex(nl, d->name);
	int rc = 0;

	*created = false;
	if (ifindex > 0)
		rc = check_existing(d, nl, ifindex, base_name, base_ifindex, why, len);
	else if (d->ifindex) {
		log_warn("vmac: %s has disappeared: re-creating it", d->name);
		forget(d);
	}
	if (rc < 0)
		return rc;
	if (d->ifindex == 0) {
		if ((rc = create(d, nl, base_ifindex, why, len)) < 0)
			return rc;
		*created = true;
	}
	if (d->family != AF_INET)
		return 0;
	if (!d->base)
		d->base = base_hold(bases, base_name);
	else
		base_raise(d->base);
	return 0;
}

void vmac_dev_forget_if_gone(struct vmac_dev *d, struct nlk *nl)
{
	if (d->ifindex && nlk_ifindex(nl, d->name) != d->ifindex)
		forget(d);
}

int vmac_dev_set_up(struct vmac_dev *d, struct nlk *nl, bool up)
{
	if (d->ifindex == 0)
		return -ENODEV;
	int rc = nlk_link_set_up(nl, d->ifindex, up);
	if (rc == 0)
		d->up = up;
	return rc;
}

void vmac_dev_remove(struct vmac_dev *d, struct nlk *nl, struct vmac_base **bases)
{
	if (d->ifindex) {
		int rc = nlk_link_del(nl, d->ifindex);
		if (rc < 0)
			log_err("vmac: cannot delete %s: %s", d->name, strerror(-rc));
		else
			log_info("vmac: deleted %s", d->name);
	}
	forget(d);
	base_release(bases, d->base);
	d->base = NULL;
}
