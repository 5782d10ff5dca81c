/* SPDX-License-Identifier: GPL-2.0-or-later */
/* names.h - the shape of the names clustd accepts: node, instance, group
 * and track names, and network device names. Pure. */
#ifndef CLUSTD_NAMES_H
#define CLUSTD_NAMES_H

#include <stdbool.h>

/* One character of a clustd name: ASCII A-Z a-z 0-9 _ . - (whatever the
 * locale), safe in file names, environment variables and JSON. */
bool name_char_ok(char c);
/* Node, instance, group and track names: 1..63 such characters. */
bool name_valid(const char *s);
/* What the kernel accepts as a device name (dev_valid_name): 1..15 bytes,
 * not "." or "..", no '/', ':', white space or control characters. */
bool ifname_valid(const char *s);

#endif
