/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_votes.c - unit tests of mastership by granted votes (src/votes.c):
 * the timing rules, the voter, the sent ring and the candidate's ballot.
 * The clock is injected: times are plain µs values. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "votes.h"

#define LEASE_MS 1000u
#define HOLD_US 1001000ull   /* L(1 + ρ) for LEASE_MS */
#define SLACK_MS 50u
#define SPAN_US 949000ull    /* L(1 - ρ) - S for LEASE_MS, SLACK_MS */
#define T0 1000000000ull     /* an arbitrary monotonic start (voter's clock) */
#define PPM 1000000ull
#define INC 7ull             /* the candidates' incarnation */

/* ---- helpers ----------------------------------------------------------- */

static struct voter voter_at(uint64_t now)
{
	struct voter v;

	voter_init(&v, LEASE_MS, now, false);
	return v;
}

/* An alive candidate asks; returns the answer, *why on a refusal. */
static enum vote_answer ask_why(struct voter *v, const char *inst, const char *who, uint8_t prio,
				uint64_t seq, uint64_t now, enum vote_refusal *why)
{
	return voter_request(v, inst, who, prio, INC, seq, true, now, why);
}

static enum vote_answer ask(struct voter *v, const char *inst, const char *who, uint8_t prio,
			    uint64_t seq, uint64_t now)
{
	enum vote_refusal why = VOTE_REFUSED__COUNT;

	return ask_why(v, inst, who, prio, seq, now, &why);
}

static const char *grantee(const struct voter *v, const char *inst, uint64_t now)
{
	const struct vote_slot *s = voter_slot(v, inst, now);

	return s ? s->grantee : "";
}

/* web's vote granted to n2 (seq 5) at T0. */
static struct voter web_to_n2(void)
{
	struct voter v = voter_at(T0);

	ck_assert_int_eq(ask(&v, "web", "n2", 100, 5, T0), VOTE_GRANTED);
	return v;
}

/* web's vote granted to n2 (seq 5) at T0; n3 (priority 200, seq 40)
 * asked at T0 + 10 and waits; n2 renewed at T0 + 900000 (seq 6), so the
 * vote stays bound past T0 + 10 + HOLD_US, when n3's request goes stale. */
#define RENEWED_AT (T0 + 900000)
static struct voter bound_with_waiter(void)
{
	struct voter v = web_to_n2();

	ck_assert_int_eq(ask(&v, "web", "n3", 200, 40, T0 + 10), VOTE_REFUSED);
	ck_assert_int_eq(ask(&v, "web", "n2", 100, 6, RENEWED_AT), VOTE_RENEWED);
	ck_assert_str_eq(voter_slot(&v, "web", RENEWED_AT)->waiter, "n3");
	return v;
}

static const char *inst_name(unsigned i, char buf[16])
{
	snprintf(buf, 16, "i%u", i);
	return buf;
}

static struct hb_request req(const char *name, uint8_t prio)
{
	struct hb_request r;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	r.priority = prio;
	return r;
}

static struct hb_vote vote_of(const char *inst, const char *to, uint64_t inc, uint64_t seq,
			      uint32_t remaining_ms)
{
	struct hb_vote hv;

	memset(&hv, 0, sizeof(hv));
	snprintf(hv.instance, sizeof(hv.instance), "%s", inst);
	snprintf(hv.grantee, sizeof(hv.grantee), "%s", to);
	hv.incarnation = inc;
	hv.seq = seq;
	hv.remaining_ms = remaining_ms;
	return hv;
}

/* ---- timing ------------------------------------------------------------ */

/* ρL is exactly lease_ms µs (ρ = 1e-3): no rounding with whole ms. */
START_TEST(test_hold_and_span_values)
{
	ck_assert_uint_eq(votes_grantor_hold_us(LEASE_MS), HOLD_US);
	ck_assert_uint_eq(votes_grantee_span_us(LEASE_MS, SLACK_MS), SPAN_US);
	ck_assert_uint_eq(votes_grantor_hold_us(1), 1001);
	ck_assert_uint_eq(votes_grantee_span_us(1, 0), 999);
	ck_assert_uint_eq(votes_grantor_hold_us(1001), 1001000 + 1001);
	ck_assert_uint_eq(votes_grantee_span_us(1001, 1), 1001000 - 1001 - 1000);
	/* The largest lease does not overflow. */
	ck_assert_uint_eq(votes_grantor_hold_us(UINT32_MAX), (uint64_t)UINT32_MAX * 1001);
	/* The slack eats the lease: no span at all (not a wrapped one). */
	ck_assert_uint_eq(votes_grantee_span_us(100, 100), 0);
	ck_assert_uint_eq(votes_grantee_span_us(100, 5000), 0);
}
END_TEST

/* Renewal rule L(1 - ρ) - S >= 4H, H = 100, S = 50: least lease 451 ms. */
START_TEST(test_timing_check_renewal_bound)
{
	uint32_t bound = 0;

	ck_assert_ptr_null(votes_timing_check(451, 50, 100, 1000, &bound));
	ck_assert_uint_eq(bound, 0); /* untouched when the lease is fine */
	const char *why = votes_timing_check(450, 50, 100, 1000, &bound);

	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "too short"));
	ck_assert_uint_eq(bound, 451);
}
END_TEST

/* Failover rule L(1 + ρ) <= 2I, I = 1000: greatest lease 1998 ms. */
START_TEST(test_timing_check_failover_bound)
{
	uint32_t bound = 0;

	ck_assert_ptr_null(votes_timing_check(1998, 50, 100, 1000, &bound));
	const char *why = votes_timing_check(1999, 50, 100, 1000, &bound);

	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "failover"));
	ck_assert_uint_eq(bound, 1998);
}
END_TEST

/* Over many settings, the bound reported is the edge itself: the lease at
 * the bound passes that rule, one ms beyond fails it. */
START_TEST(test_timing_check_bounds_sweep)
{
	static const uint32_t hbs[] = { 10, 33, 100, 250, 1000 };
	static const uint32_t slacks[] = { 0, 1, 50, 333 };
	unsigned renew_seen = 0, failover_seen = 0;

	for (size_t h = 0; h < sizeof(hbs) / sizeof(hbs[0]); h++) {
		for (size_t s = 0; s < sizeof(slacks) / sizeof(slacks[0]); s++) {
			uint32_t big_advert = 1000000, bound = 0, b2 = 0;
			const char *why;

			/* Renewal: with adverts so long the failover rule never bites. */
			why = votes_timing_check(1, slacks[s], hbs[h], big_advert, &bound);
			ck_assert_ptr_nonnull(why);
			ck_assert_ptr_null(votes_timing_check(bound, slacks[s], hbs[h], big_advert, &b2));
			ck_assert_ptr_nonnull(votes_timing_check(bound - 1, slacks[s], hbs[h],
								 big_advert, &b2));
			ck_assert_uint_eq(b2, bound);
			renew_seen++;

			/* Failover: an advert of the same order. */
			uint32_t advert = bound / 2 + hbs[h];
			uint32_t most = 0;

			why = votes_timing_check(UINT32_MAX / 2, 0, 1, advert, &most);
			ck_assert_ptr_nonnull(why);
			ck_assert_ptr_null(votes_timing_check(most, 0, 1, advert, &b2));
			ck_assert_ptr_nonnull(votes_timing_check(most + 1, 0, 1, advert, &b2));
			ck_assert_uint_eq(b2, most);
			ck_assert_uint_le(votes_grantor_hold_us(most), 2000ull * advert);
			ck_assert_uint_gt(votes_grantor_hold_us(most + 1), 2000ull * advert);
			failover_seen++;
		}
	}
	ck_assert_uint_eq(renew_seen, 20);
	ck_assert_uint_eq(failover_seen, 20);
}
END_TEST

