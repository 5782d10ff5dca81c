#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/bench-loadstorm.sh <clustd-binary>: does a busy machine make a
# backup take over from a live master? (run by `sudo make bench`)
#
# Two nodes, one VRRPv3 instance, adverts every LS_IVL ms (10): n1 master
# (priority 200), n2 backup (100): n2 takes over after 30 ms without one
# (Master_Down_Interval, 3 x 10 ms + a skew of 0).
# For LS_SECONDS (60) a storm runs on the whole machine, the same for each
# implementation, one after the other in the same run:
#   - LS_HOGS (2) CPU hogs: busy shell loops, one per core of this machine;
#   - memory churn: python3 filling and freeing 256 MiB, over and over;
#   - disk churn: dd writing 256 MiB with fsync into the test directory,
#     over and over.
# Implementations: clustd (the binary given, its defaults: real-time loop,
# locked memory), keepalived (Debian's, its defaults: no real-time), and
# with LS_NORT=1 clustd with `realtime = false; lock_memory = false;`.
# Figures per implementation, from a capture on the bridge (n1's adverts)
# and the daemons' logs:
#   takeovers   n2 becoming master while n1 runs (false takeovers)
#   gap p99/max the time between two consecutive adverts of n1, ms
#   CPU n1/n2   the daemons' on-CPU time during the storm, ms per second
#   steal       the hypervisor's steal time of this (virtual) machine during
#               the storm, ms per second over all CPUs (/proc/stat): time
#               in which no process of the guest ran, whatever its priority
# Environment: LS_SECONDS, LS_IVL, LS_HOGS, LS_NORT, LS_OUT=FILE (the table
# is also written there), KEEP=1. Every storm process is bounded by
# `timeout` and killed by PID.
# shellcheck source-path=SCRIPTDIR
set -u

[ $# -eq 1 ] || { echo "usage: $0 <clustd-binary>" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
secs=${LS_SECONDS:-60}
ivl=${LS_IVL:-10}
hogs=${LS_HOGS:-$(nproc)}
storm=${LS_STORM:-cpu mem disk}
if [ "$(id -u)" -ne 0 ]; then
	echo "bench-loadstorm: needs root (network namespaces): sudo make bench" >&2
	exit 2
fi
CLUSTD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export CLUSTD
# shellcheck source=../t/net/lib.sh
. "$top/t/net/lib.sh"
# shellcheck source=bench-lib.sh
. "$here/bench-lib.sh"

net_init bench-loadstorm
SHM=$(mktemp -d /dev/shm/clustd-loadstorm.XXXXXX) || exit 2
chmod 0755 "$SHM"
trap 'net_cleanup; rm -rf "$SHM"' EXIT
net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24


# storm_start: the hogs and churners, each bounded by timeout.
STORM=""
storm_start() {
	local i
	case " $storm " in *" cpu "*) ;; *) hogs=0 ;; esac
	for ((i = 0; i < hogs; i++)); do
		timeout "$((secs + 5))" sh -c 'while :; do :; done' &
		STORM="$STORM $!"
	done
	case " $storm " in *" mem "*) ;; *) return ;; esac
	timeout "$((secs + 5))" python3 -c '
import time
while True:
    b = bytearray(256 << 20)
    for i in range(0, len(b), 4096):
        b[i] = 1
    del b
    time.sleep(0.05)
' &
	STORM="$STORM $!"
	NET_BG_PIDS="$NET_BG_PIDS $STORM"
	case " $storm " in *" disk "*) ;; *) return ;; esac
	timeout "$((secs + 5))" sh -c "while :; do dd if=/dev/zero of='$T/churn' bs=1M count=256 conv=fsync status=none; rm -f '$T/churn'; done" &
	STORM="$STORM $!"
	NET_BG_PIDS="$NET_BG_PIDS $STORM"
}

storm_stop() {
	local p
	for p in $STORM; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $STORM; do
		wait "$p" 2>/dev/null
	done
	rm -f "$T/churn"
	STORM=""
}

