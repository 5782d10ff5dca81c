/* SPDX-License-Identifier: GPL-2.0-or-later */
/* driver_rule.h - the rules of the driver socket (clustd-drivers(7)), pure:
 * what a driver may say and when, how a line is framed and bounded, how
 * much may wait for a slow driver, what a required driver's absence does
 * to an instance, and how the ready-made client (`clustd watch`) backs
 * off and catches up. driver_proto.c turns JSON into the messages below,
 * driver.c (the socket) and watch.c (the client) carry the verdicts out.
 * Time comes in as an argument (µs on CLOCK_MONOTONIC). */
#ifndef CLUSTD_DRIVER_RULE_H
#define CLUSTD_DRIVER_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsm.h"
#include "model.h"

#define DRIVER_PROTOCOL 1        /* the version this daemon speaks */
#define DRIVER_LINE_MAX 4096     /* bytes of one line from a driver, "\n" excluded */
#define DRIVER_MESSAGE_MAX 255   /* bytes of an answer's or ready's message kept */
#define DRIVER_WANT_MAX 64       /* instances one hello may name */

/* 1..CLUSTD_DRIVER_ID_MAX bytes of [A-Za-z0-9._@:-]: safe in a log line,
 * a file name and a Prometheus label without escaping. */
bool driver_id_valid(const char *id);

/* ---- what went wrong with a driver, and why it was disconnected ---- */

enum drv_error {
	DRV_OK = 0,
	DRV_ERR_TOO_LONG,        /* a line over DRIVER_LINE_MAX */
	DRV_ERR_BAD_JSON,        /* not one JSON value, or trailing bytes */
	DRV_ERR_NOT_OBJECT,      /* JSON, but not an object */
	DRV_ERR_NO_TYPE,         /* no "type" string */
	DRV_ERR_UNKNOWN_TYPE,    /* a "type" this protocol does not know */
	DRV_ERR_BAD_FIELD,       /* a field missing or of the wrong type */
	DRV_ERR_HELLO_FIRST,     /* something before the hello */
	DRV_ERR_HELLO_AGAIN,     /* a second hello */
	DRV_ERR_PROTOCOL,        /* a protocol version we do not speak */
	DRV_ERR_BAD_ID,          /* an id outside driver_id_valid() */
	DRV_ERR_DUPLICATE_ID,    /* the id is connected already */
	DRV_ERR_UNKNOWN_INSTANCE,/* hello names an instance we do not run */
	DRV_ERR_UNKNOWN_SEQ,     /* an answer to an event never sent */
	DRV_ERR__COUNT
};

/* "too_long", "bad_json", ...: the "error" field of the error line. */
const char *drv_error_name(enum drv_error e);
/* A sentence for people: "line longer than 4096 bytes", ... */
const char *drv_error_text(enum drv_error e);

/* Why a driver's connection ended: each is counted (status, metrics). */
enum drv_disconnect {
	DRV_GONE_CLOSED = 0,     /* the driver closed it */
	DRV_GONE_IO,             /* a read or write failed (reset, ...) */
	DRV_GONE_PROTOCOL,       /* it broke the protocol (an enum drv_error) */
	DRV_GONE_DUPLICATE,      /* its id was taken */
	DRV_GONE_QUEUE_FULL,     /* it did not read: its queue overflowed */
	DRV_GONE_HELLO_TIMEOUT,  /* no hello within DRIVER_HELLO_TIMEOUT_US */
	DRV_GONE_TOO_MANY,       /* DRIVER_MAX_CONNECTIONS were connected */
	DRV_GONE_SHUTDOWN,       /* the daemon stopped */
	DRV_GONE__COUNT
};

const char *drv_disconnect_name(enum drv_disconnect d);
/* A protocol error's reason for the counters. */
enum drv_disconnect drv_disconnect_of(enum drv_error e);

#define DRIVER_HELLO_TIMEOUT_US 5000000ull
#define DRIVER_MAX_CONNECTIONS 1024

/* ---- what a driver says (driver_proto.c decodes it) ---- */

enum drv_msg_type { DRV_MSG_HELLO, DRV_MSG_ACK, DRV_MSG_READY };

struct drv_msg {
	enum drv_msg_type type;
	/* hello */
	long long protocol;
	char id[CLUSTD_DRIVER_ID_MAX + 2]; /* one byte more: too long is told apart */
	bool all_instances;                /* no "instances", or "all" */
	size_t ninstances;
	char instances[DRIVER_WANT_MAX][CLUSTD_NAME_MAX];
	/* hello (optional, default true) and ready */
	bool ready;
	/* ack */
	uint64_t seq;
	bool ok;
	/* ack and ready: optional, truncated to DRIVER_MESSAGE_MAX bytes */
	char message[DRIVER_MESSAGE_MAX + 1];
};

