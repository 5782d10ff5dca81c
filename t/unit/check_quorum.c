/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_quorum.c - unit tests of membership and quorum (src/quorum.c).
 * The clock is injected: times are plain µs values. */
#include <stdio.h>
#include <string.h>

#include "quorum.h"
#include "testutil.h"

#define DEAD_MS 3000
#define DEAD_US ((uint64_t)DEAD_MS * 1000)
#define T0 1000000000ULL /* an arbitrary monotonic start */
#define NO_LIMIT (UINT64_MAX - 1) /* quorum_incarnation_limit's ceiling */
#define NONCE 0x5eed5eed5eed5eedULL     /* ours, this run */
#define OLD_NONCE 0x01d01d01d01d01dULL  /* ours, an earlier run */

static const char *const names7[] = { "n1", "n2", "n3", "n4", "n5", "n6", "n7" };

static struct heartbeat hb_of(const char *node, uint64_t inc, uint64_t seq)
{
	struct heartbeat hb;

	memset(&hb, 0, sizeof(hb));
	snprintf(hb.node, sizeof(hb.node), "%s", node);
	hb.kind = HB_KIND_HEARTBEAT;
	hb.incarnation = inc;
	hb.seq = seq;
	hb.nonce = 0xabc0000000000000ULL | (uint64_t)node[strlen(node) - 1];
	hb.necho = 2; /* it hears us (and someone else) */
	hb.echo[0] = 77;
	hb.echo[1] = NONCE;
	return hb;
}

static enum hb_drop hear(struct quorum *q, const char *node, uint64_t inc, uint64_t seq,
			 uint64_t now)
{
	struct heartbeat hb = hb_of(node, inc, seq);

	return quorum_heard(q, &hb, NULL, now, NO_LIMIT);
}

static struct ip_addr v4(const char *s)
{
	struct ip_addr a;

	ck_assert(ip_addr_parse(s, &a));
	return a;
}

static struct member *member(struct quorum *q, const char *name)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->members[i].name, name) == 0)
			return &q->members[i];
	ck_abort_msg("no member %s", name);
	return NULL;
}

/* A plane restarted by a reload (A1): every member still configured under
 * the same name and address keeps its liveness and anti-replay pair, so
 * quorum holds across the restart and old heartbeats stay replays; a new
 * member, one with another address, and a dropped one start from nothing. */
START_TEST(test_carry_over_restart)
{
	static const char *const before[] = { "n1", "n2", "n3", "n4" };
	static const char *const after[] = { "n3", "n1", "n2", "n5" }; /* reordered */
	struct quorum old, q;
	struct ip_addr a2 = v4("198.51.100.12"), a3 = v4("198.51.100.13");

	ck_assert_int_eq(quorum_init(&old, before, 4, "n1", 0, DEAD_MS, OLD_NONCE), 0);
	quorum_bind_address(&old, 1, &a2);
	quorum_bind_address(&old, 2, &a3);
	struct heartbeat hb = hb_of("n2", 7, 40);

	hb.echo[1] = OLD_NONCE;
	ck_assert_int_eq(quorum_heard(&old, &hb, &a2, T0, NO_LIMIT), HB_OK);
	hb = hb_of("n3", 9, 50);
	hb.echo[1] = OLD_NONCE;
	ck_assert_int_eq(quorum_heard(&old, &hb, &a3, T0, NO_LIMIT), HB_OK);
	hb = hb_of("n4", 3, 5);
	hb.echo[1] = OLD_NONCE;
	ck_assert_int_eq(quorum_heard(&old, &hb, NULL, T0, NO_LIMIT), HB_OK);
	ck_assert(quorum_has(&old, T0 + 1000));

	/* New plane: n2 same address, n3 moved, n4 gone, n5 new; shorter dead. */
	struct ip_addr a3b = v4("198.51.100.23");

	ck_assert_int_eq(quorum_init(&q, after, 4, "n1", 0, DEAD_MS / 2, NONCE), 0);
	quorum_bind_address(&q, 0, &a3b);
	quorum_bind_address(&q, 2, &a2);
	ck_assert(!quorum_has(&q, T0 + 1000)); /* alone, before the carry */
	quorum_carry(&q, &old);
	quorum_free(&old);

	struct member *n2 = member(&q, "n2"), *n3 = member(&q, "n3"), *n5 = member(&q, "n5");

	ck_assert(quorum_member_alive(&q, n2, T0 + 1000));
	ck_assert_uint_eq(n2->incarnation, 7);
	ck_assert_uint_eq(n2->seq, 40);
	ck_assert(ip_addr_equal(&n2->addr, &a2));
	ck_assert(!n3->heard && !quorum_member_alive(&q, n3, T0 + 1000));
	ck_assert(ip_addr_equal(&n3->addr, &a3b));
	ck_assert(!n5->heard);
	ck_assert(member(&q, "n1")->self);
	ck_assert_uint_eq(q.nonce, NONCE);
	/* n1 + n2 of 4: needed 3, no quorum; the carried liveness lapses
	 * after the new dead interval unless n2 echoes the new nonce. */
	ck_assert_uint_eq(quorum_alive(&q, T0 + 1000), 2);
	ck_assert(!quorum_member_alive(&q, n2, T0 + DEAD_US / 2));
	/* Its old pair still guards against replays; the next one is fine. */
	ck_assert_int_eq(quorum_heard(&q, &(struct heartbeat){0}, NULL, T0, NO_LIMIT), HB_DROP_UNKNOWN);
	hb = hb_of("n2", 7, 40);
	ck_assert_int_eq(quorum_heard(&q, &hb, &a2, T0 + 2000, NO_LIMIT), HB_DROP_REPLAY);
	hb = hb_of("n2", 7, 41);
	ck_assert_int_eq(quorum_heard(&q, &hb, &a2, T0 + 2000, NO_LIMIT), HB_OK);
	ck_assert(quorum_member_alive(&q, n2, T0 + 2000 + DEAD_US / 2 - 1));
	quorum_free(&q);
}
END_TEST

