/* SPDX-License-Identifier: GPL-2.0-or-later */
/* status_line.h - the one-line summary systemd shows as the service's
 * Status ("web MASTER prio 150, quorum 3/3"), sent as STATUS= by
 * sd_notify_status.c. Pure: the daemon's view comes in as plain values. */
#ifndef CLUSTD_STATUS_LINE_H
#define CLUSTD_STATUS_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsm.h"

/* Up to this many instances are named one by one; more are counted by
 * state, so the line stays readable in `systemctl status`. */
#define STATUS_LINE_NAMED_MAX 4
/* A FAULT instance shows the start of its reason, cut to this length. */
#define STATUS_LINE_REASON_MAX 40

struct status_line_instance {
	const char *name;
	enum vrrp_state state;
	uint8_t priority;        /* effective */
	const char *fault_why;   /* shown while FAULT; NULL or "" = none */
	bool drained;            /* `clustd drain`: never master (also by the node's) */
};

struct status_line_quorum {
	bool enabled;            /* a cluster plane runs */
	bool held;
	unsigned alive;          /* members alive, self included */
	unsigned members;        /* configured members */
};

/* Writes the line into buf[0..cap) (cap > 0; always terminated, cut when
 * too long) and returns buf. node_drained: `clustd drain` of the whole
 * node (every instance, also those added later). q may be NULL (no
 * cluster plane). */
char *status_line_format(const struct status_line_instance *v, size_t n, bool node_drained,
			 const struct status_line_quorum *q, char *buf, size_t cap);

#endif
