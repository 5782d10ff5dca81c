/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_driver_rule.c - unit tests of the driver socket's rules
 * (src/driver_rule.c): ids, the order of a conversation, line framing and
 * its bound, the queue of a slow driver, the required-driver verdict with
 * its grace time (injected clock) and the client's back-off. */
#include <stdint.h>
#include <string.h>

#include "driver_rule.h"
#include "testutil.h"
#include "track_rule.h"

#define SEC 1000000ull

/* ---- ids ---- */

START_TEST(test_id_valid)
{
	char id[80];

	ck_assert(driver_id_valid("webapp"));
	ck_assert(driver_id_valid("web-1.worker_2@host:3"));
	ck_assert(driver_id_valid("A"));
	ck_assert(!driver_id_valid(""));
	ck_assert(!driver_id_valid("web app"));
	ck_assert(!driver_id_valid("web/app"));
	ck_assert(!driver_id_valid("web\"app"));
	ck_assert(!driver_id_valid("web\\app"));
	ck_assert(!driver_id_valid("web\napp"));
	ck_assert(!driver_id_valid("caf\xc3\xa9"));
	memset(id, 'a', sizeof(id));
	id[CLUSTD_DRIVER_ID_MAX] = '\0';
	ck_assert(driver_id_valid(id));
	id[CLUSTD_DRIVER_ID_MAX] = 'a';
	id[CLUSTD_DRIVER_ID_MAX + 1] = '\0';
	ck_assert(!driver_id_valid(id));
}
END_TEST

/* ---- the conversation ---- */

static struct drv_msg hello(long long protocol, const char *id)
{
	struct drv_msg m = {.type = DRV_MSG_HELLO, .protocol = protocol, .all_instances = true,
			    .ready = true};

	snprintf(m.id, sizeof(m.id), "%s", id);
	return m;
}

START_TEST(test_session_order)
{
	struct drv_session s = {0};
	struct drv_msg ack = {.type = DRV_MSG_ACK, .seq = 1, .ok = true};
	struct drv_msg ready = {.type = DRV_MSG_READY, .ready = false};
	struct drv_msg h = hello(1, "webapp");

	s.told_seq = 5;
	ck_assert_int_eq(drv_session_check(&s, &ack), DRV_ERR_HELLO_FIRST);
	ck_assert_int_eq(drv_session_check(&s, &ready), DRV_ERR_HELLO_FIRST);
	ck_assert(!s.hello_done);
	ck_assert_int_eq(drv_session_check(&s, &h), DRV_OK);
	ck_assert(s.hello_done);
	ck_assert_int_eq(drv_session_check(&s, &h), DRV_ERR_HELLO_AGAIN);
	ck_assert_int_eq(drv_session_check(&s, &ready), DRV_OK);
	ck_assert_int_eq(drv_session_check(&s, &ack), DRV_OK);
}
END_TEST

START_TEST(test_session_hello_checks)
{
	struct drv_session s = {0};
	struct drv_msg h;

	h = hello(2, "webapp");
	ck_assert_int_eq(drv_session_check(&s, &h), DRV_ERR_PROTOCOL);
	h = hello(0, "webapp");
	ck_assert_int_eq(drv_session_check(&s, &h), DRV_ERR_PROTOCOL);
	h = hello(1, "");
	ck_assert_int_eq(drv_session_check(&s, &h), DRV_ERR_BAD_ID);
	h = hello(1, "no spaces");
	ck_assert_int_eq(drv_session_check(&s, &h), DRV_ERR_BAD_ID);
	ck_assert(!s.hello_done); /* a refused hello does not count */
	h = hello(1, "ok");
	ck_assert_int_eq(drv_session_check(&s, &h), DRV_OK);
}
END_TEST

