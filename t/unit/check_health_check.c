/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_health_check.c - unit tests of the tcp/http check state machine
 * (src/health_check.c) with an injected clock: what the edge is told to
 * do after each event, the cadence, the timeout, every outcome and its
 * count, rise/fall, and the configuration helpers (URL, status sets). */
#include <errno.h>
#include <string.h>

#include "health_check.h"
#include "testutil.h"

#define MS 1000ull
#define T0 (1000000ull * MS) /* an arbitrary start on the monotonic clock */

static struct track_check_conf conf_of(enum track_check_kind kind, uint32_t interval_ms,
				       uint32_t timeout_ms)
{
	struct track_check_conf c = { 0 };

	c.kind = kind;
	c.interval_ms = interval_ms;
	c.timeout_ms = timeout_ms;
	c.rise = c.fall = 1;
	c.weight = TRACK_NO_WEIGHT;
	c.host = (char *)"198.51.100.1:8080";
	c.path = (char *)"/health";
	hc_status_set_default(c.status_ok);
	return c;
}

/* Starts a run at now: the edge is told to open and wait for writable. */
static void start_run(struct hc *h, uint64_t now)
{
	struct hc_actions a;

	hc_timer(h, now, &a);
	ck_assert(a.open);
	ck_assert(!a.finished);
	ck_assert_int_eq(a.wait, HC_WAIT_WRITABLE);
	ck_assert_uint_eq(a.timer_us, now + h->timeout_us);
	ck_assert_int_eq(h->phase, HC_CONNECTING);
}

/* An http run up to the point where the request is sent. */
static void http_to_reading(struct hc *h, uint64_t now)
{
	struct hc_actions a;
	size_t len;

	start_run(h, now);
	hc_connected(h, 0, now + 1 * MS, &a);
	ck_assert(!a.finished);
	ck_assert_int_eq(a.wait, HC_WAIT_WRITABLE);
	ck_assert_ptr_nonnull(hc_unsent(h, &len));
	hc_sent(h, len, now + 1 * MS, &a);
	ck_assert_int_eq(a.wait, HC_WAIT_READABLE);
	ck_assert_int_eq(h->phase, HC_READING);
}

static void receive(struct hc *h, const char *s, uint64_t now, struct hc_actions *a)
{
	hc_received(h, s, strlen(s), now, a);
}

START_TEST(test_tcp_run_and_cadence)
{
	struct track_check_conf c = conf_of(TRACK_CHECK_TCP, 100, 80);
	struct hc h;
	struct hc_actions a;

	hc_init(&h, &c, T0);
	ck_assert_uint_eq(hc_first_due(&h), T0);
	ck_assert(!hc_healthy(&h)); /* init failed, like track scripts */
	start_run(&h, T0);
	hc_connected(&h, 0, T0 + 2 * MS, &a);
	ck_assert(a.finished && a.close && a.flipped);
	ck_assert_int_eq(a.outcome, HC_OK);
	ck_assert_int_eq(a.wait, HC_WAIT_NONE);
	ck_assert_uint_eq(a.timer_us, T0 + 100 * MS); /* the next run, on schedule */
	ck_assert(hc_healthy(&h));
	ck_assert_uint_eq(h.last_duration_us, 2 * MS);
	/* A timer that fires early waits on; one that fires late keeps the
	 * schedule (the run after it is due at T0 + 300 ms). */
	hc_timer(&h, T0 + 50 * MS, &a);
	ck_assert(!a.open);
	ck_assert_uint_eq(a.timer_us, T0 + 100 * MS);
	hc_timer(&h, T0 + 130 * MS, &a);
	ck_assert(a.open);
	hc_connected(&h, 0, T0 + 131 * MS, &a);
	ck_assert_uint_eq(a.timer_us, T0 + 200 * MS);
	ck_assert_uint_eq(h.runs, 2);
	ck_assert_uint_eq(h.outcomes[HC_OK], 2);
	hc_free(&h);
}
END_TEST

