/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

const char *notify_state_word(enum vrrp_state s)
{
	return s == STATE_INIT ? "STOP" : vrrp_state_name(s);
}

const char *notify_script_for(const struct notify_conf *n, enum vrrp_state to)
{
	switch (to) {
	case STATE_MASTER: return n->master;
	case STATE_BACKUP: return n->backup;
	case STATE_FAULT: return n->fault;
	case STATE_INIT: return n->stop;
	default: return NULL;
	}
}

/* "198.51.100.100/24 198.51.100.101/24" */
static char *vip_list(const struct instance_conf *ic)
{
	size_t cap = ic->nvips * VIP_STRLEN + 1, used = 0;
	char *s = xcalloc(1, cap);
	char one[VIP_STRLEN];

	for (size_t i = 0; i < ic->nvips; i++)
		used += (size_t)snprintf(s + used, cap - used, "%s%s", i ? " " : "",
					 vip_str(&ic->vips[i], one));
	return s;
}

void notify_msg_build(struct notify_msg *msg, const char *script,
		      const struct instance_conf *ic, enum vrrp_state from,
		      enum vrrp_state to, unsigned priority, const char *reason)
{
	char *vips = vip_list(ic);

	memset(msg, 0, sizeof(*msg));
	msg->argv[0] = xasprintf("%s", script);
	msg->argv[1] = xasprintf("INSTANCE");
	msg->argv[2] = xasprintf("%s", ic->name);
	msg->argv[3] = xasprintf("%s", notify_state_word(to));
	msg->argv[4] = xasprintf("%u", priority);
	msg->env[0] = xasprintf("CLUSTD_INSTANCE=%s", ic->name);
	msg->env[1] = xasprintf("CLUSTD_STATE=%s", notify_state_word(to));
	msg->env[2] = xasprintf("CLUSTD_PREV_STATE=%s", vrrp_state_name(from));
	msg->env[3] = xasprintf("CLUSTD_VIPS=%s", vips);
	msg->env[4] = xasprintf("CLUSTD_REASON=%s", reason);
	free(vips);
}

void notify_msg_free(struct notify_msg *msg)
{
	for (int i = 0; i < NOTIFY_ARGC; i++)
		free(msg->argv[i]);
	for (int i = 0; i < NOTIFY_ENVC; i++)
		free(msg->env[i]);
	memset(msg, 0, sizeof(*msg));
}

static char *name_list(const struct sync_group_conf *g)
{
	size_t cap = 1, used = 0;
	char *s;

	for (size_t i = 0; i < g->ninstances; i++)
		cap += strlen(g->instances[i]) + 1;
	s = xcalloc(1, cap);
	for (size_t i = 0; i < g->ninstances; i++)
		used += (size_t)snprintf(s + used, cap - used, "%s%s", i ? " " : "", g->instances[i]);
	return s;
}

void notify_msg_build_group(struct notify_msg *msg, const char *script,
			    const struct sync_group_conf *g, enum vrrp_state from,
			    enum vrrp_state to, const char *reason)
{
	char *names = name_list(g);

	memset(msg, 0, sizeof(*msg));
	msg->argv[0] = xasprintf("%s", script);
	msg->argv[1] = xasprintf("GROUP");
	msg->argv[2] = xasprintf("%s", g->name);
	msg->argv[3] = xasprintf("%s", notify_state_word(to));
	msg->argv[4] = xasprintf("0");
	msg->env[0] = xasprintf("CLUSTD_GROUP=%s", g->name);
	msg->env[1] = xasprintf("CLUSTD_STATE=%s", notify_state_word(to));
	msg->env[2] = xasprintf("CLUSTD_PREV_STATE=%s", vrrp_state_name(from));
	msg->env[3] = xasprintf("CLUSTD_INSTANCES=%s", names);
	msg->env[4] = xasprintf("CLUSTD_REASON=%s", reason);
	free(names);
}
