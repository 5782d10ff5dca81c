/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_atomic_file.c - unit tests of temp-file-then-rename replacement
 * (src/atomic_file.c). Each test works in its own directory under /tmp. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "testutil.h"

static pid_t runner_pid;
static char dir[96], path[160], tmp[160];

static void remove_leftovers(void)
{
	tu_remove_leftovers("check_atomic_file", runner_pid);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_atomic_file.%d.XXXXXX", (int)runner_pid);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/target", dir);
	snprintf(tmp, sizeof(tmp), "%s/target.tmp", dir);
}

static void teardown(void)
{
	chmod(dir, 0700);
	tu_remove_tree(dir);
}

static bool exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

/* The file's content, NUL-terminated, in a static buffer. */
static const char *content(const char *p)
{
	static char buf[256];
	FILE *f = fopen(p, "rb");

	ck_assert_ptr_nonnull(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);

	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The number of entries in dir besides . and .. */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

START_TEST(test_creates_and_replaces)
{
	const char *step = NULL;

	for (int durable = 0; durable <= 1; durable++) {
		ck_assert_int_eq(atomic_file_replace(path, tmp, "first\n", 6, durable, &step), 0);
		ck_assert_str_eq(content(path), "first\n");
		ck_assert_int_eq(atomic_file_replace(path, tmp, "2nd", 3, durable, &step), 0);
		ck_assert_str_eq(content(path), "2nd");
		ck_assert(!exists(tmp));
		ck_assert_int_eq(entries(), 1);
	}
}
END_TEST

/* A bare file name: the directory to fsync is ".". */
START_TEST(test_relative_name)
{
	const char *step = NULL;
	char cwd[PATH_MAX];

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(atomic_file_replace("rel", "rel.tmp", "x", 1, true, &step), 0);
	ck_assert_str_eq(content("rel"), "x");
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

/* The rename fails (the target is a non-empty directory): the old target
 * stays, the temp file is removed, the step is named. */
START_TEST(test_rename_fails)
{
	char inner[200];
	const char *step = NULL;

	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(inner, sizeof(inner), "%s/keep", path);
	fclose(fopen(inner, "w"));
	int rc = atomic_file_replace(path, tmp, "new", 3, true, &step);

	ck_assert_int_lt(rc, 0);
	ck_assert_str_eq(step, "rename");
	ck_assert(!exists(tmp));
	ck_assert(exists(inner));
}
END_TEST

/* The temp file cannot be created: nothing is touched, err says why. */
START_TEST(test_create_fails)
{
	char err[256] = "";
	char missing[200];

	snprintf(missing, sizeof(missing), "%s/no/such/file", dir);
	ck_assert_int_eq(atomic_file_write(missing, "x", 1, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "cannot write ") == err && strstr(err, ": create: "),
		      "err \"%s\"", err);
	ck_assert_int_eq(entries(), 0);
}
END_TEST

/* The caller's err buffer need not be initialised, and a success leaves
 * no temp file (path.tmp.PID) behind. */
START_TEST(test_write_atomic)
{
	char err[64];

	memset(err, 'Z', sizeof(err)); /* no terminating NUL */
	ck_assert_int_eq(atomic_file_write(path, "metrics\n", 8, err, sizeof(err)), 0);
	ck_assert_str_eq(content(path), "metrics\n");
	ck_assert_int_eq(entries(), 1);
	ck_assert_int_lt(atomic_file_write(dir, "x", 1, err, sizeof(err)), 0);
	ck_assert_msg(strncmp(err, "cannot write /tmp/", 18) == 0, "err \"%s\"", err);
	ck_assert_uint_lt(strlen(err), sizeof(err));
}
END_TEST

static Suite *atomic_file_suite(void)
{
	Suite *s = suite_create("atomic_file");
	TCase *tc = tcase_create("replace");

	runner_pid = getpid();
	atexit(remove_leftovers);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_creates_and_replaces);
	tcase_add_test(tc, test_relative_name);
	tcase_add_test(tc, test_rename_fails);
	tcase_add_test(tc, test_create_fails);
	tcase_add_test(tc, test_write_atomic);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(atomic_file_suite)
