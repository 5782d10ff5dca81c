/* SPDX-License-Identifier: GPL-2.0-or-later */
/* health_check.h - one in-daemon health check (tcp or http) as a pure state
 * machine: events in (a timer, a connect result, bytes sent, bytes
 * received, the end of the stream, an error), with the time as an argument
 * (µs, CLOCK_MONOTONIC); what the edge must do out (close, open and
 * connect, wait for the socket to be writable or readable, arm the timer).
 * track_checks.c is the edge: it owns the socket and the timer.
 *
 * A run: every interval (cadence kept from the schedule, not from when a
 * run ended) a new connection; tcp succeeds once connected; http sends one
 * request (Connection: close) and reads the answer with http_reader, never
 * more than its bounds. A run lasts at most timeout (<= interval): then it
 * is a timeout. The run's outcome goes through rise/fall (track_rule's
 * track_check) and is counted by kind. An http run is over as soon as its
 * verdict is known: at the end of the fields when the status is not
 * healthy or no body string is asked for, at the first sight of the body
 * string, else at the end of the body. */
#ifndef CLUSTD_HEALTH_CHECK_H
#define CLUSTD_HEALTH_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "http_reader.h"
#include "model.h"
#include "track_rule.h"

enum hc_outcome {
	HC_OK,
	HC_REFUSED,     /* connection refused (RST to the SYN) */
	HC_TIMEOUT,     /* no verdict within the timeout */
	HC_RESET,       /* the connection was reset once established */
	HC_UNREACHABLE, /* no route, host or network unreachable, address not local */
	HC_BAD_STATUS,  /* http: a status outside the healthy set */
	HC_BAD_BODY,    /* http: a whole body without the string */
	HC_MALFORMED,   /* http: not a response we can read */
	HC_TRUNCATED,   /* http: the connection ended before the response did */
	HC_OVERSIZED,   /* http: beyond the head or body bound without a verdict */
	HC_ERROR,       /* anything else (the socket could not be made, ...) */
	HC__OUTCOMES
};

enum hc_phase { HC_IDLE, HC_CONNECTING, HC_SENDING, HC_READING };
enum hc_wait { HC_WAIT_NONE, HC_WAIT_WRITABLE, HC_WAIT_READABLE };

/* What the edge does after an event, in this order: close the socket,
 * open a new one and start connecting (then report hc_connected), wait
 * for `wait`, arm the timer at timer_us. */
struct hc_actions {
	bool close;
	bool open;
	enum hc_wait wait;
	uint64_t timer_us;
	bool finished;            /* a run ended: outcome */
	enum hc_outcome outcome;
	bool flipped;             /* ... and it flipped the healthy state */
};

struct hc {
	enum track_check_kind kind;
	uint64_t interval_us, timeout_us;
	char *request;            /* http */
	size_t request_len, sent;
	uint64_t status_ok[TRACK_CHECK_STATUS_WORDS];
	char *needle;             /* http: NULL = any body */
	bool head;
	struct track_check rf;    /* rise/fall */
	enum hc_phase phase;
	uint64_t started_us, deadline_us, next_start_us;
	struct http_reader rd;
	/* what happened */
	uint64_t runs, outcomes[HC__OUTCOMES];
	enum hc_outcome last;
	int last_status;          /* http: the status of the last run, 0 if none */
	uint64_t last_duration_us;
};

/* Copies what it needs from c; the first run is due at now. */
void hc_init(struct hc *h, const struct track_check_conf *c, uint64_t now);
void hc_free(struct hc *h);
/* Where the first run starts: arm the timer here. */
uint64_t hc_first_due(const struct hc *h);

void hc_timer(struct hc *h, uint64_t now, struct hc_actions *a);
/* The connect finished: err 0, or the errno (SO_ERROR, or connect()'s). */
void hc_connected(struct hc *h, int err, uint64_t now, struct hc_actions *a);
/* The request bytes still to send (http, phase HC_SENDING). */
const char *hc_unsent(const struct hc *h, size_t *len);
void hc_sent(struct hc *h, size_t n, uint64_t now, struct hc_actions *a);
void hc_received(struct hc *h, const void *data, size_t n, uint64_t now, struct hc_actions *a);
/* The peer closed its side (read returned 0). */
void hc_closed(struct hc *h, uint64_t now, struct hc_actions *a);
/* A socket call failed with err (not EAGAIN). */
void hc_failed(struct hc *h, int err, uint64_t now, struct hc_actions *a);

bool hc_healthy(const struct hc *h);
enum hc_outcome hc_outcome_of_errno(int err);
/* "ok", "refused", "timeout", "reset", "unreachable", "bad_status",
 * "bad_body", "malformed", "truncated", "oversized", "error". */
const char *hc_outcome_name(enum hc_outcome o);
/* The last run in words: "status 500", "timeout after 80 ms", ... */
void hc_describe_last(const struct hc *h, char *buf, size_t len);

/* ---- configuration helpers (conf.c) ---- */

struct hc_url {
	struct ip_addr addr;
	uint16_t port;            /* 80 when absent */
	char authority[80];       /* "198.51.100.1:8080", "[2001:db8::1]" as written */
	char path[1024];          /* "/" when absent */
};

/* "http://HOST[:PORT][/PATH]", HOST a numeric IPv4 or [IPv6] address.
 * On failure why says what is wrong ("https is not supported", ...). */
bool hc_parse_url(const char *url, struct hc_url *out, const char **why);
/* "200-399", "200,204,300-302": codes 100..999. Fills set (cleared first). */
bool hc_parse_status_set(const char *s, uint64_t set[TRACK_CHECK_STATUS_WORDS]);
bool hc_status_in(const uint64_t set[TRACK_CHECK_STATUS_WORDS], int status);
void hc_status_set_default(uint64_t set[TRACK_CHECK_STATUS_WORDS]);
/* A Host value or path fit for a request line: printable, no space (path)
 * or no CR/LF/controls (host), at most 1023 bytes. */
bool hc_header_value_ok(const char *s, bool allow_space);

#endif
