/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kahost.c - the file system and host facts behind import-keepalived
 * (kahost.h). */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "conf.h"
#include "kahost.h"
#include "xalloc.h"

/* The PATH keepalived's scripts usually get from systemd, and clustd's. */
#define KA_SCRIPT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define KA_MAX_FILE (16u << 20)

static int fs_expand(void *ctx, const char *pattern, char ***paths, size_t *n, char **why)
{
	glob_t g;
	int rc;

	(void)ctx;
	*paths = NULL;
	*n = 0;
	rc = glob(pattern, GLOB_MARK | GLOB_BRACE, NULL, &g);
	if (rc == GLOB_NOMATCH)
		return 0;
	if (rc) {
		*why = xstrdup(rc == GLOB_NOSPACE ? "out of memory" : "a directory cannot be read");
		return -1;
	}
	*paths = xcalloc(g.gl_pathc + 1, sizeof(**paths));
	for (size_t i = 0; i < g.gl_pathc; i++)
		(*paths)[i] = xstrdup(g.gl_pathv[i]);
	*n = g.gl_pathc;
	globfree(&g);
	return 0;
}

static char *fs_load(void *ctx, const char *path, size_t *len, bool *skipped, char **why)
{
	struct stat st;
	char *buf;
	size_t have = 0;
	int fd;

	(void)ctx;
	*skipped = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		*why = xstrdup(strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 0111)) {
		*why = xstrdup("not a regular non-executable file");
		*skipped = true;
		close(fd);
		return NULL;
	}
	if ((uintmax_t)st.st_size > KA_MAX_FILE) {
		*why = xstrdup("larger than 16 MiB");
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	for (;;) {
		ssize_t r = read(fd, buf + have, (size_t)st.st_size - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*why = xstrdup(strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0 || (have += (size_t)r) == (size_t)st.st_size)
			break;
	}
	close(fd);
	buf[have] = '\0';
	*len = have;
	return buf;
}

static char *fs_abs_dir(void *ctx, const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/'), real[PATH_MAX];

	(void)ctx;
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (!realpath(dir, real)) {
		free(dir);
		return NULL;
	}
	free(dir);
	return xstrdup(real);
}

const struct ka_fs ka_fs_system = {
	.expand = fs_expand,
	.load = fs_load,
	.abs_dir = fs_abs_dir,
};

static bool host_script_ok(void *ctx, const char *path, char **why)
{
	(void)ctx;
	return conf_script_usable(path, why);
}

static char *host_which(void *ctx, const char *cmd)
{
	char *dirs = xstrdup(KA_SCRIPT_PATH), *save = NULL;

	(void)ctx;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, cmd);
		struct stat st;

		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111)) {
			free(dirs);
			return p;
		}
		free(p);
	}
	free(dirs);
	return NULL;
}

static bool host_user_exists(void *ctx, const char *user)
{
	(void)ctx;
	return getpwnam(user) != NULL;
}

const struct ki_host ki_host_system = {
	.script_ok = host_script_ok,
	.which = host_which,
	.user_exists = host_user_exists,
};

char *ka_default_config_id(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return NULL;
	return xstrndup(u.nodename, strcspn(u.nodename, "."));
}
