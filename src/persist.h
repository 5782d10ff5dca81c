/* SPDX-License-Identifier: GPL-2.0-or-later */
/* persist.h - the counters file in state_dir, crash-safe by design.
 *
 * The file holds two slots (A at 0, B at PERSIST_SLOT_SIZE). Each write
 * puts the whole record, with generation + 1, into the slot the previous
 * write did not use, so the newest complete record is always in one slot
 * while the other is being written. A record carries a magic, a format
 * version, its node's name, its generation and a BLAKE2b checksum; a
 * reader takes the valid slot with the highest generation and never a
 * torn, foreign or garbled one.
 *
 * With a crash copy (persist_use_live, what the daemon does): every
 * record goes first into a file in run_dir (tmpfs on a normal system)
 * that is mapped into memory, in the same two-slot format: a few stores
 * on the event loop, no system call, nothing that waits for a disk, and
 * a process crash cannot lose it: the kernel has it. A writer thread
 * copies the newest record into the file in state_dir and fdatasync()s it
 * at most once per sync interval (every second with interval 0, without
 * the sync), so a power loss loses at most that interval plus one write;
 * at a clean stop the file gets the last record, synced, and the crash
 * copy is removed. At start the crash copy wins when it is newer than a
 * good file of the same node (the daemon crashed).
 *
 * Without one (tests, or a run_dir that cannot be mapped), records go to
 * the file with one pwrite on the loop and the thread only syncs. */
#ifndef CLUSTD_PERSIST_H
#define CLUSTD_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PERSIST_SLOT_SIZE 32768
#define PERSIST_HDR_SIZE 128
#define PERSIST_MAX_PAYLOAD (PERSIST_SLOT_SIZE - PERSIST_HDR_SIZE)
#define PERSIST_FILE "counters"
#define PERSIST_LIVE_FILE "counters.live"

enum persist_load {
	PERSIST_OK,         /* the newest record is good */
	PERSIST_FALLBACK,   /* the newest slot was damaged: the older record was used */
	PERSIST_MISSING,    /* no file: first start, or a new disk */
	PERSIST_BAD,        /* no usable record (set aside as counters.bad) */
	PERSIST_UNREADABLE, /* the file exists but cannot be read */
};

struct persist_stats {
	unsigned long long writes, write_errors, syncs, sync_errors;
	uint64_t write_max_us, sync_max_us, sync_last_us;
	uint64_t generation;      /* of the last record written (or loaded) */
	bool ok;                  /* last write and last sync succeeded */
	char error[256];          /* the current problem, "" when ok */
};

struct persist;

/* Nothing is opened yet. sync_interval_ms 0 = never fdatasync (tests). */
struct persist *persist_new(const char *dir, const char *node, uint32_t sync_interval_ms);
/* Stops the sync thread and closes (call persist_sync_now first for a
 * durable last record). */
void persist_free(struct persist *p);

/* Keep a crash copy in run_dir/counters.live (before persist_load).
 * 0, or -errno: then the file is written on the loop, as without. */
int persist_use_live(struct persist *p, const char *run_dir);
/* Is the crash copy on tmpfs? On a disk file system a store into it may
 * now and then wait for the file system's journal (after a write-back). */
bool persist_live_in_memory(const struct persist *p);

/* Read the newest good record into payload (cap >= PERSIST_MAX_PAYLOAD).
 * *clean tells whether it was written by a clean stop. why explains every
 * outcome but OK (to be logged). */
enum persist_load persist_load(struct persist *p, uint8_t *payload, size_t cap, size_t *len,
			       bool *clean, char *why, size_t whylen);

/* Write the next record. Opens (and creates) the file on first use, and
 * after a failure retries at most every retry interval; 0, or -errno with
 * the reason in the stats. now_us paces the retries and the syncs. */
int persist_write(struct persist *p, const uint8_t *payload, size_t len, bool clean,
		  uint64_t now_us);
/* The same for a record that differs from the last one only by routine
 * counts (packets, time in state): the file gets it with the next
 * durable one, or COUNTERS_ROUTINE_SYNC_US later (counters_sync_due). */
int persist_write_routine(struct persist *p, const uint8_t *payload, size_t len, uint64_t now_us);
/* Called from the loop about every second: hands the file's update
 * (with a crash copy) and its fdatasync to the writer thread, if due and
 * something was written since the last. */
void persist_tick(struct persist *p, uint64_t now_us);
/* At a clean stop: the newest record into the file and fdatasync,
 * blocking; the crash copy is removed once the file has it. */
int persist_sync_now(struct persist *p);

void persist_get_stats(struct persist *p, struct persist_stats *out);

/* Fault injection for tests: after `skip` more successful reads of the
 * file, every read fails with err (0 turns it off). */
void persist_inject_read_error(struct persist *p, int err, unsigned skip);

/* Build one slot image (PERSIST_HDR_SIZE + len bytes; slot must hold
 * PERSIST_SLOT_SIZE). Returns its length. For the writer and for tests
 * that forge files. */
size_t persist_slot_build(uint8_t *slot, const char *node, uint64_t generation, bool clean,
			  const uint8_t *payload, size_t len);

#endif
