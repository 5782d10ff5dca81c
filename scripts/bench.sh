#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/bench.sh <clustd-binary>: failover time of clustd and keepalived,
# measured on the wire, side by side (run by `sudo make bench`; see
# doc/bench.md for how to read the table).
#
# Topology (network namespaces, nothing touches the host's network):
# n1 198.51.100.11 prio 100, n2 .12 prio 150, n3 .13 prio 200, all on one
# bridge; VRID 51, VIP 198.51.100.100. n3 is master; each run stops it
# (SIGKILL or SIGTERM), n2 takes over, n3 is restarted and preempts back.
# tcpdump records every advert on the bridge:
#   kill: failover = first advert of n2 - last advert of n3
#   term: failover = first advert of n2 - n3's priority-0 advert
# and the RFC 5798 bound for n2 (prio 150) is 3 x interval + skew after a
# crash, skew after a priority-0 advert.
#
# Environment:
#   BENCH_IMPLS="clustd keepalived"   implementations to measure
#   BENCH_RUNS="100:10 1000:5"        advert interval (ms) : runs per scenario
#   BENCH_OUT=FILE                    also write table + raw runs there
#   KEEP=1                            keep the work dir $T (logs, pcap)
# shellcheck source-path=SCRIPTDIR
set -u

usage() {
	echo "usage: $0 <clustd-binary>" >&2
	exit 2
}
[ $# -eq 1 ] || usage

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
impls=${BENCH_IMPLS:-clustd keepalived}
series=${BENCH_RUNS:-100:10 1000:5}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (network namespaces): sudo make bench" >&2
	exit 2
fi
case " $impls " in
*" clustd "*)
	if [ ! -x "$1" ]; then
		echo "bench: $1 is not an executable clustd binary" >&2
		exit 2
	fi
	# Read by t/net/lib.sh's clustd_start.
	CLUSTD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
	export CLUSTD
	;;
esac
case " $impls " in
*" keepalived "*)
	if ! command -v keepalived >/dev/null; then
		echo "bench: keepalived is not installed (make deps)" >&2
		exit 2
	fi
	;;
esac
for s in $series; do
	case $s in
	[1-9]*:[1-9]*) ;;
	*) echo "bench: BENCH_RUNS entry '$s' is not <interval_ms>:<runs>" >&2; exit 2 ;;
	esac
	ivl=${s%:*}
	# v3 carries the interval in centiseconds, 10 ms .. 40.95 s.
	if [ $((ivl % 10)) -ne 0 ] || [ "$ivl" -gt 40950 ]; then
		echo "bench: interval $ivl ms is not a multiple of 10 ms up to 40950" >&2
		exit 2
	fi
done

# shellcheck source=../t/net/lib.sh
. "$top/t/net/lib.sh"
# shellcheck source=bench-lib.sh
. "$here/bench-lib.sh"

failures=0

net_init bench
net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
net_host n3 198.51.100.13/24
capture_start vrrp "ip proto 112" || exit 1
RUNS=$T/runs.tsv	# impl ivl scenario run "failover_ms sig_to_new_ms"|FAIL... t_event t_end
: >"$RUNS"

say() {
	echo "bench: $*"
}

# series_start <impl> <ivl>: all three nodes up, n3 the only VIP holder.
series_start() {
	local impl=$1 ivl=$2 n
	for n in $NODES; do
		impl_conf "$impl" "${n%:*}" "${n#*:}" "$ivl" || return 1
		impl_start "$impl" "${n%:*}" || return 1
	done
	wait_until $((2 * $(bench_mdi_ms 1 "$ivl") / 1000 + 5)) only_holder "$OLD" "$BENCH_VIP"
}

# series_stop: every node stopped, bounded.
series_stop() {
	bench_stop n1 n2 n3
}

# one_run <impl> <ivl> <kill|term> <i>: stop the master, see n2 take over,
# bring n3 back and see it preempt (bench_run). Prints the run's figures.
one_run() {
	local impl=$1 ivl=$2 sc=$3 i=$4 fo s2n
	bench_run "$impl" "$ivl" "$sc"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$impl" "$ivl" "$sc" "$i" "$BR_RES" "$BR_TEV" "$BR_TEND" >>"$RUNS"
	case $BR_RES in
	FAIL*)
		say "$impl ${ivl}ms $sc #$i: $BR_RES"
		return 1
		;;
	esac
	read -r fo s2n <<<"$BR_RES"
	say "$impl ${ivl}ms $sc #$i: failover $fo ms (bound $(bench_bound_ms "$sc" "$NEW_PRIO" "$ivl")), signal to takeover $s2n ms"
}

