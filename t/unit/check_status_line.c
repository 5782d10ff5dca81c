/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_status_line.c - unit tests of the service status line
 * (src/status_line.c) that systemd shows as the unit's Status. */
#include <string.h>

#include "status_line.h"
#include "testutil.h"

static char buf[512];

static const struct status_line_quorum quorum_3_of_3 = {.enabled = true, .held = true,
							 .alive = 3, .members = 3};

/* The issue's own example, to the byte. */
START_TEST(test_one_master_with_quorum)
{
	struct status_line_instance v[] = {{"web", STATE_MASTER, 150, NULL, false}};

	ck_assert_str_eq(status_line_format(v, 1, false, &quorum_3_of_3, buf, sizeof(buf)),
			 "web MASTER prio 150, quorum 3/3");
}
END_TEST

START_TEST(test_no_cluster_plane_no_quorum_part)
{
	struct status_line_instance v[] = {{"web", STATE_BACKUP, 100, NULL, false},
					   {"web6", STATE_INIT, 90, NULL, false}};
	struct status_line_quorum off = {.enabled = false, .held = true, .alive = 1, .members = 1};

	ck_assert_str_eq(status_line_format(v, 2, false, NULL, buf, sizeof(buf)),
			 "web BACKUP prio 100, web6 INIT prio 90");
	ck_assert_str_eq(status_line_format(v, 2, false, &off, buf, sizeof(buf)),
			 "web BACKUP prio 100, web6 INIT prio 90");
}
END_TEST

START_TEST(test_lost_quorum_is_loud)
{
	struct status_line_instance v[] = {{"web", STATE_FAULT, 150, "no quorum", false}};
	struct status_line_quorum lost = {.enabled = true, .held = false, .alive = 1, .members = 3};

	ck_assert_str_eq(status_line_format(v, 1, false, &lost, buf, sizeof(buf)),
			 "web FAULT prio 150 (no quorum), NO QUORUM 1/3");
}
END_TEST

/* A long fault reason is cut; a reason is shown in FAULT only. */
START_TEST(test_fault_reason_cut_and_only_in_fault)
{
	const char *why = "interface eth0 has no IPv4 address and no link: waiting for it";
	struct status_line_instance v[] = {{"a", STATE_FAULT, 100, why, false},
					   {"b", STATE_BACKUP, 100, "stale reason", false}};
	char expect[128];

	snprintf(expect, sizeof(expect), "a FAULT prio 100 (%.*s), b BACKUP prio 100",
		 STATUS_LINE_REASON_MAX, why);
	ck_assert_str_eq(status_line_format(v, 2, false, NULL, buf, sizeof(buf)), expect);
	ck_assert_ptr_nonnull(strstr(why + STATUS_LINE_REASON_MAX, "waiting"));
	ck_assert_ptr_null(strstr(buf, "waiting"));
}
END_TEST

START_TEST(test_nothing_configured)
{
	ck_assert_str_eq(status_line_format(NULL, 0, false, &quorum_3_of_3, buf, sizeof(buf)),
			 "no instance configured, quorum 3/3");
	ck_assert_str_eq(status_line_format(NULL, 0, false, NULL, buf, sizeof(buf)),
			 "no instance configured");
}
END_TEST

/* Up to STATUS_LINE_NAMED_MAX named; one more and they are counted. */
START_TEST(test_many_instances_are_counted)
{
	struct status_line_instance v[STATUS_LINE_NAMED_MAX + 1];
	static const char *const names[] = {"i0", "i1", "i2", "i3", "i4", "i5", "i6", "i7"};

	ck_assert_uint_le(STATUS_LINE_NAMED_MAX + 1, sizeof(names) / sizeof(names[0]));
	for (size_t i = 0; i < STATUS_LINE_NAMED_MAX + 1; i++)
		v[i] = (struct status_line_instance){names[i], i % 2 ? STATE_BACKUP : STATE_MASTER,
						     100, NULL, false};
	status_line_format(v, STATUS_LINE_NAMED_MAX, false, NULL, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "i3 BACKUP prio 100"));
	v[STATUS_LINE_NAMED_MAX - 1].state = STATE_FAULT;
	ck_assert_str_eq(status_line_format(v, STATUS_LINE_NAMED_MAX + 1, false, &quorum_3_of_3, buf,
					    sizeof(buf)),
			 "5 instances: 3 MASTER, 1 BACKUP, 1 FAULT, quorum 3/3");
}
END_TEST

