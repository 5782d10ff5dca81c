#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/bench-handover.sh <clustd-binary>: a planned move of the VIP
# (issue 11; doc/bench.md, "Planned handover"), next to what stopping the
# master does, with clustd and with keepalived, in the same run.
#
# Part "move": bench.sh's topology (n1 198.51.100.11 prio 100, n2 .12 prio
# 150, n3 .13 prio 200 master, VRID 51, VIP 198.51.100.100) and a client c
# (.200) that pings the VIP every millisecond. Per advert interval of
# BH_SERIES, BH_RUNS runs of each method, the VIP moving from n3 to n2:
#   handover    clustd with a cluster plane (votes): `clustd handover --to
#               n2` on n3; handed back with `handover --to n3` on n2;
#   term        the same clustd nodes: SIGTERM of n3 (its priority-0
#               advert; n2 takes over after its skew time); n3 started
#               again preempts back;
#   keepalived  keepalived 2.x on the three nodes, the same SIGTERM.
# Figures per run:
#   wire      n2's first advert - n3's priority-0 advert, on the bridge
#             (bench-lib's bench_failover "term": both methods send one);
#   pings     the longest run of 1 ms echoes the client sent to the VIP
#             without an answer (t/tools/ping_gap.py): the client-visible
#             gap in ms; also the longest time between two answers;
#   vip_us    (handover only) n3's VIP deletion to n2's VIP addition on
#             the kernel's clock (ip monitor in both namespaces,
#             t/tools/addr_events.py); negative would be an overlap.
#
# Part "track": the web server on the master dies (item 3 of the issue).
# n3 runs a web server and checks it every 100 ms (weight -100: 200 -> 100,
# under n2's 150); with the cluster plane n3 hands over at once. A client
# fetches http://VIP/ every 10 ms (0.3 s timeout); outage = first request
# n2 answered - first failed request (lib_track.sh's tr_outage).
#
# Environment:
#   BH_RUNS=10          runs per method and interval (part move)
#   BH_TRACK_RUNS=10    runs of part track
#   BH_SERIES="100:20:150:150 1000:200:1500:1500"
#                       advert interval : heartbeat : dead_interval : vote_lease (ms)
#   BH_PARTS="move track"
#   BENCH_OUT=FILE      also write the tables and raw data there
#   KEEP=1              keep the work dir $T
# Exits 1 when a run failed or a figure is missing.
# shellcheck source-path=SCRIPTDIR
set -u