run_series() {
	local impl=$1 ivl=$2 runs=$3 sc i
	say "--- $impl, advert interval $ivl ms, $runs runs each of SIGKILL and SIGTERM"
	if ! series_start "$impl" "$ivl"; then
		say "$impl ${ivl}ms: n3 never became the only master; series skipped"
		failures=$((failures + 1))
		series_stop
		return
	fi
	for sc in kill term; do
		for i in $(seq 1 "$runs"); do
			one_run "$impl" "$ivl" "$sc" "$i" && continue
			failures=$((failures + 1))
			if ! bench_recover "$impl" "$ivl"; then
				say "$impl ${ivl}ms: cannot get back to n3 as master; series aborted"
				series_stop
				return
			fi
		done
	done
	series_stop
}

# table: one line per implementation x scenario x interval.
table() {
	local impl s ivl sc bound n runs min med max sig
	printf '%-11s %-8s %8s %6s %8s %8s %8s %9s %8s %11s\n' \
		implementation scenario interval runs "min ms" "med ms" "max ms" \
		"bound ms" "med-bnd" "sig->new ms"
	for impl in $impls; do
		for s in $series; do
			ivl=${s%:*}
			runs=${s#*:}
			for sc in kill term; do
				awk -F'\t' -v i="$impl" -v v="$ivl" -v s="$sc" \
					'$1 == i && $2 == v && $3 == s && $5 !~ /^FAIL/ { split($5, a, " "); print a[1] }' \
					"$RUNS" >"$T/vals"
				awk -F'\t' -v i="$impl" -v v="$ivl" -v s="$sc" \
					'$1 == i && $2 == v && $3 == s && $5 !~ /^FAIL/ { split($5, a, " "); print a[2] }' \
					"$RUNS" >"$T/sigvals"
				bound=$(bench_bound_ms "$sc" "$NEW_PRIO" "$ivl")
				read -r n min med max < <(bench_stats "$T/vals")
				sig=$(bench_stats "$T/sigvals" | awk '{ print $3 }')
				printf '%-11s %-8s %5s ms %6s %8s %8s %8s %9s %8s %11s\n' \
					"$impl" "$sc" "$ivl" "$n/$runs" "$min" "$med" "$max" \
					"$bound" \
					"$(awk -v m="$med" -v b="$bound" 'BEGIN { if (m == "-") print "-"; else printf "%+.1f", m - b }')" \
					"$sig"
			done
		done
	done
}

# versions: "clustd X, keepalived Y, " for the implementations measured.
versions() {
	local impl
	for impl in $impls; do
		case $impl in
		clustd) printf 'clustd %s, ' "$("$CLUSTD" -V 2>&1 | awk 'NR == 1 { print $NF }')" ;;
		keepalived) printf 'keepalived %s, ' "$(keepalived --version 2>&1 | sed -n '1s/^Keepalived v\([^ ]*\).*/\1/p')" ;;
		esac
	done
}

# verdict: is every clustd median within 2 ms of its bound (the target)?
verdict() {
	case " $impls " in
	*" clustd "*) ;;
	*) return 0 ;;
	esac
	awk '$1 == "clustd" && $10 != "-" {
		d = $10 + 0; if (d < 0) d = -d
		if (d > worst) worst = d
		n++
	}
	END {
		if (!n) { print "\nclustd target (median within 2 ms of the bound): no data"; exit }
		printf "\nclustd target (median within 2 ms of the bound): %s, worst |med-bnd| %.1f ms\n",
			worst <= 2 ? "met" : "MISSED", worst
	}' "$T/table.txt"
}

started=$(now_ms)
load=$(cut -d' ' -f1 /proc/loadavg)
for impl in $impls; do
	for s in $series; do
		run_series "$impl" "${s%:*}" "${s#*:}"
	done
done
capture_stop vrrp

{
	echo
	echo "Failover time on the wire (ms), VRRPv3, backup priority $NEW_PRIO taking over from priority 200;"
	echo "kill = SIGKILL, bound 3 x interval + skew; term = SIGTERM (priority-0 advert), bound skew."
	echo "$(versions)kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ), $(( ($(now_ms) - started) / 1000 )) s, load $load at start"
	echo
	table | tee "$T/table.txt"
	verdict
} | tee "$T/bench-results.txt"
bench_out "$T/bench-results.txt" "raw runs" "$RUNS"
if [ "$failures" -gt 0 ]; then
	echo "bench: $failures run(s) failed; KEEP=1 keeps the logs and the capture" >&2
	exit 1
fi
exit 0
