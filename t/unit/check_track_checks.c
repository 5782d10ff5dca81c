/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_track_checks.c - the tcp/http check edge (src/track_checks.c) on a
 * real loop against small servers run by the same loop, in a network
 * namespace of the test's own (loopback only; skipped without the right
 * to make one): a healthy server, one that refuses, one that accepts and
 * never answers, one that answers 500, one that floods a body. Asserts the
 * outcome counted, the healthy state, and that the loop keeps its other
 * timers on time while a check waits on a silent server. */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "testutil.h"
#include "track_checks.h"

#define MS 1000ull
#define MAX_CONNS 64

enum mode { SRV_OK, SRV_SILENT, SRV_500, SRV_FLOOD };

struct server {
	struct loop *l;
	int lfd;
	uint16_t port;
	enum mode mode;
	int conns[MAX_CONNS];
	size_t nconns;
	unsigned long long answered;
};

static struct loop *l;
static struct server srv;
static struct track_checks *cs;
static int changes;
static struct loop_timer stop_timer, tick_timer;
static uint64_t last_tick, max_tick_gap;

/* A namespace of our own with lo up: nothing leaves it. */
static bool own_netns(void)
{
	struct ifreq ifr = { 0 };
	int fd;

	if (unshare(CLONE_NEWNET) < 0)
		return false;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ck_assert_int_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	ck_assert_int_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
	return true;
}

static void conn_close(struct server *s, size_t i)
{
	loop_del_fd(s->l, s->conns[i]);
	close(s->conns[i]);
	s->conns[i] = s->conns[--s->nconns];
}

static void on_conn(void *arg, uint32_t events)
{
	int fd = (int)(intptr_t)arg;
	char buf[2048], body[65536];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	size_t i = 0;
	const char *answer = srv.mode == SRV_500 ?
		"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 3\r\n\r\nerr" :
		srv.mode == SRV_FLOOD ? "HTTP/1.1 200 OK\r\n\r\n" :
		"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nall ok\n";

	(void)events;
	while (i < srv.nconns && srv.conns[i] != fd)
		i++;
	if (i == srv.nconns)
		return;
	if (n <= 0) {
		conn_close(&srv, i);
		return;
	}
	buf[n] = '\0';
	if (!strstr(buf, "\r\n\r\n"))
		return; /* the request fits one read on loopback; be safe */
	srv.answered++;
	ck_assert_int_eq(send(fd, answer, strlen(answer), MSG_NOSIGNAL), (ssize_t)strlen(answer));
	if (srv.mode == SRV_FLOOD) {
		memset(body, 'x', sizeof(body));
		for (int k = 0; k < 8; k++) /* whatever the socket takes */
			if (send(fd, body, sizeof(body), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				break;
		return; /* and never an end */
	}
	conn_close(&srv, i);
}

static void on_accept(void *arg, uint32_t events)
{
	struct server *s = arg;
	int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)events;
	if (fd < 0)
		return;
	if (s->nconns == MAX_CONNS) {
		close(fd);
		return;
	}
	s->conns[s->nconns++] = fd;
	/* A silent server holds the connection and reads nothing. */
	if (s->mode != SRV_SILENT)
		ck_assert_int_eq(loop_add_fd(s->l, fd, EPOLLIN, on_conn, (void *)(intptr_t)fd), 0);
}

static void server_start(enum mode mode)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);

	srv.l = l;
	srv.mode = mode;
	srv.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(srv.lfd, 0);
	ck_assert_int_eq(bind(srv.lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(srv.lfd, 64), 0);
	ck_assert_int_eq(getsockname(srv.lfd, (struct sockaddr *)&sin, &len), 0);
	srv.port = ntohs(sin.sin_port);
	ck_assert_int_eq(loop_add_fd(l, srv.lfd, EPOLLIN, on_accept, &srv), 0);
}

