#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# webhook.sh - a clustd driver for `clustd watch --exec`: POSTs every
# transition as JSON to a URL (a chat hook, a pager, an inventory).
#
#   clustd watch --id pager --exec /usr/local/share/clustd/drivers/webhook.sh \
#       https://hooks.example.net/clustd
#
# Arguments: URL, then those of a notify script (INSTANCE <name> <STATE>
# <priority>); the rest comes from the CLUSTD_* environment. The body:
#   {"node":..., "instance":..., "state":..., "previous":..., "priority":...,
#    "vips":..., "reason":..., "seq":..., "time":...}
# curl's exit status (non-zero on an HTTP error, after 10 s at most) is
# the answer to the event. Needs curl.
set -u

if [ $# -lt 5 ] || [ "$2" != INSTANCE ]; then
	echo "usage: $0 URL INSTANCE <name> <STATE> <priority>" >&2
	exit 2
fi
url=$1

# A JSON string: backslashes and quotes escaped, control characters dropped.
json() {
	printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

body=$(printf '{"node":%s,"instance":%s,"state":%s,"previous":%s,"priority":%s,"vips":%s,"reason":%s,"seq":%s,"time":%s}' \
	"$(json "$(uname -n)")" "$(json "$3")" "$(json "$4")" "$(json "${CLUSTD_PREV_STATE:-}")" \
	"$(json "$5")" "$(json "${CLUSTD_VIPS:-}")" "$(json "${CLUSTD_REASON:-}")" \
	"$(json "${CLUSTD_SEQ:-}")" "$(json "${CLUSTD_TIME:-}")")

exec curl --fail --silent --show-error --max-time 10 -X POST \
	-H 'Content-Type: application/json' --data-binary "$body" "$url"