/* A carried member keeps liveness and a 3-node quorum holds across the
 * restart (what the old plane lost, A1). */
START_TEST(test_carry_keeps_quorum)
{
	struct quorum old, q;

	ck_assert_int_eq(quorum_init(&old, names7, 3, "n1", 0, DEAD_MS, OLD_NONCE), 0);
	for (int i = 1; i <= 2; i++) {
		struct heartbeat hb = hb_of(names7[i], 5, 10);

		hb.echo[1] = OLD_NONCE;
		ck_assert_int_eq(quorum_heard(&old, &hb, NULL, T0, NO_LIMIT), HB_OK);
	}
	ck_assert_int_eq(quorum_init(&q, names7, 3, "n1", 0, DEAD_MS, NONCE), 0);
	quorum_carry(&q, &old);
	ck_assert(quorum_has(&q, T0 + 1));
	ck_assert_uint_eq(quorum_next_expiry(&q, T0 + 1), T0 + DEAD_US);
	uint64_t echo[CLUSTER_MAX_ECHO];

	/* Our first heartbeat echoes them: they keep counting us alive. */
	ck_assert_uint_eq(quorum_echo(&q, T0 + 1, echo, CLUSTER_MAX_ECHO), 2);
	quorum_free(&old);
	quorum_free(&q);
}
END_TEST

START_TEST(test_majority_defaults)
{
	static const unsigned want[] = { 0, 1, 2, 2, 3, 3, 4, 4 };

	for (size_t n = 1; n <= 7; n++) {
		struct quorum q;

		ck_assert_int_eq(quorum_init(&q, names7, n, "n1", 0, DEAD_MS, NONCE), 0);
		ck_assert_uint_eq(q.n, n);
		ck_assert_msg(q.needed == want[n], "n=%zu: needed %u", n, q.needed);
		ck_assert_uint_eq(quorum_needed(n, 0), want[n]); /* what conf.c asks */
		ck_assert_uint_eq(q.dead_us, DEAD_US);
		/* Alone: quorum only in a cluster of one. */
		ck_assert_int_eq(quorum_has(&q, T0), n == 1);
		quorum_free(&q);
		ck_assert_ptr_null(q.members);
	}
}
END_TEST

START_TEST(test_explicit_needed)
{
	struct quorum q;

	ck_assert_int_eq(quorum_init(&q, names7, 3, "n2", 1, DEAD_MS, NONCE), 0);
	ck_assert_uint_eq(q.needed, 1);
	ck_assert_uint_eq(quorum_needed(3, 1), 1);
	ck_assert(quorum_has(&q, T0));
	quorum_free(&q);

	ck_assert_int_eq(quorum_init(&q, names7, 3, "n2", 3, DEAD_MS, NONCE), 0);
	ck_assert_uint_eq(q.needed, 3);
	ck_assert_int_eq(hear(&q, "n1", 1, 1, T0), HB_OK);
	ck_assert(!quorum_has(&q, T0));
	ck_assert_int_eq(hear(&q, "n3", 1, 1, T0), HB_OK);
	ck_assert(quorum_has(&q, T0));
	quorum_free(&q);
}
END_TEST

