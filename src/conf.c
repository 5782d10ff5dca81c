/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conf.c - read /etc/clustd.conf into a validated model (clustd.conf(5)).
 *
 * libconfig owns the syntax; this file owns the meaning. Every key of every
 * group is checked against the keys its scope allows, every value for type
 * and range, and every problem is collected (not only the first) as
 * "FILE:LINE: reason". Nothing half-built ever leaves conf_load(). */
#include "atomic_file.h"
#include "conf.h"
#include "driver_rule.h"
#include "health_check.h"
#include "heartbeat.h"
#include "names.h"
#include "quorum.h"
#include "vmac.h"
#include "votes.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <fcntl.h>
#include <libconfig.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- error collection ------------------------------------------------ */

struct pending_err {
	const char *file; /* owned by libconfig or the caller; only for sorting */
	int line;
	char *msg;        /* "FILE:LINE: reason" */
};

struct ctx {
	const char *path;          /* the file conf_load was given */
	struct pending_err *errs;
	size_t nerrs, cap;
	bool failed;               /* set by every error */
	bool bad_include;          /* an @include libconfig must not be given */
	char **names;              /* included files' names, for errs[].file */
	size_t nnames;
};

__attribute__((format(printf, 4, 0)))
static void verr(struct ctx *c, const char *file, int line, const char *fmt, va_list ap)
{
	char *reason = xvasprintf(fmt, ap);
	char *msg = xasprintf("%s:%d: %s", file, line, reason);

	c->failed = true;
	free(reason);
	if (c->nerrs == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 8;
		c->errs = xrealloc(c->errs, c->cap * sizeof(*c->errs));
	}
	c->errs[c->nerrs++] = (struct pending_err){ file, line, msg };
}

__attribute__((format(printf, 4, 5)))
static void err_line(struct ctx *c, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(c, file, line, fmt, ap);
	va_end(ap);
}

static const char *setting_file(const struct ctx *c, const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);

	return f ? f : c->path;
}

static int setting_line(const config_setting_t *s)
{
	return config_setting_source_line(s);
}

/* Report a problem with setting s, at its own file and line. */
__attribute__((format(printf, 3, 4)))
static void err_at(struct ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(c, setting_file(c, s), setting_line(s), fmt, ap);
	va_end(ap);
}

/* Main file first, then included files by name; by line within a file.
 * Insertion sort: stable, and the lists are short. */
static int pending_cmp(const struct ctx *c, const struct pending_err *a, const struct pending_err *b)
{
	bool a_inc = strcmp(a->file, c->path) != 0, b_inc = strcmp(b->file, c->path) != 0;
	int r;

	if (a_inc != b_inc)
		return a_inc - b_inc;
	r = strcmp(a->file, b->file);
	if (r)
		return r;
	return (a->line > b->line) - (a->line < b->line);
}

static void sort_errors(struct ctx *c)
{
	for (size_t i = 1; i < c->nerrs; i++) {
		struct pending_err e = c->errs[i];
		size_t j = i;

		while (j > 0 && pending_cmp(c, &c->errs[j - 1], &e) > 0) {
			c->errs[j] = c->errs[j - 1];
			j--;
		}
		c->errs[j] = e;
	}
}

static void errs_push(struct conf_errors *errs, char *msg)
{
	if (!errs) {
		free(msg);
		return;
	}
	errs->msgs = xrealloc(errs->msgs, (errs->n + 1) * sizeof(*errs->msgs));
	errs->msgs[errs->n++] = msg;
}

/* Hand the collected messages over to the caller's list. */
static void flush_errors(struct ctx *c, struct conf_errors *errs)
{
	for (size_t i = 0; i < c->nerrs; i++)
		errs_push(errs, c->errs[i].msg);
	free(c->errs);
	c->errs = NULL;
	c->nerrs = c->cap = 0;
}

void conf_errors_free(struct conf_errors *errs)
{
	if (!errs)
		return;
	for (size_t i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}

/* ---- unknown keys ---------------------------------------------------- */

/* Names a keepalived user is likely to bring along, and where they went. */
static const struct {
	const char *key;
	const char *hint;
} keepalived_hints[] = {
	{ "virtual_router_id", "did you mean \"vrid\"?" },
	{ "advert_int", "did you mean \"advert_interval\" (in milliseconds)?" },
	{ "virtual_ipaddress", "did you mean \"vips\"?" },
	{ "unicast_src_ip", "did you mean \"unicast_source\"?" },
	{ "unicast_peer", "did you mean \"unicast_peers\"?" },
	{ "nopreempt", "did you mean \"preempt = false\"?" },
	{ "no_accept", "did you mean \"accept = false\"?" },
	{ "notify_master", "did you mean \"notify = { master = ...; }\"?" },
	{ "notify_backup", "did you mean \"notify = { backup = ...; }\"?" },
	{ "notify_fault", "did you mean \"notify = { fault = ...; }\"?" },
	{ "notify_stop", "did you mean \"notify = { stop = ...; }\"?" },
	{ "garp_master_delay", "did you mean \"garp = { master_delay = ...; }\" (in milliseconds)?" },
	{ "garp_master_repeat", "did you mean \"garp = { repeat = ...; }\"?" },
	{ "garp_master_refresh", "did you mean \"garp = { refresh = ...; }\" (in milliseconds)?" },
	{ "state", "clustd has no initial state: every instance starts as backup" },
	{ "authentication", "did you mean \"auth_pass\" (keepalived's auth_type PASS)?" },
};

/* Levenshtein distance, capped: only small distances matter for hints. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[33];

	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static bool key_allowed(const char *name, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(name, *allowed) == 0)
			return true;
	return false;
}

static void report_unknown(struct ctx *c, const config_setting_t *s, const char *scope,
			   const char *const *allowed)
{
	const char *name = config_setting_name(s);
	const char *near = NULL;
	size_t best = 3;

	for (const char *const *k = allowed; *k; k++) {
		size_t d = edit_distance(name, *k);

		if (d < best && d < strlen(*k)) {
			best = d;
			near = *k;
		}
	}
	if (near) {
		err_at(c, s, "unknown key \"%s\" %s (did you mean \"%s\"?)", name, scope, near);
		return;
	}
	for (size_t i = 0; i < sizeof(keepalived_hints) / sizeof(keepalived_hints[0]); i++) {
		if (strcmp(name, keepalived_hints[i].key) == 0) {
			err_at(c, s, "unknown key \"%s\" %s (%s)", name, scope, keepalived_hints[i].hint);
			return;
		}
	}
	err_at(c, s, "unknown key \"%s\" %s", name, scope);
}

/* Every member of group g must be one of allowed (NULL-terminated). */
static void check_keys(struct ctx *c, const config_setting_t *g, const char *scope,
		       const char *const *allowed)
{
	int n = config_setting_length(g);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);

		if (!key_allowed(config_setting_name(s), allowed))
			report_unknown(c, s, scope, allowed);
	}
}

/* ---- typed getters --------------------------------------------------- */

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP: return "a group { ... }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a floating-point number";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array [ ... ]";
	case CONFIG_TYPE_LIST: return "a list ( ... )";
	default: return "nothing";
	}
}

/* prefix is "" for instance keys, "garp." / "notify." / "node." below.
 * A list element has no name: the message then names its list (prefix
 * without its trailing separator). */
static void type_error(struct ctx *c, const config_setting_t *s, const char *prefix,
		       const char *expected)
{
	const char *name = config_setting_name(s);
	size_t n = strlen(prefix);

	if (name) {
		err_at(c, s, "%s%s: expected %s, got %s", prefix, name, expected,
		       type_name(config_setting_type(s)));
		return;
	}
	while (n > 0 && strchr(".: ", prefix[n - 1]))
		n--;
	err_at(c, s, "%.*s: expected %s, got %s", (int)n, prefix, expected,
	       type_name(config_setting_type(s)));
}

static bool is_integer(const config_setting_t *s)
{
	int t = config_setting_type(s);

	return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
}

static bool get_int(struct ctx *c, const config_setting_t *s, const char *prefix, long long *out)
{
	if (!is_integer(s)) {
		type_error(c, s, prefix, "an integer");
		return false;
	}
	*out = config_setting_get_int64(s);
	return true;
}

static bool get_int_range(struct ctx *c, const config_setting_t *s, const char *prefix,
			  long long min, long long max, long long *out)
{
	long long v;

	if (!get_int(c, s, prefix, &v))
		return false;
	if (v < min || v > max) {
		err_at(c, s, "%s%s: %lld is out of range %lld..%lld", prefix, config_setting_name(s),
		       v, min, max);
		return false;
	}
	*out = v;
	return true;
}

/* Optional integer member: unchanged *dst when absent or invalid. */
static void opt_u32(struct ctx *c, const config_setting_t *g, const char *prefix, const char *key,
		    long long min, long long max, uint32_t *dst)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	long long v;

	if (s && get_int_range(c, s, prefix, min, max, &v))
		*dst = (uint32_t)v;
}

/* Optional boolean member; prefix names its group in the error. */
static void opt_bool_in(struct ctx *c, const config_setting_t *g, const char *prefix,
			const char *key, bool *dst)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (!s)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		type_error(c, s, prefix, "true or false");
	else
		*dst = config_setting_get_bool(s);
}

static void opt_bool(struct ctx *c, const config_setting_t *g, const char *key, bool *dst)
{
	opt_bool_in(c, g, "", key, dst);
}

static const char *get_string(struct ctx *c, const config_setting_t *s, const char *prefix)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		type_error(c, s, prefix, "a string");
		return NULL;
	}
	return config_setting_get_string(s);
}

/* Replace *dst with a copy of v. */
static void copy_string(const char *v, char **dst)
{
	char *copy = xstrdup(v);

	free(*dst);
	*dst = copy;
}

/* ---- value rules ----------------------------------------------------- */

/* ASCII only, whatever locale the daemon runs in. */
static bool ascii_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static bool valid_abs_path(const char *s)
{
	return s[0] == '/' && strlen(s) < PATH_MAX;
}

static bool ip_is_unspecified(const struct ip_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->u.bytes, zero, ip_addr_len(a)) == 0;
}

static const char *family_name(sa_family_t f)
{
	return f == AF_INET ? "IPv4" : "IPv6";
}

static void take_name(struct ctx *c, const config_setting_t *s, const char *prefix, char **dst)
{
	const char *v = get_string(c, s, prefix);

	if (!v)
		return;
	if (!name_valid(v))
		err_at(c, s, "%s%s: \"%s\" is not a valid name (1..63 characters of A-Z a-z 0-9 _ . -)",
		       prefix, config_setting_name(s), v);
	else
		copy_string(v, dst);
}

static void take_path(struct ctx *c, const config_setting_t *s, const char *prefix, char **dst)
{
	const char *v = get_string(c, s, prefix);

	if (!v)
		return;
	if (!valid_abs_path(v))
		err_at(c, s, "%s%s: \"%s\" is not an absolute path", prefix, config_setting_name(s), v);
	else
		copy_string(v, dst);
}

/* Parse one address of a unicast list or unicast_source: of the given
 * family (when known; whose names what set it), neither multicast nor
 * unspecified. */
static bool take_unicast_addr(struct ctx *c, const config_setting_t *s, const char *label,
			      sa_family_t family, const char *whose, struct ip_addr *out)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		err_at(c, s, "%s: expected a string, got %s", label, type_name(config_setting_type(s)));
		return false;
	}
	v = config_setting_get_string(s);
	if (!ip_addr_parse(v, out)) {
		err_at(c, s, "%s: \"%s\" is not an IP address", label, v);
		return false;
	}
	if (family && out->family != family) {
		err_at(c, s, "%s: %s is %s but %s %s", label, v, family_name(out->family), whose,
		       family_name(family));
		return false;
	}
	if (ip_addr_is_multicast(out) || ip_is_unspecified(out)) {
		err_at(c, s, "%s: %s is not a unicast address", label, v);
		return false;
	}
	return true;
}

/* ---- instance -------------------------------------------------------- */

/* What the cross-instance checks need beyond the model itself. */
struct inst_parse {
	const config_setting_t *group;
	const config_setting_t *name_s;
	const config_setting_t *vrid_s;
	const config_setting_t *vmac_s; /* vmac_interface, or use_vmac for the default name */
	bool version_ok;
};

