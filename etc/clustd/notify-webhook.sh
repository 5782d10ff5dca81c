#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /etc/clustd/notify-webhook.sh - an example notify script: POST every
# transition as JSON to a webhook (chat, incident tool, your own service)
# with curl, bounded in time.
#
# Not enabled by default. To use it: set URL below, chmod 755 it (owned
# by root, not writable by group or others; chmod 700 if the URL holds a
# token), then in the instance:
#	notify = { any = "/etc/clustd/notify-webhook.sh"; };
#
# What clustd gives a notify script (clustd(8), NOTIFY SCRIPTS):
#   arguments    INSTANCE <name> <state> <priority>
#                state: MASTER, BACKUP, FAULT or STOP
#   environment  CLUSTD_INSTANCE, CLUSTD_STATE, CLUSTD_PREV_STATE,
#                CLUSTD_VIPS (space-separated, with prefix lengths),
#                CLUSTD_REASON; PATH, LANG, HOME, USER, LOGNAME (and
#                nothing else: clustd does not pass its own environment,
#                so the URL is set here, not inherited)
# It runs as root, in its own process group, killed after notify.timeout
# (default 10 s): curl's own limit below stays under it.
#
# The body: {"node": "...", "instance": "...", "state": "...",
#            "prev_state": "...", "priority": N, "vips": "...", "reason": "..."}
# For a long-running consumer of every transition, a driver
# (clustd-drivers(7), scripts/drivers/webhook.sh) is the better fit.
URL="https://hooks.example.invalid/clustd"
state=${3:-$CLUSTD_STATE}
prio=${4:-0}
case $prio in '' | *[!0-9]*) prio=0 ;; esac

# JSON string: backslash, quote and control characters escaped.
json() {
	printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr '\t\r\n' '   '
}
body=$(printf '{"node":"%s","instance":"%s","state":"%s","prev_state":"%s","priority":%s,"vips":"%s","reason":"%s"}' \
	"$(json "$(uname -n)")" "$(json "${CLUSTD_INSTANCE:-$2}")" "$(json "$state")" \
	"$(json "${CLUSTD_PREV_STATE:-}")" "$prio" "$(json "${CLUSTD_VIPS:-}")" \
	"$(json "${CLUSTD_REASON:-}")")
exec curl --silent --show-error --fail --max-time 5 --connect-timeout 2 \
	-H 'Content-Type: application/json' --data-binary "$body" "$URL"
