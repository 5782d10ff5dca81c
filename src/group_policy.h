/* SPDX-License-Identifier: GPL-2.0-or-later */
/* group_policy.h - pure: how the members of a sync group move together
 * (keepalived's vrrp_sync_group). The glue (sync_group.c) lists a group's
 * members and carries the verdicts out; time is passed in. */
#ifndef CLUSTD_GROUP_POLICY_H
#define CLUSTD_GROUP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsm.h"

/* What the policy needs to know of one member. */
struct group_member {
	const struct fsm *fsm;
	unsigned own_faults; /* fault.h bits from its own edges */
};

/* A member whose Master_Down_Timer expired stays BACKUP while another
 * member (not self) still defers to a live master at now: a group
 * becomes master together or not at all. */
bool group_policy_sibling_defers(const struct group_member *m, size_t n, size_t self,
				 uint64_t now);

/* Another member (not self) has faults of its own: self gets FAULT_GROUP. */
bool group_policy_sibling_faulted(const struct group_member *m, size_t n, size_t self);

/* The group's state as its scripts see it: FAULT if any member is,
 * MASTER when all are, INIT when all are (or there are none), BACKUP
 * otherwise. */
enum vrrp_state group_policy_state(const struct group_member *m, size_t n);

/* The group's scripts run when its state changed; while the daemon is
 * stopping, members stop one by one and only the end (INIT) is news. */
bool group_policy_notify_due(enum vrrp_state now_state, enum vrrp_state notified, bool stopping);

/* What another member does when one member moved from -> to. */
enum group_follow {
	GROUP_FOLLOW_NONE,
	GROUP_FOLLOW_STEP_DOWN,   /* fsm_step_down(): MASTER -> BACKUP, priority 0 */
	GROUP_FOLLOW_JOIN_MASTER, /* fsm_join_master(): BACKUP -> MASTER unless it defers */
};

/* A member leaving MASTER for BACKUP pulls the other masters down (with
 * priority 0, so the peer takes them over at once); one becoming MASTER
 * pulls up the backups. Every other move leaves the others alone. */
enum group_follow group_policy_follow(enum vrrp_state from, enum vrrp_state to,
				      enum vrrp_state other);

/* The reason the followers are given: "sync group G: M became STATE". */
void group_policy_follow_reason(const char *group, const char *mover, enum vrrp_state to,
				char *buf, size_t len);

#endif