/* An answer names an event it was told about: 1..told_seq. */
START_TEST(test_session_ack_range)
{
	struct drv_session s = {.hello_done = true, .told_seq = 41};
	struct drv_msg ack = {.type = DRV_MSG_ACK, .ok = false};

	ack.seq = 0;
	ck_assert_int_eq(drv_session_check(&s, &ack), DRV_ERR_UNKNOWN_SEQ);
	ack.seq = 1;
	ck_assert_int_eq(drv_session_check(&s, &ack), DRV_OK);
	ack.seq = 41;
	ck_assert_int_eq(drv_session_check(&s, &ack), DRV_OK);
	ack.seq = 42;
	ck_assert_int_eq(drv_session_check(&s, &ack), DRV_ERR_UNKNOWN_SEQ);
	ack.seq = UINT64_MAX;
	ck_assert_int_eq(drv_session_check(&s, &ack), DRV_ERR_UNKNOWN_SEQ);
	s.told_seq = 42;
	ack.seq = 42;
	ck_assert_int_eq(drv_session_check(&s, &ack), DRV_OK);
}
END_TEST

START_TEST(test_error_names)
{
	for (int i = 0; i < DRV_ERR__COUNT; i++) {
		ck_assert_ptr_nonnull(drv_error_name(i));
		ck_assert_str_ne(drv_error_name(i), "invalid");
		ck_assert_str_ne(drv_error_text(i), "invalid");
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(drv_error_name(i), drv_error_name(j));
	}
	ck_assert_str_eq(drv_error_name(DRV_ERR__COUNT), "invalid");
	for (int i = 0; i < DRV_GONE__COUNT; i++) {
		ck_assert_str_ne(drv_disconnect_name(i), "invalid");
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(drv_disconnect_name(i), drv_disconnect_name(j));
	}
	ck_assert_int_eq(drv_disconnect_of(DRV_ERR_DUPLICATE_ID), DRV_GONE_DUPLICATE);
	ck_assert_int_eq(drv_disconnect_of(DRV_ERR_BAD_JSON), DRV_GONE_PROTOCOL);
	ck_assert_int_eq(drv_disconnect_of(DRV_ERR_TOO_LONG), DRV_GONE_PROTOCOL);
	ck_assert_str_eq(drv_disconnect_name(DRV_GONE_QUEUE_FULL), "queue_full");
}
END_TEST

/* ---- lines ---- */

/* Feed text into b in pieces of at most `piece` bytes; collect the lines
 * into out (joined by '|', as far as they fit). Returns the number of
 * lines, or -1 when drv_linebuf_next() found one too long. */
static int feed(struct drv_linebuf *b, const char *text, size_t len, size_t piece, char *out,
		size_t cap)
{
	size_t off = 0;
	int got = 0, lines = 0;

	out[0] = '\0';
	while (off < len) {
		size_t room, n;
		char *at = drv_linebuf_space(b, &room);
		char *line;
		size_t llen;

		ck_assert_uint_gt(room, 0);
		n = len - off < piece ? len - off : piece;
		n = n < room ? n : room;
		memcpy(at, text + off, n);
		drv_linebuf_added(b, n);
		off += n;
		while ((got = drv_linebuf_next(b, &line, &llen)) == 1) {
			ck_assert_uint_eq(strlen(line), llen);
			lines++;
			if (strlen(out) + llen + 2 < cap) {
				strcat(out, line);
				strcat(out, "|");
			}
		}
		if (got < 0)
			return -1;
	}
	return lines;
}

START_TEST(test_lines_split_anywhere)
{
	static const char text[] = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\npartial";
	char out[256];

	for (size_t piece = 1; piece <= sizeof(text); piece++) {
		char storage[16];
		struct drv_linebuf b;

		drv_linebuf_init(&b, storage, sizeof(storage));

		ck_assert_int_eq(feed(&b, text, sizeof(text) - 1, piece, out, sizeof(out)), 4);
		ck_assert_str_eq(out, "{\"a\":1}|{\"b\":2}||{\"c\":3}|");
	}
}
END_TEST

/* DRIVER_LINE_MAX bytes pass (with "\n" or "\r\n"); one more fails,
 * whether its end has come or not. */
