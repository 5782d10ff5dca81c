#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/bench-scale.sh <clustd-binary>: 255 VRRP instances on one node
# (run by `sudo make bench`).
#
# Two nodes, each with the same 255 instances (VRRPv3, adverts every 100
# ms, one VIP each; t/net/lib_scale.sh), over 1 and over 4 interfaces: n1
# (priority 200) master of all, n2 (100) backup of all. Per layout:
#   CPU         each node's on-CPU time over SB_SECONDS (10) at rest, as %
#               of one core (all threads; /proc/<pid>/task/*/schedstat)
#   wakeups     n1's voluntary context switches per second over the same
#               window (all threads): how often it slept and woke
#   status      `clustd status --json`, `status` and `metrics` on n1: the
#               slowest of 3 asks each, ms (the client's whole run)
#   takeover    n1 gets SIGKILL: when n2 logs each instance's BACKUP ->
#               MASTER, ms after the kill: first, median, last, and the
#               spread (last - first); the bound is the Master_Down_Interval
#               (360 ms) after n1's last advert, so up to 460 ms after the
#               kill
#   RSS         n1's VmRSS, kB
# Then 64 VIPs on one instance (t/net/lib_scale.sh's sc_vips64_conf: an
# IPv4 instance with 64 VIPs and an IPv6 one with 64), SB_RUNS (5)
# takeovers after a SIGKILL of the master: on the bridge, from the new
# master's first advert to the last VIP's first gratuitous ARP (IPv4) or
# unsolicited NA (IPv6), ms, min/median/max over the runs, against the
# first burst interval (garp.interval, 10 ms).
# Environment: SB_SECONDS, SB_RUNS, SB_OUT=FILE (the table is also written there),
# KEEP=1.
# shellcheck source-path=SCRIPTDIR
set -u

[ $# -eq 1 ] || { echo "usage: $0 <clustd-binary>" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
secs=${SB_SECONDS:-10}
N=255
if [ "$(id -u)" -ne 0 ]; then
	echo "bench-scale: needs root (network namespaces): sudo make bench" >&2
	exit 2
fi
CLUSTD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export CLUSTD
# shellcheck source=../t/net/lib.sh
. "$top/t/net/lib.sh"
# Bridged frames skip iptables, as in every bench (scripts/bench-lib.sh).
NET_BRIDGE_NF=0
# shellcheck source=../t/net/lib_scale.sh
. "$top/t/net/lib_scale.sh"

cpu_ns() {
	local t sum=0
	for t in /proc/"$(clustd_pid "$1")"/task/*/schedstat; do
		[ -r "$t" ] && sum=$((sum + $(cut -d' ' -f1 "$t")))
	done
	echo "$sum"
}

# wakeups <node>: voluntary context switches of all the node's threads so far.
wakeups() {
	cat /proc/"$(clustd_pid "$1")"/task/*/status 2>/dev/null |
		awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n + 0 }'
}

# slowest_ms <cmd...>: the longest of 3 runs, ms.
slowest_ms() {
	local i t0 t1 max=0
	for i in 1 2 3; do
		t0=$(now_ms)
		"$@" >/dev/null 2>&1
		t1=$(now_ms)
		[ $((t1 - t0)) -gt $max ] && max=$((t1 - t0))
	done
	echo $max
}

# layout <ifaces>: one measured layout in a namespace set of its own; prints its row.
layout() {
	local ifaces=$1 a1 a2 b1 b2 w1 w2 ta tb sj st sm kill_at spread rss
	# A fresh set of namespaces per layout (lib.sh's cleanup runs once per set).
	NET_CLEANED=0 NET_NAMESPACES="" NET_DAEMONS="" NET_BG_PIDS="" NET_HOSTS=""
	net_init "bench-scale$ifaces"
	sc_topology "$ifaces" n1 n2
	sc_conf n1 $N "$ifaces" 200
	sc_conf n2 $N "$ifaces" 100
	clustd_start n1 -l info
	sleep 1
	clustd_start n2 -l info
	if ! wait_until 60 eval '[ "$(sc_vips n1)" = $N ] && [ "$(sc_states n2)" = "0 $N" ]'; then
		echo "bench-scale: $ifaces interface(s): n1 never held all $N VIPs with n2 backup" >&2
		net_cleanup
		return 1
	fi
	sleep 3
	a1=$(cpu_ns n1); a2=$(cpu_ns n2); w1=$(wakeups n1); ta=$(now_ms)
	sleep "$secs"
	b1=$(cpu_ns n1); b2=$(cpu_ns n2); w2=$(wakeups n1); tb=$(now_ms)
	sj=$(slowest_ms nsx n1 "$CLUSTD" -f "$T/n1.conf" status --json)
	st=$(slowest_ms nsx n1 "$CLUSTD" -f "$T/n1.conf" status)
	sm=$(slowest_ms nsx n1 "$CLUSTD" -f "$T/n1.conf" metrics)
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$(clustd_pid n1)/status")
	sleep 1
	mark=$(log_lines n2)
	kill_at=$(date +%T.%3N)
	clustd_kill n1
	wait_until 20 eval '[ "$(sc_vips n2)" = $N ]'
	sleep 0.5
	# "HH:MM:SS.mmm" of each takeover, as ms after the kill.
	spread=$(log_since n2 "$mark" | grep -E ': i[0-9]+: BACKUP -> MASTER' |
		sed -E 's/^[0-9-]+T([0-9:.]+) .*/\1/' |
		awk -v k="$kill_at" 'function ms(t, a) { split(t, a, ":"); return (a[1] * 3600 + a[2] * 60 + a[3]) * 1000 }
			{ print ms($1) - ms(k) }' | sort -n |
		awk '{ v[NR] = $1 } END { if (!NR) { print "- - - - 0"; exit }
			printf "%d %d %d %d %d\n", v[1], v[int((NR + 1) / 2)], v[NR], v[NR] - v[1], NR }')
	awk -v f="$ifaces" -v c1=$((b1 - a1)) -v c2=$((b2 - a2)) -v ms=$((tb - ta)) -v wk=$((w2 - w1)) -v sj="$sj" \
		-v st="$st" -v sm="$sm" -v sp="$spread" -v rss="$rss" 'BEGIN { split(sp, s, " ")
		printf "%6d %7.2f %7.2f %7d %6d %6d %7d %6s %6s %6s %6s %5s %7d\n", f, c1 / ms / 10000, \
			c2 / ms / 10000, wk * 1000 / ms, sj, st, sm, s[1], s[2], s[3], s[4], s[5], rss }'
	net_cleanup
}

