/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_driver_proto.c - unit tests of the driver protocol's lines
 * (src/driver_proto.c): what the daemon says reads back the same, what a
 * driver says decodes to the right message, and every malformed-input
 * class gets its own error. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "driver_proto.h"
#include "testutil.h"

/* ---- daemon -> driver ---- */

static struct vip vip_of(const char *s)
{
	struct vip v;

	ck_assert(vip_parse(s, &v));
	return v;
}

/* The line ends in exactly one "\n" and is one JSON object. */
static json_object *object_of(const char *line, size_t len)
{
	json_object *o;

	ck_assert_uint_eq(strlen(line), len);
	ck_assert_uint_gt(len, 2);
	ck_assert_int_eq(line[len - 1], '\n');
	ck_assert_ptr_null(memchr(line, '\n', len - 1));
	o = json_tokener_parse(line);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_is_type(o, json_type_object));
	return o;
}

START_TEST(test_hello_reads_back)
{
	const char *names[] = {"web", "db"};
	struct drv_hello_info h = {.node = "n1", .incarnation = 1796523695ull, .instances = names,
				   .ninstances = 2};
	struct drv_daemon_msg m;
	size_t len;
	char *line = drv_encode_hello(&h, &len);
	json_object *o = object_of(line, len), *a;

	ck_assert(drv_decode_daemon(line, len - 1, &m));
	ck_assert_int_eq(m.type, DRV_D_HELLO);
	ck_assert_int_eq(m.protocol, DRIVER_PROTOCOL);
	ck_assert_str_eq(m.node, "n1");
	ck_assert_uint_eq(m.incarnation, 1796523695ull);
	ck_assert(json_object_object_get_ex(o, "instances", &a));
	ck_assert_uint_eq(json_object_array_length(a), 2);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(a, 1)), "db");
	json_object_put(o);
	free(line);
}
END_TEST

START_TEST(test_snapshot_reads_back)
{
	struct vip vips[2] = {vip_of("198.51.100.100/24"), vip_of("2001:db8::100/64")};
	struct drv_instance_view v = {.name = "web", .state = STATE_MASTER, .priority = 50,
				      .base_priority = 150, .vips = vips, .nvips = 2,
				      .quorum = DRV_QUORUM_LOST, .reason = "no \"quorum\"\n",
				      .seq = 7, .required = true};
	struct drv_daemon_msg m;
	size_t len;
	char *line = drv_encode_snapshot(&v, &len);
	json_object *o = object_of(line, len), *q;

	ck_assert(drv_decode_daemon(line, len, &m));
	ck_assert_int_eq(m.type, DRV_D_SNAPSHOT);
	ck_assert_str_eq(m.instance, "web");
	ck_assert_int_eq(m.state, STATE_MASTER);
	ck_assert_uint_eq(m.priority, 50);
	ck_assert_uint_eq(m.seq, 7);
	ck_assert_str_eq(m.vips, "198.51.100.100/24 2001:db8::100/64");
	ck_assert_str_eq(m.reason, "no \"quorum\"\n");
	ck_assert(json_object_object_get_ex(o, "quorum", &q));
	ck_assert(json_object_is_type(q, json_type_boolean) && !json_object_get_boolean(q));
	ck_assert(json_object_get_boolean(json_object_object_get(o, "required")));
	ck_assert_int_eq(json_object_get_int(json_object_object_get(o, "base_priority")), 150);
	json_object_put(o);
	free(line);

	v.quorum = DRV_QUORUM_NONE;
	line = drv_encode_snapshot(&v, &len);
	o = object_of(line, len);
	ck_assert(json_object_object_get_ex(o, "quorum", &q));
	ck_assert_ptr_null(q); /* null: no cluster plane */
	json_object_put(o);
	free(line);
}
END_TEST

