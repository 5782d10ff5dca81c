#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/bench-rest.sh <clustd-binary>: what a VRRP pair costs at rest
# (run by `sudo make bench`).
#
# Two nodes on one bridge, one VRRPv3 instance (VRID 51, one VIP), adverts
# every BR_IVL ms (100): n1 master (priority 200), n2 backup (100). The same
# pair runs, one after the other in the same run:
#   floor       build/advert_floor: n1 sends the very advert clustd sends
#               (same socket and options) after each clock_nanosleep, n2
#               reads them with one blocking recv each: nothing else.
#   clustd      the binary given.
#   before      BEFORE=<clustd-binary>: an older clustd, for before/after.
#   keepalived  Debian's keepalived, VRRP only, its defaults.
# Per implementation and node, over BR_SECONDS (10) of steady state:
#   CPU us/s    on-CPU time of every thread of every process of the node's
#               daemon (/proc/<pid>/task/*/schedstat, ns), per second
#   us/advert   that, per advert sent (master) or received (backup); the
#               adverts counted on the wire (tcpdump on the bridge)
#   syscalls/adv  system calls per advert (strace -c -f over BR_STRACE_S
#               (4) s, a separate window: strace slows what it watches)
#   RSS kB      VmRSS summed over the node's processes
# and the resident memory of a master with etc/clustd.conf, by mapping.
# clustd's run_dir (its crash copy of the counters, a mapped file) is on
# tmpfs (/dev/shm), as /run is on a real system; state_dir is on $T's disk.
# With BR_RUNS=N (1) the implementations take turns N times and a last
# table gives each row's median: single runs move by 20 % on a shared VM.
# Environment: BR_SECONDS, BR_IVL, BR_STRACE_S, BR_RUNS, BEFORE,
# BR_OUT=FILE (the tables are also written there), KEEP=1,
# BR_ONLY=rss (only the resident memory part: no pair is run).
# shellcheck source-path=SCRIPTDIR
set -u

