#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/bench-cluster.sh <clustd-binary>: what the cluster plane (the
# heartbeats and quorum of doc/quorum.md) costs and what it does to a
# failover. See the "Cluster plane" section of doc/bench.md.
#
# Same topology as bench.sh: n1 198.51.100.11 prio 100, n2 .12 prio 150,
# n3 .13 prio 200 on one bridge, VRID 51, VIP 198.51.100.100, n3 master.
#
# Part 1, failover: advert interval 100 ms, quorum off (no cluster section)
# and quorum on (heartbeat CB_HB ms, dead_interval 2 x 100 - slack = 150
# ms, the largest the safety bound allows). Each run SIGKILLs or SIGTERMs
# n3 and measures n2's takeover on the wire exactly like bench.sh
# (bench-lib's bench_adverts and bench_failover), plus the delay from n2's
# first advert to its first gratuitous ARP for the VIP: with a cluster
# plane a new master may hold its VIPs back while another member may still
# hold them, and that would show there, not in the adverts.
#
# Part 2, cost: the cluster plane off, then heartbeats every 100 ms and
# every 10 ms (CB_COST_HB), advert interval CB_COST_ADVERT (1000 ms: a
# 100 ms heartbeat needs dead >= 300 ms, which the bound only allows from
# a 175 ms advert interval on). In steady state, over CB_COST_S seconds,
# per node: CPU time from /proc/<pid>/stat (utime + stime, clock ticks)
# and /proc/<pid>/schedstat (ns), heartbeats sent and received from
# `clustd status --json`, and UDP 5798 frames on the bridge per source
# and destination from a capture.
#
# Environment:
#   CB_RUNS=8             runs per failover scenario and mode
#   CB_HB=20              heartbeat_interval (ms) of the quorum-on failover runs
#   CB_COST_HB="100 10"   heartbeat intervals (ms) of the cost part
#   CB_COST_ADVERT=1000   advert interval (ms) of the cost part
#   CB_COST_S=20          steady-state window (s) of each cost measurement
#   BENCH_OUT=FILE        also write the tables and raw data there
#   KEEP=1                keep the work dir $T (logs, captures)
# shellcheck source-path=SCRIPTDIR
set -u

usage() {
	echo "usage: $0 <clustd-binary>" >&2
	exit 2
}
[ $# -eq 1 ] || usage

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
RUNS_EACH=${CB_RUNS:-8}
FO_HB=${CB_HB:-20}
COST_HBS=${CB_COST_HB:-100 10}
COST_ADVERT=${CB_COST_ADVERT:-1000}
COST_S=${CB_COST_S:-20}
IVL=100			# advert interval of the failover part
SLACK=50		# the daemon's default cluster.slack

die() {
	echo "bench-cluster: $*" >&2
	exit 2
}

if [ "$(id -u)" -ne 0 ]; then
	die "needs root (network namespaces)"
fi
[ -x "$1" ] || die "$1 is not an executable clustd binary"
for tool in jq tshark tcpdump; do
	command -v "$tool" >/dev/null || die "$tool is not installed (make deps)"
done
for v in "$RUNS_EACH" "$FO_HB" "$COST_ADVERT" "$COST_S" $COST_HBS; do
	case $v in
	'' | *[!0-9]* | 0*) die "'$v' is not a positive integer (CB_* settings)" ;;
	esac
done
FO_DEAD=$((2 * IVL - SLACK))
[ $((3 * FO_HB)) -le "$FO_DEAD" ] ||
	die "CB_HB=$FO_HB: 3 heartbeats exceed the largest dead_interval ($FO_DEAD ms)"
[ $((COST_ADVERT % 10)) -eq 0 ] || die "CB_COST_ADVERT must be a multiple of 10 ms"
for hb in $COST_HBS; do
	[ $((10 * hb + SLACK)) -le $((2 * COST_ADVERT)) ] ||
		die "CB_COST_HB=$hb: 10 heartbeats (the dead_interval used) + slack exceed 2 x $COST_ADVERT ms"
done

# Read by t/net/lib.sh's clustd_start.
CLUSTD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export CLUSTD