START_TEST(test_event_reads_back)
{
	struct vip vips[1] = {vip_of("198.51.100.100/24")};
	struct drv_event e = {.seq = 42, .from = STATE_BACKUP, .wall_us = 1764547200123456ull,
			      .now = {.name = "web", .state = STATE_MASTER, .priority = 150,
				      .base_priority = 150, .vips = vips, .nvips = 1,
				      .quorum = DRV_QUORUM_HELD, .reason = "master down timer expired"}};
	struct drv_daemon_msg m;
	size_t len;
	char *line = drv_encode_event(&e, &len);
	json_object *o = object_of(line, len);

	ck_assert(drv_decode_daemon(line, len, &m));
	ck_assert_int_eq(m.type, DRV_D_EVENT);
	ck_assert_uint_eq(m.seq, 42);
	ck_assert_int_eq(m.from, STATE_BACKUP);
	ck_assert_int_eq(m.state, STATE_MASTER);
	ck_assert_str_eq(m.time, "2025-12-01T00:00:00.123456Z");
	ck_assert_str_eq(m.reason, "master down timer expired");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "to")), "MASTER");
	ck_assert(json_object_get_boolean(json_object_object_get(o, "quorum")));
	json_object_put(o);
	free(line);
}
END_TEST

/* "drained" and "drained_by" of a line, as JSON. */
static void assert_drained_json(json_object *o, bool drained, const char *by)
{
	json_object *b;

	ck_assert(json_object_is_type(json_object_object_get(o, "drained"), json_type_boolean));
	ck_assert_int_eq(json_object_get_boolean(json_object_object_get(o, "drained")), drained);
	ck_assert(json_object_object_get_ex(o, "drained_by", &b));
	if (by)
		ck_assert_str_eq(json_object_get_string(b), by);
	else
		ck_assert_ptr_null(b);
}

START_TEST(test_drained_in_snapshot_and_event)
{
	static const struct {
		enum drv_drained d;
		bool drained;
		const char *by;
	} cases[] = {
		{DRV_UNDRAINED, false, NULL},
		{DRV_DRAINED_INSTANCE, true, "instance"},
		{DRV_DRAINED_NODE, true, "node"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct drv_event e = {.seq = 9, .from = STATE_MASTER, .wall_us = 1,
				      .now = {.name = "web", .state = STATE_BACKUP, .reason = "r",
					      .drained = cases[i].d}};
		struct drv_daemon_msg m;
		size_t len;
		char *line = drv_encode_snapshot(&e.now, &len);
		json_object *o = object_of(line, len);

		assert_drained_json(o, cases[i].drained, cases[i].by);
		ck_assert(drv_decode_daemon(line, len, &m));
		ck_assert_int_eq(m.drained, cases[i].d);
		json_object_put(o);
		free(line);

		line = drv_encode_event(&e, &len);
		o = object_of(line, len);
		assert_drained_json(o, cases[i].drained, cases[i].by);
		ck_assert(drv_decode_daemon(line, len, &m));
		ck_assert_int_eq(m.type, DRV_D_EVENT);
		ck_assert_int_eq(m.drained, cases[i].d);
		json_object_put(o);
		free(line);
	}
}
END_TEST

START_TEST(test_drain_reads_back)
{
	struct vip vips[1] = {vip_of("198.51.100.100/24")};
	struct drv_event e = {.seq = 12, .from = STATE_BACKUP, .wall_us = 1764547200000001ull,
			      .now = {.name = "web", .state = STATE_MASTER, .priority = 200,
				      .base_priority = 200, .vips = vips, .nvips = 1,
				      .quorum = DRV_QUORUM_HELD, .reason = "clustd drain",
				      .drained = DRV_DRAINED_NODE}};
	struct drv_daemon_msg m;
	size_t len;
	char *line = drv_encode_drain(&e, &len);
	json_object *o = object_of(line, len);

	ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "type")), "drain");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "state")), "MASTER");
	/* Not a transition: neither from nor to. */
	ck_assert(!json_object_object_get_ex(o, "from", NULL));
	ck_assert(!json_object_object_get_ex(o, "to", NULL));
	assert_drained_json(o, true, "node");
	ck_assert(drv_decode_daemon(line, len, &m));
	ck_assert_int_eq(m.type, DRV_D_DRAIN);
	ck_assert_uint_eq(m.seq, 12);
	ck_assert_str_eq(m.instance, "web");
	ck_assert_int_eq(m.state, STATE_MASTER);
	ck_assert_uint_eq(m.priority, 200);
	ck_assert_int_eq(m.drained, DRV_DRAINED_NODE);
	ck_assert_str_eq(m.reason, "clustd drain");
	ck_assert_str_eq(m.vips, "198.51.100.100/24");
	ck_assert_str_eq(m.time, "2025-12-01T00:00:00.000001Z");
	json_object_put(o);
	free(line);

	e.now.drained = DRV_UNDRAINED;
	e.now.reason = "clustd undrain";
	line = drv_encode_drain(&e, &len);
	o = object_of(line, len);
	assert_drained_json(o, false, NULL);
	ck_assert(drv_decode_daemon(line, len, &m));
	ck_assert_int_eq(m.type, DRV_D_DRAIN);
	ck_assert_int_eq(m.drained, DRV_UNDRAINED);
	json_object_put(o);
	free(line);
}
END_TEST

