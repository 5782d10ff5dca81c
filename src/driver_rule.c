/* SPDX-License-Identifier: GPL-2.0-or-later */
/* driver_rule.c - the rules of the driver socket (see driver_rule.h). */
#include "driver_rule.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "track_rule.h"

bool driver_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > CLUSTD_DRIVER_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9');
		if (!alnum && !strchr("._@:-", ch))
			return false;
	}
	return true;
}

/* ---- errors ---- */

static const struct {
	const char *name, *text;
} errors[DRV_ERR__COUNT] = {
	[DRV_OK] = {"ok", "no error"},
	[DRV_ERR_TOO_LONG] = {"too_long", "line longer than 4096 bytes"},
	[DRV_ERR_BAD_JSON] = {"bad_json", "not a single JSON value on the line"},
	[DRV_ERR_NOT_OBJECT] = {"not_object", "a message must be a JSON object"},
	[DRV_ERR_NO_TYPE] = {"no_type", "a message needs a \"type\" string"},
	[DRV_ERR_UNKNOWN_TYPE] = {"unknown_type", "unknown message type"},
	[DRV_ERR_BAD_FIELD] = {"bad_field", "a field is missing or has the wrong type"},
	[DRV_ERR_HELLO_FIRST] = {"hello_first", "the first message must be the hello"},
	[DRV_ERR_HELLO_AGAIN] = {"hello_again", "hello was already said"},
	[DRV_ERR_PROTOCOL] = {"protocol", "protocol version not supported (this daemon speaks 1)"},
	[DRV_ERR_BAD_ID] = {"bad_id", "an id is 1 to 63 characters of A-Z a-z 0-9 . _ @ : -"},
	[DRV_ERR_DUPLICATE_ID] = {"duplicate_id", "a driver with this id is connected already"},
	[DRV_ERR_UNKNOWN_INSTANCE] = {"unknown_instance", "no instance of that name runs here"},
	[DRV_ERR_UNKNOWN_SEQ] = {"unknown_seq", "no event with that sequence number was sent"},
};

const char *drv_error_name(enum drv_error e)
{
	return (unsigned)e < DRV_ERR__COUNT ? errors[e].name : "invalid";
}

const char *drv_error_text(enum drv_error e)
{
	return (unsigned)e < DRV_ERR__COUNT ? errors[e].text : "invalid";
}

static const char *const gone_names[DRV_GONE__COUNT] = {
	[DRV_GONE_CLOSED] = "closed",
	[DRV_GONE_IO] = "io_error",
	[DRV_GONE_PROTOCOL] = "protocol_error",
	[DRV_GONE_DUPLICATE] = "duplicate_id",
	[DRV_GONE_QUEUE_FULL] = "queue_full",
	[DRV_GONE_HELLO_TIMEOUT] = "hello_timeout",
	[DRV_GONE_TOO_MANY] = "too_many",
	[DRV_GONE_SHUTDOWN] = "shutdown",
};

const char *drv_disconnect_name(enum drv_disconnect d)
{
	return (unsigned)d < DRV_GONE__COUNT ? gone_names[d] : "invalid";
}

enum drv_disconnect drv_disconnect_of(enum drv_error e)
{
	return e == DRV_ERR_DUPLICATE_ID ? DRV_GONE_DUPLICATE : DRV_GONE_PROTOCOL;
}

/* ---- the session ---- */

enum drv_error drv_session_check(struct drv_session *s, const struct drv_msg *m)
{
	if (m->type == DRV_MSG_HELLO) {
		if (s->hello_done)
			return DRV_ERR_HELLO_AGAIN;
		if (m->protocol != DRIVER_PROTOCOL)
			return DRV_ERR_PROTOCOL;
		if (!driver_id_valid(m->id))
			return DRV_ERR_BAD_ID;
		s->hello_done = true;
		return DRV_OK;
	}
	if (!s->hello_done)
		return DRV_ERR_HELLO_FIRST;
	if (m->type == DRV_MSG_ACK && (m->seq == 0 || m->seq > s->told_seq))
		return DRV_ERR_UNKNOWN_SEQ;
	return DRV_OK;
}

/* ---- lines ---- */

void drv_linebuf_init(struct drv_linebuf *b, char *storage, size_t cap)
{
	*b = (struct drv_linebuf){.buf = storage, .cap = cap};
}

