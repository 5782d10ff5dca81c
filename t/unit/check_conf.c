/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_conf.c - unit tests of the configuration layer (src/conf.c).
 * Each test writes its config to a mkstemp file in /tmp and removes it.
 * Rejections are checked against the exact "FILE:LINE: reason" string. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heartbeat.h"
#include "conf.h"
#include "reload_plan.h"
#include "quorum.h"
#include "testutil.h"
#include "votes.h"

#define VIP4 "[ \"198.51.100.100/24\" ]"
#define VIP6 "[ \"2001:db8::100/64\" ]"

struct loaded {
	char path[64];
	int rc;
	struct clustd_config *cfg;
	struct conf_errors errs;
};

/* Temp paths are /tmp/check_conf.<pid of the runner>.*: a test whose
 * assertion fails ends at once, without its own cleanup, so the runner
 * process (which forks the tests) removes whatever is left when it exits. */
static pid_t runner_pid;

static void tmp_template(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "/tmp/check_conf.%d.%sXXXXXX", (int)runner_pid, what);
}

static void remove_leftovers(void)
{
	tu_remove_leftovers("check_conf", runner_pid);
}

static void write_file(char *path_template, const char *text)
{
	int fd = mkstemp(path_template);
	size_t len = strlen(text);

	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
}

/* Write text to a fresh temp file and conf_load it (the file stays until
 * loaded_free, so conf_check_scripts can read it again). */
static void load_text(struct loaded *l, const char *text)
{
	memset(l, 0, sizeof(*l));
	tmp_template(l->path, sizeof(l->path), "");
	write_file(l->path, text);
	l->rc = conf_load(l->path, &l->cfg, &l->errs);
	ck_assert_int_eq(l->rc, l->cfg ? 0 : -1);
}

static void loaded_free(struct loaded *l)
{
	unlink(l->path);
	conf_free(l->cfg);
	conf_errors_free(&l->errs);
}

/* The one-instance config most tests vary. Line numbers are fixed:
 *   1 instances = (    2 {    3 name    4 interface    5 vrid (or blank)
 *   6 vips (or blank)  7 extra   8 } );   9 tail                        */
static const char *conf_text(const char *vrid, const char *vips, const char *extra, const char *tail)
{
	static char buf[8192];
	char vrid_line[128] = "", vips_line[4096] = "";

	if (vrid)
		snprintf(vrid_line, sizeof(vrid_line), "\tvrid = %s;", vrid);
	if (vips)
		snprintf(vips_line, sizeof(vips_line), "\tvips = %s;", vips);
	snprintf(buf, sizeof(buf),
		 "instances = (\n{\n\tname = \"web\";\n\tinterface = \"eth0\";\n%s\n%s\n\t%s\n} );\n%s\n",
		 vrid_line, vips_line, extra, tail);
	return buf;
}

#define INST(extra) conf_text("51", VIP4, extra, "")

static void assert_msg_is(const struct loaded *l, size_t i, int line, const char *reason)
{
	char want[1024];

	snprintf(want, sizeof(want), "%s:%d: %s", l->path, line, reason);
	ck_assert_msg(i < l->errs.n, "want error #%zu [%s], only %zu errors", i, want, l->errs.n);
	ck_assert_msg(strcmp(l->errs.msgs[i], want) == 0, "want [%s], got [%s]", want, l->errs.msgs[i]);
}

/* Exactly one error, and it reads "PATH:line: reason". */
static void expect_error(const char *text, int line, const char *reason)
{
	struct loaded l;

	load_text(&l, text);
	ck_assert_int_eq(l.rc, -1);
	ck_assert_ptr_null(l.cfg);
	if (l.errs.n != 1)
		for (size_t i = 0; i < l.errs.n; i++)
			fprintf(stderr, "  got: %s\n", l.errs.msgs[i]);
	ck_assert_uint_eq(l.errs.n, 1);
	assert_msg_is(&l, 0, line, reason);
	loaded_free(&l);
}

/* Loads cleanly; the caller inspects and frees. */
static void expect_ok(struct loaded *l, const char *text)
{
	load_text(l, text);
	for (size_t i = 0; i < l->errs.n; i++)
		fprintf(stderr, "  unexpected: %s\n", l->errs.msgs[i]);
	ck_assert_int_eq(l->rc, 0);
	ck_assert_ptr_nonnull(l->cfg);
	ck_assert_uint_eq(l->errs.n, 0);
}

static void assert_ip(const struct ip_addr *a, const char *want)
{
	char buf[IP_ADDR_STRLEN];

	ck_assert_str_eq(ip_addr_str(a, buf), want);
}

static void assert_vip(const struct vip *v, const char *want)
{
	char buf[VIP_STRLEN];

	ck_assert_str_eq(vip_str(v, buf), want);
}

/* ---- accepted configs ------------------------------------------------- */

static const char full_conf[] =
	"node = { name = \"web1\"; state_dir = \"/srv/clustd/state\"; run_dir = \"/srv/clustd/run\"; };\n"
	"instances = (\n"
	"  {\n"
	"    name = \"web\"; interface = \"eth0\"; vrid = 51; priority = 150;\n"
	"    version = 3; advert_interval = 250; preempt = false; preempt_delay = 3000;\n"
	"    vips = [ \"198.51.100.100/24\", \"198.51.100.101\" ];\n"
	"    checksum_pseudo_header = false; accept = false;\n"
	"    unicast_source = \"198.51.100.1\";\n"
	"    unicast_peers = [ \"198.51.100.2\", \"198.51.100.3\" ];\n"
	"    garp = { repeat = 3; interval = 20; master_delay = 0; refresh = 60000; };\n"
	"    notify = { master = \"/etc/clustd/master.sh\"; backup = \"/etc/clustd/backup.sh\";\n"
	"               fault = \"/etc/clustd/fault.sh\"; stop = \"/etc/clustd/stop.sh\";\n"
	"               any = \"/etc/clustd/any.sh\"; timeout = 2500; };\n"
	"  },\n"
	"  {\n"
	"    name = \"db6\"; interface = \"bond0.42\"; vrid = 7L; priority = 255;\n"
	"    version = 2; advert_interval = 3000;\n"
	"    vips = ( \"198.51.100.200/25\" );\n"
	"  },\n"
	"  {\n"
	"    name = \"v6\"; interface = \"eth1\"; vrid = 0x33;\n"
	"    vips = [ \"2001:db8::100/64\", \"2001:db8::101\" ];\n"
	"    unicast_peers = [ \"2001:db8::2\" ];\n"
	"  }\n"
	");\n";

START_TEST(test_full_config)
{
	struct loaded l;
	const struct instance_conf *w, *d, *v;

	expect_ok(&l, full_conf);
	ck_assert_str_eq(l.cfg->path, l.path);
	ck_assert_str_eq(l.cfg->node.name, "web1");
	ck_assert_str_eq(l.cfg->node.state_dir, "/srv/clustd/state");
	ck_assert_str_eq(l.cfg->node.run_dir, "/srv/clustd/run");
	ck_assert_uint_eq(l.cfg->ninstances, 3);

	w = &l.cfg->instances[0];
	ck_assert_str_eq(w->name, "web");
	ck_assert_str_eq(w->interface, "eth0");
	ck_assert_int_eq(w->line, 3);
	ck_assert_uint_eq(w->vrid, 51);
	ck_assert_uint_eq(w->priority, 150);
	ck_assert_uint_eq(w->version, 3);
	ck_assert_uint_eq(w->family, AF_INET);
	ck_assert_uint_eq(w->advert_interval_ms, 250);
	ck_assert(!w->preempt);
	ck_assert_uint_eq(w->preempt_delay_ms, 3000);
	ck_assert(!w->checksum_pseudo_header);
	ck_assert(!w->accept);
	ck_assert_uint_eq(w->nvips, 2);
	assert_vip(&w->vips[0], "198.51.100.100/24");
	assert_vip(&w->vips[1], "198.51.100.101/32");
	assert_ip(&w->unicast_source, "198.51.100.1");
	ck_assert_uint_eq(w->npeers, 2);
	assert_ip(&w->peers[0], "198.51.100.2");
	assert_ip(&w->peers[1], "198.51.100.3");
	ck_assert_uint_eq(w->garp_repeat, 3);
	ck_assert_uint_eq(w->garp_interval_ms, 20);
	ck_assert_uint_eq(w->garp_master_delay_ms, 0);
	ck_assert_uint_eq(w->garp_refresh_ms, 60000);
	ck_assert_str_eq(w->notify.master, "/etc/clustd/master.sh");
	ck_assert_str_eq(w->notify.backup, "/etc/clustd/backup.sh");
	ck_assert_str_eq(w->notify.fault, "/etc/clustd/fault.sh");
	ck_assert_str_eq(w->notify.stop, "/etc/clustd/stop.sh");
	ck_assert_str_eq(w->notify.any, "/etc/clustd/any.sh");
	ck_assert_uint_eq(w->notify.timeout_ms, 2500);

	/* int64 literal, version 2, a list ( ) of VIPs. */
	d = &l.cfg->instances[1];
	ck_assert_str_eq(d->name, "db6");
	ck_assert_str_eq(d->interface, "bond0.42");
	ck_assert_int_eq(d->line, 15);
	ck_assert_uint_eq(d->vrid, 7);
	ck_assert_uint_eq(d->priority, 255);
	ck_assert_uint_eq(d->version, 2);
	ck_assert_uint_eq(d->advert_interval_ms, 3000);
	ck_assert(d->accept);
	ck_assert_uint_eq(d->nvips, 1);
	assert_vip(&d->vips[0], "198.51.100.200/25");

	/* hex literal, IPv6, unicast without a source. */
	v = &l.cfg->instances[2];
	ck_assert_uint_eq(v->vrid, 0x33);
	ck_assert_uint_eq(v->family, AF_INET6);
	ck_assert_uint_eq(v->nvips, 2);
	assert_vip(&v->vips[0], "2001:db8::100/64");
	assert_vip(&v->vips[1], "2001:db8::101/128");
	ck_assert_uint_eq(v->unicast_source.family, AF_UNSPEC);
	ck_assert_uint_eq(v->npeers, 1);
	assert_ip(&v->peers[0], "2001:db8::2");

	ck_assert_ptr_eq(conf_find_instance(l.cfg, "db6"), d);
	ck_assert_ptr_eq(conf_find_instance(l.cfg, "v6"), v);
	ck_assert_ptr_null(conf_find_instance(l.cfg, "nope"));
	ck_assert_ptr_null(conf_find_instance(NULL, "web"));
	loaded_free(&l);
}
END_TEST

START_TEST(test_defaults)
{
	struct loaded l;
	const struct instance_conf *ic;
	char host[256] = "";

	expect_ok(&l, INST(""));
	ck_assert_int_eq(gethostname(host, sizeof(host) - 1), 0);
	ck_assert_str_eq(l.cfg->node.name, host);
	ck_assert_str_eq(l.cfg->node.state_dir, CLUSTD_DEFAULT_STATE_DIR);
	ck_assert_str_eq(l.cfg->node.run_dir, CLUSTD_DEFAULT_RUN_DIR);
	ck_assert_uint_eq(l.cfg->ninstances, 1);
	ic = &l.cfg->instances[0];
	ck_assert_str_eq(ic->name, "web");
	ck_assert_str_eq(ic->interface, "eth0");
	ck_assert_int_eq(ic->line, 2);
	ck_assert_uint_eq(ic->vrid, 51);
	ck_assert_uint_eq(ic->priority, 100);
	ck_assert_uint_eq(ic->version, 3);
	ck_assert_uint_eq(ic->family, AF_INET);
	ck_assert_uint_eq(ic->advert_interval_ms, 1000);
	ck_assert(ic->preempt);
	ck_assert_uint_eq(ic->preempt_delay_ms, 0);
	ck_assert(ic->checksum_pseudo_header);
	ck_assert(ic->accept); /* keepalived's default; RFC 5798 says False */
	ck_assert_uint_eq(ic->nvips, 1);
	assert_vip(&ic->vips[0], "198.51.100.100/24");
	ck_assert_uint_eq(ic->unicast_source.family, AF_UNSPEC);
	ck_assert_uint_eq(ic->npeers, 0);
	ck_assert_uint_eq(ic->garp_repeat, 5);
	ck_assert_uint_eq(ic->garp_interval_ms, 10);
	ck_assert_uint_eq(ic->garp_master_delay_ms, 5000);
	ck_assert_uint_eq(ic->garp_refresh_ms, 0);
	ck_assert_ptr_null(ic->notify.master);
	ck_assert_ptr_null(ic->notify.backup);
	ck_assert_ptr_null(ic->notify.fault);
	ck_assert_ptr_null(ic->notify.stop);
	ck_assert_ptr_null(ic->notify.any);
	ck_assert_uint_eq(ic->notify.timeout_ms, 10000);
	loaded_free(&l);
}
END_TEST

/* An empty garp / notify group changes nothing; the node group may hold
 * only some keys. */
START_TEST(test_empty_groups_keep_defaults)
{
	struct loaded l;

	expect_ok(&l, conf_text("51", VIP4, "garp = { }; notify = { };", "node = { run_dir = \"/run/x\"; };"));
	ck_assert_str_eq(l.cfg->node.run_dir, "/run/x");
	ck_assert_str_eq(l.cfg->node.state_dir, CLUSTD_DEFAULT_STATE_DIR);
	ck_assert_uint_eq(l.cfg->instances[0].garp_master_delay_ms, 5000);
	ck_assert_uint_eq(l.cfg->instances[0].notify.timeout_ms, 10000);
	loaded_free(&l);
}
END_TEST

/* The sample as a user enables its example instance, the way its own
 * comment says: the empty list goes, "#| " comes off every line. */
static char *sample_enabled(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	char *out = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&out, &len);

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		if (strcmp(line, "instances = ( );\n") == 0)
			continue;
		if (strncmp(line, "#|", 2) == 0)
			fputs(line + (line[2] == ' ' ? 3 : 2), o);
		else
			fputs(line, o);
	}
	fclose(f);
	fclose(o);
	return out;
}

