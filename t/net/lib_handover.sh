# SPDX-License-Identifier: GPL-2.0-or-later
# t/net/lib_handover.sh - helpers for the planned-handover tests
# (`clustd handover`, `drain`, `undrain`; issue 11).
#
# Source it after lib.sh and lib_cluster.sh. What it adds: running the
# commands inside a node (output and exit status), and the exact moments
# the VIP left one node and reached the next, from `ip -ts monitor
# address` in each namespace (t/tools/addr_events.py), which the 10 ms
# sampler cannot resolve.

HO_EVENTS="$CL_TOOLS/addr_events.py"
# The overlap allowed between the old master's delete and the new one's
# add: the issue's bound, two holders for 2 ms at most. The order is causal,
# so what the monitors show as overlap is their own wake-up lag (each stamp
# is taken when its `ip monitor` reads the event): a few hundred µs, once
# 1.3 ms on a loaded 2-core CI machine running 3 tests at a time.
: "${HO_JITTER_US:=2000}"

# ho_run <node> <command args...>: `clustd -f <node>.conf <args>` inside
# the node; its output in $HO_OUT, its exit status in $HO_RC (both also
# logged as diag lines).
ho_run() {
	local node=$1
	shift
	HO_OUT=$(nsx "$node" timeout 70 "$CLUSTD" -f "$T/$node.conf" "$@" 2>&1)
	HO_RC=$?
	diag "$node\$ clustd $* -> exit $HO_RC"
	printf '%s\n' "$HO_OUT" | sed 's/^/#   /'
}

# ho_says <ERE>: the last ho_run's output matches.
ho_says() {
	printf '%s\n' "$HO_OUT" | grep -Eq -- "$1"
}

# ho_monitor_start <nodes...>: `ip -ts -o monitor address` in each node,
# into $T/<node>.mon, until ho_monitor_stop (or the test ends). The
# monitors run real-time above the daemons' loops (SCHED_FIFO 20 against
# clustd's SCHED_RR 10), so that the instrument wakes for an event before
# what it measures runs on: otherwise a daemon busy after its delete (the
# release, the announcements) delays its own node's timestamp.
ho_monitor_start() {
	local n pid
	for n in "$@"; do
		"${NET_INSTRUMENT[@]}" ip -n "${P}$n" -ts -o monitor address >"$T/$n.mon" 2>&1 &
		pid=$!
		echo "$pid" >"$T/$n.mon.pid"
		NET_BG_PIDS="$NET_BG_PIDS $pid"
	done
	sleep 0.2 # the monitors have subscribed
}

ho_monitor_stop() {
	local n
	for n in "$@"; do
		net_stop_pid "$(cat "$T/$n.mon.pid" 2>/dev/null)" 500
	done
}

# ho_gap <from-node> <to-node> <after_ms>: "del_us=.. add_us=.. gap_us=.."
# for the VIP leaving <from-node> and reaching <to-node> after that time.
ho_gap() {
	python3 "$HO_EVENTS" gap --del "$T/$1.mon" --add "$T/$2.mon" --vip "$CL_VIP" --after "$3"
}

# ho_drained <node>: the node's instance web is drained (status).
ho_drained() {
	[ "$(cl_q "$1" '.instances[] | select(.name == "web") | .drained')" = true ]
}

# ho_client_summary <name>: "requests=N failed=N slowest_ms=N by=<node:count,...>"
ho_client_summary() {
	awk '{ n++; if ($3 ~ /^FAIL/) f++; else by[$3]++; d = $2 - $1; if (d > m) m = d }
	     END { s = ""; for (k in by) s = s (s == "" ? "" : ",") k ":" by[k]
		   printf "requests=%d failed=%d slowest_ms=%d by=%s\n", n, f, m, s }' "$T/$1.client"
}
