/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_kaimport.c - unit tests of the keepalived -> clustd mapping
 * (src/kaimport.c): every keepalived keyword the import maps, the rules by
 * which keepalived itself changes or drops settings (verified against
 * keepalived 2.2.7 -t and -d), and the warnings for what clustd cannot
 * express. Each result must load with conf_load; the host is faked: only
 * scripts under /ok/ pass clustd -t's script check, `which` finds
 * true and test under /ok/bin, and the users are root and nobody (plus
 * keepalived_script when a test says so). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "kaconf.h"
#include "kahost.h"
#include "kaimport.h"
#include "kaimport_cli.h"
#include "testutil.h"

static pid_t runner_pid;
static char dir[128];
static bool with_keepalived_script;

static bool fake_script_ok(void *ctx, const char *path, char **why)
{
	(void)ctx;
	if (strncmp(path, "/ok/", 4) == 0)
		return true;
	*why = strdup("does not exist");
	return false;
}

static char *fake_which(void *ctx, const char *cmd)
{
	char buf[256];

	(void)ctx;
	if (strcmp(cmd, "true") != 0 && strcmp(cmd, "test") != 0)
		return NULL;
	snprintf(buf, sizeof(buf), "/ok/bin/%s", cmd);
	return strdup(buf);
}

static bool fake_user(void *ctx, const char *user)
{
	(void)ctx;
	return strcmp(user, "root") == 0 || strcmp(user, "nobody") == 0 ||
	       (with_keepalived_script && strcmp(user, "keepalived_script") == 0);
}

static const struct ki_host fake_host = {
	.script_ok = fake_script_ok, .which = fake_which, .user_exists = fake_user,
};

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_kaimport.%d.XXXXXX", (int)runner_pid);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	with_keepalived_script = false;
}

static void teardown(void)
{
	tu_remove_tree(dir);
}

struct res {
	char *text;   /* the clustd.conf, NULL on an error */
	char *msgs;   /* every message, as the command prints them */
	size_t warnings;
	struct clustd_config *cfg; /* the text, loaded */
};

/* Import text as keepalived.conf (config id n1); the result must load. */
static struct res import(const char *text)
{
	struct ka_read_opts ro = { .fs = &ka_fs_system, .config_id = "n1" };
	struct ki_opts io = { .host = &fake_host, .source = "keepalived.conf", .config_id = "n1" };
	struct ka_msgs m = {0};
	struct ka_tree t;
	struct res r = {0};
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/keepalived.conf", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	if (ka_read(path, &ro, &t, &m) == 0) {
		r.text = ki_import(&t, &io, &m);
		ka_tree_free(&t);
	}
	r.msgs = kaimport_messages(&m, false);
	r.warnings = ka_msgs_count(&m, KA_WARNING);
	ka_msgs_free(&m);
	if (r.text) {
		struct conf_errors errs = {0};

		snprintf(path, sizeof(path), "%s/clustd.conf", dir);
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fputs(r.text, f);
		fclose(f);
		if (conf_load(path, &r.cfg, &errs) != 0) {
			for (size_t i = 0; i < errs.n; i++)
				fprintf(stderr, "%s\n", errs.msgs[i]);
			ck_abort_msg("the import does not load:\n%s", r.text);
		}
		conf_errors_free(&errs);
	}
	return r;
}

static void res_free(struct res *r)
{
	free(r->text);
	free(r->msgs);
	conf_free(r->cfg);
}

#define HAS(r, s) ck_assert_msg(strstr((r).text, (s)), "no [%s] in:\n%s", (s), (r).text)
#define LACKS(r, s) ck_assert_msg(!strstr((r).text, (s)), "[%s] in:\n%s", (s), (r).text)
#define SAYS(r, s) ck_assert_msg(strstr((r).msgs, (s)), "no message [%s] in:\n%s", (s), (r).msgs)
#define QUIET(r, s) ck_assert_msg(!strstr((r).msgs, (s)), "message [%s] in:\n%s", (s), (r).msgs)

/* A v2 IPv4 instance on eth0; extra lines go inside it. */
#define VI(extra) "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n" \
		  " virtual_ipaddress {\n  198.51.100.100/24\n }\n" extra "}\n"

static const struct instance_conf *inst(const struct res *r, size_t i)
{
	ck_assert_ptr_nonnull(r->cfg);
	ck_assert_uint_gt(r->cfg->ninstances, i);
	return &r->cfg->instances[i];
}

/* ---- the basics and keepalived's defaults ----------------------------- */

START_TEST(test_minimal_instance_keeps_keepalived_defaults)
{
	struct res r = import(VI(""));
	const struct instance_conf *ic = inst(&r, 0);

	ck_assert_str_eq(ic->name, "VI_1");
	ck_assert_str_eq(ic->interface, "eth0");
	ck_assert_uint_eq(ic->vrid, 51);
	ck_assert_uint_eq(ic->priority, 100);
	/* keepalived's default version is 2, clustd's 3: written out. */
	ck_assert_uint_eq(ic->version, 2);
	ck_assert_uint_eq(ic->advert_interval_ms, 1000);
	ck_assert(ic->preempt);
	ck_assert(ic->accept);
	/* keepalived sends its gratuitous ARPs back to back, 5 of them, and
	 * again after 5 s. */
	ck_assert_uint_eq(ic->garp_repeat, 5);
	ck_assert_uint_eq(ic->garp_interval_ms, 0);
	ck_assert_uint_eq(ic->garp_master_delay_ms, 5000);
	ck_assert_uint_eq(ic->garp_refresh_ms, 0);
	HAS(r, "# keepalived.conf:1 vrrp_instance VI_1\n");
	HAS(r, "vrid = 51;                              # keepalived.conf:3 virtual_router_id 51\n");
	HAS(r, "version = 2;                            # keepalived's default (clustd's is 3)\n");
	ck_assert_uint_eq(r.warnings, 0);
	res_free(&r);
}
END_TEST