START_TEST(test_timeout_and_refused_with_fall)
{
	struct track_check_conf c = conf_of(TRACK_CHECK_TCP, 100, 100);
	struct hc h;
	struct hc_actions a;

	c.fall = 2;
	c.init_ok = true;
	hc_init(&h, &c, T0);
	ck_assert(hc_healthy(&h));
	start_run(&h, T0);
	/* The deadline: a timeout; with timeout == interval the next run
	 * starts in the same breath (close the old socket, open a new one). */
	hc_timer(&h, T0 + 100 * MS, &a);
	ck_assert(a.finished && a.close && a.open);
	ck_assert_int_eq(a.outcome, HC_TIMEOUT);
	ck_assert(!a.flipped); /* fall = 2 */
	ck_assert(hc_healthy(&h));
	ck_assert_uint_eq(a.timer_us, T0 + 200 * MS); /* the new run's deadline */
	hc_connected(&h, ECONNREFUSED, T0 + 101 * MS, &a);
	ck_assert(a.finished && a.flipped);
	ck_assert_int_eq(a.outcome, HC_REFUSED);
	ck_assert(!hc_healthy(&h));
	ck_assert_uint_eq(h.outcomes[HC_TIMEOUT], 1);
	ck_assert_uint_eq(h.outcomes[HC_REFUSED], 1);
	ck_assert_uint_eq(h.runs, 2);
	/* Late events of a finished run are ignored. */
	hc_connected(&h, 0, T0 + 102 * MS, &a);
	ck_assert(!a.finished && !a.open && !a.close);
	hc_received(&h, "x", 1, T0 + 102 * MS, &a);
	ck_assert(!a.finished);
	ck_assert_uint_eq(h.runs, 2);
	hc_free(&h);
}
END_TEST

START_TEST(test_timeout_shorter_than_interval)
{
	struct track_check_conf c = conf_of(TRACK_CHECK_HTTP, 100, 30);
	struct hc h;
	struct hc_actions a;

	hc_init(&h, &c, T0);
	http_to_reading(&h, T0);
	hc_timer(&h, T0 + 30 * MS, &a);
	ck_assert(a.finished && a.close && !a.open);
	ck_assert_int_eq(a.outcome, HC_TIMEOUT);
	ck_assert_uint_eq(a.timer_us, T0 + 100 * MS);
	ck_assert_uint_eq(h.last_duration_us, 30 * MS);
	/* A timeout above the interval is cut to it. */
	hc_free(&h);
	c = conf_of(TRACK_CHECK_TCP, 50, 500);
	hc_init(&h, &c, T0);
	ck_assert_uint_eq(h.timeout_us, 50 * MS);
	hc_free(&h);
}
END_TEST

START_TEST(test_http_request)
{
	struct track_check_conf c = conf_of(TRACK_CHECK_HTTP, 100, 80);
	struct hc h;
	struct hc_actions a;
	const char *req;
	size_t len;

	hc_init(&h, &c, T0);
	start_run(&h, T0);
	ck_assert_ptr_null(hc_unsent(&h, &len)); /* not before connected */
	hc_connected(&h, 0, T0, &a);
	req = hc_unsent(&h, &len);
	ck_assert_uint_eq(len, strlen(req));
	ck_assert(strncmp(req, "GET /health HTTP/1.1\r\nHost: 198.51.100.1:8080\r\n", 46) == 0);
	ck_assert_ptr_nonnull(strstr(req, "Connection: close\r\n\r\n"));
	/* A partial send: the rest, then reading. */
	hc_sent(&h, 10, T0, &a);
	ck_assert_int_eq(a.wait, HC_WAIT_WRITABLE);
	ck_assert_uint_eq(a.timer_us, T0 + 80 * MS);
	req = hc_unsent(&h, &len);
	ck_assert(strncmp(req, "h HTTP/1.1", 10) == 0);
	hc_sent(&h, len, T0, &a);
	ck_assert_int_eq(a.wait, HC_WAIT_READABLE);
	hc_free(&h);
	c.head = true;
	hc_init(&h, &c, T0);
	ck_assert(strncmp(h.request, "HEAD /health ", 13) == 0);
	hc_free(&h);
}
END_TEST

START_TEST(test_http_outcomes)
{
	static const struct {
		const char *answer;
		bool eof;
		const char *needle;
		enum hc_outcome want;
	} cases[] = {
		/* healthy at the end of the fields when no body is asked for */
		{ "HTTP/1.1 200 OK\r\n\r\n", false, NULL, HC_OK },
		{ "HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n", false, NULL, HC_OK },
		{ "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", false, NULL,
		  HC_BAD_STATUS },
		{ "HTTP/1.1 404 Not Found\r\n\r\n", false, "ok", HC_BAD_STATUS },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, "ok", HC_OK },
		{ "HTTP/1.1 200 OK\r\n\r\nall good", false, "good", HC_OK }, /* before the end */
		{ "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine", false, "ok", HC_BAD_BODY },
		{ "HTTP/1.1 200 OK\r\n\r\nfine", true, "ok", HC_BAD_BODY },
		{ "SSH-2.0-OpenSSH\r\n", false, NULL, HC_MALFORMED },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nok", true, "xyz", HC_TRUNCATED },
		{ "HTTP/1.1 20", true, NULL, HC_TRUNCATED },
		{ "", true, NULL, HC_TRUNCATED }, /* accepted, then closed */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct track_check_conf c = conf_of(TRACK_CHECK_HTTP, 100, 80);
		struct hc h;
		struct hc_actions a = { 0 };

		c.body = (char *)cases[i].needle;
		hc_init(&h, &c, T0);
		http_to_reading(&h, T0);
		if (*cases[i].answer)
			receive(&h, cases[i].answer, T0 + 5 * MS, &a);
		if (!a.finished && cases[i].eof)
			hc_closed(&h, T0 + 6 * MS, &a);
		ck_assert_msg(a.finished, "case %zu: not finished", i);
		ck_assert_msg(a.outcome == cases[i].want, "case %zu: %s, want %s", i,
			      hc_outcome_name(a.outcome), hc_outcome_name(cases[i].want));
		ck_assert(a.close);
		ck_assert_uint_eq(h.outcomes[cases[i].want], 1);
		ck_assert_uint_eq(h.runs, 1);
		hc_free(&h);
	}
}
END_TEST

