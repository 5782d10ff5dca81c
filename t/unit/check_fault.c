/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_fault.c - unit tests of fault composition and its reasons
 * (src/fault.c): which fault wins, what the state machine is told. */
#include <errno.h>
#include <string.h>

#include "fault.h"
#include "testutil.h"

static const struct fault_names names = {
	.interface = "eth7",
	.vmac_name = "vrrp.42",
	.vmac_why = "cannot create: Operation not permitted",
	.group = "web",
	.track_why = "track script chk_nginx failed",
};

static const char *reason(unsigned faults, const struct fault_names *n)
{
	static char buf[160];

	memset(buf, 'x', sizeof(buf));
	fault_reason(faults, n, buf, sizeof(buf));
	return buf;
}

static const unsigned all_bits[] = { FAULT_NO_LINK, FAULT_NO_ADDR, FAULT_NO_QUORUM,
				     FAULT_TRACK, FAULT_GROUP, FAULT_VMAC, FAULT_ACCEPT_FILTER, FAULT_SEND,
				     FAULT_VIP, FAULT_DRIVER };
#define NBITS (sizeof(all_bits) / sizeof(all_bits[0]))
#define ALL_FAULTS (FAULT_NO_LINK | FAULT_NO_ADDR | FAULT_NO_QUORUM | FAULT_TRACK | FAULT_GROUP | \
		    FAULT_VMAC | FAULT_ACCEPT_FILTER)

START_TEST(test_bits_distinct)
{
	unsigned seen = 0;

	for (size_t i = 0; i < NBITS; i++) {
		ck_assert_uint_ne(all_bits[i], 0);
		ck_assert_uint_eq(all_bits[i] & (all_bits[i] - 1), 0); /* one bit */
		ck_assert_uint_eq(seen & all_bits[i], 0);
		seen |= all_bits[i];
	}
}
END_TEST

/* Finding A7: a failed query is not a link down. */
START_TEST(test_probe_query_error_keeps_state)
{
	const unsigned lasts[] = { 0, FAULT_NO_LINK, FAULT_NO_ADDR };
	bool failed = false;

	for (size_t i = 0; i < 3; i++) {
		ck_assert_uint_eq(fault_from_probe(PROBE_ERROR, PROBE_UP, lasts[i], &failed), lasts[i]);
		ck_assert(failed);
		failed = false;
		ck_assert_uint_eq(fault_from_probe(PROBE_UP, PROBE_ERROR, lasts[i], &failed), lasts[i]);
		ck_assert(failed);
	}
	/* Only link and address bits are the probe's to keep. */
	failed = false;
	ck_assert_uint_eq(fault_from_probe(PROBE_ERROR, PROBE_ERROR, FAULT_NO_LINK | FAULT_TRACK, &failed),
			  FAULT_NO_LINK);
	ck_assert(failed);
}
END_TEST

START_TEST(test_probe_found)
{
	bool failed = true;

	ck_assert_uint_eq(fault_from_probe(PROBE_UP, PROBE_UP, FAULT_NO_LINK, &failed), 0);
	ck_assert(!failed);
	failed = true;
	ck_assert_uint_eq(fault_from_probe(PROBE_UP, PROBE_MISSING, 0, &failed), FAULT_NO_ADDR);
	ck_assert(!failed);
	/* The address is not looked at without the link: even an error there. */
	const enum probe_result addrs[] = { PROBE_UP, PROBE_MISSING, PROBE_ERROR };
	for (size_t i = 0; i < 3; i++) {
		failed = true;
		ck_assert_uint_eq(fault_from_probe(PROBE_DOWN, addrs[i], 0, &failed), FAULT_NO_LINK);
		ck_assert(!failed);
		failed = true;
		ck_assert_uint_eq(fault_from_probe(PROBE_MISSING, addrs[i], 0, &failed), FAULT_NO_LINK);
		ck_assert(!failed);
	}
}
END_TEST

