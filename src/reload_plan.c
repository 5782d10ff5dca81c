/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reload_plan.c - pure reload diff (see reload_plan.h). */
#include "reload_plan.h"

#include <string.h>

#include "model.h"

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool args_eq(char **a, char **b)
{
	size_t i = 0;

	for (; a && b && a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return (!a || !a[i]) && (!b || !b[i]);
}

static bool same_check(const struct track_check_conf *x, const struct track_check_conf *y)
{
	return str_eq(x->name, y->name) && x->kind == y->kind && ip_addr_equal(&x->addr, &y->addr) &&
	       x->port == y->port && str_eq(x->host, y->host) && str_eq(x->path, y->path) &&
	       x->head == y->head && memcmp(x->status_ok, y->status_ok, sizeof(x->status_ok)) == 0 &&
	       str_eq(x->body, y->body) && x->interval_ms == y->interval_ms &&
	       x->timeout_ms == y->timeout_ms && x->weight == y->weight && x->rise == y->rise &&
	       x->fall == y->fall && x->init_ok == y->init_ok && str_eq(x->url, y->url);
}

bool reload_same_track(const struct track_conf *a, const struct track_conf *b)
{
	if (a->nscripts != b->nscripts || a->ninterfaces != b->ninterfaces || a->nfiles != b->nfiles ||
	    a->nchecks != b->nchecks)
		return false;
	for (size_t i = 0; i < a->nchecks; i++)
		if (!same_check(&a->checks[i], &b->checks[i]))
			return false;
	for (size_t i = 0; i < a->nscripts; i++) {
		const struct track_script_conf *x = &a->scripts[i], *y = &b->scripts[i];
		if (!str_eq(x->name, y->name) || !str_eq(x->command, y->command) ||
		    !args_eq(x->args, y->args) || x->interval_ms != y->interval_ms ||
		    x->timeout_ms != y->timeout_ms || x->weight != y->weight || x->rise != y->rise ||
		    x->fall != y->fall || !str_eq(x->user, y->user) || x->init_ok != y->init_ok)
			return false;
	}
	for (size_t i = 0; i < a->ninterfaces; i++)
		if (!str_eq(a->interfaces[i].name, b->interfaces[i].name) ||
		    a->interfaces[i].weight != b->interfaces[i].weight)
			return false;
	for (size_t i = 0; i < a->nfiles; i++)
		if (!str_eq(a->files[i].path, b->files[i].path) || a->files[i].weight != b->files[i].weight)
			return false;
	return true;
}

bool reload_same_vmac(const struct instance_conf *a, const struct instance_conf *b)
{
	return a->use_vmac == b->use_vmac &&
	       (!a->use_vmac || strcmp(a->vmac_interface, b->vmac_interface) == 0);
}

bool reload_same_identity(const struct instance_conf *a, const struct instance_conf *b)
{
	return strcmp(a->interface, b->interface) == 0 && a->vrid == b->vrid &&
	       a->version == b->version && a->family == b->family && reload_same_vmac(a, b);
}

bool reload_has_vip(const struct instance_conf *ic, const struct vip *v)
{
	for (size_t i = 0; i < ic->nvips; i++)
		if (ip_addr_equal(&ic->vips[i].addr, &v->addr) && ic->vips[i].prefixlen == v->prefixlen)
			return true;
	return false;
}

/* The VIPs of from that to lacks, in from's order. */
static size_t vips_missing(const struct instance_conf *from, const struct instance_conf *to,
			   const struct vip **out)
{
	size_t n = 0;

	for (size_t i = 0; i < from->nvips && i < CLUSTD_MAX_VIPS; i++)
		if (!reload_has_vip(to, &from->vips[i]))
			out[n++] = &from->vips[i];
	return n;
}

void reload_plan_instance(const struct instance_conf *old, const struct instance_conf *ic,
			  struct reload_instance_plan *out)
{
	memset(out, 0, sizeof(*out));
	if (!old) {
		out->fate = RELOAD_START;
		return;
	}
	if (!reload_same_identity(old, ic)) {
		out->fate = RELOAD_RESTART;
		return;
	}
	out->fate = RELOAD_KEEP;
	out->restart_tracking = !reload_same_track(&old->track, &ic->track);
	out->ndrop = vips_missing(old, ic, out->drop);
	out->nadd = vips_missing(ic, old, out->add);
}

enum reload_cluster reload_plan_cluster(bool running, bool enabled, bool same_settings)
{
	if (running && enabled && same_settings)
		return RELOAD_CLUSTER_KEEP;
	if (!running && !enabled)
		return RELOAD_CLUSTER_NONE;
	return RELOAD_CLUSTER_RESTART;
}
