/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_http_reader.c - unit tests of the HTTP response reader
 * (src/http_reader.c): status lines, fields, the three body framings
 * (Content-Length, chunked, close), interim and bodiless responses, every
 * malformed, truncated and oversized class, the needle across boundaries.
 * Every response is fed whole, one byte at a time, and in irregular
 * slices: the verdict may not depend on how the bytes arrive. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_reader.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct outcome {
	enum http_verdict v;
	int status;
	bool found;
	uint64_t body_bytes;
};

enum slicing { WHOLE, BYTES, SLICES, SLICINGS };

/* Feeds msg (len bytes) sliced as said, then the end of the connection if
 * eof and no verdict came first. */
static struct outcome run(const char *msg, size_t len, enum slicing how, bool eof,
			  const char *needle, bool head, size_t head_max, size_t body_max)
{
	static struct http_reader r; /* large: keep it off the stack */
	static const size_t steps[] = { 3, 1, 7, 2, 13, 5, 64, 1, 1, 11 };
	enum http_verdict v = HTTP_MORE;
	size_t off = 0, k = 0;

	http_reader_init(&r, head_max, body_max, head, needle);
	while (off < len) {
		size_t n = how == WHOLE ? len : how == BYTES ? 1 : steps[k++ % N(steps)];

		if (n > len - off)
			n = len - off;
		v = http_reader_feed(&r, msg + off, n);
		off += n;
	}
	if (len == 0)
		v = http_reader_feed(&r, "", 0);
	if (eof && v == HTTP_MORE)
		v = http_reader_eof(&r);
	return (struct outcome){ v, r.status, r.found, r.body_bytes };
}

/* The same outcome for every slicing; returns it. */
static struct outcome check_all(const char *msg, bool eof, const char *needle, bool head,
				size_t head_max, size_t body_max)
{
	size_t len = strlen(msg);
	struct outcome o = run(msg, len, WHOLE, eof, needle, head, head_max, body_max);

	for (int how = BYTES; how < SLICINGS; how++) {
		struct outcome p = run(msg, len, how, eof, needle, head, head_max, body_max);

		ck_assert_msg(p.v == o.v && p.status == o.status && p.found == o.found &&
			      p.body_bytes == o.body_bytes,
			      "slicing %d of \"%.40s...\": %s/%d/%d/%llu, whole: %s/%d/%d/%llu", how,
			      msg, http_verdict_name(p.v), p.status, p.found,
			      (unsigned long long)p.body_bytes, http_verdict_name(o.v), o.status,
			      o.found, (unsigned long long)o.body_bytes);
	}
	return o;
}

static struct outcome simple(const char *msg, bool eof)
{
	return check_all(msg, eof, NULL, false, 0, 0);
}

/* ---- complete responses ---- */

START_TEST(test_content_length)
{
	struct outcome o = check_all("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: t\r\n\r\nhello",
				     false, "ell", false, 0, 0);

	ck_assert_int_eq(o.v, HTTP_DONE);
	ck_assert_int_eq(o.status, 200);
	ck_assert(o.found);
	ck_assert_uint_eq(o.body_bytes, 5);
	/* Bytes after the whole response are not read. */
	o = simple("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE", false);
	ck_assert_int_eq(o.v, HTTP_DONE);
	ck_assert_uint_eq(o.body_bytes, 2);
	/* Zero length: done at the end of the fields. */
	o = simple("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n", false);
	ck_assert_int_eq(o.v, HTTP_DONE);
	ck_assert_int_eq(o.status, 503);
	/* The same length twice is fine; field names are case-insensitive. */
	o = simple("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nCONTENT-LENGTH:2\r\n\r\nok", false);
	ck_assert_int_eq(o.v, HTTP_DONE);
}
END_TEST

START_TEST(test_chunked)
{
	const char *msg = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			  "5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: y\r\n\r\n";
	struct outcome o = check_all(msg, false, "lo01", false, 0, 0);

	ck_assert_int_eq(o.v, HTTP_DONE);
	ck_assert(o.found); /* across the chunk boundary */
	/* Chunk framing counts in body_bytes (the bound covers it). */
	ck_assert_uint_gt(o.body_bytes, 15);
	/* Not done before the last chunk and its empty trailer line. */
	o = simple("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n", false);
	ck_assert_int_eq(o.v, HTTP_MORE);
	/* The last coding decides: chunked after gzip frames by chunks. */
	o = simple("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n0\r\n\r\n", false);
	ck_assert_int_eq(o.v, HTTP_DONE);
	/* Transfer-Encoding wins over Content-Length. */
	o = simple("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
		   "1\r\nx\r\n0\r\n\r\n", false);
	ck_assert_int_eq(o.v, HTTP_DONE);
}
END_TEST

