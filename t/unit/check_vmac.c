/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_vmac.c - unit tests of the virtual MAC helpers (src/vmac.c) and of
 * the sysctl path builder (src/sysctl.c). */
#include <string.h>

#include "sysctl.h"
#include "vmac.h"
#include "testutil.h"

static void assert_mac(const uint8_t mac[6], const char *want)
{
	char buf[VMAC_STRLEN];

	ck_assert_str_eq(vmac_str(mac, buf), want);
}

/* RFC 5798 §7.3: 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID}
 * for IPv6, the VRID in hex in the last octet. */
START_TEST(test_vmac_ipv4)
{
	uint8_t mac[6];
	static const uint8_t want[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0x2a };

	vmac_addr(0x2a, AF_INET, mac);
	ck_assert_mem_eq(mac, want, 6);
	assert_mac(mac, "00:00:5e:00:01:2a");
}
END_TEST

START_TEST(test_vmac_ipv6)
{
	uint8_t mac[6];

	vmac_addr(0x2a, AF_INET6, mac);
	assert_mac(mac, "00:00:5e:00:02:2a");
}
END_TEST

START_TEST(test_vmac_vrid_edges)
{
	uint8_t mac[6];

	vmac_addr(1, AF_INET, mac);
	assert_mac(mac, "00:00:5e:00:01:01");
	vmac_addr(255, AF_INET, mac);
	assert_mac(mac, "00:00:5e:00:01:ff");
	vmac_addr(255, AF_INET6, mac);
	assert_mac(mac, "00:00:5e:00:02:ff");
	/* Unicast, globally administered: bits 0 and 1 of the first octet clear. */
	ck_assert_uint_eq(mac[0] & 0x03, 0);
}
END_TEST

START_TEST(test_default_names)
{
	char buf[VMAC_IFNAME_SIZE];

	ck_assert_str_eq(vmac_default_name(51, AF_INET, buf), "vrrp.51");
	ck_assert_str_eq(vmac_default_name(1, AF_INET, buf), "vrrp.1");
	ck_assert_str_eq(vmac_default_name(51, AF_INET6, buf), "vrrp6.51");
	/* The longest fits a device name (15 characters) with room to spare. */
	ck_assert_str_eq(vmac_default_name(255, AF_INET6, buf), "vrrp6.255");
	ck_assert_uint_le(strlen(buf), 15);
}
END_TEST

static void assert_setting(const struct vmac_sysctl *s, sa_family_t family, const char *key,
			   int value)
{
	ck_assert_uint_eq(s->family, family);
	ck_assert_str_eq(s->key, key);
	ck_assert_int_eq(s->value, value);
}

START_TEST(test_sysctl_tables)
{
	struct vmac_sysctl set[VMAC_DEV_MAX_SYSCTLS];
	size_t n = vmac_dev_sysctls(AF_INET, set, VMAC_DEV_MAX_SYSCTLS);

	/* IPv4 instance's device: ARP and reverse path, IPv6 off. */
	ck_assert_uint_eq(n, 4);
	assert_setting(&set[0], AF_INET, "arp_ignore", 1);
	assert_setting(&set[1], AF_INET, "arp_announce", 2);
	assert_setting(&set[2], AF_INET, "rp_filter", 0);
	assert_setting(&set[3], AF_INET6, "disable_ipv6", 1);
	/* IPv6 instance's device: the same ARP settings, IPv6 on, no RAs. */
	n = vmac_dev_sysctls(AF_INET6, set, VMAC_DEV_MAX_SYSCTLS);
	ck_assert_uint_eq(n, 5);
	assert_setting(&set[0], AF_INET, "arp_ignore", 1);
	assert_setting(&set[3], AF_INET6, "disable_ipv6", 0);
	assert_setting(&set[4], AF_INET6, "accept_ra", 0);
	/* The output is bounded by its capacity. */
	ck_assert_uint_eq(vmac_dev_sysctls(AF_INET6, set, 2), 2);
	/* The base: minimums, IPv4 only. */
	ck_assert_uint_eq(VMAC_BASE_NSYSCTLS, 2);
	assert_setting(&vmac_base_sysctls[0], AF_INET, "arp_ignore", 1);
	assert_setting(&vmac_base_sysctls[1], AF_INET, "arp_announce", 2);
}
END_TEST

/* A stricter setting the administrator chose stays. */
START_TEST(test_base_value_only_raises)
{
	ck_assert_int_eq(vmac_base_value(0, 1), 1);
	ck_assert_int_eq(vmac_base_value(1, 1), 1);
	ck_assert_int_eq(vmac_base_value(2, 1), 2);
	ck_assert_int_eq(vmac_base_value(8, 1), 8);
	ck_assert_int_eq(vmac_base_value(1, 2), 2);
}
END_TEST

START_TEST(test_sysctl_path)
{
	char buf[64];

	ck_assert(sysctl_conf_path(AF_INET, "vrrp.51", "arp_ignore", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "/proc/sys/net/ipv4/conf/vrrp.51/arp_ignore");
	ck_assert(sysctl_conf_path(AF_INET, "all", "rp_filter", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "/proc/sys/net/ipv4/conf/all/rp_filter");
	ck_assert(sysctl_conf_path(AF_INET6, "vrrp6.51", "accept_ra", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "/proc/sys/net/ipv6/conf/vrrp6.51/accept_ra");
	/* Nothing may climb out of the device's directory. */
	ck_assert(!sysctl_conf_path(AF_INET, "..", "arp_ignore", buf, sizeof(buf)));
	ck_assert(!sysctl_conf_path(AF_INET, "a/b", "arp_ignore", buf, sizeof(buf)));
	ck_assert(!sysctl_conf_path(AF_INET, "", "arp_ignore", buf, sizeof(buf)));
	ck_assert(!sysctl_conf_path(AF_INET, "eth0", "../../x", buf, sizeof(buf)));
	ck_assert(!sysctl_conf_path(AF_INET, "eth0", "..", buf, sizeof(buf)));
	ck_assert(!sysctl_conf_path(AF_UNSPEC, "eth0", "arp_ignore", buf, sizeof(buf)));
	/* Too long for the buffer: refused, not truncated. */
	ck_assert(!sysctl_conf_path(AF_INET, "vrrp.51", "arp_ignore", buf, 20));
}
END_TEST

static Suite *vmac_suite(void)
{
	Suite *s = suite_create("vmac");
	TCase *tc = tcase_create("vmac");

	tcase_add_test(tc, test_vmac_ipv4);
	tcase_add_test(tc, test_vmac_ipv6);
	tcase_add_test(tc, test_vmac_vrid_edges);
	tcase_add_test(tc, test_default_names);
	tcase_add_test(tc, test_sysctl_tables);
	tcase_add_test(tc, test_base_value_only_raises);
	tcase_add_test(tc, test_sysctl_path);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(vmac_suite)
