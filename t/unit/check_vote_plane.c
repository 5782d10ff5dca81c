/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_vote_plane.c - the votes of whole planes (vote_plane.c over
 * votes.c and quorum.c): three or four simulated members exchange
 * heartbeats in memory, with cuts, deaths and losses, on an injected
 * clock. The invariant under test: at no instant do two members hold the
 * votes of one instance. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "vote_plane.h"

#define MS(x) ((uint64_t)(x) * 1000ull)
#define T0 1000000000ull
#define NO_LIMIT (UINT64_MAX - 1)
#define HB_MS 100
#define LEASE_MS 600
#define SLACK_MS 50
#define DEAD_MS 600
#define MAXN 4

struct node {
	const char *name;
	struct quorum q;
	struct vote_plane vp;
	uint64_t inc, seq, nonce;
	bool asks;        /* requests "web" */
	uint8_t prio;
	bool dead;
};

static struct node nodes[MAXN];
static size_t nn;
static bool cut[MAXN][MAXN]; /* cut[a][b]: a's heartbeats do not reach b */
static const char *const names[MAXN] = {"n1", "n2", "n3", "n4"};

static uint32_t lease_of[MAXN]; /* 0: LEASE_MS */

static void setup_nodes(size_t n, bool fresh)
{
	memset(cut, 0, sizeof(cut));
	nn = n;
	for (size_t i = 0; i < n; i++) {
		struct node *x = &nodes[i];
		memset(x, 0, sizeof(*x));
		x->name = names[i];
		x->inc = 100 + i;
		x->nonce = 0x1000 + i;
		x->prio = (uint8_t)(200 - 50 * i);
		ck_assert_int_eq(quorum_init(&x->q, names, n, names[i], 0, DEAD_MS, x->nonce), 0);
		vote_plane_init(&x->vp, &x->q, lease_of[i] ? lease_of[i] : LEASE_MS, SLACK_MS, T0,
				fresh);
	}
}

static void free_nodes(void)
{
	for (size_t i = 0; i < nn; i++)
		quorum_free(&nodes[i].q);
}

static struct heartbeat hb_buf;

/* Node i sends a heartbeat at now; it reaches every member not cut off. */
static unsigned send_from(size_t i, uint64_t now)
{
	struct node *x = &nodes[i];
	struct heartbeat *hb = &hb_buf;
	unsigned flags = 0;

	if (x->dead)
		return 0;
	memset(hb, 0, sizeof(*hb));
	hb->kind = HB_KIND_HEARTBEAT;
	snprintf(hb->node, sizeof(hb->node), "%s", x->name);
	hb->incarnation = x->inc;
	hb->seq = ++x->seq;
	hb->nonce = x->nonce;
	hb->necho = quorum_echo(&x->q, now, hb->echo, CLUSTER_MAX_ECHO);
	if (x->asks) {
		hb->nrequests = 1;
		snprintf(hb->requests[0].name, sizeof(hb->requests[0].name), "web");
		hb->requests[0].priority = x->prio;
	}
	vote_plane_sending(&x->vp, &x->q, hb, now);
	for (size_t j = 0; j < nn; j++) {
		if (j == i || cut[i][j] || nodes[j].dead)
			continue;
		struct node *y = &nodes[j];
		if (quorum_heard(&y->q, hb, NULL, now, NO_LIMIT) != HB_OK)
			continue;
		for (size_t m = 0; m < y->q.n; m++)
			if (strcmp(y->q.members[m].name, x->name) == 0)
				flags |= vote_plane_heard(&y->vp, &y->q, m, hb, now);
	}
	return flags;
}

static bool holds(size_t i, uint64_t now)
{
	uint64_t end;

	if (nodes[i].dead)
		return false;
	vote_plane_expire(&nodes[i].vp, now);
	return vote_plane_held(&nodes[i].vp, "web", now, &end);
}

static unsigned holders(uint64_t now)
{
	unsigned n = 0;

	for (size_t i = 0; i < nn; i++)
		n += holds(i, now);
	return n;
}

/* Everyone sends, staggered over one interval, from `from` for `ms`;
 * asserts at every 10 ms step that at most one member holds the votes. */
static void run(uint64_t from, unsigned ms)
{
	for (uint64_t t = from; t < from + MS(ms); t += MS(10)) {
		for (size_t i = 0; i < nn; i++)
			if ((t / MS(10)) % (HB_MS / 10) == i * 2)
				send_from(i, t);
		ck_assert_msg(holders(t) <= 1, "two holders at +%llu ms",
			      (unsigned long long)((t - T0) / 1000));
	}
}

