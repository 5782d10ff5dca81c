#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/bench-web.sh <clustd-binary>: a VIP in front of nginx (issue 17;
# doc/bench.md, "In-daemon http checks"; run by `sudo make bench`).
#
# Three nodes n1 (priority 200), n2 (150), n3 (100) at 198.51.100.11..13, a
# client c (.200), one bridge; instance web, VRID 51, VIP 198.51.100.100,
# advert interval 100 ms; each node runs nginx (t/net/lib_web.sh: the VIP
# by nonlocal bind, 127.0.0.1 for the check, "/health" answers "ok").
#
# Part "cpu": the CPU time of each node's clustd, its children included
# (utime + stime + cutime + cstime of /proc/PID/stat: the curl processes
# it started and reaped count), over BW_CPU_S seconds, for the same health
# check of the local nginx done four ways, one after the other in the same
# run, next to no check at all (what VRRP alone costs):
#       none           no track group
#       http  100 ms   track.http, in the daemon
#       http   20 ms
#       curl  100 ms   track.scripts running /usr/bin/curl -fsS -o /dev/null
#       curl   20 ms   http://127.0.0.1/health (timeout = interval)
# Figures: ms of CPU per second of wall time (0.1 = 0.01 % of a core),
# per node (n1 master, n2 and n3 backups: every node runs its checks).
#
# Part "outage": n1's nginx stops (SIGTERM) at a random point of the
# check cycle; a client fetches http://VIP/ every 10 ms (1 s timeout);
# outage = first request n2 answered - first failed one (lib_track.sh's
# tr_outage); nginx starts again and n1 takes the VIP back; BW_RUNS runs.
# http checks every 20 ms (timeout 20, fall 2, rise 3, weight -150:
# 200 -> 50, under n2's 150), two ways in the same run:
#       fast path   with the cluster plane (votes): n1 hands over at once
#                   when its priority falls (doc/operations.md)
#       VRRP only   no cluster section: n2 takes over after its
#                   Master_Down_Interval (3 x 100 + skew 41 = 341 ms)
#
# Environment:
#   BW_CPU_S=20         seconds of CPU sampling per variant (the kernel
#                       counts in clock ticks, 10 ms: 0.5 ms/s resolution)
#   BW_RUNS=7           runs per way of part outage (at least 5)
#   BW_PARTS="cpu outage"
#   BENCH_OUT=FILE      also write the tables and raw data there
#   KEEP=1              keep the work dir $T
# Exits 1 when a run failed or a figure is missing.
# shellcheck source-path=SCRIPTDIR
set -u

[ $# -eq 1 ] || { echo "usage: $0 <clustd-binary>" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
top=${here%/scripts}
CPU_S=${BW_CPU_S:-20}
RUNS=${BW_RUNS:-7}
PARTS=${BW_PARTS:-cpu outage}

say() { echo "bench-web: $*"; }
die() { echo "bench-web: $*" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces): sudo make bench"
[ -x "$1" ] || die "$1 is not an executable clustd binary"
case $CPU_S in [1-9] | [1-9][0-9]) ;; *) die "BW_CPU_S must be 1..99" ;; esac
case $RUNS in [5-9] | [1-9][0-9]) ;; *) die "BW_RUNS must be 5..99 (a median of at least 5)" ;; esac
command -v nginx curl jq >/dev/null || die "needs nginx, curl and jq (make deps)"
CLUSTD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export CLUSTD

# shellcheck source=../t/net/lib.sh
. "$top/t/net/lib.sh"
# shellcheck source=../t/net/lib_cluster.sh
. "$top/t/net/lib_cluster.sh"
# shellcheck source=../t/net/lib_track.sh
. "$top/t/net/lib_track.sh"
# shellcheck source=../t/net/lib_web.sh
. "$top/t/net/lib_web.sh"
# shellcheck source=bench-lib.sh
. "$here/bench-lib.sh"

net_init bench-web
started=$(now_ms)
load=$(cut -d' ' -f1 /proc/loadavg)
VIP=198.51.100.100
# shellcheck disable=SC2034 # read by lib_cluster.sh
CL_VIP=$VIP
NODES="n1 n2 n3"
net_bridge
for n in $NODES; do
	net_host "$n" "$(cl_addr "$n")/24"
