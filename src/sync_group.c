/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sync_group.c - sync groups at run time: lists a group's members for
 * group_policy.c (which decides), makes the others follow a member that
 * moved, runs the group's notify scripts, builds and frees the groups. */
#include "instance_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "group_policy.h"
#include "ledger.h"
#include "log.h"
#include "notify.h"
#include "script.h"
#include "xalloc.h"

/* The members of g, in instance order; *self is in's index (n when in is
 * not among them). conf.c allows at most CLUSTD_MAX_TRACK names a group. */
static size_t members_of(const struct clustd *c, const struct group_rt *g,
			 const struct instance *in, struct group_member *out, size_t *self)
{
	size_t n = 0;

	*self = CLUSTD_MAX_TRACK;
	for (const struct instance *m = c->instances; m && n < CLUSTD_MAX_TRACK; m = m->next) {
		if (m->group != g)
			continue;
		if (m == in)
			*self = n;
		out[n++] = (struct group_member){.fsm = &m->fsm, .own_faults = m->own_faults};
	}
	return n;
}

bool group_sibling_defers(const struct instance *in, uint64_t now)
{
	struct group_member m[CLUSTD_MAX_TRACK];
	size_t self;

	if (!in->group)
		return false;
	size_t n = members_of(in->c, in->group, in, m, &self);
	return group_policy_sibling_defers(m, n, self, now);
}

bool group_sibling_faulted(const struct instance *in)
{
	struct group_member m[CLUSTD_MAX_TRACK];
	size_t self;

	if (!in->group)
		return false;
	size_t n = members_of(in->c, in->group, in, m, &self);
	return group_policy_sibling_faulted(m, n, self);
}

static enum vrrp_state group_state(const struct clustd *c, const struct group_rt *g)
{
	struct group_member m[CLUSTD_MAX_TRACK];
	size_t self;
	size_t n = members_of(c, g, NULL, m, &self);

	return group_policy_state(m, n);
}

static void group_notify_done(void *arg, const struct script_result *res)
{
	struct clustd *c = arg;

	clustd_count_script(c, res, &ledger_counters(c->ledger)->node[NC_GROUP_NOTIFY_RUNS],
			    &ledger_counters(c->ledger)->node[NC_GROUP_NOTIFY_SKIPPED]);
}

static void group_queue(struct group_rt *g, const char *script, enum vrrp_state from,
			enum vrrp_state to, const char *reason)
{
	struct notify_msg msg;

	if (!script)
		return;
	notify_msg_build_group(&msg, script, g->conf, from, to, reason);
	script_queue_push(g->notify_q, script, msg.argv, msg.env, g->conf->notify.timeout_ms);
	notify_msg_free(&msg);
}

static void group_notify(struct clustd *c, struct group_rt *g, const char *reason)
{
	enum vrrp_state st = group_state(c, g), from = g->notified;

	if (!group_policy_notify_due(st, from, c->shut_down))
		return;
	g->notified = st;
	log_notice("sync group %s: %s -> %s: %s", g->conf->name, vrrp_state_name(from),
		   vrrp_state_name(st), reason);
	script_queue_begin_batch(g->notify_q, NOTIFY_PREV_STATE_ENV);
	group_queue(g, notify_script_for(&g->conf->notify, st), from, st, reason);
	group_queue(g, g->conf->notify.any, from, st, reason);
}

/* Each member's verdict is taken when its turn comes: following may move
 * a member, and its own siblings follow in turn (recursively). */
void group_follow(struct instance *in, const struct fsm_out *o)
{
	struct clustd *c = in->c;
	char why[160];
	struct fsm_out mo;

	group_policy_follow_reason(in->group->conf->name, in->conf->name, o->to, why, sizeof(why));
	for (struct instance *m = c->instances; m; m = m->next) {
		if (m == in || m->group != in->group)
			continue;
		switch (group_policy_follow(o->from, o->to, m->fsm.state)) {
		case GROUP_FOLLOW_STEP_DOWN:
			fsm_step_down(&m->fsm, why, mono_now_us(), &mo);
			break;
		case GROUP_FOLLOW_JOIN_MASTER:
			fsm_join_master(&m->fsm, why, mono_now_us(), &mo);
			break;
		case GROUP_FOLLOW_NONE:
			continue;
		}
		instance_apply(m, &mo);
	}
	group_notify(c, in->group, o->reason);
}

void groups_free(struct clustd *c)
{
	while (c->groups) {
		struct group_rt *g = c->groups;
		c->groups = g->next;
		if (c->shut_down)
			script_queue_free(g->notify_q);
		else
			clustd_retire_queue(c, g->notify_q);
		free(g);
	}
}

/* (Re)build the groups of the current config and point members at them. */
void groups_build(struct clustd *c)
{
	groups_free(c);
	for (size_t i = c->cfg->nsync_groups; i-- > 0;) {
		struct group_rt *g = xcalloc(1, sizeof(*g));

		g->conf = &c->cfg->sync_groups[i];
		g->notify_q = script_queue_new(c->scripts, g->conf->name);
		script_queue_on_done(g->notify_q, group_notify_done, c);
		g->next = c->groups;
		c->groups = g;
	}
	for (struct instance *in = c->instances; in; in = in->next) {
		in->group = NULL;
		for (struct group_rt *g = c->groups; g; g = g->next)
			for (size_t k = 0; k < g->conf->ninstances; k++)
				if (strcmp(g->conf->instances[k], in->conf->name) == 0)
					in->group = g;
	}
	for (struct group_rt *g = c->groups; g; g = g->next)
		g->notified = group_state(c, g);
}