static const char *const instance_keys[] = {
	"name", "interface", "vrid", "priority", "version", "advert_interval", "preempt",
	"preempt_delay", "vips", "checksum_pseudo_header", "unicast_source", "unicast_peers",
	"garp", "notify", "track", "accept", "accept_filter_fail", "use_vmac", "vmac_interface",
	"auth_pass", "drivers", NULL
};
static const char *const garp_keys[] = { "repeat", "interval", "master_delay", "refresh", NULL };
static const char *const notify_keys[] = { "master", "backup", "fault", "stop", "any", "timeout", NULL };
static const char *const node_keys[] = { "name", "state_dir", "run_dir", "vip_lease",
					 "persist_counters", "counters_sync_interval",
					 "metrics_file", "driver_group", "driver_grace",
					 "driver_queue", "realtime", "realtime_policy",
					 "realtime_priority", "lock_memory", "rx_filter", "pause_grace",
					 NULL };
static const char *const top_keys[] = { "node", "instances", "cluster", "sync_groups", NULL };
static const char *const cluster_keys[] = { "secret_file", "interface", "port", "group",
	"heartbeat_interval", "dead_interval", "slack", "quorum", "members", "name", "vote_lease",
	NULL };
static const char *const member_keys[] = { "name", "address", NULL };
static const char *const track_keys[] = { "scripts", "interfaces", "files", "http", "tcp", NULL };
static const char *const track_http_keys[] = { "name", "url", "host", "method", "status", "body",
	"interval", "timeout", "rise", "fall", "weight", "init", NULL };
static const char *const track_tcp_keys[] = { "name", "address", "port", "interval", "timeout",
	"rise", "fall", "weight", "init", NULL };
static const char *const track_script_keys[] = { "name", "command", "args", "interval", "timeout",
	"weight", "rise", "fall", "user", "init", NULL };
static const char *const track_iface_keys[] = { "name", "weight", NULL };
static const char *const track_file_keys[] = { "path", "weight", NULL };
static const char *const group_keys[] = { "name", "instances", "notify", NULL };
static const char *const driver_need_keys[] = { "id", "required", "weight", NULL };

static void instance_defaults(struct instance_conf *ic)
{
	ic->priority = 100;
	ic->version = 3;
	ic->advert_interval_ms = 1000;
	ic->preempt = true;
	ic->preempt_delay_ms = 0;
	ic->checksum_pseudo_header = true;
	ic->accept = true;
	ic->garp_repeat = 5;
	ic->garp_interval_ms = 10;
	ic->garp_master_delay_ms = 5000;
	ic->garp_refresh_ms = 0;
	ic->notify.timeout_ms = 10000;
}

static const config_setting_t *require(struct ctx *c, const config_setting_t *g,
				       const struct instance_conf *ic, const char *key)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (s)
		return s;
	if (ic->name)
		err_at(c, g, "instance \"%s\": missing required key \"%s\"", ic->name, key);
	else
		err_at(c, g, "instance: missing required key \"%s\"", key);
	return NULL;
}

static void parse_interface(struct ctx *c, const config_setting_t *s, struct instance_conf *ic)
{
	const char *v = get_string(c, s, "");

	if (!v)
		return;
	if (!ifname_valid(v))
		err_at(c, s, "interface: \"%s\" is not a valid interface name "
		       "(1..15 characters, no '/', ':' or white space)", v);
	else
		copy_string(v, &ic->interface);
}

static void parse_priority(struct ctx *c, const config_setting_t *g, struct instance_conf *ic)
{
	const config_setting_t *s = config_setting_get_member(g, "priority");
	long long v;

	if (!s || !get_int(c, s, "", &v))
		return;
	if (v == 0)
		err_at(c, s, "priority: 0 is reserved for \"master stopping\" (RFC 5798); use 1..255");
	else if (v < 1 || v > 255)
		err_at(c, s, "priority: %lld is out of range 1..255", v);
	else
		ic->priority = (uint8_t)v;
}

static void parse_version(struct ctx *c, const config_setting_t *g, struct instance_conf *ic,
			  struct inst_parse *ip)
{
	const config_setting_t *s = config_setting_get_member(g, "version");
	long long v;

	ip->version_ok = true;
	if (!s)
		return;
	ip->version_ok = false;
	if (!get_int(c, s, "", &v))
		return;
	if (v != 2 && v != 3) {
		err_at(c, s, "version: %lld is not supported (2 or 3)", v);
		return;
	}
	ic->version = (uint8_t)v;
	ip->version_ok = true;
}

/* v3 carries centiseconds in 12 bits, v2 whole seconds in 8 bits. */
static void parse_interval(struct ctx *c, const config_setting_t *g, struct instance_conf *ic,
			   const struct inst_parse *ip)
{
	const config_setting_t *s = config_setting_get_member(g, "advert_interval");
	bool v3 = ic->version == 3;
	long long min = v3 ? 10 : 1000, max = v3 ? 40950 : 255000, unit = min, v;

	if (!s || !get_int(c, s, "", &v) || !ip->version_ok)
		return;
	if (v < min || v > max)
		err_at(c, s, "advert_interval: %lld is out of range %lld..%lld for version %u",
		       v, min, max, ic->version);
	else if (v % unit)
		err_at(c, s, "advert_interval: %lld is not a multiple of %lld (VRRPv%u counts %s)",
		       v, unit, ic->version, v3 ? "centiseconds" : "whole seconds");
	else
		ic->advert_interval_ms = (uint32_t)v;
}

/* One VIP string; false when it cannot join the list. */
static bool take_vip(struct ctx *c, const config_setting_t *e, struct instance_conf *ic)
{
	char buf[IP_ADDR_STRLEN];
	const char *v;
	struct vip vip;

	if (config_setting_type(e) != CONFIG_TYPE_STRING) {
		err_at(c, e, "vips: expected strings, got %s", type_name(config_setting_type(e)));
		return false;
	}
	v = config_setting_get_string(e);
	if (!vip_parse(v, &vip)) {
		err_at(c, e, "vips: \"%s\" is not an address or ADDRESS/PREFIX", v);
		return false;
	}
	if (ip_addr_is_multicast(&vip.addr) || ip_is_unspecified(&vip.addr) || vip.prefixlen == 0) {
		err_at(c, e, "vips: \"%s\" is not a usable unicast address", v);
		return false;
	}
	if (ic->nvips && vip.addr.family != ic->vips[0].addr.family) {
		err_at(c, e, "vips: %s is %s but %s is %s; an instance carries one family", v,
		       family_name(vip.addr.family), ip_addr_str(&ic->vips[0].addr, buf),
		       family_name(ic->vips[0].addr.family));
		return false;
	}
	for (size_t i = 0; i < ic->nvips; i++) {
		if (ip_addr_equal(&ic->vips[i].addr, &vip.addr)) {
			err_at(c, e, "vips: %s is listed twice", ip_addr_str(&vip.addr, buf));
			return false;
		}
	}
	ic->vips[ic->nvips++] = vip;
	return true;
}

static void parse_vips(struct ctx *c, const config_setting_t *s, struct instance_conf *ic)
{
	int n = config_setting_length(s);
	bool ok = true;

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST) {
		type_error(c, s, "", "an array of addresses [ ... ]");
		return;
	}
	if (n < 1 || n > CLUSTD_MAX_VIPS) {
		err_at(c, s, "vips: %d addresses, expected 1..%d", n, CLUSTD_MAX_VIPS);
		return;
	}
	for (int i = 0; i < n; i++)
		ok &= take_vip(c, config_setting_get_elem(s, (unsigned)i), ic);
	if (ok)
		ic->family = ic->vips[0].addr.family;
	else
		ic->nvips = 0; /* family stays unset: dependent checks stand down */
}

static void check_v2_family(struct ctx *c, const config_setting_t *g, const struct instance_conf *ic)
{
	const config_setting_t *s = config_setting_get_member(g, "version");

	if (s && ic->version == 2 && ic->family == AF_INET6)
		err_at(c, s, "version: VRRPv2 is IPv4 only but the VIPs are IPv6 (use version 3)");
}

static void parse_pseudo_header(struct ctx *c, const config_setting_t *g, struct instance_conf *ic,
				const struct inst_parse *ip)
{
	const config_setting_t *s = config_setting_get_member(g, "checksum_pseudo_header");

	if (!s)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		type_error(c, s, "", "true or false");
	else if (ip->version_ok && ic->version == 2)
		err_at(c, s, "checksum_pseudo_header: only applies to VRRPv3 over IPv4 (version is 2)");
	else if (ic->family == AF_INET6)
		err_at(c, s, "checksum_pseudo_header: only applies to VRRPv3 over IPv4 "
		       "(IPv6 always includes the pseudo-header)");
	else
		ic->checksum_pseudo_header = config_setting_get_bool(s);
}

static bool take_peer(struct ctx *c, const config_setting_t *e, struct instance_conf *ic)
{
	char buf[IP_ADDR_STRLEN];
	struct ip_addr a;

	if (!take_unicast_addr(c, e, "unicast_peers", ic->family, "the VIPs are", &a))
		return false;
	for (size_t i = 0; i < ic->npeers; i++) {
		if (ip_addr_equal(&ic->peers[i], &a)) {
			err_at(c, e, "unicast_peers: %s is listed twice", ip_addr_str(&a, buf));
			return false;
		}
	}
	if (ip_addr_equal(&ic->unicast_source, &a)) {
		err_at(c, e, "unicast_peers: %s is the unicast_source itself", ip_addr_str(&a, buf));
		return false;
	}
	ic->peers[ic->npeers++] = a;
	return true;
}

static void parse_peers(struct ctx *c, const config_setting_t *s, struct instance_conf *ic)
{
	int n = config_setting_length(s);

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST) {
		type_error(c, s, "", "an array of addresses [ ... ]");
		return;
	}
	if (n < 1 || n > CLUSTD_MAX_PEERS) {
		err_at(c, s, "unicast_peers: %d addresses, expected 1..%d (remove the key for multicast)",
		       n, CLUSTD_MAX_PEERS);
		return;
	}
	for (int i = 0; i < n; i++)
		take_peer(c, config_setting_get_elem(s, (unsigned)i), ic);
}

static void parse_unicast(struct ctx *c, const config_setting_t *g, struct instance_conf *ic)
{
	const config_setting_t *src = config_setting_get_member(g, "unicast_source");
	const config_setting_t *peers = config_setting_get_member(g, "unicast_peers");

	if (src) {
		if (!take_unicast_addr(c, src, "unicast_source", ic->family, "the VIPs are",
				       &ic->unicast_source))
			memset(&ic->unicast_source, 0, sizeof(ic->unicast_source));
		else if (!peers)
			err_at(c, src, "unicast_source: set without unicast_peers "
			       "(adverts would still go to the multicast group)");
	}
	if (peers)
		parse_peers(c, peers, ic);
}

/* use_vmac and vmac_interface; the default device name needs the VRID and
 * the family (from the VIPs): without them the name stays unset and the
 * checks that need it stand down. */
static void parse_vmac(struct ctx *c, const config_setting_t *g, struct instance_conf *ic,
		       struct inst_parse *ip)
{
	const config_setting_t *use = config_setting_get_member(g, "use_vmac");
	const config_setting_t *name = config_setting_get_member(g, "vmac_interface");
	const char *v = NULL;
	char dflt[VMAC_IFNAME_SIZE];

	opt_bool(c, g, "use_vmac", &ic->use_vmac);
	if (name && !(v = get_string(c, name, "")))
		return;
	if (name && !ic->use_vmac) {
		if (!use || config_setting_type(use) == CONFIG_TYPE_BOOL)
			err_at(c, name, "vmac_interface: set but use_vmac is not true");
		return;
	}
	if (!ic->use_vmac)
		return;
	if (v && !ifname_valid(v)) {
		err_at(c, name, "vmac_interface: \"%s\" is not a valid interface name "
		       "(1..15 characters, no '/', ':' or white space)", v);
		return;
	}
	if (!v && (!ic->vrid || !ic->family))
		return;
	if (!v)
		v = vmac_default_name(ic->vrid, ic->family, dflt);
	if (ic->interface && strcmp(v, ic->interface) == 0) {
		err_at(c, name ? name : use, "%s: device \"%s\" is the instance's interface itself%s",
		       name ? "vmac_interface" : "use_vmac", v,
		       name ? "" : " (the default name: set vmac_interface)");
		return;
	}
	ip->vmac_s = name ? name : use;
	copy_string(v, &ic->vmac_interface);
}