# shellcheck source=../t/net/lib.sh
. "$top/t/net/lib.sh"
# shellcheck source=../t/net/lib_cluster.sh
. "$top/t/net/lib_cluster.sh"
# shellcheck source=bench-lib.sh
. "$here/bench-lib.sh"

CL_NODES="n1 n2 n3"	# lib_cluster's cl_members and cl_q work on these
CLK_TCK=$(getconf CLK_TCK)
failures=0

say() {
	echo "bench-cluster: $*"
}

net_init bench-cl
# A private copy: a rebuild of the binary in the middle of the run must
# not mix two versions in one set of figures.
cp "$CLUSTD" "$T/clustd" || exit 2
CLUSTD=$T/clustd
net_bridge
for n in $CL_NODES; do
	net_host "$n" "$(cl_addr "$n")/24"
done
cl_secret "$T/secret"
RUNS=$T/runs.tsv	# mode ivl scenario run "failover_ms sig_to_new_ms"|FAIL... t_event t_end adv_to_garp_ms
COST=$T/cost.tsv	# label hb dead node role cpu_ms sched_ms secs tx rx ctr_secs wire_tx wire_rx sys_ms
: >"$RUNS"
: >"$COST"

# cb_conf <node> <prio> <advert_ms> [<hb_ms> <dead_ms>]: bench.sh's
# instance; with a heartbeat interval, the cluster plane over n1..n3 too.
cb_conf() {
	local node=$1 prio=$2 ivl=$3 hb=${4:-} dead=${5:-}
	{
		node_block "$node"
		cat <<-EOF
		instances = (
		  { name = "web"; interface = "eth0"; vrid = $BENCH_VRID; priority = $prio;
		    advert_interval = $ivl; preempt = true;
		    vips = [ "$BENCH_VIP/24" ]; } );
		EOF
		if [ -n "$hb" ]; then
			cat <<-EOF
			cluster = { secret_file = "$T/secret"; heartbeat_interval = $hb;
			  dead_interval = $dead; slack = $SLACK;
			  members = ( $(cl_members) ); };
			EOF
		fi
	} | clustd_conf "$node"
	if ! "$CLUSTD" -t -f "$T/$node.conf" >>"$T/$node.log" 2>&1; then
		say "$node: configuration rejected (see $T/$node.log)"
		return 1
	fi
}

# all_start <advert_ms> [<hb_ms> <dead_ms>]: the three nodes up, n3 the
# only VIP holder and, with the cluster plane, every node with quorum
# and all three members alive.
all_start() {
	local ivl=$1 n
	for n in $NODES; do
		cb_conf "${n%:*}" "${n#*:}" "$@" || return 1
		impl_start clustd "${n%:*}" || return 1
	done
	wait_until $((2 * $(bench_mdi_ms 1 "$ivl") / 1000 + 5)) only_holder "$OLD" "$BENCH_VIP" ||
		return 1
	[ $# -ge 2 ] || return 0
	for n in $CL_NODES; do
		wait_until 5 eval "[ \"\$(cl_q $n '.cluster.alive')\" = 3 ]" || return 1
	done
}

# all_stop: every node stopped, bounded.
all_stop() {
	# shellcheck disable=SC2086 # one word per node
	bench_stop $CL_NODES
}

# ------------------------------------------------------------ failover

# one_run <mode> <kill|term> <i>: bench.sh's run (bench-lib's bench_run):
# stop n3, see n2 take over, bring n3 back and see it preempt; measure on
# the wire, with n2's gratuitous ARP.
one_run() {
	local mode=$1 sc=$2 i=$3 fo s2n
	bench_run clustd "$IVL" "$sc" "$NEW_MAC"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$IVL" "$sc" "$i" "$BR_RES" "$BR_TEV" \
		"$BR_TEND" "$BR_GARP" >>"$RUNS"
	case $BR_RES in
	FAIL*)
		say "quorum $mode $sc #$i: $BR_RES"
		return 1
		;;
	esac
	read -r fo s2n <<<"$BR_RES"
	say "quorum $mode $sc #$i: failover $fo ms (bound $(bench_bound_ms "$sc" "$NEW_PRIO" "$IVL")), signal to takeover $s2n ms, VIP announced $BR_GARP ms after the advert"
}

