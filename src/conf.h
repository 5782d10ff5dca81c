/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conf.h - read /etc/clustd.conf (libconfig syntax) into a validated model.
 * A config is loaded whole or not at all: every problem is reported as
 * "FILE:LINE: reason" and no half-built model escapes. */
#ifndef CLUSTD_CONF_H
#define CLUSTD_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

struct conf_errors {
	size_t n;
	char **msgs; /* each "FILE:LINE: reason" (no trailing newline) */
};

/* Parse and validate path. On success returns 0 and *out owns a new
 * model (conf_free it). On failure returns -1, *out is NULL and errs holds
 * every error found (conf_errors_free it). Does not look at scripts on disk. */
int conf_load(const char *path, struct clustd_config **out, struct conf_errors *errs);
/* (errs must be zeroed or hold earlier errors: new ones are appended.) */

/* Checks that touch the file system: every notify and track script exists,
 * is a regular executable file, and is not writable by group or others;
 * the cluster secret file exists, holds 16 bytes or more, belongs to root
 * (or the user clustd runs as), and is not accessible by group or others;
 * node.state_dir and node.run_dir, where they exist, are owned by root and
 * not writable by group or others.
 * Appends to errs; returns the number of problems found. */
int conf_check_scripts(const struct clustd_config *cfg, struct conf_errors *errs);

/* The check conf_check_scripts makes of each script, for one file: true
 * when clustd -t would accept path as a script; else false and *why (heap)
 * says what is wrong. (clustd import-keepalived leaves such scripts out.) */
bool conf_script_usable(const char *path, char **why);

void conf_free(struct clustd_config *cfg);

void conf_errors_free(struct conf_errors *errs);

/* Deep copy helpers are not needed: reload builds a new model and the
 * instance layer adopts it. Find an instance by name (NULL if none). */
const struct instance_conf *conf_find_instance(const struct clustd_config *cfg, const char *name);

#endif