/* As shipped (the package's /etc/clustd.conf) it is valid and runs
 * nothing; with its example enabled it runs the example. */
START_TEST(test_sample_config_loads)
{
	struct clustd_config *cfg = NULL;
	struct conf_errors errs = { 0 };
	int rc = conf_load("etc/clustd.conf", &cfg, &errs);
	struct loaded l;
	char *enabled;

	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "  sample: %s\n", errs.msgs[i]);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_uint_eq(cfg->ninstances, 0);
	conf_free(cfg);

	enabled = sample_enabled("etc/clustd.conf");
	expect_ok(&l, enabled);
	free(enabled);
	ck_assert_uint_eq(l.cfg->ninstances, 2);
	ck_assert_ptr_nonnull(conf_find_instance(l.cfg, "web"));
	/* The sample documents the defaults: loading it must give them. */
	ck_assert_uint_eq(conf_find_instance(l.cfg, "web")->garp_repeat, 5);
	ck_assert_uint_eq(conf_find_instance(l.cfg, "web")->notify.timeout_ms, 10000);
	ck_assert_int_eq(conf_check_scripts(l.cfg, &l.errs), 0);
	loaded_free(&l);
}
END_TEST

/* The witness sample serves two clusters (its secrets are checked by
 * t/net/test_witness_config.sh, which gives it some). */
START_TEST(test_witness_sample_loads)
{
	struct clustd_config *cfg = NULL;
	struct conf_errors errs = { 0 };
	int rc = conf_load("etc/clustd-witness.conf", &cfg, &errs);

	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "  sample: %s\n", errs.msgs[i]);
	ck_assert_int_eq(rc, 0);
	ck_assert(cfg->witness);
	ck_assert_uint_eq(cfg->ninstances, 0);
	ck_assert_uint_eq(cfg->nclusters, 2);
	ck_assert_str_eq(conf_cluster(cfg, 0)->name, "web");
	ck_assert_str_eq(conf_cluster(cfg, 1)->name, "db");
	/* The routers' defaults at advert_interval 1000, as it says. */
	ck_assert_uint_eq(conf_cluster(cfg, 0)->dead_interval_ms, 1000);
	ck_assert_uint_eq(conf_cluster(cfg, 0)->vote_lease_ms, 1000);
	conf_free(cfg);
	conf_errors_free(&errs);
}
END_TEST

START_TEST(test_range_edges_accepted)
{
	struct loaded l;

	expect_ok(&l, conf_text("255", VIP4,
		  "priority = 1; advert_interval = 40950; preempt_delay = 1000000; "
		  "garp = { repeat = 100; interval = 10000; master_delay = 3600000; refresh = 86400000; }; "
		  "notify = { timeout = 3600000; };", ""));
	ck_assert_uint_eq(l.cfg->instances[0].vrid, 255);
	ck_assert_uint_eq(l.cfg->instances[0].priority, 1);
	ck_assert_uint_eq(l.cfg->instances[0].advert_interval_ms, 40950);
	ck_assert_uint_eq(l.cfg->instances[0].garp_refresh_ms, 86400000);
	loaded_free(&l);

	expect_ok(&l, conf_text("1", VIP4, "version = 2; advert_interval = 255000; priority = 255;", ""));
	ck_assert_uint_eq(l.cfg->instances[0].advert_interval_ms, 255000);
	loaded_free(&l);

	expect_ok(&l, INST("advert_interval = 10; garp = { refresh = 1000; repeat = 0; };"));
	ck_assert_uint_eq(l.cfg->instances[0].advert_interval_ms, 10);
	ck_assert_uint_eq(l.cfg->instances[0].garp_refresh_ms, 1000);
	ck_assert_uint_eq(l.cfg->instances[0].garp_repeat, 0);
	loaded_free(&l);
}
END_TEST

START_TEST(test_same_vrid_other_interface_ok)
{
	struct loaded l;

	expect_ok(&l, INST("},{ name = \"b\"; interface = \"eth1\"; vrid = 51; vips = [ \"198.51.100.200\" ];"));
	ck_assert_uint_eq(l.cfg->ninstances, 2);
	ck_assert_uint_eq(l.cfg->instances[1].vrid, 51);
	ck_assert_str_eq(l.cfg->instances[1].interface, "eth1");
	loaded_free(&l);
}
END_TEST

START_TEST(test_same_vrid_v4_v6_one_interface_ok)
{
	struct loaded l;

	expect_ok(&l, INST("},{ name = \"web6\"; interface = \"eth0\"; vrid = 51; vips = " VIP6 ";"));
	ck_assert_uint_eq(l.cfg->ninstances, 2);
	ck_assert_uint_eq(l.cfg->instances[0].family, AF_INET);
	ck_assert_uint_eq(l.cfg->instances[1].family, AF_INET6);
	loaded_free(&l);
}
END_TEST

/* Errors in an @include'd file name that file and its own line. */
START_TEST(test_include_reports_included_file)
{
	char inc[64], text[256], want[256];
	struct loaded l;

	tmp_template(inc, sizeof(inc), "inc.");
	write_file(inc, "node = {\n\tname = \"bad name\";\n};\n");
	snprintf(text, sizeof(text), "%s@include \"%s\"\n", INST(""), inc);
	load_text(&l, text);
	unlink(inc);
	ck_assert_int_eq(l.rc, -1);
	ck_assert_uint_eq(l.errs.n, 1);
	snprintf(want, sizeof(want),
		 "%s:2: node.name: \"bad name\" is not a valid name (1..63 characters of A-Z a-z 0-9 _ . -)", inc);
	ck_assert_str_eq(l.errs.msgs[0], want);
	loaded_free(&l);
}
END_TEST

