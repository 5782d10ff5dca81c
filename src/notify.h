/* SPDX-License-Identifier: GPL-2.0-or-later */
/* notify.h - what a notify script is told about a transition: the
 * keepalived-compatible argv and clustd's CLUSTD_* environment. Pure. */
#ifndef CLUSTD_NOTIFY_H
#define CLUSTD_NOTIFY_H

#include "fsm.h"
#include "model.h"

#define NOTIFY_ARGC 5
#define NOTIFY_ENVC 5
/* The variable naming the state scripts were last told about. */
#define NOTIFY_PREV_STATE_ENV "CLUSTD_PREV_STATE"

struct notify_msg {
	char *argv[NOTIFY_ARGC + 1];  /* script, INSTANCE, name, STATE, prio, NULL */
	char *env[NOTIFY_ENVC + 1];   /* CLUSTD_INSTANCE=... , NULL */
};

/* The state word scripts see: MASTER, BACKUP, FAULT, or STOP for INIT
 * (the daemon stopping the instance). */
const char *notify_state_word(enum vrrp_state s);

/* The script for a transition into state `to` (NULL if none configured). */
const char *notify_script_for(const struct notify_conf *n, enum vrrp_state to);

/* Fill msg for script; heap strings, release with notify_msg_free. */
void notify_msg_build(struct notify_msg *msg, const char *script,
		      const struct instance_conf *ic, enum vrrp_state from,
		      enum vrrp_state to, unsigned priority, const char *reason);
void notify_msg_free(struct notify_msg *msg);

/* For a sync group: argv `script GROUP <name> <STATE> 0`, env CLUSTD_GROUP,
 * CLUSTD_STATE, CLUSTD_PREV_STATE, CLUSTD_INSTANCES, CLUSTD_REASON. */
void notify_msg_build_group(struct notify_msg *msg, const char *script,
			    const struct sync_group_conf *g, enum vrrp_state from,
			    enum vrrp_state to, const char *reason);

#endif