/* A small buffer cuts the line, terminated, never overrun. */
START_TEST(test_cut_never_overruns)
{
	struct status_line_instance v[] = {{"web", STATE_MASTER, 150, NULL, false}};
	char small[16 + 4];

	memset(small, 'X', sizeof(small));
	status_line_format(v, 1, false, &quorum_3_of_3, small, 16);
	ck_assert_str_eq(small, "web MASTER prio");
	ck_assert_int_eq(small[16], 'X');
	status_line_format(v, 1, false, &quorum_3_of_3, small, 1);
	ck_assert_str_eq(small, "");
}
END_TEST

/* A drained instance says so after its priority (it will not become
 * master); more instances than are named count the drained ones. */
START_TEST(test_drained_instance_says_so)
{
	struct status_line_instance v[STATUS_LINE_NAMED_MAX + 1] = {
		{"web", STATE_BACKUP, 100, NULL, true}, {"db", STATE_MASTER, 150, NULL, false}};
	static const char *const names[] = {"i2", "i3", "i4"};

	ck_assert_str_eq(status_line_format(v, 1, false, &quorum_3_of_3, buf, sizeof(buf)),
			 "web BACKUP prio 100 drained, quorum 3/3");
	ck_assert_str_eq(status_line_format(v, 2, false, NULL, buf, sizeof(buf)),
			 "web BACKUP prio 100 drained, db MASTER prio 150");
	/* A drained master (a handover not yet through) is shown as it is. */
	v[0].state = STATE_MASTER;
	ck_assert_str_eq(status_line_format(v, 1, false, NULL, buf, sizeof(buf)),
			 "web MASTER prio 100 drained");
	for (size_t i = 2; i < STATUS_LINE_NAMED_MAX + 1; i++)
		v[i] = (struct status_line_instance){names[i - 2], STATE_BACKUP, 100, NULL, i == 2};
	ck_assert_str_eq(status_line_format(v, STATUS_LINE_NAMED_MAX + 1, false, &quorum_3_of_3, buf,
					    sizeof(buf)),
			 "5 instances: 2 MASTER, 3 BACKUP, 2 drained, quorum 3/3");
}
END_TEST

/* A drained node says so first, with or without instances. */
START_TEST(test_drained_node_says_so_first)
{
	struct status_line_instance v[] = {{"web", STATE_BACKUP, 100, NULL, true}};

	ck_assert_str_eq(status_line_format(v, 1, true, &quorum_3_of_3, buf, sizeof(buf)),
			 "node drained, web BACKUP prio 100 drained, quorum 3/3");
	ck_assert_str_eq(status_line_format(NULL, 0, true, NULL, buf, sizeof(buf)),
			 "node drained, no instance configured");
}
END_TEST

static Suite *status_line_suite(void)
{
	Suite *s = suite_create("status_line");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_one_master_with_quorum);
	tcase_add_test(tc, test_no_cluster_plane_no_quorum_part);
	tcase_add_test(tc, test_lost_quorum_is_loud);
	tcase_add_test(tc, test_fault_reason_cut_and_only_in_fault);
	tcase_add_test(tc, test_nothing_configured);
	tcase_add_test(tc, test_many_instances_are_counted);
	tcase_add_test(tc, test_cut_never_overruns);
	tcase_add_test(tc, test_drained_instance_says_so);
	tcase_add_test(tc, test_drained_node_says_so_first);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(status_line_suite)