/* A fresh temp dir (removed by tu_remove_tree) and files in it. */
static void make_temp_dir(char *dir, size_t len)
{
	tmp_template(dir, len, "dir.");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void write_in(char *out, size_t len, const char *dir, const char *name, const char *text)
{
	FILE *f;

	snprintf(out, len, "%s/%s", dir, name);
	f = fopen(out, "we");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

#define WEB_INSTANCE(vrid) \
	"instances = (\n{ name = \"web\"; interface = \"eth0\";\n\tvrid = " vrid ";\n\tvips = " VIP4 "; } );\n"

/* libconfig truncates a wide literal in an included file just as in the
 * main one: the check must follow @include (reported at the included
 * file's own line). */
START_TEST(test_include_wide_literal_rejected)
{
	char dir[64], main_conf[128], inc[128], text[256], want[512];
	struct clustd_config *cfg = NULL;
	struct conf_errors errs = { 0 };

	make_temp_dir(dir, sizeof(dir));
	write_in(inc, sizeof(inc), dir, "inc.conf", WEB_INSTANCE("4294967347"));
	snprintf(text, sizeof(text), "# main\n@include \"%s\"\n", inc);
	write_in(main_conf, sizeof(main_conf), dir, "main.conf", text);
	ck_assert_int_eq(conf_load(main_conf, &cfg, &errs), -1);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(want, sizeof(want), "%s:3: integer 4294967347 does not fit in 32 bits "
		 "(libconfig would silently truncate it)", inc);
	ck_assert_str_eq(errs.msgs[0], want);
	conf_errors_free(&errs);
	tu_remove_tree(dir);
}
END_TEST

/* A relative @include is found next to the config file, whatever the
 * working directory: `clustd -t` from a shell reads what the daemon reads.
 * The working directory holds a decoy of the same name. */
START_TEST(test_include_relative_to_config_dir)
{
	char dir[64], cwd_dir[64], path[128];
	struct clustd_config *cfg = NULL;
	struct conf_errors errs = { 0 };

	make_temp_dir(dir, sizeof(dir));
	make_temp_dir(cwd_dir, sizeof(cwd_dir));
	write_in(path, sizeof(path), dir, "inc.conf", WEB_INSTANCE("51"));
	write_in(path, sizeof(path), cwd_dir, "inc.conf", WEB_INSTANCE("52"));
	write_in(path, sizeof(path), dir, "main.conf", "@include \"inc.conf\"\n");
	ck_assert_int_eq(chdir(cwd_dir), 0); /* the test runs in its own process */
	ck_assert_int_eq(conf_load(path, &cfg, &errs), 0);
	ck_assert_uint_eq(cfg->ninstances, 1);
	ck_assert_uint_eq(cfg->instances[0].vrid, 51);
	conf_free(cfg);
	/* A relative config path works too, and the working directory is restored. */
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(chdir(".."), 0);
	snprintf(path, sizeof(path), "%s/main.conf", strrchr(dir, '/') + 1);
	ck_assert_int_eq(conf_load(path, &cfg, &errs), 0);
	ck_assert_uint_eq(cfg->instances[0].vrid, 51);
	ck_assert_int_eq(access(path, R_OK), 0);
	conf_free(cfg);
	tu_remove_tree(dir);
	tu_remove_tree(cwd_dir);
}
END_TEST

/* libconfig's scanner exits the whole process on an @include of a
 * directory (a reload would kill the daemon): reject it instead. */
START_TEST(test_include_directory_rejected)
{
	char dir[64], main_conf[128], text[256], want[512];
	struct clustd_config *cfg = NULL;
	struct conf_errors errs = { 0 };

	make_temp_dir(dir, sizeof(dir));
	snprintf(text, sizeof(text), "\n@include \"%s\"\n", dir);
	write_in(main_conf, sizeof(main_conf), dir, "main.conf", text);
	ck_assert_int_eq(conf_load(main_conf, &cfg, &errs), -1);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(want, sizeof(want), "%s:2: @include \"%s\": not a regular file", main_conf, dir);
	ck_assert_str_eq(errs.msgs[0], want);
	conf_errors_free(&errs);
	tu_remove_tree(dir);
}
END_TEST

START_TEST(test_free_null_and_errors_appended)
{
	struct conf_errors errs = { 0 };
	struct clustd_config *cfg = (void *)1;
	struct loaded l;

	conf_free(NULL);
	conf_errors_free(NULL);
	conf_errors_free(&errs);
	ck_assert_uint_eq(errs.n, 0);

	/* A second failed load appends; a NULL errs only returns -1. */
	load_text(&l, INST("priority = 0;"));
	ck_assert_uint_eq(l.errs.n, 1);
	ck_assert_int_eq(conf_load(l.path, &cfg, &l.errs), -1);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(l.errs.n, 2);
	ck_assert_str_eq(l.errs.msgs[0], l.errs.msgs[1]);
	ck_assert_int_eq(conf_load(l.path, &cfg, NULL), -1);
	loaded_free(&l);
	ck_assert_ptr_null(l.errs.msgs);
	ck_assert_uint_eq(l.errs.n, 0);
}
END_TEST

/* ---- rejected configs: unknown keys ----------------------------------- */

START_TEST(test_unknown_key_top)
{
	expect_error(conf_text("51", VIP4, "", "bogus = 1;"), 9, "unknown key \"bogus\" at top level");
}
END_TEST

START_TEST(test_unknown_key_instance)
{
	expect_error(INST("vird = 5;"), 7, "unknown key \"vird\" in instance (did you mean \"vrid\"?)");
}
END_TEST

START_TEST(test_unknown_key_keepalived_hint)
{
	expect_error(INST("advert_int = 1;"), 7,
		     "unknown key \"advert_int\" in instance (did you mean \"advert_interval\" (in milliseconds)?)");
}
END_TEST

START_TEST(test_unknown_key_notify)
{
	expect_error(INST("notify = { mster = \"/bin/true\"; };"), 7,
		     "unknown key \"mster\" in notify (did you mean \"master\"?)");
}
END_TEST

START_TEST(test_unknown_key_garp)
{
	expect_error(INST("garp = { burst = 3; };"), 7, "unknown key \"burst\" in garp");
}
END_TEST

START_TEST(test_unknown_key_node)
{
	expect_error(conf_text("51", VIP4, "", "node = { hostname = \"x\"; };"), 9,
		     "unknown key \"hostname\" in node");
}
END_TEST

/* ---- rejected configs: values ----------------------------------------- */

START_TEST(test_vrid_0)
{
	expect_error(conf_text("0", VIP4, "", ""), 5, "vrid: 0 is out of range 1..255");
}
END_TEST

START_TEST(test_vrid_256)
{
	expect_error(conf_text("256", VIP4, "", ""), 5, "vrid: 256 is out of range 1..255");
}
END_TEST

START_TEST(test_vrid_wrong_type)
{
	expect_error(conf_text("\"51\"", VIP4, "", ""), 5, "vrid: expected an integer, got a string");
}
END_TEST

/* libconfig 1.5 would read this as 51. */
START_TEST(test_vrid_wraps_32_bits)
{
	expect_error(conf_text("4294967347", VIP4, "", ""), 5,
		     "integer 4294967347 does not fit in 32 bits (libconfig would silently truncate it)");
}
END_TEST

START_TEST(test_priority_0)
{
	expect_error(INST("priority = 0;"), 7,
		     "priority: 0 is reserved for \"master stopping\" (RFC 5798); use 1..255");
}
END_TEST

START_TEST(test_priority_256)
{
	expect_error(INST("priority = 256;"), 7, "priority: 256 is out of range 1..255");
}
END_TEST

START_TEST(test_interval_5)
{
	expect_error(INST("advert_interval = 5;"), 7,
		     "advert_interval: 5 is out of range 10..40950 for version 3");
}
END_TEST

START_TEST(test_interval_15)
{
	expect_error(INST("advert_interval = 15;"), 7,
		     "advert_interval: 15 is not a multiple of 10 (VRRPv3 counts centiseconds)");
}
END_TEST

START_TEST(test_interval_40960_v3)
{
	expect_error(INST("advert_interval = 40960;"), 7,
		     "advert_interval: 40960 is out of range 10..40950 for version 3");
}
END_TEST

START_TEST(test_interval_1500_v2)
{
	expect_error(INST("version = 2; advert_interval = 1500;"), 7,
		     "advert_interval: 1500 is not a multiple of 1000 (VRRPv2 counts whole seconds)");
}
END_TEST

START_TEST(test_interval_float)
{
	expect_error(INST("advert_interval = 1000.0;"), 7,
		     "advert_interval: expected an integer, got a floating-point number");
}
END_TEST

START_TEST(test_version_4)
{
	expect_error(INST("version = 4;"), 7, "version: 4 is not supported (2 or 3)");
}
END_TEST

START_TEST(test_vips_mixed_family)
{
	expect_error(conf_text("51", "[ \"198.51.100.100\", \"2001:db8::1\" ]", "", ""), 6,
		     "vips: 2001:db8::1 is IPv6 but 198.51.100.100 is IPv4; an instance carries one family");
}
END_TEST

START_TEST(test_vips_duplicate)
{
	expect_error(conf_text("51", "[ \"198.51.100.100/24\", \"198.51.100.100/32\" ]", "", ""), 6,
		     "vips: 198.51.100.100 is listed twice");
}
END_TEST

START_TEST(test_vips_bad_string)
{
	expect_error(conf_text("51", "[ \"198.51.100.300\" ]", "", ""), 6,
		     "vips: \"198.51.100.300\" is not an address or ADDRESS/PREFIX");
}
END_TEST

START_TEST(test_vips_multicast)
{
	expect_error(conf_text("51", "[ \"224.0.0.18\" ]", "", ""), 6,
		     "vips: \"224.0.0.18\" is not a usable unicast address");
}
END_TEST

START_TEST(test_vips_empty_and_too_many)
{
	char vips[4096] = "[";

	expect_error(conf_text("51", "[ ]", "", ""), 6, "vips: 0 addresses, expected 1..64");
	for (int i = 1; i <= 65; i++)
		snprintf(vips + strlen(vips), sizeof(vips) - strlen(vips), "%s\"198.51.100.%d\"",
			 i > 1 ? ", " : "", i);
	strcat(vips, "]");
	expect_error(conf_text("51", vips, "", ""), 6, "vips: 65 addresses, expected 1..64");
}
END_TEST

START_TEST(test_v2_ipv6)
{
	expect_error(conf_text("51", VIP6, "version = 2;", ""), 7,
		     "version: VRRPv2 is IPv4 only but the VIPs are IPv6 (use version 3)");
}
END_TEST

START_TEST(test_pseudo_header_with_v2)
{
	expect_error(INST("version = 2; checksum_pseudo_header = false;"), 7,
		     "checksum_pseudo_header: only applies to VRRPv3 over IPv4 (version is 2)");
}
END_TEST

/* keepalived's auth_type PASS: VRRPv2 only, 1..8 characters, zero-padded. */
START_TEST(test_auth_pass)
{
	struct loaded l;

	expect_ok(&l, INST("version = 2; advert_interval = 1000; auth_pass = \"abc\";"));
	ck_assert(l.cfg->instances[0].auth_pass_set);
	ck_assert_mem_eq(l.cfg->instances[0].auth_pass, "abc\0\0\0\0\0", CLUSTD_AUTH_PASS_LEN);
	loaded_free(&l);
	expect_ok(&l, INST("version = 2; auth_pass = \"12345678\";"));
	ck_assert_mem_eq(l.cfg->instances[0].auth_pass, "12345678", CLUSTD_AUTH_PASS_LEN);
	loaded_free(&l);
	expect_ok(&l, INST("version = 2;"));
	ck_assert(!l.cfg->instances[0].auth_pass_set);
	loaded_free(&l);
	expect_error(INST("auth_pass = \"abc\";"), 7,
		     "auth_pass: VRRPv3 has no authentication (RFC 5798); only version = 2 carries it");
	expect_error(INST("version = 2; auth_pass = \"123456789\";"), 7,
		     "auth_pass: 9 characters, expected 1..8 (keepalived uses only the first 8: give "
		     "those)");
	expect_error(INST("version = 2; auth_pass = \"\";"), 7,
		     "auth_pass: 0 characters, expected 1..8 (keepalived uses only the first 8: give "
		     "those)");
	expect_error(INST("version = 2; auth_pass = 1234;"), 7,
		     "auth_pass: expected a string, got an integer");
	expect_error(INST("version = 2; authentication = { auth_type = \"PASS\"; };"), 7,
		     "unknown key \"authentication\" in instance (did you mean \"auth_pass\" "
		     "(keepalived's auth_type PASS)?)");
}
END_TEST

START_TEST(test_duplicate_vrid_one_interface)
{
	expect_error(INST("},{ name = \"b\"; interface = \"eth0\";\n"
			  "vrid = 51; vips = [ \"198.51.100.200\" ];"), 8,
		     "vrid: 51 is already used on eth0 for IPv4 by instance \"web\" at line 2");
}
END_TEST

START_TEST(test_duplicate_instance_name)
{
	expect_error(INST("},{\nname = \"web\"; interface = \"eth1\"; vrid = 52; vips = [ \"198.51.100.200\" ];"), 8,
		     "name: \"web\" is already used by the instance at line 2");
}
END_TEST

START_TEST(test_bad_instance_name)
{
	expect_error("instances = ( { name = \"we b\"; interface = \"eth0\"; vrid = 1; vips = " VIP4 "; } );\n", 1,
		     "name: \"we b\" is not a valid name (1..63 characters of A-Z a-z 0-9 _ . -)");
}
END_TEST

START_TEST(test_bad_interface)
{
	expect_error("instances = ( { name = \"web\";\ninterface = \"eth0/1\"; vrid = 1; vips = " VIP4 "; } );\n", 2,
		     "interface: \"eth0/1\" is not a valid interface name (1..15 characters, no '/', ':' or white space)");
	expect_error("instances = ( { name = \"web\";\ninterface = \"abcdefghijklmnop\"; vrid = 1; vips = " VIP4 "; } );\n", 2,
		     "interface: \"abcdefghijklmnop\" is not a valid interface name (1..15 characters, no '/', ':' or white space)");
}
END_TEST

START_TEST(test_missing_vips)
{
	expect_error(conf_text("51", NULL, "", ""), 2, "instance \"web\": missing required key \"vips\"");
}
END_TEST

START_TEST(test_missing_instances)
{
	expect_error("node = { name = \"n1\"; };\n", 1, "missing required key \"instances\" (nothing to do "
		     "without one, or without a cluster group to serve as a witness)");
	expect_error("instances = ( 5 );\n", 1, "instances: element 1: expected a group { ... }, got an integer");
}
END_TEST

/* An empty list is a valid config that runs no instance: the packaged
 * /etc/clustd.conf ships so, and the service idles until it is edited. */
START_TEST(test_empty_instance_list_runs_nothing)
{
	struct loaded l;

	expect_ok(&l, "node = { name = \"n1\"; };\ninstances = ( );\n");
	ck_assert_uint_eq(l.cfg->ninstances, 0);
	loaded_free(&l);
}
END_TEST

START_TEST(test_unicast_peers_empty)
{
	expect_error(INST("unicast_peers = [ ];"), 7,
		     "unicast_peers: 0 addresses, expected 1..32 (remove the key for multicast)");
}
END_TEST

START_TEST(test_unicast_peer_multicast)
{
	expect_error(INST("unicast_peers = [ \"224.0.0.18\" ];"), 7,
		     "unicast_peers: 224.0.0.18 is not a unicast address");
}
END_TEST

START_TEST(test_unicast_peer_wrong_family)
{
	expect_error(INST("unicast_peers = [ \"2001:db8::2\" ];"), 7,
		     "unicast_peers: 2001:db8::2 is IPv6 but the VIPs are IPv4");
}
END_TEST

START_TEST(test_unicast_peer_duplicate_and_source)
{
	expect_error(INST("unicast_peers = [ \"198.51.100.2\", \"198.51.100.2\" ];"), 7,
		     "unicast_peers: 198.51.100.2 is listed twice");
	expect_error(INST("unicast_source = \"198.51.100.2\"; unicast_peers = [ \"198.51.100.2\" ];"), 7,
		     "unicast_peers: 198.51.100.2 is the unicast_source itself");
	expect_error(INST("unicast_source = \"198.51.100.1\";"), 7,
		     "unicast_source: set without unicast_peers (adverts would still go to the multicast group)");
}
END_TEST

START_TEST(test_notify_relative_path)
{
	expect_error(INST("notify = { master = \"master.sh\"; };"), 7,
		     "notify.master: \"master.sh\" is not an absolute path");
}
END_TEST

START_TEST(test_notify_timeout_0)
{
	expect_error(INST("notify = { timeout = 0; };"), 7, "notify.timeout: 0 is out of range 1..3600000");
}
END_TEST

START_TEST(test_garp_refresh_500)
{
	expect_error(INST("garp = { refresh = 500; };"), 7,
		     "garp.refresh: 500 is out of range 1000..86400000 (or 0 for off)");
}
END_TEST

START_TEST(test_node_relative_state_dir)
{
	expect_error(conf_text("51", VIP4, "", "node = { state_dir = \"var/lib/clustd\"; };"), 9,
		     "node.state_dir: \"var/lib/clustd\" is not an absolute path");
}
END_TEST

START_TEST(test_bool_wrong_type)
{
	expect_error(INST("preempt = 1;"), 7, "preempt: expected true or false, got an integer");
}
END_TEST

START_TEST(test_syntax_error)
{
	expect_error(INST("priority = ;"), 7, "syntax error: syntax error");
	expect_error("instances = (\n{\n\tname = \"web\";\n\tname = \"web\";\n} );\n", 4,
		     "syntax error: duplicate setting name");
}
END_TEST

START_TEST(test_missing_file)
{
	struct clustd_config *cfg = (void *)1;
	struct conf_errors errs = { 0 };

	ck_assert_int_eq(conf_load("/tmp/check_conf.does-not-exist", &cfg, &errs), -1);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.msgs[0], "/tmp/check_conf.does-not-exist:0: cannot read: No such file or directory");
	conf_errors_free(&errs);
}
END_TEST

/* All problems come back at once, sorted by line. */
/* ---- virtual MAC (use_vmac) ------------------------------------------- */

START_TEST(test_vmac_off_by_default)
{
	struct loaded l;

	expect_ok(&l, INST(""));
	ck_assert(!l.cfg->instances[0].use_vmac);
	ck_assert_ptr_null(l.cfg->instances[0].vmac_interface);
	loaded_free(&l);
}
END_TEST

/* keepalived's default name for IPv4, vrrp6.<vrid> for IPv6, so one VRID
 * serves both families on one link; vmac_interface overrides it. */
START_TEST(test_vmac_names)
{
	struct loaded l;

	expect_ok(&l, INST("use_vmac = true;"));
	ck_assert(l.cfg->instances[0].use_vmac);
	ck_assert_str_eq(l.cfg->instances[0].vmac_interface, "vrrp.51");
	loaded_free(&l);

	expect_ok(&l, conf_text("51", VIP6, "use_vmac = true;", ""));
	ck_assert_str_eq(l.cfg->instances[0].vmac_interface, "vrrp6.51");
	loaded_free(&l);

	expect_ok(&l, INST("use_vmac = true; vmac_interface = \"web-vmac\";"));
	ck_assert_str_eq(l.cfg->instances[0].vmac_interface, "web-vmac");
	loaded_free(&l);

	expect_ok(&l, INST("use_vmac = false;"));
	ck_assert(!l.cfg->instances[0].use_vmac);
	ck_assert_ptr_null(l.cfg->instances[0].vmac_interface);
	loaded_free(&l);

	/* Same VRID, both families, one interface: two devices. */
	expect_ok(&l, INST("use_vmac = true; },{ name = \"web6\"; interface = \"eth0\"; vrid = 51;\n"
			   "vips = " VIP6 "; use_vmac = true;"));
	ck_assert_str_eq(l.cfg->instances[0].vmac_interface, "vrrp.51");
	ck_assert_str_eq(l.cfg->instances[1].vmac_interface, "vrrp6.51");
	loaded_free(&l);
}
END_TEST

START_TEST(test_vmac_rejects)
{
	expect_error(INST("use_vmac = 1;"), 7, "use_vmac: expected true or false, got an integer");
	expect_error(INST("vmac_interface = \"v51\";"), 7,
		     "vmac_interface: set but use_vmac is not true");
	expect_error(INST("use_vmac = false; vmac_interface = \"v51\";"), 7,
		     "vmac_interface: set but use_vmac is not true");
	expect_error(INST("use_vmac = true; vmac_interface = 51;"), 7,
		     "vmac_interface: expected a string, got an integer");
	expect_error(INST("use_vmac = true; vmac_interface = \"vrrp/51\";"), 7,
		     "vmac_interface: \"vrrp/51\" is not a valid interface name "
		     "(1..15 characters, no '/', ':' or white space)");
	expect_error(INST("use_vmac = true; vmac_interface = \"vrrp.51.abcdefgh\";"), 7,
		     "vmac_interface: \"vrrp.51.abcdefgh\" is not a valid interface name "
		     "(1..15 characters, no '/', ':' or white space)");
	expect_error(INST("use_vmac = true; vmac_interface = \"eth0\";"), 7,
		     "vmac_interface: device \"eth0\" is the instance's interface itself");
	expect_error("instances = ( { name = \"web\"; interface = \"vrrp.51\"; vrid = 51;\n"
		     "vips = " VIP4 "; use_vmac = true; } );\n", 2,
		     "use_vmac: device \"vrrp.51\" is the instance's interface itself "
		     "(the default name: set vmac_interface)");
}
END_TEST

/* A device name belongs to one instance, and is nobody's interface. */
START_TEST(test_vmac_name_clashes)
{
	expect_error(INST("use_vmac = true; },{ name = \"b\"; interface = \"eth1\";\n"
			  "vrid = 51; vips = [ \"198.51.100.200\" ]; use_vmac = true;"), 8,
		     "use_vmac: device \"vrrp.51\" is already the virtual MAC device of instance "
		     "\"web\" at line 2 (the default name: set vmac_interface)");
	expect_error(INST("use_vmac = true; vmac_interface = \"v\"; },{ name = \"b\";\n"
			  "interface = \"eth1\"; vrid = 52; vips = [ \"198.51.100.200\" ];\n"
			  "use_vmac = true; vmac_interface = \"v\";"), 9,
		     "vmac_interface: device \"v\" is already the virtual MAC device of instance "
		     "\"web\" at line 2");
	expect_error(INST("use_vmac = true; vmac_interface = \"eth1\"; },{ name = \"b\";\n"
			  "interface = \"eth1\"; vrid = 52; vips = [ \"198.51.100.200\" ];"), 7,
		     "vmac_interface: device \"eth1\" is the interface of instance \"b\" at line 7");
	/* Different VRIDs, different default names: fine. */
	struct loaded l;
	expect_ok(&l, INST("use_vmac = true; },{ name = \"b\"; interface = \"eth1\";\n"
			   "vrid = 52; vips = [ \"198.51.100.200\" ]; use_vmac = true;"));
	ck_assert_str_eq(l.cfg->instances[1].vmac_interface, "vrrp.52");
	loaded_free(&l);
}
END_TEST

START_TEST(test_several_errors)
{
	struct loaded l;

	load_text(&l, "instances = (\n"
		      "{ name = \"a\"; interface = \"eth0\";\n"
		      "  vrid = 0;\n"
		      "  vips = [ \"198.51.100.1\" ];\n"
		      "  priority = 300; typo = 1;\n"
		      "},\n"
		      "{ name = \"a\"; interface = \"eth0\"; vrid = 9; }\n"
		      ");\n");
	ck_assert_int_eq(l.rc, -1);
	ck_assert_ptr_null(l.cfg);
	ck_assert_uint_eq(l.errs.n, 5);
	assert_msg_is(&l, 0, 3, "vrid: 0 is out of range 1..255");
	assert_msg_is(&l, 1, 5, "unknown key \"typo\" in instance");
	assert_msg_is(&l, 2, 5, "priority: 300 is out of range 1..255");
	assert_msg_is(&l, 3, 7, "instance \"a\": missing required key \"vips\"");
	assert_msg_is(&l, 4, 7, "name: \"a\" is already used by the instance at line 2");
	loaded_free(&l);
}
END_TEST

/* ---- notify scripts on disk -------------------------------------------- */

struct script_dir {
	char dir[64];
	char path[8][128];
	int n;
};

/* Reserve the next path slot for DIR/name. */
static char *script_path(struct script_dir *sd, const char *name)
{
	char tmp[sizeof(sd->path[0])];

	snprintf(tmp, sizeof(tmp), "%s/%s", sd->dir, name);
	return strcpy(sd->path[sd->n++], tmp);
}

static const char *make_script(struct script_dir *sd, const char *name, mode_t mode)
{
	const char *p = script_path(sd, name);
	int fd;

	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "#!/bin/sh\nexit 0\n", 17), 17);
	ck_assert_int_eq(fchmod(fd, mode), 0); /* not subject to the umask */
	ck_assert_int_eq(close(fd), 0);
	return p;
}

