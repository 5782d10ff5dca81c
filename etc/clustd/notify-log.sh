#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /etc/clustd/notify-log.sh - an example notify script: one line per
# transition in the journal (syslog), tagged "clustd-notify".
#
# Not enabled by default. To use it: chmod 755 it (it must stay owned by
# root and not writable by group or others), then name it in an instance:
#	notify = { any = "/etc/clustd/notify-log.sh"; };
# ("any" runs on every transition, after the state's own script.)
#
# What clustd gives a notify script (clustd(8), NOTIFY SCRIPTS):
#   arguments    INSTANCE <name> <state> <priority>
#                state: MASTER, BACKUP, FAULT or STOP
#   environment  CLUSTD_INSTANCE    the instance's name
#                CLUSTD_STATE       the new state (as the argument)
#                CLUSTD_PREV_STATE  the state the scripts were last told of
#                CLUSTD_VIPS        its VIPs, space-separated, with prefix
#                                   lengths ("198.51.100.100/24 ...")
#                CLUSTD_REASON      why ("higher priority advert", ...)
#                PATH, LANG, HOME, USER, LOGNAME; nothing else of clustd's
# It runs as root, without a shell around it, in its own process group,
# killed with it after notify.timeout (default 10 s).
state=${3:-$CLUSTD_STATE}
prio=${4:-?}
case $state in
FAULT) level=daemon.warning ;;
*) level=daemon.notice ;;
esac
exec logger -t clustd-notify -p "$level" -- \
	"instance ${CLUSTD_INSTANCE:-$2}: ${CLUSTD_PREV_STATE:-?} -> $state (priority $prio): ${CLUSTD_REASON:-} [VIPs: ${CLUSTD_VIPS:-}]"
