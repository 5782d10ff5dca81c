/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_owner.c - unit tests of the address-owner rule (src/owner.c):
 * which VIPs are the owner's own addresses, that the verdict survives a
 * reload, and that the primary lookup may send from an owned address. */
#include "owner.h"
#include "testutil.h"

static struct instance_conf conf(uint8_t prio, const char *const *vips, size_t n)
{
	struct instance_conf ic = { .priority = prio };

	for (size_t i = 0; i < n; i++)
		ck_assert(vip_parse(vips[i], &ic.vips[i]));
	ic.nvips = n;
	ic.family = ic.vips[0].addr.family;
	return ic;
}

static const struct owner_facts admin_addr = { .present = true, .permanent = true };
static const struct owner_facts leased = { .present = true, .permanent = false };
static const struct owner_facts absent = { .present = false, .permanent = true };
static const struct owner_facts nodad = { .present = true, .permanent = true, .nodad = true };

START_TEST(test_owned_rule)
{
	/* Only priority 255 owns. */
	ck_assert(owner_vip_owned(255, AF_INET, &admin_addr));
	ck_assert(!owner_vip_owned(254, AF_INET, &admin_addr));
	ck_assert(!owner_vip_owned(100, AF_INET6, &admin_addr));
	/* Not on the interface: nothing to own. */
	ck_assert(!owner_vip_owned(255, AF_INET, &absent));
	/* A finite lifetime is clustd's lease: a stale VIP, not the owner's. */
	ck_assert(!owner_vip_owned(255, AF_INET, &leased));
	ck_assert(!owner_vip_owned(255, AF_INET6, &leased));
	/* clustd adds IPv6 VIPs NODAD; on IPv4 the flag means nothing to us. */
	ck_assert(!owner_vip_owned(255, AF_INET6, &nodad));
	ck_assert(owner_vip_owned(255, AF_INET, &nodad));
	ck_assert(owner_vip_owned(255, AF_INET6, &admin_addr));
}
END_TEST

START_TEST(test_mask_and_has)
{
	static const char *const v[] = { "198.51.100.11/24", "198.51.100.100/24", "198.51.100.101/24" };
	struct instance_conf ic = conf(255, v, 3);
	struct owner_facts f[3] = { admin_addr, absent, leased };
	struct ip_addr a;

	uint64_t m = owner_mask(&ic, f, NULL, 0);
	ck_assert_uint_eq(m, 1);
	ck_assert(ip_addr_parse("198.51.100.11", &a));
	ck_assert(owner_has(&ic, m, &a));
	ck_assert(!owner_has(&ic, 0, &a));
	ck_assert(ip_addr_parse("198.51.100.100", &a));
	ck_assert(!owner_has(&ic, m, &a));
	/* The same facts at priority 254: nothing owned. */
	ic.priority = 254;
	ck_assert_uint_eq(owner_mask(&ic, f, NULL, 0), 0);
}
END_TEST

START_TEST(test_mask_sticky_over_reload)
{
	static const char *const before[] = { "198.51.100.100/24", "198.51.100.11/24" };
	static const char *const after[] = { "198.51.100.11/24", "198.51.100.101/24", "198.51.100.100/24" };
	struct instance_conf old = conf(255, before, 2);
	struct instance_conf neu = conf(200, after, 3);
	struct owner_facts fo[2] = { absent, admin_addr };
	/* After the reload, clustd's own (leased) VIPs and a new one. */
	struct owner_facts fn[3] = { admin_addr, absent, leased };

	uint64_t m = owner_mask(&old, fo, NULL, 0);
	ck_assert_uint_eq(m, 2);
	/* Priority dropped below 255: the address stays the admin's, at its
	 * new index; nothing else becomes owned. */
	ck_assert_uint_eq(owner_mask(&neu, fn, &old, m), 1);
	/* Without the history, priority 200 owns nothing. */
	ck_assert_uint_eq(owner_mask(&neu, fn, NULL, 0), 0);
}
END_TEST

START_TEST(test_skip_list)
{
	static const char *const v[] = { "198.51.100.100/24", "198.51.100.11/24", "198.51.100.101/24" };
	struct instance_conf ic = conf(255, v, 3);
	struct vip out[CLUSTD_MAX_VIPS];

	ck_assert_uint_eq(owner_skip_list(&ic, 0, out), 3);
	size_t n = owner_skip_list(&ic, 2, out);
	ck_assert_uint_eq(n, 2);
	ck_assert(ip_addr_equal(&out[0].addr, &ic.vips[0].addr));
	ck_assert(ip_addr_equal(&out[1].addr, &ic.vips[2].addr));
	ck_assert_uint_eq(owner_skip_list(&ic, 7, out), 0);
}
END_TEST

START_TEST(test_full_vip_list)
{
	struct instance_conf ic = { .priority = 255, .nvips = CLUSTD_MAX_VIPS, .family = AF_INET };
	struct owner_facts f[CLUSTD_MAX_VIPS];

	for (size_t i = 0; i < CLUSTD_MAX_VIPS; i++) {
		char s[32];
		snprintf(s, sizeof(s), "198.51.100.%zu/24", i + 1);
		ck_assert(vip_parse(s, &ic.vips[i]));
		f[i] = admin_addr;
	}
	ck_assert_uint_eq(owner_mask(&ic, f, NULL, 0), UINT64_MAX);
	f[CLUSTD_MAX_VIPS - 1] = absent;
	ck_assert_uint_eq(owner_mask(&ic, f, NULL, 0), UINT64_MAX >> 1);
}
END_TEST

static Suite *owner_suite(void)
{
	Suite *s = suite_create("owner");
	TCase *t = tcase_create("owner");

	tcase_add_test(t, test_owned_rule);
	tcase_add_test(t, test_mask_and_has);
	tcase_add_test(t, test_mask_sticky_over_reload);
	tcase_add_test(t, test_skip_list);
	tcase_add_test(t, test_full_vip_list);
	suite_add_tcase(s, t);
	return s;
}

CLUSTD_TEST_MAIN(owner_suite)