static void script_dir_init(struct script_dir *sd)
{
	memset(sd, 0, sizeof(*sd));
	tmp_template(sd->dir, sizeof(sd->dir), "d.");
	ck_assert_ptr_nonnull(mkdtemp(sd->dir));
}

/* Newest first, so directories are empty when their turn comes. */
static void script_dir_free(struct script_dir *sd)
{
	for (int i = sd->n - 1; i >= 0; i--)
		if (rmdir(sd->path[i]) < 0)
			unlink(sd->path[i]);
	rmdir(sd->dir);
}

START_TEST(test_scripts_problems)
{
	struct script_dir sd;
	struct loaded l;
	char text[2048], reason[256];
	const char *ok, *noexec, *ww, *gw, *missing = "/tmp/check_conf.no-such-script";

	script_dir_init(&sd);
	ok = make_script(&sd, "ok.sh", 0755);
	noexec = make_script(&sd, "noexec.sh", 0644);
	ww = make_script(&sd, "ww.sh", 0777);
	gw = make_script(&sd, "gw.sh", 0775);
	ck_assert_int_eq(mkdir(script_path(&sd, "adir"), 0755), 0);
	snprintf(text, sizeof(text),
		 "instances = ( {\n"
		 "  name = \"web\"; interface = \"eth0\"; vrid = 51; vips = " VIP4 ";\n"
		 "  notify = {\n"
		 "    master = \"%s\";\n"
		 "    backup = \"%s\";\n"
		 "    fault = \"%s\";\n"
		 "    stop = \"%s\";\n"
		 "    any = \"%s\";\n"
		 "  };\n"
		 "}, {\n"
		 "  name = \"db\"; interface = \"eth0\"; vrid = 52; vips = [ \"198.51.100.200\" ];\n"
		 "  notify = { master = \"%s\"; backup = \"%s\"; };\n"
		 "} );\n",
		 ok, noexec, ww, missing, sd.path[4], gw, ok);
	expect_ok(&l, text);
	ck_assert_int_eq(conf_check_scripts(l.cfg, &l.errs), 5);
	ck_assert_uint_eq(l.errs.n, 5);
	snprintf(reason, sizeof(reason), "notify.backup: %s is not executable", noexec);
	assert_msg_is(&l, 0, 5, reason);
	snprintf(reason, sizeof(reason),
		 "notify.fault: %s is writable by group or others (notify scripts run as root)", ww);
	assert_msg_is(&l, 1, 6, reason);
	snprintf(reason, sizeof(reason), "notify.stop: %s does not exist", missing);
	assert_msg_is(&l, 2, 7, reason);
	snprintf(reason, sizeof(reason), "notify.any: %s is not a regular file", sd.path[4]);
	assert_msg_is(&l, 3, 8, reason);
	snprintf(reason, sizeof(reason),
		 "notify.master: %s is writable by group or others (notify scripts run as root)", gw);
	assert_msg_is(&l, 4, 12, reason);

	/* With the file gone the instance's own line is the best we have. */
	unlink(l.path);
	conf_errors_free(&l.errs);
	ck_assert_int_eq(conf_check_scripts(l.cfg, &l.errs), 5);
	snprintf(reason, sizeof(reason), "notify.backup: %s is not executable", noexec);
	assert_msg_is(&l, 0, 1, reason);
	loaded_free(&l);
	script_dir_free(&sd);
}
END_TEST

/* B1: state_dir and run_dir must be owned by root and not writable by
 * group or others (a planted link there would make root write another
 * file); a missing one is fine (the daemon creates it 0755). */
START_TEST(test_private_dirs)
{
	struct script_dir sd;
	struct loaded l;
	char text[1024], reason[512];
	char *state, *run;

	script_dir_init(&sd);
	state = script_path(&sd, "state");
	run = script_path(&sd, "run");
	ck_assert_int_eq(mkdir(state, 0755), 0);
	ck_assert_int_eq(chmod(state, 0775), 0);
	snprintf(text, sizeof(text), "instances = ( { name = \"web\"; interface = \"eth0\"; vrid = 51; "
		 "vips = " VIP4 "; } );\nnode = {\n  state_dir = \"%s\";\n  run_dir = \"%s\";\n};\n",
		 state, run);
	expect_ok(&l, text);
	ck_assert_int_eq(conf_check_scripts(l.cfg, &l.errs), 1); /* run_dir missing: fine */
	snprintf(reason, sizeof(reason), "node.state_dir: directory %s is writable by group or "
		 "others (clustd writes its state there as root)", state);
	assert_msg_is(&l, 0, 3, reason);
	conf_errors_free(&l.errs);
	ck_assert_int_eq(mkdir(run, 0700), 0);
	ck_assert_int_eq(chmod(run, 0757), 0);
	ck_assert_int_eq(chmod(state, 0700), 0);
	ck_assert_int_eq(conf_check_scripts(l.cfg, &l.errs), 1);
	snprintf(reason, sizeof(reason), "node.run_dir: directory %s is writable by group or "
		 "others (clustd writes its state there as root)", run);
	assert_msg_is(&l, 0, 4, reason);
	conf_errors_free(&l.errs);
	ck_assert_int_eq(chmod(run, 0755), 0);
	ck_assert_int_eq(conf_check_scripts(l.cfg, &l.errs), 0);
	loaded_free(&l);
	script_dir_free(&sd);
}
END_TEST

START_TEST(test_scripts_ok)
{
	struct script_dir sd;
	struct loaded l;
	char text[1024];
	const char *ok, *ux;

	script_dir_init(&sd);
	ok = make_script(&sd, "ok.sh", 0755);
	ux = make_script(&sd, "user-x.sh", 0700); /* any x bit will do */
	snprintf(text, sizeof(text), "instances = ( { name = \"web\"; interface = \"eth0\"; vrid = 51; "
		 "vips = " VIP4 "; notify = { master = \"%s\"; any = \"%s\"; }; } );\n", ok, ux);
	expect_ok(&l, text);
	ck_assert_int_eq(conf_check_scripts(l.cfg, &l.errs), 0);
	ck_assert_uint_eq(l.errs.n, 0);
	ck_assert_int_eq(conf_check_scripts(NULL, &l.errs), 0);
	loaded_free(&l);
	script_dir_free(&sd);
}
END_TEST

/* A script in a directory anyone can write to can be swapped under us. */
START_TEST(test_scripts_open_directory)
{
	struct script_dir sd;
	struct loaded l;
	char text[1024], reason[512];
	const char *ok;

	script_dir_init(&sd);
	ok = make_script(&sd, "ok.sh", 0755);
	ck_assert_int_eq(chmod(sd.dir, 0777), 0);
	snprintf(text, sizeof(text), "instances = ( { name = \"web\"; interface = \"eth0\"; vrid = 51; "
		 "vips = " VIP4 ";\nnotify = { master = \"%s\"; }; } );\n", ok);
	expect_ok(&l, text);
	ck_assert_int_eq(conf_check_scripts(l.cfg, &l.errs), 1);
	snprintf(reason, sizeof(reason), "notify.master: %s is in directory %s writable by group or others "
		 "(notify scripts run as root)", ok, sd.dir);
	assert_msg_is(&l, 0, 2, reason);
	loaded_free(&l);
	script_dir_free(&sd);
}
END_TEST

/* What runs is where the link leads: that directory is checked too. */
START_TEST(test_scripts_symlink_followed)
{
	struct script_dir sd;
	struct loaded l;
	char text[1024], reason[512];
	const char *open_dir, *real, *link;

	script_dir_init(&sd);
	open_dir = script_path(&sd, "open");
	ck_assert_int_eq(mkdir(open_dir, 0755), 0);
	ck_assert_int_eq(chmod(open_dir, 0777), 0);
	real = make_script(&sd, "open/real.sh", 0755);
	link = script_path(&sd, "link.sh");
	ck_assert_int_eq(symlink(real, link), 0);
	snprintf(text, sizeof(text), "instances = ( { name = \"web\"; interface = \"eth0\"; vrid = 51; "
		 "vips = " VIP4 ";\nnotify = {\nstop = \"%s\"; }; } );\n", link);
	expect_ok(&l, text);
	ck_assert_int_eq(conf_check_scripts(l.cfg, &l.errs), 1);
	snprintf(reason, sizeof(reason), "notify.stop: %s is in directory %s writable by group or others "
		 "(notify scripts run as root)", link, open_dir);
	assert_msg_is(&l, 0, 3, reason);
	loaded_free(&l);
	script_dir_free(&sd);
}
END_TEST

/* Root runs it, so only root (or clustd's own user) may own it. */
START_TEST(test_scripts_foreign_owner)
{
	struct script_dir sd;
	struct loaded l;
	char text[1024], reason[512];
	const char *s;

	if (geteuid() != 0)
		TU_SKIP("needs root (only root can give a file away)");
	script_dir_init(&sd);
	s = make_script(&sd, "theirs.sh", 0755);
	ck_assert_int_eq(chown(s, 65534, 65534), 0);
	snprintf(text, sizeof(text), "instances = ( { name = \"web\"; interface = \"eth0\"; vrid = 51; "
		 "vips = " VIP4 "; notify = { fault = \"%s\"; }; } );\n", s);
	expect_ok(&l, text);
	ck_assert_int_eq(conf_check_scripts(l.cfg, &l.errs), 1);
	snprintf(reason, sizeof(reason), "notify.fault: %s is owned by uid 65534 (notify scripts run as root)", s);
	assert_msg_is(&l, 0, 1, reason);
	loaded_free(&l);
	script_dir_free(&sd);
}
END_TEST

/* A cluster config whose secret_file is path (line 2 is the cluster group). */
static void load_with_secret(struct loaded *l, const char *path)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "node = { name = \"n1\"; };\n"
		 "cluster = { secret_file = \"%s\";\n"
		 "\tmembers = ( { name = \"n1\"; address = \"198.51.100.1\"; } ); };\n"
		 "instances = ( { name = \"web\"; interface = \"eth0\"; vrid = 51; vips = " VIP4 "; } );\n",
		 path);
	expect_ok(l, text);
}

/* The secret is read by root: a file another user owns could be swapped
 * for a key of their choosing, whatever its mode. */
START_TEST(test_secret_file_foreign_owner)
{
	char dir[64], secret[128], reason[512];
	struct loaded l;

	if (geteuid() != 0)
		TU_SKIP("only root can give a file away");
	make_temp_dir(dir, sizeof(dir));
	write_in(secret, sizeof(secret), dir, "secret", "0123456789abcdef0123\n");
	ck_assert_int_eq(chmod(secret, 0600), 0);
	load_with_secret(&l, secret);
	ck_assert_int_eq(conf_check_scripts(l.cfg, &l.errs), 0);
	ck_assert_int_eq(chown(secret, 65534, 65534), 0);
	ck_assert_int_eq(conf_check_scripts(l.cfg, &l.errs), 1);
	snprintf(reason, sizeof(reason), "cluster.secret_file: secret file %s is owned by uid 65534 "
		 "(it must belong to root)", secret);
	assert_msg_is(&l, 0, 1, reason);
	loaded_free(&l);
	tu_remove_tree(dir);
}
END_TEST

