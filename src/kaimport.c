/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kaimport.c - keepalived.conf (a kaconf.h tree) to clustd.conf text, with
 * keepalived 2.x's meaning (kaimport.h). Three passes: read the top-level
 * blocks in order (a track_script or track_file finds only what was
 * defined above it, as in keepalived), complete each instance with
 * keepalived's own rules and the global defaults, then write the text.
 * Pure: host facts come through struct ki_host. */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "kaimport.h"
#include "model.h"
#include "names.h"
#include "vmac.h"
#include "xalloc.h"

#define US_PER_S 1000000ull
#define NOTIFY_KINDS 5
#define COMMENT_COLUMN 44
/* Bounds on what one file may declare, so that no input costs more than a
 * moment: far above any real configuration (and above what clustd takes). */
#define KI_MAX_ITEMS 1000       /* scripts, track files, instances, groups */
#define KI_MAX_TRACKS 64        /* track lines per instance or group */

/* ---- text out --------------------------------------------------------- */

struct out {
	char *s;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3)))
static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	char *t;

	va_start(ap, fmt);
	t = xvasprintf(fmt, ap);
	va_end(ap);
	size_t n = strlen(t);
	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		o->s = xrealloc(o->s, o->cap);
	}
	memcpy(o->s + o->len, t, n + 1);
	o->len += n;
	free(t);
}

/* A libconfig string literal (quotes included): heap. */
static char *quoted(const char *s)
{
	struct out o = {0};

	out_printf(&o, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			out_printf(&o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			out_printf(&o, "\\x%02x", c);
		else
			out_printf(&o, "%c", c);
	}
	out_printf(&o, "\"");
	return o.s;
}

/* ---- the model being built -------------------------------------------- */

enum { N_MASTER, N_BACKUP, N_FAULT, N_STOP, N_ANY };
static const char *const notify_kw[NOTIFY_KINDS] = {
	"notify_master", "notify_backup", "notify_fault", "notify_stop", "notify"
};
static const char *const notify_key[NOTIFY_KINDS] = { "master", "backup", "fault", "stop", "any" };

struct k_script {                 /* vrrp_script */
	const struct ka_stmt *at;
	const char *name;
	const struct ka_stmt *script_at, *timeout_at, *user_at, *interval_at, *rise_at, *fall_at;
	char **argv;                  /* NULL: no usable command */
	size_t argc;
	uint32_t interval_s, timeout_s, rise, fall;
	int weight;
	bool reverse, init_fail;
	const char *user, *group;
};

struct k_file {                   /* track_file / vrrp_track_file */
	const struct ka_stmt *at;
	const char *name, *path;
	int weight;
	bool reverse;
};

enum track_kind { T_SCRIPT, T_IFACE, T_FILE };

struct k_track {                  /* one line of track_script/_interface/_file */
	const struct ka_stmt *at;
	enum track_kind kind;
	const char *name;             /* interface, or script / file name */
	size_t ref;                   /* index in scripts[] / files[] */
	int weight;
	bool reverse;
	bool from_group;
};

struct k_vip {
	const struct ka_stmt *at;
	struct vip vip;
};

struct k_peer {
	const struct ka_stmt *at;
	struct ip_addr addr;
};

struct k_garp {                   /* keepalived's values; has_* = set here */
	const struct ka_stmt *delay_at, *repeat_at, *refresh_at, *refresh_rep_at, *lower_at;
	uint32_t delay_s, repeat, refresh_s, refresh_rep;
};

struct k_inst {
	const struct ka_stmt *at;
	const char *kname;
	char *name;                   /* the clustd name */
	bool skip;                    /* not imported (a warning said why) */
	const struct ka_stmt *iface_at, *vrid_at, *prio_at, *adv_at, *version_at, *state_at;
	const struct ka_stmt *nopreempt_at, *delay_at, *accept_at, *strict_at, *src_at;
	const struct ka_stmt *peers_at, *vmac_at, *xmit_at, *auth_at, *pass_at, *check_src_at;
	const char *iface;
	int vrid, prio, version;      /* version 0: the global default */
	uint64_t adv_us, delay_us;    /* 0: unset */
	bool state_master, state_set, nopreempt, accept, accept_set, strict, strict_set;
	bool check_src;
	const char *preempt_why;      /* why preempt is not what nopreempt says */
	sa_family_t family;
	struct k_vip *vips;
	size_t nvips;
	bool too_many_vips, too_many_peers;
	struct ip_addr src;
	bool src_is_mcast;            /* mcast_src_ip rather than unicast_src_ip */
	struct k_peer *peers;
	size_t npeers;
	bool vmac, xmit_base;
	const char *vmac_name;
	int auth;                     /* 0 none, 1 PASS, 2 AH */
	char pass[9];
	struct k_garp garp;
	const struct ka_stmt *notify[NOTIFY_KINDS];
	struct k_track *tracks;
	size_t ntracks;
	int group;                    /* index in groups[], -1 */
	uint32_t adv_ms;              /* after completion */
};

struct k_group {
	const struct ka_stmt *at;
	const char *kname;
	char *name;
	const struct ka_stmt *members_at;
	const struct ka_stmt *notify[NOTIFY_KINDS];
	struct k_track *tracks;
	size_t ntracks;
	bool tracking_weight;         /* sync_group_tracking_weight / global_tracking */
	size_t nmembers;
	size_t members[CLUSTD_MAX_TRACK];
};

struct k_global {
	const struct ka_stmt *router_id_at, *script_user_at, *version_at, *strict_at;
	const struct ka_stmt *check_src_at, *security_at, *vmac_prefix_at;
	const char *router_id, *script_user, *script_group, *vmac_prefix;
	int version;
	bool strict, check_src, security;
	struct k_garp garp;
	const struct ka_stmt *garp_interval_at, *gna_interval_at, *min_garp_at;
	uint64_t garp_interval_us, gna_interval_us;
	bool min_garp;
};

struct ki {
	const struct ki_opts *o;
	struct ka_msgs *msgs;
	struct k_global g;
	struct k_script *scripts;
	size_t nscripts;
	struct k_file *files;
	size_t nfiles;
	struct k_inst *insts;
	size_t ninsts;
	struct k_group *groups;
	size_t ngroups;
	struct out warn_text;         /* the warnings, for the header */
};

/* ---- messages --------------------------------------------------------- */

__attribute__((format(printf, 4, 5)))
static void say(struct ki *k, enum ka_level level, const struct ka_stmt *at, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	ka_msgs_add(k->msgs, level, at ? at->file : NULL, at ? at->line : 0, "%s", text);
	if (level == KA_WARNING)
		out_printf(&k->warn_text, "#   %s:%d: %s\n", at ? at->shown : "-", at ? at->line : 0, text);
	free(text);
}

#define WARN(k, at, ...) say(k, KA_WARNING, at, __VA_ARGS__)
#define NOTE(k, at, ...) say(k, KA_NOTE, at, __VA_ARGS__)

/* ---- values ----------------------------------------------------------- */

static const char *arg(const struct ka_stmt *s, size_t i)
{
	return i < s->nwords ? s->words[i] : NULL;
}

static bool is(const struct ka_stmt *s, const char *kw)
{
	return strcmp(s->words[0], kw) == 0;
}

/* A whole number in lo..hi; false (and a warning naming what keepalived
 * does) otherwise. */
static bool uint_arg(struct ki *k, const struct ka_stmt *s, size_t i, unsigned long lo,
		     unsigned long hi, unsigned long *out)
{
	const char *v = arg(s, i);
	char *end;
	unsigned long n;

	if (!v || !isdigit((unsigned char)v[0])) {
		NOTE(k, s, "%s: \"%s\" is not a number 0..%lu: keepalived ignores the line, and so does "
		     "the import", s->words[0], v ? v : "", hi);
		return false;
	}
	n = strtoul(v, &end, 10);
	if (*end || n < lo || n > hi) {
		NOTE(k, s, "%s: \"%s\" is not a number %lu..%lu: keepalived ignores the line, and so "
		     "does the import", s->words[0], v, lo, hi);
		return false;
	}
	*out = n;
	return true;
}

static bool int_arg(struct ki *k, const struct ka_stmt *s, size_t i, long lo, long hi, long *out)
{
	const char *v = arg(s, i);
	char *end;
	long n;

	if (!v || !*v) {
		NOTE(k, s, "%s: a number is missing: keepalived ignores it, and so does the import",
		     s->words[0]);
		return false;
	}
	n = strtol(v, &end, 10);
	if (*end || n < lo || n > hi) {
		NOTE(k, s, "%s: \"%s\" is not a number %ld..%ld: keepalived ignores it, and so does "
		     "the import", s->words[0], v, lo, hi);
		return false;
	}
	*out = n;
	return true;
}

/* keepalived's decimal seconds ("2", "0.15", ".5") in microseconds,
 * read exactly as decimal digits (not through a double); false when not
 * such a number or outside lo..hi µs. */
static bool parse_us(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t whole = 0, frac = 0, scale = US_PER_S;
	const char *p = v;
	bool digits = false;

	if (!v)
		return false;
	for (; isdigit((unsigned char)*p); p++, digits = true) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 1000000000ull)
			return false;
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, digits = true) {
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*p - '0') * scale;
			}
		}
	}
	if (*p || !digits)
		return false;
	*out = whole * US_PER_S + frac;
	return *out >= lo && *out <= hi;
}

/* on|off|true|false|yes|no, and a bare keyword means true. */
static bool bool_arg(struct ki *k, const struct ka_stmt *s, bool *out)
{
	static const char *const yes[] = { "on", "true", "yes" }, *const no[] = { "off", "false", "no" };
	const char *v = arg(s, 1);

	if (!v) {
		*out = true;
		return true;
	}
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(v, yes[i]) == 0)
			return *out = true;
		if (strcmp(v, no[i]) == 0)
			return !(*out = false);
	}
	NOTE(k, s, "%s: \"%s\" is not one of on, off, true, false, yes, no: keepalived ignores it, "
	     "and so does the import", s->words[0], v);
	return false;
}

/* clustd names are 1..63 of A-Z a-z 0-9 _ . - : anything else becomes '_'. */
static char *clustd_name(struct ki *k, const struct ka_stmt *at, const char *what, const char *v)
{
	char *n;

	if (name_valid(v))
		return xstrdup(v);
	n = xstrndup(*v ? v : "_", CLUSTD_NAME_MAX - 1);
	for (char *p = n; *p; p++)
		if (!name_char_ok(*p))
			*p = '_';
	NOTE(k, at, "%s \"%s\" is named \"%s\" in clustd (1..63 characters of A-Z a-z 0-9 _ . -)",
	     what, v, n);
	return n;
}

/* ---- what is not imported --------------------------------------------- */

struct advice {
	const char *kw;
	enum ka_level level;
	const char *why;
};