START_TEST(test_init_errors)
{
	static const char *const dup[] = { "a", "b", "a" };
	static const char *const empty[] = { "a", "" };
	char long_name[CLUSTD_NAME_MAX + 1];
	const char *with_long[] = { "a", long_name };
	struct quorum q;

	memset(long_name, 'x', CLUSTD_NAME_MAX);
	long_name[CLUSTD_NAME_MAX] = '\0';
	ck_assert_int_eq(quorum_init(&q, names7, 3, "n9", 0, DEAD_MS, NONCE), -1);
	ck_assert_ptr_null(q.members);
	ck_assert_int_eq(quorum_init(&q, names7, 0, "n1", 0, DEAD_MS, NONCE), -1);
	ck_assert_int_eq(quorum_init(&q, dup, 3, "a", 0, DEAD_MS, NONCE), -1);
	ck_assert_int_eq(quorum_init(&q, empty, 2, "a", 0, DEAD_MS, NONCE), -1);
	ck_assert_int_eq(quorum_init(&q, with_long, 2, "a", 0, DEAD_MS, NONCE), -1);
	/* Self must be found by its whole name, not a prefix. */
	ck_assert_int_eq(quorum_init(&q, names7, 3, "n", 0, DEAD_MS, NONCE), -1);
}
END_TEST

START_TEST(test_self)
{
	struct quorum q;

	ck_assert_int_eq(quorum_init(&q, names7, 3, "n2", 0, DEAD_MS, NONCE), 0);
	ck_assert(member(&q, "n2")->self);
	ck_assert(!member(&q, "n1")->self);
	/* Self is alive without ever being heard, at any time. */
	ck_assert(quorum_member_alive(&q, member(&q, "n2"), 0));
	ck_assert(quorum_member_alive(&q, member(&q, "n2"), UINT64_MAX));
	ck_assert_uint_eq(quorum_alive(&q, T0), 1);
	/* Our own heartbeat (multicast loop) is dropped and changes nothing. */
	ck_assert_int_eq(hear(&q, "n2", 5, 5, T0), HB_DROP_SELF);
	ck_assert(!member(&q, "n2")->heard);
	ck_assert_uint_eq(quorum_alive(&q, T0), 1);
	quorum_free(&q);
}
END_TEST

START_TEST(test_unknown_member)
{
	struct quorum q;

	ck_assert_int_eq(quorum_init(&q, names7, 3, "n1", 0, DEAD_MS, NONCE), 0);
	ck_assert_int_eq(hear(&q, "n4", 1, 1, T0), HB_DROP_UNKNOWN);
	ck_assert_int_eq(hear(&q, "n", 1, 1, T0), HB_DROP_UNKNOWN);
	ck_assert_int_eq(hear(&q, "n22", 1, 1, T0), HB_DROP_UNKNOWN);
	ck_assert_uint_eq(quorum_alive(&q, T0), 1);
	quorum_free(&q);
}
END_TEST

START_TEST(test_never_heard_is_dead)
{
	struct quorum q;

	ck_assert_int_eq(quorum_init(&q, names7, 3, "n1", 0, DEAD_MS, NONCE), 0);
	ck_assert(!quorum_member_alive(&q, member(&q, "n2"), 0));
	ck_assert(!quorum_member_alive(&q, member(&q, "n2"), T0));
	quorum_free(&q);
}
END_TEST

START_TEST(test_dead_boundary)
{
	struct quorum q;

	ck_assert_int_eq(quorum_init(&q, names7, 3, "n1", 0, DEAD_MS, NONCE), 0);
	ck_assert_int_eq(hear(&q, "n2", 1, 1, T0), HB_OK);
	struct member *m = member(&q, "n2");

	ck_assert(m->heard);
	ck_assert_uint_eq(m->last_heard, T0);
	ck_assert(quorum_member_alive(&q, m, T0));
	ck_assert(quorum_member_alive(&q, m, T0 + DEAD_US - 1));
	ck_assert(!quorum_member_alive(&q, m, T0 + DEAD_US));
	ck_assert(!quorum_member_alive(&q, m, T0 + 10 * DEAD_US));
	ck_assert(quorum_has(&q, T0 + DEAD_US - 1));
	ck_assert(!quorum_has(&q, T0 + DEAD_US));
	/* Heard again after its death: alive again from then on. */
	ck_assert_int_eq(hear(&q, "n2", 1, 2, T0 + 2 * DEAD_US), HB_OK);
	ck_assert(quorum_has(&q, T0 + 3 * DEAD_US - 1));
	ck_assert(!quorum_has(&q, T0 + 3 * DEAD_US));
	quorum_free(&q);
}
END_TEST