START_TEST(test_close_delimited)
{
	struct outcome o = check_all("HTTP/1.0 200 OK\r\n\r\nsome body", false, "body", false, 0, 0);

	ck_assert_int_eq(o.v, HTTP_MORE); /* until the end of the connection */
	ck_assert(o.found);
	o = check_all("HTTP/1.0 200 OK\r\n\r\nsome body", true, "nope", false, 0, 0);
	ck_assert_int_eq(o.v, HTTP_DONE);
	ck_assert(!o.found);
	ck_assert_uint_eq(o.body_bytes, 9);
	/* A coding other than chunked, last: read to the end too. */
	o = simple("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz", true);
	ck_assert_int_eq(o.v, HTTP_DONE);
}
END_TEST

START_TEST(test_bodiless_and_interim)
{
	/* HEAD: the length announces a body that does not follow. */
	struct outcome o = check_all("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", false, NULL,
				     true, 0, 0);

	ck_assert_int_eq(o.v, HTTP_DONE);
	o = simple("HTTP/1.1 204 No Content\r\n\r\n", false);
	ck_assert_int_eq(o.v, HTTP_DONE);
	o = simple("HTTP/1.1 304\r\n\r\n", false); /* no reason phrase */
	ck_assert_int_eq(o.v, HTTP_DONE);
	ck_assert_int_eq(o.status, 304);
	/* Interim answers are skipped; the final status counts. */
	o = simple("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: y\r\n\r\n"
		   "HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nx", false);
	ck_assert_int_eq(o.v, HTTP_DONE);
	ck_assert_int_eq(o.status, 404);
	/* Bare LF line ends, white space around a value. */
	o = simple("HTTP/1.1 200 OK\nContent-Length:  \t2 \n\nok", false);
	ck_assert_int_eq(o.v, HTTP_DONE);
}
END_TEST

/* ---- what cannot be read ---- */

START_TEST(test_malformed)
{
	static const char *const cases[] = {
		"HTTP/2 200 OK\r\n\r\n",
		"FOO\r\n\r\n",
		"\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"HTTP/1.1 099 Low\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",        /* obs-fold */
		"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx",   /* space before colon */
		"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
		"HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\x01z\r\n\r\n",              /* control character */
		"HTTP/1.1 200 OK\r\nX: a\rz\r\n\r\n",                /* bare CR */
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n",
	};

	for (size_t i = 0; i < N(cases); i++) {
		struct outcome o = simple(cases[i], true);

		ck_assert_msg(o.v == HTTP_MALFORMED, "case %zu: %s", i, http_verdict_name(o.v));
	}
	/* A NUL byte (strlen cannot carry it). */
	static const char nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";
	for (int how = WHOLE; how < SLICINGS; how++)
		ck_assert_int_eq(run(nul, sizeof(nul) - 1, how, true, NULL, false, 0, 0).v,
				 HTTP_MALFORMED);
}
END_TEST

START_TEST(test_truncated)
{
	static const char *const cases[] = {
		"",
		"HTTP/1.1 20",
		"HTTP/1.1 200 OK\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n",
		"HTTP/1.1 100 Continue\r\n\r\n",
	};

	for (size_t i = 0; i < N(cases); i++) {
		struct outcome o = simple(cases[i], false);

		ck_assert_msg(o.v == HTTP_MORE, "case %zu before the end: %s", i,
			      http_verdict_name(o.v));
		o = simple(cases[i], true);
		ck_assert_msg(o.v == HTTP_TRUNCATED, "case %zu: %s", i, http_verdict_name(o.v));
	}
}
END_TEST

static char *repeat(const char *prefix, const char *unit, size_t times, const char *suffix)
{
	size_t pl = strlen(prefix), ul = strlen(unit), sl = strlen(suffix);
	char *s = malloc(pl + ul * times + sl + 1), *p = s;

	ck_assert_ptr_nonnull(s);
	memcpy(p, prefix, pl);
	p += pl;
	for (size_t i = 0; i < times; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, suffix, sl + 1);
	return s;
}

