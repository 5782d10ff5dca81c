/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_http_reader.c - libFuzzer target for the HTTP response reader
 * (src/http_reader.c).
 *
 * The first input byte chooses the reader's settings (HEAD or not, which
 * needle, small or default bounds, whether the end of the connection
 * follows); the rest is the response. It is read three ways: whole, one
 * byte at a time, and in slices whose sizes come from the data itself.
 * Aborts when the three disagree (verdict, status, needle found, body
 * bytes), when a bound is passed (body_bytes above body_max, head_bytes
 * beyond head_max + 1), when a verdict changes once given, when a whole
 * response has not read its fields, or when a needle is "found" in an
 * unchunked body that does not contain it. Seeds:
 * t/fuzz/corpus/http_reader/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                            \
			abort();                                             \
		}                                                            \
	} while (0)

static const char *const needles[] = { NULL, "ok", "healthy", "a\r\nb" };

struct result {
	enum http_verdict v;
	int status;
	bool found, chunked;
	uint64_t body_bytes;
};

static struct http_reader r;

static struct result read_all(const uint8_t *p, size_t n, int how, uint8_t opts)
{
	size_t head_max = (opts & 4) ? 64 : 0, body_max = (opts & 8) ? 32 : 0;
	enum http_verdict v = HTTP_MORE, first = HTTP_MORE;
	size_t off = 0;

	http_reader_init(&r, head_max, body_max, opts & 1, needles[(opts >> 1) & 3]);
	while (off < n) {
		size_t step = how == 0 ? n : how == 1 ? 1 : (size_t)(p[off] % 17) + 1;

		if (step > n - off)
			step = n - off;
		v = http_reader_feed(&r, p + off, step);
		if (first != HTTP_MORE)
			CHECK(v == first); /* a verdict is final */
		else
			first = v;
		off += step;
	}
	if (opts & 16) {
		enum http_verdict e = http_reader_eof(&r);

		CHECK(v == HTTP_MORE || e == v);
		CHECK(e != HTTP_MORE);
		v = e;
	}
	CHECK(r.body_bytes <= r.body_max);
	CHECK(r.head_bytes <= r.head_max);
	CHECK(v != HTTP_DONE || r.fields_done);
	CHECK(!r.fields_done || (r.status >= 200 && r.status <= 999));
	return (struct result){ v, r.status, r.found, r.chunked, r.body_bytes };
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result a, b, c;
	uint8_t opts;
	const char *needle;

	if (size == 0)
		return 0;
	opts = data[0];
	data++, size--;
	a = read_all(data, size, 0, opts);
	b = read_all(data, size, 1, opts);
	c = read_all(data, size, 2, opts);
	CHECK(a.v == b.v && a.v == c.v);
	CHECK(a.status == b.status && a.status == c.status);
	CHECK(a.found == b.found && a.found == c.found);
	CHECK(a.body_bytes == b.body_bytes && a.body_bytes == c.body_bytes);
	needle = needles[(opts >> 1) & 3];
	if (a.found && !a.chunked)
		CHECK(needle && memmem(data, size, needle, strlen(needle)) != NULL);
	return 0;
}