/* Top-level blocks clustd has no room for. */
static const struct advice top_advice[] = {
	{ "virtual_server", KA_WARNING, "clustd does not drive IPVS (LVS): keep keepalived's checker "
	  "(keepalived --check, without its VRRP part) or move the balancing to a load balancer "
	  "that clustd's notify scripts start and stop" },
	{ "virtual_server_group", KA_WARNING, "clustd does not drive IPVS (LVS): see virtual_server" },
	{ "static_ipaddress", KA_WARNING, "clustd never adds addresses that are not VIPs: configure "
	  "them in the system's network configuration" },
	{ "static_routes", KA_WARNING, "clustd adds no routes: configure them in the system's "
	  "network configuration" },
	{ "static_rules", KA_WARNING, "clustd adds no rules: configure them in the system's network "
	  "configuration" },
	{ "bfd_instance", KA_WARNING, "clustd has no BFD: track the peer with a track script, or "
	  "rely on VRRP's own Master_Down_Interval" },
	{ "vrrp_track_process", KA_WARNING, "clustd has no process tracking: use a track script "
	  "such as \"/usr/bin/pidof NAME\"" },
	{ "track_process", KA_WARNING, "clustd has no process tracking: use a track script such as "
	  "\"/usr/bin/pidof NAME\"" },
	{ "garp_group", KA_WARNING, "clustd spaces gratuitous ARPs per instance only: set "
	  "garp.interval in each instance" },
	{ "track_group", KA_WARNING, "clustd has no static addresses to track" },
	{ "linkbeat_interfaces", KA_NOTE, "clustd follows links through netlink only; keepalived's "
	  "polling has no equivalent and is rarely needed" },
	{ "interface_up_down_delays", KA_WARNING, "clustd acts on a link change at once: there is "
	  "no debounce delay" },
	{ "net_namespace", KA_WARNING, "run clustd in that namespace instead (ip netns exec NAME "
	  "clustd ...)" },
	{ "net_namespace_ipvs", KA_NOTE, "IPVS is not clustd's job" },
	{ "namespace_with_ipsets", KA_NOTE, "clustd uses no ipsets" },
	{ "instance", KA_NOTE, "clustd keeps its pid file in node.run_dir" },
	{ "use_pid_dir", KA_NOTE, "clustd keeps its pid file in node.run_dir" },
	{ "child_wait_time", KA_NOTE, "clustd runs as one process" },
	{ "linkbeat_use_polling", KA_NOTE, "clustd follows links through netlink only" },
	{ NULL, KA_NOTE, NULL },
};

/* global_defs keywords that do not shape VRRP, or that clustd replaces. */
static const struct advice global_advice[] = {
	{ "notification_email", KA_WARNING, "clustd sends no mail: a notify script can (notify.any "
	  "gets INSTANCE name STATE priority)" },
	{ "notification_email_from", KA_WARNING, "clustd sends no mail: use a notify script" },
	{ "smtp_server", KA_WARNING, "clustd sends no mail: use a notify script" },
	{ "smtp_helo_name", KA_WARNING, "clustd sends no mail: use a notify script" },
	{ "smtp_connect_timeout", KA_WARNING, "clustd sends no mail: use a notify script" },
	{ "smtp_alert", KA_WARNING, "clustd sends no mail: use a notify script" },
	{ "smtp_alert_vrrp", KA_WARNING, "clustd sends no mail: use a notify script" },
	{ "smtp_alert_checker", KA_NOTE, "no checker in clustd" },
	{ "no_email_faults", KA_NOTE, "clustd sends no mail" },
	{ "notify_fifo", KA_WARNING, "clustd has no FIFO: a notify.any script gets INSTANCE name "
	  "STATE priority for every transition, in order, and can write keepalived's line to it" },
	{ "notify_fifo_script", KA_WARNING, "clustd has no FIFO: a notify.any script gets every "
	  "transition (INSTANCE name STATE priority), in order" },
	{ "vrrp_notify_fifo", KA_WARNING, "clustd has no FIFO: a notify.any script gets INSTANCE "
	  "name STATE priority for every transition, in order, and can write keepalived's line to it" },
	{ "vrrp_notify_fifo_script", KA_WARNING, "clustd has no FIFO: a notify.any script gets every "
	  "transition (INSTANCE name STATE priority), in order" },
	{ "lvs_notify_fifo", KA_NOTE, "IPVS is not clustd's job" },
	{ "lvs_notify_fifo_script", KA_NOTE, "IPVS is not clustd's job" },
	{ "vrrp_notify_priority_changes", KA_WARNING, "clustd reports priority changes in its log "
	  "and in status, not through a FIFO" },
	{ "fifo_write_vrrp_states_on_reload", KA_NOTE, "clustd has no FIFO" },
	{ "enable_snmp_vrrp", KA_WARNING, "clustd has no SNMP agent: scrape clustd metrics "
	  "(Prometheus text) instead" },
	{ "enable_snmp_checker", KA_NOTE, "no checker and no SNMP in clustd" },
	{ "enable_snmp_rfc", KA_WARNING, "clustd has no SNMP agent: scrape clustd metrics instead" },
	{ "enable_snmp_rfcv2", KA_WARNING, "clustd has no SNMP agent: scrape clustd metrics instead" },
	{ "enable_snmp_rfcv3", KA_WARNING, "clustd has no SNMP agent: scrape clustd metrics instead" },
	{ "enable_traps", KA_WARNING, "clustd sends no SNMP traps: a notify script can" },
	{ "snmp_socket", KA_NOTE, "clustd has no SNMP agent" },
	{ "enable_dbus", KA_WARNING, "clustd has no D-Bus interface: use clustd status --json" },
	{ "dbus_service_name", KA_NOTE, "clustd has no D-Bus interface" },
	{ "vrrp_mcast_group4", KA_WARNING, "clustd always uses 224.0.0.18 (RFC 5798): use unicast "
	  "peers if the group must differ" },
	{ "vrrp_mcast_group6", KA_WARNING, "clustd always uses ff02::12 (RFC 5798): use unicast "
	  "peers if the group must differ" },
	{ "vrrp_lower_prio_no_advert", KA_WARNING, "a clustd master always answers a lower-priority "
	  "advert with one of its own (at most one per interval), as RFC 9568 6.4.3 says" },
	{ "vrrp_higher_prio_send_advert", KA_WARNING, "a clustd master that sees a higher priority "
	  "steps down without a last advert" },
	{ "vrrp_garp_lower_prio_delay", KA_WARNING, "a clustd master answers a lower-priority "
	  "advert with an advert, not with gratuitous ARPs" },
	{ "vrrp_garp_lower_prio_repeat", KA_WARNING, "a clustd master answers a lower-priority "
	  "advert with an advert, not with gratuitous ARPs" },
	{ "vrrp_garp_extra_if", KA_WARNING, "clustd announces VIPs on the instance's interface "
	  "only: use garp.refresh" },
	{ "vrrp_skip_check_adv_addr", KA_NOTE, "clustd always compares the advertised addresses "
	  "(a difference is logged, and a VRRPv2 advert with other addresses dropped, as RFC 3768 "
	  "says)" },
	{ "vrrp_down_timer_adverts", KA_WARNING, "clustd's Master_Down_Interval is always 3 "
	  "intervals plus skew (RFC 5798)" },
	{ "vrrp_startup_delay", KA_WARNING, "clustd starts its instances at once: delay the "
	  "service (systemd ExecStartPre=/bin/sleep N) if the links need time" },
	{ "dynamic_interfaces", KA_NOTE, "clustd always waits for a missing interface (FAULT "
	  "until it appears)" },
	{ "vrrp_iptables", KA_NOTE, "clustd enforces accept = false with its own nftables table "
	  "(inet clustd)" },
	{ "vrrp_ipsets", KA_NOTE, "clustd uses its own nftables table" },
	{ "nftables", KA_NOTE, "clustd uses its own nftables table (inet clustd)" },
	{ "nftables_priority", KA_NOTE, "clustd uses its own nftables table" },
	{ "nftables_counters", KA_NOTE, "clustd's table always counts its drops" },
	{ "nftables_ifindex", KA_NOTE, "clustd uses its own nftables table" },
	{ "lvs_sync_daemon", KA_WARNING, "clustd does not drive the IPVS sync daemon: start and "
	  "stop it from notify scripts" },
	{ "startup_script", KA_WARNING, "run it from the clustd service (systemd ExecStartPre=)" },
	{ "shutdown_script", KA_WARNING, "run it from the clustd service (systemd ExecStopPost=)" },
	{ "reload_time_file", KA_WARNING, "reload clustd with SIGHUP when you want it" },
	{ "random_seed", KA_NOTE, "only for ${_RANDOM}" },
	{ NULL, KA_NOTE, NULL },
};

/* Instance keywords clustd has no room for. */
static const struct advice instance_advice[] = {
	{ "virtual_ipaddress_excluded", KA_WARNING, "clustd advertises every VIP, and keepalived "
	  "peers check the list: add these addresses with notify scripts while keepalived nodes "
	  "remain, and move them into vips once every node runs clustd" },
	{ "virtual_routes", KA_WARNING, "clustd adds no routes: add and remove them in notify "
	  "scripts (notify.master / notify.backup)" },
	{ "virtual_rules", KA_WARNING, "clustd adds no rules: add and remove them in notify scripts" },
	{ "track_process", KA_WARNING, "clustd has no process tracking: use a track script such as "
	  "\"/usr/bin/pidof NAME\"" },
	{ "track_bfd", KA_WARNING, "clustd has no BFD: track the peer with a track script" },
	{ "track_src_ip", KA_NOTE, "clustd puts an instance whose source address is gone in FAULT "
	  "anyway" },
	{ "mcast_dst_ip", KA_WARNING, "clustd always uses the RFC's group (224.0.0.18, ff02::12): "
	  "use unicast_peers if it must differ" },
	{ "unicast_ttl", KA_WARNING, "clustd always sends with TTL 255 and accepts only 255 "
	  "(RFC 5798)" },
	{ "unicast_fault_no_peer", KA_NOTE, "clustd never falls back to multicast when a peer list "
	  "is given" },
	{ "old_unicast_checksum", KA_NOTE, "clustd accepts both VRRPv3 checksum forms; it sends "
	  "with the pseudo-header (checksum_pseudo_header)" },
	{ "down_timer_adverts", KA_WARNING, "clustd's Master_Down_Interval is always 3 intervals "
	  "plus skew (RFC 5798): every router of this VRID must use 3" },
	{ "lower_prio_no_advert", KA_WARNING, "a clustd master always answers a lower-priority "
	  "advert with one of its own (at most one per interval)" },
	{ "higher_prio_send_advert", KA_WARNING, "a clustd master that sees a higher priority steps "
	  "down without a last advert" },
	{ "notify_master_rx_lower_pri", KA_WARNING, "clustd has no such notify: a master answers "
	  "a lower priority with an advert, and the log says so" },
	{ "notify_deleted", KA_NOTE, "clustd runs notify.stop for an instance a reload removes" },
	{ "notify_priority_changes", KA_WARNING, "clustd reports priority changes in its log and "
	  "status, not through a FIFO" },
	{ "smtp_alert", KA_WARNING, "clustd sends no mail: use a notify script" },
	{ "garp_extra_if", KA_WARNING, "clustd announces VIPs on the instance's interface only" },
	{ "garp_extra_if_vmac", KA_WARNING, "clustd announces VIPs on the instance's interface only" },
	{ "garp_lower_prio_delay", KA_WARNING, "a clustd master answers a lower-priority advert with "
	  "an advert, not with gratuitous ARPs" },
	{ "garp_lower_prio_repeat", KA_WARNING, "a clustd master answers a lower-priority advert "
	  "with an advert, not with gratuitous ARPs" },
	{ "dont_track_primary", KA_WARNING, "clustd always puts an instance whose interface is down "
	  "in FAULT" },
	{ "skip_check_adv_addr", KA_NOTE, "clustd always compares the advertised addresses" },
	{ "promote_secondaries", KA_WARNING, "set net.ipv4.conf.IFACE.promote_secondaries=1 with "
	  "sysctl instead" },
	{ "use_vmac_addr", KA_WARNING, "clustd creates one virtual MAC device per instance, on its "
	  "interface" },
	{ "vrf", KA_WARNING, "clustd does not bind to a VRF" },
	{ "kernel_rx_buf_size", KA_NOTE, "clustd sizes its sockets itself" },
	{ "linkbeat_use_polling", KA_NOTE, "clustd follows links through netlink only" },
	{ "debug", KA_NOTE, "use clustd -l debug" },
	{ "native_ipv6", KA_NOTE, "the VIPs give clustd the family" },
	{ NULL, KA_NOTE, NULL },
};

