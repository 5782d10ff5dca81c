/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_reload_plan.c - unit tests of the reload diff (src/reload_plan.c):
 * which instances are kept, restarted or started, which VIPs a kept one
 * drops and adds, whether its tracking and the cluster plane restart. */
#include <string.h>

#include "reload_plan.h"
#include "testutil.h"

static struct vip vip(const char *addr, uint8_t prefixlen)
{
	struct vip v;

	memset(&v, 0, sizeof(v));
	ck_assert_msg(ip_addr_parse(addr, &v.addr), "bad test address %s", addr);
	v.prefixlen = prefixlen;
	return v;
}

static char eth0[] = "eth0", eth1[] = "eth1", vrrp42[] = "vrrp.42", vrrp43[] = "vrrp.43";
static char chk[] = "chk", cmd[] = "/bin/true", cmd2[] = "/bin/false";

/* The usual instance: eth0, VRID 42, v3, IPv4, two VIPs, no VMAC. */
static void base(struct instance_conf *ic)
{
	memset(ic, 0, sizeof(*ic));
	ic->interface = eth0;
	ic->vrid = 42;
	ic->version = 3;
	ic->family = AF_INET;
	ic->priority = 100;
	ic->nvips = 2;
	ic->vips[0] = vip("198.51.100.1", 24);
	ic->vips[1] = vip("198.51.100.2", 32);
}

static void plan(const struct instance_conf *old, const struct instance_conf *ic,
		 struct reload_instance_plan *p)
{
	memset(p, 0xa5, sizeof(*p)); /* nothing may be left over */
	reload_plan_instance(old, ic, p);
}

/* --- identity --------------------------------------------------------- */

START_TEST(test_identity_same)
{
	struct instance_conf a, b;

	base(&a);
	base(&b);
	ck_assert(reload_same_identity(&a, &b));
	/* Everything outside the identity may change. */
	b.priority = 200;
	b.advert_interval_ms = 3000;
	b.preempt = !a.preempt;
	b.nvips = 1;
	b.vips[0] = vip("203.0.113.9", 24);
	b.garp_repeat = 9;
	b.accept = !a.accept;
	ck_assert(reload_same_identity(&a, &b));
	/* Equal strings in other buffers are equal. */
	char other_eth0[] = "eth0";
	b.interface = other_eth0;
	ck_assert(reload_same_identity(&a, &b));
}
END_TEST

START_TEST(test_identity_each_field)
{
	struct instance_conf a, b;

	base(&a);
	base(&b), b.interface = eth1;
	ck_assert(!reload_same_identity(&a, &b));
	base(&b), b.vrid = 43;
	ck_assert(!reload_same_identity(&a, &b));
	base(&b), b.version = 2;
	ck_assert(!reload_same_identity(&a, &b));
	base(&b), b.family = AF_INET6;
	ck_assert(!reload_same_identity(&a, &b));
	base(&b), b.use_vmac = true, b.vmac_interface = vrrp42;
	ck_assert(!reload_same_identity(&a, &b));
	ck_assert(!reload_same_identity(&b, &a));
}
END_TEST

START_TEST(test_same_vmac)
{
	struct instance_conf a, b;

	base(&a);
	base(&b);
	ck_assert(reload_same_vmac(&a, &b)); /* both off (names NULL: not read) */
	b.use_vmac = true;
	b.vmac_interface = vrrp42;
	ck_assert(!reload_same_vmac(&a, &b));
	ck_assert(!reload_same_vmac(&b, &a));
	a.use_vmac = true;
	a.vmac_interface = vrrp42;
	ck_assert(reload_same_vmac(&a, &b));
	ck_assert(reload_same_identity(&a, &b));
	b.vmac_interface = vrrp43; /* renamed device */
	ck_assert(!reload_same_vmac(&a, &b));
	ck_assert(!reload_same_identity(&a, &b));
	/* Off on both sides: a left-over name does not matter. */
	a.use_vmac = b.use_vmac = false;
	ck_assert(reload_same_vmac(&a, &b));
}
END_TEST

