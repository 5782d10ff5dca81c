/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kaimport_cli.h - `clustd import-keepalived [-i ID] [FILE]`. */
#ifndef CLUSTD_KAIMPORT_CLI_H
#define CLUSTD_KAIMPORT_CLI_H

/* Exit statuses: everything imported; an error (nothing written); a bad
 * command line; imported, but something was left out or differs (the
 * warnings on stderr say what). */
enum { KI_EXIT_OK = 0, KI_EXIT_ERROR = 1, KI_EXIT_USAGE = 2, KI_EXIT_PARTIAL = 3 };

#define KI_DEFAULT_SOURCE "/etc/keepalived/keepalived.conf"

#include <stdbool.h>

#include "kaconf.h"
#include "kaimport.h"

/* The whole import of source, without printing: reads it (and its
 * includes) through fs, maps it, checks the text as clustd -t does.
 * Returns the exit status; *text (heap) is the clustd.conf unless it is
 * KI_EXIT_ERROR. The messages, sorted by file and line, are in msgs. */
int kaimport_run(const char *source, const char *config_id, const struct ka_fs *fs,
		 const struct ki_host *host, char **text, struct ka_msgs *msgs);

/* The messages as the command prints them: "FILE:LINE: warning: ..."
 * lines (heap). quiet leaves the notes out. */
char *kaimport_messages(const struct ka_msgs *m, bool quiet);

/* argv[0] is "import-keepalived". Writes the clustd.conf on stdout only
 * when it is complete and passes clustd -t. */
int kaimport_cli(int argc, char **argv);

#endif