static const struct advice *find_advice(const struct advice *t, const char *kw)
{
	for (; t->kw; t++)
		if (strcmp(t->kw, kw) == 0)
			return t;
	return NULL;
}

static void not_imported(struct ki *k, const struct ka_stmt *s, const struct advice *a)
{
	if (a->level == KA_WARNING)
		WARN(k, s, "%s not imported: %s", s->words[0], a->why);
	else
		NOTE(k, s, "%s not imported: %s", s->words[0], a->why);
}

/* ---- global_defs ------------------------------------------------------ */

/* garp keywords shared by global_defs (with "vrrp_") and instances. */
static bool garp_key(struct ki *k, const struct ka_stmt *s, const char *kw, struct k_garp *g)
{
	unsigned long v;

	if (strcmp(kw, "garp_master_delay") == 0) {
		if (uint_arg(k, s, 1, 0, 86400, &v)) {
			g->delay_s = (uint32_t)v;
			g->delay_at = s;
		}
	} else if (strcmp(kw, "garp_master_repeat") == 0) {
		if (uint_arg(k, s, 1, 0, 65535, &v)) {
			g->repeat = (uint32_t)v;
			g->repeat_at = s;
		}
	} else if (strcmp(kw, "garp_master_refresh") == 0) {
		if (uint_arg(k, s, 1, 0, 86400, &v)) {
			g->refresh_s = (uint32_t)v;
			g->refresh_at = s;
		}
	} else if (strcmp(kw, "garp_master_refresh_repeat") == 0) {
		if (uint_arg(k, s, 1, 0, 65535, &v)) {
			g->refresh_rep = (uint32_t)v;
			g->refresh_rep_at = s;
		}
	} else {
		return false;
	}
	return true;
}

/* keepalived 2.2's global_defs keywords that change nothing clustd does
 * (process tuning, buffers, file locations, the checker's side). */
static bool known_global(const char *kw)
{
	static const char *const kws[] = {
		"tmp_config_directory", "config_save_dir", "process_names", "process_name",
		"vrrp_process_name", "checker_process_name", "bfd_process_name",
		"startup_script_timeout", "shutdown_script_timeout", "default_interface",
		"lvs_timeouts", "lvs_flush", "lvs_flush_on_stop", "checker_log_all_failures",
		"max_auto_priority", "min_auto_priority_delay", "vrrp_priority", "checker_priority",
		"bfd_priority", "vrrp_no_swap", "checker_no_swap", "bfd_no_swap",
		"vrrp_cpu_affinity", "checker_cpu_affinity", "bfd_cpu_affinity", "vrrp_rt_priority",
		"checker_rt_priority", "bfd_rt_priority", "vrrp_rlimit_rttime",
		"checker_rlimit_rttime", "bfd_rlimit_rttime", "vrrp_netlink_cmd_rcv_bufs",
		"vrrp_netlink_cmd_rcv_bufs_force", "vrrp_netlink_monitor_rcv_bufs",
		"vrrp_netlink_monitor_rcv_bufs_force", "lvs_netlink_cmd_rcv_bufs",
		"lvs_netlink_cmd_rcv_bufs_force", "lvs_netlink_monitor_rcv_bufs",
		"lvs_netlink_monitor_rcv_bufs_force", "process_monitor_rcv_bufs",
		"process_monitor_rcv_bufs_force", "vrrp_rx_bufs_policy", "vrrp_rx_bufs_multiplier",
		"rs_init_notifies", "no_checker_emails", "umask", "log_unknown_vrids",
		"vmac_addr_prefix", "reload_check_config", "include_check", "reload_repeat",
		"reload_file", "data_use_instance", "nftables_ipvs", "nftables_ipvs_priority",
		"nftables_ipvs_start_fwmark", "disable_local_igmp",
	};

	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (strcmp(kw, kws[i]) == 0)
			return true;
	return false;
}

static void read_global(struct ki *k, const struct ka_stmt *s)
{
	struct k_global *g = &k->g;
	const char *kw = s->words[0];
	const struct advice *a;
	unsigned long v;

	if (is(s, "router_id")) {
		if (arg(s, 1)) {
			g->router_id = arg(s, 1);
			g->router_id_at = s;
		}
	} else if (is(s, "script_user")) {
		if (arg(s, 1)) {
			g->script_user = arg(s, 1);
			g->script_group = arg(s, 2);
			g->script_user_at = s;
		}
	} else if (is(s, "enable_script_security")) {
		g->security = true;
		g->security_at = s;
	} else if (is(s, "vrrp_version")) {
		if (uint_arg(k, s, 1, 2, 3, &v)) {
			g->version = (int)v;
			g->version_at = s;
		}
	} else if (is(s, "vrrp_strict")) {
		g->strict = true;
		g->strict_at = s;
	} else if (is(s, "vrrp_check_unicast_src")) {
		g->check_src = true;
		g->check_src_at = s;
	} else if (is(s, "vmac_prefix")) {
		if (arg(s, 1)) {
			g->vmac_prefix = arg(s, 1);
			g->vmac_prefix_at = s;
		}
	} else if (strncmp(kw, "vrrp_", 5) == 0 && garp_key(k, s, kw + 5, &g->garp)) {
		/* vrrp_garp_master_* */
	} else if (is(s, "vrrp_garp_interval") || is(s, "vrrp_gna_interval")) {
		uint64_t us;

		if (!parse_us(arg(s, 1), 0, 1000 * US_PER_S, &us)) {
			NOTE(k, s, "%s: \"%s\" is not a time in seconds: keepalived ignores it, and so "
			     "does the import", kw, arg(s, 1) ? arg(s, 1) : "");
		} else if (is(s, "vrrp_garp_interval")) {
			g->garp_interval_us = us;
			g->garp_interval_at = s;
		} else {
			g->gna_interval_us = us;
			g->gna_interval_at = s;
		}
	} else if (is(s, "vrrp_min_garp")) {
		bool b;
		if (bool_arg(k, s, &b)) {
			g->min_garp = b;
			g->min_garp_at = s;
		}
	} else if ((a = find_advice(global_advice, kw)) || (a = find_advice(top_advice, kw))) {
		not_imported(k, s, a);
	} else if (known_global(kw)) {
		NOTE(k, s, "global_defs %s: no effect on the VRRP side, not imported", kw);
	} else {
		WARN(k, s, "global_defs: unknown keyword \"%s\": not imported", kw);
	}
}

/* ---- vrrp_script and track_file --------------------------------------- */

static char **command_words(struct ki *k, const struct ka_stmt *s, size_t *argc)
{
	const char *why;
	size_t n;
	char **line = ka_split_command(s->raw, &n, &why), **argv = NULL;

	if (line && n >= 2)
		argv = ka_split_command(line[1], argc, &why);
	if (!argv || !*argc) {
		NOTE(k, s, "%s: no command was found (%s): keepalived ignores it too", s->words[0],
		     why ? why : "empty");
		ka_words_free(argv);
		argv = NULL;
	}
	ka_words_free(line);
	return argv;
}

static void read_script(struct ki *k, const struct ka_stmt *s)
{
	struct k_script sc = { .at = s, .name = arg(s, 1), .interval_s = 1, .rise = 1, .fall = 1 };
	unsigned long v;
	long w;

	if (!sc.name || !s->block) {
		NOTE(k, s, "vrrp_script without a name and a block: keepalived ignores it too");
		return;
	}
	for (size_t i = 0; i < s->nkids; i++) {
		const struct ka_stmt *c = &s->kids[i];

		if (is(c, "script")) {
			ka_words_free(sc.argv);
			sc.argv = command_words(k, c, &sc.argc);
			sc.script_at = c;
		} else if (is(c, "interval")) {
			if (uint_arg(k, c, 1, 1, 4294, &v)) {
				sc.interval_s = (uint32_t)v;
				sc.interval_at = c;
			}
		} else if (is(c, "timeout")) {
			if (uint_arg(k, c, 1, 1, 4294, &v)) {
				sc.timeout_s = (uint32_t)v;
				sc.timeout_at = c;
			}
		} else if (is(c, "weight")) {
			if (int_arg(k, c, 1, -254, 254, &w)) {
				sc.weight = (int)(w == 254 ? 253 : w == -254 ? -253 : w);
				sc.reverse = arg(c, 2) && strcmp(arg(c, 2), "reverse") == 0;
			}
		} else if (is(c, "rise")) {
			if (uint_arg(k, c, 1, 1, 1000000, &v)) {
				sc.rise = (uint32_t)v;
				sc.rise_at = c;
			}
		} else if (is(c, "fall")) {
			if (uint_arg(k, c, 1, 1, 1000000, &v)) {
				sc.fall = (uint32_t)v;
				sc.fall_at = c;
			}
		} else if (is(c, "user")) {
			sc.user = arg(c, 1);
			sc.group = arg(c, 2);
			sc.user_at = c;
		} else if (is(c, "init_fail")) {
			sc.init_fail = true;
		} else {
			WARN(k, c, "vrrp_script %s: unknown keyword \"%s\": not imported", sc.name, c->words[0]);
		}
	}
	for (size_t i = 0; i < k->nscripts; i++) {
		if (strcmp(k->scripts[i].name, sc.name) == 0) {
			NOTE(k, s, "vrrp_script %s is defined twice: keepalived keeps the first, and so "
			     "does the import", sc.name);
			ka_words_free(sc.argv);
			return;
		}
	}
	if (k->nscripts == KI_MAX_ITEMS) {
		WARN(k, s, "more than %d vrrp_script blocks: %s not imported", KI_MAX_ITEMS, sc.name);
		ka_words_free(sc.argv);
		return;
	}
	k->scripts = xrealloc(k->scripts, (k->nscripts + 1) * sizeof(*k->scripts));
	k->scripts[k->nscripts++] = sc;
}

static void read_track_file(struct ki *k, const struct ka_stmt *s)
{
	struct k_file f = { .at = s, .name = arg(s, 1), .weight = 1 };
	long w;

	if (!f.name || !s->block) {
		NOTE(k, s, "%s without a name and a block: keepalived ignores it too", s->words[0]);
		return;
	}
	for (size_t i = 0; i < s->nkids; i++) {
		const struct ka_stmt *c = &s->kids[i];

		if (is(c, "file")) {
			f.path = arg(c, 1);
		} else if (is(c, "weight")) {
			if (int_arg(k, c, 1, -254, 254, &w)) {
				f.weight = (int)w;
				f.reverse = arg(c, 2) && strcmp(arg(c, 2), "reverse") == 0;
			}
		} else if (is(c, "init_file")) {
			WARN(k, c, "track_file %s: init_file not imported: clustd never writes the "
			     "file; create it before clustd starts (a missing file counts as 0)", f.name);
		} else {
			WARN(k, c, "track_file %s: unknown keyword \"%s\": not imported", f.name, c->words[0]);
		}
	}
	if (!f.path) {
		NOTE(k, s, "track_file %s has no file: keepalived ignores it too", f.name);
		return;
	}
	if (k->nfiles == KI_MAX_ITEMS) {
		WARN(k, s, "more than %d track files: %s not imported", KI_MAX_ITEMS, f.name);
		return;
	}
	k->files = xrealloc(k->files, (k->nfiles + 1) * sizeof(*k->files));
	k->files[k->nfiles++] = f;
}

/* ---- track_* blocks (instances and sync groups) ----------------------- */

static bool find_script(const struct ki *k, const char *name, size_t *i)
{
	for (*i = 0; *i < k->nscripts; (*i)++)
		if (strcmp(k->scripts[*i].name, name) == 0)
			return true;
	return false;
}