/* Lines of a daemon from before the drain fields, and of a newer one that
 * drains by something this client does not know. */
START_TEST(test_drained_absent_or_unknown)
{
	static const char old[] = "{\"type\":\"snapshot\",\"instance\":\"web\",\"state\":\"BACKUP\","
				  "\"seq\":3}";
	static const char newer[] = "{\"type\":\"drain\",\"instance\":\"web\",\"state\":\"BACKUP\","
				    "\"seq\":4,\"drained\":true,\"drained_by\":\"rack\"}";
	static const char wrong[] = "{\"type\":\"event\",\"instance\":\"web\",\"to\":\"BACKUP\","
				    "\"seq\":5,\"drained\":\"yes\",\"drained_by\":\"node\"}";
	struct drv_daemon_msg m;

	ck_assert(drv_decode_daemon(old, strlen(old), &m));
	ck_assert_int_eq(m.drained, DRV_UNDRAINED);
	ck_assert(drv_decode_daemon(newer, strlen(newer), &m));
	ck_assert_int_eq(m.type, DRV_D_DRAIN);
	ck_assert_int_eq(m.drained, DRV_DRAINED_INSTANCE);
	ck_assert(drv_decode_daemon(wrong, strlen(wrong), &m));
	ck_assert_int_eq(m.drained, DRV_UNDRAINED); /* not a boolean: not taken as drained */
}
END_TEST

START_TEST(test_time_format)
{
	char buf[DRV_TIME_STRLEN];

	ck_assert_str_eq(drv_time_str(0, buf), "1970-01-01T00:00:00.000000Z");
	ck_assert_str_eq(drv_time_str(1764547199999999ull, buf), "2025-11-30T23:59:59.999999Z");
}
END_TEST

START_TEST(test_synced_and_error)
{
	struct drv_daemon_msg m;
	size_t len;
	char *line = drv_encode_synced(9, 3, &len);

	ck_assert(drv_decode_daemon(line, len, &m));
	ck_assert_int_eq(m.type, DRV_D_SYNCED);
	ck_assert_uint_eq(m.seq, 9);
	ck_assert_uint_eq(m.count, 3);
	free(line);
	line = drv_encode_error(DRV_ERR_DUPLICATE_ID, "webapp (pid 7)", &len);
	ck_assert(drv_decode_daemon(line, len, &m));
	ck_assert_int_eq(m.type, DRV_D_ERROR);
	ck_assert_str_eq(m.error, "duplicate_id");
	ck_assert_str_eq(m.message, "a driver with this id is connected already: webapp (pid 7)");
	free(line);
	line = drv_encode_error(DRV_ERR_BAD_JSON, NULL, &len);
	ck_assert(drv_decode_daemon(line, len, &m));
	ck_assert_str_eq(m.message, "not a single JSON value on the line");
	free(line);
	/* a newer daemon's message is not an error for the client */
	ck_assert(drv_decode_daemon("{\"type\":\"later\"}", 16, &m));
	ck_assert_int_eq(m.type, DRV_D_UNKNOWN);
	ck_assert(!drv_decode_daemon("[1]", 3, &m));
	ck_assert(!drv_decode_daemon("{\"x\":1}", 7, &m));
}
END_TEST

