/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ledger.h - the daemon's counters at run time. Loaded at start from the
 * state file (persist.c), committed back after every batch of events that
 * changed them, restored from the copies peers hold when the file is
 * missing or damaged, and handed to the cluster plane for replication.
 * Glue between counters.c (pure) and its edges; used by daemon.c and instance.c.
 *
 * When it commits: a transition, a script or track result, a restart
 * (ledger_touch_now) is written at the end of the batch of events that
 * moved it; packet counts (ledger_touch) at most LEDGER_BATCH_US later.
 * Whoever reads the counters (status, metrics, a heartbeat carrying them)
 * commits first (ledger_commit_seen), so whatever anyone saw is already in
 * the kernel's page cache when a SIGKILL comes; a SIGKILL loses at most
 * the packet counts of the last LEDGER_BATCH_US that nobody saw. The file
 * in state_dir follows within counters_sync_interval after a transition,
 * script or restart; packet counts and time in state alone, within
 * COUNTERS_ROUTINE_SYNC_US (what a power loss may take back). */
#ifndef CLUSTD_LEDGER_H
#define CLUSTD_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "model.h"
#include "persist.h"

struct ledger;

/* How the counters were found at start. */
enum ledger_origin {
	LEDGER_FROM_FILE,      /* the newest record */
	LEDGER_FROM_FALLBACK,  /* the older slot: the newest was damaged */
	LEDGER_NEW,            /* no file: zeros (peers may add theirs) */
	LEDGER_FROM_NOTHING,   /* file unusable: zeros (peers may add theirs) */
	LEDGER_OFF,            /* persist_counters = false */
};

/* Loads (and logs) what the file holds; counts this start. Never NULL
 * unless out of memory: a state_dir that cannot be read or written is
 * reported, not fatal. */
struct ledger *ledger_open(const struct node_conf *node);
void ledger_free(struct ledger *lg);

struct counter_set *ledger_counters(struct ledger *lg);
enum ledger_origin ledger_origin(const struct ledger *lg);
/* "" or what went wrong at load (for status). */
const char *ledger_load_problem(const struct ledger *lg);
/* Should the cluster plane ask peers for their copy? (No usable record,
 * or the fallback one, which may be older than what peers hold.) */
bool ledger_wants_restore(const struct ledger *lg);

/* Packet counters moved: written within LEDGER_BATCH_US (the daemon's
 * one-second tick commits too), or before anyone reads them. */
#define LEDGER_BATCH_US 1000000ull
void ledger_touch(struct ledger *lg);
/* Something else changed (transition, script, track, restore): the next
 * commit writes, and the file has it within counters_sync_interval. */
void ledger_touch_now(struct ledger *lg);
/* Only the clock moved (time in state, at the daemon's tick): the next
 * commit writes the crash copy, but the file may wait as for packet
 * counts (COUNTERS_ROUTINE_SYNC_US): at rest nothing else changes, and
 * syncing the file every second for it was a quarter of an idle backup's
 * CPU. */
void ledger_touch_clock(struct ledger *lg);
/* Runs before every commit and replication encode (to bring running
 * totals such as time in state up to date). */
void ledger_on_prepare(struct ledger *lg, void (*fn)(void *arg), void *arg);

/* Write the counters if counters_commit_due() says so (clean: this is the
 * clean stop, always written). */
void ledger_commit(struct ledger *lg, uint64_t now_us, bool clean);
/* About to show the counters to someone: write whatever changed. */
void ledger_commit_seen(struct ledger *lg, uint64_t now_us);
/* About once a second: hand an fdatasync to the sync thread. */
void ledger_tick(struct ledger *lg, uint64_t now_us);
/* At clean stop: the final record, synced. */
void ledger_close(struct ledger *lg, uint64_t now_us);

/* For the cluster plane: our counters, encoded; 0 = none. */
size_t ledger_encode(struct ledger *lg, uint8_t *buf, size_t cap);

/* A peer's copy of our counters arrived. Returns the incarnation the copy
 * carried (0 if none or unusable), for the caller to stay above it. A copy
 * claiming an incarnation above inc_limit is ignored whole (0), so the
 * value returned is at most UINT64_MAX - 1 and one more never wraps. */
uint64_t ledger_restore_from(struct ledger *lg, const char *from, const uint8_t *copy,
			     size_t len, uint64_t inc_limit);
void ledger_restore_done(struct ledger *lg, unsigned answers, unsigned copies);
/* "" while nothing was restored; else a sentence for status. */
const char *ledger_restore_result(const struct ledger *lg);

/* Commit statistics: the longest commit on the loop (encode + write). */
struct ledger_stats {
	unsigned long long commits;
	uint64_t commit_max_us, commit_last_us;
	struct persist_stats file;
	bool enabled;
};
void ledger_get_stats(struct ledger *lg, struct ledger_stats *out);

#endif
