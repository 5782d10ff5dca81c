/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_vrrp_send.c - unit tests of the batch send loop of vrrp_sock.c
 * (vrrp_send_each), with sendmmsg's contract played by a script: every
 * message gets the result a sendmsg of its own would have given, after
 * partial sends, failures in the middle and short sends. */
#include <errno.h>

#include "vrrp_sock.h"
#include "testutil.h"

#define N 6

/* One scripted sendmmsg: how many it takes (-1: fails with err), and
 * which of those it sends short (-1: none). */
struct step {
	int ret;
	int err;
	int short_at;
};

struct fake {
	const struct step *steps;
	int nsteps;
	int calls;
	struct mmsghdr *base;
	unsigned int first[16], count[16]; /* what each call was given */
};

static int fake_send(void *ctx, struct mmsghdr *msgs, unsigned int n)
{
	struct fake *f = ctx;

	ck_assert_int_lt(f->calls, f->nsteps);
	const struct step *st = &f->steps[f->calls];
	f->first[f->calls] = (unsigned int)(msgs - f->base);
	f->count[f->calls] = n;
	f->calls++;
	if (st->ret < 0) {
		errno = st->err;
		return -1;
	}
	ck_assert_int_le(st->ret, (int)n);
	for (int k = 0; k < st->ret; k++)
		msgs[k].msg_len = (unsigned int)msgs[k].msg_hdr.msg_iov[0].iov_len -
				  (k == st->short_at ? 1 : 0);
	return st->ret;
}

static struct iovec iov[N];
static uint8_t payload[N][12];

static void setup(struct mmsghdr *mm, int *err)
{
	memset(mm, 0, sizeof(struct mmsghdr) * N);
	for (int i = 0; i < N; i++) {
		iov[i] = (struct iovec){ .iov_base = payload[i], .iov_len = sizeof(payload[i]) };
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_len = 0xdead;
		err[i] = 12345;
	}
}

static void run(const struct step *steps, int nsteps, struct fake *f, int *err)
{
	struct mmsghdr mm[N];

	setup(mm, err);
	*f = (struct fake){ .steps = steps, .nsteps = nsteps, .base = mm };
	vrrp_send_each(fake_send, f, mm, N, err);
	ck_assert_int_eq(f->calls, nsteps); /* the script ran out exactly */
}

START_TEST(test_all_in_one_call)
{
	const struct step s[] = { { N, 0, -1 } };
	struct fake f;
	int err[N];

	run(s, 1, &f, err);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(err[i], 0);
	ck_assert_uint_eq(f.first[0], 0);
	ck_assert_uint_eq(f.count[0], N);
}
END_TEST

/* The kernel took 2, then the rest: the second call starts at the third. */
START_TEST(test_partial_send_goes_on)
{
	const struct step s[] = { { 2, 0, -1 }, { N - 2, 0, -1 } };
	struct fake f;
	int err[N];

	run(s, 2, &f, err);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(err[i], 0);
	ck_assert_uint_eq(f.first[1], 2);
	ck_assert_uint_eq(f.count[1], N - 2);
}
END_TEST

/* 2 sent, then the third fails alone (the error sendmmsg lost after a
 * partial send shows up when it is tried first), then the rest leave. */
START_TEST(test_failure_is_that_message_s)
{
	const struct step s[] = { { 2, 0, -1 }, { -1, EAGAIN, -1 }, { N - 3, 0, -1 } };
	struct fake f;
	int err[N];

	run(s, 3, &f, err);
	ck_assert_int_eq(err[0], 0);
	ck_assert_int_eq(err[1], 0);
	ck_assert_int_eq(err[2], -EAGAIN);
	for (int i = 3; i < N; i++)
		ck_assert_int_eq(err[i], 0);
	ck_assert_uint_eq(f.first[1], 2);
	ck_assert_uint_eq(f.first[2], 3);
	ck_assert_uint_eq(f.count[2], N - 3);
}
END_TEST

/* A link that is down fails every message: one call each, each counted. */
START_TEST(test_every_call_fails)
{
	struct step s[N];
	struct fake f;
	int err[N];

	for (int i = 0; i < N; i++)
		s[i] = (struct step){ -1, ENETDOWN, -1 };
	run(s, N, &f, err);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(err[i], -ENETDOWN);
		ck_assert_uint_eq(f.first[i], (unsigned int)i);
	}
}
END_TEST

/* A message that left short is an error of its own (as sendmsg's short
 * count is); a call that took nothing without an error cannot loop. */
START_TEST(test_short_and_empty_sends)
{
	const struct step s[] = { { 3, 0, 1 }, { 0, 0, -1 }, { N - 4, 0, -1 } };
	struct fake f;
	int err[N];

	run(s, 3, &f, err);
	ck_assert_int_eq(err[0], 0);
	ck_assert_int_eq(err[1], -EIO);
	ck_assert_int_eq(err[2], 0);
	ck_assert_int_eq(err[3], -EIO);
	ck_assert_int_eq(err[4], 0);
	ck_assert_int_eq(err[5], 0);
	ck_assert_uint_eq(f.first[2], 4);
}
END_TEST

static Suite *vrrp_send_suite(void)
{
	Suite *s = suite_create("vrrp_send");
	TCase *tc = tcase_create("send_each");

	tcase_add_test(tc, test_all_in_one_call);
	tcase_add_test(tc, test_partial_send_goes_on);
	tcase_add_test(tc, test_failure_is_that_message_s);
	tcase_add_test(tc, test_every_call_fails);
	tcase_add_test(tc, test_short_and_empty_sends);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(vrrp_send_suite)