START_TEST(test_lines_bound)
{
	static char text[DRIVER_LINE_MAX + 16], storage[DRIVER_LINE_MAX + 2];
	char out[16];
	struct drv_linebuf b;
	char *line;
	size_t len;

	memset(text, 'x', sizeof(text));
	text[DRIVER_LINE_MAX] = '\n';
	drv_linebuf_init(&b, storage, sizeof(storage));
	ck_assert_int_eq(feed(&b, text, DRIVER_LINE_MAX + 1, 1000, out, sizeof(out)), 1);

	text[DRIVER_LINE_MAX] = '\r';
	text[DRIVER_LINE_MAX + 1] = '\n';
	drv_linebuf_init(&b, storage, sizeof(storage));
	ck_assert_int_eq(feed(&b, text, DRIVER_LINE_MAX + 1, 7, out, sizeof(out)), 0);
	ck_assert_int_eq(feed(&b, text + DRIVER_LINE_MAX + 1, 1, 1, out, sizeof(out)), 1);

	text[DRIVER_LINE_MAX] = 'x';
	text[DRIVER_LINE_MAX + 1] = '\n';
	drv_linebuf_init(&b, storage, sizeof(storage));
	ck_assert_int_eq(feed(&b, text, DRIVER_LINE_MAX + 2, 1000, out, sizeof(out)), -1);
	/* no end yet: DRIVER_LINE_MAX + 1 bytes are too many already */
	drv_linebuf_init(&b, storage, sizeof(storage));
	ck_assert_int_eq(feed(&b, text, DRIVER_LINE_MAX + 1, 333, out, sizeof(out)), -1);
	/* ... but DRIVER_LINE_MAX bytes and a "\r" may still end well */
	text[DRIVER_LINE_MAX] = '\r';
	drv_linebuf_init(&b, storage, sizeof(storage));
	ck_assert_int_eq(feed(&b, text, DRIVER_LINE_MAX + 1, 333, out, sizeof(out)), 0);
	ck_assert_int_eq(feed(&b, "y", 1, 1, out, sizeof(out)), -1);
	/* a whole line within the bound, then a long one */
	drv_linebuf_init(&b, storage, sizeof(storage));
	ck_assert_int_eq(feed(&b, "ok\n", 3, 3, out, sizeof(out)), 1);
	ck_assert_str_eq(out, "ok|");
	ck_assert_int_eq(drv_linebuf_next(&b, &line, &len), 0);
	text[DRIVER_LINE_MAX] = 'x';
	ck_assert_int_eq(feed(&b, text, sizeof(text), 4096, out, sizeof(out)), -1);
}
END_TEST

/* ---- the queue ---- */

START_TEST(test_queue_limit)
{
	ck_assert_uint_eq(drv_queue_limit(262144, 1000), 262144);
	ck_assert_uint_eq(drv_queue_limit(4096, 3000), 6000);
	ck_assert_uint_eq(drv_queue_limit(4096, SIZE_MAX / 2 + 1), SIZE_MAX);
}
END_TEST

START_TEST(test_queue_fits)
{
	ck_assert(drv_queue_fits(0, 4096, 4096));
	ck_assert(!drv_queue_fits(0, 4097, 4096));
	ck_assert(drv_queue_fits(4000, 96, 4096));
	ck_assert(!drv_queue_fits(4000, 97, 4096));
	ck_assert(!drv_queue_fits(5000, 0, 4096)); /* over already: nothing more */
	ck_assert(!drv_queue_fits(10, SIZE_MAX, 4096));
	ck_assert(!drv_queue_fits(SIZE_MAX, SIZE_MAX, SIZE_MAX - 1));
}
END_TEST

/* ---- required drivers (injected clock) ---- */

#define T0 (1000 * SEC)
#define GRACE_MS 10000

START_TEST(test_need_state_grace)
{
	struct drv_presence away = {0}, seen = {.seen = true};
	struct drv_presence up = {.connected = true, .ready = true, .seen = true};
	struct drv_presence busy = {.connected = true, .ready = false, .seen = true};

	ck_assert_int_eq(drv_need_state(&away, T0, GRACE_MS, T0), DRV_NEED_GRACE);
	ck_assert_int_eq(drv_need_state(&away, T0, GRACE_MS, T0 + 10 * SEC - 1), DRV_NEED_GRACE);
	ck_assert_int_eq(drv_need_state(&away, T0, GRACE_MS, T0 + 10 * SEC), DRV_NEED_MISSING);
	/* once it was there, its absence counts at once, grace or not */
	ck_assert_int_eq(drv_need_state(&seen, T0, GRACE_MS, T0 + 1), DRV_NEED_MISSING);
	ck_assert_int_eq(drv_need_state(&away, T0, 0, T0), DRV_NEED_MISSING);
	ck_assert_int_eq(drv_need_state(&up, T0, GRACE_MS, T0), DRV_NEED_OK);
	ck_assert_int_eq(drv_need_state(&busy, T0, GRACE_MS, T0), DRV_NEED_NOT_READY);
	ck_assert_int_eq(drv_need_state(&busy, T0, GRACE_MS, T0 + 3600 * SEC), DRV_NEED_NOT_READY);
	ck_assert_str_eq(drv_need_state_name(DRV_NEED_NOT_READY), "not_ready");
	ck_assert_str_eq(drv_need_state_name(DRV_NEED_GRACE), "grace");
}
END_TEST

