/* SPDX-License-Identifier: GPL-2.0-or-later */
/* track_rule.h - the rule of health tracking, pure (no I/O, no clock):
 * results in, a priority delta or a fault out. track.c runs the scripts,
 * reads the interfaces and files, and feeds what it learns in here.
 *
 * Rise/fall. A check (a track script) turns OK after `rise` successes in
 * a row and failed after `fall` failures in a row, starting from init_ok.
 * Only exit status 0 is a success: a run that could not be executed, timed
 * out or was killed by a signal fails.
 *
 * Weights. A positive weight counts while the tracked thing is healthy (a
 * script OK, an interface up); a negative weight counts while it fails. A
 * script or interface with TRACK_NO_WEIGHT moves no priority: while it
 * fails, the verdict is a fault, named after the first such item. A file
 * contributes value x weight (TRACK_NO_WEIGHT means 1: a file has no fault
 * mode), both bounded so that no sum overflows. The delta is the sum of
 * the weights in force; the effective priority is base + delta clamped to
 * 1..254, and an owner (255) stays 255. */
#ifndef CLUSTD_TRACK_RULE_H
#define CLUSTD_TRACK_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Bounds that keep every sum far from overflow; anything beyond +-253
 * already pins the priority anyway. */
#define TRACK_FILE_VALUE_MAX 1000000000LL
#define TRACK_FILE_CONTRIB_MAX 1000000LL

/* ---- rise/fall of one check ---- */

struct track_check {
	uint32_t rise, fall;            /* >= 1 */
	bool ok;
	unsigned ok_streak, fail_streak; /* results in a row (saturating) */
};

/* rise or fall 0 means 1 (the configuration's default). */
void track_check_init(struct track_check *c, uint32_t rise, uint32_t fall, bool init_ok);
/* One result in. True when it flipped c->ok. */
bool track_check_result(struct track_check *c, bool success);
/* A run's outcome: true only for a normal exit with status 0. */
bool track_run_succeeded(bool exec_failed, bool timed_out, int term_signal, int exit_code);

/* ---- the verdict over every tracked thing of an instance ---- */

/* TRACK_KIND_CHECK: an in-daemon tcp or http check; weighs like a script. */
enum track_kind { TRACK_KIND_SCRIPT, TRACK_KIND_INTERFACE, TRACK_KIND_FILE, TRACK_KIND_CHECK };

struct track_item {
	enum track_kind kind;
	const char *name;
	int32_t weight;   /* files: as track_file_weight() made it */
	bool healthy;     /* script OK, interface up; unused for files */
	long long value;  /* files only: the integer read (0 when unreadable) */
};

struct track_verdict {
	int delta;
	bool fault;
};

/* The weight a script or interface adds in this health (0 for none). */
long long track_weight_in_force(int32_t weight, bool healthy);
/* A file's weight from its configured one. */
int32_t track_file_weight(int32_t conf_weight);
/* A file's integer, bounded to +-TRACK_FILE_VALUE_MAX. */
long long track_file_value(long long raw);
/* value x weight, value bounded to +-TRACK_FILE_VALUE_MAX, the product to
 * +-TRACK_FILE_CONTRIB_MAX. */
long long track_file_contribution(long long value, int32_t weight);

/* Sum of the weights in force, clamped to int. */
int track_items_delta(const struct track_item *items, size_t n);
/* The first weightless script or interface that is not healthy, in the
 * order given; NULL when none (no fault). Files never fault. */
const struct track_item *track_fault_item(const struct track_item *items, size_t n);
/* "track script NAME failed", "interface NAME down", "check NAME failed";
 * "" for NULL. */
void track_fault_reason(const struct track_item *it, char *buf, size_t len);
struct track_verdict track_verdict_of(const struct track_item *items, size_t n);
/* Replace *last by the verdict of items; true when delta or fault changed
 * (only then is anyone told). */
bool track_verdict_update(struct track_verdict *last, const struct track_item *items, size_t n);

/* Effective priority: base + delta clamped to 1..254; 255 stays 255. */
uint8_t track_effective_priority(uint8_t base, int delta);

#endif
