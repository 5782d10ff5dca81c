/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_conf_drivers.c - the configuration of drivers (src/conf.c):
 * node.driver_group / driver_grace / driver_queue and an instance's
 * drivers = ( { id; required; weight; } ). Each test writes its config to
 * a temp file; rejections are checked against "FILE:LINE: reason". */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf_testutil.h"
#include "testutil.h"

/* Line 1 node, 2 instances = ( {, 3 the drivers line, 4 } ); */
static const char *config(const char *node, const char *drivers)
{
	static char text[4096];

	snprintf(text, sizeof(text),
		 "node = { name = \"n1\"; %s };\n"
		 "instances = ( { name = \"web\"; interface = \"eth0\"; vrid = 51; vips = [ \"198.51.100.100/24\" ];\n"
		 "%s\n"
		 "} );\n", node, drivers);
	return text;
}

START_TEST(test_defaults)
{
	struct result r;

	load(&r, config("", ""));
	ck_assert_ptr_nonnull(r.cfg);
	ck_assert_ptr_null(r.cfg->node.driver_group);
	ck_assert_uint_eq(r.cfg->node.driver_grace_ms, 10000);
	ck_assert_uint_eq(r.cfg->node.driver_queue_bytes, 262144);
	ck_assert_uint_eq(r.cfg->instances[0].ndrivers, 0);
	done(&r);
}
END_TEST

START_TEST(test_full)
{
	struct result r;
	const struct instance_conf *ic;

	load(&r, config("driver_group = \"clustd-drivers\"; driver_grace = 0; driver_queue = 4096;",
			"drivers = ( { id = \"webapp\"; weight = -100; }, { id = \"db@n1\"; },"
			" { id = \"pager\"; required = false; }, { id = \"warm\"; weight = 20; required = true; } );"));
	ck_assert_ptr_nonnull(r.cfg);
	ck_assert_str_eq(r.cfg->node.driver_group, "clustd-drivers");
	ck_assert_uint_eq(r.cfg->node.driver_grace_ms, 0);
	ck_assert_uint_eq(r.cfg->node.driver_queue_bytes, 4096);
	ic = &r.cfg->instances[0];
	ck_assert_uint_eq(ic->ndrivers, 4);
	ck_assert_str_eq(ic->drivers[0].id, "webapp");
	ck_assert(ic->drivers[0].required);
	ck_assert_int_eq(ic->drivers[0].weight, -100);
	ck_assert_int_eq(ic->drivers[0].line, 3);
	ck_assert_str_eq(ic->drivers[1].id, "db@n1");
	ck_assert_int_eq(ic->drivers[1].weight, TRACK_NO_WEIGHT);
	ck_assert(ic->drivers[1].required);
	ck_assert(!ic->drivers[2].required);
	ck_assert_int_eq(ic->drivers[3].weight, 20);
	done(&r);
}
END_TEST

START_TEST(test_bad_drivers)
{
	refused(config("", "drivers = ( { id = \"web app\"; } );"), 3,
		"drivers.id: \"web app\" is not a driver id (1 to 63 characters of A-Z a-z 0-9 . _ @ : -)");
	refused(config("", "drivers = ( { weight = -10; } );"), 3, "drivers: missing required key \"id\"");
	refused(config("", "drivers = ( { id = \"a\"; }, { id = \"a\"; } );"), 3,
		"drivers: \"a\" is named twice in instance \"web\"");
	refused(config("", "drivers = ( { id = \"a\"; weight = 0; } );"), 3,
		"drivers.weight: 0 would track nothing; leave it out for FAULT on failure");
	refused(config("", "drivers = ( { id = \"a\"; weight = 254; } );"), 3,
		"drivers.weight: 254 is out of range -253..253");
	refused(config("", "drivers = ( { id = \"a\"; required = false; weight = -5; } );"), 3,
		"drivers.weight: only a required driver moves the priority");
	refused(config("", "drivers = ( { id = \"a\"; required = \"yes\"; } );"), 3,
		"required: expected true or false, got a string");
	refused(config("", "drivers = \"webapp\";"), 3,
		"drivers: expected a list of at most 16 groups ( { ... }, ... )");
	refused(config("", "drivers = ( \"webapp\" );"), 3,
		"drivers: expected a group { ... }, got a string");
}
END_TEST

START_TEST(test_too_many_drivers)
{
	char list[2048] = "drivers = (";

	for (int i = 0; i <= CLUSTD_MAX_DRIVERS; i++) {
		char one[48];
		snprintf(one, sizeof(one), "%s { id = \"d%d\"; }", i ? "," : "", i);
		strcat(list, one);
	}
	strcat(list, " );");
	refused(config("", list), 3, "drivers: expected a list of at most 16 groups ( { ... }, ... )");
}
END_TEST

START_TEST(test_bad_node_keys)
{
	refused(config("driver_queue = 4095;", ""), 1,
		"node.driver_queue: 4095 is out of range 4096..16777216");
	refused(config("driver_grace = -1;", ""), 1,
		"node.driver_grace: -1 is out of range 0..3600000");
	refused(config("driver_group = \"\";", ""), 1,
		"node.driver_group: empty; leave it out for root only");
}
END_TEST

/* The group must exist (a check on the system, like the scripts'). */
START_TEST(test_group_exists)
{
	struct result r;
	struct conf_errors errs = {0};
	char want[256];

	load(&r, config("driver_group = \"root\";", ""));
	ck_assert_ptr_nonnull(r.cfg);
	r.cfg->node.run_dir[0] = '\0'; /* the default run_dir may be absent or odd here */
	free(r.cfg->node.run_dir);
	r.cfg->node.run_dir = NULL;
	free(r.cfg->node.state_dir);
	r.cfg->node.state_dir = NULL;
	ck_assert_int_eq(conf_check_scripts(r.cfg, &errs), 0);
	free(r.cfg->node.driver_group);
	r.cfg->node.driver_group = strdup("no-such-group-clustd");
	ck_assert_int_eq(conf_check_scripts(r.cfg, &errs), 1);
	snprintf(want, sizeof(want),
		 "%s:1: node.driver_group: no group \"no-such-group-clustd\" on this system", r.path);
	ck_assert_str_eq(errs.msgs[0], want);
	conf_errors_free(&errs);
	done(&r);
}
END_TEST

static Suite *conf_drivers_suite(void)
{
	Suite *s = suite_create("conf_drivers");
	TCase *tc = tcase_create("drivers");

	conf_test_tag = "check_conf_drivers";
	conf_test_pid = getpid();
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_bad_drivers);
	tcase_add_test(tc, test_too_many_drivers);
	tcase_add_test(tc, test_bad_node_keys);
	tcase_add_test(tc, test_group_exists);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(conf_drivers_suite)
