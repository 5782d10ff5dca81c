/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conf_testutil.h - loading a config text through conf_load() in the
 * unit tests of the configuration: the text goes to a temp file
 * /tmp/<tag>.<runner pid>.XXXXXX; a rejection is checked as exactly one
 * "FILE:LINE: reason". Set conf_test_tag and conf_test_pid first. */
#ifndef CLUSTD_CONF_TESTUTIL_H
#define CLUSTD_CONF_TESTUTIL_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "testutil.h"

static const char *conf_test_tag = "check_conf";
static pid_t conf_test_pid;

struct result {
	char path[96];
	struct clustd_config *cfg;
	struct conf_errors errs;
};

static void load(struct result *r, const char *text)
{
	int fd;

	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "/tmp/%s.%d.XXXXXX", conf_test_tag, (int)conf_test_pid);
	fd = mkstemp(r->path);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(conf_load(r->path, &r->cfg, &r->errs), r->cfg ? 0 : -1);
}

static void done(struct result *r)
{
	unlink(r->path);
	conf_free(r->cfg);
	conf_errors_free(&r->errs);
}

/* Exactly one error, "PATH:line: reason". */
static void refused(const char *text, int line, const char *reason)
{
	struct result r;
	char want[512];

	load(&r, text);
	snprintf(want, sizeof(want), "%s:%d: %s", r.path, line, reason);
	for (size_t i = 0; i < r.errs.n; i++)
		if (strcmp(r.errs.msgs[i], want) != 0)
			fprintf(stderr, "  got: %s\n  want: %s\n", r.errs.msgs[i], want);
	ck_assert_ptr_null(r.cfg);
	ck_assert_uint_eq(r.errs.n, 1);
	ck_assert_str_eq(r.errs.msgs[0], want);
	done(&r);
}

#endif