START_TEST(test_http_status_set)
{
	struct track_check_conf c = conf_of(TRACK_CHECK_HTTP, 100, 80);
	struct hc h;
	struct hc_actions a;
	char what[160];

	ck_assert(hc_parse_status_set("204, 300-301", c.status_ok));
	hc_init(&h, &c, T0);
	http_to_reading(&h, T0);
	receive(&h, "HTTP/1.1 200 OK\r\n\r\n", T0 + 3 * MS, &a);
	ck_assert_int_eq(a.outcome, HC_BAD_STATUS);
	hc_describe_last(&h, what, sizeof(what));
	ck_assert_str_eq(what, "status 200");
	http_to_reading(&h, T0 + 100 * MS);
	receive(&h, "HTTP/1.1 301 Moved\r\n\r\n", T0 + 103 * MS, &a);
	ck_assert_int_eq(a.outcome, HC_OK);
	ck_assert(a.flipped);
	hc_free(&h);
}
END_TEST

/* A server that trickles a body without the string: the run ends by the
 * body bound or the deadline, whichever first, never by waiting on. */
START_TEST(test_http_trickle)
{
	struct track_check_conf c = conf_of(TRACK_CHECK_HTTP, 100, 80);
	struct hc h;
	struct hc_actions a = { 0 };
	char chunk[1024];
	int reads = 0;

	c.body = (char *)"healthy";
	memset(chunk, 'x', sizeof(chunk));
	hc_init(&h, &c, T0);
	http_to_reading(&h, T0);
	receive(&h, "HTTP/1.1 200 OK\r\n\r\n", T0 + 1 * MS, &a);
	for (; !a.finished && reads < 1000; reads++)
		hc_received(&h, chunk, sizeof(chunk), T0 + 2 * MS, &a);
	ck_assert(a.finished);
	ck_assert_int_eq(a.outcome, HC_OVERSIZED);
	ck_assert_uint_le(h.rd.body_bytes, HTTP_BODY_MAX_DEFAULT);
	ck_assert_int_le(reads, HTTP_BODY_MAX_DEFAULT / sizeof(chunk) + 1);
	/* Slowly: one byte now and then, until the deadline. */
	http_to_reading(&h, T0 + 100 * MS);
	receive(&h, "HTTP/1.1 200 OK\r\n\r\n", T0 + 101 * MS, &a);
	for (int i = 0; i < 50; i++) {
		hc_received(&h, "y", 1, T0 + 101 * MS + (uint64_t)i * MS, &a);
		ck_assert(!a.finished);
		ck_assert_uint_eq(a.timer_us, T0 + 180 * MS);
	}
	hc_timer(&h, T0 + 180 * MS, &a);
	ck_assert(a.finished);
	ck_assert_int_eq(a.outcome, HC_TIMEOUT);
	hc_free(&h);
}
END_TEST

START_TEST(test_errors_after_connect)
{
	struct track_check_conf c = conf_of(TRACK_CHECK_HTTP, 100, 80);
	struct hc h;
	struct hc_actions a;

	hc_init(&h, &c, T0);
	http_to_reading(&h, T0);
	hc_failed(&h, ECONNRESET, T0 + 3 * MS, &a);
	ck_assert(a.finished);
	ck_assert_int_eq(a.outcome, HC_RESET);
	start_run(&h, T0 + 100 * MS);
	hc_connected(&h, EHOSTUNREACH, T0 + 101 * MS, &a);
	ck_assert_int_eq(a.outcome, HC_UNREACHABLE);
	start_run(&h, T0 + 200 * MS);
	hc_connected(&h, EMFILE, T0 + 200 * MS, &a);
	ck_assert_int_eq(a.outcome, HC_ERROR);
	ck_assert_uint_eq(h.runs, 3);
	ck_assert_int_eq(hc_outcome_of_errno(EPIPE), HC_RESET);
	ck_assert_int_eq(hc_outcome_of_errno(ETIMEDOUT), HC_TIMEOUT);
	ck_assert_int_eq(hc_outcome_of_errno(ENETUNREACH), HC_UNREACHABLE);
	/* Every outcome has its own name. */
	for (int i = 0; i < HC__OUTCOMES; i++)
		for (int j = i + 1; j < HC__OUTCOMES; j++)
			ck_assert_str_ne(hc_outcome_name(i), hc_outcome_name(j));
	hc_free(&h);
}
END_TEST

