/* SPDX-License-Identifier: GPL-2.0-or-later */
/* svc_notify.h - tell the service manager (systemd, Type=notify) how the
 * daemon is doing: "READY=1", "RELOADING=1", "STOPPING=1". The protocol
 * is one datagram to the AF_UNIX socket named in $NOTIFY_SOCKET; doing it
 * here spares the daemon libsystemd and the seven libraries it maps
 * (about 1 MB of resident memory). */
#ifndef CLUSTD_SVC_NOTIFY_H
#define CLUSTD_SVC_NOTIFY_H

/* Sends state (e.g. "READY=1") if $NOTIFY_SOCKET is set. 1 sent, 0 not
 * asked to (no socket), -errno on failure. */
int svc_notify(const char *state);

#endif
