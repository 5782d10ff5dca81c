/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysctl.h - per-device IP settings, net.ipv4.conf.<dev>.<key> and
 * net.ipv6.conf.<dev>.<key>, read and written through /proc/sys (the
 * daemon's network namespace). */
#ifndef CLUSTD_SYSCTL_H
#define CLUSTD_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* "/proc/sys/net/ipv4/conf/<dev>/<key>" (ipv6 for AF_INET6) into buf;
 * false when it does not fit or dev or key is not a plain name ("all" and
 * "default" are fine). */
bool sysctl_conf_path(sa_family_t family, const char *dev, const char *key, char *buf,
		      size_t len);

/* Returns 0 or -errno. */
int sysctl_conf_get(sa_family_t family, const char *dev, const char *key, int *value);
int sysctl_conf_set(sa_family_t family, const char *dev, const char *key, int value);

#endif