START_TEST(test_outranks)
{
	ck_assert(votes_outranks(150, "n1", 100, "n9"));
	ck_assert(!votes_outranks(100, "n9", 150, "n1"));
	ck_assert(votes_outranks(100, "n2", 100, "n1"));
	ck_assert(!votes_outranks(100, "n1", 100, "n2"));
	ck_assert(!votes_outranks(100, "n1", 100, "n1"));
}
END_TEST

/* ---- the voter: granting and refusing ---------------------------------- */

START_TEST(test_grant_first_request)
{
	struct voter v = voter_at(T0);

	ck_assert_int_eq(voter_request(&v, "web", "n2", 100, INC, 5, true, T0 + 10, NULL),
			 VOTE_GRANTED);
	const struct vote_slot *s = voter_slot(&v, "web", T0 + 10);

	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->grantee, "n2");
	ck_assert_uint_eq(s->until, T0 + 10 + HOLD_US);
	ck_assert_uint_eq(s->incarnation, INC);
	ck_assert_uint_eq(s->seq, 5);
	ck_assert_uint_eq(s->since, T0 + 10);
	ck_assert(!s->waiting);
	ck_assert_uint_eq(v.granted, 1);
	ck_assert_uint_eq(v.renewed, 0);
	/* Another instance is a vote of its own. */
	ck_assert_int_eq(ask(&v, "db", "n3", 100, 9, T0 + 20), VOTE_GRANTED);
	ck_assert_str_eq(grantee(&v, "db", T0 + 20), "n3");
	ck_assert_str_eq(grantee(&v, "web", T0 + 20), "n2");
	ck_assert_uint_eq(v.granted, 2);
}
END_TEST

/* Each request of the grantee moves the binding to t_recv + L(1 + ρ) and
 * answers that request; `since` stays. */
START_TEST(test_renewal_moves_binding)
{
	struct voter v = web_to_n2();

	ck_assert_int_eq(ask(&v, "web", "n2", 100, 6, T0 + 300000), VOTE_RENEWED);
	const struct vote_slot *s = voter_slot(&v, "web", T0 + 300000);

	ck_assert_uint_eq(s->until, T0 + 300000 + HOLD_US);
	ck_assert_uint_eq(s->seq, 6);
	ck_assert_uint_eq(s->since, T0);
	ck_assert_uint_eq(v.granted, 1);
	ck_assert_uint_eq(v.renewed, 1);
	/* Still bound after the first binding would have run out. */
	ck_assert_str_eq(grantee(&v, "web", T0 + HOLD_US + 1), "n2");
	ck_assert_uint_eq(voter_expire(&v, T0 + HOLD_US + 1), 0);
	ck_assert_uint_eq(v.expired, 0);
}
END_TEST

/* A restarted candidate (new incarnation) is still the same grantee. */
START_TEST(test_renewal_new_incarnation_same_grantee)
{
	struct voter v = voter_at(T0);

	ck_assert_int_eq(voter_request(&v, "web", "n2", 100, 7, 900, true, T0, NULL), VOTE_GRANTED);
	ck_assert_int_eq(voter_request(&v, "web", "n2", 100, 8, 1, true, T0 + 1000, NULL),
			 VOTE_RENEWED);
	const struct vote_slot *s = voter_slot(&v, "web", T0 + 1000);

	ck_assert_uint_eq(s->incarnation, 8);
	ck_assert_uint_eq(s->seq, 1);
	ck_assert_uint_eq(s->until, T0 + 1000 + HOLD_US);
	ck_assert_uint_eq(s->since, T0);
}
END_TEST

START_TEST(test_refused_elsewhere)
{
	struct voter v = web_to_n2();
	enum vote_refusal why = VOTE_REFUSED__COUNT;

	ck_assert_int_eq(ask_why(&v, "web", "n3", 200, 8, T0 + 10, &why), VOTE_REFUSED);
	ck_assert_int_eq(why, VOTE_REFUSED_ELSEWHERE);
	ck_assert_uint_eq(v.refused[VOTE_REFUSED_ELSEWHERE], 1);
	/* The refusal changes nothing of the binding, even for a better candidate. */
	const struct vote_slot *s = voter_slot(&v, "web", T0 + 10);

	ck_assert_str_eq(s->grantee, "n2");
	ck_assert_uint_eq(s->until, T0 + HOLD_US);
	ck_assert_uint_eq(s->seq, 5);
	/* Ourselves too. */
	ck_assert_int_eq(ask_why(&v, "web", "n1", 255, 3, T0 + 20, &why), VOTE_REFUSED);
	ck_assert_int_eq(why, VOTE_REFUSED_ELSEWHERE);
	ck_assert_uint_eq(v.refused[VOTE_REFUSED_ELSEWHERE], 2);
	ck_assert_uint_eq(v.granted, 1);
}
END_TEST

/* A candidate we do not hear is refused; the current grantee is not
 * renewed when it is not alive (a master nobody hears loses its votes). */
START_TEST(test_refused_not_alive)
{
	struct voter v = voter_at(T0);
	enum vote_refusal why = VOTE_REFUSED__COUNT;

	ck_assert_int_eq(voter_request(&v, "web", "n2", 100, INC, 5, false, T0, &why),
			 VOTE_REFUSED);
	ck_assert_int_eq(why, VOTE_REFUSED_NOT_ALIVE);
	ck_assert_ptr_null(voter_slot(&v, "web", T0));
	ck_assert_uint_eq(v.refused[VOTE_REFUSED_NOT_ALIVE], 1);

	ck_assert_int_eq(ask(&v, "web", "n2", 100, 6, T0 + 10), VOTE_GRANTED);
	ck_assert_int_eq(voter_request(&v, "web", "n2", 100, INC, 7, false, T0 + 500000, &why),
			 VOTE_REFUSED);
	ck_assert_int_eq(why, VOTE_REFUSED_NOT_ALIVE);
	ck_assert_uint_eq(voter_slot(&v, "web", T0 + 500000)->until, T0 + 10 + HOLD_US);
	ck_assert_uint_eq(voter_slot(&v, "web", T0 + 500000)->seq, 6);
	ck_assert_uint_eq(v.renewed, 0);
	ck_assert_uint_eq(v.refused[VOTE_REFUSED_NOT_ALIVE], 2);
	/* And it does not queue as a waiter either. */
	ck_assert_int_eq(voter_request(&v, "web", "n3", 200, INC, 1, false, T0 + 600000, &why),
			 VOTE_REFUSED);
	ck_assert(!voter_slot(&v, "web", T0 + 600000)->waiting);
}
END_TEST

/* A freshly started daemon grants nothing for L(1 + ρ), not even to itself. */
START_TEST(test_refused_starting)
{
	struct voter v;
	enum vote_refusal why = VOTE_REFUSED__COUNT;

	voter_init(&v, LEASE_MS, T0, true);
	ck_assert_uint_eq(v.grants_from, T0 + HOLD_US);
	ck_assert_int_eq(ask_why(&v, "web", "n1", 100, 1, T0, &why), VOTE_REFUSED);
	ck_assert_int_eq(why, VOTE_REFUSED_STARTING);
	ck_assert_int_eq(ask_why(&v, "web", "n2", 100, 1, T0 + HOLD_US - 1, &why), VOTE_REFUSED);
	ck_assert_int_eq(why, VOTE_REFUSED_STARTING);
	ck_assert_uint_eq(v.refused[VOTE_REFUSED_STARTING], 2);
	ck_assert_uint_eq(v.n, 0);
	ck_assert_int_eq(ask(&v, "web", "n1", 100, 2, T0 + HOLD_US), VOTE_GRANTED);
	/* Not a fresh start (a plane restarted within the run): no wait. */
	voter_init(&v, LEASE_MS, T0, false);
	ck_assert_int_eq(ask(&v, "web", "n1", 100, 1, T0), VOTE_GRANTED);
}
END_TEST