[ $# -eq 1 ] || { echo "usage: $0 <clustd-binary>" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
top=${here%/scripts}
RUNS_EACH=${BH_RUNS:-10}
TRACK_RUNS=${BH_TRACK_RUNS:-10}
SERIES=${BH_SERIES:-100:20:150:150 1000:200:1500:1500}
PARTS=${BH_PARTS:-move track}
SLACK=50

say() { echo "bench-handover: $*"; }
die() { echo "bench-handover: $*" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
[ -x "$1" ] || die "$1 is not an executable clustd binary"
command -v jq tshark tcpdump keepalived | grep -c / | grep -qx 4 ||
	die "needs jq, tshark, tcpdump and keepalived (make deps)"
for v in "$RUNS_EACH" "$TRACK_RUNS"; do
	case $v in '' | *[!0-9]* | 0*) die "'$v' is not a positive number of runs" ;; esac
done
CLUSTD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export CLUSTD

# shellcheck source=../t/net/lib.sh
. "$top/t/net/lib.sh"
# shellcheck source=../t/net/lib_cluster.sh
. "$top/t/net/lib_cluster.sh"
# shellcheck source=../t/net/lib_track.sh
. "$top/t/net/lib_track.sh"
# shellcheck source=../t/net/lib_handover.sh
. "$top/t/net/lib_handover.sh"
# shellcheck source=bench-lib.sh
. "$here/bench-lib.sh"

net_init bench-handover
cp "$CLUSTD" "$T/clustd" || exit 2
CLUSTD=$T/clustd
CL_VIP=$BENCH_VIP
failures=0
RUNS=$T/runs.tsv	# ivl method run wire_ms lost_in_a_row vip_us answer_gap_ms
TRACK=$T/track.tsv	# run outage_ms failed kill_to_n2_ms requests
: >"$RUNS"
: >"$TRACK"
net_bridge
for n in n1:198.51.100.11 n2:198.51.100.12 n3:198.51.100.13; do
	net_host "${n%%:*}" "${n#*:}/24"
done
net_host c 198.51.100.200/24
cl_secret "$T/secret"

# clustd_conf_plane <node> <prio> <ivl> <hb> <dead> <lease> [<instance extra>]
clustd_conf_plane() {
	impl_conf clustd "$1" "$2" "$3" || return 1
	[ -n "${7:-}" ] && sed -i "s|preempt = true;|preempt = true; $7|" "$T/$1.conf"
	cat >>"$T/$1.conf" <<-EOF
	cluster = { secret_file = "$T/secret"; heartbeat_interval = $4;
	  dead_interval = $5; slack = $SLACK; vote_lease = $6;
	  members = ( { name = "n1"; address = "198.51.100.11"; },
	    { name = "n2"; address = "198.51.100.12"; }, { name = "n3"; address = "198.51.100.13"; } ); };
	EOF
	"$CLUSTD" -t -f "$T/$1.conf" >>"$T/$1.log" 2>&1 || { say "$1: config rejected ($T/$1.log)"; return 1; }
}

# ping_start / ping_stop: an echo every 1 ms to the VIP from c
# (t/tools/ping_gap.py, which keeps its pace while answers are missing);
# ping_stop prints "<lost_run> <gap_ms>": the longest run of unanswered
# echoes, the longest time between two answers.
ping_start() {
	ip netns exec "${P}c" python3 "$top/t/tools/ping_gap.py" --period-ms 1 --max-s 120 \
		"$BENCH_VIP" >"$T/ping.out" 2>&1 &
	PING_PID=$!
	NET_BG_PIDS="$NET_BG_PIDS $PING_PID"
	sleep 0.1
}
ping_stop() {
	kill -INT "$PING_PID" 2>/dev/null
	wait "$PING_PID" 2>/dev/null
	sed -n 's/.*lost_run=\([0-9]*\) gap_ms=\([0-9.]*\).*/\1 \2/p' "$T/ping.out"
}

settle() { # <holder> <s>
	wait_until "$2" only_holder "$1" "$BENCH_VIP"
}

# move_run <method> <ivl> <i>: one move of the VIP from n3 to n2, measured,
# and back. Appends to RUNS; 1 when it failed.
move_run() {
	local method=$1 ivl=$2 i=$3 t0 t1 res lost pgap vip_us=- s_max
	s_max=$((2 * $(bench_mdi_ms 1 "$ivl") / 1000 + 3))
	ping_start
	capture_start vrrp "vrrp or arp" >/dev/null || { ping_stop >/dev/null; return 1; }
	[ "$method" = handover ] && ho_monitor_start n3 n2
	# n3's adverts before the event are in the capture; then anywhere in
	# its advert cycle.
	bench_sleep_ms $((2 * ivl + RANDOM % ivl))
	t0=$(now_ms)
	case $method in
	handover) nsx n3 "$CLUSTD" -f "$T/n3.conf" handover --to n2 >>"$T/commands.out" 2>&1 ;;
	term) clustd_signal n3 TERM ;;
	keepalived) ka_signal n3 TERM ;;
	esac
	settle n2 "$s_max" || { say "$method $ivl run $i: n2 did not take the VIP"; }
	bench_sleep_ms 200
	t1=$(now_ms)
	read -r lost pgap <<<"$(ping_stop)"
	capture_stop vrrp
	bench_adverts vrrp "$T/adverts.txt"
	res=$(bench_failover "$T/adverts.txt" term "$OLD_IP" "$NEW_IP" "$t0" "$t1" "$ivl")
	if [ "$method" = handover ]; then
		ho_monitor_stop n3 n2
		vip_us=$(cl_kv "$(ho_gap n3 n2 "$t0")" gap_us)
	fi
	# Back to n3 as master.
	case $method in
	handover) nsx n2 "$CLUSTD" -f "$T/n2.conf" handover --to n3 >>"$T/commands.out" 2>&1 ;;
	term) clustd_wait_exit n3 10; clustd_start n3 -l info; disown "$(clustd_pid n3)" 2>/dev/null ;;
	keepalived) clustd_wait_exit n3 10; ka_start n3 ;;
	esac
	settle n3 "$s_max" || { say "$method $ivl run $i: n3 did not take the VIP back"; return 1; }
	case $res in
	FAIL*) say "$method $ivl run $i: $res"; return 1 ;;
	esac
	read -r wire _ <<<"$res"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ivl" "$method" "$i" "$wire" "${lost:--}" "$vip_us" \
		"${pgap:--}" >>"$RUNS"
	say "$method $ivl ms run $i: wire $wire ms, ${lost:-?} echoes lost in a row (answers ${pgap:-?} ms apart), VIP gap $vip_us us"
}