START_TEST(test_addr_probe)
{
	ck_assert_int_eq(fault_addr_probe(0), PROBE_UP);
	ck_assert_int_eq(fault_addr_probe(-ENOENT), PROBE_MISSING);
	ck_assert_int_eq(fault_addr_probe(-EAGAIN), PROBE_MISSING);
	ck_assert_int_eq(fault_addr_probe(-ENOBUFS), PROBE_ERROR);
	ck_assert_int_eq(fault_addr_probe(-ENOMEM), PROBE_ERROR);
	ck_assert_int_eq(fault_addr_probe(-EIO), PROBE_ERROR);
}
END_TEST

/* Finding A6: when failures to send or to add a VIP mean giving up. */
START_TEST(test_send_rule)
{
	const uint64_t interval = 100000, t0 = 5000000;
	struct fail_run r = {0};

	/* Three failed rounds one interval apart: the third gives up. */
	ck_assert(!fail_run_add(&r, t0, FAULT_SEND_MAX, interval));
	ck_assert(!fail_run_add(&r, t0 + interval / 2, FAULT_SEND_MAX, interval));
	ck_assert(!fail_run_add(&r, t0 + interval - 1, FAULT_SEND_MAX, interval));
	ck_assert(fail_run_add(&r, t0 + interval, FAULT_SEND_MAX, interval));
	/* A success in between starts afresh. */
	fail_run_reset(&r);
	ck_assert(!fail_run_add(&r, t0 + 2 * interval, FAULT_SEND_MAX, interval));
	ck_assert(!fail_run_add(&r, t0 + 3 * interval, FAULT_SEND_MAX, interval));
	fail_run_reset(&r);
	ck_assert(!fail_run_add(&r, t0 + 4 * interval, FAULT_SEND_MAX, interval));
	ck_assert(!fail_run_add(&r, t0 + 5 * interval, FAULT_SEND_MAX, interval));
	ck_assert(fail_run_add(&r, t0 + 6 * interval, FAULT_SEND_MAX, interval));
	/* Many failures within one instant (a burst of ENOBUFS) are not enough. */
	fail_run_reset(&r);
	for (int i = 0; i < 10; i++)
		ck_assert(!fail_run_add(&r, t0, FAULT_SEND_MAX, interval));
	ck_assert(fail_run_add(&r, t0 + interval, FAULT_SEND_MAX, interval));
}
END_TEST

START_TEST(test_vip_rule)
{
	struct fail_run r = {0};

	/* The first failure is retried, the second in a row gives up. */
	ck_assert(!fail_run_add(&r, 1000, FAULT_VIP_MAX, 0));
	ck_assert(fail_run_add(&r, 1000 + FAULT_VIP_RETRY_US, FAULT_VIP_MAX, 0));
	fail_run_reset(&r);
	ck_assert_uint_eq(r.count, 0);
	ck_assert(!fail_run_add(&r, 9000, FAULT_VIP_MAX, 0));
}
END_TEST

START_TEST(test_held_retry)
{
	ck_assert_uint_eq(fault_held_retry_us(0), 1000000);
	ck_assert_uint_eq(fault_held_retry_us(1), 2000000);
	ck_assert_uint_eq(fault_held_retry_us(2), 4000000);
	ck_assert_uint_eq(fault_held_retry_us(3), 8000000);
	ck_assert_uint_eq(fault_held_retry_us(4), 16000000);
	ck_assert_uint_eq(fault_held_retry_us(5), 16000000);
	ck_assert_uint_eq(fault_held_retry_us(1000), 16000000);
	ck_assert(fault_needs_reprobe(FAULT_NO_ADDR));
	ck_assert_uint_eq(FAULT_HELD & (FAULT_NO_LINK | FAULT_NO_ADDR | FAULT_VMAC | FAULT_NO_QUORUM |
					FAULT_TRACK | FAULT_GROUP), 0);
}
END_TEST