START_TEST(test_replay_rules)
{
	struct quorum q;

	ck_assert_int_eq(quorum_init(&q, names7, 3, "n1", 0, DEAD_MS, NONCE), 0);
	/* Fresh member: anything goes, even (0, 0). */
	ck_assert_int_eq(hear(&q, "n2", 0, 0, T0), HB_OK);
	ck_assert_int_eq(hear(&q, "n2", 0, 0, T0 + 1), HB_DROP_REPLAY);
	ck_assert_int_eq(hear(&q, "n2", 100, 10, T0 + 2), HB_OK);
	ck_assert_uint_eq(member(&q, "n2")->last_heard, T0 + 2);

	/* Same seq, lower seq: replays. A replay does not refresh liveness. */
	ck_assert_int_eq(hear(&q, "n2", 100, 10, T0 + 3), HB_DROP_REPLAY);
	ck_assert_int_eq(hear(&q, "n2", 100, 9, T0 + 4), HB_DROP_REPLAY);
	ck_assert_int_eq(hear(&q, "n2", 100, 0, T0 + 4), HB_DROP_REPLAY);
	ck_assert_uint_eq(member(&q, "n2")->last_heard, T0 + 2);
	ck_assert(!quorum_member_alive(&q, member(&q, "n2"), T0 + 2 + DEAD_US));

	/* Older incarnation, even with a much higher seq. */
	ck_assert_int_eq(hear(&q, "n2", 99, UINT64_MAX, T0 + 5), HB_DROP_REPLAY);
	ck_assert_uint_eq(member(&q, "n2")->seq, 10);

	/* Next seq of the same incarnation. */
	ck_assert_int_eq(hear(&q, "n2", 100, 11, T0 + 6), HB_OK);

	/* A restart: newer incarnation, seq starting again at 1. */
	ck_assert_int_eq(hear(&q, "n2", 101, 1, T0 + 7), HB_OK);
	ck_assert_uint_eq(member(&q, "n2")->incarnation, 101);
	ck_assert_uint_eq(member(&q, "n2")->seq, 1);
	/* ...after which the old incarnation's later heartbeats are replays. */
	ck_assert_int_eq(hear(&q, "n2", 100, 12, T0 + 8), HB_DROP_REPLAY);
	ck_assert_int_eq(hear(&q, "n2", 101, 2, T0 + 9), HB_OK);
	ck_assert_uint_eq(member(&q, "n2")->last_heard, T0 + 9);

	/* Members are independent: n3 is fresh whatever n2 sent. */
	ck_assert_int_eq(hear(&q, "n3", 1, 1, T0 + 10), HB_OK);
	quorum_free(&q);
}
END_TEST

/* B2: in unicast mode a name is bound to its member's address. n2 signed
 * with the right key but sent from n3's address is not n2. */
START_TEST(test_source_binding)
{
	struct quorum q;
	struct ip_addr a1 = v4("198.51.100.11"), a2 = v4("198.51.100.12"), a3 = v4("198.51.100.13");
	struct heartbeat hb = hb_of("n2", 5, 1);

	ck_assert_int_eq(quorum_init(&q, names7, 3, "n1", 0, DEAD_MS, NONCE), 0);
	quorum_bind_address(&q, 0, &a1);
	quorum_bind_address(&q, 1, &a2);
	quorum_bind_address(&q, 2, &a3);
	ck_assert_int_eq(quorum_heard(&q, &hb, &a3, T0, NO_LIMIT), HB_DROP_SOURCE);
	ck_assert(!member(&q, "n2")->heard);
	ck_assert(!quorum_member_alive(&q, member(&q, "n2"), T0));
	ck_assert_uint_eq(quorum_alive(&q, T0), 1);
	/* The real one still gets in afterwards, at the same pair. */
	ck_assert_int_eq(quorum_heard(&q, &hb, &a2, T0 + 1, NO_LIMIT), HB_OK);
	ck_assert(quorum_member_alive(&q, member(&q, "n2"), T0 + 1));
	/* NULL source (multicast mode): not checked. */
	hb.seq = 2;
	ck_assert_int_eq(quorum_heard(&q, &hb, NULL, T0 + 2, NO_LIMIT), HB_OK);
	/* Who sits at an address, for the check before the MAC. */
	ck_assert_ptr_eq(quorum_member_at(&q, &a3), member(&q, "n3"));
	struct ip_addr other = v4("198.51.100.200");
	ck_assert_ptr_null(quorum_member_at(&q, &other));
	quorum_free(&q);
}
END_TEST

/* B2: an incarnation far above the wall clock would silence the member
 * (all its real heartbeats replays) until we restart. */