static const config_setting_t *sub_group(struct ctx *c, const config_setting_t *g, const char *key)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (s && config_setting_type(s) != CONFIG_TYPE_GROUP) {
		type_error(c, s, "", "a group { ... }");
		return NULL;
	}
	return s;
}

static void parse_garp(struct ctx *c, const config_setting_t *g, struct instance_conf *ic)
{
	const config_setting_t *s = sub_group(c, g, "garp"), *r;
	long long v;

	if (!s)
		return;
	check_keys(c, s, "in garp", garp_keys);
	opt_u32(c, s, "garp.", "repeat", 0, 100, &ic->garp_repeat);
	opt_u32(c, s, "garp.", "interval", 0, 10000, &ic->garp_interval_ms);
	opt_u32(c, s, "garp.", "master_delay", 0, 3600000, &ic->garp_master_delay_ms);
	r = config_setting_get_member(s, "refresh");
	if (!r || !get_int(c, r, "garp.", &v))
		return;
	if (v != 0 && (v < 1000 || v > 86400000))
		err_at(c, r, "garp.refresh: %lld is out of range 1000..86400000 (or 0 for off)", v);
	else
		ic->garp_refresh_ms = (uint32_t)v;
}

static const config_setting_t *require_key(struct ctx *c, const config_setting_t *g,
					   const char *key, const char *scope)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (!s)
		err_at(c, g, "%s: missing required key \"%s\"", scope, key);
	return s;
}

static void parse_notify_into(struct ctx *c, const config_setting_t *g, struct notify_conf *n)
{
	const config_setting_t *s = sub_group(c, g, "notify");
	struct {
		const char *key;
		char **dst;
	} scripts[] = {
		{ "master", &n->master }, { "backup", &n->backup },
		{ "fault", &n->fault }, { "stop", &n->stop }, { "any", &n->any },
	};

	if (!s)
		return;
	check_keys(c, s, "in notify", notify_keys);
	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		const config_setting_t *p = config_setting_get_member(s, scripts[i].key);

		if (p)
			take_path(c, p, "notify.", scripts[i].dst);
	}
	opt_u32(c, s, "notify.", "timeout", 1, 3600000, &n->timeout_ms);
}

static void parse_notify(struct ctx *c, const config_setting_t *g, struct instance_conf *ic)
{
	parse_notify_into(c, g, &ic->notify);
}

/* ---- health tracking ------------------------------------------------- */

/* A list element that must be a group; reports and returns false otherwise. */
static bool list_group(struct ctx *c, const config_setting_t *e, const char *what)
{
	if (config_setting_type(e) == CONFIG_TYPE_GROUP)
		return true;
	err_at(c, e, "%s: expected a group { ... }, got %s", what, type_name(config_setting_type(e)));
	return false;
}

static const config_setting_t *track_list(struct ctx *c, const config_setting_t *g, const char *key,
					  const char *what)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (!s)
		return NULL;
	if (config_setting_type(s) != CONFIG_TYPE_LIST || config_setting_length(s) > CLUSTD_MAX_TRACK) {
		err_at(c, s, "%s: expected a list of at most %d groups ( { ... }, ... )", what,
		       CLUSTD_MAX_TRACK);
		return NULL;
	}
	return s;
}

static void parse_weight(struct ctx *c, const config_setting_t *g, const char *prefix, int32_t *w)
{
	const config_setting_t *s = config_setting_get_member(g, "weight");
	long long v;

	if (s && get_int_range(c, s, prefix, -253, 253, &v)) {
		if (v == 0)
			err_at(c, s, "%sweight: 0 would track nothing; leave it out for FAULT on failure", prefix);
		else
			*w = (int32_t)v;
	}
}

static void parse_args(struct ctx *c, const config_setting_t *g, struct track_script_conf *ts)
{
	const config_setting_t *s = config_setting_get_member(g, "args");
	int n;

	if (!s)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST) {
		type_error(c, s, "track.scripts.", "an array of strings [ ... ]");
		return;
	}
	n = config_setting_length(s);
	ts->args = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0, used = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = get_string(c, e, "track.scripts.args.");
		if (v)
			copy_string(v, &ts->args[used++]);
	}
}

static void parse_track_script(struct ctx *c, const config_setting_t *g, struct track_script_conf *ts)
{
	const config_setting_t *s;
	const char *v;

	ts->line = setting_line(g);
	ts->interval_ms = 1000;
	ts->weight = TRACK_NO_WEIGHT;
	ts->rise = ts->fall = 1;
	check_keys(c, g, "in track.scripts", track_script_keys);
	if ((s = require_key(c, g, "name", "track.scripts")))
		take_name(c, s, "track.scripts.", &ts->name);
	if ((s = require_key(c, g, "command", "track.scripts")))
		take_path(c, s, "track.scripts.", &ts->command);
	parse_args(c, g, ts);
	opt_u32(c, g, "track.scripts.", "interval", 10, 3600000, &ts->interval_ms);
	ts->timeout_ms = ts->interval_ms;
	opt_u32(c, g, "track.scripts.", "timeout", 10, 3600000, &ts->timeout_ms);
	parse_weight(c, g, "track.scripts.", &ts->weight);
	opt_u32(c, g, "track.scripts.", "rise", 1, 100, &ts->rise);
	opt_u32(c, g, "track.scripts.", "fall", 1, 100, &ts->fall);
	if ((s = config_setting_get_member(g, "user")) && (v = get_string(c, s, "track.scripts.")))
		copy_string(v, &ts->user);
	if ((s = config_setting_get_member(g, "init")) && (v = get_string(c, s, "track.scripts."))) {
		if (strcmp(v, "ok") == 0)
			ts->init_ok = true;
		else if (strcmp(v, "failed") != 0)
			err_at(c, s, "track.scripts.init: \"%s\" is neither \"ok\" nor \"failed\"", v);
	}
}

static void parse_track_iface(struct ctx *c, const config_setting_t *g, struct track_iface_conf *ti)
{
	const config_setting_t *s;
	const char *v;

	ti->weight = TRACK_NO_WEIGHT;
	check_keys(c, g, "in track.interfaces", track_iface_keys);
	if ((s = require_key(c, g, "name", "track.interfaces")) && (v = get_string(c, s, "track.interfaces."))) {
		if (!ifname_valid(v))
			err_at(c, s, "track.interfaces.name: \"%s\" is not a valid interface name", v);
		else
			copy_string(v, &ti->name);
	}
	parse_weight(c, g, "track.interfaces.", &ti->weight);
}

static void parse_track_file(struct ctx *c, const config_setting_t *g, struct track_file_conf *tf)
{
	const config_setting_t *s;

	tf->weight = 1;
	check_keys(c, g, "in track.files", track_file_keys);
	if ((s = require_key(c, g, "path", "track.files")))
		take_path(c, s, "track.files.", &tf->path);
	parse_weight(c, g, "track.files.", &tf->weight);
}

/* ---- in-daemon checks (health_check.h): track.http and track.tcp ---- */

/* name, interval, timeout, rise, fall, weight, init: as for scripts. */
static void parse_check_common(struct ctx *c, const config_setting_t *g, const char *scope,
			       struct track_check_conf *tc)
{
	const config_setting_t *s;
	const char *v;
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "%s.", scope);
	tc->line = setting_line(g);
	tc->interval_ms = 1000;
	tc->weight = TRACK_NO_WEIGHT;
	tc->rise = tc->fall = 1;
	if ((s = require_key(c, g, "name", scope)))
		take_name(c, s, prefix, &tc->name);
	opt_u32(c, g, prefix, "interval", 10, 3600000, &tc->interval_ms);
	tc->timeout_ms = tc->interval_ms;
	if ((s = config_setting_get_member(g, "timeout"))) {
		opt_u32(c, g, prefix, "timeout", 5, 3600000, &tc->timeout_ms);
		if (tc->timeout_ms > tc->interval_ms)
			err_at(c, s, "%stimeout: %u ms is longer than the interval (%u ms): a run ends "
			       "before the next one starts", prefix, tc->timeout_ms, tc->interval_ms);
	}
	parse_weight(c, g, prefix, &tc->weight);
	opt_u32(c, g, prefix, "rise", 1, 100, &tc->rise);
	opt_u32(c, g, prefix, "fall", 1, 100, &tc->fall);
	if ((s = config_setting_get_member(g, "init")) && (v = get_string(c, s, prefix))) {
		if (strcmp(v, "ok") == 0)
			tc->init_ok = true;
		else if (strcmp(v, "failed") != 0)
			err_at(c, s, "%sinit: \"%s\" is neither \"ok\" nor \"failed\"", prefix, v);
	}
}

static void parse_check_http(struct ctx *c, const config_setting_t *g, struct track_check_conf *tc)
{
	const config_setting_t *s;
	const char *v, *why = "";
	struct hc_url url;

	tc->kind = TRACK_CHECK_HTTP;
	hc_status_set_default(tc->status_ok);
	check_keys(c, g, "in track.http", track_http_keys);
	parse_check_common(c, g, "track.http", tc);
	if ((s = require_key(c, g, "url", "track.http")) && (v = get_string(c, s, "track.http."))) {
		if (!hc_parse_url(v, &url, &why)) {
			err_at(c, s, "track.http.url: \"%s\": %s", v, why);
		} else {
			tc->addr = url.addr;
			tc->port = url.port;
			copy_string(v, &tc->url);
			copy_string(url.path, &tc->path);
			copy_string(url.authority, &tc->host);
		}
	}
	if ((s = config_setting_get_member(g, "host")) && (v = get_string(c, s, "track.http."))) {
		if (!hc_header_value_ok(v, false) || strlen(v) > 255)
			err_at(c, s, "track.http.host: \"%s\" is not a Host header value", v);
		else
			copy_string(v, &tc->host);
	}
	if ((s = config_setting_get_member(g, "method")) && (v = get_string(c, s, "track.http."))) {
		if (strcmp(v, "HEAD") == 0)
			tc->head = true;
		else if (strcmp(v, "GET") != 0)
			err_at(c, s, "track.http.method: \"%s\" is neither \"GET\" nor \"HEAD\"", v);
	}
	if ((s = config_setting_get_member(g, "status")) && (v = get_string(c, s, "track.http.")) &&
	    !hc_parse_status_set(v, tc->status_ok))
		err_at(c, s, "track.http.status: \"%s\" is not a list of codes and ranges "
		       "(\"200-399\", \"200,204\")", v);
	if ((s = config_setting_get_member(g, "body")) && (v = get_string(c, s, "track.http."))) {
		if (!*v || strlen(v) > HTTP_NEEDLE_MAX)
			err_at(c, s, "track.http.body: must be 1..%u bytes", HTTP_NEEDLE_MAX);
		else if (tc->head)
			err_at(c, s, "track.http.body: a HEAD request gets no body to look in");
		else
			copy_string(v, &tc->body);
	}
}

static void parse_check_tcp(struct ctx *c, const config_setting_t *g, struct track_check_conf *tc)
{
	const config_setting_t *s;
	const char *v;
	long long port;

	tc->kind = TRACK_CHECK_TCP;
	check_keys(c, g, "in track.tcp", track_tcp_keys);
	parse_check_common(c, g, "track.tcp", tc);
	if ((s = require_key(c, g, "address", "track.tcp")) && (v = get_string(c, s, "track.tcp.")) &&
	    !ip_addr_parse(v, &tc->addr))
		err_at(c, s, "track.tcp.address: \"%s\" is not a numeric IPv4 or IPv6 address "
		       "(no name lookups)", v);
	if ((s = require_key(c, g, "port", "track.tcp")) &&
	    get_int_range(c, s, "track.tcp.", 1, 65535, &port))
		tc->port = (uint16_t)port;
}

static void parse_checks(struct ctx *c, const config_setting_t *t, struct track_conf *tc)
{
	static const char *const kinds[] = { "http", "tcp" };
	const config_setting_t *l;

	for (size_t k = 0; k < 2; k++) {
		char what[16];

		snprintf(what, sizeof(what), "track.%s", kinds[k]);
		if (!(l = track_list(c, t, kinds[k], what)))
			continue;
		for (int i = 0; i < config_setting_length(l); i++) {
			const config_setting_t *e = config_setting_get_elem(l, (unsigned)i);

			if (!list_group(c, e, what))
				continue;
			if (tc->nchecks == CLUSTD_MAX_TRACK) {
				err_at(c, e, "%s: more than %d http and tcp checks in one instance",
				       what, CLUSTD_MAX_TRACK);
				return;
			}
			if (k == 0)
				parse_check_http(c, e, &tc->checks[tc->nchecks++]);
			else
				parse_check_tcp(c, e, &tc->checks[tc->nchecks++]);
			for (size_t j = 0; j + 1 < tc->nchecks; j++)
				if (tc->checks[j].name && tc->checks[tc->nchecks - 1].name &&
				    !strcmp(tc->checks[j].name, tc->checks[tc->nchecks - 1].name))
					err_at(c, e, "%s: a check named \"%s\" is already defined at "
					       "line %d", what, tc->checks[j].name, tc->checks[j].line);
		}
	}
}

