#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# singleton-unit.sh - a clustd driver for `clustd watch --exec`: a systemd
# unit that must run on exactly one node, the master (a cron runner, a
# queue consumer, a scheduler).
#
#   clustd watch --id cron --instance web \
#       --exec /usr/local/share/clustd/drivers/singleton-unit.sh cron.service
#
# clustd watch runs it for every transition of the instance, and once at
# start for the current state, with the arguments of a notify script after
# ours:  singleton-unit.sh [--echo] UNIT INSTANCE <name> <STATE> <priority>
# (and CLUSTD_STATE, CLUSTD_PREV_STATE, CLUSTD_REASON, CLUSTD_SEQ ... in the
# environment). MASTER starts the unit, every other state stops it. The
# exit status goes back to the daemon as the answer to the event
# (`clustd status` shows failures). --echo prints the systemctl command
# instead of running it, to try it out.
set -u

echo=""
if [ "${1:-}" = "--echo" ]; then
	echo="echo"
	shift
fi
if [ $# -lt 5 ] || [ "$2" != INSTANCE ]; then
	echo "usage: $0 [--echo] UNIT INSTANCE <name> <STATE> <priority>" >&2
	exit 2
fi
unit=$1
state=$4

case $state in
MASTER) exec $echo systemctl start "$unit" ;;
BACKUP | FAULT | STOP) exec $echo systemctl stop "$unit" ;;
*)
	echo "$0: unknown state $state" >&2
	exit 2
	;;
esac
