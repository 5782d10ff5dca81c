# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the counter persistence tests (sourced after lib.sh).

CT_TOOL="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)/counters_file.py"

# ct_status <node> [<config>]: `clustd status --json` inside the node.
ct_status() {
	nsx "$1" timeout 5 "$CLUSTD" -f "${2:-$T/$1.conf}" status --json 2>/dev/null
}

# ct_q <node> <jq filter>
ct_q() {
	ct_status "$1" | jq -r "$2" 2>/dev/null
}

# ct_flat: status JSON on stdin -> "path value" lines, one per counter:
# the node's counters and every instance's.
ct_flat() {
	jq -r '{node: .counters, inst: ([.instances[] | {(.name): .counters}] | add)}
		| paths(numbers) as $p | "\($p | map(tostring) | join(".")) \(getpath($p))"'
}

# ct_snapshot <node> <file>: the flattened counters into file (non-empty).
ct_snapshot() {
	ct_status "$1" | ct_flat >"$2" 2>/dev/null && [ -s "$2" ]
}

# ct_regressions <old> <new>: every counter of old that is missing from
# new or lower there, as "path old new" lines (empty = none).
ct_regressions() {
	awk 'NR == FNR { old[$1] = $2; next } { new[$1] = $2 }
	     END { for (k in old) if (!(k in new) || new[k] + 0 < old[k] + 0)
			print k, old[k], (k in new ? new[k] : "missing") }' "$1" "$2"
}

# ct_get <file> <path>: one value of a snapshot.
ct_get() {
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}

# ct_state <node>: state of instance web.
ct_state() {
	ct_q "$1" '.instances[] | select(.name == "web") | .state'
}

ct_state_is() {
	[ "$(ct_state "$1")" = "$2" ]
}

# ct_status_up <node>: the control socket answers.
ct_status_up() {
	[ -n "$(ct_q "$1" .node)" ]
}
