/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_driver.c - the driver socket (src/driver.c) with real AF_UNIX
 * sockets in a private /tmp directory, driven by the real loop: the
 * conversation in order, snapshots and events with contiguous sequence
 * numbers, duplicate ids, every kind of bad input answered with an error
 * line and a disconnect, a driver that never reads dropped for its full
 * queue (and counted) without the loop ever waiting, presence and
 * readiness as the required rule reads them. The test's clients are
 * plain blocking-free sockets read between turns of the loop. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "driver.h"
#include "log.h"
#include "loop.h"
#include "testutil.h"

#define MS 1000ull

struct fixture {
	char dir[64], path[96];
	struct loop *l;
	struct driver_server *s;
	struct loop_timer stop;
	struct vip vips[1];
	struct drv_instance_view inst[2];
	unsigned presence_calls;
};

static struct fixture fx;
static pid_t runner_pid;

static bool view(void *arg, size_t i, const char *id, struct drv_instance_view *v)
{
	(void)arg;
	if (i >= 2)
		return false;
	*v = fx.inst[i];
	v->required = id && strcmp(id, "webapp") == 0 && i == 0;
	return true;
}

static void presence_changed(void *arg)
{
	(void)arg;
	fx.presence_calls++;
}

static uint64_t incarnation(void *arg)
{
	(void)arg;
	return 77;
}

static void on_stop(void *arg)
{
	loop_stop(arg);
}

/* One turn of the loop, at most ms long. */
static void pump(unsigned ms)
{
	loop_timer_arm(fx.l, &fx.stop, mono_now_us() + ms * MS);
	ck_assert_int_eq(loop_run(fx.l), 0);
	loop_timer_cancel(fx.l, &fx.stop);
}

static void setup(void)
{
	memset(&fx, 0, sizeof(fx));
	log_init("check_driver", true, LOG_ERR);
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/check_driver.%d.XXXXXX", (int)runner_pid);
	ck_assert_ptr_nonnull(mkdtemp(fx.dir));
	snprintf(fx.path, sizeof(fx.path), "%s/%s", fx.dir, DRIVER_SOCKET_NAME);
	ck_assert(vip_parse("198.51.100.100/24", &fx.vips[0]));
	fx.inst[0] = (struct drv_instance_view){.name = "web", .state = STATE_MASTER, .priority = 150,
						.base_priority = 150, .vips = fx.vips, .nvips = 1,
						.reason = "startup", .seq = 2};
	fx.inst[1] = (struct drv_instance_view){.name = "db", .state = STATE_BACKUP, .priority = 100,
						.base_priority = 100, .vips = fx.vips, .nvips = 1,
						.reason = "startup", .seq = 1};
	fx.l = loop_new();
	ck_assert_ptr_nonnull(fx.l);
	fx.stop = (struct loop_timer){.fn = on_stop, .arg = fx.l};
	struct driver_server_conf conf = {.path = fx.path, .queue_bytes = 4096, .grace_ms = 10000,
					  .started_us = mono_now_us(), .node = "n1"};
	struct driver_hooks hooks = {.view = view, .presence_changed = presence_changed,
				     .incarnation = incarnation};
	fx.s = driver_server_open(fx.l, &conf, &hooks);
	ck_assert_ptr_nonnull(fx.s);
}

static void teardown(void)
{
	driver_server_close(fx.s);
	loop_free(fx.l);
	tu_remove_tree(fx.dir);
}

/* ---- a client ---- */

struct client {
	int fd;
	char buf[1 << 16];
	size_t len;
	bool eof;
};

static void client_open(struct client *c)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	memset(c, 0, sizeof(*c));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", fx.path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(c->fd, 0);
	ck_assert_int_eq(connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
}