START_TEST(test_has_vip)
{
	struct instance_conf ic;
	struct vip v;

	base(&ic);
	v = vip("198.51.100.1", 24);
	ck_assert(reload_has_vip(&ic, &v));
	v = vip("198.51.100.2", 32);
	ck_assert(reload_has_vip(&ic, &v));
	v = vip("198.51.100.1", 25); /* same address, other prefix */
	ck_assert(!reload_has_vip(&ic, &v));
	v = vip("198.51.100.3", 24);
	ck_assert(!reload_has_vip(&ic, &v));
	v = vip("2001:db8::1", 64);
	ck_assert(!reload_has_vip(&ic, &v));
	ic.nvips = 1; /* only the listed ones count */
	v = vip("198.51.100.2", 32);
	ck_assert(!reload_has_vip(&ic, &v));
	ic.nvips = 0;
	v = vip("198.51.100.1", 24);
	ck_assert(!reload_has_vip(&ic, &v));
}
END_TEST

/* --- fate --------------------------------------------------------------- */

START_TEST(test_fate)
{
	struct instance_conf old, ic;
	struct reload_instance_plan p;

	base(&old);
	base(&ic);
	plan(NULL, &ic, &p);
	ck_assert_int_eq(p.fate, RELOAD_START);
	ck_assert(!p.restart_tracking);
	ck_assert_uint_eq(p.ndrop, 0);
	ck_assert_uint_eq(p.nadd, 0);

	plan(&old, &ic, &p);
	ck_assert_int_eq(p.fate, RELOAD_KEEP);
	ck_assert(!p.restart_tracking);
	ck_assert_uint_eq(p.ndrop, 0);
	ck_assert_uint_eq(p.nadd, 0);

	ic.vrid = 7;
	ic.nvips = 1; /* VIP changes are moot: the instance starts afresh */
	plan(&old, &ic, &p);
	ck_assert_int_eq(p.fate, RELOAD_RESTART);
	ck_assert(!p.restart_tracking);
	ck_assert_uint_eq(p.ndrop, 0);
	ck_assert_uint_eq(p.nadd, 0);
}
END_TEST

/* --- VIP diff ----------------------------------------------------------- */

START_TEST(test_vips_diff)
{
	struct instance_conf old, ic;
	struct reload_instance_plan p;

	base(&old);
	base(&ic);
	/* new: .2 kept, .1 with another prefix, .3 new */
	ic.nvips = 3;
	ic.vips[0] = vip("198.51.100.2", 32);
	ic.vips[1] = vip("198.51.100.1", 25);
	ic.vips[2] = vip("198.51.100.3", 24);
	plan(&old, &ic, &p);
	ck_assert_int_eq(p.fate, RELOAD_KEEP);
	ck_assert_uint_eq(p.ndrop, 1);
	ck_assert_ptr_eq(p.drop[0], &old.vips[0]); /* points into the old config */
	ck_assert_uint_eq(p.nadd, 2);
	ck_assert_ptr_eq(p.add[0], &ic.vips[1]); /* into the new one, in its order */
	ck_assert_ptr_eq(p.add[1], &ic.vips[2]);
}
END_TEST

START_TEST(test_vips_reordered)
{
	struct instance_conf old, ic;
	struct reload_instance_plan p;

	base(&old);
	base(&ic);
	ic.vips[0] = old.vips[1];
	ic.vips[1] = old.vips[0];
	plan(&old, &ic, &p);
	ck_assert_int_eq(p.fate, RELOAD_KEEP);
	ck_assert_uint_eq(p.ndrop, 0);
	ck_assert_uint_eq(p.nadd, 0);
}
END_TEST

START_TEST(test_vips_all_replaced_at_max)
{
	static struct instance_conf old, ic;
	struct reload_instance_plan p;
	char addr[32];

	base(&old);
	base(&ic);
	old.nvips = ic.nvips = CLUSTD_MAX_VIPS;
	for (size_t i = 0; i < CLUSTD_MAX_VIPS; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%zu", i + 1);
		old.vips[i] = vip(addr, 32);
		snprintf(addr, sizeof(addr), "203.0.113.%zu", i + 1);
		ic.vips[i] = vip(addr, 32);
	}
	plan(&old, &ic, &p);
	ck_assert_uint_eq(p.ndrop, CLUSTD_MAX_VIPS);
	ck_assert_uint_eq(p.nadd, CLUSTD_MAX_VIPS);
	for (size_t i = 0; i < CLUSTD_MAX_VIPS; i++) {
		ck_assert_ptr_eq(p.drop[i], &old.vips[i]);
		ck_assert_ptr_eq(p.add[i], &ic.vips[i]);
	}
	/* Half of them kept. */
	for (size_t i = 0; i < CLUSTD_MAX_VIPS; i += 2)
		ic.vips[i] = old.vips[i];
	plan(&old, &ic, &p);
	ck_assert_uint_eq(p.ndrop, CLUSTD_MAX_VIPS / 2);
	ck_assert_uint_eq(p.nadd, CLUSTD_MAX_VIPS / 2);
	ck_assert_ptr_eq(p.drop[0], &old.vips[1]);
	ck_assert_ptr_eq(p.add[0], &ic.vips[1]);
}
END_TEST

