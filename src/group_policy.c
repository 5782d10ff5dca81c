/* SPDX-License-Identifier: GPL-2.0-or-later */
/* group_policy.c - pure sync-group rules (see group_policy.h). */
#include "group_policy.h"

#include <stdio.h>

bool group_policy_sibling_defers(const struct group_member *m, size_t n, size_t self,
				 uint64_t now)
{
	for (size_t i = 0; i < n; i++)
		if (i != self && fsm_defers_to_master(m[i].fsm, now))
			return true;
	return false;
}

bool group_policy_sibling_faulted(const struct group_member *m, size_t n, size_t self)
{
	for (size_t i = 0; i < n; i++)
		if (i != self && m[i].own_faults)
			return true;
	return false;
}

enum vrrp_state group_policy_state(const struct group_member *m, size_t n)
{
	bool all_master = true, all_init = true;

	for (size_t i = 0; i < n; i++) {
		enum vrrp_state st = m[i].fsm->state;

		if (st == STATE_FAULT)
			return STATE_FAULT;
		all_master &= st == STATE_MASTER;
		all_init &= st == STATE_INIT;
	}
	return all_init ? STATE_INIT : all_master ? STATE_MASTER : STATE_BACKUP;
}

bool group_policy_notify_due(enum vrrp_state now_state, enum vrrp_state notified, bool stopping)
{
	return now_state != notified && (!stopping || now_state == STATE_INIT);
}

enum group_follow group_policy_follow(enum vrrp_state from, enum vrrp_state to,
				      enum vrrp_state other)
{
	if (from == STATE_MASTER && to == STATE_BACKUP && other == STATE_MASTER)
		return GROUP_FOLLOW_STEP_DOWN;
	if (to == STATE_MASTER && other == STATE_BACKUP)
		return GROUP_FOLLOW_JOIN_MASTER;
	return GROUP_FOLLOW_NONE;
}

void group_policy_follow_reason(const char *group, const char *mover, enum vrrp_state to,
				char *buf, size_t len)
{
	snprintf(buf, len, "sync group %s: %s became %s", group, mover, vrrp_state_name(to));
}
