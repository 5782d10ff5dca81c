/* SPDX-License-Identifier: GPL-2.0-or-later */
/* counters.h - everything clustd counts, in one set that survives restarts:
 * the node's counters and each instance's, their names (for status and
 * metrics), a compact byte encoding shared by the state file and the
 * cluster-plane replication, and the merge that restores a set from copies
 * held elsewhere. Pure: no I/O, no clock.
 *
 * Every value only ever grows (except the incarnation, which is a number,
 * not a count); that is what makes "take the highest copy" a safe restore. */
#ifndef CLUSTD_COUNTERS_H
#define CLUSTD_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsm.h"
#include "model.h"
#include "packet.h"

/* Instances remembered, configured ones first; a removed instance keeps its
 * record (and resumes it if it comes back) until the room is needed. */
#define COUNTERS_MAX_INSTANCES 64

/* Per-instance counters, one flat array: scalars, then one per drop
 * reason, one per (from, to) state pair, one per state (milliseconds), one
 * per checksum form of the adverts accepted. */
enum inst_counter {
	IC_ADVERTS_TX,
	IC_ADVERTS_RX,
	IC_SEND_ERRORS,
	IC_FAILOVERS,        /* became MASTER from BACKUP (took over the VIPs) */
	IC_NOTIFY_RUNS,
	IC_NOTIFY_FAILURES,  /* non-zero exit, signal, or could not start */
	IC_NOTIFY_TIMEOUTS,
	IC_TRACK_RUNS,
	IC_TRACK_FAILURES,
	IC_TRACK_TIMEOUTS,
	IC_NOTIFY_SKIPPED,   /* superseded by a newer transition before it ran */
	IC__SCALARS,
	IC_DROP_BASE = IC__SCALARS,
	IC_TRANS_BASE = IC_DROP_BASE + VRRP_DROP__COUNT,
	IC_STATE_MS_BASE = IC_TRANS_BASE + STATE__COUNT * STATE__COUNT,
	IC_RX_CSUM_BASE = IC_STATE_MS_BASE + STATE__COUNT,
	IC__COUNT = IC_RX_CSUM_BASE + VRRP_CSUM__COUNT
};
#define IC_DROP(d) (IC_DROP_BASE + (d))
#define IC_TRANS(from, to) (IC_TRANS_BASE + (from) * STATE__COUNT + (to))
#define IC_STATE_MS(s) (IC_STATE_MS_BASE + (s))
#define IC_RX_CSUM(f) (IC_RX_CSUM_BASE + (f))

/* Node counters: scalars, then drops of adverts for no instance of ours. */
enum node_counter {
	NC_RESTARTS,          /* every start of the daemon, this one included */
	NC_UNCLEAN_RESTARTS,  /* starts that found no clean stop recorded */
	NC_GROUP_NOTIFY_RUNS,
	NC_GROUP_NOTIFY_FAILURES,
	NC_GROUP_NOTIFY_TIMEOUTS,
	NC_GROUP_NOTIFY_SKIPPED,
	NC__SCALARS,
	NC_UNKNOWN_DROP_BASE = NC__SCALARS,
	NC__COUNT = NC_UNKNOWN_DROP_BASE + VRRP_DROP__COUNT
};
#define NC_UNKNOWN_DROP(d) (NC_UNKNOWN_DROP_BASE + (d))

struct inst_counters {
	char name[CLUSTD_NAME_MAX];
	bool active;          /* configured now (else kept for a comeback) */
	uint64_t v[IC__COUNT];
};

struct counter_set {
	uint64_t incarnation;
	uint64_t node[NC__COUNT];
	size_t n;
	struct inst_counters inst[COUNTERS_MAX_INSTANCES];
};

/* Names without prefix or unit, snake_case: "adverts_sent", "restarts"... */
const char *counters_inst_scalar_name(enum inst_counter i);
const char *counters_node_scalar_name(enum node_counter i);

/* The record of instance `name` (1..63 graphic ASCII characters),
 * created (active) if missing. When the set is full, the first inactive
 * record is reused; NULL if none can be, or for a bad name.
 * Records never move: a pointer stays valid while its record lives. */
struct inst_counters *counters_instance(struct counter_set *s, const char *name);
/* The record of `name`, or NULL. */
struct inst_counters *counters_find(struct counter_set *s, const char *name);
/* Mark every record inactive (before a config marks its instances). */
void counters_deactivate_all(struct counter_set *s);

/* Encoding (format 1): u8 format, varint incarnation, varint count of node
 * pairs then (key, value) varint pairs, varint instance count, then per
 * instance u8 name length, name, u8 flags (bit 0 active), varint pair
 * count and pairs. Only non-zero values are written. A key is
 * section << 8 | index (sections: 1 scalar, 2 drop, 3 transition
 * from << 4 | to, 4 milliseconds in state, 5 adverts accepted by checksum
 * form), so new counters can be added
 * without moving old ones. Returns the length, 0 if cap is too small. */
size_t counters_encode(const struct counter_set *s, uint8_t *buf, size_t cap);
/* Strict: any truncation, overlong varint, duplicate instance or bad name
 * fails (false, *out zeroed). Keys unknown to this version are skipped. */
bool counters_decode(const uint8_t *buf, size_t len, struct counter_set *out);

/* Restore from a copy held elsewhere. `base` is what `s` started from
 * (the loaded file, or zeros); for every counter where `copy` is higher
 * than `base`, `s` gains the difference (stopping at UINT64_MAX) and
 * `base` becomes `copy`. So increments counted since the start are kept,
 * copies can arrive in any order, and no copy is ever added twice. Only
 * instances active in s (configured now) are raised: the copy's other
 * names are skipped, never added. Returns how many counters rose. */
size_t counters_raise(struct counter_set *s, struct counter_set *base,
		      const struct counter_set *copy);

/* May a peer's copy of our counters be used? Not when it claims an
 * incarnation above inc_limit (quorum_incarnation_limit): forged or
 * corrupt, and one more than 2^64 - 1 is 0. */
bool counters_copy_plausible(const struct counter_set *copy, uint64_t inc_limit);

/* When the run-time set must be written (ledger.c). urgent: something
 * beyond packet counts moved (a transition, a script, a restart) or
 * someone is about to read the set (status, metrics, a heartbeat): now.
 * Packet counts alone (dirty) wait until batch_us after the last write,
 * so a stream of adverts costs one write per batch, not one per packet. */
bool counters_commit_due(bool dirty, bool urgent, uint64_t last_write_us, uint64_t now_us,
			 uint64_t batch_us);

/* How long routine changes alone may wait for the disk (below). */
#define COUNTERS_ROUTINE_SYNC_US 60000000ull

/* Whether the writer should now bring the counters file up to the crash
 * copy and sync it (persist.c), given what was committed since its last
 * pass at last_pass_us. written: anything; durable: something beyond the
 * routine (a transition, a script result, a restart, a restore). A
 * durable change goes at most every_us after the last pass
 * (counters_sync_interval); routine ones alone (packet counts and time in
 * state, which move every second at rest) at most every
 * COUNTERS_ROUTINE_SYNC_US (or every_us when longer): a power loss may
 * take back that much of them, a process crash nothing (the crash copy). */
bool counters_sync_due(bool written, bool durable, uint64_t last_pass_us, uint64_t now_us,
		       uint64_t every_us);

#endif