static void parse_track(struct ctx *c, const config_setting_t *g, struct instance_conf *ic)
{
	const config_setting_t *t = sub_group(c, g, "track"), *l;
	struct track_conf *tc = &ic->track;

	if (!t)
		return;
	check_keys(c, t, "in track", track_keys);
	if ((l = track_list(c, t, "scripts", "track.scripts"))) {
		for (int i = 0; i < config_setting_length(l); i++) {
			const config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
			if (list_group(c, e, "track.scripts"))
				parse_track_script(c, e, &tc->scripts[tc->nscripts++]);
		}
	}
	if ((l = track_list(c, t, "interfaces", "track.interfaces"))) {
		for (int i = 0; i < config_setting_length(l); i++) {
			const config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
			if (list_group(c, e, "track.interfaces"))
				parse_track_iface(c, e, &tc->interfaces[tc->ninterfaces++]);
		}
	}
	if ((l = track_list(c, t, "files", "track.files"))) {
		for (int i = 0; i < config_setting_length(l); i++) {
			const config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
			if (list_group(c, e, "track.files"))
				parse_track_file(c, e, &tc->files[tc->nfiles++]);
		}
	}
	parse_checks(c, t, tc);
}

/* ---- drivers an instance names (clustd-drivers(7)) ---------------------- */

static void parse_driver_need(struct ctx *c, const config_setting_t *g, struct instance_conf *ic,
			      struct driver_need_conf *dn)
{
	const config_setting_t *s;
	const char *v;

	dn->line = setting_line(g);
	dn->required = true;
	dn->weight = TRACK_NO_WEIGHT;
	check_keys(c, g, "in drivers", driver_need_keys);
	if ((s = require_key(c, g, "id", "drivers")) && (v = get_string(c, s, "drivers."))) {
		if (!driver_id_valid(v))
			err_at(c, s, "drivers.id: \"%s\" is not a driver id (1 to %d characters of "
			       "A-Z a-z 0-9 . _ @ : -)", v, CLUSTD_DRIVER_ID_MAX);
		else
			copy_string(v, &dn->id);
	}
	opt_bool(c, g, "required", &dn->required);
	parse_weight(c, g, "drivers.", &dn->weight);
	if (!dn->required && dn->weight != TRACK_NO_WEIGHT)
		err_at(c, config_setting_get_member(g, "weight"),
		       "drivers.weight: only a required driver moves the priority");
	for (size_t i = 0; dn->id && i < (size_t)(dn - ic->drivers); i++)
		if (ic->drivers[i].id && strcmp(ic->drivers[i].id, dn->id) == 0)
			err_at(c, g, "drivers: \"%s\" is named twice in instance \"%s\"", dn->id,
			       ic->name ? ic->name : "?");
}

static void parse_drivers(struct ctx *c, const config_setting_t *g, struct instance_conf *ic)
{
	const config_setting_t *l = config_setting_get_member(g, "drivers");

	if (!l)
		return;
	if (config_setting_type(l) != CONFIG_TYPE_LIST ||
	    config_setting_length(l) > CLUSTD_MAX_DRIVERS) {
		err_at(c, l, "drivers: expected a list of at most %d groups ( { ... }, ... )",
		       CLUSTD_MAX_DRIVERS);
		return;
	}
	for (int i = 0; i < config_setting_length(l); i++) {
		const config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
		if (list_group(c, e, "drivers"))
			parse_driver_need(c, e, ic, &ic->drivers[ic->ndrivers++]);
	}
}

/* node.driver_*: the driver socket's group, the grace time of required
 * drivers at start, the bytes one driver may have waiting. */
static void parse_driver_keys(struct ctx *c, const config_setting_t *g, struct node_conf *nc)
{
	const config_setting_t *s;
	const char *v;

	if ((s = config_setting_get_member(g, "driver_group")) && (v = get_string(c, s, "node."))) {
		if (!v[0])
			err_at(c, s, "node.driver_group: empty; leave it out for root only");
		else
			copy_string(v, &nc->driver_group);
	}
	opt_u32(c, g, "node.", "driver_grace", 0, 3600000, &nc->driver_grace_ms);
	opt_u32(c, g, "node.", "driver_queue", 4096, 16u << 20, &nc->driver_queue_bytes);
}

/* accept_filter_fail = "open" | "closed": what accept = false does when the
 * nftables filter cannot be installed (nft.h nft_filter_fails_closed()). */
static void parse_accept_filter_fail(struct ctx *c, const config_setting_t *g,
				     struct instance_conf *ic)
{
	const config_setting_t *s = config_setting_get_member(g, "accept_filter_fail");
	const char *v;

	if (!s || !(v = get_string(c, s, "")))
		return;
	if (strcmp(v, "open") != 0 && strcmp(v, "closed") != 0)
		err_at(c, s, "accept_filter_fail: expected \"open\" or \"closed\", got \"%s\"", v);
	else if (ic->accept)
		err_at(c, s, "accept_filter_fail: only with accept = false (this instance accepts)");
	else
		ic->accept_filter_closed = strcmp(v, "closed") == 0;
}

/* auth_pass: keepalived's auth_type PASS, VRRPv2 only, 1..8 bytes. */
static void parse_auth_pass(struct ctx *c, const config_setting_t *g, struct instance_conf *ic,
			    const struct inst_parse *ip)
{
	const config_setting_t *s = config_setting_get_member(g, "auth_pass");
	const char *v;
	size_t n;

	if (!s || !(v = get_string(c, s, "")) || !ip->version_ok)
		return;
	n = strlen(v);
	if (ic->version != 2)
		err_at(c, s, "auth_pass: VRRPv3 has no authentication (RFC 5798); only version = 2 "
		       "carries it");
	else if (n == 0 || n > CLUSTD_AUTH_PASS_LEN)
		err_at(c, s, "auth_pass: %zu characters, expected 1..%d (keepalived uses only the "
		       "first %d: give those)", n, CLUSTD_AUTH_PASS_LEN, CLUSTD_AUTH_PASS_LEN);
	else {
		memset(ic->auth_pass, 0, sizeof(ic->auth_pass));
		memcpy(ic->auth_pass, v, n);
		ic->auth_pass_set = true;
	}
}

static void parse_instance(struct ctx *c, const config_setting_t *g, struct instance_conf *ic,
			   struct inst_parse *ip)
{
	const config_setting_t *s;
	long long v;

	instance_defaults(ic);
	ic->line = setting_line(g);
	ip->group = g;
	check_keys(c, g, "in instance", instance_keys);
	ip->name_s = require(c, g, ic, "name");
	if (ip->name_s)
		take_name(c, ip->name_s, "", &ic->name);
	if ((s = require(c, g, ic, "interface")))
		parse_interface(c, s, ic);
	ip->vrid_s = require(c, g, ic, "vrid");
	if (ip->vrid_s && get_int_range(c, ip->vrid_s, "", 1, 255, &v))
		ic->vrid = (uint8_t)v;
	parse_priority(c, g, ic);
	parse_version(c, g, ic, ip);
	parse_interval(c, g, ic, ip);
	opt_bool(c, g, "preempt", &ic->preempt);
	opt_u32(c, g, "", "preempt_delay", 0, 1000000, &ic->preempt_delay_ms);
	opt_bool(c, g, "accept", &ic->accept);
	parse_accept_filter_fail(c, g, ic);
	if ((s = require(c, g, ic, "vips")))
		parse_vips(c, s, ic);
	check_v2_family(c, g, ic);
	parse_pseudo_header(c, g, ic, ip);
	parse_unicast(c, g, ic);
	parse_vmac(c, g, ic, ip);
	parse_auth_pass(c, g, ic, ip);
	parse_garp(c, g, ic);
	parse_notify(c, g, ic);
	parse_track(c, g, ic);
	parse_drivers(c, g, ic);
}

/* ---- cross-instance rules -------------------------------------------- */

/* "line 7", or "other.conf:7" when it sits in another (included) file. */
static const char *where(const struct ctx *c, const config_setting_t *here,
			 const config_setting_t *there, char *buf, size_t len)
{
	if (strcmp(setting_file(c, here), setting_file(c, there)) == 0)
		snprintf(buf, len, "line %d", setting_line(there));
	else
		snprintf(buf, len, "%s:%d", setting_file(c, there), setting_line(there));
	return buf;
}

/* VRRP tells routers apart by (interface, VRID, family): IPv4 and IPv6
 * may share a VRID on one link, nothing else may. */
static bool same_router(const struct instance_conf *a, const struct instance_conf *b)
{
	return a->interface && b->interface && a->vrid && a->family &&
	       strcmp(a->interface, b->interface) == 0 && a->vrid == b->vrid &&
	       a->family == b->family;
}

/* A virtual MAC device name must be nobody else's: neither another
 * instance's device nor an instance's interface. */
static void check_vmac_unique(struct ctx *c, const struct clustd_config *cfg,
			      const struct inst_parse *ip, size_t i)
{
	const struct instance_conf *a = &cfg->instances[i];
	const char *hint = ip[i].vmac_s && strcmp(config_setting_name(ip[i].vmac_s), "use_vmac") == 0 ?
			   " (the default name: set vmac_interface)" : "";
	char buf[PATH_MAX + 32];

	if (!a->vmac_interface)
		return;
	for (size_t j = 0; j < cfg->ninstances; j++) {
		const struct instance_conf *b = &cfg->instances[j];

		if (j < i && b->vmac_interface && strcmp(a->vmac_interface, b->vmac_interface) == 0) {
			err_at(c, ip[i].vmac_s, "%s: device \"%s\" is already the virtual MAC device "
			       "of instance \"%s\" at %s%s", config_setting_name(ip[i].vmac_s),
			       a->vmac_interface, b->name ? b->name : "?",
			       where(c, ip[i].vmac_s, ip[j].group, buf, sizeof(buf)), hint);
			return;
		}
		if (j != i && b->interface && strcmp(a->vmac_interface, b->interface) == 0) {
			err_at(c, ip[i].vmac_s, "%s: device \"%s\" is the interface of instance "
			       "\"%s\" at %s%s", config_setting_name(ip[i].vmac_s), a->vmac_interface,
			       b->name ? b->name : "?",
			       where(c, ip[i].vmac_s, ip[j].group, buf, sizeof(buf)), hint);
			return;
		}
	}
}

static void check_unique(struct ctx *c, const struct clustd_config *cfg, const struct inst_parse *ip)
{
	char buf[PATH_MAX + 32];

	for (size_t i = 0; i < cfg->ninstances; i++) {
		const struct instance_conf *a = &cfg->instances[i];

		for (size_t j = 0; j < i; j++) {
			if (a->name && cfg->instances[j].name && strcmp(a->name, cfg->instances[j].name) == 0) {
				err_at(c, ip[i].name_s, "name: \"%s\" is already used by the instance at %s",
				       a->name, where(c, ip[i].name_s, ip[j].group, buf, sizeof(buf)));
				break;
			}
		}
		for (size_t j = 0; j < i; j++) {
			const struct instance_conf *b = &cfg->instances[j];

			if (same_router(a, b)) {
				err_at(c, ip[i].vrid_s, "vrid: %u is already used on %s for %s by instance \"%s\" at %s",
				       a->vrid, a->interface, family_name(a->family), b->name ? b->name : "?",
				       where(c, ip[i].vrid_s, ip[j].group, buf, sizeof(buf)));
				break;
			}
		}
		check_vmac_unique(c, cfg, ip, i);
	}
}

/* ---- node and top level ---------------------------------------------- */

static void default_node_name(struct ctx *c, const config_setting_t *node, struct node_conf *nc)
{
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1) < 0 || !name_valid(host)) {
		err_line(c, node ? setting_file(c, node) : c->path, node ? setting_line(node) : 1,
			 "node.name: the host name \"%s\" is not a valid node name; set node.name", host);
		return;
	}
	nc->name = xstrdup(host);
}

