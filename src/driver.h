/* SPDX-License-Identifier: GPL-2.0-or-later */
/* driver.h - the driver socket (clustd-drivers(7)): run_dir/drivers.sock,
 * AF_UNIX stream, mode 0660, group node.driver_group. Long-running
 * programs connect, say hello, get the state of the instances they want,
 * then every transition as it happens; they may answer events and say
 * whether they are ready. Nothing they say changes mastership but their
 * presence and readiness, which the daemon reads through
 * driver_server_presence() (the `required` rule, driver_rule.h).
 *
 * Never blocks the loop: sockets are non-blocking, every driver has a
 * bounded output queue, and one whose queue overflows is disconnected
 * (DRV_GONE_QUEUE_FULL) rather than given a gap or an unbounded buffer. */
#ifndef CLUSTD_DRIVER_H
#define CLUSTD_DRIVER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "driver_proto.h"
#include "loop.h"

#define DRIVER_SOCKET_NAME "drivers.sock"

struct driver_server;

struct driver_hooks {
	void *arg;
	/* The view of instance i (0, 1, ...) as driver `id` sees it (NULL for
	 * none); false past the last instance. The view's strings need to
	 * live until the next call. */
	bool (*view)(void *arg, size_t i, const char *id, struct drv_instance_view *v);
	/* Drivers came, went or changed their readiness, or a grace time
	 * asked for with driver_server_recheck_at() is over: called from the
	 * loop right after the batch of events that did it. */
	void (*presence_changed)(void *arg);
	/* The node's incarnation now, for the hello. */
	uint64_t (*incarnation)(void *arg);
};

struct driver_server_conf {
	const char *path;
	const char *group;        /* NULL: the socket's group stays root's */
	uint32_t queue_bytes;
	uint32_t grace_ms;        /* ids connected within it are remembered as seen */
	uint64_t started_us;
	const char *node;
};

/* A server object even when the socket cannot be made (logged): events
 * are then numbered and go nowhere, and no driver is ever present. */
struct driver_server *driver_server_open(struct loop *l, const struct driver_server_conf *conf,
					 const struct driver_hooks *hooks);
/* Sends what it can of every queue (without waiting), closes every
 * connection (DRV_GONE_SHUTDOWN) and unlinks the socket. */
void driver_server_close(struct driver_server *s);
/* A reload: the group of the socket file, the queue bound. */
void driver_server_reconf(struct driver_server *s, const char *group, uint32_t queue_bytes);

/* The next sequence number: one per transition, from 1, for this run. */
uint64_t driver_server_next_seq(struct driver_server *s);
/* A transition (e->seq from driver_server_next_seq()) for every driver
 * that wants e->now.name; the queues are flushed from the loop: by
 * driver_server_flush() from the loop's idle hook, or else by a timer. */
void driver_server_event(struct driver_server *s, const struct drv_event *e);
/* The same for a drain or an undrain of e->now.name (drv_encode_drain): it
 * takes a number from the same sequence, so that a driver sees the
 * events and drains it wants contiguous. */
void driver_server_drain(struct driver_server *s, const struct drv_event *e);
/* Send what waits, as far as the sockets take it (never waits). For the
 * loop's idle hook: after the batch of events that made them, before the
 * loop sleeps, without a turn of the loop in between. NULL-safe. */
void driver_server_flush(struct driver_server *s);

/* What is known of driver id now (connected, ready, seen since start);
 * *message: what it said with its last "ready": false (or ""). */
void driver_server_presence(const struct driver_server *s, const char *id,
			    struct drv_presence *p, const char **message);
/* Call presence_changed(arg, NULL) at `at` (µs, monotonic); 0 cancels. */
void driver_server_recheck_at(struct driver_server *s, uint64_t at);

/* Status: {"socket", "connected", "connections", "disconnects": {reason: n},
 * "errors": {error: n}, "queue_limit_bytes", "drivers": [...]}. */
json_object *driver_server_json(const struct driver_server *s);
/* The text view of that object: one line per driver. */
void driver_server_text(FILE *f, json_object *drivers);
/* Prometheus text: clustd_driver_* series. */
void driver_server_metrics(FILE *f, const struct driver_server *s);

#endif