START_TEST(test_router_id_and_names)
{
	struct res r = import("global_defs {\n router_id lb 1\n}\n"
			      "vrrp_instance \"web vip\" {\n interface eth0\n virtual_router_id 1\n"
			      " virtual_ipaddress { 198.51.100.1 }\n}\n"
			      "vrrp_instance web_vip {\n interface eth0\n virtual_router_id 2\n"
			      " virtual_ipaddress { 198.51.100.2 }\n}\n");

	ck_assert_str_eq(r.cfg->node.name, "lb");
	ck_assert_str_eq(inst(&r, 0)->name, "web_vip");
	/* The second sanitised name would clash: renamed, and said so. */
	ck_assert_str_eq(inst(&r, 1)->name, "web_vip-2");
	SAYS(r, "keepalived.conf:4: note: vrrp_instance \"web vip\" is named \"web_vip\" in clustd");
	SAYS(r, "is taken, named \"web_vip-2\"");
	res_free(&r);
}
END_TEST

START_TEST(test_advert_int_rounding)
{
	/* keepalived 2.2.7 rounds half up to what the version carries:
	 * v2 1.5 -> 2 s, 1.2 -> 1 s, 0.4 -> 1 s; v3 0.125 -> 130 ms, 0.121 ->
	 * 120 ms, 0.145 -> 150 ms (decimal, not binary floating point),
	 * 41 -> 40.95 s. */
	static const struct { const char *ver, *adv; unsigned ms; } cases[] = {
		{ "2", "1.5", 2000 }, { "2", "1.2", 1000 }, { "2", "0.4", 1000 },
		{ "2", "3", 3000 }, { "3", "0.125", 130 }, { "3", "0.121", 120 },
		{ "3", "0.145", 150 }, { "3", "41", 40950 }, { "3", "0.01", 10 },
		{ "3", ".5", 500 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];

		snprintf(text, sizeof(text), VI(" version %s\n advert_int %s\n"), cases[i].ver,
			 cases[i].adv);
		struct res r = import(text);
		ck_assert_msg(inst(&r, 0)->advert_interval_ms == cases[i].ms, "v%s %s: %u ms",
			      cases[i].ver, cases[i].adv, inst(&r, 0)->advert_interval_ms);
		ck_assert_uint_eq(r.warnings, 0);
		res_free(&r);
	}
	/* Out of keepalived's range: ignored by keepalived (1 s). */
	struct res r = import(VI(" advert_int 300\n"));
	ck_assert_uint_eq(inst(&r, 0)->advert_interval_ms, 1000);
	SAYS(r, "advert_int 300 is not 0.01..255 seconds");
	res_free(&r);
}
END_TEST

START_TEST(test_versions)
{
	struct res r = import("global_defs {\n vrrp_version 3\n}\n" VI(""));

	ck_assert_uint_eq(inst(&r, 0)->version, 3);
	HAS(r, "keepalived.conf:2 vrrp_version 3");
	res_free(&r);
	r = import("global_defs {\n vrrp_version 3\n}\n" VI(" version 2\n"));
	ck_assert_uint_eq(inst(&r, 0)->version, 2);
	res_free(&r);
	/* IPv6 is always VRRPv3 with keepalived. */
	r = import("vrrp_instance V6 {\n interface eth0\n virtual_router_id 5\n version 2\n"
		   " virtual_ipaddress {\n  2001:db8::5/64\n }\n}\n");
	ck_assert_uint_eq(inst(&r, 0)->version, 3);
	ck_assert_uint_eq(inst(&r, 0)->family, AF_INET6);
	SAYS(r, "IPv6 needs VRRPv3");
	res_free(&r);
}
END_TEST

/* ---- state, preempt ---------------------------------------------------- */

START_TEST(test_state_and_preempt)
{
	struct res r = import(VI(" state BACKUP\n nopreempt\n preempt_delay 2.5\n"));

	ck_assert(!inst(&r, 0)->preempt);
	ck_assert_uint_eq(inst(&r, 0)->preempt_delay_ms, 2500);
	ck_assert_uint_eq(r.warnings, 0);
	res_free(&r);
	/* state MASTER clears nopreempt and preempt_delay (keepalived's
	 * "will not work with initial state MASTER - clearing"). */
	r = import(VI(" state MASTER\n nopreempt\n preempt_delay 2\n"));
	ck_assert(inst(&r, 0)->preempt);
	ck_assert_uint_eq(inst(&r, 0)->preempt_delay_ms, 0);
	SAYS(r, "nopreempt does not work with state MASTER");
	SAYS(r, "state MASTER is only keepalived's initial state");
	HAS(r, "preempt = true;                         # keepalived.conf:8 nopreempt, cleared by state MASTER");
	res_free(&r);
	/* The last of preempt / nopreempt wins. */
	r = import(VI(" nopreempt\n preempt\n"));
	ck_assert(inst(&r, 0)->preempt);
	res_free(&r);
}
END_TEST