/* ---- driver -> daemon ---- */

static enum drv_error decode(const char *line, struct drv_msg *m)
{
	return drv_decode_driver(line, strlen(line), m);
}

START_TEST(test_driver_hello)
{
	struct drv_msg m;

	ck_assert_int_eq(decode("{\"type\":\"hello\",\"protocol\":1,\"id\":\"webapp\"}", &m), DRV_OK);
	ck_assert_int_eq(m.type, DRV_MSG_HELLO);
	ck_assert_int_eq(m.protocol, 1);
	ck_assert_str_eq(m.id, "webapp");
	ck_assert(m.all_instances);
	ck_assert(m.ready);
	ck_assert_int_eq(decode(" {\"id\":\"w\",\"protocol\":1,\"type\":\"hello\",\"instances\":"
				"[\"web\",\"db\"],\"ready\":false,\"later\":{\"x\":[1]}} \t\r", &m), DRV_OK);
	ck_assert(!m.all_instances);
	ck_assert_uint_eq(m.ninstances, 2);
	ck_assert_str_eq(m.instances[1], "db");
	ck_assert(!m.ready);
	ck_assert_int_eq(decode("{\"type\":\"hello\",\"protocol\":1,\"id\":\"w\",\"instances\":\"all\"}",
				&m), DRV_OK);
	ck_assert(m.all_instances);
	/* an empty list: no instance at all (a driver that only says it is ready) */
	ck_assert_int_eq(decode("{\"type\":\"hello\",\"protocol\":1,\"id\":\"w\",\"instances\":[]}",
				&m), DRV_OK);
	ck_assert(!m.all_instances);
	ck_assert_uint_eq(m.ninstances, 0);
	/* another version decodes; drv_session_check refuses it */
	ck_assert_int_eq(decode("{\"type\":\"hello\",\"protocol\":99,\"id\":\"w\"}", &m), DRV_OK);
	ck_assert_int_eq(m.protocol, 99);
}
END_TEST

START_TEST(test_driver_ack_ready)
{
	struct drv_msg m;
	char line[600];

	ck_assert_int_eq(decode("{\"type\":\"ack\",\"seq\":42,\"ok\":true}", &m), DRV_OK);
	ck_assert_int_eq(m.type, DRV_MSG_ACK);
	ck_assert_uint_eq(m.seq, 42);
	ck_assert(m.ok);
	ck_assert_str_eq(m.message, "");
	ck_assert_int_eq(decode("{\"type\":\"ack\",\"seq\":18446744073709551615,\"ok\":false,"
				"\"message\":\"exit 3\"}", &m), DRV_OK);
	ck_assert_uint_eq(m.seq, UINT64_MAX);
	ck_assert(!m.ok);
	ck_assert_str_eq(m.message, "exit 3");
	ck_assert_int_eq(decode("{\"type\":\"ready\",\"ready\":false,\"message\":\"db down\"}", &m),
			 DRV_OK);
	ck_assert_int_eq(m.type, DRV_MSG_READY);
	ck_assert(!m.ready);
	ck_assert_str_eq(m.message, "db down");
	/* control characters in a message become spaces: it goes into the log */
	ck_assert_int_eq(decode("{\"type\":\"ready\",\"ready\":false,\"message\":"
				"\"db\\ndown\\u001b[31m\\t!\"}", &m), DRV_OK);
	ck_assert_str_eq(m.message, "db down [31m !");
	ck_assert_int_eq(decode("{\"type\":\"ack\",\"seq\":1,\"ok\":false,\"message\":\"a\\rb\"}",
				&m), DRV_OK);
	ck_assert_str_eq(m.message, "a b");
	/* a long message is kept to DRIVER_MESSAGE_MAX bytes */
	snprintf(line, sizeof(line), "{\"type\":\"ready\",\"ready\":true,\"message\":\"%0400d\"}", 0);
	ck_assert_int_eq(decode(line, &m), DRV_OK);
	ck_assert_uint_eq(strlen(m.message), DRIVER_MESSAGE_MAX);
}
END_TEST

