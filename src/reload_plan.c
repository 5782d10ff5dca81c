/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reload_plan.c - pure reload diff (see reload_plan.h). */
#include "reload_plan.h"

#include <string.h>

#include "conf.h"

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
	out->restart_tracking = !conf_track_equal(&old->track, &ic->track);
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