static void fill_table(struct voter *v, uint64_t now)
{
	char inst[16];

	for (unsigned i = 0; i < VOTES_MAX; i++)
		ck_assert_int_eq(ask(v, inst_name(i, inst), "n2", 100, 1 + i, now), VOTE_GRANTED);
}

/* No slot for one more instance while every slot is bound; a slot whose
 * vote ran out (nobody waiting) serves the next instance. */
START_TEST(test_refused_full_and_reuse)
{
	struct voter v = voter_at(T0);
	enum vote_refusal why = VOTE_REFUSED__COUNT;

	fill_table(&v, T0);
	ck_assert_uint_eq(v.n, VOTES_MAX);
	ck_assert_int_eq(ask_why(&v, "extra", "n3", 100, 1, T0 + HOLD_US - 1, &why), VOTE_REFUSED);
	ck_assert_int_eq(why, VOTE_REFUSED_FULL);
	ck_assert_uint_eq(v.refused[VOTE_REFUSED_FULL], 1);
	/* Renewals of the instances held still work when full. */
	ck_assert_int_eq(ask(&v, "i0", "n2", 100, 50, T0 + 10), VOTE_RENEWED);
	/* At T0 + HOLD_US every vote but i0's has run out: one is reused. */
	ck_assert_int_eq(ask(&v, "extra", "n3", 100, 2, T0 + HOLD_US), VOTE_GRANTED);
	ck_assert_str_eq(grantee(&v, "extra", T0 + HOLD_US), "n3");
	ck_assert_str_eq(grantee(&v, "i0", T0 + HOLD_US), "n2");
	ck_assert_uint_eq(v.n, VOTES_MAX);
	ck_assert_uint_eq(v.expired, 1); /* the reused slot's vote ran out */
}
END_TEST

/* A slot whose vote ran out but that owes it to a fresh waiter is not
 * taken by another instance. */
START_TEST(test_full_keeps_slot_owed_to_waiter)
{
	struct voter v = voter_at(T0);
	enum vote_refusal why = VOTE_REFUSED__COUNT;

	char inst[16];

	fill_table(&v, T0);
	for (unsigned i = 0; i < VOTES_MAX; i++)
		ck_assert_int_eq(ask(&v, inst_name(i, inst), "n3", 100, 100 + i, T0 + 100),
				 VOTE_REFUSED);
	ck_assert_int_eq(ask_why(&v, "extra", "n4", 100, 1, T0 + HOLD_US, &why), VOTE_REFUSED);
	ck_assert_int_eq(why, VOTE_REFUSED_FULL);
	ck_assert_uint_eq(voter_expire(&v, T0 + HOLD_US), VOTES_MAX);
	for (unsigned i = 0; i < VOTES_MAX; i++)
		ck_assert_str_eq(grantee(&v, inst_name(i, inst), T0 + HOLD_US), "n3");
}
END_TEST

START_TEST(test_refusal_names)
{
	ck_assert_str_eq(vote_refusal_name(VOTE_REFUSED_ELSEWHERE), "granted_elsewhere");
	ck_assert_str_eq(vote_refusal_name(VOTE_REFUSED_STARTING), "starting");
	ck_assert_str_eq(vote_refusal_name(VOTE_REFUSED_NOT_ALIVE), "not_alive");
	ck_assert_str_eq(vote_refusal_name(VOTE_REFUSED_FULL), "table_full");
	ck_assert_str_eq(vote_refusal_name(VOTE_REFUSED__COUNT), "unknown");
}
END_TEST

/* ---- expiry ------------------------------------------------------------ */

START_TEST(test_expiry_boundary)
{
	struct voter v = web_to_n2();

	ck_assert_uint_eq(voter_expire(&v, T0 + HOLD_US - 1), 0);
	ck_assert_uint_eq(v.expired, 0);
	ck_assert_str_eq(grantee(&v, "web", T0 + HOLD_US - 1), "n2");
	/* voter_slot already says "none" at the end, before voter_expire runs. */
	ck_assert_ptr_null(voter_slot(&v, "web", T0 + HOLD_US));
	ck_assert_uint_eq(voter_expire(&v, T0 + HOLD_US), 0); /* freed, to nobody */
	ck_assert_uint_eq(v.expired, 1);
	ck_assert_uint_eq(voter_next_expiry(&v), 0);
	ck_assert_uint_eq(voter_expire(&v, T0 + 2 * HOLD_US), 0);
	ck_assert_uint_eq(v.expired, 1); /* counted once */
}
END_TEST

/* Another candidate is refused up to the last µs of the binding and
 * granted at its end, even before voter_expire runs. */
START_TEST(test_other_granted_at_binding_end)
{
	struct voter v = web_to_n2();

	ck_assert_str_eq(grantee(&v, "web", T0 + HOLD_US - 1), "n2");
	ck_assert_int_eq(ask(&v, "web", "n3", 100, 2, T0 + HOLD_US), VOTE_GRANTED);
	const struct vote_slot *s = voter_slot(&v, "web", T0 + HOLD_US);

	ck_assert_str_eq(s->grantee, "n3");
	ck_assert_uint_eq(s->seq, 2);
	ck_assert_uint_eq(s->until, T0 + 2 * HOLD_US);
	ck_assert_uint_eq(v.expired, 1);
	ck_assert_uint_eq(v.granted, 2);
	/* Refused one µs earlier: it waits, and its next request, at the
	 * end, finds the vote already its own. */
	struct voter w = web_to_n2();
	enum vote_refusal why = VOTE_REFUSED__COUNT;

	ck_assert_int_eq(ask_why(&w, "web", "n3", 100, 1, T0 + HOLD_US - 1, &why), VOTE_REFUSED);
	ck_assert_int_eq(why, VOTE_REFUSED_ELSEWHERE);
	ck_assert_int_eq(ask(&w, "web", "n3", 100, 2, T0 + HOLD_US), VOTE_RENEWED);
	s = voter_slot(&w, "web", T0 + HOLD_US);
	ck_assert_str_eq(s->grantee, "n3");
	ck_assert_uint_eq(s->seq, 2);
	ck_assert_uint_eq(s->since, T0 + HOLD_US);
	ck_assert_uint_eq(w.granted, 2);
}
END_TEST

START_TEST(test_next_expiry)
{
	struct voter v = voter_at(T0);

	ck_assert_uint_eq(voter_next_expiry(&v), 0);
	ck_assert_int_eq(ask(&v, "web", "n2", 100, 5, T0 + 500), VOTE_GRANTED);
	ck_assert_int_eq(ask(&v, "db", "n3", 100, 6, T0 + 200), VOTE_GRANTED);
	ck_assert_int_eq(ask(&v, "dns", "n4", 100, 7, T0 + 900), VOTE_GRANTED);
	ck_assert_uint_eq(voter_next_expiry(&v), T0 + 200 + HOLD_US);
	ck_assert_int_eq(ask(&v, "db", "n3", 100, 8, T0 + 1000), VOTE_RENEWED);
	ck_assert_uint_eq(voter_next_expiry(&v), T0 + 500 + HOLD_US);
	ck_assert_uint_eq(voter_expire(&v, T0 + 500 + HOLD_US), 0);
	ck_assert_uint_eq(voter_next_expiry(&v), T0 + 900 + HOLD_US);
}
END_TEST

/* A request that arrives after the binding ran out, before voter_expire
 * ran: the waiter still comes first. */