START_TEST(test_address_owner)
{
	/* Priority 255 starts as MASTER (clustd too), and clears nopreempt. */
	struct res r = import(VI(" priority 255\n nopreempt\n"));

	ck_assert_uint_eq(inst(&r, 0)->priority, 255);
	ck_assert(inst(&r, 0)->preempt);
	ck_assert_uint_eq(r.warnings, 0);
	res_free(&r);
	/* ... unless state BACKUP: keepalived then waits Master_Down_Interval,
	 * which clustd cannot do for an owner. */
	r = import(VI(" priority 255\n state BACKUP\n"));
	ck_assert_uint_eq(r.warnings, 1);
	SAYS(r, "keepalived.conf:8: warning: VI_1: state BACKUP with priority 255");
	HAS(r, "#   keepalived.conf:8: VI_1: state BACKUP with priority 255");
	res_free(&r);
}
END_TEST

/* ---- accept, strict ---------------------------------------------------- */

START_TEST(test_accept_and_strict)
{
	struct res r = import(VI(" no_accept\n"));

	ck_assert(!inst(&r, 0)->accept);
	res_free(&r);
	r = import(VI(" no_accept\n accept\n"));
	ck_assert(inst(&r, 0)->accept);
	res_free(&r);
	/* vrrp_strict: no_accept unless priority 255, no authentication, no
	 * preempt_delay; and a master that does not answer lower priorities
	 * (a warning: clustd does answer). */
	r = import("global_defs {\n vrrp_strict\n}\n"
		   VI(" preempt_delay 3\n authentication {\n  auth_type PASS\n  auth_pass x\n }\n"));
	ck_assert(!inst(&r, 0)->accept);
	ck_assert(!inst(&r, 0)->auth_pass_set);
	ck_assert_uint_eq(inst(&r, 0)->preempt_delay_ms, 0);
	SAYS(r, "strict mode ignores authentication");
	SAYS(r, "strict mode clears preempt_delay");
	SAYS(r, "warning: VI_1: strict mode: keepalived's master does not answer");
	res_free(&r);
	/* strict with an explicit accept and VRRPv2: keepalived resets it. */
	r = import(VI(" strict_mode on\n accept\n"));
	ck_assert(!inst(&r, 0)->accept);
	SAYS(r, "strict mode refuses accept with VRRPv2");
	res_free(&r);
	r = import(VI(" strict_mode on\n priority 255\n"));
	ck_assert(inst(&r, 0)->accept);
	res_free(&r);
	r = import("global_defs {\n vrrp_strict\n}\n" VI(" strict_mode off\n"));
	ck_assert(inst(&r, 0)->accept);
	QUIET(r, "strict mode");
	res_free(&r);
}
END_TEST

/* ---- addresses --------------------------------------------------------- */

START_TEST(test_vips)
{
	struct res r = import("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n"
			      " virtual_ipaddress {\n"
			      "  198.51.100.1\n"
			      "  198.51.100.2/24 dev eth0 scope global\n"
			      "  198.51.100.3/24 dev eth1\n"
			      "  198.51.100.4/24 label eth0:4\n"
			      "  198.51.100.5/24 brd 198.51.100.255 scope link\n"
			      "  198.51.100.1/24\n"
			      "  2001:db8::1\n"
			      "  198.51.100.6 no_track\n"
			      " }\n"
			      " virtual_ipaddress_excluded {\n  198.51.100.99\n }\n}\n");
	const struct instance_conf *ic = inst(&r, 0);

	/* Every address of keepalived's advert, in its order, so that the
	 * keepalived peers accept clustd's adverts. */
	ck_assert_uint_eq(ic->nvips, 6);
	ck_assert_uint_eq(ic->vips[0].prefixlen, 32);
	ck_assert_uint_eq(ic->vips[1].prefixlen, 24);
	SAYS(r, "keepalived.conf:7: warning: VI_1: 198.51.100.3/24 dev eth1: clustd puts every VIP");
	SAYS(r, "keepalived.conf:8: warning: VI_1: 198.51.100.4/24 label eth0:4");
	SAYS(r, "keepalived.conf:9: warning: VI_1: 198.51.100.5/24 brd 198.51.100.255");
	SAYS(r, "keepalived.conf:9: warning: VI_1: 198.51.100.5/24 scope link");
	SAYS(r, "keepalived.conf:10: note: VI_1: 198.51.100.1 is listed twice");
	SAYS(r, "keepalived.conf:11: note: VI_1: 2001:db8::1 is not of the instance's address family");
	SAYS(r, "keepalived.conf:14: warning: virtual_ipaddress_excluded not imported");
	QUIET(r, "keepalived.conf:6:");
	ck_assert_uint_eq(r.warnings, 5);
	res_free(&r);
}
END_TEST

/* What clustd would refuse never reaches the output. */
START_TEST(test_unusable_addresses_and_names)
{
	struct res r = import(VI(" virtual_ipaddress {\n  224.0.0.5\n  0.0.0.0\n  198.51.100.9/0\n }\n"
				 " unicast_src_ip 0.0.0.0\n unicast_peer {\n  0.0.0.0\n  224.0.0.18\n"
				 "  198.51.100.2\n }\n"));

	ck_assert_uint_eq(inst(&r, 0)->nvips, 1);
	ck_assert_uint_eq(inst(&r, 0)->npeers, 1);
	ck_assert_uint_eq(inst(&r, 0)->unicast_source.family, AF_UNSPEC);
	SAYS(r, "warning: VI_1: 224.0.0.5 not imported: clustd takes only a unicast address");
	SAYS(r, "warning: VI_1: 198.51.100.9/0 not imported");
	SAYS(r, "warning: VI_1: unicast peer 224.0.0.18 not imported");
	SAYS(r, "warning: VI_1: unicast_src_ip 0.0.0.0 not imported");
	res_free(&r);
	r = import(VI(" use_vmac vrrp:51\n") "vrrp_instance B {\n interface eth0\n virtual_router_id 52\n"
		   " virtual_ipaddress { 198.51.100.52 }\n}\n");
	ck_assert_uint_eq(r.cfg->ninstances, 1);
	SAYS(r, "vrrp_instance VI_1 not imported: its virtual MAC device name is not a valid device name");
	res_free(&r);
}
END_TEST