done
net_host c 198.51.100.200/24
cl_secret "$T/secret"
tr_http_check_script
for n in $NODES; do
	web_nginx_start "$n" $VIP || die "nginx does not answer on $n"
done
CPU=$T/cpu.tsv		# variant node cpu_ms_per_s
OUT=$T/outage.tsv	# way run outage_ms failed kill_to_n2_ms
: >"$CPU"
: >"$OUT"
failures=0

prio_of() { case $1 in n1) echo 200 ;; n2) echo 150 ;; *) echo 100 ;; esac; }

# check_http <interval>: the in-daemon check.
check_http() {
	printf 'track = { http = ( { name = "nginx"; url = "http://127.0.0.1/health"; body = "ok";
	  interval = %s; timeout = %s; fall = 2; rise = 3; weight = -150; } ); };' "$1" "$1"
}
check_none() {
	:
}
# check_curl <interval>: the same as a track script (a fork per check).
check_curl() {
	printf 'track = { scripts = ( { name = "nginx"; command = "/usr/bin/curl";
	  args = [ "-fsS", "-o", "/dev/null", "http://127.0.0.1/health" ];
	  interval = %s; timeout = %s; fall = 2; rise = 3; weight = -150; } ); };' "$1" "$1"
}
# write_conf <node> <track group> <with cluster plane: 0|1>
write_conf() {
	web_conf "$1" "$(prio_of "$1")" "$2"
	[ "$3" = 1 ] || return 0
	cat >>"$T/$1.conf" <<-EOF
	cluster = { secret_file = "$T/secret"; heartbeat_interval = 20;
	  members = ( { name = "n1"; address = "198.51.100.11"; },
	    { name = "n2"; address = "198.51.100.12"; }, { name = "n3"; address = "198.51.100.13"; } ); };
	EOF
}
# start_all <track group> <plane>: config, then every daemon; n1 master.
start_all() {
	local n
	for n in $NODES; do
		write_conf "$n" "$1" "$2"
		"$CLUSTD" -t -f "$T/$n.conf" >>"$T/$n.log" 2>&1 || { say "$n: config rejected ($T/$n.log)"; return 1; }
	done
	for n in $NODES; do
		clustd_start "$n"
	done
	wait_until 15 eval 'only_holder n1 $VIP && tr_prio_is n1 web 200'
}
stop_all() {
	local n
	for n in $NODES; do
		clustd_signal "$n" TERM
		clustd_wait_exit "$n" 10 || clustd_kill "$n"
	done
}
# cpu_of <node>: utime + stime + cutime + cstime of its clustd, in ms.
cpu_of() {
	local pid tck
	pid=$(clustd_pid "$1")
	tck=$(getconf CLK_TCK)
	sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null |
		awk -v t="$tck" '{ printf "%d\n", ($12 + $13 + $14 + $15) * 1000 / t }'
}

cpu_part() {
	local kind ivl n t0 t1 c1 variant
	local -A c0
	for variant in none:0 http:100 http:20 curl:100 curl:20; do
		IFS=: read -r kind ivl <<<"$variant"
		if ! start_all "$(check_"$kind" "$ivl")" 0; then
			say "cpu $variant: n1 never master at 200"
			failures=$((failures + 1))
			stop_all
			continue
		fi
		sleep 2 # past the start-up
		c0=()
		for n in $NODES; do c0[$n]=$(cpu_of "$n"); done
		t0=$(now_ms)
		sleep "$CPU_S"
		t1=$(now_ms)
		for n in $NODES; do
			c1=$(cpu_of "$n")
			awk -v v="$kind $ivl ms" -v n="$n" -v d=$((c1 - ${c0[$n]})) -v w=$((t1 - t0)) \
				'BEGIN { printf "%s\t%s\t%.2f\n", v, n, d * 1000 / w }' >>"$CPU"
		done
		say "cpu $kind every $ivl ms: $(awk -F'\t' -v v="$kind $ivl ms" '$1 == v { printf "%s %s ms/s  ", $2, $3 }' "$CPU")"
		stop_all
	done
}