static bool digest_is_zero(const struct clustd_config *cfg)
{
	static const uint8_t zero[CLUSTD_SECRET_DIGEST_LEN];

	return memcmp(cfg->cluster.secret_digest, zero, sizeof(zero)) == 0;
}

/* A reload restarts the cluster plane when the secret's content changed
 * (a rotated secret under the same path): the model carries a digest of
 * the content read at load time, which is not the HMAC key itself. */
START_TEST(test_secret_digest_follows_content)
{
	char dir[64], secret[128];
	uint8_t first[CLUSTD_SECRET_DIGEST_LEN], key[CLUSTER_KEY_LEN];
	struct loaded l;

	make_temp_dir(dir, sizeof(dir));
	write_in(secret, sizeof(secret), dir, "secret", "0123456789abcdef-one\n");
	load_with_secret(&l, secret);
	ck_assert(!digest_is_zero(l.cfg));
	memcpy(first, l.cfg->cluster.secret_digest, sizeof(first));
	cluster_key_derive((const uint8_t *)"0123456789abcdef-one\n", 21, key);
	ck_assert_mem_ne(first, key, sizeof(first));
	loaded_free(&l);

	load_with_secret(&l, secret); /* same content: same digest */
	ck_assert_mem_eq(l.cfg->cluster.secret_digest, first, sizeof(first));
	loaded_free(&l);

	write_in(secret, sizeof(secret), dir, "secret", "0123456789abcdef-two\n");
	load_with_secret(&l, secret); /* rotated: another digest */
	ck_assert_mem_ne(l.cfg->cluster.secret_digest, first, sizeof(first));
	loaded_free(&l);

	ck_assert_int_eq(unlink(secret), 0);
	load_with_secret(&l, secret); /* unreadable: left to the checks that report it */
	ck_assert(digest_is_zero(l.cfg));
	loaded_free(&l);
	tu_remove_tree(dir);
}
END_TEST

/* ---- node.vip_lease, cluster, track, sync_groups ----------------------- */

/* Lines: 1 node, 2 cluster = {, 3 secret_file, 4 members, 5 cluster extra,
 * 6 };, 7 the instance (with inst_extra), 8 tail. */
static const char *cluster_text(const char *cluster_extra, const char *inst_extra, const char *tail)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf),
		 "node = { name = \"n1\"; };\n"
		 "cluster = {\n"
		 "\tsecret_file = \"/etc/clustd/secret\";\n"
		 "\tmembers = ( { name = \"n1\"; address = \"198.51.100.1\"; }, "
		 "{ name = \"n2\"; address = \"198.51.100.2\"; }, { name = \"n3\"; address = \"198.51.100.3\"; } );\n"
		 "\t%s\n"
		 "};\n"
		 "instances = ( { name = \"web\"; interface = \"eth0\"; vrid = 51; vips = " VIP4 "; %s } );\n"
		 "%s\n",
		 cluster_extra, inst_extra, tail);
	return buf;
}

START_TEST(test_cluster_defaults)
{
	struct loaded l;
	const struct cluster_conf *cc;

	expect_ok(&l, cluster_text("", "", ""));
	cc = &l.cfg->cluster;
	ck_assert(cc->enabled);
	ck_assert_str_eq(cc->secret_file, "/etc/clustd/secret");
	ck_assert_ptr_null(cc->interface);
	ck_assert_uint_eq(cc->port, CLUSTD_CLUSTER_PORT);
	ck_assert_uint_eq(cc->group.family, AF_UNSPEC);
	ck_assert_uint_eq(cc->heartbeat_interval_ms, 100);
	ck_assert_uint_eq(cc->slack_ms, 50);
	/* min(2 x 1000 - 50, 10 heartbeats) */
	ck_assert_uint_eq(cc->dead_interval_ms, 1000);
	ck_assert_uint_eq(cc->quorum, 0);
	ck_assert_uint_eq(cc->nmembers, 3);
	ck_assert_str_eq(cc->members[1].name, "n2");
	assert_ip(&cc->members[2].addr, "198.51.100.3");
	ck_assert_uint_eq(l.cfg->node.vip_lease_ms, 5000);
	loaded_free(&l);

	/* No cluster group: the plane is off. */
	expect_ok(&l, INST(""));
	ck_assert(!l.cfg->cluster.enabled);
	ck_assert_uint_eq(l.cfg->cluster.nmembers, 0);
	loaded_free(&l);
}
END_TEST

/* B11: the heartbeat carries at most CLUSTER_MAX_INSTANCES instances; a
 * cluster plane with more would leave the rest outside the VIP hold-back.
 * Lines: 1 node, 2 cluster = {, 3 secret_file, 4 members, 5 };,
 * 6 instances = (, then instance k (1-based) on line 6 + k. */
static const char *many_instances_text(size_t n, bool plane)
{
	static char buf[32768];
	size_t len = (size_t)snprintf(buf, sizeof(buf), "node = { name = \"n1\"; };\n%s"
				      "instances = (\n", plane ?
				      "cluster = {\n\tsecret_file = \"/etc/clustd/secret\";\n"
				      "\tmembers = ( { name = \"n1\"; address = \"198.51.100.1\"; } );\n};\n" :
				      "\n\n\n\n");

	for (size_t k = 1; k <= n; k++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					"%s{ name = \"i%zu\"; interface = \"eth0\"; vrid = %zu; vips = "
					"[ \"198.51.100.%zu/24\" ]; }\n", k > 1 ? "," : "", k, k, k);
	snprintf(buf + len, sizeof(buf) - len, ");\n");
	return buf;
}

START_TEST(test_cluster_instance_limit)
{
	char reason[256];
	struct loaded l;

	expect_ok(&l, many_instances_text(CLUSTER_MAX_INSTANCES, true));
	ck_assert_uint_eq(l.cfg->ninstances, CLUSTER_MAX_INSTANCES);
	loaded_free(&l);
	/* Without a cluster plane there is no heartbeat to carry them. */
	expect_ok(&l, many_instances_text(CLUSTER_MAX_INSTANCES + 1, false));
	loaded_free(&l);
	snprintf(reason, sizeof(reason), "instance \"i%d\": a cluster plane carries at most %d "
		 "instances in its heartbeat (this config has %d)", CLUSTER_MAX_INSTANCES + 1,
		 CLUSTER_MAX_INSTANCES, CLUSTER_MAX_INSTANCES + 2);
	expect_error(many_instances_text(CLUSTER_MAX_INSTANCES + 2, true),
		     6 + CLUSTER_MAX_INSTANCES + 1, reason);
}
END_TEST

/* What the limit is for: the heartbeat carrying the most instances with
 * the longest names (and no counters, which travel on their own) fits a
 * datagram of HB_DATAGRAM_BUDGET bytes. */
