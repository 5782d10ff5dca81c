/* SPDX-License-Identifier: GPL-2.0-or-later */
/* http_reader.h - an incremental reader of one HTTP/1.x response, pure (no
 * I/O): bytes in, as they arrive and in any slicing, a verdict out.
 *
 * It reads the status line, the header fields (only Content-Length and
 * Transfer-Encoding are interpreted), and the body, framed by
 * Content-Length, by chunked transfer coding (trailers read and dropped) or
 * by the end of the connection. Interim 1xx responses are skipped. HEAD
 * responses, 204 and 304 have no body.
 *
 * Bounded by construction: the status line and the header fields together
 * (of every response read, interim ones and trailers included) may take at
 * most head_max bytes, the body at most body_max bytes; beyond either the
 * verdict is HTTP_OVERSIZED and nothing more is read. The reader never
 * stores the body: it only looks in it for a string (the needle), across
 * any boundary between feeds or chunks.
 *
 * Tolerant where it costs nothing (a bare LF ends a line like CRLF, a
 * status line may lack the reason phrase), strict where a wrong guess
 * would misframe the body: a line folded with leading white space, a field
 * name with white space before its colon, a bad or conflicting
 * Content-Length or a bad chunk size is HTTP_MALFORMED, as is any control
 * character but HTAB in the status line or a field. */
#ifndef CLUSTD_HTTP_READER_H
#define CLUSTD_HTTP_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_MAX_DEFAULT 8192u
#define HTTP_BODY_MAX_DEFAULT 65536u
#define HTTP_NEEDLE_MAX 256u   /* bytes of the string looked for in the body */
#define HTTP_LINE_MAX 8192u    /* one line (status, field, chunk size) */

enum http_verdict {
	HTTP_MORE,      /* not complete yet: feed more, or tell the end */
	HTTP_DONE,      /* one whole response read */
	HTTP_MALFORMED, /* not an HTTP/1.x response we can frame */
	HTTP_TRUNCATED, /* the connection ended before the response did */
	HTTP_OVERSIZED, /* head beyond head_max or body beyond body_max */
};

enum http_phase {
	HTTP_P_STATUS, HTTP_P_FIELDS, HTTP_P_BODY_LENGTH, HTTP_P_BODY_CLOSE, HTTP_P_CHUNK_SIZE,
	HTTP_P_CHUNK_DATA, HTTP_P_CHUNK_END, HTTP_P_TRAILERS, HTTP_P_END,
};

struct http_reader {
	/* set by http_reader_init */
	size_t head_max, body_max;
	bool no_body;                  /* the answer to a HEAD request */
	char needle[HTTP_NEEDLE_MAX];
	size_t needle_len;             /* 0: nothing looked for */

	enum http_phase phase;
	enum http_verdict verdict;
	char line[HTTP_LINE_MAX];      /* the line being assembled */
	size_t line_len;
	bool line_cr;                  /* the line so far ends with CR */
	uint64_t head_bytes;           /* status lines, fields, trailers */

	/* the response (the final one, once the fields are read) */
	int status;                    /* 100..999; 0 before the status line */
	bool fields_done;              /* the final response's fields are all read */
	bool has_length, chunked, other_coding;
	uint64_t length;               /* Content-Length */
	uint64_t left;                 /* body or chunk bytes still expected */
	uint64_t body_bytes;           /* body bytes read, chunk framing included */
	bool found;                    /* the needle was seen in the body */
	char tail[HTTP_NEEDLE_MAX];    /* the last needle_len - 1 body bytes */
	size_t tail_len;
};

/* head_max and body_max of 0 mean the defaults; a needle longer than
 * HTTP_NEEDLE_MAX is cut (conf.c refuses one). */
void http_reader_init(struct http_reader *r, size_t head_max, size_t body_max, bool no_body,
		      const char *needle);

/* Feed bytes in order. Returns HTTP_MORE until a verdict; then the verdict,
 * again for every later call (bytes after a whole response are ignored). */
enum http_verdict http_reader_feed(struct http_reader *r, const void *data, size_t len);

/* The connection ended: a body delimited by the close is then complete,
 * anything else unfinished is HTTP_TRUNCATED. */
enum http_verdict http_reader_eof(struct http_reader *r);

const char *http_verdict_name(enum http_verdict v);

#endif