static struct driver_need_conf need(const char *id, bool required, int32_t weight)
{
	return (struct driver_need_conf){.id = (char *)id, .required = required, .weight = weight};
}

/* The priority a node gets: base + the weights in force (track arithmetic). */
START_TEST(test_verdict_weights)
{
	struct driver_need_conf needs[3] = {need("webapp", true, -100), need("cache", true, 20),
					    need("pager", false, TRACK_NO_WEIGHT)};
	enum drv_need_state st[3] = {DRV_NEED_OK, DRV_NEED_OK, DRV_NEED_MISSING};
	struct drv_verdict v;

	drv_verdict_of(needs, st, 3, T0, GRACE_MS, &v);
	ck_assert_int_eq(v.delta, 20); /* a positive weight counts while healthy */
	ck_assert_int_eq(v.fault, -1); /* not required: counts for nothing */
	ck_assert_uint_eq(track_effective_priority(150, v.delta), 170);
	st[0] = DRV_NEED_MISSING;
	drv_verdict_of(needs, st, 3, T0, GRACE_MS, &v);
	ck_assert_int_eq(v.delta, -80);
	ck_assert_uint_eq(track_effective_priority(150, v.delta), 70);
	st[1] = DRV_NEED_NOT_READY;
	drv_verdict_of(needs, st, 3, T0, GRACE_MS, &v);
	ck_assert_int_eq(v.delta, -100);
	ck_assert_uint_eq(track_effective_priority(100, v.delta), 1);
	ck_assert_uint_eq(track_effective_priority(255, v.delta), 255); /* the owner stays */
	ck_assert_int_eq(v.fault, -1);
	ck_assert_uint_eq(v.recheck_at, 0);
}
END_TEST

START_TEST(test_verdict_fault_and_grace)
{
	struct driver_need_conf needs[3] = {need("a", true, -10), need("b", true, TRACK_NO_WEIGHT),
					    need("c", true, TRACK_NO_WEIGHT)};
	enum drv_need_state st[3] = {DRV_NEED_GRACE, DRV_NEED_GRACE, DRV_NEED_NOT_READY};
	struct drv_verdict v;

	drv_verdict_of(needs, st, 3, T0, GRACE_MS, &v);
	ck_assert_int_eq(v.delta, 0);  /* in grace: healthy */
	ck_assert_int_eq(v.fault, 2);  /* the first weightless failing one */
	ck_assert_uint_eq(v.recheck_at, T0 + 10 * SEC);
	st[1] = DRV_NEED_MISSING;
	drv_verdict_of(needs, st, 3, T0, GRACE_MS, &v);
	ck_assert_int_eq(v.fault, 1);
	st[0] = DRV_NEED_OK;
	st[1] = DRV_NEED_OK;
	st[2] = DRV_NEED_OK;
	drv_verdict_of(needs, st, 3, T0, GRACE_MS, &v);
	ck_assert_int_eq(v.fault, -1);
	ck_assert_int_eq(v.delta, 0);
	ck_assert_uint_eq(v.recheck_at, 0);
	drv_verdict_of(needs, st, 0, T0, GRACE_MS, &v);
	ck_assert_int_eq(v.fault, -1);
}
END_TEST

/* Grace and verdict over time, as the daemon asks: a required driver that
 * never comes fails when the grace ends, not before. */