START_TEST(test_future_incarnation)
{
	const uint64_t wall = 1796000000; /* late 2026 */
	uint64_t limit = quorum_incarnation_limit(wall, 0);
	struct quorum q;
	struct heartbeat hb = hb_of("n2", UINT64_MAX, 1);

	ck_assert_uint_eq(limit, wall + QUORUM_INCARNATION_AHEAD_S);
	ck_assert_int_eq(quorum_init(&q, names7, 3, "n1", 0, DEAD_MS, NONCE), 0);
	ck_assert_int_eq(quorum_heard(&q, &hb, NULL, T0, limit), HB_DROP_FUTURE);
	ck_assert(!member(&q, "n2")->heard);
	hb.incarnation = limit + 1;
	ck_assert_int_eq(quorum_heard(&q, &hb, NULL, T0, limit), HB_DROP_FUTURE);
	/* The real incarnation is still accepted afterwards; the limit itself too. */
	hb.incarnation = wall - 100;
	ck_assert_int_eq(quorum_heard(&q, &hb, NULL, T0 + 1, limit), HB_OK);
	hb.incarnation = limit;
	ck_assert_int_eq(quorum_heard(&q, &hb, NULL, T0 + 2, limit), HB_OK);
	quorum_free(&q);
	/* Our own incarnation ahead of a clock that went back raises the limit;
	 * the limit never reaches UINT64_MAX (one more must stay a number). */
	ck_assert_uint_eq(quorum_incarnation_limit(5, wall), wall + QUORUM_INCARNATION_AHEAD_S);
	ck_assert_uint_eq(quorum_incarnation_limit(0, 0), QUORUM_INCARNATION_AHEAD_S);
	ck_assert_uint_eq(quorum_incarnation_limit(UINT64_MAX, 0), UINT64_MAX - 1);
	ck_assert_uint_eq(quorum_incarnation_limit(0, UINT64_MAX - QUORUM_INCARNATION_AHEAD_S - 1),
			  UINT64_MAX - 1);
	ck_assert_uint_eq(quorum_incarnation_limit(UINT64_MAX - QUORUM_INCARNATION_AHEAD_S - 2, 0),
			  UINT64_MAX - 2);
}
END_TEST

/* B5: liveness needs a fresh exchange. A member counts as alive only on
 * heartbeats that echo our nonce of this run. */
START_TEST(test_fresh_needs_echo)
{
	struct quorum q;
	struct heartbeat hb = hb_of("n2", 40, 1);

	ck_assert_int_eq(quorum_init(&q, names7, 3, "n1", 0, DEAD_MS, NONCE), 0);
	/* A recording of an earlier run: it echoes our old nonce. Accepted as
	 * n2's history (a newer pair), but n2 is not alive, however many
	 * consecutive heartbeats are replayed. */
	hb.echo[1] = OLD_NONCE;
	for (uint64_t k = 1; k <= 20; k++) {
		hb.seq = k;
		ck_assert_int_eq(quorum_heard(&q, &hb, NULL, T0 + k * 100000, NO_LIMIT), HB_OK);
		ck_assert(!quorum_member_alive(&q, member(&q, "n2"), T0 + k * 100000));
	}
	ck_assert(member(&q, "n2")->heard);
	ck_assert_uint_eq(quorum_alive(&q, T0 + 2000000), 1);
	ck_assert_uint_eq(quorum_next_expiry(&q, T0 + 2000000), 0);
	/* No echo at all (it has not heard us yet): not alive either. */
	hb.necho = 0;
	hb.seq = 21;
	ck_assert_int_eq(quorum_heard(&q, &hb, NULL, T0 + 2100000, NO_LIMIT), HB_OK);
	ck_assert(!quorum_member_alive(&q, member(&q, "n2"), T0 + 2100000));
	/* The real n2, hearing us: alive from then on, for the dead interval. */
	hb = hb_of("n2", 41, 1);
	ck_assert_int_eq(quorum_heard(&q, &hb, NULL, T0 + 3000000, NO_LIMIT), HB_OK);
	ck_assert(quorum_member_alive(&q, member(&q, "n2"), T0 + 3000000));
	ck_assert(quorum_has(&q, T0 + 3000000));
	ck_assert_uint_eq(quorum_next_expiry(&q, T0 + 3000000), T0 + 3000000 + DEAD_US);
	/* Later heartbeats that no longer echo us (it stopped hearing us: a
	 * one-way cut) are accepted but do not extend its life. */
	hb.seq = 2;
	hb.necho = 0;
	ck_assert_int_eq(quorum_heard(&q, &hb, NULL, T0 + 3500000, NO_LIMIT), HB_OK);
	ck_assert_uint_eq(member(&q, "n2")->last_heard, T0 + 3500000);
	ck_assert(quorum_member_alive(&q, member(&q, "n2"), T0 + 3000000 + DEAD_US - 1));
	ck_assert(!quorum_member_alive(&q, member(&q, "n2"), T0 + 3000000 + DEAD_US));
	quorum_free(&q);
}
END_TEST

/* What we echo: the nonces of the members heard within the dead
 * interval, fresh or not (else two new nodes would wait for each other). */
