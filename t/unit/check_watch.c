/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_watch.c - unit tests of what `clustd watch` prints for people
 * (watch_text_line, src/watch.c): a state at connect, a transition, and a
 * drain or an undrain, from the lines the daemon really encodes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_proto.h"
#include "testutil.h"
#include "watch.h"

/* The daemon's line for e, decoded as clustd watch reads it. */
static struct drv_daemon_msg decoded(char *(*encode)(const struct drv_event *, size_t *),
				     const struct drv_event *e)
{
	struct drv_daemon_msg m;
	size_t len;
	char *line = encode(e, &len);

	ck_assert(drv_decode_daemon(line, len, &m));
	free(line);
	return m;
}

static char *snapshot_of(const struct drv_event *e, size_t *len)
{
	return drv_encode_snapshot(&e->now, len);
}

static struct vip vips[1];

static struct drv_event event_at(enum vrrp_state from, enum vrrp_state to, enum drv_drained d,
				 const char *reason)
{
	ck_assert(vip_parse("198.51.100.100/24", &vips[0]));
	return (struct drv_event){.seq = 7, .from = from, .wall_us = 1764547200123456ull,
				  .now = {.name = "web", .state = to, .priority = 150,
					  .base_priority = 150, .vips = vips, .nvips = 1,
					  .quorum = DRV_QUORUM_HELD, .reason = reason, .seq = 6,
					  .drained = d}};
}

/* What watch prints for the daemon's line for e. */
static void assert_prints(char *(*encode)(const struct drv_event *, size_t *),
			  const struct drv_event *e, const char *want)
{
	struct drv_daemon_msg m = decoded(encode, e);
	char buf[2048];

	ck_assert(watch_text_line(&m, buf, sizeof(buf)));
	ck_assert_str_eq(buf, want);
}

START_TEST(test_snapshot_lines)
{
	struct drv_event e = event_at(STATE_INIT, STATE_BACKUP, DRV_UNDRAINED, "startup");

	/* Not drained: the line of protocol 1 as it was. */
	assert_prints(snapshot_of, &e,
		      "web: BACKUP, priority 150, VIPs 198.51.100.100/24 (seq 6): startup\n");
	e.now.drained = DRV_DRAINED_NODE;
	assert_prints(snapshot_of, &e, "web: BACKUP, DRAINED by node, priority 150, "
		      "VIPs 198.51.100.100/24 (seq 6): startup\n");
	e.now.drained = DRV_DRAINED_INSTANCE;
	assert_prints(snapshot_of, &e, "web: BACKUP, DRAINED by name, priority 150, "
		      "VIPs 198.51.100.100/24 (seq 6): startup\n");
}
END_TEST

START_TEST(test_event_line)
{
	struct drv_event e = event_at(STATE_MASTER, STATE_BACKUP, DRV_DRAINED_NODE,
				      "handing over to n2 (drain)");

	assert_prints(drv_encode_event, &e, "2025-12-01T00:00:00.123456Z web: MASTER -> BACKUP, "
		      "priority 150 (seq 7): handing over to n2 (drain)\n");
}
END_TEST

START_TEST(test_drain_lines)
{
	static const struct {
		enum drv_drained d;
		enum vrrp_state state;
		const char *reason, *want;
	} cases[] = {
		{DRV_DRAINED_NODE, STATE_MASTER, "clustd drain", "web: DRAINED by node, MASTER, "
		 "priority 150 (seq 7): clustd drain\n"},
		{DRV_DRAINED_INSTANCE, STATE_MASTER, "clustd drain", "web: DRAINED by name, MASTER, "
		 "priority 150 (seq 7): clustd drain\n"},
		{DRV_UNDRAINED, STATE_BACKUP, "clustd undrain", "web: UNDRAINED, BACKUP, "
		 "priority 150 (seq 7): clustd undrain\n"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct drv_event e = event_at(STATE_INIT, cases[i].state, cases[i].d,
					      cases[i].reason);
		char want[256];

		snprintf(want, sizeof(want), "2025-12-01T00:00:00.123456Z %s", cases[i].want);
		assert_prints(drv_encode_drain, &e, want);
	}
}
END_TEST

START_TEST(test_prints_nothing_else)
{
	static const char *const lines[] = {
		"{\"type\":\"hello\",\"protocol\":1,\"node\":\"n1\"}",
		"{\"type\":\"synced\",\"seq\":3,\"instances\":1}",
		"{\"type\":\"error\",\"error\":\"bad_id\",\"message\":\"x\"}",
		"{\"type\":\"resign\",\"instance\":\"web\"}", /* a newer daemon's */
	};
	char buf[64] = "untouched";

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct drv_daemon_msg m;

		ck_assert(drv_decode_daemon(lines[i], strlen(lines[i]), &m));
		ck_assert(!watch_text_line(&m, buf, sizeof(buf)));
		ck_assert_str_eq(buf, "");
	}
}
END_TEST

/* A buffer too small truncates, NUL-terminated, never past its end. */
START_TEST(test_small_buffer)
{
	struct drv_event e = event_at(STATE_INIT, STATE_MASTER, DRV_DRAINED_NODE, "clustd drain");
	struct drv_daemon_msg m = decoded(drv_encode_drain, &e);
	char buf[16];

	memset(buf, 'x', sizeof(buf));
	ck_assert(watch_text_line(&m, buf, 12));
	ck_assert_str_eq(buf, "2025-12-01T");
	ck_assert_int_eq(buf[12], 'x');
}
END_TEST

static Suite *watch_suite(void)
{
	Suite *s = suite_create("watch");
	TCase *tc = tcase_create("text lines");

	tcase_add_test(tc, test_snapshot_lines);
	tcase_add_test(tc, test_event_line);
	tcase_add_test(tc, test_drain_lines);
	tcase_add_test(tc, test_prints_nothing_else);
	tcase_add_test(tc, test_small_buffer);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(watch_suite)