START_TEST(test_verdict_over_time)
{
	struct driver_need_conf needs[1] = {need("webapp", true, -100)};
	struct drv_presence p = {0};
	enum drv_need_state st[1];
	struct drv_verdict v;

	for (uint64_t t = T0; t < T0 + 20 * SEC; t += SEC / 2) {
		st[0] = drv_need_state(&p, T0, GRACE_MS, t);
		drv_verdict_of(needs, st, 1, T0, GRACE_MS, &v);
		ck_assert_int_eq(v.delta, t < T0 + 10 * SEC ? 0 : -100);
		ck_assert_uint_eq(v.recheck_at, t < T0 + 10 * SEC ? T0 + 10 * SEC : 0);
	}
}
END_TEST

START_TEST(test_fault_reason)
{
	char buf[160], small[20], msg[300];

	drv_fault_reason("webapp", DRV_NEED_MISSING, "", buf, sizeof(buf));
	ck_assert_str_eq(buf, "required driver webapp is not connected");
	drv_fault_reason("webapp", DRV_NEED_NOT_READY, "db down", buf, sizeof(buf));
	ck_assert_str_eq(buf, "required driver webapp is not ready: db down");
	drv_fault_reason("webapp", DRV_NEED_NOT_READY, "", buf, sizeof(buf));
	ck_assert_str_eq(buf, "required driver webapp is not ready");
	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	drv_fault_reason("webapp", DRV_NEED_NOT_READY, msg, buf, sizeof(buf));
	ck_assert_uint_eq(strlen(buf), strlen("required driver webapp is not ready: ") + 100);
	drv_fault_reason("webapp", DRV_NEED_MISSING, "", small, sizeof(small));
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
}
END_TEST

/* ---- the client ---- */

START_TEST(test_backoff)
{
	static const uint32_t want[] = {100, 100, 200, 400, 800, 1600, 3200, 5000, 5000};

	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_uint_eq(watch_backoff_ms(i), want[i]);
	ck_assert_uint_eq(watch_backoff_ms(1000000), WATCH_BACKOFF_MAX_MS);
}
END_TEST

START_TEST(test_snapshot_runs)
{
	ck_assert(watch_snapshot_runs(false, STATE_INIT, STATE_BACKUP));
	ck_assert(watch_snapshot_runs(false, STATE_MASTER, STATE_MASTER));
	ck_assert(watch_snapshot_runs(true, STATE_MASTER, STATE_BACKUP));
	ck_assert(!watch_snapshot_runs(true, STATE_MASTER, STATE_MASTER));
	ck_assert(!watch_snapshot_runs(true, STATE_FAULT, STATE_FAULT));
}
END_TEST

START_TEST(test_state_parse)
{
	enum vrrp_state s = STATE_INIT;

	for (int i = 0; i < STATE__COUNT; i++) {
		ck_assert(drv_state_parse(vrrp_state_name(i), &s));
		ck_assert_int_eq(s, i);
	}
	ck_assert(!drv_state_parse("master", &s));
	ck_assert(!drv_state_parse("STOP", &s));
	ck_assert(!drv_state_parse("", &s));
}
END_TEST

static Suite *driver_rule_suite(void)
{
	Suite *s = suite_create("driver_rule");
	TCase *proto = tcase_create("conversation");
	TCase *lines = tcase_create("lines and queue");
	TCase *req = tcase_create("required");
	TCase *client = tcase_create("client");

	tcase_add_test(proto, test_id_valid);
	tcase_add_test(proto, test_session_order);
	tcase_add_test(proto, test_session_hello_checks);
	tcase_add_test(proto, test_session_ack_range);
	tcase_add_test(proto, test_error_names);
	suite_add_tcase(s, proto);
	tcase_add_test(lines, test_lines_split_anywhere);
	tcase_add_test(lines, test_lines_bound);
	tcase_add_test(lines, test_queue_limit);
	tcase_add_test(lines, test_queue_fits);
	suite_add_tcase(s, lines);
	tcase_add_test(req, test_need_state_grace);
	tcase_add_test(req, test_verdict_weights);
	tcase_add_test(req, test_verdict_fault_and_grace);
	tcase_add_test(req, test_verdict_over_time);
	tcase_add_test(req, test_fault_reason);
	suite_add_tcase(s, req);
	tcase_add_test(client, test_backoff);
	tcase_add_test(client, test_snapshot_runs);
	tcase_add_test(client, test_state_parse);
	suite_add_tcase(s, client);
	return s;
}

CLUSTD_TEST_MAIN(driver_rule_suite)