#define HB_DATAGRAM_BUDGET 8192
START_TEST(test_cluster_instance_limit_fits)
{
	static struct heartbeat hb;
	static uint8_t buf[CLUSTER_MAX_MSG];
	uint8_t key[CLUSTER_KEY_LEN] = { 7 };

	memset(&hb, 0, sizeof(hb));
	hb.kind = HB_KIND_HEARTBEAT;
	memset(hb.node, 'n', CLUSTD_NAME_MAX - 1);
	hb.ninstances = CLUSTER_MAX_INSTANCES;
	for (size_t i = 0; i < hb.ninstances; i++) {
		memset(hb.instances[i].name, 'a' + (int)(i % 26), CLUSTD_NAME_MAX - 1);
		hb.instances[i].vrid = (uint8_t)(i + 1);
	}
	size_t n = hb_encode(&hb, key, buf, sizeof(buf));
	ck_assert_uint_gt(n, (size_t)CLUSTER_MAX_INSTANCES * (CLUSTD_NAME_MAX - 1));
	ck_assert_uint_le(n, HB_DATAGRAM_BUDGET);
	/* One more is refused by the codec, never cut silently. */
	hb.ninstances = CLUSTER_MAX_INSTANCES + 1;
	ck_assert_uint_eq(hb_encode(&hb, key, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_cluster_full)
{
	struct loaded l;
	const struct cluster_conf *cc;

	expect_ok(&l, cluster_text("interface = \"eth1\"; group = \"239.255.57.98\"; port = 6000; "
				   "heartbeat_interval = 50; slack = 20; dead_interval = 400; quorum = 3;",
				   "advert_interval = 300;", ""));
	cc = &l.cfg->cluster;
	ck_assert_str_eq(cc->interface, "eth1");
	assert_ip(&cc->group, "239.255.57.98");
	ck_assert_uint_eq(cc->port, 6000);
	ck_assert_uint_eq(cc->heartbeat_interval_ms, 50);
	ck_assert_uint_eq(cc->slack_ms, 20);
	ck_assert_uint_eq(cc->dead_interval_ms, 400);
	ck_assert_uint_eq(cc->quorum, 3);
	loaded_free(&l);
}
END_TEST

/* The running check is the tested one: conf accepts a dead_interval
 * exactly when quorum_bound_ok() does (and it is at least 3 heartbeats),
 * and the default is quorum_dead_max_ms(), at most 10 heartbeats. */
START_TEST(test_cluster_bound_is_quorum_bound)
{
	static const uint32_t adverts[] = { 300, 1000, 1520 }, slacks[] = { 0, 50, 333 };
	const uint32_t hb = 50;

	for (size_t a = 0; a < sizeof(adverts) / sizeof(adverts[0]); a++) {
		for (size_t s = 0; s < sizeof(slacks) / sizeof(slacks[0]); s++) {
			uint32_t max = quorum_dead_max_ms(slacks[s], adverts[a]);
			char cluster[128], inst[64];
			struct loaded l;

			snprintf(inst, sizeof(inst), "advert_interval = %u;", adverts[a]);
			snprintf(cluster, sizeof(cluster), "heartbeat_interval = %u; slack = %u;", hb,
				 slacks[s]);
			load_text(&l, cluster_text(cluster, inst, ""));
			ck_assert_int_eq(l.rc, max >= 3 * hb ? 0 : -1);
			if (l.cfg)
				ck_assert_uint_eq(l.cfg->cluster.dead_interval_ms,
						  max < 10 * hb ? max : 10 * hb);
			loaded_free(&l);
			for (uint32_t d = max - 1; d <= max + 1; d++) {
				snprintf(cluster, sizeof(cluster),
					 "heartbeat_interval = %u; slack = %u; dead_interval = %u;", hb,
					 slacks[s], d);
				load_text(&l, cluster_text(cluster, inst, ""));
				ck_assert_msg(l.rc == (d >= 3 * hb &&
						       quorum_bound_ok(d, slacks[s], adverts[a]) ? 0 : -1),
					      "advert %u slack %u dead %u: rc %d", adverts[a], slacks[s],
					      d, l.rc);
				loaded_free(&l);
			}
		}
	}
}
END_TEST

START_TEST(test_cluster_rejects)
{
	/* D + S must stay within 2 x the smallest advert interval. */
	expect_error(cluster_text("dead_interval = 1990;", "", ""), 5,
		     "cluster.dead_interval: 1990 ms + slack 50 ms exceeds 2 x the smallest advert_interval "
		     "(2000 ms): an isolated master could still hold its VIPs when a backup takes over "
		     "(see doc/quorum.md)");
	expect_error(cluster_text("dead_interval = 250;", "", ""), 5,
		     "cluster.dead_interval: 250 ms is less than 3 heartbeats (300 ms): one lost heartbeat "
		     "would drop a member");
	expect_error(cluster_text("dead_interval = 10;", "", ""), 5,
		     "cluster.dead_interval: 10 is out of range 30..600000");
	expect_error(cluster_text("", "advert_interval = 100;", ""), 2,
		     "cluster: no dead_interval fits: it must be at least 3 heartbeats (300 ms) and at most "
		     "2 x advert_interval - slack (150 ms); lower heartbeat_interval or raise advert_interval");
	expect_error(cluster_text("group = \"239.255.57.98\";", "", ""), 5,
		     "cluster.group: a multicast group needs cluster.interface");
	expect_error(cluster_text("interface = \"eth1\"; group = \"198.51.100.9\";", "", ""), 5,
		     "cluster.group: \"198.51.100.9\" is not a multicast address");
	expect_error(cluster_text("quorum = 4;", "", ""), 5, "cluster.quorum: 4 is more than the 3 members");
	expect_error(cluster_text("hearbeat_interval = 100;", "", ""), 5,
		     "unknown key \"hearbeat_interval\" in cluster (did you mean \"heartbeat_interval\"?)");
	expect_error("node = { name = \"n9\"; };\ncluster = { secret_file = \"/s\";\n"
		     "members = ( { name = \"n1\"; address = \"198.51.100.1\"; } ); };\n"
		     "instances = ( { name = \"web\"; interface = \"eth0\"; vrid = 51; vips = " VIP4 "; } );\n",
		     3, "cluster.members: this node (n9) is not a member");
	expect_error("node = { name = \"n1\"; };\ncluster = {\n"
		     "members = ( { name = \"n1\"; address = \"198.51.100.1\"; } ); };\n"
		     "instances = ( { name = \"web\"; interface = \"eth0\"; vrid = 51; vips = " VIP4 "; } );\n",
		     2, "cluster: missing required key \"secret_file\"");
	expect_error("node = { name = \"n1\"; };\ncluster = { secret_file = \"/s\";\n"
		     "members = ( { name = \"n1\"; address = \"198.51.100.1\"; }, 7 ); };\n"
		     "instances = ( { name = \"web\"; interface = \"eth0\"; vrid = 51; vips = " VIP4 "; } );\n",
		     3, "cluster.members: expected a group { name = ...; address = ...; }, got an integer");
}
END_TEST

/* ---- vote_lease ------------------------------------------------------- */

/* cluster_text with heartbeat 100, slack 50 (defaults) and advert 1000:
 * the renewal rule wants L x 0.999 - 50 >= 400, so L >= 451 ms; the
 * failover rule wants L x 1.001 <= 2000, so L <= 1998 ms. */
START_TEST(test_vote_lease_bounds)
{
	struct loaded l;

	expect_ok(&l, cluster_text("vote_lease = 451;", "", ""));
	ck_assert_uint_eq(l.cfg->cluster.vote_lease_ms, 451);
	loaded_free(&l);
	expect_ok(&l, cluster_text("vote_lease = 1998;", "", ""));
	ck_assert_uint_eq(l.cfg->cluster.vote_lease_ms, 1998);
	loaded_free(&l);
	expect_error(cluster_text("vote_lease = 450;", "", ""), 5,
		     "cluster.vote_lease: 450 ms is too short to be renewed: vote_lease x (1 - 0.001) - "
		     "slack must be at least 4 heartbeat intervals (at least 451 ms; see doc/quorum.md)");
	expect_error(cluster_text("vote_lease = 1999;", "", ""), 5,
		     "cluster.vote_lease: 1999 ms outlasts the failover: vote_lease x (1 + 0.001) must be "
		     "at most 2 x the smallest advert_interval (at most 1998 ms; see doc/quorum.md)");
	/* The smallest advert_interval counts: 500 -> at most 999. */
	expect_error(cluster_text("vote_lease = 1000;", "advert_interval = 500;", ""), 5,
		     "cluster.vote_lease: 1000 ms outlasts the failover: vote_lease x (1 + 0.001) must be "
		     "at most 2 x the smallest advert_interval (at most 999 ms; see doc/quorum.md)");
	expect_error(cluster_text("vote_lease = 0;", "", ""), 5,
		     "cluster.vote_lease: 0 is out of range 1..600000");
}
END_TEST

/* The rule conf applies is votes_timing_check() itself, around both
 * bounds, for several timers. */
START_TEST(test_vote_lease_is_votes_timing_check)
{
	static const uint32_t adverts[] = { 300, 1000 }, slacks[] = { 0, 50 }, hbs[] = { 20, 100 };

	for (size_t a = 0; a < 2; a++) {
		for (size_t s = 0; s < 2; s++) {
			for (size_t h = 0; h < 2; h++) {
				uint32_t least = 0, most = 0;
				ck_assert_ptr_nonnull(votes_timing_check(0, slacks[s], hbs[h], adverts[a], &least));
				ck_assert_ptr_nonnull(votes_timing_check(UINT32_MAX / 2000, slacks[s], hbs[h],
									 adverts[a], &most));
				uint32_t probe[] = { least - 1, least, most, most + 1 };
				for (size_t k = 0; k < 4; k++) {
					char cluster[160], inst[64];
					uint32_t bound;
					struct loaded l;

					snprintf(inst, sizeof(inst), "advert_interval = %u;", adverts[a]);
					snprintf(cluster, sizeof(cluster), "heartbeat_interval = %u; slack = %u; "
						 "dead_interval = %u; vote_lease = %u;", hbs[h], slacks[s],
						 3 * hbs[h], probe[k]);
					load_text(&l, cluster_text(cluster, inst, ""));
					bool want = !votes_timing_check(probe[k], slacks[s], hbs[h], adverts[a],
									&bound);
					ck_assert_msg((l.rc == 0) == want, "advert %u slack %u hb %u lease %u: rc %d",
						      adverts[a], slacks[s], hbs[h], probe[k], l.rc);
					loaded_free(&l);
				}
			}
		}
	}
}
END_TEST

START_TEST(test_vote_lease_default)
{
	struct loaded l;

	/* dead_interval when it passes: min(2 x 1000 - 50, 10 heartbeats). */
	expect_ok(&l, cluster_text("", "", ""));
	ck_assert_uint_eq(l.cfg->cluster.vote_lease_ms, 1000);
	ck_assert_uint_eq(l.cfg->cluster.vote_lease_ms, l.cfg->cluster.dead_interval_ms);
	loaded_free(&l);
	expect_ok(&l, cluster_text("dead_interval = 1950;", "", ""));
	ck_assert_uint_eq(l.cfg->cluster.vote_lease_ms, 1950);
	loaded_free(&l);
	/* dead_interval 300 cannot be renewed (300 x 0.999 - 50 < 400): the
	 * least lease that can. */
	expect_ok(&l, cluster_text("dead_interval = 300;", "", ""));
	ck_assert_uint_eq(l.cfg->cluster.vote_lease_ms, 451);
	loaded_free(&l);
	/* dead_interval 2000 (slack 0) outlasts the failover: the least lease. */
	expect_ok(&l, cluster_text("slack = 0; dead_interval = 2000;", "", ""));
	ck_assert_uint_eq(l.cfg->cluster.vote_lease_ms, 401);
	loaded_free(&l);
	/* Nothing fits: 4 x 100 + 60 needs 461 ms, 2 x 180 allows 359. */
	expect_error(cluster_text("slack = 60;", "advert_interval = 180;", ""), 2,
		     "cluster: no vote_lease fits: it must be at least 461 ms (renewal: 4 heartbeats + "
		     "slack) and at most 359 ms (failover: 2 x the smallest advert_interval); lower "
		     "heartbeat_interval or slack, or raise advert_interval");
	/* ... unless there are no votes (quorum = 1: plain VRRP). */
	expect_ok(&l, cluster_text("slack = 60; quorum = 1;", "advert_interval = 180;", ""));
	loaded_free(&l);
}
END_TEST

/* ---- cluster.name and the witness ------------------------------------ */

START_TEST(test_cluster_name)
{
	struct loaded l;

	expect_ok(&l, cluster_text("", "", ""));
	ck_assert_str_eq(l.cfg->cluster.name, "cluster");
	ck_assert(!l.cfg->cluster.name_in_logs);
	ck_assert(!l.cfg->witness);
	ck_assert_uint_eq(l.cfg->nclusters, 1);
	loaded_free(&l);
	expect_ok(&l, cluster_text("name = \"edge/fra-1:web\";", "", ""));
	ck_assert_str_eq(l.cfg->cluster.name, "edge/fra-1:web");
	loaded_free(&l);
	static const char *const bad[] = {
		"two words", "", "tab\there", "caf\xc3\xa9",
		"0123456789012345678901234567890123456789012345678901234567890123", /* 64 */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char setting[128], reason[256];
		snprintf(setting, sizeof(setting), "name = \"%s\";", bad[i]);
		snprintf(reason, sizeof(reason), "cluster.name: \"%s\" is not a valid cluster name "
			 "(1..63 printable ASCII characters, no space)", bad[i]);
		expect_error(cluster_text(setting, "", ""), 5, reason);
	}
	expect_error(cluster_text("name = 7;", "", ""), 5, "cluster.name: expected a string, got an integer");
	/* No instances and no cluster group: nothing to do. */
	expect_error("node = { name = \"w\"; };\n", 1, "missing required key \"instances\" (nothing to do "
		     "without one, or without a cluster group to serve as a witness)");
}
END_TEST

#define W_MEMBERS(a, b) "members = ( { name = \"" a "\"; address = \"198.51.100.1\"; }, " \
	"{ name = \"" b "\"; address = \"198.51.100.2\"; }, { name = \"w\"; address = \"203.0.113.9\"; } ); "

/* A witness of one cluster: a cluster group and no instances (the key
 * missing, or an empty list). Nothing bounds it by an advert_interval:
 * dead_interval defaults to 10 heartbeats and vote_lease to it, and only
 * the renewal rule applies to vote_lease. */
START_TEST(test_witness_one_cluster)
{
	struct loaded l;

	expect_ok(&l, "node = { name = \"w\"; };\ncluster = { secret_file = \"/s\"; " W_MEMBERS("r1", "r2") "};\n");
	ck_assert(l.cfg->witness);
	ck_assert_uint_eq(l.cfg->ninstances, 0);
	ck_assert_uint_eq(l.cfg->nclusters, 1);
	ck_assert_str_eq(conf_cluster(l.cfg, 0)->name, "cluster");
	ck_assert_uint_eq(l.cfg->cluster.dead_interval_ms, 1000);
	ck_assert_uint_eq(l.cfg->cluster.vote_lease_ms, 1000);
	loaded_free(&l);
	expect_ok(&l, "node = { name = \"w\"; };\ninstances = ( );\n"
		      "cluster = { secret_file = \"/s\"; dead_interval = 5000; vote_lease = 600000; "
		      W_MEMBERS("r1", "r2") "};\n");
	ck_assert(l.cfg->witness);
	ck_assert_uint_eq(l.cfg->cluster.dead_interval_ms, 5000);
	ck_assert_uint_eq(l.cfg->cluster.vote_lease_ms, 600000);
	loaded_free(&l);
	expect_error("node = { name = \"w\"; };\n"
		     "cluster = { secret_file = \"/s\"; vote_lease = 350; " W_MEMBERS("r1", "r2") "};\n", 2,
		     "cluster.vote_lease: 350 ms is too short to be renewed: vote_lease x (1 - 0.001) - "
		     "slack must be at least 4 heartbeat intervals (at least 451 ms; see doc/quorum.md)");
}
END_TEST

/* Lines: 1 node, 2 "cluster = (", 3 cluster a, 4 cluster b (with
 * b_extra), 5 ");". */
static const char *witness_text(const char *b_name, const char *b_extra)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "node = { name = \"w\"; };\n"
		 "cluster = (\n"
		 "  { name = \"a\"; secret_file = \"/s1\"; " W_MEMBERS("r1", "r2") "},\n"
		 "  { name = \"%s\"; secret_file = \"/s2\"; %s members = ( { name = \"r3\"; address = "
		 "\"2001:db8::3\"; }, { name = \"w\"; address = \"2001:db8::9\"; } ); }\n"
		 ");\n", b_name, b_extra);
	return buf;
}

START_TEST(test_witness_two_clusters)
{
	struct loaded l;
	const struct cluster_conf *a, *b;

	/* Same port, other family: two sockets that do not meet. */
	expect_ok(&l, witness_text("b", "quorum = 1; vote_lease = 2000;"));
	ck_assert(l.cfg->witness);
	ck_assert_uint_eq(l.cfg->nclusters, 2);
	a = conf_cluster(l.cfg, 0);
	b = conf_cluster(l.cfg, 1);
	ck_assert_ptr_eq(a, &l.cfg->cluster);
	ck_assert_str_eq(a->name, "a");
	ck_assert_str_eq(b->name, "b");
	ck_assert(a->enabled && b->enabled);
	ck_assert(a->name_in_logs && b->name_in_logs);
	ck_assert_str_eq(a->secret_file, "/s1");
	ck_assert_str_eq(b->secret_file, "/s2");
	ck_assert_uint_eq(a->nmembers, 3);
	ck_assert_uint_eq(b->nmembers, 2);
	ck_assert_uint_eq(a->port, b->port);
	ck_assert_uint_eq(b->quorum, 1);
	ck_assert_uint_eq(a->vote_lease_ms, 1000);
	ck_assert_uint_eq(b->vote_lease_ms, 2000);
	assert_ip(&b->members[1].addr, "2001:db8::9");
	loaded_free(&l);
	expect_ok(&l, witness_text("b", "port = 6000;"));
	ck_assert_uint_eq(conf_cluster(l.cfg, 1)->port, 6000);
	loaded_free(&l);
}
END_TEST

START_TEST(test_witness_rejects)
{
	/* Two clusters of one name. */
	expect_error(witness_text("a", ""), 4, "cluster: the name \"a\" is used twice (also at line 3): "
		     "each cluster of a witness needs its own name");
	/* Two IPv4 clusters on one port. */
	expect_error("node = { name = \"w\"; };\ncluster = (\n"
		     "  { name = \"a\"; secret_file = \"/s1\"; " W_MEMBERS("r1", "r2") "},\n"
		     "  { name = \"b\"; secret_file = \"/s2\"; " W_MEMBERS("r3", "r4") "}\n);\n", 4,
		     "cluster \"b\": port 5798 is already used by cluster \"a\" (line 3): each cluster of "
		     "a witness needs its own port");
	/* The witness is not a member of one of them. */
	expect_error("node = { name = \"w\"; };\ncluster = (\n"
		     "  { name = \"a\"; secret_file = \"/s1\"; " W_MEMBERS("r1", "r2") "},\n"
		     "  { name = \"b\"; secret_file = \"/s2\"; port = 6000;\n"
		     "    members = ( { name = \"r3\"; address = \"198.51.100.3\"; } ); }\n);\n", 5,
		     "cluster.members: this node (w) is not a member of cluster \"b\"");
	/* A node with instances serves one cluster. */
	expect_error("node = { name = \"r1\"; };\ncluster = (\n"
		     "  { name = \"a\"; secret_file = \"/s1\"; " W_MEMBERS("r1", "r2") "},\n"
		     "  { name = \"b\"; secret_file = \"/s2\"; port = 6000; " W_MEMBERS("r1", "r3") "}\n);\n"
		     "instances = ( { name = \"web\"; interface = \"eth0\"; vrid = 51; vips = " VIP4 "; } );\n", 2,
		     "cluster: a node with instances serves one cluster (this list has 2); only a witness "
		     "(no instances) serves several");
	expect_error("node = { name = \"w\"; };\ncluster = ( );\n", 2,
		     "cluster: expected a group { ... } or, on a witness, a list of 1..64 groups "
		     "( { ... }, ... ), got an empty list");
	expect_error("node = { name = \"w\"; };\ncluster = 5;\n", 2,
		     "cluster: expected a group { ... } or, on a witness, a list of 1..64 groups "
		     "( { ... }, ... ), got an integer");
	expect_error("node = { name = \"w\"; };\ncluster = (\n 5 );\n", 3,
		     "cluster: expected a group { ... }, got an integer");
}
END_TEST

