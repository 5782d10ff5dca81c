/* SPDX-License-Identifier: GPL-2.0-or-later */
/* driver_proto.c - the driver protocol's lines (see driver_proto.h). */
#include "driver_proto.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

/* Messages are flat: anything nested deeper is not one of ours. */
#define PARSE_DEPTH 4

/* ---- encoding ---- */

static json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

/* The object as one line; takes it. */
static char *line_of(json_object *o, size_t *len)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	char *line = xasprintf("%s\n", s ? s : "{}");

	json_object_put(o);
	*len = strlen(line);
	return line;
}

static json_object *typed(const char *type)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", jstr(type));
	return o;
}

static json_object *vips_json(const struct vip *vips, size_t n)
{
	json_object *a = json_object_new_array();
	char buf[VIP_STRLEN];

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, jstr(vip_str(&vips[i], buf)));
	return a;
}

static json_object *quorum_json(enum drv_quorum q)
{
	return q == DRV_QUORUM_NONE ? NULL : json_object_new_boolean(q == DRV_QUORUM_HELD);
}

char *drv_encode_hello(const struct drv_hello_info *h, size_t *len)
{
	json_object *o = typed("hello");
	json_object *names = json_object_new_array();

	for (size_t i = 0; i < h->ninstances; i++)
		json_object_array_add(names, jstr(h->instances[i]));
	json_object_object_add(o, "protocol", json_object_new_int(DRIVER_PROTOCOL));
	json_object_object_add(o, "server", jstr("clustd"));
	json_object_object_add(o, "node", jstr(h->node));
	json_object_object_add(o, "incarnation", json_object_new_uint64(h->incarnation));
	json_object_object_add(o, "instances", names);
	return line_of(o, len);
}

static const char *const drained_by_names[] = {
	[DRV_UNDRAINED] = NULL,
	[DRV_DRAINED_INSTANCE] = "instance",
	[DRV_DRAINED_NODE] = "node",
};

/* "drained": true|false, and "drained_by": "instance"|"node" (null when
 * not drained). Both added after protocol 1 was out: optional fields an
 * older driver ignores. */
static void add_drained(json_object *o, enum drv_drained d)
{
	json_object_object_add(o, "drained", json_object_new_boolean(d != DRV_UNDRAINED));
	json_object_object_add(o, "drained_by", drained_by_names[d] ? jstr(drained_by_names[d]) : NULL);
}

/* What a snapshot, an event and a drain all say about the instance. */
static void add_view(json_object *o, const struct drv_instance_view *v)
{
	json_object_object_add(o, "instance", jstr(v->name));
	json_object_object_add(o, "priority", json_object_new_int((int)v->priority));
	json_object_object_add(o, "base_priority", json_object_new_int((int)v->base_priority));
	json_object_object_add(o, "vips", vips_json(v->vips, v->nvips));
	json_object_object_add(o, "quorum", quorum_json(v->quorum));
	json_object_object_add(o, "reason", jstr(v->reason));
	add_drained(o, v->drained);
}

char *drv_encode_snapshot(const struct drv_instance_view *v, size_t *len)
{
	json_object *o = typed("snapshot");

	add_view(o, v);
	json_object_object_add(o, "state", jstr(vrrp_state_name(v->state)));
	json_object_object_add(o, "seq", json_object_new_uint64(v->seq));
	json_object_object_add(o, "required", json_object_new_boolean(v->required));
	return line_of(o, len);
}

char *drv_encode_synced(uint64_t seq, size_t ninstances, size_t *len)
{
	json_object *o = typed("synced");

	json_object_object_add(o, "seq", json_object_new_uint64(seq));
	json_object_object_add(o, "instances", json_object_new_uint64(ninstances));
	return line_of(o, len);
}