static void client_send(struct client *c, const char *text)
{
	ck_assert_int_eq(send(c->fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

static void client_take(struct client *c)
{
	ssize_t n = -1;

	while (c->len < sizeof(c->buf) - 1 &&
	       (n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0)) > 0)
		c->len += (size_t)n;
	if (n == 0 || (n < 0 && errno != EAGAIN))
		c->eof = true;
	c->buf[c->len] = '\0';
}

/* The next line (without "\n") into out, turning the loop meanwhile;
 * false when the connection ended (or 2 s passed) without one. */
static bool client_line(struct client *c, struct drv_daemon_msg *m, char *out, size_t cap)
{
	uint64_t until = mono_now_us() + 2000 * MS;

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		if (nl) {
			size_t n = (size_t)(nl - c->buf);
			ck_assert(drv_decode_daemon(c->buf, n, m));
			if (out)
				snprintf(out, cap, "%.*s", (int)n, c->buf);
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return true;
		}
		if (c->eof || mono_now_us() > until)
			return false;
		pump(5);
		client_take(c);
	}
}

static void client_expect(struct client *c, enum drv_daemon_type type, struct drv_daemon_msg *m)
{
	char line[4096] = "";

	ck_assert_msg(client_line(c, m, line, sizeof(line)), "no line (wanted type %d)", type);
	ck_assert_msg(m->type == type, "wanted type %d, got: %s", type, line);
}

/* The connection ends (after any lines still to read) within 2 s. */
static void client_expect_end(struct client *c)
{
	uint64_t until = mono_now_us() + 2000 * MS;

	while (!c->eof && mono_now_us() < until) {
		pump(5);
		client_take(c);
	}
	ck_assert(c->eof);
}

/* Connect, get the hello, say ours; the snapshot follows. */
static void client_hello(struct client *c, const char *hello)
{
	struct drv_daemon_msg m;

	client_open(c);
	client_expect(c, DRV_D_HELLO, &m);
	ck_assert_int_eq(m.protocol, 1);
	ck_assert_str_eq(m.node, "n1");
	ck_assert_uint_eq(m.incarnation, 77);
	client_send(c, hello);
}

#define HELLO(id) "{\"type\":\"hello\",\"protocol\":1,\"id\":\"" id "\"}\n"

static void event(uint64_t seq_expected, const char *name, enum vrrp_state from, enum vrrp_state to)
{
	struct drv_event e = {.from = from, .wall_us = 1764547200000000ull,
			      .now = {.name = name, .state = to, .priority = 150, .base_priority = 150,
				      .vips = fx.vips, .nvips = 1, .reason = "test"}};

	e.seq = driver_server_next_seq(fx.s);
	ck_assert_uint_eq(e.seq, seq_expected);
	driver_server_event(fx.s, &e);
}

static void close_client(struct client *c)
{
	close(c->fd);
	c->fd = -1;
}

/* ---- tests ---- */

START_TEST(test_socket_mode)
{
	struct stat st;

	ck_assert_int_eq(lstat(fx.path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0660);
}
END_TEST

START_TEST(test_snapshot_then_events_in_order)
{
	struct client c;
	struct drv_daemon_msg m;

	client_hello(&c, HELLO("webapp"));
	client_expect(&c, DRV_D_SNAPSHOT, &m);
	ck_assert_str_eq(m.instance, "web");
	ck_assert_int_eq(m.state, STATE_MASTER);
	ck_assert_uint_eq(m.seq, 2);
	client_expect(&c, DRV_D_SNAPSHOT, &m);
	ck_assert_str_eq(m.instance, "db");
	client_expect(&c, DRV_D_SYNCED, &m);
	ck_assert_uint_eq(m.seq, 0);
	ck_assert_uint_eq(m.count, 2);
	/* A burst that fits the fixture's 4096-byte queue (about 230 bytes an
	 * event), all queued before the loop sends any. */
	for (uint64_t i = 1; i <= 16; i++)
		event(i, i % 2 ? "web" : "db", STATE_BACKUP, STATE_MASTER);
	for (uint64_t i = 1; i <= 16; i++) {
		client_expect(&c, DRV_D_EVENT, &m);
		ck_assert_uint_eq(m.seq, i);
		ck_assert_str_eq(m.instance, i % 2 ? "web" : "db");
		ck_assert_str_eq(m.time, "2025-12-01T00:00:00.000000Z");
	}
	close_client(&c);
}
END_TEST

/* A driver that wants one instance gets that one only. */
START_TEST(test_instances_filter)
{
	struct client c;
	struct drv_daemon_msg m;

	client_hello(&c, "{\"type\":\"hello\",\"protocol\":1,\"id\":\"d\",\"instances\":[\"db\"]}\n");
	client_expect(&c, DRV_D_SNAPSHOT, &m);
	ck_assert_str_eq(m.instance, "db");
	client_expect(&c, DRV_D_SYNCED, &m);
	ck_assert_uint_eq(m.count, 1);
	event(1, "web", STATE_MASTER, STATE_BACKUP);
	event(2, "db", STATE_BACKUP, STATE_MASTER);
	client_expect(&c, DRV_D_EVENT, &m);
	ck_assert_uint_eq(m.seq, 2); /* a filtered driver sees the gap of what it did not ask */
	ck_assert_str_eq(m.instance, "db");
	close_client(&c);
}
END_TEST

START_TEST(test_duplicate_id)
{
	struct client a, b;
	struct drv_daemon_msg m;
	struct drv_presence p;
	const char *msg;

	client_hello(&a, HELLO("webapp"));
	client_expect(&a, DRV_D_SNAPSHOT, &m);
	client_hello(&b, HELLO("webapp"));
	client_expect(&b, DRV_D_ERROR, &m);
	ck_assert_str_eq(m.error, "duplicate_id");
	ck_assert_ptr_nonnull(strstr(m.message, "webapp (pid "));
	client_expect_end(&b);
	/* the first one is untouched */
	driver_server_presence(fx.s, "webapp", &p, &msg);
	ck_assert(p.connected && p.ready && p.seen);
	event(1, "web", STATE_MASTER, STATE_BACKUP);
	client_expect(&a, DRV_D_SNAPSHOT, &m);
	client_expect(&a, DRV_D_SYNCED, &m);
	client_expect(&a, DRV_D_EVENT, &m);
	ck_assert_uint_eq(m.seq, 1);
	json_object *st = driver_server_json(fx.s);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
		json_object_object_get(st, "disconnects"), "duplicate_id")), 1);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(st, "connected")), 1);
	json_object_put(st);
	close_client(&a);
	close_client(&b);
}
END_TEST