[ $# -eq 1 ] || { echo "usage: $0 <clustd-binary>" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
secs=${BR_SECONDS:-10}
ivl=${BR_IVL:-100}
strace_s=${BR_STRACE_S:-4}
runs=${BR_RUNS:-1}
if [ "$(id -u)" -ne 0 ]; then
	echo "bench-rest: needs root (network namespaces): sudo make bench" >&2
	exit 2
fi
CLUSTD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export CLUSTD
FLOOR=$top/build/advert_floor
[ -x "$FLOOR" ] || { echo "bench-rest: build $FLOOR first (make build/advert_floor)" >&2; exit 2; }
# shellcheck source=../t/net/lib.sh
. "$top/t/net/lib.sh"
# shellcheck source=bench-lib.sh
. "$here/bench-lib.sh"

net_init bench-rest
shm=/dev/shm/$(basename "$T")
net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24

# pids_of <node>: every process of the node's daemon (keepalived: parent
# and VRRP child; floor: the tool).
pids_of() {
	local main
	main=$(cat "$T/$1.pid" 2>/dev/null) || return
	echo "$main"
	pgrep -P "$main" 2>/dev/null
}

# cpu_ns <node>: on-CPU ns of all threads of all its processes.
cpu_ns() {
	local p t sum=0
	for p in $(pids_of "$1"); do
		for t in /proc/"$p"/task/*/schedstat; do
			[ -r "$t" ] && sum=$((sum + $(cut -d' ' -f1 "$t")))
		done
	done
	echo "$sum"
}

rss_kb() {
	local p sum=0 v
	for p in $(pids_of "$1"); do
		v=$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

# syscalls <node>: system calls of all its processes over strace_s seconds.
syscalls() {
	local args=() p
	for p in $(pids_of "$1"); do
		args+=(-p "$p")
	done
	timeout "$strace_s" strace -c -f -qq "${args[@]}" 2>&1 >/dev/null |
		awk '$NF == "total" { print $4 }' | tail -1
}

# start <impl> <node> <prio>
start() {
	local impl=$1 node=$2 prio=$3
	case $impl in
	floor)
		if [ "$node" = n1 ]; then
			ip netns exec "${P}n1" "$FLOOR" eth0 198.51.100.11 "$BENCH_VRID" "$prio" "$ivl" 3600 \
				>>"$T/n1.log" 2>&1 &
		else
			ip netns exec "${P}n2" "$FLOOR" recv eth0 "$ivl" 3600 >>"$T/n2.log" 2>&1 &
		fi
		echo $! >"$T/$node.pid"
		NET_BG_PIDS="$NET_BG_PIDS $!"
		;;
	clustd | before)
		impl_conf clustd "$node" "$prio" "$ivl"
		mkdir -p "$shm/$node"
		sed -i "s|run_dir = \"[^\"]*\"|run_dir = \"$shm/$node\"|" "$T/$node.conf"
		if [ "$impl" = before ]; then
			CLUSTD=$BEFORE impl_start clustd "$node"
		else
			impl_start clustd "$node"
		fi
		;;
	keepalived)
		impl_conf keepalived "$node" "$prio" "$ivl"
		impl_start keepalived "$node"
		;;
	esac
}

# run <impl>: one measured pair; prints its two rows.
run() {
	local impl=$1 c1a c1b c2a c2b ta tb n1adv r1 r2 s1 s2
	start "$impl" n1 200
	sleep 1.5
	start "$impl" n2 100
	sleep 3
	capture_start "rest-$impl" "ip proto 112"
	c1a=$(cpu_ns n1); c2a=$(cpu_ns n2); ta=$(now_ms)
	sleep "$secs"
	c1b=$(cpu_ns n1); c2b=$(cpu_ns n2); tb=$(now_ms)
	capture_stop "rest-$impl"
	n1adv=$(pcap_count "rest-$impl" "ip.src == 198.51.100.11 && vrrp.type == 1")
	r1=$(rss_kb n1); r2=$(rss_kb n2)
	s1=$(syscalls n1); s2=$(syscalls n2)
	bench_stop_pair
	awk -v impl="$impl" -v c1=$((c1b - c1a)) -v c2=$((c2b - c2a)) -v ms=$((tb - ta)) \
		-v adv="$n1adv" -v r1="$r1" -v r2="$r2" -v s1="${s1:-0}" -v s2="${s2:-0}" \
		-v ss="$strace_s" -v ivl="$ivl" '
	BEGIN {
		rate = adv * 1000 / ms
		sys_adv = 1000 / ivl * ss
		printf "%-11s master %9.1f %10.1f %8.1f %8.2f %8d\n", impl, rate, c1 / ms, \
			adv ? c1 / 1000 / adv : 0, s1 / sys_adv, r1
		printf "%-11s backup %9.1f %10.1f %8.1f %8.2f %8d\n", impl, rate, c2 / ms, \
			adv ? c2 / 1000 / adv : 0, s2 / sys_adv, r2
	}'
}

# sample_rss <binary> <label>: the master's resident memory with the
# configuration of etc/clustd.conf (its two instances, web and web6, at
# 100 ms), alone on n1, and where it goes (/proc/<pid>/smaps, by mapping).
# The file ships with an empty instance list and the two as a commented
# example: they are enabled as its own comment says.
sample_rss() {
	local pid
	sed -e '/^instances = ( );$/d' -e 's/^#| \{0,1\}//' \
		-e "s|/var/lib/clustd|$T/n1/state|; s|/run/clustd|$T/n1/run|" \
		-e 's|advert_interval = 1000;|advert_interval = 100;|' \
		-e 's|# name = "web1";|name = "n1";|' \
		-e 's|vips = \[ "2001:db8::100/64" \];|vips = [ "2001:db8::100/64" ]; advert_interval = 100;|' \
		"$top/etc/clustd.conf" >"$T/n1.conf"
	mkdir -p "$T/n1/state" "$T/n1/run"
	CLUSTD=$1 clustd_start n1 -l info
	sleep 4
	pid=$(clustd_pid n1)
	echo "$2: VmRSS $(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status") kB, $(grep -c . "/proc/$pid/maps") mappings; by mapping (kB):"
	awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6; if (name == "") name = "[anon: bss, thread stacks]"; sub(".*/", "", name) }
	     /^Rss:/ { rss[name] += $2 }
	     END { for (n in rss) if (rss[n] > 0) printf "  %6d  %s\n", rss[n], n }' "/proc/$pid/smaps" | sort -rn
	bench_stop_pair
}

# medians <rows-file>: per implementation and role, the median of each
# column over the runs, in the order the rows first came.
medians() {
	awk '{ k = $1 " " $2; if (!(k in n)) order[++nk] = k; n[k]++
	       for (c = 3; c <= 7; c++) v[k, c, n[k]] = $c }
	function median(k, c,   i, j, t, m, a) {
		m = n[k]; for (i = 1; i <= m; i++) a[i] = v[k, c, i]
		for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2 }
	END { for (i = 1; i <= nk; i++) { k = order[i]; split(k, f, " ")
		printf "%-11s %-6s %9.1f %10.1f %8.1f %8.2f %8d\n", f[1], f[2], median(k, 3), \
			median(k, 4), median(k, 5), median(k, 6), median(k, 7) } }' "$1"
}

impls="floor clustd"
[ -n "${BEFORE:-}" ] && impls="$impls before"
command -v keepalived >/dev/null 2>&1 && impls="$impls keepalived"
out=${BR_OUT:-/dev/null}
header() {
	printf '%-11s %-6s %9s %10s %8s %8s %8s\n' impl role "adverts/s" "CPU us/s" "us/adv" "sys/adv" "RSS kB"
}
{
	[ "${BR_ONLY:-}" = rss ] && runs=0
	[ "$runs" -gt 0 ] &&
		echo "At rest: one VRRPv3 instance, adverts every $ivl ms, n1 master, n2 backup, ${secs} s each."
	echo "$("$CLUSTD" -V), $(keepalived -v 2>&1 | head -1), kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg) at start, $(date -u +%Y-%m-%dT%H:%MZ)"
	[ "$runs" -gt 0 ] && header
	for r in $(seq "$runs"); do
		[ "$runs" -gt 1 ] && echo "run $r of $runs"
		for impl in $impls; do
			run "$impl" | tee -a "$T/rows"
		done
	done
	if [ "$runs" -gt 1 ]; then
		echo
		echo "Medians over $runs runs:"
		header
		medians "$T/rows"
	fi
	echo
	echo "Resident memory of a master with etc/clustd.conf (2 instances, adverts at 100 ms):"
	sample_rss "$CLUSTD" clustd
	[ -n "${BEFORE:-}" ] && sample_rss "$BEFORE" before
	rm -rf "$shm"
} | tee "$out"