static bool find_file(const struct ki *k, const char *name, size_t *i)
{
	for (*i = 0; *i < k->nfiles; (*i)++)
		if (strcmp(k->files[*i].name, name) == 0)
			return true;
	return false;
}

static void add_track(struct k_track **v, size_t *n, const struct k_track *t)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = *t;
}

/* One line of a track_* block: NAME [weight W [reverse|noreverse]]. */
static void read_track_line(struct ki *k, const struct ka_stmt *c, enum track_kind kind,
			    const char *owner, struct k_track **v, size_t *n, bool group)
{
	struct k_track t = { .at = c, .kind = kind, .name = c->words[0], .from_group = group };
	long lim = kind == T_FILE ? 254 : 253, w;

	if (kind == T_SCRIPT) {
		if (!find_script(k, t.name, &t.ref)) {
			NOTE(k, c, "%s: track script %s is not defined above this line: keepalived "
			     "ignores it, and so does the import", owner, t.name);
			return;
		}
		t.weight = k->scripts[t.ref].weight;
		t.reverse = k->scripts[t.ref].reverse;
	} else if (kind == T_FILE) {
		if (!find_file(k, t.name, &t.ref)) {
			NOTE(k, c, "%s: track file %s is not defined above this line: keepalived "
			     "ignores it, and so does the import", owner, t.name);
			return;
		}
		t.weight = k->files[t.ref].weight;
		t.reverse = k->files[t.ref].reverse;
	}
	if (arg(c, 1) && strcmp(arg(c, 1), "weight") == 0) {
		if (int_arg(k, c, 2, -254, 254, &w)) {
			if (w < -lim || w > lim) {
				NOTE(k, c, "%s: weight %ld is %ld for keepalived", owner, w, w < 0 ? -lim : lim);
				w = w < 0 ? -lim : lim;
			}
			t.weight = (int)w;
		}
		if (arg(c, 3))
			t.reverse = strcmp(arg(c, 3), "reverse") == 0;
	}
	if (*n == KI_MAX_TRACKS) {
		WARN(k, c, "%s: more than %d tracked checks: %s not imported", owner, KI_MAX_TRACKS,
		     t.name);
		return;
	}
	for (size_t i = 0; i < *n; i++) {
		if ((*v)[i].kind == kind && strcmp((*v)[i].name, t.name) == 0) {
			NOTE(k, c, "%s: %s is tracked twice: keepalived keeps the first", owner, t.name);
			return;
		}
	}
	add_track(v, n, &t);
}

static bool read_track_block(struct ki *k, const struct ka_stmt *s, const char *owner,
			     struct k_track **v, size_t *n, bool group)
{
	enum track_kind kind;

	if (is(s, "track_script"))
		kind = T_SCRIPT;
	else if (is(s, "track_interface"))
		kind = T_IFACE;
	else if (is(s, "track_file"))
		kind = T_FILE;
	else
		return false;
	for (size_t i = 0; i < s->nkids; i++)
		read_track_line(k, &s->kids[i], kind, owner, v, n, group);
	return true;
}

/* notify_* lines: the statement is kept; its command is split later. */
static bool read_notify(const struct ka_stmt *s, const struct ka_stmt **notify)
{
	for (int i = 0; i < NOTIFY_KINDS; i++) {
		if (is(s, notify_kw[i])) {
			if (!notify[i])
				notify[i] = s;
			return true;
		}
	}
	return false;
}

/* ---- vrrp_instance ---------------------------------------------------- */

/* Not multicast, not the unspecified address: what clustd takes as a VIP,
 * a unicast source or a peer. */
static bool usable_unicast(const struct ip_addr *a)
{
	size_t n = ip_addr_len(a);

	if (ip_addr_is_multicast(a))
		return false;
	for (size_t i = 0; i < n; i++)
		if (a->u.bytes[i])
			return true;
	return false;
}

static void add_vip(struct ki *k, struct k_inst *in, const struct ka_stmt *c)
{
	struct vip v;
	char buf[VIP_STRLEN];

	if (!vip_parse(c->words[0], &v)) {
		NOTE(k, c, "%s: \"%s\" is not an address: keepalived ignores it, and so does the import",
		     in->kname, c->words[0]);
		return;
	}
	if (in->family && v.addr.family != in->family) {
		NOTE(k, c, "%s: %s is not of the instance's address family: keepalived ignores it, "
		     "and so does the import", in->kname, c->words[0]);
		return;
	}
	if (!usable_unicast(&v.addr) || v.prefixlen == 0) {
		WARN(k, c, "%s: %s not imported: clustd takes only a unicast address with a prefix "
		     "as a VIP", in->kname, c->words[0]);
		return;
	}
	for (size_t i = 0; i < in->nvips; i++) {
		if (ip_addr_equal(&in->vips[i].vip.addr, &v.addr)) {
			NOTE(k, c, "%s: %s is listed twice: imported once", in->kname,
			     ip_addr_str(&v.addr, buf));
			return;
		}
	}
	if (in->nvips == CLUSTD_MAX_VIPS) {
		in->too_many_vips = true;
		return;
	}
	in->family = v.addr.family;
	in->vips = xrealloc(in->vips, (in->nvips + 1) * sizeof(*in->vips));
	in->vips[in->nvips++] = (struct k_vip){ .at = c, .vip = v };
	for (size_t i = 1; i < c->nwords; i++) {
		const char *o = c->words[i], *val = arg(c, i + 1);

		if (strcmp(o, "dev") == 0 && val) {
			i++;
			if (!in->iface || strcmp(val, in->iface) != 0)
				WARN(k, c, "%s: %s dev %s: clustd puts every VIP on the instance's "
				     "interface (or its virtual MAC device); keep it there, or add it on "
				     "%s from notify scripts", in->kname, c->words[0], val, val);
		} else if (strcmp(o, "scope") == 0 && val) {
			i++;
			if (strcmp(val, "global") != 0)
				WARN(k, c, "%s: %s scope %s: clustd adds VIPs with scope global", in->kname,
				     c->words[0], val);
		} else if (strcmp(o, "label") == 0 && val) {
			i++;
			WARN(k, c, "%s: %s label %s: clustd adds VIPs without a label; scripts that look "
			     "for the label must look for the address", in->kname, c->words[0], val);
		} else if ((strcmp(o, "brd") == 0 || strcmp(o, "broadcast") == 0 ||
			    strcmp(o, "peer") == 0 || strcmp(o, "preferred_lft") == 0 ||
			    strcmp(o, "track_group") == 0) && val) {
			i++;
			WARN(k, c, "%s: %s %s %s: clustd cannot set it on a VIP", in->kname, c->words[0], o,
			     val);
		} else if (strcmp(o, "-nodad") == 0 || strcmp(o, "nodad") == 0) {
			/* clustd adds every IPv6 VIP with NODAD */
		} else if (strcmp(o, "no_track") == 0) {
			NOTE(k, c, "%s: %s no_track: clustd adds a removed VIP back when it renews the "
			     "lease", in->kname, c->words[0]);
		} else {
			WARN(k, c, "%s: %s %s: clustd cannot set it on a VIP", in->kname, c->words[0], o);
		}
	}
}

static void add_peer(struct ki *k, struct k_inst *in, const struct ka_stmt *c)
{
	struct ip_addr a;

	if (!ip_addr_parse(c->words[0], &a)) {
		NOTE(k, c, "%s: unicast peer \"%s\" is not an address: keepalived ignores it, and so "
		     "does the import", in->kname, c->words[0]);
		return;
	}
	if (!usable_unicast(&a)) {
		WARN(k, c, "%s: unicast peer %s not imported: not a unicast address", in->kname,
		     c->words[0]);
		return;
	}
	for (size_t i = 1; i < c->nwords; i++) {
		if ((strcmp(c->words[i], "min_ttl") == 0 || strcmp(c->words[i], "max_ttl") == 0) &&
		    arg(c, i + 1)) {
			WARN(k, c, "%s: %s %s %s: clustd accepts only TTL 255 from a peer (RFC 5798)",
			     in->kname, c->words[0], c->words[i], c->words[i + 1]);
			i++;
		} else {
			WARN(k, c, "%s: unicast peer option %s not imported", in->kname, c->words[i]);
		}
	}
	for (size_t i = 0; i < in->npeers; i++) {
		if (ip_addr_equal(&in->peers[i].addr, &a)) {
			NOTE(k, c, "%s: unicast peer %s is listed twice: imported once", in->kname,
			     c->words[0]);
			return;
		}
	}
	if (in->npeers == CLUSTD_MAX_PEERS) {
		in->too_many_peers = true;
		return;
	}
	in->peers = xrealloc(in->peers, (in->npeers + 1) * sizeof(*in->peers));
	in->peers[in->npeers++] = (struct k_peer){ .at = c, .addr = a };
}

static bool looks_like_mac(const char *s)
{
	int n = 0;

	for (const char *p = s; *p; p++) {
		if (*p == ':')
			n++;
		else if (!isxdigit((unsigned char)*p))
			return false;
	}
	return n == 4 || n == 5;
}

static void read_auth(struct ki *k, struct k_inst *in, const struct ka_stmt *s)
{
	in->auth_at = s;
	for (size_t i = 0; i < s->nkids; i++) {
		const struct ka_stmt *c = &s->kids[i];
		const char *v = arg(c, 1);

		if (is(c, "auth_type") && v && strcmp(v, "PASS") == 0) {
			in->auth = 1;
		} else if (is(c, "auth_type") && v && strcmp(v, "AH") == 0) {
			in->auth = 2;
		} else if (is(c, "auth_type")) {
			NOTE(k, c, "%s: auth_type %s is neither PASS nor AH: keepalived ignores it",
			     in->kname, v ? v : "");
		} else if (is(c, "auth_pass") && v) {
			if (strlen(v) > 8)
				NOTE(k, c, "%s: auth_pass is cut to its first 8 characters, as keepalived "
				     "does", in->kname);
			snprintf(in->pass, sizeof(in->pass), "%s", v);
			in->pass_at = c;
		} else {
			WARN(k, c, "%s: authentication: unknown keyword \"%s\": not imported", in->kname,
			     c->words[0]);
		}
	}
}

