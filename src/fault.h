/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fault.h - pure: why an instance may not serve, and what its state
 * machine is told about it. The glue (instance_faults.c) probes the
 * edges and carries the verdicts out; nothing here does I/O. */
#ifndef CLUSTD_FAULT_H
#define CLUSTD_FAULT_H

#include <stdbool.h>
#include <stddef.h>

#include "fsm.h"

/* Why an instance may not serve, besides VRRP itself. */
enum fault_bits {
	FAULT_NO_LINK = 1u << 0,  /* interface missing or down */
	FAULT_NO_ADDR = 1u << 1,  /* no primary address to send from */
	FAULT_NO_QUORUM = 1u << 2,/* the cluster plane sees no quorum */
	FAULT_TRACK = 1u << 3,    /* a tracked thing without a weight failed */
	FAULT_GROUP = 1u << 4,    /* a sync-group sibling is in FAULT */
	FAULT_VMAC = 1u << 5,     /* the virtual MAC device cannot be made */
	FAULT_ACCEPT_FILTER = 1u << 6, /* accept = false, fail closed, nftables refused the filter */
};

/* The names a reason sentence is made of. Any may be NULL where it does
 * not apply: group outside a sync group, track_why when the tracker names
 * no failure. */
struct fault_names {
	const char *interface;
	const char *vmac_name;
	const char *vmac_why;
	const char *group;
	const char *track_why;
	const char *accept_filter_why; /* the kernel's error, for FAULT_ACCEPT_FILTER */
};

/* Without quorum an instance may not serve: the plane is configured but
 * not running, or running without quorum. */
bool fault_quorum_missing(bool plane_enabled, bool plane_running, bool has_quorum);

/* An instance's own faults: what its interface probe found (link,
 * address, virtual MAC), plus quorum and tracking. */
unsigned fault_own(unsigned probed, bool quorum_missing, bool track_failed);

/* What the state machine is told: its own faults, plus FAULT_GROUP when a
 * sync-group sibling has faults of its own (only own ones: a group must
 * not hold itself in FAULT). */
unsigned fault_compose(unsigned own_faults, bool sibling_faulted);

/* An address that appears (or an IPv6 link-local leaving DAD) and a
 * virtual MAC device that can be made again bring no link event: these
 * faults are re-probed on a timer. */
bool fault_needs_reprobe(unsigned faults);

/* The reason the instance enters FAULT with. One fault wins, in this
 * order: link, address, virtual MAC, accept filter, quorum, tracking,
 * sync group. */
void fault_reason(unsigned faults, const struct fault_names *n, char *buf, size_t len);

/* The reason it leaves FAULT with, named after the faults it had. */
const char *fault_cure_text(unsigned faults_before);

/* What the state machine is told after the faults were re-read. */
enum fault_step {
	FAULT_STEP_NONE,    /* serving already: nothing to say */
	FAULT_STEP_ENTER,   /* fsm_fault() with fault_reason() (a no-op in FAULT) */
	FAULT_STEP_CLEAR,   /* fsm_fault_clear() with fault_cure_text() */
	FAULT_STEP_STARTUP, /* fsm_startup(): the first time without faults */
};

enum fault_step fault_step_for(unsigned faults, enum vrrp_state state);

#endif
