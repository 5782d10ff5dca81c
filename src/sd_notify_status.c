/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sd_notify_status.c - watchdog pings and the STATUS= line for systemd
 * (sd_notify_status.h). */
#include "sd_notify_status.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "quorum.h"
#include "status_line.h"
#include "svc_notify.h"
#include "xalloc.h"

#define STATUS_CAP 512

/* One daemon per process, as NOTIFY_SOCKET is one per process. */
static struct {
	bool asked;              /* the watchdog settings were read */
	bool watchdog;           /* WATCHDOG_USEC is set for this process */
	char sent[STATUS_CAP];   /* the last STATUS= line sent */
} sdn;

/* The watchdog timeout systemd asks for: WATCHDOG_USEC, for this process
 * when WATCHDOG_PID names one (as sd_watchdog_enabled() reads them; the
 * daemon does without libsystemd, see svc_notify.h). */
static bool watchdog_usec(uint64_t *usec)
{
	const char *us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (!us || !*us)
		return false;
	errno = 0;
	v = strtoull(us, &end, 10);
	if (errno || *end || v == 0)
		return false;
	if (pid && *pid) {
		long p = strtol(pid, &end, 10);

		if (*end || p != (long)getpid())
			return false;
	}
	*usec = v;
	return true;
}

/* systemd kills the service when no ping came within WatchdogSec; pinging
 * once per tick needs it to be at least two ticks to survive one late one. */
static void read_watchdog(uint64_t tick_us)
{
	uint64_t usec = 0;

	sdn.asked = true;
	sdn.watchdog = watchdog_usec(&usec);
	if (sdn.watchdog && usec < 2 * tick_us)
		log_warn("watchdog: WatchdogSec=%.1fs is below two ticks (%.1fs): a healthy "
			 "daemon may be killed; use at least %.0fs", (double)usec / 1e6,
			 2.0 * (double)tick_us / 1e6, 2.0 * (double)tick_us / 1e6);
	else if (sdn.watchdog)
		log_info("watchdog: pinging systemd every %.1fs, timeout %.1fs",
			 (double)tick_us / 1e6, (double)usec / 1e6);
}

static void status_now(const struct clustd *c, char *buf, size_t cap)
{
	size_t n = 0;
	struct status_line_quorum q = {.enabled = c->cluster != NULL};

	for (const struct instance *in = c->instances; in; in = in->next)
		n++;
	struct status_line_instance *v = xcalloc(n ? n : 1, sizeof(*v));
	size_t i = 0;
	for (const struct instance *in = c->instances; in; in = in->next, i++)
		v[i] = (struct status_line_instance){.name = in->conf->name, .state = in->fsm.state,
						     .priority = in->fsm.p.priority,
						     .fault_why = in->fault_why,
						     .drained = in->fsm.drained};
	if (c->cluster) {
		const struct quorum *qr = cluster_net_quorum(c->cluster);
		q.held = cluster_net_has_quorum(c->cluster);
		q.alive = quorum_alive(qr, mono_now_us());
		q.members = (unsigned)qr->n;
	}
	status_line_format(v, n, c->drained.node, &q, buf, cap);
	free(v);
}

void sd_notify_tick(const struct clustd *c, uint64_t tick_us)
{
	char status[STATUS_CAP];
	char msg[STATUS_CAP + 32];
	bool changed;

	if (!sdn.asked)
		read_watchdog(tick_us);
	status_now(c, status, sizeof(status));
	changed = strcmp(status, sdn.sent) != 0;
	if (!sdn.watchdog && !changed)
		return;
	snprintf(msg, sizeof(msg), "%s%s%s", sdn.watchdog ? "WATCHDOG=1\n" : "",
		 changed ? "STATUS=" : "", changed ? status : "");
	/* < 0: the socket is gone (systemd restarting?): try again next tick. */
	if (svc_notify(msg) >= 0 && changed)
		memcpy(sdn.sent, status, sizeof(sdn.sent));
}
