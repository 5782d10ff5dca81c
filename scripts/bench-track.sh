#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/bench-track.sh <clustd-binary>: the outage a client sees when the
# master's service dies and health tracking moves the VIP (run by
# `sudo make bench`).
#
# Topology (network namespaces, nothing touches the host's network): n1
# 198.51.100.11 priority 150, n2 .12 priority 100, client c .200, one
# bridge; instance web, VRID 51, VIP 198.51.100.100, advert interval 100 ms,
# preempt on. Each node runs a web server (python3 http.server, port 80)
# and tracks it with a script every 100 ms (weight -100, rise = fall = 1).
# The client fetches http://VIP/ every 50 ms (new connection, 0.3 s
# timeout) and records who answered.
#
# Each run: SIGKILL n1's web server at a random point of the check cycle,
# wait until the client gets answers from n2, restart the server, wait
# until n1 has the VIP back and answers again. Figures per run:
#   outage   = start of the first request answered by n2 - start of the
#              first failed request (client-visible, 50 ms resolution)
#   failed   = requests without an answer during the move
#   kill->n2 = server killed -> start of the first request n2 answered
# Expected: kill->n2 <= check interval (100) + n2's Master_Down_Interval
# (3 x 100 + skew 60 = 361 ms) + a client period (50), about 510 ms.
#
# Environment:
#   BT_RUNS=5       runs (bounded: the bench stops starting runs after 100 s)
#   BT_OUT=FILE     also write the table and the raw runs there
#   KEEP=1          keep the work dir $T (logs, client record)
# shellcheck source-path=SCRIPTDIR
set -u

usage() {
	echo "usage: $0 <clustd-binary>" >&2
	exit 2
}
[ $# -eq 1 ] || usage

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
runs=${BT_RUNS:-5}
budget_ms=100000

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-track: needs root (network namespaces): sudo make bench" >&2
	exit 2
fi
if [ ! -x "$1" ]; then
	echo "bench-track: $1 is not an executable clustd binary" >&2
	exit 2
fi
case $runs in
[1-9] | [1-9][0-9]) ;;
*) echo "bench-track: BT_RUNS must be 1..99" >&2; exit 2 ;;
esac
# Read by t/net/lib.sh's clustd_start.
CLUSTD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export CLUSTD

# shellcheck source=../t/net/lib.sh
. "$top/t/net/lib.sh"
# shellcheck source=../t/net/lib_track.sh
. "$top/t/net/lib_track.sh"
# shellcheck source=bench-lib.sh
. "$here/bench-lib.sh"

VIP=198.51.100.100
say() {
	echo "bench-track: $*"
}

net_init bench-track
started=$(now_ms)
load=$(cut -d' ' -f1 /proc/loadavg)
net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
net_host c 198.51.100.200/24
tr_http_check_script
for n in n1:150:198.51.100.11 n2:100:198.51.100.12; do
	IFS=: read -r node prio addr <<<"$n"
	web_conf "$node" "$prio" "track = { scripts = ( { name = \"http\"; command = \"$T/check_http.sh\";
	  args = [ \"$addr\" ]; interval = 100; timeout = 500; weight = -100; rise = 1; fall = 1; } ); };"
	tr_web_start "$node" || { say "the web server of $node does not answer"; exit 1; }
done
clustd_start n1
wait_until 10 only_holder n1 $VIP || { say "n1 never became master"; exit 1; }
clustd_start n2
sleep 1
tr_client_start web c "http://$VIP/" 150
RAW=$T/runs.tsv		# run outage failed kill_to_n2 requests
: >"$RAW"
failures=0

# one_run <i>: prints the run's figures, or why it failed.
one_run() {
	local i=$1 t0 t1 out nfail nreq ff fn
	if ! wait_until 10 tr_client_answered web n1 "$(now_ms)" 5; then
		say "run $i: n1 does not answer through the VIP; run skipped"
		return 1
	fi
	bench_sleep_ms $((RANDOM % 100))
	t0=$(now_ms)
	tr_web_stop n1
	if ! wait_until 10 tr_client_answered web n2 "$t0" 3; then
		say "run $i: no answer from n2 within 10 s (last: $(tr_client_last web))"
		return 1
	fi
	t1=$(now_ms)
	read -r out nfail nreq _ fn <<<"$(tr_outage web "$t0" "$t1" n2)"
	printf '%s\t%s\t%s\t%s\t%s\n' "$i" "$out" "$nfail" "$((fn - t0))" "$nreq" >>"$RAW"
	say "run $i: outage $out ms, $nfail failed requests, kill -> first answer from n2 $((fn - t0)) ms"
	tr_web_start n1 || { say "run $i: n1's web server does not restart"; return 1; }
	if ! wait_until 10 eval 'only_holder n1 $VIP && tr_client_answered web n1 "$t1" 3'; then
		say "run $i: n1 did not take the VIP back"
		return 1
	fi
	return 0
}

for i in $(seq 1 "$runs"); do
	if [ $(($(now_ms) - started)) -gt "$budget_ms" ]; then
		say "time budget used up after $((i - 1)) runs"
		failures=$((failures + 1))
		break
	fi
	one_run "$i" || failures=$((failures + 1))
done
tr_client_stop web

# row <label> <column of $RAW>
row() {
	local n min med max
	cut -f"$2" "$RAW" | grep -E '^-?[0-9]+$' >"$T/vals"
	read -r n min med max < <(bench_stats "$T/vals")
	printf '%-34s %5s %8s %8s %8s\n' "$1" "$n/$runs" "$min" "$med" "$max"
}
{
	echo
	echo "Health tracking: client-visible outage when the master's web server dies"
	echo "(track script every 100 ms, weight -100: 150 -> 50 < 100; advert interval 100 ms; client every 50 ms)."
	echo "clustd $("$CLUSTD" -V 2>&1 | awk 'NR == 1 { print $NF }'), kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ), $(( ($(now_ms) - started) / 1000 )) s, load $load at start"
	echo
	printf '%-34s %5s %8s %8s %8s\n' figure runs min median max
	row "outage (first fail -> n2), ms" 2
	row "failed requests" 3
	row "kill -> first answer from n2, ms" 4
	echo
	echo "expected kill -> n2: <= 100 (check) + 361 (n2's MDI) + 50 (client period) = 511 ms"
} | tee "$T/results.txt"
if [ -n "${BT_OUT:-}" ]; then
	{ cat "$T/results.txt"; echo; echo "# raw runs: run outage_ms failed kill_to_n2_ms requests"; cat "$RAW"; } >"$BT_OUT"
fi
if [ "$failures" -gt 0 ]; then
	echo "bench-track: $failures run(s) failed; KEEP=1 keeps the logs" >&2
	exit 1
fi
exit 0