outage_part() {
	local way plane i t0 t1 out nfail fn
	for way in "fast path:1" "VRRP only:0"; do
		IFS=: read -r way plane <<<"$way"
		if ! start_all "$(check_http 20)" "$plane"; then
			say "outage ($way): n1 never master at 200"
			failures=$((failures + 1))
			stop_all
			continue
		fi
		tr_client_start web c "http://$VIP/" 300 10 1
		for i in $(seq 1 "$RUNS"); do
			if ! wait_until 10 tr_client_answered web n1 "$(now_ms)" 5; then
				say "outage ($way) run $i: n1 does not answer through the VIP"
				failures=$((failures + 1))
				break
			fi
			bench_sleep_ms $((RANDOM % 20))
			t0=$(now_ms)
			web_nginx_stop n1
			if ! wait_until 10 tr_client_answered web n2 "$t0" 3; then
				say "outage ($way) run $i: n2 never answered"
				failures=$((failures + 1))
				web_nginx_start n1 $VIP
				continue
			fi
			t1=$(now_ms)
			read -r out nfail _ _ fn <<<"$(tr_outage web "$t0" "$t1" n2)"
			printf '%s\t%s\t%s\t%s\t%s\n' "$way" "$i" "$out" "$nfail" "$((fn - t0))" >>"$OUT"
			say "outage ($way) run $i: $out ms, $nfail failed requests, stop -> n2 $((fn - t0)) ms"
			web_nginx_start n1 $VIP || { say "nginx on n1 does not restart"; failures=$((failures + 1)); break; }
			wait_until 10 eval 'only_holder n1 $VIP && tr_prio_is n1 web 200' ||
				{ say "outage ($way) run $i: n1 did not take the VIP back"; failures=$((failures + 1)); }
			sleep 0.5
		done
		tr_client_stop web
		stop_all
	done
}

case " $PARTS " in *" cpu "*) cpu_part ;; esac
case " $PARTS " in *" outage "*) outage_part ;; esac

# stats_of <file> <filter field 1> <column>: "<n> <min> <median> <max>"
stats_of() {
	awk -F'\t' -v k="$2" -v c="$3" '$1 == k { print $c }' "$1" >"$T/vals"
	bench_stats "$T/vals"
}
{
	echo
	echo "In-daemon http checks (issue 17): nginx on 3 nodes behind the VIP, advert interval 100 ms."
	echo "clustd $("$CLUSTD" -V 2>&1 | awk 'NR == 1 { print $NF }'), kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ), $(( ($(now_ms) - started) / 1000 )) s, load $load at start"
	if [ -s "$CPU" ]; then
		echo
		echo "CPU of clustd and its children, ms per s over ${CPU_S} s (1 ms/s = 0.1 % of a core):"
		printf '%-16s %8s %8s %8s\n' check n1 n2 n3
		for v in "none 0 ms" "http 100 ms" "http 20 ms" "curl 100 ms" "curl 20 ms"; do
			printf '%-16s' "$v"
			for n in $NODES; do
				printf ' %8s' "$(awk -F'\t' -v v="$v" -v n="$n" '$1 == v && $2 == n { print $3 }' "$CPU")"
			done
			echo
		done
	fi
	if [ -s "$OUT" ]; then
		echo
		echo "n1's nginx stops, http checks every 20 ms (fall 2), client every 10 ms:"
		printf '%-12s %-28s %5s %8s %8s %8s\n' way figure runs min median max
		for way in "fast path" "VRRP only"; do
			read -r n mn md mx < <(stats_of "$OUT" "$way" 3)
			printf '%-12s %-28s %5s %8s %8s %8s\n' "$way" "outage, ms" "$n/$RUNS" "$mn" "$md" "$mx"
			read -r n mn md mx < <(stats_of "$OUT" "$way" 4)
			printf '%-12s %-28s %5s %8s %8s %8s\n' "$way" "failed requests" "$n/$RUNS" "$mn" "$md" "$mx"
			read -r n mn md mx < <(stats_of "$OUT" "$way" 5)
			printf '%-12s %-28s %5s %8s %8s %8s\n' "$way" "stop -> first from n2, ms" "$n/$RUNS" "$mn" "$md" "$mx"
		done
	fi
} | tee "$T/results.txt"
bench_out "$T/results.txt" "cpu: variant node ms_per_s" "$CPU" \
	"outage: way run outage_ms failed stop_to_n2_ms" "$OUT"
if [ "$failures" -gt 0 ]; then
	echo "bench-web: $failures run(s) failed; KEEP=1 keeps the logs" >&2
	exit 1
fi
exit 0