static void read_instance_key(struct ki *k, struct k_inst *in, const struct ka_stmt *c)
{
	const struct advice *a;
	unsigned long v;
	bool b;

	if (is(c, "interface")) {
		in->iface = arg(c, 1);
		in->iface_at = c;
	} else if (is(c, "virtual_router_id")) {
		if (uint_arg(k, c, 1, 1, 255, &v)) {
			in->vrid = (int)v;
			in->vrid_at = c;
		}
	} else if (is(c, "priority")) {
		if (uint_arg(k, c, 1, 1, 255, &v)) {
			in->prio = (int)v;
			in->prio_at = c;
		}
	} else if (is(c, "advert_int")) {
		uint64_t us;
		if (parse_us(arg(c, 1), US_PER_S / 100, 255 * US_PER_S, &us)) {
			in->adv_us = us;
			in->adv_at = c;
		} else {
			NOTE(k, c, "%s: advert_int %s is not 0.01..255 seconds: keepalived ignores it, "
			     "and so does the import", in->kname, arg(c, 1) ? arg(c, 1) : "");
		}
	} else if (is(c, "version")) {
		if (uint_arg(k, c, 1, 2, 3, &v)) {
			in->version = (int)v;
			in->version_at = c;
		}
	} else if (is(c, "state")) {
		const char *st = arg(c, 1) ? arg(c, 1) : "";
		in->state_at = c;
		if (strcmp(st, "MASTER") == 0) {
			in->state_master = in->state_set = true;
		} else if (strcmp(st, "BACKUP") == 0) {
			if (in->state_master)
				NOTE(k, c, "%s: state MASTER was given before: keepalived ignores this "
				     "BACKUP", in->kname);
			else
				in->state_set = true;
		} else {
			NOTE(k, c, "%s: unknown state \"%s\": keepalived takes BACKUP", in->kname, st);
			in->state_set = !in->state_master;
		}
	} else if (is(c, "nopreempt") || is(c, "preempt")) {
		in->nopreempt = is(c, "nopreempt");
		in->nopreempt_at = c;
	} else if (is(c, "preempt_delay")) {
		uint64_t us;
		if (parse_us(arg(c, 1), 0, 1000 * US_PER_S, &us)) {
			in->delay_us = us;
			in->delay_at = c;
		} else {
			NOTE(k, c, "%s: preempt_delay %s is not 0..1000 seconds: keepalived ignores it, "
			     "and so does the import", in->kname, arg(c, 1) ? arg(c, 1) : "");
		}
	} else if (is(c, "accept") || is(c, "no_accept")) {
		in->accept = is(c, "accept");
		in->accept_set = true;
		in->accept_at = c;
	} else if (is(c, "strict_mode")) {
		if (bool_arg(k, c, &b)) {
			in->strict = b;
			in->strict_set = true;
			in->strict_at = c;
		}
	} else if (is(c, "check_unicast_src")) {
		in->check_src = true;
		in->check_src_at = c;
	} else if (is(c, "virtual_ipaddress")) {
		for (size_t i = 0; i < c->nkids; i++)
			add_vip(k, in, &c->kids[i]);
	} else if (is(c, "unicast_src_ip") || is(c, "mcast_src_ip")) {
		if (!arg(c, 1) || !ip_addr_parse(arg(c, 1), &in->src)) {
			NOTE(k, c, "%s: %s \"%s\" is not an address: keepalived ignores it, and so does "
			     "the import", in->kname, c->words[0], arg(c, 1) ? arg(c, 1) : "");
			memset(&in->src, 0, sizeof(in->src));
		} else {
			in->src_at = c;
			in->src_is_mcast = is(c, "mcast_src_ip");
		}
	} else if (is(c, "unicast_peer")) {
		in->peers_at = c;
		for (size_t i = 0; i < c->nkids; i++)
			add_peer(k, in, &c->kids[i]);
	} else if (is(c, "use_vmac")) {
		in->vmac = true;
		in->vmac_at = c;
		for (size_t i = 1; i < c->nwords; i++) {
			if (looks_like_mac(c->words[i]))
				WARN(k, c, "%s: use_vmac %s: clustd always uses the RFC 5798 virtual MAC "
				     "00:00:5e:00:01:VRID (IPv6: 00:00:5e:00:02:VRID)", in->kname,
				     c->words[i]);
			else
				in->vmac_name = c->words[i];
		}
	} else if (is(c, "vmac_xmit_base")) {
		in->xmit_base = true;
		in->xmit_at = c;
	} else if (is(c, "authentication")) {
		read_auth(k, in, c);
	} else if (is(c, "garp_master_delay") || is(c, "garp_master_repeat") ||
		   is(c, "garp_master_refresh") || is(c, "garp_master_refresh_repeat")) {
		garp_key(k, c, c->words[0], &in->garp);
	} else if (read_notify(c, in->notify)) {
		/* kept for the output */
	} else if (read_track_block(k, c, in->kname, &in->tracks, &in->ntracks, false)) {
		/* tracked */
	} else if ((a = find_advice(instance_advice, c->words[0]))) {
		not_imported(k, c, a);
	} else {
		WARN(k, c, "%s: unknown keyword \"%s\": not imported", in->kname, c->words[0]);
	}
}

static void read_instance(struct ki *k, const struct ka_stmt *s)
{
	struct k_inst in = { .at = s, .kname = arg(s, 1), .prio = 100, .group = -1, .accept = true };

	if (!in.kname || !s->block) {
		NOTE(k, s, "vrrp_instance without a name and a block: keepalived ignores it too");
		return;
	}
	for (size_t i = 0; i < k->ninsts; i++) {
		if (strcmp(k->insts[i].kname, in.kname) == 0) {
			NOTE(k, s, "vrrp_instance %s is defined twice: keepalived keeps the first, and "
			     "so does the import", in.kname);
			return;
		}
	}
	if (k->ninsts == KI_MAX_ITEMS) {
		WARN(k, s, "more than %d vrrp_instance blocks: %s not imported", KI_MAX_ITEMS, in.kname);
		return;
	}
	/* The interface first: VIP options compare their dev with it. */
	for (size_t i = 0; i < s->nkids; i++)
		if (is(&s->kids[i], "interface") && arg(&s->kids[i], 1))
			in.iface = arg(&s->kids[i], 1);
	for (size_t i = 0; i < s->nkids; i++)
		read_instance_key(k, &in, &s->kids[i]);
	k->insts = xrealloc(k->insts, (k->ninsts + 1) * sizeof(*k->insts));
	k->insts[k->ninsts++] = in;
}

/* ---- vrrp_sync_group -------------------------------------------------- */

static void read_group(struct ki *k, const struct ka_stmt *s)
{
	struct k_group g = { .at = s, .kname = arg(s, 1) };

	if (!g.kname || !s->block) {
		NOTE(k, s, "vrrp_sync_group without a name and a block: keepalived ignores it too");
		return;
	}
	for (size_t i = 0; i < s->nkids; i++) {
		const struct ka_stmt *c = &s->kids[i];
		const struct advice *a;

		if (is(c, "group")) {
			if (!g.members_at)
				g.members_at = c;
		} else if (is(c, "sync_group_tracking_weight") || is(c, "global_tracking")) {
			g.tracking_weight = true;
		} else if (read_notify(c, g.notify)) {
			/* kept */
		} else if (read_track_block(k, c, g.kname, &g.tracks, &g.ntracks, true)) {
			/* tracked by every member */
		} else if ((a = find_advice(instance_advice, c->words[0]))) {
			not_imported(k, c, a);
		} else {
			WARN(k, c, "vrrp_sync_group %s: unknown keyword \"%s\": not imported", g.kname,
			     c->words[0]);
		}
	}
	if (k->ngroups == KI_MAX_ITEMS) {
		WARN(k, s, "more than %d vrrp_sync_group blocks: %s not imported", KI_MAX_ITEMS, g.kname);
		free(g.tracks);
		return;
	}
	k->groups = xrealloc(k->groups, (k->ngroups + 1) * sizeof(*k->groups));
	k->groups[k->ngroups++] = g;
}

/* ---- the top level ---------------------------------------------------- */

static void read_top(struct ki *k, const struct ka_tree *t)
{
	for (size_t i = 0; i < t->top.nkids; i++) {
		const struct ka_stmt *s = &t->top.kids[i];
		const struct advice *a;

		if (is(s, "global_defs")) {
			for (size_t j = 0; j < s->nkids; j++)
				read_global(k, &s->kids[j]);
		} else if (is(s, "vrrp_script")) {
			read_script(k, s);
		} else if (is(s, "track_file") || is(s, "vrrp_track_file")) {
			read_track_file(k, s);
		} else if (is(s, "vrrp_instance")) {
			read_instance(k, s);
		} else if (is(s, "vrrp_sync_group")) {
			read_group(k, s);
		} else if ((a = find_advice(top_advice, s->words[0]))) {
			not_imported(k, s, a);
		} else {
			WARN(k, s, "unknown keyword \"%s\": not imported", s->words[0]);
		}
	}
}

/* ---- completing instances with keepalived's rules --------------------- */

static void skip(struct ki *k, struct k_inst *in, const struct ka_stmt *at, const char *why)
{
	WARN(k, at ? at : in->at, "vrrp_instance %s not imported: %s", in->kname, why);
	in->skip = true;
}

/* keepalived rounds to what the version carries: whole seconds (v2) or
 * centiseconds (v3), half up. */
static void complete_interval(struct ki *k, struct k_inst *in)
{
	uint64_t us = in->adv_us ? in->adv_us : US_PER_S, unit = in->version == 2 ? US_PER_S : 10000;
	uint64_t n = (us + unit / 2) / unit;

	if (!n)
		n = 1;
	if (in->version == 3 && n > 4095) {
		NOTE(k, in->adv_at, "%s: advert_int is at most 40.95 s in VRRPv3: keepalived takes "
		     "40.95, and so does the import", in->kname);
		n = 4095;
	} else if (n * unit != us) {
		NOTE(k, in->adv_at, "%s: advert_int %s is rounded to %llu ms, as keepalived rounds it "
		     "(VRRPv%d carries %s)", in->kname, arg(in->adv_at, 1),
		     (unsigned long long)(n * unit / 1000), in->version,
		     in->version == 2 ? "whole seconds" : "centiseconds");
	}
	in->adv_ms = (uint32_t)(n * unit / 1000);
}

static void complete_state(struct ki *k, struct k_inst *in)
{
	bool master = in->state_set ? in->state_master : in->prio == 255;

	if (in->prio == 255 && in->nopreempt) {
		NOTE(k, in->nopreempt_at, "%s: nopreempt is ignored with priority 255, by keepalived "
		     "and by the import", in->kname);
		in->nopreempt = false;
		in->preempt_why = "nopreempt, ignored with priority 255";
	}
	if (master && in->nopreempt) {
		NOTE(k, in->nopreempt_at, "%s: nopreempt does not work with state MASTER: keepalived "
		     "clears it, and so does the import", in->kname);
		in->nopreempt = false;
		in->preempt_why = "nopreempt, cleared by state MASTER";
	}
	if (master && in->delay_us) {
		NOTE(k, in->delay_at, "%s: preempt_delay does not work with state MASTER: keepalived "
		     "clears it, and so does the import", in->kname);
		in->delay_us = 0;
	}
	if (in->prio == 255 && in->state_set && !in->state_master)
		WARN(k, in->state_at, "%s: state BACKUP with priority 255: keepalived waits "
		     "Master_Down_Interval before it takes over, clustd takes an address owner to "
		     "MASTER at once (drop state BACKUP or lower the priority to keep keepalived's "
		     "timing)", in->kname);
	else if (in->prio < 255 && in->state_master)
		NOTE(k, in->state_at, "%s: state MASTER is only keepalived's initial state: with "
		     "priority %d it waits Master_Down_Interval first, as every clustd instance does",
		     in->kname, in->prio);
}

static void complete_strict(struct ki *k, struct k_inst *in)
{
	bool strict = in->strict_set ? in->strict : k->g.strict;
	const struct ka_stmt *why = in->strict_set ? in->strict_at : k->g.strict_at;

	if (!strict)
		return;
	if (in->auth) {
		NOTE(k, in->auth_at, "%s: strict mode ignores authentication (keepalived), and so "
		     "does the import", in->kname);
		in->auth = 0;
	}
	if (in->delay_us) {
		NOTE(k, in->delay_at, "%s: strict mode clears preempt_delay (keepalived), and so does "
		     "the import", in->kname);
		in->delay_us = 0;
	}
	if (in->xmit_base) {
		NOTE(k, in->xmit_at, "%s: strict mode clears vmac_xmit_base (keepalived), and so does "
		     "the import", in->kname);
		in->xmit_base = false;
	}
	if (!in->accept_set) {
		in->accept = in->prio == 255;
		if (!in->accept)
			NOTE(k, why, "%s: strict mode means no_accept (accept = false): the master drops "
			     "traffic to its VIPs, as with keepalived", in->kname);
	} else if (in->accept && in->version == 2) {
		NOTE(k, in->accept_at, "%s: strict mode refuses accept with VRRPv2: keepalived "
		     "resets it, and so does the import", in->kname);
		in->accept = false;
	}
	WARN(k, why, "%s: strict mode: keepalived's master does not answer a lower-priority advert; "
	     "a clustd master does, with one advert per interval at most (RFC 9568 6.4.3)",
	     in->kname);
}