# failover_series <off|on>
failover_series() {
	local mode=$1 sc i cl=()
	[ "$mode" = on ] && cl=("$FO_HB" "$FO_DEAD")
	say "--- quorum $mode, advert interval $IVL ms${cl[0]:+, heartbeat ${cl[0]} ms, dead ${cl[1]} ms}, $RUNS_EACH runs each of SIGKILL and SIGTERM"
	if ! all_start "$IVL" "${cl[@]}"; then
		say "quorum $mode: n3 never became the only master with all members alive; series skipped"
		failures=$((failures + 2 * RUNS_EACH))
		all_stop
		return
	fi
	for sc in kill term; do
		for i in $(seq 1 "$RUNS_EACH"); do
			one_run "$mode" "$sc" "$i" && continue
			failures=$((failures + 1))
			if ! bench_recover clustd "$IVL"; then
				say "quorum $mode: cannot get back to n3 as master; series aborted"
				all_stop
				return
			fi
		done
	done
	all_stop
}

failover_table() {
	local mode sc bound n min med max sig garp
	printf '%-7s %-8s %8s %6s %8s %8s %8s %9s %8s %11s %17s\n' \
		quorum scenario interval runs "min ms" "med ms" "max ms" \
		"bound ms" "med-bnd" "sig->new ms" "adv->garp med/max"
	for sc in kill term; do
		for mode in off on; do
			awk -F'\t' -v m="$mode" -v s="$sc" \
				'$1 == m && $3 == s && $5 !~ /^FAIL/ { split($5, a, " "); print a[1] }' \
				"$RUNS" >"$T/vals"
			awk -F'\t' -v m="$mode" -v s="$sc" \
				'$1 == m && $3 == s && $5 !~ /^FAIL/ { split($5, a, " "); print a[2] }' \
				"$RUNS" >"$T/sigvals"
			bound=$(bench_bound_ms "$sc" "$NEW_PRIO" "$IVL")
			read -r n min med max < <(bench_stats "$T/vals")
			sig=$(bench_stats "$T/sigvals" | awk '{ print $3 }')
			awk -F'\t' -v m="$mode" -v s="$sc" \
				'$1 == m && $3 == s && $5 !~ /^FAIL/ { print $8 }' \
				"$RUNS" >"$T/garpvals"
			garp=$(bench_stats "$T/garpvals" | awk '{ print $3 "/" $4 }')
			printf '%-7s %-8s %5s ms %6s %8s %8s %8s %9s %8s %11s %17s\n' \
				"$mode" "$sc" "$IVL" "$n/$RUNS_EACH" "$min" "$med" "$max" "$bound" \
				"$(awk -v m="$med" -v b="$bound" 'BEGIN { if (m == "-") print "-"; else printf "%+.1f", m - b }')" \
				"$sig" "$garp"
		done
	done
}

# ---------------------------------------------------------------- cost

# cpu_sample <node>: bench_cpu_sample of the node's daemon.
cpu_sample() {
	bench_cpu_sample "$(clustd_pid "$1")"
}

# hb_counters <node>: "<heartbeats_sent> <heartbeats_received> <now_ms>".
hb_counters() {
	local s
	s=$(cl_status "$1" | jq -r '"\(.cluster.heartbeats_sent // 0) \(.cluster.heartbeats_received // 0)"')
	[ -n "$s" ] || s="0 0"
	echo "$s $(now_ms)"
}