/* A list of one is that one cluster, with instances too. */
START_TEST(test_cluster_list_of_one)
{
	struct loaded l;

	expect_ok(&l, "node = { name = \"r1\"; };\n"
		      "cluster = ( { name = \"a\"; secret_file = \"/s1\"; " W_MEMBERS("r1", "r2") "} );\n"
		      "instances = ( { name = \"web\"; interface = \"eth0\"; vrid = 51; vips = " VIP4 "; } );\n");
	ck_assert(!l.cfg->witness);
	ck_assert_uint_eq(l.cfg->nclusters, 1);
	ck_assert_str_eq(l.cfg->cluster.name, "a");
	ck_assert(!l.cfg->cluster.name_in_logs);
	loaded_free(&l);
}
END_TEST

/* -t checks every cluster's secret file. */
START_TEST(test_witness_secret_files)
{
	char dir[64], secret[128], text[1024], reason[512];
	struct loaded l;

	make_temp_dir(dir, sizeof(dir));
	write_in(secret, sizeof(secret), dir, "secret", "0123456789abcdef0123\n");
	ck_assert_int_eq(chmod(secret, 0600), 0);
	snprintf(text, sizeof(text), "node = { name = \"w\"; };\ncluster = (\n"
		 "  { name = \"a\"; secret_file = \"%s\"; " W_MEMBERS("r1", "r2") "},\n"
		 "  { name = \"b\"; secret_file = \"%s.missing\"; port = 6000; " W_MEMBERS("r3", "r4") "}\n);\n",
		 secret, secret);
	expect_ok(&l, text);
	ck_assert_int_eq(conf_check_scripts(l.cfg, &l.errs), 1);
	snprintf(reason, sizeof(reason), "cluster.secret_file: cannot open secret file %s.missing: "
		 "No such file or directory", secret);
	assert_msg_is(&l, 0, 1, reason);
	/* The digest is taken per cluster: a's is set, b's (unreadable) zero. */
	static const uint8_t zero[CLUSTD_SECRET_DIGEST_LEN];
	ck_assert(!digest_is_zero(l.cfg));
	ck_assert_mem_eq(conf_cluster(l.cfg, 1)->secret_digest, zero, sizeof(zero));
	loaded_free(&l);
	tu_remove_tree(dir);
}
END_TEST

START_TEST(test_vip_lease)
{
	struct loaded l;

	expect_ok(&l, conf_text("51", VIP4, "", "node = { vip_lease = 0; };"));
	ck_assert_uint_eq(l.cfg->node.vip_lease_ms, 0);
	loaded_free(&l);
	expect_ok(&l, conf_text("51", VIP4, "", "node = { vip_lease = 3000; };"));
	ck_assert_uint_eq(l.cfg->node.vip_lease_ms, 3000);
	loaded_free(&l);
	expect_error(conf_text("51", VIP4, "", "node = { vip_lease = 2000; };"), 9,
		     "node.vip_lease: 2000 ms: use 0 (off) or whole seconds from 3000");
	expect_error(conf_text("51", VIP4, "", "node = { vip_lease = 3500; };"), 9,
		     "node.vip_lease: 3500 ms: use 0 (off) or whole seconds from 3000");
}
END_TEST

START_TEST(test_track_full_and_defaults)
{
	struct loaded l;
	const struct track_conf *t;

	expect_ok(&l, INST("track = { scripts = ( { name = \"http\"; command = \"/usr/lib/clustd/check-http\"; "
			   "args = [ \"-p\", \"80\" ]; interval = 2000; timeout = 500; weight = -50; rise = 2; "
			   "fall = 3; user = \"nobody\"; init = \"ok\"; }, { name = \"dns\"; command = \"/bin/true\"; } ); "
			   "interfaces = ( { name = \"eth1\"; }, { name = \"eth2\"; weight = 20; } ); "
			   "files = ( { path = \"/run/clustd/prio\"; }, { path = \"/run/x\"; weight = -3; } ); };"));
	t = &l.cfg->instances[0].track;
	ck_assert_uint_eq(t->nscripts, 2);
	ck_assert_str_eq(t->scripts[0].name, "http");
	ck_assert_str_eq(t->scripts[0].command, "/usr/lib/clustd/check-http");
	ck_assert_str_eq(t->scripts[0].args[0], "-p");
	ck_assert_str_eq(t->scripts[0].args[1], "80");
	ck_assert_ptr_null(t->scripts[0].args[2]);
	ck_assert_uint_eq(t->scripts[0].interval_ms, 2000);
	ck_assert_uint_eq(t->scripts[0].timeout_ms, 500);
	ck_assert_int_eq(t->scripts[0].weight, -50);
	ck_assert_uint_eq(t->scripts[0].rise, 2);
	ck_assert_uint_eq(t->scripts[0].fall, 3);
	ck_assert_str_eq(t->scripts[0].user, "nobody");
	ck_assert(t->scripts[0].init_ok);
	ck_assert_int_eq(t->scripts[0].line, 7);
	/* Defaults. */
	ck_assert_ptr_null(t->scripts[1].args);
	ck_assert_uint_eq(t->scripts[1].interval_ms, 1000);
	ck_assert_uint_eq(t->scripts[1].timeout_ms, 1000);
	ck_assert_int_eq(t->scripts[1].weight, TRACK_NO_WEIGHT);
	ck_assert_uint_eq(t->scripts[1].rise, 1);
	ck_assert_uint_eq(t->scripts[1].fall, 1);
	ck_assert_ptr_null(t->scripts[1].user);
	ck_assert(!t->scripts[1].init_ok);
	ck_assert_uint_eq(t->ninterfaces, 2);
	ck_assert_str_eq(t->interfaces[0].name, "eth1");
	ck_assert_int_eq(t->interfaces[0].weight, TRACK_NO_WEIGHT);
	ck_assert_int_eq(t->interfaces[1].weight, 20);
	ck_assert_uint_eq(t->nfiles, 2);
	ck_assert_str_eq(t->files[0].path, "/run/clustd/prio");
	ck_assert_int_eq(t->files[0].weight, 1);
	ck_assert_int_eq(t->files[1].weight, -3);
	ck_assert(reload_same_track(t, t));
	loaded_free(&l);
}
END_TEST

START_TEST(test_track_rejects)
{
	expect_error(INST("track = { scripts = ( { name = \"h\"; command = \"/bin/true\"; weight = 0; } ); };"), 7,
		     "track.scripts.weight: 0 would track nothing; leave it out for FAULT on failure");
	expect_error(INST("track = { scripts = ( { name = \"h\"; command = \"/bin/true\"; weight = 254; } ); };"), 7,
		     "track.scripts.weight: 254 is out of range -253..253");
	expect_error(INST("track = { scripts = ( { name = \"h\"; command = \"true\"; } ); };"), 7,
		     "track.scripts.command: \"true\" is not an absolute path");
	expect_error(INST("track = { scripts = ( { name = \"h\"; command = \"/bin/true\"; args = ( \"a\", 1 ); } ); };"),
		     7, "track.scripts.args: expected a string, got an integer");
	expect_error(INST("track = { scripts = ( { name = \"h\"; command = \"/bin/true\"; init = \"up\"; } ); };"), 7,
		     "track.scripts.init: \"up\" is neither \"ok\" nor \"failed\"");
	expect_error(INST("track = { interfaces = ( { name = \"eth/1\"; } ); };"), 7,
		     "track.interfaces.name: \"eth/1\" is not a valid interface name");
	expect_error(INST("track = { files = ( { weight = 2; } ); };"), 7,
		     "track.files: missing required key \"path\"");
	expect_error(INST("track = { file = ( ); };"), 7, "unknown key \"file\" in track (did you mean \"files\"?)");
}
END_TEST

START_TEST(test_sync_groups)
{
	struct loaded l;
	const struct sync_group_conf *g;

	expect_ok(&l, conf_text("51", VIP4, "},{ name = \"db\"; interface = \"eth0\"; vrid = 52; "
				"vips = [ \"198.51.100.200\" ];",
				"sync_groups = ( { name = \"pair\"; instances = [ \"web\", \"db\" ]; "
				"notify = { master = \"/etc/clustd/pair.sh\"; }; } );"));
	ck_assert_uint_eq(l.cfg->nsync_groups, 1);
	g = &l.cfg->sync_groups[0];
	ck_assert_str_eq(g->name, "pair");
	ck_assert_int_eq(g->line, 9);
	ck_assert_uint_eq(g->ninstances, 2);
	ck_assert_str_eq(g->instances[0], "web");
	ck_assert_str_eq(g->instances[1], "db");
	ck_assert_str_eq(g->notify.master, "/etc/clustd/pair.sh");
	ck_assert_uint_eq(g->notify.timeout_ms, 10000);
	loaded_free(&l);

	expect_error(conf_text("51", VIP4, "", "sync_groups = ( { name = \"g\"; instances = [ \"nope\" ]; } );"), 9,
		     "sync_groups.instances: no instance named \"nope\"");
	expect_error(conf_text("51", VIP4, "", "sync_groups = ( { name = \"g1\"; instances = [ \"web\" ]; },\n"
			       "{ name = \"g2\"; instances = [ \"web\" ]; } );"), 10,
		     "sync_groups.instances: \"web\" is already in group g1");
	expect_error(conf_text("51", VIP4, "", "sync_groups = ( { name = \"g\"; } );"), 9,
		     "sync_groups: missing required key \"instances\"");
}
END_TEST

/* Track commands and group notify scripts are checked like notify scripts. */
START_TEST(test_scripts_track_and_group)
{
	struct script_dir sd;
	struct loaded l;
	char text[2048], reason[512];
	const char *noexec;

	script_dir_init(&sd);
	noexec = make_script(&sd, "check.sh", 0644);
	snprintf(text, sizeof(text),
		 "instances = ( { name = \"web\"; interface = \"eth0\"; vrid = 51; vips = " VIP4 ";\n"
		 "track = { scripts = (\n"
		 "{ name = \"chk\"; command = \"%s\"; user = \"no-such-user-clustd\"; } ); };\n"
		 "} );\n"
		 "sync_groups = ( { name = \"g\"; instances = [ \"web\" ];\n"
		 "notify = { backup = \"%s\"; }; } );\n",
		 noexec, noexec);
	expect_ok(&l, text);
	ck_assert_int_eq(conf_check_scripts(l.cfg, &l.errs), 3);
	snprintf(reason, sizeof(reason), "track.scripts.chk.command: %s is not executable", noexec);
	assert_msg_is(&l, 0, 3, reason);
	assert_msg_is(&l, 1, 3, "track.scripts.chk.user: no user \"no-such-user-clustd\"");
	snprintf(reason, sizeof(reason), "sync_groups.g.notify.backup: %s is not executable", noexec);
	assert_msg_is(&l, 2, 5, reason);
	loaded_free(&l);
	script_dir_free(&sd);
}
END_TEST

/* ---- node: real-time keys --------------------------------------------- */

START_TEST(test_realtime_defaults)
{
	struct loaded l;

	expect_ok(&l, INST(""));
	ck_assert(l.cfg->node.realtime);
	ck_assert_uint_eq(l.cfg->node.realtime_policy, NODE_RT_RR);
	ck_assert_uint_eq(l.cfg->node.realtime_priority, NODE_RT_DEFAULT_PRIORITY);
	ck_assert(l.cfg->node.lock_memory);
	ck_assert(l.cfg->node.rx_filter);
	ck_assert(l.cfg->node.pause_grace);
	loaded_free(&l);
}
END_TEST

START_TEST(test_realtime_accepted)
{
	struct loaded l;

	expect_ok(&l, conf_text("51", VIP4, "",
				"node = { realtime = false; lock_memory = false; rx_filter = false; "
				"pause_grace = false; };"));
	ck_assert(!l.cfg->node.realtime);
	ck_assert(!l.cfg->node.lock_memory);
	ck_assert(!l.cfg->node.rx_filter);
	ck_assert(!l.cfg->node.pause_grace);
	loaded_free(&l);
	expect_ok(&l, conf_text("51", VIP4, "",
				"node = { realtime_policy = \"fifo\"; realtime_priority = 99; };"));
	ck_assert(l.cfg->node.realtime);
	ck_assert_uint_eq(l.cfg->node.realtime_policy, NODE_RT_FIFO);
	ck_assert_uint_eq(l.cfg->node.realtime_priority, 99);
	loaded_free(&l);
	expect_ok(&l, conf_text("51", VIP4, "",
				"node = { realtime_policy = \"rr\"; realtime_priority = 1; };"));
	ck_assert_uint_eq(l.cfg->node.realtime_policy, NODE_RT_RR);
	ck_assert_uint_eq(l.cfg->node.realtime_priority, 1);
	loaded_free(&l);
}
END_TEST

START_TEST(test_realtime_rejects)
{
	expect_error(conf_text("51", VIP4, "", "node = { realtime_priority = 0; };"), 9,
		     "node.realtime_priority: 0 is out of range 1..99");
	expect_error(conf_text("51", VIP4, "", "node = { realtime_priority = 100; };"), 9,
		     "node.realtime_priority: 100 is out of range 1..99");
	expect_error(conf_text("51", VIP4, "", "node = { realtime_policy = \"idle\"; };"), 9,
		     "node.realtime_policy: \"idle\": use \"rr\" or \"fifo\"");
	expect_error(conf_text("51", VIP4, "", "node = { realtime_policy = 1; };"), 9,
		     "node.realtime_policy: expected a string, got an integer");
	expect_error(conf_text("51", VIP4, "", "node = { realtime = 1; };"), 9,
		     "node.realtime: expected true or false, got an integer");
	expect_error(conf_text("51", VIP4, "", "node = { lock_memory = \"yes\"; };"), 9,
		     "node.lock_memory: expected true or false, got a string");
	expect_error(conf_text("51", VIP4, "", "node = { rx_filter = 0; };"), 9,
		     "node.rx_filter: expected true or false, got an integer");
	expect_error(conf_text("51", VIP4, "", "node = { pause_grace = \"yes\"; };"), 9,
		     "node.pause_grace: expected true or false, got a string");
}
END_TEST

/* ---- node: counters keys ---------------------------------------------- */