static void complete_auth(struct ki *k, struct k_inst *in)
{
	if (!in->auth)
		return;
	if (in->version == 3 || in->family == AF_INET6) {
		NOTE(k, in->auth_at, "%s: VRRPv3 has no authentication: keepalived ignores it, and so "
		     "does the import", in->kname);
		in->auth = 0;
	} else if (in->auth == 2) {
		WARN(k, in->auth_at, "%s: auth_type AH not imported: clustd does not implement IPsec AH "
		     "and cannot join a cluster that uses it; switch the keepalived nodes to auth_type "
		     "PASS (or none) first", in->kname);
		in->auth = 0;
	} else if (!in->pass[0]) {
		WARN(k, in->auth_at, "%s: auth_type PASS without auth_pass: clustd needs a password of "
		     "1..8 characters", in->kname);
		in->auth = 0;
	}
}

/* Whether keepalived keeps track t of instance in (and with which weight):
 * false when it drops it (a note says why). */
static bool keep_track(struct ki *k, const struct k_inst *in, struct k_track *t)
{
	const struct k_group *g = in->group >= 0 ? &k->groups[in->group] : NULL;
	const char *what = t->kind == T_SCRIPT ? "track script" : t->kind == T_FILE ?
			   "track file" : "tracked interface";

	if (t->weight && in->prio == 255) {
		NOTE(k, t->at, "%s: %s %s with a weight is ignored on an address owner (priority "
		     "255), by keepalived and by the import", in->kname, what, t->name);
		return false;
	}
	if (t->weight && g && !g->tracking_weight && !t->from_group) {
		if (t->kind != T_IFACE) {
			NOTE(k, t->at, "%s: in sync group %s, keepalived ignores %s %s because it has a "
			     "weight, and so does the import (sync_group_tracking_weight keeps it)",
			     in->kname, g->kname, what, t->name);
			return false;
		}
		NOTE(k, t->at, "%s: in sync group %s the weight of interface %s is ignored "
		     "(keepalived): a down interface means FAULT", in->kname, g->kname, t->name);
		t->weight = 0;
	}
	if (t->reverse) {
		WARN(k, t->at, "%s: %s %s reverse not imported: clustd cannot invert a tracked check; "
		     "invert it in the script itself", in->kname, what, t->name);
		return false;
	}
	return true;
}

/* The instance's own tracks that keepalived keeps, then its sync group's
 * (which every member tracks, with their weights). */
static void complete_tracks(struct ki *k, struct k_inst *in)
{
	const struct k_group *g = in->group >= 0 ? &k->groups[in->group] : NULL;
	struct k_track *all = NULL;
	size_t n = 0;

	for (size_t i = 0; i < in->ntracks; i++) {
		struct k_track t = in->tracks[i];
		if (keep_track(k, in, &t))
			add_track(&all, &n, &t);
	}
	for (size_t i = 0; g && i < g->ntracks; i++) {
		struct k_track t = g->tracks[i];
		bool dup = false;

		for (size_t j = 0; j < n; j++)
			dup |= all[j].kind == t.kind && strcmp(all[j].name, t.name) == 0;
		if (!dup && keep_track(k, in, &t))
			add_track(&all, &n, &t);
	}
	free(in->tracks);
	in->tracks = all;
	in->ntracks = n;
}

static void complete_instance(struct ki *k, struct k_inst *in)
{
	if (!in->iface) {
		skip(k, in, NULL, "it has no interface (clustd needs one, even for unicast)");
		return;
	}
	if (!ifname_valid(in->iface)) {
		skip(k, in, in->iface_at, "its interface is not a valid device name for clustd");
		return;
	}
	if (!in->vrid) {
		skip(k, in, NULL, "it has no virtual_router_id (keepalived refuses it too)");
		return;
	}
	if (!in->nvips) {
		skip(k, in, NULL, "it has no virtual_ipaddress; clustd needs 1..64 VIPs (a VRID "
		     "without addresses has no use in clustd)");
		return;
	}
	if (in->too_many_vips) {
		skip(k, in, NULL, "it has more than 64 VIPs, clustd's limit (split it, or move the "
		     "rest to virtual_ipaddress_excluded in keepalived first)");
		return;
	}
	if (in->family == AF_INET6) {
		if (in->version == 2)
			NOTE(k, in->version_at, "%s: IPv6 needs VRRPv3: keepalived uses version 3, and "
			     "so does the import", in->kname);
		in->version = 3;
	} else if (!in->version) {
		in->version = k->g.version ? k->g.version : 2;
	}
	complete_interval(k, in);
	complete_state(k, in);
	complete_strict(k, in);
	complete_auth(k, in);
	complete_tracks(k, in);
	if (in->src_at && !usable_unicast(&in->src)) {
		WARN(k, in->src_at, "%s: %s %s not imported: not a unicast address", in->kname,
		     in->src_at->words[0], arg(in->src_at, 1));
		in->src_at = NULL;
	}
	if (in->src_at && in->src.family != in->family) {
		NOTE(k, in->src_at, "%s: %s is not of the VIPs' family: keepalived ignores it, and so "
		     "does the import", in->kname, arg(in->src_at, 1));
		in->src_at = NULL;
	}
	for (size_t i = 0; i < in->npeers;) {
		const struct k_peer *p = &in->peers[i];
		bool self = in->src_at && ip_addr_equal(&p->addr, &in->src);
		if (p->addr.family != in->family || self) {
			NOTE(k, p->at, "%s: unicast peer %s %s: not imported", in->kname, p->at->words[0],
			     self ? "is the source address itself" : "is not of the VIPs' family");
			memmove(&in->peers[i], &in->peers[i + 1], (in->npeers - i - 1) * sizeof(*p));
			in->npeers--;
			continue;
		}
		i++;
	}
	if (in->too_many_peers) {
		skip(k, in, in->peers_at, "it has more than 32 unicast peers, clustd's limit");
		return;
	}
	if (in->peers_at && !in->npeers)
		NOTE(k, in->peers_at, "%s: unicast_peer lists no peer: keepalived sends multicast, and "
		     "so does the import", in->kname);
	if (in->src_at && !in->npeers)
		WARN(k, in->src_at, "%s: %s %s not imported: in multicast mode clustd sends from the "
		     "interface's primary address", in->kname, in->src_at->words[0], arg(in->src_at, 1));
	if (in->npeers && !in->check_src && !k->g.check_src)
		NOTE(k, in->peers_at, "%s: clustd accepts unicast adverts only from unicast_peers "
		     "(keepalived does so only with check_unicast_src): make sure every peer's source "
		     "address is listed", in->kname);
	if (in->xmit_base && !in->npeers && in->vmac)
		WARN(k, in->xmit_at, "%s: vmac_xmit_base not imported: in multicast mode clustd's "
		     "master sends its adverts from the virtual MAC device", in->kname);
}

static void name_instances(struct ki *k)
{
	for (size_t i = 0; i < k->ninsts; i++) {
		struct k_inst *in = &k->insts[i];

		if (in->skip)
			continue;
		in->name = clustd_name(k, in->at, "vrrp_instance", in->kname);
		for (size_t j = 0; j < i; j++) {
			if (!k->insts[j].skip && strcmp(k->insts[j].name, in->name) == 0) {
				char *n = xasprintf("%.50s-%zu", in->name, i + 1);
				NOTE(k, in->at, "vrrp_instance %s: \"%s\" is taken, named \"%s\"", in->kname,
				     in->name, n);
				free(in->name);
				in->name = n;
				j = (size_t)-1;
			}
		}
	}
}

static const char *vmac_name(const struct ki *k, const struct k_inst *in, char *buf)
{
	if (in->vmac_name)
		return in->vmac_name;
	snprintf(buf, VMAC_IFNAME_SIZE, "%.10s.%d", k->g.vmac_prefix ? k->g.vmac_prefix : "vrrp",
		 in->vrid);
	return buf;
}

/* What clustd -t checks across instances: (interface, VRID, family) and
 * virtual MAC device names are unique. The later instance gives way. */
static void check_unique(struct ki *k)
{
	char a[VMAC_IFNAME_SIZE], b[VMAC_IFNAME_SIZE];

	for (size_t i = 0; i < k->ninsts; i++) {
		struct k_inst *in = &k->insts[i];

		for (size_t j = 0; j < i && !in->skip; j++) {
			const struct k_inst *o = &k->insts[j];
			char why[160];

			if (o->skip)
				continue;
			if (strcmp(o->iface, in->iface) == 0 && o->vrid == in->vrid && o->family == in->family) {
				snprintf(why, sizeof(why), "VRID %d on %s is already instance %s's", in->vrid,
					 in->iface, o->kname);
				skip(k, in, in->vrid_at, why);
			} else if (in->vmac && ((o->vmac && strcmp(vmac_name(k, in, a), vmac_name(k, o, b)) == 0) ||
						strcmp(vmac_name(k, in, a), o->iface) == 0)) {
				snprintf(why, sizeof(why), "its virtual MAC device %s is already instance %s's "
					 "(name it: use_vmac NAME)", vmac_name(k, in, a), o->kname);
				skip(k, in, in->vmac_at, why);
			}
		}
		if (!in->skip && in->vmac && !ifname_valid(vmac_name(k, in, a)))
			skip(k, in, in->vmac_at, "its virtual MAC device name is not a valid device name");
		else if (!in->skip && in->vmac && strcmp(vmac_name(k, in, a), in->iface) == 0)
			skip(k, in, in->vmac_at, "its virtual MAC device would be its own interface");
	}
}

/* Sync group members, resolved once every instance is known. */
static void complete_groups(struct ki *k)
{
	for (size_t gi = 0; gi < k->ngroups; gi++) {
		struct k_group *g = &k->groups[gi];
		const struct ka_stmt *m = g->members_at;

		for (size_t i = 0; m && i < m->nkids && i < KI_MAX_TRACKS; i++) {
			const char *name = m->kids[i].words[0];
			size_t j;

			for (j = 0; j < k->ninsts && strcmp(k->insts[j].kname, name) != 0; j++)
				;
			if (j == k->ninsts) {
				NOTE(k, &m->kids[i], "vrrp_sync_group %s: instance %s does not exist: "
				     "keepalived ignores it, and so does the import", g->kname, name);
			} else if (k->insts[j].group >= 0) {
				NOTE(k, &m->kids[i], "vrrp_sync_group %s: instance %s is already in group "
				     "%s: keepalived ignores it here, and so does the import", g->kname, name,
				     k->groups[k->insts[j].group].kname);
			} else if (g->nmembers == CLUSTD_MAX_TRACK) {
				WARN(k, &m->kids[i], "vrrp_sync_group %s: instance %s not imported in the "
				     "group: clustd groups hold at most %d instances", g->kname, name,
				     CLUSTD_MAX_TRACK);
			} else {
				k->insts[j].group = (int)gi;
				g->members[g->nmembers++] = j;
			}
		}
		if (!g->nmembers)
			NOTE(k, g->at, "vrrp_sync_group %s has no instance: not imported", g->kname);
	}
}

/* ---- scripts on the host ---------------------------------------------- */

/* argv[0] as an absolute path clustd -t accepts, or NULL (warned). */
static char *usable_command(struct ki *k, const struct ka_stmt *at, const char *what,
			    const char *cmd)
{
	char *path = NULL, *why = NULL;

	if (cmd[0] == '/') {
		path = xstrdup(cmd);
	} else if (!strchr(cmd, '/') && k->o->host->which) {
		path = k->o->host->which(k->o->host->ctx, cmd);
		if (!path) {
			WARN(k, at, "%s %s not imported: keepalived looks for %s in PATH and so did the "
			     "import, without finding it", what, cmd, cmd);
			return NULL;
		}
	} else {
		WARN(k, at, "%s %s not imported: clustd needs an absolute path", what, cmd);
		return NULL;
	}
	if (k->o->host->script_ok && !k->o->host->script_ok(k->o->host->ctx, path, &why)) {
		WARN(k, at, "%s %s not imported: clustd -t refuses it: %s %s (fix the file, then import "
		     "again)", what, path, path, why ? why : "");
		free(why);
		free(path);
		return NULL;
	}
	return path;
}

