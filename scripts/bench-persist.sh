#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/bench-persist.sh <clustd-binary>: the cost of persisting the
# counters (run by `sudo make bench`).
#
# One node alone in a namespace (master of everything) runs K instances
# with advert_interval 10 ms, K = 1 and K = 20, each for BP_SECONDS with
# persist_counters on and off. Every advert changes a counter, so with
# persistence on every loop wake-up ends with a pwrite of the record.
# Figures per run:
#   adverts/s    measured (status counters / wall time)
#   CPU us/adv   on-CPU time of the daemon (/proc/<pid>/schedstat) per advert
#   max adv/s    1e6 / (CPU us/adv): what one core could sustain
#   commit max   the longest time the loop spent encoding + writing the
#                record (status persistence.commit_max_us): the stall
#   write max    of which the pwrite itself
#   sync         fdatasync in the background thread: count and longest
#   max gap      the longest gap between two adverts of instance 1 on the
#                wire (tcpdump in the namespace), K = 1 only: what a stall
#                would look like from the peers
#
# Environment: BP_SECONDS=8, BP_OUT=FILE (also write the table there), KEEP=1.
# shellcheck source-path=SCRIPTDIR
set -u

[ $# -eq 1 ] || { echo "usage: $0 <clustd-binary>" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
secs=${BP_SECONDS:-8}
case $secs in
[1-9] | [1-5][0-9]) ;;
*) echo "bench-persist: BP_SECONDS must be 1..59" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
	echo "bench-persist: needs root (network namespaces): sudo make bench" >&2
	exit 2
fi
CLUSTD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export CLUSTD
# shellcheck source=../t/net/lib.sh
. "$top/t/net/lib.sh"
# Bridged frames skip iptables, as in every bench (scripts/bench-lib.sh).
NET_BRIDGE_NF=0

say() {
	echo "bench-persist: $*"
}

net_init bench-persist
net_bridge
net_host n1 198.51.100.11/24

# conf <K> <true|false>
conf() {
	local i sep=""
	{
		printf 'node = { name = "n1"; state_dir = "%s/n1/state"; run_dir = "%s/n1/run"; persist_counters = %s; };\n' \
			"$T" "$T" "$2"
		echo "instances = ("
		for i in $(seq 1 "$1"); do
			printf '%s{ name = "i%d"; interface = "eth0"; vrid = %d; priority = 255;\n  advert_interval = 10; vips = [ "198.51.100.%d/24" ]; }\n' \
				"$sep" "$i" "$i" "$((100 + i))"
			sep=","
		done
		echo ");"
	} | clustd_conf n1
}

status() {
	nsx n1 timeout 5 "$CLUSTD" -f "$T/n1.conf" status --json 2>/dev/null
}

adverts() {
	status | jq '[.instances[].counters.adverts_sent] | add'
}

sched_ns() {
	awk '{ print $1 }' "/proc/$(clustd_pid n1)/schedstat"
}

# run <K> <on|off>: one measured run; prints a table row.
run() {
	local k=$1 mode=$2 persist=false a0 a1 c0 c1 t0 t1 st gap="-"
	[ "$mode" = on ] && persist=true
	rm -rf "$T/n1/state"
	conf "$k" "$persist"
	clustd_start n1
	if ! wait_until 10 eval '[ "$(status | jq "[.instances[] | select(.state == \"MASTER\")] | length")" = "$k" ]'; then
		say "K=$k $mode: not all instances became master"
		return 1
	fi
	sleep 1
	[ "$k" = 1 ] && capture_start gap "ip proto 112"
	a0=$(adverts); c0=$(sched_ns); t0=$(now_ms)
	sleep "$secs"
	a1=$(adverts); c1=$(sched_ns); t1=$(now_ms)
	if [ "$k" = 1 ]; then
		capture_stop gap
		gap=$(max_gap_ms gap "vrrp")
	fi
	st=$(status | jq -r '.persistence | "\(.commit_max_us // "-") \(.write_max_us // "-") \(.syncs // "-") \(.sync_max_us // "-")"')
	clustd_signal n1 TERM
	clustd_wait_exit n1 10
	awk -v k="$k" -v m="$mode" -v a=$((a1 - a0)) -v c=$((c1 - c0)) -v ms=$((t1 - t0)) -v st="$st" -v gap="$gap" '
	BEGIN {
		split(st, s, " ")
		per = a ? c / 1000 / a : 0
		printf "%-3s %-4s %9.0f %10.1f %10.0f %10s %9s %5s %8s %8s\n", k, m, a * 1000 / ms, per,
			per ? 1e6 / per : 0, s[1], s[2], s[3], s[4], gap
	}'
}

out=${BP_OUT:-/dev/null}
{
	echo "Counter persistence cost: one node, K instances at advert_interval 10 ms, ${secs} s each."
	echo "load average $(cut -d' ' -f1 /proc/loadavg), $(nproc) CPU(s), state_dir on $(df -T "$T" | awk 'NR == 2 { print $2 }')"
	printf '%-3s %-4s %9s %10s %10s %10s %9s %5s %8s %8s\n' K persist adverts/s "CPU us/adv" "max adv/s" \
		"commit max" "write max" syncs "sync max" "max gap"
	printf '%-3s %-4s %9s %10s %10s %10s %9s %5s %8s %8s\n' "" "" "" "" "" us us "" us ms
	for k in 1 20; do
		for mode in off on; do
			run "$k" "$mode"
		done
	done
} | tee "$out"