/* Every class of bad line, with the error it gets. */
START_TEST(test_driver_malformed)
{
	static const struct {
		const char *line;
		enum drv_error want;
	} cases[] = {
		{"", DRV_ERR_BAD_JSON},
		{"hello", DRV_ERR_BAD_JSON},
		{"{\"type\":\"hello\"", DRV_ERR_BAD_JSON},
		{"{\"type\":\"ack\",\"seq\":1,\"ok\":true} x", DRV_ERR_BAD_JSON},
		{"{\"type\":\"ack\",\"seq\":1,\"ok\":true}{\"type\":\"ack\"}", DRV_ERR_BAD_JSON},
		{"{'type':'ack'}", DRV_ERR_BAD_JSON},
		{"{\"type\":\"ack\",}", DRV_ERR_BAD_JSON},
		{"{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1}}}}}", DRV_ERR_BAD_JSON},
		{"[\"hello\"]", DRV_ERR_NOT_OBJECT},
		{"42", DRV_ERR_BAD_JSON}, /* json-c strict: no bare number */
		{"\"hello\"", DRV_ERR_NOT_OBJECT},
		{"null", DRV_ERR_BAD_JSON},
		{"{}", DRV_ERR_NO_TYPE},
		{"{\"type\":7}", DRV_ERR_NO_TYPE},
		{"{\"type\":\"start\"}", DRV_ERR_UNKNOWN_TYPE},
		{"{\"type\":\"HELLO\"}", DRV_ERR_UNKNOWN_TYPE},
		{"{\"type\":\"hello\",\"id\":\"w\"}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"hello\",\"protocol\":\"1\",\"id\":\"w\"}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"hello\",\"protocol\":1.5,\"id\":\"w\"}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"hello\",\"protocol\":-1,\"id\":\"w\"}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"hello\",\"protocol\":1}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"hello\",\"protocol\":1,\"id\":5}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"hello\",\"protocol\":1,\"id\":\"w\\u0000x\"}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"hello\",\"protocol\":1,\"id\":\"w\",\"ready\":1}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"hello\",\"protocol\":1,\"id\":\"w\",\"instances\":\"web\"}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"hello\",\"protocol\":1,\"id\":\"w\",\"instances\":{\"web\":1}}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"hello\",\"protocol\":1,\"id\":\"w\",\"instances\":[1]}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"hello\",\"protocol\":1,\"id\":\"w\",\"instances\":[\"\"]}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"ack\",\"ok\":true}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"ack\",\"seq\":-3,\"ok\":true}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"ack\",\"seq\":\"3\",\"ok\":true}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"ack\",\"seq\":3}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"ack\",\"seq\":3,\"ok\":\"yes\"}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"ack\",\"seq\":3,\"ok\":true,\"message\":[]}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"ready\"}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"ready\",\"ready\":null}", DRV_ERR_BAD_FIELD},
		{"{\"type\":\"ready\",\"ready\":true,\"message\":\"a\\u0000b\"}", DRV_ERR_BAD_FIELD},
	};
	struct drv_msg m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum drv_error got = decode(cases[i].line, &m);
		ck_assert_msg(got == cases[i].want, "%s: got %s, want %s", cases[i].line,
			      drv_error_name(got), drv_error_name(cases[i].want));
	}
}
END_TEST