char *drv_linebuf_space(struct drv_linebuf *b, size_t *room)
{
	if (b->start > 0) { /* what was taken makes room */
		memmove(b->buf, b->buf + b->start, b->len - b->start);
		b->len -= b->start;
		b->start = 0;
	}
	*room = b->cap - b->len;
	return b->buf + b->len;
}

void drv_linebuf_added(struct drv_linebuf *b, size_t n)
{
	b->len += n;
}

/* The storage holds the longest line and its "\r\n": a line one byte
 * too long still fits whole and is told apart from one not yet complete. */
int drv_linebuf_next(struct drv_linebuf *b, char **line, size_t *len)
{
	size_t max = b->cap - 2;
	char *from = b->buf + b->start;
	size_t have = b->len - b->start;
	char *nl = memchr(from, '\n', have);

	if (!nl)
		return have > max + 1 || (have > max && from[have - 1] != '\r') ? -1 : 0;
	size_t n = (size_t)(nl - from);

	b->start += n + 1;
	if (n > 0 && from[n - 1] == '\r')
		n--;
	if (n > max)
		return -1;
	from[n] = '\0';
	*line = from;
	*len = n;
	return 1;
}

/* ---- the queue ---- */

size_t drv_queue_limit(size_t conf_bytes, size_t snapshot_bytes)
{
	size_t twice = snapshot_bytes > SIZE_MAX / 2 ? SIZE_MAX : snapshot_bytes * 2;

	return conf_bytes > twice ? conf_bytes : twice;
}

bool drv_queue_fits(size_t queued, size_t add, size_t limit)
{
	return queued <= limit && add <= limit - queued;
}

/* ---- required drivers ---- */

enum drv_need_state drv_need_state(const struct drv_presence *p, uint64_t started_us,
				   uint32_t grace_ms, uint64_t now)
{
	if (p->connected)
		return p->ready ? DRV_NEED_OK : DRV_NEED_NOT_READY;
	if (!p->seen && now < started_us + grace_ms * 1000ull)
		return DRV_NEED_GRACE;
	return DRV_NEED_MISSING;
}

const char *drv_need_state_name(enum drv_need_state s)
{
	switch (s) {
	case DRV_NEED_OK: return "ok";
	case DRV_NEED_GRACE: return "grace";
	case DRV_NEED_MISSING: return "missing";
	case DRV_NEED_NOT_READY: return "not_ready";
	}
	return "invalid";
}

void drv_verdict_of(const struct driver_need_conf *needs, const enum drv_need_state *states,
		    size_t n, uint64_t started_us, uint32_t grace_ms, struct drv_verdict *v)
{
	long long delta = 0;

	*v = (struct drv_verdict){.fault = -1};
	for (size_t i = 0; i < n; i++) {
		if (!needs[i].required)
			continue;
		bool healthy = states[i] == DRV_NEED_OK || states[i] == DRV_NEED_GRACE;

		if (states[i] == DRV_NEED_GRACE)
			v->recheck_at = started_us + grace_ms * 1000ull;
		delta += track_weight_in_force(needs[i].weight, healthy);
		if (!healthy && needs[i].weight == TRACK_NO_WEIGHT && v->fault < 0)
			v->fault = (int)i;
	}
	/* CLUSTD_MAX_DRIVERS weights of at most 253 each: far inside an int */
	v->delta = (int)delta;
}

void drv_fault_reason(const char *id, enum drv_need_state s, const char *message,
		      char *buf, size_t len)
{
	if (s == DRV_NEED_NOT_READY)
		snprintf(buf, len, "required driver %s is not ready%s%.100s", id,
			 message && message[0] ? ": " : "", message ? message : "");
	else
		snprintf(buf, len, "required driver %s is not connected", id);
}

/* ---- the client ---- */

uint32_t watch_backoff_ms(unsigned failures)
{
	uint32_t ms = 100;

	for (unsigned i = 1; i < failures && ms < WATCH_BACKOFF_MAX_MS; i++)
		ms *= 2;
	return ms < WATCH_BACKOFF_MAX_MS ? ms : WATCH_BACKOFF_MAX_MS;
}

bool watch_snapshot_runs(bool ran, enum vrrp_state last_ran, enum vrrp_state now_state)
{
	return !ran || last_ran != now_state;
}

bool drv_state_parse(const char *name, enum vrrp_state *out)
{
	for (int s = 0; s < STATE__COUNT; s++) {
		if (strcmp(vrrp_state_name((enum vrrp_state)s), name) == 0) {
			*out = (enum vrrp_state)s;
			return true;
		}
	}
	return false;
}