static void default_string(char **dst, const char *v)
{
	if (*dst)
		return;
	*dst = xstrdup(v);
}

/* Kernel address lifetimes are whole seconds; under 3 s a renewal every
 * third of the lease would have to run every second or faster. */
static void parse_vip_lease(struct ctx *c, const config_setting_t *g, struct node_conf *nc)
{
	const config_setting_t *s = config_setting_get_member(g, "vip_lease");
	long long v;

	if (!s || !get_int_range(c, s, "node.", 0, 3600000, &v))
		return;
	if (v != 0 && (v < 3000 || v % 1000))
		err_at(c, s, "node.vip_lease: %lld ms: use 0 (off) or whole seconds from 3000", v);
	else
		nc->vip_lease_ms = (uint32_t)v;
}

/* 0 = never fdatasync (page cache only: a crash of the process loses
 * nothing, a power loss may lose everything since the last write-back). */
static void parse_counters_keys(struct ctx *c, const config_setting_t *g, struct node_conf *nc)
{
	const config_setting_t *s;
	long long v;

	if ((s = config_setting_get_member(g, "persist_counters"))) {
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			type_error(c, s, "node.", "true or false");
		else
			nc->persist_counters = config_setting_get_bool(s);
	}
	if ((s = config_setting_get_member(g, "counters_sync_interval")) &&
	    get_int_range(c, s, "node.", 0, 60000, &v)) {
		if (v != 0 && v < 100)
			err_at(c, s, "node.counters_sync_interval: %lld ms: use 0 (never) or 100..60000",
			       v);
		else
			nc->counters_sync_ms = (uint32_t)v;
	}
	if ((s = config_setting_get_member(g, "metrics_file")))
		take_path(c, s, "node.", &nc->metrics_file);
}

/* The loop's scheduling and memory locking (realtime.h). */
static void parse_realtime_keys(struct ctx *c, const config_setting_t *g, struct node_conf *nc)
{
	const config_setting_t *s;
	const char *v;
	long long n;

	opt_bool_in(c, g, "node.", "realtime", &nc->realtime);
	opt_bool_in(c, g, "node.", "lock_memory", &nc->lock_memory);
	opt_bool_in(c, g, "node.", "rx_filter", &nc->rx_filter);
	opt_bool_in(c, g, "node.", "pause_grace", &nc->pause_grace);
	if ((s = config_setting_get_member(g, "realtime_policy")) && (v = get_string(c, s, "node."))) {
		if (strcmp(v, "rr") == 0)
			nc->realtime_policy = NODE_RT_RR;
		else if (strcmp(v, "fifo") == 0)
			nc->realtime_policy = NODE_RT_FIFO;
		else
			err_at(c, s, "node.realtime_policy: \"%s\": use \"rr\" or \"fifo\"", v);
	}
	if ((s = config_setting_get_member(g, "realtime_priority")) &&
	    get_int_range(c, s, "node.", 1, 99, &n))
		nc->realtime_priority = (uint8_t)n;
}

static void parse_node(struct ctx *c, const config_setting_t *root, struct node_conf *nc)
{
	nc->realtime = true;
	nc->realtime_policy = NODE_RT_RR;
	nc->realtime_priority = NODE_RT_DEFAULT_PRIORITY;
	nc->lock_memory = true;
	nc->rx_filter = true;
	nc->pause_grace = true;
	nc->vip_lease_ms = 5000;
	nc->persist_counters = true;
	nc->counters_sync_ms = 1000;
	nc->driver_grace_ms = 10000;
	nc->driver_queue_bytes = 256u << 10;
	const config_setting_t *g = config_setting_get_member(root, "node"), *s;

	if (g && config_setting_type(g) != CONFIG_TYPE_GROUP) {
		type_error(c, g, "", "a group { ... }");
		g = NULL;
	}
	if (g) {
		check_keys(c, g, "in node", node_keys);
		if ((s = config_setting_get_member(g, "name")))
			take_name(c, s, "node.", &nc->name);
		if ((s = config_setting_get_member(g, "state_dir")))
			take_path(c, s, "node.", &nc->state_dir);
		if ((s = config_setting_get_member(g, "run_dir")))
			take_path(c, s, "node.", &nc->run_dir);
		parse_vip_lease(c, g, nc);
		parse_counters_keys(c, g, nc);
		parse_driver_keys(c, g, nc);
		parse_realtime_keys(c, g, nc);
	}
	if (!nc->name && !(g && config_setting_get_member(g, "name")))
		default_node_name(c, g, nc);
	default_string(&nc->state_dir, CLUSTD_DEFAULT_STATE_DIR);
	default_string(&nc->run_dir, CLUSTD_DEFAULT_RUN_DIR);
}

/* No instance (the key missing or an empty list) is a witness when there
 * is a cluster group; without one a missing key is an error. */
static const config_setting_t *instance_list(struct ctx *c, const config_setting_t *root,
					     bool has_cluster)
{
	const config_setting_t *s = config_setting_get_member(root, "instances");

	if (!s) {
		if (!has_cluster)
			err_line(c, c->path, 1, "missing required key \"instances\" (nothing to do "
				 "without one, or without a cluster group to serve as a witness)");
		return NULL;
	}
	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		type_error(c, s, "", "a list of instances ( { ... }, ... )");
		return NULL;
	}
	/* An empty list is valid: with a cluster group the node is a witness,
	 * without one it runs no instance (the packaged sample ships so, and
	 * the daemon idles until the file is edited). */
	return s;
}

static void parse_instances(struct ctx *c, const config_setting_t *list, struct clustd_config *cfg)
{
	size_t n = (size_t)config_setting_length(list);
	struct inst_parse *ip = xcalloc(n, sizeof(*ip));

	cfg->instances = xcalloc(n, sizeof(*cfg->instances));
	cfg->ninstances = n;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);

		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			err_at(c, g, "instances: element %zu: expected a group { ... }, got %s", i + 1,
			       type_name(config_setting_type(g)));
			ip[i].group = g;
			continue;
		}
		parse_instance(c, g, &cfg->instances[i], &ip[i]);
	}
	check_unique(c, cfg, ip);
	free(ip);
}

/* ---- cluster plane --------------------------------------------------- */


static bool parse_member(struct ctx *c, const config_setting_t *g, struct cluster_conf *cc,
			 sa_family_t family)
{
	struct member_conf *m = &cc->members[cc->nmembers];
	const config_setting_t *s;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		type_error(c, g, "cluster.members", "a group { name = ...; address = ...; }");
		return false;
	}
	check_keys(c, g, "in cluster.members", member_keys);
	if ((s = require_key(c, g, "name", "cluster.members")))
		take_name(c, s, "cluster.members.", &m->name);
	if ((s = require_key(c, g, "address", "cluster.members")))
		take_unicast_addr(c, s, "cluster.members.address", family,
				  cc->group.family ? "cluster.group is" : "the first member is", &m->addr);
	if (!m->name || m->addr.family == AF_UNSPEC) {
		free(m->name);
		m->name = NULL;
		return false;
	}
	for (size_t i = 0; i < cc->nmembers; i++) {
		if (strcmp(cc->members[i].name, m->name) == 0 ||
		    ip_addr_equal(&cc->members[i].addr, &m->addr)) {
			err_at(c, g, "cluster.members: %s is listed twice (same name or address)", m->name);
			free(m->name);
			m->name = NULL;
			return false;
		}
	}
	cc->nmembers++;
	return true;
}

static void parse_members(struct ctx *c, const config_setting_t *g, struct cluster_conf *cc,
			  const char *self, bool in_list)
{
	const config_setting_t *list = require_key(c, g, "members", "cluster");
	sa_family_t family = cc->group.family;
	bool found_self = false;

	if (!list)
		return;
	if (config_setting_type(list) != CONFIG_TYPE_LIST || config_setting_length(list) == 0 ||
	    config_setting_length(list) > CLUSTD_MAX_PEERS) {
		err_at(c, list, "cluster.members: expected a list of 1..%d members ( { name; address; }, ... )",
		       CLUSTD_MAX_PEERS);
		return;
	}
	for (int i = 0; i < config_setting_length(list); i++) {
		if (parse_member(c, config_setting_get_elem(list, (unsigned)i), cc, family))
			family = cc->members[0].addr.family;
	}
	for (size_t i = 0; i < cc->nmembers; i++)
		found_self |= self && strcmp(cc->members[i].name, self) == 0;
	if (self && cc->nmembers && !found_self && in_list)
		err_at(c, list, "cluster.members: this node (%s) is not a member of cluster \"%s\"",
		       self, cc->name);
	else if (self && cc->nmembers && !found_self)
		err_at(c, list, "cluster.members: this node (%s) is not a member", self);
}

static void parse_group_addr(struct ctx *c, const config_setting_t *g, struct cluster_conf *cc)
{
	const config_setting_t *s = config_setting_get_member(g, "group");
	const char *v;

	if (!s || !(v = get_string(c, s, "cluster.")))
		return;
	if (!ip_addr_parse(v, &cc->group) || !ip_addr_is_multicast(&cc->group)) {
		err_at(c, s, "cluster.group: \"%s\" is not a multicast address", v);
		memset(&cc->group, 0, sizeof(cc->group));
	} else if (!cc->interface) {
		err_at(c, s, "cluster.group: a multicast group needs cluster.interface");
	}
}

/* The smallest advert_interval bounds dead_interval and vote_lease (the
 * failover rules); a witness has none: NO_ADVERT_BOUND leaves only the
 * rules of the heartbeats. */
#define NO_ADVERT_BOUND UINT32_MAX

static uint32_t min_advert_interval(const struct clustd_config *cfg)
{
	uint32_t min = UINT32_MAX;

	for (size_t i = 0; i < cfg->ninstances; i++)
		if (cfg->instances[i].advert_interval_ms && cfg->instances[i].advert_interval_ms < min)
			min = cfg->instances[i].advert_interval_ms;
	if (cfg->witness)
		return NO_ADVERT_BOUND;
	return min == UINT32_MAX ? 1000 : min;
}

/* The safety bound of doc/quorum.md (quorum_bound_ok()): an isolated
 * master gives up within dead_interval + slack; a backup takes over no
 * sooner than 2 x interval. False when no valid dead_interval results. */
static bool parse_dead_interval(struct ctx *c, const config_setting_t *g, struct cluster_conf *cc,
				uint32_t min_adv)
{
	const config_setting_t *s = config_setting_get_member(g, "dead_interval");
	uint32_t hb = cc->heartbeat_interval_ms, limit = 2 * min_adv;
	long long v;

	if (!s) {
		uint32_t d = quorum_dead_max_ms(cc->slack_ms, min_adv);
		cc->dead_interval_ms = d < 10 * hb ? d : 10 * hb;
		if (cc->dead_interval_ms >= 3 * hb)
			return true;
		err_at(c, g, "cluster: no dead_interval fits: it must be at least 3 heartbeats "
		       "(%u ms) and at most 2 x advert_interval - slack (%u ms); lower "
		       "heartbeat_interval or raise advert_interval", 3 * hb, d);
		return false;
	}
	if (!get_int_range(c, s, "cluster.", 30, 600000, &v))
		return false;
	cc->dead_interval_ms = (uint32_t)v;
	if (cc->dead_interval_ms < 3 * hb)
		err_at(c, s, "cluster.dead_interval: %u ms is less than 3 heartbeats (%u ms): one lost "
		       "heartbeat would drop a member", cc->dead_interval_ms, 3 * hb);
	else if (!quorum_bound_ok(cc->dead_interval_ms, cc->slack_ms, min_adv))
		err_at(c, s, "cluster.dead_interval: %u ms + slack %u ms exceeds 2 x the smallest "
		       "advert_interval (%u ms): an isolated master could still hold its VIPs when a "
		       "backup takes over (see doc/quorum.md)", cc->dead_interval_ms, cc->slack_ms, limit);
	else
		return true;
	return false;
}

static const char *lease_rule_failed(const struct cluster_conf *cc, uint32_t lease_ms,
				     uint32_t min_adv, uint32_t *bound_ms)
{
	return votes_timing_check(lease_ms, cc->slack_ms, cc->heartbeat_interval_ms, min_adv,
				  bound_ms);
}

/* The votes' timing rules (votes_timing_check(), doc/quorum.md): an
 * explicit vote_lease must pass them; the default is dead_interval, or
 * else the least lease the renewal rule allows, when that passes. */