START_TEST(test_instances_left_out)
{
	struct res r = import("vrrp_instance NOVIP {\n interface eth0\n virtual_router_id 1\n}\n"
			      "vrrp_instance NOIF {\n virtual_router_id 2\n"
			      " virtual_ipaddress { 198.51.100.2 }\n}\n"
			      "vrrp_instance NOVRID {\n interface eth0\n"
			      " virtual_ipaddress { 198.51.100.3 }\n}\n"
			      VI("")
			      "vrrp_instance SAMEVRID {\n interface eth0\n virtual_router_id 51\n"
			      " virtual_ipaddress { 198.51.100.9 }\n}\n");

	ck_assert_uint_eq(r.cfg->ninstances, 1);
	SAYS(r, "keepalived.conf:1: warning: vrrp_instance NOVIP not imported: it has no virtual_ipaddress");
	SAYS(r, "keepalived.conf:5: warning: vrrp_instance NOIF not imported: it has no interface");
	SAYS(r, "keepalived.conf:9: warning: vrrp_instance NOVRID not imported: it has no virtual_router_id");
	SAYS(r, "warning: vrrp_instance SAMEVRID not imported: VRID 51 on eth0 is already instance VI_1's");
	res_free(&r);
	/* Nothing left: an error, no text. */
	r = import("vrrp_instance NOVIP {\n interface eth0\n virtual_router_id 1\n}\n");
	ck_assert_ptr_null(r.text);
	SAYS(r, "error: no vrrp_instance could be imported");
	res_free(&r);
}
END_TEST

START_TEST(test_unicast)
{
	struct res r = import(VI(" unicast_src_ip 198.51.100.1\n unicast_peer {\n"
				 "  198.51.100.2\n  198.51.100.3 min_ttl 250\n  198.51.100.2\n"
				 "  198.51.100.1\n }\n"));
	const struct instance_conf *ic = inst(&r, 0);

	ck_assert_uint_eq(ic->npeers, 2);
	ck_assert_uint_eq(ic->unicast_source.family, AF_INET);
	SAYS(r, "warning: VI_1: 198.51.100.3 min_ttl 250");
	SAYS(r, "unicast peer 198.51.100.2 is listed twice");
	SAYS(r, "unicast peer 198.51.100.1 is the source address itself");
	/* clustd always checks the unicast source; keepalived only with
	 * check_unicast_src. */
	SAYS(r, "clustd accepts unicast adverts only from unicast_peers");
	res_free(&r);
	r = import("global_defs {\n vrrp_check_unicast_src\n}\n"
		   VI(" unicast_peer {\n  198.51.100.2\n }\n"));
	QUIET(r, "accepts unicast adverts only");
	res_free(&r);
	/* A source for multicast adverts: clustd cannot set one. */
	r = import(VI(" mcast_src_ip 198.51.100.1\n"));
	ck_assert_uint_eq(inst(&r, 0)->npeers, 0);
	SAYS(r, "warning: VI_1: mcast_src_ip 198.51.100.1 not imported");
	res_free(&r);
	/* An empty peer list means multicast (keepalived 2.2.7). */
	r = import(VI(" unicast_peer {\n }\n"));
	ck_assert_uint_eq(inst(&r, 0)->npeers, 0);
	LACKS(r, "unicast_peers");
	res_free(&r);
}
END_TEST

START_TEST(test_vmac)
{
	struct res r = import(VI(" use_vmac\n"));

	ck_assert(inst(&r, 0)->use_vmac);
	ck_assert_str_eq(inst(&r, 0)->vmac_interface, "vrrp.51");
	res_free(&r);
	/* keepalived names an IPv6 instance's device vrrp.VRID too; clustd
	 * would say vrrp6.VRID: the name is written out. */
	r = import("vrrp_instance V6 {\n interface eth0\n virtual_router_id 5\n use_vmac\n"
		   " virtual_ipaddress { 2001:db8::5 }\n}\n");
	ck_assert_str_eq(inst(&r, 0)->vmac_interface, "vrrp.5");
	HAS(r, "vmac_interface = \"vrrp.5\";");
	res_free(&r);
	r = import("global_defs {\n vmac_prefix vm\n}\n" VI(" use_vmac mine 02:00:00:00:00:01\n"));
	ck_assert_str_eq(inst(&r, 0)->vmac_interface, "mine");
	SAYS(r, "use_vmac 02:00:00:00:00:01: clustd always uses the RFC 5798 virtual MAC");
	res_free(&r);
	r = import("global_defs {\n vmac_prefix vm\n}\n" VI(" use_vmac\n"));
	ck_assert_str_eq(inst(&r, 0)->vmac_interface, "vm.51");
	res_free(&r);
	/* vmac_xmit_base: what clustd does in unicast mode, not in multicast. */
	r = import(VI(" use_vmac\n vmac_xmit_base\n"));
	SAYS(r, "warning: VI_1: vmac_xmit_base not imported");
	res_free(&r);
	r = import(VI(" use_vmac\n vmac_xmit_base\n unicast_peer {\n  198.51.100.2\n }\n"));
	QUIET(r, "vmac_xmit_base");
	res_free(&r);
}
END_TEST

