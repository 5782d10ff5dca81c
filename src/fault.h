/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fault.h - pure: why an instance may not serve, and what its state
 * machine is told about it. The glue (instance_faults.c) probes the
 * edges and carries the verdicts out; nothing here does I/O. */
#ifndef CLUSTD_FAULT_H
#define CLUSTD_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
	FAULT_SEND = 1u << 7,     /* adverts cannot be sent (held until a retry) */
	FAULT_VIP = 1u << 8,      /* a VIP cannot be added (held until a retry) */
	FAULT_DRIVER = 1u << 9,   /* a required driver without a weight is missing or not ready */
};

/* Faults found by doing, not by probing: they stay until a retry. */
#define FAULT_HELD (FAULT_SEND | FAULT_VIP)

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
	const char *send_why;  /* FAULT_SEND: "cannot send adverts: ..." */
	const char *vip_why;   /* FAULT_VIP: "cannot add VIP ...: ..." */
	const char *driver_why; /* FAULT_DRIVER: "required driver webapp is not connected" */
};

/* Failures of one kind in a row: adverts that could not be sent, a VIP
 * that could not be added. */
struct fail_run {
	unsigned count;
	uint64_t first_us;  /* when the run began */
};

/* It worked: the run is over. */
void fail_run_reset(struct fail_run *r);

/* One more failure at now; true when the run amounts to giving up: at
 * least max_failures, over at least min_span_us since its first. The
 * rules: adverts FAULT_SEND_MAX failed rounds over one advert interval (a
 * single ENOBUFS is no reason to fail over); a VIP FAULT_VIP_MAX failures,
 * the first retried after FAULT_VIP_RETRY_US. */
bool fail_run_add(struct fail_run *r, uint64_t now, unsigned max_failures, uint64_t min_span_us);
#define FAULT_SEND_MAX 3
#define FAULT_VIP_MAX 2
#define FAULT_VIP_RETRY_US 200000ull

/* When a held fault (FAULT_HELD) is tried again: 1 s after the first,
 * doubling with every retry that failed again, at most 16 s. A retry
 * makes the instance BACKUP, and MASTER again if it wins: a master that
 * cannot send takes no VIPs (it holds them only after an advert left),
 * but one that cannot add a VIP has preempted the backup meanwhile. */
uint64_t fault_held_retry_us(unsigned failed_retries);

/* What a look-up of the kernel found: there and usable (UP), there but
 * down (DOWN), not there (MISSING), or nothing, because the query itself
 * failed (ERROR: says nothing about the thing asked about). */
enum probe_result { PROBE_UP, PROBE_DOWN, PROBE_MISSING, PROBE_ERROR };

/* What an interface probe found, as fault bits (FAULT_NO_LINK,
 * FAULT_NO_ADDR): the link (addr is looked at only with the link UP) and
 * its address. A query that failed (PROBE_ERROR) is no news about the link:
 * the bits found last time (last) stay and *query_failed asks for a retry
 * soon, so that a transient ENOBUFS / ENOMEM does not fail over. */
unsigned fault_from_probe(enum probe_result link, enum probe_result addr, unsigned last,
			  bool *query_failed);

/* What a primary-address look-up's return code (nlk_primary_addr) says:
 * 0 found, -ENOENT none, -EAGAIN none usable yet (DAD), else the query
 * failed. */
enum probe_result fault_addr_probe(int rc);

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
 * order: link, address, virtual MAC, accept filter, sending, VIPs, quorum,
 * tracking, required drivers, sync group. */
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
