/* SPDX-License-Identifier: GPL-2.0-or-later */
/* counters_oracle.h - a test oracle for the counters (src/counters.h),
 * shared by t/unit/check_counters.c and t/fuzz/fuzz_counters.c. The
 * daemon never needs it: counters_raise() only ever adds, and increments
 * are plain ++, so it is a property the tests check, not a run-time rule. */
#ifndef CLUSTD_COUNTERS_ORACLE_H
#define CLUSTD_COUNTERS_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "counters.h"

static inline bool oracle_array_monotonic(const uint64_t *before, const uint64_t *after,
					  size_t n, size_t *at)
{
	for (size_t i = 0; i < n; i++) {
		if (after[i] < before[i]) {
			*at = i;
			return false;
		}
	}
	return true;
}

static inline const struct inst_counters *oracle_find(const struct counter_set *s,
						      const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->inst[i].name, name) == 0)
			return &s->inst[i];
	return NULL;
}

/* True when no counter of `after` is below its value in `before` (the
 * incarnation included; an instance missing from `after` counts as all
 * zeros); *what names the first that is. */
static inline bool counters_monotonic(const struct counter_set *before,
				      const struct counter_set *after, const char **what)
{
	static const uint64_t zeros[IC__COUNT];
	size_t at = 0;

	*what = NULL;
	if (after->incarnation < before->incarnation) {
		*what = "incarnation";
		return false;
	}
	if (!oracle_array_monotonic(before->node, after->node, NC__COUNT, &at)) {
		*what = at < NC__SCALARS ? counters_node_scalar_name((enum node_counter)at)
					 : "unknown-VRID drops";
		return false;
	}
	for (size_t i = 0; i < before->n; i++) {
		const struct inst_counters *b = &before->inst[i];
		const struct inst_counters *a = oracle_find(after, b->name);

		if (!oracle_array_monotonic(b->v, a ? a->v : zeros, IC__COUNT, &at)) {
			*what = b->name;
			return false;
		}
	}
	return true;
}

#endif