static void parse_vote_lease(struct ctx *c, const config_setting_t *g, struct cluster_conf *cc,
			     uint32_t min_adv, bool dead_ok)
{
	const config_setting_t *s = config_setting_get_member(g, "vote_lease");
	uint32_t bound = 0, least = 0;
	const char *why;
	long long v;

	if (s) {
		if (!get_int_range(c, s, "cluster.", 1, 600000, &v))
			return;
		cc->vote_lease_ms = (uint32_t)v;
		if ((why = lease_rule_failed(cc, cc->vote_lease_ms, min_adv, &bound)))
			err_at(c, s, "cluster.vote_lease: %u ms %s (%s %u ms; see doc/quorum.md)",
			       cc->vote_lease_ms, why, bound > cc->vote_lease_ms ? "at least" : "at most",
			       bound);
		return;
	}
	if (!dead_ok)
		return;
	cc->vote_lease_ms = cc->dead_interval_ms;
	if (!lease_rule_failed(cc, cc->vote_lease_ms, min_adv, &bound))
		return;
	lease_rule_failed(cc, 0, min_adv, &least); /* 0 fails the renewal rule: its bound */
	cc->vote_lease_ms = least;
	if (!lease_rule_failed(cc, least, min_adv, &bound) || quorum_needed(cc->nmembers, cc->quorum) <= 1)
		return; /* (without votes the lease is never used) */
	err_at(c, g, "cluster: no vote_lease fits: it must be at least %u ms (renewal: 4 heartbeats "
	       "+ slack) and at most %u ms (failover: 2 x the smallest advert_interval); lower "
	       "heartbeat_interval or slack, or raise advert_interval", least, bound);
}

/* Printable ASCII without space: it shows in logs, status and labels. */
static bool valid_cluster_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CLUSTD_NAME_MAX)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

static void parse_cluster_name(struct ctx *c, const config_setting_t *g, struct cluster_conf *cc)
{
	const config_setting_t *s = config_setting_get_member(g, "name");
	const char *v;

	snprintf(cc->name, sizeof(cc->name), "%s", CLUSTD_DEFAULT_CLUSTER_NAME);
	if (!s || !(v = get_string(c, s, "cluster.")))
		return;
	if (!valid_cluster_name(v))
		err_at(c, s, "cluster.name: \"%s\" is not a valid cluster name (1..63 printable "
		       "ASCII characters, no space)", v);
	else
		snprintf(cc->name, sizeof(cc->name), "%s", v);
}

/* One cluster group: the `cluster` group, or an element of a witness's
 * list of them (in_list). */
static void parse_one_cluster(struct ctx *c, const config_setting_t *g, struct clustd_config *cfg,
			      struct cluster_conf *cc, bool in_list)
{
	const config_setting_t *s;
	uint32_t min_adv = min_advert_interval(cfg);

	cc->enabled = true;
	cc->port = CLUSTD_CLUSTER_PORT;
	cc->heartbeat_interval_ms = 100;
	cc->slack_ms = 50;
	check_keys(c, g, "in cluster", cluster_keys);
	parse_cluster_name(c, g, cc);
	if ((s = require_key(c, g, "secret_file", "cluster")))
		take_path(c, s, "cluster.", &cc->secret_file);
	if ((s = config_setting_get_member(g, "interface"))) {
		const char *v = get_string(c, s, "cluster.");
		if (v && !ifname_valid(v))
			err_at(c, s, "cluster.interface: \"%s\" is not a valid interface name", v);
		else if (v)
			copy_string(v, &cc->interface);
	}
	uint32_t port = cc->port;
	opt_u32(c, g, "cluster.", "port", 1, 65535, &port);
	cc->port = (uint16_t)port;
	parse_group_addr(c, g, cc);
	opt_u32(c, g, "cluster.", "heartbeat_interval", 10, 10000, &cc->heartbeat_interval_ms);
	opt_u32(c, g, "cluster.", "slack", 0, 10000, &cc->slack_ms);
	parse_members(c, g, cc, cfg->node.name, in_list);
	bool dead_ok = parse_dead_interval(c, g, cc, min_adv);
	if ((s = config_setting_get_member(g, "quorum"))) {
		uint32_t q = 0;
		opt_u32(c, g, "cluster.", "quorum", 0, CLUSTD_MAX_PEERS, &q);
		if (q > cc->nmembers && cc->nmembers)
			err_at(c, s, "cluster.quorum: %u is more than the %zu members", q, cc->nmembers);
		cc->quorum = q;
	}
	parse_vote_lease(c, g, cc, min_adv, dead_ok);
}

static struct cluster_conf *cluster_at(struct clustd_config *cfg, size_t i)
{
	return i == 0 ? &cfg->cluster : &cfg->more_clusters[i - 1];
}

static sa_family_t cluster_family(const struct cluster_conf *cc)
{
	if (cc->group.family != AF_UNSPEC)
		return cc->group.family;
	return cc->nmembers ? cc->members[0].addr.family : AF_UNSPEC;
}

/* The clusters of one witness share its process: each needs its own name
 * (status, metrics, reload) and its own UDP port, or two sockets would
 * share the heartbeats of both (SO_REUSEADDR). at[i] is cluster i's group. */
static void check_clusters_apart(struct ctx *c, const struct clustd_config *cfg,
				 const config_setting_t *const *at)
{
	for (size_t i = 1; i < cfg->nclusters; i++) {
		const struct cluster_conf *b = conf_cluster(cfg, i);

		for (size_t k = 0; k < i; k++) {
			const struct cluster_conf *a = conf_cluster(cfg, k);

			if (strcmp(a->name, b->name) == 0) {
				err_at(c, at[i], "cluster: the name \"%s\" is used twice (also at line %d): "
				       "each cluster of a witness needs its own name", b->name,
				       setting_line(at[k]));
				break;
			}
			if (a->port == b->port && cluster_family(a) == cluster_family(b)) {
				err_at(c, at[i], "cluster \"%s\": port %u is already used by cluster "
				       "\"%s\" (line %d): each cluster of a witness needs its own port",
				       b->name, b->port, a->name, setting_line(at[k]));
				break;
			}
		}
	}
}

/* `cluster`: one group, or (a witness) a list of groups, one per cluster
 * served. A node with instances serves one cluster: a list of one is
 * taken as that group. */
static void parse_clusters(struct ctx *c, const config_setting_t *root, struct clustd_config *cfg)
{
	const config_setting_t *s = config_setting_get_member(root, "cluster");
	const config_setting_t **at;
	int n;

	if (!s)
		return;
	if (config_setting_type(s) == CONFIG_TYPE_GROUP) {
		parse_one_cluster(c, s, cfg, &cfg->cluster, false);
		cfg->nclusters = 1;
		return;
	}
	n = config_setting_type(s) == CONFIG_TYPE_LIST ? config_setting_length(s) : 0;
	if (n == 0) {
		err_at(c, s, "cluster: expected a group { ... } or, on a witness, a list of 1..%d groups "
		       "( { ... }, ... ), got %s", CLUSTD_MAX_CLUSTERS,
		       config_setting_type(s) == CONFIG_TYPE_LIST ? "an empty list" :
		       type_name(config_setting_type(s)));
		return;
	}
	if (n > 1 && !cfg->witness) {
		err_at(c, s, "cluster: a node with instances serves one cluster (this list has %d); "
		       "only a witness (no instances) serves several", n);
		return;
	}
	if (n > CLUSTD_MAX_CLUSTERS) {
		err_at(c, s, "cluster: a witness serves at most %d clusters (this list has %d)",
		       CLUSTD_MAX_CLUSTERS, n);
		return;
	}
	at = xcalloc((size_t)n, sizeof(*at));
	cfg->more_clusters = xcalloc((size_t)n, sizeof(*cfg->more_clusters));
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);

		if (!list_group(c, g, "cluster"))
			continue;
		at[cfg->nclusters] = g;
		parse_one_cluster(c, g, cfg, cluster_at(cfg, cfg->nclusters), true);
		cfg->nclusters++;
	}
	check_clusters_apart(c, cfg, at);
	for (size_t i = 0; i < cfg->nclusters; i++)
		cluster_at(cfg, i)->name_in_logs = cfg->nclusters > 1;
	free(at);
}

/* ---- sync groups ----------------------------------------------------- */

static void parse_group_members(struct ctx *c, const config_setting_t *s, struct sync_group_conf *sg,
				const struct clustd_config *cfg)
{
	if ((config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST) ||
	    config_setting_length(s) == 0 || config_setting_length(s) > CLUSTD_MAX_TRACK) {
		err_at(c, s, "sync_groups.instances: expected [ \"name\", ... ] with 1..%d instances",
		       CLUSTD_MAX_TRACK);
		return;
	}
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = get_string(c, e, "sync_groups.instances.");
		if (!v)
			continue;
		if (!conf_find_instance(cfg, v)) {
			err_at(c, e, "sync_groups.instances: no instance named \"%s\"", v);
			continue;
		}
		for (size_t g = 0; g < cfg->nsync_groups; g++)
			for (size_t k = 0; k < cfg->sync_groups[g].ninstances; k++)
				if (cfg->sync_groups[g].instances[k] &&
				    strcmp(cfg->sync_groups[g].instances[k], v) == 0)
					err_at(c, e, "sync_groups.instances: \"%s\" is already in group %s", v,
					       cfg->sync_groups[g].name ? cfg->sync_groups[g].name : "?");
		copy_string(v, &sg->instances[sg->ninstances++]);
	}
}

static void parse_sync_groups(struct ctx *c, const config_setting_t *root, struct clustd_config *cfg)
{
	const config_setting_t *l = config_setting_get_member(root, "sync_groups"), *s;

	if (!l)
		return;
	if (config_setting_type(l) != CONFIG_TYPE_LIST) {
		type_error(c, l, "", "a list of groups ( { ... }, ... )");
		return;
	}
	cfg->sync_groups = xcalloc((size_t)config_setting_length(l) + 1, sizeof(*cfg->sync_groups));
	for (int i = 0; i < config_setting_length(l); i++) {
		const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
		struct sync_group_conf *sg = &cfg->sync_groups[cfg->nsync_groups];

		if (!list_group(c, g, "sync_groups"))
			continue;
		sg->line = setting_line(g);
		sg->notify.timeout_ms = 10000;
		check_keys(c, g, "in sync_groups", group_keys);
		if ((s = require_key(c, g, "name", "sync_groups")))
			take_name(c, s, "sync_groups.", &sg->name);
		for (size_t k = 0; sg->name && k < cfg->nsync_groups; k++)
			if (cfg->sync_groups[k].name && strcmp(cfg->sync_groups[k].name, sg->name) == 0)
				err_at(c, g, "sync_groups: group name %s is used twice", sg->name);
		if ((s = require_key(c, g, "instances", "sync_groups")))
			parse_group_members(c, s, sg, cfg);
		parse_notify_into(c, g, &sg->notify);
		cfg->nsync_groups++;
	}
}

/* Every instance must fit the cluster plane's heartbeat, or the ones left
 * out would escape the VIP hold-back (CLUSTER_MAX_INSTANCES, sized so the
 * largest heartbeat still fits one datagram). The error names the first
 * instance that does not fit. */
static void check_heartbeat_room(struct ctx *c, const config_setting_t *list,
				 const struct clustd_config *cfg)
{
	if (!cfg->cluster.enabled || !list || cfg->ninstances <= CLUSTER_MAX_INSTANCES)
		return;
	const struct instance_conf *ic = &cfg->instances[CLUSTER_MAX_INSTANCES];
	err_at(c, config_setting_get_elem(list, CLUSTER_MAX_INSTANCES),
	       "instance \"%s\": a cluster plane carries at most %d instances in its heartbeat "
	       "(this config has %zu)", ic->name ? ic->name : "?", CLUSTER_MAX_INSTANCES,
	       cfg->ninstances);
}

static struct clustd_config *build_model(struct ctx *c, const config_setting_t *root)
{
	struct clustd_config *cfg = xcalloc(1, sizeof(*cfg));
	const config_setting_t *list;

	bool has_cluster = config_setting_get_member(root, "cluster") != NULL;

	cfg->path = xstrdup(c->path);
	check_keys(c, root, "at top level", top_keys);
	parse_node(c, root, &cfg->node);
	list = instance_list(c, root, has_cluster);
	if (list)
		parse_instances(c, list, cfg);
	cfg->witness = has_cluster && cfg->ninstances == 0;
	parse_clusters(c, root, cfg);
	check_heartbeat_room(c, list, cfg);
	parse_sync_groups(c, root, cfg);
	return cfg;
}

