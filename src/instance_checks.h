/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance_checks.h - the tcp and http checks of each instance, shown:
 * status (JSON and text) and metrics. Counts are since the check started
 * (daemon start, or a reload that changed the track section); the totals
 * also go into the instance's persistent track_* counters. */
#ifndef CLUSTD_INSTANCE_CHECKS_H
#define CLUSTD_INSTANCE_CHECKS_H

#include <json-c/json.h>
#include <stdio.h>

struct clustd;
struct instance;

/* An array, one object per check; NULL when the instance has none. */
json_object *instance_checks_json(const struct instance *in);
/* Lines under an instance of the text status, from its JSON object. */
void instance_checks_text(FILE *f, json_object *instance);
void instance_checks_metrics(FILE *f, const struct clustd *c);

/* net.ipv4.ip_nonlocal_bind and net.ipv6.ip_nonlocal_bind as this node has
 * them: {"ipv4": bool, "ipv6": bool} (null when unreadable). A web server
 * that listens on the VIP itself needs them on (doc/web-services.md). */
json_object *nonlocal_bind_json(void);
/* One line when a family the instances' VIPs use has it off. */
void nonlocal_bind_text(FILE *f, const struct clustd *c, json_object *status);

#endif