START_TEST(test_held_reasons)
{
	struct fault_names n = names;

	n.send_why = "cannot send adverts: Operation not permitted";
	n.vip_why = "cannot add VIP 198.51.100.100/24 to eth7: Permission denied";
	ck_assert_str_eq(reason(FAULT_SEND, &n), n.send_why);
	ck_assert_str_eq(reason(FAULT_VIP, &n), n.vip_why);
	ck_assert_str_eq(reason(FAULT_SEND | FAULT_VIP | FAULT_NO_QUORUM | FAULT_TRACK, &n), n.send_why);
	ck_assert_str_eq(reason(FAULT_VIP | FAULT_NO_QUORUM, &n), n.vip_why);
	/* Link, address and virtual MAC come first: they explain the rest. */
	ck_assert_str_eq(reason(FAULT_SEND | FAULT_NO_ADDR, &n), "interface eth7 without a usable address");
	ck_assert_str_eq(fault_cure_text(FAULT_SEND), "retrying to send adverts");
	ck_assert_str_eq(fault_cure_text(FAULT_VIP), "retrying to add the VIPs");
}
END_TEST

START_TEST(test_quorum_missing)
{
	/* No plane configured: quorum never matters. */
	ck_assert(!fault_quorum_missing(false, false, false));
	ck_assert(!fault_quorum_missing(false, true, false));
	ck_assert(!fault_quorum_missing(false, true, true));
	/* Configured but not running (it could not start): no quorum. */
	ck_assert(fault_quorum_missing(true, false, false));
	ck_assert(fault_quorum_missing(true, false, true));
	/* Running: exactly its verdict. */
	ck_assert(fault_quorum_missing(true, true, false));
	ck_assert(!fault_quorum_missing(true, true, true));
}
END_TEST

START_TEST(test_own)
{
	ck_assert_uint_eq(fault_own(0, false, false), 0);
	ck_assert_uint_eq(fault_own(0, true, false), FAULT_NO_QUORUM);
	ck_assert_uint_eq(fault_own(0, false, true), FAULT_TRACK);
	ck_assert_uint_eq(fault_own(0, true, true), FAULT_NO_QUORUM | FAULT_TRACK);
	/* Probe results are kept, whatever they are. */
	ck_assert_uint_eq(fault_own(FAULT_NO_LINK, false, false), FAULT_NO_LINK);
	ck_assert_uint_eq(fault_own(FAULT_NO_ADDR, true, false), FAULT_NO_ADDR | FAULT_NO_QUORUM);
	ck_assert_uint_eq(fault_own(FAULT_VMAC, true, true),
			  FAULT_VMAC | FAULT_NO_QUORUM | FAULT_TRACK);
	/* Already set: or-ed, not toggled. */
	ck_assert_uint_eq(fault_own(FAULT_NO_QUORUM, true, false), FAULT_NO_QUORUM);
}
END_TEST

START_TEST(test_compose)
{
	ck_assert_uint_eq(fault_compose(0, false), 0);
	ck_assert_uint_eq(fault_compose(0, true), FAULT_GROUP);
	for (size_t i = 0; i < NBITS; i++) {
		ck_assert_uint_eq(fault_compose(all_bits[i], false), all_bits[i]);
		ck_assert_uint_eq(fault_compose(all_bits[i], true), all_bits[i] | FAULT_GROUP);
	}
}
END_TEST

START_TEST(test_reprobe)
{
	ck_assert(!fault_needs_reprobe(0));
	for (size_t i = 0; i < NBITS; i++) {
		bool want = all_bits[i] == FAULT_NO_ADDR || all_bits[i] == FAULT_VMAC;
		ck_assert_msg(fault_needs_reprobe(all_bits[i]) == want, "bit %#x", all_bits[i]);
		ck_assert(fault_needs_reprobe(all_bits[i] | FAULT_NO_ADDR));
	}
	ck_assert(!fault_needs_reprobe(FAULT_NO_LINK | FAULT_NO_QUORUM | FAULT_TRACK | FAULT_GROUP));
}
END_TEST