static bool user_ok(struct ki *k, const char *user)
{
	return !k->o->host->user_exists || k->o->host->user_exists(k->o->host->ctx, user);
}

/* The user keepalived runs a script as when it names none: script_user,
 * else keepalived_script if it exists, else root (NULL); but with
 * enable_script_security keepalived refuses that root default and drops
 * the script (2.2.7: "Unable to set default user keepalived_script"). */
static const char *default_user(struct ki *k, bool *refused)
{
	*refused = false;
	if (k->g.script_user)
		return strcmp(k->g.script_user, "root") == 0 ? NULL : k->g.script_user;
	if (k->o->host->user_exists && k->o->host->user_exists(k->o->host->ctx, "keepalived_script"))
		return "keepalived_script";
	*refused = k->g.security;
	return NULL;
}

static void refused_script(struct ki *k, const struct ka_stmt *at, const char *owner,
			   const char *what)
{
	WARN(k, at, "%s: %s not imported: keepalived does not run it (enable_script_security "
	     "without script_user, and no user keepalived_script); clustd would run it as root: "
	     "add it by hand if that is what you want", owner, what);
}

/* ---- writing ---------------------------------------------------------- */

/* One "key = value;" line with its source in a comment. */
__attribute__((format(printf, 5, 6)))
static void kv(struct out *o, int indent, const struct ka_stmt *at, const char *note,
	       const char *fmt, ...)
{
	va_list ap;
	char *t;
	int col;

	va_start(ap, fmt);
	t = xvasprintf(fmt, ap);
	va_end(ap);
	col = indent + (int)strlen(t);
	out_printf(o, "%*s%s", indent, "", t);
	if (at || note) {
		out_printf(o, "%*s#", col < COMMENT_COLUMN ? COMMENT_COLUMN - col : 1, "");
		if (at)
			out_printf(o, " %s:%d", at->shown, at->line);
		if (note)
			out_printf(o, " %s", note);
		else if (strlen(at->raw) <= 40)
			out_printf(o, " %s", at->raw);
		else
			out_printf(o, " %.37s...", at->raw);
	}
	out_printf(o, "\n");
	free(t);
}

static void emit_node(struct ki *k, struct out *o)
{
	char *name, *q;

	if (!k->g.router_id)
		return;
	name = clustd_name(k, k->g.router_id_at, "router_id", k->g.router_id);
	q = quoted(name);
	out_printf(o, "node = {\n");
	kv(o, 2, k->g.router_id_at, "router_id", "name = %s;", q);
	out_printf(o, "};\n\n");
	free(q);
	free(name);
}

static void emit_garp(struct ki *k, struct out *o, const struct k_inst *in)
{
	const struct k_garp *ig = &in->garp, *gg = &k->g.garp;
	bool min = k->g.min_garp;
	uint32_t repeat = ig->repeat_at ? ig->repeat : gg->repeat_at ? gg->repeat : min ? 1 : 5;
	uint32_t delay = ig->delay_at ? ig->delay_s : gg->delay_at ? gg->delay_s : min ? 0 : 5;
	uint32_t refresh = ig->refresh_at ? ig->refresh_s : gg->refresh_at ? gg->refresh_s : 0;
	uint32_t rrep = ig->refresh_rep_at ? ig->refresh_rep : gg->refresh_rep_at ? gg->refresh_rep : 1;
	const struct ka_stmt *rep_at = ig->repeat_at ? ig->repeat_at : gg->repeat_at ? gg->repeat_at :
				       min ? k->g.min_garp_at : NULL;
	const struct ka_stmt *delay_at = ig->delay_at ? ig->delay_at : gg->delay_at ? gg->delay_at :
					 min ? k->g.min_garp_at : NULL;
	const struct ka_stmt *refresh_at = ig->refresh_at ? ig->refresh_at : gg->refresh_at;
	bool v6 = in->family == AF_INET6;
	uint64_t ivl_us = v6 ? k->g.gna_interval_us : k->g.garp_interval_us;
	const struct ka_stmt *ivl_at = v6 ? k->g.gna_interval_at : k->g.garp_interval_at;
	uint64_t ivl_ms = (ivl_us + 500) / 1000;

	if (repeat > 100) {
		WARN(k, rep_at, "%s: %u gratuitous ARPs per burst: clustd sends at most 100", in->kname,
		     repeat);
		repeat = 100;
	}
	if (ivl_ms * 1000 != ivl_us)
		WARN(k, ivl_at, "%s: %s %s s: clustd spaces them in whole milliseconds (%llu ms)",
		     in->kname, ivl_at->words[0], arg(ivl_at, 1), (unsigned long long)ivl_ms);
	if (ivl_ms > 10000) {
		WARN(k, ivl_at, "%s: clustd spaces gratuitous ARPs 10 s apart at most", in->kname);
		ivl_ms = 10000;
	}
	if (delay > 3600) {
		WARN(k, delay_at, "%s: clustd's second burst comes at most 3600 s later", in->kname);
		delay = 3600;
	}
	if (refresh && rrep != repeat)
		WARN(k, ig->refresh_rep_at ? ig->refresh_rep_at : gg->refresh_rep_at ?
		     gg->refresh_rep_at : refresh_at, "%s: every refresh, keepalived sends %u "
		     "gratuitous ARP(s) (garp_master_refresh_repeat), clustd a whole burst of %u",
		     in->kname, rrep, repeat);
	out_printf(o, "    garp = {\n");
	kv(o, 6, rep_at, rep_at ? NULL : "keepalived's default", "repeat = %u;", repeat);
	kv(o, 6, ivl_at, ivl_at ? NULL : v6 ? "keepalived's default vrrp_gna_interval 0" :
	   "keepalived's default vrrp_garp_interval 0", "interval = %llu;",
	   (unsigned long long)ivl_ms);
	kv(o, 6, delay_at, delay_at ? NULL : "keepalived's default", "master_delay = %u;",
	   delay * 1000);
	if (refresh)
		kv(o, 6, refresh_at, NULL, "refresh = %u;", refresh * 1000);
	out_printf(o, "    };\n");
}

/* The notify scripts: clustd takes one absolute path each, no arguments,
 * run as root. */
static void emit_notify(struct ki *k, struct out *o, const char *owner,
			const struct ka_stmt *const *notify, int indent)
{
	bool any = false;

	for (int i = 0; i < NOTIFY_KINDS; i++) {
		const struct ka_stmt *s = notify[i];
		size_t n = 0, argc = 0;
		const char *why, *user = NULL;
		char **line, **argv = NULL, *path = NULL, *q;
		bool refused;

		if (!s)
			continue;
		line = ka_split_command(s->raw, &n, &why);
		if (line && n >= 2)
			argv = ka_split_command(line[1], &argc, &why);
		if (!argv || !argc) {
			NOTE(k, s, "%s: %s: no command was found: keepalived ignores it too", owner,
			     s->words[0]);
		} else if (argc > 1) {
			WARN(k, s, "%s: %s \"%s\" not imported: clustd runs a notify script without "
			     "arguments of its own; write a wrapper script that calls it with them, or use "
			     "notify (clustd: notify.any), which gets INSTANCE|GROUP name STATE priority",
			     owner, s->words[0], line[1]);
		} else if (n > 2 && (strcmp(line[2], "root") != 0 ||
				     (n > 3 && strcmp(line[3], "root") != 0))) {
			WARN(k, s, "%s: %s as user %s not imported: clustd runs notify scripts as root; "
			     "use sudo -u or setpriv in a wrapper", owner, s->words[0], line[2]);
		} else if (n == 2 && (user = default_user(k, &refused), refused)) {
			refused_script(k, s, owner, s->words[0]);
		} else if ((path = usable_command(k, s, s->words[0], argv[0]))) {
			if (!any)
				out_printf(o, "%*snotify = {\n", indent, "");
			any = true;
			q = quoted(path);
			kv(o, indent + 2, s, NULL, "%s = %s;", notify_key[i], q);
			free(q);
			if (n == 2 && user)
				WARN(k, s, "%s: %s ran as user %s under keepalived; clustd runs it as root",
				     owner, s->words[0], user);
		}
		free(path);
		ka_words_free(argv);
		ka_words_free(line);
	}
	if (any)
		out_printf(o, "%*s};\n", indent, "");
}

static void emit_script(struct ki *k, struct out *o, const struct k_inst *in,
			const struct k_track *t, bool *first)
{
	const struct k_script *sc = &k->scripts[t->ref];
	bool refused = false;
	const char *user = sc->user ? sc->user : default_user(k, &refused);
	char *path, *name, *q;

	if (user && strcmp(user, "root") == 0)
		user = NULL;
	if (refused) {
		char what[128];
		snprintf(what, sizeof(what), "track script %s", sc->name);
		refused_script(k, sc->script_at ? sc->script_at : sc->at, in->kname, what);
		return;
	}
	if (!sc->argv) {
		NOTE(k, t->at, "%s: track script %s has no usable command: keepalived ignores it, and "
		     "so does the import", in->kname, sc->name);
		return;
	}
	if (!(path = usable_command(k, sc->script_at, "track script", sc->argv[0])))
		return;
	if (user && !user_ok(k, user)) {
		WARN(k, sc->user_at ? sc->user_at : k->g.script_user_at, "%s: track script %s not "
		     "imported: user %s does not exist", in->kname, sc->name, user);
		free(path);
		return;
	}
	if (*first)
		out_printf(o, "      scripts = (\n");
	else
		out_printf(o, "        ,\n");
	*first = false;
	name = clustd_name(k, sc->at, "vrrp_script", sc->name);
	q = quoted(name);
	kv(o, 8, sc->at, NULL, "{ name = %s;", q);
	free(q);
	q = quoted(path);
	kv(o, 10, sc->script_at, NULL, "command = %s;", q);
	free(q);
	if (sc->argc > 1) {
		out_printf(o, "          args = [");
		for (size_t i = 1; i < sc->argc; i++) {
			q = quoted(sc->argv[i]);
			out_printf(o, "%s%s", i > 1 ? ", " : " ", q);
			free(q);
		}
		out_printf(o, " ];\n");
	}
	kv(o, 10, sc->interval_at, sc->interval_at ? NULL : "keepalived's default, 1 s", "interval = %u;", (sc->interval_s > 3600 ? 3600 : sc->interval_s) * 1000);
	if (sc->interval_s > 3600)
		WARN(k, sc->at, "%s: track script %s: clustd runs a check every 3600 s at most",
		     in->kname, sc->name);
	if (sc->timeout_s)
		kv(o, 10, sc->timeout_at, NULL, "timeout = %u;",
		   (sc->timeout_s > 3600 ? 3600 : sc->timeout_s) * 1000);
	if (t->weight)
		kv(o, 10, t->at, NULL, "weight = %d;", t->weight);
	kv(o, 10, sc->rise_at, NULL, "rise = %u;", sc->rise > 100 ? 100 : sc->rise);
	kv(o, 10, sc->fall_at, NULL, "fall = %u;", sc->fall > 100 ? 100 : sc->fall);
	if (sc->rise > 100 || sc->fall > 100)
		WARN(k, sc->at, "%s: track script %s: clustd counts rise and fall up to 100", in->kname,
		     sc->name);
	if (user) {
		q = quoted(user);
		kv(o, 10, sc->user_at ? sc->user_at : k->g.script_user_at,
		   sc->user_at || k->g.script_user_at ? NULL : "keepalived's default user, it exists", "user = %s;", q);
		free(q);
	}
	if (sc->group)
		WARN(k, sc->user_at ? sc->user_at : k->g.script_user_at, "%s: track script %s: group %s "
		     "not imported: clustd runs it with the user's own groups", in->kname, sc->name,
		     sc->group);
	kv(o, 10, NULL, sc->init_fail ? "init_fail" : "keepalived: failed until it first succeeds", "init = \"failed\"; }");
	if (!sc->init_fail && sc->rise > 1)
		NOTE(k, t->at, "%s: track script %s: at start keepalived needs one success, clustd "
		     "rise (%u) successes (init_fail makes keepalived wait for rise too)", in->kname,
		     sc->name, sc->rise);
	free(name);
	free(path);
}