START_TEST(test_echo_list)
{
	struct quorum q;
	uint64_t out[CLUSTER_MAX_ECHO];
	struct heartbeat hb = hb_of("n2", 1, 1);

	ck_assert_int_eq(quorum_init(&q, names7, 4, "n1", 0, DEAD_MS, NONCE), 0);
	ck_assert_uint_eq(quorum_echo(&q, T0, out, CLUSTER_MAX_ECHO), 0);
	hb.necho = 0;
	hb.nonce = 222;
	ck_assert_int_eq(quorum_heard(&q, &hb, NULL, T0, NO_LIMIT), HB_OK);
	hb = hb_of("n3", 1, 1);
	hb.nonce = 333;
	ck_assert_int_eq(quorum_heard(&q, &hb, NULL, T0 + 1000, NO_LIMIT), HB_OK);
	ck_assert_uint_eq(quorum_echo(&q, T0 + 1000, out, CLUSTER_MAX_ECHO), 2);
	ck_assert_uint_eq(out[0], 222);
	ck_assert_uint_eq(out[1], 333);
	ck_assert_uint_eq(quorum_echo(&q, T0 + 1000, out, 1), 1);
	/* n2 silent for the dead interval: no longer echoed. */
	ck_assert_uint_eq(quorum_echo(&q, T0 + DEAD_US, out, CLUSTER_MAX_ECHO), 1);
	ck_assert_uint_eq(out[0], 333);
	quorum_free(&q);
}
END_TEST

/* Counters pieces: same sender checks, current incarnation, growing seq. */
START_TEST(test_piece_from)
{
	struct quorum q;
	struct heartbeat hb = hb_of("n2", 7, 10), piece;
	size_t i = 99;

	memset(&piece, 0, sizeof(piece));
	piece.kind = HB_KIND_PIECE;
	snprintf(piece.node, sizeof(piece.node), "n2");
	piece.incarnation = 7;
	piece.seq = 11;
	ck_assert_int_eq(quorum_init(&q, names7, 3, "n1", 0, DEAD_MS, NONCE), 0);
	/* Before any heartbeat of that incarnation: refused. */
	ck_assert_int_eq(quorum_piece_from(&q, &piece, NULL, NO_LIMIT, &i), HB_DROP_REPLAY);
	ck_assert_int_eq(quorum_heard(&q, &hb, NULL, T0, NO_LIMIT), HB_OK);
	ck_assert_int_eq(quorum_piece_from(&q, &piece, NULL, NO_LIMIT, &i), HB_OK);
	ck_assert_uint_eq(i, 1);
	/* The same piece again, an older one: replays. */
	ck_assert_int_eq(quorum_piece_from(&q, &piece, NULL, NO_LIMIT, &i), HB_DROP_REPLAY);
	piece.seq = 5;
	ck_assert_int_eq(quorum_piece_from(&q, &piece, NULL, NO_LIMIT, &i), HB_DROP_REPLAY);
	/* Another incarnation than the heartbeats': refused. */
	piece.seq = 12;
	piece.incarnation = 6;
	ck_assert_int_eq(quorum_piece_from(&q, &piece, NULL, NO_LIMIT, &i), HB_DROP_REPLAY);
	piece.incarnation = 7;
	ck_assert_int_eq(quorum_piece_from(&q, &piece, NULL, NO_LIMIT, &i), HB_OK);
	/* Sender checks as for heartbeats. */
	ck_assert_int_eq(quorum_piece_from(&q, &piece, NULL, 6, &i), HB_DROP_FUTURE);
	snprintf(piece.node, sizeof(piece.node), "n1");
	ck_assert_int_eq(quorum_piece_from(&q, &piece, NULL, NO_LIMIT, &i), HB_DROP_SELF);
	snprintf(piece.node, sizeof(piece.node), "zz");
	ck_assert_int_eq(quorum_piece_from(&q, &piece, NULL, NO_LIMIT, &i), HB_DROP_UNKNOWN);
	/* A restart of n2 starts its piece sequence again. */
	hb = hb_of("n2", 8, 1);
	ck_assert_int_eq(quorum_heard(&q, &hb, NULL, T0 + 1, NO_LIMIT), HB_OK);
	snprintf(piece.node, sizeof(piece.node), "n2");
	piece.incarnation = 8;
	piece.seq = 2;
	ck_assert_int_eq(quorum_piece_from(&q, &piece, NULL, NO_LIMIT, &i), HB_OK);
	quorum_free(&q);
}
END_TEST