START_TEST(test_late_request_after_expiry_waiter_first)
{
	struct voter v = web_to_n2();
	enum vote_refusal why = VOTE_REFUSED__COUNT;

	ck_assert_int_eq(ask(&v, "web", "n3", 100, 9, T0 + 1000), VOTE_REFUSED);
	ck_assert_int_eq(ask_why(&v, "web", "n2", 100, 6, T0 + HOLD_US + 5, &why), VOTE_REFUSED);
	ck_assert_int_eq(why, VOTE_REFUSED_ELSEWHERE);
	const struct vote_slot *s = voter_slot(&v, "web", T0 + HOLD_US + 5);

	ck_assert_str_eq(s->grantee, "n3");
	ck_assert_uint_eq(s->seq, 9);
	ck_assert_uint_eq(s->until, T0 + HOLD_US + 5 + HOLD_US);
	ck_assert_uint_eq(v.expired, 1);
}
END_TEST

/* ---- release by voter_heard --------------------------------------------- */

START_TEST(test_heard_releases_unrequested)
{
	struct voter v = web_to_n2();
	struct hb_request reqs[1] = { req("db", 100) };

	ck_assert_int_eq(ask(&v, "db", "n2", 100, 5, T0), VOTE_GRANTED);
	ck_assert_int_eq(ask(&v, "dns", "n3", 100, 5, T0), VOTE_GRANTED);
	ck_assert_uint_eq(voter_heard(&v, "n2", reqs, 1, T0 + 100), 0); /* nobody waits */
	ck_assert_ptr_null(voter_slot(&v, "web", T0 + 100));
	ck_assert_str_eq(grantee(&v, "db", T0 + 100), "n2");
	ck_assert_str_eq(grantee(&v, "dns", T0 + 100), "n3"); /* another grantee's */
	ck_assert_uint_eq(v.released, 1);
	/* Released: free at once for anyone, long before it would have run out. */
	ck_assert_int_eq(ask(&v, "web", "n4", 100, 1, T0 + 200), VOTE_GRANTED);
	ck_assert_str_eq(grantee(&v, "web", T0 + 200), "n4");
	/* A heartbeat requesting nothing releases the rest. */
	ck_assert_uint_eq(voter_heard(&v, "n2", NULL, 0, T0 + 300), 0);
	ck_assert_ptr_null(voter_slot(&v, "db", T0 + 300));
	ck_assert_uint_eq(v.released, 2);
	ck_assert_uint_eq(v.expired, 0);
}
END_TEST

/* A heartbeat of the grantee that still requests keeps the vote as is. */
START_TEST(test_heard_keeps_requested)
{
	struct voter v = web_to_n2();
	struct hb_request reqs[2] = { req("dns", 100), req("web", 100) };

	ck_assert_uint_eq(voter_heard(&v, "n2", reqs, 2, T0 + 100), 0);
	ck_assert_str_eq(grantee(&v, "web", T0 + 100), "n2");
	ck_assert_uint_eq(voter_slot(&v, "web", T0 + 100)->until, T0 + HOLD_US);
	ck_assert_uint_eq(v.released, 0);
}
END_TEST

/* ---- waiters ------------------------------------------------------------ */

START_TEST(test_waiter_gets_vote_on_release)
{
	struct voter v = web_to_n2();

	ck_assert_int_eq(ask(&v, "web", "n3", 200, 40, T0 + 1000), VOTE_REFUSED);
	const struct vote_slot *s = voter_slot(&v, "web", T0 + 1000);

	ck_assert(s->waiting);
	ck_assert_str_eq(s->waiter, "n3");
	ck_assert_uint_eq(voter_heard(&v, "n2", NULL, 0, T0 + 5000), 1);
	s = voter_slot(&v, "web", T0 + 5000);
	ck_assert_str_eq(s->grantee, "n3");
	ck_assert_uint_eq(s->until, T0 + 5000 + HOLD_US); /* bound from now */
	ck_assert_uint_eq(s->seq, 40);                    /* answering its request */
	ck_assert_uint_eq(s->incarnation, INC);
	ck_assert_uint_eq(s->since, T0 + 5000);
	ck_assert(!s->waiting);
	ck_assert_uint_eq(v.released, 1);
	ck_assert_uint_eq(v.granted, 2);
	/* The next request of n3 renews it. */
	ck_assert_int_eq(ask(&v, "web", "n3", 200, 41, T0 + 6000), VOTE_RENEWED);
}
END_TEST

START_TEST(test_waiter_gets_vote_on_expiry)
{
	struct voter v = web_to_n2();

	ck_assert_int_eq(ask(&v, "web", "n3", 200, 40, T0 + 1000), VOTE_REFUSED);
	ck_assert_uint_eq(voter_expire(&v, T0 + HOLD_US - 1), 0);
	ck_assert_uint_eq(voter_expire(&v, T0 + HOLD_US + 7), 1);
	const struct vote_slot *s = voter_slot(&v, "web", T0 + HOLD_US + 7);

	ck_assert_str_eq(s->grantee, "n3");
	ck_assert_uint_eq(s->until, T0 + HOLD_US + 7 + HOLD_US);
	ck_assert_uint_eq(s->seq, 40);
	ck_assert_uint_eq(v.expired, 1);
	ck_assert_uint_eq(v.granted, 2);
	ck_assert_uint_eq(voter_next_expiry(&v), T0 + HOLD_US + 7 + HOLD_US);
}
END_TEST

/* Of several waiting candidates the highest priority gets the vote,
 * whatever order they asked in. */
START_TEST(test_best_ranked_waiter_wins)
{
	struct voter v = web_to_n2();

	ck_assert_int_eq(ask(&v, "web", "n3", 120, 30, T0 + 10), VOTE_REFUSED);
	ck_assert_int_eq(ask(&v, "web", "n5", 150, 50, T0 + 20), VOTE_REFUSED);
	ck_assert_int_eq(ask(&v, "web", "n4", 130, 40, T0 + 30), VOTE_REFUSED);
	ck_assert_int_eq(ask(&v, "web", "n3", 120, 31, T0 + 40), VOTE_REFUSED);
	ck_assert_uint_eq(voter_heard(&v, "n2", NULL, 0, T0 + 100), 1);
	ck_assert_str_eq(grantee(&v, "web", T0 + 100), "n5");
	ck_assert_uint_eq(voter_slot(&v, "web", T0 + 100)->seq, 50);
}
END_TEST

/* Equal priorities: the greater name wins. */
START_TEST(test_waiter_tie_by_name)
{
	struct voter v = web_to_n2();

	ck_assert_int_eq(ask(&v, "web", "n4", 150, 40, T0 + 10), VOTE_REFUSED);
	ck_assert_int_eq(ask(&v, "web", "n3", 150, 30, T0 + 20), VOTE_REFUSED);
	ck_assert_str_eq(voter_slot(&v, "web", T0 + 20)->waiter, "n4");
	ck_assert_int_eq(ask(&v, "web", "n5", 150, 50, T0 + 30), VOTE_REFUSED);
	ck_assert_uint_eq(voter_expire(&v, T0 + HOLD_US), 1);
	ck_assert_str_eq(grantee(&v, "web", T0 + HOLD_US), "n5");
}
END_TEST

/* A waiter whose request is L(1 + ρ) old does not get the vote: its
 * candidate has stopped counting on it. */
START_TEST(test_stale_waiter_not_granted)
{
	struct voter v = bound_with_waiter();

	ck_assert_uint_eq(voter_heard(&v, "n2", NULL, 0, T0 + 10 + HOLD_US), 0);
	ck_assert_ptr_null(voter_slot(&v, "web", T0 + 10 + HOLD_US));
	ck_assert_uint_eq(v.granted, 1);
	/* One µs younger and it would have: the same story at the edge. */
	v = bound_with_waiter();
	ck_assert_uint_eq(voter_heard(&v, "n2", NULL, 0, T0 + 9 + HOLD_US), 1);
	ck_assert_str_eq(grantee(&v, "web", T0 + 9 + HOLD_US), "n3");
}
END_TEST

