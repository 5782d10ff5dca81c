/* SPDX-License-Identifier: GPL-2.0-or-later */
/* health_check.c - one tcp or http check as a pure state machine (see
 * health_check.h). */
#include "health_check.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

#define PATH_MAX_LEN 1023u
#define HOST_MAX_LEN 255u

/* ---- status sets ---- */

static void status_add(uint64_t *set, unsigned code)
{
	set[code / 64] |= (uint64_t)1 << (code % 64);
}

bool hc_status_in(const uint64_t set[TRACK_CHECK_STATUS_WORDS], int status)
{
	if (status < 0 || status >= 64 * TRACK_CHECK_STATUS_WORDS)
		return false;
	return (set[status / 64] >> (status % 64)) & 1;
}

void hc_status_set_default(uint64_t set[TRACK_CHECK_STATUS_WORDS])
{
	memset(set, 0, TRACK_CHECK_STATUS_WORDS * sizeof(uint64_t));
	for (unsigned c = 200; c <= 399; c++)
		status_add(set, c);
}

static bool status_code(const char **p, unsigned *out)
{
	const char *s = *p;

	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[2]) || isdigit((unsigned char)s[3]) || s[0] == '0')
		return false;
	*out = (unsigned)((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0'));
	*p = s + 3;
	return true;
}

bool hc_parse_status_set(const char *s, uint64_t set[TRACK_CHECK_STATUS_WORDS])
{
	memset(set, 0, TRACK_CHECK_STATUS_WORDS * sizeof(uint64_t));
	for (;;) {
		unsigned lo, hi;

		while (*s == ' ')
			s++;
		if (!status_code(&s, &lo))
			return false;
		hi = lo;
		if (*s == '-') {
			s++;
			if (!status_code(&s, &hi) || hi < lo)
				return false;
		}
		for (unsigned c = lo; c <= hi; c++)
			status_add(set, c);
		while (*s == ' ')
			s++;
		if (*s == '\0')
			return true;
		if (*s++ != ',')
			return false;
	}
}

/* ---- URLs ---- */

bool hc_header_value_ok(const char *s, bool allow_space)
{
	size_t n = strlen(s);

	if (n == 0 || n > PATH_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || (c == ' ' && !allow_space))
			return false;
	}
	return true;
}

static bool parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* HOST[:PORT] of an authority; the host is numeric, IPv6 in brackets. */
static bool parse_authority(const char *a, size_t n, struct hc_url *out, const char **why)
{
	char host[IP_ADDR_STRLEN];
	const char *h = a, *colon, *end_host;

	if (n == 0 || n >= sizeof(out->authority)) {
		*why = n ? "the host part is too long" : "no host";
		return false;
	}
	if (*a == '[') {
		end_host = memchr(a, ']', n);
		if (!end_host) {
			*why = "an IPv6 address needs its closing ]";
			return false;
		}
		h = a + 1;
		colon = end_host + 1 < a + n ? end_host + 1 : NULL;
		if (colon && *colon != ':') {
			*why = "unexpected text after ]";
			return false;
		}
	} else {
		colon = memchr(a, ':', n);
		end_host = colon ? colon : a + n;
	}
	if ((size_t)(end_host - h) >= sizeof(host) || end_host == h) {
		*why = "the host is not a numeric address";
		return false;
	}
	memcpy(host, h, (size_t)(end_host - h));
	host[end_host - h] = '\0';
	if (!ip_addr_parse(host, &out->addr) || (*a == '[') != (out->addr.family == AF_INET6)) {
		*why = "the host must be a numeric IPv4 address or an [IPv6] one (no name lookups)";
		return false;
	}
	out->port = 80;
	if (colon && !parse_port(colon + 1, (size_t)(a + n - colon - 1), &out->port)) {
		*why = "the port is not a number in 1..65535";
		return false;
	}
	memcpy(out->authority, a, n);
	out->authority[n] = '\0';
	return true;
}

bool hc_parse_url(const char *url, struct hc_url *out, const char **why)
{
	const char *auth, *slash;

	memset(out, 0, sizeof(*out));
	if (strncasecmp(url, "https://", 8) == 0) {
		*why = "https is not supported (plain http only)";
		return false;
	}
	if (strncasecmp(url, "http://", 7) != 0) {
		*why = "not an http:// URL";
		return false;
	}
	auth = url + 7;
	slash = strchr(auth, '/');
	if (!parse_authority(auth, slash ? (size_t)(slash - auth) : strlen(auth), out, why))
		return false;
	snprintf(out->path, sizeof(out->path), "%s", slash ? slash : "/");
	if (strchr(out->path, '#') || !hc_header_value_ok(out->path, false) ||
	    strlen(slash ? slash : "/") >= sizeof(out->path)) {
		*why = "the path has spaces, controls or a fragment, or is too long";
		return false;
	}
	return true;
}