/* Each bad input: an error line naming it, then the end; the server goes on. */
START_TEST(test_bad_input_disconnects)
{
	static const struct {
		const char *hello, *bad, *error;
	} cases[] = {
		{NULL, "this is not json\n", "bad_json"},
		{NULL, "{\"type\":\"ack\",\"seq\":1,\"ok\":true}\n", "hello_first"},
		{NULL, "{\"type\":\"hello\",\"protocol\":2,\"id\":\"x\"}\n", "protocol"},
		{NULL, "{\"type\":\"hello\",\"protocol\":1,\"id\":\"a b\"}\n", "bad_id"},
		{NULL, "{\"type\":\"hello\",\"protocol\":1,\"id\":\"x\",\"instances\":[\"nope\"]}\n",
		 "unknown_instance"},
		{HELLO("x"), "{\"type\":\"launch\"}\n", "unknown_type"},
		{HELLO("x"), HELLO("x"), "hello_again"},
		{HELLO("x"), "{\"type\":\"ack\",\"seq\":5,\"ok\":true}\n", "unknown_seq"},
		{HELLO("x"), "{\"type\":\"ready\"}\n", "bad_field"},
		{HELLO("x"), "[]\n", "not_object"},
	};
	struct drv_daemon_msg m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct client c;
		char line[4096];

		client_open(&c);
		client_expect(&c, DRV_D_HELLO, &m);
		if (cases[i].hello) {
			client_send(&c, cases[i].hello);
			client_expect(&c, DRV_D_SNAPSHOT, &m);
			client_expect(&c, DRV_D_SNAPSHOT, &m);
			client_expect(&c, DRV_D_SYNCED, &m);
		}
		client_send(&c, cases[i].bad);
		ck_assert(client_line(&c, &m, line, sizeof(line)));
		ck_assert_msg(m.type == DRV_D_ERROR && strcmp(m.error, cases[i].error) == 0,
			      "%s: got %s", cases[i].bad, line);
		client_expect_end(&c);
		close_client(&c);
	}
	json_object *st = driver_server_json(fx.s);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
		json_object_object_get(st, "disconnects"), "protocol_error")), 10);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
		json_object_object_get(st, "errors"), "unknown_seq")), 1);
	json_object_put(st);
}
END_TEST

