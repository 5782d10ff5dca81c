/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_notify.c - argv and environment handed to notify scripts. */
#include <string.h>

#include "notify.h"
#include "testutil.h"

static struct instance_conf web(void)
{
	struct instance_conf ic = {0};

	ic.name = "web";
	ic.nvips = 2;
	vip_parse("198.51.100.100/24", &ic.vips[0]);
	vip_parse("198.51.100.101", &ic.vips[1]);
	ic.notify.master = "/etc/clustd/master.sh";
	ic.notify.stop = "/etc/clustd/stop.sh";
	return ic;
}

START_TEST(argv_is_keepalived_compatible)
{
	struct instance_conf ic = web();
	struct notify_msg m;

	notify_msg_build(&m, ic.notify.master, &ic, STATE_BACKUP, STATE_MASTER, 150, "because");
	ck_assert_str_eq(m.argv[0], "/etc/clustd/master.sh");
	ck_assert_str_eq(m.argv[1], "INSTANCE");
	ck_assert_str_eq(m.argv[2], "web");
	ck_assert_str_eq(m.argv[3], "MASTER");
	ck_assert_str_eq(m.argv[4], "150");
	ck_assert_ptr_null(m.argv[5]);
	notify_msg_free(&m);
}
END_TEST

START_TEST(env_carries_transition)
{
	struct instance_conf ic = web();
	struct notify_msg m;

	notify_msg_build(&m, "/x", &ic, STATE_MASTER, STATE_FAULT, 150, "interface eth0 down");
	ck_assert_str_eq(m.env[0], "CLUSTD_INSTANCE=web");
	ck_assert_str_eq(m.env[1], "CLUSTD_STATE=FAULT");
	ck_assert_str_eq(m.env[2], "CLUSTD_PREV_STATE=MASTER");
	ck_assert_str_eq(m.env[3], "CLUSTD_VIPS=198.51.100.100/24 198.51.100.101/32");
	ck_assert_str_eq(m.env[4], "CLUSTD_REASON=interface eth0 down");
	ck_assert_ptr_null(m.env[5]);
	notify_msg_free(&m);
}
END_TEST

START_TEST(stop_is_reported_as_STOP)
{
	struct instance_conf ic = web();
	struct notify_msg m;

	ck_assert_str_eq(notify_state_word(STATE_INIT), "STOP");
	ck_assert_str_eq(notify_script_for(&ic.notify, STATE_INIT), "/etc/clustd/stop.sh");
	ck_assert_ptr_null(notify_script_for(&ic.notify, STATE_BACKUP));
	notify_msg_build(&m, "/x", &ic, STATE_MASTER, STATE_INIT, 0, "shutdown");
	ck_assert_str_eq(m.argv[3], "STOP");
	ck_assert_str_eq(m.env[1], "CLUSTD_STATE=STOP");
	notify_msg_free(&m);
}
END_TEST

static Suite *notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("msg");

	tcase_add_test(tc, argv_is_keepalived_compatible);
	tcase_add_test(tc, env_carries_transition);
	tcase_add_test(tc, stop_is_reported_as_STOP);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(notify_suite)
