#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /etc/clustd/notify-nginx.sh - an example notify script: reload nginx when
# this node becomes master (and when it leaves), so that an nginx that
# listens on the VIP itself, without net.ipv4.ip_nonlocal_bind, binds it
# once the address is here. With ip_nonlocal_bind=1 (or nginx listening on
# 0.0.0.0) nginx needs no reload at all: see doc/web-services.md.
#
# Not enabled by default. To use it: chmod 755 it (owned by root, not
# writable by group or others), then in the instance:
#	notify = { master = "/etc/clustd/notify-nginx.sh";
#	           backup = "/etc/clustd/notify-nginx.sh";
#	           fault = "/etc/clustd/notify-nginx.sh"; };
#
# What clustd gives a notify script (clustd(8), NOTIFY SCRIPTS):
#   arguments    INSTANCE <name> <state> <priority>
#                state: MASTER, BACKUP, FAULT or STOP
#   environment  CLUSTD_INSTANCE, CLUSTD_STATE, CLUSTD_PREV_STATE,
#                CLUSTD_VIPS (space-separated, with prefix lengths),
#                CLUSTD_REASON; PATH, LANG, HOME, USER, LOGNAME
# It runs as root, in its own process group, killed after notify.timeout
# (default 10 s); its exit status is logged and counted.
state=${3:-$CLUSTD_STATE}
say() { logger -t clustd-notify -- "nginx: instance ${CLUSTD_INSTANCE:-$2} $state: $*"; }

case $state in
MASTER | BACKUP | FAULT) ;;
*) exit 0 ;; # STOP: clustd is going away, leave nginx alone
esac
# A configuration that does not parse must not take nginx down.
if ! nginx -t -q 2>/dev/null; then
	say "nginx -t failed: not reloading"
	exit 1
fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	systemctl reload nginx && say "reloaded" && exit 0
else
	nginx -s reload && say "reloaded" && exit 0
fi
say "reload failed"
exit 1