/* A NUL byte in the line itself, and over-long names and id. */
START_TEST(test_driver_malformed_bytes)
{
	static const char nul[] = "{\"type\":\"ready\",\"ready\":true}\0junk";
	char line[DRIVER_LINE_MAX + 64], name[CLUSTD_NAME_MAX + 1];
	struct drv_msg m;
	size_t n;

	ck_assert_int_eq(drv_decode_driver(nul, sizeof(nul) - 1, &m), DRV_ERR_BAD_JSON);
	ck_assert_int_eq(drv_decode_driver(nul, strlen(nul), &m), DRV_OK);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(line, sizeof(line), "{\"type\":\"hello\",\"protocol\":1,\"id\":\"w\",\"instances\":[\"%s\"]}",
		 name);
	ck_assert_int_eq(decode(line, &m), DRV_ERR_BAD_FIELD);
	name[CLUSTD_NAME_MAX - 1] = '\0'; /* 63: the longest name */
	snprintf(line, sizeof(line), "{\"type\":\"hello\",\"protocol\":1,\"id\":\"w\",\"instances\":[\"%s\"]}",
		 name);
	ck_assert_int_eq(decode(line, &m), DRV_OK);
	/* too many instances */
	n = (size_t)snprintf(line, sizeof(line), "{\"type\":\"hello\",\"protocol\":1,\"id\":\"w\",\"instances\":[");
	for (int i = 0; i <= DRIVER_WANT_MAX; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s\"i%d\"", i ? "," : "", i);
	snprintf(line + n, sizeof(line) - n, "]}");
	ck_assert_int_eq(decode(line, &m), DRV_ERR_BAD_FIELD);
	/* an id longer than allowed decodes long enough to be refused */
	snprintf(line, sizeof(line), "{\"type\":\"hello\",\"protocol\":1,\"id\":\"%0100d\"}", 0);
	ck_assert_int_eq(decode(line, &m), DRV_OK);
	ck_assert(!driver_id_valid(m.id));
}
END_TEST

/* What the client library writes is what the daemon reads. */
START_TEST(test_driver_encoders_read_back)
{
	const char *names[] = {"web"};
	struct drv_msg m;
	size_t len;
	char *line;

	line = drv_encode_driver_hello("watch-1", names, 1, false, &len);
	ck_assert_int_eq(drv_decode_driver(line, len - 1, &m), DRV_OK);
	ck_assert_str_eq(m.id, "watch-1");
	ck_assert(!m.all_instances && m.ninstances == 1 && !m.ready);
	ck_assert_str_eq(m.instances[0], "web");
	free(line);
	line = drv_encode_driver_hello("watch-1", NULL, 0, true, &len);
	ck_assert_int_eq(drv_decode_driver(line, len - 1, &m), DRV_OK);
	ck_assert(m.all_instances && m.ready);
	free(line);
	line = drv_encode_ack(17, false, "exit status 3", &len);
	ck_assert_int_eq(drv_decode_driver(line, len - 1, &m), DRV_OK);
	ck_assert(m.type == DRV_MSG_ACK && m.seq == 17 && !m.ok);
	ck_assert_str_eq(m.message, "exit status 3");
	free(line);
	line = drv_encode_ready(false, "warming up", &len);
	ck_assert_int_eq(drv_decode_driver(line, len - 1, &m), DRV_OK);
	ck_assert(m.type == DRV_MSG_READY && !m.ready);
	ck_assert_str_eq(m.message, "warming up");
	free(line);
}
END_TEST

static Suite *driver_proto_suite(void)
{
	Suite *s = suite_create("driver_proto");
	TCase *daemon = tcase_create("daemon lines");
	TCase *driver = tcase_create("driver lines");

	tcase_add_test(daemon, test_hello_reads_back);
	tcase_add_test(daemon, test_snapshot_reads_back);
	tcase_add_test(daemon, test_event_reads_back);
	tcase_add_test(daemon, test_drained_in_snapshot_and_event);
	tcase_add_test(daemon, test_drain_reads_back);
	tcase_add_test(daemon, test_drained_absent_or_unknown);
	tcase_add_test(daemon, test_time_format);
	tcase_add_test(daemon, test_synced_and_error);
	suite_add_tcase(s, daemon);
	tcase_add_test(driver, test_driver_hello);
	tcase_add_test(driver, test_driver_ack_ready);
	tcase_add_test(driver, test_driver_malformed);
	tcase_add_test(driver, test_driver_malformed_bytes);
	tcase_add_test(driver, test_driver_encoders_read_back);
	suite_add_tcase(s, driver);
	return s;
}

CLUSTD_TEST_MAIN(driver_proto_suite)
