/* SPDX-License-Identifier: GPL-2.0-or-later */
/* incarnation.h - the incarnation number, kept crash-safely in
 * state_dir/incarnation. The record is written to a temp file, fsync'd,
 * renamed over the old one and the directory fsync'd (atomic_file.h), so
 * a reader sees the old or the new whole record, never a torn one; magic, version and a checksum reject garbage. */
#ifndef CLUSTD_INCARNATION_H
#define CLUSTD_INCARNATION_H

#include <stddef.h>
#include <stdint.h>

/* Read state_dir/incarnation, add one, write it back durably, and set *out.
 * A missing, unreadable or corrupt file (err says which) restarts from the
 * wall clock in seconds, which is above any incarnation a peer can hold for
 * us unless the clock went back; the file stores the new value either way.
 * Returns 0, or -errno when the new value could not be written (then *out
 * is still set and usable, and err says why). */
int incarnation_next(const char *state_dir, uint64_t *out, char *err, size_t errlen);

/* Store value as the incarnation (after a restore from peers raised it).
 * 0, or -errno with err set. */
int incarnation_store(const char *state_dir, uint64_t value, char *err, size_t errlen);

#endif
