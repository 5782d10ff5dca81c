/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_incarnation.c - unit tests of the persisted incarnation (src/incarnation.c).
 * Each test works in its own fresh directory under $TMPDIR or /tmp. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "incarnation.h"
#include "testutil.h"

/* base: one directory per test case, made and removed by the parent
 * process (unchecked fixture), so it goes away even when a test fails in
 * its forked child. dir: the state_dir of one test, inside base. */
static char base[PATH_MAX];
static char dir[PATH_MAX + 32];
static char file[PATH_MAX + 64];

static void make_base(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(base, sizeof(base), "%s/check_incarnation.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(base));
}

static int unlock_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_D || type == FTW_DNR)
		chmod(path, 0700);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_base(void)
{
	/* Directories first made writable (a test may leave one read-only),
	 * then everything removed, deepest first. */
	nftw(base, unlock_one, 8, FTW_PHYS);
	nftw(base, remove_one, 8, FTW_PHYS | FTW_DEPTH);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/incarnation", dir);
}

static void put_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static size_t get_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");

	ck_assert_ptr_nonnull(f);
	size_t n = fread(buf, 1, cap - 1, f);

	buf[n] = '\0';
	fclose(f);
	return n;
}

/* A record as doc/quorum.md describes it, built independently of incarnation.c:
 * "<body> <hex of 16-byte BLAKE2b of body>\n". */
