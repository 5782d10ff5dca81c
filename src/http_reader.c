/* SPDX-License-Identifier: GPL-2.0-or-later */
/* http_reader.c - incremental HTTP/1.x response reader (see http_reader.h).
 *
 * Lines (the status line, fields, chunk sizes, the end of a chunk,
 * trailers) are assembled byte by byte in r->line, then judged whole; body
 * bytes are taken in runs, never stored, only searched for the needle. */
#include "http_reader.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define CHUNK_SIZE_DIGITS_MAX 15 /* < 2^60: no overflow, far above any body_max */
#define LENGTH_DIGITS_MAX 18

void http_reader_init(struct http_reader *r, size_t head_max, size_t body_max, bool no_body,
		      const char *needle)
{
	memset(r, 0, sizeof(*r));
	r->head_max = head_max ? head_max : HTTP_HEAD_MAX_DEFAULT;
	r->body_max = body_max ? body_max : HTTP_BODY_MAX_DEFAULT;
	r->no_body = no_body;
	r->phase = HTTP_P_STATUS;
	r->verdict = HTTP_MORE;
	if (needle) {
		r->needle_len = strnlen(needle, HTTP_NEEDLE_MAX);
		memcpy(r->needle, needle, r->needle_len);
	}
}

const char *http_verdict_name(enum http_verdict v)
{
	switch (v) {
	case HTTP_MORE: return "incomplete";
	case HTTP_DONE: return "complete";
	case HTTP_MALFORMED: return "malformed";
	case HTTP_TRUNCATED: return "truncated";
	case HTTP_OVERSIZED: return "oversized";
	}
	return "?";
}

static void fail(struct http_reader *r, enum http_verdict v)
{
	r->verdict = v;
}

/* ---- the needle, across any boundary ---- */

static bool contains(const char *hay, size_t n, const char *needle, size_t k)
{
	return n >= k && memmem(hay, n, needle, k) != NULL;
}

static void look_for_needle(struct http_reader *r, const uint8_t *p, size_t n)
{
	char joint[2 * HTTP_NEEDLE_MAX];
	size_t keep, head;

	if (r->needle_len == 0 || r->found || n == 0)
		return;
	keep = r->needle_len - 1; /* bytes that may start a match split by a boundary */
	head = n < keep ? n : keep;
	/* The end of what came before with the start of this run. */
	memcpy(joint, r->tail, r->tail_len);
	memcpy(joint + r->tail_len, p, head);
	if (contains(joint, r->tail_len + head, r->needle, r->needle_len) ||
	    contains((const char *)p, n, r->needle, r->needle_len)) {
		r->found = true;
		return;
	}
	if (n >= keep) {
		memcpy(r->tail, p + n - keep, keep);
		r->tail_len = keep;
	} else { /* joint holds all of this run: keep its last `keep` bytes */
		size_t total = r->tail_len + n, from = total > keep ? total - keep : 0;

		memmove(r->tail, joint + from, total - from);
		r->tail_len = total - from;
	}
}

/* ---- the body ---- */

static uint64_t body_room(const struct http_reader *r)
{
	return r->body_bytes >= r->body_max ? 0 : r->body_max - r->body_bytes;
}

/* Takes body bytes from p (n > 0); returns how many were used. The body
 * bound counts chunk framing too (body_bytes), so a body of empty-ish
 * chunks is bounded like any other. */
static size_t body_run(struct http_reader *r, const uint8_t *p, size_t n)
{
	size_t take = n;
	uint64_t room = body_room(r);

	if (r->phase != HTTP_P_BODY_CLOSE && take > r->left)
		take = (size_t)r->left;
	if (take > room) {
		look_for_needle(r, p, (size_t)room);
		r->body_bytes += room;
		fail(r, HTTP_OVERSIZED);
		return (size_t)room;
	}
	look_for_needle(r, p, take);
	r->body_bytes += take;
	if (r->phase == HTTP_P_BODY_CLOSE)
		return take;
	r->left -= take;
	if (r->left == 0)
		r->phase = r->phase == HTTP_P_BODY_LENGTH ? HTTP_P_END : HTTP_P_CHUNK_END;
	return take;
}

/* ---- lines ---- */

static bool line_has_controls(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return true;
	}
	return false;
}

/* "HTTP/1.x 200 OK", "HTTP/1.1 200" */
static void status_line(struct http_reader *r, const char *s, size_t n)
{
	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)s[7]) ||
	    s[8] != ' ' || !isdigit((unsigned char)s[9]) || !isdigit((unsigned char)s[10]) ||
	    !isdigit((unsigned char)s[11]) || (n > 12 && s[12] != ' ') || s[9] == '0') {
		fail(r, HTTP_MALFORMED);
		return;
	}
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	r->has_length = r->chunked = r->other_coding = false;
	r->length = 0;
	r->phase = HTTP_P_FIELDS;
}

static bool is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool parse_digits(const char *s, size_t n, size_t max_digits, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > max_digits)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

static void content_length(struct http_reader *r, const char *v, size_t n)
{
	uint64_t len;

	if (!parse_digits(v, n, LENGTH_DIGITS_MAX, &len) || (r->has_length && len != r->length)) {
		fail(r, HTTP_MALFORMED);
		return;
	}
	r->has_length = true;
	r->length = len;
}