/* A stale waiter is replaced by any newer asker, even a lower-ranked one;
 * a fresh one only by a better-ranked one. */
START_TEST(test_waiter_replacement)
{
	struct voter v = bound_with_waiter();

	ck_assert_int_eq(ask(&v, "web", "n4", 120, 30, T0 + 20), VOTE_REFUSED);
	ck_assert_str_eq(voter_slot(&v, "web", T0 + 20)->waiter, "n3");
	ck_assert_int_eq(ask(&v, "web", "n4", 120, 31, T0 + 10 + HOLD_US), VOTE_REFUSED);
	const struct vote_slot *s = voter_slot(&v, "web", T0 + 10 + HOLD_US);

	ck_assert_str_eq(s->waiter, "n4");
	ck_assert_uint_eq(s->waiter_prio, 120);
	ck_assert_uint_eq(s->waiter_seq, 31);
	ck_assert_uint_eq(s->waiter_at, T0 + 10 + HOLD_US);
	ck_assert_uint_eq(voter_heard(&v, "n2", NULL, 0, T0 + 20 + HOLD_US), 1);
	ck_assert_str_eq(grantee(&v, "web", T0 + 20 + HOLD_US), "n4");
}
END_TEST

/* A waiter asking again refreshes its request: it stays fresh, and the
 * vote answers its latest request. */
START_TEST(test_waiter_refreshes_own_request)
{
	struct voter v = bound_with_waiter();

	ck_assert_int_eq(ask(&v, "web", "n3", 200, 41, RENEWED_AT + 10), VOTE_REFUSED);
	ck_assert_uint_eq(voter_heard(&v, "n2", NULL, 0, T0 + 10 + HOLD_US), 1);
	const struct vote_slot *s = voter_slot(&v, "web", T0 + 10 + HOLD_US);

	ck_assert_str_eq(s->grantee, "n3");
	ck_assert_uint_eq(s->seq, 41);
}
END_TEST

/* A waiter whose heartbeat no longer requests the instance has withdrawn:
 * it does not get the vote. */
START_TEST(test_withdrawn_waiter_dropped)
{
	struct voter v = bound_with_waiter();
	struct hb_request other[1] = { req("db", 100) };

	ck_assert_uint_eq(voter_heard(&v, "n3", other, 1, RENEWED_AT + 10), 0);
	ck_assert(!voter_slot(&v, "web", RENEWED_AT + 10)->waiting);
	ck_assert_uint_eq(voter_heard(&v, "n2", NULL, 0, RENEWED_AT + 20), 0);
	ck_assert_ptr_null(voter_slot(&v, "web", RENEWED_AT + 20));
}
END_TEST

/* ---- announcing --------------------------------------------------------- */

START_TEST(test_fill_bound_only_rounded_down)
{
	struct voter v = voter_at(T0);
	struct hb_vote out[VOTES_MAX];

	ck_assert_int_eq(voter_request(&v, "web", "n2", 100, 3, 5, true, T0, NULL), VOTE_GRANTED);
	ck_assert_int_eq(ask(&v, "db", "n3", 100, 6, T0 + 2000), VOTE_GRANTED);
	ck_assert_int_eq(ask(&v, "dns", "n4", 100, 7, T0 + 3000), VOTE_GRANTED);
	ck_assert_uint_eq(voter_heard(&v, "n4", NULL, 0, T0 + 4000), 0); /* released */
	/* web: 1001000 - 400999 = 600001 µs left -> 600 ms. */
	ck_assert_uint_eq(voter_fill(&v, T0 + 400999, out, VOTES_MAX), 2);
	ck_assert_str_eq(out[0].instance, "web");
	ck_assert_str_eq(out[0].grantee, "n2");
	ck_assert_uint_eq(out[0].incarnation, 3);
	ck_assert_uint_eq(out[0].seq, 5);
	ck_assert_uint_eq(out[0].remaining_ms, 600);
	ck_assert_str_eq(out[1].instance, "db");
	ck_assert_str_eq(out[1].grantee, "n3");
	ck_assert_uint_eq(out[1].remaining_ms, 602);
	/* The last µs of web's binding: 0 ms left, still announced. */
	ck_assert_uint_eq(voter_fill(&v, T0 + HOLD_US - 1, out, VOTES_MAX), 2);
	ck_assert_uint_eq(out[0].remaining_ms, 0);
	/* Run out (voter_expire not yet called): no longer announced. */
	ck_assert_uint_eq(voter_fill(&v, T0 + HOLD_US, out, VOTES_MAX), 1);
	ck_assert_str_eq(out[0].instance, "db");
}
END_TEST

START_TEST(test_fill_cap)
{
	struct voter v = voter_at(T0);
	struct hb_vote out[3];

	memset(out, 0x5a, sizeof(out));
	fill_table(&v, T0);
	ck_assert_uint_eq(voter_fill(&v, T0, out, 2), 2);
	ck_assert_str_eq(out[0].instance, "i0");
	ck_assert_str_eq(out[1].instance, "i1");
	ck_assert_uint_eq(out[2].remaining_ms, 0x5a5a5a5a); /* untouched */
	ck_assert_uint_eq(voter_fill(&v, T0, out, 0), 0);
}
END_TEST

START_TEST(test_slot_lookup)
{
	struct voter v = voter_at(T0);

	ck_assert_ptr_null(voter_slot(&v, "web", T0));
	ck_assert_int_eq(ask(&v, "web", "n2", 100, 5, T0), VOTE_GRANTED);
	ck_assert_ptr_null(voter_slot(&v, "we", T0));
	ck_assert_ptr_null(voter_slot(&v, "webx", T0));
	ck_assert_ptr_nonnull(voter_slot(&v, "web", T0 + HOLD_US - 1));
	ck_assert_ptr_null(voter_slot(&v, "web", T0 + HOLD_US));
}
END_TEST

/* ---- restart and reload ------------------------------------------------- */

/* A voter that granted to n2, then restarted (forgetting it) at any
 * instant after that grant, gives no vote to anyone before the old
 * binding ends: never two grants within one lease. */
START_TEST(test_fresh_start_never_grants_twice)
{
	static const uint64_t restart_after[] = { 0, 1, 250000, HOLD_US / 2, HOLD_US - 1 };

	for (size_t i = 0; i < sizeof(restart_after) / sizeof(restart_after[0]); i++) {
		struct voter before = web_to_n2(), after;
		uint64_t restart = T0 + restart_after[i];
		uint64_t old_until = voter_slot(&before, "web", T0)->until;
		uint64_t first_grant = 0;

		voter_init(&after, LEASE_MS, restart, true);

		/* n3 asks every 10 ms from the restart on. */
		for (uint64_t t = restart; t < restart + 2 * HOLD_US && !first_grant; t += 10000) {
			enum vote_refusal why = VOTE_REFUSED__COUNT;

			if (ask_why(&after, "web", "n3", 100, 1 + t, t, &why) == VOTE_GRANTED)
				first_grant = t;
			else
				ck_assert_int_eq(why, VOTE_REFUSED_STARTING);
		}
		ck_assert_uint_ne(first_grant, 0);
		ck_assert_uint_ge(first_grant, old_until);
		ck_assert_uint_lt(first_grant, restart + HOLD_US + 10000);
	}
}
END_TEST

