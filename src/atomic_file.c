/* SPDX-License-Identifier: GPL-2.0-or-later */
/* atomic_file.c - write-temp-then-rename file replacement (atomic_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The directory part of path ("." for a bare name, "/" for "/name"). */
static int fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
	int fd, rc = 0;

	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	if (n == 0)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Write data to tmp (durably if asked). 0 or -errno, *step says what
 * failed. */
static int write_tmp(const char *tmp, const char *data, size_t n, bool durable,
		     const char **step)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc;

	*step = "create";
	if (fd < 0)
		return -errno;
	*step = "write";
	rc = write_all(fd, data, n);
	if (rc == 0 && durable) {
		*step = "fsync";
		if (fsync(fd) < 0)
			rc = -errno;
	}
	if (close(fd) < 0 && rc == 0) {
		*step = "close";
		rc = -errno;
	}
	return rc;
}

int atomic_file_replace(const char *path, const char *tmp, const char *data, size_t len,
			bool durable, const char **step)
{
	int rc = write_tmp(tmp, data, len, durable, step);

	if (rc < 0) {
		if (strcmp(*step, "create") != 0)
			unlink(tmp);
		return rc;
	}
	*step = "rename";
	if (rename(tmp, path) < 0) {
		rc = -errno;
		unlink(tmp);
		return rc;
	}
	if (!durable)
		return 0;
	*step = "fsync directory";
	return fsync_parent(path);
}

int atomic_file_write(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	const char *step = "path";
	int rc = -ENAMETOOLONG;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) < sizeof(tmp))
		rc = atomic_file_replace(path, tmp, data, len, false, &step);
	if (rc < 0 && err && errlen > 0)
		snprintf(err, errlen, "cannot write %s: %s: %s", path, step, strerror(-rc));
	return rc;
}
