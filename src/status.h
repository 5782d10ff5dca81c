/* SPDX-License-Identifier: GPL-2.0-or-later */
/* status.h - the daemon's status view, served on the control socket:
 * "status" (text for people) and "status json" (for programs). */
#ifndef CLUSTD_STATUS_H
#define CLUSTD_STATUS_H

/* ctl_handler_fn for the control socket; arg is the struct clustd. */
char *status_handle(void *arg, const char *request);

#endif
