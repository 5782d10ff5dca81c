#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /etc/clustd/notify-haproxy.sh - an example notify script: reload HAProxy
# when this node becomes master (and when it leaves), for an HAProxy whose
# frontends bind the VIP itself without net.ipv4.ip_nonlocal_bind (and
# without "bind ... transparent", HAProxy's IP_TRANSPARENT).
# With nonlocal bind HAProxy needs no reload: see doc/web-services.md.
# HAProxy's reload is seamless (the new process takes over the listening
# sockets; open connections finish on the old one).
#
# Not enabled by default. To use it: chmod 755 it (owned by root, not
# writable by group or others), then in the instance:
#	notify = { master = "/etc/clustd/notify-haproxy.sh";
#	           backup = "/etc/clustd/notify-haproxy.sh";
#	           fault = "/etc/clustd/notify-haproxy.sh"; };
#
# What clustd gives a notify script (clustd(8), NOTIFY SCRIPTS):
#   arguments    INSTANCE <name> <state> <priority>
#                state: MASTER, BACKUP, FAULT or STOP
#   environment  CLUSTD_INSTANCE, CLUSTD_STATE, CLUSTD_PREV_STATE,
#                CLUSTD_VIPS (space-separated, with prefix lengths),
#                CLUSTD_REASON; PATH, LANG, HOME, USER, LOGNAME
# It runs as root, in its own process group, killed after notify.timeout
# (default 10 s); its exit status is logged and counted.
CONFIG=/etc/haproxy/haproxy.cfg
state=${3:-$CLUSTD_STATE}
say() { logger -t clustd-notify -- "haproxy: instance ${CLUSTD_INSTANCE:-$2} $state: $*"; }

case $state in
MASTER | BACKUP | FAULT) ;;
*) exit 0 ;; # STOP: clustd is going away, leave HAProxy alone
esac
# A configuration that does not parse must not take HAProxy down.
if ! haproxy -c -q -f "$CONFIG" 2>/dev/null; then
	say "haproxy -c failed on $CONFIG: not reloading"
	exit 1
fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	systemctl reload haproxy && say "reloaded" && exit 0
fi
say "reload failed"
exit 1