# cost_phase <label> [<hb_ms>]: steady state for COST_S seconds.
cost_phase() {
	local label=$1 hb=${2:-} dead="" n role cl=() t0 t1 ok=1
	declare -A c0 c1 p0 p1
	if [ -n "$hb" ]; then
		dead=$((10 * hb))
		cl=("$hb" "$dead")
	fi
	say "--- cost: cluster plane $label, advert interval $COST_ADVERT ms, ${COST_S} s steady state"
	if ! all_start "$COST_ADVERT" "${cl[@]}"; then
		say "cost $label: the nodes did not reach steady state; skipped"
		failures=$((failures + 1))
		all_stop
		return
	fi
	sleep 1
	# lib.sh's readiness poll may grep the error file before tcpdump
	# creates it: keep that noise off the console unless the start fails.
	if ! capture_start "hb-$label" "udp port $CLUSTD_PORT" 2>"$T/cap-$label.log"; then
		cat "$T/cap-$label.log" >&2
		failures=$((failures + 1))
		all_stop
		return
	fi
	# Status queries run outside the CPU window: they cost the daemon CPU.
	for n in $CL_NODES; do
		[ -n "$hb" ] && c0[$n]=$(hb_counters "$n")
	done
	t0=$(now_ms)
	for n in $CL_NODES; do
		p0[$n]=$(cpu_sample "$n") || ok=0
	done
	sleep "$COST_S"
	for n in $CL_NODES; do
		p1[$n]=$(cpu_sample "$n") || ok=0
	done
	t1=$(now_ms)
	for n in $CL_NODES; do
		[ -n "$hb" ] && c1[$n]=$(hb_counters "$n")
	done
	capture_stop "hb-$label"
	only_holder "$OLD" "$BENCH_VIP" || { say "cost $label: n3 lost the VIP during the window"; ok=0; }
	if [ "$ok" = 0 ]; then
		say "cost $label: a daemon died or moved during the window; no figures"
		failures=$((failures + 1))
		all_stop
		return
	fi
	pcap_fields "hb-$label" "udp.dstport == $CLUSTD_PORT" frame.time_epoch ip.src ip.dst \
		>"$T/hb-$label.txt"
	for n in $CL_NODES; do
		[ "$n" = "$OLD" ] && role=master || role=backup
		# shellcheck disable=SC2086 # word splitting of the samples is wanted
		awk -v lb="$label" -v hb="${hb:--}" -v dd="${dead:--}" -v n="$n" -v r="$role" \
			-v t0="$t0" -v t1="$t1" -v ip="$(cl_addr "$n")" \
			-v p0="${p0[$n]}" -v p1="${p1[$n]}" -v c0="${c0[$n]:-}" -v c1="${c1[$n]:-}" '
		{
			t = $1 * 1000
			if (t < t0 || t > t1)
				next
			if ($2 == ip) wtx++
			if ($3 == ip) wrx++
		}
		END {
			split(p0, a, " "); split(p1, b, " ")
			secs = (t1 - t0) / 1000
			if (c0 != "") {
				split(c0, x, " "); split(c1, y, " ")
				ctx = y[1] - x[1]; crx = y[2] - x[2]; cs = (y[3] - x[3]) / 1000
			} else {
				ctx = "-"; crx = "-"; cs = "-"
			}
			printf "%s\t%s\t%s\t%s\t%s\t%d\t%.3f\t%.3f\t%s\t%s\t%s\t%d\t%d\t%d\n",
				lb, hb, dd, n, r, b[1] - a[1], (b[2] - a[2]) / 1e6, secs,
				ctx, crx, cs, wtx, wrx, b[3] - a[3]
		}' "$T/hb-$label.txt" >>"$COST"
	done
	all_stop
}