/* Only the last coding matters for framing: chunked, or read to the end. */
static void transfer_encoding(struct http_reader *r, const char *v, size_t n)
{
	const char *last = v;

	for (size_t i = 0; i < n; i++)
		if (v[i] == ',')
			last = v + i + 1;
	n -= (size_t)(last - v);
	while (n && (*last == ' ' || *last == '\t'))
		last++, n--;
	r->chunked = n == 7 && strncasecmp(last, "chunked", 7) == 0;
	r->other_coding = !r->chunked;
}

static void fields_end(struct http_reader *r)
{
	if (r->status < 200) { /* interim: the final response follows */
		r->phase = HTTP_P_STATUS;
		return;
	}
	r->fields_done = true;
	if (r->no_body || r->status == 204 || r->status == 304)
		r->phase = HTTP_P_END;
	else if (r->chunked)
		r->phase = HTTP_P_CHUNK_SIZE;
	else if (r->other_coding || !r->has_length)
		r->phase = HTTP_P_BODY_CLOSE;
	else if (r->length == 0)
		r->phase = HTTP_P_END;
	else {
		r->left = r->length;
		r->phase = HTTP_P_BODY_LENGTH;
	}
}

/* One field line; trailers (interpret = false) are only checked. */
static void field_line(struct http_reader *r, const char *s, size_t n, bool interpret)
{
	size_t name = 0;

	if (n == 0) {
		if (interpret)
			fields_end(r);
		else
			r->phase = HTTP_P_END;
		return;
	}
	while (name < n && is_tchar((unsigned char)s[name]))
		name++;
	/* No name, white space before the colon, or a folded line. */
	if (name == 0 || name == n || s[name] != ':') {
		fail(r, HTTP_MALFORMED);
		return;
	}
	const char *v = s + name + 1, *e = s + n;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (!interpret)
		return;
	if (name == 14 && strncasecmp(s, "Content-Length", 14) == 0)
		content_length(r, v, (size_t)(e - v));
	else if (name == 17 && strncasecmp(s, "Transfer-Encoding", 17) == 0)
		transfer_encoding(r, v, (size_t)(e - v));
}

/* "1a", "1A;ext=x", "0" */
static void chunk_size_line(struct http_reader *r, const char *s, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; i < n && isxdigit((unsigned char)s[i]); i++) {
		if (i == CHUNK_SIZE_DIGITS_MAX) {
			fail(r, HTTP_MALFORMED);
			return;
		}
		v = v * 16 + (uint64_t)(isdigit((unsigned char)s[i]) ? s[i] - '0' :
					  tolower((unsigned char)s[i]) - 'a' + 10);
	}
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == 0 || (i < n && s[i] != ';')) {
		fail(r, HTTP_MALFORMED);
		return;
	}
	r->left = v;
	r->phase = v ? HTTP_P_CHUNK_DATA : HTTP_P_TRAILERS;
}

static void line_end(struct http_reader *r)
{
	const char *s = r->line;
	size_t n = r->line_len;

	r->line_len = 0;
	if (n && s[n - 1] == '\r')
		n--;
	if (line_has_controls(s, n)) {
		fail(r, HTTP_MALFORMED);
		return;
	}
	switch (r->phase) {
	case HTTP_P_STATUS: status_line(r, s, n); break;
	case HTTP_P_FIELDS: field_line(r, s, n, true); break;
	case HTTP_P_TRAILERS: field_line(r, s, n, false); break;
	case HTTP_P_CHUNK_SIZE: chunk_size_line(r, s, n); break;
	case HTTP_P_CHUNK_END:
		if (n != 0)
			fail(r, HTTP_MALFORMED);
		else
			r->phase = HTTP_P_CHUNK_SIZE;
		break;
	default: break;
	}
}

static bool in_head(enum http_phase p)
{
	return p == HTTP_P_STATUS || p == HTTP_P_FIELDS || p == HTTP_P_TRAILERS;
}

static void line_byte(struct http_reader *r, uint8_t c)
{
	uint64_t *count = in_head(r->phase) ? &r->head_bytes : &r->body_bytes;
	uint64_t max = in_head(r->phase) ? r->head_max : r->body_max;

	if (*count >= max) {
		fail(r, HTTP_OVERSIZED);
		return;
	}
	(*count)++;
	if (c == '\n') {
		line_end(r);
		return;
	}
	if (r->line_len == sizeof(r->line)) {
		fail(r, HTTP_OVERSIZED);
		return;
	}
	r->line[r->line_len++] = (char)c;
}

enum http_verdict http_reader_feed(struct http_reader *r, const void *data, size_t len)
{
	const uint8_t *p = data, *end = p + len;

	while (r->verdict == HTTP_MORE && r->phase != HTTP_P_END && p < end) {
		switch (r->phase) {
		case HTTP_P_BODY_LENGTH:
		case HTTP_P_BODY_CLOSE:
		case HTTP_P_CHUNK_DATA:
			p += body_run(r, p, (size_t)(end - p));
			break;
		default:
			line_byte(r, *p++);
			break;
		}
	}
	if (r->verdict == HTTP_MORE && r->phase == HTTP_P_END)
		r->verdict = HTTP_DONE;
	return r->verdict;
}

enum http_verdict http_reader_eof(struct http_reader *r)
{
	if (r->verdict != HTTP_MORE)
		return r->verdict;
	r->verdict = r->phase == HTTP_P_BODY_CLOSE || r->phase == HTTP_P_END ? HTTP_DONE :
									       HTTP_TRUNCATED;
	return r->verdict;
}
