/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kaimport.h - a keepalived configuration (as kaconf.c reads it) turned
 * into an equivalent clustd.conf: `clustd import-keepalived`.
 *
 * Every vrrp_instance, vrrp_sync_group, vrrp_script and track file, and
 * the global_defs that shape the VRRP side, map to clustd settings with
 * the same meaning: timers keep keepalived's rounding, priorities and
 * track weights keep keepalived's rules (weights dropped in sync groups
 * and on address owners as keepalived drops them, state MASTER clearing
 * nopreempt, ...), and keepalived's defaults are written out where
 * clustd's differ. Each setting carries a comment naming the keepalived
 * FILE:LINE it came from.
 *
 * What clustd cannot express is a KA_WARNING with FILE:LINE and what to
 * do instead; what keepalived itself ignores or changes is a KA_NOTE.
 * Pure: the few facts about the host (does a script pass clustd -t's
 * checks, where is a command keepalived finds in PATH, does a user
 * exist) come through struct ki_host. */
#ifndef CLUSTD_KAIMPORT_H
#define CLUSTD_KAIMPORT_H

#include <stdbool.h>

#include "kaconf.h"

struct ki_host {
	void *ctx;
	/* Would clustd -t accept this script file (it exists, is a regular
	 * executable, owned by root, not writable by group or others, nor
	 * are its directories)? false and *why (heap) when not. */
	bool (*script_ok)(void *ctx, const char *path, char **why);
	/* keepalived runs a command without a '/' from PATH: its absolute
	 * path (heap), or NULL when there is none. */
	char *(*which)(void *ctx, const char *cmd);
	bool (*user_exists)(void *ctx, const char *user);
};

struct ki_opts {
	const struct ki_host *host;
	const char *source;    /* the keepalived file, for the header comment */
	const char *config_id; /* the config id used for @ conditionals (NULL: none) */
};

/* The clustd.conf text (heap), or NULL when nothing can be imported (an
 * error in msgs says why). Notes and warnings are appended to msgs; the
 * text lists the warnings at its top as comments. */
char *ki_import(const struct ka_tree *tree, const struct ki_opts *o, struct ka_msgs *msgs);

#endif
