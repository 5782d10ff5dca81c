/* SPDX-License-Identifier: GPL-2.0-or-later */
/* testutil.h - shared bits of the Check unit tests. */
#ifndef CLUSTD_TESTUTIL_H
#define CLUSTD_TESTUTIL_H

#include <check.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Temp dirs of a test binary are /tmp/<tag>.<runner pid>.*: removed by
 * tu_remove_tree() in the test, and whatever a failing (forked) test left
 * by tu_remove_leftovers() at the runner's exit. */
static inline int tu_remove_entry(const char *path, const struct stat *st, int flag,
				  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0; /* keep going whatever happened */
}

static inline void tu_remove_tree(const char *path)
{
	nftw(path, tu_remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static inline void tu_remove_leftovers(const char *tag, pid_t runner)
{
	char prefix[64];
	struct dirent *e;
	DIR *d;

	if (getpid() != runner || !(d = opendir("/tmp")))
		return;
	snprintf(prefix, sizeof(prefix), "%s.%d.", tag, (int)runner);
	while ((e = readdir(d))) {
		char path[300];

		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(path, sizeof(path), "/tmp/%s", e->d_name);
		tu_remove_tree(path);
	}
	closedir(d);
}

/* TU_SKIP("why", ...): this test cannot run here (not root, say). Prints
 * "SKIP: <test>: <why>" on its own line, which scripts/run-unit.sh counts
 * as a skip (not a pass; `make check` fails on skips unless
 * CLUSTD_ALLOW_SKIP=1), and returns from the test. Never silently return. */
#define TU_SKIP(...)                                                  \
	do {                                                          \
		fprintf(stderr, "\nSKIP: %s: ", __func__);            \
		fprintf(stderr, __VA_ARGS__);                         \
		fprintf(stderr, "\n");                                \
		return;                                               \
	} while (0)

/* Every t/unit/check_*.c ends with CLUSTD_TEST_MAIN(its_suite). */
#define CLUSTD_TEST_MAIN(suite_fn)                                   \
	int main(void)                                               \
	{                                                            \
		SRunner *sr = srunner_create(suite_fn());            \
		srunner_run_all(sr, CK_NORMAL);                      \
		int failed = srunner_ntests_failed(sr);              \
		srunner_free(sr);                                    \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;         \
	}

#endif
