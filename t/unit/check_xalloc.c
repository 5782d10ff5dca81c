/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_xalloc.c - unit tests of the out-of-memory policy (src/xalloc.c):
 * a failed allocation logs "out of memory" and aborts; it never returns
 * NULL. Failures are provoked with sizes no allocator can satisfy, in a
 * forked child whose stderr is captured. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "testutil.h"
#include "xalloc.h"

/* Under ASan an impossible size must come back as NULL (as from glibc),
 * not stop the process with ASan's own report. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

enum which { X_MALLOC, X_CALLOC, X_REALLOC };

static void fail_one(enum which w)
{
	volatile size_t huge = SIZE_MAX - 4096; /* volatile: keep the call */
	void *p = NULL;

	switch (w) {
	case X_MALLOC: p = xmalloc(huge); break;
	case X_CALLOC: p = xcalloc(huge / 2, 4); break; /* n * size overflows */
	case X_REALLOC: p = xrealloc(xmalloc(16), huge); break;
	}
	/* Not reached when the policy holds. */
	printf("returned %p\n", p);
	exit(0);
}

/* Runs fail_one(w) in a child; checks it died of SIGABRT after logging
 * "out of memory". */
static void expect_abort(enum which w, const char *what)
{
	int fds[2], status;
	char out[512] = "";
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		log_init("check_xalloc", true, LOG_DEBUG);
		fail_one(w);
	}
	close(fds[1]);
	/* Everything until the child is gone (it may write more than once). */
	size_t used = 0;
	ssize_t n;
	char sink[256];

	while ((n = read(fds[0], used < sizeof(out) - 1 ? out + used : sink,
			 used < sizeof(out) - 1 ? sizeof(out) - 1 - used : sizeof(sink))) > 0)
		used += used < sizeof(out) - 1 ? (size_t)n : 0;
	out[used] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
		      "%s: child did not abort (status 0x%x, output \"%s\")", what, status, out);
	ck_assert_msg(strstr(out, "out of memory") && strstr(out, what),
		      "%s: log \"%s\"", what, out);
}

START_TEST(test_malloc_fails_aborts)
{
	expect_abort(X_MALLOC, "malloc");
}
END_TEST

START_TEST(test_calloc_overflow_aborts)
{
	expect_abort(X_CALLOC, "calloc");
}
END_TEST

START_TEST(test_realloc_fails_aborts)
{
	expect_abort(X_REALLOC, "realloc");
}
END_TEST

/* Success: usable memory, zeroed by xcalloc, copies that are equal, and
 * size 0 is not a NULL. */
START_TEST(test_success)
{
	char *s = xstrdup("clustd");
	char *f = xasprintf("%s-%d", s, 7);
	unsigned char *z = xcalloc(64, 1);
	void *zero = xmalloc(0);

	ck_assert_str_eq(s, "clustd");
	ck_assert_str_eq(f, "clustd-7");
	for (int i = 0; i < 64; i++)
		ck_assert_uint_eq(z[i], 0);
	z = xrealloc(z, 4096);
	z[4095] = 1;
	ck_assert_ptr_nonnull(zero);
	free(s);
	free(f);
	free(z);
	free(zero);
}
END_TEST

static Suite *xalloc_suite(void)
{
	Suite *s = suite_create("xalloc");
	TCase *tc = tcase_create("policy");

	tcase_add_test(tc, test_malloc_fails_aborts);
	tcase_add_test(tc, test_calloc_overflow_aborts);
	tcase_add_test(tc, test_realloc_fails_aborts);
	tcase_add_test(tc, test_success);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(xalloc_suite)
