/* SPDX-License-Identifier: GPL-2.0-or-later */
/* atomic_file.c - write-temp-then-rename file replacement (atomic_file.h).
 *
 * Symlink-safe (B1): everything happens relative to one descriptor of the
 * target's directory, the temp file gets an unpredictable name and is
 * created with O_CREAT|O_EXCL|O_NOFOLLOW (a name planted in advance, link
 * or not, is never opened: another name is drawn), and the rename replaces
 * the target's directory entry itself, never what a link there points to.
 * Whoever may write the directory can still delete or rename our files,
 * but cannot make root write, truncate or chmod any other file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

#define TMP_TRIES 64

static void random_bytes(void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom((char *)buf + got, len - got, 0);

		if (n > 0)
			got += (size_t)n;
	}
}

void (*atomic_file_random)(void *buf, size_t len) = random_bytes;

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

/* A descriptor of path's directory ("." for a bare name, "/" for "/name")
 * and *base its last component; -errno. */
static int open_parent(const char *path, const char **base)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);

	*base = slash ? slash + 1 : path;
	if (**base == '\0' || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0)
		return -EISDIR;
	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%.*s", (int)(n ? n : 1), n ? path : ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* Create <base>.tmp.<12 random hex> in dfd, exclusively and without
 * following a link; its descriptor (name in tmp), or -errno. */
static int create_tmp(int dfd, const char *base, char *tmp, size_t cap)
{
	for (int i = 0; i < TMP_TRIES; i++) {
		unsigned char r[6];

		atomic_file_random(r, sizeof(r));
		if ((size_t)snprintf(tmp, cap, "%s.tmp.%02x%02x%02x%02x%02x%02x", base, r[0], r[1], r[2],
				     r[3], r[4], r[5]) >= cap)
			return -ENAMETOOLONG;
		int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

		if (fd >= 0 || errno != EEXIST)
			return fd < 0 ? -errno : fd;
	}
	return -EEXIST;
}

/* Write data into fd (durably if asked) and close it. 0 or -errno. */
static int fill_tmp(int fd, const char *data, size_t n, bool durable, const char **step)
{
	int rc;

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

int atomic_file_replace(const char *path, const char *data, size_t len, bool durable,
			const char **step)
{
	char tmp[NAME_MAX + 1];
	const char *base;
	int dfd, fd, rc;

	*step = "open directory";
	dfd = open_parent(path, &base);
	if (dfd < 0)
		return dfd;
	*step = "create";
	fd = create_tmp(dfd, base, tmp, sizeof(tmp));
	if (fd < 0) {
		close(dfd);
		return fd;
	}
	rc = fill_tmp(fd, data, len, durable, step);
	if (rc == 0) {
		*step = "rename";
		rc = renameat(dfd, tmp, dfd, base) < 0 ? -errno : 0;
	}
	if (rc < 0)
		unlinkat(dfd, tmp, 0);
	else if (durable) {
		*step = "fsync directory";
		rc = fsync(dfd) < 0 ? -errno : 0;
	}
	close(dfd);
	return rc;
}

int atomic_file_write(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
	const char *step = "path";
	int rc = atomic_file_replace(path, data, len, false, &step);

	if (rc < 0 && err && errlen > 0)
		snprintf(err, errlen, "cannot write %s: %s: %s", path, step, strerror(-rc));
	return rc;
}

const char *atomic_dir_problem(const struct stat *st, uid_t euid)
{
	if (!S_ISDIR(st->st_mode))
		return "is not a directory";
	if (st->st_uid != 0 && st->st_uid != euid)
		return "is not owned by root";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "is writable by group or others";
	return NULL;
}

int atomic_dir_check(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	const char *why;

	if (stat(dir, &st) < 0) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "directory %s cannot be checked: %s", dir, strerror(errno));
		return -1;
	}
	why = atomic_dir_problem(&st, geteuid());
	if (!why)
		return 0;
	if (strcmp(why, "is not owned by root") == 0)
		snprintf(err, errlen, "directory %s is owned by uid %u, not root (clustd writes its "
			 "state there as root)", dir, (unsigned)st.st_uid);
	else
		snprintf(err, errlen, "directory %s %s (clustd writes its state there as root)", dir,
			 why);
	return -1;
}
