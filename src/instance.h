/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance.h - the glue: owns the running VRRP instances, feeds packets,
 * timers and link changes to the pure state machine and carries out the
 * actions it returns (adverts, VIPs, announcements, notify scripts).
 * The daemon object declared here lives in daemon.c; the files behind it
 * are listed in instance_int.h. */
#ifndef CLUSTD_INSTANCE_H
#define CLUSTD_INSTANCE_H

#include <stdbool.h>

#include "loop.h"
#include "model.h"

struct clustd;

/* Opens the kernel edges (netlink, link watch, announcer, scripts).
 * Takes ownership of cfg. NULL (logged) on failure. */
struct clustd *clustd_new(struct loop *l, struct clustd_config *cfg);

/* Removes VIPs left by a predecessor, opens sockets and starts every
 * instance (§6.4.1 Startup). */
void clustd_start(struct clustd *c);

/* Applies a new, already validated config; takes ownership of it.
 * Instances whose identity (interface, VRID, version, family) is unchanged
 * keep their state; removed ones shut down; new ones start. */
void clustd_reload(struct clustd *c, struct clustd_config *cfg);

/* Shutdown event for every instance: masters send priority 0 and release
 * VIPs, stop notify scripts are queued. Idempotent. */
void clustd_shutdown(struct clustd *c);

/* No notify script running or queued. */
bool clustd_scripts_idle(const struct clustd *c);

/* Longest notify timeout (instances and sync groups) of the current
 * config, in ms (shutdown bound). */
uint32_t clustd_max_notify_timeout(const struct clustd *c);

const struct clustd_config *clustd_config(const struct clustd *c);

void clustd_free(struct clustd *c);

#endif