/* ---- outcomes ---- */

static const char *const outcome_names[HC__OUTCOMES] = {
	[HC_OK] = "ok",
	[HC_REFUSED] = "refused",
	[HC_TIMEOUT] = "timeout",
	[HC_RESET] = "reset",
	[HC_UNREACHABLE] = "unreachable",
	[HC_BAD_STATUS] = "bad_status",
	[HC_BAD_BODY] = "bad_body",
	[HC_MALFORMED] = "malformed",
	[HC_TRUNCATED] = "truncated",
	[HC_OVERSIZED] = "oversized",
	[HC_ERROR] = "error",
};

const char *hc_outcome_name(enum hc_outcome o)
{
	return (unsigned)o < HC__OUTCOMES ? outcome_names[o] : "?";
}

enum hc_outcome hc_outcome_of_errno(int err)
{
	switch (err) {
	case ECONNREFUSED: return HC_REFUSED;
	case ECONNRESET:
	case ECONNABORTED:
	case EPIPE: return HC_RESET;
	case ETIMEDOUT: return HC_TIMEOUT;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENETDOWN:
	case EADDRNOTAVAIL: return HC_UNREACHABLE;
	default: return HC_ERROR;
	}
}

void hc_describe_last(const struct hc *h, char *buf, size_t len)
{
	switch (h->last) {
	case HC_TIMEOUT:
		snprintf(buf, len, "timeout after %llu ms",
			 (unsigned long long)(h->last_duration_us / 1000));
		break;
	case HC_BAD_STATUS:
		snprintf(buf, len, "status %d", h->last_status);
		break;
	case HC_BAD_BODY:
		snprintf(buf, len, "status %d, body without \"%s\"", h->last_status,
			 h->needle ? h->needle : "");
		break;
	case HC_OVERSIZED:
		snprintf(buf, len, "oversized (no verdict within %zu header or %zu body bytes)",
			 h->rd.head_max, h->rd.body_max);
		break;
	case HC_OK:
		if (h->kind == TRACK_CHECK_HTTP)
			snprintf(buf, len, "status %d in %llu ms", h->last_status,
				 (unsigned long long)(h->last_duration_us / 1000));
		else
			snprintf(buf, len, "connected in %llu ms",
				 (unsigned long long)(h->last_duration_us / 1000));
		break;
	default:
		snprintf(buf, len, "%s", hc_outcome_name(h->last));
		break;
	}
}

/* ---- the machine ---- */

static char *build_request(const struct track_check_conf *c, size_t *len)
{
	char *r = xasprintf("%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: clustd-check\r\n"
			    "Accept: */*\r\nConnection: close\r\n\r\n",
			    c->head ? "HEAD" : "GET", c->path ? c->path : "/",
			    c->host ? c->host : "");
	*len = strlen(r);
	return r;
}

void hc_init(struct hc *h, const struct track_check_conf *c, uint64_t now)
{
	memset(h, 0, sizeof(*h));
	h->kind = c->kind;
	h->interval_us = (uint64_t)(c->interval_ms ? c->interval_ms : 1000) * 1000;
	h->timeout_us = c->timeout_ms ? (uint64_t)c->timeout_ms * 1000 : h->interval_us;
	if (h->timeout_us > h->interval_us)
		h->timeout_us = h->interval_us;
	if (c->kind == TRACK_CHECK_HTTP)
		h->request = build_request(c, &h->request_len);
	memcpy(h->status_ok, c->status_ok, sizeof(h->status_ok));
	h->needle = c->body && *c->body ? xstrdup(c->body) : NULL;
	h->head = c->head;
	track_check_init(&h->rf, c->rise, c->fall, c->init_ok);
	h->phase = HC_IDLE;
	h->next_start_us = now;
}

void hc_free(struct hc *h)
{
	free(h->request);
	free(h->needle);
	h->request = h->needle = NULL;
}

uint64_t hc_first_due(const struct hc *h)
{
	return h->next_start_us;
}

bool hc_healthy(const struct hc *h)
{
	return h->rf.ok;
}

static void act_reset(struct hc_actions *a)
{
	memset(a, 0, sizeof(*a));
}

static void finish(struct hc *h, enum hc_outcome o, uint64_t now, struct hc_actions *a)
{
	a->close = true;
	a->wait = HC_WAIT_NONE;
	a->finished = true;
	a->outcome = o;
	h->phase = HC_IDLE;
	h->runs++;
	h->outcomes[o]++;
	h->last = o;
	h->last_status = h->kind == TRACK_CHECK_HTTP ? h->rd.status : 0;
	h->last_duration_us = now - h->started_us;
	a->flipped = track_check_result(&h->rf, o == HC_OK);
	a->timer_us = h->next_start_us > now ? h->next_start_us : now;
}