START_TEST(test_master_gathers_a_majority)
{
	setup_nodes(3, false);
	run(T0, 500); /* everyone alive for everyone */
	nodes[0].asks = true;
	run(T0 + MS(500), 300);
	ck_assert(holds(0, T0 + MS(800)));
	ck_assert_uint_eq(ballot_count(vote_plane_ballot(&nodes[0].vp, "web"), T0 + MS(800)), 3);
	free_nodes();
}
END_TEST

START_TEST(test_partial_cut_keeps_the_master)
{
	setup_nodes(3, false);
	run(T0, 500);
	nodes[0].asks = true;
	run(T0 + MS(500), 500);
	cut[0][1] = cut[1][0] = true;
	nodes[1].asks = true; /* n2's Master_Down ran out: a candidate */
	for (uint64_t t = T0 + MS(1000); t < T0 + MS(4000); t += MS(100)) {
		run(t, 100);
		ck_assert(holds(0, t + MS(100)));
		ck_assert(!holds(1, t + MS(100)));
	}
	const struct ballot *b = vote_plane_ballot(&nodes[1].vp, "web");
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b->with[2], "n1"); /* n3 says its vote is with n1 */
	ck_assert_uint_gt(nodes[2].vp.voter.refused[VOTE_REFUSED_ELSEWHERE], 0);
	free_nodes();
}
END_TEST

START_TEST(test_dead_master_loses_its_votes)
{
	setup_nodes(3, false);
	run(T0, 500);
	nodes[0].asks = true;
	run(T0 + MS(500), 500);
	nodes[0].dead = true;
	nodes[1].asks = true;
	uint64_t took = 0;
	for (uint64_t t = T0 + MS(1000); t < T0 + MS(3000) && !took; t += MS(10)) {
		run(t, 10);
		if (holds(1, t + MS(10)))
			took = t + MS(10);
	}
	ck_assert_uint_ne(took, 0);
	/* Not before the voters' binding ran out: L(1 + ρ) after n1's last
	 * request, which left within one interval before the death. */
	ck_assert_uint_ge(took, T0 + MS(1000) - MS(HB_MS) + votes_grantor_hold_us(LEASE_MS));
	ck_assert_uint_le(took, T0 + MS(1000) + votes_grantor_hold_us(LEASE_MS) + MS(2 * HB_MS));
	free_nodes();
}
END_TEST

START_TEST(test_release_hands_over_at_once)
{
	setup_nodes(3, false);
	run(T0, 500);
	nodes[0].asks = true;
	run(T0 + MS(500), 500);
	nodes[1].asks = true;
	run(T0 + MS(1000), 200); /* n2 waits: refused by n1 and n3 */
	ck_assert(!holds(1, T0 + MS(1200)));
	nodes[0].asks = false; /* n1 stepped down: its next heartbeat releases */
	unsigned flags = send_from(0, T0 + MS(1200));
	ck_assert(flags & VP_SEND_SOON);
	send_from(2, T0 + MS(1201)); /* n3 tells at once */
	send_from(1, T0 + MS(1202)); /* n2's own vote is free now too */
	ck_assert(holds(1, T0 + MS(1202)));
	ck_assert(!holds(0, T0 + MS(1202)));
	free_nodes();
}
END_TEST

START_TEST(test_fresh_start_grants_nothing)
{
	setup_nodes(3, true);
	nodes[0].asks = true;
	run(T0, 500);
	ck_assert(!holds(0, T0 + MS(500)));
	ck_assert_uint_gt(nodes[1].vp.voter.refused[VOTE_REFUSED_STARTING], 0);
	run(T0 + MS(500), 800);
	ck_assert(holds(0, T0 + MS(1300)));
	free_nodes();
}
END_TEST

START_TEST(test_rival_is_the_best_asking)
{
	uint8_t prio = 0;

	setup_nodes(4, false);
	run(T0, 500);
	nodes[1].asks = true;
	nodes[2].asks = true;
	run(T0 + MS(500), 200);
	const char *r = vote_plane_rival(&nodes[0].q, "web", T0 + MS(700), &prio);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r, "n2");
	ck_assert_uint_eq(prio, 150);
	ck_assert_ptr_null(vote_plane_rival(&nodes[0].q, "db", T0 + MS(700), &prio));
	free_nodes();
}
END_TEST