/* ---- reading the file ------------------------------------------------ */

/* libconfig 1.5 silently wraps an integer literal without the L suffix to
 * 32 bits (vrid = 4294967347 reads as 51). Find such literals in the raw
 * text of the main file and of every file it includes, skipping comments
 * and strings, and reject them. */

static bool word_char(char ch)
{
	return ascii_alnum(ch) || ch == '_' || ch == '*' || ch == '.';
}

/* A number starts at buf[i]; returns the index just past it. */
static size_t scan_number(struct ctx *c, const char *file, const char *buf, size_t n, size_t i, int line,
			  bool neg)
{
	size_t start = i;
	unsigned long long v = 0, limit;
	bool hex = buf[i] == '0' && i + 1 < n && (buf[i + 1] == 'x' || buf[i + 1] == 'X');
	int base = hex ? 16 : 10;

	if (hex)
		i += 2;
	for (; i < n && (hex ? isxdigit((unsigned char)buf[i]) : isdigit((unsigned char)buf[i])); i++) {
		int d = isdigit((unsigned char)buf[i]) ? buf[i] - '0' : tolower((unsigned char)buf[i]) - 'a' + 10;

		v = v > ULLONG_MAX / 32 ? ULLONG_MAX / 32 : v * (unsigned)base + (unsigned)d;
	}
	if (i < n && (buf[i] == 'L' || (!hex && (buf[i] == '.' || buf[i] == 'e' || buf[i] == 'E'))))
		return i + 1; /* 64-bit or floating point: libconfig reads those right */
	limit = hex ? 0x7fffffffULL : neg ? 2147483648ULL : 2147483647ULL;
	if (v > limit)
		err_line(c, file, line, "integer %s%.*s does not fit in 32 bits "
			 "(libconfig would silently truncate it)", neg ? "-" : "", (int)(i - start), buf + start);
	return i;
}

static size_t skip_comment(const char *buf, size_t n, size_t i, int *line)
{
	if (buf[i] == '#' || buf[i + 1] == '/') {
		while (i < n && buf[i] != '\n')
			i++;
		return i;
	}
	for (i += 2; i < n && !(buf[i] == '*' && i + 1 < n && buf[i + 1] == '/'); i++)
		*line += buf[i] == '\n';
	return i + 2;
}

static size_t skip_string(const char *buf, size_t n, size_t i, int *line)
{
	for (i++; i < n && buf[i] != '"'; i++) {
		if (buf[i] == '\\' && i + 1 < n)
			i++;
		*line += buf[i] == '\n';
	}
	return i + 1;
}

/* The whole of fd (closed), NUL-terminated; NULL with errno set on failure. */
static char *read_all(int fd, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t got;

	*len = 0;
	do {
		if (*len + 1 >= cap)
			buf = xrealloc(buf, cap = cap ? 2 * cap : 8192);
		got = read(fd, buf + *len, cap - *len - 1);
		*len += got > 0 ? (size_t)got : 0;
	} while (got > 0 || (got < 0 && errno == EINTR));
	if (got < 0) {
		int e = errno;

		free(buf);
		close(fd);
		errno = e;
		return NULL;
	}
	close(fd);
	buf[*len] = '\0';
	return buf;
}

/* libconfig nests includes at most this deep (and reports deeper ones). */
#define INCLUDE_DEPTH_MAX 10

static void scan_literals(struct ctx *c, const char *file, const char *buf, size_t n, int depth);

/* Scan an included file, named as libconfig names it. An include that
 * is not a regular file (a directory) makes libconfig's scanner exit the
 * process, so it is reported here and the file is not handed to libconfig;
 * one that cannot be opened libconfig reports itself. */
static void scan_included(struct ctx *c, const char *from, int line, const char *name, int depth)
{
	int fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	char *buf;
	size_t len;

	if (fd < 0 || depth > INCLUDE_DEPTH_MAX)
		goto out;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err_line(c, from, line, "@include \"%s\": not a regular file", name);
		c->bad_include = true;
		goto out;
	}
	c->names = xrealloc(c->names, (c->nnames + 1) * sizeof(*c->names));
	c->names[c->nnames] = xstrdup(name);
	name = c->names[c->nnames++];
	buf = read_all(fd, &len);
	fd = -1;
	if (buf)
		scan_literals(c, name, buf, len, depth);
	free(buf);
out:
	if (fd >= 0)
		close(fd);
}

/* libconfig takes `@include "file"` only as the first thing on a line. */
static size_t scan_include(struct ctx *c, const char *file, const char *buf, size_t n, size_t i, int line,
			   int depth)
{
	static const char kw[] = "@include";
	size_t k = i + sizeof(kw) - 1, end;
	char *name;

	for (size_t b = i; b > 0 && buf[b - 1] != '\n'; b--)
		if (buf[b - 1] != ' ' && buf[b - 1] != '\t')
			return i + 1;
	if (n - i < sizeof(kw) - 1 || memcmp(buf + i, kw, sizeof(kw) - 1) != 0)
		return i + 1;
	while (k < n && (buf[k] == ' ' || buf[k] == '\t'))
		k++;
	if (k == n || buf[k] != '"')
		return k;
	for (end = k + 1; end < n && buf[end] != '"' && buf[end] != '\n'; end++)
		;
	if (end == n || buf[end] != '"')
		return end;
	name = xstrndup(buf + k + 1, end - k - 1);
	scan_included(c, file, line, name, depth + 1);
	free(name);
	return end + 1;
}

static void scan_literals(struct ctx *c, const char *file, const char *buf, size_t n, int depth)
{
	int line = 1;

	for (size_t i = 0; i < n;) {
		char ch = buf[i];
		bool neg = i > 0 && buf[i - 1] == '-' && (i < 2 || !word_char(buf[i - 2]));

		if (ch == '\n') {
			line++;
			i++;
		} else if (ch == '#' || (ch == '/' && i + 1 < n && (buf[i + 1] == '/' || buf[i + 1] == '*'))) {
			i = skip_comment(buf, n, i, &line);
		} else if (ch == '"') {
			i = skip_string(buf, n, i, &line);
		} else if (ch == '@') {
			i = scan_include(c, file, buf, n, i, line, depth);
		} else if (isdigit((unsigned char)ch) && (i == 0 || !word_char(buf[i - 1])) &&
			   (neg || i == 0 || buf[i - 1] != '-')) {
			i = scan_number(c, file, buf, n, i, line, neg);
		} else {
			i++;
		}
	}
}

/* Run in the directory of path; returns the caller's directory (an fd),
 * or -1 when either cannot be opened. */
static int enter_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	int back = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *dir;
	int rc;

	if (back < 0 || !slash)
		return back;
	dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	rc = chdir(dir);
	free(dir);
	if (rc < 0) {
		close(back);
		return -1;
	}
	return back;
}

static void leave_dir(int back)
{
	/* Nothing after this depends on the working directory (every path
	 * in the config is absolute), so a failure here is only reported. */
	if (fchdir(back) < 0)
		fprintf(stderr, "clustd: cannot return to the working directory: %s\n", strerror(errno));
	close(back);
}

/* Read path into lc. libconfig 1.5 opens a relative @include against the
 * working directory, so `clustd -t` from a shell would read other files
 * than the daemon (and config_set_include_dir would also prefix absolute
 * includes). So libconfig parses the text read here, from within the config
 * file's directory: relative includes are found next to the main file. */
static bool read_config(struct ctx *c, config_t *lc)
{
	int fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), back;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	bool ok = false;

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		fd = -1;
		errno = EISDIR;
	}
	if (fd < 0 || !(buf = read_all(fd, &len))) {
		err_line(c, c->path, 0, "cannot read: %s", strerror(errno));
		return false;
	}
	if (strlen(buf) != len) {
		err_line(c, c->path, 0, "cannot read: the file holds a NUL byte");
	} else if ((back = enter_dir_of(c->path)) < 0) {
		err_line(c, c->path, 0, "cannot enter the directory of the file: %s", strerror(errno));
	} else {
		scan_literals(c, c->path, buf, len, 0);
		ok = !c->bad_include && config_read_string(lc, buf) == CONFIG_TRUE;
		if (!ok && !c->bad_include)
			err_line(c, config_error_file(lc) ? config_error_file(lc) : c->path,
				 config_error_line(lc), "syntax error: %s", config_error_text(lc));
		leave_dir(back);
	}
	free(buf);
	return ok;
}

/* Frees what c holds besides the errors. */
static void ctx_release(struct ctx *c)
{
	for (size_t i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c->names);
	c->names = NULL;
	c->nnames = 0;
}

/* ---- load / free ----------------------------------------------------- */

/* Fingerprint the secret's content (see secret_digest in model.h). An
 * unreadable file leaves it zero: the checks and the daemon report that. */
static void digest_secret(struct cluster_conf *cc)
{
	crypto_generichash_state st;
	uint8_t buf[4096];
	struct stat sb;
	ssize_t n = 0;
	int fd;

	memset(cc->secret_digest, 0, sizeof(cc->secret_digest));
	if (!cc->enabled || !cc->secret_file || sodium_init() < 0)
		return;
	fd = open(cc->secret_file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		crypto_generichash_init(&st, NULL, 0, sizeof(cc->secret_digest));
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			crypto_generichash_update(&st, buf, (size_t)n);
		if (n == 0)
			crypto_generichash_final(&st, cc->secret_digest, sizeof(cc->secret_digest));
		sodium_memzero(&st, sizeof(st));
		sodium_memzero(buf, sizeof(buf));
	}
	close(fd);
}

int conf_load(const char *path, struct clustd_config **out, struct conf_errors *errs)
{
	struct ctx c = { .path = path };
	struct clustd_config *cfg = NULL;
	config_t lc;

	*out = NULL;
	config_init(&lc);
	if (read_config(&c, &lc))
		cfg = build_model(&c, config_root_setting(&lc));
	for (size_t i = 0; cfg && !c.failed && i < cfg->nclusters; i++)
		digest_secret(cluster_at(cfg, i));
	sort_errors(&c); /* while libconfig still owns the file names */
	config_destroy(&lc);
	ctx_release(&c);
	if (c.failed) {
		conf_free(cfg);
		flush_errors(&c, errs);
		return -1;
	}
	free(c.errs);
	*out = cfg;
	return 0;
}

static void notify_free(struct notify_conf *n)
{
	free(n->master);
	free(n->backup);
	free(n->fault);
	free(n->stop);
	free(n->any);
}

static void track_free(struct track_conf *t)
{
	for (size_t i = 0; i < t->nscripts; i++) {
		free(t->scripts[i].name);
		free(t->scripts[i].command);
		free(t->scripts[i].user);
		for (size_t k = 0; t->scripts[i].args && t->scripts[i].args[k]; k++)
			free(t->scripts[i].args[k]);
		free(t->scripts[i].args);
	}
	for (size_t i = 0; i < t->ninterfaces; i++)
		free(t->interfaces[i].name);
	for (size_t i = 0; i < t->nfiles; i++)
		free(t->files[i].path);
	for (size_t i = 0; i < t->nchecks; i++) {
		free(t->checks[i].name);
		free(t->checks[i].url);
		free(t->checks[i].host);
		free(t->checks[i].path);
		free(t->checks[i].body);
	}
}

static void instance_free(struct instance_conf *ic)
{
	track_free(&ic->track);
	notify_free(&ic->notify);
	for (size_t i = 0; i < ic->ndrivers; i++)
		free(ic->drivers[i].id);
	free(ic->name);
	free(ic->interface);
	free(ic->vmac_interface);
}

void conf_free(struct clustd_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->ninstances; i++)
		instance_free(&cfg->instances[i]);
	free(cfg->instances);
	free(cfg->node.name);
	free(cfg->node.state_dir);
	free(cfg->node.run_dir);
	free(cfg->node.metrics_file);
	free(cfg->node.driver_group);
	for (size_t i = 0; i < cfg->nsync_groups; i++) {
		free(cfg->sync_groups[i].name);
		for (size_t k = 0; k < cfg->sync_groups[i].ninstances; k++)
			free(cfg->sync_groups[i].instances[k]);
		notify_free(&cfg->sync_groups[i].notify);
	}
	free(cfg->sync_groups);
	for (size_t k = 0; k < cfg->nclusters; k++) {
		const struct cluster_conf *cc = conf_cluster(cfg, k);

		free(cc->secret_file);
		free(cc->interface);
		for (size_t i = 0; i < cc->nmembers; i++)
			free(cc->members[i].name);
	}
	free(cfg->more_clusters);
	free(cfg->path);
	free(cfg);
}

