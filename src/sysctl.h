/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysctl.h - per-device IPv4 settings, net.ipv4.conf.<dev>.<key>, read and
 * written through /proc/sys (the daemon's network namespace). */
#ifndef CLUSTD_SYSCTL_H
#define CLUSTD_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>

/* "/proc/sys/net/ipv4/conf/<dev>/<key>" into buf; false when it does not
 * fit or dev is not a plain device name ("all" and "default" are fine). */
bool sysctl_ipv4_conf_path(const char *dev, const char *key, char *buf, size_t len);

/* Returns 0 or -errno. */
int sysctl_ipv4_conf_get(const char *dev, const char *key, int *value);
int sysctl_ipv4_conf_set(const char *dev, const char *key, int value);

#endif
