/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysctl.c - net.ipv4.conf.<dev>.<key> and net.ipv6.conf.<dev>.<key>
 * through /proc/sys. */
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool sysctl_conf_path(sa_family_t family, const char *dev, const char *key, char *buf,
		      size_t len)
{
	if ((family != AF_INET && family != AF_INET6) || !dev[0] || strchr(dev, '/') ||
	    strcmp(dev, ".") == 0 || strcmp(dev, "..") == 0 || !key[0] || strchr(key, '/') ||
	    strcmp(key, "..") == 0)
		return false;
	int n = snprintf(buf, len, "/proc/sys/net/%s/conf/%s/%s",
			 family == AF_INET ? "ipv4" : "ipv6", dev, key);
	return n > 0 && (size_t)n < len;
}

int sysctl_conf_get(sa_family_t family, const char *dev, const char *key, int *value)
{
	char path[PATH_MAX], buf[32];

	if (!sysctl_conf_path(family, dev, key, path, sizeof(path)))
		return -EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	char *end;
	errno = 0;
	long v = strtol(buf, &end, 10);
	if (end == buf || errno || v < INT_MIN || v > INT_MAX || (*end && *end != '\n'))
		return -EINVAL;
	*value = (int)v;
	return 0;
}

int sysctl_conf_set(sa_family_t family, const char *dev, const char *key, int value)
{
	char path[PATH_MAX], buf[32];

	if (!sysctl_conf_path(family, dev, key, path, sizeof(path)))
		return -EINVAL;
	int len = snprintf(buf, sizeof(buf), "%d\n", value);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, buf, (size_t)len);
	int err = n < 0 ? -errno : (n != len ? -EIO : 0);
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}
