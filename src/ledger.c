/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ledger.c - the daemon's counters at run time (ledger.h). */
#include "ledger.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "xalloc.h"

struct ledger {
	struct counter_set set;
	struct counter_set *base;      /* while restoring: what we started from */
	struct persist *file;          /* NULL when persistence is off */
	enum ledger_origin origin;
	char problem[320];
	char restored[200];
	bool dirty;                    /* changed since the last write */
	bool urgent;                   /* ... by more than packet counts */
	bool durable;                  /* ... by more than routine counts: the
					* file gets it within the sync interval */
	uint64_t last_write_us;
	void (*prepare)(void *arg);
	void *prepare_arg;
	unsigned long long commits;
	uint64_t commit_max_us, commit_last_us;
	unsigned long long fail_log_last, big_log_last;
	unsigned long long write_errors_seen;
	uint8_t buf[PERSIST_MAX_PAYLOAD];
};

static enum ledger_origin origin_of(enum persist_load r)
{
	switch (r) {
	case PERSIST_OK: return LEDGER_FROM_FILE;
	case PERSIST_FALLBACK: return LEDGER_FROM_FALLBACK;
	case PERSIST_MISSING: return LEDGER_NEW;
	default: return LEDGER_FROM_NOTHING;
	}
}

/* Fill lg->set from the file; log what happened. */
static void load(struct ledger *lg, const struct node_conf *node)
{
	size_t len = 0;
	bool clean = false;
	enum persist_load r = persist_load(lg->file, lg->buf, sizeof(lg->buf), &len, &clean,
					   lg->problem, sizeof(lg->problem));

	if ((r == PERSIST_OK || r == PERSIST_FALLBACK) && !counters_decode(lg->buf, len, &lg->set)) {
		snprintf(lg->problem, sizeof(lg->problem), "the record does not decode (%zu bytes)",
			 len);
		r = PERSIST_BAD;
	}
	lg->origin = origin_of(r);
	if (r == PERSIST_OK || r == PERSIST_FALLBACK) {
		if (!clean)
			lg->set.node[NC_UNCLEAN_RESTARTS]++;
		log_notice("counters: loaded from %s/%s (%s, %llu earlier starts)%s%s",
			   node->state_dir, PERSIST_FILE, clean ? "clean stop" : "after a crash",
			   (unsigned long long)lg->set.node[NC_RESTARTS], r == PERSIST_FALLBACK ?
			   ": " : "", r == PERSIST_FALLBACK ? lg->problem : "");
		if (r == PERSIST_OK)
			lg->problem[0] = '\0';
		return;
	}
	if (r == PERSIST_MISSING)
		log_notice("counters: %s: starting from zero", lg->problem);
	else
		log_err("counters: %s: starting from zero", lg->problem);
}

struct ledger *ledger_open(const struct node_conf *node)
{
	struct ledger *lg = xcalloc(1, sizeof(*lg));

	lg->origin = LEDGER_OFF;
	if (node->persist_counters) {
		lg->file = persist_new(node->state_dir, node->name, node->counters_sync_ms);
		if (!lg->file) {
			free(lg);
			return NULL;
		}
		/* Commits on the loop then never touch the disk (persist.h). */
		int rc = node->run_dir ? persist_use_live(lg->file, node->run_dir) : -ENOENT;
		if (rc < 0 && node->run_dir)
			log_warn("counters: no crash copy in %s (%s): the loop writes %s/%s itself",
				 node->run_dir, strerror(-rc), node->state_dir, PERSIST_FILE);
		else if (rc == 0 && !persist_live_in_memory(lg->file))
			log_notice("counters: %s is not on tmpfs: a commit may now and then wait for "
				   "its file system (run_dir belongs on tmpfs, as /run is)", node->run_dir);
		load(lg, node);
	}
	/* What the file said, before this start adds to it: the base a
	 * restore compares peers' copies with. */
	if (ledger_wants_restore(lg)) {
		lg->base = xmalloc(sizeof(*lg->base));
		*lg->base = lg->set;
	}
	counters_deactivate_all(&lg->set);
	lg->set.node[NC_RESTARTS]++;
	ledger_touch_now(lg);
	return lg;
}

void ledger_free(struct ledger *lg)
{
	if (!lg)
		return;
	persist_free(lg->file);
	free(lg->base);
	free(lg);
}

struct counter_set *ledger_counters(struct ledger *lg)
{
	return &lg->set;
}

enum ledger_origin ledger_origin(const struct ledger *lg)
{
	return lg->origin;
}

const char *ledger_load_problem(const struct ledger *lg)
{
	return lg->problem;
}

bool ledger_wants_restore(const struct ledger *lg)
{
	return lg->origin != LEDGER_FROM_FILE;
}

void ledger_touch(struct ledger *lg)
{
	lg->dirty = true;
}

void ledger_touch_now(struct ledger *lg)
{
	lg->dirty = true;
	lg->urgent = true;
	lg->durable = true;
}

void ledger_touch_clock(struct ledger *lg)
{
	lg->dirty = true;
	lg->urgent = true;
}

void ledger_on_prepare(struct ledger *lg, void (*fn)(void *arg), void *arg)
{
	lg->prepare = fn;
	lg->prepare_arg = arg;
}

