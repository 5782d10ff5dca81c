#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/bench-flood.sh <clustd-binary>: an on-link flood of adverts the
# daemons must refuse (run by `sudo make bench`).
#
# Two nodes, one VRRPv3 instance (VRID 51), adverts every FL_IVL ms (100):
# n1 master (priority 200), n2 backup (100). A third namespace runs
# t/tools/vrrp_flood (AF_PACKET, sendmmsg of whole frames) for FL_SECONDS
# (10), as fast as it can or at FL_PPS: adverts for every other VRID,
# priority-254 adverts for VRID 51 with a wrong checksum, and with TTL 64,
# in turn. The same flood for each implementation, one after the other in
# the same run: clustd (its defaults: the kernel filter on), clustd with
# `rx_filter = false;`, keepalived (Debian's, defaults).
# Figures per implementation:
#   pps         what the sender achieved (packets / s)
#   takeovers   n2 becoming master while n1 runs (false takeovers)
#   gap p99/max between two consecutive adverts of n1 on the wire, ms (a
#               capture of what n1 sends, on its bridge port)
#   CPU n1/n2   the daemons' on-CPU time during the flood, ms per second
#               (every thread and child: keepalived's VRRP process too)
#   counted     n2's drop counters' growth over the packets sent (clustd;
#               "-" for keepalived, which has no such counters)
# Environment: FL_SECONDS, FL_IVL, FL_PPS, FL_OUT=FILE (the table is also
# written there), KEEP=1. The sender is bounded by its own --seconds and by
# `timeout`.
# shellcheck source-path=SCRIPTDIR
set -u

[ $# -eq 1 ] || { echo "usage: $0 <clustd-binary>" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
secs=${FL_SECONDS:-10}
ivl=${FL_IVL:-100}
pps=${FL_PPS:-0}
if [ "$(id -u)" -ne 0 ]; then
	echo "bench-flood: needs root (network namespaces): sudo make bench" >&2
	exit 2
fi
CLUSTD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export CLUSTD
# shellcheck source=../t/net/lib.sh
. "$top/t/net/lib.sh"
# shellcheck source=bench-lib.sh
. "$here/bench-lib.sh"

net_init bench-flood
FLOOD=$T/vrrp_flood
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$FLOOD" "$top/t/tools/vrrp_flood.c" || exit 1
net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
net_host inj 198.51.100.200/24
# shellcheck disable=SC2034
NET_HOSTS="n1 n2"

# drops <node>: every drop counter of n2's clustd, summed (instance and
# node), plus queue overflows.
drops() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" metrics 2>/dev/null |
		awk '/^clustd_adverts_dropped_(no_instance_)?total\{/ || /^clustd_rx_queue_overflows_total\{/ { s += $NF }
		     END { printf "%d\n", s }'
}

start_pair() {
	local impl=$1 extra=$2 node prio
	for node in n1 n2; do
		prio=200
		[ "$node" = n2 ] && prio=100
		impl_conf "$impl" "$node" "$prio" "$ivl"
		if [ "$impl" = clustd ] && [ -n "$extra" ]; then
			sed -i "s/^node = { \\(.*\\) };\$/node = { \\1 $extra };/" "$T/$node.conf"
		fi
		impl_start "$impl" "$node"
		[ "$node" = n1 ] && sleep 1
	done
}

# run <label> <impl> <node extra>: one flood; prints its row.
run() {
	local label=$1 impl=$2 extra=$3 mark c1a c2a c1b c2b ta tb take gaps out sent d0 d1 counted
	start_pair "$impl" "$extra"
	sleep 3
	mark=$(log_lines n2)
	[ "$impl" = clustd ] && d0=$(drops n2)
	capture_start "fl-$label" "ip proto 112 and src host 198.51.100.11" v-n1 in
	c1a=$(bench_cpu_ns n1); c2a=$(bench_cpu_ns n2); ta=$(now_ms)
	out=$(nsx inj timeout $((secs + 10)) "$FLOOD" --ifname eth0 --src 198.51.100.200 \
		--vrid "$BENCH_VRID" --seconds "$secs" --pps "$pps")
	c1b=$(bench_cpu_ns n1); c2b=$(bench_cpu_ns n2); tb=$(now_ms)
	sleep 0.5
	capture_stop "fl-$label"
	sent=$(echo "$out" | awk '{ print $2 }')
	counted=-
	if [ "$impl" = clustd ]; then
		d1=$(drops n2)
		counted=$(awk -v a="$d0" -v b="$d1" -v s="${sent:-0}" 'BEGIN { printf "%.3f", s ? (b - a) / s : 0 }')
	fi
	take=$(log_count n2 "$(impl_master_re "$impl")" "$mark")
	bench_stop_pair
	gaps=$(pcap_fields "fl-$label" "vrrp.type == 1" frame.time_epoch |
		awk 'NR > 1 { print ($1 - p) * 1000 } { p = $1 }' | sort -n |
		awk '{ v[NR] = $1 } END { if (!NR) { print "- - 0"; exit }
			i = int(NR * 0.99); if (i < 1) i = 1
			printf "%.1f %.1f %d\n", v[i], v[NR], NR + 1 }')
	awk -v l="$label" -v t="$take" -v g="$gaps" -v c1=$((c1b - c1a)) -v c2=$((c2b - c2a)) \
		-v ms=$((tb - ta)) -v o="$out" -v k="$counted" 'BEGIN { split(g, a, " "); split(o, f, " ")
		printf "%-16s %8d %9d %8s %8s %8d %9.1f %9.1f %8s\n", l, f[6], t, a[1], a[2], a[3],
			c1 / ms / 1000, c2 / ms / 1000, k }'
}

out=${FL_OUT:-/dev/null}
{
	echo "Flood: ${secs} s of adverts for other VRIDs, bad checksums and TTL 64 (in turn) from a third namespace, $([ "$pps" = 0 ] && echo "as fast as the sender can" || echo "at $pps pps"); adverts every $ivl ms."
	echo "$("$CLUSTD" -V), $(keepalived -v 2>&1 | head -1), kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg) at start, $(date -u +%Y-%m-%dT%H:%MZ)"
	printf '%-16s %8s %9s %8s %8s %8s %9s %9s %8s\n' implementation pps takeovers "gap p99" "gap max" adverts "n1 CPU" "n2 CPU" counted
	printf '%-16s %8s %9s %8s %8s %8s %9s %9s %8s\n' "" sent "(false)" ms ms "" "ms/s" "ms/s" "/sent"
	run clustd clustd ""
	run clustd-nofilter clustd "rx_filter = false;"
	if command -v keepalived >/dev/null 2>&1; then
		run keepalived keepalived ""
	fi
} | tee "$out"