const char *drv_time_str(uint64_t wall_us, char *buf)
{
	time_t secs = (time_t)(wall_us / 1000000u);
	struct tm tm;
	char day[24];

	if (!gmtime_r(&secs, &tm) || strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(day, sizeof(day), "1970-01-01T00:00:00");
	snprintf(buf, DRV_TIME_STRLEN, "%s.%06uZ", day, (unsigned)(wall_us % 1000000u));
	return buf;
}

char *drv_encode_event(const struct drv_event *e, size_t *len)
{
	json_object *o = typed("event");
	char when[DRV_TIME_STRLEN];

	json_object_object_add(o, "seq", json_object_new_uint64(e->seq));
	add_view(o, &e->now);
	json_object_object_add(o, "from", jstr(vrrp_state_name(e->from)));
	json_object_object_add(o, "to", jstr(vrrp_state_name(e->now.state)));
	json_object_object_add(o, "time", jstr(drv_time_str(e->wall_us, when)));
	return line_of(o, len);
}

char *drv_encode_drain(const struct drv_event *e, size_t *len)
{
	json_object *o = typed("drain");
	char when[DRV_TIME_STRLEN];

	json_object_object_add(o, "seq", json_object_new_uint64(e->seq));
	add_view(o, &e->now);
	json_object_object_add(o, "state", jstr(vrrp_state_name(e->now.state)));
	json_object_object_add(o, "time", jstr(drv_time_str(e->wall_us, when)));
	return line_of(o, len);
}

char *drv_encode_error(enum drv_error e, const char *detail, size_t *len)
{
	json_object *o = typed("error");
	char *msg = detail && detail[0] ? xasprintf("%s: %s", drv_error_text(e), detail)
					: xstrdup(drv_error_text(e));

	json_object_object_add(o, "error", jstr(drv_error_name(e)));
	json_object_object_add(o, "message", jstr(msg));
	free(msg);
	return line_of(o, len);
}

char *drv_encode_driver_hello(const char *id, const char *const *instances, size_t n, bool ready,
			      size_t *len)
{
	json_object *o = typed("hello");

	json_object_object_add(o, "protocol", json_object_new_int(DRIVER_PROTOCOL));
	json_object_object_add(o, "id", jstr(id));
	if (instances) {
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(a, jstr(instances[i]));
		json_object_object_add(o, "instances", a);
	} else {
		json_object_object_add(o, "instances", jstr("all"));
	}
	json_object_object_add(o, "ready", json_object_new_boolean(ready));
	return line_of(o, len);
}

char *drv_encode_ack(uint64_t seq, bool ok, const char *message, size_t *len)
{
	json_object *o = typed("ack");

	json_object_object_add(o, "seq", json_object_new_uint64(seq));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	if (message)
		json_object_object_add(o, "message", jstr(message));
	return line_of(o, len);
}

char *drv_encode_ready(bool ready, const char *message, size_t *len)
{
	json_object *o = typed("ready");

	json_object_object_add(o, "ready", json_object_new_boolean(ready));
	if (message)
		json_object_object_add(o, "message", jstr(message));
	return line_of(o, len);
}

/* ---- decoding ---- */

/* One JSON value spanning the whole line (white space around it aside). */
static json_object *parse_line(const char *line, size_t len)
{
	json_tokener *tok;
	json_object *o;
	size_t end;

	if (memchr(line, '\0', len) || len > DRIVER_LINE_MAX + 2)
		return NULL;
	tok = json_tokener_new_ex(PARSE_DEPTH);
	if (!tok)
		xalloc_fail("json_tokener_new_ex");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	o = json_tokener_parse_ex(tok, line, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (o && json_tokener_get_error(tok) == json_tokener_success) {
		for (; end < len; end++) {
			if (!strchr(" \t\r", line[end])) {
				json_object_put(o);
				o = NULL;
				break;
			}
		}
	} else {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* A JSON string into buf (cap bytes): 1; not a string, holding a NUL,
 * or longer than cap - 1 when !truncate: -1. */
static int str_of(json_object *v, char *buf, size_t cap, bool truncate)
{
	size_t n;

	if (!json_object_is_type(v, json_type_string))
		return -1;
	n = (size_t)json_object_get_string_len(v);
	const char *s = json_object_get_string(v);
	if (memchr(s, '\0', n) || (!truncate && n >= cap))
		return -1;
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 1;
}

/* A string field: absent 0 (buf untouched), else as str_of(). */
static int get_str(json_object *o, const char *key, char *buf, size_t cap, bool truncate)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	return str_of(v, buf, cap, truncate);
}

/* A boolean field. Absent: 0. Not a boolean: -1. */
static int get_bool(json_object *o, const char *key, bool *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return -1;
	*out = json_object_get_boolean(v);
	return 1;
}

/* A non-negative integer field. Absent: 0. Otherwise wrong: -1. */
static int get_uint(json_object *o, const char *key, uint64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return -1;
	*out = json_object_get_uint64(v);
	return 1;
}

/* "instances": absent or "all" for every one, else an array of names. */
static enum drv_error want_list(json_object *o, struct drv_msg *m)
{
	json_object *v;
	char word[8];

	m->all_instances = true;
	if (!json_object_object_get_ex(o, "instances", &v))
		return DRV_OK;
	if (json_object_is_type(v, json_type_string))
		return get_str(o, "instances", word, sizeof(word), false) == 1 &&
			       strcmp(word, "all") == 0 ? DRV_OK : DRV_ERR_BAD_FIELD;
	if (!json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) > DRIVER_WANT_MAX)
		return DRV_ERR_BAD_FIELD;
	m->all_instances = false;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		char *name = m->instances[m->ninstances];

		if (str_of(json_object_array_get_idx(v, i), name, CLUSTD_NAME_MAX, false) != 1 ||
		    !name[0])
			return DRV_ERR_BAD_FIELD;
		m->ninstances++;
	}
	return DRV_OK;
}

static enum drv_error decode_hello(json_object *o, struct drv_msg *m)
{
	uint64_t protocol = 0;

	m->type = DRV_MSG_HELLO;
	m->ready = true;
	if (get_uint(o, "protocol", &protocol) != 1 ||
	    get_str(o, "id", m->id, sizeof(m->id), true) != 1 || get_bool(o, "ready", &m->ready) < 0)
		return DRV_ERR_BAD_FIELD;
	m->protocol = protocol > 1000000 ? 1000000 : (long long)protocol;
	return want_list(o, m);
}

/* A driver's message goes into logs and the status: no control
 * characters (a "\n" in it would forge a log line). */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static enum drv_error decode_ack(json_object *o, struct drv_msg *m)
{
	m->type = DRV_MSG_ACK;
	if (get_uint(o, "seq", &m->seq) != 1 || get_bool(o, "ok", &m->ok) != 1 ||
	    get_str(o, "message", m->message, sizeof(m->message), true) < 0)
		return DRV_ERR_BAD_FIELD;
	printable(m->message);
	return DRV_OK;
}

static enum drv_error decode_ready(json_object *o, struct drv_msg *m)
{
	m->type = DRV_MSG_READY;
	if (get_bool(o, "ready", &m->ready) != 1 ||
	    get_str(o, "message", m->message, sizeof(m->message), true) < 0)
		return DRV_ERR_BAD_FIELD;
	printable(m->message);
	return DRV_OK;
}

enum drv_error drv_decode_driver(const char *line, size_t len, struct drv_msg *m)
{
	json_object *o = parse_line(line, len);
	char type[16];
	enum drv_error e;

	memset(m, 0, sizeof(*m));
	if (!o)
		return DRV_ERR_BAD_JSON;
	if (!json_object_is_type(o, json_type_object))
		e = DRV_ERR_NOT_OBJECT;
	else if (get_str(o, "type", type, sizeof(type), true) != 1)
		e = DRV_ERR_NO_TYPE;
	else if (strcmp(type, "hello") == 0)
		e = decode_hello(o, m);
	else if (strcmp(type, "ack") == 0)
		e = decode_ack(o, m);
	else if (strcmp(type, "ready") == 0)
		e = decode_ready(o, m);
	else
		e = DRV_ERR_UNKNOWN_TYPE;
	json_object_put(o);
	return e;
}

/* ---- the client's side ---- */

static void vips_words(json_object *o, char *buf, size_t cap)
{
	json_object *a;
	size_t used = 0;

	buf[0] = '\0';
	if (!json_object_object_get_ex(o, "vips", &a) || !json_object_is_type(a, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(a) && used < cap; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(a, i));
		int n = snprintf(buf + used, cap - used, "%s%s", i ? " " : "", s ? s : "");
		used += n > 0 ? (size_t)n : 0;
	}
}

static enum drv_daemon_type daemon_type(const char *type)
{
	static const char *const names[] = {"hello", "snapshot", "synced", "event", "error", "drain"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(type, names[i]) == 0)
			return (enum drv_daemon_type)i;
	return DRV_D_UNKNOWN;
}

/* "drained" and "drained_by"; absent (an older daemon) or false: undrained.
 * Drained by something this client does not know: by the instance. */
static enum drv_drained drained_fields(json_object *o)
{
	bool drained = false;
	char by[16] = "";

	if (get_bool(o, "drained", &drained) != 1 || !drained)
		return DRV_UNDRAINED;
	get_str(o, "drained_by", by, sizeof(by), true);
	return strcmp(by, "node") == 0 ? DRV_DRAINED_NODE : DRV_DRAINED_INSTANCE;
}

/* The fields of a state change or a state: absent or unknown ones stay 0. */
static void state_fields(json_object *o, struct drv_daemon_msg *m)
{
	char word[16];
	uint64_t prio = 0;

	m->drained = drained_fields(o);
	if (get_str(o, m->type == DRV_D_EVENT ? "to" : "state", word, sizeof(word), true) == 1)
		drv_state_parse(word, &m->state);
	if (get_str(o, "from", word, sizeof(word), true) == 1)
		drv_state_parse(word, &m->from);
	if (get_uint(o, "priority", &prio) == 1 && prio <= 255)
		m->priority = (unsigned)prio;
	vips_words(o, m->vips, sizeof(m->vips));
}

bool drv_decode_daemon(const char *line, size_t len, struct drv_daemon_msg *m)
{
	json_object *o = parse_line(line, len);
	char type[16];
	uint64_t protocol = 0;

	memset(m, 0, sizeof(*m));
	if (!o || !json_object_is_type(o, json_type_object) ||
	    get_str(o, "type", type, sizeof(type), true) != 1) {
		json_object_put(o);
		return false;
	}
	m->type = daemon_type(type);
	if (get_uint(o, "protocol", &protocol) == 1)
		m->protocol = protocol > 1000000 ? 1000000 : (long long)protocol;
	get_str(o, "node", m->node, sizeof(m->node), true);
	get_uint(o, "incarnation", &m->incarnation);
	get_uint(o, "seq", &m->seq);
	get_uint(o, "instances", &m->count);
	get_str(o, "instance", m->instance, sizeof(m->instance), true);
	get_str(o, "reason", m->reason, sizeof(m->reason), true);
	get_str(o, "time", m->time, sizeof(m->time), true);
	get_str(o, "error", m->error, sizeof(m->error), true);
	get_str(o, "message", m->message, sizeof(m->message), true);
	if (m->type == DRV_D_SNAPSHOT || m->type == DRV_D_EVENT || m->type == DRV_D_DRAIN)
		state_fields(o, m);
	json_object_put(o);
	return true;
}