/* Random cuts, deaths and revivals of requests over a long run: never
 * two holders (run() asserts it at every step). */
START_TEST(test_random_cuts_never_two_holders)
{
	uint32_t seed = 12345;

	setup_nodes(4, false);
	run(T0, 500);
	for (int round = 0; round < 200; round++) {
		uint64_t t = T0 + MS(500) + (uint64_t)round * MS(200);
		seed = seed * 1103515245u + 12345u;
		size_t a = seed >> 16 & 3, b = seed >> 20 & 3;
		if (a != b)
			cut[a][b] = !cut[a][b];
		if ((seed >> 24 & 7) == 0)
			nodes[seed >> 27 & 3].asks ^= true;
		run(t, 200);
	}
	free_nodes();
}
END_TEST

/* A voter with a shorter lease than the candidate's (a witness set up
 * with other timers): the candidate never counts its grant past the
 * voter's binding. Same clock for all here, so the comparison is exact. */
START_TEST(test_shorter_voter_lease_is_respected)
{
	lease_of[2] = 300;
	setup_nodes(3, false);
	lease_of[2] = 0;
	run(T0, 500);
	nodes[0].asks = true;
	for (uint64_t t = T0 + MS(500); t < T0 + MS(2500); t += MS(10)) {
		run(t, 10);
		const struct ballot *b = vote_plane_ballot(&nodes[0].vp, "web");
		const struct vote_slot *s = voter_slot(&nodes[2].vp.voter, "web", t + MS(10));
		if (b && b->until[2])
			ck_assert_msg(s && b->until[2] + MS(SLACK_MS) <= s->until,
				      "n1 counts n3's grant to %llu, n3 is bound to %llu",
				      (unsigned long long)b->until[2],
				      (unsigned long long)(s ? s->until : 0));
	}
	ck_assert(holds(0, T0 + MS(2500)));
	free_nodes();
}
END_TEST

START_TEST(test_carry_keeps_votes_and_grants)
{
	struct quorum q2;
	struct vote_plane vp2;

	setup_nodes(3, false);
	run(T0, 500);
	nodes[0].asks = true;
	run(T0 + MS(500), 300);
	ck_assert(holds(0, T0 + MS(800)));
	ck_assert_int_eq(quorum_init(&q2, names, 3, "n1", 0, DEAD_MS, 0x999), 0);
	vote_plane_init(&vp2, &q2, LEASE_MS, SLACK_MS, T0 + MS(800), false);
	vote_plane_carry(&vp2, &q2, 500, &nodes[0].vp, &nodes[0].q);
	uint64_t end;
	ck_assert(vote_plane_held(&vp2, "web", T0 + MS(800), &end));
	ck_assert_ptr_nonnull(voter_slot(&vp2.voter, "web", T0 + MS(800)));
	ck_assert_uint_eq(vote_plane_ballot(&vp2, "web")->incarnation, 500);
	quorum_free(&q2);
	free_nodes();
}
END_TEST

START_TEST(test_quorum_one_is_not_gated)
{
	struct quorum q;
	struct vote_plane vp;

	ck_assert_int_eq(quorum_init(&q, names, 2, "n1", 1, DEAD_MS, 1), 0);
	vote_plane_init(&vp, &q, LEASE_MS, SLACK_MS, T0, false);
	ck_assert(!vote_plane_gated(&vp));
	quorum_free(&q);
	setup_nodes(3, false);
	ck_assert(vote_plane_gated(&nodes[0].vp));
	free_nodes();
}
END_TEST

static Suite *vote_plane_suite(void)
{
	Suite *s = suite_create("vote_plane");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_master_gathers_a_majority);
	tcase_add_test(tc, test_partial_cut_keeps_the_master);
	tcase_add_test(tc, test_dead_master_loses_its_votes);
	tcase_add_test(tc, test_release_hands_over_at_once);
	tcase_add_test(tc, test_fresh_start_grants_nothing);
	tcase_add_test(tc, test_rival_is_the_best_asking);
	tcase_add_test(tc, test_random_cuts_never_two_holders);
	tcase_add_test(tc, test_shorter_voter_lease_is_respected);
	tcase_add_test(tc, test_carry_keeps_votes_and_grants);
	tcase_add_test(tc, test_quorum_one_is_not_gated);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(vote_plane_suite)
