/* SPDX-License-Identifier: GPL-2.0-or-later */
/* testutil.h - shared bits of the Check unit tests. */
#ifndef CLUSTD_TESTUTIL_H
#define CLUSTD_TESTUTIL_H

#include <check.h>
#include <stdlib.h>

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