/* A reload keeps the votes, their bindings and the waiter. */
START_TEST(test_carry_keeps_votes_and_waiter)
{
	struct voter old = web_to_n2(), now_v;

	ck_assert_int_eq(ask(&old, "web", "n3", 200, 40, T0 + 10), VOTE_REFUSED);
	ck_assert_int_eq(ask(&old, "db", "n4", 100, 8, T0 + 20), VOTE_GRANTED);
	voter_init(&now_v, LEASE_MS, T0 + 100, false);
	voter_carry(&now_v, &old);
	ck_assert_str_eq(grantee(&now_v, "web", T0 + 100), "n2");
	ck_assert_uint_eq(voter_slot(&now_v, "web", T0 + 100)->until, T0 + HOLD_US);
	ck_assert_str_eq(grantee(&now_v, "db", T0 + 100), "n4");
	ck_assert_uint_eq(voter_slot(&now_v, "db", T0 + 100)->seq, 8);
	/* Still bound: a new candidate is refused. */
	ck_assert_int_eq(ask(&now_v, "web", "n5", 100, 1, T0 + 200), VOTE_REFUSED);
	/* The counters go on. */
	ck_assert_uint_eq(now_v.granted, 2);
	ck_assert_uint_eq(now_v.refused[VOTE_REFUSED_ELSEWHERE], 2);
	/* The waiter recorded before the reload gets the vote on release. */
	ck_assert_uint_eq(voter_heard(&now_v, "n2", NULL, 0, T0 + 300), 1);
	ck_assert_str_eq(grantee(&now_v, "web", T0 + 300), "n3");
	ck_assert_uint_eq(voter_slot(&now_v, "web", T0 + 300)->seq, 40);
}
END_TEST

/* A reload within the start-up wait keeps the wait. */
START_TEST(test_carry_keeps_startup_wait)
{
	struct voter old, now_v;
	enum vote_refusal why = VOTE_REFUSED__COUNT;

	voter_init(&old, LEASE_MS, T0, true);
	voter_init(&now_v, LEASE_MS, T0 + 1000, false);
	voter_carry(&now_v, &old);
	ck_assert_int_eq(ask_why(&now_v, "web", "n2", 100, 1, T0 + HOLD_US - 1, &why), VOTE_REFUSED);
	ck_assert_int_eq(why, VOTE_REFUSED_STARTING);
	ck_assert_int_eq(ask(&now_v, "web", "n2", 100, 2, T0 + HOLD_US), VOTE_GRANTED);
}
END_TEST

/* A changed lease applies to grants (and renewals) from the reload on;
 * a binding already made is never shortened. */
START_TEST(test_carry_new_lease)
{
	struct voter old = web_to_n2(), now_v;
	uint64_t hold2 = votes_grantor_hold_us(2000), hold_half = votes_grantor_hold_us(500);

	voter_init(&now_v, 2000, T0 + 100, false);
	voter_carry(&now_v, &old);
	ck_assert_uint_eq(now_v.hold_us, hold2);
	ck_assert_uint_eq(voter_slot(&now_v, "web", T0 + 100)->until, T0 + HOLD_US);
	ck_assert_int_eq(ask(&now_v, "db", "n3", 100, 1, T0 + 200), VOTE_GRANTED);
	ck_assert_uint_eq(voter_slot(&now_v, "db", T0 + 200)->until, T0 + 200 + hold2);
	ck_assert_int_eq(ask(&now_v, "web", "n2", 100, 6, T0 + 300), VOTE_RENEWED);
	ck_assert_uint_eq(voter_slot(&now_v, "web", T0 + 300)->until, T0 + 300 + hold2);
	/* Shorter lease: the renewal keeps the longer promise already made. */
	voter_init(&old, 500, T0 + 400, false);
	voter_carry(&old, &now_v);
	ck_assert_int_eq(ask(&old, "web", "n2", 100, 7, T0 + 500), VOTE_RENEWED);
	ck_assert_uint_eq(voter_slot(&old, "web", T0 + 500)->until, T0 + 300 + hold2);
	ck_assert_int_eq(ask(&old, "dns", "n4", 100, 1, T0 + 600), VOTE_GRANTED);
	ck_assert_uint_eq(voter_slot(&old, "dns", T0 + 600)->until, T0 + 600 + hold_half);
}
END_TEST

/* ---- the sent ring ------------------------------------------------------ */

START_TEST(test_ring_put_get)
{
	struct sent_ring r;
	uint64_t at = 0;

	memset(&r, 0, sizeof(r));
	for (uint64_t seq = 1; seq <= VOTES_SENT_RING; seq++)
		sent_ring_put(&r, seq, T0 + seq * 100);
	for (uint64_t seq = 1; seq <= VOTES_SENT_RING; seq++) {
		ck_assert(sent_ring_get(&r, seq, &at));
		ck_assert_uint_eq(at, T0 + seq * 100);
	}
	ck_assert(!sent_ring_get(&r, VOTES_SENT_RING + 1, &at));
}
END_TEST

/* A seq that was overwritten (VOTES_SENT_RING sends later) is unknown, not
 * answered with the later send's time. */
START_TEST(test_ring_overwrite)
{
	struct sent_ring r;
	uint64_t at = 0;

	memset(&r, 0, sizeof(r));
	sent_ring_put(&r, 5, T0 + 5);
	sent_ring_put(&r, 5 + VOTES_SENT_RING, T0 + 99);
	ck_assert(!sent_ring_get(&r, 5, &at));
	ck_assert(sent_ring_get(&r, 5 + VOTES_SENT_RING, &at));
	ck_assert_uint_eq(at, T0 + 99);
	ck_assert(!sent_ring_get(&r, 5 + 2 * VOTES_SENT_RING, &at));
}
END_TEST

START_TEST(test_ring_empty)
{
	struct sent_ring r;
	uint64_t at = 12345;

	memset(&r, 0, sizeof(r));
	ck_assert(!sent_ring_get(&r, 0, &at));
	ck_assert(!sent_ring_get(&r, 1, &at));
	ck_assert(!sent_ring_get(&r, VOTES_SENT_RING, &at));
	ck_assert_uint_eq(at, 12345);
}
END_TEST

/* ---- the ballot --------------------------------------------------------- */

static struct ballot ballot3(void)
{
	struct ballot b;

	ballot_start(&b, "web", 3, INC, 100);
	return b;
}

/* A grant counts from when the request it answers was SENT, not from when
 * the grant arrived. */
START_TEST(test_ballot_counts_from_sent_time)
{
	struct ballot b = ballot3();
	struct hb_vote hv = vote_of("web", "n1", INC, 100, 1000);

	ck_assert_uint_eq(ballot_count(&b, T0), 0);
	ballot_vote(&b, 2, &hv, "n1", T0, true, SPAN_US);
	ck_assert_uint_eq(b.until[2], T0 + SPAN_US);
	ck_assert_uint_eq(ballot_count(&b, T0 + SPAN_US - 1), 1);
	ck_assert_uint_eq(ballot_count(&b, T0 + SPAN_US), 0);
	ck_assert_uint_eq(b.until[0], 0);
	ck_assert_uint_eq(b.until[1], 0);
}
END_TEST

/* An answer to a request before this candidacy began never counts. */
START_TEST(test_ballot_ignores_earlier_candidacy)
{
	struct ballot b = ballot3();
	struct hb_vote old = vote_of("web", "n1", INC, 99, 900);

	ballot_vote(&b, 1, &old, "n1", T0, true, SPAN_US);
	ck_assert_uint_eq(b.until[1], 0);
	ck_assert_uint_eq(ballot_count(&b, T0), 0);
	ck_assert_str_eq(b.with[1], "n1"); /* recorded as what the member did */
	ck_assert_uint_eq(b.with_remaining_ms[1], 900);
	struct hb_vote first = vote_of("web", "n1", INC, 100, 1000);

	ballot_vote(&b, 1, &first, "n1", T0 + 10, true, SPAN_US);
	ck_assert_uint_eq(b.until[1], T0 + 10 + SPAN_US);
	ck_assert_str_eq(b.with[1], "");
}
END_TEST

