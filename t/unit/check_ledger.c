/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_ledger.c - when the run-time counters are written (src/ledger.c):
 * packet counters are batched, a transition or a read (status, metrics,
 * replication) is written at once, and what was read survives a reopen.
 * Each test works in /tmp/check_ledger.<runner pid>.XXXXXX; clocks are
 * injected (the ledger takes now_us from its caller). */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "ledger.h"
#include "testutil.h"

#define T0 1000000000ull /* an arbitrary "now", in µs */
#define MS 1000ull

static pid_t runner_pid;

struct fixture {
	char dir[96];
	struct node_conf node;
	struct ledger *lg;
};

static void remove_leftovers(void)
{
	tu_remove_leftovers("check_ledger", runner_pid);
}

static void fx_open(struct fixture *f)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/check_ledger.%d.XXXXXX", (int)runner_pid);
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	f->node = (struct node_conf){ .name = "n1", .state_dir = f->dir, .persist_counters = true };
	f->lg = ledger_open(&f->node);
	ck_assert_ptr_nonnull(f->lg);
}

static void fx_close(struct fixture *f)
{
	ledger_free(f->lg);
	tu_remove_tree(f->dir);
}

static unsigned long long commits(struct ledger *lg)
{
	struct ledger_stats st;

	ledger_get_stats(lg, &st);
	return st.commits;
}

/* A ledger with instance "web", its first record (the start) written at T0. */
static struct inst_counters *fx_start(struct fixture *f)
{
	fx_open(f);
	struct inst_counters *ic = counters_instance(ledger_counters(f->lg), "web");
	ck_assert_ptr_nonnull(ic);
	ledger_commit(f->lg, T0, false); /* the start (restarts + 1) is written */
	ck_assert_uint_eq(commits(f->lg), 1);
	return ic;
}

/* What instance.c does for each received advert: count it, mark the set
 * changed; then the loop's idle hook commits. */
static void receive_advert(struct fixture *f, struct inst_counters *ic, uint64_t now)
{
	ic->v[IC_ADVERTS_RX]++;
	ledger_touch(f->lg);
	ledger_commit(f->lg, now, false);
}

START_TEST(test_packets_batched)
{
	struct fixture f;

	struct inst_counters *ic = fx_start(&f);
	/* 100 adverts 1 ms apart: all within one batch interval of the last write. */
	for (unsigned i = 1; i <= 100; i++)
		receive_advert(&f, ic, T0 + i * MS);
	ck_assert_uint_eq(commits(f.lg), 1);
	/* The next wake-up after the interval writes them, once. */
	receive_advert(&f, ic, T0 + LEDGER_BATCH_US + 1 * MS);
	ck_assert_uint_eq(commits(f.lg), 2);
	ledger_commit(f.lg, T0 + LEDGER_BATCH_US + 2 * MS, false);
	ck_assert_uint_eq(commits(f.lg), 2);
	fx_close(&f);
}
END_TEST

START_TEST(test_transition_written_at_once)
{
	struct fixture f;

	struct inst_counters *ic = fx_start(&f);
	receive_advert(&f, ic, T0 + 1 * MS);
	ck_assert_uint_eq(commits(f.lg), 1);
	/* A transition 1 ms after the last write: written in this batch. */
	ic->v[IC_TRANS(STATE_BACKUP, STATE_MASTER)]++;
	ledger_touch_now(f.lg);
	ledger_commit(f.lg, T0 + 2 * MS, false);
	ck_assert_uint_eq(commits(f.lg), 2);
	/* Nothing left to write. */
	ledger_commit(f.lg, T0 + 3 * LEDGER_BATCH_US, false);
	ck_assert_uint_eq(commits(f.lg), 2);
	fx_close(&f);
}
END_TEST

/* What status showed survives a crash right after: reopen the file. */
START_TEST(test_seen_is_saved)
{
	struct fixture f;

	struct inst_counters *ic = fx_start(&f);
	for (unsigned i = 1; i <= 7; i++)
		receive_advert(&f, ic, T0 + i * MS);
	ck_assert_uint_eq(commits(f.lg), 1);
	ledger_commit_seen(f.lg, T0 + 8 * MS); /* status asked */
	ck_assert_uint_eq(commits(f.lg), 2);
	ledger_commit_seen(f.lg, T0 + 9 * MS); /* unchanged: no write */
	ck_assert_uint_eq(commits(f.lg), 2);
	/* One more advert nobody saw: it may lag, and does. */
	receive_advert(&f, ic, T0 + 10 * MS);
	ledger_free(f.lg); /* like a SIGKILL: no close */
	f.lg = ledger_open(&f.node);
	ck_assert_ptr_nonnull(f.lg);
	struct inst_counters *back = counters_find(ledger_counters(f.lg), "web");
	ck_assert_ptr_nonnull(back);
	ck_assert_uint_eq(back->v[IC_ADVERTS_RX], 7);
	fx_close(&f);
}
END_TEST

