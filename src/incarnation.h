/* SPDX-License-Identifier: GPL-2.0-or-later */
/* incarnation.h - the incarnation number, kept crash-safely in
 * state_dir/incarnation. The record is written to a temp file, fsync'd,
 * renamed over the old one and the directory fsync'd (atomic_file.h), so
 * a reader sees the old or the new whole record, never a torn one; magic, version and a checksum reject garbage. */
#ifndef CLUSTD_INCARNATION_H
#define CLUSTD_INCARNATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The next incarnation: the largest of stored + 1 (when have_stored),
 * the wall clock in seconds (at least 1) and above + 1. The wall clock
 * makes a value that could not be stored (state_dir read-only, full)
 * harmless: the next start, a second or more later, is above it anyway;
 * `above` is the running incarnation when the plane restarts within a run
 * (possibly within the same second). Never wraps: at UINT64_MAX a term is
 * left out. */
uint64_t incarnation_pick(bool have_stored, uint64_t stored, uint64_t wall_s, uint64_t above);

/* Read state_dir/incarnation, pick the next value (incarnation_pick, with
 * the wall clock wall_s), write it back, and set *out. durable: fsync the
 * file and its directory (at start, before the loop runs and before the
 * first heartbeat). Not durable: written through the page cache only, for
 * the event loop (a reload, a restore), where an fsync on a stalled disk
 * would stall the adverts; a power loss that takes such a value is
 * harmless because the next start takes at least the wall clock, which is
 * past it (incarnation_pick). A missing,
 * unreadable or corrupt file (err says which) counts as no stored value;
 * the file stores the new value either way. Returns 0, or -errno when the
 * new value could not be written (then *out is still set and usable, and
 * err says why). */
int incarnation_next_at(const char *state_dir, uint64_t wall_s, uint64_t above, bool durable,
			uint64_t *out, char *err, size_t errlen);

/* incarnation_next_at with the real wall clock, nothing running, durable. */
int incarnation_next(const char *state_dir, uint64_t *out, char *err, size_t errlen);

/* Store value as the incarnation (after a restore from peers raised it);
 * durable as for incarnation_next_at. 0, or -errno with err set. */
int incarnation_store(const char *state_dir, uint64_t value, bool durable, char *err,
		      size_t errlen);

#endif
