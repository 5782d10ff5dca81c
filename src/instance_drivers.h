/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance_drivers.h - the daemon's side of the driver socket (driver.c):
 * tells the drivers about every transition, shows them the instances, and
 * turns a required driver's absence into a priority delta or a fault
 * (driver_rule.c decides). Everything here is NULL-safe on a daemon
 * without a driver socket (a witness). */
#ifndef CLUSTD_INSTANCE_DRIVERS_H
#define CLUSTD_INSTANCE_DRIVERS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "fsm.h"

struct clustd;
struct drain_set;
struct instance;

/* Before the instances start, so that their first transitions are told. */
void drivers_open(struct clustd *c);
void drivers_close(struct clustd *c);
/* After a reload's config swap: the socket's group, the queue bound. */
void drivers_reload(struct clustd *c);

/* From instance_apply(), for every transition. */
void instance_drivers_transition(struct instance *in, const struct fsm_out *o);
/* After c->drained changed from *before (clustd drain / undrain): a "drain"
 * line, numbered like the events, for every instance whose drain changed
 * (drained, undrained, or now by the node rather than by name). Before
 * the transitions the drain causes, so that drivers see the cause first. */
void drivers_drain_told(struct clustd *c, const struct drain_set *before, const char *reason);

/* The weights in force of the instance's required drivers. */
int instance_drivers_delta(const struct instance *in);
/* A required driver without a weight fails: true, its sentence in why
 * (why may be NULL). */
bool instance_drivers_fault(const struct instance *in, char *why, size_t len);

/* Status: the drivers the instance names and how each stands (NULL when
 * it names none); the socket and its connections; metrics. */
json_object *instance_drivers_json(const struct instance *in);
json_object *drivers_json(const struct clustd *c);
void drivers_text(FILE *f, json_object *status);
void drivers_metrics(FILE *f, const struct clustd *c);

#endif
