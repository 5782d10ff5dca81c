/* SPDX-License-Identifier: GPL-2.0-or-later */
/* driver_proto.h - the driver protocol's lines (clustd-drivers(7)), both
 * ways, as newline-delimited JSON with json-c. No I/O and no clock: the
 * wall time of an event comes in as an argument. (Not in src/CORE only
 * because the layering check keeps json-c out of the core; the rules
 * about what may be said when are driver_rule.c's.)
 *
 * Encoders return a malloc'd line ending in "\n" (xalloc: never NULL)
 * and its length. */
#ifndef CLUSTD_DRIVER_PROTO_H
#define CLUSTD_DRIVER_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "driver_rule.h"
#include "fsm.h"

/* ---- daemon -> driver ---- */

struct drv_hello_info {
	const char *node;
	uint64_t incarnation;
	const char *const *instances; /* every instance this node runs */
	size_t ninstances;
};

/* Quorum as a driver sees it: no cluster plane, held, lost. */
enum drv_quorum { DRV_QUORUM_NONE, DRV_QUORUM_HELD, DRV_QUORUM_LOST };

/* Is the instance drained (`clustd drain`), and how: by its own name or
 * as part of the whole node. */
enum drv_drained { DRV_UNDRAINED, DRV_DRAINED_INSTANCE, DRV_DRAINED_NODE };

/* One instance now (snapshot) or at a transition (event). */
struct drv_instance_view {
	const char *name;
	enum vrrp_state state;
	unsigned priority;        /* effective */
	unsigned base_priority;   /* configured */
	const struct vip *vips;
	size_t nvips;
	enum drv_quorum quorum;
	const char *reason;       /* of the last transition, or of the fault */
	uint64_t seq;             /* of its last transition (0: none yet) */
	bool required;            /* does it require the driver it is sent to */
	enum drv_drained drained;
};

struct drv_event {
	uint64_t seq;
	enum vrrp_state from;
	struct drv_instance_view now; /* .state is the state entered */
	uint64_t wall_us;         /* µs since the epoch */
};

char *drv_encode_hello(const struct drv_hello_info *h, size_t *len);
char *drv_encode_snapshot(const struct drv_instance_view *v, size_t *len);
/* The snapshot is complete: events from seq + 1 on follow. */
char *drv_encode_synced(uint64_t seq, size_t ninstances, size_t *len);
char *drv_encode_event(const struct drv_event *e, size_t *len);
/* A drain or an undrain of e->now.name (not a transition: e->from is not
 * said, e->now.state is the state it is in): {"type":"drain", "seq", the
 * view, "state", "time"}. Numbered from the same sequence as events. */
char *drv_encode_drain(const struct drv_event *e, size_t *len);
/* {"type":"error","error":"<name>","message":"<text>[: detail]"} */
char *drv_encode_error(enum drv_error e, const char *detail, size_t *len);

/* "2026-12-01T10:00:00.123456Z" (buf of DRV_TIME_STRLEN bytes or more). */
#define DRV_TIME_STRLEN 32
const char *drv_time_str(uint64_t wall_us, char *buf);

/* ---- driver -> daemon ---- */

/* A line (without its "\n"; NUL bytes in it make it bad JSON) into *m.
 * DRV_OK, or what is wrong with it as a message of this protocol (order
 * and meaning are drv_session_check()'s). Unknown fields are ignored. */
enum drv_error drv_decode_driver(const char *line, size_t len, struct drv_msg *m);

char *drv_encode_driver_hello(const char *id, const char *const *instances, size_t n, bool ready,
			      size_t *len);
char *drv_encode_ack(uint64_t seq, bool ok, const char *message, size_t *len);
char *drv_encode_ready(bool ready, const char *message, size_t *len);

/* ---- what the daemon says, as the client reads it ---- */

enum drv_daemon_type {
	DRV_D_HELLO, DRV_D_SNAPSHOT, DRV_D_SYNCED, DRV_D_EVENT, DRV_D_ERROR, DRV_D_DRAIN,
	DRV_D_UNKNOWN
};

struct drv_daemon_msg {
	enum drv_daemon_type type;
	long long protocol;
	char node[CLUSTD_NAME_MAX];
	uint64_t incarnation;
	uint64_t seq;
	uint64_t count;                /* synced: the instances in the snapshot */
	char instance[CLUSTD_NAME_MAX];
	enum vrrp_state from, state;   /* snapshot: state; event: from -> state */
	unsigned priority;
	char vips[CLUSTD_MAX_VIPS * VIP_STRLEN]; /* space-separated, like CLUSTD_VIPS */
	char reason[256];
	enum drv_drained drained;      /* snapshot, event, drain (absent: undrained) */
	char time[DRV_TIME_STRLEN];
	char error[32];
	char message[512];
};

/* false when the line is not a message of this protocol (unknown types
 * are DRV_D_UNKNOWN and true: a newer daemon may say more). */
bool drv_decode_daemon(const char *line, size_t len, struct drv_daemon_msg *m);

#endif