START_TEST(test_authentication)
{
	struct res r = import(VI(" authentication {\n  auth_type PASS\n  auth_pass 1111\n }\n"));

	ck_assert(inst(&r, 0)->auth_pass_set);
	ck_assert_mem_eq(inst(&r, 0)->auth_pass, "1111\0\0\0\0", 8);
	HAS(r, "auth_pass = \"1111\";");
	ck_assert_uint_eq(r.warnings, 0);
	res_free(&r);
	/* keepalived keeps the first 8 characters. */
	r = import(VI(" authentication {\n  auth_type PASS\n  auth_pass 123456789\n }\n"));
	ck_assert_mem_eq(inst(&r, 0)->auth_pass, "12345678", 8);
	SAYS(r, "auth_pass is cut to its first 8 characters");
	res_free(&r);
	/* VRRPv3: keepalived ignores authentication. */
	r = import(VI(" version 3\n authentication {\n  auth_type PASS\n  auth_pass 1111\n }\n"));
	ck_assert(!inst(&r, 0)->auth_pass_set);
	SAYS(r, "VRRPv3 has no authentication");
	res_free(&r);
	/* AH is out of scope: a warning. */
	r = import(VI(" authentication {\n  auth_type AH\n  auth_pass 1111\n }\n"));
	ck_assert(!inst(&r, 0)->auth_pass_set);
	SAYS(r, "warning: VI_1: auth_type AH not imported");
	res_free(&r);
}
END_TEST

/* ---- gratuitous ARP ---------------------------------------------------- */

START_TEST(test_garp)
{
	struct res r = import("global_defs {\n vrrp_garp_master_delay 10\n vrrp_garp_master_repeat 3\n"
			      " vrrp_garp_interval 0.002\n vrrp_gna_interval 0.004\n"
			      " vrrp_garp_master_refresh 60\n vrrp_garp_master_refresh_repeat 3\n}\n"
			      VI(" garp_master_repeat 2\n garp_master_refresh_repeat 2\n")
			      "vrrp_instance V6 {\n interface eth0\n virtual_router_id 5\n"
			      " virtual_ipaddress { 2001:db8::5 }\n}\n");
	const struct instance_conf *a = inst(&r, 0), *b = inst(&r, 1);

	ck_assert_uint_eq(a->garp_repeat, 2);
	ck_assert_uint_eq(a->garp_master_delay_ms, 10000);
	ck_assert_uint_eq(a->garp_interval_ms, 2);
	ck_assert_uint_eq(a->garp_refresh_ms, 60000);
	/* IPv6 takes vrrp_gna_interval. */
	ck_assert_uint_eq(b->garp_interval_ms, 4);
	ck_assert_uint_eq(b->garp_repeat, 3);
	ck_assert_uint_eq(r.warnings, 0);
	res_free(&r);
	/* A refresh of one GARP (keepalived's default) is not clustd's burst. */
	r = import(VI(" garp_master_refresh 30\n"));
	ck_assert_uint_eq(inst(&r, 0)->garp_refresh_ms, 30000);
	SAYS(r, "every refresh, keepalived sends 1 gratuitous ARP(s)");
	res_free(&r);
	/* vrrp_min_garp: one GARP, no second burst. */
	r = import("global_defs {\n vrrp_min_garp\n}\n" VI(""));
	ck_assert_uint_eq(inst(&r, 0)->garp_repeat, 1);
	ck_assert_uint_eq(inst(&r, 0)->garp_master_delay_ms, 0);
	res_free(&r);
	/* Sub-millisecond spacing cannot be kept. */
	r = import("global_defs {\n vrrp_garp_interval 0.0005\n}\n" VI(""));
	SAYS(r, "clustd spaces them in whole milliseconds");
	res_free(&r);
	r = import(VI(" garp_lower_prio_repeat 2\n"));
	SAYS(r, "warning: garp_lower_prio_repeat not imported");
	res_free(&r);
}
END_TEST

/* ---- tracking ---------------------------------------------------------- */

#define CHK "vrrp_script chk {\n script \"/ok/chk.sh arg\"\n interval 2\n weight -30\n fall 2\n}\n"

START_TEST(test_track_script)
{
	struct res r = import(CHK VI(" track_script {\n  chk\n }\n"));
	const struct track_script_conf *ts = &inst(&r, 0)->track.scripts[0];

	ck_assert_uint_eq(inst(&r, 0)->track.nscripts, 1);
	ck_assert_str_eq(ts->name, "chk");
	ck_assert_str_eq(ts->command, "/ok/chk.sh");
	ck_assert_str_eq(ts->args[0], "arg");
	ck_assert_ptr_null(ts->args[1]);
	ck_assert_uint_eq(ts->interval_ms, 2000);
	ck_assert_uint_eq(ts->timeout_ms, 2000);
	ck_assert_int_eq(ts->weight, -30);
	ck_assert_uint_eq(ts->fall, 2);
	ck_assert_uint_eq(ts->rise, 1);
	ck_assert(!ts->init_ok);
	ck_assert_ptr_null(ts->user);
	ck_assert_uint_eq(r.warnings, 0);
	res_free(&r);
	/* The instance's weight wins; weight 0 means FAULT on failure. */
	r = import(CHK VI(" track_script {\n  chk weight 0\n }\n"));
	ck_assert_int_eq(inst(&r, 0)->track.scripts[0].weight, TRACK_NO_WEIGHT);
	res_free(&r);
	r = import(CHK VI(" track_script {\n  chk weight 254\n }\n"));
	ck_assert_int_eq(inst(&r, 0)->track.scripts[0].weight, 253);
	res_free(&r);
	/* reverse has no clustd form. */
	r = import(CHK VI(" track_script {\n  chk weight 10 reverse\n }\n"));
	ck_assert_uint_eq(inst(&r, 0)->track.nscripts, 0);
	SAYS(r, "warning: VI_1: track script chk reverse not imported");
	res_free(&r);
	/* A script defined below its user is not found by keepalived. */
	r = import(VI(" track_script {\n  chk\n }\n") CHK);
	ck_assert_uint_eq(inst(&r, 0)->track.nscripts, 0);
	SAYS(r, "note: VI_1: track script chk is not defined above this line");
	res_free(&r);
}
END_TEST