START_TEST(test_reason_each)
{
	ck_assert_str_eq(reason(FAULT_NO_LINK, &names), "interface eth7 down or missing");
	ck_assert_str_eq(reason(FAULT_NO_ADDR, &names), "interface eth7 without a usable address");
	ck_assert_str_eq(reason(FAULT_VMAC, &names),
			 "virtual MAC device vrrp.42: cannot create: Operation not permitted");
	ck_assert_str_eq(reason(FAULT_NO_QUORUM, &names), "no quorum");
	ck_assert_str_eq(reason(FAULT_TRACK, &names), "track script chk_nginx failed");
	ck_assert_str_eq(reason(FAULT_GROUP, &names), "sync group web: a member is in FAULT");
}
END_TEST

/* Link beats address beats virtual MAC beats quorum beats tracking beats
 * the group: each bit wins over every bit after it. */
START_TEST(test_reason_order)
{
	static const unsigned order[] = { FAULT_NO_LINK, FAULT_NO_ADDR, FAULT_VMAC,
					  FAULT_NO_QUORUM, FAULT_TRACK, FAULT_GROUP };
	static const char *const text[] = { "interface eth7 down or missing",
					    "interface eth7 without a usable address",
					    "virtual MAC device vrrp.42: cannot create: Operation not permitted",
					    "no quorum", "track script chk_nginx failed",
					    "sync group web: a member is in FAULT" };

	for (size_t i = 0; i < 6; i++) {
		unsigned later = 0;
		for (size_t j = i + 1; j < 6; j++)
			later |= order[j];
		ck_assert_str_eq(reason(order[i] | later, &names), text[i]);
		for (size_t j = i + 1; j < 6; j++)
			ck_assert_str_eq(reason(order[i] | order[j], &names), text[i]);
	}
	ck_assert_str_eq(reason(ALL_FAULTS, &names), text[0]);
}
END_TEST

/* A track fault the tracker no longer names falls through to the group
 * sentence; outside a group it names "?". */
START_TEST(test_reason_fallbacks)
{
	struct fault_names n = names;

	n.track_why = NULL;
	ck_assert_str_eq(reason(FAULT_TRACK, &n), "sync group web: a member is in FAULT");
	n.group = NULL;
	ck_assert_str_eq(reason(FAULT_TRACK, &n), "sync group ?: a member is in FAULT");
	ck_assert_str_eq(reason(FAULT_GROUP, &n), "sync group ?: a member is in FAULT");
	/* A tracker reason is used only with FAULT_TRACK set. */
	n = names;
	ck_assert_str_eq(reason(FAULT_GROUP, &n), "sync group web: a member is in FAULT");
}
END_TEST

/* The virtual MAC error is cut at 100 characters; the buffer is never
 * overrun and always terminated. */
START_TEST(test_reason_bounds)
{
	char why[300], want[200], small[16];
	struct fault_names n = names;

	memset(why, 'e', sizeof(why) - 1);
	why[sizeof(why) - 1] = '\0';
	n.vmac_why = why;
	snprintf(want, sizeof(want), "virtual MAC device vrrp.42: %.100s", why);
	ck_assert_str_eq(reason(FAULT_VMAC, &n), want);
	ck_assert_uint_eq(strlen(reason(FAULT_VMAC, &n)), strlen("virtual MAC device vrrp.42: ") + 100);

	memset(small, 'x', sizeof(small));
	fault_reason(FAULT_NO_LINK, &names, small, sizeof(small));
	ck_assert_str_eq(small, "interface eth7 ");
	n = names;
	n.track_why = why;
	memset(small, 'x', sizeof(small));
	fault_reason(FAULT_TRACK, &n, small, sizeof(small));
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
}
END_TEST

/* accept_filter_fail = "closed" (B12c): after the interface faults,
 * before quorum, tracking and the group; cured by the filter. */
