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
static char dir[96], path[160], victim[160];

static void remove_leftovers(void)
{
	tu_remove_leftovers("check_atomic_file", runner_pid);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_atomic_file.%d.XXXXXX", (int)runner_pid);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/target", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
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
		ck_assert_int_eq(atomic_file_replace(path, "first\n", 6, durable, &step), 0);
		ck_assert_str_eq(content(path), "first\n");
		ck_assert_int_eq(atomic_file_replace(path, "2nd", 3, durable, &step), 0);
		ck_assert_str_eq(content(path), "2nd");
		ck_assert_int_eq(entries(), 1); /* no temp file left */
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
	ck_assert_int_eq(atomic_file_replace("rel", "x", 1, true, &step), 0);
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
	int rc = atomic_file_replace(path, "new", 3, true, &step);

	ck_assert_int_lt(rc, 0);
	ck_assert_str_eq(step, "rename");
	ck_assert_int_eq(entries(), 1); /* the temp file is gone */
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
	ck_assert_msg(strstr(err, "cannot write ") == err && strstr(err, ": open directory: "),
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

static void put(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static bool is_link(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
}

/* B1: a link planted at the temp name the metrics file used to get
 * (<path>.tmp.<pid>, predictable) made root write through it: the victim
 * was truncated and overwritten. It must stay as it was. */
START_TEST(test_link_at_old_tmp_name)
{
	char link[200], err[256];

	put(victim, "precious\n");
	snprintf(link, sizeof(link), "%s.tmp.%ld", path, (long)getpid());
	ck_assert_int_eq(symlink(victim, link), 0);
	ck_assert_int_eq(atomic_file_write(path, "metrics\n", 8, err, sizeof(err)), 0);
	ck_assert_str_eq(content(victim), "precious\n");
	ck_assert_str_eq(content(path), "metrics\n");
	ck_assert(!is_link(path));
	ck_assert(is_link(link)); /* not ours: left alone */
}
END_TEST

/* The temp names are random; the attacker guessed the first one right
 * (the randomness is replaced so that it does) and planted a link there
 * and a file at the second: neither is opened, the third name is used. */
static int draws;

static void guessable(void *buf, size_t len)
{
	memset(buf, 0xa0 + draws++, len);
}

START_TEST(test_link_at_random_name)
{
	char first[200], second[200];
	const char *step = NULL;
	void (*saved)(void *, size_t) = atomic_file_random;

	put(victim, "precious\n");
	snprintf(first, sizeof(first), "%s.tmp.a0a0a0a0a0a0", path);
	snprintf(second, sizeof(second), "%s.tmp.a1a1a1a1a1a1", path);
	ck_assert_int_eq(symlink(victim, first), 0);
	put(second, "planted\n");
	draws = 0;
	atomic_file_random = guessable;
	for (int durable = 0; durable <= 1; durable++) {
		draws = 0;
		ck_assert_int_eq(atomic_file_replace(path, "new\n", 4, durable, &step), 0);
		ck_assert_int_eq(draws, 3);
	}
	atomic_file_random = saved;
	ck_assert_str_eq(content(victim), "precious\n");
	ck_assert_str_eq(content(second), "planted\n");
	ck_assert_str_eq(content(path), "new\n");
	ck_assert(is_link(first));
	ck_assert_int_eq(entries(), 4); /* target, victim, the two planted names */
}
END_TEST

/* The target itself a link: the rename replaces the link, the file it
 * points to is not written. */
START_TEST(test_link_at_target)
{
	char err[256];

	put(victim, "precious\n");
	ck_assert_int_eq(symlink(victim, path), 0);
	ck_assert_int_eq(atomic_file_write(path, "m\n", 2, err, sizeof(err)), 0);
	ck_assert_str_eq(content(victim), "precious\n");
	ck_assert(!is_link(path));
	ck_assert_str_eq(content(path), "m\n");
}
END_TEST

/* state_dir / run_dir: owned by root (or us), not group/other-writable. */
START_TEST(test_dir_check)
{
	char err[256], sub[200], file[200];

	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(atomic_dir_check(dir, err, sizeof(err)), 0);
	ck_assert_int_eq(chmod(dir, 0775), 0);
	ck_assert_int_eq(atomic_dir_check(dir, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "is writable by group or others"), "err \"%s\"", err);
	ck_assert_msg(strstr(err, dir), "err \"%s\"", err);
	ck_assert_int_eq(chmod(dir, 01757), 0); /* sticky does not help: others can plant */
	ck_assert_int_eq(atomic_dir_check(dir, err, sizeof(err)), -1);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/missing", dir);
	ck_assert_int_eq(atomic_dir_check(sub, err, sizeof(err)), 1);
	snprintf(file, sizeof(file), "%s/file", dir);
	put(file, "x");
	ck_assert_int_eq(atomic_dir_check(file, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "is not a directory"), "err \"%s\"", err);
	if (geteuid() == 0) {
		ck_assert_int_eq(mkdir(sub, 0755), 0);
		ck_assert_int_eq(chown(sub, 65534, 65534), 0);
		ck_assert_int_eq(atomic_dir_check(sub, err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, "owned by uid 65534"), "err \"%s\"", err);
	}
}
END_TEST

START_TEST(test_dir_problem)
{
	struct stat st = {.st_mode = S_IFDIR | 0755, .st_uid = 0};

	ck_assert_ptr_null(atomic_dir_problem(&st, 0));
	st.st_uid = 1000;
	ck_assert_str_eq(atomic_dir_problem(&st, 0), "is not owned by root");
	ck_assert_ptr_null(atomic_dir_problem(&st, 1000)); /* ours, not running as root */
	st.st_uid = 0;
	st.st_mode = S_IFDIR | 0775;
	ck_assert_str_eq(atomic_dir_problem(&st, 0), "is writable by group or others");
	st.st_mode = S_IFDIR | 0757;
	ck_assert_str_eq(atomic_dir_problem(&st, 0), "is writable by group or others");
	st.st_mode = S_IFREG | 0600;
	ck_assert_str_eq(atomic_dir_problem(&st, 0), "is not a directory");
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
	tcase_add_test(tc, test_link_at_old_tmp_name);
	tcase_add_test(tc, test_link_at_random_name);
	tcase_add_test(tc, test_link_at_target);
	tcase_add_test(tc, test_dir_check);
	tcase_add_test(tc, test_dir_problem);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(atomic_file_suite)