const struct instance_conf *conf_find_instance(const struct clustd_config *cfg, const char *name)
{
	if (!cfg || !name)
		return NULL;
	for (size_t i = 0; i < cfg->ninstances; i++)
		if (cfg->instances[i].name && strcmp(cfg->instances[i].name, name) == 0)
			return &cfg->instances[i];
	return NULL;
}

/* ---- notify scripts on disk ------------------------------------------ */

/* The model keeps only the instance's line; for the exact line of a
 * notify key, read the file again (lazily, only when there is a problem). */
struct script_check {
	const struct clustd_config *cfg;
	struct conf_errors *errs;
	/* For scripts outside an instance's notify group (track scripts,
	 * group notifies): where to point and what to call them. */
	const char *label;
	int line;
	config_t lc;
	int loaded;   /* 0 not tried, 1 loaded, -1 failed */
};

static const config_setting_t *find_notify_key(struct script_check *sc, const struct instance_conf *ic,
					       const char *key)
{
	const config_setting_t *list, *s;
	const char *name;

	if (sc->loaded == 0) {
		struct ctx c = { .path = sc->cfg->path };

		config_init(&sc->lc);
		sc->loaded = read_config(&c, &sc->lc) ? 1 : -1;
		ctx_release(&c);
		flush_errors(&c, NULL); /* conf_load reported them */
	}
	if (sc->loaded < 0)
		return NULL;
	list = config_setting_get_member(config_root_setting(&sc->lc), "instances");
	for (int i = 0; list && i < config_setting_length(list); i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);

		if (config_setting_type(g) != CONFIG_TYPE_GROUP ||
		    config_setting_lookup_string(g, "name", &name) != CONFIG_TRUE || strcmp(name, ic->name) != 0)
			continue;
		s = config_setting_get_member(g, "notify");
		s = s && config_setting_type(s) == CONFIG_TYPE_GROUP ? config_setting_get_member(s, key) : NULL;
		return s && config_setting_type(s) == CONFIG_TYPE_STRING ? s : NULL;
	}
	return NULL;
}

__attribute__((format(printf, 5, 6)))
static void script_problem(struct script_check *sc, const struct instance_conf *ic, const char *key,
			   const char *path, const char *fmt, ...)
{
	const config_setting_t *s = sc->label ? NULL : find_notify_key(sc, ic, key);
	const char *file = sc->cfg->path;
	int line = sc->label ? sc->line : ic->line;
	char *reason, *msg;
	va_list ap;

	if (s && strcmp(config_setting_get_string(s), path) == 0) {
		file = config_setting_source_file(s) ? config_setting_source_file(s) : file;
		line = setting_line(s);
	}
	va_start(ap, fmt);
	reason = xvasprintf(fmt, ap);
	va_end(ap);
	if (sc->label)
		msg = xasprintf("%s:%d: %s: %s %s", file, line, sc->label, path, reason);
	else
		msg = xasprintf("%s:%d: notify.%s: %s %s", file, line, key, path, reason);
	errs_push(sc->errs, msg);
	free(reason);
}

/* Root runs what is in the file: whoever can change the file or rename
 * it in its directory owns the machine. */
static bool trusted_owner(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

/* Every directory leading to walk (path itself, or where its symbolic
 * links lead); problems are reported against the configured path. */
static int check_script_dirs(struct script_check *sc, const struct instance_conf *ic, const char *key,
			     const char *path, const char *walk)
{
	char dir[PATH_MAX];
	struct stat st;
	int problems = 0;

	for (const char *p = walk; (p = strchr(p, '/')); p++) {
		size_t len = p == walk ? 1 : (size_t)(p - walk);

		memcpy(dir, walk, len);
		dir[len] = '\0';
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			break; /* the file check reports the missing part */
		if (!trusted_owner(&st)) {
			script_problem(sc, ic, key, path, "is in directory %s owned by uid %u "
				       "(notify scripts run as root)", dir, (unsigned)st.st_uid);
			problems++;
		} else if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
			script_problem(sc, ic, key, path, "is in directory %s writable by group or others "
				       "(notify scripts run as root)", dir);
			problems++;
		}
	}
	return problems;
}

static int check_script(struct script_check *sc, const struct instance_conf *ic, const char *key,
			const char *path)
{
	char real[PATH_MAX];
	struct stat st;
	int problems = 0;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			script_problem(sc, ic, key, path, "does not exist");
		else
			script_problem(sc, ic, key, path, "cannot be checked: %s", strerror(errno));
		return 1;
	}
	if (!S_ISREG(st.st_mode)) {
		script_problem(sc, ic, key, path, "is not a regular file");
		return 1;
	}
	if (!(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) {
		script_problem(sc, ic, key, path, "is not executable");
		problems++;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		script_problem(sc, ic, key, path, "is writable by group or others (notify scripts run as root)");
		problems++;
	}
	if (!trusted_owner(&st)) {
		script_problem(sc, ic, key, path, "is owned by uid %u (notify scripts run as root)",
			       (unsigned)st.st_uid);
		problems++;
	}
	problems += check_script_dirs(sc, ic, key, path, path);
	if (realpath(path, real) && strcmp(real, path) != 0)
		problems += check_script_dirs(sc, ic, key, path, real);
	return problems;
}

static int check_labelled(struct script_check *sc, const struct instance_conf *ic, int line,
			  const char *path, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int check_labelled(struct script_check *sc, const struct instance_conf *ic, int line,
			  const char *path, const char *fmt, ...)
{
	char label[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(label, sizeof(label), fmt, ap);
	va_end(ap);
	sc->label = label;
	sc->line = line;
	int problems = check_script(sc, ic, NULL, path);
	sc->label = NULL;
	return problems;
}

static int check_track_scripts(struct script_check *sc, const struct instance_conf *ic)
{
	int problems = 0;

	for (size_t i = 0; i < ic->track.nscripts; i++) {
		const struct track_script_conf *ts = &ic->track.scripts[i];
		problems += check_labelled(sc, ic, ts->line, ts->command, "track.scripts.%s.command",
					   ts->name);
		if (ts->user && !getpwnam(ts->user)) {
			errs_push(sc->errs, xasprintf("%s:%d: track.scripts.%s.user: no user \"%s\"",
						      sc->cfg->path, ts->line, ts->name, ts->user));
			problems++;
		}
	}
	return problems;
}

static int check_group_scripts(struct script_check *sc)
{
	int problems = 0;

	for (size_t g = 0; g < sc->cfg->nsync_groups; g++) {
		const struct sync_group_conf *sg = &sc->cfg->sync_groups[g];
		const struct instance_conf fake = { .line = sg->line };
		const char *paths[] = { sg->notify.master, sg->notify.backup, sg->notify.fault,
					sg->notify.stop, sg->notify.any };
		const char *keys[] = { "master", "backup", "fault", "stop", "any" };
		for (size_t k = 0; k < 5; k++)
			if (paths[k])
				problems += check_labelled(sc, &fake, sg->line, paths[k],
							   "sync_groups.%s.notify.%s", sg->name, keys[k]);
	}
	return problems;
}

static int check_secret_file(const struct clustd_config *cfg, const struct cluster_conf *cc,
			     struct conf_errors *errs)
{
	const char *path = cc->secret_file;
	const char *why = NULL;
	struct stat st;
	char *msg;

	if (!cc->enabled || !path)
		return 0;

	/* Worded as the daemon says it when it reads the file. */
	if (stat(path, &st) < 0)
		why = strerror(errno);
	if (why)
		msg = xasprintf("%s:1: cluster.secret_file: cannot open secret file %s: %s",
			      cfg->path, path, why);
	else if (!S_ISREG(st.st_mode) || (st.st_mode & 077))
		msg = xasprintf("%s:1: cluster.secret_file: secret file %s must be a regular file "
			      "that group and others cannot access (chmod 600)", cfg->path, path);
	else if (!trusted_owner(&st)) /* another user could swap in a key of their choosing */
		msg = xasprintf("%s:1: cluster.secret_file: secret file %s is owned by uid %u "
			      "(it must belong to root)", cfg->path, path, (unsigned)st.st_uid);
	else if (st.st_size < 16)
		msg = xasprintf("%s:1: cluster.secret_file: secret file %s: need at least 16 bytes "
			      "of secret", cfg->path, path);
	else
		return 0;
	errs_push(errs, msg);
	return 1;
}

/* Where node.<key> is set (or the node group, or line 1 for a default). */
static int node_key_line(struct script_check *sc, const char *key, const char **file)
{
	const config_setting_t *s = NULL;

	*file = sc->cfg->path;
	if (sc->loaded == 0) {
		config_init(&sc->lc);
		sc->loaded = config_read_file(&sc->lc, sc->cfg->path) ? 1 : -1;
	}
	if (sc->loaded > 0) {
		const config_setting_t *node = config_lookup(&sc->lc, "node");

		s = node && config_setting_is_group(node) ? config_setting_get_member(node, key) : NULL;
		s = s ? s : node;
	}
	if (!s)
		return 1;
	*file = config_setting_source_file(s) ? config_setting_source_file(s) : *file;
	return setting_line(s);
}

/* state_dir and run_dir (B1): root writes there (incarnation, counters,
 * pid file, control socket), so nobody else may write there: a planted
 * link would make root write, truncate or chmod another file. A missing
 * directory is fine (the daemon creates it, 0755). Reported at the line
 * of the setting (or of the node group, or 1 for a default). */
static int check_private_dir(struct script_check *sc, const char *key, const char *dir)
{
	char why[PATH_MAX + 128];
	const char *file;
	int line;

	if (!dir || atomic_dir_check(dir, why, sizeof(why)) >= 0)
		return 0;
	line = node_key_line(sc, key, &file);
	errs_push(sc->errs, xasprintf("%s:%d: node.%s: %s", file, line, key, why));
	return 1;
}

/* The driver socket's group must exist: the socket is made for it. */
static int check_driver_group(struct script_check *sc)
{
	const char *group = sc->cfg->node.driver_group, *file;
	int line;

	if (!group || getgrnam(group))
		return 0;
	line = node_key_line(sc, "driver_group", &file);
	errs_push(sc->errs, xasprintf("%s:%d: node.driver_group: no group \"%s\" on this system",
				      file, line, group));
	return 1;
}

bool conf_script_usable(const char *path, char **why)
{
	struct clustd_config cfg = { .path = (char *)"" };
	struct conf_errors errs = {0};
	struct script_check sc = { .cfg = &cfg, .errs = &errs };
	int problems = check_labelled(&sc, NULL, 0, path, "script");

	*why = NULL;
	if (problems && errs.n) {
		/* "<file>:0: script: <path> <reason>": the reason alone */
		const char *r = strstr(errs.msgs[0], path);
		*why = xstrdup(r ? r + strlen(path) + (r[strlen(path)] == ' ') : errs.msgs[0]);
	}
	conf_errors_free(&errs);
	return problems == 0;
}

int conf_check_scripts(const struct clustd_config *cfg, struct conf_errors *errs)
{
	struct script_check sc = { .cfg = cfg, .errs = errs };
	int problems = 0;

	if (!cfg)
		return 0;
	for (size_t i = 0; i < cfg->ninstances; i++) {
		const struct instance_conf *ic = &cfg->instances[i];
		const struct {
			const char *key;
			const char *path;
		} scripts[] = {
			{ "master", ic->notify.master }, { "backup", ic->notify.backup },
			{ "fault", ic->notify.fault }, { "stop", ic->notify.stop }, { "any", ic->notify.any },
		};

		for (size_t k = 0; k < sizeof(scripts) / sizeof(scripts[0]); k++)
			if (scripts[k].path)
				problems += check_script(&sc, ic, scripts[k].key, scripts[k].path);
		problems += check_track_scripts(&sc, ic);
	}
	problems += check_group_scripts(&sc);
	for (size_t i = 0; i < cfg->nclusters; i++)
		problems += check_secret_file(cfg, conf_cluster(cfg, i), errs);
	problems += check_private_dir(&sc, "state_dir", cfg->node.state_dir);
	problems += check_private_dir(&sc, "run_dir", cfg->node.run_dir);
	problems += check_driver_group(&sc);
	if (sc.loaded)
		config_destroy(&sc.lc);
	return problems;
}
