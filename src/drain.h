/* SPDX-License-Identifier: GPL-2.0-or-later */
/* drain.h - which instances this node keeps drained (`clustd drain`), and
 * the text of the state file that keeps it across restarts
 * (state_dir/drained). A drained instance never becomes master (it hands
 * over first if it is), but goes on heartbeating and voting. Pure: the
 * file itself is read and written by instance_handover.c.
 *
 * The file, one item per line:
 *
 *   CLDRAIN 1
 *   node                    (the whole node: every instance, also later ones)
 *   instance <name>         (one line per drained instance)
 *   sum <checksum>
 *
 * <checksum> is the 16-byte BLAKE2b (libsodium crypto_generichash, no key)
 * of every byte before "sum ", in lower-case hex, as for the incarnation
 * file: a torn or edited file is recognised and never silently trusted. */
#ifndef CLUSTD_DRAIN_H
#define CLUSTD_DRAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

#define DRAIN_MAX 64            /* instances named (one heartbeat's TLV 12s) */
#define DRAIN_FILE "drained"
#define DRAIN_TEXT_MAX (16 + DRAIN_MAX * (9 + CLUSTD_NAME_MAX) + 40)

struct drain_set {
	bool node;
	size_t n;
	char names[DRAIN_MAX][CLUSTD_NAME_MAX];
};

/* Is `instance` drained (named, or the whole node)? */
bool drain_covers(const struct drain_set *d, const char *instance);

/* How `instance` is drained: not, by its name, or as part of the whole node
 * (which wins when it is both). */
enum drain_how { DRAIN_NOT, DRAIN_BY_INSTANCE, DRAIN_BY_NODE };
enum drain_how drain_how(const struct drain_set *d, const char *instance);
/* Drain `instance`, or with NULL the whole node. false when no room is
 * left (nothing changed). */
bool drain_add(struct drain_set *d, const char *instance);
/* Undrain `instance`, or with NULL everything (the node and every name).
 * Returns whether anything changed. An instance drained as part of the
 * node stays drained until the node is undrained. */
bool drain_remove(struct drain_set *d, const char *instance);
bool drain_empty(const struct drain_set *d);

/* The file's text into buf (NUL-terminated); its length, 0 when cap is too
 * small. */
size_t drain_encode(const struct drain_set *d, char *buf, size_t cap);
/* Parses the file's text: NULL and *out set, or what is wrong with it
 * (*out is then cleared). */
const char *drain_parse(const char *text, size_t len, struct drain_set *out);

#endif
