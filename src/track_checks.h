/* SPDX-License-Identifier: GPL-2.0-or-later */
/* track_checks.h - the in-daemon tcp and http checks of one instance's
 * tracker: the edge of health_check.c. Each check owns one non-blocking
 * socket at a time (a new connection per run) and one timer, both on the
 * loop; nothing here ever blocks, and what a server sends is bounded by
 * the reader (http_reader.h). */
#ifndef CLUSTD_TRACK_CHECKS_H
#define CLUSTD_TRACK_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include "health_check.h"
#include "loop.h"
#include "model.h"
#include "track_rule.h"

struct track_checks;

struct track_checks_hooks {
	void *arg;
	/* A check flipped (logged already); cause is the sentence. */
	void (*changed)(void *arg, const char *cause);
	/* A run ended (stats moved). */
	void (*stats_changed)(void *arg);
};

struct track_check_view {
	const char *name;
	const char *kind;         /* "tcp" or "http" */
	const char *target;       /* the URL, or ADDRESS:PORT */
	int32_t weight;
	const struct hc *hc;      /* health, counts, the last run */
};

/* NULL when conf has no check (nothing to do). */
struct track_checks *track_checks_new(struct loop *l, const struct track_conf *conf,
				      const char *owner, const struct track_checks_hooks *hooks);
void track_checks_free(struct track_checks *cs);

/* Appends one item per check (kind TRACK_KIND_CHECK); returns how many. */
size_t track_checks_items(const struct track_checks *cs, struct track_item *items);
size_t track_checks_count(const struct track_checks *cs);
bool track_checks_view(const struct track_checks *cs, size_t i, struct track_check_view *v);
/* Totals over every check: runs, failed runs, runs that timed out. */
void track_checks_totals(const struct track_checks *cs, unsigned long long *runs,
			 unsigned long long *failures, unsigned long long *timeouts);

#endif