/* A line with no end in sight: refused once it passes the bound. */
START_TEST(test_oversized_line)
{
	static char big[DRIVER_LINE_MAX + 100];
	struct client c;
	struct drv_daemon_msg m;

	memset(big, 'x', sizeof(big));
	client_open(&c);
	client_expect(&c, DRV_D_HELLO, &m);
	ck_assert_int_eq(send(c.fd, big, sizeof(big), MSG_NOSIGNAL), (ssize_t)sizeof(big));
	client_expect(&c, DRV_D_ERROR, &m);
	ck_assert_str_eq(m.error, "too_long");
	client_expect_end(&c);
	close_client(&c);
}
END_TEST

/* A driver that never reads: its queue fills, it is dropped with its
 * reason, counted, and its absence is told at once; a driver that reads
 * meanwhile gets every event; no call ever waits. */
START_TEST(test_slow_reader_dropped)
{
	struct client slow, fast;
	struct drv_daemon_msg m;
	struct drv_presence p;
	const char *msg;
	uint64_t seq = 0, worst = 0;
	unsigned calls;

	client_hello(&slow, HELLO("webapp"));
	client_hello(&fast, HELLO("fast"));
	pump(20);
	calls = fx.presence_calls;
	driver_server_presence(fx.s, "webapp", &p, &msg);
	ck_assert(p.connected);
	for (int round = 0; round < 2000; round++) {
		uint64_t t0 = mono_now_us();
		event(++seq, "web", STATE_BACKUP, STATE_MASTER);
		if (mono_now_us() - t0 > worst)
			worst = mono_now_us() - t0;
		pump(1);
		client_take(&fast);
		while (client_line(&fast, &m, NULL, 0) && m.type != DRV_D_EVENT)
			;
		ck_assert_uint_eq(m.seq, seq);
		driver_server_presence(fx.s, "webapp", &p, &msg);
		if (!p.connected)
			break;
	}
	ck_assert_msg(!p.connected, "the slow driver was never dropped");
	ck_assert(p.seen);
	ck_assert_msg(worst < 50 * MS, "an event took %llu us", (unsigned long long)worst);
	pump(5);
	ck_assert_uint_gt(fx.presence_calls, calls);
	json_object *st = driver_server_json(fx.s);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
		json_object_object_get(st, "disconnects"), "queue_full")), 1);
	json_object_put(st);
	/* what it got before the end has no gap: the lines run from seq 1 */
	client_expect(&slow, DRV_D_SNAPSHOT, &m);
	client_expect(&slow, DRV_D_SNAPSHOT, &m);
	client_expect(&slow, DRV_D_SYNCED, &m);
	for (uint64_t want = 1; client_line(&slow, &m, NULL, 0); want++)
		ck_assert_uint_eq(m.seq, want);
	close_client(&slow);
	close_client(&fast);
}
END_TEST