# conf <impl> <node> <prio>: clustd configs may carry node extras (LS_EXTRA).
start_pair() {
	local impl=$1 extra=$2 node prio
	for node in n1 n2; do
		prio=200
		[ "$node" = n2 ] && prio=100
		if [ "$impl" = keepalived ]; then
			impl_conf keepalived "$node" "$prio" "$ivl"
		else
			impl_conf clustd "$node" "$prio" "$ivl"
			[ -n "$extra" ] && sed -i "s/^node = { \\(.*\\) };\$/node = { \\1 $extra };/" "$T/$node.conf"
			# run_dir on tmpfs, as /run is on a real system (the test
			# directory may be on a disk).
			mkdir -p -m 0755 "$SHM/$node"
			sed -i "s|run_dir = \"[^\"]*\"|run_dir = \"$SHM/$node\"|" "$T/$node.conf"
		fi
		impl_start "${impl%-*}" "$node"
		[ "$node" = n1 ] && sleep 1
	done
}

# steal_ms: the hypervisor's steal time of this machine so far, ms (all
# CPUs): while it grows, no process of this guest can run, whatever its
# priority.
steal_ms() {
	awk '/^cpu / { printf "%d\n", $9 * 1000 / '"$(getconf CLK_TCK)"' }' /proc/stat
}

# run <label> <impl> <node extra>: one storm; prints its row.
run() {
	local label=$1 impl=$2 extra=$3 mark c1a c2a c1b c2b ta tb take gaps sa sb
	start_pair "$impl" "$extra"
	sleep 3
	mark=$(log_lines n2)
	capture_start "ls-$label" "ip proto 112 and src host 198.51.100.11"
	c1a=$(bench_cpu_ns n1); c2a=$(bench_cpu_ns n2); ta=$(now_ms); sa=$(steal_ms)
	storm_start
	sleep "$secs"
	c1b=$(bench_cpu_ns n1); c2b=$(bench_cpu_ns n2); tb=$(now_ms); sb=$(steal_ms)
	storm_stop
	capture_stop "ls-$label"
	take=$(log_count n2 "$(impl_master_re "${impl%-*}")" "$mark")
	bench_stop_pair
	gaps=$(pcap_fields "ls-$label" "vrrp.type == 1" frame.time_epoch |
		awk 'NR > 1 { print ($1 - p) * 1000 } { p = $1 }' | sort -n |
		awk '{ v[NR] = $1 } END { if (!NR) { print "- - 0"; exit }
			i = int(NR * 0.99); if (i < 1) i = 1
			printf "%.1f %.1f %d\n", v[i], v[NR], NR + 1 }')
	awk -v l="$label" -v t="$take" -v g="$gaps" -v c1=$((c1b - c1a)) -v c2=$((c2b - c2a)) \
		-v ms=$((tb - ta)) -v st=$((sb - sa)) 'BEGIN { split(g, a, " ")
		printf "%-14s %9d %8s %8s %8d %9.1f %9.1f %9.1f\n", l, t, a[1], a[2], a[3], c1 / ms / 1000,
			c2 / ms / 1000, st * 1000 / ms }'
}

out=${LS_OUT:-/dev/null}
{
	echo "Load storm: adverts every $ivl ms (backup's Master_Down $(bench_mdi_ms 100 "$ivl") ms), ${secs} s of: $storm (cpu: $hogs hogs; mem: 256 MiB churn; disk: 256 MiB fsync'd writes)."
	echo "$("$CLUSTD" -V), $(keepalived -v 2>&1 | head -1), kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg) at start, $(date -u +%Y-%m-%dT%H:%MZ)"
	printf '%-14s %9s %8s %8s %8s %9s %9s %9s\n' implementation takeovers "gap p99" "gap max" adverts "n1 CPU" "n2 CPU" steal
	printf '%-14s %9s %8s %8s %8s %9s %9s %9s\n' "" "(false)" ms ms "" "ms/s" "ms/s" "ms/s"
	run clustd clustd ""
	if command -v keepalived >/dev/null 2>&1; then
		run keepalived keepalived ""
	fi
	if [ "${LS_NORT:-0}" = 1 ]; then
		run clustd-nort clustd-nort "realtime = false; lock_memory = false;"
	fi
} | tee "$out"
