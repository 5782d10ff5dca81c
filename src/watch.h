/* SPDX-License-Identifier: GPL-2.0-or-later */
/* watch.h - `clustd watch`, the ready-made driver (clustd-drivers(7)):
 * connects to the driver socket, prints every event (text or the raw JSON
 * lines) or runs a program for each with the arguments and environment of
 * a notify script, answers the events with its exit status, reports
 * readiness from a file or a command, and reconnects by itself. */
#ifndef CLUSTD_WATCH_H
#define CLUSTD_WATCH_H

#include <stdbool.h>
#include <stddef.h>

struct drv_daemon_msg;

/* The line `clustd watch` prints for m without --json or --exec (ending
 * in "\n") into buf: for a snapshot, an event and a drain; false (buf
 * empty) for what it does not print. */
bool watch_text_line(const struct drv_daemon_msg *m, char *buf, size_t cap);

/* argv[0] is "watch"; config: the daemon's configuration file (its
 * run_dir names the socket unless --socket does). Runs until SIGTERM or
 * SIGINT; returns the exit status (0, 1 on an error, 2 on usage). */
int watch_main(int argc, char **argv, const char *config);

#endif