static void start(struct hc *h, uint64_t now, struct hc_actions *a)
{
	/* Keep the cadence from the schedule, not from when we woke up. */
	h->next_start_us += h->interval_us;
	if (h->next_start_us <= now)
		h->next_start_us = now + h->interval_us;
	h->started_us = now;
	h->deadline_us = now + h->timeout_us;
	h->phase = HC_CONNECTING;
	h->sent = 0;
	h->last_status = 0;
	http_reader_init(&h->rd, 0, 0, h->head, h->needle);
	a->open = true;
	a->wait = HC_WAIT_WRITABLE;
	a->timer_us = h->deadline_us;
}

void hc_timer(struct hc *h, uint64_t now, struct hc_actions *a)
{
	act_reset(a);
	if (h->phase != HC_IDLE && now >= h->deadline_us)
		finish(h, HC_TIMEOUT, now, a);
	else if (h->phase != HC_IDLE)
		a->timer_us = h->deadline_us; /* early: wait on */
	if (h->phase == HC_IDLE && now >= h->next_start_us)
		start(h, now, a); /* after a timeout, the next run may be due at once */
	else if (h->phase == HC_IDLE)
		a->timer_us = h->next_start_us;
}

static void wait_on(const struct hc *h, enum hc_wait w, struct hc_actions *a)
{
	a->wait = w;
	a->timer_us = h->deadline_us;
}

void hc_connected(struct hc *h, int err, uint64_t now, struct hc_actions *a)
{
	act_reset(a);
	if (h->phase != HC_CONNECTING)
		return;
	if (err)
		finish(h, hc_outcome_of_errno(err), now, a);
	else if (h->kind == TRACK_CHECK_TCP)
		finish(h, HC_OK, now, a);
	else {
		h->phase = HC_SENDING;
		wait_on(h, HC_WAIT_WRITABLE, a);
	}
}

const char *hc_unsent(const struct hc *h, size_t *len)
{
	if (h->phase != HC_SENDING || !h->request) {
		*len = 0;
		return NULL;
	}
	*len = h->request_len - h->sent;
	return h->request + h->sent;
}

void hc_sent(struct hc *h, size_t n, uint64_t now, struct hc_actions *a)
{
	(void)now;
	act_reset(a);
	if (h->phase != HC_SENDING)
		return;
	h->sent += n > h->request_len - h->sent ? h->request_len - h->sent : n;
	if (h->sent == h->request_len) {
		h->phase = HC_READING;
		wait_on(h, HC_WAIT_READABLE, a);
	} else {
		wait_on(h, HC_WAIT_WRITABLE, a);
	}
}

/* What the reader knows now decides the run, or we read on. */
static void judge(struct hc *h, enum http_verdict v, uint64_t now, struct hc_actions *a)
{
	const struct http_reader *r = &h->rd;

	if (r->fields_done && !hc_status_in(h->status_ok, r->status))
		finish(h, HC_BAD_STATUS, now, a);
	else if (r->fields_done && (!h->needle || r->found))
		finish(h, HC_OK, now, a);
	else if (v == HTTP_DONE)
		finish(h, HC_BAD_BODY, now, a);
	else if (v == HTTP_MALFORMED)
		finish(h, HC_MALFORMED, now, a);
	else if (v == HTTP_OVERSIZED)
		finish(h, HC_OVERSIZED, now, a);
	else if (v == HTTP_TRUNCATED)
		finish(h, HC_TRUNCATED, now, a);
	else
		wait_on(h, HC_WAIT_READABLE, a);
}

void hc_received(struct hc *h, const void *data, size_t n, uint64_t now, struct hc_actions *a)
{
	act_reset(a);
	/* A server may answer before the whole request is sent. */
	if (h->phase != HC_READING && h->phase != HC_SENDING)
		return;
	judge(h, http_reader_feed(&h->rd, data, n), now, a);
	if (!a->finished && h->phase == HC_SENDING)
		a->wait = HC_WAIT_WRITABLE;
}

void hc_closed(struct hc *h, uint64_t now, struct hc_actions *a)
{
	act_reset(a);
	if (h->phase == HC_READING || h->phase == HC_SENDING)
		judge(h, http_reader_eof(&h->rd), now, a);
}

void hc_failed(struct hc *h, int err, uint64_t now, struct hc_actions *a)
{
	act_reset(a);
	if (h->phase != HC_IDLE)
		finish(h, hc_outcome_of_errno(err), now, a);
}