/* The three track lists, written only when something is left in them. */
static void emit_tracks(struct ki *k, struct out *o, struct k_inst *in)
{
	struct out t = {0};
	bool first = true;
	size_t done = 0;

	for (size_t i = 0; i < in->ntracks; i++) {
		if (in->tracks[i].kind != T_SCRIPT)
			continue;
		if (done++ == CLUSTD_MAX_TRACK) {
			WARN(k, in->tracks[i].at, "%s: track script %s not imported: clustd tracks at "
			     "most %d scripts per instance", in->kname, in->tracks[i].name, CLUSTD_MAX_TRACK);
			continue;
		}
		emit_script(k, &t, in, &in->tracks[i], &first);
	}
	if (!first)
		out_printf(&t, "      );\n");
	done = 0;
	for (size_t i = 0; i < in->ntracks; i++) {
		const struct k_track *tr = &in->tracks[i];
		char *q;

		if (tr->kind != T_IFACE)
			continue;
		if (!ifname_valid(tr->name) || done == CLUSTD_MAX_TRACK) {
			WARN(k, tr->at, "%s: tracked interface %s not imported: %s", in->kname, tr->name,
			     done == CLUSTD_MAX_TRACK ? "clustd tracks at most 16 per instance" :
			     "not a valid device name");
			continue;
		}
		out_printf(&t, done++ ? "        ,\n" : "      interfaces = (\n");
		q = quoted(tr->name);
		if (tr->weight)
			kv(&t, 8, tr->at, NULL, "{ name = %s; weight = %d; }", q, tr->weight);
		else
			kv(&t, 8, tr->at, "down means FAULT", "{ name = %s; }", q);
		free(q);
	}
	if (done)
		out_printf(&t, "      );\n");
	done = 0;
	for (size_t i = 0; i < in->ntracks; i++) {
		const struct k_track *tr = &in->tracks[i];
		const struct k_file *f;
		char *q;

		if (tr->kind != T_FILE)
			continue;
		f = &k->files[tr->ref];
		if (!tr->weight) {
			WARN(k, tr->at, "%s: track file %s with weight 0 not imported: keepalived's "
			     "\"non-zero means FAULT\" has no clustd form; use a track script that tests "
			     "the file", in->kname, tr->name);
			continue;
		}
		if (tr->weight < -253 || tr->weight > 253 || f->path[0] != '/' ||
		    done == CLUSTD_MAX_TRACK) {
			WARN(k, tr->at, "%s: track file %s not imported: clustd needs an absolute path, a "
			     "weight of -253..253 and at most 16 files per instance", in->kname, tr->name);
			continue;
		}
		out_printf(&t, done++ ? "        ,\n" : "      files = (\n");
		q = quoted(f->path);
		kv(&t, 8, tr->at, NULL, "{ path = %s; weight = %d; }", q, tr->weight);
		free(q);
	}
	if (done)
		out_printf(&t, "      );\n");
	if (t.len)
		out_printf(o, "    track = {\n%s    };\n", t.s);
	free(t.s);
}

static void emit_instance(struct ki *k, struct out *o, struct k_inst *in, bool *first)
{
	char buf[VIP_STRLEN], *q;
	char vbuf[VMAC_IFNAME_SIZE], dflt[VMAC_IFNAME_SIZE];

	out_printf(o, *first ? "instances = (\n" : "  ,\n");
	*first = false;
	out_printf(o, "  # %s:%d vrrp_instance %s\n", in->at->shown, in->at->line, in->kname);
	q = quoted(in->name);
	kv(o, 2, in->at, NULL, "{ name = %s;", q);
	free(q);
	q = quoted(in->iface);
	kv(o, 4, in->iface_at, NULL, "interface = %s;", q);
	free(q);
	kv(o, 4, in->vrid_at, NULL, "vrid = %d;", in->vrid);
	kv(o, 4, in->prio_at, in->prio_at ? NULL : "keepalived's default", "priority = %d;",
	   in->prio);
	if (in->family == AF_INET)
		kv(o, 4, in->version_at ? in->version_at : k->g.version_at,
		   in->version_at || k->g.version_at ? NULL : "keepalived's default (clustd's is 3)", "version = %d;", in->version);
	kv(o, 4, in->adv_at, in->adv_at ? NULL : "keepalived's default, 1 s",
	   "advert_interval = %u;", in->adv_ms);
	kv(o, 4, in->nopreempt_at, in->nopreempt_at ? in->preempt_why : "keepalived's default",
	   "preempt = %s;", in->nopreempt ? "false" : "true");
	if (in->delay_us) {
		uint64_t ms = (in->delay_us + 500) / 1000;
		if (ms * 1000 != in->delay_us)
			WARN(k, in->delay_at, "%s: preempt_delay %s: clustd counts whole milliseconds "
			     "(%llu)", in->kname, arg(in->delay_at, 1), (unsigned long long)ms);
		kv(o, 4, in->delay_at, NULL, "preempt_delay = %llu;", (unsigned long long)ms);
	}
	if (!in->accept)
		kv(o, 4, in->accept_at ? in->accept_at : in->strict_at ? in->strict_at : k->g.strict_at,
		   NULL, "accept = false;");
	out_printf(o, "    vips = [\n");
	for (size_t i = 0; i < in->nvips; i++) {
		q = quoted(vip_str(&in->vips[i].vip, buf));
		kv(o, 6, in->vips[i].at, NULL, "%s%s", q, i + 1 < in->nvips ? "," : "");
		free(q);
	}
	out_printf(o, "    ];\n");
	if (in->npeers) {
		if (in->src_at) {
			q = quoted(ip_addr_str(&in->src, buf));
			kv(o, 4, in->src_at, NULL, "unicast_source = %s;", q);
			free(q);
		}
		out_printf(o, "    unicast_peers = [\n");
		for (size_t i = 0; i < in->npeers; i++) {
			q = quoted(ip_addr_str(&in->peers[i].addr, buf));
			kv(o, 6, in->peers[i].at, NULL, "%s%s", q, i + 1 < in->npeers ? "," : "");
			free(q);
		}
		out_printf(o, "    ];\n");
	}
	if (in->vmac) {
		kv(o, 4, in->vmac_at, NULL, "use_vmac = true;");
		const char *vn = vmac_name(k, in, vbuf);
		if (strcmp(vn, vmac_default_name((uint8_t)in->vrid, in->family, dflt)) != 0) {
			q = quoted(vn);
			kv(o, 4, in->vmac_at, in->vmac_name ? NULL : "keepalived's default name",
			   "vmac_interface = %s;", q);
			free(q);
		}
	}
	if (in->auth == 1) {
		q = quoted(in->pass);
		kv(o, 4, in->pass_at, "auth_type PASS", "auth_pass = %s;", q);
		free(q);
	}
	emit_garp(k, o, in);
	emit_notify(k, o, in->kname, in->notify, 4);
	emit_tracks(k, o, in);
	out_printf(o, "  }\n");
}

static void emit_groups(struct ki *k, struct out *o)
{
	bool first = true;

	for (size_t gi = 0; gi < k->ngroups; gi++) {
		struct k_group *g = &k->groups[gi];
		size_t n = 0;
		char *q;

		for (size_t i = 0; i < g->nmembers; i++)
			n += !k->insts[g->members[i]].skip;
		if (!n)
			continue;
		out_printf(o, first ? "sync_groups = (\n" : "  ,\n");
		first = false;
		g->name = clustd_name(k, g->at, "vrrp_sync_group", g->kname);
		q = quoted(g->name);
		kv(o, 2, g->at, NULL, "{ name = %s;", q);
		free(q);
		out_printf(o, "    instances = [");
		for (size_t i = 0, j = 0; i < g->nmembers; i++) {
			const struct k_inst *in = &k->insts[g->members[i]];
			if (in->skip)
				continue;
			q = quoted(in->name);
			out_printf(o, "%s%s", j++ ? ", " : " ", q);
			free(q);
		}
		out_printf(o, " ];%*s# %s:%d group\n", 8, "", g->members_at->shown, g->members_at->line);
		emit_notify(k, o, g->kname, g->notify, 4);
		out_printf(o, "  }\n");
	}
	if (!first)
		out_printf(o, ");\n");
}

static void emit(struct ki *k, struct out *o, const struct ka_tree *t)
{
	struct out body = {0};
	bool first = true;

	emit_node(k, &body);
	for (size_t i = 0; i < k->ninsts; i++)
		if (!k->insts[i].skip)
			emit_instance(k, &body, &k->insts[i], &first);
	out_printf(&body, ");\n");
	if (k->ngroups) {
		out_printf(&body, "\n");
		emit_groups(k, &body);
	}
	out_printf(o, "# clustd.conf imported from keepalived by clustd import-keepalived.\n");
	out_printf(o, "# Source: %s", k->o->source ? k->o->source : t->nfiles ? t->files[0] : "?");
	if (k->o->config_id)
		out_printf(o, " (config id \"%s\" for @ lines)", k->o->config_id);
	out_printf(o, "\n# Each setting names the keepalived FILE:LINE it comes from.\n");
	if (k->warn_text.len)
		out_printf(o, "#\n# NOT IMPORTED or not the same (also on stderr): review before use.\n%s",
			   k->warn_text.s);
	out_printf(o, "\n%s", body.s ? body.s : "");
	free(body.s);
}

/* ---- entry ------------------------------------------------------------ */

static void free_all(struct ki *k)
{
	for (size_t i = 0; i < k->nscripts; i++)
		ka_words_free(k->scripts[i].argv);
	free(k->scripts);
	free(k->files);
	for (size_t i = 0; i < k->ninsts; i++) {
		free(k->insts[i].name);
		free(k->insts[i].vips);
		free(k->insts[i].peers);
		free(k->insts[i].tracks);
	}
	free(k->insts);
	for (size_t i = 0; i < k->ngroups; i++) {
		free(k->groups[i].name);
		free(k->groups[i].tracks);
	}
	free(k->groups);
	free(k->warn_text.s);
}

char *ki_import(const struct ka_tree *tree, const struct ki_opts *o, struct ka_msgs *msgs)
{
	struct ki k = { .o = o, .msgs = msgs };
	struct out text = {0};
	size_t live = 0;

	read_top(&k, tree);
	complete_groups(&k);
	for (size_t i = 0; i < k.ninsts; i++)
		complete_instance(&k, &k.insts[i]);
	check_unique(&k);
	name_instances(&k);
	for (size_t i = 0; i < k.ninsts; i++)
		live += !k.insts[i].skip;
	if (!live) {
		ka_msgs_add(msgs, KA_ERROR, tree->nfiles ? tree->files[0] : NULL, 0,
			    "no vrrp_instance could be imported%s: clustd needs at least one",
			    k.ninsts ? " (see the warnings)" : " (there is none)");
		free_all(&k);
		return NULL;
	}
	emit(&k, &text, tree);
	free_all(&k);
	return text.s;
}