# vips64 <runs>: the 64-VIP announcement figure; prints its lines.
vips64() {
	local runs=$1 r old new r_old fam vrid span v4="" v6=""
	NET_CLEANED=0 NET_NAMESPACES="" NET_DAEMONS="" NET_BG_PIDS="" NET_HOSTS=""
	net_init bench-vips64
	net_bridge br0
	net_host n1 198.51.100.11/24 2001:db8::11/64
	net_host n2 198.51.100.12/24 2001:db8::12/64
	sc_vips64_conf n1 200
	sc_vips64_conf n2 200
	clustd_start n1 -l info
	wait_until 15 eval '[ "$(sc_vips64_held n1)" = $((2 * SC_VIPS)) ]'
	clustd_start n2 -l info
	old=n1 new=n2
	for ((r = 1; r <= runs; r++)); do
		# Equal priorities, no preemption: the restarted node stays backup.
		wait_until 10 eval 'backup_settled $new v4 && backup_settled $new v6' || break
		capture_start "take$r" "arp or icmp6 or ip proto 112 or (ip6 and ip6[6] == 112)" || break
		clustd_kill $old
		wait_until 10 eval '[ "$(sc_vips64_held $new)" = $((2 * SC_VIPS)) ]'
		sleep 0.5
		capture_stop "take$r"
		for fam in v4 v6; do
			vrid=41
			[ $fam = v6 ] && vrid=42
			span=$(sc_announce_span "take$r" "$(host_mac $new)" $vrid $fam)
			# Only a run that announced all 64 counts.
			[ "${span%% *}" = "$SC_VIPS" ] || span="0 -1"
			span=$(echo "$span" | cut -d' ' -f2)
			[ $fam = v4 ] && v4="$v4 $span" || v6="$v6 $span"
		done
		clustd_start $old -l info
		r_old=$old old=$new new=$r_old
	done
	for fam in v4 v6; do
		[ $fam = v4 ] && span=$v4 || span=$v6
		echo "$span" | tr ' ' '\n' | grep . | sort -n | awk -v f=$fam -v n="$SC_VIPS" -v runs="$runs" '
			$1 < 0 { bad++; next } { v[++k] = $1 }
			END { printf "%s: %d VIPs, last first announcement after the first advert: min %s median %s max %s ms (%d runs, %d incomplete; garp.interval 10 ms)\n",
				f, n, k ? v[1] : "-", k ? v[int((k + 1) / 2)] : "-", k ? v[k] : "-", runs, runs - k }'
	done
	net_cleanup
}

out=${SB_OUT:-/dev/null}
{
	echo "$N instances per node (VRRPv3, 100 ms adverts, one VIP each), n1 master of all, n2 backup; ${secs} s at rest."
	echo "$("$CLUSTD" -V), kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg) at start, $(date -u +%Y-%m-%dT%H:%MZ)"
	printf '%6s %7s %7s %7s %6s %6s %7s %6s %6s %6s %6s %5s %7s\n' ifaces "n1 CPU" "n2 CPU" "n1 wake" "json" "text" metrics \
		"take" "take" "take" spread moved "n1 RSS"
	printf '%6s %7s %7s %7s %6s %6s %7s %6s %6s %6s %6s %5s %7s\n' "" "% core" "% core" "/s" ms ms ms first median last ms "" kB
	for f in 1 4; do
		layout "$f"
	done
	echo
	echo "64 VIPs on one instance, the new master's first burst after a SIGKILL of the old one:"
	vips64 "${SB_RUNS:-5}"
} | tee "$out"