START_TEST(test_commit_due)
{
	const uint64_t b = LEDGER_BATCH_US;

	ck_assert(!counters_commit_due(false, false, T0, T0 + 10 * b, b));
	ck_assert(counters_commit_due(true, true, T0, T0, b));
	ck_assert(!counters_commit_due(true, false, T0, T0, b));
	ck_assert(!counters_commit_due(true, false, T0, T0 + b - 1, b));
	ck_assert(counters_commit_due(true, false, T0, T0 + b, b));
	/* A clock before the last write (never on CLOCK_MONOTONIC): write. */
	ck_assert(counters_commit_due(true, false, T0, T0 - 1, b));
}
END_TEST

START_TEST(test_sync_due)
{
	const uint64_t every = 1000 * MS, routine = COUNTERS_ROUTINE_SYNC_US;

	/* Nothing committed since the last pass: never. */
	ck_assert(!counters_sync_due(false, true, T0, T0 + 10 * routine, every));
	/* A durable change: the sync interval after the last pass. */
	ck_assert(!counters_sync_due(true, true, T0, T0 + every - 1, every));
	ck_assert(counters_sync_due(true, true, T0, T0 + every, every));
	/* Routine changes alone (packets, time in state): the longer bound. */
	ck_assert(!counters_sync_due(true, false, T0, T0 + every, every));
	ck_assert(!counters_sync_due(true, false, T0, T0 + routine - 1, every));
	ck_assert(counters_sync_due(true, false, T0, T0 + routine, every));
	/* A sync interval above that bound holds for routine ones too. */
	ck_assert(!counters_sync_due(true, false, T0, T0 + routine, 2 * routine));
	ck_assert(counters_sync_due(true, false, T0, T0 + 2 * routine, 2 * routine));
	/* A clock before the last pass (never on CLOCK_MONOTONIC): go. */
	ck_assert(counters_sync_due(true, false, T0, T0 - 1, every));
}
END_TEST

static unsigned long long syncs_after(struct ledger *lg, unsigned wait_ms)
{
	struct ledger_stats st;
	struct timespec ms = { 0, 1000 * 1000 };

	for (unsigned i = 0; i < wait_ms; i++)
		nanosleep(&ms, NULL);
	ledger_get_stats(lg, &st);
	return st.file.syncs;
}

/* Wait (2 s at most) until the writer thread synced `want` times. */
static unsigned long long wait_syncs(struct ledger *lg, unsigned long long want)
{
	unsigned long long n = 0;

	for (int i = 0; i < 200 && (n = syncs_after(lg, 10)) < want; i++)
		;
	return n;
}

/* At rest only the clock (time in state, the daemon's tick) and packet
 * counts move: the file is then synced every COUNTERS_ROUTINE_SYNC_US,
 * not every counters_sync_interval; a transition still goes within the
 * interval. */
START_TEST(test_routine_sync_waits)
{
	struct fixture f;
	const uint64_t s = LEDGER_BATCH_US;

	snprintf(f.dir, sizeof(f.dir), "/tmp/check_ledger.%d.XXXXXX", (int)runner_pid);
	ck_assert_ptr_nonnull(mkdtemp(f.dir));
	f.node = (struct node_conf){ .name = "n1", .state_dir = f.dir, .persist_counters = true,
				     .counters_sync_ms = 100 };
	f.lg = ledger_open(&f.node);
	ck_assert_ptr_nonnull(f.lg);
	struct inst_counters *ic = counters_instance(ledger_counters(f.lg), "web");
	ledger_commit(f.lg, T0, false); /* the start: durable */
	ledger_tick(f.lg, T0);
	ck_assert_uint_eq(wait_syncs(f.lg, 1), 1);
	/* Two ticks' worth of adverts and clock: committed, not synced. */
	for (unsigned i = 1; i <= 2; i++) {
		receive_advert(&f, ic, T0 + i * s);
		ledger_touch_clock(f.lg);
		ledger_commit(f.lg, T0 + i * s, false);
		ledger_tick(f.lg, T0 + i * s);
	}
	ck_assert_uint_eq(commits(f.lg), 5); /* each advert's batch, each tick */
	ck_assert_uint_eq(syncs_after(f.lg, 200), 1);
	/* The routine bound after the last pass: synced. */
	ledger_tick(f.lg, T0 + COUNTERS_ROUTINE_SYNC_US);
	ck_assert_uint_eq(wait_syncs(f.lg, 2), 2);
	/* A transition: synced at the next tick past the interval. */
	ic->v[IC_TRANS(STATE_BACKUP, STATE_MASTER)]++;
	ledger_touch_now(f.lg);
	ledger_commit(f.lg, T0 + COUNTERS_ROUTINE_SYNC_US + s, false);
	ledger_tick(f.lg, T0 + COUNTERS_ROUTINE_SYNC_US + s);
	ck_assert_uint_eq(wait_syncs(f.lg, 3), 3);
	fx_close(&f);
}
END_TEST

static Suite *ledger_suite(void)
{
	Suite *s = suite_create("ledger");
	TCase *t = tcase_create("commit");

	runner_pid = getpid();
	atexit(remove_leftovers);
	tcase_add_test(t, test_packets_batched);
	tcase_add_test(t, test_transition_written_at_once);
	tcase_add_test(t, test_seen_is_saved);
	tcase_add_test(t, test_commit_due);
	tcase_add_test(t, test_sync_due);
	tcase_add_test(t, test_routine_sync_waits);
	suite_add_tcase(s, t);
	return s;
}

CLUSTD_TEST_MAIN(ledger_suite)