START_TEST(test_track_script_commands)
{
	/* A bare name is looked up in PATH, as keepalived does. */
	struct res r = import("vrrp_script a {\n script \"true\"\n}\n"
			      "vrrp_script b {\n script \"killall -0 haproxy\"\n}\n"
			      "vrrp_script c {\n script \"/missing/x.sh\"\n}\n"
			      "vrrp_script d {\n script \"./rel.sh\"\n}\n"
			      "vrrp_script e {\n script \"/ok/e.sh\"\n user nobody nogroup\n"
			      " init_fail\n rise 3\n timeout 5\n}\n"
			      VI(" track_script {\n  a\n  b\n  c\n  d\n  e\n }\n"));
	const struct instance_conf *ic = inst(&r, 0);

	ck_assert_uint_eq(ic->track.nscripts, 2);
	ck_assert_str_eq(ic->track.scripts[0].command, "/ok/bin/true");
	ck_assert_str_eq(ic->track.scripts[1].command, "/ok/e.sh");
	ck_assert_str_eq(ic->track.scripts[1].user, "nobody");
	ck_assert_uint_eq(ic->track.scripts[1].timeout_ms, 5000);
	ck_assert_uint_eq(ic->track.scripts[1].rise, 3);
	SAYS(r, "warning: track script killall not imported: keepalived looks for killall in PATH");
	SAYS(r, "warning: track script /missing/x.sh not imported: clustd -t refuses it: "
	     "/missing/x.sh does not exist");
	SAYS(r, "warning: track script ./rel.sh not imported: clustd needs an absolute path");
	SAYS(r, "warning: VI_1: track script e: group nogroup not imported");
	QUIET(r, "at start keepalived needs one success");
	res_free(&r);
	/* Without init_fail keepalived's first success counts as rise. */
	r = import("vrrp_script e {\n script \"/ok/e.sh\"\n rise 3\n}\n"
		   VI(" track_script {\n  e\n }\n"));
	SAYS(r, "at start keepalived needs one success, clustd rise (3)");
	res_free(&r);
}
END_TEST

START_TEST(test_script_users)
{
	struct res r = import("global_defs {\n script_user nobody\n enable_script_security\n}\n"
			      CHK VI(" track_script {\n  chk\n }\n"));

	ck_assert_str_eq(inst(&r, 0)->track.scripts[0].user, "nobody");
	res_free(&r);
	/* keepalived's default user, when it exists. */
	with_keepalived_script = true;
	r = import(CHK VI(" track_script {\n  chk\n }\n notify_master /ok/m.sh\n"));
	ck_assert_str_eq(inst(&r, 0)->track.scripts[0].user, "keepalived_script");
	SAYS(r, "warning: VI_1: notify_master ran as user keepalived_script under keepalived; "
	     "clustd runs it as root");
	res_free(&r);
	with_keepalived_script = false;
	/* With enable_script_security, keepalived 2.2.7 refuses to default to
	 * root: such scripts never run ("Unable to set default user"). */
	r = import("global_defs {\n enable_script_security\n}\n"
		   CHK VI(" track_script {\n  chk\n }\n notify_master /ok/m.sh\n"
			  " notify_backup /ok/b.sh root\n"));
	ck_assert_uint_eq(inst(&r, 0)->track.nscripts, 0);
	ck_assert_ptr_null(inst(&r, 0)->notify.master);
	ck_assert_str_eq(inst(&r, 0)->notify.backup, "/ok/b.sh");
	SAYS(r, "warning: VI_1: track script chk not imported: keepalived does not run it");
	SAYS(r, "warning: VI_1: notify_master not imported: keepalived does not run it");
	res_free(&r);
	r = import("global_defs {\n script_user ghost\n}\n" CHK VI(" track_script {\n  chk\n }\n"));
	ck_assert_uint_eq(inst(&r, 0)->track.nscripts, 0);
	SAYS(r, "user ghost does not exist");
	res_free(&r);
}
END_TEST

