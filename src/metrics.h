/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics.h - the daemon's counters and state in the Prometheus text
 * exposition format (version 0.0.4), for `clustd metrics` and for the
 * node_exporter textfile collector (`metrics_file`). Read only. */
#ifndef CLUSTD_METRICS_H
#define CLUSTD_METRICS_H

struct clustd;

/* A malloc'd document, or NULL when out of memory. */
char *metrics_render(const struct clustd *c);

#endif