START_TEST(test_accept_filter_fault)
{
	static const char *const want = "accept = false cannot be enforced (nftables: Operation not "
					"permitted) and accept_filter_fail is closed";
	struct fault_names n = names;

	n.accept_filter_why = "Operation not permitted";
	ck_assert_str_eq(reason(FAULT_ACCEPT_FILTER, &n), want);
	ck_assert_str_eq(reason(FAULT_ACCEPT_FILTER | FAULT_NO_QUORUM | FAULT_TRACK | FAULT_GROUP, &n),
			 want);
	ck_assert_str_eq(reason(FAULT_ACCEPT_FILTER | FAULT_VMAC, &n),
			 "virtual MAC device vrrp.42: cannot create: Operation not permitted");
	ck_assert_str_eq(reason(FAULT_ACCEPT_FILTER | FAULT_NO_LINK, &n),
			 "interface eth7 down or missing");
	n.accept_filter_why = NULL;
	ck_assert_str_eq(reason(FAULT_ACCEPT_FILTER, &n),
			 "accept = false cannot be enforced (nftables: ?) and accept_filter_fail is closed");
	ck_assert_str_eq(fault_cure_text(FAULT_ACCEPT_FILTER), "accept filter installed");
	ck_assert_str_eq(fault_cure_text(FAULT_ACCEPT_FILTER | FAULT_NO_LINK), "interface up");
	ck_assert_str_eq(fault_cure_text(FAULT_ACCEPT_FILTER | FAULT_NO_QUORUM), "quorum regained");
	/* Retried on reload, not on the address timer. */
	ck_assert(!fault_needs_reprobe(FAULT_ACCEPT_FILTER));
}
END_TEST

START_TEST(test_cure_each)
{
	ck_assert_str_eq(fault_cure_text(FAULT_NO_QUORUM), "quorum regained");
	ck_assert_str_eq(fault_cure_text(FAULT_TRACK), "tracked checks recovered");
	ck_assert_str_eq(fault_cure_text(FAULT_GROUP), "sync group recovered");
	ck_assert_str_eq(fault_cure_text(FAULT_VMAC), "virtual MAC device ready");
	ck_assert_str_eq(fault_cure_text(FAULT_NO_LINK), "interface up");
	ck_assert_str_eq(fault_cure_text(FAULT_NO_ADDR), "interface up");
	/* Nothing before (a refresh that found no fault twice): the default. */
	ck_assert_str_eq(fault_cure_text(0), "interface up");
}
END_TEST

/* Quorum beats tracking beats the group beats the virtual MAC; the
 * virtual MAC only counts when the interface itself was fine. */
START_TEST(test_cure_order)
{
	ck_assert_str_eq(fault_cure_text(ALL_FAULTS), "quorum regained");
	ck_assert_str_eq(fault_cure_text(FAULT_NO_QUORUM | FAULT_NO_LINK), "quorum regained");
	ck_assert_str_eq(fault_cure_text(FAULT_TRACK | FAULT_GROUP | FAULT_VMAC),
			 "tracked checks recovered");
	ck_assert_str_eq(fault_cure_text(FAULT_TRACK | FAULT_NO_LINK), "tracked checks recovered");
	ck_assert_str_eq(fault_cure_text(FAULT_GROUP | FAULT_VMAC), "sync group recovered");
	ck_assert_str_eq(fault_cure_text(FAULT_GROUP | FAULT_NO_ADDR), "sync group recovered");
	ck_assert_str_eq(fault_cure_text(FAULT_VMAC | FAULT_NO_LINK), "interface up");
	ck_assert_str_eq(fault_cure_text(FAULT_VMAC | FAULT_NO_ADDR), "interface up");
	ck_assert_str_eq(fault_cure_text(FAULT_NO_LINK | FAULT_NO_ADDR), "interface up");
}
END_TEST