START_TEST(test_last_kept)
{
	struct quorum q;
	struct heartbeat hb = hb_of("n3", 7, 8);

	hb.has_quorum = true;
	hb.ninstances = 1;
	snprintf(hb.instances[0].name, CLUSTD_NAME_MAX, "vi_1");
	hb.instances[0].priority = 150;
	ck_assert_int_eq(quorum_init(&q, names7, 3, "n1", 0, DEAD_MS, NONCE), 0);
	ck_assert_int_eq(quorum_heard(&q, &hb, NULL, T0, NO_LIMIT), HB_OK);

	const struct member *m = member(&q, "n3");

	ck_assert(m->last.has_quorum);
	ck_assert_uint_eq(m->last.ninstances, 1);
	ck_assert_str_eq(m->last.instances[0].name, "vi_1");
	ck_assert_uint_eq(m->last.instances[0].priority, 150);

	/* A replay does not overwrite the status view. */
	hb.instances[0].priority = 1;
	ck_assert_int_eq(quorum_heard(&q, &hb, NULL, T0 + 1, NO_LIMIT), HB_DROP_REPLAY);
	ck_assert_uint_eq(m->last.instances[0].priority, 150);
	quorum_free(&q);
}
END_TEST

/* 3 nodes: quorum needs 2 (self + one). */
START_TEST(test_three_nodes)
{
	struct quorum q;
	uint64_t t = T0;

	ck_assert_int_eq(quorum_init(&q, names7, 3, "n1", 0, DEAD_MS, NONCE), 0);
	ck_assert(!quorum_has(&q, t));
	ck_assert_int_eq(hear(&q, "n2", 1, 1, t), HB_OK);
	ck_assert_int_eq(hear(&q, "n3", 1, 1, t + 500000), HB_OK);
	ck_assert_uint_eq(quorum_alive(&q, t + 500000), 3);
	ck_assert(quorum_has(&q, t + 500000));

	/* n2 falls silent: 2 of 3 still alive. */
	t += DEAD_US;
	ck_assert_uint_eq(quorum_alive(&q, t), 2);
	ck_assert(quorum_has(&q, t));

	/* n3 too: self alone is a minority. */
	t += 500000;
	ck_assert_uint_eq(quorum_alive(&q, t), 1);
	ck_assert(!quorum_has(&q, t));

	/* n3 comes back. */
	ck_assert_int_eq(hear(&q, "n3", 1, 2, t + 1), HB_OK);
	ck_assert(quorum_has(&q, t + 1));
	quorum_free(&q);
}
END_TEST

/* 5 nodes: quorum needs 3; members die one by one as their heartbeats
 * stop, each at a different time. */
START_TEST(test_five_nodes)
{
	static const bool want[] = { true, true, true, false, false };
	struct quorum q;

	ck_assert_int_eq(quorum_init(&q, names7, 5, "n3", 0, DEAD_MS, NONCE), 0);
	ck_assert_uint_eq(q.needed, 3);
	/* n1, n2, n4, n5 last heard at T0, T0+0.5s, T0+1s, T0+1.5s. */
	ck_assert_int_eq(hear(&q, "n1", 1, 1, T0), HB_OK);
	ck_assert_int_eq(hear(&q, "n2", 1, 1, T0 + 500000), HB_OK);
	ck_assert_int_eq(hear(&q, "n4", 1, 1, T0 + 1000000), HB_OK);
	ck_assert_int_eq(hear(&q, "n5", 1, 1, T0 + 1500000), HB_OK);
	ck_assert_uint_eq(quorum_alive(&q, T0 + 1500000), 5);
	for (unsigned dead = 1; dead <= 4; dead++) {
		uint64_t at = T0 + (dead - 1) * 500000ULL + DEAD_US;

		ck_assert_uint_eq(quorum_alive(&q, at - 1), 5 - (dead - 1));
		ck_assert_uint_eq(quorum_alive(&q, at), 5 - dead);
		ck_assert_msg(quorum_has(&q, at) == want[dead], "with %u dead", dead);
	}
	quorum_free(&q);
}
END_TEST

START_TEST(test_next_expiry)
{
	struct quorum q;

	ck_assert_int_eq(quorum_init(&q, names7, 4, "n1", 0, DEAD_MS, NONCE), 0);
	/* Nobody heard: nothing can expire. */
	ck_assert_uint_eq(quorum_next_expiry(&q, T0), 0);
	hear(&q, "n2", 1, 1, T0 + 200);
	hear(&q, "n3", 1, 1, T0 + 100);
	hear(&q, "n4", 1, 1, T0 + 300);
	ck_assert_uint_eq(quorum_next_expiry(&q, T0 + 300), T0 + 100 + DEAD_US);
	/* n3 is dead: the next is n2's. */
	ck_assert_uint_eq(quorum_next_expiry(&q, T0 + 100 + DEAD_US), T0 + 200 + DEAD_US);
	/* n3 heard again: n2 stays first. */
	hear(&q, "n3", 1, 2, T0 + 1000);
	ck_assert_uint_eq(quorum_next_expiry(&q, T0 + 1000), T0 + 200 + DEAD_US);
	/* All dead: nothing left to expire. */
	ck_assert_uint_eq(quorum_next_expiry(&q, T0 + 1000 + DEAD_US), 0);
	quorum_free(&q);
}
END_TEST