start_method() { # <method> <ivl> <hb> <dead> <lease>
	local n p
	for n in n1:100 n2:150 n3:200; do
		p=${n#*:}
		n=${n%%:*}
		if [ "$1" = keepalived ]; then
			ka_conf "$n" "$p" "$2"
			ka_start "$n" || return 1
		else
			clustd_conf_plane "$n" "$p" "$2" "$3" "$4" "$5" || return 1
			clustd_start "$n" -l info
			disown "$(clustd_pid "$n")" 2>/dev/null
		fi
	done
	settle n3 15 && { [ "$1" = keepalived ] || all_up; }
}

# all_up: every member alive for n3 and BACKUP in its own view (a
# successor must be eligible: alive, quorum, BACKUP).
all_up() {
	wait_until 10 eval '[ "$(cl_q n3 "[.cluster.members[] | .alive] | all")" = true ] &&
		[ "$(cl_state n2)" = BACKUP ] && [ "$(cl_state n1)" = BACKUP ]'
}

move_part() {
	local s ivl hb dead lease m i
	for s in $SERIES; do
		IFS=: read -r ivl hb dead lease <<<"$s"
		for m in handover term keepalived; do
			if ! start_method "$m" "$ivl" "$hb" "$dead" "$lease"; then
				say "$m $ivl: the nodes did not come up"
				failures=$((failures + 1))
				bench_stop n1 n2 n3
				continue
			fi
			sleep 1
			for i in $(seq 1 "$RUNS_EACH"); do
				move_run "$m" "$ivl" "$i" || failures=$((failures + 1))
			done
			bench_stop n1 n2 n3
		done
	done
}

track_part() {
	local i t0 t1 out nfail nreq fn
	tr_http_check_script
	for n in n1:100 n2:150 n3:200; do
		tr_web_start "${n%%:*}" || { say "web server on ${n%%:*}"; return 1; }
		clustd_conf_plane "${n%%:*}" "${n#*:}" 100 20 150 150 \
			"track = { scripts = ( { name = \"http\"; command = \"$T/check_http.sh\"; args = [ \"127.0.0.1\" ]; interval = 100; timeout = 300; weight = -100; } ); };" ||
			return 1
		clustd_start "${n%%:*}" -l info
		disown "$(clustd_pid "${n%%:*}")" 2>/dev/null
	done
	settle n3 15 && all_up || { say "track: n3 never master, or the others not up"; return 1; }
	tr_client_start tweb c "http://$BENCH_VIP/" 600 10 0.3
	for i in $(seq 1 "$TRACK_RUNS"); do
		wait_until 10 tr_client_answered tweb n3 "$(now_ms)" 5 || { failures=$((failures + 1)); continue; }
		bench_sleep_ms $((RANDOM % 100))
		t0=$(now_ms)
		tr_web_stop n3
		if ! wait_until 10 tr_client_answered tweb n2 "$t0" 3; then
			say "track run $i: n2 never answered"
			failures=$((failures + 1))
		else
			t1=$(now_ms)
			read -r out nfail nreq _ fn <<<"$(tr_outage tweb "$t0" "$t1" n2)"
			printf '%s\t%s\t%s\t%s\t%s\n' "$i" "$out" "$nfail" "$((fn - t0))" "$nreq" >>"$TRACK"
			say "track run $i: outage $out ms, $nfail failed requests, kill -> n2 $((fn - t0)) ms"
		fi
		tr_web_start n3 || return 1
		settle n3 10 || { say "track run $i: n3 did not take the VIP back"; failures=$((failures + 1)); }
	done
	tr_client_stop tweb
	bench_stop n1 n2 n3
}

case " $PARTS " in *" move "*) move_part ;; esac
case " $PARTS " in *" track "*) track_part || failures=$((failures + 1)) ;; esac