static void prepare(struct ledger *lg)
{
	if (lg->prepare)
		lg->prepare(lg->prepare_arg);
}

/* With a crash copy the file is written apart from the commits (by the
 * writer thread, and at start-up): its failures are told here. */
static void report_file_errors(struct ledger *lg)
{
	struct persist_stats st;

	persist_get_stats(lg->file, &st);
	if (st.write_errors > lg->write_errors_seen)
		log_ratelimited(&lg->fail_log_last, 60000, LOG_ERR,
				"counters: cannot save (%s); still counting, retrying", st.error);
	lg->write_errors_seen = st.write_errors;
}

static void write_now(struct ledger *lg, uint64_t now_us, bool clean)
{
	uint64_t t0 = mono_now_us();

	prepare(lg);
	size_t len = counters_encode(&lg->set, lg->buf, sizeof(lg->buf));
	int rc = -1;

	if (len)
		rc = clean || lg->durable ? persist_write(lg->file, lg->buf, len, clean, now_us)
					  : persist_write_routine(lg->file, lg->buf, len, now_us);
	uint64_t took = mono_now_us() - t0;

	lg->commits++;
	lg->commit_last_us = took;
	if (took > lg->commit_max_us)
		lg->commit_max_us = took;
	lg->last_write_us = now_us;
	if (rc == 0) {
		lg->dirty = false;
		lg->urgent = false;
		lg->durable = false;
		report_file_errors(lg);
		return;
	}
	/* Stay dirty: the next batch (or the tick) tries again. */
	struct persist_stats st;
	persist_get_stats(lg->file, &st);
	log_ratelimited(&lg->fail_log_last, 60000, LOG_ERR,
			"counters: cannot save (%s); still counting, retrying",
			len ? st.error : "record too large");
}

void ledger_commit(struct ledger *lg, uint64_t now_us, bool clean)
{
	if (lg->file && (clean || counters_commit_due(lg->dirty, lg->urgent, lg->last_write_us,
						      now_us, LEDGER_BATCH_US)))
		write_now(lg, now_us, clean);
}

void ledger_commit_seen(struct ledger *lg, uint64_t now_us)
{
	if (lg->file && lg->dirty)
		write_now(lg, now_us, false);
}

void ledger_tick(struct ledger *lg, uint64_t now_us)
{
	if (!lg->file)
		return;
	persist_tick(lg->file, now_us);
	report_file_errors(lg);
}

void ledger_close(struct ledger *lg, uint64_t now_us)
{
	if (!lg->file)
		return;
	write_now(lg, now_us, true);
	persist_sync_now(lg->file);
}

size_t ledger_encode(struct ledger *lg, uint8_t *buf, size_t cap)
{
	prepare(lg);
	size_t len = counters_encode(&lg->set, buf, cap);
	if (!len)
		log_ratelimited(&lg->big_log_last, 600000, LOG_WARNING,
				"counters: too large for a heartbeat (over %zu bytes): not replicated",
				cap);
	return len;
}

uint64_t ledger_restore_from(struct ledger *lg, const char *from, const uint8_t *copy,
			     size_t len, uint64_t inc_limit)
{
	struct counter_set *peer;

	if (!lg->base)
		return 0;
	if (len == 0) {
		log_info("counters: member %s holds no copy of ours", from);
		return 0;
	}
	peer = xmalloc(sizeof(*peer));
	if (!counters_decode(copy, len, peer)) {
		log_warn("counters: the copy member %s sent does not decode; ignored", from);
		free(peer);
		return 0;
	}
	if (!counters_copy_plausible(peer, inc_limit)) {
		log_warn("counters: the copy member %s sent claims incarnation %llu, above %llu: "
			 "ignored", from, (unsigned long long)peer->incarnation,
			 (unsigned long long)inc_limit);
		free(peer);
		return 0;
	}
	size_t rose = counters_raise(&lg->set, lg->base, peer);
	uint64_t inc = peer->incarnation;
	log_notice("counters: member %s held a copy (incarnation %llu, %llu starts): %zu counters "
		   "raised", from, (unsigned long long)inc,
		   (unsigned long long)peer->node[NC_RESTARTS], rose);
	if (rose)
		snprintf(lg->restored, sizeof(lg->restored), "restored from %s", from);
	free(peer);
	ledger_touch_now(lg);
	return inc;
}

void ledger_restore_done(struct ledger *lg, unsigned answers, unsigned copies)
{
	if (!lg->base)
		return;
	free(lg->base);
	lg->base = NULL;
	if (copies)
		log_notice("counters: restore finished: %u member(s) answered, %u held a copy",
			   answers, copies);
	else
		log_warn("counters: restore finished: %u member(s) answered, none held a copy; "
			 "counting from what we had", answers);
	if (!lg->restored[0])
		snprintf(lg->restored, sizeof(lg->restored), "%u answered, %u held a copy", answers,
			 copies);
}

const char *ledger_restore_result(const struct ledger *lg)
{
	return lg->restored;
}

void ledger_get_stats(struct ledger *lg, struct ledger_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->enabled = lg->file != NULL;
	out->commits = lg->commits;
	out->commit_max_us = lg->commit_max_us;
	out->commit_last_us = lg->commit_last_us;
	if (lg->file)
		persist_get_stats(lg->file, &out->file);
}