/* The deadline quorum_next_expiry gives is exactly where the verdict
 * changes. */
START_TEST(test_next_expiry_matches_verdict)
{
	struct quorum q;

	ck_assert_int_eq(quorum_init(&q, names7, 3, "n1", 0, DEAD_MS, NONCE), 0);
	hear(&q, "n2", 1, 1, T0);
	uint64_t at = quorum_next_expiry(&q, T0);

	ck_assert_uint_gt(at, T0);
	ck_assert(quorum_has(&q, at - 1));
	ck_assert(!quorum_has(&q, at));
	quorum_free(&q);
}
END_TEST

START_TEST(test_bound)
{
	/* D + S <= 2I. */
	ck_assert(quorum_bound_ok(1950, 50, 1000));
	ck_assert(!quorum_bound_ok(1951, 50, 1000));
	ck_assert(quorum_bound_ok(3000, 50, 1525));
	ck_assert(!quorum_bound_ok(3000, 50, 1524));
	ck_assert(quorum_bound_ok(0, 0, 0));
	ck_assert(!quorum_bound_ok(1, 0, 0));
	/* No overflow at the extremes. */
	ck_assert(!quorum_bound_ok(UINT32_MAX, UINT32_MAX, UINT32_MAX / 2));
	ck_assert(quorum_bound_ok(UINT32_MAX, UINT32_MAX, UINT32_MAX));
	ck_assert(!quorum_bound_ok(UINT32_MAX, 1, UINT32_MAX / 2));
}
END_TEST

/* The largest dead interval is the bound's edge: it holds, one more not. */
START_TEST(test_dead_max)
{
	static const uint32_t slacks[] = { 0, 1, 50, 1999, 2000, 2001, 10000 };
	static const uint32_t adverts[] = { 0, 1, 30, 1000, 1525, 40950 };

	for (size_t s = 0; s < sizeof(slacks) / sizeof(slacks[0]); s++) {
		for (size_t a = 0; a < sizeof(adverts) / sizeof(adverts[0]); a++) {
			uint32_t max = quorum_dead_max_ms(slacks[s], adverts[a]);
			bool none = slacks[s] > 2ull * adverts[a];

			ck_assert_msg(none ? max == 0 : quorum_bound_ok(max, slacks[s], adverts[a]),
				      "slack %u advert %u: max %u", slacks[s], adverts[a], max);
			ck_assert(!quorum_bound_ok(max + 1, slacks[s], adverts[a]));
		}
	}
	ck_assert_uint_eq(quorum_dead_max_ms(50, 1000), 1950);
	ck_assert_uint_eq(quorum_dead_max_ms(2000, 1000), 0);
	ck_assert_uint_eq(quorum_dead_max_ms(2001, 1000), 0);
	/* 2 x UINT32_MAX does not fit: capped (and still within the bound). */
	ck_assert_uint_eq(quorum_dead_max_ms(0, UINT32_MAX), UINT32_MAX);
	ck_assert(quorum_bound_ok(quorum_dead_max_ms(1, UINT32_MAX), 1, UINT32_MAX));
}
END_TEST

static Suite *quorum_suite(void)
{
	Suite *s = suite_create("quorum");
	TCase *members = tcase_create("members");
	TCase *verdict = tcase_create("verdict");

	tcase_add_test(members, test_majority_defaults);
	tcase_add_test(members, test_explicit_needed);
	tcase_add_test(members, test_init_errors);
	tcase_add_test(members, test_self);
	tcase_add_test(members, test_unknown_member);
	tcase_add_test(members, test_never_heard_is_dead);
	tcase_add_test(members, test_replay_rules);
	tcase_add_test(members, test_last_kept);
	tcase_add_test(members, test_source_binding);
	tcase_add_test(members, test_future_incarnation);
	tcase_add_test(members, test_fresh_needs_echo);
	tcase_add_test(members, test_echo_list);
	tcase_add_test(members, test_piece_from);
	suite_add_tcase(s, members);

	tcase_add_test(verdict, test_dead_boundary);
	tcase_add_test(verdict, test_three_nodes);
	tcase_add_test(verdict, test_five_nodes);
	tcase_add_test(verdict, test_next_expiry);
	tcase_add_test(verdict, test_next_expiry_matches_verdict);
	tcase_add_test(verdict, test_bound);
	tcase_add_test(verdict, test_dead_max);
	tcase_add_test(verdict, test_carry_over_restart);
	tcase_add_test(verdict, test_carry_keeps_quorum);
	suite_add_tcase(s, verdict);
	return s;
}

CLUSTD_TEST_MAIN(quorum_suite)