START_TEST(test_step)
{
	static const enum vrrp_state states[] = { STATE_INIT, STATE_BACKUP, STATE_MASTER,
						  STATE_FAULT };

	/* Any fault, in any state: the fsm is told (it ignores it in FAULT). */
	for (size_t s = 0; s < 4; s++) {
		for (size_t i = 0; i < NBITS; i++)
			ck_assert_int_eq(fault_step_for(all_bits[i], states[s]), FAULT_STEP_ENTER);
		ck_assert_int_eq(fault_step_for(ALL_FAULTS, states[s]), FAULT_STEP_ENTER);
	}
	/* No fault: leave FAULT, start from INIT, else nothing. */
	ck_assert_int_eq(fault_step_for(0, STATE_FAULT), FAULT_STEP_CLEAR);
	ck_assert_int_eq(fault_step_for(0, STATE_INIT), FAULT_STEP_STARTUP);
	ck_assert_int_eq(fault_step_for(0, STATE_BACKUP), FAULT_STEP_NONE);
	ck_assert_int_eq(fault_step_for(0, STATE_MASTER), FAULT_STEP_NONE);
}
END_TEST

/* A required driver's fault (driver_rule.c names it) comes after tracking
 * and before the group, says its own sentence, and has its own cure. */
START_TEST(test_driver_fault)
{
	struct fault_names n = names;

	n.driver_why = "required driver webapp is not connected";
	ck_assert_str_eq(reason(FAULT_DRIVER, &n), "required driver webapp is not connected");
	ck_assert_str_eq(reason(FAULT_DRIVER | FAULT_GROUP, &n),
			 "required driver webapp is not connected");
	ck_assert_str_eq(reason(FAULT_DRIVER | FAULT_TRACK, &n), "track script chk_nginx failed");
	ck_assert_str_eq(reason(FAULT_DRIVER | FAULT_NO_QUORUM, &n), "no quorum");
	/* A driver fault nobody names any more falls through to the group. */
	ck_assert_str_eq(reason(FAULT_DRIVER, &names), "sync group web: a member is in FAULT");
	ck_assert_str_eq(fault_cure_text(FAULT_DRIVER), "required drivers connected and ready");
	ck_assert_str_eq(fault_cure_text(FAULT_DRIVER | FAULT_GROUP),
			 "required drivers connected and ready");
	ck_assert_str_eq(fault_cure_text(FAULT_DRIVER | FAULT_TRACK), "tracked checks recovered");
	ck_assert(!fault_needs_reprobe(FAULT_DRIVER));
}
END_TEST

static Suite *fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *compose = tcase_create("compose");
	TCase *text = tcase_create("reasons");
	TCase *step = tcase_create("step");

	tcase_add_test(compose, test_bits_distinct);
	tcase_add_test(compose, test_probe_query_error_keeps_state);
	tcase_add_test(compose, test_probe_found);
	tcase_add_test(compose, test_addr_probe);
	tcase_add_test(compose, test_send_rule);
	tcase_add_test(compose, test_vip_rule);
	tcase_add_test(compose, test_held_retry);
	tcase_add_test(compose, test_held_reasons);
	tcase_add_test(compose, test_quorum_missing);
	tcase_add_test(compose, test_own);
	tcase_add_test(compose, test_compose);
	tcase_add_test(compose, test_reprobe);
	suite_add_tcase(s, compose);

	tcase_add_test(text, test_reason_each);
	tcase_add_test(text, test_reason_order);
	tcase_add_test(text, test_reason_fallbacks);
	tcase_add_test(text, test_reason_bounds);
	tcase_add_test(text, test_cure_each);
	tcase_add_test(text, test_accept_filter_fault);
	tcase_add_test(text, test_cure_order);
	tcase_add_test(text, test_driver_fault);
	suite_add_tcase(s, text);

	tcase_add_test(step, test_step);
	suite_add_tcase(s, step);
	return s;
}

CLUSTD_TEST_MAIN(fault_suite)