static size_t record(char *buf, size_t cap, const char *body)
{
	uint8_t sum[16];
	char hex[33];

	ck_assert_int_ge(sodium_init(), 0);
	crypto_generichash(sum, sizeof(sum), (const uint8_t *)body, strlen(body), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	int n = snprintf(buf, cap, "%s %s\n", body, hex);

	ck_assert_int_gt(n, 0);
	ck_assert_uint_lt((size_t)n, cap);
	return (size_t)n;
}

/* Calls incarnation_next and checks it fell back to the wall clock. */
static uint64_t expect_clock_fallback(const char *want_err)
{
	char err[256];
	uint64_t out = 0;
	uint64_t before = (uint64_t)time(NULL);
	int rc = incarnation_next(dir, &out, err, sizeof(err));
	uint64_t after = (uint64_t)time(NULL);

	ck_assert_int_eq(rc, 0);
	ck_assert_msg(out >= before && out <= after, "out %llu not in [%llu, %llu]",
		      (unsigned long long)out, (unsigned long long)before,
		      (unsigned long long)after);
	ck_assert_msg(strstr(err, want_err) == err, "err \"%s\", want \"%s...\"", err, want_err);
	return out;
}

/* The next value with the wall clock at 1 s: the stored + 1 rule alone. */
static uint64_t expect_next(void)
{
	char err[256] = "stale";
	uint64_t out = 0;

	ck_assert_int_eq(incarnation_next_at(dir, 1, 0, true, &out, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	return out;
}

/* incarnation_next_at with that wall clock and running value; the file
 * then holds the result. */
static uint64_t expect_next_at(uint64_t wall_s, uint64_t above)
{
	char err[256] = "stale", content[256], want[256], body[64];
	uint64_t out = 0;

	ck_assert_int_eq(incarnation_next_at(dir, wall_s, above, true, &out, err, sizeof(err)), 0);
	snprintf(body, sizeof(body), "CLINC 1 %llu", (unsigned long long)out);
	record(want, sizeof(want), body);
	get_file(file, content, sizeof(content));
	ck_assert_str_eq(content, want);
	return out;
}

/* A plane restarted on the loop (reload, restore) writes without fsync:
 * the same record, and the next start counts from it. */
START_TEST(test_not_durable_same_record)
{
	char err[256] = "stale", content[256], want[256], body[64];
	uint64_t out = 0, next = 0;

	ck_assert_int_eq(incarnation_next_at(dir, 1000, 1500, false, &out, err, sizeof(err)), 0);
	ck_assert_uint_eq(out, 1501);
	snprintf(body, sizeof(body), "CLINC 1 %llu", (unsigned long long)out);
	record(want, sizeof(want), body);
	get_file(file, content, sizeof(content));
	ck_assert_str_eq(content, want);
	ck_assert_int_eq(incarnation_store(dir, 1700, false, err, sizeof(err)), 0);
	ck_assert_int_eq(incarnation_next_at(dir, 1000, 0, true, &next, err, sizeof(err)), 0);
	ck_assert_uint_eq(next, 1701);
}
END_TEST

START_TEST(test_first_start)
{
	char content[256], want[256], body[64];
	uint64_t v = expect_clock_fallback("missing");

	/* The file now holds exactly the documented record of v. */
	snprintf(body, sizeof(body), "CLINC 1 %llu", (unsigned long long)v);
	record(want, sizeof(want), body);
	get_file(file, content, sizeof(content));
	ck_assert_str_eq(content, want);
}
END_TEST

START_TEST(test_increments)
{
	uint64_t v = expect_clock_fallback("missing");

	for (uint64_t i = 1; i <= 5; i++)
		ck_assert_uint_eq(expect_next(), v + i);
}
END_TEST

START_TEST(test_reads_documented_format)
{
	char rec[256];

	put_file(file, rec, record(rec, sizeof(rec), "CLINC 1 41"));
	ck_assert_uint_eq(expect_next(), 42);
	put_file(file, rec, record(rec, sizeof(rec), "CLINC 1 0"));
	ck_assert_uint_eq(expect_next(), 1);
	put_file(file, rec, record(rec, sizeof(rec), "CLINC 1 18446744073709551614"));
	ck_assert_uint_eq(expect_next(), UINT64_MAX);
}
END_TEST

/* Whatever was wrong, the fallback is written and the next start is +1. */
static void corrupt_case(const void *data, size_t len, const char *want_err)
{
	put_file(file, data, len);
	uint64_t v = expect_clock_fallback(want_err);

	ck_assert_uint_eq(expect_next(), v + 1);
}

START_TEST(test_zero_length)
{
	corrupt_case("", 0, "corrupt: empty");
}
END_TEST

START_TEST(test_garbage)
{
	uint8_t junk[100];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	corrupt_case(junk, sizeof(junk), "corrupt: ");
	corrupt_case("\0\0\0\0\0\0\0\0", 8, "corrupt: ");
}
END_TEST

START_TEST(test_wrong_magic)
{
	char rec[256];

	corrupt_case(rec, record(rec, sizeof(rec), "CLINX 1 41"), "corrupt: bad magic");
	corrupt_case(rec, record(rec, sizeof(rec), "clinc 1 41"), "corrupt: bad magic");
}
END_TEST

START_TEST(test_wrong_version)
{
	char rec[256];

	corrupt_case(rec, record(rec, sizeof(rec), "CLINC 2 41"), "corrupt: unsupported version");
	corrupt_case(rec, record(rec, sizeof(rec), "CLINC 10 41"), "corrupt: unsupported version");
}
END_TEST

START_TEST(test_wrong_checksum)
{
	char rec[256];
	size_t n = record(rec, sizeof(rec), "CLINC 1 41");

	rec[8] = '9'; /* "CLINC 1 91": the value changed, the sum did not */
	corrupt_case(rec, n, "corrupt: bad checksum");

	n = record(rec, sizeof(rec), "CLINC 1 41");
	rec[n - 2] = rec[n - 2] == '0' ? '1' : '0'; /* the sum changed */
	corrupt_case(rec, n, "corrupt: bad checksum");
}
END_TEST

/* A record cut short anywhere is rejected. */
START_TEST(test_truncated)
{
	char rec[256];
	size_t n = record(rec, sizeof(rec), "CLINC 1 1234567");

	for (size_t len = 0; len < n; len++)
		corrupt_case(rec, len, "corrupt: ");
}
END_TEST

/* Right checksum, but not a value clustd writes. */
START_TEST(test_bad_value)
{
	static const char *const bodies[] = {
		"CLINC 1 042", "CLINC 1 -1", "CLINC 1 +1", "CLINC 1 4x",
		"CLINC 1 18446744073709551616", "CLINC 1 99999999999999999999999",
	};
	char rec[256];

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		corrupt_case(rec, record(rec, sizeof(rec), bodies[i]), "corrupt: bad value");
	/* Empty value: nothing between the two spaces. */
	corrupt_case(rec, record(rec, sizeof(rec), "CLINC 1 "), "corrupt: bad value");
	/* At the maximum, +1 would wrap to 0. */
	corrupt_case(rec, record(rec, sizeof(rec), "CLINC 1 18446744073709551615"),
		     "corrupt: value at its maximum");
}
END_TEST

START_TEST(test_trailing_data)
{
	char rec[256];
	size_t n = record(rec, sizeof(rec), "CLINC 1 41");

	rec[n] = '\n';
	corrupt_case(rec, n + 1, "corrupt: ");
	rec[n] = 'x';
	corrupt_case(rec, n + 1, "corrupt: ");
	n = record(rec, sizeof(rec), "CLINC 1 41");
	rec[n - 1] = 'x'; /* same length, no end of line */
	corrupt_case(rec, n, "corrupt: truncated");
	memset(rec, '7', sizeof(rec));
	memcpy(rec, "CLINC 1 ", 8);
	corrupt_case(rec, sizeof(rec), "corrupt: too long");
}
END_TEST

/* A temp file left by a crash between create and rename (the old fixed
 * name, or a random one) is not read, and the write leaves none of its
 * own behind. */
START_TEST(test_leftover_tmp)
{
	char rec[256], tmp[PATH_MAX + 80], tmp2[PATH_MAX + 96];
	struct dirent *e;
	int n = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	snprintf(tmp2, sizeof(tmp2), "%s.tmp.0123456789ab", file);
	put_file(file, rec, record(rec, sizeof(rec), "CLINC 1 41"));
	put_file(tmp, rec, record(rec, sizeof(rec), "CLINC 1 500"));
	put_file(tmp2, rec, record(rec, sizeof(rec), "CLINC 1 600"));
	ck_assert_uint_eq(expect_next(), 42);
	DIR *d = opendir(dir);

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	ck_assert_int_eq(n, 3); /* incarnation and the two leftovers */
}
END_TEST

/* state_dir is a regular file: nothing can be written under it. The value
 * is still usable. */
START_TEST(test_not_a_directory)
{
	char err[256];
	uint64_t out = 0;
	uint64_t before = (uint64_t)time(NULL);

	put_file(file, "x", 1);
	int rc = incarnation_next(file, &out, err, sizeof(err));

	ck_assert_int_eq(rc, -ENOTDIR);
	ck_assert_uint_ge(out, before);
	ck_assert_uint_le(out, (uint64_t)time(NULL));
	ck_assert_ptr_nonnull(strstr(err, "unreadable"));
	ck_assert_ptr_nonnull(strstr(err, "cannot save"));
}
END_TEST

START_TEST(test_missing_directory)
{
	char err[256], sub[PATH_MAX + 48];
	uint64_t out = 0;

	snprintf(sub, sizeof(sub), "%s/nope", dir);
	ck_assert_int_eq(incarnation_next(sub, &out, err, sizeof(err)), -ENOENT);
	ck_assert_uint_gt(out, 0);
	ck_assert_msg(strstr(err, "missing; cannot save") == err, "err \"%s\"", err);
}
END_TEST

/* Only meaningful without CAP_DAC_OVERRIDE: registered when not root. */
START_TEST(test_read_only_directory)
{
	char err[256], rec[256];
	uint64_t out = 0;

	put_file(file, rec, record(rec, sizeof(rec), "CLINC 1 41"));
	ck_assert_int_eq(chmod(dir, 0500), 0);
	/* Root writes anywhere: run the call as nobody, who owns the tree.
	 * (Check forks each test, so the lost privilege stays here.) */
	if (geteuid() == 0) {
		ck_assert_int_eq(chmod(base, 0711), 0);
		ck_assert_int_eq(chown(dir, 65534, 65534), 0);
		ck_assert_int_eq(chown(file, 65534, 65534), 0);
		ck_assert_int_eq(seteuid(65534), 0);
	}
	ck_assert_int_eq(incarnation_next_at(dir, 1, 0, true, &out, err, sizeof(err)), -EACCES);
	if (getuid() == 0)
		ck_assert_int_eq(seteuid(0), 0);
	/* The read worked: the value is the stored one + 1, not the clock. */
	ck_assert_uint_eq(out, 42);
	ck_assert_msg(strstr(err, "cannot save") == err, "err \"%s\"", err);
}
END_TEST

/* B4: a stored value far behind the wall clock (a state_dir that could
 * not be written for a while keeps an old value) never comes back: the
 * next start is at least the wall clock in seconds. */
START_TEST(test_old_stored_value_below_clock)
{
	char rec[256], err[256];
	uint64_t v = 0, before = (uint64_t)time(NULL);

	put_file(file, rec, record(rec, sizeof(rec), "CLINC 1 41"));
	ck_assert_int_eq(incarnation_next(dir, &v, err, sizeof(err)), 0);
	ck_assert_msg(v >= before && v <= (uint64_t)time(NULL),
		      "incarnation %llu, wall clock %llu", (unsigned long long)v,
		      (unsigned long long)before);
}
END_TEST

/* max(stored + 1, wall clock, running + 1), each term on its own. */
START_TEST(test_pick_the_largest)
{
	char rec[256];

	put_file(file, rec, record(rec, sizeof(rec), "CLINC 1 41"));
	ck_assert_uint_eq(expect_next_at(1000, 0), 1000);    /* the clock */
	ck_assert_uint_eq(expect_next_at(500, 0), 1001);     /* stored + 1: clock went back */
	ck_assert_uint_eq(expect_next_at(1001, 5000), 5001); /* above the running one */
	ck_assert_uint_eq(expect_next_at(0, 0), 5002);       /* a clock before the epoch */
	ck_assert_uint_eq(incarnation_pick(false, 0, 0, 0), 1);
	ck_assert_uint_eq(incarnation_pick(true, UINT64_MAX - 1, 7, 0), UINT64_MAX);
	ck_assert_uint_eq(incarnation_pick(true, UINT64_MAX, 7, UINT64_MAX), 7); /* no wrap */
	ck_assert_uint_eq(incarnation_pick(false, 99, 7, 0), 7); /* no stored value: 99 ignored */
}
END_TEST

/* B4, the attack on the rule: state_dir read-only, two starts. Before,
 * both got stored + 1, the same value, and peers dropped the second run's
 * heartbeats as replays. Now the second start, a second later, is above. */
START_TEST(test_read_only_restarts_differ)
{
	char err[256], rec[256];
	uint64_t first = 0, second = 0;

	put_file(file, rec, record(rec, sizeof(rec), "CLINC 1 41"));
	ck_assert_int_eq(chmod(dir, 0500), 0);
	if (geteuid() == 0) { /* root writes anywhere: be nobody (see above) */
		ck_assert_int_eq(chmod(base, 0711), 0);
		ck_assert_int_eq(chown(dir, 65534, 65534), 0);
		ck_assert_int_eq(chown(file, 65534, 65534), 0);
		ck_assert_int_eq(seteuid(65534), 0);
	}
	ck_assert_int_eq(incarnation_next_at(dir, 1700000000, 0, true, &first, err, sizeof(err)), -EACCES);
	ck_assert_int_eq(incarnation_next_at(dir, 1700000001, 0, true, &second, err, sizeof(err)), -EACCES);
	if (getuid() == 0)
		ck_assert_int_eq(seteuid(0), 0);
	ck_assert_uint_eq(first, 1700000000);
	ck_assert_uint_eq(second, 1700000001);
}
END_TEST

/* err may be tiny or absent; it is always a terminated string. */
START_TEST(test_small_err_buffer)
{
	char err[8];
	uint64_t out = 0;

	memset(err, 'z', sizeof(err));
	ck_assert_int_eq(incarnation_next(dir, &out, err, sizeof(err)), 0);
	ck_assert_uint_lt(strnlen(err, sizeof(err)), sizeof(err));
	ck_assert_str_eq(err, "missing");
	ck_assert_int_eq(incarnation_next(dir, &out, NULL, 0), 0);

	char two[2] = "zz";

	put_file(file, "junk", 4);
	ck_assert_int_eq(incarnation_next(dir, &out, two, sizeof(two)), 0);
	ck_assert_str_eq(two, "c");
}
END_TEST

START_TEST(test_file_mode)
{
	struct stat st;

	expect_clock_fallback("missing");
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0022, 0); /* not group/other writable */
}
END_TEST

static Suite *incarnation_suite(void)
{
	Suite *s = suite_create("incarnation");
	TCase *ok = tcase_create("incarnation");
	TCase *bad = tcase_create("corrupt");
	TCase *io = tcase_create("io_errors");

	tcase_add_unchecked_fixture(ok, make_base, remove_base);
	tcase_add_checked_fixture(ok, setup, NULL);
	tcase_add_test(ok, test_first_start);
	tcase_add_test(ok, test_not_durable_same_record);
	tcase_add_test(ok, test_increments);
	tcase_add_test(ok, test_reads_documented_format);
	tcase_add_test(ok, test_leftover_tmp);
	tcase_add_test(ok, test_file_mode);
	suite_add_tcase(s, ok);

	tcase_add_unchecked_fixture(bad, make_base, remove_base);
	tcase_add_checked_fixture(bad, setup, NULL);
	tcase_add_test(bad, test_zero_length);
	tcase_add_test(bad, test_garbage);
	tcase_add_test(bad, test_wrong_magic);
	tcase_add_test(bad, test_wrong_version);
	tcase_add_test(bad, test_wrong_checksum);
	tcase_add_test(bad, test_truncated);
	tcase_add_test(bad, test_bad_value);
	tcase_add_test(bad, test_trailing_data);
	suite_add_tcase(s, bad);

	tcase_add_unchecked_fixture(io, make_base, remove_base);
	tcase_add_checked_fixture(io, setup, NULL);
	tcase_add_test(io, test_not_a_directory);
	tcase_add_test(io, test_missing_directory);
	tcase_add_test(io, test_small_err_buffer);
	tcase_add_test(io, test_read_only_directory);
	tcase_add_test(io, test_old_stored_value_below_clock);
	tcase_add_test(io, test_read_only_restarts_differ);
	tcase_add_test(ok, test_pick_the_largest);
	suite_add_tcase(s, io);
	return s;
}

CLUSTD_TEST_MAIN(incarnation_suite)