/* An answer to our previous incarnation never counts, whatever its seq. */
START_TEST(test_ballot_ignores_other_incarnation)
{
	struct ballot b = ballot3();
	struct hb_vote prev = vote_of("web", "n1", INC - 1, 5000, 900);
	struct hb_vote next = vote_of("web", "n1", INC + 1, 5000, 900);

	ballot_vote(&b, 0, &prev, "n1", T0, true, SPAN_US);
	ballot_vote(&b, 1, &next, "n1", T0, true, SPAN_US);
	ck_assert_uint_eq(b.until[0], 0);
	ck_assert_uint_eq(b.until[1], 0);
	ck_assert_uint_eq(ballot_count(&b, T0), 0);
	ck_assert_uint_eq(ballot_lease_end(&b, 1), 0);
}
END_TEST

/* A grant whose request's sending time is unknown (fell off the ring)
 * does not count. */
START_TEST(test_ballot_unknown_sent_time)
{
	struct ballot b = ballot3();
	struct hb_vote hv = vote_of("web", "n1", INC, 150, 1000);

	ballot_vote(&b, 1, &hv, "n1", T0, false, SPAN_US);
	ck_assert_uint_eq(b.until[1], 0);
	ck_assert_uint_eq(ballot_count(&b, T0), 0);
}
END_TEST

/* An older answer (arriving late) does not shorten a grant counted on a
 * newer one. */
START_TEST(test_ballot_not_shortened)
{
	struct ballot b = ballot3();
	struct hb_vote newer = vote_of("web", "n1", INC, 110, 1000);
	struct hb_vote older = vote_of("web", "n1", INC, 105, 1000);

	ballot_vote(&b, 1, &newer, "n1", T0 + 500000, true, SPAN_US);
	ballot_vote(&b, 1, &older, "n1", T0 + 100000, true, SPAN_US);
	ck_assert_uint_eq(b.until[1], T0 + 500000 + SPAN_US);
}
END_TEST

/* A vote for another candidate is recorded for status, does not cut short
 * a grant we counted (the member promised it), and a later vote for us
 * clears the record. */
START_TEST(test_ballot_vote_for_other)
{
	struct ballot b = ballot3();
	struct hb_vote ours = vote_of("web", "n1", INC, 100, 1000);
	struct hb_vote theirs = vote_of("web", "n3", 4, 77, 180);

	ballot_vote(&b, 2, &theirs, "n1", T0, true, SPAN_US);
	ck_assert_str_eq(b.with[2], "n3");
	ck_assert_uint_eq(b.with_remaining_ms[2], 180);
	ck_assert_uint_eq(b.until[2], 0);
	ballot_vote(&b, 2, &ours, "n1", T0 + 10, true, SPAN_US);
	ck_assert_str_eq(b.with[2], "");
	ck_assert_uint_eq(b.with_remaining_ms[2], 0);
	ck_assert_uint_eq(b.until[2], T0 + 10 + SPAN_US);
	ballot_vote(&b, 2, &theirs, "n1", T0 + 20, true, SPAN_US);
	ck_assert_str_eq(b.with[2], "n3");
	ck_assert_uint_eq(b.until[2], T0 + 10 + SPAN_US);
	ck_assert_uint_eq(ballot_count(&b, T0 + 20), 1);
}
END_TEST

/* Votes for another instance, or from a member index out of range, are
 * ignored. */
START_TEST(test_ballot_ignores_foreign)
{
	struct ballot b = ballot3();
	struct hb_vote db = vote_of("db", "n1", INC, 100, 1000);
	struct hb_vote web = vote_of("web", "n1", INC, 100, 1000);

	ballot_vote(&b, 1, &db, "n1", T0, true, SPAN_US);
	ck_assert_uint_eq(b.until[1], 0);
	ballot_vote(&b, 3, &web, "n1", T0, true, SPAN_US);
	ballot_vote(&b, CLUSTD_MAX_PEERS + 5, &web, "n1", T0, true, SPAN_US);
	ck_assert_uint_eq(b.until[3], 0);
	ck_assert_uint_eq(ballot_count(&b, T0), 0);
	/* A new candidacy forgets the grants of the last. */
	ballot_vote(&b, 0, &web, "n1", T0, true, SPAN_US);
	ck_assert_uint_eq(ballot_count(&b, T0), 1);
	ballot_start(&b, "web", 3, INC, 200);
	ck_assert_uint_eq(ballot_count(&b, T0), 0);
	ck_assert_str_eq(b.instance, "web");
	ck_assert_uint_eq(b.first_seq, 200);
}
END_TEST

/* The lease lasts while `needed` grants count: the needed-th latest end. */
START_TEST(test_ballot_lease_end)
{
	struct ballot b;
	struct hb_vote hv = vote_of("web", "n1", INC, 100, 1000);

	ballot_start(&b, "web", 5, INC, 100);
	ck_assert_uint_eq(ballot_lease_end(&b, 1), 0);
	ballot_vote(&b, 0, &hv, "n1", T0 + 300, true, SPAN_US);
	ballot_vote(&b, 3, &hv, "n1", T0 + 100, true, SPAN_US);
	ck_assert_uint_eq(ballot_lease_end(&b, 3), 0); /* only two ever */
	ballot_vote(&b, 4, &hv, "n1", T0 + 200, true, SPAN_US);
	ck_assert_uint_eq(ballot_lease_end(&b, 1), T0 + 300 + SPAN_US);
	ck_assert_uint_eq(ballot_lease_end(&b, 2), T0 + 200 + SPAN_US);
	ck_assert_uint_eq(ballot_lease_end(&b, 3), T0 + 100 + SPAN_US);
	ck_assert_uint_eq(ballot_lease_end(&b, 4), 0);
	/* Equal ends count separately. */
	ballot_vote(&b, 1, &hv, "n1", T0 + 300, true, SPAN_US);
	ck_assert_uint_eq(ballot_lease_end(&b, 2), T0 + 300 + SPAN_US);
	ck_assert_uint_eq(ballot_lease_end(&b, 3), T0 + 200 + SPAN_US);
	/* The lease holds iff now < end, exactly as ballot_count says. */
	for (uint64_t now = T0 + SPAN_US; now < T0 + SPAN_US + 400; now += 50)
		for (unsigned need = 1; need <= 4; need++)
			ck_assert_int_eq(now < ballot_lease_end(&b, need),
					 ballot_count(&b, now) >= need);
}
END_TEST

/* ---- the safety bound, end to end --------------------------------------- */

/* A candidate whose clock runs at rate_ppm / 1e6 of the voter's: local
 * instant c <-> voter instant. The candidate's clock starts elsewhere. */
#define C0 5000000000ull
struct cand_clock {
	uint64_t rate_ppm;
};

static uint64_t voter_time(const struct cand_clock *c, uint64_t local)
{
	/* Rounded up: the later the candidate's end in voter time, the worse. */
	return T0 + ((local - C0) * PPM + c->rate_ppm - 1) / c->rate_ppm;
}

static uint64_t lcg(uint64_t *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return *state >> 33;
}

/* One candidate, one voter, a run of requests with random gaps, delays and
 * losses, every answer through voter_fill -> ballot_vote. Returns the
 * least margin seen: voter's binding end minus the candidate's counted end
 * (in voter time), minus the slack. */
