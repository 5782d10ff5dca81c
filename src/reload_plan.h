/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reload_plan.h - pure: what a reload keeps, restarts, starts and stops.
 * Computed from the old and the new config before anything changes (and
 * before the old config is freed); clustd_reload (daemon.c) carries the
 * plan out. */
#ifndef CLUSTD_RELOAD_PLAN_H
#define CLUSTD_RELOAD_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

/* An instance is the same instance when its interface, VRID, version,
 * family and virtual MAC (use_vmac and the device name) are. */
bool reload_same_identity(const struct instance_conf *a, const struct instance_conf *b);
bool reload_same_vmac(const struct instance_conf *a, const struct instance_conf *b);

/* Same tracked scripts, interfaces and files with the same settings? */
bool reload_same_track(const struct track_conf *a, const struct track_conf *b);

/* ic lists v (same address and prefix length). */
bool reload_has_vip(const struct instance_conf *ic, const struct vip *v);

enum reload_fate {
	RELOAD_START,   /* new name: a new instance starts */
	RELOAD_KEEP,    /* same identity: moves to its new config without a transition */
	RELOAD_RESTART, /* same name, other identity: the old one stops, a new one starts */
};

/* One instance of the new config. For RELOAD_KEEP only: the VIPs a master
 * drops (old ones the new config lacks, pointing into the old config) and
 * adds (new ones the old config lacks, pointing into the new one), and
 * whether its tracking restarts (the track section changed). */
struct reload_instance_plan {
	enum reload_fate fate;
	bool restart_tracking;
	size_t ndrop, nadd;
	const struct vip *drop[CLUSTD_MAX_VIPS];
	const struct vip *add[CLUSTD_MAX_VIPS];
};

/* old: the running instance of the same name, NULL if there is none. */
void reload_plan_instance(const struct instance_conf *old, const struct instance_conf *ic,
			  struct reload_instance_plan *out);

/* The cluster plane keeps its membership when it runs, stays enabled and
 * its settings did not change; it restarts when anything about it did
 * (quorum is re-learned within one dead interval). */
enum reload_cluster {
	RELOAD_CLUSTER_NONE,    /* off before and after */
	RELOAD_CLUSTER_KEEP,    /* running, same settings: adopt the new config */
	RELOAD_CLUSTER_RESTART, /* close (if running) and start (if enabled) */
};

enum reload_cluster reload_plan_cluster(bool running, bool enabled, bool same_settings);

#endif