START_TEST(test_rise)
{
	struct track_check_conf c = conf_of(TRACK_CHECK_TCP, 100, 80);
	struct hc h;
	struct hc_actions a;
	uint64_t t = T0;

	c.rise = 3;
	hc_init(&h, &c, T0);
	for (int i = 0; i < 3; i++, t += 100 * MS) {
		start_run(&h, t);
		hc_connected(&h, 0, t + MS, &a);
		ck_assert_int_eq(a.flipped, i == 2);
	}
	ck_assert(hc_healthy(&h));
	hc_free(&h);
}
END_TEST

/* ---- configuration helpers ---- */

START_TEST(test_parse_url)
{
	struct hc_url u;
	const char *why = NULL;
	char buf[IP_ADDR_STRLEN];

	ck_assert(hc_parse_url("http://198.51.100.7/health", &u, &why));
	ck_assert_str_eq(ip_addr_str(&u.addr, buf), "198.51.100.7");
	ck_assert_uint_eq(u.port, 80);
	ck_assert_str_eq(u.path, "/health");
	ck_assert_str_eq(u.authority, "198.51.100.7");
	ck_assert(hc_parse_url("http://[2001:db8::1]:8080", &u, &why));
	ck_assert_uint_eq(u.addr.family, AF_INET6);
	ck_assert_uint_eq(u.port, 8080);
	ck_assert_str_eq(u.path, "/");
	ck_assert_str_eq(u.authority, "[2001:db8::1]:8080");
	ck_assert(hc_parse_url("HTTP://127.0.0.1:1/a?b=c", &u, &why));
	ck_assert_str_eq(u.path, "/a?b=c");

	static const char *const bad[] = {
		"https://127.0.0.1/", "ftp://127.0.0.1/", "127.0.0.1", "http://",
		"http://localhost/", "http://127.0.0.1:0/", "http://127.0.0.1:65536/",
		"http://127.0.0.1:x/", "http://2001:db8::1/", "http://[127.0.0.1]/",
		"http://[2001:db8::1/", "http://127.0.0.1/a b", "http://127.0.0.1/a#frag",
		"http://127.0.0.1/\r\nX: y",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(!hc_parse_url(bad[i], &u, &why), "%s accepted", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
	ck_assert(!hc_parse_url("https://127.0.0.1/", &u, &why));
	ck_assert_ptr_nonnull(strstr(why, "https"));
}
END_TEST

START_TEST(test_status_sets)
{
	uint64_t set[TRACK_CHECK_STATUS_WORDS];

	hc_status_set_default(set);
	ck_assert(hc_status_in(set, 200) && hc_status_in(set, 399));
	ck_assert(!hc_status_in(set, 199) && !hc_status_in(set, 400));
	ck_assert(!hc_status_in(set, -1) && !hc_status_in(set, 5000));
	ck_assert(hc_parse_status_set("200", set));
	ck_assert(hc_status_in(set, 200) && !hc_status_in(set, 201));
	ck_assert(hc_parse_status_set("200-204,301, 418", set));
	ck_assert(hc_status_in(set, 204) && hc_status_in(set, 418) && !hc_status_in(set, 205));
	static const char *const bad[] = { "", "20", "2000", "200-", "300-200", "200,,201",
					   "abc", "200;201", "099", "200 201" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!hc_parse_status_set(bad[i], set), "\"%s\" accepted", bad[i]);
}
END_TEST

static Suite *health_check_suite(void)
{
	Suite *s = suite_create("health_check");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_tcp_run_and_cadence);
	tcase_add_test(tc, test_timeout_and_refused_with_fall);
	tcase_add_test(tc, test_timeout_shorter_than_interval);
	tcase_add_test(tc, test_http_request);
	tcase_add_test(tc, test_http_outcomes);
	tcase_add_test(tc, test_http_status_set);
	tcase_add_test(tc, test_http_trickle);
	tcase_add_test(tc, test_errors_after_connect);
	tcase_add_test(tc, test_rise);
	tcase_add_test(tc, test_parse_url);
	tcase_add_test(tc, test_status_sets);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(health_check_suite)