# cost_table: one line per node and configuration, then the mean per node.
cost_table() {
	printf '%-8s %-4s %-6s %9s %7s %6s %11s %8s %8s %9s %9s\n' \
		plane node role "CPU ms/s" "% core" "sys %" "sched ms/s" "hb tx/s" "hb rx/s" \
		"wire tx/s" "wire rx/s"
	awk -F'\t' '
	function rate(v, s) { return v == "-" ? "-" : sprintf("%.1f", v / s) }
	{
		printf "%-8s %-4s %-6s %9.2f %7.3f %6s %11.3f %8s %8s %9.1f %9.1f\n",
			$1, $4, $5, $6 / $8, $6 / $8 / 10,
			($6 > 0 ? sprintf("%.0f", 100 * $14 / $6) : "-"), $7 / $8,
			rate($9, $11), rate($10, $11), $12 / $8, $13 / $8
	}' "$COST"
	echo
	# eff hb ms: the heartbeat period seen on the wire (one frame per
	# other member per heartbeat).
	printf '%-8s %5s %7s %9s %7s %11s %12s %8s %8s %9s\n' \
		plane "hb ms" "dead ms" "CPU ms/s" "% core" "sched ms/s" "sched - off" \
		"pkt tx/s" "pkt rx/s" "eff hb ms"
	awk -F'\t' '
	{
		k = $1
		if (!(k in cnt)) order[++nk] = k
		cnt[k]++; hb[k] = $2; dd[k] = $3
		cpu[k] += $6 / $8; sch[k] += $7 / $8; tx[k] += $12 / $8; rx[k] += $13 / $8
	}
	END {
		base = ("off" in cnt) ? sch["off"] / cnt["off"] : ""
		for (i = 1; i <= nk; i++) {
			k = order[i]; c = cnt[k]
			printf "%-8s %5s %7s %9.2f %7.3f %11.3f %12s %8.1f %8.1f %9s\n",
				k, hb[k], dd[k], cpu[k] / c, cpu[k] / c / 10, sch[k] / c,
				base == "" ? "-" : sprintf("%+.3f", sch[k] / c - base),
				tx[k] / c, rx[k] / c,
				(tx[k] > 0 ? sprintf("%.2f", (c - 1) * 1000 / (tx[k] / c)) : "-")
		}
	}' "$COST"
}

# ---------------------------------------------------------------- main

CLUSTD_PORT=5798
started=$(now_ms)
load=$(cut -d' ' -f1 /proc/loadavg)

capture_start vrrp "ip proto 112 or arp" || exit 1
NEW_MAC=$(host_mac "$NEW")
failover_series off
failover_series on
capture_stop vrrp

cost_phase off
for hb in $COST_HBS; do
	cost_phase "hb$hb" "$hb"
done

{
	echo
	echo "Failover time on the wire (ms), VRRPv3, 3 nodes, backup priority $NEW_PRIO taking over from"
	echo "priority 200; quorum on = cluster plane with heartbeat $FO_HB ms, dead_interval $FO_DEAD ms."
	echo "kill = SIGKILL, bound 3 x interval + skew; term = SIGTERM (priority-0 advert), bound skew."
	echo "adv->garp: from n2's first advert to its first gratuitous ARP for the VIP."
	echo "clustd $("$CLUSTD" -V 2>&1 | awk 'NR == 1 { print $NF }'), kernel $(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), $(( ($(now_ms) - started) / 1000 )) s, load $load at start"
	echo
	failover_table | tee "$T/failover.txt"
	awk '$2 == "kill" || $2 == "term" { med[$1 " " $2] = $7 }
	END {
		for (s = 1; s <= 2; s++) {
			sc = s == 1 ? "kill" : "term"
			if (med["on " sc] ~ /^[0-9]/ && med["off " sc] ~ /^[0-9]/)
				printf "quorum on - off, median %s: %+.1f ms\n", sc, med["on " sc] - med["off " sc]
		}
	}' "$T/failover.txt"
	echo
	echo "Cluster plane cost per node, 3 nodes (n3 master), advert interval $COST_ADVERT ms, ${COST_S} s"
	echo "steady state. CPU ms/s: utime + stime (/proc/<pid>/stat, $((1000 / CLK_TCK)) ms ticks) per second;"
	echo "sched ms/s: on-CPU time (/proc/<pid>/schedstat, ns); hb tx/rx: clustd status counters;"
	echo "wire / pkt: UDP $CLUSTD_PORT frames on the bridge from / to the node."
	echo
	cost_table
} | tee "$T/results.txt"
bench_out "$T/results.txt" "raw failover runs" "$RUNS" "raw cost rows" "$COST"
if [ "$failures" -gt 0 ]; then
	echo "bench-cluster: $failures measurement(s) missing; KEEP=1 keeps the logs and captures" >&2
	exit 1
fi
exit 0