START_TEST(test_track_interface_and_file)
{
	struct res r = import("track_file tf {\n file /var/run/tf\n weight 2\n}\n"
			      "vrrp_track_file t0 {\n file /var/run/t0\n weight 0\n}\n"
			      VI(" track_interface {\n  eth1\n  eth2 weight -20\n  eth3 weight 5 reverse\n }\n"
				 " track_file {\n  tf\n  t0\n  tf weight 3\n }\n"));
	const struct instance_conf *ic = inst(&r, 0);

	ck_assert_uint_eq(ic->track.ninterfaces, 2);
	ck_assert_str_eq(ic->track.interfaces[0].name, "eth1");
	ck_assert_int_eq(ic->track.interfaces[0].weight, TRACK_NO_WEIGHT);
	ck_assert_int_eq(ic->track.interfaces[1].weight, -20);
	ck_assert_uint_eq(ic->track.nfiles, 1);
	ck_assert_str_eq(ic->track.files[0].path, "/var/run/tf");
	ck_assert_int_eq(ic->track.files[0].weight, 2);
	SAYS(r, "warning: VI_1: tracked interface eth3 reverse not imported");
	SAYS(r, "warning: VI_1: track file t0 with weight 0 not imported");
	SAYS(r, "note: VI_1: tf is tracked twice");
	res_free(&r);
}
END_TEST

START_TEST(test_weights_on_owner_and_in_sync_groups)
{
	/* keepalived 2.2.7: an address owner ignores weighted tracking; a
	 * sync group member's weighted scripts and files are dropped and its
	 * interfaces' weights zeroed (FAULT when down); the group's own
	 * tracking keeps its weights. */
	struct res r = import(CHK
			      "vrrp_instance OWN {\n interface eth0\n virtual_router_id 1\n priority 255\n"
			      " virtual_ipaddress { 198.51.100.1 }\n"
			      " track_script {\n  chk\n  chk2\n }\n track_interface {\n  eth1 weight 5\n  eth2\n }\n}\n"
			      "vrrp_instance A {\n interface eth0\n virtual_router_id 2\n"
			      " virtual_ipaddress { 198.51.100.2 }\n"
			      " track_script {\n  chk\n }\n track_interface {\n  eth1 weight 5\n }\n}\n"
			      "vrrp_instance B {\n interface eth0\n virtual_router_id 3\n"
			      " virtual_ipaddress { 198.51.100.3 }\n}\n"
			      "vrrp_sync_group G {\n group {\n  A\n  B\n }\n"
			      " track_script {\n  chk weight 7\n }\n}\n");
	const struct instance_conf *own = inst(&r, 0), *a = inst(&r, 1), *b = inst(&r, 2);

	ck_assert_uint_eq(own->track.nscripts, 0);
	ck_assert_uint_eq(own->track.ninterfaces, 1);
	ck_assert_str_eq(own->track.interfaces[0].name, "eth2");
	SAYS(r, "OWN: track script chk with a weight is ignored on an address owner");
	/* A: its weighted chk dropped, then the group's chk (weight 7) kept. */
	ck_assert_uint_eq(a->track.nscripts, 1);
	ck_assert_int_eq(a->track.scripts[0].weight, 7);
	ck_assert_int_eq(a->track.interfaces[0].weight, TRACK_NO_WEIGHT);
	SAYS(r, "A: in sync group G the weight of interface eth1 is ignored");
	ck_assert_uint_eq(b->track.nscripts, 1);
	ck_assert_int_eq(b->track.scripts[0].weight, 7);
	ck_assert_uint_eq(r.cfg->nsync_groups, 1);
	ck_assert_str_eq(r.cfg->sync_groups[0].name, "G");
	ck_assert_uint_eq(r.cfg->sync_groups[0].ninstances, 2);
	res_free(&r);
	/* sync_group_tracking_weight keeps the members' weights. */
	r = import(CHK VI(" track_script {\n  chk\n }\n")
		   "vrrp_sync_group G {\n group {\n  VI_1\n }\n sync_group_tracking_weight\n}\n");
	ck_assert_int_eq(inst(&r, 0)->track.scripts[0].weight, -30);
	res_free(&r);
}
END_TEST

START_TEST(test_sync_groups)
{
	struct res r = import(VI("")
			      "vrrp_sync_group G1 {\n group {\n  VI_1\n  GHOST\n }\n"
			      " notify_master /ok/g.sh\n notify \"/ok/all.sh x\"\n}\n"
			      "vrrp_sync_group G2 {\n group {\n  VI_1\n }\n}\n");
	const struct sync_group_conf *g = &r.cfg->sync_groups[0];

	ck_assert_uint_eq(r.cfg->nsync_groups, 1);
	ck_assert_uint_eq(g->ninstances, 1);
	ck_assert_str_eq(g->notify.master, "/ok/g.sh");
	ck_assert_ptr_null(g->notify.any);
	SAYS(r, "vrrp_sync_group G1: instance GHOST does not exist");
	SAYS(r, "vrrp_sync_group G2: instance VI_1 is already in group G1");
	SAYS(r, "warning: G1: notify \"/ok/all.sh x\" not imported");
	res_free(&r);
}
END_TEST

/* ---- notify ------------------------------------------------------------ */

START_TEST(test_notify)
{
	struct res r = import(VI(" notify_master /ok/master.sh\n notify_backup \"/ok/backup.sh\"\n"
				 " notify_fault \"/ok/fault.sh fault\"\n notify_stop /ok/stop.sh nobody\n"
				 " notify /ok/any.sh\n notify_master /ok/second.sh\n"
				 " notify_deleted\n"));
	const struct notify_conf *n = &inst(&r, 0)->notify;

	ck_assert_str_eq(n->master, "/ok/master.sh");
	ck_assert_str_eq(n->backup, "/ok/backup.sh");
	ck_assert_str_eq(n->any, "/ok/any.sh");
	ck_assert_ptr_null(n->fault);
	ck_assert_ptr_null(n->stop);
	SAYS(r, "warning: VI_1: notify_fault \"/ok/fault.sh fault\" not imported");
	SAYS(r, "warning: VI_1: notify_stop as user nobody not imported");
	SAYS(r, "note: notify_deleted not imported");
	res_free(&r);
}
END_TEST

