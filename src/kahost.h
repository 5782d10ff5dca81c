/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kahost.h - what `clustd import-keepalived` needs from the machine it runs
 * on: files and globs for the keepalived reader (kaconf.h), and the host
 * facts for the mapper (kaimport.h): clustd -t's script check, PATH
 * lookup as keepalived does it, user lookup, keepalived's config id. */
#ifndef CLUSTD_KAHOST_H
#define CLUSTD_KAHOST_H

#include "kaconf.h"
#include "kaimport.h"

extern const struct ka_fs ka_fs_system;
extern const struct ki_host ki_host_system;

/* keepalived's default config id: the host name up to its first dot
 * (heap; NULL if the host name cannot be read). */
char *ka_default_config_id(void);

#endif