/* --- tracking --------------------------------------------------------- */

START_TEST(test_tracking)
{
	struct instance_conf old, ic;
	struct reload_instance_plan p;

	base(&old);
	old.track.nscripts = 1;
	old.track.scripts[0] = (struct track_script_conf){ .name = chk, .command = cmd,
							   .interval_ms = 1000, .rise = 1, .fall = 1,
							   .weight = TRACK_NO_WEIGHT };
	ic = old;
	plan(&old, &ic, &p);
	ck_assert(!p.restart_tracking);
	ic.track.scripts[0].command = cmd2;
	plan(&old, &ic, &p);
	ck_assert_int_eq(p.fate, RELOAD_KEEP);
	ck_assert(p.restart_tracking);
	ic = old;
	ic.track.scripts[0].fall = 3;
	plan(&old, &ic, &p);
	ck_assert(p.restart_tracking);
	ic = old;
	ic.track.ninterfaces = 1;
	ic.track.interfaces[0] = (struct track_iface_conf){ .name = eth1, .weight = -10 };
	plan(&old, &ic, &p);
	ck_assert(p.restart_tracking);
	/* A priority change alone restarts nothing. */
	ic = old;
	ic.priority = 150;
	plan(&old, &ic, &p);
	ck_assert(!p.restart_tracking);
	/* A restarted instance gets a new tracker anyway: not flagged. */
	ic.track.nscripts = 0;
	ic.interface = eth1;
	plan(&old, &ic, &p);
	ck_assert_int_eq(p.fate, RELOAD_RESTART);
	ck_assert(!p.restart_tracking);
}
END_TEST

/* --- cluster plane ---------------------------------------------------- */

START_TEST(test_cluster)
{
	/* running, enabled, same settings */
	ck_assert_int_eq(reload_plan_cluster(true, true, true), RELOAD_CLUSTER_KEEP);
	ck_assert_int_eq(reload_plan_cluster(true, true, false), RELOAD_CLUSTER_RESTART);
	/* disabled by the new config: close it */
	ck_assert_int_eq(reload_plan_cluster(true, false, true), RELOAD_CLUSTER_RESTART);
	ck_assert_int_eq(reload_plan_cluster(true, false, false), RELOAD_CLUSTER_RESTART);
	/* not running (off, or it failed to start): start it if enabled */
	ck_assert_int_eq(reload_plan_cluster(false, true, true), RELOAD_CLUSTER_RESTART);
	ck_assert_int_eq(reload_plan_cluster(false, true, false), RELOAD_CLUSTER_RESTART);
	ck_assert_int_eq(reload_plan_cluster(false, false, true), RELOAD_CLUSTER_NONE);
	ck_assert_int_eq(reload_plan_cluster(false, false, false), RELOAD_CLUSTER_NONE);
}
END_TEST

static Suite *reload_plan_suite(void)
{
	Suite *s = suite_create("reload_plan");
	TCase *identity = tcase_create("identity");
	TCase *instance = tcase_create("instance");
	TCase *cluster = tcase_create("cluster");

	tcase_add_test(identity, test_identity_same);
	tcase_add_test(identity, test_identity_each_field);
	tcase_add_test(identity, test_same_vmac);
	tcase_add_test(identity, test_has_vip);
	suite_add_tcase(s, identity);

	tcase_add_test(instance, test_fate);
	tcase_add_test(instance, test_vips_diff);
	tcase_add_test(instance, test_vips_reordered);
	tcase_add_test(instance, test_vips_all_replaced_at_max);
	tcase_add_test(instance, test_tracking);
	suite_add_tcase(s, instance);

	tcase_add_test(cluster, test_cluster);
	suite_add_tcase(s, cluster);
	return s;
}

CLUSTD_TEST_MAIN(reload_plan_suite)