/* A port with no listener: bound, never listening, so nobody takes it. */
static uint16_t closed_port(int *holder)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);

	*holder = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(*holder, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(*holder, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

static void on_changed(void *arg, const char *cause)
{
	(void)arg;
	(void)cause;
	changes++;
}

static void on_stop(void *arg)
{
	loop_stop(arg);
}

/* Another timer on the same loop, every 5 ms: its gaps show whether
 * anything blocked the loop. */
static void on_tick(void *arg)
{
	uint64_t now = mono_now_us();

	(void)arg;
	if (last_tick && now - last_tick > max_tick_gap)
		max_tick_gap = now - last_tick;
	last_tick = now;
	loop_timer_arm(l, &tick_timer, now + 5 * MS);
}

static void setup(void)
{
	log_init("check_track_checks", true, LOG_WARNING);
	l = loop_new();
	ck_assert_ptr_nonnull(l);
	memset(&srv, 0, sizeof(srv));
	srv.lfd = -1;
	cs = NULL;
	changes = 0;
	last_tick = max_tick_gap = 0;
	stop_timer = (struct loop_timer){ .fn = on_stop, .arg = l };
	tick_timer = (struct loop_timer){ .fn = on_tick };
}

static void teardown(void)
{
	track_checks_free(cs);
	while (srv.nconns)
		conn_close(&srv, srv.nconns - 1);
	if (srv.lfd >= 0) {
		loop_del_fd(l, srv.lfd);
		close(srv.lfd);
	}
	loop_timer_cancel(l, &tick_timer);
	loop_timer_cancel(l, &stop_timer);
	loop_free(l);
}

static void run_checks(const struct track_check_conf *c, unsigned ms)
{
	struct track_conf tc = { 0 };
	struct track_checks_hooks hooks = { .changed = on_changed };

	tc.nchecks = 1;
	tc.checks[0] = *c;
	cs = track_checks_new(l, &tc, "test", &hooks);
	ck_assert_ptr_nonnull(cs);
	loop_timer_arm(l, &stop_timer, mono_now_us() + ms * MS);
	loop_timer_arm(l, &tick_timer, mono_now_us());
	ck_assert_int_eq(loop_run(l), 0);
}

static struct track_check_conf http_conf(uint16_t port, const char *body)
{
	struct track_check_conf c = { 0 };

	c.name = (char *)"web";
	c.kind = TRACK_CHECK_HTTP;
	ck_assert(ip_addr_parse("127.0.0.1", &c.addr));
	c.port = port;
	c.url = (char *)"http://127.0.0.1/";
	c.host = (char *)"127.0.0.1";
	c.path = (char *)"/health";
	c.body = (char *)body;
	c.interval_ms = 20;
	c.timeout_ms = 15;
	c.rise = c.fall = 1;
	c.weight = TRACK_NO_WEIGHT;
	hc_status_set_default(c.status_ok);
	return c;
}

static const struct hc *the_check(void)
{
	struct track_check_view v;

	ck_assert(track_checks_view(cs, 0, &v));
	return v.hc;
}

#define NEED_NETNS()                                                              \
	do {                                                                      \
		if (!own_netns()) {                                               \
			fprintf(stderr, "skipped: cannot make a network namespace\n"); \
			return;                                                   \
		}                                                                 \
	} while (0)

START_TEST(test_http_ok)
{
	NEED_NETNS();
	server_start(SRV_OK);
	struct track_check_conf c = http_conf(srv.port, "ok");
	run_checks(&c, 200);
	const struct hc *h = the_check();
	ck_assert_uint_ge(h->outcomes[HC_OK], 5);
	ck_assert_uint_eq(h->runs, h->outcomes[HC_OK]);
	ck_assert(hc_healthy(h));
	ck_assert_int_eq(changes, 1);
	ck_assert_uint_ge(srv.answered, 5);
	/* A new connection per run, each closed: nothing left open. */
	ck_assert_uint_le(srv.nconns, 1);
}
END_TEST

START_TEST(test_tcp_refused_then_ok)
{
	int holder;

	NEED_NETNS();
	struct track_check_conf c = http_conf(closed_port(&holder), NULL);
	c.kind = TRACK_CHECK_TCP;
	run_checks(&c, 100);
	ck_assert_uint_ge(the_check()->outcomes[HC_REFUSED], 3);
	ck_assert(!hc_healthy(the_check()));
	close(holder);
	track_checks_free(cs);
	server_start(SRV_SILENT); /* a tcp check only connects */
	c.port = srv.port;
	run_checks(&c, 100);
	ck_assert_uint_ge(the_check()->outcomes[HC_OK], 3);
	ck_assert(hc_healthy(the_check()));
}
END_TEST

START_TEST(test_http_silent_times_out_without_blocking)
{
	NEED_NETNS();
	server_start(SRV_SILENT);
	struct track_check_conf c = http_conf(srv.port, NULL);
	run_checks(&c, 300);
	const struct hc *h = the_check();
	ck_assert_uint_ge(h->outcomes[HC_TIMEOUT], 5);
	ck_assert_uint_eq(h->outcomes[HC_OK], 0);
	ck_assert(!hc_healthy(h));
	/* The loop served its other timer all along (generous: a loaded CI). */
	ck_assert_msg(max_tick_gap < 100 * MS, "max gap %llu us",
		      (unsigned long long)max_tick_gap);
}
END_TEST

START_TEST(test_http_500)
{
	NEED_NETNS();
	server_start(SRV_500);
	struct track_check_conf c = http_conf(srv.port, NULL);
	run_checks(&c, 150);
	ck_assert_uint_ge(the_check()->outcomes[HC_BAD_STATUS], 3);
	ck_assert_int_eq(the_check()->last_status, 500);
	ck_assert(!hc_healthy(the_check()));
}
END_TEST

START_TEST(test_http_flood_is_bounded)
{
	NEED_NETNS();
	server_start(SRV_FLOOD);
	struct track_check_conf c = http_conf(srv.port, "never there");
	c.interval_ms = c.timeout_ms = 50;
	run_checks(&c, 300);
	const struct hc *h = the_check();
	/* Each run ends at the body bound (or, on a slow machine, by its
	 * deadline); none is healthy, and the reader never took more. */
	ck_assert_uint_ge(h->outcomes[HC_OVERSIZED] + h->outcomes[HC_TIMEOUT], 3);
	ck_assert_uint_ge(h->outcomes[HC_OVERSIZED], 1);
	ck_assert_uint_eq(h->outcomes[HC_OK], 0);
	ck_assert_uint_le(h->rd.body_bytes, HTTP_BODY_MAX_DEFAULT);
	ck_assert_msg(max_tick_gap < 100 * MS, "max gap %llu us",
		      (unsigned long long)max_tick_gap);
}
END_TEST

static Suite *track_checks_suite(void)
{
	Suite *s = suite_create("track_checks");
	TCase *tc = tcase_create("loop");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_http_ok);
	tcase_add_test(tc, test_tcp_refused_then_ok);
	tcase_add_test(tc, test_http_silent_times_out_without_blocking);
	tcase_add_test(tc, test_http_500);
	tcase_add_test(tc, test_http_flood_is_bounded);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(track_checks_suite)
