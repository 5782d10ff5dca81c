/* SPDX-License-Identifier: GPL-2.0-or-later */
/* track_rule.c - the rule of health tracking (see track_rule.h). */
#include "track_rule.h"

#include <limits.h>
#include <stdio.h>

static long long clamp_ll(long long v, long long lo, long long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void track_check_init(struct track_check *c, uint32_t rise, uint32_t fall, bool init_ok)
{
	*c = (struct track_check){
		.rise = rise ? rise : 1,
		.fall = fall ? fall : 1,
		.ok = init_ok,
	};
}

bool track_check_result(struct track_check *c, bool success)
{
	if (success) {
		c->fail_streak = 0;
		if (c->ok_streak < UINT_MAX)
			c->ok_streak++;
		if (c->ok || c->ok_streak < c->rise)
			return false;
		c->ok = true;
		return true;
	}
	c->ok_streak = 0;
	if (c->fail_streak < UINT_MAX)
		c->fail_streak++;
	if (!c->ok || c->fail_streak < c->fall)
		return false;
	c->ok = false;
	return true;
}

bool track_run_succeeded(bool exec_failed, bool timed_out, int term_signal, int exit_code)
{
	return !exec_failed && !timed_out && !term_signal && exit_code == 0;
}

long long track_weight_in_force(int32_t weight, bool healthy)
{
	if (weight == TRACK_NO_WEIGHT)
		return 0;
	if (weight > 0)
		return healthy ? weight : 0;
	return healthy ? 0 : weight;
}

int32_t track_file_weight(int32_t conf_weight)
{
	return conf_weight == TRACK_NO_WEIGHT ? 1 : conf_weight;
}

long long track_file_value(long long raw)
{
	return clamp_ll(raw, -TRACK_FILE_VALUE_MAX, TRACK_FILE_VALUE_MAX);
}

long long track_file_contribution(long long value, int32_t weight)
{
	return clamp_ll(track_file_value(value) * weight, -TRACK_FILE_CONTRIB_MAX, TRACK_FILE_CONTRIB_MAX);
}

static long long item_delta(const struct track_item *it)
{
	if (it->kind == TRACK_KIND_FILE)
		return track_file_contribution(it->value, it->weight);
	return track_weight_in_force(it->weight, it->healthy);
}

int track_items_delta(const struct track_item *items, size_t n)
{
	long long sum = 0;

	/* At most 4 x CLUSTD_MAX_TRACK items of at most 1e6 each: no overflow. */
	for (size_t i = 0; i < n; i++)
		sum += item_delta(&items[i]);
	return (int)clamp_ll(sum, INT_MIN, INT_MAX);
}

const struct track_item *track_fault_item(const struct track_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (items[i].kind != TRACK_KIND_FILE && items[i].weight == TRACK_NO_WEIGHT &&
		    !items[i].healthy)
			return &items[i];
	return NULL;
}

void track_fault_reason(const struct track_item *it, char *buf, size_t len)
{
	if (!len)
		return;
	if (!it)
		buf[0] = '\0';
	else if (it->kind == TRACK_KIND_SCRIPT)
		snprintf(buf, len, "track script %s failed", it->name);
	else if (it->kind == TRACK_KIND_CHECK)
		snprintf(buf, len, "check %s failed", it->name);
	else
		snprintf(buf, len, "interface %s down", it->name);
}

struct track_verdict track_verdict_of(const struct track_item *items, size_t n)
{
	return (struct track_verdict){
		.delta = track_items_delta(items, n),
		.fault = track_fault_item(items, n) != NULL,
	};
}

bool track_verdict_update(struct track_verdict *last, const struct track_item *items, size_t n)
{
	struct track_verdict now = track_verdict_of(items, n);
	bool changed = now.delta != last->delta || now.fault != last->fault;

	*last = now;
	return changed;
}

uint8_t track_effective_priority(uint8_t base, int delta)
{
	if (base == 255)
		return 255;
	return (uint8_t)clamp_ll((long long)base + delta, 1, 254);
}