START_TEST(test_ready_and_presence)
{
	struct client c;
	struct drv_daemon_msg m;
	struct drv_presence p;
	const char *msg;
	unsigned calls;

	driver_server_presence(fx.s, "webapp", &p, &msg);
	ck_assert(!p.connected && !p.seen);
	client_hello(&c, "{\"type\":\"hello\",\"protocol\":1,\"id\":\"webapp\",\"ready\":false}\n");
	client_expect(&c, DRV_D_SNAPSHOT, &m);
	pump(5);
	driver_server_presence(fx.s, "webapp", &p, &msg);
	ck_assert(p.connected && !p.ready);
	calls = fx.presence_calls;
	client_send(&c, "{\"type\":\"ready\",\"ready\":true}\n");
	pump(20);
	driver_server_presence(fx.s, "webapp", &p, &msg);
	ck_assert(p.connected && p.ready);
	ck_assert_uint_eq(fx.presence_calls, calls + 1);
	client_send(&c, "{\"type\":\"ready\",\"ready\":false,\"message\":\"db down\"}\n");
	pump(20);
	driver_server_presence(fx.s, "webapp", &p, &msg);
	ck_assert(p.connected && !p.ready);
	ck_assert_str_eq(msg, "db down");
	/* an answer is recorded, never acted upon */
	event(1, "web", STATE_MASTER, STATE_BACKUP);
	client_send(&c, "{\"type\":\"ack\",\"seq\":1,\"ok\":false,\"message\":\"exit 3\"}\n");
	pump(20);
	json_object *st = driver_server_json(fx.s);
	json_object *d = json_object_array_get_idx(json_object_object_get(st, "drivers"), 0);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(d, "failures")), 1);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
		json_object_object_get(d, "last_answer"), "message")), "exit 3");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(d, "pid")), getpid());
	json_object_put(st);
	calls = fx.presence_calls;
	close_client(&c);
	pump(20);
	driver_server_presence(fx.s, "webapp", &p, &msg);
	ck_assert(!p.connected && p.seen);
	ck_assert_uint_eq(fx.presence_calls, calls + 1);
}
END_TEST

/* At close, what was queued goes out and every driver sees the end. */
START_TEST(test_close_flushes)
{
	struct client c;
	struct drv_daemon_msg m;

	client_hello(&c, HELLO("webapp"));
	pump(10);
	event(1, "web", STATE_MASTER, STATE_INIT);
	driver_server_close(fx.s);
	fx.s = NULL;
	client_expect(&c, DRV_D_SNAPSHOT, &m);
	client_expect(&c, DRV_D_SNAPSHOT, &m);
	client_expect(&c, DRV_D_SYNCED, &m);
	client_expect(&c, DRV_D_EVENT, &m);
	ck_assert_int_eq(m.state, STATE_INIT);
	client_expect_end(&c);
	ck_assert_int_ne(access(fx.path, F_OK), 0); /* the socket file is gone */
	close_client(&c);
}
END_TEST

/* A connection that never says hello is closed after 5 s, and counted. */
START_TEST(test_hello_timeout)
{
	struct client c;
	struct drv_daemon_msg m;
	uint64_t t0 = mono_now_us();

	client_open(&c);
	client_expect(&c, DRV_D_HELLO, &m);
	while (!c.eof && mono_now_us() - t0 < DRIVER_HELLO_TIMEOUT_US + 2000 * MS) {
		pump(50);
		client_take(&c);
	}
	ck_assert(c.eof);
	ck_assert_uint_ge(mono_now_us() - t0, DRIVER_HELLO_TIMEOUT_US);
	json_object *st = driver_server_json(fx.s);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
		json_object_object_get(st, "disconnects"), "hello_timeout")), 1);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(st, "connected")), 0);
	json_object_put(st);
	close_client(&c);
}
END_TEST

static Suite *driver_suite(void)
{
	Suite *s = suite_create("driver");
	TCase *tc = tcase_create("socket");

	runner_pid = getpid();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_socket_mode);
	tcase_add_test(tc, test_snapshot_then_events_in_order);
	tcase_add_test(tc, test_instances_filter);
	tcase_add_test(tc, test_duplicate_id);
	tcase_add_test(tc, test_bad_input_disconnects);
	tcase_add_test(tc, test_oversized_line);
	tcase_add_test(tc, test_slow_reader_dropped);
	tcase_add_test(tc, test_ready_and_presence);
	tcase_add_test(tc, test_close_flushes);
	tcase_add_test(tc, test_hello_timeout);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(driver_suite)