START_TEST(test_counters_defaults)
{
	struct loaded l;

	expect_ok(&l, INST(""));
	ck_assert(l.cfg->node.persist_counters);
	ck_assert_uint_eq(l.cfg->node.counters_sync_ms, 1000);
	ck_assert_ptr_null(l.cfg->node.metrics_file);
	loaded_free(&l);
	/* A node group without them: the same defaults. */
	expect_ok(&l, conf_text("51", VIP4, "", "node = { name = \"n1\"; };"));
	ck_assert(l.cfg->node.persist_counters);
	ck_assert_uint_eq(l.cfg->node.counters_sync_ms, 1000);
	ck_assert_ptr_null(l.cfg->node.metrics_file);
	loaded_free(&l);
}
END_TEST

START_TEST(test_counters_accepted)
{
	struct loaded l;

	expect_ok(&l, conf_text("51", VIP4, "",
				"node = { persist_counters = false; counters_sync_interval = 0;\n"
				"\tmetrics_file = \"/var/lib/node_exporter/clustd.prom\"; };"));
	ck_assert(!l.cfg->node.persist_counters);
	ck_assert_uint_eq(l.cfg->node.counters_sync_ms, 0);
	ck_assert_str_eq(l.cfg->node.metrics_file, "/var/lib/node_exporter/clustd.prom");
	loaded_free(&l);
	expect_ok(&l, conf_text("51", VIP4, "",
				"node = { persist_counters = true; counters_sync_interval = 100; };"));
	ck_assert(l.cfg->node.persist_counters);
	ck_assert_uint_eq(l.cfg->node.counters_sync_ms, 100);
	loaded_free(&l);
	expect_ok(&l, conf_text("51", VIP4, "", "node = { counters_sync_interval = 60000; };"));
	ck_assert_uint_eq(l.cfg->node.counters_sync_ms, 60000);
	loaded_free(&l);
	expect_ok(&l, conf_text("51", VIP4, "", "node = { counters_sync_interval = 2500L; };"));
	ck_assert_uint_eq(l.cfg->node.counters_sync_ms, 2500);
	loaded_free(&l);
}
END_TEST

START_TEST(test_counters_sync_interval_rejects)
{
	expect_error(conf_text("51", VIP4, "", "node = { counters_sync_interval = 50; };"), 9,
		     "node.counters_sync_interval: 50 ms: use 0 (never) or 100..60000");
	expect_error(conf_text("51", VIP4, "", "node = { counters_sync_interval = 99; };"), 9,
		     "node.counters_sync_interval: 99 ms: use 0 (never) or 100..60000");
	expect_error(conf_text("51", VIP4, "", "node = { counters_sync_interval = 1; };"), 9,
		     "node.counters_sync_interval: 1 ms: use 0 (never) or 100..60000");
	expect_error(conf_text("51", VIP4, "", "node = { counters_sync_interval = 70000; };"), 9,
		     "node.counters_sync_interval: 70000 is out of range 0..60000");
	expect_error(conf_text("51", VIP4, "", "node = { counters_sync_interval = -1; };"), 9,
		     "node.counters_sync_interval: -1 is out of range 0..60000");
	expect_error(conf_text("51", VIP4, "", "node = { counters_sync_interval = 4294967396L; };"),
		     9, "node.counters_sync_interval: 4294967396 is out of range 0..60000");
	expect_error(conf_text("51", VIP4, "", "node = { counters_sync_interval = \"1000\"; };"), 9,
		     "node.counters_sync_interval: expected an integer, got a string");
}
END_TEST

START_TEST(test_metrics_file_rejects)
{
	expect_error(conf_text("51", VIP4, "", "node = { metrics_file = \"relative\"; };"), 9,
		     "node.metrics_file: \"relative\" is not an absolute path");
	expect_error(conf_text("51", VIP4, "", "node = { metrics_file = \"\"; };"), 9,
		     "node.metrics_file: \"\" is not an absolute path");
	expect_error(conf_text("51", VIP4, "", "node = { metrics_file = 5; };"), 9,
		     "node.metrics_file: expected a string, got an integer");
}
END_TEST

START_TEST(test_persist_counters_type)
{
	expect_error(conf_text("51", VIP4, "", "node = { persist_counters = 1; };"), 9,
		     "node.persist_counters: expected true or false, got an integer");
	expect_error(conf_text("51", VIP4, "", "node = { persist_counters = \"yes\"; };"), 9,
		     "node.persist_counters: expected true or false, got a string");
}
END_TEST

/* ---- accept (RFC 5798 Accept_Mode) ------------------------------------ */

START_TEST(test_accept_values)
{
	struct loaded l;

	expect_ok(&l, INST("accept = false;"));
	ck_assert(!l.cfg->instances[0].accept);
	loaded_free(&l);
	expect_ok(&l, INST("accept = true;"));
	ck_assert(l.cfg->instances[0].accept);
	loaded_free(&l);
	/* The owner may say false: it accepts all the same (nft.c). */
	expect_ok(&l, INST("priority = 255; accept = false;"));
	ck_assert(!l.cfg->instances[0].accept);
	ck_assert_uint_eq(l.cfg->instances[0].priority, 255);
	loaded_free(&l);
	/* RFC 3768 has no Accept_Mode, but false is its behaviour. */
	expect_ok(&l, conf_text("51", VIP4, "version = 2; accept = false;", ""));
	ck_assert(!l.cfg->instances[0].accept);
	loaded_free(&l);
	expect_ok(&l, conf_text("51", VIP6, "accept = false;", ""));
	ck_assert(!l.cfg->instances[0].accept);
	loaded_free(&l);
}
END_TEST

/* B12c: what an instance does when the nftables filter cannot be set up. */
START_TEST(test_accept_filter_fail)
{
	struct loaded l;

	expect_ok(&l, INST("accept = false;"));
	ck_assert(!l.cfg->instances[0].accept_filter_closed); /* default: open, as before */
	loaded_free(&l);
	expect_ok(&l, INST("accept = false; accept_filter_fail = \"closed\";"));
	ck_assert(l.cfg->instances[0].accept_filter_closed);
	loaded_free(&l);
	expect_ok(&l, INST("accept = false; accept_filter_fail = \"open\";"));
	ck_assert(!l.cfg->instances[0].accept_filter_closed);
	loaded_free(&l);
	expect_error(INST("accept = false; accept_filter_fail = \"shut\";"), 7,
		     "accept_filter_fail: expected \"open\" or \"closed\", got \"shut\"");
	expect_error(INST("accept = false; accept_filter_fail = true;"), 7,
		     "accept_filter_fail: expected a string, got a boolean");
	/* Without accept = false there is no filter to fail. */
	expect_error(INST("accept_filter_fail = \"closed\";"), 7,
		     "accept_filter_fail: only with accept = false (this instance accepts)");
}
END_TEST

START_TEST(test_accept_wrong_type)
{
	expect_error(INST("accept = 0;"), 7, "accept: expected true or false, got an integer");
	expect_error(INST("accept = \"no\";"), 7, "accept: expected true or false, got a string");
	expect_error(INST("accept = [ true ];"), 7, "accept: expected true or false, got an array [ ... ]");
}
END_TEST

START_TEST(test_accept_key_hints)
{
	expect_error(INST("no_accept = true;"), 7,
		     "unknown key \"no_accept\" in instance (did you mean \"accept = false\"?)");
	expect_error(INST("acept = false;"), 7,
		     "unknown key \"acept\" in instance (did you mean \"accept\"?)");
}
END_TEST

static Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");

	runner_pid = getpid();
	atexit(remove_leftovers);
	TCase *ok = tcase_create("accept");
	TCase *keys = tcase_create("unknown_keys");
	TCase *bad = tcase_create("reject");
	TCase *scripts = tcase_create("scripts");
	TCase *plane = tcase_create("cluster_track_groups");

	tcase_add_test(ok, test_full_config);
	tcase_add_test(ok, test_defaults);
	tcase_add_test(ok, test_empty_groups_keep_defaults);
	tcase_add_test(ok, test_empty_instance_list_runs_nothing);
	tcase_add_test(ok, test_sample_config_loads);
	tcase_add_test(ok, test_witness_sample_loads);
	tcase_add_test(ok, test_range_edges_accepted);
	tcase_add_test(ok, test_same_vrid_other_interface_ok);
	tcase_add_test(ok, test_same_vrid_v4_v6_one_interface_ok);
	tcase_add_test(ok, test_include_reports_included_file);
	tcase_add_test(ok, test_include_wide_literal_rejected);
	tcase_add_test(ok, test_include_relative_to_config_dir);
	tcase_add_test(ok, test_include_directory_rejected);
	tcase_add_test(ok, test_free_null_and_errors_appended);
	tcase_add_test(ok, test_vmac_off_by_default);
	tcase_add_test(ok, test_vmac_names);
	tcase_add_test(ok, test_accept_values);
	suite_add_tcase(s, ok);

	tcase_add_test(keys, test_unknown_key_top);
	tcase_add_test(keys, test_unknown_key_instance);
	tcase_add_test(keys, test_unknown_key_keepalived_hint);
	tcase_add_test(keys, test_unknown_key_notify);
	tcase_add_test(keys, test_unknown_key_garp);
	tcase_add_test(keys, test_unknown_key_node);
	suite_add_tcase(s, keys);

	tcase_add_test(bad, test_vrid_0);
	tcase_add_test(bad, test_vrid_256);
	tcase_add_test(bad, test_vrid_wrong_type);
	tcase_add_test(bad, test_vrid_wraps_32_bits);
	tcase_add_test(bad, test_priority_0);
	tcase_add_test(bad, test_priority_256);
	tcase_add_test(bad, test_interval_5);
	tcase_add_test(bad, test_interval_15);
	tcase_add_test(bad, test_interval_40960_v3);
	tcase_add_test(bad, test_interval_1500_v2);
	tcase_add_test(bad, test_interval_float);
	tcase_add_test(bad, test_version_4);
	tcase_add_test(bad, test_vips_mixed_family);
	tcase_add_test(bad, test_vips_duplicate);
	tcase_add_test(bad, test_vips_bad_string);
	tcase_add_test(bad, test_vips_multicast);
	tcase_add_test(bad, test_vips_empty_and_too_many);
	tcase_add_test(bad, test_v2_ipv6);
	tcase_add_test(bad, test_pseudo_header_with_v2);
	tcase_add_test(bad, test_auth_pass);
	tcase_add_test(bad, test_duplicate_vrid_one_interface);
	tcase_add_test(bad, test_duplicate_instance_name);
	tcase_add_test(bad, test_bad_instance_name);
	tcase_add_test(bad, test_bad_interface);
	tcase_add_test(bad, test_missing_vips);
	tcase_add_test(bad, test_missing_instances);
	tcase_add_test(bad, test_unicast_peers_empty);
	tcase_add_test(bad, test_unicast_peer_multicast);
	tcase_add_test(bad, test_unicast_peer_wrong_family);
	tcase_add_test(bad, test_unicast_peer_duplicate_and_source);
	tcase_add_test(bad, test_notify_relative_path);
	tcase_add_test(bad, test_notify_timeout_0);
	tcase_add_test(bad, test_garp_refresh_500);
	tcase_add_test(bad, test_node_relative_state_dir);
	tcase_add_test(bad, test_bool_wrong_type);
	tcase_add_test(bad, test_syntax_error);
	tcase_add_test(bad, test_missing_file);
	tcase_add_test(bad, test_several_errors);
	tcase_add_test(bad, test_vmac_rejects);
	tcase_add_test(bad, test_vmac_name_clashes);
	tcase_add_test(bad, test_accept_wrong_type);
	tcase_add_test(bad, test_accept_filter_fail);
	tcase_add_test(bad, test_accept_key_hints);
	suite_add_tcase(s, bad);

	tcase_add_test(scripts, test_scripts_problems);
	tcase_add_test(scripts, test_scripts_ok);
	tcase_add_test(scripts, test_private_dirs);
	tcase_add_test(scripts, test_scripts_open_directory);
	tcase_add_test(scripts, test_scripts_symlink_followed);
	tcase_add_test(scripts, test_scripts_foreign_owner);
	tcase_add_test(scripts, test_secret_file_foreign_owner);
	tcase_add_test(scripts, test_secret_digest_follows_content);
	tcase_add_test(scripts, test_scripts_track_and_group);
	suite_add_tcase(s, scripts);

	tcase_add_test(plane, test_cluster_defaults);
	tcase_add_test(plane, test_cluster_full);
	tcase_add_test(plane, test_cluster_instance_limit);
	tcase_add_test(plane, test_cluster_instance_limit_fits);
	tcase_add_test(plane, test_cluster_bound_is_quorum_bound);
	tcase_add_test(plane, test_cluster_rejects);
	tcase_add_test(plane, test_vote_lease_bounds);
	tcase_add_test(plane, test_vote_lease_is_votes_timing_check);
	tcase_add_test(plane, test_vote_lease_default);
	tcase_add_test(plane, test_cluster_name);
	tcase_add_test(plane, test_witness_one_cluster);
	tcase_add_test(plane, test_witness_two_clusters);
	tcase_add_test(plane, test_witness_rejects);
	tcase_add_test(plane, test_cluster_list_of_one);
	tcase_add_test(scripts, test_witness_secret_files);
	tcase_add_test(plane, test_vip_lease);
	tcase_add_test(plane, test_track_full_and_defaults);
	tcase_add_test(plane, test_track_rejects);
	tcase_add_test(plane, test_sync_groups);
	suite_add_tcase(s, plane);

	TCase *counters = tcase_create("counters");
	tcase_add_test(counters, test_realtime_defaults);
	tcase_add_test(counters, test_realtime_accepted);
	tcase_add_test(counters, test_realtime_rejects);
	tcase_add_test(counters, test_counters_defaults);
	tcase_add_test(counters, test_counters_accepted);
	tcase_add_test(counters, test_counters_sync_interval_rejects);
	tcase_add_test(counters, test_metrics_file_rejects);
	tcase_add_test(counters, test_persist_counters_type);
	suite_add_tcase(s, counters);
	return s;
}

CLUSTD_TEST_MAIN(conf_suite)
