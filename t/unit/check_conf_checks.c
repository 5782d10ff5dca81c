/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_conf_checks.c - the configuration of in-daemon checks
 * (src/conf.c: track.http and track.tcp): defaults, every key, every
 * rejection as "FILE:LINE: reason", and that a reload restarts the
 * tracking exactly when a check changed (src/reload_plan.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf_testutil.h"
#include "health_check.h"
#include "reload_plan.h"
#include "testutil.h"

/* Line 1 node, 2 instances = ( {, 3 track = {, 4.. the lists, then } } ); */
static const char *config(const char *lists)
{
	static char text[4096];

	snprintf(text, sizeof(text),
		 "node = { name = \"n1\"; };\n"
		 "instances = ( { name = \"web\"; interface = \"eth0\"; vrid = 51; vips = [ \"198.51.100.100/24\" ];\n"
		 "track = {\n"
		 "%s\n"
		 "}; } );\n", lists);
	return text;
}

/* The track lists refused, in the one-instance config above. */
static void refused_lists(const char *lists, int line, const char *reason)
{
	refused(config(lists), line, reason);
}

START_TEST(test_http_defaults)
{
	struct result r;
	const struct track_check_conf *c;
	char buf[IP_ADDR_STRLEN];

	load(&r, config("http = ( { name = \"nginx\"; url = \"http://127.0.0.1/health\"; } );"));
	ck_assert_ptr_nonnull(r.cfg);
	ck_assert_uint_eq(r.cfg->instances[0].track.nchecks, 1);
	c = &r.cfg->instances[0].track.checks[0];
	ck_assert_int_eq(c->kind, TRACK_CHECK_HTTP);
	ck_assert_str_eq(c->name, "nginx");
	ck_assert_int_eq(c->line, 4);
	ck_assert_str_eq(ip_addr_str(&c->addr, buf), "127.0.0.1");
	ck_assert_uint_eq(c->port, 80);
	ck_assert_str_eq(c->path, "/health");
	ck_assert_str_eq(c->host, "127.0.0.1");
	ck_assert(!c->head);
	ck_assert_ptr_null(c->body);
	ck_assert(hc_status_in(c->status_ok, 200) && hc_status_in(c->status_ok, 399));
	ck_assert(!hc_status_in(c->status_ok, 404));
	ck_assert_uint_eq(c->interval_ms, 1000);
	ck_assert_uint_eq(c->timeout_ms, 1000);
	ck_assert_int_eq(c->weight, TRACK_NO_WEIGHT);
	ck_assert_uint_eq(c->rise, 1);
	ck_assert_uint_eq(c->fall, 1);
	ck_assert(!c->init_ok);
	done(&r);
}
END_TEST

START_TEST(test_every_key)
{
	struct result r;
	const struct track_check_conf *h, *t;
	char buf[IP_ADDR_STRLEN];

	load(&r, config("http = ( { name = \"app\"; url = \"http://[2001:db8::1]:8080/x?y=1\";\n"
			"  host = \"www.example.org\"; method = \"HEAD\"; status = \"200,204,301-302\";\n"
			"  interval = 20; timeout = 15; rise = 3; fall = 2; weight = -100; init = \"ok\"; } );\n"
			"tcp = ( { name = \"tls\"; address = \"198.51.100.7\"; port = 443; interval = 50; } );"));
	ck_assert_ptr_nonnull(r.cfg);
	ck_assert_uint_eq(r.cfg->instances[0].track.nchecks, 2);
	h = &r.cfg->instances[0].track.checks[0];
	t = &r.cfg->instances[0].track.checks[1];
	ck_assert_str_eq(ip_addr_str(&h->addr, buf), "2001:db8::1");
	ck_assert_uint_eq(h->port, 8080);
	ck_assert_str_eq(h->path, "/x?y=1");
	ck_assert_str_eq(h->host, "www.example.org");
	ck_assert(h->head);
	ck_assert(hc_status_in(h->status_ok, 204) && hc_status_in(h->status_ok, 302));
	ck_assert(!hc_status_in(h->status_ok, 200 + 1));
	ck_assert_uint_eq(h->interval_ms, 20);
	ck_assert_uint_eq(h->timeout_ms, 15);
	ck_assert_uint_eq(h->rise, 3);
	ck_assert_uint_eq(h->fall, 2);
	ck_assert_int_eq(h->weight, -100);
	ck_assert(h->init_ok);
	ck_assert_int_eq(t->kind, TRACK_CHECK_TCP);
	ck_assert_str_eq(ip_addr_str(&t->addr, buf), "198.51.100.7");
	ck_assert_uint_eq(t->port, 443);
	ck_assert_uint_eq(t->interval_ms, 50);
	ck_assert_uint_eq(t->timeout_ms, 50);
	ck_assert_int_eq(t->line, 7);
	done(&r);
}
END_TEST

START_TEST(test_rejections)
{
	refused_lists("http = ( { name = \"a\"; url = \"https://127.0.0.1/\"; } );", 4,
		"track.http.url: \"https://127.0.0.1/\": https is not supported (plain http only)");
	refused_lists("http = ( { name = \"a\"; url = \"http://localhost/\"; } );", 4,
		"track.http.url: \"http://localhost/\": the host must be a numeric IPv4 address or an "
		"[IPv6] one (no name lookups)");
	refused_lists("http = ( { name = \"a\"; } );", 4, "track.http: missing required key \"url\"");
	refused_lists("http = ( { url = \"http://127.0.0.1/\"; } );", 4,
		"track.http: missing required key \"name\"");
	refused_lists("http = ( { name = \"a\"; url = \"http://127.0.0.1/\";\n interval = 100; timeout = 200; } );",
		5, "track.http.timeout: 200 ms is longer than the interval (100 ms): a run ends "
		"before the next one starts");
	refused_lists("http = ( { name = \"a\"; url = \"http://127.0.0.1/\"; method = \"POST\"; } );", 4,
		"track.http.method: \"POST\" is neither \"GET\" nor \"HEAD\"");
	refused_lists("http = ( { name = \"a\"; url = \"http://127.0.0.1/\"; status = \"2xx\"; } );", 4,
		"track.http.status: \"2xx\" is not a list of codes and ranges (\"200-399\", \"200,204\")");
	refused_lists("http = ( { name = \"a\"; url = \"http://127.0.0.1/\"; method = \"HEAD\"; body = \"ok\"; } );",
		4, "track.http.body: a HEAD request gets no body to look in");
	refused_lists("http = ( { name = \"a\"; url = \"http://127.0.0.1/\"; host = \"a b\"; } );", 4,
		"track.http.host: \"a b\" is not a Host header value");
	refused_lists("http = ( { name = \"a\"; url = \"http://127.0.0.1/\"; weight = 0; } );", 4,
		"track.http.weight: 0 would track nothing; leave it out for FAULT on failure");
	refused_lists("http = ( { name = \"a\"; url = \"http://127.0.0.1/\"; verb = \"GET\"; } );", 4,
		"unknown key \"verb\" in track.http");
	refused_lists("tcp = ( { name = \"a\"; address = \"db.example.org\"; port = 5432; } );", 4,
		"track.tcp.address: \"db.example.org\" is not a numeric IPv4 or IPv6 address (no name "
		"lookups)");
	refused_lists("tcp = ( { name = \"a\"; address = \"127.0.0.1\"; port = 0; } );", 4,
		"track.tcp.port: 0 is out of range 1..65535");
	refused_lists("tcp = ( { name = \"a\"; address = \"127.0.0.1\"; } );", 4,
		"track.tcp: missing required key \"port\"");
	refused_lists("http = ( { name = \"a\"; url = \"http://127.0.0.1/\"; } );\n"
		"tcp = ( { name = \"a\"; address = \"127.0.0.1\"; port = 1; } );", 5,
		"track.tcp: a check named \"a\" is already defined at line 4");
}
END_TEST

START_TEST(test_too_many)
{
	char lists[4096];
	size_t used = 0;

	used += (size_t)snprintf(lists + used, sizeof(lists) - used, "http = (");
	for (int i = 0; i < 10; i++)
		used += (size_t)snprintf(lists + used, sizeof(lists) - used,
					 "%s { name = \"h%d\"; url = \"http://127.0.0.1/\"; }",
					 i ? "," : "", i);
	used += (size_t)snprintf(lists + used, sizeof(lists) - used, " );\ntcp = (");
	for (int i = 0; i < 7; i++)
		used += (size_t)snprintf(lists + used, sizeof(lists) - used,
					 "%s { name = \"t%d\"; address = \"127.0.0.1\"; port = 1; }",
					 i ? "," : "", i);
	snprintf(lists + used, sizeof(lists) - used, " );");
	refused_lists(lists, 5, "track.tcp: more than 16 http and tcp checks in one instance");
}
END_TEST

/* A reload restarts the tracking when, and only when, a check changed. */
START_TEST(test_reload_restarts_on_change)
{
	struct result a, b, c;
	struct reload_instance_plan plan;

	load(&a, config("http = ( { name = \"a\"; url = \"http://127.0.0.1/\"; body = \"ok\"; } );"));
	load(&b, config("http = ( { name = \"a\"; url = \"http://127.0.0.1/\"; body = \"ok\"; } );"));
	load(&c, config("http = ( { name = \"a\"; url = \"http://127.0.0.1/\"; body = \"OK\"; } );"));
	ck_assert_ptr_nonnull(a.cfg);
	ck_assert_ptr_nonnull(c.cfg);
	reload_plan_instance(&a.cfg->instances[0], &b.cfg->instances[0], &plan);
	ck_assert(!plan.restart_tracking);
	reload_plan_instance(&a.cfg->instances[0], &c.cfg->instances[0], &plan);
	ck_assert(plan.restart_tracking);
	done(&a);
	done(&b);
	done(&c);
}
END_TEST

static Suite *conf_checks_suite(void)
{
	Suite *s = suite_create("conf_checks");
	TCase *tc = tcase_create("checks");

	conf_test_tag = "check_conf_checks";
	conf_test_pid = getpid();
	tcase_add_test(tc, test_http_defaults);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_rejections);
	tcase_add_test(tc, test_too_many);
	tcase_add_test(tc, test_reload_restarts_on_change);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(conf_checks_suite)