static int64_t run_scenario(uint32_t lease_ms, uint32_t slack_ms, uint64_t rate_ppm,
			    uint64_t seed, bool zero_delay)
{
	struct cand_clock clk = { rate_ppm };
	struct voter v;
	struct sent_ring ring;
	struct ballot b;
	uint64_t span = votes_grantee_span_us(lease_ms, slack_ms);
	uint64_t local = C0, last_recv = T0, state = seed;
	int64_t least = INT64_MAX;

	voter_init(&v, lease_ms, T0, false);
	memset(&ring, 0, sizeof(ring));
	ballot_start(&b, "web", 3, INC, 1);
	for (uint64_t seq = 1; seq <= 12; seq++) {
		local += lcg(&state) % ((uint64_t)lease_ms * 600); /* gap up to 0.6 L */
		sent_ring_put(&ring, seq, local);
		if (lcg(&state) % 4 == 0)
			continue; /* lost on the way */
		uint64_t sent = voter_time(&clk, local);
		uint64_t delay = zero_delay ? 0 : lcg(&state) % ((uint64_t)lease_ms * 500);
		uint64_t recv = sent + delay > last_recv ? sent + delay : last_recv;
		struct hb_vote out[VOTES_MAX];
		uint64_t t_sent = 0;

		last_recv = recv;
		voter_expire(&v, recv);
		ck_assert_int_ne(voter_request(&v, "web", "n1", 100, INC, seq, true, recv, NULL),
				 VOTE_REFUSED);
		uint64_t binding_end = voter_slot(&v, "web", recv)->until;

		ck_assert_uint_eq(binding_end, recv + v.hold_us);
		ck_assert_uint_eq(voter_fill(&v, recv, out, VOTES_MAX), 1);
		ck_assert_uint_eq(out[0].seq, seq);
		ck_assert(sent_ring_get(&ring, out[0].seq, &t_sent));
		ballot_vote(&b, 1, &out[0], "n1", t_sent, true, span);
		ck_assert_uint_eq(b.until[1], local + span);
		int64_t margin = (int64_t)binding_end - (int64_t)voter_time(&clk, b.until[1]) -
				 (int64_t)slack_ms * 1000;

		if (margin < least)
			least = margin;
	}
	return least;
}

/* Over many leases, slacks, gaps, delays and losses, with the candidate's
 * clock at the worst rate 1 - ρ (and 1, 1 + ρ): every grant it counts ends
 * at least the slack before the voter's binding does. */
START_TEST(test_release_before_expiry_bound)
{
	static const uint32_t leases[] = { 300, 351, 1000, 1998, 3000, 10000 };
	static const uint64_t rates[] = { PPM - VOTES_RHO_PPM, PPM, PPM + VOTES_RHO_PPM };
	unsigned runs = 0;

	for (size_t l = 0; l < sizeof(leases) / sizeof(leases[0]); l++) {
		for (uint32_t slack = 0; slack < leases[l] / 2; slack += leases[l] / 7) {
			for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
				for (uint64_t seed = 1; seed <= 12; seed++) {
					int64_t m = run_scenario(leases[l], slack, rates[r],
								 seed * 7919 + l, seed % 3 == 0);

					ck_assert_msg(m >= 0, "lease %u slack %u rate %llu seed %llu: "
						      "margin %lld", leases[l], slack,
						      (unsigned long long)rates[r],
						      (unsigned long long)seed, (long long)m);
					runs++;
				}
			}
		}
	}
	ck_assert_uint_ge(runs, 6 * 4 * 3 * 12);
}
END_TEST

/* The check has teeth: a candidate whose clock runs slower than ρ allows
 * (1 - 3ρ), with requests delivered at once, breaks the bound. */
START_TEST(test_bound_fails_beyond_rho)
{
	int64_t m = run_scenario(1000, 50, PPM - 3 * VOTES_RHO_PPM, 42, true);

	ck_assert_int_lt(m, 0);
	/* With the allowed rate and zero delay the margin is about Lρ + Sρ. */
	m = run_scenario(1000, 50, PPM - VOTES_RHO_PPM, 42, true);
	ck_assert_int_ge(m, 0);
	ck_assert_int_le(m, 1000 + 100);
}
END_TEST

static Suite *votes_suite(void)
{
	Suite *s = suite_create("votes");
	TCase *timing = tcase_create("timing");
	TCase *voter = tcase_create("voter");
	TCase *waiters = tcase_create("waiters");
	TCase *restart = tcase_create("restart");
	TCase *candidate = tcase_create("candidate");
	TCase *safety = tcase_create("safety");

	tcase_add_test(timing, test_hold_and_span_values);
	tcase_add_test(timing, test_timing_check_renewal_bound);
	tcase_add_test(timing, test_timing_check_failover_bound);
	tcase_add_test(timing, test_timing_check_bounds_sweep);
	tcase_add_test(timing, test_outranks);
	suite_add_tcase(s, timing);

	tcase_add_test(voter, test_grant_first_request);
	tcase_add_test(voter, test_renewal_moves_binding);
	tcase_add_test(voter, test_renewal_new_incarnation_same_grantee);
	tcase_add_test(voter, test_refused_elsewhere);
	tcase_add_test(voter, test_refused_not_alive);
	tcase_add_test(voter, test_refused_starting);
	tcase_add_test(voter, test_refused_full_and_reuse);
	tcase_add_test(voter, test_full_keeps_slot_owed_to_waiter);
	tcase_add_test(voter, test_refusal_names);
	tcase_add_test(voter, test_expiry_boundary);
	tcase_add_test(voter, test_other_granted_at_binding_end);
	tcase_add_test(voter, test_next_expiry);
	tcase_add_test(voter, test_heard_releases_unrequested);
	tcase_add_test(voter, test_heard_keeps_requested);
	tcase_add_test(voter, test_fill_bound_only_rounded_down);
	tcase_add_test(voter, test_fill_cap);
	tcase_add_test(voter, test_slot_lookup);
	suite_add_tcase(s, voter);

	tcase_add_test(waiters, test_waiter_gets_vote_on_release);
	tcase_add_test(waiters, test_waiter_gets_vote_on_expiry);
	tcase_add_test(waiters, test_late_request_after_expiry_waiter_first);
	tcase_add_test(waiters, test_best_ranked_waiter_wins);
	tcase_add_test(waiters, test_waiter_tie_by_name);
	tcase_add_test(waiters, test_stale_waiter_not_granted);
	tcase_add_test(waiters, test_waiter_replacement);
	tcase_add_test(waiters, test_waiter_refreshes_own_request);
	tcase_add_test(waiters, test_withdrawn_waiter_dropped);
	suite_add_tcase(s, waiters);

	tcase_add_test(restart, test_fresh_start_never_grants_twice);
	tcase_add_test(restart, test_carry_keeps_votes_and_waiter);
	tcase_add_test(restart, test_carry_keeps_startup_wait);
	tcase_add_test(restart, test_carry_new_lease);
	suite_add_tcase(s, restart);

	tcase_add_test(candidate, test_ring_put_get);
	tcase_add_test(candidate, test_ring_overwrite);
	tcase_add_test(candidate, test_ring_empty);
	tcase_add_test(candidate, test_ballot_counts_from_sent_time);
	tcase_add_test(candidate, test_ballot_ignores_earlier_candidacy);
	tcase_add_test(candidate, test_ballot_ignores_other_incarnation);
	tcase_add_test(candidate, test_ballot_unknown_sent_time);
	tcase_add_test(candidate, test_ballot_not_shortened);
	tcase_add_test(candidate, test_ballot_vote_for_other);
	tcase_add_test(candidate, test_ballot_ignores_foreign);
	tcase_add_test(candidate, test_ballot_lease_end);
	suite_add_tcase(s, candidate);

	tcase_add_test(safety, test_release_before_expiry_bound);
	tcase_add_test(safety, test_bound_fails_beyond_rho);
	suite_add_tcase(s, safety);
	return s;
}

CLUSTD_TEST_MAIN(votes_suite)
