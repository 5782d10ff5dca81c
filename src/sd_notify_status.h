/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sd_notify_status.h - what the running loop tells systemd at every tick:
 * WATCHDOG=1 when the unit has WatchdogSec= (so a stalled loop stops the
 * pings and systemd kills and restarts it), and STATUS= (the line of
 * status_line.h) whenever it changed. Without NOTIFY_SOCKET both are
 * no-ops. */
#ifndef CLUSTD_SD_NOTIFY_STATUS_H
#define CLUSTD_SD_NOTIFY_STATUS_H

#include <stdint.h>

struct clustd;

/* Called from the loop's own tick (every tick_us), never from elsewhere:
 * the pings must stop when the loop does. */
void sd_notify_tick(const struct clustd *c, uint64_t tick_us);

#endif