/* One driver's side of the conversation, as the daemon sees it. */
struct drv_session {
	bool hello_done;
	uint64_t told_seq;   /* the highest sequence number it was told about */
};

/* May this message come now? Checks the order (hello first, once), the
 * protocol version, the id's form and that an answer names an event it
 * was told about (1..told_seq). Instances and duplicate ids are the
 * server's to check: it knows who runs and who is connected. A hello
 * that passes marks the session. */
enum drv_error drv_session_check(struct drv_session *s, const struct drv_msg *m);

/* ---- lines ---- */

/* Bytes cut into lines, in storage of `cap` bytes the caller owns: a line
 * may have cap - 2 bytes (room for its "\r\n"); a longer one is an error
 * whether or not its end has come. "\r\n" ends a line too. The daemon
 * gives each driver DRIVER_LINE_MAX + 2 bytes. */
struct drv_linebuf {
	char *buf;
	size_t cap;
	size_t start, len;           /* unread bytes are buf[start..len) */
};

void drv_linebuf_init(struct drv_linebuf *b, char *storage, size_t cap);
/* Where to receive more bytes, and how many fit (0: drv_linebuf_next
 * must take a line first, or the line is too long). */
char *drv_linebuf_space(struct drv_linebuf *b, size_t *room);
void drv_linebuf_added(struct drv_linebuf *b, size_t n);
/* The next whole line, NUL-terminated, without its end: 1 and *line
 * (valid until the next call); 0 when none is complete yet; -1 when the
 * line is longer than cap - 2. */
int drv_linebuf_next(struct drv_linebuf *b, char **line, size_t *len);

/* ---- the queue of a slow driver ---- */

/* What one driver may have waiting: the configured bytes, but at least
 * twice its snapshot, so a large config does not fail every driver at
 * once. */
size_t drv_queue_limit(size_t conf_bytes, size_t snapshot_bytes);
/* Does a line of `add` bytes still fit? A driver whose line does not fit
 * is disconnected (DRV_GONE_QUEUE_FULL), never given a line with a gap:
 * on reconnecting it gets a fresh snapshot, and the sequence numbers show
 * what it missed. */
bool drv_queue_fits(size_t queued, size_t add, size_t limit);

/* ---- required drivers ---- */

/* What is known of one driver id now. */
struct drv_presence {
	bool connected;
	bool ready;               /* what it said last (true until it says otherwise) */
	bool seen;                /* it was connected at some time since the start */
};

enum drv_need_state {
	DRV_NEED_OK,              /* connected and ready */
	DRV_NEED_GRACE,           /* never connected yet, within the grace time */
	DRV_NEED_MISSING,         /* not connected */
	DRV_NEED_NOT_READY,       /* connected, says it is not ready */
};

/* A driver that never connected since the start is given grace_ms from
 * the start (started_us) to come; once seen, its absence counts at once. */
enum drv_need_state drv_need_state(const struct drv_presence *p, uint64_t started_us,
				   uint32_t grace_ms, uint64_t now);
/* "ok", "grace", "missing", "not_ready" */
const char *drv_need_state_name(enum drv_need_state s);

struct drv_verdict {
	int delta;                /* the weights in force (track_rule.h arithmetic) */
	int fault;                /* index of the first weightless failing need, or -1 */
	uint64_t recheck_at;      /* when a grace ends (0: none pending) */
};

/* Over an instance's needs (conf.drivers) and their states (same order):
 * a required need counts as healthy while OK or in grace; its weight in
 * force is track_weight_in_force(); a failing weightless one is a fault.
 * Needs not required count for nothing. */
void drv_verdict_of(const struct driver_need_conf *needs, const enum drv_need_state *states,
		    size_t n, uint64_t started_us, uint32_t grace_ms, struct drv_verdict *v);
/* "required driver webapp is not connected", "required driver webapp is
 * not ready: <its message>". */
void drv_fault_reason(const char *id, enum drv_need_state s, const char *message,
		      char *buf, size_t len);

/* ---- the ready-made client ---- */

/* The wait before reconnect attempt number `failures` (1 = the first
 * after a loss): 100 ms doubling to at most 5 s. */
uint32_t watch_backoff_ms(unsigned failures);
#define WATCH_BACKOFF_MAX_MS 5000u

/* Must PROG run for an instance's state in a snapshot? Only when it was
 * never run for this instance (ran == false) or last ran for another
 * state: a transition happened while the client was away. */
bool watch_snapshot_runs(bool ran, enum vrrp_state last_ran, enum vrrp_state now_state);

/* "INIT", "BACKUP", "MASTER", "FAULT" back to the state; false if none. */
bool drv_state_parse(const char *name, enum vrrp_state *out);

#endif