# stats_of <awk filter> <column>: "<n> <min> <median> <max>"
stats_of() {
	awk -F'\t' "$1 { print \$$2 }" "$RUNS" | grep -E '^-?[0-9.]+$' >"$T/vals"
	bench_stats "$T/vals"
}

RES=$T/results.txt
{
	echo "Planned handover vs stopping the master: the VIP moves from n3 to n2"
	echo "(wire: n2's first advert - n3's priority-0 advert; pings: 1 ms echoes a client lost in a"
	echo " row; answers: longest time between two answers; VIP gap: n3's delete to n2's add as"
	echo " ip monitor in each namespace saw them, +- its wake-up delay; min / median / max)"
	printf '%-8s %-20s %5s %21s %17s %21s %23s\n' advert method runs "wire ms" "lost pings" \
		"answers ms apart" "VIP gap us"
	for s in $SERIES; do
		ivl=${s%%:*}
		for m in handover:"clustd handover" term:"clustd SIGTERM" keepalived:"keepalived SIGTERM"; do
			f="\$1 == $ivl && \$2 == \"${m%%:*}\""
			read -r n a b c <<<"$(stats_of "$f" 4)"
			read -r _ d e g <<<"$(stats_of "$f" 5)"
			read -r _ p q r <<<"$(stats_of "$f" 7)"
			v="-"
			if [ "${m%%:*}" = handover ]; then
				read -r _ x y z <<<"$(stats_of "$f" 6)"
				v="$x / $y / $z"
			fi
			printf '%-8s %-20s %5s %21s %17s %21s %23s\n' "$ivl ms" "${m#*:}" "$n/$RUNS_EACH" \
				"$a / $b / $c" "$d / $e / $g" "$p / $q / $r" "$v"
		done
	done
	if [ -s "$TRACK" ]; then
		echo
		echo "The master's web server dies (check every 100 ms, weight -100, adverts 100 ms, client every 10 ms):"
		cut -f2 "$TRACK" >"$T/vals"
		read -r n a b c <<<"$(bench_stats "$T/vals")"
		echo "  outage ms (min / median / max): $a / $b / $c over $n runs"
		cut -f3 "$TRACK" >"$T/vals"
		read -r n a b c <<<"$(bench_stats "$T/vals")"
		echo "  failed requests:                $a / $b / $c"
	fi
	echo
	echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); failed runs: $failures"
} >"$RES"
cat "$RES"
bench_out "$RES" "runs: ivl method run wire_ms lost_in_a_row vip_us answer_gap_ms" "$RUNS" \
	"track: run outage_ms failed kill_to_n2_ms requests" "$TRACK"
[ "$failures" -eq 0 ]
