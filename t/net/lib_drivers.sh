# SPDX-License-Identifier: GPL-2.0-or-later
# t/net/lib_drivers.sh - helpers for the driver socket tests
# (clustd-drivers(7)) and scripts/bench-drivers.sh.
#
# Source it after lib.sh:
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/lib_drivers.sh"
#
# Test drivers are t/net/drv_client.py (see its header), run in a node's
# namespace, recorded by PID (the lib.sh cleanup stops them); what a
# recorder heard is in $T/<name>.lines, one JSON line each.

# The real interpreter, not a version-manager shim (it also runs as
# another user in the access test).
DRV_PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
[ -x "$DRV_PY" ] || DRV_PY=$(command -v python3)
DRV_CLIENT_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/drv_client.py

# drv_sock <node>: the node's driver socket.
drv_sock() {
	echo "$T/$1/run/drivers.sock"
}

# drv_client <node> <args...>: drv_client.py in the node's namespace, in
# the foreground.
drv_client() {
	local node=$1
	shift
	nsx "$node" "$DRV_PY" "$DRV_CLIENT_SRC" "$@"
}

# drv_bg <name> <node> <args...>: drv_client.py in the background (pid in
# $T/<name>.drv.pid, stdout and stderr in $T/<name>.out).
drv_bg() {
	local name=$1 node=$2 pid
	shift 2
	ip netns exec "${P}$node" "$DRV_PY" "$DRV_CLIENT_SRC" "$@" >"$T/$name.out" 2>&1 &
	pid=$!
	echo "$pid" >"$T/$name.drv.pid"
	NET_BG_PIDS="$NET_BG_PIDS $pid"
}

# drv_record <name> <node> <id> [record options]: a recording driver;
# returns once its snapshot is complete ("synced"), 1 after 10 s.
drv_record() {
	local name=$1 node=$2 id=$3
	shift 3
	rm -f "$T/$name.lines"
	drv_bg "$name" "$node" record "$(drv_sock "$node")" "$id" "$T/$name.lines" "$@"
	wait_until 10 grep -qs '"type":"synced"' "$T/$name.lines"
}

# drv_pid <name>; drv_stop <name> [SIG] (default TERM), reaped.
drv_pid() {
	cat "$T/$1.drv.pid" 2>/dev/null
}

drv_stop() {
	local pid
	pid=$(drv_pid "$1")
	[ -n "$pid" ] || return 1
	kill -"${2:-TERM}" "$pid" 2>/dev/null
	wait_until 5 eval "! net_pid_alive $pid"
	wait "$pid" 2>/dev/null
	return 0
}

# drv_ended <name>: the driver process has exited.
drv_ended() {
	! net_pid_alive "$(drv_pid "$1")"
}

# drv_lines <name> <type>: the recorded lines of that type.
drv_lines() {
	grep -s "\"type\":\"$2\"" "$T/$1.lines"
}

# drv_events <name>: "<seq> <instance> <from> <to>" per recorded event.
drv_events() {
	drv_lines "$1" event | jq -r '"\(.seq) \(.instance) \(.from) \(.to)"'
}

# drv_transitions <name> [instance]: "FROM>TO FROM>TO ..." in order.
drv_transitions() {
	drv_lines "$1" event | jq -r --arg i "${2:-}" 'select($i == "" or .instance == $i) |
		"\(.from)>\(.to)"' | tr '\n' ' ' | sed 's/ $//'
}

# drv_contiguous <name>: the events recorded run from the snapshot's seq + 1
# without a gap (a driver that wants every instance).
drv_contiguous() {
	local base
	base=$(drv_lines "$1" synced | tail -n 1 | jq -r .seq)
	[ -n "$base" ] || return 1
	drv_lines "$1" event | jq -r .seq | awk -v b="$base" '
		{ if ($1 != b + NR) { bad = 1 } } END { exit bad || NR == 0 }'
}

# drv_has_event <name> <instance> <from> <to>
drv_has_event() {
	drv_lines "$1" event | jq -se --arg i "$2" --arg f "$3" --arg t "$4" \
		'any(.[]; .instance == $i and .from == $f and .to == $t)' >/dev/null 2>&1
}

# drv_status <node> <jq filter>: a value from the node's status --json.
drv_status() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json 2>/dev/null | jq -r "$2"
}

# drv_prog <file>: a PROG for clustd watch --exec that appends one line
# per run to <file>: "<argv> | prev=<P> state=<S> seq=<N> reason=<R>"
# (the environment of a notify script is minimal: the file is named in
# the script, not passed down).
drv_prog() {
	local out=$1 prog=$T/prog-$RANDOM.sh
	cat >"$prog" <<EOF
#!/bin/sh
echo "\$* | prev=\$CLUSTD_PREV_STATE state=\$CLUSTD_STATE seq=\$CLUSTD_SEQ id=\$CLUSTD_DRIVER_ID reason=\$CLUSTD_REASON" >>"$out"
EOF
	chmod 755 "$prog"
	echo "$prog"
}

# drv_watch <name> <node> <args...>: `clustd watch <args>` in the node's
# namespace in the background (stdout $T/<name>.out, stderr $T/<name>.err).
drv_watch() {
	local name=$1 node=$2 pid
	shift 2
	ip netns exec "${P}$node" "$CLUSTD" -f "$T/$node.conf" watch "$@" \
		>"$T/$name.out" 2>"$T/$name.err" &
	pid=$!
	echo "$pid" >"$T/$name.drv.pid"
	NET_BG_PIDS="$NET_BG_PIDS $pid"
}

# daemon_fds <node>: open descriptors of the node's daemon.
daemon_fds() {
	find "/proc/$(clustd_pid "$1")/fd" -mindepth 1 2>/dev/null | wc -l
}

# wait_log_file <s> <file> <ERE>: the file (a client's log) matches.
wait_log_file() {
	wait_until "$1" grep -Eqs -- "$3" "$2"
}