/* ---- what clustd has no room for --------------------------------------- */

START_TEST(test_not_imported)
{
	struct res r = import("global_defs {\n notification_email {\n  a@b\n }\n"
			      " enable_snmp_vrrp\n notify_fifo /run/f\n vrrp_priority -5\n"
			      " frobnicate 1\n}\n"
			      "virtual_server 203.0.113.1 80 {\n real_server 203.0.113.2 80 {\n  weight 1\n }\n}\n"
			      "static_routes {\n 203.0.113.0/24 via 198.51.100.1\n}\n"
			      "mystery_block {\n}\n"
			      VI(" virtual_routes {\n  0.0.0.0/0 via 198.51.100.1\n }\n"
				 " track_process {\n  p\n }\n"
				 " wibble\n"));

	SAYS(r, "keepalived.conf:2: warning: notification_email not imported: clustd sends no mail");
	SAYS(r, "keepalived.conf:5: warning: enable_snmp_vrrp not imported: clustd has no SNMP agent");
	SAYS(r, "keepalived.conf:6: warning: notify_fifo not imported: clustd has no FIFO: a notify.any script");
	SAYS(r, "keepalived.conf:7: note: global_defs vrrp_priority: no effect on the VRRP side");
	SAYS(r, "keepalived.conf:8: warning: global_defs: unknown keyword \"frobnicate\": not imported");
	SAYS(r, "keepalived.conf:10: warning: virtual_server not imported: clustd does not drive IPVS");
	SAYS(r, "keepalived.conf:15: warning: static_routes not imported");
	SAYS(r, "keepalived.conf:18: warning: unknown keyword \"mystery_block\": not imported");
	SAYS(r, "warning: virtual_routes not imported: clustd adds no routes");
	SAYS(r, "warning: track_process not imported");
	SAYS(r, "warning: VI_1: unknown keyword \"wibble\": not imported");
	/* One warning for a whole block, not one per line inside it. */
	QUIET(r, "real_server");
	QUIET(r, "keepalived.conf:11:");
	/* The warnings head the output too. */
	HAS(r, "# NOT IMPORTED or not the same (also on stderr): review before use.\n");
	HAS(r, "#   keepalived.conf:10: virtual_server not imported");
	ck_assert_uint_eq(inst(&r, 0)->vrid, 51);
	res_free(&r);
}
END_TEST

/* The whole command path: exit status, sorted messages, self check. */
START_TEST(test_run_exit_status)
{
	char path[256], *text;
	struct ka_msgs m = {0};
	FILE *f;

	snprintf(path, sizeof(path), "%s/k.conf", dir);
	f = fopen(path, "w");
	fputs(VI(""), f);
	fclose(f);
	ck_assert_int_eq(kaimport_run(path, "n1", &ka_fs_system, &fake_host, &text, &m), KI_EXIT_OK);
	ck_assert_ptr_nonnull(text);
	free(text);
	ka_msgs_free(&m);
	f = fopen(path, "w");
	fputs("virtual_server x {\n}\n" VI(""), f);
	fclose(f);
	ck_assert_int_eq(kaimport_run(path, "n1", &ka_fs_system, &fake_host, &text, &m),
			 KI_EXIT_PARTIAL);
	free(text);
	ka_msgs_free(&m);
	f = fopen(path, "w");
	fputs(VI("") "}\n", f);
	fclose(f);
	ck_assert_int_eq(kaimport_run(path, "n1", &ka_fs_system, &fake_host, &text, &m),
			 KI_EXIT_ERROR);
	ck_assert_ptr_null(text);
	ck_assert_uint_eq(ka_msgs_count(&m, KA_ERROR), 1);
	ck_assert_int_eq(m.v[0].line, 8);
	ka_msgs_free(&m);
}
END_TEST

static Suite *kaimport_suite(void)
{
	Suite *s = suite_create("kaimport");
	TCase *tc = tcase_create("map");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_minimal_instance_keeps_keepalived_defaults);
	tcase_add_test(tc, test_router_id_and_names);
	tcase_add_test(tc, test_advert_int_rounding);
	tcase_add_test(tc, test_versions);
	tcase_add_test(tc, test_state_and_preempt);
	tcase_add_test(tc, test_address_owner);
	tcase_add_test(tc, test_accept_and_strict);
	tcase_add_test(tc, test_vips);
	tcase_add_test(tc, test_unusable_addresses_and_names);
	tcase_add_test(tc, test_instances_left_out);
	tcase_add_test(tc, test_unicast);
	tcase_add_test(tc, test_vmac);
	tcase_add_test(tc, test_authentication);
	tcase_add_test(tc, test_garp);
	tcase_add_test(tc, test_track_script);
	tcase_add_test(tc, test_track_script_commands);
	tcase_add_test(tc, test_script_users);
	tcase_add_test(tc, test_track_interface_and_file);
	tcase_add_test(tc, test_weights_on_owner_and_in_sync_groups);
	tcase_add_test(tc, test_sync_groups);
	tcase_add_test(tc, test_notify);
	tcase_add_test(tc, test_not_imported);
	tcase_add_test(tc, test_run_exit_status);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	runner_pid = getpid();
	SRunner *sr = srunner_create(kaimport_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tu_remove_leftovers("check_kaimport", runner_pid);
	return failed ? 1 : 0;
}