START_TEST(test_oversized)
{
	/* Fields beyond head_max, each line short. */
	char *m = repeat("HTTP/1.1 200 OK\r\n", "X-Filler: 0123456789\r\n", 500, "\r\n");
	struct outcome o = simple(m, true);

	ck_assert_int_eq(o.v, HTTP_OVERSIZED);
	free(m);
	/* The same fields fit a larger head_max. */
	m = repeat("HTTP/1.1 200 OK\r\n", "X-Filler: 0123456789\r\n", 500, "\r\n");
	o = check_all(m, true, NULL, false, 20000, 0);
	ck_assert_int_eq(o.v, HTTP_DONE);
	free(m);
	/* One line longer than any buffer, even with a large head_max. */
	m = repeat("HTTP/1.1 200 OK\r\nX-Long: ", "a", HTTP_LINE_MAX + 10, "\r\n\r\n");
	o = check_all(m, true, NULL, false, 100000, 0);
	ck_assert_int_eq(o.v, HTTP_OVERSIZED);
	free(m);
	/* Interim responses count against the same head bound. */
	m = repeat("", "HTTP/1.1 100 Continue\r\n\r\n", 400, "HTTP/1.1 200 OK\r\n\r\n");
	ck_assert_int_eq(simple(m, true).v, HTTP_OVERSIZED);
	free(m);
	/* A long body with a length, an endless one without: body_max. */
	m = repeat("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n", "x", 2000, "");
	o = check_all(m, true, "needle", false, 0, 1000);
	ck_assert_int_eq(o.v, HTTP_OVERSIZED);
	ck_assert_uint_eq(o.body_bytes, 1000);
	free(m);
	m = repeat("HTTP/1.1 200 OK\r\n\r\n", "y", 5000, "");
	o = check_all(m, false, "needle", false, 0, 1000);
	ck_assert_int_eq(o.v, HTTP_OVERSIZED);
	free(m);
	/* Tiny chunks: their framing counts too. */
	m = repeat("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "1\r\nz\r\n", 500,
		   "0\r\n\r\n");
	ck_assert_int_eq(check_all(m, true, NULL, false, 0, 1000).v, HTTP_OVERSIZED);
	ck_assert_int_eq(check_all(m, true, NULL, false, 0, 4000).v, HTTP_DONE);
	free(m);
	/* A chunk-size line that runs past the bound stops exactly at it
	 * (found by fuzz_http_reader: the line's bytes were counted one
	 * beyond body_max). */
	m = repeat("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "0", 40, "8\r\n");
	o = check_all(m, true, NULL, false, 0, 32);
	ck_assert_int_eq(o.v, HTTP_OVERSIZED);
	ck_assert_uint_eq(o.body_bytes, 32);
	free(m);
	/* The needle found within the bound is still seen. */
	m = repeat("HTTP/1.1 200 OK\r\n\r\nhealthy", "y", 5000, "");
	o = check_all(m, false, "healthy", false, 0, 1000);
	ck_assert_int_eq(o.v, HTTP_OVERSIZED);
	ck_assert(o.found);
	free(m);
}
END_TEST

/* ---- the needle ---- */

START_TEST(test_needle)
{
	static const struct {
		const char *body, *needle;
		bool found;
	} cases[] = {
		{ "ok", "ok", true },
		{ "xxok", "ok", true },
		{ "okxx", "ok", true },
		{ "aaab", "aab", true },      /* a false start just before the match */
		{ "abababac", "ababac", true },
		{ "o k", "ok", false },
		{ "OK", "ok", false },        /* exact bytes */
		{ "status: healthy\n", "healthy", true },
		{ "x", "longer than the body", false },
	};

	for (size_t i = 0; i < N(cases); i++) {
		char msg[256];
		struct outcome o;

		snprintf(msg, sizeof(msg), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
			 strlen(cases[i].body), cases[i].body);
		o = check_all(msg, false, cases[i].needle, false, 0, 0);
		ck_assert_int_eq(o.v, HTTP_DONE);
		ck_assert_msg(o.found == cases[i].found, "case %zu", i);
	}
}
END_TEST

START_TEST(test_verdict_is_final)
{
	struct http_reader *r = malloc(sizeof(*r));

	ck_assert_ptr_nonnull(r);
	http_reader_init(r, 0, 0, false, NULL);
	ck_assert_int_eq(http_reader_feed(r, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 38),
			 HTTP_DONE);
	ck_assert_int_eq(http_reader_feed(r, "garbage\r\n", 9), HTTP_DONE);
	ck_assert_int_eq(http_reader_eof(r), HTTP_DONE);
	http_reader_init(r, 0, 0, false, NULL);
	ck_assert_int_eq(http_reader_feed(r, "NOT HTTP\r\n", 10), HTTP_MALFORMED);
	ck_assert_int_eq(http_reader_feed(r, "HTTP/1.1 200 OK\r\n\r\n", 19), HTTP_MALFORMED);
	ck_assert_int_eq(http_reader_eof(r), HTTP_MALFORMED);
	/* Defaults when 0 is given. */
	http_reader_init(r, 0, 0, false, NULL);
	ck_assert_uint_eq(r->head_max, HTTP_HEAD_MAX_DEFAULT);
	ck_assert_uint_eq(r->body_max, HTTP_BODY_MAX_DEFAULT);
	free(r);
}
END_TEST

static Suite *http_reader_suite(void)
{
	Suite *s = suite_create("http_reader");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_content_length);
	tcase_add_test(tc, test_chunked);
	tcase_add_test(tc, test_close_delimited);
	tcase_add_test(tc, test_bodiless_and_interim);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_oversized);
	tcase_add_test(tc, test_needle);
	tcase_add_test(tc, test_verdict_is_final);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(http_reader_suite)
